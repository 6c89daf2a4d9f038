"""Sliding parallel spiking neuron (SlidingPSN), float32, a k-tap weighted delay line on the membrane.

Source: W. Fang, Z. Yu, Z. Zhou, D. Chen, Y. Chen, Z. Ma, T. Masquelier and Y. Tian, "Parallel Spiking
Neurons with High Efficiency and Ability to Learn Long-term Dependencies", NeurIPS 2023
(arXiv:2304.12760), the sliding PSN: the masked PSN's weights shared across time steps,
``H[t] = sum_{i=0}^{k-1} W_i X[t - k + 1 + i]``, ``S[t] = Heaviside(H[t] - B)`` (as the abstract and
SpikingJelly's docstring, which cites the paper, state it; the paper's body was not readable here,
so no section or equation number is given); SpikingJelly 2.0.0 (PyPI ``spikingjelly==2.0.0``), the code this model copies:
``spikingjelly/activation_based/neuron/psn.py`` (``SlidingPSN``: learnable ``weight`` of shape
``[k]``, ``bias`` = ``-B`` initialised to -1, ``exp_init`` weights ``W_i = 2**-(k - 1 - i)``) and
``functional/neuron.py`` (``sliding_psn_step``: ``h = sum(weight[k - len(queue):] * queue)`` over
the queue of the last ``k`` inputs, oldest first, then ``spike = heaviside(h + bias)`` with
``heaviside(z) = 1 if z >= 0``).

Here the taps are indexed by their delay: ``w_d`` weights the input received ``d`` ticks ago, so
``w_d = W_{k-1-d}`` (``w0`` is SpikingJelly's last weight, the one of the current input), and the
order ``k`` is the number of taps up to the last non-zero ``w_d`` (taps of weight 0 add nothing).
The state holds the inputs of the ``k - 1`` previous ticks; there is no membrane carried over and no
reset. One tick with input ``x`` (the sum of weight x spike value over the synaptic events delivered
at this tick), every operation in float32 in this order::

    h  = 0
    h  <- h + w_d * x_d          for d = k-1, k-2, ..., 1   (the oldest input first, as SpikingJelly)
    h  <- h + w0 * x
    s  = h + bias >= 0                                     (Heaviside at 0 fires)
    x_d <- x_(d-1) for d = k-1, ..., 2;   x_1 <- x        (the delay line moves on)

Before tick ``k - 1`` SpikingJelly's queue is shorter than ``k``; the missing inputs are this
model's zero initial state, and a zero input adds nothing to ``h``.

**Synaptic operations.** The delay line is inside the neuron: an input event is delivered once (one
synaptic operation per event and target), and the ``k`` taps are the neuron's own arithmetic. The
same dynamics built from ``k`` delayed synapses per connection would cost ``k`` deliveries per event.

**Input.** ``x`` is rounded to float32 first (SpikingJelly computes in float32), as in ``st_bif``.

**Catch-up and awake.** A neuron is awake iff an input-free tick could fire it: one of its stored
inputs ``x_1 .. x_(k-1)`` is not zero, or ``bias >= 0`` (then ``h = 0`` fires every tick). A neuron
let sleep holds only zeros, which its idle ticks shift along: they change nothing.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.errors import ModelError
from neurosim.models.registry import NeuronModel, Param, StateVar, register

K_MAX = 32  # taps; the paper's longest sliding PSN has k = 32 (sequential CIFAR)
F32_MAX = float(np.finfo(np.float32).max)  # weights and bias are rounded to float32

PARAMS = (
    *(Param(f"w{d}", default=0.0, low=-F32_MAX, high=F32_MAX,
            doc=f"weight of the input received {d} ticks ago (SpikingJelly weight[k-1-{d}])") for d in range(K_MAX)),
    Param("bias", default=-1.0, low=-F32_MAX, high=F32_MAX,
          doc="added to h before the spike test h + bias >= 0 (minus the threshold; SpikingJelly's init -1)"),
)
STATE = tuple(StateVar(f"x{d}", 0.0, f"the input received {d} ticks before the coming tick (float32)")
              for d in range(1, K_MAX))

# Column indices into ``params`` and ``state``: w_d is column d, x_d is column d - 1.
BIAS = K_MAX


def sliding_weight_params(weight: npt.ArrayLike, bias: float) -> dict[str, object]:
    """The ``sliding_psn`` parameters of SpikingJelly's ``SlidingPSN(k)``.

    Parameters
    ----------
    weight : array_like
        ``(k,)``: ``SlidingPSN.weight``, ``weight[k - 1]`` on the current input.
    bias : float
        ``SlidingPSN.bias`` (minus the threshold).

    Returns
    -------
    dict
        Keyword parameters for ``Network.population(..., "sliding_psn", **params)``.
    """
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 1 or not 1 <= w.size <= K_MAX:
        raise ModelError(f"sliding_psn: weight has shape {w.shape}; it must be (k,) with 1 <= k <= {K_MAX}: "
                         "pass the weight of one SlidingPSN")
    return {**{f"w{d}": w[w.size - 1 - d] for d in range(w.size)}, "bias": float(bias)}


@njit
def _order(params, i):
    """The number of taps up to the last non-zero weight of neuron ``i`` (at least 1)."""
    k = K_MAX
    while k > 1 and params[i, k - 1] == 0.0:
        k -= 1
    return k


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (see ``neurosim.models.registry``): bring ``idx`` to tick ``t`` and apply input ``x``."""
    f32 = np.float32
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        k = _order(params, i)
        # A neuron let sleep holds only zeros: shifting its idle ticks' zero inputs in changes nothing.
        idle = elapsed[j] - 1
        if idle > 0:
            for d in range(k - 1, 0, -1):
                state[i, d - 1] = state[i, d - 1 - idle] if d - idle >= 1 else 0.0
        h = f32(0.0)
        for d in range(k - 1, 0, -1):
            h = h + f32(params[i, d]) * f32(state[i, d - 1])
        xi = f32(x[j])
        h = h + f32(params[i, 0]) * xi
        bias = f32(params[i, BIAS])
        if h + bias >= f32(0.0):
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
        busy = bias >= f32(0.0)
        for d in range(k - 1, 1, -1):
            state[i, d - 1] = state[i, d - 2]
            busy = busy or state[i, d - 1] != 0.0
        if k > 1:
            state[i, 0] = float(xi)
            busy = busy or xi != f32(0.0)
        if busy:
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy float32, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``x1 .. x31``; returns the spike values.
    """
    w = params[:, :K_MAX].astype(np.float32)
    nonzero = w != 0
    k = np.where(nonzero.any(axis=1), K_MAX - np.argmax(nonzero[:, ::-1], axis=1), 1)
    past = state.astype(np.float32)
    xi = x.astype(np.float32)
    h = np.zeros(x.shape[0], np.float32)
    for d in range(K_MAX - 1, 0, -1):
        h = np.where(d < k, h + w[:, d] * past[:, d - 1], h)
    h = h + w[:, 0] * xi
    spikes = h + params[:, BIAS].astype(np.float32) >= 0
    shifted = np.concatenate([xi[:, None], past[:, :-1]], axis=1)
    lag = np.arange(1, K_MAX)[None, :]
    state[:] = np.where(lag < k[:, None], shifted, past).astype(np.float64)
    return spikes.astype(np.float64)


MODEL = register(NeuronModel("sliding_psn", PARAMS, STATE, update, reference_step, doc=__doc__))
