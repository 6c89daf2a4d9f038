"""The float neuron models cuba_lif, if, li and integrator, on trajectories worked out by hand.

Handlers are called directly, one neuron at a time unless stated, as the engine calls them; every
hand-computed trajectory is also checked against the model's ``reference_step``. Values are chosen
dyadic (0.5, 0.25, ...) so that float64 and float32 are exact and the expectations are exact too,
except in the tests about float32 rounding.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurosim.models import NeuronModel, cuba_li, cuba_lif, get_model, if_

CUBA = get_model("cuba_lif")
IF = get_model("if")
LI = get_model("li")
INTEGRATOR = get_model("integrator")


def _arrays(model: NeuronModel, params: dict, state: dict | None = None,
            size: int = 1) -> tuple[np.ndarray, np.ndarray]:
    return model.encode_params(params, model.name, size), model.encode_state(state or {}, model.name, size)


def _handler(model: NeuronModel, params: np.ndarray, state: np.ndarray, x: np.ndarray, elapsed: np.ndarray,
             t: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One handler call on every neuron; returns (fired, awake) as (n,) bool arrays."""
    n = x.size
    fired, payload, awake = np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.int64)
    n_fired, n_awake = model.update(state, params, np.arange(n, dtype=np.int64), x.astype(np.float64),
                                    elapsed.astype(np.int64), t, 0, fired, payload, awake)
    assert np.all(payload[:n_fired] == 1.0)
    return np.isin(np.arange(n), fired[:n_fired]), np.isin(np.arange(n), awake[:n_awake])


def _run(model: NeuronModel, inputs: list[float], state: dict | None = None,
         **params) -> tuple[np.ndarray, list[bool], list[bool]]:
    """Drive one neuron every tick; returns (states (T, n_state), spikes (T,), awake (T,)).

    Also steps ``reference_step`` alongside and requires the same spikes and states.
    """
    p, comp = _arrays(model, params, state)
    ref = comp.copy()
    states, spikes, awake = [], [], []
    for t, x in enumerate(inputs):
        fired, is_awake = _handler(model, p, comp, np.array([x]), np.array([1]), t)
        ref_fired = model.reference_step(ref, p, np.array([float(x)])) != 0.0
        assert fired[0] == ref_fired[0] and np.array_equal(comp, ref), f"handler and reference differ at tick {t}"
        states.append(comp[0].copy())
        spikes.append(bool(fired[0]))
        awake.append(bool(is_awake[0]))
    return np.array(states), spikes, awake


def _dense(model: NeuronModel, params: np.ndarray, state: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """``reference_step`` for every row of ``inputs`` (ticks, n); returns the spikes (ticks, n)."""
    return np.array([model.reference_step(state, params, x) != 0.0 for x in inputs])


# ---- cuba_lif -------------------------------------------------------------------------------------


def test_cuba_lif_current_decays_and_drives_the_potential():
    """alpha = beta = 1/2 and one input of 1: i_n = 2**-n and v_n = (n + 1) * 2**-n."""
    states, spikes, _ = _run(CUBA, [1, 0, 0, 0, 0], alpha=0.5, beta=0.5, v_th=1.0)
    assert states[:, 0].tolist() == [1.0, 0.5, 0.25, 0.125, 0.0625]
    assert states[:, 1].tolist() == [1.0, 1.0, 0.75, 0.5, 0.3125]
    assert spikes == [False] * 5  # v = v_th = 1 twice, and threshold ">" needs more


def test_cuba_lif_stays_awake_while_its_current_could_still_reach_threshold():
    """Bound v_leak + beta * max(u, 0) + gain * i * alpha / (1 - min(alpha, beta)): 1.5, 1.0, 0.625, ..."""
    _, _, awake = _run(CUBA, [1, 0, 0, 0, 0], alpha=0.5, beta=0.5, v_th=1.0)
    assert awake == [True, True, False, False, False]


def test_cuba_lif_threshold_ge_fires_at_equality():
    states, spikes, _ = _run(CUBA, [1, 0, 0, 0, 0], alpha=0.5, beta=0.5, v_th=1.0, threshold=">=")
    assert spikes == [True, False, False, False, False]
    assert states[:, 1].tolist() == [0.0, 0.5, 0.5, 0.375, 0.25]


@pytest.mark.parametrize("reset, expected_v, expected_spikes", [
    ("value", [0.0, 1.0, 1.0, 0.75], [True, False, False, False]),
    ("subtract", [1.0, 0.5, 0.75, 0.625], [True, True, False, False]),
    ("subtract_next", [2.0, 1.0, 1.0, 0.75], [True, False, False, False]),
    ("none", [2.0, 2.0, 1.5, 1.0], [True, True, True, False]),
])
def test_cuba_lif_reset_modes(reset, expected_v, expected_spikes):
    """Input 2 then nothing, alpha = beta = 1/2, v_th = 1; the current is never reset."""
    states, spikes, _ = _run(CUBA, [2, 0, 0, 0], alpha=0.5, beta=0.5, v_th=1.0, reset=reset)
    assert states[:, 1].tolist() == expected_v
    assert spikes == expected_spikes
    assert states[:, 0].tolist() == [2.0, 1.0, 0.5, 0.25]


def test_cuba_lif_delayed_reset_keeps_the_neuron_awake_until_applied():
    """alpha = beta = 0 (no memory): after the spike only the pending reset keeps the neuron awake."""
    states, spikes, awake = _run(CUBA, [2, 0], alpha=0.0, beta=0.0, v_th=1.0, reset="subtract_next")
    assert spikes == [True, False]
    assert states[:, 1].tolist() == [2.0, -1.0]  # 2 stays until the next tick: 0 + 0 - v_th * 1
    assert states[:, 2].tolist() == [1.0, 0.0]
    assert awake == [True, False]


def test_cuba_lif_leak_gains_and_bias():
    """i <- alpha*i + gain_syn*x; v <- v_leak + (v - v_leak)*beta + gain*i + bias."""
    states, _, _ = _run(CUBA, [1, 0], alpha=0.5, beta=0.5, v_th=10.0, v_leak=-1.0, gain_syn=2.0, gain=0.5,
                        bias=0.25)
    assert states[:, 0].tolist() == [2.0, 1.0]
    assert states[:, 1].tolist() == [0.75, 0.625]  # -1 + 0.5 + 1 + 0.25; -1 + 0.875 + 0.5 + 0.25


def test_cuba_lif_float32_rounds_where_float64_does_not():
    """alpha = 0, beta = 1, gain_syn = 0.1: v sums 0.1 per tick; ten of them reach 1 only in float32."""
    _, spikes64, _ = _run(CUBA, [1] * 11, alpha=0.0, beta=1.0, gain_syn=0.1, v_th=1.0, reset="value")
    _, spikes32, _ = _run(CUBA, [1] * 11, alpha=0.0, beta=1.0, gain_syn=0.1, v_th=1.0, reset="value",
                          precision="float32")
    assert spikes64.index(True) == 10  # 0.1 added ten times is 0.9999999999999999 in float64
    assert spikes32.index(True) == 9  # and 1.0000001 in float32


@pytest.mark.parametrize("alpha, beta", [
    (0.5, 0.5), (0.9, 0.6), (0.6, 0.9), (0.0, 0.8), (0.8, 0.0), (0.0, 0.0), (1.0, 0.7), (0.7, 1.0),
    (0.9, 0.9 - 1e-12),  # nearly equal decays: (beta**k - alpha**k) / (beta - alpha) would cancel
])
@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("gap", [1, 2, 7, 60, 1000])
def test_cuba_lif_idle_catch_up_equals_stepping(alpha, beta, precision, gap):
    """One update after ``gap`` idle ticks == ``gap`` dense input-free ticks, then the same input."""
    params = dict(alpha=alpha, beta=beta, v_th=100.0, v_leak=0.1, gain_syn=0.7, gain=0.3, precision=precision)
    p, comp = _arrays(CUBA, params, {"i": 1.3, "v": 0.2})
    ref = comp.copy()
    _handler(CUBA, p, comp, np.array([0.5]), np.array([gap + 1]))
    _dense(CUBA, p, ref, np.array([[0.0]] * gap + [[0.5]]))
    if precision == "float32":
        assert np.array_equal(comp, ref)
    else:
        np.testing.assert_allclose(comp, ref, rtol=1e-12)


def test_cuba_lif_float32_catch_up_stops_at_the_fixed_point():
    """Ten million idle ticks cost only the ticks until (i, v) stops changing (~10**4 here)."""
    p, comp = _arrays(CUBA, dict(alpha=0.95, beta=0.99, v_th=100.0, v_leak=0.5, precision="float32"),
                      {"i": 1.0, "v": 3.0})
    ref = comp.copy()
    _dense(CUBA, p, ref, np.zeros((12_000, 1)))
    settled = ref.copy()
    _dense(CUBA, p, ref, np.zeros((1, 1)))
    assert np.array_equal(ref, settled)  # the dense run has reached its fixed point
    _handler(CUBA, p, comp, np.array([0.0]), np.array([10_000_000]))
    assert np.array_equal(comp, ref)


def test_cuba_lif_bias_keeps_a_resting_neuron_awake():
    p, state = _arrays(CUBA, dict(alpha=0.5, beta=0.5, v_th=1.0, bias=[0.0, 1e-3]), {"v": -5.0}, size=2)
    _, awake = _handler(CUBA, p, state, np.zeros(2), np.ones(2))
    assert awake.tolist() == [False, True]


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_cuba_lif_neuron_let_sleep_never_fires_without_input(precision):
    """The sleeping neurons closest to the awake bound stay silent for 6000 input-free dense ticks.

    For random parameters (slow decays, alpha == beta and decays of 1 included) and currents,
    bisection on the initial potential finds, to within an ulp, the highest one whose update leaves
    the neuron asleep; from there the dense reference must never fire.
    """
    rng = np.random.default_rng(7)
    n = 1000
    decays = [0.0, 0.5, 0.9, 0.99, 0.999, 1.0]
    alpha, beta = rng.choice(decays, n), rng.choice(decays, n)
    params = dict(alpha=alpha, beta=beta, v_th=rng.uniform(0.5, 2.0, n), v_leak=rng.choice([0.0, -0.3, 0.3], n),
                  gain=rng.choice([1.0, -1.0], n), threshold=rng.integers(0, 2, n), precision=precision,
                  reset="none")  # no reset: the awake flag then grows with the initial potential
    i = rng.uniform(-0.1, 0.1, n) * (1.0 - np.maximum(alpha, beta) + 1e-3)  # drive of order v_th
    p, _ = _arrays(CUBA, params, size=n)

    def update_from(v0):
        state = np.stack([i, v0, np.zeros(n)], axis=1)
        _, awake = _handler(CUBA, p, state, np.zeros(n), np.ones(n))
        return state, awake

    lo, hi = np.full(n, -10.0), np.full(n, 10.0)
    bracketed = ~update_from(lo)[1] & update_from(hi)[1]
    for _ in range(64):  # invariant: asleep after an update from lo, awake from hi
        mid = (lo + hi) / 2
        awake = update_from(mid)[1]
        lo, hi = np.where(awake, lo, mid), np.where(awake, mid, hi)
    state, awake = update_from(lo)
    assert bracketed.sum() > n // 2 and not awake[bracketed].any()
    later = _dense(CUBA, p, state, np.zeros((6000, n)))
    assert not later[:, bracketed].any()


# ---- if -------------------------------------------------------------------------------------------


def test_if_integrates_without_leak():
    states, spikes, _ = _run(IF, [1, 1, 1, 0, 1], v_th=1.0, gain=0.5)
    assert states[:, 0].tolist() == [0.5, 1.0, 0.0, 0.0, 0.5]
    assert spikes == [False, False, True, False, False]  # v = 1.0 = v_th does not fire with ">"


@pytest.mark.parametrize("reset, threshold, expected_v, expected_spikes", [
    ("value", ">", [0.75, 1.5, 0.0, 0.75], [False, False, True, False]),
    ("value", ">=", [0.75, 0.0, 0.75, 0.0], [False, True, False, True]),
    ("subtract", ">", [0.75, 1.5, 0.75, 1.5], [False, False, True, False]),
    ("subtract", ">=", [0.75, 0.0, 0.75, 0.0], [False, True, False, True]),
    ("none", ">", [0.75, 1.5, 2.25, 3.0], [False, False, True, True]),
    ("none", ">=", [0.75, 1.5, 2.25, 3.0], [False, True, True, True]),
])
def test_if_reset_and_threshold_modes(reset, threshold, expected_v, expected_spikes):
    """Input 0.75 per tick, v_th = 1.5: v reaches the threshold exactly at the second tick."""
    states, spikes, _ = _run(IF, [0.75] * 4, v_th=1.5, reset=reset, threshold=threshold)
    assert states[:, 0].tolist() == expected_v
    assert spikes == expected_spikes


def test_if_float32_converted_network_fires_one_tick_earlier():
    """gain = 0.1 (an ANN weight): ten inputs reach v_th = 1 in float32, not in float64."""
    _, spikes64, _ = _run(IF, [1] * 11, v_th=1.0, gain=0.1, reset="subtract")
    _, spikes32, _ = _run(IF, [1] * 11, v_th=1.0, gain=0.1, reset="subtract", precision="float32")
    assert spikes64.index(True) == 10
    assert spikes32.index(True) == 9


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("v0", [0.3, -0.0, 1e-40])
def test_if_idle_catch_up_is_bit_identical(precision, v0):
    """Idle ticks add zeros: the state after a gap equals dense stepping bit for bit (signed zeros too)."""
    p, comp = _arrays(IF, dict(v_th=1.0, gain=-0.5, precision=precision), {"v": v0})
    ref = comp.copy()
    _handler(IF, p, comp, np.array([0.0]), np.array([1001]))
    _dense(IF, p, ref, np.zeros((1001, 1)))
    assert comp.tobytes() == ref.tobytes()


def test_if_awake_rule():
    """Awake iff a bias, or v after reset still past the threshold (it will fire again on its own)."""
    cases = [  # (reset, bias, v0, input) -> awake
        ("value", 0.0, 0.0, 0.5, False),
        ("value", 0.25, 0.0, 0.5, True),
        ("none", 0.0, 0.0, 1.5, True),  # fires and stays above: fires every tick
        ("subtract", 0.0, 0.0, 2.5, True),  # 2.5 - 1 = 1.5 still above
        ("subtract", 0.0, 0.0, 1.5, False),  # 1.5 - 1 = 0.5
    ]
    p, state = _arrays(IF, dict(v_th=1.0, reset=[if_.RESETS.index(c[0]) for c in cases],
                                bias=[c[1] for c in cases]), {"v": [c[2] for c in cases]}, size=len(cases))
    _, awake = _handler(IF, p, state, np.array([c[3] for c in cases]), np.ones(len(cases)))
    assert awake.tolist() == [c[4] for c in cases]


# ---- li and integrator ----------------------------------------------------------------------------


def test_li_leaks_towards_v_leak_and_never_fires():
    states, spikes, awake = _run(LI, [1, 0, 0], beta=0.5, v_leak=1.0, gain=2.0)
    assert states[:, 0].tolist() == [2.5, 1.75, 1.375]  # 1 + (0 - 1)/2 + 2; 1 + 1.5/2; 1 + 0.75/2
    assert spikes == [False] * 3
    assert awake == [False] * 3


def test_integrator_sums_input_and_bias():
    states, spikes, awake = _run(INTEGRATOR, [1, 2, 0], gain=0.5, bias=0.25)
    assert states[:, 0].tolist() == [0.75, 2.0, 2.25]
    assert spikes == [False] * 3
    assert awake == [True] * 3  # a bias changes v every tick


def test_readouts_are_registered_as_non_spiking():
    assert not LI.spiking and not INTEGRATOR.spiking


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("gap", [1, 2, 50, 100_000])
def test_li_idle_catch_up_equals_stepping(precision, gap):
    p, comp = _arrays(LI, dict(beta=0.9, v_leak=0.3, gain=0.7, precision=precision), {"v": 1.7})
    ref = comp.copy()
    _handler(LI, p, comp, np.array([0.5]), np.array([gap + 1]))
    _dense(LI, p, ref, np.array([[0.0]] * min(gap, 2000) + [[0.5]]))  # v has settled long before 2000
    if precision == "float32":
        assert np.array_equal(comp, ref)
    else:
        np.testing.assert_allclose(comp, ref, rtol=1e-12)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_integrator_idle_catch_up_is_bit_identical(precision):
    p, comp = _arrays(INTEGRATOR, dict(gain=0.1, precision=precision), {"v": 0.7})
    ref = comp.copy()
    _handler(INTEGRATOR, p, comp, np.array([0.3]), np.array([500]))
    _dense(INTEGRATOR, p, ref, np.array([[0.0]] * 499 + [[0.3]]))
    assert comp.tobytes() == ref.tobytes()


@pytest.mark.parametrize("model, params", [(LI, dict(beta=0.5)), (INTEGRATOR, {})])
def test_readout_is_awake_iff_it_has_a_bias(model, params):
    p, state = _arrays(model, dict(params, bias=[0.0, -0.5]), {"v": 3.0}, size=2)
    _, awake = _handler(model, p, state, np.zeros(2), np.ones(2))
    assert awake.tolist() == [False, True]


@pytest.mark.parametrize("k", [0, 1, 2, 3, 7, 64, 1000, 123_457])
def test_cuba_li_keeps_its_own_copy_of_cuba_lifs_decay_sums_in_step(k):
    """cuba_li holds its own ``_decay_sums`` (a helper imported across modules can go stale in Numba's
    cache); the two copies must give the same bits."""
    assert cuba_li._decay_sums is not cuba_lif._decay_sums
    for a, b in [(0.9, 0.8), (0.5, 0.5), (0.0, 0.99), (1.0, 0.3)]:
        assert cuba_li._decay_sums(a, b, k) == cuba_lif._decay_sums(a, b, k)
