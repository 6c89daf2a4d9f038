"""Synapse classes: several synapse units on one chip, each with its own cost per synaptic event.

A chip can store and process synapses in more than one format (SANA-FE's Loihi model: a dense, a
sparse and a convolutional synapse unit at different energies and latencies). A profile lists the
formats other than its default one as ``[[synapse_class]]`` tables::

    [[synapse_class]]
    name = "conv"
    e_synop_J = 24.0e-12
    t_synop_s = 3.1e-9
    kinds = ["conv"]                        # projections folded from these NIR connection layers
    attribute = { synapse = "loihi_conv" }  # projections whose attribute `synapse` is this value
    projections = ["conv*"]                 # projections whose name matches one of these patterns
    source = "Boyle et al. 2025, ..."

A projection belongs to the first class, in file order, that selects it by any of its rules
(``attribute``, then ``kinds``, then ``projections``); a projection no class selects is of the
default class, costed with the profile's own ``e_synop_J`` and ``t_synop_s``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from neurosim.errors import ProfileError
from neurosim.net.origin import CONNECTION_KINDS

if TYPE_CHECKING:
    from neurosim.net.network import Network, Projection

DEFAULT_CLASS = "default"
"""Name of the class of every projection that no ``[[synapse_class]]`` selects."""

KEYS = ("name", "e_synop_J", "t_synop_s", "kinds", "attribute", "projections", "source")
MAX_ENERGY_J, MAX_LATENCY_S = 1e-6, 1e-3  # the schema's bounds of e_synop_J and t_synop_s


@dataclass(frozen=True)
class SynapseClass:
    """One synapse format of a chip, and which projections use it.

    Attributes
    ----------
    name : str
        Shown in reports (``synops[name]``); unique in the profile, not ``"default"``.
    e_synop_J, t_synop_s : float
        Energy and latency of one synaptic event of this class.
    kinds : tuple of str
        NIR connection layer kinds (``linear``, ``affine``, ``conv``) whose projections it takes.
    attribute : mapping of str to str
        Projection attributes (``Network.connect(..., attributes=...)``) that select it.
    projections : tuple of str
        Shell-style patterns of projection names that select it.
    source : str
        Citation of the two costs.
    """

    name: str
    e_synop_J: float
    t_synop_s: float
    kinds: tuple[str, ...] = ()
    attribute: Mapping[str, str] = field(default_factory=dict, hash=False)
    projections: tuple[str, ...] = ()
    source: str = ""

    def selects(self, proj: Projection) -> bool:
        """Whether this class takes ``proj`` by one of its rules."""
        return self.selects_labels(proj.name, proj.attributes, projection_kinds(proj))

    def selects_labels(self, name: str, attributes: Mapping[str, str], kinds: Sequence[str]) -> bool:
        """Whether this class takes a projection of this name, these attributes and these layer kinds."""
        if any(attributes.get(key) == value for key, value in self.attribute.items()):
            return True
        if any(kind in self.kinds for kind in kinds):
            return True
        return any(fnmatchcase(name, pattern) for pattern in self.projections)

    def to_dict(self) -> dict[str, Any]:
        """The TOML table of this class (what :func:`read_synapse_classes` reads)."""
        out: dict[str, Any] = {"name": self.name, "e_synop_J": self.e_synop_J, "t_synop_s": self.t_synop_s}
        if self.kinds:
            out["kinds"] = list(self.kinds)
        if self.attribute:
            out["attribute"] = dict(self.attribute)
        if self.projections:
            out["projections"] = list(self.projections)
        out["source"] = self.source
        return out


def read_synapse_classes(raw: Any, origin: str) -> tuple[SynapseClass, ...]:
    """Check the ``[[synapse_class]]`` tables of a profile.

    Raises
    ------
    ProfileError
        Naming ``origin``, the class and the rule broken: an unknown key, a missing or duplicate name,
        a cost out of range or without a source, an unknown connection kind, a class that selects nothing.
    """
    if not isinstance(raw, (list, tuple)):
        raise ProfileError(f"{origin}: 'synapse_class' must be an array of tables ([[synapse_class]]), got "
                           f"{type(raw).__name__}")
    out: list[SynapseClass] = []
    for k, table in enumerate(raw):
        where = f"{origin}: synapse_class {k + 1}"
        if isinstance(table, SynapseClass):
            table = table.to_dict()
        if not isinstance(table, Mapping):
            raise ProfileError(f"{where} must be a table with name, e_synop_J, t_synop_s, a rule and source")
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise ProfileError(f"{where}: unknown key '{unknown[0]}' (keys: {', '.join(KEYS)})")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ProfileError(f"{where}: 'name' must be a non-empty string")
        where = f"{origin}: synapse_class '{name}'"
        if name == DEFAULT_CLASS or name in (c.name for c in out):
            raise ProfileError(f"{where}: the name is taken (by the default class or an earlier class); rename it")
        energy = _cost(table, "e_synop_J", MAX_ENERGY_J, "J", where)
        latency = _cost(table, "t_synop_s", MAX_LATENCY_S, "s", where)
        kinds = _strings(table.get("kinds", ()), "kinds", where)
        bad = [kind for kind in kinds if kind not in CONNECTION_KINDS]
        if bad:
            raise ProfileError(f"{where}: kind '{bad[0]}' is not a connection layer kind "
                               f"({', '.join(CONNECTION_KINDS)})")
        attribute = table.get("attribute", {})
        if not isinstance(attribute, Mapping) or not all(isinstance(v, str) for v in attribute.values()):
            raise ProfileError(f"{where}: 'attribute' must be an inline table of strings, e.g. "
                               f"{{ synapse = \"conv\" }}")
        patterns = _strings(table.get("projections", ()), "projections", where)
        if not (kinds or attribute or patterns):
            raise ProfileError(f"{where} selects no projection: give kinds, attribute or projections")
        source = table.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ProfileError(f"{where}: 'source' must cite its costs (paper, table, page)")
        out.append(SynapseClass(name, energy, latency, kinds, dict(attribute), patterns, source))
    return tuple(out)


def class_of_projections(network: Network, classes: Sequence[SynapseClass]) -> dict[str, int]:
    """``{projection name: class index}``: 0 for the default class, ``k + 1`` for ``classes[k]``."""
    return {name: next((k + 1 for k, c in enumerate(classes) if c.selects(proj)), 0)
            for name, proj in network.projections.items()}


def projection_labels(network: Network) -> dict[str, dict[str, Any]]:
    """What synapse classes select projections by: ``{name: {"attributes": ..., "kinds": [...]}}``
    (a trace stores it, so that a trace can be checked against a profile's classes)."""
    return {name: {"attributes": dict(proj.attributes), "kinds": list(projection_kinds(proj))}
            for name, proj in network.projections.items()}


def projection_kinds(proj: Projection) -> tuple[str, ...]:
    """The NIR layer kinds ``proj`` was folded from (none for a projection built in Python)."""
    return tuple(layer.kind for layer in proj.origin.layers) if proj.origin is not None else ()


def _cost(table: Mapping[str, Any], key: str, high: float, unit: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{where}: '{key}' must be a number in {unit}, got {value!r}")
    if not 0.0 <= float(value) <= high:
        raise ProfileError(f"{where}: '{key}' = {value!r} must lie in 0 .. {high:g} {unit} (SI units: write "
                           f"24 pJ as 24e-12)")
    return float(value)


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{where}: '{key}' must be an array of strings")
    return tuple(value)
