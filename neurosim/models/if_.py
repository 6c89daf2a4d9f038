"""Integrate-and-fire without leak, float32 or float64 (NIR ``IF``; the neuron of ANN-to-SNN conversion).

One tick of a neuron with input ``x`` (the sum of weight x spike value over the synaptic events
delivered at this tick)::

    v <- v + gain * x                          # gain = NIR's r
    v <- v + bias                              # the converted ANN layer's bias
    s  = v > v_th        (threshold=">")    or    v >= v_th   (threshold=">=")
    if s:  v <- v_reset  (reset="value", reset to zero)  |  v - v_th  ("subtract")  |  unchanged ("none")

Every operation is rounded to ``precision`` in the order written. Reset by subtraction keeps the
residual charge, which is what makes rate-coded conversion accurate (Rueckauer et al. 2017,
Front. Neurosci. 11:682); reset to ``v_reset`` is NIR's ``IF``.

**Catch-up.** A neuron that was let sleep has ``bias == 0``, and an input-free tick then adds only
zeros: ``v`` is unchanged except that a zero may change sign. After one such tick ``v`` is a fixed
point, so one tick stands for any number of idle ticks, bit for bit.

**Awake.** A neuron is updated at the next tick even without input iff it has a bias or its ``v``
after reset is still past the threshold (it then fires again on its own: reset "none", or
"subtract" with ``v >= 2 v_th``). Without bias an idle tick leaves ``v`` unchanged, so this test is
exact, with no margin.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import (PRECISIONS, THRESHOLDS, NeuronModel, Param, StateVar, float_params,
                                      precision_groups, register, spike_and_reset)
# PRECISIONS and THRESHOLDS are imported as this model's choices of those parameters.

RESETS = ("value", "subtract", "none")  # no delayed reset: nothing leaks between a spike and the next tick

PARAMS = (
    *float_params("v_th", "v_reset", "gain", "bias"),
    Param("reset", default=0.0, choices=RESETS, doc="reset mechanism"),
    *float_params("threshold", "precision"),
)
STATE = (StateVar("v", 0.0, "membrane potential (after reset)"),)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
V_TH, V_RESET, GAIN, BIAS, RESET, THRESHOLD, PRECISION = range(7)
V = 0
R_VALUE, R_SUBTRACT, R_NONE = 0, 1, 2


@njit
def _tick(v, gain, x, bias):
    """One tick before the spike test, in the float type of the arguments (all one type)."""
    v = v + gain * x
    return v + bias


@njit
def _neuron(v, v_th, v_reset, gain, bias, x, idle, reset, ge):
    """Catch up the idle ticks, then one tick with input ``x``, spike test and reset.

    Computes in the float type of the arguments. Returns ``(v, spiked, fires_again)``, the last
    being whether ``v`` after reset is still past the threshold.
    """
    if idle > 0:
        v = _tick(v, gain, x - x, bias)  # x - x: +0 in x's type (the input of an idle tick)
    v = _tick(v, gain, x, bias)
    spiked = v >= v_th if ge else v > v_th
    if spiked:
        if reset == R_VALUE:
            v = v_reset
        elif reset == R_SUBTRACT:
            v = v - v_th
    return v, spiked, (v >= v_th if ge else v > v_th)


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (contract in ``neurosim.models.registry``): per neuron ``v <- v + gain x + bias``, fire if
    ``v`` passes ``v_th`` and reset; one input-free tick stands for all the idle ones."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        n = idx[j]
        reset = int(params[n, RESET])
        ge = params[n, THRESHOLD] != 0.0
        idle = elapsed[j] - 1  # idle ticks happen only with bias == 0
        if params[n, PRECISION] != 0.0:
            c = np.float32
            v32, spiked, again = _neuron(c(state[n, V]), c(params[n, V_TH]), c(params[n, V_RESET]),
                                         c(params[n, GAIN]), c(params[n, BIAS]), c(x[j]), idle, reset, ge)
            v = float(v32)
        else:
            v, spiked, again = _neuron(state[n, V], params[n, V_TH], params[n, V_RESET], params[n, GAIN],
                                       params[n, BIAS], x[j], idle, reset, ge)
        if spiked:
            fired[n_fired] = n
            payload[n_fired] = 1.0
            n_fired += 1
        state[n, V] = v
        if params[n, BIAS] != 0.0 or again:
            awake[n_awake] = n
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State column ``v``.
    """
    out = np.zeros(x.shape[0])
    for sel, dtype, p in precision_groups(params, PRECISION):
        v = state[sel, V].astype(dtype) + p[:, GAIN] * x[sel].astype(dtype)
        v = v + p[:, BIAS]
        spiked, state[sel, V] = spike_and_reset(v, p[:, V_TH], p[:, V_RESET], params[sel, THRESHOLD] != 0.0,
                                                params[sel, RESET])
        out[sel] = spiked
    return out


MODEL = register(NeuronModel("if", PARAMS, STATE, update, reference_step, doc=__doc__,
                             source=("NIR IF (Pedersen et al., Nat. Commun. 15:8122 (2024)); reset by subtraction: "
                                     "Rueckauer et al., Front. Neurosci. 11:682 (2017)")))
