"""Adaptive-threshold leaky integrate-and-fire (ALIF), float64, in the form of Bellec et al.'s e-prop.

Source: G. Bellec, F. Scherr, A. Subramoney, E. Hajek, D. Salaj, R. Legenstein and W. Maass, "A
solution to the learning dilemma for recurrent networks of spiking neurons", Nature Communications
11, 3625 (2020), Methods, section "Neuron models" (the LIF and ALIF equations), and its code
(github.com/IGITUGraz/eligibility_propagation, ``ALIF.__call__``: ``new_b = decay_b * b + z``,
``new_v = decay * v + i_t - z * thr``, ``new_z = (new_v - (thr + beta * new_b)) / thr > 0``). In the
paper's notation, with ``z^t`` the spike of tick ``t``::

    v^{t+1} = alpha * v^t + I^{t+1} - z^t * v_th       alpha = exp(-dt / tau_m)
    a^{t+1} = rho * a^t + z^t                          rho = exp(-dt / tau_a)
    A^{t+1} = v_th + beta * a^{t+1}                    the adaptive threshold
    z^{t+1} = H(v^{t+1} - A^{t+1})                     H(0) = 0: strictly above

One tick here with input ``x`` (the sum of weight x spike value over the synaptic events delivered at
this tick), in float64 in this order, ``s_prev`` being the spike of the previous tick::

    a <- rho * a + s_prev                              # the threshold adapts first, by the last spike
    v <- alpha * v + gain * x                          # leak and input
    v <- v + bias
    v <- v - v_th * s_prev                             # reset: subtract the base threshold, one tick late
    A  = v_th + beta * a
    s  = v > A           (threshold=">")    or    v >= A   (threshold=">=")
    s_prev <- s

So the threshold that decides the spike of tick ``t`` already contains every spike up to ``t - 1``
(each adds 1 to ``a``, and ``beta`` to the threshold, then decays by ``rho`` per tick), and the spike
of tick ``t`` raises the threshold from tick ``t + 1`` on. The reset subtracts the *base* threshold
``v_th`` (not ``A``), undecayed, at the next tick, as e-prop's ``- z^t v_th`` does. The 2018 LSNN form
(Bellec et al., NeurIPS 2018, ``a <- rho * a + (1 - rho) * z``) is this model with ``beta`` multiplied
by ``1 - rho``; its ``(1 - alpha)`` input factor is ``gain``. No snnTorch 1.0.0 neuron has a
spike-triggered threshold, so no framework implementation is reproduced bit for bit.

**Catch-up.** A neuron let sleep has ``bias == 0`` and ``s_prev == 0`` (see *awake*), and its idle
ticks are ``a <- rho * a``, ``v <- alpha * v`` (plus exact zeros). They are stepped one by one with
the tick's own operations, stopping once ``(v, a)`` is a fixed point, so catch-up is bit-identical to
a dense simulation (it costs one step per idle tick until the decays reach zero or a fixed point).

**Awake.** A neuron is updated at the next tick even without input iff it has a bias, a pending reset
(``s_prev``), or could fire on an idle tick. Idle ticks never raise ``v`` above ``max(alpha * v, 0)``
nor lower the threshold below ``v_th + min(0, beta * rho * a)`` (``0 <= alpha, rho <= 1``, ``beta >=
0``, and rounding is monotone), so the neuron sleeps iff ``max(fl(alpha * v), 0)`` is below
``fl(v_th + min(0, fl(beta * fl(rho * a))))`` (``>``: at most equal to it): exact, with no margin.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import NeuronModel, Param, StateVar, register

THRESHOLDS = (">", ">=")

PARAMS = (
    Param("alpha", low=0.0, high=1.0, doc="membrane decay per tick, exp(-dt / tau_m)"),
    Param("rho", low=0.0, high=1.0, doc="threshold-adaptation decay per tick, exp(-dt / tau_a)"),
    Param("v_th", doc="base threshold v_th (also the amount the reset subtracts)"),
    Param("beta", default=0.0, low=0.0, doc="adaptation strength: the threshold is v_th + beta * a"),
    Param("gain", default=1.0, doc="scale of the synaptic input"),
    Param("bias", default=0.0, doc="constant input added every tick"),
    Param("threshold", default=0.0, choices=THRESHOLDS, doc="spike condition against v_th + beta * a"),
)
STATE = (
    StateVar("v", 0.0, "membrane potential"),
    StateVar("a", 0.0, "threshold adaptation: spikes so far, each decayed by rho per tick"),
    StateVar("s_prev", 0.0, "1 if the neuron fired at its previous tick (adaptation and reset pending)"),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
ALPHA, RHO, V_TH, BETA, GAIN, BIAS, THRESHOLD = range(7)
V, A, S_PREV = range(3)


@njit
def _tick(v, a, s_prev, x, alpha, rho, v_th, beta, gain, bias, ge):
    """One tick, spike test included. Returns ``(v, a, spiked)``."""
    a = rho * a + s_prev
    v = alpha * v + gain * x
    v = v + bias
    v = v - v_th * s_prev
    adaptive = v_th + beta * a
    spiked = v >= adaptive if ge else v > adaptive
    return v, a, spiked


@njit
def _may_fire_idle(v, a, alpha, rho, v_th, beta, ge):
    """False only if no run of input-free ticks can fire (``bias == 0``, no pending reset)."""
    v_max = max(alpha * v, 0.0)
    lowest = v_th + min(0.0, beta * (rho * a))
    return v_max >= lowest if ge else v_max > lowest


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (see ``neurosim.models.registry``): bring ``idx`` to tick ``t`` and apply input ``x``."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        alpha, rho, v_th = params[i, ALPHA], params[i, RHO], params[i, V_TH]
        beta, gain, bias = params[i, BETA], params[i, GAIN], params[i, BIAS]
        ge = params[i, THRESHOLD] != 0.0
        v, a = state[i, V], state[i, A]
        zero = x[j] - x[j]  # +0.0 (x is finite): the input of an idle tick
        # Idle ticks happen only with bias == 0 and s_prev == 0, and cannot fire (awake rule).
        for _ in range(elapsed[j] - 1):
            nv, na, _spiked = _tick(v, a, zero, zero, alpha, rho, v_th, beta, gain, bias, ge)
            stationary = nv == v and na == a
            v, a = nv, na
            if stationary:
                break
        s_prev = state[i, S_PREV]
        v, a, spiked = _tick(v, a, s_prev, x[j], alpha, rho, v_th, beta, gain, bias, ge)
        if spiked:
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
        state[i, V] = v
        state[i, A] = a
        state[i, S_PREV] = 1.0 if spiked else 0.0
        if bias != 0.0 or spiked or _may_fire_idle(v, a, alpha, rho, v_th, beta, ge):
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy float64, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``v, a, s_prev``; returns the spike values.
    """
    p = params
    s_prev = state[:, S_PREV]
    a = p[:, RHO] * state[:, A] + s_prev
    v = p[:, ALPHA] * state[:, V] + p[:, GAIN] * x
    v = v + p[:, BIAS]
    v = v - p[:, V_TH] * s_prev
    adaptive = p[:, V_TH] + p[:, BETA] * a
    spiked = np.where(p[:, THRESHOLD] != 0.0, v >= adaptive, v > adaptive)
    state[:, V] = v
    state[:, A] = a
    state[:, S_PREV] = spiked
    return spiked.astype(np.float64)


MODEL = register(NeuronModel("alif", PARAMS, STATE, update, reference_step, doc=__doc__,
                             source=("Bellec et al., Nat. Commun. 11:3625 (2020), Methods, Neuron models; e-prop "
                                     "code, ALIF.__call__")))
