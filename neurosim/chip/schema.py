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
    [support] ...                   # what the chip runs natively: neuron models, spikes, weights, inputs
    [counting] ...                  # which events the chip's costs are charged for
    [[synapse_class]] ...           # synapse formats other than the default (neurosim.chip.synapse_class)
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

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neurosim._checks import did_you_mean
from neurosim.errors import ProfileError
from neurosim.chip.synapse_class import read_synapse_classes

SCHEMA_VERSION = 1
"""The only ``schema`` value this version of neurosim reads."""

SECTIONS = ("chip", "core", "timing", "energy", "latency", "support", "counting")
"""Sections of hardware values, in file order; ``[sources]`` follows them."""

REQUIRED = "required"
PUBLISHED = "published"
OPTIONAL = "optional"

NOC_ROUTINGS = ("xy_dimension_order", "multicast_table")

ANY_MODEL = "any"
"""The ``support.neuron_models`` entry of programmable cores that run every neuron model."""
SPIKE_PAYLOADS = ("binary", "ternary", "graded")
INPUT_KINDS = ("binary", "counts")
WEIGHT_STRUCTURES = ("per_synapse", "axon_types")
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
    high : float or None
        Largest plausible value; larger ones are almost surely written in the wrong unit (pJ as J).
        Every ``"float"`` and ``"pairs"`` field has one, so that no cost total can overflow to inf.
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
    high: float | None = None
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
    """An energy per event in J (at most 1 uJ), or a power in W (at most 1 W per core)."""
    if name.endswith("_W"):
        return Field("energy", name, "float", "W", need, doc, low=0.0, high=1.0, **extra)
    return Field("energy", name, "float", "J", need, doc, low=0.0, high=1e-6, **extra)


def _latency(name: str, doc: str, **extra: Any) -> Field:
    """A time per event in s (at most 1 ms)."""
    return Field("latency", name, "float", "s", PUBLISHED, doc, low=0.0, high=1e-3, **extra)


_NOC = ("routing", NOC_ROUTINGS)

# The per-event operations of a core, each with an energy ``e_<op>_J`` and a latency ``t_<op>_s``:
# (op, what the energy is for, what the latency is of, the condition under which both apply).
_OPERATIONS: tuple[tuple[str, str, str, tuple[str, tuple[str, ...]] | None], ...] = (
    ("synop", "one synaptic event (spike x synapse), per component", "one synaptic event", None),
    ("neuron_update_active", "one update of a neuron with input or state change", "one update of an active neuron",
     None),
    ("neuron_update_idle", "one update of a neuron without input or state change", "one update of an idle neuron",
     None),
    ("spike", "generating one spike (soma spike out)", "generating one spike", None),
    ("packet", "sending one spike packet, within the core or tile", "sending one spike packet, within the core or tile",
     _NOC),
    ("hop_x", "one packet crossing one router hop along x (E-W)", "one router hop along x (E-W)", _NOC),
    ("hop_y", "one packet crossing one router hop along y (N-S)", "one router hop along y (N-S)", _NOC),
    ("chip_crossing", "one packet crossing a chip-to-chip link", "one chip-to-chip link crossing", _NOC),
    ("learning", "one plastic synapse update", "one plastic synapse update", None),
)

FIELDS: tuple[Field, ...] = (
    # -- top level ---------------------------------------------------------------------------------
    Field("", "schema", "int", "", REQUIRED, f"version of this schema; neurosim reads {SCHEMA_VERSION}"),
    Field("", "name", "str", "", REQUIRED, "profile name, as given to `load_chip` (the file name without `.toml`)"),
    Field("", "description", "str", "", REQUIRED,
          "one paragraph: the chip, its operating point, the origin of its costs"),
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
          "supply voltage at which the energies hold", low=0.0, positive=True, high=5.0),
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
          low=0.0, positive=True, high=1.0, when=("timestep_mode", ("fixed_tick",))),
    Field("timing", "barrier_s_by_tiles", "pairs", "s", PUBLISHED,
          "barrier synchronisation time per tick: `[[tiles, seconds], ...]`, interpolated linearly, "
          "clamped to the first and last entries",
          low=0.0, high=1e-3, when=("timestep_mode", ("barrier",))),
    # -- [energy] ----------------------------------------------------------------------------------
    *(_energy(f"e_{op}_J", energy_doc, when=when) for op, energy_doc, _, when in _OPERATIONS),
    _energy("p_static_per_core_W", "static (leakage) power of one core"),
    _energy("e_synop_total_J",
            "all-inclusive energy per synaptic event, used alone and never added to per-component terms; "
            "absent: the chip publishes per-component costs", need=OPTIONAL),
    _energy("e_ac_J", "one accumulate (paper convention E_AC, per SynOp with binary spikes); absent: not given",
            need=OPTIONAL),
    _energy("e_mac_J", "one multiply-accumulate (paper convention E_MAC, per real-valued op); absent: not given",
            need=OPTIONAL),
    # -- [latency] ---------------------------------------------------------------------------------
    *(_latency(f"t_{op}_s", latency_doc, when=when) for op, _, latency_doc, when in _OPERATIONS),
    # -- [support] ---------------------------------------------------------------------------------
    Field("support", "neuron_models", "strings", "", OPTIONAL,
          f"neurosim neuron models the cores run natively (`{ANY_MODEL}`: programmable cores that run every "
          "model); absent: not declared, not checked"),
    Field("support", "spike_payloads", "strings", "", OPTIONAL,
          "what a spike between neurons can carry: `binary` (no payload), `ternary` (+-1 times a scale), "
          "`graded` (a value of `spike_payload_bits` bits); absent: not checked", choices=SPIKE_PAYLOADS),
    Field("support", "weight_structure", "enum", "", OPTIONAL,
          "`per_synapse`: a weight per synapse; `axon_types`: each neuron has `axon_types` weights, one per type "
          "of input axon (TrueNorth); absent: not checked", choices=WEIGHT_STRUCTURES),
    _count("support", "axon_types", "weights per neuron, one per axon type; given exactly when "
           "`weight_structure` is `axon_types`", need=OPTIONAL, when=("weight_structure", ("axon_types",))),
    Field("support", "input_kinds", "strings", "", OPTIONAL,
          "what input from the host can carry: `binary` spikes, or spike `counts` (values other than 1); "
          "absent: not checked", choices=INPUT_KINDS),
    # -- [counting] --------------------------------------------------------------------------------
    Field("counting", "active_neurons", "enum", "", OPTIONAL,
          "which neuron updates are charged as active (the rest of a chip that updates every neuron as idle): "
          "`updated`: those neurosim updates, a neuron with input or whose state changes without input; "
          "`input_bias_potential`: a neuron with input, a non-zero bias or a non-zero `v` at the start of the tick "
          "(SANA-FE's LIF; `v` from a replay of the run, or from the membranes where given); `all`: every neuron "
          "every tick; absent: `updated`",
          choices=("updated", "input_bias_potential", "all"), default="updated"),
    Field("counting", "synaptic_events_at", "enum", "", OPTIONAL,
          "when a synaptic event is counted: `delivery`, the tick the spike reaches its synapses (events of "
          "spikes still in flight at the end are not counted); `spike`, the tick of the spike (every event "
          "of every spike of the run); absent: `delivery`",
          choices=("delivery", "spike"), default="delivery"),
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


def applies(field: Field, values: Mapping[str, Any]) -> bool:
    """Whether ``field`` applies, given the flat ``values`` of the other fields (its ``when`` rule)."""
    return field.when is None or values.get(field.when[0]) in field.when[1]


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
        if f.high is not None:
            allowed.append(f"<= {f.high:g}")
        if f.when is not None:
            allowed.append(f"only when `{f.when[0]}` is " + " or ".join(f"`{v}`" for v in f.when[1]))
        rows.append(f"| `{f.key}` | {f.kind} | {f.unit or '-'} | {f.need} | {'; '.join(allowed) or '-'} | {f.doc} |")
    return "\n".join(rows)


# -- validation ------------------------------------------------------------------------------------


def validate(raw: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """Check TOML-shaped profile data against the field table and return it flat and normalised.

    Parameters
    ----------
    raw : mapping
        The parsed TOML document (top-level keys, one table per section, ``sources``). A ``None``
        value counts as absent.
    origin : str
        What the data came from (a file path), named first in every error.

    Returns
    -------
    dict
        One entry per field name (absent values as their default, ``None`` for none), plus
        ``"sources"`` (dict of dotted key to citation) and ``"synapse_classes"`` (tuple of
        :class:`~neurosim.chip.synapse_class.SynapseClass`). Floats are ``float``, arrays tuples.

    Raises
    ------
    ProfileError
        Naming ``origin``, the key and the rule broken, with the fix where there is one.
    """
    raw = {k: v for k, v in raw.items() if v is not None}
    _check_version(raw, origin)
    classes = read_synapse_classes(raw.pop("synapse_class", ()), origin)
    tables = _split_sections(raw, origin)
    values = {name: check_value(FIELDS_BY_NAME[name], value, origin)
              for table in tables.values() for name, value in table.items() if value is not None}
    unpublished = values.get("unpublished", ())
    assumed = values.get("assumed", ())
    # Rules that need few keys come first, so one small file can break each of them alone.
    _check_unpublished(unpublished, values, origin)
    sources = _check_sources(raw.get("sources", {}), values, origin)
    _check_assumed(assumed, values, sources, origin)
    _check_cross_fields(values, set(unpublished), origin)
    _check_presence(values, set(unpublished), origin)
    if classes and "e_synop_J" not in values:
        raise ProfileError(f"{origin}: [[synapse_class]] tables need the per-component energy model: give "
                           f"energy.e_synop_J, the cost of the default class")
    out = {f.name: values.get(f.name, f.default) for f in FIELDS}
    out["sources"] = sources
    out["synapse_classes"] = classes
    return out


def check_value(field: Field, value: Any, origin: str) -> Any:
    """Check one value's type and range; return it normalised (floats as float, arrays as tuples).

    Raises
    ------
    ProfileError
        Naming ``origin``, ``field.key`` and what is wrong.
    """
    where = f"{origin}: '{field.key}'"
    if field.kind == "int":
        if not _is_int(value):
            raise ProfileError(f"{where} must be an integer, got {_describe(value)}")
        _check_range(field, value, where)
        return value
    if field.kind == "float":
        number = _as_float(value, where)
        _check_range(field, number, where)
        return number
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise ProfileError(f"{where} must be true or false, got {_describe(value)}")
        return value
    if field.kind in ("str", "enum"):
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(f"{where} must be a non-empty string, got {_describe(value)}")
        if field.choices and value not in field.choices:
            raise ProfileError(f"{where} = {value!r} is not one of {', '.join(field.choices)}"
                               f"{did_you_mean(value, field.choices)}")
        return value
    if field.kind == "strings":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{where} must be an array of strings, got {_describe(value)}")
        for v in value:
            if field.choices and v not in field.choices:
                raise ProfileError(f"{where}: {v!r} is not one of {', '.join(field.choices)}"
                                   f"{did_you_mean(v, field.choices)}")
        if len(set(value)) != len(value):
            raise ProfileError(f"{where} lists {next(v for v in value if value.count(v) > 1)!r} twice")
        return tuple(value)
    return _check_pairs(field, value, where)


def _check_version(raw: Mapping[str, Any], origin: str) -> None:
    if "schema" not in raw:
        raise ProfileError(f"{origin}: missing required key 'schema'; start the file with 'schema = {SCHEMA_VERSION}'")
    version = raw["schema"]
    if not _is_int(version):
        raise ProfileError(f"{origin}: 'schema' must be an integer, got {_describe(version)}")
    if version != SCHEMA_VERSION:
        raise ProfileError(f"{origin}: chip profile schema = {version} is not supported; this neurosim reads "
                           f"schema {SCHEMA_VERSION} (see docs/hardware.md)")


def _split_sections(raw: Mapping[str, Any], origin: str) -> dict[str, Mapping[str, Any]]:
    """Top-level values and each section's table, keyed by section; unknown keys raise."""
    tables: dict[str, Mapping[str, Any]] = {"": {}}
    top = {f.name for f in section_fields("")}
    for key, value in raw.items():
        if key in top:
            tables[""] = {**tables[""], key: value}
        elif key in SECTIONS or key == "sources":
            if not isinstance(value, dict):
                raise ProfileError(f"{origin}: '{key}' must be a table ([{key}]), got {_describe(value)}")
            if key != "sources":
                tables[key] = value
        elif isinstance(value, dict):
            hint = did_you_mean(key, (*SECTIONS, "sources"), prefix="'[", suffix="]'")
            raise ProfileError(f"{origin}: unknown section '[{key}]'{hint}")
        else:
            raise ProfileError(f"{origin}: unknown key '{key}'{_key_hint(key, '')}")
    for section, table in tables.items():
        known = {f.name for f in section_fields(section)}
        for key in table:
            if key not in known:
                raise ProfileError(f"{origin}: unknown key '{section}.{key}'{_key_hint(key, section)}")
    return tables


def _check_unpublished(unpublished: Sequence[str], values: Mapping[str, Any], origin: str) -> None:
    seen: set[str] = set()
    for name in unpublished:
        field = FIELDS_BY_NAME.get(name)
        where = f"{origin}: unpublished entry '{name}'"
        if field is None:
            raise ProfileError(f"{where} is not a field name{_key_hint(name, None)}")
        if name in seen:
            raise ProfileError(f"{where} is listed twice")
        seen.add(name)
        if field.need != PUBLISHED:
            raise ProfileError(f"{where}: '{field.key}' is {field.need}"
                               + (": give its value" if field.need == REQUIRED else ": leave it out instead"))
        if name in values:
            raise ProfileError(f"{where}: '{field.key}' also has a value; remove one of the two")
        if not applies(field, values):
            raise ProfileError(f"{where}: '{field.key}' does not apply when {_condition(field, values)}; "
                               f"remove it from unpublished")


def _check_presence(values: Mapping[str, Any], unpublished: set[str], origin: str) -> None:
    """Every unconditional required value is present, every published one present or unpublished."""
    for field in FIELDS:
        if field.name in values or field.need == OPTIONAL or field.when is not None:
            continue
        if field.need == REQUIRED:
            raise ProfileError(f"{origin}: missing required key '{field.key}' ({field.doc})")
        if field.name not in unpublished:
            raise ProfileError(f"{origin}: missing key '{field.key}': give its value with a [sources] entry, or "
                               f"list '{field.name}' in unpublished = [...] if no source gives it")


def _check_sources(sources: Mapping[str, Any], values: Mapping[str, Any], origin: str) -> dict[str, str]:
    for key, text in sources.items():
        field = FIELDS_BY_KEY.get(key)
        if field is None or not field.is_hardware:
            hint = did_you_mean(key, [f.key for f in FIELDS if f.is_hardware])
            raise ProfileError(f"{origin}: [sources] entry '{key}' is not a hardware key{hint}")
        if field.name not in values:
            raise ProfileError(f"{origin}: [sources] entry '{key}' has no value in the profile; remove the entry "
                               f"or add the value")
        if not isinstance(text, str) or not text.strip():
            raise ProfileError(f"{origin}: [sources] entry '{key}' must be a non-empty citation string, got "
                               f"{_describe(text)}")
    for field in FIELDS:
        if field.is_hardware and field.name in values and field.key not in sources \
                and values[field.name] != field.default:
            raise ProfileError(f"{origin}: '{field.key}' has no [sources] entry; add "
                               f'"{field.key}" = "<paper, table, page>" under [sources]')
    return dict(sources)


def _check_assumed(assumed: Sequence[str], values: Mapping[str, Any], sources: Mapping[str, str],
                   origin: str) -> None:
    seen: set[str] = set()
    for name in assumed:
        field = FIELDS_BY_NAME.get(name)
        where = f"{origin}: assumed entry '{name}'"
        if field is None or not field.is_hardware:
            raise ProfileError(f"{where} is not a hardware field name{_key_hint(name, None)}")
        if name in seen:
            raise ProfileError(f"{where} is listed twice")
        seen.add(name)
        if name not in values:
            raise ProfileError(f"{where}: '{field.key}' has no value; list it in unpublished instead")
        text = sources.get(field.key, "").lower()
        if "assumed" not in text and "derived" not in text:
            raise ProfileError(f"{where}: the source of '{field.key}' must say how the value was assumed or "
                               f"derived (include the word 'assumed' or 'derived' and the reasoning)")


def _check_cross_fields(values: Mapping[str, Any], unpublished: set[str], origin: str) -> None:
    """Rules linking fields: conditional fields, mesh size, all-inclusive energy, delay range."""
    for field in FIELDS:
        if field.when is None or field.need == OPTIONAL:
            continue
        if field.name in values and not applies(field, values):
            raise ProfileError(f"{origin}: '{field.key}' applies only when {field.when[0]} is "
                               f"{' or '.join(repr(v) for v in field.when[1])}, not when {_condition(field, values)}; "
                               f"remove it")
        if field.name not in values and field.name not in unpublished and applies(field, values):
            raise ProfileError(f"{origin}: {_condition(field, values)} needs '{field.key}' ({field.doc}); give it, "
                               f"or list '{field.name}' in unpublished = [...] if no source gives it")
    x, y, per_tile, cores = (values.get(n) for n in ("mesh_x", "mesh_y", "cores_per_tile", "cores_per_chip"))
    if x is not None and y is not None and per_tile is not None and cores is not None and x * y * per_tile < cores:
        raise ProfileError(
            f"{origin}: the mesh cannot hold the cores: chip.mesh_x * chip.mesh_y * chip.cores_per_tile = "
            f"{x} * {y} * {per_tile} = {x * y * per_tile} < chip.cores_per_chip = {cores}; "
            f"enlarge the mesh or cores_per_tile")
    if "e_synop_total_J" in values and "e_synop_J" in values:
        raise ProfileError(
            f"{origin}: 'energy.e_synop_total_J' (all-inclusive, used alone) and 'energy.e_synop_J' (one component "
            f"of a sum) cannot both be set; keep the one the source publishes (list e_synop_J in unpublished, or "
            f"leave e_synop_total_J out)")
    _check_support(values, origin)
    low, high = values.get("delay_min_ticks"), values.get("delay_max_ticks")
    if low is not None and high is not None and low > high:
        raise ProfileError(f"{origin}: core.delay_min_ticks = {low} > core.delay_max_ticks = {high}; "
                           f"the smallest delay cannot exceed the largest")


def _check_support(values: Mapping[str, Any], origin: str) -> None:
    """``[support]`` rules: axon types exactly with that weight structure, payloads the spike can carry."""
    structure, types = values.get("weight_structure"), values.get("axon_types")
    if structure == "axon_types" and types is None:
        raise ProfileError(f"{origin}: support.weight_structure = 'axon_types' needs 'support.axon_types' (weights "
                           f"per neuron, TrueNorth 4); give it with a [sources] entry")
    if types is not None and structure != "axon_types":
        raise ProfileError(f"{origin}: 'support.axon_types' applies only when weight_structure is 'axon_types', not "
                           f"{structure!r}; remove it")
    bits = values.get("spike_payload_bits")
    carried = [p for p in values.get("spike_payloads", ()) if p != "binary"]
    if carried and bits == 0:
        raise ProfileError(f"{origin}: support.spike_payloads lists {carried[0]!r} but core.spike_payload_bits = 0 "
                           f"(binary spikes); list only 'binary', or give the payload width")


def _check_range(field: Field, number: float, where: str) -> None:
    if field.low is not None and (number < field.low or (field.positive and number == field.low)):
        rule = f"> {field.low:g}" if field.positive else f">= {field.low:g}"
        raise ProfileError(f"{where} = {number!r} must be {rule}{f' {field.unit}' if field.unit else ''}")
    if field.high is not None and number > field.high:
        raise ProfileError(f"{where} = {number!r} {field.unit} is above {field.high:g} {field.unit}, implausible "
                           f"here; neurosim uses SI base units: {_SI_EXAMPLES[field.unit]}")


_SI_EXAMPLES = {"J": "write 23.6 pJ as 23.6e-12", "s": "write 3.5 ns as 3.5e-9", "W": "write 0.8 mW as 0.8e-3",
                "V": "write 750 mV as 0.75"}


def _check_pairs(field: Field, value: Any, where: str) -> tuple[tuple[int, float], ...]:
    shape = f"an array of [tiles, {field.unit}] pairs, e.g. [[1, 113e-9], [32, 465e-9]]"
    if not isinstance(value, (list, tuple)) or not value:
        raise ProfileError(f"{where} must be {shape}, got {_describe(value)}")
    pairs: list[tuple[int, float]] = []
    for i, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not _is_int(pair[0]) or pair[0] < 1:
            raise ProfileError(f"{where}: entry {i} = {pair!r} is not a [tiles >= 1, seconds] pair; expected {shape}")
        seconds = _as_float(pair[1], f"{where} entry {i}")
        _check_range(field, seconds, f"{where} entry {i}")
        if pairs and pair[0] <= pairs[-1][0]:
            raise ProfileError(f"{where}: tile counts must increase strictly, but entry {i} has {pair[0]} after "
                               f"{pairs[-1][0]}")
        pairs.append((pair[0], seconds))
    return tuple(pairs)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{where} must be a number, got {_describe(value)}")
    if not math.isfinite(value):
        raise ProfileError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _describe(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}
    return f"{names.get(type(value), type(value).__name__)} {value!r}"


def _condition(field: Field, values: Mapping[str, Any]) -> str:
    """``"routing = 'none'"``: the current value of the field that ``field.when`` depends on."""
    name = field.when[0] if field.when is not None else ""
    return f"{name} = {values.get(name)!r}"


def _key_hint(name: str, section: str | None) -> str:
    """Why ``name`` is unknown in ``section`` (``None``: any section): wrong unit, section or spelling."""
    stem, _, suffix = name.rpartition("_")
    si = UNIT_SUFFIXES.get(suffix)
    if stem and si is not None and f"{stem}_{si}" in FIELDS_BY_NAME:
        return f"; neurosim uses SI base units: did you mean '{stem}_{si}'?"
    field = FIELDS_BY_NAME.get(name)
    if field is not None and section is not None and field.section != section:
        if field.section:
            return f"; '{name}' belongs in [{field.section}]"
        return f"; '{name}' is a top-level key: move it above the first [section] header"
    pool = [f.name for f in FIELDS if section is None or f.section == section] or list(FIELDS_BY_NAME)
    return did_you_mean(name, pool) or did_you_mean(name, FIELDS_BY_NAME)
