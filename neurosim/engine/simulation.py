"""The engine's lifecycle: a :class:`Simulation` built once from a compiled network, then reset and run.

The tick loop runs inside Numba (:mod:`neurosim.engine.kernels`); Python only cuts a run into
chunks, feeds each chunk its input spikes, reports progress, and stops cleanly on Ctrl-C at the end
of the chunk it lands in (raising :class:`~neurosim.errors.SimulationInterrupted` with the partial
result). Sizes are checked before anything is allocated: the memory a run needs is estimated from
them and refused above a limit, and the delay ring has at most :data:`RING_SLOTS_MAX` slots
(``docs/decisions/0010-memory-estimates-and-the-delay-ring.md``).
Inputs are handed to a run (``run(ticks, inputs=...)``), not stored in the compiled structure, so
one Simulation serves any number of stimuli (:func:`neurosim.engine.batch.simulate_samples` runs a
batch). :func:`simulate` is the one-call form, ``Simulation(network).run(ticks)``.
"""
from __future__ import annotations

import signal
import threading
import time
from typing import Callable, Iterable, Mapping, Sequence, Union

import numpy as np

from neurosim._checks import check_memory, memory_limit as resolve_memory_limit, non_negative_int, positive_int
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.engine.codegen import engine_module
from neurosim.engine.counters import Counters
from neurosim.engine.kernels import GATHER_BLOCK, add_in_flight
from neurosim.engine.result import Chunk, SimResult
from neurosim.engine.segment_weights import network_segment_weights
from neurosim.engine.spike_buffers import spike_room
from neurosim.engine.state import Counts, Inputs, NeuronState, Queues, Recording, Scratch, Structure
from neurosim.errors import ModelError, SimulationInterrupted
from neurosim.net.network import Network, SpikeArray, SpikeSource, check_seed

ProgressCallback = Callable[[int, int], None]
ChunkCallback = Callable[[Chunk], None]
# Events of one spike source: a source object, or a [ticks, size] array read as a SpikeArray.
Events = Union[SpikeSource, np.ndarray]
_GROUP_CELLS = 1 << 20  # ticks x groups of the default chunk's per-group buffer when the run does not keep them
_CHUNK_SECONDS = 0.1  # wall time aimed at per call into Numba, when chunk_ticks is not given
RING_SLOTS_MAX = 4096
"""Most slots of the delay ring: a packet of a longer delay waits in the far list (decision 0010)."""
_RING_CAPACITY = 64  # packets per ring slot at the start (the kernel doubles it when a slot fills)


class Simulation:
    """The engine state of one compiled network: built once, then ``reset()`` and ``run()`` at will.

    The constructor does the work that depends only on the structure (the kernel lookup, which
    populations take the dense and uniform paths, each population's destination group, the state
    buffers) and leaves the simulation reset. Time then counts in ticks from the last reset
    (:attr:`tick`); ``run(ticks)`` simulates the next ``ticks`` of them.

    Parameters
    ----------
    network : the compiled network (a :class:`~neurosim.net.network.Network` is compiled first).
    probe : names of populations whose full state is recorded after every tick (their neurons are
        then updated every tick; :class:`Counters` keeps those forced updates apart): one name, an
        iterable of names, or ``None`` for none.
    record_spikes : keep every spike (tick, neuron, value); counters are kept either way.
    seed : seed of the stochastic neuron models (a counter-based hash of seed, neuron and tick).
    chunk_ticks : ticks per call into Numba; default: about 0.1 s of work, estimated from the size
        of the network for the first call and then from the measured time per tick.
    keep_tick_groups : keep the per-tick, per-group counters ``Counters.tick_group_events`` and
        ``tick_group_updates`` (ticks x groups int64 each: 16 bytes per tick and group), which only
        the per-tick latency model reads, and it also needs the spikes. Default: ``record_spikes``.
        When not kept the engine counts each chunk in a chunk-sized buffer (handed to ``on_chunk``),
        the ``Counters`` hold per-group totals only, and memory no longer grows with ticks x groups.
    memory_limit : bytes a run may allocate for its results (per-tick counters, probes, per-group
        rows); default ``$NEUROSIM_MEMORY_LIMIT``, else 80 % of the physical memory.

    Raises
    ------
    ModelError
        For a probe that is not a name or an iterable of names, names no population, or names a
        spike source; a seed that is not an
        integer in [0, 2**63 - 1]; a ``chunk_ticks`` that is not a positive integer.

    Examples
    --------
    >>> sim = Simulation(compiled, probe=["out"])
    >>> first = sim.run(100, inputs={"in": x1})   # ticks 0..99
    >>> sim.reset()                               # back to tick 0, initial state
    >>> second = sim.run(100, inputs={"in": x2})
    """

    def __init__(self, network: Network | CompiledNetwork, *, probe: str | Iterable[str] | None = (),
                 record_spikes: bool = True, seed: int = 0, chunk_ticks: int | None = None,
                 keep_tick_groups: bool | None = None, memory_limit: int | None = None) -> None:
        seed = check_seed(seed, "seed")
        if chunk_ticks is not None:
            chunk_ticks = positive_int(chunk_ticks, "chunk_ticks")
        self._memory_limit = resolve_memory_limit(memory_limit)
        c = network if isinstance(network, CompiledNetwork) else compile_network(network)
        probes = _probe_names(probe)
        for name in probes:
            if not isinstance(name, str):
                raise ModelError(f"probe: {name!r} is not a population name; pass a list of names")
            if c.pop_model[c.pop_index(name)] < 0:
                raise ModelError(f"'{name}' is a spike source; only populations have a state to probe")
        self.compiled = c
        self.probe = tuple(probes)
        self.record_spikes = bool(record_spikes)
        self.seed = seed
        self.keep_tick_groups = self.record_spikes if keep_tick_groups is None else bool(keep_tick_groups)
        self._kernel = engine_module(c.models).run_ticks
        self._net = self._structure(c)
        self._allocate(c)
        self._adaptive = chunk_ticks is None
        g = c.n_groups
        self._max_step = 10_000 if self.keep_tick_groups else max(1, min(10_000, _GROUP_CELLS // max(g, 1)))
        if c.max_delay >= self._queues.ring_len.size:
            # A far packet is moved into the ring at the start of the chunk it falls due in, or of
            # an earlier one: a chunk may not be longer than the ring.
            self._max_step = min(self._max_step, self._queues.ring_len.size)
        self._step = min(chunk_ticks or self._default_chunk(), self._max_step)
        # Per-tick, per-group counts of one chunk when the runs do not keep them (grown with the chunk).
        self._chunk_groups = {k: np.zeros((0, g), np.int64) for k in ("tick_group_events", "tick_group_updates")}
        self._sources = {name: (k, node) for k, (name, node) in enumerate(c.network.nodes.items())
                         if isinstance(node, SpikeSource)}
        self.reset()

    @property
    def tick(self) -> int:
        """Ticks simulated since the last reset: the first tick the next ``run`` simulates."""
        return self._tick

    def _structure(self, c: CompiledNetwork) -> Structure:
        """The compiled arrays and the per-population flags, fixed by the structure and the probes."""
        n_pops = len(c.names)
        pop_forced = np.zeros(n_pops, dtype=np.bool_)
        for name in self.probe:
            pop_forced[c.pop_index(name)] = True
        probe_ids = np.concatenate(
            [np.arange(c.pop_slice(p).start, c.pop_slice(p).stop) for p in self.probe] or [np.zeros(0)]
        ).astype(np.int64)
        pop_group, pop_dense, pop_uniform = self._paths(c)
        return Structure(pop_offset=c.pop_offset, pop_model=c.pop_model, pop_order=c.pop_order, pop_group=pop_group,
                         pop_dense=pop_dense, pop_uniform=pop_uniform, pop_forced=pop_forced,
                         neuron_pop=c.neuron_pop, neuron_group=c.neuron_group, group_pop=c.group_pop,
                         params=c.params, src_fan_ptr=c.src_fan_ptr, fan_seg_ptr=c.fan_seg_ptr,
                         seg_delay=c.seg_delay, seg_group=c.seg_group, seg_syn_ptr=c.seg_syn_ptr,
                         syn_target=c.syn_target, syn_weight=c.syn_weight,
                         seg_weight=network_segment_weights(c), probe_ids=probe_ids)

    def _paths(self, c: CompiledNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return population_paths(c)

    def _allocate(self, c: CompiledNetwork) -> None:
        """The buffers of the engine state, sized by the structure (their contents are set by reset)."""
        n, n_pops = c.n_neurons, len(c.names)
        # A power of two > max delay, up to RING_SLOTS_MAX: longer delays wait in the far list.
        n_slots = 1 << max(1, min(c.max_delay, RING_SLOTS_MAX - 1).bit_length())
        # Column-major: a state variable of consecutive neurons is contiguous (dense handlers
        # vectorise over it); handlers index state[i, k] either way. At least 2 x 2, the spare
        # entries unused: an array of one row or one column is C-contiguous too, which Numba would
        # type as C and compile the kernel a second time for.
        state = np.zeros((max(n, 2), max(c.state0.shape[1], 2)), order="F")
        self._neurons = NeuronState(state, last=np.empty(n, np.int64), pending=np.empty(n, np.uint8),
                                    forced=np.empty(n, np.int64), acc=np.empty(n), pend=np.empty(n, np.int64),
                                    pend_n=np.empty(n_pops, np.int64), awake=np.empty(n, np.int64),
                                    pop_all_awake=np.empty(n_pops, np.uint8))
        self._queues = Queues(ring_seg=np.zeros((n_slots, _RING_CAPACITY), np.int64),
                              ring_pay=np.zeros((n_slots, _RING_CAPACITY)), ring_len=np.empty(n_slots, np.int64),
                              zq_seg=np.zeros(256, np.int64), zq_pay=np.zeros(256),
                              far_due=np.zeros(16, np.int64), far_seg=np.zeros(16, np.int64), far_pay=np.zeros(16))
        self._spk = (np.zeros(1024, np.int64), np.zeros(1024, np.int64), np.zeros(1024))
        biggest = int(np.diff(c.pop_offset).max())
        block = min(biggest, GATHER_BLOCK)
        self._scratch = Scratch(xbuf=np.zeros(block), ebuf=np.zeros(block, np.int64),
                                fired=np.zeros(biggest, np.int64), paybuf=np.zeros(biggest),
                                awake_out=np.zeros(biggest, np.int64))

    def reset(self) -> None:
        """Back to tick 0: every neuron in its initial state, no spike in flight, no neuron pending.

        Kept: the structure, the probes, the recording options and the chunk size learnt so far
        (which changes only the timing). The next ``run`` starts counting from zero.
        """
        c, neurons = self.compiled, self._neurons
        neurons.state[...] = 0.0
        neurons.state[:c.n_neurons, :c.state0.shape[1]] = c.state0
        neurons.last[...] = -1
        neurons.pending[...] = 0
        neurons.forced[...] = -1
        neurons.acc[...] = 0.0
        neurons.pend[...] = 0
        neurons.pend_n[...] = 0
        neurons.awake[...] = 0
        # Every neuron is awake at tick 0 (its first update applies its bias and initial state).
        neurons.pop_all_awake[...] = c.pop_model >= 0
        self._n_awake = 0
        self._queues.ring_len[...] = 0
        self._n_far = 0
        self._tick = 0
        self._interrupted = False

    def run(self, ticks: int, inputs: Mapping[str, Events] | None = None, *,
            progress: ProgressCallback | None = None, on_chunk: ChunkCallback | None = None) -> SimResult:
        """Simulate the next ``ticks`` ticks, from where the last run (or reset) stopped.

        What continues from the previous run: the neuron states, the spikes still in flight in the
        delay ring, the neurons awake for the next tick, and the time (:attr:`tick`), which the
        stochastic models and the network's own sources read. What does not: the result, whose
        spikes, probes and counters cover this run only, with ticks counted from its start
        (``SimResult.start_tick`` is :attr:`tick` at the start); ``SimResult.concatenate`` of
        consecutive runs equals one run of their summed ticks.

        Parameters
        ----------
        ticks : how many ticks to simulate.
        inputs : ``{spike source name: events}`` for this run: a
            :class:`~neurosim.net.network.SpikeArray`, ``SpikeTimes`` or ``PoissonSource`` of the
            source's size, or a ``[T, size]`` array read as a SpikeArray. Their tick 0 is the first
            tick of this run. Sources not given fire their own events from the network, in the
            simulation's time.
        progress : called as ``progress(ticks_done, ticks)`` after every chunk.
        on_chunk : called with each :class:`Chunk` as soon as it is simulated (e.g. to stream a trace
            to disk). Without ``record_spikes`` the spikes still reach ``on_chunk`` but are not kept,
            so memory stays bounded however long the run.

        Raises
        ------
        ModelError
            For a negative or non-integer ``ticks``, a run whose results would not fit the memory
            limit (the estimate is in the message), an input that names no spike source or is not
            a ``[T, size]`` array of numbers or a spike source of its size, or a run after an
            interrupted one without ``reset()`` in between. Also during a run whose recorded spikes
            could outgrow the limit in the next tick (``engine/spike_buffers.py``); the simulation
            then stands at the end of the last chunk run.
        SimulationInterrupted
            On Ctrl-C, with the result of the ticks done. In the main thread Ctrl-C is deferred
            while a run is in progress (the previous SIGINT handler is restored at its end): the
            run stops after the chunk it landed in has been handed over (``on_chunk``,
            ``progress``), so the result and a streamed trace end on the same whole chunk. A
            second Ctrl-C stops at once. A ``KeyboardInterrupt`` raised by a callback stops the
            run likewise.
        """
        ticks = non_negative_int(ticks, "ticks")
        if self._interrupted:
            raise ModelError("the previous run was interrupted; call reset() before running again")
        sources = self._run_sources(inputs)
        check_memory(_RunOutput.sizes(self.compiled, ticks, self._net.probe_ids.size, self.keep_tick_groups),
                     f"a run of {ticks} ticks", "run fewer ticks per call (run() continues where the last run "
                     "stopped), probe fewer populations, or keep_tick_groups=False", self._memory_limit)
        out = _RunOutput(self.compiled, ticks, self._net.probe_ids.size, self.keep_tick_groups)
        start = self._tick
        wall_start = time.perf_counter()
        stop = _DeferredInterrupt()
        self._add_in_flight(out, 1)
        try:
            with stop:
                self._run_chunks(out, sources, ticks, start, progress, on_chunk, stop)
        except KeyboardInterrupt:
            self._interrupted = True  # the interrupt may have come between a kernel call and its bookkeeping
        self._add_in_flight(out, -1)
        done = self._tick - start
        if self._interrupted or stop.requested:
            self._interrupted = True
            partial = self._result(out, start, done, time.perf_counter() - wall_start, interrupted=True)
            raise SimulationInterrupted(f"simulation interrupted after {done} of {ticks} ticks", partial)
        return self._result(out, start, done, time.perf_counter() - wall_start, interrupted=False)

    def _add_in_flight(self, out: "_RunOutput", sign: int) -> None:
        """Count the packets in flight as ``sign`` deliveries (the kernel counts them when sent)."""
        q = self._queues
        add_in_flight(out.totals["seg_deliveries"], q.ring_seg, q.ring_len, q.far_seg[:self._n_far], sign)

    def _run_chunks(self, out: "_RunOutput", sources, ticks: int, start: int, progress: ProgressCallback | None,
                    on_chunk: ChunkCallback | None, stop: "_DeferredInterrupt") -> None:
        """Simulate the run's ticks chunk by chunk, until done or until ``stop`` was requested."""
        done = 0
        while done < ticks and not stop.requested:
            end = min(done + self._step, ticks)
            if self.record_spikes or on_chunk is not None:  # the kernel records this chunk's spikes
                end = done + spike_room(self._spk[0].size, out.n_spikes, self.compiled.n_neurons, end - done,
                                        out.sizes(self.compiled, ticks, self._net.probe_ids.size,
                                                  self.keep_tick_groups),
                                        self._memory_limit, f"a run of {ticks} ticks recording its spikes")
            first_spike = out.n_spikes
            forced_before = out.totals["pop_forced_updates"].copy()
            call_start = time.perf_counter()
            groups = self._chunk(out, sources, done, end, on_chunk is not None)
            if done > 0:  # the first call may include loading or compiling the kernel
                self._adapt_step(end - done, time.perf_counter() - call_start)
            if on_chunk is not None:
                self._hand_over(out, on_chunk, start, done, end, first_spike, groups,
                                out.totals["pop_forced_updates"] - forced_before)
            done = end
            if progress is not None:
                progress(done, ticks)

    def _run_sources(self, inputs: Mapping[str, Events] | None) -> list[tuple[int, SpikeSource, int]]:
        """(population index, source, tick of its tick 0) of every spike source for this run."""
        if inputs is not None and not isinstance(inputs, Mapping):
            raise ModelError(f"inputs must be a mapping {{spike source name: events}}, got {type(inputs).__name__}")
        given = dict(inputs or {})
        names = ", ".join(self._sources) or "none"
        for name in given:
            if name not in self._sources:
                raise ModelError(f"inputs: '{name}' is not a spike source of the network (sources: {names})")
        out = []
        for name, (k, node) in self._sources.items():
            if name in given:
                out.append((k, _as_source(name, node.size, given[name]), self._tick))
            else:
                out.append((k, node, 0))
        return out

    def _inputs(self, sources: list[tuple[int, SpikeSource, int]], t0: int, t1: int) -> Inputs:
        """Input events of ticks [t0, t1) as a per-tick CSR of global ids (sorted by tick, id)."""
        ticks, ids, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
        for k, src, origin in sources:
            t, i, v = src.events(t0 - origin, t1 - origin)
            ticks.append(np.asarray(t, np.int64) + origin)
            ids.append(np.asarray(i, np.int64) + self.compiled.pop_offset[k])
            vals.append(np.asarray(v, np.float64))
        t, i, v = (np.concatenate(a) for a in (ticks, ids, vals))
        order = np.lexsort((i, t))
        ptr = np.searchsorted(t[order], np.arange(t0, t1 + 1)).astype(np.int64)
        return Inputs(ptr, i[order], v[order])

    def _group_rows(self, out: "_RunOutput", t0: int, t1: int) -> dict:
        """The per-group rows the kernel fills for ticks [t0, t1): a slice of the run, or the zeroed buffer."""
        if out.group_ticks is not None:
            return {k: v[t0:t1] for k, v in out.group_ticks.items()}
        if self._chunk_groups["tick_group_events"].shape[0] < t1 - t0:
            self._chunk_groups = {k: np.zeros((t1 - t0, v.shape[1]), np.int64) for k, v in self._chunk_groups.items()}
        rows = {k: v[:t1 - t0] for k, v in self._chunk_groups.items()}
        for v in rows.values():
            v[...] = 0
        return rows

    def _chunk(self, out: "_RunOutput", sources, t0: int, t1: int, streamed: bool) -> dict:
        """Simulate ticks [t0, t1) of the run; return their per-group rows (valid until the next chunk)."""
        tot, pt = out.totals, out.per_tick
        groups = self._group_rows(out, t0, t1)
        base = self._tick
        recording = Recording(*self._spk, out.probe_buf[t0:t1])
        counts = Counts(tot["spikes_per_neuron"], tot["fan_packets"], tot["seg_deliveries"], tot["pop_updates"],
                        tot["pop_forced_updates"], **{k: v[t0:t1] for k, v in pt.items()}, **groups)
        self._admit_far(base)
        result = self._kernel(base, base + t1 - t0, self.seed, self.record_spikes or streamed, self._n_awake,
                              out.n_spikes, self._n_far, self._net, self._neurons, self._queues,
                              self._inputs(sources, base, base + t1 - t0), recording, counts, self._scratch)
        (ring_seg, ring_pay, zq_seg, zq_pay, far_due, far_seg, far_pay, spk_t, spk_id, spk_pay, out.n_spikes,
         self._n_awake, self._n_far) = result
        self._queues = self._queues._replace(ring_seg=ring_seg, ring_pay=ring_pay, zq_seg=zq_seg, zq_pay=zq_pay,
                                             far_due=far_due, far_seg=far_seg, far_pay=far_pay)
        self._tick = base + t1 - t0
        self._spk = (spk_t, spk_id, spk_pay)
        tot["group_events"] += groups["tick_group_events"].sum(axis=0)
        tot["group_updates"] += groups["tick_group_updates"].sum(axis=0)
        return groups

    def _admit_far(self, now: int) -> None:
        """Move the far packets due in ``[now, now + n_slots)`` into their ring slots.

        A far packet was emitted at least a ring length before it falls due, so before every packet
        already in its slot: it goes in front of them, in emission order, which is the order an
        unbounded ring would deliver them in.
        """
        n, q = self._n_far, self._queues
        if n == 0:
            return
        n_slots = q.ring_len.size
        due = q.far_due[:n]
        move = due < now + n_slots
        if not move.any():
            return
        moving = np.flatnonzero(move)
        slots = due[moving] & (n_slots - 1)
        order = np.argsort(slots, kind="stable")
        moving, slots = moving[order], slots[order]
        firsts, starts, counts = np.unique(slots, return_index=True, return_counts=True)
        ring_seg, ring_pay, ring_len = q.ring_seg, q.ring_pay, q.ring_len
        needed = int((ring_len[firsts] + counts).max())
        if needed > ring_seg.shape[1]:
            capacity = 1 << (needed - 1).bit_length()
            ring_seg = np.concatenate([ring_seg, np.zeros((n_slots, capacity - ring_seg.shape[1]), np.int64)], axis=1)
            ring_pay = np.concatenate([ring_pay, np.zeros((n_slots, capacity - ring_pay.shape[1]))], axis=1)
        for slot, first, k in zip(firsts, starts, counts):
            held = ring_len[slot]
            ids = moving[first:first + k]
            ring_seg[slot, k:k + held] = ring_seg[slot, :held].copy()
            ring_pay[slot, k:k + held] = ring_pay[slot, :held].copy()
            ring_seg[slot, :k] = q.far_seg[ids]
            ring_pay[slot, :k] = q.far_pay[ids]
            ring_len[slot] = held + k
        keep = np.flatnonzero(~move)
        q.far_due[:keep.size] = due[keep]
        q.far_seg[:keep.size] = q.far_seg[keep]
        q.far_pay[:keep.size] = q.far_pay[keep]
        self._n_far = keep.size
        self._queues = q._replace(ring_seg=ring_seg, ring_pay=ring_pay)

    def _hand_over(self, out: "_RunOutput", on_chunk: ChunkCallback, start: int, t0: int, t1: int,
                   first_spike: int, groups: dict, forced: np.ndarray) -> None:
        """Give the chunk (ticks counted from the run's ``start``) to ``on_chunk``; without
        ``record_spikes``, then forget its spikes."""
        spk_t, spk_id, spk_pay = (a[first_spike:out.n_spikes] for a in self._spk)
        per_tick = {**{k: v[t0:t1] for k, v in out.per_tick.items()}, **groups}
        on_chunk(Chunk(t0, t1, spk_t - start, spk_id, spk_pay, out.probe_buf[t0:t1], per_tick, forced))
        if not self.record_spikes:
            out.n_spikes = 0

    def _default_chunk(self) -> int:
        # Aim at ~1e7 synaptic-event-sized units of work per call, between 1 and max_step ticks.
        # (Without kept per-group rows, max_step keeps the chunk's buffer under _GROUP_CELLS cells.)
        work = max(self.compiled.n_neurons, 1) + self.compiled.n_synapses // 20
        return int(np.clip(10_000_000 // work, 1, self._max_step))

    def _adapt_step(self, ticks: int, seconds: float) -> None:
        """Size the next chunk from the time per tick just measured (at most 8x larger at a time).

        The first estimate counts every synapse as 1/20 of an event per tick, which can be far off
        either way; calls that are too short pay Numba's per-call cost (unboxing every kernel
        argument). Chunking never changes the results, only their timing.
        """
        if not self._adaptive:
            return
        want = int(_CHUNK_SECONDS * ticks / max(seconds, 1e-9))
        self._step = int(np.clip(want, 1, min(8 * self._step, self._max_step)))

    def _result(self, out: "_RunOutput", start: int, done: int, wall: float, interrupted: bool) -> SimResult:
        c = self.compiled
        # Spikes are in tick order; an interrupt between a kernel call and its bookkeeping may have
        # left some of a chunk not counted in ``done``.
        n = int(np.searchsorted(self._spk[0][:out.n_spikes], start + done)) if interrupted else out.n_spikes
        spk_t, spk_id, spk_pay = (a[:n].copy() for a in self._spk)
        spk_t -= start
        probes = self._probes(out.probe_buf[:done])
        per_tick = {k: v[:done] for k, v in out.per_tick.items()}
        groups = {k: None if out.group_ticks is None else out.group_ticks[k][:done]
                  for k in ("tick_group_events", "tick_group_updates")}
        counters = Counters(c, done, **out.totals, **per_tick, **groups)
        return SimResult(c, done, spk_t, spk_id, spk_pay, probes, counters, wall, interrupted, start)

    def _probes(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return probe_views(self.compiled, self.probe, rows)


def population_paths(c: CompiledNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the one destination group of each population or -1, whether it takes its model's dense handler
    while all its neurons are awake, whether it takes its model's uniform handler otherwise).

    Dense: the model has a dense handler and all the population's neurons share one parameter row.
    (A probed population whose neurons are all awake has no forced updates, so probes do not matter.)
    Uniform: one parameter row and a model with a uniform handler, for the other (generic) updates.
    """
    n_pops = len(c.names)
    pop_dense = np.zeros(n_pops, dtype=np.uint8)
    pop_uniform = np.zeros(n_pops, dtype=np.uint8)
    pop_group = np.full(n_pops, -1, dtype=np.int64)
    for p in range(n_pops):
        lo, hi = c.pop_offset[p], c.pop_offset[p + 1]
        groups = np.unique(c.neuron_group[lo:hi])
        if groups.size == 1:
            pop_group[p] = groups[0]
        if c.pop_model[p] < 0 or hi == lo or not (c.params[lo:hi] == c.params[lo]).all():
            continue
        model = c.models[c.pop_model[p]]
        pop_dense[p] = model.dense_update is not None
        pop_uniform[p] = model.uniform_update is not None
    return pop_group, pop_dense, pop_uniform


def probe_views(c: CompiledNetwork, probe: Sequence[str], rows: np.ndarray) -> dict[str, np.ndarray]:
    """``{population: (ticks, size, n_state)}`` views of the probe rows ``(ticks, n_probed, state columns)``
    of the populations ``probe``, in that order."""
    probes = {}
    first = 0
    for name in probe:
        size = c.pop_slice(name).stop - c.pop_slice(name).start
        probes[name] = rows[:, first:first + size, :len(c.network.nodes[name].model.state)]
        first += size
    return probes


class _RunOutput:
    """The buffers one run fills and its result keeps: counters, probes, the number of spikes kept."""

    @staticmethod
    def sizes(c: CompiledNetwork, ticks: int, n_probed: int, keep_groups: bool) -> dict[str, int]:
        """Bytes of each buffer a run of ``ticks`` allocates, named as an error message lists them."""
        return {"per-tick counters": 4 * 8 * ticks,
                "per-tick, per-group counters": 2 * 8 * ticks * c.n_groups if keep_groups else 0,
                "probes": 8 * ticks * n_probed * c.state0.shape[1],
                "totals": 8 * (c.n_neurons + c.fan_group.size + c.seg_delay.size + 2 * len(c.names) + 2 * c.n_groups)}

    def __init__(self, c: CompiledNetwork, ticks: int, n_probed: int, keep_groups: bool) -> None:
        n_pops, g = len(c.names), c.n_groups
        self.totals = dict(spikes_per_neuron=np.zeros(c.n_neurons, np.int64),
                           fan_packets=np.zeros(c.fan_group.size, np.int64),
                           seg_deliveries=np.zeros(c.seg_delay.size, np.int64),
                           pop_updates=np.zeros(n_pops, np.int64), pop_forced_updates=np.zeros(n_pops, np.int64),
                           group_events=np.zeros(g, np.int64), group_updates=np.zeros(g, np.int64))
        self.per_tick = dict(tick_events=np.zeros(ticks, np.int64), tick_updates=np.zeros(ticks, np.int64),
                             tick_spikes=np.zeros(ticks, np.int64), tick_packets=np.zeros(ticks, np.int64))
        self.group_ticks = None if not keep_groups else dict(tick_group_events=np.zeros((ticks, g), np.int64),
                                                             tick_group_updates=np.zeros((ticks, g), np.int64))
        self.probe_buf = np.zeros((ticks, n_probed, c.state0.shape[1]))
        self.n_spikes = 0


class _DeferredInterrupt:
    """A context in which Ctrl-C sets :attr:`requested` instead of raising (a second one raises).

    Only in the main thread (the only one that receives signals) and only over the default or a
    Python handler (an ignored SIGINT stays ignored); the previous handler is restored on exit,
    whatever happens. The kernel then never sees a pending KeyboardInterrupt.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> "_DeferredInterrupt":
        if threading.current_thread() is threading.main_thread() and callable(signal.getsignal(signal.SIGINT)):
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _as_source(name: str, size: int, events: Events) -> SpikeSource:
    """``events`` as a spike source of ``size`` neurons (an array is read as a ``[T, size]`` SpikeArray)."""
    source = events if isinstance(events, SpikeSource) else SpikeArray.create(name, events)
    if source.size != size:
        raise ModelError(f"inputs['{name}']: {source.size} neurons, but spike source '{name}' has {size}; "
                         f"give events of shape [T, {size}]")
    return source


def _probe_names(probe: str | Iterable[str] | None) -> list[str]:
    """The population names of a ``probe=`` argument: ``None`` for none, one name, or an iterable of names."""
    if probe is None:
        return []
    if isinstance(probe, str):
        return [probe]
    if not isinstance(probe, Iterable):
        raise ModelError(f"probe: {probe!r} is neither a population name nor a list of names; pass a name, a "
                         "list of names, or None to probe nothing")
    return list(probe)


def simulate(network: Network | CompiledNetwork, ticks: int, probe: str | Iterable[str] | None = (),
             record_spikes: bool = True, seed: int = 0, chunk_ticks: int | None = None,
             progress: ProgressCallback | None = None, on_chunk: ChunkCallback | None = None,
             keep_tick_groups: bool | None = None, memory_limit: int | None = None) -> SimResult:
    """Simulate ``ticks`` ticks of ``network`` (a Network is compiled first) with its own sources.

    The one-call form of ``Simulation(network, ...).run(ticks, progress=..., on_chunk=...)``; the
    parameters mean what they mean there.

    Raises
    ------
    ModelError
        For a negative or non-integer ``ticks``, a probe that is not a population, an invalid seed
        or ``chunk_ticks``, or a run whose results would not fit the memory limit.
    SimulationInterrupted
        On Ctrl-C, at the end of the chunk it lands in, with the result of the ticks done.
    """
    ticks = non_negative_int(ticks, "ticks")
    sim = Simulation(network, probe=probe, record_spikes=record_spikes, seed=seed, chunk_ticks=chunk_ticks,
                     keep_tick_groups=keep_tick_groups, memory_limit=memory_limit)
    return sim.run(ticks, progress=progress, on_chunk=on_chunk)
