"""Re-route one simulation onto other placements of the same network, exactly, without simulating again.

A placement never changes the dynamics (the spikes of ``placement.compiled`` are those of the
unplaced network, ``docs/architecture.md``); it changes only the destination groups (population x
core) over which the engine counts packets, synaptic events and updates. So one run on a grouping
that *refines* several placements (:func:`refinement`: one group per population and tuple of the
cores each placement gives the neuron) holds every placement's counts, and :func:`reroute` derives
the run of each ``placement.compiled`` from it (:meth:`~neurosim.engine.counters.Counters.regrouped`):

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
    rerouted = counters.regrouped(coarse, _group_map(fine, coarse), result.spike_ticks, result.spike_ids)
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

