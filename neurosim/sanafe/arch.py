"""SANA-FE's architecture file -> :class:`SanafeArch` (its tiles, cores and hardware units) -> a
:class:`~neurosim.chip.profile.ChipProfile`.

The file nests ``architecture`` -> ``tile`` -> ``core`` -> ``axon_in`` / ``synapse`` / ``dendrite`` /
``soma`` / ``axon_out`` units, each with ``energy_*`` (J) and ``latency_*`` (s) per operation; a name
ending in ``[0..n]`` stands for ``n + 1`` copies. A neurosim profile has one set of costs per chip,
so every tile must have the same attributes and cores, and every core the same units. How each
cost becomes a profile field, and what has no field, is in ``docs/migrating-from-sanafe.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from neurosim.errors import ProfileError
from neurosim.sanafe import _yaml

UNIT_KINDS = ("axon_in", "synapse", "dendrite", "soma", "axon_out")
"""The sections of a SANA-FE core, in pipeline order."""

HOP_KEYS = tuple(f"{kind}_{d}_hop" for d in ("north", "east", "south", "west") for kind in ("energy", "latency"))


@dataclass(frozen=True)
class Unit:
    """One hardware unit of a SANA-FE core: its section, its name and its attributes (text)."""

    kind: str
    name: str
    attributes: Mapping[str, Any] = field(repr=False)

    @property
    def model(self) -> str | None:
        """The model the unit implements (``leaky_integrate_fire``, ``input``, ``current_based``, ...)."""
        value = self.attributes.get("model")
        return value.strip() if isinstance(value, str) else None


@dataclass(frozen=True)
class SanafeArch:
    """A SANA-FE architecture, checked to be uniform: every tile alike, every core alike.

    Attributes
    ----------
    path : Path
        The file read.
    name : str
        The architecture's name.
    width, height : int
        The tile mesh (SANA-FE numbers tile ``t`` at ``x = t // height``, ``y = t % height``).
    n_tiles, cores_per_tile : int
        Tiles defined, cores in each.
    attributes : mapping
        The architecture's attributes (``width``, ``sync_model``, ``latency_sync``, ...).
    tile_attributes, core_attributes : mapping
        The attributes every tile, and every core, has.
    units : tuple of Unit
        The units of every core, in file order within each section.
    """

    path: Path
    name: str
    width: int
    height: int
    n_tiles: int
    cores_per_tile: int
    attributes: Mapping[str, Any] = field(repr=False)
    tile_attributes: Mapping[str, Any] = field(repr=False)
    core_attributes: Mapping[str, Any] = field(repr=False)
    units: tuple[Unit, ...] = field(repr=False)

    def unit(self, kind: str, name: str | None) -> Unit:
        """The unit ``name`` of section ``kind``, or the section's first unit (SANA-FE's default) when
        ``name`` is ``None``."""
        candidates = [u for u in self.units if u.kind == kind]
        for unit in candidates:
            if name is None or unit.name == name:
                return unit
        known = ", ".join(u.name for u in candidates) or "none"
        what = f"no {kind} unit named {name!r}" if name is not None else f"no {kind} unit"
        raise ProfileError(f"{self.path}: {what} (the core has: {known})")

    def neurosim_core(self, tile: int, core: int) -> int:
        """neurosim's id of SANA-FE's core ``tile.core``: SANA-FE numbers tiles column-major
        (``x = tile // height``), neurosim row-major (``tile = y * width + x``); the offset within
        the tile is kept, so both put the core at the same router."""
        x, y = divmod(tile, self.height)
        return (y * self.width + x) * self.cores_per_tile + core


def read_arch(path: str | Path) -> SanafeArch:
    """Read and check a SANA-FE architecture file.

    Raises
    ------
    ProfileError
        Naming the file and the item: a missing key, a value of the wrong type, tiles or cores that
        differ (a neurosim profile has one set of costs), a mesh too small for the tiles.
    """
    path = Path(path)
    doc = _yaml.mapping(_yaml.load(path, ProfileError), str(path), ProfileError)
    arch = _yaml.mapping(_yaml.required(doc, "architecture", str(path), ProfileError), f"{path}: architecture",
                         ProfileError)
    where = f"{path}: architecture"
    name = _yaml.text(_yaml.required(arch, "name", where, ProfileError), f"{where} name", ProfileError)
    attributes = _yaml.attributes(_yaml.required(arch, "attributes", where, ProfileError), where, ProfileError)
    width = _yaml.integer(_yaml.required(attributes, "width", where, ProfileError), f"{where} width", ProfileError)
    height = _yaml.integer(_yaml.required(attributes, "height", where, ProfileError), f"{where} height",
                           ProfileError)
    if width < 1 or height < 1:
        raise ProfileError(f"{where}: the mesh must be at least 1 x 1 tiles, got width {width}, height {height}")
    tiles = []
    for tile, tile_name in _named_entries(arch, "tile", where):
        tile_where = f"{path}: tile '{tile_name}'"
        content = (_yaml.attributes(tile.get("attributes"), tile_where, ProfileError),
                   _read_cores(tile, tile_where))
        tiles.extend((copy, content) for copy in _yaml.unit_names(tile_name))
    if not tiles:
        raise ProfileError(f"{where}: no tiles defined")
    first_name, (tile_attributes, cores) = tiles[0]
    for tile_name, content in tiles[1:]:
        if content != tiles[0][1]:
            raise ProfileError(f"{path}: tile '{tile_name}' differs from tile '{first_name}' in its attributes or "
                               f"cores; a neurosim profile has one set of costs per chip: make every tile alike")
    if len(tiles) > width * height:
        raise ProfileError(f"{where}: {len(tiles)} tiles do not fit its {width} x {height} mesh")
    for key in HOP_KEYS:
        _yaml.number(_yaml.required(tile_attributes, key, f"{path}: tile '{first_name}'", ProfileError),
                     f"{path}: tile '{first_name}' {key}", ProfileError)
    core_attributes, units = cores[0][1]
    return SanafeArch(path, name, width, height, len(tiles), len(cores), MappingProxyType(attributes),
                      MappingProxyType(tile_attributes), MappingProxyType(core_attributes), units)


def _named_entries(parent: Mapping[str, Any], key: str, where: str):
    """``(entry, its name)`` for every mapping in the list ``parent[key]`` (SANA-FE's ``tile:`` and ``core:``)."""
    for entry in _yaml.sequence(_yaml.required(parent, key, where, ProfileError), f"{where} {key}", ProfileError):
        item = _yaml.mapping(entry, f"{where} {key}", ProfileError)
        yield item, _yaml.text(_yaml.required(item, "name", f"{where} {key}", ProfileError), f"{where} {key} name",
                               ProfileError)


def _read_cores(tile: Mapping[str, Any], where: str) -> tuple[tuple[str, Any], ...]:
    """Every core of a tile as ``(name, (attributes, units))``, checked to be alike."""
    cores = []
    for core, core_name in _named_entries(tile, "core", where):
        core_where = f"{where} core '{core_name}'"
        attributes = _yaml.attributes(_yaml.required(core, "attributes", core_where, ProfileError), core_where,
                                      ProfileError)
        max_neurons = _yaml.required(attributes, "max_neurons_supported", core_where, ProfileError)
        _yaml.integer(max_neurons, f"{core_where} max_neurons_supported", ProfileError)
        unknown = sorted(set(core) - {"name", "attributes", *UNIT_KINDS})
        if unknown:
            raise ProfileError(f"{core_where}: unknown section '{unknown[0]}' (sections: {', '.join(UNIT_KINDS)})")
        units = tuple(Unit(unit.kind, copy, unit.attributes) for kind in UNIT_KINDS
                      for entry_ in _yaml.sequence(core.get(kind) or [], f"{core_where} {kind}", ProfileError)
                      for unit in [_read_unit(kind, entry_, core_where)] for copy in _yaml.unit_names(unit.name))
        content = (attributes, units)
        cores.extend((copy, content) for copy in _yaml.unit_names(core_name))
    if not cores:
        raise ProfileError(f"{where}: no cores defined")
    for core_name, content in cores[1:]:
        if content != cores[0][1]:
            raise ProfileError(f"{where}: core '{core_name}' differs from core '{cores[0][0]}'; a neurosim profile "
                               f"has one set of costs per core: make every core alike")
    return tuple(cores)


def _read_unit(kind: str, entry: Any, where: str) -> Unit:
    unit = _yaml.mapping(entry, f"{where} {kind} unit", ProfileError)
    name = _yaml.text(_yaml.required(unit, "name", f"{where} {kind} unit", ProfileError), f"{where} {kind} name",
                      ProfileError)
    attributes = _yaml.attributes(unit.get("attributes"), f"{where} {kind} '{name}'", ProfileError)
    if kind in ("synapse", "dendrite", "soma"):
        _yaml.required(attributes, "model", f"{where} {kind} '{name}'", ProfileError)
    return Unit(kind, name, MappingProxyType(attributes))
