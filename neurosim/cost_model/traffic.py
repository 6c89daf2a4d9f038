"""``traffic``: packets, hops, chip crossings and link loads of one simulation on one placement.

Totals come from ``result.counters.spikes_per_neuron`` times the route table's per-spike costs.
Per-tick figures come from the recorded spike list (``result.spike_ticks``, ``result.spike_ids``)
in one vectorised pass over it, not from a second simulation. A run simulated with
``record_spikes=False`` has no spike list: its per-tick fields are ``None``. Re-routing the same
spikes on another placement of the same network is another call of :func:`traffic`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from neurosim._checks import freeze_arrays
from neurosim.engine.result import SimResult
from neurosim.errors import ModelError
from neurosim.mapping.routing import RouteTable, gather_rows

IntArray = npt.NDArray[np.int64]

_CHUNK_ENTRIES = 1 << 22
"""Largest (ticks x links) block and about the most packets expanded at once (memory bound)."""


@dataclass(frozen=True, eq=False)
class Traffic:
    """Network-on-chip traffic of one run (read-only).

    Attributes
    ----------
    routes : RouteTable
        The routes the spikes took.
    ticks : int
        Ticks simulated.
    packets, hops_x, hops_y, crossings : int
        Totals over the run: packets sent (one per spike and destination core), router hops along
        x and y, and chip-boundary crossings.
    link_load : ndarray of int64, shape (n_links,)
        Packets that crossed each directed link (ids as in :mod:`neurosim.mapping.routing`).
    tick_packets, tick_hops_x, tick_hops_y, tick_crossings : ndarray of int64, shape (ticks,), or None
        The same per tick of emission; ``None`` when spikes were not recorded.
    tick_max_hops : ndarray of int64, shape (ticks,), or None
        Hops of the longest packet sent in each tick (0 when none was sent).
    tick_busiest_link, tick_busiest_load : ndarray of int64, shape (ticks,), or None
        The link with the most packets in each tick (the lowest id on a tie; ``-1`` when no packet
        left its router) and its number of packets.
    """

    routes: RouteTable = field(repr=False)
    ticks: int
    packets: int
    hops_x: int
    hops_y: int
    crossings: int
    link_load: IntArray = field(repr=False)
    tick_packets: IntArray | None = field(repr=False)
    tick_hops_x: IntArray | None = field(repr=False)
    tick_hops_y: IntArray | None = field(repr=False)
    tick_crossings: IntArray | None = field(repr=False)
    tick_max_hops: IntArray | None = field(repr=False)
    tick_busiest_link: IntArray | None = field(repr=False)
    tick_busiest_load: IntArray | None = field(repr=False)

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def hops(self) -> int:
        """Router hops in total, x and y."""
        return self.hops_x + self.hops_y

    @property
    def per_tick(self) -> bool:
        """Whether the per-tick fields are available (the run recorded its spikes)."""
        return self.tick_packets is not None

    @property
    def tick_hops(self) -> IntArray | None:
        """Router hops per tick, x and y; ``None`` when spikes were not recorded."""
        return None if self.tick_hops_x is None else self.tick_hops_x + self.tick_hops_y

    @property
    def busiest_link(self) -> int:
        """The link with the most packets over the run (lowest id on a tie); ``-1`` if none was used."""
        return int(np.argmax(self.link_load)) if self.link_load.any() else -1


def traffic(result: SimResult, routes: RouteTable) -> Traffic:
    """Packets, hops, crossings and link loads of ``result``'s spikes on ``routes``.

    Parameters
    ----------
    result : SimResult
        A simulation of the placed network (``placement.compiled``, or any compilation of the same
        network: neuron ids do not depend on the grouping).
    routes : RouteTable
        From :func:`~neurosim.mapping.routing.route`.

    Returns
    -------
    Traffic
        Totals always; per-tick fields only when ``result`` recorded its spikes.

    Raises
    ------
    ModelError
        If ``result`` and ``routes`` are of different networks.
    """
    placed = routes.placement.compiled
    if result.compiled.network is not placed.network or result.compiled.n_neurons != placed.n_neurons:
        raise ModelError(f"traffic: the result is a simulation of network '{result.compiled.network.name}', the "
                         f"routes are of network '{placed.network.name}'; simulate placement.compiled")
    spikes = result.counters.spikes_per_neuron
    route_load = _count(routes.packet_route, np.repeat(spikes, routes.packets), routes.route_hops_x.size)
    link_load = route_link_load(route_load, routes)
    totals = [int(spikes @ a) for a in (routes.packets, routes.hops_x, routes.hops_y, routes.crossings)]
    per_tick: list[IntArray | None] = [None] * 7
    # Without recorded spikes the list is empty while the counters are not.
    if result.spike_ids.size == result.counters.spikes:
        per_tick = _per_tick(result.spike_ticks, result.spike_ids, routes, result.ticks)
    return Traffic(routes, result.ticks, *totals, link_load, *per_tick)


def route_link_load(route_load: npt.ArrayLike, routes: RouteTable) -> IntArray:
    """(n_links,) packets over each directed link, from ``route_load``: packets sent along each route
    of ``routes`` (route ``r`` loads every link of ``routes.route_link_ids[route_link_ptr[r]:route_link_ptr[r + 1]]``).
    """
    per_link_entry = np.repeat(np.asarray(route_load), np.diff(routes.route_link_ptr))
    return _count(routes.route_link_ids, per_link_entry, routes.n_links)


def _count(index: IntArray, weights: np.ndarray, size: int) -> IntArray:
    """``bincount`` with integer weights, as int64 (float64 sums are exact below 2**53)."""
    return np.rint(np.bincount(index, weights.astype(np.float64), minlength=size)).astype(np.int64)


def _per_tick(ticks: IntArray, ids: IntArray, routes: RouteTable, n_ticks: int) -> list[IntArray]:
    """Per-tick packets, hops x, hops y, crossings, longest packet, busiest link and its load."""
    sums = [_count(ticks, a[ids], n_ticks) for a in (routes.packets, routes.hops_x, routes.hops_y, routes.crossings)]
    longest = np.zeros(n_ticks, dtype=np.int64)
    np.maximum.at(longest, ticks, routes.max_hops[ids])
    return [*sums, longest, *_busiest_links(ticks, ids, routes, n_ticks, sums[0])]


def _busiest_links(ticks: IntArray, ids: IntArray, routes: RouteTable, n_ticks: int,
                   tick_packets: IntArray) -> tuple[IntArray, IntArray]:
    """The most loaded link of every tick, in chunks of ticks that bound the memory used."""
    busiest = np.full(n_ticks, -1, dtype=np.int64)
    load = np.zeros(n_ticks, dtype=np.int64)
    n_links, n_routes = routes.n_links, routes.route_hops_x.size
    step = max(1, _CHUNK_ENTRIES // n_links)
    sent = np.cumsum(tick_packets)
    by_packets = np.searchsorted(sent, np.arange(_CHUNK_ENTRIES, int(sent[-1]) if n_ticks else 0, _CHUNK_ENTRIES))
    starts = np.union1d(np.arange(0, n_ticks, step), by_packets)
    for t0, t1 in zip(starts, np.append(starts[1:], n_ticks)):
        s0, s1 = np.searchsorted(ticks, [t0, t1])
        spike_of, position = gather_rows(routes.packet_ptr, ids[s0:s1])
        # Packets of one tick on one route load the same links: count them per (tick, route) first.
        key, count = np.unique((ticks[s0:s1][spike_of] - t0) * n_routes + routes.packet_route[position],
                               return_counts=True)
        tick, route = np.divmod(key, n_routes)
        owner, link_at = gather_rows(routes.route_link_ptr, route)
        block = np.bincount(tick[owner] * n_links + routes.route_link_ids[link_at], count[owner].astype(np.float64),
                            minlength=(t1 - t0) * n_links).reshape(t1 - t0, n_links)
        best = np.argmax(block, axis=1)
        most = np.rint(block[np.arange(t1 - t0), best]).astype(np.int64)
        busiest[t0:t1] = np.where(most > 0, best, -1)
        load[t0:t1] = most
    return busiest, load
