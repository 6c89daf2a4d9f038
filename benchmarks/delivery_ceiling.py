"""The delivery ceiling: how fast the bare synapse loop runs on a compiled network's own arrays.

A peer for the fan-out workload of ``engine.py``: the same synapses (``syn_target``,
``syn_weight``, ``seg_syn_ptr``), fetched packet by packet and added into a float64 input
array, with nothing else: no ring, no counters, no neuron updates. Each call delivers one
tick's worth of packets, random segments in ascending order as the engine's ring slots hold
them. ``prefetched`` uses the engine's software prefetch (``PREFETCH_AHEAD`` packets ahead);
``bare`` does not. The engine's rate over the prefetched ceiling says how much of the time is
the memory system's and how much the engine's own.

:func:`delay_ceiling` is the same loop on the packets one tick of a network with delays delivers:
the spikes of the last ``max_delay`` ticks (random sources, as many per tick as the run had), each
contributing its segment whose delay brings it to this tick, in the ring's order (emission tick,
then source). With delays of 1-20 ms each spike splits into about 190 segments of a few synapses,
so a packet is short and its synapses start at an unpredictable place: this is the bound on the
delay workload's delivery.
"""
from __future__ import annotations

import time

import numpy as np

from neurosim._jit import njit
from neurosim.compile.compiled import CompiledNetwork
from neurosim.engine.intrinsics import prefetch
from neurosim.engine.kernels import PREFETCH_AHEAD, PREFETCH_SYNAPSES


@njit
def _deliver(q_seg, seg_syn_ptr, syn_target, syn_weight, acc, ahead):
    for k in range(q_seg.size):
        if ahead and k + 2 * ahead < q_seg.size:  # the engine's prefetch of a later packet's segment entry
            prefetch(seg_syn_ptr, q_seg[k + 2 * ahead])
        if ahead and k + ahead < q_seg.size:  # the engine's prefetch of a later packet's synapses
            s2 = q_seg[k + ahead]
            for y in range(seg_syn_ptr[s2], min(seg_syn_ptr[s2 + 1], seg_syn_ptr[s2] + PREFETCH_SYNAPSES), 16):
                prefetch(syn_target, y)
                prefetch(syn_weight, y)
        s = q_seg[k]
        # Unsigned indices into the whole arrays, as the engine's delivery: no slice per packet
        # (each costs two atomic reference counts).
        for y in range(np.uint64(seg_syn_ptr[s]), np.uint64(seg_syn_ptr[s + 1])):
            acc[np.uint32(syn_target[y])] += syn_weight[y]


def delivery_ceiling(compiled: CompiledNetwork, events_per_tick: float, ticks: int = 50, seed: int = 0) -> dict:
    """Synaptic events per second of the bare and the prefetched loop, best and median of ``ticks`` calls."""
    rng = np.random.default_rng(seed)
    seg_len = np.diff(compiled.seg_syn_ptr)
    n_packets = max(int(round(events_per_tick / seg_len.mean())), 1)
    acc = np.zeros(compiled.n_neurons)
    out = {"packets_per_call": n_packets, "calls": ticks}
    for name, ahead in (("bare", 0), ("prefetched", PREFETCH_AHEAD)):
        rates = []
        for k in range(ticks + 1):
            q_seg = np.sort(rng.integers(0, seg_len.size, n_packets))
            t = time.perf_counter()
            _deliver(q_seg, compiled.seg_syn_ptr, compiled.syn_target, compiled.syn_weight, acc, ahead)
            wall = time.perf_counter() - t
            if k:  # the first call compiles
                rates.append(seg_len[q_seg].sum() / wall)
        out[name] = {"events_per_s_best": float(max(rates)), "events_per_s_median": float(np.median(rates))}
    return out


def _delayed_packets(compiled: CompiledNetwork, spikes_per_tick: float, rng: np.random.Generator) -> np.ndarray:
    """The segments one tick delivers when ``spikes_per_tick`` random neurons fired at each of the
    last ``max_delay`` ticks, in the ring's order (earliest emission first, then by source)."""
    c = compiled
    first_seg = c.fan_seg_ptr[c.src_fan_ptr[:-1]]
    last_seg = c.fan_seg_ptr[c.src_fan_ptr[1:]]
    senders = np.flatnonzero(last_seg > first_seg)
    packets = []
    for d in range(c.max_delay, 0, -1):  # emission tick t - d, earliest first
        n_spk = rng.poisson(spikes_per_tick)
        for i in np.sort(rng.choice(senders, min(n_spk, senders.size), replace=False)):
            segs = np.arange(first_seg[i], last_seg[i])
            packets.append(segs[c.seg_delay[segs] == d])
    return np.concatenate(packets) if packets else np.zeros(0, np.int64)


def delay_ceiling(compiled: CompiledNetwork, spikes_per_tick: float, ticks: int = 20, seed: int = 0) -> dict:
    """Synaptic events per second of the bare and the prefetched loop on one tick's delayed packets
    (:func:`_delayed_packets`), best and median of ``ticks`` calls, each on a fresh draw."""
    rng = np.random.default_rng(seed)
    seg_len = np.diff(compiled.seg_syn_ptr)
    acc = np.zeros(compiled.n_neurons)
    queues = [_delayed_packets(compiled, spikes_per_tick, rng) for _ in range(ticks + 1)]
    out = {"spikes_per_tick": spikes_per_tick, "packets_per_call": float(np.mean([q.size for q in queues])),
           "events_per_packet": float(np.mean([seg_len[q].mean() for q in queues if q.size])), "calls": ticks}
    for name, ahead in (("bare", 0), ("prefetched", PREFETCH_AHEAD)):
        rates = []
        for k, q_seg in enumerate(queues):
            t = time.perf_counter()
            _deliver(q_seg, compiled.seg_syn_ptr, compiled.syn_target, compiled.syn_weight, acc, ahead)
            wall = time.perf_counter() - t
            if k:  # the first call may compile
                rates.append(seg_len[q_seg].sum() / wall)
        out[name] = {"events_per_s_best": float(max(rates)), "events_per_s_median": float(np.median(rates))}
    return out
