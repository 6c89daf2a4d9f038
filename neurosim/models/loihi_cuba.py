"""Loihi 1 fixed-point CUBA LIF neuron, bit-exact to Lava's ``PyLifModelBitAcc``.

Source: Lava (github.com/lava-nc/lava), ``src/lava/proc/lif/models.py``, classes
``AbstractPyLifModelFixed`` (``subthr_dynamics``, ``scale_bias``) and ``PyLifModelBitAcc``
(``scale_threshold``, ``spiking_activation``), read at commit 001dbd199314328615397fadabdd00be026f8b4c;
Davies et al. 2018, IEEE Micro 38(1):82-99, Eq. 1 for the continuous model it discretises. Every
value is an integer (held exactly in the engine's float64 arrays). One tick with input ``x``::

    u <- sgn(p) * (|p| >> 12) + (x << 6)          p = u * (4096 - (du + 1))   (ds_offset = 1)
    u <- u - 2**24 if u > 2**23;  u + 2**24 if u <= -2**23                     (u wraps)
    if ref > 0:  ref <- ref - 1                   (refractory: v is not updated, no spike)
    else:
        v <- sgn(q) * (|q| >> 12) + u + (bias_mant << bias_exp)   q = v * (4096 - dv)  (dm_offset = 0)
        v <- clip(v, -(2**23 - 1), 2**23 - 1)                                  (v saturates)
        s  = v > (vth << 6)
        if s:  v <- 0;  ref <- refractory                                      (hard reset)

``sgn(p) * (|p| >> 12)`` is Lava's decay: the product truncated toward zero, not floored. The wrap
of ``u`` is Lava's exactly: one conditional correction, so ``u`` lies in ``(-2**23, 2**23]`` (a
two's-complement 24-bit register would hold ``-2**23`` and never ``+2**23``); only an input beyond
``|x| = 2**18``, which one correction cannot bring back, leaves that range, as it does in Lava.

**Input.** ``x`` is Lava's ``a_in``: the integer sum, over the synaptic events of this tick, of the
weights as the Dense process scales them (``PyDenseModelBitAcc`` in ``src/lava/proc/dense/models.py``,
commit 077127b6b37065d6d7e0ef696804434587d48666: ``a_out = (sum of 8-bit weights) << weight_exp``).
So the engine's weight of a synapse must be the integer ``w_mant * 2**weight_exp``; a negative
``weight_exp`` is exact only where it divides the weights, because Lava shifts the *sum* right
(floor) and the engine sums per-synapse weights. The ``<< 6`` (Lava's ``act_shift``) is applied here,
never to the weights. Lava does this in int32 and this model in int64: they agree while Lava's
int32 does not overflow (``|x| < 2**24``), far beyond Loihi's 16-bit dendritic accumulator (the
precision of Lava's ``a_out``). Lava's Dense sends at step ``t`` what it accumulated at ``t - 1``:
a Lava LIF -> Dense -> LIF chain is a delay-1 projection here.

A non-integer ``x`` (a float weight on a fixed-point neuron) is a modelling error that network
validation must reject when the network is built; this handler stays deterministic anyway and
truncates ``x`` toward zero, like ``int(x)``.

**Refractory period** (an extension; ``refractory = 0``, the default, is ``PyLifModelBitAcc``, whose
docstring lists the refractory period among the Loihi 1 features it omits). After a spike at tick
``s`` the neuron is refractory at ticks ``s + 1 .. s + refractory``: ``v`` is not updated (it holds
the reset value 0), the bias is not added and no spike can occur, while ``u`` keeps decaying and
integrating input. These are the semantics of Lava's ``PyLifRefractoryModelFloat`` (same file, commit
f2a3ba918353845eba44fb1715b394b707796847: ``refractory_period_end = time_step + refractory_period``,
``v`` updated only where ``refractory_period_end < time_step``) and of Brian2Loihi's
``LoihiNeuronGroup`` (github.com/sagacitysite/brian2_loihi, ``loihi_neuron_group.py``, commit
039847af11bbecb1f549da844819a7ab799b1562: ``dv/dt = ... (unless refractory)``, ``dI/dt`` always,
``refractory`` 1..64 time steps, which by Brian2's refractoriness rule hold ``v`` at the same ticks
as ``refractory`` here), an emulator that reports an exact match to Loihi. Davies et al. 2018 name a
refractory delay; the hardware's exact timing was not checked against it.

**Catch-up and awake.** Without input the tick is a deterministic map of ``(u, v, ref)``. A neuron is
awake (updated at the next tick even without input) iff that map would fire or change its state
(a neuron with ``v = 0`` and a bias above threshold fires every tick with an unchanged state); a
state the map leaves unchanged without firing stays so forever. This is the simple rule (``u != 0``,
``ref > 0``, a leak or bias that moves ``v``) made exact: a non-leaking (``dv = 0``) neuron with
``u = 0`` and no bias sleeps at any ``v`` below threshold. Idle ticks are therefore caught up step
by step with an early exit at the first such fixed point, bit-identical to a dense simulation.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import NeuronModel, Param, StateVar, register

# Bit widths and alignment shifts of Loihi 1, as Lava's AbstractPyLifModelFixed.__init__ sets them.
DECAY_SHIFT = 12  # decays are 12-bit fractions of 2**12 (du, dv unsigned 12-bit)
DECAY_UNITY = 1 << DECAY_SHIFT
DS_OFFSET = 1  # Loihi 1's 1-bit current-decay offset: the effective current decay is du + 1
DM_OFFSET = 0  # and the voltage-decay offset is 0
ACT_SHIFT = 6  # synaptic input is MSB-aligned by 6 bits before it is added to u
VTH_SHIFT = 6  # the 17-bit threshold mantissa is MSB-aligned by 6 bits
UV_HALF = 1 << 23  # u and v are 24-bit state variables
V_MAX = UV_HALF - 1

PARAMS = (
    Param("du", low=0, high=4095, integer=True,
          doc="current decay, unsigned 12-bit: u is scaled by (4096 - (du + 1)) / 4096 per tick"),
    Param("dv", low=0, high=4095, integer=True,
          doc="voltage decay, unsigned 12-bit: v is scaled by (4096 - dv) / 4096 per tick"),
    Param("vth", low=0, high=131071, integer=True,
          doc="threshold mantissa, unsigned 17-bit: spike when v > vth * 2**6"),
    Param("bias_mant", default=0.0, low=-4096, high=4095, integer=True,
          doc="bias mantissa, signed 13-bit"),
    Param("bias_exp", default=0.0, low=0, high=7, integer=True,
          doc="bias exponent, unsigned 3-bit: the bias added to v is bias_mant * 2**bias_exp"),
    Param("refractory", default=0.0, low=0, high=64, integer=True,
          doc="ticks after a spike during which v is held at 0 (0: Lava's PyLifModelBitAcc)"),
)
STATE = (
    StateVar("u", 0.0, "synaptic current, 24-bit integer"),
    StateVar("v", 0.0, "membrane voltage, 24-bit integer (after reset)"),
    StateVar("ref", 0.0, "refractory ticks still to come (0: not refractory)"),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
DU, DV, VTH, BIAS_MANT, BIAS_EXP, REFRACTORY = range(6)
U, V, REF = range(3)


@njit
def _decay(value, factor):
    """``value * factor / 2**12`` truncated toward zero (Lava: ``sign(p) * right_shift(abs(p), 12)``)."""
    p = value * factor
    q = abs(p) >> DECAY_SHIFT
    return -q if p < 0 else q


@njit
def _tick(u, v, ref, a, du, dv, bias, vth, refractory):
    """One tick of the integer state ``(u, v, ref)`` with integer input ``a``.

    Returns the new ``(u, v, ref, spiked)``.
    """
    u = _decay(u, DECAY_UNITY - (du + DS_OFFSET)) + a * (1 << ACT_SHIFT)
    # Lava's single conditional wrap (not a modulo): see the module docstring.
    if u > UV_HALF:
        u -= 2 * UV_HALF
    elif u <= -UV_HALF:
        u += 2 * UV_HALF
    if ref > 0:
        return u, v, ref - 1, False
    v = _decay(v, DECAY_UNITY - (dv + DM_OFFSET)) + u + bias
    v = min(max(v, -V_MAX), V_MAX)
    if v > vth * (1 << VTH_SHIFT):
        return u, np.int64(0), refractory, True
    return u, v, np.int64(0), False


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (contract in ``neurosim.models.registry``): per neuron, Lava's fixed-point tick for each idle
    tick and then with input ``x``: ``u`` decays by ``du`` and adds ``x << 6``, ``v`` decays by ``dv`` and adds
    ``u + bias`` unless refractory, spike and hard reset when ``v > vth << 6``."""
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        du = np.int64(params[i, DU])
        dv = np.int64(params[i, DV])
        vth = np.int64(params[i, VTH])
        bias = np.int64(params[i, BIAS_MANT]) << np.int64(params[i, BIAS_EXP])
        refractory = np.int64(params[i, REFRACTORY])
        u = np.int64(state[i, U])
        v = np.int64(state[i, V])
        ref = np.int64(state[i, REF])
        # Invariant: after k loop passes the state is that of k input-free ticks; a state that an
        # input-free tick leaves unchanged without firing stays so, and the remaining ticks are skipped.
        for _ in range(elapsed[j] - 1):
            nu, nv, nref, idle_spike = _tick(u, v, ref, np.int64(0), du, dv, bias, vth, refractory)
            if nu == u and nv == v and nref == ref and not idle_spike:
                break
            u, v, ref = nu, nv, nref
        # np.int64 truncates toward zero: a float input is a build-time error, handled deterministically.
        u, v, ref, spiked = _tick(u, v, ref, np.int64(x[j]), du, dv, bias, vth, refractory)
        if spiked:
            fired[n_fired] = i
            payload[n_fired] = 1.0
            n_fired += 1
        state[i, U] = u
        state[i, V] = v
        state[i, REF] = ref
        nu, nv, nref, next_spike = _tick(u, v, ref, np.int64(0), du, dv, bias, vth, refractory)
        if next_spike or nu != u or nv != v or nref != ref:
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy integer arithmetic (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``u, v, ref``.
    """
    p = params.astype(np.int64)
    du, dv, vth, bias_mant, bias_exp, refractory = (p[:, k] for k in range(6))
    u = state[:, U].astype(np.int64)
    v = state[:, V].astype(np.int64)
    ref = state[:, REF].astype(np.int64)
    a = np.trunc(x).astype(np.int64)
    # Current: decay truncated toward zero, input scaled by 2**6, one conditional 24-bit wrap.
    prod = u * (4096 - (du + 1))
    u = np.sign(prod) * (np.abs(prod) // 4096) + a * 64
    u = np.where(u > 2**23, u - 2**24, np.where(u <= -2**23, u + 2**24, u))
    # Voltage: decay, plus current and bias, saturated to +-(2**23 - 1); held while refractory.
    prod = v * (4096 - dv)
    v_new = np.sign(prod) * (np.abs(prod) // 4096) + u + bias_mant * 2**bias_exp
    v_new = np.clip(v_new, -(2**23 - 1), 2**23 - 1)
    held = ref > 0
    spiked = ~held & (v_new > vth * 64)
    state[:, U] = u
    state[:, V] = np.where(held, v, np.where(spiked, 0, v_new))
    state[:, REF] = np.where(held, ref - 1, np.where(spiked, refractory, 0))
    return spiked.astype(np.float64)


MODEL = register(NeuronModel("loihi_cuba", PARAMS, STATE, update, reference_step, integer_input=True,
                             doc=__doc__,
                             source=("Lava PyLifModelBitAcc (src/lava/proc/lif/models.py, commit 001dbd19); Davies et "
                                     "al., IEEE Micro 38(1):82-99 (2018), Eq. 1")))
