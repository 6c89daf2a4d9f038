"""``regroup``: a compiled network with finer destination groups, without sorting its synapses again.

A placement compiles the network twice: by population (to measure what must fit), then with one
destination group per (population, core) (to count per core). When the new groups *refine* the
old ones in order (every new group lies inside one old group, and new group ids ascend with the
old group ids, as :func:`~neurosim.mapping.place` and :func:`~neurosim.cost_model.reroute.refinement`
number them), the synapse order (source, group, delay, target) of the new compilation is the old
one with each fan entry split by new group: the synapses of one fan entry are already sorted by
(delay, target), and a stable partition by new group keeps that order within each part. So the
split is a linear pass over the synapses (a counting sort per fan entry) instead of a full build.
The result is identical, array for array, to ``compile_network(network, neuron_group)``.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.compile.compiled import CompiledNetwork, compile_network, group_table


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
    c = compiled
    fan_syn = c.seg_syn_ptr[c.fan_seg_ptr]  # first synapse of each fan entry, and the end
    inputs = (c.src_fan_ptr, c.fan_group, c.fan_seg_ptr, c.seg_delay, c.seg_syn_ptr, c.syn_target, c.syn_weight,
              neuron_group, new_lo, int(np.diff(fan_syn).max(initial=0)), int(np.diff(new_lo).max(initial=1)))
    n_fans, n_segs = _split_fans(*inputs, False, *_outputs(0, 0, 0, 0))
    out = _outputs(c.n_neurons, n_fans, n_segs, c.n_synapses)
    _split_fans(*inputs, True, *out)
    src_fan_ptr, fan_group, fan_seg_ptr, seg_delay, seg_group, seg_syn_ptr, syn_target, syn_weight = out
    return replace(compiled, neuron_group=neuron_group, group_pop=group_pop, src_fan_ptr=src_fan_ptr,
                   fan_group=fan_group, fan_seg_ptr=fan_seg_ptr, seg_delay=seg_delay, seg_group=seg_group,
                   seg_syn_ptr=seg_syn_ptr, syn_target=syn_target, syn_weight=syn_weight)


def _outputs(n_neurons: int, n_fans: int, n_segs: int, n_syn: int):
    i64 = np.int64
    return (np.zeros(n_neurons + 1, i64), np.empty(n_fans, i64), np.empty(n_fans + 1, i64), np.empty(n_segs, i64),
            np.empty(n_segs, i64), np.empty(n_segs + 1, i64), np.empty(n_syn, np.int32), np.empty(n_syn, np.float32))


@njit
def _split_fans(src_fan_ptr, fan_group, fan_seg_ptr, seg_delay, seg_syn_ptr, syn_target, syn_weight,
                neuron_group, new_lo, widest, parts, fill,
                o_src_fan_ptr, o_fan_group, o_fan_seg_ptr, o_seg_delay, o_seg_group, o_seg_syn_ptr,
                o_syn_target, o_syn_weight):
    """Split every fan entry by new group; with ``fill`` False only count the new fan entries and
    segments (returned), with ``fill`` True write the ``o_*`` arrays sized from those counts.

    A fan entry keeps its synapse slots: its parts follow one another in new group order (a
    stable sort by part), and each run of equal delay within a part is one segment.
    """
    count = np.zeros(parts + 1, dtype=np.int64)
    part_of = np.empty(widest, dtype=np.int64)
    delay_of = np.empty(widest, dtype=np.int64)
    order = np.empty(widest, dtype=np.int64)
    n_fans = 0
    n_segs = 0
    for i in range(src_fan_ptr.size - 1):
        for f in range(src_fan_ptr[i], src_fan_ptr[i + 1]):
            g = fan_group[f]
            lo = new_lo[g]
            y0 = seg_syn_ptr[fan_seg_ptr[f]]
            n = seg_syn_ptr[fan_seg_ptr[f + 1]] - y0
            k = new_lo[g + 1] - lo
            for s in range(fan_seg_ptr[f], fan_seg_ptr[f + 1]):
                for y in range(seg_syn_ptr[s], seg_syn_ptr[s + 1]):
                    part_of[y - y0] = neuron_group[syn_target[y]] - lo
                    delay_of[y - y0] = seg_delay[s]
            # order[q]: the synapse (within the fan entry) that goes to slot q: a stable sort by
            # part, by counting when the parts are few, else by a merge sort.
            if k <= n:
                count[:k + 1] = 0
                for m in range(n):
                    count[part_of[m] + 1] += 1
                for c in range(k):  # count[c] becomes the first slot of part c
                    count[c + 1] += count[c]
                for m in range(n):
                    order[count[part_of[m]]] = m
                    count[part_of[m]] += 1
            else:
                order[:n] = np.argsort(part_of[:n], kind="mergesort")
            prev_part = -1
            prev_delay = -1
            for q in range(n):
                m = order[q]
                c = part_of[m]
                if c != prev_part:
                    if fill:
                        o_fan_group[n_fans] = lo + c
                        o_fan_seg_ptr[n_fans] = n_segs
                    n_fans += 1
                    prev_delay = -1
                    prev_part = c
                if delay_of[m] != prev_delay:
                    if fill:
                        o_seg_delay[n_segs] = delay_of[m]
                        o_seg_group[n_segs] = lo + c
                        o_seg_syn_ptr[n_segs] = y0 + q
                    n_segs += 1
                    prev_delay = delay_of[m]
                if fill:
                    o_syn_target[y0 + q] = syn_target[y0 + m]
                    o_syn_weight[y0 + q] = syn_weight[y0 + m]
        if fill:
            o_src_fan_ptr[i + 1] = n_fans
    if fill:
        o_fan_seg_ptr[n_fans] = n_segs
        o_seg_syn_ptr[n_segs] = syn_target.size
    return n_fans, n_segs
