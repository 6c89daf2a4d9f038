"""``cost()``: a run's energy, latency, operations and bit budget on a chip profile, as a ``Report``.

``cost`` is a pure function of the run's counters and recorded spikes, the placement and its route
table, and a profile: no simulation. Re-costing the same run under another profile re-reads only
the profile's unit costs (the route table, ``placement.routes``, is routed once per placement), so design
sweeps can call it many times::

    report = cost(result, placement)                                  # placement.profile
    what_if = cost(result, placement, chip.replace(e_synop_J=30e-12), traffic=tr)
    print(compare(report, what_if).to_text())
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from neurosim._checks import freeze_arrays, plain, positive_int, si
from neurosim.errors import ModelError, NeurosimError, ProfileError
from neurosim.chip.profile import ChipProfile, ProfileValue
from neurosim.mapping.routing import RouteTable
from neurosim.mapping.violations import CAPACITY, COMPATIBILITY, Violation
from neurosim.chip.schema import NOC_ROUTINGS

from neurosim.cost_model.bit_budget import BitBudget, bit_budget
from neurosim.cost_model.energy_presets import DEFAULT_PRESET, EnergyPreset, get_preset
from neurosim.cost_model.conventions import (DEFAULT_CONVENTION, ConventionFigures, RunRecord, figures_of,
                                             get_convention)
from neurosim.cost_model.energy import CostValues, EnergyReport, energy, energy_model
from neurosim.cost_model.latency import LatencyReport, latency as latency_model
from neurosim.cost_model.counting import profile_counts
from neurosim.cost_model.synops import Operations, Tally, ac_mac_values, operations, tally
from neurosim.cost_model.tables import data_frame, figure_text, not_published_text, report_columns, report_html
from neurosim.cost_model.unpublished import Missing, missing_keys

if TYPE_CHECKING:
    from neurosim.engine.result import SimResult
    from neurosim.mapping.placement import Placement
    from neurosim.cost_model.traffic import Traffic

REPORT_SCHEMA = 1
"""Version of :meth:`Report.to_dict`'s layout; :meth:`Report.from_dict` refuses other versions."""

_COUNTS = ("core_neurons", "core_synops", "core_spikes", "population_size", "population_spikes", "population_synops")


@dataclass(frozen=True, eq=False)
class Report:
    """Energy, latency, operations and bit budget of one run on one chip profile.

    Attributes
    ----------
    chip, network : str
        Profile name, network name.
    ticks, samples, ticks_per_sample : int
        ``T``, the inference samples it holds, and ``T / samples``.
    core_xy, core_neurons, core_synops, core_spikes : ndarray
        Per used core (``energy.cores``): (C, 2) router coordinates, and (C,) model neurons,
        synaptic events received and spikes emitted.
    population_size, population_spikes, population_synops : ndarray
        (P,) per population and source (``energy.populations``): neurons, spikes emitted, synaptic
        events received.
    energy : EnergyReport
    latency : LatencyReport or None
        ``None`` when ``cost(..., latency=False)`` skipped it.
    operations : Operations
    bit_budget : BitBudget
    notes : tuple of str
        How figures were obtained where a choice was made (energy model, defaults, clamping).
    convention : ConventionFigures or None
        The run's figures under the metric convention asked of :func:`cost` (default ``events``),
        per sample or per tick, with the convention's source (:mod:`neurosim.cost_model.conventions`).
    violations : tuple of Violation
        The capacities the placement exceeds and what the chip does not run natively, mapped anyway
        under the ``warn`` policies (``placement.violations``); the figures are then marked: they
        describe a chip without those limits, or the network as written.
    """

    chip: str
    network: str
    ticks: int
    samples: int
    ticks_per_sample: int
    core_xy: npt.NDArray[np.int64] = field(repr=False)
    core_neurons: npt.NDArray[np.int64] = field(repr=False)
    core_synops: npt.NDArray[np.int64] = field(repr=False)
    core_spikes: npt.NDArray[np.int64] = field(repr=False)
    population_size: npt.NDArray[np.int64] = field(repr=False)
    population_spikes: npt.NDArray[np.int64] = field(repr=False)
    population_synops: npt.NDArray[np.int64] = field(repr=False)
    energy: EnergyReport = field(repr=False)
    latency: LatencyReport | None = field(repr=False)
    operations: Operations = field(repr=False)
    bit_budget: BitBudget = field(repr=False)
    notes: tuple[str, ...] = ()
    convention: ConventionFigures | None = field(default=None, repr=False)
    violations: tuple[Violation, ...] = ()

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def over_capacity(self) -> bool:
        """Whether the placement exceeds a capacity of the chip (``capacity="warn"``)."""
        return any(v.kind == CAPACITY for v in self.violations)

    @property
    def not_native(self) -> bool:
        """Whether the network uses something the chip does not run natively (``compatibility="warn"``)."""
        return any(v.kind == COMPATIBILITY for v in self.violations)

    @property
    def estimated(self) -> bool:
        """Whether any figure rests on an assumed value or a fallback (see :attr:`assumed`)."""
        return bool(self.assumed)

    @property
    def missing(self) -> Missing:
        """``(key, what needs it)`` for every term the energy or latency left out because the profile
        does not publish ``key`` (``cost(..., missing="mark")``)."""
        lat = self.latency.missing if self.latency is not None else ()
        return tuple(dict.fromkeys(self.energy.missing + lat))

    @property
    def partial(self) -> bool:
        """Whether a total (energy or latency) leaves out a term the profile does not publish."""
        return bool(self.missing)

    @property
    def assumed(self) -> tuple[ProfileValue, ...]:
        """Every value used that is an assumption or a fallback, once per key."""
        sections = (self.energy, self.latency, self.bit_budget)
        found = {v.key: v for s in sections if s is not None for v in s.values if v.estimated}
        return tuple(found.values())

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-serialisable data; units are in the key names."""
        return {
            "schema": REPORT_SCHEMA, "chip": self.chip, "network": self.network, "ticks": self.ticks,
            "samples": self.samples, "ticks_per_sample": self.ticks_per_sample, "estimated": self.estimated,
            "partial": self.partial, "missing_keys": list(missing_keys(self.missing)),
            "assumed": plain(self.assumed), "notes": list(self.notes),
            **{name: plain(getattr(self, name)) for name in _COUNTS}, "core_xy": plain(self.core_xy),
            "energy": {**self.energy.to_dict(), "per_sample_J": self.energy.total_J / self.samples},
            "latency": self.latency.to_dict() if self.latency is not None else None,
            "operations": self.operations.to_dict(), "bit_budget": self.bit_budget.to_dict(),
            "convention": self.convention.to_dict() if self.convention is not None else None,
            "over_capacity": self.over_capacity, "not_native": self.not_native,
            "violations": [v.to_dict() for v in self.violations],
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict`'s output.

        Raises
        ------
        NeurosimError
            If ``data["schema"]`` is not :data:`REPORT_SCHEMA`.
        """
        if data.get("schema") != REPORT_SCHEMA:
            raise NeurosimError(f"report schema {data.get('schema')!r} is not supported; this neurosim reads report "
                                f"schema {REPORT_SCHEMA} (docs/hardware.md, 'Cost model')")
        return cls(
            chip=data["chip"], network=data["network"], ticks=data["ticks"], samples=data["samples"],
            ticks_per_sample=data["ticks_per_sample"],
            core_xy=np.asarray(data["core_xy"], dtype=np.int64).reshape(-1, 2),
            **{name: np.asarray(data[name], dtype=np.int64) for name in _COUNTS},
            energy=EnergyReport.from_dict(data["energy"]),
            latency=LatencyReport.from_dict(data["latency"]) if data["latency"] is not None else None,
            operations=Operations.from_dict(data["operations"]), bit_budget=BitBudget.from_dict(data["bit_budget"]),
            notes=tuple(data["notes"]),
            convention=ConventionFigures.from_dict(data["convention"]) if data.get("convention") else None,
            violations=tuple(Violation.from_dict(v) for v in data.get("violations", ())))

    @classmethod
    def from_json(cls, text: str) -> Report:
        return cls.from_dict(json.loads(text))

    def to_text(self) -> str:
        """The full report: energy, cores, populations, latency, operations, bit budget."""
        return _text(self)

    def summary_lines(self) -> list[str]:
        """The answer first, in a few lines: energy and latency per sample, cores, the chip, and
        what is estimated or not published (:meth:`to_text` has the tables)."""
        return _summary(self)

    def to_pandas(self, table: str = "energy") -> Any:
        """One table of the report as a ``pandas.DataFrame`` (needs pandas, which neurosim does not require).

        Parameters
        ----------
        table : str
            ``"energy"``: one row per energy class (``class, unit_key, count, unit_value, energy_J,
            published``); ``"cores"``: one row per used core (``core, x, y, neurons, synops, spikes,
            energy_J, busy_s``); ``"populations"``: one row per population and spike source
            (``population, neurons, spikes, synops, energy_J``). ``docs/notebooks.md`` gives every
            column's meaning (:data:`neurosim.cost_model.tables.REPORT_TABLES`).

        Raises
        ------
        NeurosimError
            If pandas is not installed, or ``table`` is not one of the three.
        """
        return data_frame(report_columns(self, table), "Report.to_pandas")

    def _repr_html_(self) -> str:
        """The summary figures with units and marks, and the energy per class (a notebook's display)."""
        return report_html(self)


def cost(result: SimResult, placement: Placement, profile: ChipProfile | None = None, traffic: Traffic | None = None,
         fallbacks: Mapping[str, Any] | None = None, *, samples: int | None = None,
         ticks_per_sample: int | None = None, latency: bool = True, convention: str = DEFAULT_CONVENTION,
         execution: str = "sample", membranes: Mapping[str, npt.ArrayLike] | None = None,
         missing: str = "error", energy_preset: str = DEFAULT_PRESET, static: bool = True) -> Report:
    """Cost one run on a chip profile.

    Parameters
    ----------
    result : SimResult
        A run of ``placement.compiled`` (record its spikes for the latency model).
    placement : Placement
        Where every neuron sits.
    profile : ChipProfile, optional
        The chip to cost on; default ``placement.profile``. Another profile re-costs the same run
        (same placement, same routes) with its unit costs, as if the run were simulated again.
    traffic : Traffic, optional
        ``traffic(result, placement.routes)``; its route table is used (it must be of ``placement``);
        default ``placement.routes``.
    fallbacks : mapping, optional
        Values to assume where the profile gives none, e.g. ``{"e_spike_J": 0.0}``; figures using
        them are marked estimated and the values listed in :attr:`Report.assumed`.
    samples, ticks_per_sample : int, optional
        Inference samples in the run (either one; they must divide ``T``); per-sample figures
        divide by ``samples``. Default: one sample of ``T`` ticks.
    latency : bool
        ``False`` skips the latency model (for chips that publish no per-operation latency, such as
        TrueNorth), except on barrier chips costed per component, whose static energy needs it.
    convention : str
        The metric convention of :attr:`Report.convention` (``neurosim.cost_model.conventions``:
        ``"events"``, the default, ``"neurobench"``, ``"spikformer"``, ``"spikformer-per-step"`` or
        ``"spikingjelly"``); the other sections are the same under all.
    execution : str
        ``"sample"`` (counts per sample) or ``"tick"`` (per execution of a streaming model: one tick).
    membranes : mapping, optional
        ``{population: [T, size]}`` membrane ``v`` after every tick, for conventions that read it
        (``neurobench``'s MembraneUpdates) and for the counting rule ``input_bias_potential``;
        default the populations ``result`` probed.
    missing : {"error", "mark"}
        For a number the run needs that neither the profile nor ``fallbacks`` gives (a router mesh
        included): raise (default), or leave its term out, record it in :attr:`Report.missing` and
        mark the totals partial (``docs/decisions/0012-unpublished-figures.md``).
    energy_preset : str
        The E_MAC / E_AC pair (:mod:`neurosim.cost_model.energy_presets`) of the conventions that
        cost operations (``spikformer``, ``spikingjelly``) and of the network's host operations;
        the chip's own energy uses the chip profile.
    static : bool
        Include the static (leakage) energy of the used cores over the run's physical time (the
        default: a chip leaks whether it computes or not, so its energy per inference includes it);
        ``False`` reports the dynamic energy alone, as SANA-FE does.

    Returns
    -------
    Report

    Raises
    ------
    ProfileError
        Naming the key, when a value the run needs is not given by the profile nor by ``fallbacks``
        and ``missing="error"``.
    ModelError
        If ``result`` is not a run of ``placement.compiled``, the samples do not divide ``T``, or the
        latency model is asked of a run whose spikes were not recorded.
    """
    profile = profile if profile is not None else placement.profile
    values = CostValues(profile, fallbacks, missing)
    ticks = int(result.ticks)
    samples, ticks_per_sample = _samples(ticks, samples, ticks_per_sample)
    timed, routed = cost_needs(profile, latency)
    t = profile_counts(tally(result, placement, _routes(placement, traffic) if routed else None, timed), result,
                       placement, profile, membranes)
    en, lat = energy_and_latency(t, values, ticks_per_sample, timed, mesh_known=placement.mesh.published,
                                 static=static)
    ops = operations(t, result.compiled.network, ac_mac_values(profile), samples)
    bits = bit_budget(result.compiled.network, t, values, ticks_per_sample, _sent_values(result))
    record = _run_record(result, samples, ticks_per_sample, ops, bits, membranes, get_preset(energy_preset))
    chosen = figures_of(get_convention(convention), record, execution)
    return Report(chip=str(profile.name), network=result.compiled.network.name, ticks=ticks, samples=samples,
                  ticks_per_sample=ticks_per_sample, core_xy=t.core_xy, core_neurons=t.core_neurons,
                  core_synops=t.core_events.astype(np.int64), core_spikes=t.core_spikes.astype(np.int64),
                  population_size=t.pop_size, population_spikes=t.pop_spikes, population_synops=t.pop_events,
                  energy=en, latency=lat, operations=ops, bit_budget=bits,
                  notes=_notes(t, result, profile, en, lat, placement.mesh.published, static) + _payload_notes(bits, profile),
                  convention=chosen, violations=placement.violations)


def _sent_values(result: SimResult) -> dict[str, np.ndarray]:
    """``{node: its spike values}`` for every source of a projection (the bit budget's spike bits)."""
    net = result.compiled.network
    out = {}
    for pre in {p.pre for p in net.projections.values()}:
        sl = result.compiled.pop_slice(pre)
        out[pre] = result.spike_values[(result.spike_ids >= sl.start) & (result.spike_ids < sl.stop)]
    return out


def _run_record(result: SimResult, samples: int, ticks_per_sample: int, ops: Operations, bits: BitBudget,
                membranes: Mapping[str, npt.ArrayLike] | None, preset: EnergyPreset) -> RunRecord:
    """What the metric conventions read of ``result``: spikes and membranes as ``[B, T, size]``."""
    def per_sample(a) -> np.ndarray:
        a = np.asarray(a, dtype=np.float64)
        return a.reshape(samples, ticks_per_sample, -1)

    if membranes is None:
        membranes = {k: result.state(k, "v") for k in result.probes
                     if "v" in result.compiled.network.nodes[k].model.state_names}
    return RunRecord(result.compiled.network, samples, ticks_per_sample,
                     lambda node: per_sample(result.spike_matrix(node)),
                     {k: per_sample(v) for k, v in membranes.items()}, ops, bits, preset)


def cost_needs(profile: ChipProfile, latency: bool) -> tuple[bool, bool]:
    """(timed, routed): whether costing on ``profile`` runs the latency model (asked, or needed by a
    barrier chip's static energy) and whether it needs the route table (network energy or latency)."""
    model = energy_model(profile)
    timed = latency or (profile.timestep_mode == "barrier" and model == "per_component")
    return timed, profile.routing in NOC_ROUTINGS and (model == "per_component" or timed)


def energy_and_latency(t: Tally, values: CostValues, ticks_per_sample: int, timed: bool, *,
                       mesh_known: bool = True, static: bool = True) -> tuple[EnergyReport, LatencyReport | None]:
    """Energy of tally ``t`` and, when ``timed``, its latency (a barrier chip's physical time).

    ``mesh_known``: whether the placement's router mesh is published (hop and crossing counts);
    ``static``: include the static energy.
    """
    lat = latency_model(t, values, ticks_per_sample, mesh_known=mesh_known) if timed else None
    time_values: list[ProfileValue] = []

    def physical_time_s() -> tuple[float, Missing]:
        if lat is None:
            period = values.get("tick_s", "the static energy (physical time = T x tick_s)")
            if period is None:
                return 0.0, (("tick_s", "physical time"),)
            time_values.append(period)
            return t.ticks * float(period.value), ()
        # A barrier chip's time is the sum of its modelled tick latencies: every latency value counts.
        time_values.extend(v for v in lat.values if lat.tick_period_s is None or v.key == "tick_s")
        if lat.tick_period_s is None:
            return lat.physical_time_s, lat.missing
        return lat.physical_time_s, ()

    en = energy(t, values, physical_time_s, mesh_known=mesh_known, static=static)
    keys = {v.key for v in en.values}
    en = replace(en, values=en.values + tuple(v for v in time_values if v.key not in keys))
    _require_finite(en, lat)
    return en, lat


def _require_finite(en: EnergyReport, lat: LatencyReport | None) -> None:
    """Raise a ProfileError when a total overflowed (a figure is never printed as inf or NaN)."""
    figures = [(f"the energy of class '{name}'", value, "J") for name, value in en.by_class().items()]
    if lat is not None:
        figures += [("the modelled latency", lat.total_s, "s"), ("the physical time", lat.physical_time_s, "s")]
    for what, value, unit in figures:
        if not np.isfinite(value):
            used = ", ".join(dict.fromkeys(v.key for v in en.values + (lat.values if lat is not None else ())))
            raise ProfileError(f"{what} is {value} {unit}, not a finite figure: the run's counts times the profile "
                               f"values overflow; check the units and sizes of the values used ({used})")


def _samples(ticks: int, samples: int | None, per_sample: int | None) -> tuple[int, int]:
    """(samples, ticks per sample), checked to divide ``ticks``."""
    for name, n in (("samples", samples), ("ticks_per_sample", per_sample)):
        if n is not None:
            positive_int(n, f"cost(): {name}")
    if samples is None and per_sample is None:
        return 1, ticks
    if samples is None:
        samples = ticks // per_sample
    per_sample = ticks // samples if per_sample is None else per_sample
    if samples * per_sample != ticks or samples < 1:
        raise ModelError(f"cost(): {samples} samples x {per_sample} ticks per sample != {ticks} ticks simulated; "
                         f"pass samples or ticks_per_sample dividing {ticks}")
    return int(samples), int(per_sample)


def _routes(placement: Placement, traffic: Traffic | None) -> RouteTable:
    """The placement's route table: the one ``traffic`` was computed from, else the placement's own."""
    if traffic is None:
        return placement.routes
    if traffic.routes.placement is not placement:
        raise ModelError("cost(): the traffic was computed on another placement; pass "
                         "traffic(result, placement.routes) of this placement, or no traffic")
    return traffic.routes


def _notes(t: Tally, result: SimResult, profile: ChipProfile, en: EnergyReport,
           lat: LatencyReport | None, placement_mesh_published: bool, static: bool = True) -> tuple[str, ...]:
    """How figures were obtained where the model made a choice, one sentence each."""
    notes = []
    if not static and en.model == "per_component":
        notes.append("static energy left out (static=False): the energy is the dynamic energy of the events alone")
    if profile.synaptic_events_at == "spike":
        notes.append("synaptic events counted at the tick of their spike, every event of every spike of the run "
                     "(counting.synaptic_events_at = 'spike')")
    if profile.active_neurons == "all":
        notes.append("every neuron counted as an active update at every tick (counting.active_neurons = 'all')")
    elif profile.active_neurons == "input_bias_potential":
        notes.append("a neuron update counted as active when the neuron has an input, a non-zero bias or a non-zero "
                     "v at the start of the tick (counting.active_neurons = 'input_bias_potential')")
    if len(t.class_names) > 1 and en.model == "per_component":
        notes.append("synaptic events charged per synapse class: " + ", ".join(
            f"{name} {int(n)}" for name, n in zip(t.class_names, t.core_class_events.sum(axis=1))))
    if not placement_mesh_published:
        notes.append(f"chip '{profile.name}' publishes no router mesh: its tiles are numbered in one row (core x "
                     "is the tile), and hop, link and chip-crossing counts are not published")
    if en.model == "all_inclusive":
        notes.append("energy = SynOps x e_synop_total_J alone: the published figure already includes neuron "
                     "updates, routing, memory and static power, so no other term is added")
    elif en.model == "ac_mac":
        notes.append("energy = effective ACs x e_ac_J + effective MACs x e_mac_J (the E_AC/E_MAC convention of SNN "
                     "papers: arithmetic only, no data movement, no static power)")
    elif profile.routing not in NOC_ROUTINGS:
        notes.append("no network on chip (routing = 'none'): packets and hops are not costed")
    if profile.e_ac_J is None or profile.e_mac_J is None:
        notes.append(f"E_AC/E_MAC comparison uses generic_45nm's values: chip '{profile.name}' gives none")
    if np.any(result.counters.pop_forced_updates) and profile.active_neurons == "updated":
        notes.append("probed populations: their probe-forced updates are removed pro rata per core and tick "
                     "(the engine counts them per population only)")
    if not t.recorded:
        notes.append("spikes were not recorded: effective MACs come from the spike sources' own events")
    if lat is not None and lat.timestep_mode == "barrier" and profile.barrier_s_by_tiles is not None \
            and lat.tiles_used > profile.barrier_s_by_tiles[-1][0]:
        notes.append(f"barrier for {lat.tiles_used} tiles clamped to the table's last entry "
                     f"({profile.barrier_s_by_tiles[-1][0]} tiles)")
    return tuple(notes)


def _payload_notes(bits: BitBudget, profile: ChipProfile) -> tuple[str, ...]:
    """A note when some spikes carry more payload bits than the chip's packets can (``bit_budget.over_capacity``)."""
    if not bits.over_capacity:
        return ()
    return (f"projection(s) {', '.join(bits.over_capacity)} deliver spike values that chip '{profile.name}' cannot "
            f"carry (spike_payload_bits = {bits.payload_capacity_bits}); their packets and synaptic events are "
            "costed as if it could",)


@dataclass(frozen=True)
class Comparison:
    """Key figures of two reports side by side (:func:`compare`).

    Attributes
    ----------
    labels : (str, str)
        Column titles: ``"a: <chip>"`` and ``"b: <chip>"``.
    rows : tuple of (str, float or None, float or None)
        Figure name (unit in the name), value in report a, value in report b.
    """

    labels: tuple[str, str]
    rows: tuple[tuple[str, float | None, float | None], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": REPORT_SCHEMA, "labels": list(self.labels),
                "rows": [{"figure": name, "a": a, "b": b, "b_over_a": _ratio(a, b)} for name, a, b in self.rows]}

    def to_text(self) -> str:
        head = f"{'figure':<34}{self.labels[0]:>16}{self.labels[1]:>16}{'b / a':>10}"
        lines = [head]
        for name, a, b in self.rows:
            ratio = _ratio(a, b)
            lines.append(f"{name:<34}{_num(a):>16}{_num(b):>16}{'-' if ratio is None else f'{ratio:.4g}':>10}")
        return "\n".join(lines)


def compare(a: Report, b: Report) -> Comparison:
    """Key figures of reports ``a`` and ``b`` (e.g. one run costed on two profiles) side by side."""
    fa, fb = _figures(a), _figures(b)
    names = list(fa) + [k for k in fb if k not in fa]
    return Comparison((f"a: {a.chip}", f"b: {b.chip}"), tuple((k, fa.get(k), fb.get(k)) for k in names))


def _figures(r: Report) -> dict[str, float | None]:
    """The figures :func:`compare` shows, by name (unit in the name); ``None`` where not modelled."""
    out: dict[str, float | None] = {"energy_J": r.energy.total_J, "energy_per_sample_J": r.energy.total_J / r.samples}
    out.update({f"energy_{k}_J": v for k, v in r.energy.by_class().items()})
    lat = r.latency
    for name, attr in (("latency_total_s", "total_s"), ("latency_mean_tick_s", "mean_tick_s"),
                       ("latency_worst_tick_s", "worst_tick_s"), ("physical_time_s", "physical_time_s"),
                       ("deadline_misses", "deadline_misses")):
        out[name] = getattr(lat, attr) if lat is not None else None
    ops, bits = r.operations, r.bit_budget
    out.update({"synops": ops.synops, "e_snn_J": ops.e_snn_J, "e_ann_J": ops.e_ann_J,
                "bit_budget_bits": bits.total_bits, "storage_bits": bits.storage_bits,
                "estimated": float(r.estimated), "partial": float(r.partial)})
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or a == 0 else b / a


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.6g}"


def _text(r: Report) -> str:
    e = r.energy
    head = [f"cost of network '{r.network}' on chip '{r.chip}': {r.ticks} ticks = {r.samples} sample(s) x "
            f"{r.ticks_per_sample} ticks, {e.cores.size} cores used"]
    if r.estimated:
        head.append("ESTIMATED: some figures rest on assumed or fallback values (listed at the end)")
    head += _violation_lines(r)
    if r.partial:
        head.append(f"PARTIAL: the profile does not publish {', '.join(missing_keys(r.missing))}; the totals leave "
                    "their terms out (marked 'not published' below)")
    lat = ["Latency", "  not modelled (cost(..., latency=False))"] if r.latency is None else r.latency.to_text_lines()
    sections = [head, e.to_text_lines(r.samples), _core_lines(r), _population_lines(r), lat, _operation_lines(r),
                r.bit_budget.to_text_lines()]
    if r.assumed:
        sections.append(["Assumed or fallback values used"]
                        + [f"  {v.key} = {v.value!r} ({v.status}: {v.source})" for v in r.assumed])
    if r.convention is not None:
        sections.append(r.convention.to_text_lines())
    if r.notes:
        sections.append(["Notes"] + [f"  {n}" for n in r.notes])
    return "\n\n".join("\n".join(lines) for lines in sections)


def _summary(r: Report) -> list[str]:
    e, lat = r.energy, r.latency
    lines = [f"chip {r.chip}: {e.cores.size} core(s) used, {r.samples} sample(s) x {r.ticks_per_sample} ticks",
             f"energy per sample   {figure_text(e.total_J / r.samples, 'J', e)}{_violation_mark(r)}"]
    if lat is None:
        lines.append("latency per sample  not modelled (--no-latency)")
    elif lat.tick_period_s is not None:  # a fixed tick: the sample takes its ticks, whatever the modelled work
        modelled = f"; modelled tick latencies {'partial' if lat.partial else 'complete'}"
        lines.append(f"latency per sample  {si(lat.sample_time_s, 's')} ({r.ticks_per_sample} ticks x "
                     f"{si(lat.tick_period_s, 's')} fixed tick{', estimated' if lat.estimated else ''}{modelled})")
    else:
        lines.append(f"latency per sample  {figure_text(lat.sample_time_s, 's', lat)}")
    unpublished = not_published_text(r)
    if unpublished:
        lines.append(f"not published: {unpublished}")
    if r.assumed:
        lines.append("estimated: rests on assumed or fallback values of " + ", ".join(v.key for v in r.assumed))
    return lines + _violation_lines(r)


def _violation_mark(r: Report) -> str:
    """``" [over capacity, not native]"``: the marks of figures computed despite violations."""
    marks = [m for m, on in (("over capacity", r.over_capacity), ("not native", r.not_native)) if on]
    return f" [{', '.join(marks)}]" if marks else ""


def _violation_lines(r: Report) -> list[str]:
    """What the figures marked by :func:`_violation_mark` ignore, one line per violation."""
    lines = []
    for kind, on, meaning in ((CAPACITY, r.over_capacity, "the figures are of a chip without these limits"),
                              (COMPATIBILITY, r.not_native, "the figures are of the network as written, not as "
                                                             "the chip would run it")):
        if on:
            found = [v for v in r.violations if v.kind == kind]
            lines.append(f"{kind.upper()} VIOLATIONS ({len(found)}, mapped under {kind}=warn; {meaning}; "
                         f"strict refuses):")
            lines += [f"  {v.message}" for v in found]
    return lines


def _core_lines(r: Report) -> list[str]:
    e, lat = r.energy, r.latency
    core_j = e.core_energy_J.sum(axis=0)
    top = np.argsort(-(lat.core_busy_s if lat is not None else core_j), kind="stable")[:10]
    lines = [f"Cores (top {top.size} of {e.cores.size} by {'busy time' if lat is not None else 'energy'})",
             f"  {'core':>6}{'x':>5}{'y':>5}{'neurons':>9}{'synops':>12}{'spikes':>10}{'energy':>12}{'busy':>12}"]
    for k in top:
        busy = si(float(lat.core_busy_s[k]), "s") if lat is not None else "-"
        lines.append(f"  {e.cores[k]:>6}{r.core_xy[k, 0]:>5}{r.core_xy[k, 1]:>5}{r.core_neurons[k]:>9}"
                     f"{r.core_synops[k]:>12}{r.core_spikes[k]:>10}{si(core_j[k], 'J'):>12}{busy:>12}")
    return lines


def _population_lines(r: Report) -> list[str]:
    lines = ["Populations (synops received; static energy belongs to cores)",
             f"  {'name':<20}{'neurons':>9}{'spikes':>10}{'synops':>12}{'energy':>12}"]
    pop_j = r.energy.population_energy_J.sum(axis=0)
    for k, name in enumerate(r.energy.populations):
        lines.append(f"  {name:<20}{r.population_size[k]:>9}{r.population_spikes[k]:>10}"
                     f"{r.population_synops[k]:>12}{si(pop_j[k], 'J'):>12}")
    return lines


def _operation_lines(r: Report) -> list[str]:
    ops = r.operations
    origin = "generic_45nm (Horowitz 2014)" if "generic_45nm," in ops.e_ac_mac_source else "the chip profile"
    return ["Operations",
            f"  SynOps {ops.synops} ({ops.synops / r.samples:.6g} per sample): effective ACs {ops.effective_acs}, "
            f"effective MACs {ops.effective_macs}",
            f"  ANN MACs (synapses x T) {ops.macs}, dense MACs (pre x post x T) {ops.dense_macs}",
            f"  E_SNN = SynOps x E_AC = {si(ops.e_snn_J, 'J')}; effective ACs x E_AC + effective MACs x E_MAC = "
            f"{si(ops.e_snn_effective_J, 'J')}",
            f"  E_ANN = MACs x E_MAC = {si(ops.e_ann_J, 'J')} (dense {si(ops.e_ann_dense_J, 'J')}, once per sample "
            f"{si(ops.e_ann_once_J, 'J')})",
            f"  E_AC {si(ops.e_ac_J, 'J')}, E_MAC {si(ops.e_mac_J, 'J')} from {origin}",
            f"  activation sparsity {_num(ops.activation_sparsity)}, connection sparsity "
            f"{_num(ops.connection_sparsity)}"]
