"""What happened during a simulation, counted for the hardware cost model (no energy here).

Every count is exact and comes straight from the engine. Aggregates (per population pair, per
group) are derived from the per-entry counts with numpy, with no second simulation.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Sequence

import numpy as np
import numpy.typing as npt

from neurosim.compile.compiled import CompiledNetwork


@dataclass(frozen=True, eq=False)
class Counters:
    """Event counts of one run of ``ticks`` ticks.

    Per entry of the compiled synapse CSR: ``fan_packets[f]`` spikes sent over fan entry ``f`` (one
    packet each: source neuron to destination group) and ``seg_deliveries[s]`` deliveries of delay
    segment ``s`` (each is ``len(s)`` synaptic events). Per destination group: synaptic events and
    neuron updates over the run. Per tick: synaptic events, neuron updates, spikes and packets, and
    (events, updates) per destination group, ``tick_group_events`` and ``tick_group_updates``
    (T x G), which are ``None`` when the run did not keep them (``simulate(keep_tick_groups=False)``,
    the default without ``record_spikes``).
    """

    compiled: CompiledNetwork = field(repr=False)
    ticks: int
    spikes_per_neuron: np.ndarray = field(repr=False)  # (N,)
    fan_packets: np.ndarray = field(repr=False)  # (F,)
    seg_deliveries: np.ndarray = field(repr=False)  # (S,)
    pop_updates: np.ndarray = field(repr=False)  # (P,) handler updates, probed ones included
    pop_forced_updates: np.ndarray = field(repr=False)  # (P,) updates done only because of a probe
    group_events: np.ndarray = field(repr=False)  # (G,) synaptic events delivered to each group
    group_updates: np.ndarray = field(repr=False)  # (G,) handler updates of each group, probed ones included
    tick_events: np.ndarray = field(repr=False)  # (T,)
    tick_updates: np.ndarray = field(repr=False)  # (T,)
    tick_spikes: np.ndarray = field(repr=False)  # (T,)
    tick_packets: np.ndarray = field(repr=False)  # (T,)
    tick_group_events: np.ndarray | None = field(default=None, repr=False)  # (T, G), None when not kept
    tick_group_updates: np.ndarray | None = field(default=None, repr=False)  # (T, G), None when not kept

    @classmethod
    def concatenate(cls, runs: Sequence["Counters"]) -> "Counters":
        """The counts of ``runs`` back to back, as one run of their summed ticks, on the first one's network.

        Totals are summed and per-tick series (the ``tick_*`` fields) joined; the per-tick, per-group
        ones only when every run kept them, else they are ``None``.
        """
        joined = {}
        for f in fields(cls):
            if f.name in ("compiled", "ticks"):
                continue
            parts = [getattr(c, f.name) for c in runs]
            if not f.name.startswith("tick_"):
                joined[f.name] = np.sum(parts, axis=0)
            else:
                joined[f.name] = None if any(p is None for p in parts) else np.concatenate(parts)
        return cls(runs[0].compiled, sum(c.ticks for c in runs), **joined)

    @property
    def synaptic_events(self) -> int:
        """Total synaptic events (SynOps) delivered."""
        return int(self.tick_events.sum())

    @property
    def spikes(self) -> int:
        return int(self.spikes_per_neuron.sum())

    @property
    def packets(self) -> int:
        """Spikes sent per destination group (population, or population x core once placed).

        A chip sends one packet per destination *core*; when two populations share a core the
        routed count (``neurosim.cost_model.traffic.traffic(...).packets``) is the smaller, hardware one.
        """
        return int(self.fan_packets.sum())

    @property
    def neuron_updates(self) -> int:
        """Neuron updates the engine performed because of input or a non-resting state."""
        return int((self.pop_updates - self.pop_forced_updates).sum())

    def spikes_per_population(self) -> dict[str, int]:
        c = self.compiled
        return {name: int(self.spikes_per_neuron[c.pop_slice(name)].sum()) for name in c.names}

    def updates_per_population(self) -> dict[str, int]:
        c = self.compiled
        active = self.pop_updates - self.pop_forced_updates
        return {name: int(active[k]) for k, name in enumerate(c.names) if c.pop_model[k] >= 0}

    def events_per_segment(self) -> np.ndarray:
        """Synaptic events delivered per delay segment."""
        return self.seg_deliveries * np.diff(self.compiled.seg_syn_ptr)

    def events_per_projection_pair(self) -> dict[tuple[str, str], int]:
        """Synaptic events per (source population, target population) with any events."""
        c = self.compiled
        seg_src = c.neuron_pop[c.segment_sources()]
        seg_dst = c.group_pop[c.seg_group]
        matrix = np.zeros((len(c.names), len(c.names)), dtype=np.int64)
        np.add.at(matrix, (seg_src, seg_dst), self.events_per_segment())
        rows, cols = np.nonzero(matrix)
        return {(c.names[a], c.names[b]): int(matrix[a, b]) for a, b in zip(rows, cols)}

    def events_per_group(self) -> np.ndarray:
        """(G,) synaptic events delivered to each destination group."""
        return self.group_events


    def regrouped(self, coarse: CompiledNetwork, group_map: npt.NDArray[np.int64], spike_ticks: npt.NDArray[np.int64],
                  spike_ids: npt.NDArray[np.int64]) -> Counters:
        """These counts as a run of ``coarse``: the same network with coarser destination groups.

        Per-group counts (``group_*``, ``tick_group_*``) are summed into the coarse groups; a fan
        entry carries one packet per spike of its source; a coarse delay segment is delivered as
        often as a segment of this run with the same source and delay; ``tick_packets`` counts the
        spikes times their source's coarse fan entries. Every other count is unchanged.

        Parameters
        ----------
        coarse : CompiledNetwork
            A compilation of ``self.compiled.network`` whose every group holds whole groups of this run.
        group_map : ndarray of int64, shape (G,)
            Coarse group of each group of this run (``neurosim.cost_model.reroute`` checks it).
        spike_ticks, spike_ids : ndarray of int64
            Every spike of the run (tick, global neuron id), in emission order.
        """
        coarse_fans = np.diff(coarse.src_fan_ptr)
        n_groups = coarse.n_groups
        return replace(
            self, compiled=coarse, fan_packets=np.repeat(self.spikes_per_neuron, coarse_fans),
            seg_deliveries=_seg_deliveries(self.compiled, self.seg_deliveries, coarse),
            group_events=_sum_groups(self.group_events, group_map, n_groups),
            group_updates=_sum_groups(self.group_updates, group_map, n_groups),
            tick_packets=np.bincount(spike_ticks, coarse_fans[spike_ids], minlength=self.ticks).astype(np.int64),
            tick_group_events=_sum_groups(self.tick_group_events, group_map, n_groups),
            tick_group_updates=_sum_groups(self.tick_group_updates, group_map, n_groups))


def _segment_keys(c: CompiledNetwork) -> npt.NDArray[np.int64]:
    """(source neuron, delay) of every delay segment, as one int64 key."""
    return c.segment_sources() * (c.max_delay + 1) + c.seg_delay


def _seg_deliveries(fine: CompiledNetwork, deliveries: npt.NDArray[np.int64],
                    coarse: CompiledNetwork) -> npt.NDArray[np.int64]:
    """Deliveries of each coarse segment: those of a fine segment with the same source and delay."""
    fine_keys, coarse_keys = _segment_keys(fine), _segment_keys(coarse)
    order = np.argsort(fine_keys, kind="stable")
    at = np.searchsorted(fine_keys[order], coarse_keys)
    return deliveries[order[at]].astype(np.int64)


def _sum_groups(per_group: npt.NDArray[np.int64] | None, group_map: npt.NDArray[np.int64],
                n_groups: int) -> npt.NDArray[np.int64] | None:
    """Counts over fine groups (last axis) summed into ``n_groups`` by ``group_map``; ``None`` stays ``None``."""
    if per_group is None:
        return None
    order = np.argsort(group_map, kind="stable")
    starts = np.searchsorted(group_map[order], np.arange(n_groups))  # every coarse group holds a fine one
    if per_group.size == 0:
        return np.zeros((*per_group.shape[:-1], n_groups), dtype=np.int64)
    return np.add.reduceat(per_group[..., order], starts, axis=-1).astype(np.int64)
