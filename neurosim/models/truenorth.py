"""IBM TrueNorth integer neuron (Cassidy et al. 2013), with its seeded stochastic leak and threshold.

Sources: A. S. Cassidy et al., "Cognitive computing building block: A versatile and efficient
digital neuron model for neurosynaptic cores", IJCNN 2013, doi:10.1109/IJCNN.2013.6707077 (the
model), as transcribed in NeMo (github.com/markplagge/NeMo, ``src/neuro/tn_neuron.c``, commit
dd7dbd1c9c562e24237db09ad8e6c66fce7b808a: the reset table in its comments, ``TNNumericLeakCalc``,
``TNfireFloorCelingReset``, ``BINCOMP``); P. A. Merolla et al., Science 345(6197):668-673, 2014,
Suppl. §S1 and §S8 (weights ``w_ij * S_j^{G_i}``, 9-bit signed ``S``, 20-bit signed membrane
potential) and Table S2. One tick of neuron ``j`` at tick ``t`` with synaptic input ``x``::

    V <- sat(V + x)                                   synaptic integration (x: see truenorth_weights)
    V <- sat(V + Omega * lambda)                      leak, deterministic (stochastic_leak = 0)
    V <- sat(V + Omega * sgn(lambda) * [|lambda| >= rho])   leak, stochastic (stochastic_leak = 1)
         Omega = 1 (leak_reversal = 0)  or  sgn(V) (leak_reversal = 1: the leak's direction follows V)
    eta = prn & M                                     threshold draw (M = threshold_mask; 0: deterministic)
    if V >= alpha + eta:                              spike, then by gamma:
        V <- R  (0, "normal")  |  V - (alpha + eta)  (1, "linear")  |  V  (2, "none")
    elif V < -(beta if kappa else beta + eta):        negative threshold, no spike:
        V <- -beta  (kappa = 1, saturate)  |  -R  (gamma 0)  |  V + (beta + eta)  (gamma 1)  |  V  (gamma 2)

``sat`` saturates to the 20-bit signed range ``[-2**19, 2**19 - 1]`` (Merolla §S8 gives the width; no
public source states the overflow behaviour, so saturation is our choice; NeMo clamps at +-393216
instead and fires on positive overflow, which we do not copy). ``sgn(0) = 0``: with leak reversal a
neuron at ``V = 0`` does not leak. The leak is added (Cassidy's sign convention, followed by NeMo);
Merolla's Table S2 writes ``V(t-1) - lambda``, the same model with ``lambda`` negated. NeMo also sets
``V`` to 0 when a reversed leak would carry it across zero (its ``ringing()``, citing IBM's
unpublished Neuron Behavior Reference); that clamp is not in the published equations and is not
modelled, so a convergent reversed leak larger than ``|V|`` overshoots.

**Randomness.** ``rho`` (8 bits, ``[0, 255]``) and ``prn`` (64 bits) are a counter-based hash
(splitmix64, :func:`random_bits`) of ``(seed, global neuron id, tick, stream)``, never a generator's
state: results do not depend on update order, on catch-up or on chunking, and the engine and the
reference agree bit for bit. TrueNorth draws from one pseudo-random generator per core, so its exact
draws are not reproduced, only their distribution. The stochastic leak fires with probability
``(|lambda| + 1) / 256`` (``|lambda| >= rho``, NeMo's ``BINCOMP``). Stochastic synapses
(Cassidy's ``b_j^{G_i}``) are out of scope: synaptic integration is deterministic.

**Input.** ``x`` is the integer sum of the effective weights ``w_ij * S_j^{G_i}`` of the axons that
spiked; the four axon types are resolved when the network is built (:func:`truenorth_weights`). A
non-integer ``x`` is a modelling error for network validation to reject; the handler truncates it
toward zero, like ``int(x)``, so that it stays deterministic.

**Catch-up and awake.** Without input, a neuron's ``V`` can change or fire only if its leak can move
``V`` (``lambda != 0``, unless leak reversal holds it at ``V = 0``), if ``V >= alpha`` (the lowest
threshold ``alpha + eta`` is reached), or if ``V < -beta`` and the negative branch changes ``V`` (not
``gamma = 2`` with ``kappa = 0``). Such neurons are awake; any other state is left unchanged by every
input-free tick, whatever the draws. Idle ticks are caught up step by step, each with its own tick's
draws, stopping at the first such state.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.errors import ModelError
from neurosim.models.registry import NeuronModel, Param, StateVar, register

V_MIN = -(1 << 19)  # 20-bit signed membrane potential (Merolla et al. 2014, Suppl. §S8)
V_MAX = (1 << 19) - 1
S_MIN = -(1 << 8)  # 9-bit signed synaptic weights S_j^G (Merolla et al. 2014, Suppl. §S8)
S_MAX = (1 << 8) - 1
N_AXON_TYPES = 4  # G_i in {0, 1, 2, 3} (Merolla et al. 2014, Suppl. §S1)
LEAK_PRN_MASK = 0xFF  # the stochastic leak compares |lambda| with an 8-bit draw
STREAM_THRESHOLD, STREAM_LEAK = 0, 1  # independent draws of one neuron at one tick
RESET_MODES = ("normal", "linear", "none")

# The thresholds, the mask and R are bounded by the 20-bit range of V (a larger threshold could
# never be reached; R is symmetric so that -R fits too): the sources read give no field widths.
PARAMS = (
    Param("alpha", low=0, high=V_MAX, integer=True, doc="positive threshold alpha_j: spike when V >= alpha + eta"),
    Param("beta", default=0.0, low=0, high=V_MAX, integer=True,
          doc="negative threshold beta_j (magnitude): the negative branch acts when V < -beta (- eta)"),
    # |lambda| <= 255: the stochastic leak compares |lambda| with an 8-bit draw, and NeMo stores
    # lambda as a sign and a magnitude (tn_create_neuron's sigma_l, lambda).
    Param("leak", default=0.0, low=-LEAK_PRN_MASK, high=LEAK_PRN_MASK, integer=True,
          doc="leak lambda_j, signed, added every tick (scaled by sgn(V) with leak_reversal)"),
    Param("leak_reversal", default=0.0, low=0, high=1, integer=True,
          doc="epsilon_j: 1 multiplies the leak by sgn(V) (toward 0 for lambda < 0)"),
    Param("stochastic_leak", default=0.0, low=0, high=1, integer=True,
          doc="c_j: 1 adds sgn(lambda) with probability (|lambda| + 1) / 256 instead of lambda"),
    Param("kappa", default=0.0, low=0, high=1, integer=True,
          doc="kappa_j: 1 saturates V at -beta below the negative threshold instead of resetting"),
    Param("gamma", default=0.0, low=0, high=2, choices=RESET_MODES,
          doc="reset mode gamma_j: normal (V = R), linear (V -= alpha + eta) or none"),
    Param("v_reset", default=0.0, low=-V_MAX, high=V_MAX, integer=True, doc="reset value R_j"),
    Param("threshold_mask", default=0.0, low=0, high=V_MAX, integer=True,
          doc="M_j: the threshold is alpha + (prn & M); 0 is deterministic"),
)
STATE = (StateVar("v", 0.0, "membrane potential V_j, 20-bit signed integer"),)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
ALPHA, BETA, LEAK, LEAK_REVERSAL, STOCHASTIC_LEAK, KAPPA, GAMMA, V_RESET, THRESHOLD_MASK = range(9)
V = 0
G_NORMAL, G_LINEAR, G_NONE = 0, 1, 2

# splitmix64 (Steele, Lea and Flood, OOPSLA 2014; constants of Vigna's splitmix64.c).
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_GOLDEN_U = np.uint64(_GOLDEN)
_MIX1_U = np.uint64(_MIX1)
_MIX2_U = np.uint64(_MIX2)
_INT64_MAX = (1 << 63) - 1
_TOP_BIT_U = np.uint64(1 << 63)


@njit
def _to_uint64(a):
    """The int64 ``a`` modulo 2**64, written so that it also runs without JIT (``np.uint64(-1)`` raises)."""
    if a >= 0:
        return np.uint64(a)
    return np.uint64((a + _INT64_MAX) + 1) | _TOP_BIT_U


@njit
def _splitmix64(z):
    """One splitmix64 step of the uint64 ``z`` (arithmetic modulo 2**64)."""
    z = z + _GOLDEN_U
    z = (z ^ (z >> np.uint64(30))) * _MIX1_U
    z = (z ^ (z >> np.uint64(27))) * _MIX2_U
    return z ^ (z >> np.uint64(31))


@njit
def _random_bits(seed, neuron, tick, stream):
    """64 random bits for ``(seed, neuron, tick, stream)`` as uint64; :func:`random_bits` in Numba."""
    z = _splitmix64(_to_uint64(seed))
    z = _splitmix64(z ^ _to_uint64(neuron))
    z = _splitmix64(z ^ _to_uint64(tick))
    return _splitmix64(z ^ _to_uint64(stream))


def _splitmix64_py(z: int) -> int:
    z = (z + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    return z ^ (z >> 31)


def random_bits(seed: int, neuron: int, tick: int, stream: int) -> int:
    """64 random bits, a pure function of its arguments (counter-based; no generator state).

    Parameters
    ----------
    seed : the simulation seed (any integer; taken modulo 2**64).
    neuron : global neuron id (>= 0).
    tick : the tick of the draw (>= 0).
    stream : which draw of that neuron and tick (``STREAM_THRESHOLD`` or ``STREAM_LEAK``).

    Returns
    -------
    An integer in ``[0, 2**64)``, equal to the jitted ``_random_bits`` of the same arguments.
    """
    z = _splitmix64_py(seed & _MASK64)
    z = _splitmix64_py(z ^ neuron)
    z = _splitmix64_py(z ^ tick)
    return _splitmix64_py(z ^ stream)


@njit
def _sgn(a):
    return np.int64(a > 0) - np.int64(a < 0)


@njit
def _sat(a):
    return min(max(a, V_MIN), V_MAX)


@njit
def _tick(v, a, i, t, seed, p):
    """One tick of neuron ``i`` at tick ``t``: potential ``v``, integer input ``a``, params row ``p``.

    Returns the new ``(v, spiked)``.
    """
    alpha = np.int64(p[ALPHA])
    beta = np.int64(p[BETA])
    leak = np.int64(p[LEAK])
    mask = np.int64(p[THRESHOLD_MASK])
    v = _sat(v + a)
    omega = _sgn(v) if p[LEAK_REVERSAL] != 0.0 else 1
    if p[STOCHASTIC_LEAK] == 0.0:
        v = _sat(v + omega * leak)
    elif leak != 0:
        rho = np.int64(_random_bits(seed, i, t, STREAM_LEAK) & np.uint64(LEAK_PRN_MASK))
        if abs(leak) >= rho:
            v = _sat(v + omega * _sgn(leak))
    eta = np.int64(0)
    if mask != 0:
        eta = np.int64(_random_bits(seed, i, t, STREAM_THRESHOLD) & np.uint64(mask))
    gamma = np.int64(p[GAMMA])
    if v >= alpha + eta:
        if gamma == G_NORMAL:
            v = np.int64(p[V_RESET])
        elif gamma == G_LINEAR:
            v = v - (alpha + eta)
        return v, True
    kappa = p[KAPPA] != 0.0
    if v < -(beta if kappa else beta + eta):
        if kappa:
            v = -beta
        elif gamma == G_NORMAL:
            v = -np.int64(p[V_RESET])
        elif gamma == G_LINEAR:
            v = v + (beta + eta)
    return v, False


@njit
def _active(v, p):
    """True if an input-free tick could change ``v`` or fire (see the module docstring)."""
    leak_moves = p[LEAK] != 0.0 and (p[LEAK_REVERSAL] == 0.0 or v != 0)
    negative_acts = v < -np.int64(p[BETA]) and (p[KAPPA] != 0.0 or p[GAMMA] != G_NONE)
    return leak_moves or v >= np.int64(p[ALPHA]) or negative_acts


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (contract in ``neurosim.models.registry``): per neuron, TrueNorth's tick for each idle tick
    (seeded draws of tick ``t - k``) and then with input ``x``: ``V <- sat(V + x)``, the leak, the positive
    threshold ``alpha + eta`` with reset by ``gamma``, and the negative threshold."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        p = params[i]
        v = np.int64(state[i, V])
        # Idle ticks t - k, k = elapsed - 1 .. 1, each with its own draws. Invariant: v is the
        # potential after tick t - k - 1; an inactive v stays unchanged, so the loop stops there.
        for k in range(elapsed[j] - 1, 0, -1):
            if not _active(v, p):
                break
            v, _spiked = _tick(v, np.int64(0), i, t - k, seed, p)
        # np.int64 truncates toward zero: a float input is a build-time error, handled deterministically.
        v, spiked = _tick(v, np.int64(x[j]), i, t, seed, p)
        if spiked:
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
        state[i, V] = v
        if _active(v, p):
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64], *, t: int = 0, seed: int = 0,
                   ids: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.float64]:
    """One dense tick in plain Python integers (the oracle; contract in :mod:`neurosim.models.registry`).

    State column ``v``. The random draws are keyed by the tick ``t``, the simulation ``seed`` and
    the global neuron ``ids`` (default ``0 .. n - 1``).
    """
    n = x.shape[0]
    ids = np.arange(n) if ids is None else ids
    out = np.zeros(n)
    for k in range(n):
        alpha, beta, leak, reversal, stochastic, kappa, gamma, r, mask = (int(c) for c in params[k])
        i = int(ids[k])
        v = min(max(int(state[k, V]) + int(x[k]), V_MIN), V_MAX)
        omega = 1 if reversal == 0 else (v > 0) - (v < 0)
        if stochastic == 0:
            step = omega * leak
        else:
            rho = random_bits(seed, i, t, STREAM_LEAK) % 256
            step = omega * ((leak > 0) - (leak < 0)) if abs(leak) >= rho else 0
        v = min(max(v + step, V_MIN), V_MAX)
        eta = random_bits(seed, i, t, STREAM_THRESHOLD) & mask
        if v >= alpha + eta:
            out[k] = 1.0
            v = [r, v - (alpha + eta), v][gamma]
        elif kappa == 1 and v < -beta:
            v = -beta
        elif kappa == 0 and v < -(beta + eta):
            v = [-r, v + (beta + eta), v][gamma]
        state[k, V] = v
    return out


def truenorth_weights(crossbar: npt.ArrayLike, axon_type: npt.ArrayLike,
                      s: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Effective TrueNorth weights ``W[j, i] = crossbar[j, i] * s[j, axon_type[i]]``.

    On TrueNorth the weight from axon ``i`` to neuron ``j`` is ``w_ij * S_j^{G_i}``: a binary
    crossbar bit times the 9-bit signed weight that neuron ``j`` assigns to axon type ``G_i``
    (Merolla et al. 2014, Suppl. §S1 and §S8). The returned matrix is what a projection onto a
    ``truenorth`` population takes.

    Parameters
    ----------
    crossbar : (n_post, n_pre) array of 0/1 (or bool): ``w_ij``, one row per neuron.
    axon_type : (n_pre,) integers in ``0 .. 3``: ``G_i``, one per axon (presynaptic neuron).
    s : (n_post, 4) signed integers in ``[-256, 255]``: ``S_j^G``, one row per neuron.

    Returns
    -------
    (n_post, n_pre) int64 effective weight matrix.

    Raises
    ------
    ModelError
        On a bad shape or value, naming the first offending entry.
    """
    crossbar = np.asarray(crossbar)
    axon_type = np.asarray(axon_type)
    s = np.asarray(s)
    if crossbar.ndim != 2:
        raise ModelError(f"truenorth_weights: crossbar must be a 2-D (n_post, n_pre) array, got shape {crossbar.shape}")
    n_post, n_pre = crossbar.shape
    if axon_type.shape != (n_pre,):
        raise ModelError(f"truenorth_weights: axon_type has shape {axon_type.shape}; expected ({n_pre},), "
                         "one type per axon (crossbar column)")
    if s.shape != (n_post, N_AXON_TYPES):
        raise ModelError(f"truenorth_weights: s has shape {s.shape}; expected ({n_post}, {N_AXON_TYPES}), "
                         "one weight per neuron (crossbar row) and axon type")
    _check_integers("crossbar", crossbar, 0, 1, "neuron {} axon {}")
    _check_integers("axon_type", axon_type, 0, N_AXON_TYPES - 1, "axon {}")
    _check_integers("s", s, S_MIN, S_MAX, "neuron {} axon type {}")
    weights = s.astype(np.int64)[:, axon_type.astype(np.int64)]
    return np.where(crossbar.astype(bool), weights, 0)


def _check_integers(name: str, a: np.ndarray, low: int, high: int, where: str) -> None:
    """Raise a ModelError naming the first entry of ``a`` that is not an integer in ``[low, high]``."""
    if a.dtype == np.bool_:
        return
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise ModelError(f"truenorth_weights: {name} must hold integers, got dtype {a.dtype}")
    bad = ~np.isfinite(a) | (a != np.round(a)) | (a < low) | (a > high)
    if bad.any():
        pos = np.unravel_index(int(np.argmax(bad)), a.shape)
        raise ModelError(f"truenorth_weights: {name}[{', '.join(map(str, pos))}] = {a[pos].item()!r} "
                         f"({where.format(*pos)}) is not an integer in [{low}, {high}]")


MODEL = register(NeuronModel("truenorth", PARAMS, STATE, update, reference_step, integer_input=True,
                             stochastic=True, doc=__doc__,
                             source=("Cassidy et al., IJCNN 2013, doi:10.1109/IJCNN.2013.6707077, as in NeMo's "
                                     "tn_neuron.c; Merolla et al., Science 345:668 (2014), Suppl. S1, S8")))
