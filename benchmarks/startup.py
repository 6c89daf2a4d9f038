"""Start-up of ``neurosim run`` (the bundled model): fresh processes, warm and cold cache, medians.

Prints one JSON document::

    python benchmarks/startup.py [--repeat 5] [--cold 1] [--trees TREE_A,TREE_B] [--first-calls]

Each measurement is one fresh ``python -m neurosim.cli run`` process (output discarded):

- ``warm``: the Numba caches already filled (one unmeasured run first);
- ``cold``: an empty ``NEUROSIM_CACHE_DIR`` (the engine kernel is compiled) and an empty
  ``NUMBA_CACHE_DIR`` (the package's own jitted helpers are compiled too);
- ``import``: ``python -c "import neurosim.cli"`` alone.

Python's bytecode cache is on, as in an installed package (``pip`` writes the ``.pyc`` files):
``PYTHONDONTWRITEBYTECODE`` is dropped and each tree gets its own ``PYTHONPYCACHEPREFIX`` in the
temporary folder, filled by the unmeasured first run, so that no measurement compiles Python
source and nothing is written into the trees.

``--first-calls`` adds ``first_calls``: one more cold process per tree that times the first call of
every jitted function (``Dispatcher._compile_for_args``: compiling it, or loading it from the
cache, plus Numba's own start on the first one), in call order.

Every figure is given as wall time and as CPU time (user + system of the child, from
``os.wait4``): on a shared machine the wall time includes other jobs' time slices, the CPU time
much less so. ``--trees`` runs the same measurements for several source trees (``PYTHONPATH``
first), alternating them in every repeat, so two revisions can be compared in one run (the
ratio is per repeat, then the median).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {"import": ["-c", "import neurosim.cli"], "run": ["-m", "neurosim.cli", "run"]}


FIRST_CALLS = """
import json, sys, time
import numba.core.dispatcher as dispatcher
calls = []
compile_for_args = dispatcher.Dispatcher._compile_for_args
def timed(self, *args, **kwargs):
    start = time.perf_counter()
    try:
        return compile_for_args(self, *args, **kwargs)
    finally:
        calls.append({"function": f"{self.py_func.__module__}.{self.py_func.__qualname__}",
                      "seconds": time.perf_counter() - start})
dispatcher.Dispatcher._compile_for_args = timed
from neurosim.cli import main
start = time.perf_counter()
main(["run"])
print(json.dumps({"run_s": time.perf_counter() - start, "calls": calls}))
"""


def _environment(tree: Path, env: dict) -> dict:
    """The child's environment: ``env`` over ours, bytecode cached under ``env``'s prefix."""
    env = {**os.environ, **env, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _measure(tree: Path, command: str, env: dict) -> dict:
    """Wall and CPU seconds of one fresh process."""
    env = _environment(tree, env)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *COMMANDS[command]], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, cwd=tree)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} in {tree} failed: {proc.stderr.read().decode().strip()[-300:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime}


def _first_calls(tree: Path, env: dict) -> dict:
    """Seconds of the first call of each jitted function in one ``neurosim run``."""
    proc = subprocess.run([sys.executable, "-c", FIRST_CALLS], capture_output=True, text=True,
                          env=_environment(tree, env), cwd=tree)
    if proc.returncode != 0:
        raise SystemExit(f"first calls in {tree} failed: {proc.stderr.strip()[-300:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> dict:
    return {"wall_s": float(np.median([r["wall_s"] for r in runs])),
            "cpu_s": float(np.median([r["cpu_s"] for r in runs])), "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="warm measurements per tree (default 5)")
    ap.add_argument("--cold", type=int, default=1, help="cold measurements per tree (default 1; each compiles)")
    ap.add_argument("--trees", default=str(REPO), help="comma-separated source trees (default: this one)")
    ap.add_argument("--first-calls", action="store_true", help="time each jitted function's first call, cold")
    args = ap.parse_args()
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        warm_env = {t: {"NEUROSIM_CACHE_DIR": f"{tmp}/warm{k}", "NUMBA_CACHE_DIR": f"{tmp}/numba{k}",
                        "PYTHONPYCACHEPREFIX": f"{tmp}/pyc{k}"} for k, t in enumerate(trees)}
        for t in trees:
            _measure(t, "run", warm_env[t])  # fills the caches
        results = {str(t): {"import": [], "warm": [], "cold": []} for t in trees}
        for k in range(max(args.repeat, args.cold)):
            for t in trees:
                if k < args.repeat:
                    results[str(t)]["import"].append(_measure(t, "import", warm_env[t]))
                    results[str(t)]["warm"].append(_measure(t, "run", warm_env[t]))
                if k < args.cold:
                    cold = {**warm_env[t], "NEUROSIM_CACHE_DIR": f"{tmp}/cold{k}-{t.name}",
                            "NUMBA_CACHE_DIR": f"{tmp}/ncold{k}-{t.name}"}
                    results[str(t)]["cold"].append(_measure(t, "run", cold))
            print(f"repeat {k + 1} done", file=sys.stderr)
        first_calls = {str(t): _first_calls(t, {**warm_env[t], "NEUROSIM_CACHE_DIR": f"{tmp}/first{k}",
                                                "NUMBA_CACHE_DIR": f"{tmp}/nfirst{k}"})
                       for k, t in enumerate(trees) if args.first_calls}
    doc = {str(t): {kind: _summary(runs) for kind, runs in r.items() if runs} for t, r in results.items()}
    for t, calls in first_calls.items():
        doc[t]["first_calls"] = calls
    if len(trees) == 2:
        a, b = (results[str(t)] for t in trees)
        doc["ratio_second_over_first"] = {
            kind: {unit: float(np.median([y[unit] / x[unit] for x, y in zip(a[kind], b[kind])]))
                   for unit in ("wall_s", "cpu_s")} for kind in ("import", "warm", "cold") if a[kind]}
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
