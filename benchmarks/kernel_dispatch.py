"""The per-call cost of entering the engine kernel (decision 0009).

Two figures: Numba's dispatch of one function taking 60 arrays flat, in 6 plain tuples and in 6
named tuples (the kernel's argument groups are named tuples, ``neurosim.engine.state``); and the
engine's whole per-call path at its worst, one tick per call into the kernel on a small network
(``simulate(..., chunk_ticks=1)``), where the Python side of each chunk weighs most. Run it from
two checkouts, alternating, to compare them; the default chunks take about 0.1 s each, so these
microseconds matter only when chunks are tiny.

    PYTHONPATH=. python benchmarks/kernel_dispatch.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

import neurosim as ns

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from networks import recurrent_network  # noqa: E402

N_ARRAYS = 60
GROUP = 10


def _dispatch_functions():
    """(flat, tuples, named tuples) functions over N_ARRAYS arrays, with the arguments of each."""
    arrays = [np.zeros(10, np.int64) if i % 3 else np.zeros(10) for i in range(N_ARRAYS)]
    names = [f"a{i}" for i in range(N_ARRAYS)]
    scope: dict = {}
    exec(f"def flat({', '.join(names)}):\n    return a0[0] + a1[0] + a2[0]\n", scope)
    groups = [names[i:i + GROUP] for i in range(0, N_ARRAYS, GROUP)]
    classes = [collections.namedtuple(f"Group{k}", fields) for k, fields in enumerate(groups)]
    args = ", ".join(f"g{k}" for k in range(len(groups)))
    exec(f"def tupled({args}):\n    return g0[0][0] + g0[1][0] + g0[2][0]\n", scope)
    exec(f"def named({args}):\n    return g0.a0[0] + g0.a1[0] + g0.a2[0]\n", scope)
    chunks = [arrays[i:i + GROUP] for i in range(0, N_ARRAYS, GROUP)]
    return [("flat", njit(scope["flat"]), arrays),
            ("plain tuples", njit(scope["tupled"]), [tuple(c) for c in chunks]),
            ("named tuples", njit(scope["named"]), [cls(*c) for cls, c in zip(classes, chunks)])]


def _per_call_us(function, args, calls: int) -> float:
    function(*args)
    start = time.perf_counter()
    for _ in range(calls):
        function(*args)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    functions = _dispatch_functions()
    for name, function, args in functions:
        times = [_per_call_us(function, args, 20_000) for _ in range(rounds)]
        print(f"dispatch, {N_ARRAYS} arrays as {name}: best {min(times):.1f} us, median {np.median(times):.1f} us")
    compiled = ns.compile_network(recurrent_network())
    ns.simulate(compiled, 50, chunk_ticks=1)
    ticks = 4000
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        ns.simulate(compiled, ticks, chunk_ticks=1)
        times.append((time.perf_counter() - start) / ticks * 1e6)
    print(f"engine, one tick per call: best {min(times):.1f} us, median {np.median(times):.1f} us per call")


if __name__ == "__main__":
    main()
