"""``regroup``: a compiled network with finer destination groups, without compiling it again.

A placement compiles the network twice: by population (to measure what must fit), then with one
destination group per (population, core) (to count per core). When the new groups *refine* the
old ones in order (every new group lies inside one old group, and new group ids ascend with the
old group ids, as :func:`~neurosim.mapping.place` and :func:`~neurosim.cost_model.reroute.refinement`
number them), the synapse order (source, group, delay, target) of the new compilation is the old
one with each fan entry split by new group: the synapses of one fan entry are already sorted by
(delay, target), and a stable sort by (fan entry, new group) keeps that order within each part.
So the split needs no packing, decoding or target ranks, only one stable sort of an almost sorted
key per step of whole sources (skipped when no fan entry splits), and it is plain numpy: nothing
to compile on a first run. The result is identical, array for array, to
``compile_network(network, neuron_group)``.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from neurosim.compile.compiled import CompiledNetwork, compile_network, group_table

_SPLIT_CHUNK = 1 << 16  # synapses split per step: the step's temporaries (about 2 MB) stay in cache


def regroup(compiled: CompiledNetwork, neuron_group: npt.ArrayLike) -> CompiledNetwork:
    """``compile_network(compiled.network, neuron_group)``, split from ``compiled`` when the new groups
    refine its groups in order, else compiled afresh.

    Raises
    ------
    ModelError
        If ``neuron_group`` is not one dense group id per neuron, each group in one population.
    """
    neuron_group, group_pop = group_table(neuron_group, compiled.neuron_pop)
    old_of_new = np.empty(group_pop.size, dtype=np.int64)
    old_of_new[neuron_group] = compiled.neuron_group
    if not (np.array_equal(old_of_new[neuron_group], compiled.neuron_group) and np.all(np.diff(old_of_new) >= 0)):
        return compile_network(compiled.network, neuron_group)
    # The new groups of old group g are new_lo[g] .. new_lo[g + 1] - 1.
    new_lo = np.searchsorted(old_of_new, np.arange(compiled.n_groups + 1)).astype(np.int64)
    parts = int(np.diff(new_lo).max(initial=1))
    c = compiled
    syn_target = np.empty(c.n_synapses, dtype=np.int32)
    syn_weight = np.empty(c.n_synapses, dtype=np.float32)
    src_fan_ptr = np.zeros(c.n_neurons + 1, dtype=np.int64)
    seg_start, seg_delay, fan_seg = [], [], []  # per step
    n_segs = 0
    syn_of_src = c.seg_syn_ptr[c.fan_seg_ptr[c.src_fan_ptr]]  # first synapse of each source, and the end
    a = 0
    while a < c.n_neurons:
        b = max(a + 1, int(np.searchsorted(syn_of_src, syn_of_src[a] + _SPLIT_CHUNK, side="right")) - 1)
        b = min(b, c.n_neurons)
        start, delay, first_seg, fans_per_src = _split_step(c, neuron_group, new_lo, parts, a, b,
                                                            syn_target, syn_weight)
        seg_start.append(start)
        seg_delay.append(delay)
        fan_seg.append(first_seg + n_segs)
        n_segs += start.size
        np.cumsum(fans_per_src, out=src_fan_ptr[a + 1:b + 1])
        src_fan_ptr[a + 1:b + 1] += src_fan_ptr[a]
        a = b
    seg_syn_ptr = _join(seg_start, c.n_synapses)
    fan_seg_ptr = _join(fan_seg, n_segs)
    seg_group = neuron_group[syn_target[seg_syn_ptr[:-1]]]
    return replace(compiled, neuron_group=neuron_group, group_pop=group_pop, src_fan_ptr=src_fan_ptr,
                   fan_group=seg_group[fan_seg_ptr[:-1]], fan_seg_ptr=fan_seg_ptr, seg_delay=_join(seg_delay),
                   seg_group=seg_group, seg_syn_ptr=seg_syn_ptr, syn_target=syn_target, syn_weight=syn_weight)


def _join(steps: list[np.ndarray], *end: int) -> np.ndarray:
    """The int64 concatenation of ``steps`` followed by ``end``; empties ``steps``, each step freed
    once copied (the whole is never held twice)."""
    out = np.empty(sum(step.size for step in steps) + len(end), dtype=np.int64)
    out[out.size - len(end):] = end
    pos = 0
    steps.reverse()
    while steps:
        step = steps.pop()
        out[pos:pos + step.size] = step
        pos += step.size
    return out


def _split_step(c: CompiledNetwork, neuron_group: np.ndarray, new_lo: np.ndarray, parts: int, a: int, b: int,
                syn_target: np.ndarray, syn_weight: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the fan entries of sources ``a .. b - 1`` by new group, writing their synapses into
    ``syn_target``/``syn_weight``; return the first synapse and the delay of each new segment, the
    first segment (within the step) of each new fan entry and the number of new fan entries of each
    source."""
    f0, f1 = int(c.src_fan_ptr[a]), int(c.src_fan_ptr[b])
    s0, s1 = int(c.fan_seg_ptr[f0]), int(c.fan_seg_ptr[f1])
    y0, y1 = int(c.seg_syn_ptr[s0]), int(c.seg_syn_ptr[s1])
    seg_len = np.diff(c.seg_syn_ptr[s0:s1 + 1])
    # key = (fan entry within the step) * parts + (new group within the fan entry's old group).
    fan_base = np.arange(f1 - f0, dtype=np.int64) * parts - new_lo[c.fan_group[f0:f1]]
    key = np.repeat(np.repeat(fan_base, np.diff(c.fan_seg_ptr[f0:f1 + 1])), seg_len)
    key += neuron_group.take(c.syn_target[y0:y1])
    old_seg = np.repeat(np.arange(s1 - s0, dtype=np.int32), seg_len)
    if np.any(key[1:] < key[:-1]):
        key, order = _stable_sort(key, (f1 - f0) * parts)
        old_seg = old_seg[order]
        c.syn_target[y0:y1].take(order, out=syn_target[y0:y1])
        c.syn_weight[y0:y1].take(order, out=syn_weight[y0:y1])
    else:
        syn_target[y0:y1] = c.syn_target[y0:y1]
        syn_weight[y0:y1] = c.syn_weight[y0:y1]
    # Within a part the synapses keep their old order, so a new delay is a new old segment.
    new_fan = np.ones(key.size, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=new_fan[1:])
    new_seg = new_fan.copy()
    new_seg[1:] |= old_seg[1:] != old_seg[:-1]
    seg_first = np.flatnonzero(new_seg)
    fan_first = np.flatnonzero(new_fan[seg_first])  # new fan entries, as indices of their first segment
    src_of_fan = np.repeat(np.arange(b - a, dtype=np.int64), np.diff(c.src_fan_ptr[a:b + 1]))
    new_fan_src = src_of_fan[key[seg_first[fan_first]] // parts]
    return seg_first + y0, c.seg_delay[s0 + old_seg[seg_first]], fan_first, np.bincount(new_fan_src, minlength=b - a)


def _stable_sort(key: np.ndarray, key_end: int) -> tuple[np.ndarray, np.ndarray]:
    """``key`` sorted and the stable order that sorts it (``key`` in ``0 .. key_end - 1``): a plain
    sort of the keys with their positions in the low bits (every packed key distinct, so any sort
    is stable), several times faster than numpy's stable argsort; that argsort when the packed key
    would not fit 63 bits."""
    pos_bits = (key.size - 1).bit_length()
    if (key_end - 1).bit_length() + pos_bits > 63:
        order = np.argsort(key, kind="stable")
        return key[order], order
    packed = np.left_shift(key, pos_bits)
    packed |= np.arange(key.size, dtype=np.int64)
    packed.sort()
    return packed >> pos_bits, packed & ((1 << pos_bits) - 1)
