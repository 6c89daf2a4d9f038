"""What one run did, counted per core, per population and per tick, and the operation metrics
papers report (SynOps, MACs, effective ACs and MACs, sparsity). No profile costs here.

:func:`tally` turns a :class:`~neurosim.engine.result.SimResult`, its
:class:`~neurosim.mapping.placement.Placement` and the route table into a :class:`Tally`: counts
that do not depend on any per-operation cost, so one tally serves every profile a run is re-costed
under. It goes through :class:`RunTotals` and :func:`tally_totals`, the door a trace is costed
through too. :func:`operations` derives the paper metrics from it.

Definitions (``docs/hardware.md``, section "Cost model")::

    SynOps           = synaptic events delivered (one per synapse per delivered spike)
    effective MACs   = synaptic events of graded spikes (see below)
    effective ACs    = SynOps - effective MACs
    MACs             = n_synapses x T          (an ANN evaluating every synapse every tick)
    dense MACs       = sum over projections of pre.size x post.size x T
    activation sparsity = 1 - spikes / (neurons x T) over populations of spiking models
    connection sparsity = 1 - (synapses with a non-zero weight) / (sum of pre.size x post.size)

**Payload rule** (what a delivered event costs, ``docs/metrics.md`` section 5): a spike of value 1 or
-1 is an accumulate (AC) per synapse; so is a spike of a *signed-ternary* population (a model whose
``payload`` is ``"ternary"``, e.g. ``st_bif``): its ``+theta`` / ``-theta`` is a sign and a per-source
scale that the synapses absorb (``w * theta`` stored once), so each event adds ``+-w theta`` without a
multiplier. Any other value (a spike count, an n-bit value, a real input) is **graded**: each of its
events multiplies the weight by the value, a multiply-accumulate (MAC).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from neurosim.errors import ModelError
from neurosim.chip.profile import ChipProfile, ProfileValue, load_chip
from neurosim.cost_model.per_core import core_columns, per_core, spikes_per_core
from neurosim.net.network import Network, PoissonSource, Population, SpikeSource

if TYPE_CHECKING:
    from neurosim.engine.result import SimResult
    from neurosim.mapping.placement import Placement
    from neurosim.mapping.routing import RouteTable

NET_KEYS = ("packets", "hops_x", "hops_y", "chip_crossings")
"""Network counts per spike, in the order of the rows of :attr:`Tally.core_net` (the route table's
``packets``, ``hops_x``, ``hops_y`` and ``crossings``)."""

_SPIKE_VALUES = np.array([-1.0, 0.0, 1.0])  # NeuroBench's "spiking" input values


@dataclass(frozen=True, eq=False)
class Tally:
    """Profile-independent counts of one run (built by :func:`tally`).

    Cores are the *used* cores (holding at least one neuron of a model population), in ascending
    global id; column ``k`` of every per-core array is core ``cores[k]``. Populations are every
    node of the network (sources included), in ``compiled.names`` order.

    Attributes
    ----------
    ticks : int
        Ticks simulated, ``T``.
    recorded : bool
        Whether the run recorded its spikes (needed by the per-tick latency model).
    cores, core_xy, core_neurons : ndarray
        (C,) global core ids; (C, 2) router coordinates; (C,) model neurons per core.
    core_events, core_graded_events, core_active, core_spikes : ndarray
        (C,) synaptic events delivered to the core's neurons, those of them from graded spikes,
        active neuron updates (probe-forced ones removed), spikes of the core's neurons.
    core_net, host_net : ndarray
        (4, C) and (4,) packets, x hops, y hops and chip crossings of the spikes sent by each core
        and by the host (spike sources), rows in :data:`NET_KEYS` order.
    pop_* : ndarray
        The same per population: ``pop_events`` and ``pop_graded_events`` by target population,
        ``pop_net`` (4, P) by source population; ``pop_graded``: the population sent a graded spike.
    tick_events, tick_active, tick_spikes : ndarray or None
        (T, C) per tick and core; ``None`` unless built with ``per_tick=True``.
    packet_ptr, packet_dx, packet_dy, packet_crossings : ndarray or None
        The route table's packets of one spike of every neuron (neuron ``i``'s are
        ``packet_ptr[i]:packet_ptr[i + 1]``): x hops, y hops and chip crossings of each; ``None``
        unless ``per_tick=True`` with a route table.
    spike_ticks, spike_ids : ndarray or None
        Every recorded spike, sources included, in emission (tick) order; ``None`` unless ``per_tick``.
    class_names : tuple of str
        The synapse classes ``core_events`` is split into (:mod:`neurosim.cost_model.counting`), the
        default class first; empty when the events are not split.
    core_class_events, pop_class_events, tick_class_events : ndarray or None
        (K, C), (K, P) and (K, T, C) synaptic events of each class; ``None`` when not split
        (``tick_class_events`` also without ``per_tick``).
    """

    ticks: int
    recorded: bool
    names: tuple[str, ...]
    pop_is_model: npt.NDArray[np.bool_] = field(repr=False)
    pop_spiking: npt.NDArray[np.bool_] = field(repr=False)
    pop_size: npt.NDArray[np.int64] = field(repr=False)
    pop_events: npt.NDArray[np.int64] = field(repr=False)
    pop_graded_events: npt.NDArray[np.int64] = field(repr=False)
    pop_active: npt.NDArray[np.float64] = field(repr=False)
    pop_spikes: npt.NDArray[np.int64] = field(repr=False)
    pop_net: npt.NDArray[np.float64] = field(repr=False)
    pop_graded: npt.NDArray[np.bool_] = field(repr=False)
    cores: npt.NDArray[np.int64] = field(repr=False)
    core_xy: npt.NDArray[np.int64] = field(repr=False)
    core_neurons: npt.NDArray[np.int64] = field(repr=False)
    core_events: npt.NDArray[np.float64] = field(repr=False)
    core_graded_events: npt.NDArray[np.float64] = field(repr=False)
    core_active: npt.NDArray[np.float64] = field(repr=False)
    core_spikes: npt.NDArray[np.float64] = field(repr=False)
    core_net: npt.NDArray[np.float64] = field(repr=False)
    host_net: npt.NDArray[np.float64] = field(repr=False)
    tick_events: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    tick_active: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    tick_spikes: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    packet_ptr: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    packet_dx: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    packet_dy: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    packet_crossings: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    spike_ticks: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    spike_ids: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    class_names: tuple[str, ...] = ()
    core_class_events: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    pop_class_events: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    tick_class_events: npt.NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def synops(self) -> int:
        """Synaptic events delivered in the whole run."""
        return int(self.pop_events.sum())

    @property
    def graded_events(self) -> int:
        """Synaptic events of graded spikes (multiply-accumulates: the module docstring's payload rule)."""
        return int(self.pop_graded_events.sum())

    @property
    def model_neurons(self) -> int:
        """Neurons of model populations (spike sources excluded)."""
        return int(self.pop_size[self.pop_is_model].sum())


@dataclass(frozen=True, eq=False)
class RunTotals:
    """What one run did, totalled over its ticks, and where its neurons sat: the one input of
    :func:`tally_totals`, produced alike from a ``SimResult`` (:meth:`of_run`) and from a trace
    (:func:`neurosim.trace.cost.trace_totals`), so that both are counted by the same code.

    Populations are every node of the network (sources included), in network order; ``P`` of them,
    ``N`` neurons, ``G`` destination groups.

    Attributes
    ----------
    ticks : int
        Ticks simulated, ``T``.
    recorded : bool
        Whether every spike of the run was recorded.
    names : tuple of str
        (P,) population names.
    pop_is_model, pop_spiking : ndarray of bool
        (P,) the population is of a neuron model (not a spike source); its model spikes.
    pop_offset : ndarray of int64
        (P + 1,) first global neuron id of each population, then ``N``.
    pop_updates, pop_forced_updates : ndarray of int64
        (P,) neuron updates, probed ones included, and those done only because of a probe.
    group_pop, group_core : ndarray of int64
        (G,) population and core (``-1``: the host) of every destination group.
    group_events, group_graded_events, group_updates : ndarray
        (G,) synaptic events delivered to the group, those of them from graded spikes, and updates.
    neuron_core, spikes_per_neuron : ndarray of int64
        (N,) core of every neuron (``-1``: a spike source on the host) and its spikes over the run.
    core_xy : ndarray of int64
        (n_cores, 2) router coordinates of every core of the system.
    graded_ids : ndarray of int64
        Global ids of the graded spikes (:func:`graded_spike_mask`).
    """

    ticks: int
    recorded: bool
    names: tuple[str, ...]
    pop_is_model: npt.NDArray[np.bool_] = field(repr=False)
    pop_spiking: npt.NDArray[np.bool_] = field(repr=False)
    pop_offset: npt.NDArray[np.int64] = field(repr=False)
    pop_updates: npt.NDArray[np.int64] = field(repr=False)
    pop_forced_updates: npt.NDArray[np.int64] = field(repr=False)
    group_pop: npt.NDArray[np.int64] = field(repr=False)
    group_core: npt.NDArray[np.int64] = field(repr=False)
    group_events: npt.NDArray[np.float64] = field(repr=False)
    group_graded_events: npt.NDArray[np.float64] = field(repr=False)
    group_updates: npt.NDArray[np.int64] = field(repr=False)
    neuron_core: npt.NDArray[np.int64] = field(repr=False)
    spikes_per_neuron: npt.NDArray[np.int64] = field(repr=False)
    core_xy: npt.NDArray[np.int64] = field(repr=False)
    graded_ids: npt.NDArray[np.int64] = field(repr=False)

    @property
    def neuron_pop(self) -> npt.NDArray[np.int64]:
        """(N,) population of every neuron."""
        return np.repeat(np.arange(len(self.names)), np.diff(self.pop_offset))

    @property
    def cores(self) -> npt.NDArray[np.int64]:
        """The used cores, ascending: those holding a neuron (a spike source's only when a fixed
        placement put it on a core; sources are otherwise on the host)."""
        return np.unique(self.neuron_core[self.neuron_core >= 0])

    @property
    def model_neuron_core(self) -> npt.NDArray[np.int64]:
        """(N,) :attr:`neuron_core` with spike sources on the host (``-1``): whose spikes a core generates."""
        return np.where(self.pop_is_model[self.neuron_pop], self.neuron_core, -1)

    @property
    def group_active_fraction(self) -> npt.NDArray[np.float64]:
        """(G,) share of each group's updates not forced by a probe (:func:`active_fraction`)."""
        return active_fraction(self.pop_updates, self.pop_forced_updates, self.group_pop)

    @classmethod
    def of_run(cls, result: SimResult, placement: Placement) -> RunTotals:
        """The totals of ``result``, a run of ``placement.compiled``.

        Raises
        ------
        ModelError
            If ``result`` is not a run of ``placement.compiled`` (another grouping of the neurons).
        """
        c, counters = result.compiled, result.counters
        neuron_core = np.asarray(placement.neuron_core, dtype=np.int64)
        group_core = np.asarray(placement.group_core, dtype=np.int64)
        if neuron_core.shape != (c.n_neurons,) or group_core.shape != (c.n_groups,):
            raise ModelError(
                f"cost: the result has {c.n_neurons} neurons in {c.n_groups} groups but the placement places "
                f"{neuron_core.size} neurons in {group_core.size} groups; simulate placement.compiled, not the "
                "network it was placed from")
        ticks = int(counters.ticks)
        recorded = result.spike_ids.size == counters.spikes
        graded_ticks, graded_ids = _graded_spikes(result, recorded)
        return cls(
            ticks=ticks, recorded=recorded, names=c.names, pop_is_model=np.asarray(c.pop_model) >= 0,
            pop_spiking=np.array([isinstance(n, Population) and n.model.spiking for n in c.network.nodes.values()]),
            pop_offset=c.pop_offset, pop_updates=counters.pop_updates, pop_forced_updates=counters.pop_forced_updates,
            group_pop=c.group_pop, group_core=group_core, group_events=counters.events_per_group(),
            group_graded_events=graded_events_per_group(c, ticks, graded_ticks, graded_ids),
            group_updates=counters.group_updates, neuron_core=neuron_core,
            spikes_per_neuron=counters.spikes_per_neuron, core_xy=placement.core_xy, graded_ids=graded_ids)


def tally(result: SimResult, placement: Placement, routes: RouteTable | None, per_tick: bool = False) -> Tally:
    """Count what ``result`` did on the cores of ``placement``.

    Parameters
    ----------
    result : SimResult
        A run of ``placement.compiled``.
    placement : Placement
        Where every neuron sits (``neuron_core``, ``group_core``, ``core_xy``, ``core_chip``).
    routes : RouteTable or None
        The placement's route table (:func:`neurosim.mapping.routing.route`); ``None`` when no
        network is costed (all network counts are then 0).
    per_tick : bool
        Also build the per-tick, per-core counts and the per-packet hops of the latency model.

    Raises
    ------
    ModelError
        If ``result`` is not a run of ``placement.compiled``, or ``per_tick`` is asked of a run
        whose spikes or per-tick, per-group counters were not kept.
    """
    totals = RunTotals.of_run(result, placement)
    extra: dict[str, Any] = {}
    if per_tick:
        extra.update(_per_tick(result, totals))
        if routes is not None:
            # Hops and crossings of every packet, grouped by source neuron: the latency model's longest packet.
            r = routes.packet_route
            extra.update(packet_ptr=routes.packet_ptr, packet_dx=routes.route_hops_x[r],
                         packet_dy=routes.route_hops_y[r], packet_crossings=routes.route_crossings[r])
    return tally_totals(totals, None if routes is None else spike_route_counts(routes), extra)


def spike_route_counts(routes: RouteTable) -> npt.NDArray[np.int64]:
    """(4, N) packets, x hops, y hops and chip crossings of one spike of every neuron (rows: :data:`NET_KEYS`)."""
    return np.stack([routes.packets, routes.hops_x, routes.hops_y, routes.crossings])


def active_fraction(pop_updates: npt.ArrayLike, pop_forced_updates: npt.ArrayLike,
                    group_pop: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """(G,) share of each group's updates that were not forced by a probe (its population's share).

    Probe-forced updates are known per population only: they are removed pro rata from each of the
    population's groups and ticks (exact per population, and wherever nothing is probed).
    """
    updates = np.asarray(pop_updates, dtype=np.float64)
    active = updates - np.asarray(pop_forced_updates)
    return np.divide(active, updates, out=np.ones(updates.size), where=updates > 0)[group_pop]


def tally_totals(totals: RunTotals, route_counts: npt.ArrayLike | None = None,
                 per_tick: Mapping[str, np.ndarray] | None = None) -> Tally:
    """A :class:`Tally` from a run's totals: what :func:`tally` builds from a ``SimResult`` and
    :func:`neurosim.trace.cost_trace` from a trace, so that both count alike.

    Parameters
    ----------
    totals : RunTotals
        The run.
    route_counts : array of int, shape (4, N), optional
        Packets, x hops, y hops and crossings of one spike of every neuron (:func:`spike_route_counts`);
        ``None`` when no network is costed (all network counts are then 0).
    per_tick : mapping, optional
        The per-tick fields of :class:`Tally` (``tick_events``, ``tick_active``, ...), when built.
    """
    t = totals
    names, neuron_pop, group_pop, neuron_core = t.names, t.neuron_pop, np.asarray(t.group_pop), t.neuron_core
    n_pops = len(names)
    is_model = t.pop_is_model
    cores = t.cores  # neurons of models always sit on a core
    n_cores = cores.size
    neuron_col, group_col = core_columns(neuron_core, cores), core_columns(t.group_core, cores)
    active_pop = np.asarray(t.pop_updates, dtype=np.float64) - np.asarray(t.pop_forced_updates)
    # Rows: synaptic events, events of graded spikes, active updates (per destination group).
    per_group = np.stack([np.asarray(t.group_events, dtype=np.float64), np.asarray(t.group_graded_events, np.float64),
                          np.asarray(t.group_updates) * t.group_active_fraction])
    # Rows: spikes, then the network counts of NET_KEYS (per source neuron, over the run).
    spikes = np.asarray(t.spikes_per_neuron).astype(np.float64)
    net = np.zeros((len(NET_KEYS), spikes.size))
    if route_counts is not None:
        net = np.asarray(route_counts).astype(np.float64) * spikes
    per_neuron = np.vstack([spikes, net])
    on_core = neuron_col >= 0
    core_group = np.stack([_by_column(row, group_col, n_cores) for row in per_group])
    # Spikes are generated by the cores of model neurons (a source on a core only sends its packets).
    core_neuron = np.stack([_by_column(row, np.where(is_model[neuron_pop], neuron_col, -1) if k == 0 else neuron_col,
                                       n_cores) for k, row in enumerate(per_neuron)])
    pop_group = np.stack([np.bincount(group_pop, row, minlength=n_pops) for row in per_group])
    pop_neuron = np.stack([np.bincount(neuron_pop, row, minlength=n_pops) for row in per_neuron])
    pop_graded = np.zeros(n_pops, dtype=bool)
    pop_graded[neuron_pop[t.graded_ids]] = True
    return Tally(
        ticks=t.ticks, recorded=t.recorded, names=tuple(names), pop_is_model=is_model,
        pop_spiking=np.asarray(t.pop_spiking, dtype=bool), pop_size=np.diff(t.pop_offset),
        pop_events=np.rint(pop_group[0]).astype(np.int64), pop_graded_events=np.rint(pop_group[1]).astype(np.int64),
        pop_active=active_pop, pop_spikes=np.rint(pop_neuron[0]).astype(np.int64), pop_net=pop_neuron[1:],
        pop_graded=pop_graded, cores=cores, core_xy=np.asarray(t.core_xy, dtype=np.int64)[cores].reshape(n_cores, 2),
        core_neurons=np.bincount(neuron_col[is_model[neuron_pop]], minlength=n_cores),
        core_events=core_group[0], core_graded_events=core_group[1], core_active=core_group[2],
        core_spikes=core_neuron[0], core_net=core_neuron[1:], host_net=per_neuron[1:, ~on_core].sum(axis=1),
        **(per_tick or {}))


def _by_column(values: npt.NDArray[np.float64], col: npt.NDArray[np.int64], n_cols: int) -> npt.NDArray[np.float64]:
    keep = col >= 0
    return np.bincount(col[keep], values[keep], minlength=n_cols).astype(np.float64)


def _per_tick(result: SimResult, totals: RunTotals) -> dict[str, Any]:
    """(T, C) events, active updates and spikes per tick and used core, and the recorded spikes."""
    counters, cores, group_core = result.counters, totals.cores, totals.group_core
    if not totals.recorded:
        raise ModelError("cost: the latency model needs every spike (per tick and core); simulate with "
                         "record_spikes=True, or pass latency=False on a fixed-tick chip")
    if counters.tick_group_events is None or counters.tick_group_updates is None:
        raise ModelError("cost: the latency model needs the per-tick, per-group counters, which this run did not "
                         "keep; simulate with keep_tick_groups=True, or pass latency=False on a fixed-tick chip")
    spikes = spikes_per_core(result.spike_ticks, result.spike_ids, totals.model_neuron_core, cores, 0, counters.ticks)
    return dict(tick_events=per_core(counters.tick_group_events, group_core, cores).astype(np.float64),
                tick_active=per_core(counters.tick_group_updates * totals.group_active_fraction, group_core, cores),
                tick_spikes=spikes.astype(np.float64), spike_ticks=result.spike_ticks, spike_ids=result.spike_ids)


def _graded_spikes(result: SimResult, recorded: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(ticks, global ids) of the graded spikes (:func:`graded_spike_mask`).

    From the recorded spikes; without them, from the spike sources' own events, which is complete
    when no population can send graded values (binary and signed-ternary ones never do).

    Raises
    ------
    ModelError
        If the spikes were not recorded and a population can send graded values.
    """
    c = result.compiled
    if recorded:
        graded = graded_spike_mask(result.spike_values, result.spike_ids, c.pop_offset,
                                   ternary_populations(c.network))
        return result.spike_ticks[graded], result.spike_ids[graded]
    for node in c.network.nodes.values():
        if isinstance(node, Population) and node.model.payload_of(node.params) == "graded":
            raise ModelError(f"cost: population '{node.name}' ({node.model.name}) sends graded spike values, which "
                             "only the recorded spikes tell apart; simulate with record_spikes=True")
    ticks, ids = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for k, node in enumerate(c.network.nodes.values()):
        # Poisson spikes have value 1 by definition; regenerating them would cost T x size draws.
        if isinstance(node, SpikeSource) and not isinstance(node, PoissonSource):
            t, i, v = node.events(0, result.ticks)
            graded = is_graded(v)
            ticks.append(np.asarray(t, np.int64)[graded])
            ids.append(np.asarray(i, np.int64)[graded] + c.pop_offset[k])
    return np.concatenate(ticks), np.concatenate(ids)


def is_graded(values: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which spike values are graded: outside NeuroBench's spiking values {-1, 0, 1}."""
    return ~np.isin(np.asarray(values, dtype=np.float64), _SPIKE_VALUES)


def ternary_populations(network: Network) -> npt.NDArray[np.bool_]:
    """(P,) which nodes, in network order, are populations of a signed-ternary model (payload ``"ternary"``)."""
    return np.array([isinstance(n, Population) and n.model.payload == "ternary" for n in network.nodes.values()],
                    dtype=bool)


def graded_spike_mask(values: npt.ArrayLike, ids: npt.ArrayLike, pop_offset: npt.ArrayLike,
                      ternary: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which spikes are graded (their events are MACs): a value outside {-1, 0, 1}, sent by any node
    but a signed-ternary population (whose ``+-theta`` are accumulates: module docstring).

    Parameters
    ----------
    values, ids : array_like
        The spikes' values and global neuron ids.
    pop_offset : array_like of int
        (P + 1,) first global id of every node, then the neuron count.
    ternary : array_like of bool
        (P,) the node is a signed-ternary population (:func:`ternary_populations`).
    """
    ids = np.asarray(ids, dtype=np.int64)
    pop = np.searchsorted(np.asarray(pop_offset), ids, side="right") - 1
    return is_graded(values) & ~np.asarray(ternary, dtype=bool)[pop]


def graded_events_per_group(c, ticks: int, spike_ticks, spike_ids) -> npt.NDArray[np.float64]:
    """Synaptic events delivered from graded spikes (``spike_ticks``, ``spike_ids``), per destination group.

    Additive over disjoint sets of spikes, so a trace writer can sum it chunk by chunk.

    A spike of neuron ``i`` at tick ``t`` delivers delay segment ``s`` (``len(s)`` events) only if
    ``t + delay(s) < T``, as the engine does; so each segment counts the graded spikes of its
    source with ``t <= T - 1 - delay(s)``, found by binary search in the sorted (neuron, tick) keys.
    """
    out = np.zeros(c.n_groups)
    if spike_ids.size == 0:
        return out
    stride = ticks + 1
    keys = np.sort(spike_ids * stride + spike_ticks)
    seg_src = c.segment_sources()
    last_tick = ticks - 1 - c.seg_delay
    lo = np.searchsorted(keys, seg_src * stride, side="left")
    hi = np.searchsorted(keys, seg_src * stride + last_tick, side="right")
    spikes = np.maximum(hi - lo, 0)
    return np.bincount(c.seg_group, spikes * np.diff(c.seg_syn_ptr), minlength=c.n_groups).astype(np.float64)


@dataclass(frozen=True)
class Operations:
    """SynOps, ANN-equivalent MACs, the E_AC/E_MAC comparison, and sparsity of one run.

    Attributes
    ----------
    synops : int
        Synaptic events delivered (one per synapse per delivered spike).
    effective_acs, effective_macs : int
        SynOps of spikes of value +-1 or of signed-ternary populations (accumulates), and the rest
        (graded values: multiply-accumulates), per event (the module docstring's payload rule).
    synapses, dense_connections : int
        Synapses of the network; sum over projections of ``pre.size * post.size``.
    macs, dense_macs : int
        ``synapses * T`` and ``dense_connections * T``: an ANN evaluating every synapse (every
        pair) of every layer at every tick.
    samples : int
        Inference samples the run holds (per-sample figures divide by it).
    e_ac_J, e_mac_J : float
        Energy of one accumulate and one multiply-accumulate used for the comparison.
    e_ac_mac_source : str
        Where ``e_ac_J`` and ``e_mac_J`` come from (the profile, or generic_45nm when it gives none).
    e_snn_J : float
        ``synops * e_ac_J`` (Spikformer convention: every SynOp an accumulate).
    e_snn_effective_J : float
        ``effective_acs * e_ac_J + effective_macs * e_mac_J`` (NeuroBench-style split).
    e_ann_J, e_ann_dense_J : float
        ``macs * e_mac_J`` and ``dense_macs * e_mac_J``.
    e_ann_once_J : float
        ``synapses * samples * e_mac_J``: an ANN evaluating every synapse once per sample.
    activation_sparsity, connection_sparsity : float or None
        See the module docstring; ``None`` when there is nothing to divide by.
    """

    synops: int
    effective_acs: int
    effective_macs: int
    synapses: int
    dense_connections: int
    macs: int
    dense_macs: int
    samples: int
    e_ac_J: float
    e_mac_J: float
    e_ac_mac_source: str
    e_snn_J: float
    e_snn_effective_J: float
    e_ann_J: float
    e_ann_dense_J: float
    e_ann_once_J: float
    activation_sparsity: float | None
    connection_sparsity: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operations:
        """Read :meth:`to_dict`'s output back."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@lru_cache(maxsize=1)
def _generic_ac_mac() -> tuple[ProfileValue, ProfileValue]:
    # Read once: sweeps cost thousands of runs and the shipped file does not change.
    chip = load_chip("generic_45nm")
    return chip.lookup("e_ac_J"), chip.lookup("e_mac_J")


def ac_mac_values(profile: ChipProfile) -> tuple[ProfileValue, ProfileValue]:
    """``e_ac_J`` and ``e_mac_J`` of ``profile``, else generic_45nm's (Horowitz 2014), said in the source."""
    out = []
    for key, generic in zip(("e_ac_J", "e_mac_J"), _generic_ac_mac()):
        if getattr(profile, key) is not None:
            out.append(profile.lookup(key))
        else:
            out.append(generic._replace(source=f"generic_45nm, as chip profile '{profile.name}' gives no {key}: "
                                               f"{generic.source}"))
    return out[0], out[1]


def operations(t: Tally, network: Network, ac_mac: tuple[ProfileValue, ProfileValue], samples: int) -> Operations:
    """Paper metrics of a tally.

    Parameters
    ----------
    t : Tally
    network : Network
        The network simulated (its projections and population sizes).
    ac_mac : (ProfileValue, ProfileValue)
        ``e_ac_J`` and ``e_mac_J`` to compare with, in joules.
    samples : int
        Inference samples in the run.
    """
    sizes = {name: node.size for name, node in network.nodes.items()}
    projections = list(network.projections.values())
    synapses = sum(p.n_synapses for p in projections)
    nonzero = sum(int(np.count_nonzero(p.weight)) for p in projections)
    dense = sum(sizes[p.pre] * sizes[p.post] for p in projections)
    spiking = t.pop_is_model & t.pop_spiking
    slots = int(t.pop_size[spiking].sum()) * t.ticks
    e_ac, e_mac = float(ac_mac[0].value), float(ac_mac[1].value)
    macs, dense_macs = synapses * t.ticks, dense * t.ticks
    acs = t.synops - t.graded_events
    return Operations(
        synops=t.synops, effective_acs=acs, effective_macs=t.graded_events, synapses=synapses,
        dense_connections=dense, macs=macs, dense_macs=dense_macs, samples=samples, e_ac_J=e_ac, e_mac_J=e_mac,
        e_ac_mac_source=ac_mac[0].source if ac_mac[0].source == ac_mac[1].source
        else f"e_ac_J: {ac_mac[0].source}; e_mac_J: {ac_mac[1].source}",
        e_snn_J=t.synops * e_ac, e_snn_effective_J=acs * e_ac + t.graded_events * e_mac,
        e_ann_J=macs * e_mac, e_ann_dense_J=dense_macs * e_mac, e_ann_once_J=synapses * samples * e_mac,
        activation_sparsity=1.0 - int(t.pop_spikes[spiking].sum()) / slots if slots else None,
        connection_sparsity=1.0 - nonzero / dense if dense else None,
    )
