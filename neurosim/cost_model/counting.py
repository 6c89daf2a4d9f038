"""A run's counts under a profile's counting rules and synapse classes (``docs/hardware.md``, "Counting rules").

:func:`~neurosim.cost_model.synops.tally` counts what the engine did: synaptic events at the tick
they are delivered, and an active update for every neuron the engine updates (one with input or
whose state changes without input). A profile may count differently:

* ``counting.synaptic_events_at = "spike"``: each event at the tick of its spike, every event of
  every spike of the run included (the delivery count leaves out the events of spikes still in
  flight at the end, and places the others ``delay`` ticks later);
* ``counting.active_neurons = "all"``: every neuron of a model population is active at every tick;
* ``counting.active_neurons = "input_bias_potential"``: a neuron is active at a tick when it receives a
  synaptic event, has a non-zero bias, or starts the tick with a non-zero membrane ``v`` (SANA-FE's
  LIF, ``src/models.cpp`` ``LoihiLifModel::update``); read from the recorded spikes and ``v`` at the
  start of every tick, taken from the membranes where given or probed and otherwise from a replay of
  the population on the run's recorded inputs (so the run needs no probe, which would keep every
  neuron awake);
* ``[[synapse_class]]``: events are split by the class of their projection
  (:mod:`neurosim.chip.synapse_class`), each charged at its class's energy and latency.

:func:`profile_counts` rebuilds the affected counts of a :class:`Tally` from the run's own delay
segments (each segment's synapses all belong to one source neuron, destination group and delay, and
are all reached by every spike of that neuron), so the figures are exact, per core and per tick.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neurosim._checks import check_memory, memory_limit
from neurosim._jit import njit
from neurosim.chip.profile import ChipProfile
from neurosim.chip.synapse_class import DEFAULT_CLASS, class_of_projections
from neurosim.cost_model.per_core import core_columns, per_core
from neurosim.cost_model.synops import Tally
from neurosim.errors import ModelError
from neurosim.net.network import Population

if TYPE_CHECKING:
    from neurosim.compile.compiled import CompiledNetwork
    from neurosim.engine.result import SimResult
    from neurosim.mapping.placement import Placement


def counts_differ(profile: ChipProfile) -> bool:
    """Whether ``profile`` counts anything otherwise than the engine (rules or synapse classes)."""
    return bool(profile.synapse_classes) or profile.synaptic_events_at != "delivery" \
        or profile.active_neurons != "updated"


def profile_counts(t: Tally, result: SimResult, placement: Placement, profile: ChipProfile,
                   membranes: Mapping[str, npt.ArrayLike] | None = None) -> Tally:
    """``t`` with its synaptic events and active updates counted under ``profile``'s rules and classes.

    ``membranes`` (``{population: [T, size]}``, ``v`` after every tick; default: the probed
    populations of ``result``; a population in neither is replayed) serves
    ``active_neurons = "input_bias_potential"``. Returns ``t`` itself when the profile counts as the
    engine does.

    Raises
    ------
    ModelError
        For ``input_bias_potential`` on a run whose spikes were not recorded, on a population
        without ``v``, or with a population to replay that is stochastic, whose run began after
        tick 0, or whose replay does not fire as the run did.
    """
    if not counts_differ(profile):
        return t
    classes = class_of_projections(result.compiled.network, profile.synapse_classes)
    if any(classes.values()) or profile.synaptic_events_at != "delivery":
        t = replace(t, **_event_counts(t, result, placement, profile, classes))
    if profile.active_neurons == "input_bias_potential":
        return replace(t, **_input_bias_potential(t, result, placement, membranes))
    return active_rule_counts(t, profile)


def active_rule_counts(t: Tally, profile: ChipProfile) -> Tally:
    """``t`` with its active updates counted under ``profile.active_neurons`` (from the tally alone;
    ``input_bias_potential`` needs the run itself: :func:`profile_counts`)."""
    if profile.active_neurons != "all":
        return t
    changes = dict(core_active=t.core_neurons.astype(np.float64) * t.ticks,
                   pop_active=np.where(t.pop_is_model, t.pop_size * t.ticks, 0).astype(np.float64))
    if t.tick_active is not None:
        changes["tick_active"] = np.broadcast_to(t.core_neurons.astype(np.float64), (t.ticks, t.cores.size)).copy()
    return replace(t, **changes)


BIAS_PARAMS = ("bias", "bias_mant")
"""Parameters that hold a neuron's bias (``loihi_cuba``: ``bias_mant``, whose sign is the bias's)."""


def _input_bias_potential(t: Tally, result: SimResult, placement: Placement,
                          membranes: Mapping[str, npt.ArrayLike] | None) -> dict:
    """Active updates of the neurons with an input, a non-zero bias or a non-zero ``v`` at the start
    of the tick (``v`` after the previous tick, the initial ``v`` at tick 0), per tick and core.

    ``v`` is read from ``membranes`` or a probe where there is one; otherwise the population is
    replayed (:func:`_replayed_potentials`), so that the run needs no probe, which would keep its
    neurons awake and record every state after every tick."""
    c = result.compiled
    if not t.recorded:
        raise ModelError("cost: counting.active_neurons = 'input_bias_potential' needs every spike (the inputs of "
                         "every neuron at every tick); simulate with record_spikes=True")
    got = {k: result.state(k, "v") for k in result.probes if "v" in c.network.nodes[k].model.state_names}
    got.update(membranes or {})
    pops = [k for k, name in enumerate(c.names) if isinstance(c.network.nodes[name], Population)]
    for k in pops:
        node = c.network.nodes[c.names[k]]
        if "v" not in node.model.state_names:
            raise ModelError(f"cost: counting.active_neurons = 'input_bias_potential' reads the membrane v, and "
                             f"population '{node.name}' (model '{node.model.name}') has none; use a profile with "
                             f"counting.active_neurons = 'updated'")
    replay = [k for k in pops if c.names[k] not in got]
    ticks, n = t.ticks, c.n_neurons
    # Per tick and neuron: whether it received an event (bool) and, for a replay, its summed input
    # (float64) and whether its v was non-zero (bool).
    per_entry = 1 + (8 + 1 if replay else 0)
    check_memory({"inputs per tick and neuron": ticks * n * per_entry},
                 "cost: counting.active_neurons = 'input_bias_potential'", "cost fewer ticks at a time",
                 memory_limit(), argument=False)
    received = np.zeros((ticks, n), dtype=np.bool_)
    inputs = np.zeros((ticks, n) if replay else (0, 0))
    _inputs(result.spike_ticks.astype(np.int64), result.spike_ids.astype(np.int64),
            result.spike_values.astype(np.float64), c.src_fan_ptr, c.fan_seg_ptr, c.seg_delay.astype(np.int64),
            c.seg_syn_ptr, c.syn_target, c.syn_weight, received, inputs, bool(replay))
    biased = {k: _bias(c.network.nodes[c.names[k]]) != 0 for k in pops}
    potential = _replayed_potentials(result, {k: biased[k] for k in replay}, inputs) if replay else {}
    group_ticks = np.zeros((ticks, c.n_groups), dtype=np.int64)
    for k in pops:
        name = c.names[k]
        node = c.network.nodes[name]
        if k in potential:
            nonzero = potential[k]
        else:
            v = np.asarray(got[name], dtype=np.float64)
            if v.shape != (ticks, node.size):
                raise ModelError(f"cost: membranes['{name}'] has shape {v.shape}, expected ({ticks}, {node.size})")
            nonzero = np.vstack([node.init[None, :, node.model.state_names.index("v")], v[:-1]]) != 0
        sl = slice(int(c.pop_offset[k]), int(c.pop_offset[k + 1]))
        _count_active(received[:, sl], nonzero, biased[k], c.neuron_group[sl], group_ticks)
    group_core = np.asarray(placement.group_core, dtype=np.int64)
    tick_active = per_core(group_ticks.astype(np.float64), group_core, t.cores)
    out = dict(core_active=tick_active.sum(axis=0),
               pop_active=np.bincount(c.group_pop, group_ticks.sum(axis=0), minlength=len(t.names)))
    if t.tick_active is not None:
        out["tick_active"] = tick_active
    return out


def _bias(node: Population) -> npt.NDArray[np.float64]:
    """The bias of each neuron of ``node`` (0 for a model without one)."""
    return next((node.param(b) for b in BIAS_PARAMS if b in node.model.param_names), np.zeros(node.size))


def _replayed_potentials(result: SimResult, biased: dict[int, npt.NDArray[np.bool_]],
                         inputs: npt.NDArray[np.float64]) -> dict[int, npt.NDArray[np.bool_]]:
    """``{population index: (T, size) v != 0 at the start of each tick}`` of the populations of
    ``biased`` (index -> which neurons have a bias), their neurons without a bias replayed from the
    initial state with the model's handler, every neuron at every tick, on the run's recorded inputs
    (``inputs[t, j]``, the summed weighted events; neurons are independent, so this is the run's own
    dynamics), their replayed spikes checked against the recorded ones; a neuron with a bias, active
    at every tick whatever its ``v``, is left out (False)."""
    c = result.compiled
    pops = list(biased)
    nodes = [c.network.nodes[c.names[k]] for k in pops]
    for node in nodes:
        if node.model.stochastic:
            raise ModelError(f"cost: counting.active_neurons = 'input_bias_potential' replays population "
                             f"'{node.name}' to read its membrane, and its model '{node.model.name}' draws from "
                             f"the run's seed; simulate with probe=['{node.name}'] or pass membranes=")
    if result.start_tick != 0:
        raise ModelError(f"cost: counting.active_neurons = 'input_bias_potential' replays the run from the initial "
                         f"state, and this run began at tick {result.start_tick} (a continued Simulation.run); "
                         f"probe the populations or pass membranes=")
    ticks = inputs.shape[0]
    state = np.array(c.state0, order="C")  # a copy: the handler updates it in place
    params = np.ascontiguousarray(c.params)
    spiking = result.spike_ticks.astype(np.int64) * c.n_neurons + result.spike_ids
    out = {}
    for k, node in zip(pops, nodes):
        lo, hi = int(c.pop_offset[k]), int(c.pop_offset[k + 1])
        column = node.model.state_names.index("v")
        local = np.flatnonzero(~biased[k])
        idx = lo + local
        elapsed = np.ones(idx.size, dtype=np.int64)
        fired, payload, awake = np.zeros(idx.size, np.int64), np.zeros(idx.size), np.zeros(idx.size, np.int64)
        nonzero = np.zeros((ticks, hi - lo), dtype=np.bool_)
        whole = idx.size == hi - lo
        replayed = []
        for tick in range(ticks):
            if whole:  # slices, not gathers
                nonzero[tick] = state[lo:hi, column] != 0
                x = inputs[tick, lo:hi]
            else:
                nonzero[tick, local] = state[idx, column] != 0
                x = inputs[tick, idx]
            n_fired, _ = node.model.update(state, params, idx, x, elapsed, tick, 0, fired, payload, awake)
            replayed.append(tick * c.n_neurons + fired[:n_fired])
        mine = np.zeros(c.n_neurons, dtype=np.bool_)
        mine[idx] = True
        recorded = np.sort(spiking[mine[result.spike_ids]])
        if not np.array_equal(np.sort(np.concatenate(replayed)), recorded):
            raise ModelError(f"cost: counting.active_neurons = 'input_bias_potential': population '{node.name}' "
                             f"replayed on the run's inputs does not fire as it did in the run; simulate with "
                             f"probe=['{node.name}'] or pass membranes=")
        out[k] = nonzero
    return out


@njit
def _inputs(spike_ticks, spike_ids, spike_values, src_fan_ptr, fan_seg_ptr, seg_delay, seg_syn_ptr, syn_target,
            syn_weight, received, inputs, summed):
    """Set ``received[t, j]`` for every synaptic event delivered to neuron ``j`` at tick ``t < T``
    (``received`` is (T, N)) and, if ``summed``, add its weight times the spike's value to
    ``inputs[t, j]``: one pass over the spikes' delay segments and their synapses, spikes in emission
    order (the engine's order of delivery, so each input sums as the engine's does, for the delays its
    ring holds; the replayed spikes are checked in any case)."""
    ticks = received.shape[0]
    for k in range(spike_ids.size):
        i = spike_ids[k]
        pay = spike_values[k]
        for s in range(fan_seg_ptr[src_fan_ptr[i]], fan_seg_ptr[src_fan_ptr[i + 1]]):
            t = spike_ticks[k] + seg_delay[s]
            if t < ticks:
                for y in range(seg_syn_ptr[s], seg_syn_ptr[s + 1]):
                    received[t, syn_target[y]] = True
                    if summed:
                        inputs[t, syn_target[y]] += syn_weight[y] * pay


@njit
def _count_active(received, nonzero, biased, group, out):
    """Add to ``out[t, group[j]]`` the neurons ``j`` of one population active at tick ``t``: with an
    input, a non-zero ``v`` at the start of the tick, or a bias."""
    for t in range(received.shape[0]):
        for j in range(received.shape[1]):
            if received[t, j] or nonzero[t, j] or biased[j]:
                out[t, group[j]] += 1


def segment_class_synapses(c: CompiledNetwork, profile: ChipProfile,
                           classes: dict[str, int]) -> tuple[tuple[str, ...], npt.NDArray[np.int64]]:
    """The names of the classes that hold synapses (the default first, always) and the (K, S)
    synapses of each in each delay segment; ``classes`` is :func:`class_of_projections`'s answer."""
    used = sorted({0, *classes.values()})
    names = tuple(DEFAULT_CLASS if k == 0 else profile.synapse_classes[k - 1].name for k in used)
    row = {k: r for r, k in enumerate(used)}
    n_syn = np.diff(c.seg_syn_ptr)
    out = np.zeros((len(names), n_syn.size), dtype=np.int64)
    if len(used) == 1:
        out[0] = n_syn
        return names, out
    pair_class: dict[tuple[int, int], set[int]] = {}
    for name, proj in c.network.projections.items():
        pair_class.setdefault((c.names.index(proj.pre), c.names.index(proj.post)), set()).add(classes[name])
    if all(len(v) == 1 for v in pair_class.values()):
        # One class per (source, target) population pair: a segment's class is its pair's.
        table = np.zeros((len(c.names), len(c.names)), dtype=np.int64)
        for (a, b), (k,) in pair_class.items():
            table[a, b] = row[k]
        seg_row = table[c.neuron_pop[c.segment_sources()], c.group_pop[c.seg_group]]
        out[seg_row, np.arange(n_syn.size)] = n_syn
        return names, out
    # A segment is (source neuron, destination group, delay): find each synapse's by that key.
    width = np.int64(c.max_delay + 1)
    seg_key = (c.segment_sources() * c.n_groups + c.seg_group) * width + c.seg_delay
    order = np.argsort(seg_key, kind="stable")
    sorted_keys = seg_key[order]
    for name, proj in c.network.projections.items():
        if proj.n_synapses == 0:
            continue
        pre = c.pop_offset[c.names.index(proj.pre)] + proj.pre_idx.astype(np.int64)
        post = c.pop_offset[c.names.index(proj.post)] + proj.post_idx.astype(np.int64)
        key = (pre * c.n_groups + c.neuron_group[post]) * width + proj.delay.astype(np.int64)
        seg = order[np.searchsorted(sorted_keys, key)]
        out[row[classes[name]]] += np.bincount(seg, minlength=n_syn.size)
    return names, out


def _event_counts(t: Tally, result: SimResult, placement: Placement, profile: ChipProfile,
                  classes: dict[str, int]) -> dict:
    """The Tally fields of synaptic events under the profile's event rule, split by class."""
    c = result.compiled
    names, class_syn = segment_class_synapses(c, profile, classes)
    seg_src = c.segment_sources()
    if profile.synaptic_events_at == "spike":
        per_segment = result.counters.spikes_per_neuron[seg_src].astype(np.float64)
    else:
        per_segment = result.counters.seg_deliveries.astype(np.float64)
    group_class = np.stack([np.bincount(c.seg_group, per_segment * row, minlength=c.n_groups) for row in class_syn])
    group_core = np.asarray(placement.group_core, dtype=np.int64)
    col = core_columns(group_core, t.cores)
    keep = col >= 0
    core_class = np.stack([np.bincount(col[keep], row[keep], minlength=t.cores.size) for row in group_class])
    pop_class = np.stack([np.bincount(c.group_pop, row, minlength=len(t.names)) for row in group_class])
    out = dict(class_names=names, core_class_events=core_class, pop_class_events=np.rint(pop_class).astype(np.int64),
               core_events=core_class.sum(axis=0), pop_events=np.rint(pop_class.sum(axis=0)).astype(np.int64))
    if t.tick_events is not None:
        out["tick_class_events"] = _tick_class_events(t, c, class_syn, col, profile.synaptic_events_at == "spike")
        out["tick_events"] = out["tick_class_events"].sum(axis=0)
    return out


def _tick_class_events(t: Tally, c: CompiledNetwork, class_syn: npt.NDArray[np.int64], group_col: npt.NDArray[np.int64],
                       at_spike: bool) -> npt.NDArray[np.float64]:
    """(K, T, C) events of each class per tick and used core, from the recorded spikes."""
    out = np.zeros((class_syn.shape[0], t.ticks, t.cores.size))
    _add_tick_class_events(t.spike_ids.astype(np.int64), t.spike_ticks.astype(np.int64), c.src_fan_ptr,
                           c.fan_seg_ptr, c.seg_delay.astype(np.int64), c.seg_group, group_col.astype(np.int64),
                           class_syn.astype(np.float64), at_spike, out)
    return out


@njit
def _add_tick_class_events(spike_ids, spike_ticks, src_fan_ptr, fan_seg_ptr, seg_delay, seg_group, group_col,
                           class_syn, at_spike, out):
    """Add to ``out[k, tick, column]`` the class-``k`` synapses of every delay segment of every spike,
    at the spike's tick (``at_spike``) or its delivery tick, where that tick is in the run and the
    segment's group sits on a used core (``group_col >= 0``)."""
    ticks = out.shape[1]
    for n in range(spike_ids.size):
        i = spike_ids[n]
        for s in range(fan_seg_ptr[src_fan_ptr[i]], fan_seg_ptr[src_fan_ptr[i + 1]]):
            tick = spike_ticks[n] if at_spike else spike_ticks[n] + seg_delay[s]
            col = group_col[seg_group[s]]
            if tick < ticks and col >= 0:
                for k in range(class_syn.shape[0]):
                    out[k, tick, col] += class_syn[k, s]
