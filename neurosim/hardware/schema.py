"""The chip-profile schema: the one table of every field a ``chips/*.toml`` file may hold.

A profile is a TOML file with a few top-level keys and five sections of hardware values::

    schema = 1                      # the version of this table; readers refuse other versions
    name = "loihi"
    description = "..."
    source_kind = "simulated"       # measured | simulated | derived | assumed
    unpublished = ["e_spike_J"]     # values no source gives (TOML has no null): omitted, never guessed
    assumed = ["mesh_x"]            # values that are assumptions or derived from other figures
    [chip]    ...                   # process, supply, cores, mesh, routing
    [core]    ...                   # capacities and precisions of one core
    [timing]  ...                   # what one tick costs in wall time
    [energy]  ...                   # J per event, W of static power
    [latency] ...                   # s per event
    [sources]                       # "section.key" = "paper, table, page", one per value above

Units are in the names, in SI base units (``_J``, ``_s``, ``_W``, ``_V``, ``_bits``, ``_ticks``).
Each :class:`Field` says whether the value must be present (``REQUIRED``), must be present or be
listed in ``unpublished`` (``PUBLISHED``), or may be left out with a documented meaning
(``OPTIONAL``). Some fields apply only under a condition on another field (``when``): a
``fixed_tick`` chip has a ``tick_s`` and no barrier table, a chip without a network on chip
(``routing = "none"``) has no packet or hop costs. ``docs/hardware.md`` shows :func:`markdown_table`
of this table, and a test keeps the two identical.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 1
"""The only ``schema`` value this version of neurosim reads."""

SECTIONS = ("chip", "core", "timing", "energy", "latency")
"""Sections of hardware values, in file order; ``[sources]`` follows them."""

REQUIRED = "required"
PUBLISHED = "published"
OPTIONAL = "optional"

NOC_ROUTINGS = ("xy_dimension_order", "multicast_table")
"""Routing schemes of chips with a network on chip: packet and hop costs apply to these only."""


@dataclass(frozen=True)
class Field:
    """One key of a chip profile.

    Parameters
    ----------
    section : str
        ``""`` for a top-level key, else one of :data:`SECTIONS`.
    name : str
        Key name, unit suffix included; unique over all sections (``ChipProfile`` attributes are flat).
    kind : str
        ``"int"``, ``"float"`` (a TOML integer is accepted and converted), ``"bool"``, ``"str"``,
        ``"enum"`` (one of ``choices``), ``"strings"`` (array of strings) or ``"pairs"`` (array of
        ``[int, float]`` pairs with strictly increasing first elements).
    unit : str
        Unit of the value, for the documentation (``""`` when it has none).
    need : str
        ``REQUIRED``, ``PUBLISHED`` (present, or listed in ``unpublished``) or ``OPTIONAL``.
    doc : str
        Meaning of the value, and for ``OPTIONAL`` fields what leaving it out means.
    low : float or None
        Smallest allowed value of a number (of the second element for ``"pairs"``).
    positive : bool
        The number must be strictly greater than ``low``.
    choices : tuple of str
        Allowed values of an ``"enum"``.
    default : object
        Value of an ``OPTIONAL`` field that is left out; a value equal to it needs no source.
    when : tuple of (str, tuple of str), or None
        ``(field name, allowed values)``: the field applies only when that field has one of these
        values; otherwise it must be left out (and not be listed in ``unpublished``).
    """

    section: str
    name: str
    kind: str
    unit: str
    need: str
    doc: str
    low: float | None = None
    positive: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    when: tuple[str, tuple[str, ...]] | None = None

    @property
    def key(self) -> str:
        """Dotted key as used in ``[sources]`` and error messages (``"energy.e_synop_J"``)."""
        return f"{self.section}.{self.name}" if self.section else self.name

    @property
    def is_hardware(self) -> bool:
        """Whether the field is a hardware value (in a section) that needs a ``[sources]`` entry."""
        return bool(self.section)


def _count(section: str, name: str, doc: str, need: str = PUBLISHED, unit: str = "", **extra: Any) -> Field:
    """A positive integer: a count or a capacity (``>= 1``)."""
    return Field(section, name, "int", unit, need, doc, low=1, **extra)


def _energy(name: str, doc: str, need: str = PUBLISHED, **extra: Any) -> Field:
    return Field("energy", name, "float", "W" if name.endswith("_W") else "J", need, doc, low=0.0, **extra)


def _latency(name: str, doc: str, **extra: Any) -> Field:
    return Field("latency", name, "float", "s", PUBLISHED, doc, low=0.0, **extra)


_NOC = ("routing", NOC_ROUTINGS)

FIELDS: tuple[Field, ...] = (
    # -- top level ---------------------------------------------------------------------------------
    Field("", "schema", "int", "", REQUIRED, f"version of this schema; neurosim reads {SCHEMA_VERSION}"),
    Field("", "name", "str", "", REQUIRED, "profile name, as given to `load_chip` (the file name without `.toml`)"),
    Field("", "description", "str", "", REQUIRED, "one paragraph: the chip, its operating point, the origin of its costs"),
    Field("", "source_kind", "enum", "", REQUIRED,
          "how the cost numbers were obtained: on silicon, by pre-silicon simulation, derived from other "
          "published figures, or assumed (borrowed from another chip or a convention)",
          choices=("measured", "simulated", "derived", "assumed")),
    Field("", "unpublished", "strings", "", OPTIONAL,
          "field names no source gives; they are omitted (TOML has no null), never guessed", default=()),
    Field("", "assumed", "strings", "", OPTIONAL,
          "field names whose values are assumptions or derived; their source text says which", default=()),
    # -- [chip] ------------------------------------------------------------------------------------
    _count("chip", "process_nm", "technology node (the foundry's node name, in nm)", unit="nm"),
    Field("chip", "operating_voltage_V", "float", "V", PUBLISHED,
          "supply voltage at which the energies hold", low=0.0, positive=True),
    _count("chip", "cores_per_chip", "neuromorphic cores per chip", need=REQUIRED),
    _count("chip", "cores_per_tile", "cores sharing one router"),
    _count("chip", "mesh_x", "router mesh width, in tiles (E-W, the x of `e_hop_x_J`)", unit="tiles"),
    _count("chip", "mesh_y", "router mesh height, in tiles (N-S)", unit="tiles"),
    _count("chip", "chips_x", "chips along x in a multi-chip mesh; absent: 1", need=OPTIONAL, unit="chips",
           default=1),
    _count("chip", "chips_y", "chips along y in a multi-chip mesh; absent: 1", need=OPTIONAL, unit="chips",
           default=1),
    Field("chip", "routing", "enum", "", REQUIRED,
          "how a spike reaches its destination cores; `none`: no network on chip (no packet or hop costs)",
          choices=(*NOC_ROUTINGS, "none")),
    Field("chip", "updates_all_neurons", "bool", "", PUBLISHED,
          "the chip updates every neuron every tick, so idle updates are costed for all neurons"),
    # -- [core] ------------------------------------------------------------------------------------
    _count("core", "neurons_per_core", "neurons (compartments) per core; unpublished: unlimited"),
    _count("core", "axons_in_per_core", "distinct input axons (fan-in lists) per core; unpublished: unlimited"),
    _count("core", "fanout_cores_per_neuron",
           "destination cores one neuron can reach (TrueNorth: 1); absent: no per-neuron limit",
           need=OPTIONAL),
    _count("core", "fanout_edges_per_core", "core-to-core fan-out edges per core; unpublished: unlimited"),
    _count("core", "fanin_per_neuron", "presynaptic inputs per neuron; unpublished: unlimited"),
    _count("core", "synapse_memory_bits_per_core", "synaptic memory per core; unpublished: unlimited", unit="bit"),
    _count("core", "weight_bits", "largest weight precision, sign bit included when `weight_signed`", unit="bit"),
    Field("core", "weight_signed", "bool", "", PUBLISHED, "weights can be negative"),
    _count("core", "state_bits", "membrane potential width", unit="bit"),
    Field("core", "delay_min_ticks", "int", "tick", PUBLISHED,
          "smallest synaptic/axonal delay (1: no delivery within the tick)", low=0),
    Field("core", "delay_max_ticks", "int", "tick", PUBLISHED, "largest synaptic/axonal delay", low=0),
    Field("core", "spike_payload_bits", "int", "bit", PUBLISHED, "payload of a spike; 0: binary spikes", low=0),
    # -- [timing] ----------------------------------------------------------------------------------
    Field("timing", "timestep_mode", "enum", "", REQUIRED,
          "`barrier`: asynchronous cores, a mesh-wide barrier ends each tick (variable duration); "
          "`fixed_tick`: a global clock of period `tick_s`",
          choices=("barrier", "fixed_tick")),
    Field("timing", "tick_s", "float", "s", PUBLISHED, "period of the global tick",
          low=0.0, positive=True, when=("timestep_mode", ("fixed_tick",))),
    Field("timing", "barrier_s_by_tiles", "pairs", "s", PUBLISHED,
          "barrier synchronisation time per tick: `[[tiles, seconds], ...]`, interpolated linearly, "
          "clamped to the first and last entries",
          low=0.0, when=("timestep_mode", ("barrier",))),
    # -- [energy] ----------------------------------------------------------------------------------
    _energy("e_synop_J", "one synaptic event (spike x synapse), per component"),
    _energy("e_neuron_update_active_J", "one update of a neuron with input or state change"),
    _energy("e_neuron_update_idle_J", "one update of a neuron without input or state change"),
    _energy("e_spike_J", "generating one spike (soma spike out)"),
    _energy("e_packet_J", "sending one spike packet, within the core or tile", when=_NOC),
    _energy("e_hop_x_J", "one packet crossing one router hop along x (E-W)", when=_NOC),
    _energy("e_hop_y_J", "one packet crossing one router hop along y (N-S)", when=_NOC),
    _energy("e_chip_crossing_J", "one packet crossing a chip-to-chip link", when=_NOC),
    _energy("e_learning_J", "one plastic synapse update"),
    _energy("p_static_per_core_W", "static (leakage) power of one core"),
    _energy("e_synop_total_J",
            "all-inclusive energy per synaptic event, used alone and never added to per-component terms; "
            "absent: the chip publishes per-component costs", need=OPTIONAL),
    _energy("e_ac_J", "one accumulate (paper convention E_AC, per SynOp with binary spikes); absent: not given",
            need=OPTIONAL),
    _energy("e_mac_J", "one multiply-accumulate (paper convention E_MAC, per real-valued op); absent: not given",
            need=OPTIONAL),
    # -- [latency] ---------------------------------------------------------------------------------
    _latency("t_synop_s", "one synaptic event"),
    _latency("t_neuron_update_active_s", "one update of an active neuron"),
    _latency("t_neuron_update_idle_s", "one update of an idle neuron"),
    _latency("t_spike_s", "generating one spike"),
    _latency("t_packet_s", "sending one spike packet, within the core or tile", when=_NOC),
    _latency("t_hop_x_s", "one router hop along x (E-W)", when=_NOC),
    _latency("t_hop_y_s", "one router hop along y (N-S)", when=_NOC),
    _latency("t_chip_crossing_s", "one chip-to-chip link crossing", when=_NOC),
    _latency("t_learning_s", "one plastic synapse update"),
)
"""Every field, in file order."""

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
FIELDS_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}

UNIT_SUFFIXES: dict[str, str] = {
    **dict.fromkeys(("fJ", "pJ", "nJ", "uJ", "µJ", "mJ", "kJ"), "J"),
    **dict.fromkeys(("ps", "ns", "us", "µs", "ms"), "s"),
    **dict.fromkeys(("nW", "uW", "µW", "mW", "kW"), "W"),
    **dict.fromkeys(("mV", "uV", "kV"), "V"),
    **dict.fromkeys(("B", "bytes", "byte", "kB", "KB", "KiB", "MB", "MiB", "Mb", "kb", "Kb"), "bits"),
    **dict.fromkeys(("steps", "step", "timesteps", "tick"), "ticks"),
    **dict.fromkeys(("um", "µm"), "nm"),
}
"""Unit suffixes people write, mapped to the suffix neurosim uses, for "did you mean" hints."""


def section_fields(section: str) -> tuple[Field, ...]:
    """Fields of ``section`` (``""`` for the top level), in file order."""
    return tuple(f for f in FIELDS if f.section == section)


def markdown_table() -> str:
    """The field table as Markdown, as shown in ``docs/hardware.md`` (a test keeps them equal).

    Returns
    -------
    str
        One row per field: key, type, unit, need, allowed values and meaning.
    """
    rows = ["| key | type | unit | need | allowed | meaning |", "|---|---|---|---|---|---|"]
    for f in FIELDS:
        allowed = []
        if f.choices:
            allowed.append(", ".join(f"`{c}`" for c in f.choices))
        if f.low is not None:
            allowed.append(f"{'>' if f.positive else '>='} {f.low:g}")
        if f.when is not None:
            allowed.append(f"only when `{f.when[0]}` is " + " or ".join(f"`{v}`" for v in f.when[1]))
        rows.append(f"| `{f.key}` | {f.kind} | {f.unit or '-'} | {f.need} | {'; '.join(allowed) or '-'} | {f.doc} |")
    return "\n".join(rows)
