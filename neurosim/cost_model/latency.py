"""Latency of every tick under a chip profile: the busiest core, the network, the barrier.

A tick is modelled as three phases that follow each other (``docs/hardware.md``, "Cost model")::

    core work   w[t, c] = events[t, c] * t_synop_s                     (each synapse class at its own t_synop_s)
                        + active[t, c] * t_neuron_update_active_s
                        + idle[t, c] * t_neuron_update_idle_s           (updates_all_neurons chips)
                        + spikes[t, c] * t_spike_s
    compute[t]  = max over cores c of w[t, c]                          (cores work in parallel)
    network[t]  = max over the spikes of tick t of the route time of the spiking neuron,
                  route time(i) = t_packet_s + max over i's packets of
                                  (|dx| * t_hop_x_s + |dy| * t_hop_y_s + crossings * t_chip_crossing_s)
    barrier     = barrier_s_by_tiles interpolated at the tiles used     (barrier chips; 0 on fixed-tick)
    tick[t]     = compute[t] + network[t] + barrier

The route time keeps x and y apart: a packet's X-then-Y route has exactly ``|dx|`` x hops and
``|dy|`` y hops, and the longest packet is the one with the largest weighted sum, which need not be
the one with the most hops. Physical time is ``T * tick_s`` on fixed-tick chips, whose ticks last
``tick_s`` whatever the work (a tick whose modelled latency exceeds ``tick_s`` misses its
deadline), and ``sum of tick[t]`` on barrier chips, whose ticks end when the barrier completes.

A term whose unit latency the profile does not give (nor a fallback) raises, or, with
``CostValues(..., missing="mark")``, is left out and recorded in :attr:`LatencyReport.missing`: the
tick latencies are then partial (lower bounds). Hop and crossing terms also need a published mesh.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from neurosim._checks import freeze_arrays, plain, si
from neurosim.errors import ProfileError
from neurosim.chip.profile import ProfileValue
from neurosim.chip.schema import NOC_ROUTINGS

from neurosim.cost_model.energy import CostValues, class_key, synapse_class_values
from neurosim.cost_model.synops import Tally
from neurosim.cost_model.unpublished import MESH_KEYS, Missing, as_missing, missing_keys, missing_lines

_ARRAYS = ("tick_latency_s", "compute_s", "network_s", "busiest_core", "cores", "core_busy_s")


@dataclass(frozen=True, eq=False)
class LatencyReport:
    """Modelled duration of every tick of one run.

    Attributes
    ----------
    timestep_mode : str
        ``"fixed_tick"`` or ``"barrier"``.
    tick_latency_s, compute_s, network_s : ndarray
        (T,) modelled duration of each tick, its busiest core's work and its network traversal, in s.
    busiest_core : ndarray
        (T,) global id of each tick's busiest core; -1 when no core worked.
    barrier_s : float
        Barrier synchronisation per tick, in s (0 on fixed-tick chips).
    tiles_used : int
        Router tiles holding the used cores (the barrier's span).
    cores, core_busy_s : ndarray
        (C,) used cores and the total work time of each over the run, in s.
    tick_period_s : float or None
        ``tick_s`` of a fixed-tick chip; ``None`` on barrier chips.
    ticks_per_sample : int
        Ticks per inference sample (the whole run when not given).
    values : tuple of ProfileValue
        Every profile value used.
    missing : tuple of (str, str)
        ``(key, term)`` for every term left out because the profile does not give ``key``
        (``missing="mark"``); the latencies are then partial.
    """

    timestep_mode: str
    tick_latency_s: npt.NDArray[np.float64] = field(repr=False)
    compute_s: npt.NDArray[np.float64] = field(repr=False)
    network_s: npt.NDArray[np.float64] = field(repr=False)
    busiest_core: npt.NDArray[np.int64] = field(repr=False)
    barrier_s: float = 0.0
    tiles_used: int = 0
    cores: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    core_busy_s: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0), repr=False)
    tick_period_s: float | None = None
    ticks_per_sample: int = 0
    values: tuple[ProfileValue, ...] = ()
    missing: Missing = ()

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def ticks(self) -> int:
        return int(self.tick_latency_s.size)

    @property
    def total_s(self) -> float:
        """Sum of the modelled tick latencies, in s."""
        return float(self.tick_latency_s.sum())

    @property
    def physical_time_s(self) -> float:
        """Duration of the run on the chip: ``T * tick_s`` (fixed tick) or :attr:`total_s` (barrier)."""
        if self.tick_period_s is not None:
            return self.ticks * self.tick_period_s
        return self.total_s

    @property
    def mean_tick_s(self) -> float:
        return self.total_s / self.ticks if self.ticks else 0.0

    @property
    def worst_tick(self) -> int:
        """Index of the slowest tick (-1 for an empty run)."""
        return int(np.argmax(self.tick_latency_s)) if self.ticks else -1

    @property
    def worst_tick_s(self) -> float:
        return float(self.tick_latency_s.max()) if self.ticks else 0.0

    @property
    def deadline_misses(self) -> int | None:
        """Ticks whose modelled latency exceeds ``tick_s`` (fixed-tick chips; ``None`` on barrier chips)."""
        if self.tick_period_s is None:
            return None
        return int(np.count_nonzero(self.tick_latency_s > self.tick_period_s))

    @property
    def sample_latency_s(self) -> npt.NDArray[np.float64]:
        """(samples,) sum of the modelled tick latencies of each inference sample, in s."""
        if not self.ticks_per_sample:
            return np.zeros(1)
        return self.tick_latency_s.reshape(-1, self.ticks_per_sample).sum(axis=1)

    @property
    def sample_time_s(self) -> float:
        """Physical time of one sample: ``ticks_per_sample * tick_s``, or the mean sample latency."""
        if self.tick_period_s is not None:
            return self.ticks_per_sample * self.tick_period_s
        return float(self.sample_latency_s.mean())

    @property
    def estimated(self) -> bool:
        return any(v.estimated for v in self.values)

    @property
    def partial(self) -> bool:
        """Whether the latencies leave out a term whose unit the profile does not publish."""
        return bool(self.missing)

    def to_text_lines(self) -> list[str]:
        """The latency summary of :meth:`Report.to_text`."""
        worst = self.worst_tick
        parts = (float(self.compute_s[worst]), float(self.network_s[worst])) if self.ticks else (0.0, 0.0)
        marks = [m for m, on in (("estimated", self.estimated), ("partial", self.partial)) if on]
        lines = ["Latency" + (f" ({', '.join(marks)})" if marks else ""),
                 f"  {self.timestep_mode}, {self.tiles_used} tiles; barrier {si(self.barrier_s, 's')} per tick",
                 f"  modelled: total {si(self.total_s, 's')}, mean tick {si(self.mean_tick_s, 's')}, worst tick "
                 f"{worst} ({si(self.worst_tick_s, 's')}: compute {si(parts[0], 's')}, network {si(parts[1], 's')})",
                 f"  physical time {si(self.physical_time_s, 's')}; per sample {si(self.sample_time_s, 's')} "
                 f"(slowest sample {si(float(self.sample_latency_s.max()), 's')} modelled)"]
        if self.tick_period_s is not None:
            lines.append(f"  fixed tick {si(self.tick_period_s, 's')}: {self.deadline_misses} of {self.ticks} ticks "
                         f"miss the deadline")
        if self.partial:
            terms = ", ".join(dict.fromkeys(why for _, why in self.missing))
            lines.append(f"  partial: the modelled latencies leave out {terms}:")
            lines += missing_lines(self.missing, "    ")
        return lines

    def to_dict(self) -> dict[str, Any]:
        out = {name: plain(getattr(self, name)) for name in self.__dataclass_fields__}
        derived = ("total_s", "physical_time_s", "mean_tick_s", "worst_tick", "worst_tick_s", "deadline_misses",
                   "sample_time_s", "estimated", "partial")
        return {**out, **{name: getattr(self, name) for name in derived},
                "missing_keys": list(missing_keys(self.missing)),
                "sample_latency_s": self.sample_latency_s.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LatencyReport:
        d = {k: data[k] for k in cls.__dataclass_fields__ if k != "missing"}
        d["missing"] = as_missing(data.get("missing", ()))
        for name in _ARRAYS:
            d[name] = np.asarray(d[name], dtype=np.int64 if name in ("busiest_core", "cores") else np.float64)
        d["values"] = tuple(ProfileValue(**v) for v in d["values"])
        return cls(**d)


def latency(t: Tally, values: CostValues, ticks_per_sample: int, *, mesh_known: bool = True) -> LatencyReport:
    """Per-tick latency of tally ``t`` (built with ``per_tick=True``) under ``values.profile``.

    Parameters
    ----------
    t : Tally
    values : CostValues
    ticks_per_sample : int
        Ticks per inference sample; divides ``t.ticks``.
    mesh_known : bool
        Whether the placement's router mesh is published; without one, the hop and crossing terms
        of the network phase are left out as missing ``mesh_x``/``mesh_y``.

    Raises
    ------
    ProfileError
        For a needed latency the profile does not give, without a fallback, when
        ``values.missing == "error"`` (a missing mesh too).
    """
    p = values.profile
    used: dict[str, ProfileValue] = {}
    missing: list[tuple[str, str]] = []
    class_values = synapse_class_values(p, t.class_names)

    def unit(key: str, count: float, why: str) -> float:
        if count <= 0:
            return 0.0
        if key in _MESH_TERMS and not mesh_known:
            if values.missing == "error":
                raise ProfileError(f"{p.origin}: the latency of the {why} needs the router mesh, but chip.mesh_x / "
                                   f"chip.mesh_y are unpublished for '{p.name}'; give them with "
                                   f"profile.replace(mesh_x=..., mesh_y=...), or pass missing='mark'")
            missing.extend((mesh_key, why) for mesh_key in MESH_KEYS)
            return 0.0
        found = used.get(key) or class_values.get(key) or values.get(key, why)
        if found is None:
            missing.append((key, why))
            return 0.0
        used[key] = found
        return float(found.value)

    idle = t.core_neurons[None, :] - t.tick_active
    if idle.sum() > 0:
        every_tick = values.get("updates_all_neurons", "idle neuron updates")
        if every_tick is None:
            missing.append(("updates_all_neurons", "idle neuron updates"))
        else:
            used["updates_all_neurons"] = every_tick
        if every_tick is None or not every_tick.value:
            idle = np.zeros_like(idle)
    if t.tick_class_events is not None:
        synapses = sum(events * unit(class_key(name, "t_synop_s"), events.sum(), f"synaptic events ({name})")
                       for name, events in zip(t.class_names, t.tick_class_events))
    else:
        synapses = t.tick_events * unit("t_synop_s", t.tick_events.sum(), "synaptic events")
    work = (synapses
            + t.tick_active * unit("t_neuron_update_active_s", t.tick_active.sum(), "active neuron updates")
            + idle * unit("t_neuron_update_idle_s", idle.sum(), "idle neuron updates")
            + t.tick_spikes * unit("t_spike_s", t.tick_spikes.sum(), "population spikes"))
    compute = work.max(axis=1) if t.cores.size else np.zeros(t.ticks)
    busiest = np.where(compute > 0, t.cores[work.argmax(axis=1)] if t.cores.size else -1, -1)
    network = _network_s(t, unit) if p.routing in NOC_ROUTINGS else np.zeros(t.ticks)
    tiles = len(np.unique(t.core_xy, axis=0))
    barrier, period = 0.0, None
    if p.timestep_mode == "barrier":
        table = values.get("barrier_s_by_tiles", "the barrier that ends every tick") if t.ticks and tiles else None
        if table is not None:
            used["barrier_s_by_tiles"] = table
            counts, seconds = zip(*table.value)
            # Clamped to the table's ends, as ChipProfile.barrier_s does (tables stop at one chip).
            barrier = float(np.interp(tiles, counts, seconds))
        elif t.ticks and tiles:
            missing.append(("barrier_s_by_tiles", "the barrier that ends every tick"))
    else:
        found = values.get("tick_s", "the fixed tick's deadline")
        if found is None:
            missing.append(("tick_s", "the fixed tick's deadline"))
        else:
            used["tick_s"] = found
            period = float(found.value)
    return LatencyReport(
        timestep_mode=p.timestep_mode, tick_latency_s=compute + network + barrier, compute_s=compute,
        network_s=network, busiest_core=busiest.astype(np.int64), barrier_s=barrier, tiles_used=tiles,
        cores=t.cores, core_busy_s=work.sum(axis=0), tick_period_s=period, ticks_per_sample=ticks_per_sample,
        values=tuple(used.values()), missing=tuple(dict.fromkeys(missing)))


_MESH_TERMS = ("t_hop_x_s", "t_hop_y_s", "t_chip_crossing_s")
"""The latency terms whose counts need the router mesh."""


def _network_s(t: Tally, unit: Callable[[str, float, str], float]) -> npt.NDArray[np.float64]:
    """(T,) longest route time among the spikes of each tick (0 for a tick without packets).

    ``unit(key, count, why)`` is the latency ``key`` in s, looked up only when ``count > 0``.
    """
    out = np.zeros(t.ticks)
    if t.spike_ids.size == 0 or t.packet_ptr is None or t.packet_ptr[-1] == 0:
        return out
    per_neuron = np.diff(t.packet_ptr)
    sent = np.zeros(per_neuron.size, dtype=bool)
    sent[t.spike_ids] = True
    live = np.repeat(sent, per_neuron)  # packets actually sent during the run
    dx, dy, cross = t.packet_dx, t.packet_dy, t.packet_crossings
    per_packet = (dx * unit("t_hop_x_s", dx[live].sum(), "x hops of the longest packet")
                  + dy * unit("t_hop_y_s", dy[live].sum(), "y hops of the longest packet")
                  + cross * unit("t_chip_crossing_s", cross[live].sum(), "chip crossings of the longest packet"))
    packet = unit("t_packet_s", live.sum(), "spike packets")
    route = np.zeros(per_neuron.size)
    has = per_neuron > 0
    route[has] = packet + np.maximum.reduceat(per_packet, t.packet_ptr[:-1][has])
    # Spikes are in emission order, so each tick's spikes are one run: the max of each run.
    ticks, first = np.unique(t.spike_ticks, return_index=True)
    out[ticks] = np.maximum.reduceat(route[t.spike_ids], first)
    return out
