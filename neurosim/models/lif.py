"""Leaky integrate-and-fire, float32 or float64 (NIR ``LIF``, snnTorch ``Leaky``, Norse ``LIFBox``).

One tick of a neuron with input ``x`` (the sum of weight x spike value over the synaptic events
delivered at this tick)::

    v <- v_leak + (v - v_leak) * beta          # leak; beta = 1 - dt/tau (Euler) or exp(-dt/tau) (exact)
    v <- v + gain * x                          # synaptic input; gain = r * dt / tau for NIR's Euler reading
    v <- v + bias
    v <- v - v_th * s_prev                     # reset="subtract_next" only (snnTorch's reset_delay=True)
    s  = v > v_th        (threshold=">")    or    v >= v_th   (threshold=">=")
    if s:  v <- v_reset  (reset="value")  |  v - v_th  ("subtract")  |  unchanged ("subtract_next", "none")
    s_prev <- s

Every operation is rounded to ``precision`` (float32 reproduces PyTorch-trained models).

Idle ticks (no input, not awake) are caught up when the neuron is next touched: float64 in closed
form ``v_leak + (v - v_leak) * beta**k`` (within a few ulp of stepping), float32 step by step until
``v`` stops changing, which is bit-identical to a dense simulation. A neuron is awake (updated the
next tick even without input) when it has a bias, a pending delayed reset, or could reach the
threshold on its own (see ``docs/semantics.md``).
"""
from __future__ import annotations

import numpy as np

from neurosim._jit import njit
from neurosim.models.registry import PRECISIONS, RESETS, THRESHOLDS, NeuronModel, StateVar, float_params, register
# PRECISIONS, RESETS and THRESHOLDS are imported as this model's choices of those parameters.

PARAMS = float_params("beta", "v_th", "v_leak", "v_reset", "gain", "bias", "reset", "threshold", "precision")
STATE = (
    StateVar("v", 0.0, "membrane potential (after reset)"),
    StateVar("s_prev", 0.0, "1 if the neuron fired at its previous tick (delayed reset pending)"),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
BETA, V_TH, V_LEAK, V_RESET, GAIN, BIAS, RESET, THRESHOLD, PRECISION = range(9)
V, S_PREV = 0, 1
R_VALUE, R_SUBTRACT, R_SUBTRACT_NEXT, R_NONE = 0, 1, 2, 3


@njit
def _tick(v, beta, v_leak, gain, x, bias, v_th, s_prev):
    """One tick before the spike test, in the precision of the arguments (all one float type)."""
    v = v_leak + (v - v_leak) * beta
    v = v + gain * x
    v = v + bias
    return v - v_th * s_prev


@njit
def _crosses(v, v_th, ge):
    return v >= v_th if ge else v > v_th


@njit
def _after_spike(v, reset, v_reset, v_th, single):
    """``v`` after a spike: ``v_reset``, lowered by ``v_th`` (in float32 when ``single``), or as it is
    (``R_SUBTRACT_NEXT`` subtracts at the next tick, ``R_NONE`` never)."""
    if reset == R_VALUE:
        return v_reset
    if reset == R_SUBTRACT:
        return float(np.float32(v) - np.float32(v_th)) if single else v - v_th
    return v


@njit
def _advance_f32(v, beta, v_leak, k):
    """``k`` input-free float32 ticks, stopping early once ``v`` is stationary (bit-identical)."""
    for _ in range(k):
        nv = v_leak + (v - v_leak) * beta
        if nv == v:
            break
        v = nv
    return v


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (contract in ``neurosim.models.registry``): per neuron ``v <- v_leak + (v - v_leak) beta**elapsed
    + gain x + bias - v_th s_prev``, fire if ``v`` passes ``v_th`` and reset."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        beta = params[i, BETA]
        v_th = params[i, V_TH]
        v_leak = params[i, V_LEAK]
        reset = int(params[i, RESET])
        ge = params[i, THRESHOLD] != 0.0
        s_prev = state[i, S_PREV]
        idle = elapsed[j] - 1  # idle ticks happen only with bias == 0 and no pending reset
        if params[i, PRECISION] != 0.0:
            f32 = np.float32
            v32 = f32(state[i, V])
            if idle > 0:
                v32 = _advance_f32(v32, f32(beta), f32(v_leak), idle)
            v32 = _tick(v32, f32(beta), f32(v_leak), f32(params[i, GAIN]), f32(x[j]),
                        f32(params[i, BIAS]), f32(v_th), f32(s_prev))
            v = float(v32)
            v_th = float(np.float32(v_th))  # the spike test, too, is in float32
        else:
            v = state[i, V]
            if idle > 0:
                v = v_leak + (v - v_leak) * beta ** idle
            v = _tick(v, beta, v_leak, params[i, GAIN], x[j], params[i, BIAS], v_th, s_prev)
        spiked = _crosses(v, v_th, ge)
        if spiked:
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
            v = _after_spike(v, reset, params[i, V_RESET], v_th, params[i, PRECISION] != 0.0)
        if params[i, PRECISION] != 0.0:
            v = float(np.float32(v))  # v_reset may not be a float32 value
        state[i, V] = v
        state[i, S_PREV] = 1.0 if (spiked and reset == R_SUBTRACT_NEXT) else 0.0
        # Awake: updated next tick even without input. Without input v moves monotonically from
        # its next value towards v_leak, so it can fire on its own only if either reaches v_th
        # (a tiny margin keeps rounding on the safe side).
        nxt = v_leak + (v - v_leak) * beta
        margin = 1e-6 * (abs(v_th) + 1.0)
        if (params[i, BIAS] != 0.0 or state[i, S_PREV] != 0.0
                or max(nxt, v_leak) >= v_th - margin):
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


@njit
def _row_constants(prow):
    """The constants of one parameter row, as the uniform and dense handlers use them: ``beta,
    v_leak, gain, bias, reset, ge, single, snext``, their float32 roundings ``beta32, v_leak32,
    gain32, bias32, v_th32``, then ``v_th`` and ``v_reset`` rounded to float32 when the precision
    is (the spike test and the reset use them so, as ``update`` does per neuron; in float64 they are
    the row's) and the awake test's ``margin``."""
    f32 = np.float32
    beta, v_th, v_leak, v_reset = prow[BETA], prow[V_TH], prow[V_LEAK], prow[V_RESET]
    gain, bias = prow[GAIN], prow[BIAS]
    reset = int(prow[RESET])
    single = prow[PRECISION] != 0.0
    v_th32 = f32(v_th)
    if single:
        v_th = float(v_th32)
        v_reset = float(f32(v_reset))
    return (beta, v_leak, gain, bias, reset, prow[THRESHOLD] != 0.0, single, reset == R_SUBTRACT_NEXT,
            f32(beta), f32(v_leak), f32(gain), f32(bias), v_th32, v_th, v_reset, 1e-6 * (abs(v_th) + 1.0))


@njit
def update_uniform(state, prow, idx, x, elapsed, t, seed, fired, payload, awake):
    """Uniform handler (``neurosim.models.registry``): ``update`` for neurons that all share the
    parameter row ``prow``, which is read once per call instead of once per neuron (a 72-byte row
    per neuron, and the precision, reset and threshold decoded each time). Same operations in the
    same order, so the same bits: the spike-test threshold and ``v_reset`` are rounded to float32
    once when ``precision`` is float32, as ``update`` does per neuron (rounding ``v_reset`` there
    happens after it is assigned; ``float32`` of a float32 value is itself), and the catch-up
    factor ``beta ** idle`` is computed again only when ``idle`` changes.
    """
    (beta, v_leak, gain, bias, reset, ge, single, snext, beta32, v_leak32, gain32, bias32, v_th32, v_th, v_reset,
     margin) = _row_constants(prow)
    f32 = np.float32
    n_fired = 0
    n_awake = 0
    pw_k = 0  # beta ** pw_k == pw, memoised (successive neurons often share their idle count)
    pw = beta
    for j in range(idx.size):
        i = idx[j]
        s_prev = state[i, S_PREV]
        idle = elapsed[j] - 1
        if single:
            v32 = f32(state[i, V])
            if idle > 0:
                v32 = _advance_f32(v32, beta32, v_leak32, idle)
            v32 = _tick(v32, beta32, v_leak32, gain32, f32(x[j]), bias32, v_th32, f32(s_prev))
            v = float(v32)
        else:
            v = state[i, V]
            if idle > 0:
                if idle != pw_k:
                    pw_k = idle
                    pw = beta ** idle
                v = v_leak + (v - v_leak) * pw
            v = _tick(v, beta, v_leak, gain, x[j], bias, v_th, s_prev)
        spiked = _crosses(v, v_th, ge)
        if spiked:
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
            v = _after_spike(v, reset, v_reset, v_th, single)
        elif single:
            v = float(np.float32(v))  # update rounds every v; here the reset values already are
        state[i, V] = v
        sk = 1.0 if (spiked and snext) else 0.0
        state[i, S_PREV] = sk
        nxt = v_leak + (v - v_leak) * beta
        if bias != 0.0 or sk != 0.0 or max(nxt, v_leak) >= v_th - margin:
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


# Neurons per block of the dense handler (8 kB per float64 column: v and x stay in L1), and per
# sub-block of its spike test; the sizes compared are in decision 0006.
DENSE_BLOCK = 1024
SPIKE_TEST_BLOCK = 128


@njit
def update_dense(state, params_row, lo, hi, x, t, seed, fired, payload, awake):
    """Dense handler (``neurosim.models.registry``): neurons ``lo .. hi - 1``, one parameter row,
    each updated at ``t - 1``; leaves ``x`` zeroed.

    The operations of ``update`` in the same order (so the same bits), one block of
    ``DENSE_BLOCK`` neurons at a time, so that each neuron's ``v``, ``s_prev`` and input are read
    from memory once: the arithmetic of the tick for the block (one vectorised loop over the ``v``
    column, which the engine's column-major ``state`` makes contiguous), which also clears the
    input (sparing the engine a pass over its accumulator) and notes whether any neuron of the
    block crossed the threshold; then the spike test, reset and awake test. When the bias
    or ``v_leak >= v_th - margin`` keeps every neuron awake, a block in which no neuron crossed and
    none has a delayed reset pending is done after its arithmetic, and within the others a
    sub-block of ``SPIKE_TEST_BLOCK`` neurons is skipped likewise.

    Unless ``reset`` is ``subtract_next`` or ``t`` is 0 (the initial state may set it), ``s_prev``
    is 0.0 for every neuron (``update`` and this handler write 0.0, and every neuron was updated at
    ``t - 1``): it is then read from a block of zeros instead of memory, and not written (the same
    value, so the same bits).

    The loops over neurons index the columns with unsigned ranges: Numba tests a signed index for
    wraparound (it could be negative), which turns a vectorised read into a gather, and a slice per
    block would cost two atomic reference counts.
    """
    (beta, v_leak, gain, bias, reset, ge, single, snext, beta32, v_leak32, gain32, bias32, v_th32, v_th, v_reset,
     margin) = _row_constants(params_row)
    s_mem = snext or t == 0  # s_prev may be non-zero: read and write the column
    n = hi - lo
    v = state[lo:hi, V]
    s_prev = state[lo:hi, S_PREV]
    f32 = np.float32
    # max(next v, v_leak) >= v_leak: this test alone keeps every neuron awake.
    all_awake = bias != 0.0 or v_leak >= v_th - margin
    n_fired = 0
    n_awake = 0
    for b0 in range(0, n, DENSE_BLOCK):
        b1 = min(b0 + DENSE_BLOCK, n)
        # 1. The tick's arithmetic, one vectorised loop per case (a literal 0.0 for s_prev: the
        # product v_th * 0.0 is still computed, once, so the bits are those of update's), which
        # clears the input it read and notes whether any neuron of the block crossed the threshold
        # (a branch-free or-reduction).
        crossed = False
        if single and s_mem:
            for k in range(np.uint64(b0), np.uint64(b1)):
                vk = float(_tick(f32(v[k]), beta32, v_leak32, gain32, f32(x[k]), bias32, v_th32, f32(s_prev[k])))
                x[k] = 0.0
                v[k] = vk
                crossed |= _crosses(vk, v_th, ge)
        elif single:
            for k in range(np.uint64(b0), np.uint64(b1)):
                vk = float(_tick(f32(v[k]), beta32, v_leak32, gain32, f32(x[k]), bias32, v_th32, f32(0.0)))
                x[k] = 0.0
                v[k] = vk
                crossed |= _crosses(vk, v_th, ge)
        elif s_mem:
            for k in range(np.uint64(b0), np.uint64(b1)):
                vk = _tick(v[k], beta, v_leak, gain, x[k], bias, v_th, s_prev[k])
                x[k] = 0.0
                v[k] = vk
                crossed |= _crosses(vk, v_th, ge)
        else:
            for k in range(np.uint64(b0), np.uint64(b1)):
                vk = _tick(v[k], beta, v_leak, gain, x[k], bias, v_th, 0.0)
                x[k] = 0.0
                v[k] = vk
                crossed |= _crosses(vk, v_th, ge)
        if all_awake and not crossed and not s_mem:
            continue  # no spike, no delayed reset, every neuron awake: nothing left to do
        # 2. Spike test, reset, delayed-reset flag and awake test, SPIKE_TEST_BLOCK neurons at a time.
        for c0 in range(b0, b1, SPIKE_TEST_BLOCK):
            c1 = min(c0 + SPIKE_TEST_BLOCK, b1)
            if all_awake:
                hit = False  # any spike or pending delayed reset in the sub-block (a branch-free scan)
                for k in range(np.uint64(c0), np.uint64(c1)):
                    hit |= _crosses(v[k], v_th, ge)
                if s_mem:
                    for k in range(np.uint64(c0), np.uint64(c1)):
                        hit |= s_prev[k] != 0.0
                if not hit:
                    continue
            for k in range(c0, c1):
                vk = v[k]
                spiked = _crosses(vk, v_th, ge)
                if spiked:
                    fired[n_fired] = lo + k
                    payload[n_fired] = 1.0
                    n_fired += 1
                    vk = _after_spike(vk, reset, v_reset, v_th, single)
                    v[k] = vk
                sk = 1.0 if (spiked and snext) else 0.0
                if s_mem:
                    s_prev[k] = sk  # otherwise it is 0.0 already
                if not all_awake and (sk != 0.0 or max(v_leak + (vk - v_leak) * beta, v_leak) >= v_th - margin):
                    awake[n_awake] = lo + k
                    n_awake += 1
    return n_fired, (n if all_awake else n_awake)


def reference_step(state: np.ndarray, params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """One dense tick for a whole population (numpy; the oracle). Returns the spike values."""
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        p = params[i]
        dtype = np.float32 if p[PRECISION] else np.float64
        c = [dtype(val) for val in (p[BETA], p[V_LEAK], p[GAIN], x[i], p[BIAS], p[V_TH], state[i, S_PREV])]
        beta, v_leak, gain, xi, bias, v_th, s_prev = c
        v = dtype(state[i, V])
        v = v_leak + (v - v_leak) * beta
        v = v + gain * xi
        v = v + bias
        v = v - v_th * s_prev
        spiked = v >= v_th if p[THRESHOLD] else v > v_th
        reset = int(p[RESET])
        if spiked and reset == R_VALUE:
            v = dtype(p[V_RESET])
        elif spiked and reset == R_SUBTRACT:
            v = v - v_th
        state[i, V] = float(v)
        state[i, S_PREV] = 1.0 if (spiked and reset == R_SUBTRACT_NEXT) else 0.0
        out[i] = 1.0 if spiked else 0.0
    return out


MODEL = register(NeuronModel("lif", PARAMS, STATE, update, reference_step, doc=__doc__, dense_update=update_dense,
                              uniform_update=update_uniform,
                              source="NIR LIF (Pedersen et al., Nat. Commun. 15:8122 (2024)); snnTorch 1.0 Leaky; "
                                     "Norse LIFBoxCell"))
