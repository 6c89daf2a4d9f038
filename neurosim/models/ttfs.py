"""Time-to-first-spike integrate-and-fire: fires at most once, float64 (Stanojevic et al.'s TTFS neuron).

Source: A. Stanojevic, S. Woźniak, G. Bellec, G. Cherubini, A. Pantazi and W. Gerstner,
"High-performance deep spiking neural networks with 0.3 spikes per neuron", Nature Communications
15, 6793 (2024) (arXiv:2306.08744), the TTFS neuron of its Results (its membrane equation
``tau_c dV_i/dt = A_i + sum_j W_ij H(t - t_j)``, one spike per neuron at the first time ``V_i``
reaches ``theta``; taken from the paper, not from code): a non-leaky integrate-and-fire neuron
with linear post-synaptic potentials (each input spike adds a constant slope ``W_ij`` from its
arrival on) that spikes once. Discretised with one tick per unit of ``t / tau_c``; one tick with
input ``x`` (the sum of weight x spike value over the synaptic events delivered at this tick), in
float64 in this order::

    if done:  nothing (the neuron has spiked: it ignores all later input, its state is frozen)
    else:
        i <- i + gain * x                  psp="ramp": x adds a slope (linear PSP, the paper's H(t - t_j))
        v <- v + i                                     (psp="step": i stays 0 and v <- v + gain * x)
        v <- v + bias                      # A_i, the constant slope of the neuron
        s  = v >= v_th     (threshold=">=")    or    v > v_th   (threshold=">")
        if s:  done <- 1                   # refractory forever: a single spike per neuron

``psp="step"`` is the plain fire-once IF neuron (each input spike a voltage step), used where the TTFS
code is decoded from an IF conversion. The spike time is the code: an earlier spike is a larger value.
The paper's layer-wise time windows (``t_min``, ``t_max``) and its slope change at ``t_min`` are not
modelled, and no neuron is forced to fire: a neuron that never reaches ``v_th`` never spikes (its
first-spike time is "never", which a decoder reads as the end of the window).

**Catch-up and awake.** A neuron is updated at the next tick even without input iff it has not
spiked and its potential moves on its own: ``bias != 0``, or ``i != 0`` with ``psp="ramp"``. A neuron
let sleep has ``bias == 0`` and no ramp (or has spiked), so an input-free tick adds only zeros: ``v`` is
unchanged except that a zero may change sign, and one tick stands for any number of idle ticks, bit
for bit.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import NeuronModel, Param, StateVar, register

PSPS = ("ramp", "step")
THRESHOLDS = (">=", ">")

PARAMS = (
    Param("v_th", doc="firing threshold theta"),
    Param("gain", default=1.0, doc="scale of the synaptic input"),
    Param("bias", default=0.0, doc="constant slope A_i added to v every tick"),
    Param("psp", default=0.0, choices=PSPS, doc="ramp: an input adds a slope (linear PSP); step: a voltage step"),
    Param("threshold", default=0.0, choices=THRESHOLDS, doc="spike condition"),
)
STATE = (
    StateVar("i", 0.0, "slope: the sum of the weights received so far (psp='ramp'), else 0"),
    StateVar("v", 0.0, "membrane potential"),
    StateVar("done", 0.0, "1 once the neuron has spiked (it never spikes again)"),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
V_TH, GAIN, BIAS, PSP, THRESHOLD = range(5)
I, V, DONE = range(3)
P_RAMP, P_STEP = 0, 1


@njit
def _tick(i, v, x, v_th, gain, bias, ramp, ge):
    """One tick of a neuron that has not spiked. Returns ``(i, v, spiked)``."""
    if ramp:
        i = i + gain * x
        v = v + i
    else:
        v = v + gain * x
    v = v + bias
    spiked = v >= v_th if ge else v > v_th
    return i, v, spiked


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (see ``neurosim.models.registry``): bring ``idx`` to tick ``t`` and apply input ``x``."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        n = idx[j]
        if state[n, DONE] != 0.0:
            continue  # spiked: frozen, asleep for good
        v_th, gain, bias = params[n, V_TH], params[n, GAIN], params[n, BIAS]
        ramp = params[n, PSP] == P_RAMP
        ge = params[n, THRESHOLD] == 0.0
        i, v = state[n, I], state[n, V]
        if elapsed[j] > 1:  # idle ticks happen only with bias == 0 and i == 0: one stands for all
            i, v, _spiked = _tick(i, v, x[j] - x[j], v_th, gain, bias, ramp, ge)
        i, v, spiked = _tick(i, v, x[j], v_th, gain, bias, ramp, ge)
        if spiked:
            fired[n_fired] = n
            payload[n_fired] = 1.0
            n_fired += 1
            state[n, DONE] = 1.0
        state[n, I] = i
        state[n, V] = v
        if not spiked and (bias != 0.0 or (ramp and i != 0.0)):
            awake[n_awake] = n
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy float64, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``i, v, done``; returns the spike values.
    """
    live = state[:, DONE] == 0.0
    ramp = params[:, PSP] == P_RAMP
    i = np.where(ramp, state[:, I] + params[:, GAIN] * x, state[:, I])
    v = np.where(ramp, state[:, V] + i, state[:, V] + params[:, GAIN] * x)
    v = v + params[:, BIAS]
    spiked = live & np.where(params[:, THRESHOLD] == 0.0, v >= params[:, V_TH], v > params[:, V_TH])
    state[live, I] = i[live]
    state[live, V] = v[live]
    state[spiked, DONE] = 1.0
    return spiked.astype(np.float64)


MODEL = register(NeuronModel("ttfs", PARAMS, STATE, update, reference_step, doc=__doc__,
                             source=("Stanojevic et al., Nat. Commun. 15:6793 (2024), arXiv:2306.08744, the TTFS "
                                     "neuron of its Results")))
