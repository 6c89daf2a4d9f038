"""The arguments of the engine kernel ``run_ticks``, grouped and documented in one place.

Numba takes a named tuple of arrays as one argument and compiles field access to a constant
offset, so the kernel reads ``net.syn_target`` as cheaply as a positional argument. Each group
has one lifetime: :class:`Structure` never changes during a simulation, :class:`NeuronState` and
:class:`Queues` carry the engine state from one chunk (and one ``run``) to the next, and
:class:`Inputs`, :class:`Recording` and :class:`Counts` are views of one chunk's rows. Ids are
global neuron ids, ``p`` a population index, ``g`` a destination group, ``c = t - t0`` the tick
within the chunk. Dtypes are those :class:`~neurosim.engine.simulation.Simulation` allocates and
:mod:`neurosim.compile.compiled` builds. See ``docs/decisions/0009-engine-lifecycle-and-kernel-arguments.md``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Structure(NamedTuple):
    """What the kernel reads and never writes: the compiled network and the per-population paths."""

    pop_offset: np.ndarray  # (P + 1,) neurons of population p are pop_offset[p] .. pop_offset[p + 1] - 1
    pop_model: np.ndarray  # (P,) model id of p in the registry order, -1 for a spike source
    pop_order: np.ndarray  # (P,) processing order: sources first, then topological
    pop_group: np.ndarray  # (P,) the one destination group of p, -1 when its neurons span several
    pop_dense: np.ndarray  # (P,) uint8: p takes its model's dense handler while all of it is awake
    pop_uniform: np.ndarray  # (P,) uint8: p shares one parameter row and its model has a uniform handler
    pop_forced: np.ndarray  # (P,) bool: p is probed, so every neuron of it is updated every tick
    neuron_pop: np.ndarray  # (N,) population of each neuron
    neuron_group: np.ndarray  # (N,) destination group of each neuron
    group_pop: np.ndarray  # (G,) population of each destination group
    params: np.ndarray  # (N, n_params) parameter row of each neuron
    src_fan_ptr: np.ndarray  # (N + 1,) fan entries (one per destination group) of source neuron i
    fan_seg_ptr: np.ndarray  # (F + 1,) delay segments of fan entry f
    seg_delay: np.ndarray  # (S,) delay of segment s in ticks
    seg_group: np.ndarray  # (S,) destination group of segment s
    seg_syn_ptr: np.ndarray  # (S + 1,) synapses of segment s
    syn_target: np.ndarray  # (n_synapses,) target neuron of each synapse
    syn_weight: np.ndarray  # (n_synapses,) weight of each synapse
    seg_weight: np.ndarray  # (S,) the weight all synapses of segment s share, NaN if they differ (segment_weights)
    probe_ids: np.ndarray  # (n_probed,) int64 neurons whose state is recorded after every tick


class NeuronState(NamedTuple):
    """The neurons' state, written in place and carried across chunks and runs (set by ``reset``)."""

    state: np.ndarray  # (>= N, >= n_state) float64, column-major: the models' state variables
    last: np.ndarray  # (N,) int64 last tick at which neuron j was updated (-1 before its first)
    pending: np.ndarray  # (N,) uint8 1 while j is to be updated in the current tick
    forced: np.ndarray  # (N,) int64 tick at which j was updated only because it is probed, else -1
    acc: np.ndarray  # (N,) float64 input summed for j in the current tick
    pend: np.ndarray  # (N,) int64 pending buckets: pend[pop_offset[p] : + pend_n[p]] for population p
    pend_n: np.ndarray  # (P,) int64 length of p's pending bucket
    awake: np.ndarray  # (N,) int64 neurons not at rest, to update at the next tick (count: n_awake)
    pop_all_awake: np.ndarray  # (P,) uint8 every neuron of p is to be updated at the next tick


class Queues(NamedTuple):
    """Packets in flight. The kernel may regrow the arrays; it returns the ones to pass next."""

    ring_seg: np.ndarray  # (n_slots, capacity) int64 delay segments due at ticks t with t % n_slots == slot
    ring_pay: np.ndarray  # (n_slots, capacity) float64 their spike values
    ring_len: np.ndarray  # (n_slots,) int64 packets in each slot; n_slots is a power of two (decision 0010)
    zq_seg: np.ndarray  # (capacity,) int64 zero-delay packets of the population just processed
    zq_pay: np.ndarray  # (capacity,) float64 their spike values
    far_due: np.ndarray  # (capacity,) int64 tick at which each packet of a delay >= n_slots is due (n_far used)
    far_seg: np.ndarray  # (capacity,) int64 its delay segment, in emission order
    far_pay: np.ndarray  # (capacity,) float64 its spike value


class Inputs(NamedTuple):
    """The spike sources' events of the chunk, a CSR by tick, sorted by tick then id."""

    ptr: np.ndarray  # (t1 - t0 + 1,) int64 events of tick t0 + c are ptr[c] .. ptr[c + 1] - 1
    ids: np.ndarray  # (n_events,) int64 global id of each event's source neuron
    values: np.ndarray  # (n_events,) float64 spike value of each event


class Recording(NamedTuple):
    """Where the chunk's spikes and probed states go. The kernel may regrow the spike arrays."""

    spike_ticks: np.ndarray  # (capacity,) int64 tick of each recorded spike (n_spk used)
    spike_ids: np.ndarray  # (capacity,) int64 global neuron id
    spike_values: np.ndarray  # (capacity,) float64 spike value
    probes: np.ndarray  # (t1 - t0, n_probed, n_state) float64 state of probe_ids after each tick


class Counts(NamedTuple):
    """Counters the kernel adds to (see :class:`~neurosim.engine.counters.Counters`)."""

    spikes_per_neuron: np.ndarray  # (N,) spikes of each neuron
    fan_packets: np.ndarray  # (F,) packets sent over each fan entry
    seg_deliveries: np.ndarray  # (S,) deliveries of each delay segment (counted when sent; Simulation.run
    # adds the packets in flight at its start and takes away those in flight at its end: add_in_flight)
    pop_updates: np.ndarray  # (P,) handler updates of each population, probe-forced ones included
    pop_forced_updates: np.ndarray  # (P,) updates done only because of a probe
    tick_events: np.ndarray  # (t1 - t0,) synaptic events of each tick of the chunk
    tick_updates: np.ndarray  # (t1 - t0,) neuron updates
    tick_spikes: np.ndarray  # (t1 - t0,) spikes
    tick_packets: np.ndarray  # (t1 - t0,) packets
    tick_group_events: np.ndarray  # (t1 - t0, G) synaptic events per destination group
    tick_group_updates: np.ndarray  # (t1 - t0, G) neuron updates per destination group


class Scratch(NamedTuple):
    """Work buffers, contents meaningless between calls."""

    xbuf: np.ndarray  # (min(largest population, GATHER_BLOCK),) float64 inputs of one handler call
    ebuf: np.ndarray  # (same,) int64 elapsed ticks of one handler call
    fired: np.ndarray  # (largest population,) int64 neurons that fired in one population update
    paybuf: np.ndarray  # (largest population,) float64 their spike values
    awake_out: np.ndarray  # (largest population,) int64 neurons a handler left awake
