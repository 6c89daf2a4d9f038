"""``read_sanafe``: a SANA-FE network file and architecture file -> a :class:`SanafeModel` (a
:class:`~neurosim.net.network.Network`, a :class:`~neurosim.chip.profile.ChipProfile` and SANA-FE's
own mapping as a fixed :class:`~neurosim.mapping.placement.Placement`).

Each group becomes a population (``leaky_integrate_fire`` soma -> ``loihi_cuba``) or a spike source
(``input`` soma), in file order; the edges between two groups become one projection per synapse
unit of their targets, every synapse kept (zero weights included) with delay 1, SANA-FE's one step
from spike to delivery, and the attribute ``synapse`` naming the unit (the profile's synapse class
of that name costs its events). Every neuron, input neurons included, sits on the core SANA-FE maps
it to; an input group without a mapping stays on the host. The units and the layouts are in :mod:`neurosim.sanafe.soma`,
:mod:`neurosim.sanafe.snn` and ``docs/migrating-from-sanafe.md``.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np

from neurosim.chip.profile import ChipProfile
from neurosim.errors import ModelError, PlacementError, ProfileError
from neurosim.mapping.fixed import place_fixed
from neurosim.mapping.placement import Placement
from neurosim.net.network import Network, Population
from neurosim.sanafe import soma as somas
from neurosim.sanafe.arch import SanafeArch, Unit, read_arch
from neurosim.sanafe.profile import chip_profile
from neurosim.sanafe.snn import Edges, Group, SanafeNet, read_net

LIF, INPUT, ACCUMULATOR = "leaky_integrate_fire", "input", "accumulator"
SYNAPSE_MODELS = ("current_based",)


@dataclass(frozen=True, eq=False)
class SanafeModel:
    """A SANA-FE network on its architecture, read into neurosim.

    Attributes
    ----------
    network : Network
        One population or spike source per group, in file order.
    profile : ChipProfile
        The architecture's costs (see :func:`~neurosim.sanafe.profile.chip_profile`).
    placement : Placement
        SANA-FE's mapping, core ids translated (strategy ``"fixed"``), input neurons on their cores;
        simulate ``placement.compiled``.
    soma_units : mapping of str to tuple of str
        The SANA-FE soma unit(s) of each population.
    synapse_units : mapping of str to str
        The SANA-FE synapse unit of each projection.
    unrepresented : tuple of str
        What the files say that neurosim's profile or network cannot hold, one line each.
    """

    network: Network
    profile: ChipProfile
    placement: Placement
    soma_units: Mapping[str, tuple[str, ...]] = field(repr=False)
    synapse_units: Mapping[str, str] = field(repr=False)
    unrepresented: tuple[str, ...] = field(repr=False)


def read_sanafe(net_yaml: str | os.PathLike[str], arch_yaml: str | os.PathLike[str]) -> SanafeModel:
    """Read a SANA-FE network (with its ``mappings``) and architecture.

    Parameters
    ----------
    net_yaml : path
        SANA-FE's network file: ``network`` (groups, edges) and ``mappings``.
    arch_yaml : path
        SANA-FE's architecture file.

    Returns
    -------
    SanafeModel

    Raises
    ------
    ModelError
        For the network file: a missing key, a wrong type, an attribute the translation cannot carry
        exactly (named with its group and neuron), an edge of the wrong size.
    ProfileError
        For the architecture file, or a unit the network names that it lacks.
    PlacementError
        For a bad mapping, or an unmapped neuron.
    DoesNotFitError
        If the mapping puts more neurons on a core than ``max_neurons_supported``.
    """
    arch = read_arch(arch_yaml)
    net = read_net(net_yaml)
    network = Network(net.name)
    soma_neurons: Counter = Counter()
    lines: list[str] = []
    for group in net.groups.values():
        _add_group(network, group, arch, net.path, soma_neurons, lines)
    default_soma = arch.unit("soma", None).name
    populations = {name: tuple(sorted({n or default_soma for n in _hw(group, "soma")}))
                   for name, group in net.groups.items() if isinstance(network.nodes[name], Population)}
    synapse_of = _add_projections(network, net, arch)
    soma = _most_used(arch, "soma", soma_neurons, LIF)
    synapse = _most_used(arch, "synapse", _synapse_counts(network, synapse_of), None)
    profile, arch_lines = chip_profile(arch, soma, synapse, sorted(set(synapse_of.values()) - {synapse.name}))
    lines = list(arch_lines) + lines + [
        f"group '{g}' uses soma '{u}', but the profile costs every neuron as '{soma.name}'"
        for g, units in populations.items() for u in units if u != soma.name]
    neuron_core = np.concatenate([_neuron_cores(net.groups[name], arch, name in populations, net.path)
                                  for name in network.nodes])
    placement = place_fixed(network, profile, neuron_core)
    return SanafeModel(network, profile, placement,
                       MappingProxyType(populations),
                       MappingProxyType(synapse_of), tuple(lines))


def _hw(group: Group, kind: str) -> list[str | None]:
    """The unit of each neuron: the mapping's, else the network attribute's, else None (the default)."""
    mapped = group.mapped_hw.get(kind, [None] * group.size)
    named = group.hw.get(kind, [None] * group.size)
    return [m if m is not None else n for m, n in zip(mapped, named)]


def _add_group(network: Network, group: Group, arch: SanafeArch, path: Path, soma_neurons: Counter,
               lines: list[str]) -> None:
    """Add ``group`` as a population or a spike source; count its neurons per soma unit."""
    where = f"{path}: group '{group.name}'"
    names = _hw(group, "soma")
    units = {name: _unit(arch, "soma", name, where) for name in set(names)}
    models = sorted({u.model or "" for u in units.values()})
    if models == [INPUT]:
        network.spike_array(group.name, somas.input_spikes(group.values, group.size, where))
        return
    if models != [LIF]:
        raise ModelError(f"{where}: its neurons use soma model(s) {', '.join(models)}; the reader translates a group "
                         f"whose neurons all use '{LIF}' (-> loihi_cuba) or all use '{INPUT}' (-> a spike source)")
    for unit in units.values():
        for key in ("noise", "noise_bits"):
            if key in unit.attributes:
                raise ProfileError(f"{arch.path}: soma '{unit.name}' attribute '{key}' (noise streams) is not "
                                   f"supported by the reader")
    params = somas.loihi_cuba_params(group.values, group.size, where, lines)
    network.population(group.name, group.size, "loihi_cuba", **params)
    soma_neurons.update(units[name].name for name in names)


def _unit(arch: SanafeArch, kind: str, name: str | None, where: str) -> Unit:
    try:
        return arch.unit(kind, name)
    except ProfileError as err:
        raise ProfileError(f"{where}: {err}") from None


def _add_projections(network: Network, net: SanafeNet, arch: SanafeArch) -> dict[str, str]:
    """One projection per (source group, target group, synapse unit of the target neuron)."""
    by_pair: dict[tuple[str, str], list[Edges]] = {}
    for edges in net.edges:
        if not isinstance(network.nodes[edges.post], Population):
            raise ModelError(f"{edges.where}: the target group '{edges.post}' is made of input neurons, which "
                             f"receive no synapses")
        fractional = edges.weight != np.round(edges.weight)
        if fractional.any():
            k = int(np.argmax(fractional))
            raise ModelError(f"{edges.where}: synapse {k} has weight {edges.weight[k]:g}; loihi_cuba takes whole "
                             f"weights (SANA-FE weight w adds 64 w to neurosim's v): scale or round them")
        if edges.dendrite_keys:
            _check_dendrites(net.groups[edges.post], arch, edges)
        by_pair.setdefault((edges.pre, edges.post), []).append(edges)
    synapse_of: dict[str, str] = {}
    for (pre, post), parts in by_pair.items():
        target = net.groups[post]
        names = _hw(target, "synapse")
        where = f"{net.path}: group '{post}'"
        units = {name: _unit(arch, "synapse", name, where) for name in set(names)}
        for unit in units.values():
            if unit.model not in SYNAPSE_MODELS:
                raise ModelError(f"{where}: synapse '{unit.name}' has model {unit.model!r}; the reader translates "
                                 f"{', '.join(SYNAPSE_MODELS)}")
        code = {name: k for k, name in enumerate(sorted(units, key=lambda n: units[n].name))}
        pre_idx, post_idx, weight = (np.concatenate([getattr(e, a) for e in parts]) if len(parts) > 1
                                     else getattr(parts[0], a) for a in ("pre_idx", "post_idx", "weight"))
        pre_idx, post_idx, weight = _by_pre(pre_idx, post_idx, weight, net.groups[pre].size)
        syn_unit = np.array([code[name] for name in names])[post_idx] if len(code) > 1 else None
        for name, k in code.items():
            unit = units[name].name
            proj = f"{pre}->{post}" if len(code) == 1 else f"{pre}->{post} ({unit})"
            keep = slice(None) if syn_unit is None else syn_unit == k
            network.connect_synapses(pre, post, pre_idx[keep], post_idx[keep], weight[keep], delays=1, name=proj,
                                     attributes={"synapse": unit})
            synapse_of[proj] = unit
    return synapse_of


def _check_dendrites(target: Group, arch: SanafeArch, edges: Edges) -> None:
    """Refuse an edge's dendrite attributes unless every target neuron's dendrite is SANA-FE's
    ``accumulator``, which ignores them (:data:`neurosim.sanafe.snn.DENDRITE_EDGE_KEYS`)."""
    for name in set(_hw(target, "dendrite")):
        unit = _unit(arch, "dendrite", name, edges.where)
        if unit.model != ACCUMULATOR:
            raise ModelError(f"{edges.where}: dendrite attribute '{edges.dendrite_keys[0]}' is read only for "
                             f"SANA-FE's '{ACCUMULATOR}' dendrite, which ignores it; group '{target.name}' uses "
                             f"dendrite '{unit.name}' (model {unit.model!r}); remove the attribute or map the group "
                             f"to an '{ACCUMULATOR}' dendrite")


def _by_pre(pre_idx: np.ndarray, post_idx: np.ndarray, weight: np.ndarray,
            n_pre: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synapses in a stable order by source neuron, the order the network keeps them in (which
    then finds them sorted): numpy sorts 16-bit keys by radix, ~10x faster than int64 keys, so a
    group of at most 65,536 neurons is sorted here; a larger one is left to the network."""
    if n_pre > 1 << 16 or not np.any(pre_idx[1:] < pre_idx[:-1]):
        return pre_idx, post_idx, weight
    order = np.argsort(pre_idx.astype(np.uint16), kind="stable")
    return pre_idx[order], post_idx[order], weight[order]


def _synapse_counts(network: Network, synapse_of: Mapping[str, str]) -> Counter:
    counts: Counter = Counter()
    for proj, unit in synapse_of.items():
        counts[unit] += network.projections[proj].n_synapses
    return counts


def _most_used(arch: SanafeArch, kind: str, counts: Counter, model: str | None) -> Unit:
    """The unit of ``kind`` most used (ties: file order); with none used, the first of ``model``, else the first."""
    units = [u for u in arch.units if u.kind == kind]
    if not units:
        raise ProfileError(f"{arch.path}: the core has no {kind} unit")
    if counts:
        best = max(counts.values())
        return next(u for u in units if counts.get(u.name, -1) == best)
    return next((u for u in units if model is None or u.model == model), units[0])


def _neuron_cores(group: Group, arch: SanafeArch, on_chip: bool, path: Path) -> np.ndarray:
    """neurosim's core of every neuron of ``group``; an input group left unmapped stays on the host (-1)."""
    unmapped = group.tile < 0
    if not on_chip and unmapped.all():
        return np.full(group.size, -1, np.int64)
    if unmapped.any():
        raise PlacementError(f"{path}: neuron {group.name}.{int(np.argmax(unmapped))} has no mapping "
                             f"({int(unmapped.sum())} of group '{group.name}' have none); map every neuron to a core")
    bad_tile = group.tile >= arch.n_tiles
    bad_core = group.core >= arch.cores_per_tile
    if bad_tile.any() or bad_core.any():
        k = int(np.argmax(bad_tile | bad_core))
        raise PlacementError(f"{path}: neuron {group.name}.{k} is mapped to core {group.tile[k]}.{group.core[k]}, "
                             f"but {arch.path} has tiles 0..{arch.n_tiles - 1} of {arch.cores_per_tile} cores "
                             f"(0..{arch.cores_per_tile - 1})")
    return arch.neurosim_core(group.tile, group.core)
