"""Signed-ternary bipolar integrate-and-fire (ST-BIF), float32, bit-exact to SpikingJelly's ``STBIFNode``.

Sources: SpikeZIP-TF (C. You et al., "SpikeZIP-TF: Conversion is All You Need for Transformer-based
SNN", ICML 2024, which defines the ST-BIF neuron); SpikingJelly 2.0.0
(github.com/fangwei123456/spikingjelly, PyPI ``spikingjelly==2.0.0``), the code this model copies:
``spikingjelly/activation_based/neuron/spikezip.py`` (``STBIFNode``: ``q`` starts at 0.5, ``acc_q`` at
0, ``pos_max``/``neg_min`` default to ``level - 1``/``0``, or ``level // 2 - 1``/``-level // 2`` when
``sym``) and ``spikingjelly/_ops/stbif/reference.py`` (``step``, the CPU path of ``stbif_step``). The
state is the membrane potential in units of the threshold, ``q = V / theta``, and the spike-count
tracer ``acc_q``. One tick with input ``x`` (the sum of weight x spike value over the synaptic events
delivered at this tick), every operation in float32 in this order::

    q     <- q + x / theta
    acc_q <- round(acc_q)                              (half to even; a no-op on the integers it holds)
    pos    = q >= 1  and  acc_q < pos_max              (a +1 spike would keep acc_q <= pos_max)
    neg    = q <  0  and  acc_q > neg_min              (a -1 spike would keep acc_q >= neg_min)
    s      = pos - neg                                 (ternary: -1, 0 or +1)
    acc_q <- acc_q + s
    q     <- q - pos + neg
    out    = s * theta                                 (the spike value sent to the targets)

So the spike a target receives is ``+theta``, ``-theta`` or nothing (the engine's ``payload``), and a
synapse of weight ``w`` adds ``w * (+-theta)`` to the target's input, as SpikingJelly's next layer
sees ``out``. ``acc_q`` counts the spikes sent (positive minus negative) and is held in
``[neg_min, pos_max]``: it is the quantised activation the SNN has emitted so far, and the negative
spikes correct an overshoot. ``q`` starts at 0.5 (``V = theta / 2``: round-to-nearest quantisation);
``init={"q": 0.0}`` starts it at 0 instead.

**BIF.** The plain bipolar IF neuron (spikes of +-theta with no count bounds) is this model with bounds
the count never reaches (e.g. ``pos_max = 2**24``, ``neg_min = -2**24``); a non-negative IF that may
take back only the spikes it sent is ``neg_min = 0``. It is not registered a second time.

**Input.** ``x`` is rounded to float32 first (SpikingJelly computes in float32). With one synapse per
input, or weights whose float64 sums are float32 values, this is SpikingJelly's input bit for bit; a
sum of several float32 products is rounded once here, where a float32 layer rounds each addition.

**Catch-up and awake.** An input-free tick adds ``0 / theta``, which leaves ``q`` unchanged (up to
the sign of a zero, which no test can see), and rounds an integer ``acc_q`` to itself. It changes the
state only if it fires. A neuron is awake iff it would fire on an input-free tick (``q >= 1`` with
room for a positive spike, or ``q < 0`` with room for a negative one); any other neuron's state is a
fixed point of input-free ticks, so catch-up has nothing to do, bit for bit.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.models.registry import NeuronModel, Param, StateVar, register

# The counts are compared with float32 acc_q: integers up to 2**24 are exact in float32.
COUNT_LIMIT = float(1 << 24)
THETA_MIN = 2.0 ** -126  # the smallest normal float32: theta must be positive (x / theta)
THETA_MAX = float(np.finfo(np.float32).max)  # theta is rounded to float32

PARAMS = (
    Param("theta", low=THETA_MIN, high=THETA_MAX,
          doc="threshold theta, rounded to float32 (SpikingJelly's q_threshold, the quantiser scale): "
              "spikes are +-theta, q = V / theta"),
    Param("pos_max", low=0.0, high=COUNT_LIMIT, integer=True,
          doc="largest spike count acc_q (level - 1, or level // 2 - 1 when sym)"),
    Param("neg_min", default=0.0, low=-COUNT_LIMIT, high=0.0, integer=True,
          doc="smallest spike count acc_q (0, or -(level // 2) when sym)"),
)
STATE = (
    StateVar("q", 0.5, "membrane potential in units of theta (V / theta); 0.5 is V = theta / 2"),
    StateVar("acc_q", 0.0, "spike-count tracer: positive minus negative spikes sent, in [neg_min, pos_max]"),
)

# Column indices into ``params`` and ``state``; kernels assume validated arrays.
THETA, POS_MAX, NEG_MIN = range(3)
Q, ACC_Q = range(2)


@njit
def _tick(q, acc, x, theta, pos_max, neg_min):
    """One tick in float32 (all arguments float32). Returns ``(q, acc, s)``, ``s`` in {-1, 0, 1}."""
    one = np.float32(1.0)
    zero = np.float32(0.0)
    q = q + x / theta
    acc = np.rint(acc)
    pos = one if (q >= one and acc < pos_max) else zero
    neg = one if (q < zero and acc > neg_min) else zero
    s = pos - neg
    acc = acc + s
    q = q - pos + neg
    return q, acc, s


@njit
def _fires_idle(q, acc, pos_max, neg_min):
    """True if an input-free tick fires (the only way it changes the state)."""
    return (q >= np.float32(1.0) and acc < pos_max) or (q < np.float32(0.0) and acc > neg_min)


@njit
def update(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Handler (see ``neurosim.models.registry``): bring ``idx`` to tick ``t`` and apply input ``x``."""
    f32 = np.float32
    n_fired = 0
    n_awake = 0
    for j in range(idx.size):
        i = idx[j]
        theta = f32(params[i, THETA])
        pos_max = f32(params[i, POS_MAX])
        neg_min = f32(params[i, NEG_MIN])
        # A neuron let sleep is at a fixed point of input-free ticks: its idle ticks change nothing.
        q, acc, s = _tick(f32(state[i, Q]), f32(state[i, ACC_Q]), f32(x[j]), theta, pos_max, neg_min)
        if s != f32(0.0):
            fired[n_fired] = i
            payload[n_fired] = float(s * theta)
            n_fired += 1
        state[i, Q] = float(q)
        state[i, ACC_Q] = float(acc)
        if _fires_idle(q, acc, pos_max, neg_min):
            awake[n_awake] = i
            n_awake += 1
    return n_fired, n_awake


def reference_step(state: npt.NDArray[np.float64], params: npt.NDArray[np.float64],
                   x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One dense tick, numpy float32, no catch-up (the oracle; contract in :mod:`neurosim.models.registry`).

    State columns ``q, acc_q``; returns the spike values.
    """
    p = params.astype(np.float32)
    theta, pos_max, neg_min = p[:, THETA], p[:, POS_MAX], p[:, NEG_MIN]
    q = state[:, Q].astype(np.float32) + x.astype(np.float32) / theta
    acc = np.rint(state[:, ACC_Q].astype(np.float32))
    pos = ((q >= 1) & (acc < pos_max)).astype(np.float32)
    neg = ((q < 0) & (acc > neg_min)).astype(np.float32)
    s = pos - neg
    state[:, ACC_Q] = acc + s
    state[:, Q] = q - pos + neg
    return (s * theta).astype(np.float64)


MODEL = register(NeuronModel("st_bif", PARAMS, STATE, update, reference_step, doc=__doc__, payload="ternary"))
