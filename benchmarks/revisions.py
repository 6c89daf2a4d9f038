"""Two revisions of neurosim on the same workloads, alternating, in one run: did a change slow anything?

Prints one JSON document::

    python benchmarks/revisions.py BASE [NEW] [--repeat 5] [--cuba-sizes 4000,64000] [--cuba-ticks 10000]

``BASE`` and ``NEW`` are git revisions of this repository (``NEW`` defaults to the working tree, uncommitted
changes included). Each revision other than the working tree is checked out once into a temporary
``git worktree``. Every measurement runs in a fresh process whose ``sys.path`` starts with that revision's
tree and whose ``NEUROSIM_CACHE_DIR`` is the revision's own, so nothing is shared but the machine.

Workloads, each repeated ``--repeat`` times as BASE, NEW, BASE, NEW, ... pairs:

- ``cuba``: ``benchmarks/engine.py``'s CUBA network (``cuba_neurosim``, public API only, so the same code
  drives both revisions) at each size: the simulation's wall time (``sim_wall_s``) and the build;
- ``main_job``: ``neurosim run`` on the bundled model and chip, in-process ``cli.main(["run"])``, wall
  time of the call (imports excluded, they are measured apart as ``import_s``).

Before the pairs each revision runs every workload once, unmeasured, to fill its Numba cache. The
figures are per-pair ratios NEW / BASE and their median (< 1: NEW is faster); on a shared machine one
pair can be 20-40 % off either way, so read the median. Spike and event counts of the two revisions
must be equal; ``counts_equal`` says whether they were.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import REPO, machine_info  # benchmarks/ is sys.path[0] when run as a script

HERE = Path(__file__).resolve()
COUNT_KEYS = ("spikes", "synaptic_events", "neuron_updates")


def _main_job() -> dict:
    """``neurosim run`` in this process, its output discarded; wall time of the call and of the imports."""
    t = time.perf_counter()
    from neurosim.cli import main
    import_s = time.perf_counter() - t
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        t = time.perf_counter()
        status = main(["run"])
        wall = time.perf_counter() - t
    return {"wall_s": wall, "import_s": import_s, "status": status}


def _cuba(n: int, ticks: int) -> dict:
    from engine import cuba_neurosim

    return cuba_neurosim(n=n, ticks=ticks, warmup=100)


WORKERS = {"main_job": _main_job, "cuba": _cuba}


def _child(tree: Path, cache: Path, worker: str, **kwargs) -> dict:
    """``worker(**kwargs)`` in a fresh process importing neurosim from ``tree``."""
    env = {**os.environ, "NEUROSIM_CACHE_DIR": str(cache), "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, str(HERE), "--worker", worker, "--kwargs", json.dumps(kwargs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tree)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-5:], "returncode": proc.returncode}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _timing(result: dict) -> float:
    return result["sim_wall_s"] if "sim_wall_s" in result else result["wall_s"]


def _pairs(trees: dict, caches: dict, worker: str, repeat: int, **kwargs) -> dict:
    """``repeat`` alternating (BASE, NEW) runs of one workload, with the ratio of each pair."""
    for name in trees:  # warm each revision's Numba cache
        _child(trees[name], caches[name], worker, **kwargs)
    runs = {"base": [], "new": []}
    for _ in range(repeat):
        for name in ("base", "new"):
            print(f"[bench] {name} {worker} {kwargs}", file=sys.stderr, flush=True)
            runs[name].append(_child(trees[name], caches[name], worker, **kwargs))
    ok = [(b, n) for b, n in zip(runs["base"], runs["new"]) if "error" not in b and "error" not in n]
    entry: dict = {"kwargs": kwargs, "base": runs["base"], "new": runs["new"]}
    if ok:
        ratios = [_timing(n) / _timing(b) for b, n in ok]
        entry.update({"base_median_s": float(np.median([_timing(b) for b, _ in ok])),
                      "new_median_s": float(np.median([_timing(n) for _, n in ok])),
                      "ratio_new_over_base": ratios, "ratio_median": float(np.median(ratios))})
        if worker == "cuba":
            entry["counts_equal"] = all(b[k] == n[k] for b, n in ok for k in COUNT_KEYS)
    return entry


@contextlib.contextmanager
def _checkout(revision: str | None, workdir: Path):
    """The tree of ``revision`` (a temporary git worktree), or the working tree for ``None``."""
    if revision is None:
        yield REPO
        return
    path = workdir / f"rev-{revision.replace('/', '_')}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), revision],
                   check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], capture_output=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", nargs="?", help="git revision to compare against")
    ap.add_argument("new", nargs="?", default=None, help="git revision (default: the working tree)")
    ap.add_argument("--repeat", type=int, default=5, help="alternating pairs per workload")
    ap.add_argument("--cuba-sizes", default="4000,64000", help="comma-separated N of the CUBA workload")
    ap.add_argument("--cuba-ticks", type=int, default=10_000, help="ticks of 0.1 ms")
    ap.add_argument("--skip", default="", help="comma-separated workloads to skip: cuba,main_job")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--kwargs", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        sys.path.insert(1, str(HERE.parent))  # engine.py's workloads, after the revision's tree
        print(json.dumps(WORKERS[args.worker](**json.loads(args.kwargs))))
        return
    if args.base is None:
        ap.error("give the BASE revision")
    skip = set(filter(None, args.skip.split(",")))
    doc: dict = {"schema": 1, "machine": machine_info(), "base": args.base, "new": args.new or "working tree",
                 "repeat": args.repeat}
    with tempfile.TemporaryDirectory(prefix="neurosim-revisions-") as tmp:
        workdir = Path(tmp)
        caches = {"base": workdir / "cache-base", "new": workdir / "cache-new"}
        with _checkout(args.base, workdir) as base, _checkout(args.new, workdir) as new:
            trees = {"base": base, "new": new}
            if "cuba" not in skip:
                doc["cuba"] = {f"N={n}": _pairs(trees, caches, "cuba", args.repeat, n=n, ticks=args.cuba_ticks)
                               for n in (int(x) for x in args.cuba_sizes.split(","))}
            if "main_job" not in skip:
                doc["main_job"] = _pairs(trees, caches, "main_job", args.repeat)
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
