"""The hot loop of neurosim: the tick driver compiled by Numba.

This file is a template. :mod:`neurosim.engine.codegen` copies everything below the ``KERNEL
SOURCE`` marker into a generated module that also defines ``update_population`` (one branch per
registered neuron model). Numba caches that module on disk; its name carries a hash of this file
and of every model's source, so an edited model recompiles and an unchanged one never does.

Data structures (see ``neurosim.compile.compiled`` for the synapse CSR):

* delay ring: ``ring_seg[slot, k]`` / ``ring_pay[slot, k]`` for ``k < ring_len[slot]`` are the
  packets (delay segment, spike value) due at the tick ``t`` with ``t & mask == slot``. Invariant:
  at the start of tick ``t`` every slot holds only packets due in ``[t, t + mask]``, in emission
  order. One entry per (spike, destination group, delay), never one per synaptic event.
* pending buckets: the neurons to update at tick ``t`` in population ``p`` are
  ``pend[pop_offset[p] : pop_offset[p] + pend_n[p]]``; ``pending[j] == 1`` marks membership (every
  pending neuron is updated, and its flag cleared, within the tick), and the first touch also
  clears ``acc[j]``, the input summed for ``j`` at tick ``t``.
* scatter mode: a population of which at least 1/8 was updated at its previous update is "busy";
  at the next tick its whole ``acc`` range is cleared at the start, a synaptic event only sets
  ``pending[j]`` and adds to ``acc[j]`` (no branch, no bucket push), and its pending neurons are
  collected by a scan of the flags at its update. The sums are the same: ``acc[j]`` starts at 0
  either way and receives the same additions in the same order.
* dense populations: a population whose every neuron was updated at ``t - 1`` (``pop_all_awake``)
  and whose model has a dense handler and one parameter row for all its neurons
  (``pop_dense``) is updated in one pass over ``lo .. hi`` with its inputs read straight from
  ``acc``: no index list, no elapsed ticks, no per-neuron parameter rows, no pending flags (an
  event into it is only ``acc[j] += w * pay``, ``scatter[p] == 2``). The handler leaves its ``acc``
  range at 0.0 (``acc_clean[p]``), so the next tick does not clear it again.
* zero-delay queue: ``zq_seg[:nz]`` / ``zq_pay[:nz]``, the packets of delay 0 emitted by the
  population just processed; delivered before the next population (which is all that delay 0
  can reach, by the topological order).
* ``last[j]`` is the last tick at which ``j`` was updated (``-1`` before the first); for a
  population on the dense path it is brought up to date only when the population leaves it.

``run_ticks`` takes these arrays in a few named tuples, each field documented once in
:mod:`neurosim.engine.state`. Touching a neuron (its pending flag, ``acc`` and bucket) is written
out inline in the loops rather than as a helper: a Numba call that is not inlined pays reference
counting on every array it takes, which would be paid per synaptic event. The helpers below run
once per packet queue (``_deliver``) or once per population and tick (``_collect_flagged``).
"""
import numpy as np

from neurosim._jit import njit
from neurosim.engine.intrinsics import prefetch


def update_population(model_id, state, params, idx, x, elapsed, t, seed, fired, payload, awake):
    """Placeholder: the generated engine module replaces it with the registry's dispatch."""
    raise RuntimeError("kernels.py is a template; use neurosim.engine.codegen.engine_module()")


def update_population_dense(model_id, state, prow, lo, hi, x, t, seed, fired, payload, awake):
    """Placeholder: the generated engine module replaces it with the dense handlers' dispatch."""
    raise RuntimeError("kernels.py is a template; use neurosim.engine.codegen.engine_module()")


def update_population_uniform(model_id, state, prow, idx, x, elapsed, t, seed, fired, payload, awake):
    """Placeholder: the generated engine module replaces it with the uniform handlers' dispatch."""
    raise RuntimeError("kernels.py is a template; use neurosim.engine.codegen.engine_module()")


@njit
def add_in_flight(seg_deliveries, ring_seg, ring_len, far_seg, sign):
    """Add ``sign`` to ``seg_deliveries[s]`` for every packet in flight (in the ring and the far list).

    The kernel counts a segment's delivery when its packet is sent; a run adds the packets in
    flight at its start (sent before it, delivered in it) and takes away those still in flight at
    its end (``sign`` +1 and -1), so that the count is of the run's deliveries. Called twice per run.
    """
    for slot in range(ring_len.size):
        for k in range(ring_len[slot]):
            seg_deliveries[ring_seg[slot, k]] += sign
    for k in range(far_seg.size):
        seg_deliveries[far_seg[k]] += sign


# ---- KERNEL SOURCE (copied verbatim into the generated engine module) ----


PREFETCH_AHEAD = 2  # packets
PREFETCH_SYNAPSES = 256
GATHER_BLOCK = 256  # neurons per call of a generic or uniform handler


@njit
def _grow_ring(ring_seg, ring_pay):
    """Double the capacity of every delay slot (rare: the ring starts sized for the expected load)."""
    n_slots, cap = ring_seg.shape
    new_seg = np.empty((n_slots, 2 * cap), dtype=ring_seg.dtype)
    new_pay = np.empty((n_slots, 2 * cap), dtype=ring_pay.dtype)
    new_seg[:, :cap] = ring_seg
    new_pay[:, :cap] = ring_pay
    return new_seg, new_pay


@njit
def _grow(a):
    b = np.empty(2 * a.size + 16, dtype=a.dtype)
    b[:a.size] = a
    return b


@njit
def _reserve(a, n):
    """``a``, or a copy of it grown by doubling to hold at least ``n`` entries."""
    while a.size < n:
        a = _grow(a)
    return a


@njit
def _ring_fill_after(fired, n_fired, src_fan_ptr, fan_seg_ptr, seg_delay, ring_len, t, mask, ring_add, most):
    """The number of packets in the fullest ring slot once the packets of the spikes ``fired[:n_fired]``
    of tick ``t`` are queued, ``most`` being that number now (``ring_add`` is zero on entry and on
    return)."""
    for k in range(n_fired):
        i = fired[k]
        for s in range(fan_seg_ptr[src_fan_ptr[i]], fan_seg_ptr[src_fan_ptr[i + 1]]):
            d = seg_delay[s]
            if 0 < d <= mask:
                slot = (t + d) & mask
                ring_add[slot] += 1
                most = max(most, ring_len[slot] + ring_add[slot])
    ring_add[:] = 0
    return most


@njit
def _collect_flagged(flags, out, base):
    """Write ``base + k`` for every ``flags[k] != 0`` to ``out`` (as long as ``flags``), in ascending
    order; return how many. Branch-free: a store every time and a count that advances on a flag (in
    a busy population most flags are set, and a branch on them mispredicts). Called once per
    population and tick."""
    n = 0
    for k in range(flags.size):
        out[n] = base + k
        n += flags[k] != 0
    return n


@njit
def _deliver(q_seg, q_pay, n_packets, c, seg_syn_ptr, syn_target, syn_weight, seg_weight, seg_group, group_pop,
             pop_forced, forced, pending, acc, pend, pend_n, pop_offset, tick_events, tick_group_events, scatter):
    """Apply the packets ``q_seg[:n_packets]`` (delay segment, spike value ``q_pay``) in order."""
    for k in range(n_packets):
        if k + 2 * PREFETCH_AHEAD < n_packets:
            # Further ahead, the segment's own entries (read below, and to prefetch its synapses).
            s4 = q_seg[k + 2 * PREFETCH_AHEAD]
            prefetch(seg_syn_ptr, s4)
            prefetch(seg_group, s4)
            prefetch(seg_weight, s4)
        if k + PREFETCH_AHEAD < n_packets:
            # Each packet's synapses start at an unpredictable place in arrays far larger than the
            # caches: fetch those of a later packet now (its first PREFETCH_SYNAPSES; the hardware
            # prefetcher follows a long segment on its own), and its weights only if it reads them.
            s2 = q_seg[k + PREFETCH_AHEAD]
            lo2 = seg_syn_ptr[s2]
            hi2 = min(seg_syn_ptr[s2 + 1], lo2 + PREFETCH_SYNAPSES)
            for y in range(lo2, hi2, 16):  # 16 targets or weights (4 bytes) per 64-byte line
                prefetch(syn_target, y)
            if seg_weight[s2] != seg_weight[s2]:
                for y in range(lo2, hi2, 16):
                    prefetch(syn_weight, y)
        s = q_seg[k]
        pay = q_pay[k]
        lo = np.uint64(seg_syn_ptr[s])
        hi = np.uint64(seg_syn_ptr[s + 1])
        g = seg_group[s]
        p = group_pop[g]  # a segment's targets all lie in one group, hence one population
        # One weight for the whole segment (not NaN): each event adds the same w * pay that the
        # per-synapse product gives (the same float32 weight widened to float64, times pay), so
        # the sums are bit for bit those of the per-synapse loops, without reading the weights.
        w = seg_weight[s]
        shared = w == w
        ws = w * pay
        # The innermost loops of the simulator: contiguous targets (and weights), one random access
        # to pending[] and acc[] per synaptic event. Unsigned indices spare Numba's test for
        # negative ones, and indexing the whole arrays (no slice per packet) spares the reference
        # counting of a slice (two atomic operations each, which also stall the prefetches).
        if scatter[p] == 2:
            # Population on the dense path at this tick: its handler reads every neuron's acc and
            # no pending flag, so an event is only an addition.
            if shared:
                for y in range(lo, hi):
                    acc[np.uint32(syn_target[y])] += ws
            else:
                for y in range(lo, hi):
                    acc[np.uint32(syn_target[y])] += syn_weight[y] * pay
        elif scatter[p]:
            # Busy population: acc was cleared for all of it at the start of the tick and its
            # pending neurons are collected by a scan, so a touch is a plain store (no branch,
            # which mispredicts on every new target).
            if shared:
                for y in range(lo, hi):
                    j = np.uint32(syn_target[y])
                    pending[j] = 1
                    acc[j] += ws
            else:
                for y in range(lo, hi):
                    j = np.uint32(syn_target[y])
                    pending[j] = 1
                    acc[j] += syn_weight[y] * pay
        else:
            head = pop_offset[p]
            for y in range(lo, hi):
                j = np.uint32(syn_target[y])
                if pending[j] == 0:
                    pending[j] = 1
                    acc[j] = 0.0
                    pend[head + pend_n[p]] = j
                    pend_n[p] += 1
                if shared:  # the same way for every event of the packet
                    acc[j] += ws
                else:
                    acc[j] += syn_weight[y] * pay
        if pop_forced[p]:  # probed population: these neurons did receive input
            for y in range(lo, hi):
                forced[syn_target[y]] = -1
        tick_events[c] += np.int64(hi - lo)
        tick_group_events[c, g] += np.int64(hi - lo)


@njit
def run_ticks(t0, t1, seed, record, n_awake, n_spk, n_far, net, neurons, queues, inputs, recording, counts,
              scratch):
    """Simulate ticks ``[t0, t1)``; per-tick outputs are indexed by ``c = t - t0``.

    Parameters
    ----------
    t0, t1 : the chunk's first tick and the tick after its last, in the simulation's time (the
        stochastic models hash it; ``t & mask`` is the delay ring's slot).
    seed : seed of the stochastic models.
    record : keep every spike in ``recording``.
    n_awake : the number of neurons in ``neurons.awake`` (left awake by the previous chunk).
    n_spk : the number of spikes already in ``recording``.
    n_far : the number of packets in ``queues.far_*`` (delays too long for the ring).
    net, neurons, queues, inputs, recording, counts, scratch : the groups of
        :mod:`neurosim.engine.state`, each field documented there.

    Returns
    -------
    The (possibly regrown) ring, zero-delay queue, far-packet and spike arrays, the number of
    recorded spikes, the number of neurons awake for tick ``t1`` and the number of far packets.
    """
    pop_offset, pop_model, pop_order, pop_group = net.pop_offset, net.pop_model, net.pop_order, net.pop_group
    pop_dense, pop_uniform, pop_forced = net.pop_dense, net.pop_uniform, net.pop_forced
    neuron_pop, neuron_group, group_pop, params = net.neuron_pop, net.neuron_group, net.group_pop, net.params
    src_fan_ptr, fan_seg_ptr, seg_delay, seg_group = net.src_fan_ptr, net.fan_seg_ptr, net.seg_delay, net.seg_group
    seg_syn_ptr, syn_target, syn_weight, probe_ids = net.seg_syn_ptr, net.syn_target, net.syn_weight, net.probe_ids
    seg_weight = net.seg_weight
    state, last, pending, forced, acc = neurons.state, neurons.last, neurons.pending, neurons.forced, neurons.acc
    pend, pend_n, awake_list, pop_all_awake = neurons.pend, neurons.pend_n, neurons.awake, neurons.pop_all_awake
    ring_seg, ring_pay, ring_len, zq_seg, zq_pay = (queues.ring_seg, queues.ring_pay, queues.ring_len,
                                                    queues.zq_seg, queues.zq_pay)
    far_due, far_seg, far_pay = queues.far_due, queues.far_seg, queues.far_pay
    mask = ring_len.size - 1  # the ring has a power-of-two number of slots
    in_ptr, in_ids, in_pay = inputs.ptr, inputs.ids, inputs.values
    spk_t, spk_id, spk_pay, probe_buf = (recording.spike_ticks, recording.spike_ids, recording.spike_values,
                                         recording.probes)
    spikes_per_neuron, fan_packets, seg_deliveries = counts.spikes_per_neuron, counts.fan_packets, counts.seg_deliveries
    pop_updates, pop_forced_updates = counts.pop_updates, counts.pop_forced_updates
    tick_events, tick_updates, tick_spikes, tick_packets = (counts.tick_events, counts.tick_updates,
                                                            counts.tick_spikes, counts.tick_packets)
    tick_group_events, tick_group_updates = counts.tick_group_events, counts.tick_group_updates
    xbuf, ebuf, fired, paybuf, awake_out = scratch.xbuf, scratch.ebuf, scratch.fired, scratch.paybuf, scratch.awake_out
    n_pops = pop_order.size
    dense_now = np.zeros(n_pops, dtype=np.uint8)  # population p takes the dense path at tick t
    scatter = np.zeros(n_pops, dtype=np.uint8)  # population p is in scatter mode at tick t
    busy = np.zeros(n_pops, dtype=np.uint8)  # at least 1/8 of p was updated at its last update
    # acc of p is all 0.0: its dense handler cleared it at p's last update, and nothing can reach p
    # between that and the next tick's deliveries (delay 0 reaches only later populations).
    acc_clean = np.zeros(n_pops, dtype=np.uint8)
    ring_top = ring_len.max()  # at least the number of packets in the fullest ring slot
    ring_add = np.zeros(mask + 1, dtype=np.int64)  # scratch of _ring_fill_after
    for t in range(t0, t1):
        c = t - t0
        # 1. Neurons that are not at rest, and every neuron of a probed population, are updated.
        for k in range(n_awake):
            j = awake_list[k]
            pending[j] = 1
            acc[j] = 0.0
            p = neuron_pop[j]
            pend[pop_offset[p] + pend_n[p]] = j
            pend_n[p] += 1
        n_awake = 0
        for p in range(n_pops):
            if pop_all_awake[p]:
                # Slices, so that these become vector stores (an index from range(lo, hi) could be
                # negative as far as Numba knows, and the wraparound test blocks vectorisation).
                # The dense path reads neither the flags nor the list.
                dense_now[p] = pop_dense[p]
                if not dense_now[p]:
                    pending[pop_offset[p]:pop_offset[p + 1]] = 1
                if not acc_clean[p]:
                    acc[pop_offset[p]:pop_offset[p + 1]] = 0.0
                acc_clean[p] = 0
                pend_n[p] = pop_offset[p + 1] - pop_offset[p]
                pop_all_awake[p] = 0
                scatter[p] = 2 if dense_now[p] else 1  # 2: events only add to acc (see _deliver)
                continue
            scatter[p] = busy[p]
            if busy[p] and not acc_clean[p]:
                # Scatter mode: a busy population has acc cleared here for all its neurons, and
                # its pending ones are found by a scan at its update.
                acc[pop_offset[p]:pop_offset[p + 1]] = 0.0
            acc_clean[p] = 0
            if pop_forced[p]:
                for j in range(pop_offset[p], pop_offset[p + 1]):
                    if pending[j] == 0:
                        pending[j] = 1
                        acc[j] = 0.0
                        pend[pop_offset[p] + pend_n[p]] = j
                        pend_n[p] += 1
                        forced[j] = t  # cleared again if j receives a synaptic event
        # 2. Packets due now, in emission order.
        slot = t & mask
        _deliver(ring_seg[slot], ring_pay[slot], ring_len[slot], c, seg_syn_ptr, syn_target, syn_weight, seg_weight,
                 seg_group, group_pop, pop_forced, forced, pending, acc, pend, pend_n, pop_offset,
                 tick_events, tick_group_events, scatter)
        ring_len[slot] = 0
        # 3. Populations in processing order: sources emit their given spikes, models update.
        k_in = in_ptr[c]
        for o in range(n_pops):
            p = pop_order[o]
            model = pop_model[p]
            n_fired = 0
            if model < 0:
                # Sources come first in the order, by id, as the input events are sorted.
                while k_in < in_ptr[c + 1] and in_ids[k_in] < pop_offset[p + 1]:
                    fired[n_fired] = in_ids[k_in]
                    paybuf[n_fired] = in_pay[k_in]
                    n_fired += 1
                    k_in += 1
            else:
                base = pop_offset[p]
                size = pop_offset[p + 1] - base
                n = pend_n[p]
                if scatter[p] and not dense_now[p]:
                    # Scatter mode: the pending neurons are the flagged ones, in ascending ids.
                    n = _collect_flagged(pending[base:base + size], pend[base:base + size], base)
                busy[p] = n * 8 >= size and n > 0
                if n == 0:
                    continue
                if pop_group[p] >= 0:
                    tick_group_updates[c, pop_group[p]] += n
                elif dense_now[p]:
                    for j in range(base, base + size):
                        tick_group_updates[c, neuron_group[j]] += 1
                pend_n[p] = 0
                pop_updates[p] += n
                tick_updates[c] += n
                if dense_now[p]:
                    # Every neuron, elapsed 1, one parameter row: the model's dense handler reads
                    # the inputs straight from acc, and clears them. (No pending flag was set.)
                    dense_now[p] = 0
                    n_fired, n_aw = update_population_dense(model, state, params[base], base, base + size,
                                                            acc[base:base + size], t, seed, fired, paybuf,
                                                            awake_out)
                    acc_clean[p] = 1
                    if n_aw != size:
                        # Leaving the dense path: last[] is read again from the next tick on. (While
                        # the population stays dense it is not, so it is not written every tick.)
                        last[base:base + size] = t
                else:
                    idx = pend[base:base + n]
                    # Ascending ids: the documented update and emission order. When most of the
                    # population is pending, a scan of the flags is cheaper than sorting.
                    # (In scatter mode they were collected in order above.)
                    if scatter[p] == 0:
                        if n == size:
                            for k in range(n):
                                idx[k] = base + k
                        elif n * 16 >= size:
                            _collect_flagged(pending[base:base + size], pend[base:base + size], base)
                        else:
                            idx.sort()
                    if pop_forced[p]:
                        n_forced = 0
                        for k in range(n):
                            if forced[idx[k]] == t:
                                n_forced += 1
                        pop_forced_updates[p] += n_forced
                    if pop_group[p] < 0:
                        for k in range(n):
                            tick_group_updates[c, neuron_group[idx[k]]] += 1
                    # The handler runs on GATHER_BLOCK neurons at a time, their inputs and elapsed
                    # ticks gathered into buffers that stay in L1 (whole-population buffers cost
                    # megabytes of extra traffic per tick; decision 0006). Neurons are independent, so the blocks
                    # give the same results, fired and awake lists in the same order.
                    n_fired = 0
                    n_aw = 0
                    for k0 in range(0, n, GATHER_BLOCK):
                        m = min(GATHER_BLOCK, n - k0)
                        ib = idx[k0:k0 + m]
                        for k in range(m):
                            j = ib[k]
                            pending[j] = 0
                            xbuf[k] = acc[j]
                            ebuf[k] = t - last[j]
                            last[j] = t
                        if pop_uniform[p]:
                            # One parameter row for the whole population: the model's uniform
                            # handler reads it once per call instead of once per neuron.
                            nf, na = update_population_uniform(model, state, params[base], ib, xbuf[:m], ebuf[:m],
                                                               t, seed, fired[n_fired:], paybuf[n_fired:],
                                                               awake_out[n_aw:])
                        else:
                            nf, na = update_population(model, state, params, ib, xbuf[:m], ebuf[:m], t, seed,
                                                       fired[n_fired:], paybuf[n_fired:], awake_out[n_aw:])
                        n_fired += nf
                        n_aw += na
                if n_aw == size:
                    pop_all_awake[p] = 1
                else:
                    for k in range(n_aw):
                        awake_list[n_awake] = awake_out[k]
                        n_awake += 1
            # Emit: one packet per destination group; delay 0 queued for the next populations,
            # other delays into their ring slot.
            if n_fired == 0:
                continue
            # Room for all of this population's spikes and packets in whichever array each may go
            # to, made here, once: an array variable reassigned inside the per-spike or per-packet
            # loops below would cost two atomic reference counts per iteration (decision 0024).
            if record and n_spk + n_fired > spk_t.size:
                spk_t = _reserve(spk_t, n_spk + n_fired)
                spk_id = _reserve(spk_id, n_spk + n_fired)
                spk_pay = _reserve(spk_pay, n_spk + n_fired)
            n_sent = 0
            for k in range(n_fired):
                n_sent += fan_seg_ptr[src_fan_ptr[fired[k] + 1]] - fan_seg_ptr[src_fan_ptr[fired[k]]]
            if n_sent > zq_seg.size:
                zq_seg = _reserve(zq_seg, n_sent)
                zq_pay = _reserve(zq_pay, n_sent)
            if n_far + n_sent > far_seg.size:
                far_due = _reserve(far_due, n_far + n_sent)
                far_seg = _reserve(far_seg, n_far + n_sent)
                far_pay = _reserve(far_pay, n_far + n_sent)
            # ring_top bounds the fullest slot from above; no slot gains more than n_sent packets.
            if ring_top + n_sent > ring_seg.shape[1]:
                fullest = ring_len.max()
                ring_top = fullest + n_sent
                if ring_top > ring_seg.shape[1]:
                    # The bound is loose when the packets spread over many slots (a burst of spikes
                    # with many delays): count where they go, so that the ring grows only as far as
                    # it must (a wider ring spreads its slots over more pages).
                    ring_top = _ring_fill_after(fired, n_fired, src_fan_ptr, fan_seg_ptr, seg_delay, ring_len, t,
                                                mask, ring_add, fullest)
                    while ring_top > ring_seg.shape[1]:
                        ring_seg, ring_pay = _grow_ring(ring_seg, ring_pay)
            else:
                ring_top += n_sent
            nz = 0
            for k in range(n_fired):
                i = fired[k]
                pay = paybuf[k]
                spikes_per_neuron[i] += 1
                tick_spikes[c] += 1
                if record:
                    spk_t[n_spk] = t
                    spk_id[n_spk] = i
                    spk_pay[n_spk] = pay
                    n_spk += 1
                for f in range(src_fan_ptr[i], src_fan_ptr[i + 1]):
                    fan_packets[f] += 1
                    tick_packets[c] += 1
                    for s in range(fan_seg_ptr[f], fan_seg_ptr[f + 1]):
                        # Counted as delivered when sent (sequential here, where a count at delivery
                        # is one more random access per packet); see add_in_flight.
                        seg_deliveries[s] += 1
                        d = seg_delay[s]
                        if d == 0:
                            zq_seg[nz] = s
                            zq_pay[nz] = pay
                            nz += 1
                        elif d > mask:
                            # Longer than the ring: kept apart until the driver moves it into the
                            # ring, before it falls due (at most one ring length ahead).
                            far_due[n_far] = t + d
                            far_seg[n_far] = s
                            far_pay[n_far] = pay
                            n_far += 1
                        else:
                            slot = (t + d) & mask
                            ring_seg[slot, ring_len[slot]] = s
                            ring_pay[slot, ring_len[slot]] = pay
                            ring_len[slot] += 1
            if nz > 0:
                _deliver(zq_seg, zq_pay, nz, c, seg_syn_ptr, syn_target, syn_weight, seg_weight, seg_group, group_pop,
                         pop_forced, forced, pending, acc, pend, pend_n, pop_offset,
                         tick_events, tick_group_events, scatter)
        # 4. State probes, after every population of the tick.
        for m in range(probe_ids.size):
            for v in range(probe_buf.shape[2]):
                probe_buf[c, m, v] = state[probe_ids[m], v]
    return (ring_seg, ring_pay, zq_seg, zq_pay, far_due, far_seg, far_pay, spk_t, spk_id, spk_pay, n_spk, n_awake,
            n_far)
