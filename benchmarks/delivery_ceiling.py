"""The delivery ceiling: how fast the bare synapse loop runs on a compiled network's own arrays.

A peer for the fan-out workload of ``engine.py``: the same synapses (``syn_target``,
``syn_weight``, ``seg_syn_ptr``), fetched packet by packet and added into a float64 input
array, with nothing else: no ring, no counters, no neuron updates. Each call delivers one
tick's worth of packets, random segments in ascending order as the engine's ring slots hold
them. ``prefetched`` uses the engine's software prefetch (``PREFETCH_AHEAD`` packets ahead);
``bare`` does not. The engine's rate over the prefetched ceiling says how much of the time is
the memory system's and how much the engine's own.
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
        if ahead and k + ahead < q_seg.size:  # the engine's prefetch of a later packet's synapses
            s2 = q_seg[k + ahead]
            for y in range(seg_syn_ptr[s2], min(seg_syn_ptr[s2 + 1], seg_syn_ptr[s2] + PREFETCH_SYNAPSES), 16):
                prefetch(syn_target, y)
                prefetch(syn_weight, y)
        s = q_seg[k]
        lo = seg_syn_ptr[s]
        targets = syn_target[lo:seg_syn_ptr[s + 1]]
        weights = syn_weight[lo:seg_syn_ptr[s + 1]]
        for y in range(targets.size):
            acc[np.uint32(targets[y])] += weights[y]


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
