"""Current-based leaky integrator, a non-spiking readout, float32 or float64 (NIR ``CubaLI``).

``cuba_lif`` without the spike: the synaptic current ``i`` low-pass filters the input and the
membrane potential ``v``, the readout value, integrates the current. One tick of a neuron with
input ``x`` (the sum of weight x spike value over the synaptic events delivered at this tick)::

    i <- alpha * i + gain_syn * (x + bias_in)  # current decay; alpha = 1 - dt/tau_syn or exp(-dt/tau_syn)
    v <- v_leak + (v - v_leak) * beta          # membrane leak; beta = 1 - dt/tau_mem or exp(-dt/tau_mem)
    v <- v + gain * i                          # the current of this tick (the new i) drives v
    v <- v + bias

Every operation is rounded to ``precision`` in the order written.

**Catch-up** as in ``cuba_lif`` (whose module docstring derives it): a neuron that was let sleep has
``bias == bias_in == 0``, and its ``k`` idle ticks are ``i_k = alpha**k i``,
``u_k = beta**k u + gain i alpha S_k`` with ``u = v - v_leak``; float64 uses that closed form
(binary powering, :func:`_decay_sums`, within a few ulp of stepping), float32 steps tick by tick
until ``i`` and ``v`` stop changing (bit-identical to a dense simulation).

**Awake.** A readout cannot fire, so it needs an update without input only to add a constant: it is
awake iff ``bias != 0`` or ``bias_in != 0``. Its decay is caught up when it is next touched.

The helpers, :func:`_decay_sums` included, are this module's own copies of ``cuba_lif``'s: Numba's
on-disk cache does not notice edits to jitted functions imported from another module, so a shared
helper could leave a stale compiled handler (``tests/test_architecture.py`` keeps model modules
from importing each other). Hashing a shared module into the engine module's name would not help:
the engine compiles the handler through the handler's own cache entry, keyed by this file alone.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import (PRECISIONS, NeuronModel, Param, StateVar, float_params, precision_groups,
                                      register)
# PRECISIONS is imported as this model's choices of ``precision``.

PARAMS = (
    *float_params("alpha", "beta", "v_leak"),
    Param("gain_syn", default=1.0, doc="scale of the synaptic input into the current (NIR w_in)"),
    Param("gain", default=1.0, doc="scale of the current into the membrane potential"),
    Param("bias", default=0.0, doc="constant input added to v every tick"),
    *float_params("precision"),
    Param("bias_in", default=0.0, doc="constant added to the synaptic input x every tick, before gain_syn"),
)
STATE = (
    StateVar("i", 0.0, "synaptic current"),
    StateVar("v", 0.0, "membrane potential (the readout value)"),
)

ALPHA, BETA, V_LEAK, GAIN_SYN, GAIN, BIAS, PRECISION, BIAS_IN = range(8)
I, V = 0, 1


@njit
def _tick(i, v, alpha, beta, v_leak, gain_syn, gain, x, bias):
    """One tick, in the float type of the arguments (all one type)."""
    i = alpha * i + gain_syn * x
    v = v_leak + (v - v_leak) * beta
    v = v + gain * i
    return i, v + bias


@njit
def _advance_steps(i, v, alpha, beta, v_leak, gain_syn, gain, bias, k):
    """``k`` input-free ticks one by one, stopping once ``(i, v)`` is a fixed point (bit-identical)."""
    zero = alpha - alpha  # +0 in the arguments' float type
    for _ in range(k):
        ni, nv = _tick(i, v, alpha, beta, v_leak, gain_syn, gain, zero, bias)
        stationary = ni == i and nv == v
        i, v = ni, nv
        if stationary:  # the map is deterministic: every later idle tick returns the same (i, v)
            break
    return i, v


@njit
def _decay_sums(a, b, k):
    """``(a**k, b**k, S_k)`` with ``S_k = sum_{m=0}^{k-1} a**m * b**(k-1-m)``, for ``a, b >= 0``.

    Binary powering over the bits of ``k``, most significant first. Invariant: after each bit,
    ``(pa, pb, s) == (a**n, b**n, S_n)`` where ``n`` is the prefix of ``k`` read so far. Doubling
    uses ``S_2n = S_n * (a**n + b**n)`` and the increment ``S_(n+1) = a**n + b * S_n``.
    """
    pa = 1.0
    pb = 1.0
    s = 0.0
    bit = 1
    while 2 * bit <= k:
        bit *= 2
    while bit > 0:
        s = s * (pa + pb)
        pa = pa * pa
        pb = pb * pb
        if k & bit:
            s = pa + b * s
            pa = pa * a
            pb = pb * b
        bit //= 2
    return pa, pb, s


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (contract in ``neurosim.models.registry``): per neuron, catch up the idle ticks, then
    ``i <- alpha i + gain_syn (x + bias_in)``, ``v <- v_leak + (v - v_leak) beta + gain i + bias``; never fires."""
    n_awake = 0
    for j in range(idx.size):
        n = idx[j]
        idle = elapsed[j] - 1  # idle ticks happen only with bias == bias_in == 0
        if params[n, PRECISION] != 0.0:
            c = np.float32
            alpha32, beta32, v_leak32 = c(params[n, ALPHA]), c(params[n, BETA]), c(params[n, V_LEAK])
            gain_syn32, gain32, bias32 = c(params[n, GAIN_SYN]), c(params[n, GAIN]), c(params[n, BIAS])
            i32, v32 = c(state[n, I]), c(state[n, V])
            if idle > 0:
                i32, v32 = _advance_steps(i32, v32, alpha32, beta32, v_leak32, gain_syn32, gain32, bias32, idle)
            i32, v32 = _tick(i32, v32, alpha32, beta32, v_leak32, gain_syn32, gain32,
                             c(x[j] + params[n, BIAS_IN]), bias32)
            state[n, I], state[n, V] = float(i32), float(v32)
        else:
            alpha, beta, v_leak, gain = params[n, ALPHA], params[n, BETA], params[n, V_LEAK], params[n, GAIN]
            i, v = state[n, I], state[n, V]
            if idle > 0:
                ak, bk, s = _decay_sums(alpha, beta, idle)
                v = v_leak + ((v - v_leak) * bk + gain * (i * alpha) * s)
                i = i * ak
            state[n, I], state[n, V] = _tick(i, v, alpha, beta, v_leak, params[n, GAIN_SYN], gain,
                                             x[j] + params[n, BIAS_IN], params[n, BIAS])
        if params[n, BIAS] != 0.0 or params[n, BIAS_IN] != 0.0:
            awake[n_awake] = n
            n_awake += 1
    return 0, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``i, v``; a readout never fires.
    """
    for sel, dtype, p in precision_groups(params, PRECISION):
        s = state[sel].astype(dtype)
        i = p[:, ALPHA] * s[:, I] + p[:, GAIN_SYN] * (x[sel] + params[sel, BIAS_IN]).astype(dtype)
        v = p[:, V_LEAK] + (s[:, V] - p[:, V_LEAK]) * p[:, BETA]
        v = v + p[:, GAIN] * i
        state[sel, I] = i
        state[sel, V] = v + p[:, BIAS]
    return np.zeros(x.shape[0])


MODEL = register(NeuronModel("cuba_li", PARAMS, STATE, update, reference_step, spiking=False, doc=__doc__,
                             source='NIR CubaLI (Pedersen et al., Nat. Commun. 15:8122 (2024))'))
