"""Masked parallel spiking neuron (MaskedPSN), float32: a causal PSN over windows of T ticks.

Source: W. Fang, Z. Yu, Z. Zhou, D. Chen, Y. Chen, Z. Ma, T. Masquelier and Y. Tian, "Parallel Spiking
Neurons with High Efficiency and Ability to Learn Long-term Dependencies", NeurIPS 2023
(arXiv:2304.12760), the masked PSN: ``H = (W . M_k) X``, ``S = Heaviside(H - B)``, with the band
mask ``M_k[i][j] = 1`` iff ``j <= i <= j + k - 1`` so that step ``i`` sees only its last ``k`` inputs
(as the abstract and SpikingJelly's docstring, which cites the paper, state it; the paper's body was
not readable here, so no section or equation number is given); SpikingJelly 2.0.0 (PyPI ``spikingjelly==2.0.0``), the
code this model copies: ``spikingjelly/activation_based/neuron/psn.py`` (``MaskedPSN``: ``weight``
``[T, T]``, ``bias`` ``[T, 1]`` = ``-B`` initialised to -1; ``masked_weight()`` is ``weight * mask0``
once ``lambda_ >= 1``) and ``functional/neuron.py`` (``masked_psn_step``: at time step ``t``,
``h = sum(masked_weight[t, t + 1 - len(queue) : t + 1] * queue)`` over the queue of the last ``k``
inputs, oldest first, then ``spike = heaviside(h + bias[t])``, ``heaviside(z) = 1 if z >= 0``).

A window is ``T`` consecutive ticks, the first starting at tick 0 (SpikingJelly's ``T`` steps of one
sample; its ``time_step`` counter is this model's ``phase``). Tick ``p`` of a window (``0 <= p < T``)
with input ``x`` (the sum of weight x spike value over the synaptic events delivered at this tick),
every operation in float32 in this order::

    x_p <- x
    h  = 0
    h  <- h + w{p}_{j} * x_j       for j = 0, 1, ..., p      (the oldest input first)
    s  = h + b{p} >= 0                                      (Heaviside at 0 fires)
    if p == T - 1:  x_0 .. x_(T-1) <- 0                      (the next window starts afresh)

``w{p}_{j}`` is the masked weight ``(W . M_k)[p][j]``: the mask is applied by giving zero to the weights
outside the band (:func:`masked_weight_params` does it from SpikingJelly's ``weight`` and ``k``), and
a zero weight adds nothing. So this model is every causal PSN (any lower-triangular ``W``); only the
upper triangle, which a step-by-step neuron cannot see, has no parameter. SpikingJelly's masked PSN
with ``lambda_ < 1`` (during its training schedule) mixes in the upper triangle: it is not causal,
and is the full ``psn`` model with ``W . M_k(lambda)`` as its weights.

``T`` is at most ``T_MAX`` = 16 (every weight is one parameter per neuron; the paper's CIFAR-10 and
ImageNet networks use T = 4, its CIFAR10-DVS ones T <= 10; its sequential CIFAR one, T = 32, does not
fit). After ``T`` ticks the neuron starts the next window, as SpikingJelly after a reset.

**Input.** ``x`` is rounded to float32 first (SpikingJelly computes in float32), as in ``st_bif``.

**Catch-up and awake.** A neuron is awake iff it holds a non-zero input of its window or one of its
``b{p}`` (``p < T``) is ``>= 0`` (then ``h = 0`` fires at that phase of every window). A neuron let sleep
holds only zeros, so its idle ticks only advance its phase.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.errors import ModelError
from neurosim.models.registry import NeuronModel, Param, StateVar, register

T_MAX = 16
F32_MAX = float(np.finfo(np.float32).max)  # weights and biases are rounded to float32

# The lower triangle of W, row by row: weight (p, j) is parameter column W0 + p * (p + 1) // 2 + j.
N_WEIGHTS = T_MAX * (T_MAX + 1) // 2

PARAMS = (
    Param("T", low=1.0, high=float(T_MAX), integer=True, doc=f"window length in ticks (1 to {T_MAX})"),
    *(Param(f"w{p}_{j}", default=0.0, low=-F32_MAX, high=F32_MAX,
            doc=f"masked weight of input {j} of the window at step {p}") for p in range(T_MAX) for j in range(p + 1)),
    *(Param(f"b{p}", default=-1.0, low=-F32_MAX, high=F32_MAX,
            doc=f"added to h at step {p} before the test h + b{p} >= 0 (SpikingJelly's bias[{p}], init -1)")
      for p in range(T_MAX)),
)
STATE = (
    StateVar("phase", 0.0, "the coming tick's position in its window, 0 to T - 1 (read modulo T)"),
    *(StateVar(f"x{j}", 0.0, f"the input received at step {j} of the current window (float32)") for j in range(T_MAX)),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
T_COL, W0 = 0, 1
B0 = W0 + N_WEIGHTS
PHASE, X0 = 0, 1


def masked_weight_params(weight: npt.ArrayLike, bias: npt.ArrayLike, k: int) -> dict[str, object]:
    """The ``masked_psn`` parameters of SpikingJelly's ``MaskedPSN(k, T)`` with ``lambda_ >= 1``.

    Parameters
    ----------
    weight : array_like
        ``(T, T)``: SpikingJelly's ``weight`` (unmasked); the band mask ``M_k`` is applied here.
    bias : array_like
        ``(T,)`` or ``(T, 1)``: SpikingJelly's ``bias`` (minus the thresholds).
    k : int
        The order: step ``p`` sees inputs ``p - k + 1 .. p``.

    Returns
    -------
    dict
        Keyword parameters for ``Network.population(..., "masked_psn", **params)``.
    """
    w = np.asarray(weight, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64).reshape(-1)
    n = w.shape[0] if w.ndim == 2 else 0
    if w.ndim != 2 or w.shape[1] != n or not 1 <= n <= T_MAX or b.shape != (n,):
        raise ModelError(f"masked_psn: weight must be (T, T) and bias (T,) with 1 <= T <= {T_MAX}; got "
                         f"{w.shape} and {np.shape(bias)}; pass SpikingJelly's weight and bias of one MaskedPSN")
    if not 1 <= k:
        raise ModelError(f"masked_psn: k = {k} must be at least 1; pass the MaskedPSN's order")
    params: dict[str, object] = {"T": n}
    for p in range(n):
        for j in range(p + 1):
            params[f"w{p}_{j}"] = w[p, j] if p - j < k else 0.0
        params[f"b{p}"] = b[p]
    return params


@njit
def _busy(state, params, i, n):
    """True if an input-free tick of neuron ``i`` (window length ``n``) could fire."""
    for p in range(n):
        if state[i, X0 + p] != 0.0 or np.float32(params[i, B0 + p]) >= np.float32(0.0):
            return True
    return False


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (see ``neurosim.models.registry``): bring ``idx`` to tick ``t`` and apply input ``x``."""
    f32 = np.float32
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        n = int(params[i, T_COL])
        # A neuron let sleep holds only zeros: its idle ticks only advance its phase.
        p = (int(state[i, PHASE]) + elapsed[j] - 1) % n  # the phase of tick t
        xi = f32(x[j])
        state[i, X0 + p] = float(xi)
        h = f32(0.0)
        for q in range(p + 1):
            h = h + f32(params[i, W0 + p * (p + 1) // 2 + q]) * f32(state[i, X0 + q])
        if h + f32(params[i, B0 + p]) >= f32(0.0):
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
        if p == n - 1:
            for q in range(n):
                state[i, X0 + q] = 0.0
        state[i, PHASE] = float((p + 1) % n)
        if _busy(state, params, i, n):
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy float32, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``phase, x0 .. x15``; returns the spike values.
    """
    rows = np.arange(x.shape[0])
    n = params[:, T_COL].astype(np.int64)
    p = state[:, PHASE].astype(np.int64) % n
    buf = state[:, X0:].astype(np.float32)
    buf[rows, p] = x.astype(np.float32)
    h = np.zeros(x.shape[0], np.float32)
    for q in range(T_MAX):
        col = W0 + p * (p + 1) // 2 + q
        w = params[rows, np.minimum(col, params.shape[1] - 1)].astype(np.float32)
        h = np.where(q <= p, h + w * buf[:, q], h)
    spikes = h + params[rows, B0 + p].astype(np.float32) >= 0
    buf[(p == n - 1)[:, None] & (np.arange(T_MAX)[None, :] < n[:, None])] = 0.0
    state[:, X0:] = buf
    state[:, PHASE] = (p + 1) % n
    return spikes.astype(np.float64)


MODEL = register(NeuronModel("masked_psn", PARAMS, STATE, update, reference_step, doc=__doc__))
