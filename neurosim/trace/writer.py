"""``TraceWriter``: stream a simulation's spike packets to an HDF5 trace, one chunk at a time.

Used as ``simulate(placement.compiled, ticks, on_chunk=writer.write_chunk, record_spikes=False)``,
so memory stays bounded however long the run. Every dataset is created up front and the file is
switched to HDF5 single-writer/multiple-reader mode (SWMR). Each chunk is written in three steps,
each safe to interrupt: its rows are appended past the published ones and flushed, then the running
totals are rewritten, and only then the ``progress`` record (one write of four numbers) publishes
the chunk. The writer's own counts advance with the progress record, so a run stopped or killed at
any moment leaves a file that :func:`~neurosim.trace.reader.read_trace` reads up to the last
completed chunk, and rows past it are overwritten by the next chunk written.
"""
from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from neurosim._checks import positive_int
from neurosim._version import __version__
from neurosim.cost_model.per_core import per_core, spikes_per_core
from neurosim.cost_model.synops import graded_events_per_group, graded_spike_mask, ternary_populations
from neurosim.cost_model.traffic import route_link_load
from neurosim.engine import Chunk, SimResult, simulate
from neurosim.errors import ModelError, TraceError
from neurosim.chip.synapse_class import projection_labels
from neurosim.mapping.placement import Placement
from neurosim.mapping.routing import RouteTable, gather_rows
from neurosim.net.network import SpikeSource
from neurosim.trace.schema import CORE_FIELDS, FORMAT, PACKET_FIELDS, SPIKE_FIELDS, TICK_FIELDS, TRACE_VERSION

if TYPE_CHECKING:
    import h5py

_ROWS = 1024  # HDF5 chunk of the appendable 1-D columns (rows): see docs/traces.md, "Compression"
_COMPRESS = dict(compression="gzip", compression_opts=1, shuffle=True)  # gzip: readable by every HDF5
_SMALL = 64  # elements: tables this small are stored contiguous (a compressed chunk would only add overhead)


class TraceWriter:
    """Write the trace of one run of ``placement.compiled`` to ``path`` (overwritten).

    Parameters
    ----------
    path : str or path-like
    placement : Placement
        The placement simulated; its route table gives each spike's packets.
    ticks : int
        Ticks planned (the header; the trace holds the ticks actually completed).
    probe : populations probed in ``simulate(probe=...)``, in the same order; their states are sampled.
    probe_every : keep the probed states of every ``probe_every``-th tick (ticks ``t % probe_every == 0``).
    counters : also write per-tick, per-core synaptic events, updates and spikes.
    routes : a route table of the placement; default ``placement.routes``.

    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike, placement: Placement, ticks: int, *, probe: Iterable[str] = (),
                 probe_every: int = 1, counters: bool = True, routes: RouteTable | None = None) -> None:
        if not isinstance(placement, Placement):
            raise ModelError(f"a trace needs a Placement (neurosim.mapping.placement.place(compiled, chip)), "
                             f"got {type(placement).__name__}")
        probe_every = positive_int(probe_every, "probe_every")
        self.placement, self.routes = placement, routes if routes is not None else placement.routes
        self.compiled = c = placement.compiled
        self.probe, self.probe_every, self.counters = list(probe), int(probe_every), counters
        for name in self.probe:
            if isinstance(c.network.nodes[name], SpikeSource):
                raise ModelError(f"'{name}' is a spike source; only populations have a state to probe")
        self.neuron_core = np.asarray(placement.neuron_core, dtype=np.int64)
        hops = self.routes.route_hops_x + self.routes.route_hops_y
        self.packet_hops = hops[self.routes.packet_route].astype(np.int32)
        used = np.unique(np.concatenate([placement.group_core, self.neuron_core]))
        self.core_ids = used[used >= 0]
        self._published = (0, 0, 0)  # (ticks, packet rows, spike rows) in the progress record: one assignment
        self.link_load = np.zeros(self.routes.n_links, dtype=np.int64)
        self.totals = dict(events=np.zeros(c.n_groups, np.int64), updates=np.zeros(c.n_groups, np.int64),
                           graded_events=np.zeros(c.n_groups, np.int64))
        self.forced = np.zeros(len(c.names), dtype=np.int64)
        import h5py  # on first use: `import neurosim` does without it (docs/decisions/0023-start-up.md)

        try:
            self.f = h5py.File(path, "w", libver="latest")
        except OSError as err:
            raise TraceError(f"{path}: cannot create the trace file: {str(err).splitlines()[0]}") from None
        try:
            self._create(int(ticks))
            self.f.swmr_mode = True  # from here on no new object; appends only
        except BaseException:
            self.f.close()
            raise

    # -- layout -------------------------------------------------------------------------------------
    def _create(self, ticks: int) -> None:

        f, pl, c = self.f, self.placement, self.compiled
        profile = pl.profile
        pops = []
        for k, name in enumerate(c.names):
            node = c.network.nodes[name]
            model = f"source:{type(node).__name__}" if isinstance(node, SpikeSource) else node.model.name
            pops.append(dict(name=name, start=int(c.pop_offset[k]), stop=int(c.pop_offset[k + 1]), model=model))
        npc = pl.options.get("neurons_per_core", None) or profile.neurons_per_core
        f.attrs.update(dict(
            format=FORMAT, trace_version=TRACE_VERSION, neurosim_version=__version__,
            network=c.network.name or "", profile=profile.name or "",
            tick_s=float(profile.tick_s) if profile.tick_s is not None else math.nan,
            ticks_planned=ticks, neurons_per_core=int(npc) if npc else -1, strategy=pl.strategy,
            grid_shape=np.asarray(self.routes.grid_shape, dtype=np.int64), populations=json.dumps(pops),
            probe_every=self.probe_every, chip_profile=json.dumps(profile.to_dict()),
            mesh_published=bool(pl.mesh.published), unpublished=json.dumps(list(profile.unpublished)),
            projection_labels=json.dumps(projection_labels(c.network))))
        f.create_dataset("progress", data=np.zeros(4, dtype=np.int64))
        rt = self.routes
        r = rt.packet_route
        static = {"placement/neuron_core": self.neuron_core, "placement/core_xy": pl.core_xy,
                  "placement/core_chip": pl.core_chip, "groups/population": c.group_pop,
                  "groups/core": pl.group_core, "routes/packet_ptr": rt.packet_ptr,
                  "routes/packet_dx": rt.route_hops_x[r], "routes/packet_dy": rt.route_hops_y[r],
                  "routes/packet_crossings": rt.route_crossings[r]}
        for name, data in static.items():
            _table(f, name, np.asarray(data, dtype=np.int64))
        for group, fields in (("packets", PACKET_FIELDS), ("spikes", SPIKE_FIELDS), ("ticks", TICK_FIELDS)):
            for name, (dtype, _) in fields.items():
                f.create_dataset(f"{group}/{name}", (0,), dtype=dtype, maxshape=(None,), chunks=(_ROWS,), **_COMPRESS)
        # Running totals, rewritten in place after every chunk.
        _table(f, "links/load", self.link_load)
        for name, data in self.totals.items():
            _table(f, f"groups/{name}", data)
        _table(f, "populations/forced_updates", self.forced)
        if self.counters:
            n = self.core_ids.size
            f.create_dataset("cores/ids", data=self.core_ids)
            for name in CORE_FIELDS:
                f.create_dataset(f"cores/{name}", (0, n), dtype="int64", maxshape=(None, n),
                                 chunks=(max(1, min(1024, _ROWS // max(n, 1))), max(n, 1)), **_COMPRESS)
        for name in self.probe:
            sl = c.pop_slice(name)
            states = c.network.nodes[name].model.state_names
            g = f.create_group(f"probes/{name}")
            g.attrs["state_names"] = json.dumps(list(states))
            g.create_dataset("tick", (0,), dtype="int64", maxshape=(None,), chunks=(4096,))
            shape = (sl.stop - sl.start, len(states))
            g.create_dataset("state", (0, *shape), dtype="float64", maxshape=(None, *shape),
                             chunks=(max(1, min(256, _ROWS // max(1, shape[0] * shape[1]))), *shape), **_COMPRESS)

    @property
    def ticks_done(self) -> int:
        """Ticks published in the progress record (whole chunks)."""
        return self._published[0]

    @property
    def n_packets(self) -> int:
        """Packet rows published in the progress record."""
        return self._published[1]

    @property
    def n_spikes(self) -> int:
        """Spike rows published in the progress record."""
        return self._published[2]

    # -- streaming ----------------------------------------------------------------------------------
    def write_chunk(self, chunk: Chunk) -> None:
        """Append one :class:`~neurosim.engine.result.Chunk`: its rows, then the totals, then the progress.

        An interrupt at any point leaves the published trace as it was before the chunk, or with
        the chunk complete; never rows or counts of part of it.
        """
        if chunk.t0 != self.ticks_done:
            raise ModelError(f"trace: chunk starts at tick {chunk.t0}, expected {self.ticks_done}")
        f, rt = self.f, self.routes
        ticks = np.asarray(chunk.spike_ticks, dtype=np.int64)
        ids = np.asarray(chunk.spike_ids, dtype=np.int64)
        owner, rows = gather_rows(rt.packet_ptr, ids)
        packets = dict(tick=ticks[owner], src_neuron=ids[owner], src_core=self.neuron_core[ids][owner],
                       dst_core=rt.packet_core[rows], hops=self.packet_hops[rows])
        # 1. The rows, past the published ones (readers ignore them until the progress record counts them).
        n_packets = _append(f["packets"], packets, self.n_packets)
        values = np.asarray(chunk.spike_values, dtype=np.float64)
        n_spikes = _append(f["spikes"], dict(tick=ticks, neuron=ids, value=values), self.n_spikes)
        pt = chunk.per_tick
        _append(f["ticks"], dict(spikes=pt["tick_spikes"], events=pt["tick_events"], updates=pt["tick_updates"]),
                self.ticks_done)
        if self.counters:
            self._cores(chunk)
        self._probes(chunk)
        f.flush()
        # 2. The running totals, computed aside and then rewritten in place.
        link_load = self.link_load + self._link_load(rt.packet_route[rows])
        totals, forced = self._totals(chunk, ticks, ids, values)
        f["links/load"][...] = link_load
        for name, data in totals.items():
            f[f"groups/{name}"][...] = data
        f["populations/forced_updates"][...] = forced
        self.link_load, self.totals, self.forced = link_load, totals, forced
        # 3. The progress record, last.
        self._published = (chunk.t1, n_packets, n_spikes)
        self._progress(complete=False)

    def _link_load(self, packet_routes: np.ndarray) -> np.ndarray:
        """Packets of the chunk over each directed link."""
        per_route = np.bincount(packet_routes, minlength=self.routes.route_hops_x.size)
        return route_link_load(per_route, self.routes)

    def _totals(self, chunk: Chunk, ticks: np.ndarray, ids: np.ndarray,
                values: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The per-group and per-population totals with the chunk added (new arrays; nothing is written)."""
        pt, tot = chunk.per_tick, dict(self.totals)
        tot["events"] = tot["events"] + np.asarray(pt["tick_group_events"], dtype=np.int64).sum(axis=0)
        tot["updates"] = tot["updates"] + np.asarray(pt["tick_group_updates"], dtype=np.int64).sum(axis=0)
        graded = graded_spike_mask(values, ids, self.compiled.pop_offset, ternary_populations(self.compiled.network))
        if graded.any():
            planned = int(self.f.attrs["ticks_planned"])
            tot["graded_events"] = tot["graded_events"] + np.rint(graded_events_per_group(
                self.compiled, planned, ticks[graded], ids[graded])).astype(np.int64)
        forced = self.forced
        if chunk.pop_forced_updates is not None:
            forced = forced + np.asarray(chunk.pop_forced_updates, dtype=np.int64)
        return tot, forced

    def _cores(self, chunk: Chunk) -> None:
        pt, group_core = chunk.per_tick, self.placement.group_core
        events = per_core(np.asarray(pt["tick_group_events"], dtype=np.int64), group_core, self.core_ids)
        updates = per_core(np.asarray(pt["tick_group_updates"], dtype=np.int64), group_core, self.core_ids)
        spikes = spikes_per_core(chunk.spike_ticks, chunk.spike_ids, self.neuron_core, self.core_ids, chunk.t0,
                                 chunk.t1 - chunk.t0)
        _append(self.f["cores"], dict(events=events, updates=updates, spikes=spikes), self.ticks_done)

    def _probes(self, chunk: Chunk) -> None:
        if not self.probe:
            return
        ticks = np.arange(chunk.t0, chunk.t1)
        keep = ticks % self.probe_every == 0
        start = 0
        for name in self.probe:
            g = self.f[f"probes/{name}"]
            size, n_state = g["state"].shape[1:]
            n_old = -(-chunk.t0 // self.probe_every)  # samples of the published ticks
            _append(g, dict(tick=ticks[keep], state=chunk.probes[keep, start:start + size, :n_state]), n_old)
            start += size

    def _progress(self, complete: bool) -> None:
        self.f["progress"][...] = np.array([*self._published, int(complete)], dtype=np.int64)
        self.f.flush()

    def close(self) -> None:
        """Mark the trace complete and close the file (idempotent)."""
        if self.f.id.valid:
            self._progress(complete=self.ticks_done == self.f.attrs["ticks_planned"])
            self.f.close()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _table(f: h5py.File, name: str, data: np.ndarray) -> None:
    """A fixed-size dataset holding ``data``: gzip-compressed, unless it is tiny."""
    f.create_dataset(name, data=data, **(_COMPRESS if data.size > _SMALL else {}))


def _append(group: h5py.Group, columns: dict, n_old: int) -> int:
    """Append equal-length arrays to the datasets of ``group`` named by the keys; return the new length."""
    n_new = n_old
    for name, values in columns.items():
        ds = group[name]
        values = np.asarray(values)
        n_new = n_old + values.shape[0]
        ds.resize(n_new, axis=0)
        ds[n_old:n_new] = values
    return n_new


def record_trace(placement: Placement, path: str | os.PathLike, ticks: int, *, probe: Iterable[str] = (),
                 probe_every: int = 1, counters: bool = True, seed: int = 0, chunk_ticks: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> SimResult:
    """Simulate ``placement.compiled`` for ``ticks`` ticks, streaming its trace to ``path``.

    The three-line recipe it wraps (for the options of :func:`simulate` not repeated here)::

        with TraceWriter(path, placement, ticks, probe=probe) as writer:
            result = simulate(placement.compiled, ticks, probe=probe, record_spikes=False,
                              on_chunk=writer.write_chunk)

    Returns
    -------
    SimResult
        Counters and probes of the run; no spike list (the trace holds the spikes).
    """
    probe = list(probe)
    with TraceWriter(path, placement, ticks, probe=probe, probe_every=probe_every, counters=counters) as writer:
        return simulate(placement.compiled, ticks, probe=probe, record_spikes=False, seed=seed,
                        chunk_ticks=chunk_ticks, progress=progress, on_chunk=writer.write_chunk)
