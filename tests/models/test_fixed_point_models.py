"""The fixed-point chip neuron models: Loihi 1 CUBA LIF (``loihi_cuba``) and TrueNorth (``truenorth``).

Hand-worked trajectories, a bit-for-bit comparison with a verbatim transcription of Lava's
bit-accurate LIF, and the handlers (dense and event-driven with idle gaps) against their
``reference_step``.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurosim.errors import ModelError
from neurosim.models import get_model
from neurosim.models import loihi_cuba as L
from neurosim.models import truenorth as T

# splitmix64 wraps modulo 2**64 by design; numpy scalars warn about it when run with NUMBA_DISABLE_JIT=1.
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in scalar:RuntimeWarning")

# -- drivers -------------------------------------------------------------------------------------


def _params(name: str, n: int, **values) -> np.ndarray:
    return get_model(name).encode_params(values, "test", n)


def _call(model, state, params, idx, x, elapsed, t, seed=0):
    """One handler call; returns (fired ids, awake ids)."""
    n = idx.size
    fired, payload, awake = np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.int64)
    n_fired, n_awake = model.update(state, params, idx.astype(np.int64), np.asarray(x, np.float64),
                                    np.asarray(elapsed, np.int64), t, seed, fired, payload, awake)
    assert np.all(payload[:n_fired] == 1.0)
    return fired[:n_fired], awake[:n_awake]


def _run_dense(model, params, state, inputs, seed=0, first_id=0):
    """Every neuron every tick through the handler; returns (T, n) spikes and (T, n, k) states.

    ``first_id`` is the global id of the first neuron (the handler's ``idx`` are global ids).
    """
    ticks, n = inputs.shape
    big = np.zeros((first_id + n, state.shape[1]))
    big_params = np.zeros((first_id + n, params.shape[1]))
    big[first_id:], big_params[first_id:] = state, params
    ids = np.arange(first_id, first_id + n)
    spikes = np.zeros((ticks, n), bool)
    states = np.zeros((ticks,) + state.shape)
    for t in range(ticks):
        fired, _ = _call(model, big, big_params, ids, inputs[t], np.ones(n), t, seed)
        spikes[t, fired - first_id] = True
        states[t] = big[first_id:]
    return spikes, states


def _run_event_driven(model, params, state, inputs, touched, seed=0):
    """Update only touched or awake neurons, as the engine does, so idle ticks are caught up."""
    ticks, n = inputs.shape
    last = np.full(n, -1, np.int64)
    awake = set(range(n))  # every neuron is awake at tick 0
    spikes = np.zeros((ticks, n), bool)
    for t in range(ticks):
        idx = np.array(sorted(awake | set(np.flatnonzero(touched[t]).tolist())), np.int64)
        awake = set()
        if idx.size:
            fired, woke = _call(model, state, params, idx, inputs[t, idx], t - last[idx], t, seed)
            last[idx] = t
            spikes[t, fired] = True
            awake = set(woke.tolist())
    return spikes, state


def _run_reference(model, params, state, inputs, seed=0, first_id=0):
    ticks, n = inputs.shape
    extra = {}
    spikes = np.zeros((ticks, n), bool)
    states = np.zeros((ticks,) + state.shape)
    for t in range(ticks):
        if model is T.MODEL:
            extra = dict(t=t, seed=seed, ids=np.arange(first_id, first_id + n))
        spikes[t] = model.reference_step(state, params, inputs[t], **extra) != 0
        states[t] = state
    return spikes, states


# -- Loihi: hand-worked values --------------------------------------------------------------------


def test_loihi_decays_truncate_toward_zero():
    """du = dv = 1024: u is scaled by 3071/4096 and v by 3072/4096, truncated toward zero."""
    params = _params("loihi_cuba", 2, du=1024, dv=1024, vth=131071)
    state = np.zeros((2, 3))
    # tick 0: u = 10 << 6 = 640;  v = 0 + 640 = 640
    # tick 1: u = 640*3071/4096 = 479.8 -> 479;  v = 640*3072/4096 = 480, + 479 = 959
    # tick 2: u = 479*3071/4096 = 359.1 -> 359;  v = 959*3072/4096 = 719.25 -> 719, + 359 = 1078
    # tick 3: u = 359*3071/4096 = 269.2 -> 269;  v = 1078*3072/4096 = 808.5 -> 808, + 269 = 1077
    # Neuron 1 gets -10: the same magnitudes (toward zero), where a floor would give -480, -360, ...
    inputs = np.array([[10, -10], [0, 0], [0, 0], [0, 0]], float)
    _, states = _run_dense(L.MODEL, params, state, inputs)
    expected_u = [640, 479, 359, 269]
    expected_v = [640, 959, 1078, 1077]
    np.testing.assert_array_equal(states[:, 0, L.U], expected_u)
    np.testing.assert_array_equal(states[:, 0, L.V], expected_v)
    np.testing.assert_array_equal(states[:, 1, L.U], np.negative(expected_u))
    np.testing.assert_array_equal(states[:, 1, L.V], np.negative(expected_v))


def test_loihi_fires_strictly_above_vth_shifted_and_resets_to_zero():
    """vth = 10 is 640 in v units: v = 640 does not fire, v = 959 does and is reset to 0."""
    params = _params("loihi_cuba", 1, du=1024, dv=1024, vth=10)
    state = np.zeros((1, 3))
    spikes, states = _run_dense(L.MODEL, params, state, np.array([[10], [0], [0]], float))
    assert spikes[:, 0].tolist() == [False, True, False]
    # tick 2: v = 0*3072/4096 + u, u = 479*3071/4096 -> 359
    assert states[:, 0, L.V].tolist() == [640, 0, 359]


def test_loihi_bias_is_mantissa_times_two_to_the_exponent():
    """bias_mant = 3, bias_exp = 2 and no leak (dv = 0): v grows by 12 every tick."""
    params = _params("loihi_cuba", 1, du=0, dv=0, vth=131071, bias_mant=3, bias_exp=2)
    _, states = _run_dense(L.MODEL, params, np.zeros((1, 3)), np.zeros((5, 1)))
    assert states[:, 0, L.V].tolist() == [12, 24, 36, 48, 60]


def test_loihi_current_wraps_as_lava_does():
    """du = 4095 zeroes u each tick, so u = x << 6; Lava's one conditional wrap of 24 bits:
    2**23 stays 2**23, 2**23 + 64 becomes 64 - 2**23, and -2**23 becomes +2**23."""
    params = _params("loihi_cuba", 3, du=4095, dv=4095, vth=131071)
    state = np.zeros((3, 3))
    _call(L.MODEL, state, params, np.arange(3), [2**17, 2**17 + 1, -2**17], np.ones(3), 0)
    assert state[:, L.U].tolist() == [2**23, 64 - 2**23, 2**23]


def test_loihi_voltage_saturates_and_sleeps_at_the_floor():
    """A bias of -4096 << 7 = -524288 per tick, no leak: v stops at -(2**23 - 1), a fixed point."""
    params = _params("loihi_cuba", 1, du=0, dv=0, vth=0, bias_mant=-4096, bias_exp=7)
    state = np.zeros((1, 3))
    for t in range(15):
        _, awake = _call(L.MODEL, state, params, np.arange(1), [0], [1], t)
        assert state[0, L.V] == -524288 * (t + 1) and awake.tolist() == [0]
    # 16 * -524288 = -2**23 is clipped to -(2**23 - 1), which the next tick would not change.
    _, awake = _call(L.MODEL, state, params, np.arange(1), [0], [1], 15)
    assert state[0, L.V] == -(2**23 - 1) and awake.size == 0


def test_loihi_refractory_holds_v_while_u_integrates():
    """refractory = 2, du = 2047 (u halves), dv = 0, vth = 1 (64), input 2 (128) every tick.

    tick 0: u = 128, v = 128 > 64: spike, v = 0, ref = 2
    tick 1: u = 64 + 128 = 192, v held at 0 (ref 1)
    tick 2: u = 96 + 128 = 224, v held at 0 (ref 0)
    tick 3: u = 112 + 128 = 240, v = 240: spike
    """
    params = _params("loihi_cuba", 2, du=2047, dv=0, vth=1, refractory=[2, 0])
    spikes, states = _run_dense(L.MODEL, params, np.zeros((2, 3)), np.full((7, 2), 2.0))
    assert states[:4, 0, L.U].tolist() == [128, 192, 224, 240]
    assert states[:4, 0, L.REF].tolist() == [2, 1, 0, 2]
    assert np.flatnonzero(spikes[:, 0]).tolist() == [0, 3, 6]
    assert spikes[:, 1].all()  # refractory = 0 is Lava's PyLifModelBitAcc: it can fire every tick


def test_loihi_float_input_is_truncated_toward_zero():
    params = _params("loihi_cuba", 2, du=4095, dv=4095, vth=131071)
    state = np.zeros((2, 3))
    _call(L.MODEL, state, params, np.arange(2), [2.7, -2.7], np.ones(2), 0)
    assert state[:, L.U].tolist() == [128, -128]


def test_loihi_bias_above_threshold_fires_every_tick_from_an_unchanged_state():
    """vth = 0, bias 1: v = 1 > 0 fires and resets to 0, so the state after each tick is the same
    (0, 0, 0) and yet the neuron must stay awake."""
    params = _params("loihi_cuba", 1, du=0, dv=0, vth=0, bias_mant=1)
    state = np.zeros((1, 3))
    for t in range(3):
        fired, awake = _call(L.MODEL, state, params, np.arange(1), [0], [1], t)
        assert fired.tolist() == [0] and awake.tolist() == [0] and state.tolist() == [[0, 0, 0]]


def test_loihi_non_leaking_neuron_at_rest_current_sleeps():
    """dv = 0, u = 0, no bias: v is a fixed point below threshold, so the neuron is not awake."""
    params = _params("loihi_cuba", 2, du=100, dv=0, vth=100)
    state = np.array([[0.0, 1000.0, 0.0], [5.0, 1000.0, 0.0]])
    _, awake = _call(L.MODEL, state, params, np.arange(2), [0, 0], [1, 1], 0)
    assert awake.tolist() == [1]  # neuron 1 still has a current


# -- Loihi: against Lava --------------------------------------------------------------------------


class LavaLifBitAcc:
    """Lava's ``PyLifModelBitAcc`` for one population, transcribed verbatim for the test.

    Source: github.com/lava-nc/lava, ``src/lava/proc/lif/models.py``, commit
    001dbd199314328615397fadabdd00be026f8b4c: ``AbstractPyLifModelFixed.__init__`` (constants),
    ``scale_bias``, ``subthr_dynamics``, ``reset_voltage``, ``run_spk``, and ``PyLifModelBitAcc``'s
    ``scale_threshold`` and ``spiking_activation``. The method bodies are Lava's; the ports are
    replaced by an argument and a return value, and ``du``/``dv`` (scalars in Lava) are per-neuron
    arrays, which numpy broadcasts identically. ``a_in`` is int32, the dtype of the Dense process's
    ``a_out`` that feeds it.
    """

    def __init__(self, du, dv, vth, bias_mant, bias_exp):
        n = du.size
        self.u = np.zeros(n, np.int32)
        self.v = np.zeros(n, np.int32)
        self.du, self.dv, self.vth = du.astype(np.uint16), dv.astype(np.uint16), vth.astype(np.int32)
        self.bias_mant, self.bias_exp = bias_mant.astype(np.int16), bias_exp.astype(np.int16)
        self.ds_offset = 1
        self.dm_offset = 0
        self.isbiasscaled = False
        self.isthrscaled = False
        self.effective_bias = 0
        self.uv_bitwidth = 24
        self.max_uv_val = 2 ** (self.uv_bitwidth - 1)
        self.decay_shift = 12
        self.decay_unity = 2**self.decay_shift
        self.vth_shift = 6
        self.act_shift = 6
        self.effective_vth = 0

    def scale_bias(self):
        bias_mant = self.bias_mant.copy().astype(np.int32)
        self.effective_bias = np.where(
            self.bias_exp >= 0,
            np.left_shift(bias_mant, self.bias_exp),
            np.right_shift(bias_mant, -self.bias_exp),
        )
        self.isbiasscaled = True

    def scale_threshold(self):
        self.effective_vth = np.left_shift(self.vth, self.vth_shift)
        self.isthrscaled = True

    def spiking_activation(self):
        return self.v > self.effective_vth

    def subthr_dynamics(self, activation_in: np.ndarray):
        decay_const_u = self.du + self.ds_offset
        decayed_curr = np.int64(self.u) * (self.decay_unity - decay_const_u)
        decayed_curr = np.sign(decayed_curr) * np.right_shift(
            np.abs(decayed_curr), self.decay_shift
        )
        decayed_curr = np.int32(decayed_curr)
        activation_in = np.left_shift(activation_in, self.act_shift)
        decayed_curr += activation_in
        wrapped_curr = np.where(
            decayed_curr > self.max_uv_val,
            decayed_curr - 2 * self.max_uv_val,
            decayed_curr,
        )
        wrapped_curr = np.where(
            wrapped_curr <= -self.max_uv_val,
            decayed_curr + 2 * self.max_uv_val,
            wrapped_curr,
        )
        self.u[:] = wrapped_curr
        decay_const_v = self.dv + self.dm_offset

        neg_voltage_limit = -np.int32(self.max_uv_val) + 1
        pos_voltage_limit = np.int32(self.max_uv_val) - 1
        decayed_volt = np.int64(self.v) * (self.decay_unity - decay_const_v)
        decayed_volt = np.sign(decayed_volt) * np.right_shift(
            np.abs(decayed_volt), self.decay_shift
        )
        decayed_volt = np.int32(decayed_volt)
        updated_volt = decayed_volt + self.u + self.effective_bias
        self.v[:] = np.clip(updated_volt, neg_voltage_limit, pos_voltage_limit)

    def reset_voltage(self, spike_vector: np.ndarray):
        self.v[spike_vector] = 0

    def run_spk(self, a_in_data: np.ndarray) -> np.ndarray:
        self.scale_bias()
        if not self.isthrscaled:
            self.scale_threshold()
        self.subthr_dynamics(activation_in=a_in_data)
        self.s_out_buff = self.spiking_activation()
        self.reset_voltage(spike_vector=self.s_out_buff)
        return self.s_out_buff


def _random_loihi(rng: np.random.Generator, n: int, ticks: int):
    """Per-neuron parameters over their full bit widths, with extremes, and sparse int16 inputs."""
    du = rng.choice([0, 1, 4095, *rng.integers(0, 4096, 8)], n)
    dv = rng.choice([0, 1, 4095, *rng.integers(0, 4096, 8)], n)
    vth = rng.choice([0, 131071, *rng.integers(0, 3000, 8)], n)
    bias_mant = np.where(rng.random(n) < 0.5, 0, rng.integers(-4096, 4096, n))
    bias_exp = rng.integers(0, 8, n)
    touched = rng.random((ticks, n)) < 0.15
    # Small weight sums, and now and then a large one that drives u into its 24-bit wrap.
    x = np.where(rng.random((ticks, n)) < 0.05, rng.integers(-2**15, 2**15, (ticks, n)),
                 rng.integers(-300, 600, (ticks, n)))
    return (du, dv, vth, bias_mant, bias_exp), np.where(touched, x, 0), touched


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_loihi_matches_lava_bit_accurate_lif(seed):
    """Seeded random parameters and inputs, 400 ticks: identical spikes and u, v at every tick."""
    rng = np.random.default_rng(seed)
    n, ticks = 48, 400
    (du, dv, vth, bias_mant, bias_exp), inputs, touched = _random_loihi(rng, n, ticks)
    lava = LavaLifBitAcc(du, dv, vth, bias_mant, bias_exp)
    ref_spikes = np.zeros((ticks, n), bool)
    ref_uv = np.zeros((ticks, n, 2))
    for t in range(ticks):
        ref_spikes[t] = lava.run_spk(inputs[t].astype(np.int32))
        ref_uv[t] = np.stack([lava.u, lava.v], axis=1)
    params = _params("loihi_cuba", n, du=du, dv=dv, vth=vth, bias_mant=bias_mant, bias_exp=bias_exp)

    comp_spikes, comp_states = _run_dense(L.MODEL, params, np.zeros((n, 3)), inputs.astype(float))
    np.testing.assert_array_equal(comp_spikes, ref_spikes)
    np.testing.assert_array_equal(comp_states[:, :, :2], ref_uv)
    assert ref_spikes.any() and (~ref_spikes).any()

    np.testing.assert_array_equal(
        _run_reference(L.MODEL, params, np.zeros((n, 3)), inputs.astype(float))[0], ref_spikes)

    touched[-1] = True  # bring every neuron up to the last tick
    ev_spikes, ev_state = _run_event_driven(L.MODEL, params, np.zeros((n, 3)), inputs.astype(float), touched)
    np.testing.assert_array_equal(ev_spikes, ref_spikes)
    np.testing.assert_array_equal(ev_state[:, :2], ref_uv[-1])


@pytest.mark.parametrize("seed", [4, 5])
def test_loihi_event_driven_handler_matches_reference_step_with_refractory(seed):
    rng = np.random.default_rng(seed)
    n, ticks = 40, 300
    (du, dv, vth, bias_mant, bias_exp), inputs, touched = _random_loihi(rng, n, ticks)
    params = _params("loihi_cuba", n, du=du, dv=dv, vth=vth, bias_mant=bias_mant, bias_exp=bias_exp,
                     refractory=rng.integers(0, 65, n))
    ref_spikes, ref_states = _run_reference(L.MODEL, params, np.zeros((n, 3)), inputs.astype(float))
    touched[-1] = True
    comp_spikes, comp_state = _run_event_driven(L.MODEL, params, np.zeros((n, 3)), inputs.astype(float), touched)
    np.testing.assert_array_equal(comp_spikes, ref_spikes)
    np.testing.assert_array_equal(comp_state, ref_states[-1])
    assert ref_spikes.any()


# -- TrueNorth: hand-worked values ----------------------------------------------------------------


@pytest.mark.parametrize("gamma, expected_v", [(0, 2), (1, 3), (2, 13), ("linear", 3)])
def test_truenorth_reset_modes(gamma, expected_v):
    """alpha = 10, input 13: spike, then V = R = 2 (normal), 13 - 10 = 3 (linear) or 13 (none)."""
    params = _params("truenorth", 1, alpha=10, gamma=gamma, v_reset=2)
    state = np.zeros((1, 1))
    fired, awake = _call(T.MODEL, state, params, np.arange(1), [13], [1], 0)
    assert fired.tolist() == [0] and state[0, T.V] == expected_v
    # Without reset V stays above alpha, so the neuron fires again next tick on its own.
    assert awake.tolist() == ([0] if expected_v >= 10 else [])


def test_truenorth_threshold_is_inclusive():
    params = _params("truenorth", 2, alpha=10)
    fired, _ = _call(T.MODEL, np.zeros((2, 1)), params, np.arange(2), [10, 9], [1, 1], 0)
    assert fired.tolist() == [0]


@pytest.mark.parametrize("kappa, gamma, expected_v", [
    (0, 0, -2),   # normal: -R
    (0, 1, -3),   # linear: V + beta = -8 + 5
    (0, 2, -8),   # none: V unchanged
    (1, 0, -5),   # kappa = 1 saturates at -beta whatever the reset mode
    (1, 1, -5),
    (1, 2, -5),
])
def test_truenorth_negative_threshold(kappa, gamma, expected_v):
    """beta = 5, input -8 < -5: the negative branch acts, without a spike; -5 itself does not."""
    params = _params("truenorth", 2, alpha=10, beta=5, kappa=kappa, gamma=gamma, v_reset=2)
    state = np.zeros((2, 1))
    fired, awake = _call(T.MODEL, state, params, np.arange(2), [-8, -5], [1, 1], 0)
    assert fired.size == 0
    assert state[:, T.V].tolist() == [expected_v, -5]
    assert awake.size == 0  # each result is inside [-beta, alpha) or a fixed point (gamma 2, kappa 0)


def test_truenorth_leak_without_and_with_reversal():
    """lambda = -2 from V = 8 and V = -8. Plain leak always subtracts 2; with leak reversal the
    leak is sgn(V) * lambda, so both sides move toward 0 and stop there (sgn(0) = 0)."""
    params = _params("truenorth", 4, alpha=100, beta=100, leak=-2, leak_reversal=[0, 0, 1, 1])
    state = np.array([[8.0], [-8.0], [8.0], [-8.0]])
    _, states = _run_dense(T.MODEL, params, state, np.zeros((6, 4)))
    assert states[:, 0, 0].tolist() == [6, 4, 2, 0, -2, -4]
    assert states[:, 1, 0].tolist() == [-10, -12, -14, -16, -18, -20]
    assert states[:, 2, 0].tolist() == [6, 4, 2, 0, 0, 0]
    assert states[:, 3, 0].tolist() == [-6, -4, -2, 0, 0, 0]
    _, awake = _call(T.MODEL, states[-1].copy(), params, np.arange(4), np.zeros(4), np.ones(4), 6)
    assert awake.tolist() == [0, 1]  # a reversed leak at V = 0 is at rest


def test_truenorth_divergent_leak_reversal_moves_away_from_zero():
    params = _params("truenorth", 2, alpha=100, beta=100, leak=3, leak_reversal=1)
    state = np.array([[1.0], [-1.0]])
    _, states = _run_dense(T.MODEL, params, state, np.zeros((3, 2)))
    assert states[:, :, 0].tolist() == [[4, -4], [7, -7], [10, -10]]


def test_truenorth_membrane_saturates_at_20_bits():
    params = _params("truenorth", 2, alpha=T.V_MAX, beta=T.V_MAX, gamma="none")
    state = np.zeros((2, 1))
    _call(T.MODEL, state, params, np.arange(2), [2**21, -2**21], [1, 1], 0)
    assert state[:, T.V].tolist() == [2**19 - 1, -2**19]


# -- TrueNorth: randomness ------------------------------------------------------------------------


def test_random_bits_numba_equals_python():
    rng = np.random.default_rng(0)
    cases = [(0, 0, 0, 0), (-1, 5, 7, 1), (2**63 - 1, 2**40, 10**9, 1), (-(2**63), 1, 2, 0)]
    cases += [tuple(int(v) for v in row) for row in rng.integers(0, 2**62, (50, 4))]
    for seed, neuron, tick, stream in cases:
        assert int(T._random_bits(seed, neuron, tick, stream)) == T.random_bits(seed, neuron, tick, stream)


def _stochastic(n: int) -> np.ndarray:
    """Stochastic threshold (mask 15) and stochastic leak, linear reset."""
    return _params("truenorth", n, alpha=6, beta=30, leak=-90, stochastic_leak=1, threshold_mask=15,
                   gamma="linear")


def _stochastic_inputs(ticks: int, n: int) -> np.ndarray:
    return np.random.default_rng(9).integers(-4, 9, (ticks, n)).astype(float)


def test_truenorth_stochastic_is_deterministic_for_a_seed():
    n, ticks = 16, 60
    inputs = _stochastic_inputs(ticks, n)
    first = _run_dense(T.MODEL, _stochastic(n), np.zeros((n, 1)), inputs, seed=7)
    again = _run_dense(T.MODEL, _stochastic(n), np.zeros((n, 1)), inputs, seed=7)
    other = _run_dense(T.MODEL, _stochastic(n), np.zeros((n, 1)), inputs, seed=8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_truenorth_stochastic_does_not_depend_on_update_order():
    """All neurons in one call, or one by one in reverse order: the same draws and results."""
    n, ticks = 16, 40
    inputs = _stochastic_inputs(ticks, n)
    params = _stochastic(n)
    together, _ = _run_dense(T.MODEL, params, np.zeros((n, 1)), inputs, seed=3)
    state = np.zeros((n, 1))
    alone = np.zeros((ticks, n), bool)
    for t in range(ticks):
        for i in reversed(range(n)):
            fired, _ = _call(T.MODEL, state, params, np.array([i]), inputs[t, [i]], [1], t, seed=3)
            alone[t, i] = fired.size == 1
    np.testing.assert_array_equal(together, alone)


def test_truenorth_stochastic_draws_follow_the_global_neuron_id():
    """The same neuron at another global id draws differently; the reference keys by ``ids``."""
    n, ticks = 8, 40
    inputs = _stochastic_inputs(ticks, n)
    at_0 = _run_dense(T.MODEL, _stochastic(n), np.zeros((n, 1)), inputs, seed=3)[0]
    at_100 = _run_dense(T.MODEL, _stochastic(n), np.zeros((n, 1)), inputs, seed=3, first_id=100)[0]
    ref_100 = _run_reference(T.MODEL, _stochastic(n), np.zeros((n, 1)), inputs, seed=3, first_id=100)[0]
    assert not np.array_equal(at_0, at_100)
    np.testing.assert_array_equal(at_100, ref_100)


def test_truenorth_catch_up_replays_each_idle_tick_with_its_own_draws():
    """A stochastic leak moves V even without input; one call over 25 ticks equals 25 calls."""
    params = _params("truenorth", 1, alpha=1000, beta=1000, leak=-100, stochastic_leak=1)
    dense = np.array([[50.0]])
    for t in range(25):
        _call(T.MODEL, dense, params, np.arange(1), [0], [1], t, seed=11)
    caught_up = np.array([[50.0]])
    _call(T.MODEL, caught_up, params, np.arange(1), [0], [25], 24, seed=11)
    assert caught_up[0, 0] == dense[0, 0] < 50


def test_truenorth_stochastic_leak_probability():
    """|lambda| = 100 against an 8-bit draw: the leak acts with probability 101/256."""
    n = 20000
    params = _params("truenorth", n, alpha=1000, beta=1000, leak=-100, stochastic_leak=1)
    state = np.zeros((n, 1))
    _call(T.MODEL, state, params, np.arange(n), np.zeros(n), np.ones(n), 5, seed=1)
    assert set(np.unique(state)) <= {-1.0, 0.0}
    assert abs(np.mean(state == -1.0) - 101 / 256) < 0.015


def test_truenorth_stochastic_threshold_probability():
    """V = alpha + 3 with mask 7: eta is uniform on 0..7, so V >= alpha + eta half the time."""
    n = 20000
    params = _params("truenorth", n, alpha=20, threshold_mask=7, gamma="none")
    fired, _ = _call(T.MODEL, np.zeros((n, 1)), params, np.arange(n), np.full(n, 23.0), np.ones(n), 0, seed=2)
    assert abs(fired.size / n - 0.5) < 0.015


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_truenorth_event_driven_handler_matches_reference_step(seed):
    """Random parameters over every mode, sparse integer inputs, idle gaps caught up."""
    rng = np.random.default_rng(seed)
    n, ticks = 48, 300
    params = _params(
        "truenorth", n, alpha=rng.integers(0, 40, n), beta=rng.integers(0, 40, n),
        leak=np.where(rng.random(n) < 0.4, 0, rng.integers(-255, 256, n)),
        leak_reversal=rng.integers(0, 2, n), stochastic_leak=rng.integers(0, 2, n),
        kappa=rng.integers(0, 2, n), gamma=rng.integers(0, 3, n), v_reset=rng.integers(-20, 21, n),
        threshold_mask=rng.choice([0, 1, 7, 31], n))
    touched = rng.random((ticks, n)) < 0.1
    inputs = np.where(touched, rng.integers(-60, 80, (ticks, n)), 0).astype(float)
    ref_spikes, ref_states = _run_reference(T.MODEL, params, np.zeros((n, 1)), inputs, seed=seed)
    touched[-1] = True
    comp_spikes, comp_state = _run_event_driven(T.MODEL, params, np.zeros((n, 1)), inputs, touched, seed=seed)
    np.testing.assert_array_equal(comp_spikes, ref_spikes)
    np.testing.assert_array_equal(comp_state, ref_states[-1])
    assert ref_spikes.any()


# -- TrueNorth: effective weights ----------------------------------------------------------------


def test_truenorth_weights_select_the_axon_type_weight():
    crossbar = np.array([[1, 0, 1], [1, 1, 0]])
    axon_type = np.array([0, 3, 1])
    s = np.array([[5, -7, 0, 9], [-256, 255, 1, 2]])
    expected = np.array([[5, 0, -7], [-256, 2, 0]])
    got = T.truenorth_weights(crossbar, axon_type, s)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(T.truenorth_weights(crossbar.astype(bool), axon_type, s), expected)


@pytest.mark.parametrize("crossbar, axon_type, s, message", [
    (np.ones(3), [0, 1, 2], np.zeros((1, 4)), r"crossbar must be a 2-D \(n_post, n_pre\) array"),
    (np.ones((2, 3)), [0, 1], np.zeros((2, 4)), r"axon_type has shape \(2,\); expected \(3,\)"),
    (np.ones((2, 3)), [0, 1, 2], np.zeros((2, 3)), r"s has shape \(2, 3\); expected \(2, 4\)"),
    ([[1, 0, 2], [0, 0, 0]], [0, 1, 2], np.zeros((2, 4)),
     r"crossbar\[0, 2\] = 2 \(neuron 0 axon 2\) is not an integer in \[0, 1\]"),
    (np.ones((2, 3)), [0, 4, 2], np.zeros((2, 4)), r"axon_type\[1\] = 4 \(axon 1\) is not an integer in \[0, 3\]"),
    (np.ones((2, 3)), [0, 1.5, 2], np.zeros((2, 4)), r"axon_type\[1\] = 1.5 \(axon 1\)"),
    (np.ones((2, 3)), [0, 1, 2], [[0, 0, 0, 0], [0, 0, 300, 0]],
     r"s\[1, 2\] = 300 \(neuron 1 axon type 2\) is not an integer in \[-256, 255\]"),
    (np.ones((2, 3)), ["a", "b", "c"], np.zeros((2, 4)), r"axon_type must hold integers, got dtype <U1"),
])
def test_truenorth_weights_errors_name_the_bad_item(crossbar, axon_type, s, message):
    with pytest.raises(ModelError, match=r"truenorth_weights: " + message):
        T.truenorth_weights(crossbar, axon_type, s)


# -- both: parameter validation ------------------------------------------------------------------


@pytest.mark.parametrize("model, values, message", [
    ("loihi_cuba", dict(du=4096, dv=0, vth=1), r"'du' = 4096.0 at neuron 0 is above 4095"),
    ("loihi_cuba", dict(du=0, dv=0, vth=1.5), r"'vth' = 1.5 at neuron 0 is not an integer"),
    ("loihi_cuba", dict(du=0, dv=0, vth=1, bias_exp=8), r"'bias_exp' = 8.0 at neuron 0 is above 7"),
    ("truenorth", dict(alpha=1, gamma=3), r"'gamma' = 3.0 at neuron 0 is above 2"),
    ("truenorth", dict(alpha=1, gamma="soft"), r"'gamma' = 'soft' is not one of normal, linear, none"),
    ("truenorth", dict(alpha=1, leak=256), r"'leak' = 256.0 at neuron 0 is above 255"),
])
def test_parameters_are_validated_to_the_hardware_bit_widths(model, values, message):
    with pytest.raises(ModelError, match=message):
        _params(model, 1, **values)
