"""The samples of a batch side by side in one engine call, split back into one run per sample.

B samples of a network run as one simulation of B copies of it (:func:`neurosim.compile.tile.tile_compiled`),
each copy fed its sample's inputs; the copies share nothing, so copy ``b`` does exactly what a run of
sample ``b`` alone from the reset state does, in the same order. The spikes, probes and counters of
the joint run are then split into one :class:`SimResult` per sample, equal to the run of that sample
alone (``docs/decisions/0022-batched-samples.md``). :func:`simulate_samples` runs a batch so, in
parts of at most :func:`samples_per_call` samples, here or on the workers of any
:class:`concurrent.futures.Executor`.

Per-tick counters are summed over the copies by the engine; a sample's own are recovered from the
per-group rows (a destination group belongs to one copy) and from its spikes, so the joint run keeps
its per-tick, per-group rows and its spikes.
"""
from __future__ import annotations

import os
from concurrent.futures import Executor
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from neurosim._checks import non_negative_int, positive_int
from neurosim.compile.compiled import CompiledNetwork
from neurosim.compile.tile import Tiling, tile_compiled
from neurosim.engine.counters import Counters
from neurosim.engine.result import Chunk, SimResult
from neurosim.engine.simulation import (ChunkCallback, Events, ProgressCallback, Simulation, _as_source,
                                        _DeferredInterrupt, _probe_names, population_paths,
                                        probe_views)
from neurosim.errors import ModelError, SimulationInterrupted
from neurosim.net.network import SpikeArray, SpikeSource

Samples = Sequence[Mapping[str, Events]]

SIDE_BY_SIDE_SYNAPSES = 1 << 18
"""Most synapses plus neurons of the copies that one engine call holds (decision 0022: more copies
no longer fit the caches, and the copies cost memory)."""


def samples_per_call(c: CompiledNetwork, samples: int) -> int:
    """How many of ``samples`` samples of ``c`` one engine call runs side by side (1: one at a time).

    One at a time when a model of the network is stochastic (its draws hash the neuron's id, which a
    copy changes), else as many copies as fit :data:`SIDE_BY_SIDE_SYNAPSES` synapses and neurons.
    """
    used = {int(m) for m in c.pop_model if m >= 0}
    if any(c.models[m].stochastic for m in used):
        return 1
    return int(max(1, min(samples, SIDE_BY_SIDE_SYNAPSES // max(c.n_synapses + c.n_neurons, 1))))


def simulate_samples(compiled: CompiledNetwork, samples: Samples, ticks_per_sample: int, *,
                     probe: str | Iterable[str] | None = (), seed: int = 0, progress: ProgressCallback | None = None,
                     on_chunk: Callable[[int], ChunkCallback | None] | None = None,
                     keep_tick_groups: bool | None = None, executor: Executor | None = None,
                     parts: int | None = None) -> tuple[SimResult, list[SimResult]]:
    """(the runs concatenated, the run of each sample) of every sample, each from the reset state.

    Every sample runs ``ticks_per_sample`` ticks from the initial state with no spike in flight, as a
    training framework runs each sample of a batch; the results are those of
    ``Simulation(compiled).run(ticks_per_sample, inputs=sample)`` after a reset, sample by sample,
    whoever runs them. Up to :func:`samples_per_call` samples run side by side in one engine call
    (``docs/decisions/0022-batched-samples.md``); a network with a stochastic model runs them one
    at a time, its chunks streamed to ``on_chunk`` as they are simulated.

    Parameters
    ----------
    compiled : the network, compiled (or placed) once for all samples.
    samples : the inputs of each sample, ``{spike source name: events}`` (see :meth:`Simulation.run`).
    ticks_per_sample : ticks each sample runs.
    probe, seed, keep_tick_groups : as for :class:`Simulation`.
    progress : ``progress(done, total)`` counts ticks over all samples.
    on_chunk : ``on_chunk(offset)`` gives the chunk callback of the sample starting at tick ``offset``
        of the concatenated run (or ``None``); each sample's chunks are handed over in sample order.
    executor : a :class:`concurrent.futures.Executor` (a process pool, Dask's ``Client.get_executor()``,
        ...) that runs ``parts`` consecutive parts of the batch; ``None`` runs them here. The results
        are the same, bit for bit, however the batch is split.
    parts : how many parts an ``executor`` gets; default: as many as this machine has cores (at most
        one per sample).

    Raises
    ------
    ModelError
        For no sample, an invalid probe, seed or ``parts``, an input that names no spike source or
        does not fit it, or a run above the memory limit.
    SimulationInterrupted
        On Ctrl-C, with the samples done before it concatenated.
    """
    samples = list(samples)
    if not samples:
        raise ModelError("simulate_samples: no sample; pass at least one {source: events} mapping")
    ticks = non_negative_int(ticks_per_sample, "ticks_per_sample")
    probe = tuple(_probe_names(probe))
    keep = True if keep_tick_groups is None else bool(keep_tick_groups)
    total = len(samples) * ticks
    done: list[SimResult] = []
    stop = _DeferredInterrupt()
    try:
        for first, part in _results(compiled, samples, ticks, probe, seed, keep, executor, parts, on_chunk,
                                    progress, total):
            with stop:
                for b, (run, rows) in enumerate(part):
                    offset = (first + b) * ticks
                    callback = None if on_chunk is None else on_chunk(offset)
                    if callback is not None and rows is not None:
                        per_tick = {name: getattr(run.counters, name) for name in _PER_TICK}
                        callback(Chunk(0, ticks, run.spike_ticks, run.spike_ids, run.spike_values, rows,
                                       per_tick, run.counters.pop_forced_updates))
                    done.append(run if keep else replace(run, counters=replace(
                        run.counters, tick_group_events=None, tick_group_updates=None)))
                    if progress is not None and rows is not None:
                        progress(offset + ticks, total)
                    if stop.requested:
                        raise KeyboardInterrupt
    except SimulationInterrupted as err:
        raise SimulationInterrupted(str(err), SimResult.concatenate(done) if done else err.partial) from None
    except KeyboardInterrupt:
        if not done:
            raise
        raise SimulationInterrupted(f"simulation interrupted after {len(done) * ticks} of {total} ticks",
                                    SimResult.concatenate(done)) from None
    return SimResult.concatenate(done), done


_PER_TICK = ("tick_events", "tick_updates", "tick_spikes", "tick_packets", "tick_group_events",
             "tick_group_updates")


def _results(c: CompiledNetwork, samples: list, ticks: int, probe: tuple, seed: int, keep: bool,
             executor: Executor | None, parts: int | None, on_chunk, progress, total: int):
    """(index of the first sample, [(run, probe rows or None when already handed over)]) of consecutive
    parts of the batch, in order."""
    if executor is not None:
        count = min(len(samples), positive_int(parts, "parts") if parts is not None else os.cpu_count() or 1)
        bounds = np.linspace(0, len(samples), count + 1).astype(int)
        futures = [executor.submit(_run_part, c, samples[lo:hi], ticks, probe, seed)
                   for lo, hi in zip(bounds[:-1], bounds[1:])]
        for lo, future in zip(bounds[:-1], futures):
            yield int(lo), [(_attach(run, c), rows) for run, rows in future.result()]
        return
    if parts is not None:
        raise ModelError("simulate_samples: parts is for an executor; pass executor= too, or leave parts out")
    per_call = samples_per_call(c, len(samples))
    if per_call == 1:
        yield 0, [(run, None) for run in _one_at_a_time(c, samples, ticks, probe, seed, keep, on_chunk, progress,
                                                         total)]
        return
    tilings: dict[int, Tiling] = {}
    for lo in range(0, len(samples), per_call):
        yield lo, _side_by_side(c, samples[lo:lo + per_call], ticks, probe, seed, tilings)


def _one_at_a_time(c: CompiledNetwork, samples: list, ticks: int, probe: tuple, seed: int, keep: bool, on_chunk,
                   progress, total: int) -> list[SimResult]:
    """Each sample in its own run of one :class:`Simulation` (reset between them), its chunks streamed."""
    sim = Simulation(c, probe=probe, seed=seed, keep_tick_groups=keep)
    runs = []
    for b, inputs in enumerate(samples):
        offset = b * ticks
        step = None if progress is None else (lambda done, _t, offset=offset: progress(offset + done, total))
        sim.reset()
        runs.append(sim.run(ticks, inputs, progress=step, on_chunk=None if on_chunk is None else on_chunk(offset)))
    return runs


def _run_part(c: CompiledNetwork, samples: list, ticks: int, probe: tuple, seed: int) -> list:
    """An executor's part: [(run without its compiled network, probe rows)] (the caller attaches it back,
    so that a worker does not send the network back with every run)."""
    pairs = []
    per_call = samples_per_call(c, len(samples))
    tilings: dict[int, Tiling] = {}
    for lo in range(0, len(samples), per_call):
        pairs += _side_by_side(c, samples[lo:lo + per_call], ticks, probe, seed, tilings)
    return [(replace(run, compiled=None, counters=replace(run.counters, compiled=None)), rows) for run, rows in pairs]


def _attach(run: SimResult, c: CompiledNetwork) -> SimResult:
    return replace(run, compiled=c, counters=replace(run.counters, compiled=c))


def _side_by_side(c: CompiledNetwork, samples: list, ticks: int, probe: tuple, seed: int,
                  tilings: dict[int, Tiling]) -> list[tuple[SimResult, np.ndarray]]:
    """(the run, its probe rows) of each of ``samples``, all in one engine call; equal, sample by sample,
    to ``Simulation(c, probe=probe, seed=seed).run(ticks, inputs=sample)`` after a reset (spikes, probes,
    counters, the per-tick, per-group rows kept); ``wall_s`` is the joint run's time over the samples.
    ``tilings`` ({copies: tiling of ``c``}) keeps the tilings made for earlier calls of the same batch."""
    tiling = tilings.get(len(samples))
    if tiling is None:
        tiling = tilings[len(samples)] = tile_compiled(c, len(samples))
    joint = _SideBySide(tiling, probe, seed).run_samples(samples, ticks)
    return _split(tiling, joint, list(probe))


class _SideBySide(Simulation):
    """A :class:`Simulation` of the copies of a :class:`Tiling`, fed one sample per copy.

    Spikes and the per-tick, per-group rows are always kept (the split needs them); the probes of
    copy ``b`` are the ``b``-th block of the probe rows.
    """

    def __init__(self, tiling: Tiling, probe: Sequence[str], seed: int) -> None:
        self.tiling = tiling
        self._given: list = []
        copies = [f"{name}#{b}" for b in range(tiling.copies) for name in probe]
        super().__init__(tiling.tiled, probe=copies, record_spikes=True, seed=seed, keep_tick_groups=True)

    def run_samples(self, samples: Sequence[Mapping[str, Events]], ticks: int) -> SimResult:
        """Run ``ticks`` ticks, copy ``b`` fed ``samples[b]`` (its own sources' events where not given)."""
        self._given = _joint_sources(self.tiling, samples)
        return self.run(ticks)

    def _paths(self, c: CompiledNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The paths of the single network's populations, for each of their copies."""
        group, dense, uniform = population_paths(self.tiling.single)
        b_count = self.tiling.copies
        tiled_group = np.where(group[:, None] >= 0, group[:, None] * b_count + np.arange(b_count), -1).ravel()
        return tiled_group, np.repeat(dense, b_count), np.repeat(uniform, b_count)

    def _run_sources(self, inputs: object) -> list[tuple[int, SpikeSource, int]]:
        return self._given

    def _probes(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {"": rows}


def _joint_sources(tiling: Tiling, samples: Sequence[Mapping[str, Events]]) -> list[tuple[int, SpikeSource, int]]:
    """(tiled population of copy 0, one source for all copies, origin) of every spike source."""
    c, b_count = tiling.single, tiling.copies
    nodes = c.network.nodes
    sources = {name: k for k, name in enumerate(c.names) if c.pop_model[k] < 0}
    names = ", ".join(sources) or "none"
    for inputs in samples:
        if inputs is not None and not isinstance(inputs, Mapping):
            raise ModelError(f"inputs must be a mapping {{spike source name: events}}, got {type(inputs).__name__}")
        for name in inputs or {}:
            if name not in sources:
                raise ModelError(f"inputs: '{name}' is not a spike source of the network (sources: {names})")
    out = []
    for name, k in sources.items():
        size = int(c.pop_offset[k + 1] - c.pop_offset[k])
        given = [(inputs or {}).get(name) for inputs in samples]
        out.append((k * b_count, _copies_source(name, size, given, nodes[name]), 0))
    return out


def _copies_source(name: str, size: int, given: list, own: SpikeSource) -> SpikeSource:
    """One source of ``len(given)`` copies of source ``name``: copy ``b`` fires ``given[b]`` (``own``'s
    events where ``None``), its neuron ``i`` being neuron ``b * size + i`` of the joint source."""
    arrays = [np.asarray(g) for g in given if isinstance(g, np.ndarray)]
    if len(arrays) == len(given) and all(a.ndim == 2 and a.shape == arrays[0].shape for a in arrays) \
            and arrays[0].shape[1] == size:
        stacked = np.stack(arrays, axis=1)  # [T, B, size]
        try:
            return SpikeArray.create(name, stacked.reshape(stacked.shape[0], -1))
        except ModelError:
            pass  # name the offending sample's value: the per-sample check below raises it
    return _Copies(name, size, [own if g is None else _as_source(name, size, g) for g in given])


class _Copies(SpikeSource):
    """The events of several sources of one size, source ``b``'s neuron ``i`` as neuron ``b * size + i``."""

    def __init__(self, name: str, size: int, parts: list[SpikeSource]) -> None:
        self.name, self.size, self.parts = name, size * len(parts), parts
        self._part_size = size

    def events(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ticks, ids, values = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for b, part in enumerate(self.parts):
            t, i, v = part.events(t0, t1)
            ticks.append(np.asarray(t, np.int64))
            ids.append(np.asarray(i, np.int64) + b * self._part_size)
            values.append(np.asarray(v, np.float64))
        t, i, v = (np.concatenate(a) for a in (ticks, ids, values))
        order = np.lexsort((i, t))
        return t[order], i[order], v[order]


def _split(tiling: Tiling, joint: SimResult, probe: list[str]) -> list[tuple[SimResult, np.ndarray]]:
    """(the run, its probe rows) of each copy, on the single network, from the joint run of the copies."""
    c, b_count, ticks = tiling.single, tiling.copies, joint.ticks
    n = c.n_neurons
    where = np.empty(b_count * n, np.int64)
    where[tiling.neuron.ravel()] = np.arange(b_count * n, dtype=np.int64)
    copy_of, id_of = np.divmod(where[joint.spike_ids], n)
    order = np.argsort(copy_of, kind="stable")  # each copy's spikes, in emission order
    bounds = np.searchsorted(copy_of[order], np.arange(b_count + 1))
    spk_t, spk_id, spk_pay = joint.spike_ticks[order], id_of[order], joint.spike_values[order]
    at = copy_of[order] * ticks + spk_t
    tick_spikes = np.bincount(at, minlength=b_count * ticks).reshape(b_count, ticks).astype(np.int64)
    tick_packets = np.bincount(at, np.diff(c.src_fan_ptr)[spk_id], minlength=b_count * ticks)
    tick_packets = tick_packets.reshape(b_count, ticks).astype(np.int64)
    k = joint.counters
    group_events = k.tick_group_events[:, tiling.group].transpose(1, 0, 2).copy()  # (B, T, G)
    group_updates = k.tick_group_updates[:, tiling.group].transpose(1, 0, 2).copy()
    tick_events, tick_updates = group_events.sum(axis=2), group_updates.sum(axis=2)
    per_copy = {name: getattr(k, name)[index] for name, index in (
        ("spikes_per_neuron", tiling.neuron), ("fan_packets", tiling.fan), ("seg_deliveries", tiling.segment),
        ("pop_updates", tiling.population), ("pop_forced_updates", tiling.population),
        ("group_events", tiling.group), ("group_updates", tiling.group))}
    rows = joint.probes[""]
    n_probed = rows.shape[1] // b_count
    rows = rows.reshape(ticks, b_count, n_probed, rows.shape[2]).transpose(1, 0, 2, 3).copy()  # (B, T, probed, state)
    runs = []
    for b in range(b_count):
        lo, hi = bounds[b], bounds[b + 1]
        counters = Counters(c, ticks, **{name: v[b] for name, v in per_copy.items()}, tick_events=tick_events[b],
                            tick_updates=tick_updates[b], tick_spikes=tick_spikes[b], tick_packets=tick_packets[b],
                            tick_group_events=group_events[b], tick_group_updates=group_updates[b])
        runs.append((SimResult(c, ticks, spk_t[lo:hi], spk_id[lo:hi], spk_pay[lo:hi], probe_views(c, probe, rows[b]),
                               counters, joint.wall_s / b_count), rows[b]))
    return runs
