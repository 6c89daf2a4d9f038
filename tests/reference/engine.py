"""A dense, tick-by-tick reference simulator of a :class:`neurosim.Network` (the test oracle).

Deliberately simple and slow: every population is stepped every tick with its model's numpy
``reference_step``, and every synaptic event is one entry of a ``SortedList`` whose sort key is
the documented summation order. It reads only the Network's public objects (populations, spike
sources, projections) and shares no code with ``neurosim.engine`` or ``neurosim.compile.compiled``.

The semantics (``docs/semantics.md``):

* ticks ``t = 0 .. T-1``; ``Population.init`` is the state after tick ``-1``;
* within a tick: every spike source in order of addition, then the populations in topological
  order of their zero-delay projections (Kahn's algorithm, the earliest-added ready population
  first);
* a spike of value ``v`` at tick ``t`` over a synapse of weight ``w`` and delay ``d`` adds
  ``float64(w) * v`` to the target's input at tick ``t + d`` (dropped when ``t + d >= T``);
* a neuron's input starts at 0.0 and adds its contributions in ascending order of (emission tick,
  position of the emitting node in the processing order, emitting neuron's global id, target
  population, delay, target global id, projection order, synapse index in the projection).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Iterable, NamedTuple

import numpy as np
from sortedcontainers import SortedList

from neurosim.net.network import Network, Population, SpikeSource


class Event(NamedTuple):
    """One synaptic event; tuples compare field by field, so the field order is the sort order."""

    tick: int  # delivery tick
    emitted: int  # emission tick
    position: int  # processing position of the emitting node within the tick
    source: int  # global id of the emitting neuron
    target_pop: int  # index (order of addition) of the target population
    delay: int
    target: int  # global id of the target neuron
    projection: int  # order of addition of the projection
    synapse: int  # index of the synapse within its projection
    contribution: float  # float64(weight) * spike value


class Synapse(NamedTuple):
    target_pop: int
    delay: int
    target: int
    projection: int
    synapse: int
    weight: float  # the float32 weight, widened exactly to float64


@dataclass
class ReferenceResult:
    """What the reference run produced.

    ``spikes``: (tick, global id, value) sorted by tick then id. ``states``: population name ->
    ``(T, size, n_state)`` state after every tick. ``events_per_tick`` / ``spikes_per_tick``:
    synaptic events delivered and spikes emitted (sources included) at every tick.
    """

    spikes: list[tuple[int, int, float]]
    states: dict[str, np.ndarray]
    events_per_tick: np.ndarray
    spikes_per_tick: np.ndarray

    @property
    def synaptic_events(self) -> int:
        return int(self.events_per_tick.sum())


def processing_order(network: Network) -> list[str]:
    """Node names in processing order: sources as added, then populations topologically by zero-delay edges."""
    names = list(network.nodes)
    sources = [n for n in names if isinstance(network.nodes[n], SpikeSource)]
    populations = [n for n in names if isinstance(network.nodes[n], Population)]
    # Zero-delay edges between populations; edges from sources are satisfied, sources go first.
    needs = {n: set() for n in populations}
    for proj in network.projections.values():
        if proj.pre in needs and np.any(proj.delay == 0):
            needs[proj.post].add(proj.pre)
    order: list[str] = []
    while len(order) < len(populations):
        ready = [n for n in populations if n not in order and needs[n] <= set(order)]
        if not ready:
            raise ValueError("zero-delay cycle (the reference engine does not say where)")
        order.append(ready[0])  # ``populations`` is in order of addition
    return sources + order


def _fan_out(network: Network, offset: dict[str, int], pop_index: dict[str, int]) -> dict[int, list[Synapse]]:
    """Global source id -> its synapses, sorted in the summation order of one emitted spike."""
    fan: dict[int, list[Synapse]] = {}
    for k, proj in enumerate(network.projections.values()):
        for y in range(proj.n_synapses):
            src = offset[proj.pre] + int(proj.pre_idx[y])
            syn = Synapse(pop_index[proj.post], int(proj.delay[y]), offset[proj.post] + int(proj.post_idx[y]),
                          k, y, float(proj.weight[y]))
            fan.setdefault(src, []).append(syn)
    for synapses in fan.values():
        synapses.sort()
    return fan


def _source_events(node: SpikeSource, ticks: int) -> dict[int, list[tuple[int, float]]]:
    """Tick -> [(neuron index, value)] of a spike source, ascending index."""
    out: dict[int, list[tuple[int, float]]] = {}
    t, i, v = node.events(0, ticks)
    for tick, idx, val in sorted(zip(np.asarray(t).tolist(), np.asarray(i).tolist(), np.asarray(v).tolist())):
        out.setdefault(tick, []).append((idx, float(val)))
    return out


def _step(population: Population, state: np.ndarray, x: np.ndarray, t: int, seed: int, first_id: int) -> np.ndarray:
    """One dense tick of ``population`` through its model's ``reference_step``.

    Stochastic models take the tick, the simulation seed and the global neuron ids as keywords
    (their draws are keyed by them); deterministic models take only ``(state, params, x)``.
    """
    step = population.model.reference_step
    keywords = inspect.signature(step).parameters
    extra = {}
    if "t" in keywords:
        extra["t"] = t
    if "seed" in keywords:
        extra["seed"] = seed
    if "ids" in keywords:
        extra["ids"] = np.arange(first_id, first_id + population.size, dtype=np.int64)
    return step(state, population.params, x, **extra)


def simulate_reference(network: Network, ticks: int, probe: Iterable[str] = (), seed: int = 0) -> ReferenceResult:
    """Simulate ``ticks`` ticks of ``network`` densely; record the state of the ``probe`` populations.

    ``seed`` is the simulation seed of the stochastic neuron models (as ``neurosim.simulate``'s).
    """
    names = list(network.nodes)
    offset, start = {}, 0
    for name in names:
        offset[name] = start
        start += network.nodes[name].size
    pop_index = {name: k for k, name in enumerate(names)}
    order = processing_order(network)
    fan = _fan_out(network, offset, pop_index)
    inputs = {n: _source_events(network.nodes[n], ticks) for n in names if isinstance(network.nodes[n], SpikeSource)}
    state = {n: network.nodes[n].init.copy() for n in names if isinstance(network.nodes[n], Population)}
    probe = list(probe)
    states = {n: np.zeros((ticks,) + state[n].shape) for n in probe}

    pending = SortedList()
    spikes: list[tuple[int, int, float]] = []
    events_per_tick = np.zeros(ticks, dtype=np.int64)
    spikes_per_tick = np.zeros(ticks, dtype=np.int64)
    for t in range(ticks):
        for position, name in enumerate(order):
            node = network.nodes[name]
            if isinstance(node, SpikeSource):
                fired = inputs[name].get(t, [])
            else:
                x = np.zeros(node.size)
                # (t,) sorts before every event due at t, (t + 1,) after them all.
                due = [e for e in pending.irange((t,), (t + 1,)) if e.target_pop == pop_index[name]]
                for e in due:  # in the summation order
                    x[e.target - offset[name]] += e.contribution
                    pending.remove(e)
                events_per_tick[t] += len(due)
                values = _step(node, state[name], x, t, seed, offset[name])
                fired = [(i, float(values[i])) for i in range(node.size) if values[i] != 0]
            for i, value in fired:
                gid = offset[name] + i
                spikes.append((t, gid, value))
                spikes_per_tick[t] += 1
                for syn in fan.get(gid, []):
                    if t + syn.delay < ticks:
                        pending.add(Event(t + syn.delay, t, position, gid, syn.target_pop, syn.delay,
                                          syn.target, syn.projection, syn.synapse, syn.weight * value))
        if pending and pending[0].tick <= t:
            raise RuntimeError(f"event {pending[0]} was due at tick {t} but its target had already run "
                               "(a zero-delay edge against the processing order)")
        for name in probe:
            states[name][t] = state[name]
    return ReferenceResult(sorted(spikes), states, events_per_tick, spikes_per_tick)
