"""Current-based leaky integrate-and-fire, float32 or float64 (NIR ``CubaLIF``, snnTorch ``Synaptic``,
Norse ``LIFCell``).

Two state variables: the synaptic current ``i``, which low-pass filters the input, and the membrane
potential ``v``, which integrates the current. One tick of a neuron with input ``x`` (the sum of
weight x spike value over the synaptic events delivered at this tick)::

    i <- alpha * i + gain_syn * (x + bias_in)  # current decay; alpha = 1 - dt/tau_syn or exp(-dt/tau_syn)
    v <- v_leak + (v - v_leak) * beta          # membrane leak; beta = 1 - dt/tau_mem or exp(-dt/tau_mem)
    v <- v + gain * i                          # the current of this tick (the new i) drives v
    v <- v + bias
    v <- v - v_th * s_prev                     # reset="subtract_next" only (snnTorch's reset_delay=True)
    s  = v > v_th        (threshold=">")    or    v >= v_th   (threshold=">=")
    if s:  v <- v_reset  (reset="value")  |  v - n v_th  ("subtract")  |  unchanged ("subtract_next", "none")
    s_prev <- s
    spike value sent: n = 1, or with max_spikes > 1, reset="subtract" and v_th > 0:
           n = min(floor(v / v_th), max_spikes)    (a spike count: a graded payload)

**Multi-spike neurons.** Rockpool's ``LIFTorch`` emits ``floor(v / v_th)`` spikes in one step, at
most ``max_spikes_per_dt`` (its ``StepPWL``: ``(v >= v_th) * floor(v / v_th)``, clamped), and subtracts
``n * v_th``; ``max_spikes`` reproduces it, the count travelling as the spike's value (``payload``
``"graded"`` for a population with ``max_spikes > 1``). ``max_spikes = 1`` is the single-spike neuron.

The current is never reset (NIR, snnTorch and Norse all leave it alone).

**snnTorch 0.8.0 to 0.9.1 (``current_from="membrane"``).** snnTorch's ``Synaptic.forward(input_, syn,
mem)`` of those versions began with ``if not syn == None: self.syn = mem``: a caller that passes its
states explicitly (as L2MU's cells do, ``init_hidden=False``) has its synaptic current replaced by
the previous membrane potential at every step, so the step is ``i <- alpha * v + x`` instead of
``i <- alpha * i + x``. The line came with commit 583a860 ("Add synaptic fullgraph support",
2024-02-14, first released in 0.8.0) and was fixed by commit 5f404e6 ("Fixed bug in forward method of
Synaptic class when the argument syn is given", 2025-01-23, first released in 0.9.2a0;
github.com/jeshraghian/snntorch). ``current_from="membrane"`` reproduces it: the first line above
becomes ``i <- alpha * v + gain_syn * (x + bias_in)`` with the stored ``v`` of the previous tick;
the default ``"current"`` is snnTorch 0.9.2 and later (1.0.0 included). The same versions also
dropped the immediate reset of ``reset_delay=False`` (it assigned the reset to a local variable;
fixed by commit 8f6ac76, 2025-02-02): there, such a layer still resets one step late, which is
``reset="subtract_next"`` here. ``gain_syn`` is NIR's
``w_in`` and ``gain`` its ``r * dt / tau_mem`` factor. Every operation is rounded to ``precision`` in
the order written (float32 reproduces PyTorch-trained models). Norse 1.1.0's ``lif_feed_forward_step``
(``norse/torch/functional/lif.py``) adds the input to the current first and drives ``v`` with that
new current, as here; the ``norse`` dialect (``neurosim/nir/dialects.py``, ``docs/nir.md``)
maps its parameters and reproduces its spikes (``tests/nir/test_dialects.py``).

**Catch-up.** A neuron that was let sleep has ``bias == 0`` and ``s_prev == 0`` (see *awake*), so
each of its ``k`` idle ticks is the linear map ``i <- alpha * i``, ``u <- beta * u + gain * i`` with
``u = v - v_leak``. In real arithmetic::

    i_k = alpha**k * i
    u_k = beta**k * u + gain * i * alpha * S_k,     S_k = sum_{m=0}^{k-1} alpha**m * beta**(k-1-m)

``S_k`` equals ``(beta**k - alpha**k) / (beta - alpha)`` for ``alpha != beta`` and ``k * alpha**(k-1)``
for ``alpha == beta``; neither form is used, because the first cancels catastrophically when
``alpha`` is close to ``beta``. ``alpha**k``, ``beta**k`` and ``S_k`` are computed together by binary
powering (:func:`_decay_sums`): O(log k) multiplications and additions of non-negative numbers, so
the relative error is a few ulp times ``log2(k)`` and ``alpha == beta``, ``alpha == 0`` and
``beta == 0`` need no special case. float64 uses this closed form (within a few ulp of stepping);
float32 steps tick by tick until both ``i`` and ``v`` stop changing, which is bit-identical to a
dense simulation.

**Awake.** A neuron is updated at the next tick even without input when it has a bias, a pending
delayed reset, or could reach the threshold on its own; the bound and its proof are at
:func:`_may_fire_idle`.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import (PRECISIONS, RESETS, THRESHOLDS, NeuronModel, Param, StateVar, float_params,
                                      precision_groups, register, spike_and_reset)
# PRECISIONS, RESETS and THRESHOLDS are imported as this model's choices of those parameters.

PARAMS = (
    *float_params("alpha", "beta", "v_th", "v_leak", "v_reset"),
    Param("gain_syn", default=1.0, doc="scale of the synaptic input into the current (NIR w_in)"),
    Param("gain", default=1.0, doc="scale of the current into the membrane potential"),
    Param("bias", default=0.0, doc="constant input added to v every tick"),
    *float_params("reset", "threshold", "precision"),
    Param("bias_in", default=0.0, doc="constant added to the synaptic input x every tick, before gain_syn "
                                      "(an Affine bias feeding the current, as in snnTorch's Synaptic)"),
    Param("current_from", default=0.0, choices=("current", "membrane"),
          doc="what the current decays from: its own value, or the previous membrane potential "
              "(snnTorch 0.8.0-0.9.1 Synaptic with explicit states)"),
    Param("max_spikes", default=1.0, low=1.0, high=2.0 ** 24, integer=True,
          doc="most spikes per tick (Rockpool's max_spikes_per_dt): with reset='subtract' and v_th > 0 a neuron "
              "sends the count min(floor(v / v_th), max_spikes) as its spike value and subtracts count * v_th"),
)
STATE = (
    StateVar("i", 0.0, "synaptic current"),
    StateVar("v", 0.0, "membrane potential (after reset)"),
    StateVar("s_prev", 0.0, "1 if the neuron fired at its previous tick (delayed reset pending)"),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays. The helpers below
# are this module's own, not lif's: Numba's on-disk cache does not notice edits to jitted functions
# imported from another module, so sharing them could leave a stale compiled handler.
ALPHA, BETA, V_TH, V_LEAK, V_RESET, GAIN_SYN, GAIN, BIAS, RESET, THRESHOLD, PRECISION, BIAS_IN, CURRENT_FROM, MAX_SPIKES = range(14)
I, V, S_PREV = 0, 1, 2
R_VALUE, R_SUBTRACT, R_SUBTRACT_NEXT, R_NONE = 0, 1, 2, 3

# Unit roundoff and smallest normal number of each precision (the awake margin's rounding terms).
EPS_F64, TINY_F64 = 2.0 ** -53, 2.0 ** -1022
EPS_F32, TINY_F32 = 2.0 ** -24, 2.0 ** -126
# Ticks per unit of 1 / (1 - decay) during which rounding errors can accumulate, rounded up from
# log(1/eps) <= 37 (float64); see _may_fire_idle.
HORIZON_TICKS = 64.0


@njit
def _tick(i, v, alpha, beta, v_leak, gain_syn, gain, x, bias, v_th, s_prev, from_v):
    """One tick before the spike test, in the float type of the arguments (all one type but the
    bool ``from_v``: the current decays from ``v``, snnTorch 0.8.0-0.9.1)."""
    i = alpha * (v if from_v else i) + gain_syn * x
    v = v_leak + (v - v_leak) * beta
    v = v + gain * i
    v = v + bias
    return i, v - v_th * s_prev


@njit
def _advance_steps(i, v, alpha, beta, v_leak, gain_syn, gain, bias, v_th, k, from_v):
    """``k`` input-free ticks one by one, stopping once ``(i, v)`` is a fixed point (bit-identical).

    ``bias`` and ``v_th`` are passed although an idle tick adds nothing with them, so that every
    operation, down to the sign of a zero, is the one a dense simulation performs.
    """
    zero = alpha - alpha  # +0 in the arguments' float type (a - a is +0 for every finite a)
    for _ in range(k):
        ni, nv = _tick(i, v, alpha, beta, v_leak, gain_syn, gain, zero, bias, v_th, zero, from_v)
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
def _advance_closed(i, v, alpha, beta, v_leak, gain, k):
    """``k`` input-free float64 ticks in closed form (see the module docstring)."""
    ak, bk, s = _decay_sums(alpha, beta, k)
    v = v_leak + ((v - v_leak) * bk + gain * (i * alpha) * s)
    return i * ak, v


@njit
def _may_fire_idle(i, v, alpha, beta, v_leak, gain, v_th, eps, tiny):
    """False only if the neuron provably cannot reach ``v_th`` in any run of input-free ticks.

    Called with ``bias == 0`` and no pending delayed reset (otherwise the neuron is awake anyway),
    and with the parameters as rounded to the neuron's precision.

    Exact arithmetic. With ``u = v - v_leak`` and ``g = gain * i``, ``n >= 1`` idle ticks give
    ``u_n = beta**n * u + g * T_n`` with ``T_n = sum_{m=1}^{n} beta**(n-m) * alpha**m``. Since
    ``0 <= alpha, beta <= 1``: ``beta**n * u <= beta * max(u, 0)``; ``T_n >= 0``, and bounding
    ``beta**(n-m) <= 1`` gives ``T_n <= alpha / (1 - alpha)`` while bounding ``alpha**m <= alpha``
    gives ``T_n <= alpha / (1 - beta)``; so ``T_n <= alpha / (1 - min(alpha, beta))``. Hence for
    every ``n >= 1``::

        v_n <= bound = v_leak + beta * max(u, 0) + max(g, 0) * alpha / (1 - min(alpha, beta))

    and the neuron cannot fire while ``bound < v_th`` (for either threshold test). With
    ``alpha == beta == 1`` and ``g != 0`` the potential moves by ``g`` every tick forever: such a
    neuron is never at rest and stays awake.

    Rounding. An idle tick rounds six operations, each within a relative ``eps`` of its exact
    result, on magnitudes at most ``scale = |v_leak| + |u| + |g| * alpha / (1 - min(alpha, beta)) +
    |v_th|`` (the bounds above applied to ``|u_n|``, and ``|gain * i_n| <= |g| * alpha``): at most
    ``6 * eps * scale`` per tick. An error in ``v`` is carried on multiplied by ``beta`` per tick,
    so for ``beta < 1`` the errors sum to at most ``6 * eps * scale / (1 - beta)``. For
    ``beta == 1``, ``v_leak + (v - v_leak)`` reaches a fixed point after one rounding, and the
    drive ``gain * i_n`` changes ``v`` only while it exceeds half an ulp of ``v``: at most
    ``log(1/eps) / (1 - alpha) <= 37 / (1 - alpha)`` ticks. The relative error of ``i_n``, at most
    ``n * eps``, moves the drive of tick ``n`` by at most ``eps * |g| * n * alpha**n``; summed over
    ``n`` with the factor ``beta`` per tick, that is at most
    ``eps * |g| * alpha / ((1 - alpha) * (1 - min(alpha, beta)))``, and nothing when
    ``alpha == 1`` (``1 * i`` is exact). With ``r`` the largest of ``alpha`` and ``beta`` below 1
    (0 if neither is) and ``horizon = 64 / (1 - r)``, every case stays within
    ``7 * eps * scale * horizon``; subnormal results add at most ``tiny * horizon``. The margin
    ``(8 * eps * scale + tiny) * horizon`` covers both, so ``bound < v_th - margin`` proves that
    the float neuron, too, stays below ``v_th``. (``tests/models/test_float_models.py`` puts
    neurons within an ulp of this rule and checks that none that sleeps fires later; without the
    margin, float64 neurons do.)
    """
    u = v - v_leak
    g = gain * i
    low = min(alpha, beta)
    if low == 1.0:
        if g != 0.0:
            return True
        reach = 0.0
    else:
        reach = alpha / (1.0 - low)
    bound = v_leak + beta * max(u, 0.0) + max(g, 0.0) * reach
    r = 0.0
    if alpha < 1.0:
        r = alpha
    if r < beta < 1.0:
        r = beta
    horizon = HORIZON_TICKS / (1.0 - r)
    scale = abs(v_leak) + abs(u) + abs(g) * reach + abs(v_th)
    margin = (8.0 * eps * scale + tiny) * horizon
    return bound >= v_th - margin


@njit
def _at_rest(i, v, alpha, beta, v_leak, gain_syn, gain, bias, v_th, ge, from_v):
    """True if an input-free tick (no bias, no pending reset) leaves ``(i, v)`` as it is and does
    not fire: then no later input-free tick fires either. The awake rule of ``current_from="membrane"``,
    whose idle dynamics (``i <- alpha * v``) the bound of :func:`_may_fire_idle` does not cover."""
    zero = alpha - alpha
    ni, nv = _tick(i, v, alpha, beta, v_leak, gain_syn, gain, zero, bias, v_th, zero, from_v)
    fires = nv >= v_th if ge else nv > v_th
    return ni == i and nv == v and not fires


@njit
def _fire(i, v, s_prev, alpha, beta, v_th, v_leak, v_reset, gain_syn, gain, x, bias, reset, ge, from_v, max_spikes):
    """One tick with input ``x``, the spike test and the reset, in the float type of the arguments.

    Returns ``(i, v, spiked, count)``: ``count`` is the spike value, 1.0 unless a multi-spike neuron
    (``max_spikes > 1``, ``reset == "subtract"``, ``v_th > 0``) sends ``min(floor(v / v_th), max_spikes)``.
    """
    i, v = _tick(i, v, alpha, beta, v_leak, gain_syn, gain, x, bias, v_th, s_prev, from_v)
    spiked = v >= v_th if ge else v > v_th
    count = 1.0
    if spiked:
        if reset == R_VALUE:
            v = v_reset
        elif reset == R_SUBTRACT:
            if max_spikes > 1.0 and v_th > 0.0:
                n = min(np.floor(v / v_th), max_spikes)
                v = v - n * v_th
                count = float(n)
            else:
                v = v - v_th
    return i, v, spiked, count


@njit
def _rounded(z, single):
    """``z`` as the neuron's precision rounds it, returned as a float64 (exact)."""
    return float(np.float32(z)) if single else z


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (contract in ``neurosim.models.registry``): per neuron, catch up the idle ticks, then
    ``i <- alpha i + gain_syn (x + bias_in)`` (``alpha v`` with ``current_from="membrane"``), ``v <- v_leak + (v - v_leak) beta + gain i + bias - v_th s_prev``,
    fire if ``v`` passes ``v_th`` and reset."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        n = idx[j]
        reset = int(params[n, RESET])
        ge = params[n, THRESHOLD] != 0.0
        single = params[n, PRECISION] != 0.0
        from_v = params[n, CURRENT_FROM] != 0.0
        # Idle ticks happen only with bias == bias_in == 0 and no pending reset, and with
        # current_from="membrane" only at rest (then stepping stops after one tick).
        idle = elapsed[j] - 1
        # The two precisions use separate variables: Numba would otherwise unify them to float64.
        if single:
            c = np.float32
            alpha32, beta32, v_th32, v_leak32 = c(params[n, ALPHA]), c(params[n, BETA]), c(params[n, V_TH]), \
                c(params[n, V_LEAK])
            gain_syn32, gain32, bias32 = c(params[n, GAIN_SYN]), c(params[n, GAIN]), c(params[n, BIAS])
            i32, v32 = c(state[n, I]), c(state[n, V])
            if idle > 0:
                i32, v32 = _advance_steps(i32, v32, alpha32, beta32, v_leak32, gain_syn32, gain32, bias32,
                                          v_th32, idle, from_v)
            i32, v32, spiked, count = _fire(i32, v32, c(state[n, S_PREV]), alpha32, beta32, v_th32, v_leak32,
                                            c(params[n, V_RESET]), gain_syn32, gain32, c(x[j] + params[n, BIAS_IN]),
                                            bias32, reset, ge, from_v, c(params[n, MAX_SPIKES]))
            rest = from_v and _at_rest(i32, v32, alpha32, beta32, v_leak32, gain_syn32, gain32, bias32, v_th32, ge,
                                       from_v)
            i, v = float(i32), float(v32)
            eps, tiny = EPS_F32, TINY_F32
        else:
            alpha, beta, v_th, v_leak = params[n, ALPHA], params[n, BETA], params[n, V_TH], params[n, V_LEAK]
            gain = params[n, GAIN]
            i, v = state[n, I], state[n, V]
            if idle > 0 and from_v:
                i, v = _advance_steps(i, v, alpha, beta, v_leak, params[n, GAIN_SYN], gain, params[n, BIAS], v_th,
                                      idle, from_v)
            elif idle > 0:
                i, v = _advance_closed(i, v, alpha, beta, v_leak, gain, idle)
            i, v, spiked, count = _fire(i, v, state[n, S_PREV], alpha, beta, v_th, v_leak, params[n, V_RESET],
                                        params[n, GAIN_SYN], gain, x[j] + params[n, BIAS_IN], params[n, BIAS], reset,
                                        ge, from_v, params[n, MAX_SPIKES])
            rest = from_v and _at_rest(i, v, alpha, beta, v_leak, params[n, GAIN_SYN], gain, params[n, BIAS], v_th,
                                       ge, from_v)
            eps, tiny = EPS_F64, TINY_F64
        if spiked:
            fired[n_fired] = n
            payload[n_fired] = count
            n_fired += 1
        state[n, I] = i
        state[n, V] = v
        state[n, S_PREV] = 1.0 if (spiked and reset == R_SUBTRACT_NEXT) else 0.0
        if (params[n, BIAS] != 0.0 or params[n, BIAS_IN] != 0.0 or state[n, S_PREV] != 0.0
                or (from_v and not rest)
                or (not from_v and _may_fire_idle(i, v, _rounded(params[n, ALPHA], single), _rounded(params[n, BETA], single),
                                  _rounded(params[n, V_LEAK], single), _rounded(params[n, GAIN], single),
                                  _rounded(params[n, V_TH], single), eps, tiny))):
            awake[n_awake] = n
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``i, v, s_prev``.
    """
    out = np.zeros(x.shape[0])
    for sel, dtype, p in precision_groups(params, PRECISION):
        s = state[sel].astype(dtype)
        decaying = np.where(params[sel, CURRENT_FROM] != 0.0, s[:, V], s[:, I])
        i = p[:, ALPHA] * decaying + p[:, GAIN_SYN] * (x[sel] + params[sel, BIAS_IN]).astype(dtype)
        v = p[:, V_LEAK] + (s[:, V] - p[:, V_LEAK]) * p[:, BETA]
        v = v + p[:, GAIN] * i
        v = v + p[:, BIAS]
        v = v - p[:, V_TH] * s[:, S_PREV]
        reset = params[sel, RESET]
        before = v
        spiked, v = spike_and_reset(v, p[:, V_TH], p[:, V_RESET], params[sel, THRESHOLD] != 0.0, reset)
        multi = spiked & (reset == R_SUBTRACT) & (p[:, MAX_SPIKES] > 1) & (p[:, V_TH] > 0)
        count = np.where(multi, np.minimum(np.floor(before / p[:, V_TH]), p[:, MAX_SPIKES]), spiked).astype(dtype)
        v = np.where(multi, before - count * p[:, V_TH], v)
        state[sel, I] = i
        state[sel, V] = v
        state[sel, S_PREV] = spiked & (reset == R_SUBTRACT_NEXT)
        out[sel] = count
    return out


def payload(params: npt.NDArray[np.float64]) -> str:
    """``"graded"`` (spike counts) if a neuron has ``max_spikes > 1`` (multi-spike), else ``"binary"``."""
    return "graded" if bool((params[:, MAX_SPIKES] > 1).any()) else "binary"


MODEL = register(NeuronModel("cuba_lif", PARAMS, STATE, update, reference_step, doc=__doc__, payload=payload))
