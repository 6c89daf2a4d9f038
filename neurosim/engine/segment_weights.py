"""The one weight a delay segment's synapses share, so that delivery need not read them one by one.

CUBA-like networks give every synapse of a pathway the same weight, so every synapse of a delay
segment (one source, one destination group, one delay) has it too. The engine's delivery loop
then adds ``w * pay`` to each target without fetching the per-synapse weights from memory (half
the bytes of a synaptic event). Derived once per :class:`~neurosim.engine.simulation.Simulation`
from the final compiled arrays; see ``docs/decisions/0028-segment-weights.md``.
"""
from __future__ import annotations

import weakref

import numpy as np

from neurosim._jit import njit
from neurosim.compile.compiled import CompiledNetwork

# Compiled networks are read-only once built, so each one's segment weights are computed once, by
# its first Simulation (a pass over every synapse weight: 0.1-0.2 s for 82 M synapses).
_by_network: "weakref.WeakKeyDictionary[CompiledNetwork, np.ndarray]" = weakref.WeakKeyDictionary()


def network_segment_weights(c: CompiledNetwork) -> np.ndarray:
    """:func:`segment_weights` of ``c``'s arrays, computed at the first call for ``c`` and kept while ``c`` lives."""
    weights = _by_network.get(c)
    if weights is None:
        weights = _by_network[c] = segment_weights(c.seg_syn_ptr, c.syn_weight)
    return weights


def segment_weights(seg_syn_ptr: np.ndarray, syn_weight: np.ndarray) -> np.ndarray:
    """The weight shared by all the synapses of each segment, ``NaN`` where they differ.

    Parameters
    ----------
    seg_syn_ptr : (S + 1,) int64
        The synapses of segment ``s`` are ``seg_syn_ptr[s] .. seg_syn_ptr[s + 1] - 1``.
    syn_weight : (n_synapses,) float32 (or any float type)
        The weight of each synapse.

    Returns
    -------
    (S,) array of ``syn_weight``'s dtype: the weight of segment ``s``'s synapses when they all have
    the same bit pattern (so that ``-0.0`` and ``0.0`` stay apart), else ``NaN``. A segment whose shared weight
    is itself ``NaN``, and an empty one, read ``NaN`` too: the engine then reads the per-synapse
    weights, which gives the same sums.
    """
    out = np.empty(seg_syn_ptr.size - 1, dtype=syn_weight.dtype)
    bits = syn_weight.view(np.dtype(f"u{syn_weight.dtype.itemsize}"))
    _fill(seg_syn_ptr, bits, syn_weight, out)
    return out


@njit
def _fill(seg_syn_ptr, bits, syn_weight, out):
    for s in range(out.size):
        lo = seg_syn_ptr[s]
        hi = seg_syn_ptr[s + 1]
        shared = hi > lo
        for y in range(lo + 1, hi):
            if bits[y] != bits[lo]:
                shared = False
                break
        out[s] = syn_weight[lo] if shared else np.nan
