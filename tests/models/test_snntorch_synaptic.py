"""``cuba_lif`` as snnTorch's ``Synaptic``, in both settings of ``current_from``, bit for bit.

The reference files (``tests/data/models/snntorch_synaptic_*.npz``) were written by
``tools/make_snntorch_synaptic_references.py`` with snnTorch 1.0.0, states passed explicitly:
``current`` is 1.0.0 as it is; ``membrane`` is the behaviour of snnTorch 0.8.0 to 0.9.1 (the current
overwritten by the previous membrane), which the script checked against its re-implementation of
0.9.1's ``Synaptic.forward`` and against snnTorch 0.9.1 itself. Spikes, the current ``syn`` and the
membrane ``mem`` after every step are compared exactly; each setting fails on the other's file. The
``membrane`` file is also checked here against a line-by-line re-implementation of 0.9.1's
``Synaptic.forward``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurosim as ns

DATA = Path(__file__).resolve().parent.parent / "data" / "models"


def _reference(case: str) -> dict[str, np.ndarray]:
    with np.load(DATA / f"snntorch_synaptic_{case}.npz") as f:
        return {k: f[k] for k in f.files}


def _mismatches(ref: dict[str, np.ndarray], current_from: str) -> list[str]:
    """How ``cuba_lif`` differs from snnTorch's recorded run (empty: bit for bit)."""
    ticks, size = ref["inputs"].shape
    net = ns.Network("synaptic")
    net.spike_array("in", ref["inputs"].astype(np.float64))
    net.population("p", size, "cuba_lif", alpha=ref["alpha"].astype(np.float64),
                   beta=ref["beta"].astype(np.float64), v_th=ref["threshold"].astype(np.float64),
                   reset="subtract_next", threshold=">", precision="float32", current_from=current_from)
    net.connect("in", "p", np.eye(size))
    result = ns.simulate(net, ticks, probe=["p"])
    out = []
    for name, got, key in (("spikes", result.spike_matrix("p"), "spikes"), ("i", result.state("p", "i"), "syn"),
                           ("v", result.state("p", "v"), "mem")):
        want = ref[key].astype(np.float64)
        if not np.array_equal(got, want):
            t, k = np.argwhere(got != want)[0]
            out.append(f"{name} differ first at step {t}, neuron {k}: neurosim {got[t, k]!r}, snnTorch {want[t, k]!r}")
    return out


@pytest.mark.parametrize("case", ["current", "membrane"])
def test_cuba_lif_matches_snntorch_synaptic_bit_for_bit(case: str) -> None:
    ref = _reference(case)
    assert str(ref["snntorch_version"]) == "1.0.0"
    assert ref["spikes"].sum() > 50
    assert _mismatches(ref, case) == []


@pytest.mark.parametrize("case, other", [("current", "membrane"), ("membrane", "current")])
def test_the_other_setting_does_not_match(case: str, other: str) -> None:
    assert _mismatches(_reference(case), other)


def _old_synaptic_step(x, syn, mem, alpha, beta, threshold):
    """snnTorch 0.9.1's ``Synaptic.forward(x, syn, mem)`` (``snntorch/_neurons/synaptic.py`` at tag
    v0.9.1; ``reset_mechanism="subtract"``, ``reset_delay=True``), float32, line by line."""
    syn = mem                                        # if not syn == None: self.syn = mem
    reset = ((mem - threshold) > 0).astype(np.float32)  # self.reset = self.mem_reset(self.mem)
    syn = alpha * syn + x                            # _base_state_function
    mem = beta * mem + syn
    mem = mem - reset * threshold                    # _base_sub
    spk = ((mem - threshold) > 0).astype(np.float32)  # self.fire(self.mem)
    return spk, syn, mem


def test_membrane_file_is_the_old_code() -> None:
    """The ``membrane`` reference (snnTorch 1.0.0 called as ``lif(x, mem, mem)``) is what 0.9.1's
    forward computes with the states passed back as they were returned."""
    ref = _reference("membrane")
    syn = np.zeros(ref["inputs"].shape[1], np.float32)
    mem = np.zeros_like(syn)
    for t, x in enumerate(ref["inputs"]):
        spk, syn, mem = _old_synaptic_step(x, syn, mem, ref["alpha"], ref["beta"], ref["threshold"])
        assert np.array_equal(spk, ref["spikes"][t]) and np.array_equal(syn, ref["syn"][t])
        assert np.array_equal(mem, ref["mem"][t])
