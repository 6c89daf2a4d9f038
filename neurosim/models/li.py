"""Non-spiking readouts, float32 or float64: the leaky integrator "li" (NIR ``LI``) and the
integrator "integrator" (NIR ``Integrator``).

Their membrane potential is the network's output (a probe reads it); they never fire. One tick of
a neuron with input ``x`` (the sum of weight x spike value over the synaptic events delivered at
this tick)::

    li:          v <- v_leak + (v - v_leak) * beta     # beta = 1 - dt/tau (Euler) or exp(-dt/tau)
                 v <- v + gain * x                     # gain = NIR's r * dt / tau
                 v <- v + bias
    integrator:  v <- v + gain * x                     # gain = NIR's r
                 v <- v + bias

Every operation is rounded to ``precision`` in the order written.

**Catch-up.** A neuron that was let sleep has ``bias == 0``. For "li", ``k`` idle ticks are caught
up as in "lif": float64 in closed form ``v_leak + (v - v_leak) * beta**k`` (within a few ulp of
stepping), float32 tick by tick until ``v`` stops changing (bit-identical to a dense simulation).
For "integrator" an idle tick adds only zeros, so ``v`` is a fixed point after one tick (a zero may
change sign in it), and one tick stands for any number of them, bit for bit.

**Awake.** A readout cannot fire, so it needs an update without input only to add its bias: it is
awake iff ``bias != 0``. Its decay towards ``v_leak`` is caught up when it is next touched.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import PRECISIONS, NeuronModel, StateVar, float_params, precision_groups, register
# PRECISIONS is imported as these models' choices of ``precision``.

LI_PARAMS = float_params("beta", "v_leak", "gain", "bias", "precision")
INTEGRATOR_PARAMS = float_params("gain", "bias", "precision")
STATE = (StateVar("v", 0.0, "membrane potential (the readout value)"),)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
LI_BETA, LI_V_LEAK, LI_GAIN, LI_BIAS, LI_PRECISION = range(5)
INT_GAIN, INT_BIAS, INT_PRECISION = range(3)
V = 0


@njit
def _li_tick(v, beta, v_leak, gain, x, bias):
    """One "li" tick, in the float type of the arguments (all one type)."""
    v = v_leak + (v - v_leak) * beta
    v = v + gain * x
    return v + bias


@njit
def _li_advance_steps(v, beta, v_leak, gain, bias, k):
    """``k`` input-free ticks one by one, stopping once ``v`` is a fixed point (bit-identical).

    ``gain`` and ``bias`` are passed although an idle tick adds nothing with them, so that every
    operation, down to the sign of a zero, is the one a dense simulation performs.
    """
    zero = beta - beta  # +0 in the arguments' float type (a - a is +0 for every finite a)
    for _ in range(k):
        nv = _li_tick(v, beta, v_leak, gain, zero, bias)
        stationary = nv == v
        v = nv
        if stationary:  # the map is deterministic: every later idle tick returns the same v
            break
    return v


@njit
def update_li(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler of "li" (contract in ``neurosim.models.registry``): per neuron
    ``v <- v_leak + (v - v_leak) beta**elapsed + gain x + bias``; it never fires."""
    n_awake = 0
    for j in range(idx.size):
        n = idx[j]
        idle = elapsed[j] - 1  # idle ticks happen only with bias == 0
        beta, v_leak, gain, bias = params[n, LI_BETA], params[n, LI_V_LEAK], params[n, LI_GAIN], params[n, LI_BIAS]
        # The two precisions use separate variables: Numba would otherwise unify them to float64.
        if params[n, LI_PRECISION] != 0.0:
            c = np.float32
            v32 = c(state[n, V])
            if idle > 0:
                v32 = _li_advance_steps(v32, c(beta), c(v_leak), c(gain), c(bias), idle)
            state[n, V] = float(_li_tick(v32, c(beta), c(v_leak), c(gain), c(x[j]), c(bias)))
        else:
            v = state[n, V]
            if idle > 0:
                v = v_leak + (v - v_leak) * beta ** idle
            state[n, V] = _li_tick(v, beta, v_leak, gain, x[j], bias)
        if bias != 0.0:
            awake[n_awake] = n
            n_awake += 1
    return 0, n_awake


@njit
def _integrator_neuron(v, gain, bias, x, idle):
    """Catch up the idle ticks (one tick stands for all), then one tick with input ``x``."""
    if idle > 0:
        v = v + gain * (x - x)  # x - x: +0 in x's type, the input of an idle tick
        v = v + bias
    v = v + gain * x
    return v + bias


@njit
def update_integrator(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler of "integrator" (contract in ``neurosim.models.registry``): per neuron
    ``v <- v + gain x + bias``, one input-free tick standing for all the idle ones; it never fires."""
    n_awake = 0
    for j in range(idx.size):
        n = idx[j]
        idle = elapsed[j] - 1  # idle ticks happen only with bias == 0
        if params[n, INT_PRECISION] != 0.0:
            c = np.float32
            state[n, V] = float(_integrator_neuron(c(state[n, V]), c(params[n, INT_GAIN]), c(params[n, INT_BIAS]),
                                                   c(x[j]), idle))
        else:
            state[n, V] = _integrator_neuron(state[n, V], params[n, INT_GAIN], params[n, INT_BIAS], x[j], idle)
        if params[n, INT_BIAS] != 0.0:
            awake[n_awake] = n
            n_awake += 1
    return 0, n_awake


def reference_step_li(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                      x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense "li" tick, numpy, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State column ``v``, params as :data:`LI_PARAMS`; a readout never fires.
    """
    for sel, dtype, p in precision_groups(params, LI_PRECISION):
        v = p[:, LI_V_LEAK] + (state[sel, V].astype(dtype) - p[:, LI_V_LEAK]) * p[:, LI_BETA]
        v = v + p[:, LI_GAIN] * x[sel].astype(dtype)
        state[sel, V] = v + p[:, LI_BIAS]
    return np.zeros(x.shape[0])


def reference_step_integrator(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                              x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense "integrator" tick, numpy (the oracle; contract in :mod:`neurosim.models.registry`).

    State column ``v``, params as :data:`INTEGRATOR_PARAMS`; a readout never fires.
    """
    for sel, dtype, p in precision_groups(params, INT_PRECISION):
        v = state[sel, V].astype(dtype) + p[:, INT_GAIN] * x[sel].astype(dtype)
        state[sel, V] = v + p[:, INT_BIAS]
    return np.zeros(x.shape[0])


LI = register(NeuronModel("li", LI_PARAMS, STATE, update_li, reference_step_li, spiking=False,
                         source="NIR LI (Pedersen et al., Nat. Commun. 15:8122 (2024))",
                         doc="Leaky integrator, a non-spiking readout, float32 or float64 (NIR ``LI``).\n\n" + __doc__))
INTEGRATOR = register(NeuronModel("integrator", INTEGRATOR_PARAMS, STATE, update_integrator,
                                  reference_step_integrator, spiking=False,
                                  source="NIR I (Pedersen et al., Nat. Commun. 15:8122 (2024))",
                                  doc="Integrator without leak, a non-spiking readout, float32 or float64 (NIR "
                                      "``Integrator``).\n\n" + __doc__))
