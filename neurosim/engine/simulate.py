"""``simulate``: run a compiled network for a number of ticks, in chunks, and collect the results.

The tick loop runs inside Numba (:mod:`neurosim.engine.kernels`); Python only cuts the run into
chunks, feeds each chunk its input spikes, reports progress, and stops cleanly on Ctrl-C between
two chunks (raising :class:`~neurosim.errors.SimulationInterrupted` with the partial result).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.engine.counters import Counters
from neurosim.engine.codegen import engine_module
from neurosim.engine.kernels import GATHER_BLOCK
from neurosim.errors import ModelError, SimulationInterrupted
from neurosim.net.network import Network, SpikeSource

ProgressCallback = Callable[[int, int], None]
_GROUP_CELLS = 1 << 20  # ticks x groups of the default chunk's per-group buffer when the run does not keep them
_CHUNK_SECONDS = 0.1  # wall time aimed at per call into Numba, when chunk_ticks is not given


@dataclass(frozen=True, eq=False)
class Chunk:
    """What one chunk of ticks ``[t0, t1)`` produced, handed to ``simulate(on_chunk=...)``.

    The arrays are views valid only during the call (copy what you keep): the chunk's spikes in
    emission order, the probed states ``(t1 - t0, n_probed, n_state)``, the per-tick counters
    of :class:`~neurosim.engine.counters.Counters` for these ticks (``tick_events``, ``tick_updates``,
    ``tick_spikes``, ``tick_packets``, and ``tick_group_events``, ``tick_group_updates`` of shape
    ``(t1 - t0, G)``, handed over even when the run does not keep them), and ``pop_forced_updates``
    (P,): the probe-forced updates of each population in these ticks.
    """

    t0: int
    t1: int
    spike_ticks: np.ndarray
    spike_ids: np.ndarray
    spike_values: np.ndarray
    probes: np.ndarray
    per_tick: dict
    pop_forced_updates: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class SimResult:
    """Spikes, probed states and counters of one run."""

    compiled: CompiledNetwork = field(repr=False)
    ticks: int
    # Spikes in emission order: by tick, then processing order of populations, then neuron id.
    spike_ticks: np.ndarray = field(repr=False)  # (n_spikes,)
    spike_ids: np.ndarray = field(repr=False)  # (n_spikes,) global neuron ids
    spike_values: np.ndarray = field(repr=False)  # (n_spikes,) spike values (1 for binary spikes)
    probes: dict = field(repr=False)  # population name -> (ticks, size, n_state) float64
    counters: Counters = field(repr=False)
    wall_s: float = 0.0
    interrupted: bool = False

    def spikes(self, population: str) -> tuple[np.ndarray, np.ndarray]:
        """(ticks, neuron indices within the population) of ``population``'s spikes."""
        sl = self.compiled.pop_slice(population)
        mask = (self.spike_ids >= sl.start) & (self.spike_ids < sl.stop)
        return self.spike_ticks[mask], self.spike_ids[mask] - sl.start

    def spike_matrix(self, population: str) -> np.ndarray:
        """``[ticks, size]`` array of spike values of ``population`` (0 where it did not fire)."""
        sl = self.compiled.pop_slice(population)
        out = np.zeros((self.ticks, sl.stop - sl.start))
        mask = (self.spike_ids >= sl.start) & (self.spike_ids < sl.stop)
        out[self.spike_ticks[mask], self.spike_ids[mask] - sl.start] = self.spike_values[mask]
        return out

    def state(self, population: str, variable: str) -> np.ndarray:
        """``[ticks, size]`` values of a probed state variable after each tick."""
        if population not in self.probes:
            raise ModelError(f"population '{population}' was not probed; pass probe=['{population}'] to simulate")
        model = self.compiled.network.nodes[population].model
        if variable not in model.state_names:
            raise ModelError(f"model '{model.name}' has no state '{variable}' (has: {', '.join(model.state_names)})")
        return self.probes[population][:, :, model.state_names.index(variable)]


def simulate(network: Network | CompiledNetwork, ticks: int, probe: Iterable[str] = (),
             record_spikes: bool = True, seed: int = 0, chunk_ticks: int | None = None,
             progress: ProgressCallback | None = None,
             on_chunk: Callable[[Chunk], None] | None = None, keep_tick_groups: bool | None = None) -> SimResult:
    """Simulate ``ticks`` ticks of ``network`` (a Network is compiled first).

    Parameters
    ----------
    probe : names of populations whose full state is recorded after every tick (their neurons are
        then updated every tick; :class:`Counters` keeps those forced updates apart).
    record_spikes : keep every spike (tick, neuron, value); counters are kept either way.
    seed : seed of the stochastic neuron models (a counter-based hash of seed, neuron and tick).
    chunk_ticks : ticks per call into Numba; default: about 0.1 s of work, estimated from the size
        of the network for the first call and then from the measured time per tick.
    progress : called as ``progress(ticks_done, ticks)`` after every chunk.
    on_chunk : called with each :class:`Chunk` as soon as it is simulated (e.g. to stream a trace
        to disk). With ``record_spikes=False`` the spikes still reach ``on_chunk`` but are not kept,
        so memory stays bounded however long the run.
    keep_tick_groups : keep the per-tick, per-group counters ``Counters.tick_group_events`` and
        ``tick_group_updates`` (ticks x groups int64 each: 16 bytes per tick and group), which only
        the per-tick latency model reads, and it also needs the spikes. Default: ``record_spikes``.
        When not kept the engine counts each chunk in a chunk-sized buffer (handed to ``on_chunk``),
        the ``Counters`` hold per-group totals only, and memory no longer grows with ticks x groups.
    """
    compiled = network if isinstance(network, CompiledNetwork) else compile_network(network)
    if isinstance(ticks, bool) or not isinstance(ticks, (int, np.integer)) or ticks < 0:
        raise ModelError(f"ticks must be a non-negative integer, got {ticks!r}")
    probes = list(probe)
    for name in probes:
        k = compiled.pop_index(name)
        if compiled.pop_model[k] < 0:
            raise ModelError(f"'{name}' is a spike source; only populations have a state to probe")
    keep = record_spikes if keep_tick_groups is None else bool(keep_tick_groups)
    run = _Run(compiled, int(ticks), probes, record_spikes, int(seed), on_chunk, keep, chunk_ticks)
    return run.execute(progress)


class _Run:
    """The mutable engine state of one simulation, carried across chunks."""

    def __init__(self, c: CompiledNetwork, ticks: int, probes: list[str], record: bool, seed: int,
                 on_chunk: Callable[[Chunk], None] | None, keep_groups: bool, chunk_ticks: int | None) -> None:
        self.c, self.ticks, self.probe_names, self.record, self.seed = c, ticks, probes, record, seed
        self.on_chunk, self.keep_groups = on_chunk, keep_groups
        self.kernel = engine_module(c.models).run_ticks
        n, n_pops, g = c.n_neurons, len(c.names), c.n_groups
        n_slots = 1 << max(1, c.max_delay.bit_length())  # a power of two > max delay
        self.mask = n_slots - 1
        self.pop_forced = np.zeros(n_pops, dtype=np.bool_)
        for name in probes:
            self.pop_forced[c.pop_index(name)] = True
        self.probe_ids = np.concatenate(
            [np.arange(c.pop_slice(p).start, c.pop_slice(p).stop) for p in probes] or [np.zeros(0)]
        ).astype(np.int64)
        # Column-major: a state variable of consecutive neurons is contiguous (dense handlers
        # vectorise over it); handlers index state[i, k] either way. At least 2 x 2, the spare
        # entries unused: an array of one row or one column is C-contiguous too, which Numba would
        # type as C and compile the kernel a second time for.
        n_state = c.state0.shape[1]
        self.state = np.zeros((max(n, 2), max(n_state, 2)), order="F")
        self.state[:n, :n_state] = c.state0
        self.last = np.full(n, -1, dtype=np.int64)
        self.pending = np.zeros(n, dtype=np.uint8)
        self.forced = np.full(n, -1, dtype=np.int64)
        self.acc = np.zeros(n)
        self.pend = np.zeros(n, dtype=np.int64)
        self.pend_n = np.zeros(n_pops, dtype=np.int64)
        # Every neuron is awake at tick 0 (its first update applies its bias and initial state).
        self.pop_all_awake = (c.pop_model >= 0).astype(np.uint8)
        self.awake = np.zeros(n, dtype=np.int64)
        # Populations updated by their model's dense handler while all their neurons are awake: the
        # model has one and all the population's neurons share one parameter row. (A probed
        # population whose neurons are all awake has no forced updates, so probes do not matter.)
        # Populations whose neurons share one parameter row and whose model has a uniform handler
        # use it for their other (generic) updates.
        self.pop_dense = np.zeros(n_pops, dtype=np.uint8)
        self.pop_uniform = np.zeros(n_pops, dtype=np.uint8)
        for p in range(n_pops):
            lo, hi = c.pop_offset[p], c.pop_offset[p + 1]
            if c.pop_model[p] < 0 or hi == lo or not (c.params[lo:hi] == c.params[lo]).all():
                continue
            model = c.models[c.pop_model[p]]
            self.pop_dense[p] = model.dense_update is not None
            self.pop_uniform[p] = model.uniform_update is not None
        self.n_awake = 0
        self.ring_seg = np.zeros((n_slots, 64), dtype=np.int64)
        self.ring_pay = np.zeros((n_slots, 64))
        self.ring_len = np.zeros(n_slots, dtype=np.int64)
        self.zq_seg = np.zeros(256, dtype=np.int64)
        self.zq_pay = np.zeros(256)
        self.pop_group = np.full(n_pops, -1, dtype=np.int64)
        for p in range(n_pops):
            groups = np.unique(c.neuron_group[c.pop_offset[p]:c.pop_offset[p + 1]])
            if groups.size == 1:
                self.pop_group[p] = groups[0]
        self.spk = (np.zeros(1024, np.int64), np.zeros(1024, np.int64), np.zeros(1024))
        self.n_spk = 0
        biggest = int(np.diff(c.pop_offset).max())
        # xbuf, ebuf (one handler call's inputs), fired, paybuf, awake_out (a whole population's).
        block = min(biggest, GATHER_BLOCK)
        self.scratch = (np.zeros(block), np.zeros(block, np.int64), np.zeros(biggest, np.int64),
                        np.zeros(biggest), np.zeros(biggest, np.int64))
        self.totals = dict(spikes_per_neuron=np.zeros(n, np.int64), fan_packets=np.zeros(c.fan_group.size, np.int64),
                           seg_deliveries=np.zeros(c.seg_delay.size, np.int64),
                           pop_updates=np.zeros(n_pops, np.int64), pop_forced_updates=np.zeros(n_pops, np.int64),
                           group_events=np.zeros(g, np.int64), group_updates=np.zeros(g, np.int64))
        self.per_tick = dict(tick_events=np.zeros(ticks, np.int64), tick_updates=np.zeros(ticks, np.int64),
                             tick_spikes=np.zeros(ticks, np.int64), tick_packets=np.zeros(ticks, np.int64))
        self.adaptive = chunk_ticks is None
        self.max_step = 10_000 if keep_groups else max(1, min(10_000, _GROUP_CELLS // max(g, 1)))
        self.step = chunk_ticks or self._default_chunk()
        # Per-tick, per-group counts: the whole run when kept, else one chunk's rows, reused (and
        # grown with the chunk).
        rows = ticks if keep_groups else min(self.step, ticks)
        self.group_ticks = dict(tick_group_events=np.zeros((rows, g), np.int64),
                                tick_group_updates=np.zeros((rows, g), np.int64))
        self.probe_buf = np.zeros((ticks, self.probe_ids.size, c.state0.shape[1]))
        self.sources = [(k, node) for k, node in enumerate(c.network.nodes.values()) if isinstance(node, SpikeSource)]

    def _inputs(self, t0: int, t1: int):
        """Input events of ticks [t0, t1) as a per-tick CSR of global ids (sorted by tick, id)."""
        ticks, ids, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for k, src in self.sources:
            t, i, v = src.events(t0, t1)
            ticks.append(np.asarray(t, np.int64))
            ids.append(np.asarray(i, np.int64) + self.c.pop_offset[k])
            vals.append(np.asarray(v, np.float64))
        t, i, v = (np.concatenate(a) for a in (ticks, ids, vals))
        order = np.lexsort((i, t))
        ptr = np.searchsorted(t[order], np.arange(t0, t1 + 1)).astype(np.int64)
        return ptr, i[order], v[order]

    def _group_rows(self, t0: int, t1: int) -> dict:
        """The per-group rows the kernel fills for ticks [t0, t1): a slice of the run, or the zeroed buffer."""
        if self.keep_groups:
            return {k: v[t0:t1] for k, v in self.group_ticks.items()}
        if self.group_ticks["tick_group_events"].shape[0] < t1 - t0:
            self.group_ticks = {k: np.zeros((t1 - t0, v.shape[1]), np.int64) for k, v in self.group_ticks.items()}
        rows = {k: v[:t1 - t0] for k, v in self.group_ticks.items()}
        for v in rows.values():
            v[...] = 0
        return rows

    def _chunk(self, t0: int, t1: int) -> dict:
        """Simulate ticks [t0, t1); return their per-group rows (valid until the next chunk)."""
        c, tot, pt = self.c, self.totals, self.per_tick
        groups = self._group_rows(t0, t1)
        in_ptr, in_ids, in_pay = self._inputs(t0, t1)
        out = self.kernel(
            t0, t1, self.seed, self.mask,
            c.pop_offset, c.pop_model, c.pop_order, self.pop_forced, self.pop_group, c.neuron_pop, c.neuron_group,
            c.group_pop, c.params, c.src_fan_ptr, c.fan_seg_ptr, c.seg_delay, c.seg_group, c.seg_syn_ptr,
            c.syn_target, c.syn_weight, self.state, self.last, self.pending, self.forced, self.acc, self.pend,
            self.pend_n, self.awake, self.n_awake, self.pop_all_awake, self.pop_dense, self.pop_uniform,
            self.ring_seg, self.ring_pay, self.ring_len, self.zq_seg,
            self.zq_pay, in_ptr, in_ids, in_pay,
            self.record or self.on_chunk is not None, *self.spk, self.n_spk, self.probe_ids, self.probe_buf[t0:t1],
            tot["spikes_per_neuron"], tot["fan_packets"], tot["seg_deliveries"], tot["pop_updates"],
            tot["pop_forced_updates"], pt["tick_events"][t0:t1], pt["tick_updates"][t0:t1],
            pt["tick_spikes"][t0:t1], pt["tick_packets"][t0:t1], groups["tick_group_events"],
            groups["tick_group_updates"], *self.scratch)
        self.ring_seg, self.ring_pay, self.zq_seg, self.zq_pay, spk_t, spk_id, spk_pay, self.n_spk, self.n_awake = out
        self.spk = (spk_t, spk_id, spk_pay)
        tot["group_events"] += groups["tick_group_events"].sum(axis=0)
        tot["group_updates"] += groups["tick_group_updates"].sum(axis=0)
        return groups

    def execute(self, progress: ProgressCallback | None) -> SimResult:
        start = time.perf_counter()
        done = 0
        try:
            while done < self.ticks:
                end = min(done + self.step, self.ticks)
                first_spike = self.n_spk
                forced_before = self.totals["pop_forced_updates"].copy()
                call_start = time.perf_counter()
                groups = self._chunk(done, end)
                if done > 0:  # the first call may include loading or compiling the kernel
                    self._adapt_step(end - done, time.perf_counter() - call_start)
                self._hand_over(done, end, first_spike, groups, self.totals["pop_forced_updates"] - forced_before)
                done = end
                if progress is not None:
                    progress(done, self.ticks)
        except KeyboardInterrupt:
            partial = self._result(done, time.perf_counter() - start, interrupted=True)
            raise SimulationInterrupted(f"simulation interrupted after {done} of {self.ticks} ticks", partial) from None
        return self._result(done, time.perf_counter() - start, interrupted=False)

    def _hand_over(self, t0: int, t1: int, first_spike: int, groups: dict, forced: np.ndarray) -> None:
        """Give the chunk to ``on_chunk``; without ``record_spikes``, then forget its spikes."""
        if self.on_chunk is None:
            return
        spk_t, spk_id, spk_pay = (a[first_spike:self.n_spk] for a in self.spk)
        per_tick = {**{k: v[t0:t1] for k, v in self.per_tick.items()}, **groups}
        self.on_chunk(Chunk(t0, t1, spk_t, spk_id, spk_pay, self.probe_buf[t0:t1], per_tick, forced))
        if not self.record:
            self.n_spk = 0

    def _default_chunk(self) -> int:
        # Aim at ~1e7 synaptic-event-sized units of work per call, between 1 and max_step ticks.
        # (Without kept per-group rows, max_step keeps the chunk's buffer under _GROUP_CELLS cells.)
        work = max(self.c.n_neurons, 1) + self.c.n_synapses // 20
        return int(np.clip(10_000_000 // work, 1, self.max_step))

    def _adapt_step(self, ticks: int, seconds: float) -> None:
        """Size the next chunk from the time per tick just measured (at most 8x larger at a time).

        The first estimate counts every synapse as 1/20 of an event per tick, which can be far off
        either way; calls that are too short pay Numba's per-call cost (tens of microseconds to
        unbox some sixty arrays), which was a quarter of the run at CUBA N = 64,000 with 2 ticks
        per call. Chunking never changes the results, only their timing.
        """
        if not self.adaptive:
            return
        want = int(_CHUNK_SECONDS * ticks / max(seconds, 1e-9))
        self.step = int(np.clip(want, 1, min(8 * self.step, self.max_step)))

    def _result(self, done: int, wall: float, interrupted: bool) -> SimResult:
        n = self.n_spk
        spk_t, spk_id, spk_pay = (a[:n].copy() for a in self.spk)
        probes = {}
        start = 0
        for name in self.probe_names:
            size = self.c.pop_slice(name).stop - self.c.pop_slice(name).start
            n_state = len(self.c.network.nodes[name].model.state)
            probes[name] = self.probe_buf[:done, start:start + size, :n_state]
            start += size
        per_tick = {k: v[:done] for k, v in self.per_tick.items()}
        groups = {k: v[:done] if self.keep_groups else None for k, v in self.group_ticks.items()}
        counters = Counters(self.c, done, **self.totals, **per_tick, **groups)
        return SimResult(self.c, done, spk_t, spk_id, spk_pay, probes, counters, wall, interrupted)
