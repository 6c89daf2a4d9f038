"""A second process start compiles nothing: the engine kernel comes from Numba's on-disk cache.

Two fresh Python processes run the same small simulation with the same, initially empty,
``NEUROSIM_CACHE_DIR``. The first generates the engine module there and compiles its kernel; the
second must load ``run_ticks`` from the cache (``stats.cache_hits``) and compile none of it
(``stats.cache_misses`` empty). See ``neurosim.engine.codegen`` and ``neurosim._jit``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import neurosim

PACKAGE_PARENT = Path(neurosim.__file__).resolve().parents[1]  # the children import this neurosim

CHILD = textwrap.dedent("""
    import json
    import neurosim as ns
    from neurosim.engine.codegen import engine_module

    net = ns.Network()
    net.poisson("in", 20, p=0.1, seed=3)
    net.population("hid", 10, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "hid", weights=0.3, delays=2)
    compiled = ns.compile_network(net)
    module = engine_module(compiled.models)  # the module simulate() gets, unless a source changes
    result = ns.simulate(compiled, ticks=50)
    stats = module.run_ticks.stats
    print(json.dumps({"cache_hits": [str(sig) for sig in stats.cache_hits],
                      "cache_misses": [str(sig) for sig in stats.cache_misses],
                      "engine_file": module.__file__,
                      "sources_unchanged": engine_module(compiled.models) is module,
                      "spikes": result.counters.spikes}))
""")


def _run_child(cache_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}  # real JIT, default cache
    env["NEUROSIM_CACHE_DIR"] = str(cache_dir)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", CHILD], cwd=cache_dir, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_second_process_loads_the_engine_kernel_from_cache(tmp_path):
    first = _run_child(tmp_path)
    second = _run_child(tmp_path)
    print("first process: ", first)
    print("second process:", second)
    # Guards against editing neurosim while the test runs (a new engine module, compiled afresh).
    assert first["sources_unchanged"] and second["sources_unchanged"]
    assert second["engine_file"] == first["engine_file"], "the engine or a model source changed in between"
    assert first["cache_misses"], "the first process should have compiled the kernel (fresh cache dir)"
    assert second["cache_misses"] == []
    assert second["cache_hits"] != []
    assert second["spikes"] == first["spikes"]
