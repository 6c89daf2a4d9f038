"""Integrate-and-fire neuron with an absolute refractory period, float64: a neurosim plugin model.

Source: the integrate-and-fire model with absolute refractoriness of W. Gerstner, W. M. Kistler,
R. Naud and L. Paninski, "Neuronal Dynamics", Cambridge University Press (2014), Section 1.3, without
the leak. One tick with input ``x`` (the sum of weight x spike value over the events delivered at this
tick)::

    if ref > 0:  ref <- ref - 1               # refractory: the input is lost, v is held
    else:
        v <- v + gain * x
        s  = v >= v_th
        if s:  v <- 0;  ref <- refractory      # hard reset, then `refractory` ticks deaf

Idle ticks (no input) change only ``ref``: ``k`` of them are ``ref <- max(ref - k, 0)``, exactly. A
neuron fires without input only if ``v >= v_th`` after its reset (``v_th <= 0``), so it is awake then.
"""
from __future__ import annotations

import numpy as np

from neurosim import ModelError
from neurosim.models import NeuronModel, NirReader, Param, StateVar, njit, register

PARAMS = (
    Param("v_th", doc="firing threshold"),
    Param("gain", default=1.0, doc="scale of the synaptic input"),
    Param("refractory", default=2.0, low=0.0, integer=True, doc="ticks without integration after a spike"),
)
STATE = (
    StateVar("v", 0.0, "membrane potential"),
    StateVar("ref", 0.0, "refractory ticks left"),
)
V_TH, GAIN, REFRACTORY = range(3)
V, REF = range(2)


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (``neurosim.models.registry``): catch up ``elapsed - 1`` idle ticks, then do tick ``t``."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        v_th, gain = params[i, V_TH], params[i, GAIN]
        v = state[i, V]
        ref = max(state[i, REF] - (elapsed[j] - 1), 0.0)
        if ref > 0.0:
            ref -= 1.0
        else:
            v = v + gain * x[j]
            if v >= v_th:
                fired[n_fired] = i
                payload[n_fired] = 1.0
                n_fired += 1
                v = 0.0
                ref = params[i, REFRACTORY]
        state[i, V] = v
        state[i, REF] = ref
        if v >= v_th:
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state, params, x):
    """One dense tick in numpy (the oracle); state columns ``v, ref``; returns the spike values."""
    active = state[:, REF] <= 0.0
    v = np.where(active, state[:, V] + params[:, GAIN] * x, state[:, V])
    spiked = active & (v >= params[:, V_TH])
    state[:, V] = np.where(spiked, 0.0, v)
    state[:, REF] = np.where(spiked, params[:, REFRACTORY], np.where(active, state[:, REF], state[:, REF] - 1.0))
    return spiked.astype(np.float64)


def read_nir(node):
    """A NIR ``IF`` node: threshold and input gain as neurosim reads an ``IF``; ``refractory`` keeps its default."""
    _, builtin, _ = node.builtin()
    if np.any(node.param("v_reset", 0.0) != 0.0) or np.any(node.bias != 0.0):
        raise ModelError(f"node '{node.name}': refractory_if resets to 0 and has no bias; "
                         "map only IF nodes with v_reset = 0 and no Affine bias to it")
    return {"v_th": builtin["v_th"], "gain": builtin["gain"]}, {}


MODEL = register(NeuronModel(
    "refractory_if", PARAMS, STATE, update, reference_step, doc=__doc__,
    source="Gerstner et al., Neuronal Dynamics (2014), Sec. 1.3: integrate-and-fire with absolute refractoriness",
    nir=NirReader(("IF",), read_nir)))
