"""What a metric convention is, what it reads of a run, and the figures it reports.

A convention is a named set of metric definitions taken from a reference tool (NeuroBench, ...) or
neurosim's own (``events``). Each lives in one module of this package that defines a
:class:`Convention`; :mod:`neurosim.cost_model.conventions` registers them by name.
A convention computes *totals over the whole run* from a :class:`RunRecord`; :func:`figures_of`
turns them into figures per execution: per sample (``execution="sample"``, what NeuroBench divides
by) or per tick (``execution="tick"``: a streaming model executes once per tick).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from neurosim.cost_model.energy_presets import DEFAULT_PRESET, EnergyPreset, get_preset
from neurosim.errors import ModelError

if TYPE_CHECKING:
    from neurosim.cost_model.bit_budget import BitBudget
    from neurosim.cost_model.synops import Operations
    from neurosim.net.network import Network

EXECUTIONS = ("sample", "tick")
"""What one execution is: a whole sample of T ticks, or one tick (streaming)."""

KINDS = ("count", "ratio", "static")
"""How a figure scales: a ``count`` is accumulated over the run and divided by the executions; a
``ratio`` (sparsity) and a ``static`` figure (bytes, parameters) are the same per execution."""


@dataclass(frozen=True)
class Figure:
    """One figure under its reference name.

    Attributes
    ----------
    name : str
        The reference tool's name (``"SynapticOperations.Effective_ACs"``).
    value : float or None
        ``None`` where the convention cannot define it for this model (``note`` says why).
    kind : str
        One of :data:`KINDS`.
    unit : str
        ``"bytes"``, ``"ops"``, ... or ``""``.
    note : str
        Why the value is ``None``, or how it was obtained where a choice was made.
    """

    name: str
    value: float | None
    kind: str
    unit: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ModelError(f"figure '{self.name}': kind {self.kind!r} is not one of {', '.join(KINDS)}")


@dataclass(frozen=True, eq=False)
class RunRecord:
    """What a convention reads of one run of B samples of T ticks each.

    Attributes
    ----------
    network : Network
        The network simulated (its projections' ``origin`` where it was made from NIR).
    samples, ticks_per_sample : int
        B and T.
    spikes : callable
        ``spikes(node)`` -> ``[B, T, size]`` float64 spike values of a population or source.
    membranes : mapping or None
        ``{population: [B, T, size]}`` membrane ``v`` after every tick, where probed.
    operations : Operations
        neurosim's event-based operation counts of the run.
    bit_budget : BitBudget
        neurosim's storage of the network on the chip.
    preset : EnergyPreset
        The E_MAC / E_AC pair of the conventions that cost operations and of the host operations.
    """

    network: Network = field(repr=False)
    samples: int
    ticks_per_sample: int
    spikes: Callable[[str], np.ndarray] = field(repr=False)
    membranes: Mapping[str, np.ndarray] | None = field(repr=False)
    operations: Operations = field(repr=False)
    bit_budget: BitBudget = field(repr=False)
    preset: EnergyPreset = field(default_factory=lambda: get_preset(DEFAULT_PRESET))


@dataclass(frozen=True)
class Convention:
    """A named set of metric definitions.

    Attributes
    ----------
    name : str
        Its name (``--convention NAME``).
    source : str
        Where the definitions come from (tool and version, paper).
    needs_membranes : bool
        Whether it reads the membranes of every population (the run must probe them).
    totals : callable
        ``totals(record)`` -> (figures with counts summed over the whole run, notes).
    """

    name: str
    source: str
    needs_membranes: bool
    totals: Callable[[RunRecord], tuple[tuple[Figure, ...], tuple[str, ...]]] = field(repr=False)


@dataclass(frozen=True)
class ConventionFigures:
    """A run's figures under one convention, per execution.

    Attributes
    ----------
    convention, source : str
        The convention's name and where its definitions come from.
    execution : str
        ``"sample"`` or ``"tick"``.
    executions : int
        What the counts were divided by: B, or B x T.
    figures : tuple of Figure
        Counts per execution; ratios and static figures as they are.
    notes : tuple of str
        How the figures were obtained where a choice was made.
    """

    convention: str
    source: str
    execution: str
    executions: int
    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> float | None:
        for f in self.figures:
            if f.name == name:
                return f.value
        raise KeyError(f"convention '{self.convention}' has no figure {name!r}; it has: "
                       f"{', '.join(f.name for f in self.figures)}")

    def to_dict(self) -> dict[str, Any]:
        return {"convention": self.convention, "source": self.source, "execution": self.execution,
                "executions": self.executions, "notes": list(self.notes),
                "figures": [dict(f.__dict__) for f in self.figures]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConventionFigures:
        """Read :meth:`to_dict`'s output back."""
        return cls(data["convention"], data["source"], data["execution"], int(data["executions"]),
                   tuple(Figure(**f) for f in data["figures"]), tuple(data["notes"]))

    def to_text_lines(self) -> list[str]:
        per = "per sample" if self.execution == "sample" else "per tick (one execution of a streaming model)"
        lines = [f"Metrics, convention '{self.convention}', counts {per}: totals / {self.executions}",
                 f"  source: {self.source}"]
        width = max(len(f.name) for f in self.figures) if self.figures else 0
        for f in self.figures:
            value = "undefined" if f.value is None else f"{f.value:.10g}"
            unit = f" {f.unit}" if f.unit and f.value is not None else ""
            note = f"  ({f.note})" if f.note else ""
            lines.append(f"  {f.name:<{width}}  {value}{unit}{note}")
        lines += [f"  note: {n}" for n in self.notes]
        return lines


def figures_of(convention: Convention, record: RunRecord, execution: str) -> ConventionFigures:
    """``convention``'s figures of ``record`` per execution (``"sample"`` or ``"tick"``)."""
    if execution not in EXECUTIONS:
        raise ModelError(f"execution must be one of {', '.join(EXECUTIONS)}, got {execution!r}")
    executions = record.samples * (record.ticks_per_sample if execution == "tick" else 1)
    totals, notes = convention.totals(record)
    totals = (*totals, *host_figures(record))
    per = tuple(Figure(f.name, f.value / executions, f.kind, f.unit, f.note)
                if f.kind == "count" and f.value is not None else f for f in totals)
    return ConventionFigures(convention.name, convention.source, execution, executions, per, notes)


def host_figures(record: RunRecord) -> tuple[Figure, ...]:
    """One row of operations and one of energy per host operation of the network, then their total
    energy: MACs and FLOPs at the preset's E_MAC, summed over the run (:mod:`neurosim.net.host`).
    Off the chip: no chip figure includes them."""
    ops = record.network.host_ops.values()
    if not ops:
        return ()
    rows, total = [], 0.0
    for op in ops:
        units = op.units(record.spikes, record.samples, record.ticks_per_sample)
        work = units * (op.macs + op.flops)
        energy = work * record.preset.e_mac_J
        total += energy
        rows += [Figure(f"host.{op.name}.ops", work, "count", "ops", "MACs + FLOPs, off the chip"),
                 Figure(f"host.{op.name}.energy_J", energy, "count", "J", f"at E_MAC of '{record.preset.name}'")]
    return (*rows, Figure("host.energy_J", total, "count", "J", "every host operation"))
