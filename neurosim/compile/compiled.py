"""``compile_network``: a :class:`~neurosim.net.network.Network` as flat arrays for the Numba engine.

Neurons get global ids in the order populations and sources were added. Synapses are grouped as a
three-level CSR that mirrors how a chip sends spikes::

    source neuron i --(src_fan_ptr)--> fan entries f: one per destination group (= one packet)
        fan entry f --(fan_seg_ptr)--> delay segments s: the synapses of f with one delay
            segment s --(seg_syn_ptr)--> synapses y: syn_target[y], syn_weight[y]

A destination *group* is where a packet goes: by default one group per population; a placement
(``neuron_group``) makes it one group per (population, core), so that the engine counts packets
and synaptic events per core with no second pass. Synapses are sorted by (source, group, delay,
target), which fixes the order in which inputs are summed (``docs/semantics.md``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.errors import ModelError
from neurosim.models import registered_models
from neurosim.net.network import Network, Population, SpikeSource


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Flat arrays of one network (built once; read-only)."""

    network: Network = field(repr=False)
    names: tuple[str, ...]
    pop_offset: np.ndarray  # (P + 1,) first global id of each population / source
    pop_model: np.ndarray  # (P,) engine model id, -1 for a spike source
    pop_order: np.ndarray  # (P,) processing order within a tick (sources first, then zero-delay topological)
    neuron_pop: np.ndarray  # (N,) int32 population of each neuron
    neuron_group: np.ndarray  # (N,) int64 destination group of each neuron
    group_pop: np.ndarray  # (G,) population of each group
    params: np.ndarray = field(repr=False)  # (N, max params) float64
    state0: np.ndarray = field(repr=False)  # (N, max state) float64
    src_fan_ptr: np.ndarray = field(repr=False)  # (N + 1,)
    fan_group: np.ndarray = field(repr=False)  # (F,)
    fan_seg_ptr: np.ndarray = field(repr=False)  # (F + 1,)
    seg_delay: np.ndarray = field(repr=False)  # (S,)
    seg_group: np.ndarray = field(repr=False)  # (S,)
    seg_syn_ptr: np.ndarray = field(repr=False)  # (S + 1,)
    syn_target: np.ndarray = field(repr=False)  # (Y,) int32
    syn_weight: np.ndarray = field(repr=False)  # (Y,) float32
    models: tuple = field(repr=False)  # the registry snapshot the model ids refer to

    @property
    def n_neurons(self) -> int:
        return int(self.pop_offset[-1])

    @property
    def n_synapses(self) -> int:
        return int(self.syn_target.size)

    @property
    def n_groups(self) -> int:
        return int(self.group_pop.size)

    @property
    def max_delay(self) -> int:
        return int(self.seg_delay.max()) if self.seg_delay.size else 0

    def pop_index(self, name: str) -> int:
        """Index of population or source ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ModelError(f"no population or source named '{name}' (known: {', '.join(self.names)})") from None

    def pop_slice(self, name: str) -> slice:
        """Global ids of population ``name``."""
        p = self.pop_index(name)
        return slice(int(self.pop_offset[p]), int(self.pop_offset[p + 1]))

    def segment_sources(self) -> npt.NDArray[np.int64]:
        """(S,) source neuron of every delay segment (segment -> fan entry -> source neuron)."""
        seg_fan = np.repeat(np.arange(self.fan_group.size), np.diff(self.fan_seg_ptr))
        return np.repeat(np.arange(self.n_neurons, dtype=np.int64), np.diff(self.src_fan_ptr))[seg_fan]

    def synapse_bytes(self) -> int:
        """Bytes of the synaptic arrays (targets, weights, segments and fan entries)."""
        arrays = (self.src_fan_ptr, self.fan_group, self.fan_seg_ptr, self.seg_delay, self.seg_group,
                  self.seg_syn_ptr, self.syn_target, self.syn_weight)
        return int(sum(a.nbytes for a in arrays))


def compile_network(network: Network, neuron_group: np.ndarray | None = None) -> CompiledNetwork:
    """Flatten ``network`` for the engine; ``neuron_group`` (N,) overrides the destination groups."""
    nodes = list(network.nodes.values())
    if not any(isinstance(n, Population) for n in nodes):
        raise ModelError(f"network '{network.name}' has no population to simulate")
    names = tuple(n.name for n in nodes)
    sizes = np.array([n.size for n in nodes], dtype=np.int64)
    pop_offset = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    models = registered_models()
    model_ids = {m.name: k for k, m in enumerate(models)}
    pop_model = np.array([model_ids[n.model.name] if isinstance(n, Population) else -1 for n in nodes],
                         dtype=np.int64)
    n_total = int(pop_offset[-1])
    neuron_pop = np.repeat(np.arange(len(nodes), dtype=np.int32), sizes)
    params, state0 = _stack_params(nodes, sizes, n_total)

    pop_order = _processing_order(nodes, names, _zero_delay_edges(network, names))
    if neuron_group is None:
        neuron_group = neuron_pop.astype(np.int64)
        group_pop = np.arange(len(nodes), dtype=np.int64)
    else:
        neuron_group, group_pop = group_table(neuron_group, neuron_pop)
    fan = _build_fanout(network, names, pop_offset, neuron_group, group_pop.size, n_total)
    return CompiledNetwork(network, names, pop_offset, pop_model, pop_order, neuron_pop,
                           neuron_group, group_pop, params, state0, *fan, models)


def group_table(neuron_group: npt.ArrayLike, neuron_pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check destination groups ``neuron_group`` (N,) and return them as int64 with each group's population."""
    n_total = neuron_pop.size
    neuron_group = np.asarray(neuron_group, dtype=np.int64)
    if neuron_group.shape != (n_total,) or neuron_group.min() < 0:
        raise ModelError(f"neuron_group must be {n_total} non-negative group ids")
    group_pop = np.full(int(neuron_group.max()) + 1, -1, dtype=np.int64)
    group_pop[neuron_group] = neuron_pop
    if np.any(group_pop < 0):
        raise ModelError(f"neuron_group ids must be dense: group {int(np.argmax(group_pop < 0))} has no neuron")
    mixed = group_pop[neuron_group] != neuron_pop
    if mixed.any():
        raise ModelError(f"group {int(neuron_group[np.argmax(mixed)])} mixes neurons of two populations")
    return neuron_group, group_pop


def _stack_params(nodes, sizes, n_total):
    n_par = max((len(n.model.params) for n in nodes if isinstance(n, Population)), default=0)
    n_state = max((len(n.model.state) for n in nodes if isinstance(n, Population)), default=0)
    params = np.zeros((n_total, max(n_par, 1)))
    state0 = np.zeros((n_total, max(n_state, 1)))
    start = 0
    for node, size in zip(nodes, sizes):
        if isinstance(node, Population):
            params[start:start + size, :node.params.shape[1]] = node.params
            state0[start:start + size, :node.init.shape[1]] = node.init
        start += size
    return params, state0


def _zero_delay_edges(network, names) -> set[tuple[int, int]]:
    """(pre node, post node) of every projection with at least one synapse of delay 0."""
    return {(names.index(proj.pre), names.index(proj.post)) for proj in network.projections.values()
            if proj.delay.size and proj.delay.min() == 0}


def _processing_order(nodes, names, edges: set[tuple[int, int]]) -> np.ndarray:
    """Sources first, then populations in topological order of their zero-delay projections."""
    n = len(nodes)
    for a, b in sorted(edges):
        if a == b:
            raise ModelError(
                f"zero-delay cycle: population '{names[a]}' connects to itself with delay 0; "
                "recurrent synapses need a delay >= 1"
            )
    succ = {k: sorted(b for a, b in edges if a == k) for k in range(n)}
    indeg = np.zeros(n, dtype=np.int64)
    for _, b in edges:
        indeg[b] += 1
    order = [k for k in range(n) if isinstance(nodes[k], SpikeSource)]
    ready = sorted(k for k in range(n) if indeg[k] == 0 and not isinstance(nodes[k], SpikeSource))
    for k in order:
        for b in succ[k]:
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
    ready.sort()
    while ready:
        k = ready.pop(0)
        order.append(k)
        for b in succ[k]:
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
                ready.sort()
    if len(order) < n:
        cycle = _find_cycle([k for k in range(n) if k not in order], succ)
        raise ModelError(
            "zero-delay cycle through populations " + " -> ".join(f"'{names[k]}'" for k in cycle)
            + "; give at least one projection of the loop a delay >= 1"
        )
    return np.array(order, dtype=np.int64)


def _find_cycle(left, succ):
    """A cycle among ``left`` (every one of them lies on or leads into a cycle)."""
    k, path = left[0], []
    while k not in path:
        path.append(k)
        k = next(b for b in succ[k] if b in left)
    return path[path.index(k):] + [k]


_KEY_BITS = 62  # the packed sort key of a synapse must fit this many bits
_BUILD_CHUNK = 1 << 16  # synapses sorted per step of the build (its temporaries stay in cache)


@njit
def _pack_rows(row_ptr, post_idx, delay, weight, off_post, target_code, row_shift, b_rank, cursor, key_out,
               target_out, weight_out):
    """Write each synapse's sort key (source row, group, delay, rank of its target in the group, as
    bit fields), target and weight at the next free slot of its source row (``cursor[i]``, advanced).

    The synapses of source row ``i`` are ``row_ptr[i] .. row_ptr[i + 1] - 1``; ``target_code[t]``
    holds neuron ``t``'s group and rank fields (the delay field zero), the row field starts at bit
    ``row_shift``.
    """
    for i in range(row_ptr.size - 1):
        c = cursor[i]
        row = np.int64(i) << row_shift
        for k in range(row_ptr[i], row_ptr[i + 1]):
            tgt = post_idx[k] + off_post
            key_out[c] = row | (np.int64(delay[k]) << b_rank) | target_code[tgt]
            target_out[c] = tgt
            weight_out[c] = weight[k]
            c += 1
        cursor[i] = c


@njit
def _sort_rows(key, target, weight, row_ptr, b_rank):
    """Sort the keys of each row ``row_ptr[i] .. row_ptr[i + 1] - 1`` ascending, their targets and
    weights with them, stably (equal keys keep their order).

    A row already in order is left alone; a row whose target ranks ascend is sorted by a counting
    sort of its (group, delay) fields when they span few values; any other row by a merge sort.
    """
    rank_mask = (1 << b_rank) - 1
    widest = 0
    for i in range(row_ptr.size - 1):
        widest = max(widest, row_ptr[i + 1] - row_ptr[i])
    slot = np.empty(widest, dtype=np.int64)
    by_key = np.empty(widest, dtype=np.int64)
    merge_buffer = np.empty(widest, dtype=np.int64)
    scratch_key = np.empty(widest, dtype=np.int64)
    scratch_target = np.empty(widest, dtype=target.dtype)
    scratch_weight = np.empty(widest, dtype=weight.dtype)
    count = np.zeros(4 * widest + 66, dtype=np.int64)
    for i in range(row_ptr.size - 1):
        lo, hi = row_ptr[i], row_ptr[i + 1]
        k = lo + 1
        while k < hi and key[k] >= key[k - 1]:
            k += 1
        if k >= hi:
            continue
        ranks_ascend = True
        high_min = key[lo] >> b_rank
        high_max = high_min
        for k in range(lo + 1, hi):
            if (key[k] & rank_mask) < (key[k - 1] & rank_mask):
                ranks_ascend = False
            high = key[k] >> b_rank
            high_min = min(high_min, high)
            high_max = max(high_max, high)
        span = high_max - high_min + 1
        if ranks_ascend and span + 1 <= count.size:
            for h in range(span + 1):
                count[h] = 0
            for k in range(lo, hi):
                count[(key[k] >> b_rank) - high_min + 1] += 1
            for h in range(span):  # count[h] becomes the first slot of high field h
                count[h + 1] += count[h]
            for k in range(lo, hi):  # slot[j]: where synapse lo + j goes
                h = (key[k] >> b_rank) - high_min
                slot[k - lo] = count[h]
                count[h] += 1
        else:
            order = _merge_sort(key, lo, hi, by_key, merge_buffer)
            for j in range(hi - lo):
                slot[order[j]] = j
        for j in range(hi - lo):
            scratch_key[slot[j]] = key[lo + j]
            scratch_target[slot[j]] = target[lo + j]
            scratch_weight[slot[j]] = weight[lo + j]
        for j in range(hi - lo):
            key[lo + j] = scratch_key[j]
            target[lo + j] = scratch_target[j]
            weight[lo + j] = scratch_weight[j]


@njit
def _merge_sort(key, lo, hi, order, buffer):
    """``0 .. hi - lo - 1`` sorted stably by ``key[lo + j]`` (a bottom-up merge sort, in ``order``
    and ``buffer``); returns the one of the two that holds the result.

    Written out because Numba's ``np.argsort(kind="mergesort")`` takes seconds to compile.
    """
    m = hi - lo
    for j in range(m):
        order[j] = j
    src, dst = order, buffer
    width = 1
    while width < m:
        for start in range(0, m, 2 * width):
            mid = min(start + width, m)
            end = min(start + 2 * width, m)
            a, b, o = start, mid, start
            while a < mid and b < end:
                if key[lo + src[b]] < key[lo + src[a]]:  # ties from the left half: stable
                    dst[o] = src[b]
                    b += 1
                else:
                    dst[o] = src[a]
                    a += 1
                o += 1
            while a < mid:
                dst[o] = src[a]
                a += 1
                o += 1
            while b < end:
                dst[o] = src[b]
                b += 1
                o += 1
        src, dst = dst, src
        width *= 2
    return src


@dataclass(frozen=True)
class _KeyLayout:
    """Field widths of the sort key, low to high: target rank, delay, group (then the source row)."""

    b_rank: int
    b_del: int
    b_grp: int


def _build_fanout(network, names, pop_offset, neuron_group, n_groups, n_total):
    """Sort the synapses by (source, group, delay, target) and build the three-level CSR.

    The projections keep their synapses in CSR order by source, so the sort is done in steps
    of whole sources of about ``_BUILD_CHUNK`` synapses, each written straight into the output:
    besides the network's own 9-12 bytes per synapse and the 8 of the result, the build needs
    the 8-byte key of each synapse of one step (half a megabyte, kept in cache) and the segments,
    whatever the network's size.

    Within a step the four keys are packed as bit fields into one int64 per synapse, the target
    as its rank within its group (ascending ids) and the source relative to the step, each source's
    synapses (of all its projections, in network order) in one row of the step. Since the rows
    are in source order, sorting each row stably (:func:`_sort_rows`; stability keeps duplicate
    synapses in projection order) sorts the step; targets and weights move with their keys, and the
    sorted keys give the (source, group, delay) segments (decision 0025).
    """
    projections = list(network.projections.values())
    n = sum(proj.n_synapses for proj in projections)
    n_del = max((int(proj.delay.max()) + 1 for proj in projections if proj.n_synapses), default=1)
    by_group = np.argsort(neuron_group, kind="stable")  # neurons in (group, id) order
    group_ptr = np.searchsorted(neuron_group[by_group], np.arange(n_groups + 1)).astype(np.int64)
    rank = np.empty(n_total, dtype=np.int64)
    rank[by_group] = np.arange(n_total) - group_ptr[neuron_group[by_group]]
    g_max = int(np.diff(group_ptr).max()) if n_groups else 1
    layout = _KeyLayout(*((int(k) - 1).bit_length() for k in (g_max, n_del, n_groups)))
    # A step's source field holds at most one population's neurons.
    rows = int(np.diff(pop_offset).max())
    if layout.b_rank + layout.b_del + layout.b_grp + (rows - 1).bit_length() > _KEY_BITS:
        raise ModelError(f"network '{network.name}' is too large to compile: {n_total} neurons, {n_groups} groups, "
                         f"{n_del} delays and {g_max} neurons per group do not fit a {_KEY_BITS}-bit key")
    target_code = (neuron_group << (layout.b_del + layout.b_rank)) | rank
    del rank, by_group
    syn_target = np.empty(n, dtype=np.int32)
    syn_weight = np.empty(n, dtype=np.float32)
    # At most one segment and one fan entry per synapse: sized for that, only the pages written are
    # ever resident, and the arrays are trimmed in place at the end.
    seg_syn_ptr, fan_seg_ptr = np.empty(n + 1, dtype=np.int64), np.empty(n + 1, dtype=np.int64)
    seg_group, seg_delay, fan_group = (np.empty(n, dtype=np.int64) for _ in range(3))
    src_fan_ptr = np.zeros(n_total + 1, dtype=np.int64)
    counts = np.zeros(2, dtype=np.int64)  # segments and fan entries so far
    done = 0
    for p, name in enumerate(names):
        outgoing = [proj for proj in projections if proj.pre == name]
        if not outgoing:
            continue
        per_source = np.zeros(int(pop_offset[p + 1] - pop_offset[p]) + 1, dtype=np.int64)
        for proj in outgoing:
            per_source[1:] += np.diff(proj.pre_ptr)
        cum = np.cumsum(per_source)  # synapses before each source of population p
        a = 0
        while a < cum.size - 1:
            b = max(a + 1, int(np.searchsorted(cum, cum[a] + _BUILD_CHUNK, side="right")) - 1)
            b = min(b, cum.size - 1)
            if cum[b] > cum[a]:
                stop = done + int(cum[b] - cum[a])
                key = _build_step(outgoing, a, b, cum[a:b + 1] - cum[a], pop_offset, names, target_code, layout,
                                  syn_target[done:stop], syn_weight[done:stop])
                _step_segments(key, done, int(pop_offset[p]) + a, layout.b_grp, layout.b_del, layout.b_rank, counts,
                               seg_syn_ptr, seg_group, seg_delay, fan_seg_ptr, fan_group, src_fan_ptr)
                done = stop
            a = b
    n_segs, n_fans = int(counts[0]), int(counts[1])
    seg_syn_ptr[n_segs] = n
    fan_seg_ptr[n_fans] = n_segs
    np.cumsum(src_fan_ptr, out=src_fan_ptr)
    for arr, size in ((seg_syn_ptr, n_segs + 1), (seg_group, n_segs), (seg_delay, n_segs),
                      (fan_seg_ptr, n_fans + 1), (fan_group, n_fans)):
        arr.resize(size, refcheck=False)  # in place: no view of these arrays exists
    return (src_fan_ptr, fan_group, fan_seg_ptr, seg_delay, seg_group, seg_syn_ptr, syn_target, syn_weight)


@njit
def _step_segments(key, first_syn, first_src, b_grp, b_del, b_rank, counts, seg_syn_ptr, seg_group, seg_delay,
                   fan_seg_ptr, fan_group, src_fan_ptr):
    """Append the segments (runs of equal (source - ``first_src``, group, delay) fields) and fan
    entries (runs of equal (source, group)) of a step's sorted keys, synapses numbered from
    ``first_syn``; ``counts`` holds the segments and fan entries so far, ``src_fan_ptr[i + 1]``
    counts the fan entries of source ``i``."""
    n_segs, n_fans = counts[0], counts[1]
    grp_mask = (1 << b_grp) - 1
    del_mask = (1 << b_del) - 1
    for i in range(key.size):
        k = key[i] >> b_rank
        if i > 0 and k == key[i - 1] >> b_rank:
            continue
        if i == 0 or k >> b_del != key[i - 1] >> (b_rank + b_del):
            fan_group[n_fans] = (k >> b_del) & grp_mask
            fan_seg_ptr[n_fans] = n_segs
            src_fan_ptr[(k >> (b_del + b_grp)) + first_src + 1] += 1
            n_fans += 1
        seg_syn_ptr[n_segs] = first_syn + i
        seg_group[n_segs] = (k >> b_del) & grp_mask
        seg_delay[n_segs] = k & del_mask
        n_segs += 1
    counts[0], counts[1] = n_segs, n_fans


def _build_step(outgoing, a, b, row_ptr, pop_offset, names, target_code, layout, target_out, weight_out):
    """Sort the synapses of sources ``a .. b - 1`` of one population (all its ``outgoing``
    projections, in network order; source ``a + i`` owns slots ``row_ptr[i] .. row_ptr[i + 1] - 1``)
    into ``target_out``/``weight_out``; return their sorted keys."""
    key = np.empty(target_out.size, dtype=np.int64)
    cursor = row_ptr[:-1].copy()
    for proj in outgoing:
        lo, hi = int(proj.pre_ptr[a]), int(proj.pre_ptr[b])
        _pack_rows(proj.pre_ptr[a:b + 1] - lo, proj.post_idx[lo:hi], proj.delay[lo:hi], proj.weight[lo:hi],
                   int(pop_offset[names.index(proj.post)]), target_code, layout.b_rank + layout.b_del + layout.b_grp,
                   layout.b_rank, cursor, key, target_out, weight_out)
    _sort_rows(key, target_out, weight_out, row_ptr, layout.b_rank)
    return key
