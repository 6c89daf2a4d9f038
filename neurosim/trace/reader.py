"""``read_trace``: a trace file as numpy arrays, up to the last completed chunk.

Refuses, with a one-line :class:`~neurosim.errors.TraceError`, a file that is not HDF5, an HDF5 file
that is not a neurosim trace, a trace of a version it does not read
(:data:`~neurosim.trace.schema.READABLE_VERSIONS`), a trace missing a dataset it reads, a trace whose
datasets, as declared, would not fit the memory limit (checked before reading anything), a trace
whose datasets are shorter than its ``progress`` record says, and a trace whose content breaks the
schema: a dtype or rank other than the schema's, a negative count, a tick, neuron, core or
population out of range, a core listed twice in ``cores/ids``, or counts that do not add up (spike
rows per tick against ``ticks/spikes``, packet rows against the route table, the version-2 totals
against each other and the per-tick counts). Everything :func:`~neurosim.trace.cost.cost_trace` and
the plots index with is checked here. ``chunk_rows`` reads the long columns in slices (with a
progress bar when asked), so that a long trace is never held twice in memory while it is read.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from neurosim._checks import check_memory, memory_limit, positive_int
from neurosim.errors import TraceError
from neurosim.trace.schema import (CORE_FIELDS, DATASETS, FORMAT, PACKET_FIELDS, READABLE_VERSIONS, SPIKE_FIELDS,
                                   TICK_FIELDS, TRACE_VERSION)

if TYPE_CHECKING:
    import h5py

_VERSION2_FIELDS = dict(group_population="groups/population", group_core="groups/core", group_events="groups/events",
                       group_updates="groups/updates", group_graded_events="groups/graded_events",
                       pop_forced_updates="populations/forced_updates", packet_ptr="routes/packet_ptr",
                       packet_dx="routes/packet_dx", packet_dy="routes/packet_dy",
                       packet_crossings="routes/packet_crossings")
"""The :class:`Trace` fields version 2 added (what costing a trace needs) and their datasets."""
_VERSION2_DATASETS = (*_VERSION2_FIELDS.values(), "spikes/value")


@dataclass(frozen=True, eq=False)
class Trace:
    """A trace read back (read-only arrays; see ``docs/traces.md`` for every field).

    Attributes
    ----------
    path : Path
    version : int
    network, profile, strategy, neurosim_version : str
    tick_s : float or None
        Seconds per tick, ``None`` when the profile publishes none.
    ticks_planned, ticks : int
        Ticks asked for and ticks completed (whole chunks only).
    complete : bool
        Whether the writer was closed after the last planned tick.
    populations : tuple of dict
        ``{name, start, stop, model}`` per population and spike source, in global id order.
    neurons_per_core : int or None
    grid_shape : tuple of int
    neuron_core, core_xy, core_chip : ndarray of int64
    packets : dict of str to ndarray
        Columns ``tick, src_neuron, src_core, dst_core, hops``: one row per spike and destination core.
    spikes : dict of str to ndarray
        Columns ``tick, neuron`` and (version 2) ``value``: one row per spike.
    tick_spikes, tick_events, tick_updates : ndarray of int64, shape (ticks,)
    link_load : ndarray of int64, shape (4 X Y,)
        Packets per directed link (exact when ``complete``; after a crash it may include the chunk
        being written, at most one chunk ahead of ``ticks``).
    core_ids : ndarray of int64, shape (C,), or None
    core_events, core_updates, core_spikes : ndarray of int64, shape (ticks, C), or None
    probes : dict of str to tuple (ticks (S,), state (S, size, n_state), state_names)
    chip_profile : dict or None
        The profile simulated, as ``ChipProfile.to_dict()`` (``None`` in a version-1 trace).
    mesh_published : bool or None
        Whether the placement's router mesh is the chip's published one. ``False``: the profile
        publishes none, its tiles lie in one numbered row, and ``core_xy``, the hops, link loads and
        route tables are on that row, not the chip's (:func:`~neurosim.trace.cost.cost_trace` marks
        their terms). ``None`` in a version-1 trace (not recorded).
    unpublished : tuple of str or None
        The profile's keys it does not publish (``None`` in a version-1 trace).
    projection_labels : dict or None
        ``{projection: {"attributes": ..., "kinds": [...]}}``, what synapse classes select by
        (``None`` in a trace written before neurosim kept it).
    group_population, group_core, group_events, group_updates, group_graded_events : ndarray or None
        (G,) per destination group: its population and core, and its totals over the completed run.
    pop_forced_updates : ndarray or None
        (P,) probe-forced updates per population.
    packet_ptr, packet_dx, packet_dy, packet_crossings : ndarray or None
        The route table's packets of one spike of every neuron and their x hops, y hops, crossings.

    The version-2 totals are rewritten after every chunk, like ``link_load``: exact in a complete
    trace, possibly one chunk ahead of ``ticks`` after a crash.
    """

    path: Path
    version: int
    network: str
    profile: str
    strategy: str
    neurosim_version: str
    tick_s: float | None
    ticks_planned: int
    ticks: int
    complete: bool
    populations: tuple[dict, ...]
    neurons_per_core: int | None
    grid_shape: tuple[int, int]
    neuron_core: np.ndarray = field(repr=False)
    core_xy: np.ndarray = field(repr=False)
    core_chip: np.ndarray = field(repr=False)
    packets: dict = field(repr=False)
    spikes: dict = field(repr=False)
    tick_spikes: np.ndarray = field(repr=False)
    tick_events: np.ndarray = field(repr=False)
    tick_updates: np.ndarray = field(repr=False)
    link_load: np.ndarray = field(repr=False)
    core_ids: np.ndarray | None = field(repr=False)
    core_events: np.ndarray | None = field(repr=False)
    core_updates: np.ndarray | None = field(repr=False)
    core_spikes: np.ndarray | None = field(repr=False)
    probes: dict = field(repr=False)
    chip_profile: dict | None = field(default=None, repr=False)
    projection_labels: dict | None = field(default=None, repr=False)
    group_population: np.ndarray | None = field(default=None, repr=False)
    group_core: np.ndarray | None = field(default=None, repr=False)
    group_events: np.ndarray | None = field(default=None, repr=False)
    group_updates: np.ndarray | None = field(default=None, repr=False)
    group_graded_events: np.ndarray | None = field(default=None, repr=False)
    pop_forced_updates: np.ndarray | None = field(default=None, repr=False)
    packet_ptr: np.ndarray | None = field(default=None, repr=False)
    packet_dx: np.ndarray | None = field(default=None, repr=False)
    packet_dy: np.ndarray | None = field(default=None, repr=False)
    packet_crossings: np.ndarray | None = field(default=None, repr=False)
    mesh_published: bool | None = None
    unpublished: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        arrays = [v for v in self.__dict__.values() if isinstance(v, np.ndarray)]
        arrays += [a for d in (self.packets, self.spikes) for a in d.values()]
        arrays += [a for t, s, _ in self.probes.values() for a in (t, s)]
        for a in arrays:
            a.setflags(write=False)

    @property
    def tick_packets(self) -> np.ndarray:
        """(ticks,) packets sent per tick (rows of ``packets`` per tick)."""
        return np.bincount(self.packets["tick"], minlength=self.ticks)[:self.ticks].astype(np.int64)

    @property
    def tick_hops(self) -> np.ndarray:
        """(ticks,) router hops per tick."""
        return np.bincount(self.packets["tick"], self.packets["hops"], minlength=self.ticks)[:self.ticks].astype(np.int64)

    def population(self, name: str) -> dict:
        """The header entry ``{name, start, stop, model}`` of population ``name``."""
        for pop in self.populations:
            if pop["name"] == name:
                return pop
        raise TraceError(f"{self.path}: no population '{name}' (has: {', '.join(p['name'] for p in self.populations)})")

    @property
    def metadata(self) -> dict[str, Any]:
        """What an exported table carries about its trace (JSON-serialisable): network, profile, version,
        ticks, and whether the mesh and the profile's numbers were published."""
        return {"network": self.network, "profile": self.profile, "trace_version": self.version,
                "ticks": self.ticks, "complete": self.complete, "mesh_published": self.mesh_published,
                "unpublished": None if self.unpublished is None else list(self.unpublished)}

    def to_pandas(self) -> Any:
        """The packet table as a ``pandas.DataFrame`` (needs pandas, which neurosim does not require), with
        :attr:`metadata` in its ``attrs["neurosim"]``."""
        try:
            import pandas as pd
        except ImportError:
            raise TraceError("Trace.to_pandas needs pandas, which is not installed; use the numpy arrays in "
                             "trace.packets instead") from None
        frame = pd.DataFrame(self.packets)
        frame.attrs["neurosim"] = self.metadata
        return frame


def read_trace(path: str | os.PathLike, *, chunk_rows: int | None = None, progress: bool = False) -> Trace:
    """Read the trace at ``path``, up to its last completed chunk.

    Parameters
    ----------
    chunk_rows : read the packet, spike and per-tick columns ``chunk_rows`` rows at a time into
        the result (default: each column in one read). Same arrays either way.
    progress : show a progress bar (tqdm, on stderr) over the rows read; implies chunked reading.

    Raises
    ------
    TraceError
        One line naming the file and the reason, for anything that is not a readable trace.
    """
    path = Path(path)
    if not path.is_file():
        raise TraceError(f"{path}: no such trace file")
    try:
        f = _open(path)
    except OSError as err:
        raise TraceError(f"{path}: not a readable HDF5 file (truncated or corrupt?): {_first_line(err)}") from None
    try:
        with f:
            return _read(f, path, chunk_rows, progress)
    except TraceError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError, IndexError) as err:
        raise TraceError(f"{path}: damaged neurosim trace: {_first_line(err)}") from None


def _open(path: Path) -> h5py.File:
    import h5py  # on first use: `import neurosim` does without it (docs/decisions/0023-start-up.md)

    try:
        return h5py.File(path, "r")
    except OSError as err:
        # A writer killed in SWMR mode leaves the file marked open for writing; SWMR readers may open it.
        if "already open for write" not in str(err):
            raise
        return h5py.File(path, "r", swmr=True)


def _read(f: h5py.File, path: Path, chunk_rows: int | None, progress: bool) -> Trace:
    a = f.attrs
    if _str(a.get("format")) != FORMAT:
        raise TraceError(f"{path}: not a neurosim trace (no root attribute format='{FORMAT}')")
    version = a.get("trace_version")
    version = version.item() if isinstance(version, np.generic) else version
    if version not in READABLE_VERSIONS:
        raise TraceError(f"{path}: trace version {version!r} is not supported; this neurosim reads trace version "
                         f"{TRACE_VERSION} (and {', '.join(str(v) for v in READABLE_VERSIONS if v != TRACE_VERSION)}; "
                         "docs/traces.md)")
    ticks, n_packets, n_spikes, complete = _progress(f, path)
    if not isinstance(a.get("probe_every"), (int, np.integer)) or int(a["probe_every"]) < 1:
        raise TraceError(f"{path}: damaged neurosim trace: attribute probe_every={a.get('probe_every')} is not "
                         "a positive integer")
    every = int(a["probe_every"])
    rows = {"packets": n_packets, "spikes": n_spikes, "ticks": ticks, "cores": ticks, "probes": -(-ticks // every)}
    _check_size(f, path, _datasets_read(f, path, version), rows)
    reader = _Columns(f, path, chunk_rows, progress, n_packets * len(PACKET_FIELDS) + n_spikes * len(SPIKE_FIELDS))
    packets = {k: reader.read(f"packets/{k}", n_packets) for k in PACKET_FIELDS}
    spikes = {k: reader.read(f"spikes/{k}", n_spikes) for k in SPIKE_FIELDS if f"spikes/{k}" in f}
    per_tick = {k: _column(f, f"ticks/{k}", ticks, path) for k in TICK_FIELDS}
    reader.close()
    cores: dict[str, np.ndarray | None] = dict.fromkeys(CORE_FIELDS)
    core_ids = None
    if "cores" in f:
        core_ids = _int64(f["cores/ids"], path)
        cores = {k: _column(f, f"cores/{k}", ticks, path) for k in CORE_FIELDS}
    extra = _version2(f, path) if version >= 2 else {}
    probes = {}
    for name, g in (f["probes"].items() if "probes" in f else ()):
        n = -(-ticks // every)  # samples taken in the completed ticks
        probes[name] = (_column(g, "tick", n, path), _column(g, "state", n, path), tuple(json.loads(g.attrs["state_names"])))
    tick_s = float(a["tick_s"])
    npc = int(a["neurons_per_core"])
    trace = Trace(
        path=path, version=int(version), network=_str(a["network"]), profile=_str(a["profile"]),
        strategy=_str(a["strategy"]), neurosim_version=_str(a["neurosim_version"]),
        tick_s=None if math.isnan(tick_s) else tick_s, ticks_planned=int(a["ticks_planned"]), ticks=ticks,
        complete=bool(complete), populations=tuple(json.loads(_str(a["populations"]))),
        neurons_per_core=npc if npc > 0 else None, grid_shape=tuple(int(x) for x in a["grid_shape"]),
        neuron_core=f["placement/neuron_core"][...], core_xy=f["placement/core_xy"][...],
        core_chip=f["placement/core_chip"][...], packets=packets, spikes=spikes,
        tick_spikes=per_tick["spikes"], tick_events=per_tick["events"], tick_updates=per_tick["updates"],
        link_load=f["links/load"][...], core_ids=core_ids, core_events=cores["events"],
        core_updates=cores["updates"], core_spikes=cores["spikes"], probes=probes, **extra)
    _verify(trace)
    return trace


def _datasets_read(f: h5py.File, path: Path, version: int) -> list[str]:
    """Every dataset the reader reads (those its consumers use), each checked to exist."""
    names = [name for name in DATASETS if not name.startswith(("cores/", "probes/"))
             and (version >= 2 or name not in _VERSION2_DATASETS)]
    if "cores" in f:
        names += ["cores/ids", *(f"cores/{k}" for k in CORE_FIELDS)]
    if "probes" in f:
        names += [f"probes/{name}/{k}" for name in f["probes"] for k in ("tick", "state")]
    from h5py import Dataset

    for name in names:
        if not isinstance(f.get(name), Dataset):
            raise TraceError(f"{path}: damaged neurosim trace: dataset '{name}' is missing (a version-{version} "
                             "trace has every dataset of docs/traces.md, optional ones apart)")
    return names


def _check_size(f: h5py.File, path: Path, names: list[str], rows: dict[str, int]) -> None:
    """Refuse, before reading, datasets whose declared sizes would not fit the memory limit.

    ``rows``: the rows read of the datasets of each group (the progress record's counts); the
    others are read whole.
    """
    parts = {}
    for name in names:
        ds = f[name]
        group = name.split("/", 1)[0]
        n = 1 if not ds.shape else (min(ds.shape[0], rows[group]) if group in rows and name != "cores/ids"
                                    else ds.shape[0])
        parts[name] = n * math.prod(ds.shape[1:]) * ds.dtype.itemsize
    check_memory(parts, f"{path}: reading the trace", f"read it where more memory is free (a file of "
                 f"{path.stat().st_size} bytes declaring this much is damaged)", memory_limit(), TraceError,
                 argument=False)


def _int64(ds: h5py.Dataset, path: Path) -> np.ndarray:
    """Dataset ``ds`` of integers as int64, refusing another dtype or a value int64 cannot hold (before casting)."""
    data = ds[...]
    if data.dtype.kind not in "iu":
        raise TraceError(f"{path}: damaged neurosim trace: '{ds.name}' is {data.dtype}; the schema has int64")
    if data.dtype.kind == "u" and data.size and int(data.max()) > np.iinfo(np.int64).max:
        raise TraceError(f"{path}: damaged neurosim trace: '{ds.name}' holds {int(data.max())}, above the int64 "
                         "the schema has")
    return data.astype(np.int64)


def _progress(f: h5py.File, path: Path) -> tuple[int, int, int, int]:
    """The progress record ``(ticks, packet rows, spike rows, complete)``, checked."""
    ds = f["progress"]
    if ds.shape != (4,) or ds.dtype.kind not in "iu":
        raise TraceError(f"{path}: damaged neurosim trace: 'progress' is {ds.dtype} {ds.shape}, not int64 (4,)")
    ticks, n_packets, n_spikes, complete = (int(x) for x in ds[...])
    if min(ticks, n_packets, n_spikes) < 0 or complete not in (0, 1):
        raise TraceError(f"{path}: damaged neurosim trace: progress record {[ticks, n_packets, n_spikes, complete]} "
                         "has a negative count or a complete flag other than 0 or 1")
    return ticks, n_packets, n_spikes, complete


def _verify(t: Trace) -> None:
    """Raise a TraceError naming the first field of ``t`` that breaks the schema (see the module docstring)."""
    damaged = f"{t.path}: damaged neurosim trace:"

    def require(ok: bool, what: str) -> None:
        if not ok:
            raise TraceError(f"{damaged} {what}")

    def column(name: str, a: np.ndarray | None, rank: int, kind: str = "iu") -> None:
        if a is not None:
            require(a.ndim == rank and a.dtype.kind in kind,
                    f"'{name}' is {a.dtype} of rank {a.ndim}; the schema has rank {rank} of "
                    f"{'integers' if kind == 'iu' else 'floats'}")

    def within(name: str, a: np.ndarray | None, low: int, high: int) -> None:
        """Every value of ``a`` in ``[low, high)``."""
        if a is not None and a.size:
            lo, hi = int(a.min()), int(a.max())
            require(lo >= low and hi < high, f"'{name}' holds values in [{lo}, {hi}], outside [{low}, {high - 1}]")

    require(len(t.grid_shape) == 2 and min(t.grid_shape) >= 1, f"grid_shape {t.grid_shape} is not two positive sizes")
    require(0 <= t.ticks <= t.ticks_planned, f"{t.ticks} ticks done of {t.ticks_planned} planned")
    for name in ("neuron_core", "core_chip", "link_load", "tick_spikes", "tick_events", "tick_updates", "core_ids",
                 "group_population", "group_core", "group_events", "group_updates", "group_graded_events",
                 "pop_forced_updates", "packet_ptr", "packet_dx", "packet_dy", "packet_crossings"):
        column(name, getattr(t, name), 1)
    for name in ("core_xy", "core_events", "core_updates", "core_spikes"):
        column(name, getattr(t, name), 2)
    for name, a in (*((f"packets/{k}", v) for k, v in t.packets.items()),
                    *((f"spikes/{k}", v) for k, v in t.spikes.items())):
        column(name, a, 1, "f" if name == "spikes/value" else "iu")
    n_neurons, n_cores = t.neuron_core.size, t.core_xy.shape[0]
    bounds = [p.get("start") for p in t.populations] + [t.populations[-1].get("stop") if t.populations else 0]
    require(bool(t.populations) and bounds[0] == 0 and bounds[-1] == n_neurons
            and all(isinstance(b, int) for b in bounds) and all(np.diff(bounds) >= 1),
            f"the populations do not cover neurons 0 to {n_neurons - 1} in order")
    require(t.core_xy.shape[1:] == (2,) and t.core_chip.size == n_cores, "placement/core_xy is not (n_cores, 2) "
            "with one placement/core_chip per core")
    within("placement/core_xy x", t.core_xy[:, 0], 0, t.grid_shape[0])
    within("placement/core_xy y", t.core_xy[:, 1], 0, t.grid_shape[1])
    within("placement/neuron_core", t.neuron_core, -1, n_cores)
    require(t.link_load.size == 4 * t.grid_shape[0] * t.grid_shape[1], f"links/load has {t.link_load.size} links, "
            f"the grid {t.grid_shape} has {4 * t.grid_shape[0] * t.grid_shape[1]}")
    for name in ("link_load", "tick_spikes", "tick_events", "tick_updates", "group_events", "group_updates",
                 "group_graded_events", "pop_forced_updates", "packet_dx", "packet_dy", "packet_crossings",
                 "core_events", "core_updates", "core_spikes"):
        within(name, getattr(t, name), 0, np.iinfo(np.int64).max)
    for name in ("tick", "src_neuron", "dst_core", "hops"):
        require(name in t.packets, f"packets/{name} is missing")
    within("spikes/tick", t.spikes["tick"], 0, t.ticks)
    within("spikes/neuron", t.spikes["neuron"], 0, n_neurons)
    within("packets/tick", t.packets["tick"], 0, t.ticks)
    within("packets/src_neuron", t.packets["src_neuron"], 0, n_neurons)
    within("packets/src_core", t.packets["src_core"], -1, n_cores)
    within("packets/dst_core", t.packets["dst_core"], 0, n_cores)
    within("packets/hops", t.packets["hops"], 0, t.grid_shape[0] + t.grid_shape[1])
    per_tick = np.bincount(t.spikes["tick"], minlength=t.ticks)
    require(np.array_equal(per_tick, t.tick_spikes), f"{t.spikes['tick'].size} spike rows, but ticks/spikes counts "
            f"{int(t.tick_spikes.sum())} spikes (or puts them in other ticks)")
    if t.core_ids is not None:
        within("cores/ids", t.core_ids, 0, n_cores)
        repeated = t.core_ids[1:][np.diff(t.core_ids) <= 0]
        require(repeated.size == 0, f"cores/ids is not strictly increasing (core "
                f"{_first(repeated)} listed twice or out of order)")
        placed = np.unique(t.neuron_core[t.neuron_core >= 0])
        unlisted = placed[~np.isin(placed, t.core_ids)]
        require(unlisted.size == 0, f"core {_first(unlisted)} holds neurons but has no "
                "column in cores/ids")
        for name in ("core_events", "core_updates", "core_spikes"):
            require(getattr(t, name).shape[1] == t.core_ids.size, f"{name} does not have one column per core")
    if t.packet_ptr is not None:
        n_routes = t.packet_dx.size
        require(t.packet_ptr.size == n_neurons + 1 and t.packet_ptr[0] == 0 and t.packet_ptr[-1] == n_routes
                and bool(np.all(np.diff(t.packet_ptr) >= 0)) and t.packet_dy.size == n_routes
                and t.packet_crossings.size == n_routes, "the route table routes/ is not a CSR over the neurons")
        sent = int(np.diff(t.packet_ptr)[t.spikes["neuron"]].sum())
        require(sent == t.packets["tick"].size, f"{t.packets['tick'].size} packet rows, but the spikes and the route "
                f"table make {sent}")
        n_groups = t.group_population.size
        for name in ("group_core", "group_events", "group_updates", "group_graded_events"):
            require(getattr(t, name).size == n_groups, f"{name} does not have one entry per group")
        within("groups/population", t.group_population, 0, len(t.populations))
        within("groups/core", t.group_core, -1, n_cores)
        require(t.pop_forced_updates.size == len(t.populations), "populations/forced_updates does not have one "
                "entry per population")
        _verify_totals(t, require)
    for name, (ticks, states, _) in t.probes.items():
        require(ticks.ndim == 1 and states.ndim == 3 and states.dtype.kind == "f", f"probes/{name} is not "
                "(S,) ticks and (S, size, n_state) floats")
        within(f"probes/{name}/tick", ticks, 0, t.ticks)


def _verify_totals(t: Trace, require: Callable[[bool, str], None]) -> None:
    """The version-2 totals against each other and the per-tick counts: a neuron updates at most once a
    tick, probe-forced updates are updates, graded events are events, and the totals add up to the
    per-tick counts (in a complete trace; after a crash they may be one chunk ahead)."""
    sizes = np.array([p["stop"] - p["start"] for p in t.populations], dtype=np.float64)
    ticks = t.ticks if t.complete else t.ticks_planned
    over = np.flatnonzero(t.group_updates > sizes[t.group_population] * ticks)
    require(over.size == 0, f"groups/updates of group {_first(over)} exceeds its population's size times the "
            f"{ticks} ticks (a neuron updates at most once a tick)")
    pop_updates = np.bincount(t.group_population, t.group_updates, minlength=len(t.populations))
    forced = np.flatnonzero(t.pop_forced_updates > pop_updates)
    require(forced.size == 0, f"populations/forced_updates of population "
            f"'{t.populations[_first(forced)]['name']}' exceeds the population's updates in groups/updates")
    graded = np.flatnonzero(t.group_graded_events > t.group_events)
    require(graded.size == 0, f"groups/graded_events of group {_first(graded)} exceeds its groups/events")
    for total, total_counts, per_tick, tick_counts in (("groups/updates", t.group_updates, "ticks/updates",
                                                         t.tick_updates),
                                                        ("groups/events", t.group_events, "ticks/events",
                                                         t.tick_events)):
        a, b = float(np.sum(total_counts, dtype=np.float64)), float(np.sum(tick_counts, dtype=np.float64))
        require(a == b if t.complete else a >= b, f"{total} adds up to {a:.0f}, {per_tick} to {b:.0f}; "
                f"{'they must be equal' if t.complete else 'the totals cannot be fewer'}")


def _version2(f: h5py.File, path: Path) -> dict[str, Any]:
    """The fields version 2 added (what costing a trace needs)."""
    out: dict[str, Any] = {k: _int64(f[name], path) for k, name in _VERSION2_FIELDS.items()}
    out["chip_profile"] = json.loads(_str(f.attrs["chip_profile"]))
    out.update(_published(f.attrs, out["chip_profile"], path))
    if "projection_labels" in f.attrs:
        out["projection_labels"] = json.loads(_str(f.attrs["projection_labels"]))
    return out


def _published(attrs: Any, profile: Any, path: Path) -> dict[str, Any]:
    """``mesh_published`` and ``unpublished`` from their attributes, else (a trace written before them)
    from the recorded profile: a mesh is published when the profile gives ``mesh_x`` and ``mesh_y``."""
    if not isinstance(profile, dict) or not isinstance(profile.get("chip", {}), dict):
        raise TraceError(f"{path}: damaged neurosim trace: attribute chip_profile is not a profile's JSON object")
    mesh = attrs.get("mesh_published")
    mesh = mesh.item() if isinstance(mesh, np.generic) else mesh
    if mesh is None:
        mesh = all(key in profile.get("chip", {}) for key in ("mesh_x", "mesh_y"))
    elif not isinstance(mesh, (bool, int)) or mesh not in (0, 1):
        raise TraceError(f"{path}: damaged neurosim trace: attribute mesh_published={mesh!r} is not true or false")
    keys = json.loads(_str(attrs["unpublished"])) if "unpublished" in attrs else profile.get("unpublished", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise TraceError(f"{path}: damaged neurosim trace: attribute unpublished is not a JSON list of profile keys")
    return {"mesh_published": bool(mesh), "unpublished": tuple(keys)}


class _Columns:
    """Reads the long columns, whole or ``chunk_rows`` rows at a time, with an optional tqdm bar."""

    def __init__(self, f: h5py.File, path: Path, chunk_rows: int | None, progress: bool, total: int) -> None:
        if chunk_rows is not None:
            positive_int(chunk_rows, f"{path}: chunk_rows", TraceError)
        self.f, self.path = f, path
        self.rows = chunk_rows or (1 << 20 if progress else None)
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="rows", unit_scale=True, desc=f"reading {path.name}", leave=False)

    def read(self, name: str, rows: int) -> np.ndarray:
        ds = self.f[name]
        if ds.shape[0] < rows:
            _column(self.f, name, rows, self.path)  # raises the damaged-trace error
        if self.rows is None:
            return ds[:rows]
        out = np.empty((rows, *ds.shape[1:]), dtype=ds.dtype)
        for start in range(0, rows, self.rows):
            stop = min(start + self.rows, rows)
            ds.read_direct(out, np.s_[start:stop], np.s_[start:stop])
            if self.bar is not None:
                self.bar.update(stop - start)
        return out

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _column(group: h5py.Group, name: str, rows: int, path: Path) -> np.ndarray:
    ds = group[name]
    if ds.shape[0] < rows:
        raise TraceError(f"{path}: damaged neurosim trace: '{ds.name}' has {ds.shape[0]} rows, its progress "
                         f"record promises {rows}")
    return ds[:rows]


def _first(indices: np.ndarray) -> int:
    """The first of ``indices``, or 0 when there is none (a message built before its check passes)."""
    return int(indices[0]) if indices.size else 0


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
