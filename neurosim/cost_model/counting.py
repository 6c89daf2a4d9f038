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
  LIF, ``src/models.cpp`` ``LoihiLifModel::update``); read from the recorded spikes and the membranes
  after every tick (a probed run);
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
    populations of ``result``) serves ``active_neurons = "input_bias_potential"``. Returns ``t``
    itself when the profile counts as the engine does.

    Raises
    ------
    ModelError
        For ``input_bias_potential`` on a run whose spikes were not recorded, or without the
        membrane of a population.
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
    of the tick (``v`` after the previous tick, the initial ``v`` at tick 0), per tick and core."""
    c = result.compiled
    if not t.recorded:
        raise ModelError("cost: counting.active_neurons = 'input_bias_potential' needs every spike (the inputs of "
                         "every neuron at every tick); simulate with record_spikes=True")
    got = {k: result.state(k, "v") for k in result.probes if "v" in c.network.nodes[k].model.state_names}
    got.update(membranes or {})
    ticks, n = t.ticks, c.n_neurons
    check_memory({"inputs per tick and neuron": ticks * n}, "cost: counting.active_neurons = "
                 "'input_bias_potential'", "cost fewer ticks at a time", memory_limit(), argument=False)
    received = np.zeros((ticks, n), dtype=np.bool_)
    _received(result.spike_ticks.astype(np.int64), result.spike_ids.astype(np.int64), c.src_fan_ptr,
              c.fan_seg_ptr, c.seg_delay.astype(np.int64), c.seg_syn_ptr, c.syn_target, received)
    group_ticks = np.zeros((ticks, c.n_groups))
    for k, name in enumerate(c.names):
        node = c.network.nodes[name]
        if not isinstance(node, Population):
            continue
        if name not in got:
            raise ModelError(f"cost: counting.active_neurons = 'input_bias_potential' needs the membrane v of "
                             f"population '{name}' after every tick; simulate with probe=['{name}'] or pass "
                             f"membranes={{'{name}': v}}")
        v = np.asarray(got[name], dtype=np.float64)
        if v.shape != (ticks, node.size):
            raise ModelError(f"cost: membranes['{name}'] has shape {v.shape}, expected ({ticks}, {node.size})")
        start = np.vstack([node.init[None, :, node.model.state_names.index("v")], v[:-1]])
        bias = next((node.param(b) for b in BIAS_PARAMS if b in node.model.param_names), np.zeros(node.size))
        sl = slice(int(c.pop_offset[k]), int(c.pop_offset[k + 1]))
        active = received[:, sl] | (start != 0) | (bias != 0)[None, :]
        for g in np.unique(c.neuron_group[sl]):
            group_ticks[:, g] = active[:, c.neuron_group[sl] == g].sum(axis=1)
    group_core = np.asarray(placement.group_core, dtype=np.int64)
    tick_active = per_core(group_ticks, group_core, t.cores)
    out = dict(core_active=tick_active.sum(axis=0),
               pop_active=np.bincount(c.group_pop, group_ticks.sum(axis=0), minlength=len(t.names)))
    if t.tick_active is not None:
        out["tick_active"] = tick_active
    return out


@njit
def _received(spike_ticks, spike_ids, src_fan_ptr, fan_seg_ptr, seg_delay, seg_syn_ptr, syn_target, out):
    """Set ``out[t, j]`` for every synaptic event delivered to neuron ``j`` at tick ``t < T`` (``out`` is
    (T, N)): one pass over the spikes' delay segments and their synapses, as the engine delivers them."""
    ticks = out.shape[0]
    for k in range(spike_ids.size):
        i = spike_ids[k]
        for s in range(fan_seg_ptr[src_fan_ptr[i]], fan_seg_ptr[src_fan_ptr[i + 1]]):
            t = spike_ticks[k] + seg_delay[s]
            if t < ticks:
                for y in range(seg_syn_ptr[s], seg_syn_ptr[s + 1]):
                    out[t, syn_target[y]] = True


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
    seg_lo = c.fan_seg_ptr[c.src_fan_ptr[:-1]]
    seg_hi = c.fan_seg_ptr[c.src_fan_ptr[1:]]
    ids, ticks = t.spike_ids, t.spike_ticks
    n_seg = (seg_hi - seg_lo)[ids]
    spike = np.repeat(np.arange(ids.size), n_seg)
    seg = seg_lo[ids][spike] + (np.arange(spike.size) - np.repeat(np.cumsum(n_seg) - n_seg, n_seg))
    tick = ticks[spike] if at_spike else ticks[spike] + c.seg_delay[seg]
    col = group_col[c.seg_group[seg]]
    keep = (tick < t.ticks) & (col >= 0)
    flat = tick[keep] * t.cores.size + col[keep]
    size = t.ticks * t.cores.size
    return np.stack([np.bincount(flat, row[seg[keep]], minlength=size).reshape(t.ticks, t.cores.size)
                     for row in class_syn]).astype(np.float64)
