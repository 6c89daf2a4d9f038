"""Re-route one simulation onto other placements of the same network, exactly, without simulating again.

A placement never changes the dynamics (the spikes of ``placement.compiled`` are those of the
unplaced network, ``docs/architecture.md``); it changes only the destination groups (population x
core) over which the engine counts packets, synaptic events and updates. So one run on a grouping
that *refines* several placements (:func:`refinement`: one group per population and tuple of the
cores each placement gives the neuron) holds every placement's counts, and :func:`reroute` derives
the run of each ``placement.compiled`` from it:

- per-group counts (``group_events``, ``group_updates``, and ``tick_group_events`` /
  ``tick_group_updates`` when the run kept them): the refined groups' counts summed into the
  placement's groups (each refined group lies inside one group of every placement);
- ``fan_packets``: one packet per spike of the source per fan entry of the placement's CSR;
- ``seg_deliveries``: a delay segment (source, group, delay) is delivered once per spike of its
  source that arrives before the run ends, which depends on the source and delay only: the count
  of any refined segment with the same source and delay (this keeps the engine's rule, ``t + delay
  < T`` within each simulated run, however the runs were concatenated);
- ``tick_packets``: per tick, the recorded spikes times their source's fan entries;
- spikes, probes and per-population and per-tick totals: unchanged.

Every count equals the one a simulation of ``placement.compiled`` gives, so ``neurosim.cost`` of
the re-routed run equals the cost of a re-simulation.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from neurosim.compile.compiled import CompiledNetwork
from neurosim.compile.regroup import regroup
from neurosim.engine.counters import Counters
from neurosim.engine import SimResult
from neurosim.errors import NeurosimError
from neurosim.mapping.placement import Placement


class RerouteError(NeurosimError):
    """A run cannot be re-routed onto a placement (another network, a coarser grouping, no spikes)."""


def refinement(placements: Sequence[Placement]) -> npt.NDArray[np.int64]:
    """(N,) destination groups refining every placement: one per population and tuple of cores.

    Groups are numbered by population, then by the cores of the placements in order; pass them to
    ``compile_network(network, neuron_group=...)`` or ``regroup`` (:func:`refined_network`).

    Raises
    ------
    RerouteError
        If there is no placement, or the placements are of different networks.
    """
    if not placements:
        raise RerouteError("refinement: no placement given; pass at least one")
    first = placements[0].compiled
    for p in placements[1:]:
        if p.compiled.network is not first.network:
            raise RerouteError(f"refinement: placements of networks '{first.network.name}' and "
                               f"'{p.compiled.network.name}'; place one network object on every profile")
    key = np.column_stack([first.neuron_pop.astype(np.int64), *(p.neuron_core for p in placements)])
    _, group = np.unique(key, axis=0, return_inverse=True)
    return group.reshape(-1).astype(np.int64)


def refined_network(placements: Sequence[Placement]) -> CompiledNetwork:
    """The placements' network compiled on their :func:`refinement`: simulate it once, re-route to each."""
    return regroup(placements[0].compiled, refinement(placements))


def reroute(result: SimResult, placement: Placement) -> SimResult:
    """The run ``result`` as a run of ``placement.compiled``: the same spikes, the placement's counters.

    Parameters
    ----------
    result : SimResult
        A run, with its spikes recorded, of a compilation of ``placement``'s network whose groups
        each lie within one group of ``placement`` (:func:`refined_network`, or
        ``placement.compiled`` itself).
    placement : Placement
        The placement to count for.

    Raises
    ------
    RerouteError
        If ``result`` is of another network, its groups straddle two of the placement's groups, or
        its spikes were not recorded.
    """
    fine, coarse = result.compiled, placement.compiled
    counters = result.counters
    if fine.network is not coarse.network:
        raise RerouteError(f"reroute: the run is of network '{fine.network.name}', the placement of "
                           f"'{coarse.network.name}'; simulate a compilation of the placed network")
    if result.spike_ids.size != counters.spikes:
        raise RerouteError("reroute: the run's spikes were not recorded (packets per tick need them); "
                           "simulate with record_spikes=True")
    group_map = _group_map(fine, coarse)
    coarse_fan = np.diff(coarse.src_fan_ptr)
    rerouted = Counters(
        compiled=coarse, ticks=counters.ticks, spikes_per_neuron=counters.spikes_per_neuron,
        fan_packets=np.repeat(counters.spikes_per_neuron, coarse_fan),
        seg_deliveries=_seg_deliveries(fine, counters.seg_deliveries, coarse),
        pop_updates=counters.pop_updates, pop_forced_updates=counters.pop_forced_updates,
        group_events=_sum_groups(counters.group_events, group_map, coarse.n_groups),
        group_updates=_sum_groups(counters.group_updates, group_map, coarse.n_groups),
        tick_events=counters.tick_events, tick_updates=counters.tick_updates, tick_spikes=counters.tick_spikes,
        tick_packets=np.bincount(result.spike_ticks, coarse_fan[result.spike_ids],
                                 minlength=counters.ticks).astype(np.int64),
        tick_group_events=_sum_groups(counters.tick_group_events, group_map, coarse.n_groups),
        tick_group_updates=_sum_groups(counters.tick_group_updates, group_map, coarse.n_groups))
    return SimResult(coarse, result.ticks, result.spike_ticks, result.spike_ids, result.spike_values, result.probes,
                     rerouted, result.wall_s, result.interrupted)


def _group_map(fine: CompiledNetwork, coarse: CompiledNetwork) -> npt.NDArray[np.int64]:
    """Coarse group of every fine group, checked to hold all of the fine group's neurons."""
    group_map = np.zeros(fine.n_groups, dtype=np.int64)
    group_map[fine.neuron_group] = coarse.neuron_group
    straddles = group_map[fine.neuron_group] != coarse.neuron_group
    if straddles.any():
        j = int(np.argmax(straddles))
        raise RerouteError(f"reroute: neuron {j} is grouped with neurons of another core of the placement; "
                           "simulate the refinement of the placements (refined_network)")
    return group_map


def _segment_keys(c: CompiledNetwork) -> npt.NDArray[np.int64]:
    """(source neuron, delay) of every delay segment, as one int64 key."""
    seg_fan = np.repeat(np.arange(c.fan_group.size), np.diff(c.fan_seg_ptr))
    seg_src = np.repeat(np.arange(c.n_neurons, dtype=np.int64), np.diff(c.src_fan_ptr))[seg_fan]
    return seg_src * (c.max_delay + 1) + c.seg_delay


def _seg_deliveries(fine: CompiledNetwork, deliveries: npt.NDArray[np.int64],
                    coarse: CompiledNetwork) -> npt.NDArray[np.int64]:
    """Deliveries of each coarse segment: those of a fine segment with the same source and delay."""
    fine_keys, coarse_keys = _segment_keys(fine), _segment_keys(coarse)
    order = np.argsort(fine_keys, kind="stable")
    at = np.searchsorted(fine_keys[order], coarse_keys)
    return deliveries[order[at]].astype(np.int64)


def _sum_groups(per_group: npt.NDArray[np.int64] | None, group_map: npt.NDArray[np.int64],
                n_groups: int) -> npt.NDArray[np.int64] | None:
    """Counts over fine groups (last axis) summed into ``n_groups`` by ``group_map``; ``None`` stays ``None``."""
    if per_group is None:
        return None
    order = np.argsort(group_map, kind="stable")
    starts = np.searchsorted(group_map[order], np.arange(n_groups))  # every coarse group holds a fine one
    if per_group.size == 0:
        return np.zeros((*per_group.shape[:-1], n_groups), dtype=np.int64)
    return np.add.reduceat(per_group[..., order], starts, axis=-1).astype(np.int64)
