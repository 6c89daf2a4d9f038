"""Chip profiles: :class:`ChipProfile`, read from ``chips/*.toml`` by :func:`load_chip`.

A profile is data: capacities, precisions, topology, energy and latency per operation and static
power of one chip, each value with its source. The field table and the validation rules live in
:mod:`neurosim.chip.schema`; this module reads files, holds the validated values, and answers
questions about them::

    chip = load_chip("loihi")
    chip.e_synop_J                                  # 2.36e-11, or None where unpublished
    chip.require("e_spike_J")                       # ProfileError: unpublished for 'loihi'
    chip.lookup("e_spike_J", fallback=0.0)          # ProfileValue(..., status='fallback'): estimated
    chip.replace(e_synop_J=30e-12)                  # a new, re-validated profile; source 'user-set'

The profiles shipped with neurosim are the package ``neurosim.chips`` (``chips/`` at the top of
the repository, mapped into the package by ``setup.cfg``), found through :mod:`importlib.resources`.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from neurosim._checks import did_you_mean, plain, si
from neurosim.errors import ProfileError
from neurosim.chip.synapse_class import SynapseClass
from neurosim.chip.schema import (
    FIELDS,
    FIELDS_BY_NAME,
    PUBLISHED,
    SECTIONS,
    applies,
    check_value,
    section_fields,
    validate,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

USER_SET_SOURCE = "user-set with ChipProfile.replace()"
"""Source text of every value changed by :meth:`ChipProfile.replace`."""

_NO_FALLBACK: Any = object()
_NOT_REPLACEABLE = ("schema", "unpublished", "assumed")


class ProfileValue(NamedTuple):
    """A value read from a profile, with where it came from.

    Attributes
    ----------
    key : str
        Field name (``"e_synop_J"``).
    value : object
        The value, in the field's SI unit.
    source : str
        The citation from ``[sources]``, or why a fallback was used.
    status : str
        ``"published"``, ``"assumed"`` (listed in the profile's ``assumed``), ``"user-set"``
        (changed by :meth:`ChipProfile.replace`) or ``"fallback"`` (the caller's value for a number
        the profile does not give).
    """

    key: str
    value: Any
    source: str
    status: str

    @property
    def estimated(self) -> bool:
        """Whether a result using this value must be marked estimated (an assumption or a fallback)."""
        return self.status in ("assumed", "fallback")


@dataclass(frozen=True)
class ChipProfile:
    """One chip's capacities, topology and costs, validated against :mod:`neurosim.chip.schema`.

    Attributes are the schema's fields, flat, in SI base units (the unit is in the name); a value
    that is unpublished, optional and absent, or not applicable is ``None`` (capacities: unlimited).
    Build profiles with :func:`load_chip` or :meth:`from_dict`; construction validates, so
    :meth:`replace` and :func:`dataclasses.replace` both re-validate.

    Attributes
    ----------
    sources : mapping of str to str
        ``"section.key"`` to the citation of that value (paper, table, page).
    assumed : tuple of str
        Fields whose values are assumptions or derived (their source says which).
    unpublished : tuple of str
        Fields no source gives; :meth:`require` refuses them unless given a fallback.
    synapse_classes : tuple of SynapseClass
        Synapse formats other than the default one (:mod:`neurosim.chip.synapse_class`); a projection
        none selects is costed with ``e_synop_J`` and ``t_synop_s``.
    path : pathlib.Path or None
        The file the profile was read from, if any.
    """

    schema: int | None = None
    name: str | None = None
    description: str | None = None
    source_kind: str | None = None
    unpublished: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()
    # [chip]
    process_nm: int | None = None
    operating_voltage_V: float | None = None
    cores_per_chip: int | None = None
    cores_per_tile: int | None = None
    mesh_x: int | None = None
    mesh_y: int | None = None
    chips_x: int = 1
    chips_y: int = 1
    routing: str | None = None
    updates_all_neurons: bool | None = None
    # [core]
    neurons_per_core: int | None = None
    axons_in_per_core: int | None = None
    fanout_cores_per_neuron: int | None = None
    fanout_edges_per_core: int | None = None
    fanin_per_neuron: int | None = None
    synapse_memory_bits_per_core: int | None = None
    weight_bits: int | None = None
    weight_signed: bool | None = None
    state_bits: int | None = None
    delay_min_ticks: int | None = None
    delay_max_ticks: int | None = None
    spike_payload_bits: int | None = None
    # [timing]
    timestep_mode: str | None = None
    tick_s: float | None = None
    barrier_s_by_tiles: tuple[tuple[int, float], ...] | None = None
    # [energy]
    e_synop_J: float | None = None
    e_neuron_update_active_J: float | None = None
    e_neuron_update_idle_J: float | None = None
    e_spike_J: float | None = None
    e_packet_J: float | None = None
    e_hop_x_J: float | None = None
    e_hop_y_J: float | None = None
    e_chip_crossing_J: float | None = None
    e_learning_J: float | None = None
    p_static_per_core_W: float | None = None
    e_synop_total_J: float | None = None
    e_ac_J: float | None = None
    e_mac_J: float | None = None
    # [latency]
    t_synop_s: float | None = None
    t_neuron_update_active_s: float | None = None
    t_neuron_update_idle_s: float | None = None
    t_spike_s: float | None = None
    t_packet_s: float | None = None
    t_hop_x_s: float | None = None
    t_hop_y_s: float | None = None
    t_chip_crossing_s: float | None = None
    t_learning_s: float | None = None
    # [support]
    neuron_models: tuple[str, ...] | None = None
    spike_payloads: tuple[str, ...] | None = None
    weight_structure: str | None = None
    axon_types: int | None = None
    input_kinds: tuple[str, ...] | None = None
    # [counting]
    active_neurons: str = "updated"
    synaptic_events_at: str = "delivery"
    # [[synapse_class]]
    synapse_classes: tuple[SynapseClass, ...] = ()
    # bookkeeping
    sources: Mapping[str, str] = field(default_factory=dict, hash=False)
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        values = validate(self.to_dict(), self.origin)
        for name, value in values.items():
            object.__setattr__(self, name, MappingProxyType(value) if name == "sources" else value)

    def __reduce__(self) -> tuple[Any, ...]:
        # ``sources`` is a read-only mappingproxy, which pickle refuses; rebuild from the data instead
        # (profiles travel to the worker processes of a sweep).
        return _unpickle, (self.to_dict(), self.path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str | None = None,
                  path: Path | None = None) -> ChipProfile:
        """Validate TOML-shaped ``data`` (as :meth:`to_dict` returns it) and build a profile.

        Parameters
        ----------
        data : mapping
            Top-level keys, one table per section, and ``sources``.
        origin : str, optional
            Named first in error messages; defaults to ``path``, else ``"chip profile"``.
        path : pathlib.Path, optional
            The file the data was read from.

        Raises
        ------
        ProfileError
            If any rule of the schema is broken.
        """
        where = origin or (str(path) if path is not None else "chip profile")
        return cls(**validate(data, where), path=path)

    @property
    def origin(self) -> str:
        """How errors name this profile: its file, else its name."""
        return str(self.path) if self.path is not None else f"chip profile '{self.name}'"

    @property
    def n_chips(self) -> int:
        """Chips in the multi-chip mesh (``chips_x * chips_y``)."""
        return self.chips_x * self.chips_y

    @property
    def n_cores(self) -> int:
        """Neuromorphic cores in the whole system (``cores_per_chip * n_chips``)."""
        return self.require("cores_per_chip") * self.n_chips

    def to_dict(self) -> dict[str, Any]:
        """The profile as TOML-shaped, JSON-serialisable data; :meth:`from_dict` reads it back.

        Absent values are left out; tuples become lists. ``path`` is not included.
        """
        out = {f.name: plain(getattr(self, f.name)) for f in section_fields("") if getattr(self, f.name) is not None}
        for section in SECTIONS:
            out[section] = {f.name: plain(getattr(self, f.name)) for f in section_fields(section)
                            if getattr(self, f.name) is not None}
        if self.synapse_classes:
            out["synapse_class"] = [c.to_dict() for c in self.synapse_classes]
        out["sources"] = dict(self.sources)
        return out

    def replace(self, **changes: Any) -> ChipProfile:
        """A copy with some values changed, re-validated; changed values are sourced as user-set.

        Parameters
        ----------
        **changes
            Field name to new value (SI units). ``None`` removes a value: it becomes unpublished
            (or absent, for an optional field or one that no longer applies). ``synapse_classes``
            replaces the synapse classes (a sequence of ``SynapseClass`` or of their tables).

        Returns
        -------
        ChipProfile
            The new profile; ``sources`` of changed values read :data:`USER_SET_SOURCE`, and they
            leave ``assumed`` and ``unpublished``.

        Raises
        ------
        ProfileError
            For an unknown field, or a result that breaks a rule (e.g. setting ``e_synop_total_J``
            on a profile with ``e_synop_J``: pass ``e_synop_J=None`` too).

        Examples
        --------
        >>> truenorth = load_chip("truenorth")
        >>> truenorth.replace(e_synop_total_J=13e-12).sources["energy.e_synop_total_J"]
        'user-set with ChipProfile.replace()'
        """
        data = self.to_dict()
        unpublished, assumed, sources = list(self.unpublished), list(self.assumed), data["sources"]
        removed = []
        for name, value in changes.items():
            if name == "synapse_classes":  # not a field: the [[synapse_class]] tables, each with its source
                data["synapse_class"] = list(value or ())
                continue
            f = FIELDS_BY_NAME.get(name)
            if f is None or name in _NOT_REPLACEABLE:
                settable = [g.name for g in FIELDS if g.name not in _NOT_REPLACEABLE]
                raise ProfileError(f"{self.origin}: replace() cannot set '{name}'{did_you_mean(name, settable)}")
            table = data[f.section] if f.section else data
            table.pop(name, None)
            sources.pop(f.key, None)
            for listed in (unpublished, assumed):
                if name in listed:
                    listed.remove(name)
            if value is None:
                removed.append(f)
            else:
                table[name] = value
                if f.is_hardware:
                    sources[f.key] = USER_SET_SOURCE
        flat = {**data, **{k: v for s in SECTIONS for k, v in data[s].items()}}
        unpublished += [f.name for f in removed if f.need == PUBLISHED and applies(f, flat)]
        data["unpublished"], data["assumed"] = unpublished, assumed
        return ChipProfile.from_dict(data, origin=f"{self.origin} after replace({', '.join(changes)})",
                                     path=self.path)

    def lookup(self, key: str, fallback: Any = _NO_FALLBACK) -> ProfileValue:
        """A hardware value with its source and status.

        Parameters
        ----------
        key : str
            Field name (``"e_synop_J"``).
        fallback : optional
            Value to use when the profile does not give one (unpublished, optional and absent, or
            not applicable); the result then has status ``"fallback"`` and counts as estimated.

        Raises
        ------
        ProfileError
            For an unknown key, or a value the profile does not give when no fallback is passed.
        """
        f = FIELDS_BY_NAME.get(key)
        if f is None or not f.is_hardware:
            hint = did_you_mean(key, [g.name for g in FIELDS if g.is_hardware])
            raise ProfileError(f"{self.origin}: '{key}' is not a hardware value of a chip profile{hint}")
        value = getattr(self, key)
        if value is not None:
            source = self.sources.get(f.key, "schema default")
            status = "user-set" if source == USER_SET_SOURCE else "assumed" if key in self.assumed else "published"
            return ProfileValue(key, value, source, status)
        if key in self.unpublished:
            reason = f"is unpublished for chip profile '{self.name}'"
        elif f.when is not None and not applies(f, {f.when[0]: getattr(self, f.when[0])}):
            reason = f"does not apply to chip profile '{self.name}' ({f.when[0]} = {getattr(self, f.when[0])!r})"
        else:
            reason = f"is not given by chip profile '{self.name}' (optional: {f.doc})"
        if fallback is _NO_FALLBACK:
            raise ProfileError(f"{self.origin}: '{f.key}' {reason}; pass an explicit fallback "
                               f"(profile.require({key!r}, fallback=...)) and mark the result estimated")
        value = check_value(f, fallback, f"{self.origin} (fallback)")
        return ProfileValue(key, value, f"fallback passed by the caller ('{f.key}' {reason})", "fallback")

    def require(self, key: str, fallback: Any = _NO_FALLBACK) -> Any:
        """The value of ``key``; raise :class:`ProfileError` naming key and profile if it is not given.

        With ``fallback``, a missing value is replaced by it; use :meth:`lookup` to learn whether
        that happened (the result must then be marked estimated).
        """
        return self.lookup(key, fallback).value

    def barrier_s(self, tiles: int | npt.ArrayLike) -> float | npt.NDArray[np.float64]:
        """Barrier synchronisation time per tick for a barrier spanning ``tiles`` tiles.

        Linear interpolation in ``barrier_s_by_tiles``; outside the table the first or last entry
        holds (the tables stop at one chip's mesh).

        Parameters
        ----------
        tiles : int or array_like of int
            Tiles taking part in the barrier, >= 1.

        Raises
        ------
        ProfileError
            If the profile has no barrier table (fixed-tick chip, or unpublished).
        ValueError
            If a tile count is below 1.
        """
        table = self.require("barrier_s_by_tiles")
        counts = np.asarray(tiles)
        if np.any(counts < 1):
            raise ValueError(f"tiles must be >= 1, got {tiles!r}")
        seconds = np.interp(counts, [t for t, _ in table], [s for _, s in table])
        return float(seconds) if seconds.ndim == 0 else seconds


def load_chip(name_or_path: str | os.PathLike[str]) -> ChipProfile:
    """Read and validate a chip profile.

    Parameters
    ----------
    name_or_path : str or path-like
        A shipped profile's name (``"loihi"``; see :func:`list_chips`), or the path of a ``.toml``
        file (anything path-like, containing a ``/``, or ending in ``.toml``).

    Raises
    ------
    ProfileError
        For an unknown name, a missing file, invalid TOML (with its line), or a broken schema rule;
        the message names the file, the key and the rule.
    """
    text = os.fspath(name_or_path)
    if isinstance(name_or_path, os.PathLike) or text.endswith(".toml") or "/" in text or os.sep in text:
        path = Path(text)
        if not path.is_file():
            raise ProfileError(f"chip profile file '{path}' does not exist")
        return _parse(path.read_bytes(), str(path), path)
    resource = _bundled() / f"{text}.toml"
    if not resource.is_file():
        known = list_chips()
        raise ProfileError(f"unknown chip '{text}'{did_you_mean(text, known)} (known: {', '.join(known)}); "
                           f"or pass the path of a .toml file")
    return _parse(resource.read_bytes(), str(resource), resource if isinstance(resource, Path) else None)


def list_chips() -> tuple[str, ...]:
    """Names of the shipped chip profiles, sorted."""
    return tuple(sorted(r.name[:-5] for r in _bundled().iterdir() if r.name.endswith(".toml")))


def values_table(profiles: Iterable[ChipProfile]) -> str:
    """Every value of ``profiles`` with its source, as Markdown (shown in ``docs/hardware.md``).

    One section per profile: a table of key, value, status and source, then the unpublished fields.
    """
    parts = []
    for p in profiles:
        rows = [f"### `{p.name}`", "", f"{p.description} Source kind: {p.source_kind}.", "",
                "| key | value | status | source |", "|---|---|---|---|"]
        for f in FIELDS:
            if f.is_hardware and getattr(p, f.name) is not None and f.key in p.sources:
                got = p.lookup(f.name)
                rows.append(f"| `{f.key}` | {_format(got.value, f.unit)} | {got.status} | "
                            f"{got.source.replace('|', '/')} |")
        for c in p.synapse_classes:
            rules = ", ".join([f"attribute {k} = `{v}`" for k, v in c.attribute.items()]
                              + [f"kind `{k}`" for k in c.kinds] + [f"name `{n}`" for n in c.projections])
            for key, unit in (("e_synop_J", "J"), ("t_synop_s", "s")):
                rows.append(f"| `synapse_class.{c.name}.{key}` | {_format(getattr(c, key), unit)} | published | "
                            f"{c.source.replace('|', '/')}; selected by {rules} |")
        listed = ", ".join(f"`{n}`" for n in p.unpublished) or "none"
        parts.append("\n".join(rows) + f"\n\nUnpublished: {listed}.")
    return "\n\n".join(parts)


def _unpickle(data: dict[str, Any], path: Path | None) -> ChipProfile:
    return ChipProfile.from_dict(data, path=path)


def _parse(data: bytes, origin: str, path: Path | None) -> ChipProfile:
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ProfileError(f"{origin}: not UTF-8 text ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise ProfileError(f"{origin}: invalid TOML: {err}") from None
    return ChipProfile.from_dict(raw, origin=origin, path=path)


def _bundled() -> Traversable:
    """The folder of shipped profiles: the package ``neurosim.chips``, or a checkout's ``chips/``.

    The fallback serves source checkouts whose editable install predates the ``neurosim.chips``
    mapping in ``setup.cfg`` (or that run without any install); installed copies use the package.
    """
    try:
        return resources.files("neurosim.chips")
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[2] / "chips"
        if checkout.is_dir():
            return checkout
        raise ProfileError("the shipped chip profiles are missing: the package 'neurosim.chips' is not "
                           "installed; reinstall neurosim (pip install .)") from None


def _format(value: Any, unit: str) -> str:
    """A value for the docs table: SI prefixes for J, s, W; tables as ``tiles: time`` lists."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return ", ".join(f"`{v}`" for v in value)
    if isinstance(value, tuple):
        return ", ".join(f"{tiles}: {_format(s, unit)}" for tiles, s in value)
    if isinstance(value, float) and unit in ("J", "s", "W") and value != 0.0:
        return si(value, unit)
    if isinstance(value, str):
        return f"`{value}`"
    return f"{value:g} {unit}".strip() if isinstance(value, float) else f"{value} {unit}".strip()
