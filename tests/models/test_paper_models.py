"""The neuron models of SNN papers (``alif``, ``st_bif``, ``ttfs``) against their definitions.

* ``st_bif`` against SpikingJelly 2.0.0's ``STBIFNode``, bit for bit: spikes (``+-theta``), the
  membrane ``q`` and the spike-count tracer ``acc_q`` after every step, on the reference files that
  ``tools/make_spikingjelly_references.py`` wrote (``tests/data/models/stbif_*.npz``). Each input
  reaches its neuron through a ``SpikeArray`` and an identity projection, as the engine runs it.
* A ``-theta`` spike reaches the targets as ``w * (-theta)``.
* ``alif`` and ``ttfs`` against trajectories computed by hand from their published equations (every
  value a dyadic fraction, so that float64 holds them exactly).
* Each comparison can fail: a perturbed parameter gives a mismatch.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "models"
STBIF_CASES = ("unsigned", "symmetric", "unbounded")


def _run(model: str, inputs: np.ndarray, init: dict | None = None, **params) -> tuple[np.ndarray, ns.SimResult]:
    """Run one population of ``model`` fed by ``inputs`` ((T, N) values) through identity weights,
    probing it. Returns the (T, N) spike values and the result."""
    ticks, size = inputs.shape
    net = ns.Network(f"{model}-paper")
    net.spike_array("in", inputs.astype(np.float64))
    net.population("p", size, model, init=init, **params)
    net.connect("in", "p", np.eye(size))
    result = ns.simulate(net, ticks, probe=["p"])
    return result.spike_matrix("p"), result


def _stbif_reference(case: str) -> dict[str, np.ndarray]:
    with np.load(DATA / f"stbif_{case}.npz") as f:
        return {k: f[k] for k in f.files}


def _stbif_mismatches(ref: dict[str, np.ndarray], **override) -> list[str]:
    """How neurosim's st_bif differs from SpikingJelly's recorded run (empty: bit for bit)."""
    params = {"theta": float(ref["theta"]), "pos_max": float(ref["pos_max"]), "neg_min": float(ref["neg_min"])}
    params.update(override)
    spikes, result = _run("st_bif", ref["inputs"], **params)
    out = []
    for name, got in (("spikes", spikes), ("q", result.state("p", "q")), ("acc_q", result.state("p", "acc_q"))):
        want = ref["out" if name == "spikes" else name].astype(np.float64)
        if not np.array_equal(got, want):
            t, k = np.argwhere(got != want)[0]
            out.append(f"{name} differ first at step {t}, neuron {k}: neurosim {got[t, k]!r}, "
                       f"SpikingJelly {want[t, k]!r}")
    return out


@pytest.mark.parametrize("case", STBIF_CASES)
def test_st_bif_matches_spikingjelly_bit_for_bit(case: str) -> None:
    ref = _stbif_reference(case)
    assert np.any(ref["out"] > 0) and np.any(ref["out"] < 0), "the reference must have spikes of both signs"
    if case != "unbounded":
        assert np.any(ref["acc_q"] == ref["pos_max"]), "the reference must reach the tracer's upper bound"
        assert np.any((ref["acc_q"] == ref["neg_min"]) & (ref["inputs"] < 0)), "and push below its lower one"
    assert _stbif_mismatches(ref) == []


@pytest.mark.parametrize("override", [{"pos_max": 6.0}, {"theta_ulp": 1}], ids=["pos_max-1", "theta+1ulp"])
def test_st_bif_comparison_fails_for_a_perturbed_parameter(override: dict) -> None:
    ref = _stbif_reference("unsigned")
    if "theta_ulp" in override:
        theta = np.float32(ref["theta"])
        override = {"theta": float(np.nextafter(theta, np.float32(np.inf)))}
    assert _stbif_mismatches(ref, **override)


def test_st_bif_spikes_reach_targets_as_weight_times_signed_theta() -> None:
    """st_bif -> integrator through weights ``w``: the integrator's input is ``w * (+-theta)``."""
    ref = _stbif_reference("symmetric")
    ticks, size = ref["inputs"].shape
    w = np.random.default_rng(0).normal(0.0, 1.0, size).astype(np.float32).astype(np.float64)
    net = ns.Network("st_bif-targets")
    net.spike_array("in", ref["inputs"].astype(np.float64))
    net.population("p", size, "st_bif", theta=float(ref["theta"]), pos_max=float(ref["pos_max"]),
                   neg_min=float(ref["neg_min"]))
    net.population("sum", size, "integrator")
    net.connect("in", "p", np.eye(size))
    net.connect("p", "sum", np.diag(w))
    result = ns.simulate(net, ticks, probe=["sum"])
    expected = np.cumsum(w * ref["out"].astype(np.float64), axis=0)
    assert np.any(ref["out"] < 0)
    np.testing.assert_array_equal(result.state("sum", "v"), expected)


def test_st_bif_starts_at_half_threshold_unless_told() -> None:
    """q starts at 0.5 (V = theta / 2): an input of theta / 2 fires; from q = 0 it does not."""
    x = np.array([[0.5], [0.0]])
    half, _ = _run("st_bif", x, theta=1.0, pos_max=3.0)
    zero, _ = _run("st_bif", x, init={"q": 0.0}, theta=1.0, pos_max=3.0)
    assert half[:, 0].tolist() == [1.0, 0.0]
    assert zero[:, 0].tolist() == [0.0, 0.0]


def test_st_bif_negative_spike_only_takes_back_what_was_sent() -> None:
    """theta = 0.5, neg_min = 0: q goes 0.5 -> 1.5 (+theta, q 0.5) -> -0.5 (-theta, q 0.5, acc 0)
    -> -1.5 (no room below 0: q stays -1.5, no spike)."""
    x = np.array([[0.5], [-0.5], [-0.5]])
    spikes, result = _run("st_bif", x, theta=0.5, pos_max=4.0, neg_min=0.0)
    assert spikes[:, 0].tolist() == [0.5, -0.5, 0.0]
    assert result.state("p", "q")[:, 0].tolist() == [0.5, 0.5, -0.5]
    assert result.state("p", "acc_q")[:, 0].tolist() == [1.0, 0.0, 0.0]


# alif, by hand (alpha = rho = 0.5, v_th = 1, beta = 0.5): each tick a <- rho a + s_prev,
# v <- alpha v + x - v_th s_prev, spike iff v > v_th + beta a.
#   t  x     a      v                                    threshold  spike
#   0  0.75  0      0.75                                 1          no
#   1  0.75  0      0.375 + 0.75 = 1.125                 1          yes
#   2  1.5   1      0.5625 + 1.5 - 1 = 1.0625            1.5        no  (the adapted threshold blocks it)
#   3  0     0.5    0.53125                              1.25       no
#   4  1.5   0.25   0.265625 + 1.5 = 1.765625            1.125      yes
#   5  0     1.125  0.8828125 - 1 = -0.1171875           1.5625     no
ALIF_X = [0.75, 0.75, 1.5, 0.0, 1.5, 0.0]
ALIF_V = [0.75, 1.125, 1.0625, 0.53125, 1.765625, -0.1171875]
ALIF_A = [0.0, 0.0, 1.0, 0.5, 0.25, 1.125]
ALIF_SPIKES = [0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
ALIF_PARAMS = {"alpha": 0.5, "rho": 0.5, "v_th": 1.0, "beta": 0.5}


def test_alif_hand_computed_trajectory() -> None:
    spikes, result = _run("alif", np.array(ALIF_X)[:, None], **ALIF_PARAMS)
    assert spikes[:, 0].tolist() == ALIF_SPIKES
    assert result.state("p", "v")[:, 0].tolist() == ALIF_V
    assert result.state("p", "a")[:, 0].tolist() == ALIF_A


def test_alif_trajectory_check_fails_without_adaptation() -> None:
    """beta = 0 (a plain LIF with e-prop's reset) fires at tick 2, which the adapted threshold blocks."""
    spikes, _ = _run("alif", np.array(ALIF_X)[:, None], **{**ALIF_PARAMS, "beta": 0.0})
    assert spikes[:, 0].tolist() != ALIF_SPIKES
    assert spikes[2, 0] == 1.0


def test_alif_sleeps_through_silence_with_the_spikes_of_dense_steps() -> None:
    """Unprobed, the neuron sleeps through a long silence (fewer updates) and fires as when it is
    updated every tick; the probed trajectory is the equations stepped in float64."""
    x = np.zeros((60, 1))
    x[[0, 1, 40, 41], 0] = [1.5, 0.25, 0.75, 0.75]
    net = ns.Network("alif-idle")
    net.spike_array("in", x)
    net.population("p", 1, "alif", alpha=0.75, rho=0.875, v_th=1.0, beta=0.5)
    net.connect("in", "p", np.eye(1))
    sleeping = ns.simulate(net, 60)
    probed = ns.simulate(net, 60, probe=["p"])
    v, a, s_prev, spikes = 0.0, 0.0, 0.0, []
    for t in range(60):
        a = 0.875 * a + s_prev
        v = 0.75 * v + x[t, 0] - s_prev
        s_prev = 1.0 if v > 1.0 + 0.5 * a else 0.0
        spikes += [t] if s_prev else []
    assert [np.flatnonzero(r.spike_matrix("p")[:, 0]).tolist() for r in (sleeping, probed)] == [spikes, spikes]
    assert spikes == [0, 41]
    assert sleeping.counters.pop_updates.sum() < probed.counters.pop_updates.sum()
    assert probed.state("p", "v")[-1, 0] == v and probed.state("p", "a")[-1, 0] == a


# ttfs, by hand (v_th = 1, gain = 1). psp="ramp": i accumulates the inputs, v integrates i.
#   x         0.25  0     0     0.5   0     0     2     0
#   ramp i    0.25  0.25  0.25  0.75  frozen after the spike at tick 3
#   ramp v    0.25  0.5   0.75  1.5   (spike; later input ignored)
#   step v    0.25  0.25  0.25  0.75  0.75  0.75  2.75 (spike at tick 6)
TTFS_X = [0.25, 0.0, 0.0, 0.5, 0.0, 0.0, 2.0, 0.0]


def test_ttfs_ramp_hand_computed_trajectory() -> None:
    spikes, result = _run("ttfs", np.array(TTFS_X)[:, None], v_th=1.0)
    assert spikes[:, 0].tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    assert result.state("p", "v")[:, 0].tolist() == [0.25, 0.5, 0.75, 1.5, 1.5, 1.5, 1.5, 1.5]
    assert result.state("p", "i")[:, 0].tolist() == [0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75, 0.75]
    assert result.state("p", "done")[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 1, 1]


def test_ttfs_step_hand_computed_trajectory() -> None:
    spikes, result = _run("ttfs", np.array(TTFS_X)[:, None], v_th=1.0, psp="step")
    assert spikes[:, 0].tolist() == [0, 0, 0, 0, 0, 0, 1, 0]
    assert result.state("p", "v")[:, 0].tolist() == [0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 2.75, 2.75]


def test_ttfs_trajectory_check_fails_for_a_perturbed_threshold() -> None:
    """v_th = 1.5 with threshold '>': the ramp reaches 1.5 at tick 3 without firing; it fires at tick 4."""
    spikes, _ = _run("ttfs", np.array(TTFS_X)[:, None], v_th=1.5, threshold=">")
    assert spikes[:, 0].tolist() == [0, 0, 0, 0, 1, 0, 0, 0]


def test_ttfs_fires_once_under_constant_drive() -> None:
    """A bias above threshold would fire an IF neuron every tick; ttfs fires once, at tick 0."""
    spikes, _ = _run("ttfs", np.zeros((20, 3)), bias=np.array([2.0, 0.5, -1.0]), v_th=1.0)
    assert spikes.sum(axis=0).tolist() == [1.0, 1.0, 0.0]
    assert np.flatnonzero(spikes[:, 0]).tolist() == [0]
    assert np.flatnonzero(spikes[:, 1]).tolist() == [1]  # ramp of bias: v = 0.5, then 1.0


@pytest.mark.parametrize("name, equation", [("alif", "a <- rho * a + s_prev"),
                                            ("st_bif", "acc_q <- round(acc_q)"),
                                            ("ttfs", "if s:  done <- 1")])
def test_cli_prints_the_equations(name: str, equation: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["models"]) == 0
    assert any(line.split()[0] == name for line in capsys.readouterr().out.splitlines())
    assert main(["models", name]) == 0
    assert equation in capsys.readouterr().out
