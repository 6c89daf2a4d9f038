"""``cost_trace``: the energy (and latency) of a traced run, from the trace file alone.

A version-2 trace holds every total the energy model reads (per destination group, per population,
per neuron through its spikes), the route table's packets and the chip profile, so a run can be
costed again, under its own profile or another, without the network or a second simulation. The
trace's :class:`~neurosim.cost_model.synops.RunTotals` (:func:`trace_totals`) are tallied by
:func:`~neurosim.cost_model.synops.tally_totals`, as :func:`neurosim.cost` tallies a ``SimResult``'s,
so the figures are the same (``docs/traces.md``, "Costing a trace").
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurosim.cost_model.counting import active_rule_counts
from neurosim.cost_model.energy import CostValues, EnergyReport
from neurosim.cost_model.latency import LatencyReport
from neurosim.cost_model.report import cost_needs, energy_and_latency
from neurosim.cost_model.per_core import per_core
from neurosim.cost_model.synops import RunTotals, Tally, graded_spike_mask, tally_totals
from neurosim.cost_model.unpublished import Missing
from neurosim.errors import ProfileError, TraceError
from neurosim.chip.profile import ChipProfile
from neurosim.models import get_model
from neurosim.trace.reader import Trace, read_trace


@dataclass(frozen=True, eq=False)
class TraceCost:
    """Energy (and latency, when modelled) of a traced run; draws with :func:`neurosim.plots.plot_energy`.

    Attributes
    ----------
    chip, network : str
        Profile and network names.
    ticks : int
    energy : EnergyReport
    latency : LatencyReport or None
        Present when asked for, or when a barrier chip's static energy needs it.
    """

    chip: str
    network: str
    ticks: int
    energy: EnergyReport = field(repr=False)
    latency: LatencyReport | None = field(repr=False)

    @property
    def missing(self) -> Missing:
        """``(key, what needs it)`` of every number the profile does not publish that the totals leave out
        (``cost_trace(..., missing="mark")``)."""
        lat = self.latency.missing if self.latency is not None else ()
        return tuple(dict.fromkeys(self.energy.missing + lat))

    @property
    def partial(self) -> bool:
        """Whether the totals leave out a term whose number is not published."""
        return bool(self.missing)


def cost_trace(trace: Trace | str | os.PathLike, profile: ChipProfile | None = None,
               fallbacks: Mapping[str, Any] | None = None, *, latency: bool = False,
               missing: str = "error") -> TraceCost:
    """Cost the run recorded in ``trace`` (a :class:`Trace` or a path).

    Parameters
    ----------
    profile : the chip to cost on; default the profile the trace was recorded on (its header).
    fallbacks : values to assume where the profile gives none, as for :func:`neurosim.cost`.
    latency : also run the per-tick latency model (it runs anyway where a barrier chip's static
        energy needs it); needs the per-core counters (``TraceWriter(counters=True)``).
    missing : {"error", "mark"}
        For a number the run needs that the profile does not publish, the trace's router mesh
        included (``Trace.mesh_published`` False: its hops lie on a numbered row of tiles): raise
        (default), or leave its term out and mark the totals partial, as :func:`neurosim.cost`.

    Raises
    ------
    TraceError
        For a version-1 trace (it holds no totals to cost), an incomplete one (its totals may
        include the chunk in flight), a latency model asked of a trace without per-core counters, or
        a profile that counts synaptic events at the spike tick or has a synapse class that selects
        one of the traced projections (a trace holds events per delivery tick and destination group).
    ProfileError
        When the profile lacks a value the run needs, or the trace's mesh is not published and the
        run has hops to cost, with ``missing="error"``, as :func:`neurosim.cost`.
    """
    trace = trace if isinstance(trace, Trace) else read_trace(trace)
    if trace.chip_profile is None:
        raise TraceError(f"{trace.path}: a version-{trace.version} trace holds no totals to cost; record it again "
                         "with this neurosim (trace version 2)")
    if not trace.complete:
        raise TraceError(f"{trace.path}: the trace is incomplete (run stopped after {trace.ticks} of "
                         f"{trace.ticks_planned} ticks); only a complete trace can be costed")
    profile = profile if profile is not None else ChipProfile.from_dict(trace.chip_profile, origin=str(trace.path))
    _check_counting(trace, profile)
    timed, routed = cost_needs(profile, latency)
    t = active_rule_counts(trace_tally(trace, routed, timed), profile)
    if missing == "error" and trace.mesh_published is False and routed:
        _refuse_hops_off_the_mesh(trace, t)
    en, lat = energy_and_latency(t, CostValues(profile, fallbacks, missing), trace.ticks, timed,
                                 mesh_known=trace.mesh_published is not False)
    return TraceCost(chip=str(profile.name), network=trace.network, ticks=trace.ticks, energy=en, latency=lat)


def _refuse_hops_off_the_mesh(trace: Trace, t: Tally) -> None:
    """Raise when the trace's hops or chip crossings, counted on a numbered row of tiles, would be costed."""
    counted = float(np.sum(t.core_net[1:]) + np.sum(t.host_net[1:]))
    if counted > 0:
        raise ProfileError(f"{trace.path}: the trace's {counted:g} hops and chip crossings lie on a numbered row of "
                           f"tiles, since profile '{trace.profile}' publishes no router mesh (mesh_x, mesh_y); cost "
                           "it with missing='mark' (neurosim plot --kind energy does) to leave their terms out, or "
                           "record the run again on a profile that gives chip.mesh_x and chip.mesh_y")


def _check_counting(trace: Trace, profile: ChipProfile) -> None:
    """Refuse a profile whose counting needs the run's synapses, which a trace does not hold."""
    where = f"{trace.path}: chip profile '{profile.name}'"
    fix = "cost the run itself with neurosim.cost(result, placement, profile)"
    if profile.synaptic_events_at != "delivery":
        raise TraceError(f"{where} counts synaptic events at the spike tick (counting.synaptic_events_at = "
                         f"'{profile.synaptic_events_at}'), but a trace holds them by delivery tick; {fix}, or pass "
                         f"profile=profile.replace(synaptic_events_at='delivery')")
    if profile.active_neurons == "input_bias_potential":
        raise TraceError(f"{where} counts active updates by input, bias and potential (counting.active_neurons = "
                         f"'input_bias_potential'), which needs every neuron's inputs and membrane at every tick; "
                         f"{fix}, or pass profile=profile.replace(active_neurons='updated')")
    if not profile.synapse_classes:
        return
    if trace.projection_labels is None:
        raise TraceError(f"{where} has synapse classes, but this trace does not record what its projections are "
                         f"labelled with; {fix}, or record the trace again with this neurosim")
    for name, labels in trace.projection_labels.items():
        for c in profile.synapse_classes:
            if c.selects_labels(name, labels.get("attributes", {}), labels.get("kinds", ())):
                raise TraceError(f"{where}: synapse class '{c.name}' selects projection '{name}', but a trace holds "
                                 f"the synaptic events per destination group, not per projection; {fix}")


def trace_tally(trace: Trace, routed: bool, per_tick: bool) -> Tally:
    """The :class:`~neurosim.cost_model.synops.Tally` of a complete version-2 trace.

    ``routed``: count the packets, hops and crossings of the route table; ``per_tick``: add the
    per-tick, per-core counts and per-packet hops of the latency model (exact when nothing was
    probed; with probes, forced updates are removed pro rata per core instead of per group).
    """
    totals = trace_totals(trace)
    route_counts = None
    if routed:
        n = trace.neuron_core.size
        owner = np.repeat(np.arange(n), np.diff(trace.packet_ptr))
        route_counts = np.stack([np.diff(trace.packet_ptr)] + [
            np.bincount(owner, v, minlength=n).astype(np.int64)
            for v in (trace.packet_dx, trace.packet_dy, trace.packet_crossings)])
    return tally_totals(totals, route_counts, _per_tick(trace, totals, routed) if per_tick else None)


def trace_totals(trace: Trace) -> RunTotals:
    """The :class:`~neurosim.cost_model.synops.RunTotals` of a complete version-2 trace (every spike recorded)."""
    pops = trace.populations
    n_pops = len(pops)
    pop_offset = np.array([p["start"] for p in pops] + [pops[-1]["stop"] if pops else 0], dtype=np.int64)
    is_source = np.array([p["model"].startswith("source:") for p in pops], dtype=bool)
    group_pop = trace.group_population
    return RunTotals(
        ticks=trace.ticks, recorded=True, names=tuple(p["name"] for p in pops), pop_is_model=~is_source,
        pop_spiking=np.array([not src and get_model(p["model"]).spiking for p, src in zip(pops, is_source)],
                             dtype=bool),
        pop_offset=pop_offset,
        pop_updates=np.bincount(group_pop, trace.group_updates, minlength=n_pops).astype(np.int64),
        pop_forced_updates=trace.pop_forced_updates, group_pop=group_pop, group_core=trace.group_core,
        group_events=trace.group_events, group_graded_events=trace.group_graded_events,
        group_updates=trace.group_updates, neuron_core=trace.neuron_core,
        spikes_per_neuron=np.bincount(trace.spikes["neuron"], minlength=trace.neuron_core.size).astype(np.int64),
        core_xy=trace.core_xy, graded_ids=trace.spikes["neuron"][graded_spike_mask(
            trace.spikes["value"], trace.spikes["neuron"], pop_offset,
            [not src and get_model(p["model"]).payload == "ternary" for p, src in zip(pops, is_source)])])


def _per_tick(trace: Trace, totals: RunTotals, routed: bool) -> dict[str, Any]:
    """(T, C) events, active updates and spikes per tick and used core, the spikes, the packets' hops."""
    if trace.core_events is None:
        raise TraceError(f"{trace.path}: the latency model needs the per-core counters; write the trace with "
                         "TraceWriter(counters=True)")
    cores = totals.cores
    col = np.searchsorted(trace.core_ids, cores)
    updates = trace.core_updates[:, col].astype(np.float64)
    if np.any(totals.pop_forced_updates):
        # Forced updates removed from each core in proportion to its groups' (exact per core over the run).
        group_updates = np.asarray(totals.group_updates, dtype=np.float64)
        active = per_core(group_updates * totals.group_active_fraction, totals.group_core, cores)
        total = per_core(group_updates, totals.group_core, cores)
        updates = updates * np.divide(active, total, out=np.ones(cores.size), where=total > 0)
    out = dict(tick_events=trace.core_events[:, col].astype(np.float64), tick_active=updates,
               tick_spikes=trace.core_spikes[:, col].astype(np.float64), spike_ticks=trace.spikes["tick"],
               spike_ids=trace.spikes["neuron"])
    if routed:
        out.update(packet_ptr=trace.packet_ptr, packet_dx=trace.packet_dx, packet_dy=trace.packet_dy,
                   packet_crossings=trace.packet_crossings)
    return out
