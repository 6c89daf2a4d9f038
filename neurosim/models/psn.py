"""Parallel spiking neuron (PSN), float32: a buffered T-step layer that is not causal.

Source: W. Fang, Z. Yu, Z. Zhou, D. Chen, Y. Chen, Z. Ma, T. Masquelier and Y. Tian, "Parallel Spiking
Neurons with High Efficiency and Ability to Learn Long-term Dependencies", NeurIPS 2023
(arXiv:2304.12760), the PSN: the reset removed, ``H = W X`` with ``W`` in ``R^(T x T)`` mixing all
``T`` inputs of a sample, ``S = Heaviside(H - B)`` (as the abstract and SpikingJelly's docstring,
which cites the paper, state it; the paper's body was not readable here, so no section or equation
number is given); SpikingJelly 2.0.0 (PyPI ``spikingjelly==2.0.0``), the code this model copies:
``spikingjelly/activation_based/neuron/psn.py`` (``PSN``, multi-step only: ``h_seq = addmm(bias,
weight, x_seq)``, ``weight`` ``[T, T]``, ``bias`` ``[T, 1]`` = ``-B`` initialised to -1, then
``heaviside(h)`` with ``heaviside(z) = 1 if z >= 0``).

**Not causal.** Step ``t``'s spike depends on all ``T`` inputs of the sample, the later ones included,
so no neuron updated tick by tick can emit it at tick ``t``. This model buffers a window of ``T``
ticks (the first starting at tick 0), computes the whole window at its last tick, and sends the
window's spikes one per tick from then on: the spike of step ``t`` of the window that starts at tick
``w`` leaves at tick ``w + T - 1 + t``. The layer's output is therefore ``T - 1`` ticks late (none
for ``T = 1``), and a run must last ``T - 1`` ticks longer per PSN layer to see a sample's last
spikes. With ``p`` the phase of a tick in its window and ``x`` its input (the sum of weight x spike
value over the synaptic events delivered at this tick), every operation in float32 in this order::

    x_p <- x
    if p < T - 1:
        send s_(p+1) (the previous window's spike of step p + 1);  s_(p+1) <- 0
    else:                                                       (the window is complete)
        h_t = 0;  h_t <- h_t + w{t}_{j} * x_j  for j = 0 .. T-1;   for every step t
        S_t = h_t + b{t} >= 0                                   (Heaviside at 0 fires)
        send S_0;   s_t <- S_t for t = 1 .. T-1;   x_0 .. x_(T-1) <- 0

The ``T`` products of a step are summed in order; PyTorch's ``addmm`` (BLAS) may sum them in
another order, which gives the same float32 result whenever the sums are exact (see
``docs/models.md``). ``T`` is at most ``T_MAX`` = 16 (every weight is one parameter per neuron).

**Input.** ``x`` is rounded to float32 first (SpikingJelly computes in float32), as in ``st_bif``.

**Catch-up and awake.** A neuron is awake iff it holds a non-zero input of its window, a spike still
to send, or a ``b{t}`` (``t < T``) ``>= 0`` (then an empty window fires). A neuron let sleep holds only
zeros, so its idle ticks only advance its phase.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.errors import ModelError
from neurosim.models.registry import NeuronModel, Param, StateVar, register

T_MAX = 16
F32_MAX = float(np.finfo(np.float32).max)  # weights and biases are rounded to float32

PARAMS = (
    Param("T", low=1.0, high=float(T_MAX), integer=True, doc=f"window length in ticks (1 to {T_MAX})"),
    *(Param(f"w{t}_{j}", default=0.0, low=-F32_MAX, high=F32_MAX,
            doc=f"weight of input {j} of the window in step {t}'s h") for t in range(T_MAX) for j in range(T_MAX)),
    *(Param(f"b{t}", default=-1.0, low=-F32_MAX, high=F32_MAX,
            doc=f"added to h at step {t} before the test h + b{t} >= 0 (SpikingJelly's bias[{t}], init -1)")
      for t in range(T_MAX)),
)
STATE = (
    StateVar("phase", 0.0, "the coming tick's position in its window, 0 to T - 1 (read modulo T)"),
    *(StateVar(f"x{j}", 0.0, f"the input received at step {j} of the current window (float32)") for j in range(T_MAX)),
    *(StateVar(f"s{t}", 0.0, f"1 if the previous window's step {t} fired (sent at phase {t - 1})")
      for t in range(1, T_MAX)),
)

# Column indices into ``params`` and ``state``: weight (t, j) is column W0 + t * T_MAX + j.
T_COL, W0 = 0, 1
B0 = W0 + T_MAX * T_MAX
PHASE, X0 = 0, 1
S1 = X0 + T_MAX  # s_t is column S1 + t - 1


def psn_params(weight: npt.ArrayLike, bias: npt.ArrayLike) -> dict[str, object]:
    """The ``psn`` parameters of SpikingJelly's ``PSN(T)`` (or of any ``[T, T]`` time-mixing weight).

    Parameters
    ----------
    weight : array_like
        ``(T, T)``: ``PSN.weight``, or ``MaskedPSN.masked_weight()`` for a masked PSN during its
        masking schedule (``lambda_ < 1``).
    bias : array_like
        ``(T,)`` or ``(T, 1)``: the ``bias`` (minus the thresholds).

    Returns
    -------
    dict
        Keyword parameters for ``Network.population(..., "psn", **params)``.
    """
    w = np.asarray(weight, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64).reshape(-1)
    n = w.shape[0] if w.ndim == 2 else 0
    if w.ndim != 2 or w.shape[1] != n or not 1 <= n <= T_MAX or b.shape != (n,):
        raise ModelError(f"psn: weight must be (T, T) and bias (T,) with 1 <= T <= {T_MAX}; got {w.shape} and "
                         f"{np.shape(bias)}; pass the weight and bias of one PSN")
    params: dict[str, object] = {"T": n}
    for t in range(n):
        for j in range(n):
            params[f"w{t}_{j}"] = w[t, j]
        params[f"b{t}"] = b[t]
    return params


@njit
def _busy(state, params, i, n):
    """True if an input-free tick of neuron ``i`` (window length ``n``) could fire."""
    for t in range(n):
        if state[i, X0 + t] != 0.0 or np.float32(params[i, B0 + t]) >= np.float32(0.0):
            return True
    for t in range(1, n):
        if state[i, S1 + t - 1] != 0.0:
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
        p = (int(state[i, PHASE]) + elapsed[j] - 1) % n
        state[i, X0 + p] = float(f32(x[j]))
        if p < n - 1:
            spiked = state[i, S1 + p] != 0.0
            state[i, S1 + p] = 0.0
        else:
            spiked = False
            for s in range(n):
                h = f32(0.0)
                for q in range(n):
                    h = h + f32(params[i, W0 + s * T_MAX + q]) * f32(state[i, X0 + q])
                fires = h + f32(params[i, B0 + s]) >= f32(0.0)
                if s == 0:
                    spiked = fires
                else:
                    state[i, S1 + s - 1] = 1.0 if fires else 0.0
            for q in range(n):
                state[i, X0 + q] = 0.0
        if spiked:
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
        state[i, PHASE] = float((p + 1) % n)
        if _busy(state, params, i, n):
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy float32, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``phase, x0 .. x15, s1 .. s15``; returns the spike values.
    """
    rows = np.arange(x.shape[0])
    n = params[:, T_COL].astype(np.int64)
    p = state[:, PHASE].astype(np.int64) % n
    buf = state[:, X0:X0 + T_MAX].astype(np.float32)
    buf[rows, p] = x.astype(np.float32)
    pending = state[:, S1:S1 + T_MAX - 1].copy()
    last = p == n - 1
    w = params[:, W0:B0].astype(np.float32).reshape(-1, T_MAX, T_MAX)
    h = np.zeros((x.shape[0], T_MAX), np.float32)
    for q in range(T_MAX):
        h = np.where(q < n[:, None], h + w[:, :, q] * buf[:, q:q + 1], h)
    window = h + params[:, B0:B0 + T_MAX].astype(np.float32) >= 0
    inside = np.arange(T_MAX)[None, :] < n[:, None]
    window &= inside
    sent = np.where(last, window[:, 0], pending[rows, np.minimum(p, T_MAX - 2)] != 0)
    pending[rows[~last], p[~last]] = 0.0
    pending[last] = np.where(inside[last, 1:], window[last, 1:], pending[last])
    buf[last[:, None] & inside] = 0.0
    state[:, X0:X0 + T_MAX] = buf
    state[:, S1:S1 + T_MAX - 1] = pending
    state[:, PHASE] = (p + 1) % n
    return sent.astype(np.float64)


MODEL = register(NeuronModel("psn", PARAMS, STATE, update, reference_step, doc=__doc__))
