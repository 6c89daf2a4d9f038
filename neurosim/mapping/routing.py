"""``route``: what one spike of every neuron costs on the network on chip.

A spike becomes one packet per distinct destination core (the cores holding the neuron's targets;
several populations on one core share the packet), sent from the router of the neuron's core, or
from router (0, 0) for a spike source (the host injects there). Packets are routed dimension-order
on the global router grid of ``X = chips_x * mesh_x`` by ``Y = chips_y * mesh_y`` tiles: first along
x in the source's row, then along y in the destination's column (Merolla et al. 2014, p. 5; Loihi 2
the same). A packet to a core of the same tile makes 0 hops but is still a packet.

Directed links are numbered by the router a packet leaves and the direction it leaves in::

    link id = (y * X + x) * 4 + direction,   direction 0 = +x, 1 = -x, 2 = +y, 3 = -y

A hop crosses a chip boundary when the chip column (x) or row (y) of its two routers differ; each
such hop is one chip crossing. Every profile is routed this way, whatever its ``routing`` field
says: for ``multicast_table`` chips (SpiNNaker) unicast XY routes are an upper bound of the hops of
a multicast tree, and a ``routing = "none"`` chip has one core, so no hops. The cost model decides
which counts cost energy.

Routes are computed once per distinct pair of routers (a *route*), not per packet, so a network of
a million neurons with tens of destination cores each routes in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from neurosim._checks import freeze_arrays
from neurosim.mapping.placement import Placement

IntArray = npt.NDArray[np.int64]

_DENSE_KEYS = 1 << 24
"""Largest key space :func:`_distinct` marks in a table rather than sorting (all router pairs of a
64 x 64 TrueNorth chip; 80 MB of flags and ranks)."""

DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))
"""``(dx, dy)`` of link directions 0 (+x), 1 (-x), 2 (+y), 3 (-y)."""


@dataclass(frozen=True, eq=False)
class RouteTable:
    """Packets, hops and links of one spike of every neuron (read-only).

    Attributes
    ----------
    placement : Placement
        What was routed.
    grid_shape : tuple of int
        ``(X, Y)`` routers of the global grid.
    packets, hops_x, hops_y, crossings, max_hops : ndarray of int64, shape (N,)
        Per neuron, for one spike: packets sent, hops along x and along y and chip crossings summed
        over its packets, and the hops of its longest packet.
    packet_ptr : ndarray of int64, shape (N + 1,)
        Neuron ``i``'s packets are ``packet_ptr[i]:packet_ptr[i + 1]`` of the packet arrays.
    packet_core, packet_route : ndarray of int64, shape (P,)
        Destination core and route of every packet.
    route_src, route_dst : ndarray of int64, shape (R, 2)
        Global router coordinates at the two ends of every route.
    route_hops_x, route_hops_y, route_crossings : ndarray of int64, shape (R,)
        Hops and chip crossings of every route.
    route_link_ptr : ndarray of int64, shape (R + 1,)
        Route ``r`` uses links ``route_link_ids[route_link_ptr[r]:route_link_ptr[r + 1]]``, in order.
    route_link_ids : ndarray of int64
    """

    placement: Placement = field(repr=False)
    grid_shape: tuple[int, int]
    packets: IntArray = field(repr=False)
    hops_x: IntArray = field(repr=False)
    hops_y: IntArray = field(repr=False)
    crossings: IntArray = field(repr=False)
    max_hops: IntArray = field(repr=False)
    packet_ptr: IntArray = field(repr=False)
    packet_core: IntArray = field(repr=False)
    packet_route: IntArray = field(repr=False)
    route_src: IntArray = field(repr=False)
    route_dst: IntArray = field(repr=False)
    route_hops_x: IntArray = field(repr=False)
    route_hops_y: IntArray = field(repr=False)
    route_crossings: IntArray = field(repr=False)
    route_link_ptr: IntArray = field(repr=False)
    route_link_ids: IntArray = field(repr=False)

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def n_links(self) -> int:
        """Directed link ids ``0 .. 4 * X * Y - 1`` (those leaving the grid's edge carry nothing)."""
        return 4 * self.grid_shape[0] * self.grid_shape[1]

    @property
    def link_ptr(self) -> IntArray:
        """Neuron ``i``'s packets traverse ``link_ids[link_ptr[i]:link_ptr[i + 1]]`` (built on first use)."""
        return self._neuron_links[0]

    @property
    def link_ids(self) -> IntArray:
        """The links of every neuron's packets, one entry per packet and link (a link used by two of
        its packets appears twice), so ``np.bincount(link_ids, np.repeat(spikes, np.diff(link_ptr)))``
        is the load of every link."""
        return self._neuron_links[1]

    @cached_property
    def _neuron_links(self) -> tuple[IntArray, IntArray]:
        # Its size is the sum of hops over all packets: built only when asked for (traffic() does not).
        per_neuron = _segment_sum(np.diff(self.route_link_ptr)[self.packet_route], self.packet_ptr)
        ptr = np.concatenate([[0], np.cumsum(per_neuron)]).astype(np.int64)
        _, positions = gather_rows(self.route_link_ptr, self.packet_route)
        ids = self.route_link_ids[positions]
        for a in (ptr, ids):
            a.setflags(write=False)
        return ptr, ids

    def link_endpoints(self, link_ids: npt.ArrayLike | None = None) -> IntArray:
        """Router coordinates ``[[x0, y0], [x1, y1]]`` at both ends of links (default: all links).

        Returns
        -------
        ndarray of int64, shape (n, 2, 2)
            ``[:, 0]`` the router the link leaves, ``[:, 1]`` the one it enters (off the grid for
            links leaving its edge).
        """
        ids = np.arange(self.n_links) if link_ids is None else np.asarray(link_ids, dtype=np.int64)
        cell, direction = np.divmod(ids, 4)
        y, x = np.divmod(cell, self.grid_shape[0])
        step = np.asarray(DIRECTIONS, dtype=np.int64)[direction]
        start = np.stack([x, y], axis=-1)
        return np.stack([start, start + step], axis=-2)


def route(placement: Placement) -> RouteTable:
    """Route one spike of every neuron of ``placement`` (see the module docstring for the rules).

    Parameters
    ----------
    placement : Placement
        From :func:`~neurosim.mapping.placement.place`.

    Returns
    -------
    RouteTable
    """
    c = placement.compiled
    n, n_cores = c.n_neurons, placement.core_xy.shape[0]
    width = placement.mesh.grid_shape[0]
    # Distinct (neuron, destination core) pairs: fan entries are per (neuron, group), groups per (population, core).
    fan_src = np.repeat(np.arange(n, dtype=np.int64), np.diff(c.src_fan_ptr))
    key = np.sort(fan_src * n_cores + placement.group_core[c.fan_group], kind="stable")
    distinct = np.ones(key.size, dtype=bool)
    distinct[1:] = key[1:] != key[:-1]
    packet_src, packet_core = np.divmod(key[distinct], n_cores)
    packet_ptr = np.searchsorted(packet_src, np.arange(n + 1)).astype(np.int64)

    core_router = placement.core_xy[:, 1] * width + placement.core_xy[:, 0]
    src_core = placement.neuron_core[packet_src]
    src_router = np.where(src_core >= 0, core_router[src_core], 0)  # sources inject at router (0, 0)
    n_routers = width * placement.mesh.grid_shape[1]
    routes, packet_route = _distinct(src_router * n_routers + core_router[packet_core], n_routers**2)
    src_cell, dst_cell = np.divmod(routes, n_routers)
    route_src = np.stack(np.divmod(src_cell, width)[::-1], axis=1)
    route_dst = np.stack(np.divmod(dst_cell, width)[::-1], axis=1)
    hops = np.abs(route_dst - route_src)
    chip_size = np.array([placement.mesh.mesh_x, placement.mesh.mesh_y])
    crossings = np.abs(route_dst // chip_size - route_src // chip_size).sum(axis=1)
    link_ptr, link_ids = _route_links(route_src, route_dst, width)

    per_packet = (hops[packet_route, 0], hops[packet_route, 1], crossings[packet_route])
    hx, hy, cross = (_segment_sum(v, packet_ptr) for v in per_packet)
    longest = _segment_max(per_packet[0] + per_packet[1], packet_ptr)
    return RouteTable(placement, placement.mesh.grid_shape, np.diff(packet_ptr), hx, hy, cross, longest,
                      packet_ptr, packet_core, packet_route, route_src, route_dst, hops[:, 0].copy(),
                      hops[:, 1].copy(), crossings, link_ptr, link_ids)


def _distinct(keys: IntArray, space: int) -> tuple[IntArray, IntArray]:
    """``np.unique(keys, return_inverse=True)`` for keys in ``[0, space)``, without a sort when the
    space is small next to the keys (a table of flags over the space costs less than sorting)."""
    if space > min(_DENSE_KEYS, 4 * keys.size):
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.astype(np.int64).ravel()
    present = np.zeros(space, dtype=bool)
    present[keys] = True
    rank = np.cumsum(present, dtype=np.int32) - 1  # int32: space <= 2**24
    return np.flatnonzero(present), rank[keys].astype(np.int64)


def _route_links(src: IntArray, dst: IntArray, width: int) -> tuple[IntArray, IntArray]:
    """Links of XY routes from ``src`` to ``dst`` (both (R, 2)), as a CSR over routes."""
    hx = np.abs(dst[:, 0] - src[:, 0])
    length = hx + np.abs(dst[:, 1] - src[:, 1])
    ptr = np.concatenate([[0], np.cumsum(length)]).astype(np.int64)
    r = np.repeat(np.arange(src.shape[0]), length)
    k = np.arange(ptr[-1]) - ptr[r]  # step number along the route
    step = np.sign(dst - src)[r]
    along_x = k < hx[r]
    # Link k leaves router (sx + k * step_x, sy) while on x, then (dx, sy + (k - hx) * step_y).
    x = np.where(along_x, src[r, 0] + k * step[:, 0], dst[r, 0])
    y = np.where(along_x, src[r, 1], src[r, 1] + (k - hx[r]) * step[:, 1])
    direction = np.where(along_x, np.where(step[:, 0] > 0, 0, 1), np.where(step[:, 1] > 0, 2, 3))
    return ptr, ((y * width + x) * 4 + direction).astype(np.int64)


def gather_rows(ptr: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Expand rows of a CSR: for every entry of the given rows, its row's position in ``rows`` and
    its index into the CSR's data, rows in the order given.

    >>> gather_rows(np.array([0, 2, 2, 5]), np.array([2, 0]))
    (array([0, 0, 0, 1, 1]), array([2, 3, 4, 0, 1]))
    """
    rows = np.asarray(rows, dtype=np.int64)
    start = ptr[rows]
    length = ptr[rows + 1] - start
    owner = np.repeat(np.arange(rows.size, dtype=np.int64), length)
    first = np.cumsum(length) - length  # where each row begins in the output
    return owner, np.arange(int(length.sum()), dtype=np.int64) - np.repeat(first - start, length)


def _segment_sum(values: IntArray, ptr: IntArray) -> IntArray:
    total = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    return total[ptr[1:]] - total[ptr[:-1]]


def _segment_max(values: IntArray, ptr: IntArray) -> IntArray:
    out = np.zeros(ptr.size - 1, dtype=np.int64)
    full = ptr[1:] > ptr[:-1]
    if full.any():
        out[full] = np.maximum.reduceat(values, ptr[:-1][full])
    return out
