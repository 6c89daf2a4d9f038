"""The PSN family (``sliding_psn``, ``masked_psn``, ``psn``) against SpikingJelly 2.0.0, and its costs.

* Spikes equal to SpikingJelly's ``SlidingPSN``, ``MaskedPSN`` and ``PSN`` on the reference files that
  ``tools/make_spikingjelly_references.py`` wrote (``tests/data/models/psn_*.npz``): several samples
  of ``T`` steps, each input reaching its neuron through a ``SpikeArray`` and an identity projection.
  The *exact* cases (dyadic weights, integer inputs: every sum exact in float32 whatever its order)
  put many neurons exactly on ``h + bias == 0``, where Heaviside fires; the *float* cases use random
  float32 values (PyTorch may sum in another order there, see ``docs/models.md``).
* Each comparison can fail: a bias moved by one float32 ulp changes the spikes of the exact cases.
* ``psn`` sends step ``t`` of a window at tick ``w + T - 1 + t`` (hand-computed).
* SynOps of ``sliding_psn``: input events x fan-out, once per event; the same dynamics built from
  ``k`` delayed synapses per connection cost ``k`` times as many (hand-computed report).
* ``neurosim models`` lists each model with a whole first sentence and prints its equations.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.models.masked_psn import masked_weight_params
from neurosim.models.psn import psn_params
from neurosim.models.sliding_psn import sliding_weight_params
from neurosim.workflows.run import run_on_chip

DATA = Path(__file__).resolve().parent.parent / "data" / "models"
CASES = ("sliding_exact", "sliding_float", "masked_exact", "masked_float", "psn_exact", "psn_float")


def _reference(case: str) -> dict[str, np.ndarray]:
    with np.load(DATA / f"psn_{case}.npz") as f:
        return {k: f[k] for k in f.files}


def _params(case: str, ref: dict[str, np.ndarray], bias_shift: float = 0.0) -> tuple[str, dict]:
    kind = case.split("_")[0]
    bias = ref["bias"] + np.float32(bias_shift)
    if kind == "sliding":
        return "sliding_psn", sliding_weight_params(ref["weight"], float(bias))
    if kind == "masked":
        return "masked_psn", masked_weight_params(ref["weight"], bias, int(ref["k"]))
    return "psn", psn_params(ref["weight"], bias)


def _spikes(model: str, params: dict, inputs: np.ndarray) -> np.ndarray:
    """(ticks, N) spikes of one population of ``model`` fed ``inputs`` through identity weights."""
    ticks, size = inputs.shape
    net = ns.Network(f"{model}-reference")
    net.spike_array("in", inputs.astype(np.float64))
    net.population("p", size, model, **params)
    net.connect("in", "p", np.eye(size))
    return ns.simulate(net, ticks).spike_matrix("p")


def _neurosim_spikes(case: str, ref: dict[str, np.ndarray], bias_shift: float = 0.0) -> np.ndarray:
    """Spikes as SpikingJelly lays them out: ``[S * T, N]``, step by step of each sample."""
    model, params = _params(case, ref, bias_shift)
    x, steps = ref["inputs"], int(ref["T"])
    if model == "sliding_psn":  # no windows: each sample is a run of its own (SpikingJelly resets the queue)
        return np.concatenate([_spikes(model, params, x[s:s + steps]) for s in range(0, x.shape[0], steps)])
    if model == "masked_psn":  # windows of T ticks start afresh: the samples run back to back
        return _spikes(model, params, x)
    late = np.concatenate([x, np.zeros((steps - 1, x.shape[1]), x.dtype)])  # psn sends T - 1 ticks late
    return _spikes(model, params, late)[steps - 1:]


@pytest.mark.parametrize("case", CASES)
def test_psn_spikes_equal_spikingjelly(case: str) -> None:
    ref = _reference(case)
    got = _neurosim_spikes(case, ref)
    want = ref["spikes"].astype(np.float64)
    assert got.shape == want.shape
    bad = np.argwhere(got != want)
    assert bad.size == 0, (f"{case}: {len(bad)} spikes differ, first at step {bad[0][0]}, neuron {bad[0][1]} "
                           f"(SpikingJelly h + bias = {ref['h'][tuple(bad[0])]!r})")


@pytest.mark.parametrize("case", [c for c in CASES if c.endswith("exact")])
def test_exact_cases_have_ties_and_a_one_ulp_bias_change_is_seen(case: str) -> None:
    ref = _reference(case)
    ties = ref["h"] == 0
    assert ties.sum() >= 5 and (ref["spikes"][ties] == 1).all()  # Heaviside(0) = 1 is exercised
    ulp = float(np.spacing(np.float32(1.0)))
    lowered = _neurosim_spikes(case, ref, bias_shift=-ulp)
    assert (lowered != ref["spikes"]).sum() == ties.sum()  # exactly the ties stop firing


def test_psn_sends_a_window_t_minus_1_ticks_late() -> None:
    """T = 3, step t's h is the window's input 0 (weights of column 0 only), bias -0.5: one input at
    the first tick of windows 0 and 2 gives spikes for all three steps of those windows, sent at
    ticks 2, 3, 4 and 8, 9, 10."""
    weight = np.zeros((3, 3))
    weight[:, 0] = 1.0
    x = np.zeros((12, 1))
    x[[0, 6], 0] = 1.0
    spikes = _spikes("psn", psn_params(weight, [-0.5] * 3), x)[:, 0]
    assert np.flatnonzero(spikes).tolist() == [2, 3, 4, 8, 9, 10]


def _sliding_network(taps_in_neuron: bool, weight: np.ndarray) -> ns.Network:
    """3 inputs -> 4 sliding PSNs, all to all. ``taps_in_neuron``: the k taps are the neuron's own;
    otherwise each connection is k synapses of delays 0 .. k-1 into order-1 neurons (the input
    weight times tap weight ``w_d`` on the synapse of delay ``d``)."""
    k = weight.size
    net = ns.Network("sliding-synops")
    net.spike_times("in", 3, [0, 4, 2, 5, 6], [0, 0, 1, 2, 2])  # 5 input events
    syn = np.array([[1.0, 0.5, 0.25, 2.0], [0.5, 1.0, 1.0, 0.25], [2.0, 0.25, 0.5, 1.0]]).T  # (post, pre)
    if taps_in_neuron:
        net.population("p", 4, "sliding_psn", **sliding_weight_params(weight, -0.75))
        net.connect("in", "p", syn)
    else:
        net.population("p", 4, "sliding_psn", w0=1.0, bias=-0.75)
        post, pre = np.nonzero(syn)
        for d in range(k):
            net.connect_synapses("in", "p", pre, post, syn[post, pre] * weight[k - 1 - d], np.full(pre.size, d),
                                 name=f"tap{d}")
    return net


def test_sliding_psn_synops_are_input_events_times_fan_out() -> None:
    weight = np.array([0.25, 0.5, 1.0])  # k = 3, exp_init
    ticks = 10  # every delayed copy arrives within the run
    inside = run_on_chip(_sliding_network(True, weight), "generic_45nm", ticks, latency=False)
    copies = run_on_chip(_sliding_network(False, weight), "generic_45nm", ticks, latency=False)
    assert inside.report.operations.synops == 5 * 4  # 5 input events x fan-out 4
    assert copies.report.operations.synops == 5 * 4 * 3  # the delay line built from synapses: k = 3 times
    assert np.array_equal(inside.result.spike_matrix("p"), copies.result.spike_matrix("p"))  # the same dynamics
    assert inside.result.spike_matrix("p").sum() > 0


@pytest.mark.parametrize("name, equation", [("sliding_psn", "h  <- h + w_d * x_d"),
                                            ("masked_psn", "h  <- h + w{p}_{j} * x_j"),
                                            ("psn", "send S_0;   s_t <- S_t for t = 1 .. T-1"),
                                            ("cuba_lif", "if not syn == None: self.syn = mem")])
def test_cli_lists_the_models_and_prints_their_equations(name: str, equation: str,
                                                         capsys: pytest.CaptureFixture) -> None:
    assert main(["models"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.split()[0] == name)
    assert line.rstrip().endswith(".")  # a whole first sentence
    assert main(["models", name]) == 0
    assert equation in capsys.readouterr().out
