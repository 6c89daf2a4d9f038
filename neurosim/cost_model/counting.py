"""A run's counts under a profile's counting rules and synapse classes (``docs/hardware.md``, "Counting rules").

:func:`~neurosim.cost_model.synops.tally` counts what the engine did: synaptic events at the tick
they are delivered, and an active update for every neuron the engine updates (one with input or
whose state changes without input). A profile may count differently:

* ``counting.synaptic_events_at = "spike"``: each event at the tick of its spike, every event of
  every spike of the run included (the delivery count leaves out the events of spikes still in
  flight at the end, and places the others ``delay`` ticks later);
* ``counting.active_neurons = "all"``: every neuron of a model population is active at every tick;
* ``[[synapse_class]]``: events are split by the class of their projection
  (:mod:`neurosim.chip.synapse_class`), each charged at its class's energy and latency.

:func:`profile_counts` rebuilds the affected counts of a :class:`Tally` from the run's own delay
segments (each segment's synapses all belong to one source neuron, destination group and delay, and
are all reached by every spike of that neuron), so the figures are exact, per core and per tick.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neurosim.chip.profile import ChipProfile
from neurosim.chip.synapse_class import DEFAULT_CLASS, class_of_projections
from neurosim.cost_model.per_core import core_columns
from neurosim.cost_model.synops import Tally

if TYPE_CHECKING:
    from neurosim.compile.compiled import CompiledNetwork
    from neurosim.engine.result import SimResult
    from neurosim.mapping.placement import Placement


def counts_differ(profile: ChipProfile) -> bool:
    """Whether ``profile`` counts anything otherwise than the engine (rules or synapse classes)."""
    return bool(profile.synapse_classes) or profile.synaptic_events_at != "delivery" \
        or profile.active_neurons != "updated"


def profile_counts(t: Tally, result: SimResult, placement: Placement, profile: ChipProfile) -> Tally:
    """``t`` with its synaptic events and active updates counted under ``profile``'s rules and classes.

    Returns ``t`` itself when the profile counts as the engine does.
    """
    if not counts_differ(profile):
        return t
    classes = class_of_projections(result.compiled.network, profile.synapse_classes)
    if any(classes.values()) or profile.synaptic_events_at != "delivery":
        t = replace(t, **_event_counts(t, result, placement, profile, classes))
    return active_rule_counts(t, profile)


def active_rule_counts(t: Tally, profile: ChipProfile) -> Tally:
    """``t`` with its active updates counted under ``profile.active_neurons`` (from the tally alone)."""
    if profile.active_neurons != "all":
        return t
    changes = dict(core_active=t.core_neurons.astype(np.float64) * t.ticks,
                   pop_active=np.where(t.pop_is_model, t.pop_size * t.ticks, 0).astype(np.float64))
    if t.tick_active is not None:
        changes["tick_active"] = np.broadcast_to(t.core_neurons.astype(np.float64), (t.ticks, t.cores.size)).copy()
    return replace(t, **changes)


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
