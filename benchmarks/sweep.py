"""Design-space sweep cost: one simulation re-routed and re-costed, against the alternatives.

For two models it times the same sweep three ways, best and median of ``--repeat`` runs:

- ``rerouted``: ``neurosim.sweep`` as it is: one simulation, other placements re-routed, the
  energy constants re-costed;
- ``recost_only``: one sweep per placement (what re-costing alone, without re-routing, costs);
- ``resimulate_all``: ``run_nir`` / ``run_on_chip`` for every point (no sharing at all).

Models: the bundled digits model (10 samples, ``loihi_sanafe``, neurons_per_core x e_synop_J x
e_hop_x_J = 16 points) and a 2,000-neuron recurrent LIF network with delays 1..4 (2,000 ticks,
8 points). Prints one JSON document on stdout::

    python benchmarks/sweep.py > sweep.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

import numpy as np

from _common import machine_info  # benchmarks/ is sys.path[0] when run as a script
from neurosim import Network, load_chip
from neurosim.workflows.sweep import sweep
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir, run_on_chip

CHIP = "loihi_sanafe"
DIGITS_VARY = {"neurons_per_core": [8, 16, 32, 64], "e_synop_J": [1e-11, 2.36e-11], "e_hop_x_J": [1e-12, 3e-12]}
RECURRENT_VARY = {"neurons_per_core": [64, 128, 256, 512], "e_synop_J": [1e-11, 2.36e-11]}
RECURRENT_TICKS = 2000


def recurrent_network() -> Network:
    """500 Poisson inputs -> 2,000 recurrent LIF neurons (p = 0.02, delays 1..4)."""
    rng = np.random.default_rng(1)
    net = Network("recurrent2000")
    net.poisson("in", 500, p=0.05, seed=2)
    net.population("h", 2000, "lif", beta=0.95, v_th=1.0)
    net.connect("in", "h", weights=rng.uniform(0, 0.3, (2000, 500)) * (rng.random((2000, 500)) < 0.05), delays=1)
    net.connect("h", "h", weights=rng.uniform(-0.1, 0.12, (2000, 2000)) * (rng.random((2000, 2000)) < 0.02),
                delays=rng.integers(1, 5, (2000, 2000)))
    return net


def timed(f: Callable[[], object], repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return {"best_s": min(times), "median_s": statistics.median(times)}


def digits_cases(data: dict) -> dict[str, Callable[[], object]]:
    model, kw = bundled(BUNDLED_MODEL), dict(inputs=data, samples=10, dialect=BUNDLED_DIALECT)
    chip = load_chip(CHIP)

    def rerouted():
        assert sweep(model, CHIP, None, DIGITS_VARY, **kw).simulations == 1

    def recost_only():
        for n in DIGITS_VARY["neurons_per_core"]:
            sweep(model, CHIP, None, {**DIGITS_VARY, "neurons_per_core": [n]}, **kw)

    def resimulate_all():
        for n in DIGITS_VARY["neurons_per_core"]:
            for e in DIGITS_VARY["e_synop_J"]:
                for h in DIGITS_VARY["e_hop_x_J"]:
                    run_nir(model, data, chip.replace(e_synop_J=e, e_hop_x_J=h), BUNDLED_DIALECT, samples=10,
                            neurons_per_core=n)

    return {"rerouted": rerouted, "recost_only": recost_only, "resimulate_all": resimulate_all}


def recurrent_cases(net: Network) -> dict[str, Callable[[], object]]:
    chip = load_chip(CHIP)

    def rerouted():
        assert sweep(net, CHIP, RECURRENT_TICKS, RECURRENT_VARY).simulations == 1

    def recost_only():
        for n in RECURRENT_VARY["neurons_per_core"]:
            sweep(net, CHIP, RECURRENT_TICKS, {**RECURRENT_VARY, "neurons_per_core": [n]})

    def resimulate_all():
        for n in RECURRENT_VARY["neurons_per_core"]:
            for e in RECURRENT_VARY["e_synop_J"]:
                run_on_chip(net, chip.replace(e_synop_J=e), RECURRENT_TICKS, neurons_per_core=n)

    return {"rerouted": rerouted, "recost_only": recost_only, "resimulate_all": resimulate_all}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (best and median reported)")
    args = parser.parse_args()
    data = load_input_file(bundled(BUNDLED_SAMPLES))
    doc = {"machine": machine_info(), "chip": CHIP}
    for name, cases, points in (("digits", digits_cases(data), 16),
                                ("recurrent2000", recurrent_cases(recurrent_network()), 8)):
        cases["rerouted"]()  # warm-up: Numba cache, imports
        doc[name] = {"points": points, **{case: timed(f, args.repeat) for case, f in cases.items()}}
        doc[name]["saving_vs_resimulate_all"] = doc[name]["resimulate_all"]["best_s"] / doc[name]["rerouted"]["best_s"]
    with ProcessPoolExecutor(2) as pool:
        pool.submit(int).result()  # start the workers before timing
        doc["digits"]["rerouted_2_workers"] = timed(
            lambda: sweep(bundled(BUNDLED_MODEL), CHIP, None, DIGITS_VARY, executor=pool, inputs=data, samples=10,
                          dialect=BUNDLED_DIALECT), args.repeat)
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
