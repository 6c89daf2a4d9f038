"""``place``: map a compiled network's neurons onto the cores of a chip profile.

Geometry (``docs/architecture.md``, "Placement and routing"): cores are numbered ``0 .. n_cores - 1``
over all chips. Core ``k`` is on chip ``k // cores_per_chip``, in tile ``(k % cores_per_chip) //
cores_per_tile`` of that chip, whose router sits at ``(tile % mesh_x, tile // mesh_x)`` on the chip;
chip ``c`` sits at ``(c % chips_x, c // chips_x)`` in the mesh of chips, so the router's global
coordinates are ``(cx * mesh_x + x, cy * mesh_y + y)``. Spike sources live on the host (core ``-1``).

A strategy (looked up by name, :func:`register_strategy`) only assigns neurons to cores;
:func:`place` then checks every capacity of the profile (:mod:`neurosim.mapping.fit`) and
recompiles the network with one destination group per (population, core), so that the engine counts
packets, synaptic events and updates per core. :func:`~neurosim.mapping.fixed.place_fixed` takes
the core of every neuron from the caller instead and builds the same :class:`Placement` through
:func:`placement_from_usage`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np
import numpy.typing as npt

from neurosim._checks import did_you_mean, positive_int
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.compile.regroup import regroup
from neurosim.errors import DoesNotFitError, PlacementError
from neurosim.chip.mesh import Mesh
from neurosim.mapping import fit
from neurosim.mapping.locality import locality
from neurosim.mapping.violations import Violation, apply_policy, check_policy
from neurosim.chip.profile import ChipProfile
from neurosim.net.network import Network

if TYPE_CHECKING:
    from neurosim.mapping.routing import RouteTable

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Placement:
    """Neurons mapped onto the cores of a chip profile (read-only).

    Attributes
    ----------
    compiled : CompiledNetwork
        The network recompiled with one destination group per (population, core); simulate this.
    profile : ChipProfile
        The profile placed on (its capacities were checked).
    strategy : str
        Name of the strategy that assigned the cores.
    options : mapping
        The options given to :func:`place` (``neurons_per_core``, ...).
    mesh : Mesh
        Where the cores sit.
    neuron_core : ndarray of int64, shape (N,)
        Core of every neuron; ``-1`` for spike sources (on the host, injecting at router (0, 0)).
    group_core : ndarray of int64, shape (G,)
        Core of every destination group of ``compiled``; ``-1`` for source groups.
    core_xy : ndarray of int64, shape (n_cores, 2)
        Global router coordinates of every core of the system.
    core_chip : ndarray of int64, shape (n_cores,)
        Chip of every core.
    usage : mapping of str to int
        The largest use of each capacity (keys as the profile's fields, plus ``"cores"``), whether
        or not the profile limits it.
    violations : tuple of Violation
        The limits this placement breaks, kept under ``capacity="warn"`` (and the compatibility
        checks a workflow adds, :mod:`neurosim.mapping.support`); empty when it fits.
    """

    compiled: CompiledNetwork = field(repr=False)
    profile: ChipProfile = field(repr=False)
    strategy: str
    options: Mapping[str, Any]
    mesh: Mesh
    neuron_core: IntArray = field(repr=False)
    group_core: IntArray = field(repr=False)
    core_xy: IntArray = field(repr=False)
    core_chip: IntArray = field(repr=False)
    usage: Mapping[str, int] = field(repr=False)
    violations: tuple[Violation, ...] = ()

    def __post_init__(self) -> None:
        for name in ("neuron_core", "group_core", "core_xy", "core_chip"):
            getattr(self, name).setflags(write=False)
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        object.__setattr__(self, "usage", MappingProxyType(dict(self.usage)))

    @cached_property
    def routes(self) -> RouteTable:
        """The route table of this placement (:func:`~neurosim.mapping.routing.route`), routed on first use
        and kept: the cost model and the trace writer of one run share it."""
        from neurosim.mapping import routing  # routing imports this module: import it when first needed

        return routing.route(self)

    @property
    def n_cores_used(self) -> int:
        """Cores holding at least one neuron."""
        return int(np.unique(self.neuron_core[self.neuron_core >= 0]).size)

    @property
    def n_tiles_used(self) -> int:
        """Routers (tiles) with at least one used core."""
        cores = np.unique(self.neuron_core[self.neuron_core >= 0])
        return int(np.unique(self.core_xy[cores], axis=0).shape[0])


# -- strategies ---------------------------------------------------------------------------------------

Assign = Callable[..., IntArray]
"""``assign(compiled, mesh, neurons_per_core, **options) -> neuron_core``: core of every neuron
(``-1`` for sources), filling no core beyond ``neurons_per_core`` (``None``: unlimited). Core ids
past ``mesh.n_cores`` mean the network needs more cores; :func:`place` reports it."""


@dataclass(frozen=True)
class Strategy:
    """A placement strategy: its name, its assignment function and the extra options it takes."""

    name: str
    assign: Assign
    options: tuple[str, ...] = ()


_STRATEGIES: dict[str, Strategy] = {}


def register_strategy(name: str, assign: Assign, options: tuple[str, ...] = ()) -> Strategy:
    """Add a strategy under ``name`` (every strategy also takes ``neurons_per_core``).

    Raises
    ------
    PlacementError
        If ``name`` is taken.
    """
    if name in _STRATEGIES:
        raise PlacementError(f"a placement strategy named '{name}' is already registered")
    _STRATEGIES[name] = Strategy(name, assign, tuple(options))
    return _STRATEGIES[name]


def list_strategies() -> tuple[str, ...]:
    """Names of the registered placement strategies, sorted."""
    return tuple(sorted(_STRATEGIES))


def _fill(compiled: CompiledNetwork, mesh: Mesh, neurons_per_core: int | None) -> IntArray:
    """Populations in the order they were added, each from a fresh core, filling cores in order.

    When fresh cores per population would need more cores than the system has, populations share
    cores at their boundaries instead (packed in order), which is what lets a many-population
    network onto a chip of few large cores (``generic_45nm`` has one).
    """
    pops = compiled.neuron_pop
    on_chip = compiled.pop_model[pops] >= 0
    local = np.arange(compiled.n_neurons, dtype=np.int64) - compiled.pop_offset[pops]
    sizes = np.diff(compiled.pop_offset)
    per_pop = np.where(compiled.pop_model >= 0, 1 if neurons_per_core is None else -(-sizes // neurons_per_core), 0)
    if per_pop.sum() <= mesh.n_cores:
        first = np.cumsum(per_pop) - per_pop
        core = first[pops] + (0 if neurons_per_core is None else local // neurons_per_core)
    else:
        log.info("fill: one fresh core per population needs %d cores of %d; packing populations",
                 per_pop.sum(), mesh.n_cores)
        rank = np.cumsum(on_chip) - 1
        core = np.zeros_like(rank) if neurons_per_core is None else rank // neurons_per_core
    return np.where(on_chip, core, -1).astype(np.int64)


register_strategy("fill", _fill)
register_strategy("locality", locality)


# -- place --------------------------------------------------------------------------------------------


def place(compiled: CompiledNetwork | Network, profile: ChipProfile, strategy: str = "fill", *,
          capacity: str = "strict", **options: Any) -> Placement:
    """Map every neuron onto a core of ``profile`` and check every capacity.

    Parameters
    ----------
    compiled : CompiledNetwork or Network
        The network (a Network is compiled first).
    profile : ChipProfile
        The chip; its ``chips_x``/``chips_y`` give the number of chips.
    strategy : str
        ``"fill"`` (populations in order, each from a fresh core) or ``"locality"`` (graph
        bisection; fewer hops), or any name added with :func:`register_strategy`.
    capacity : {"strict", "warn"}
        ``"strict"``: raise for the first limit exceeded; ``"warn"``: place anyway and keep every
        limit exceeded in ``Placement.violations`` (:mod:`neurosim.mapping.violations`). A placement
        needing more cores than the system has is refused under both.
    **options
        ``neurons_per_core``: fill cores to at most this many neurons (default and maximum: the
        profile's ``neurons_per_core``), for design-space sweeps; a strategy's own options.

    Returns
    -------
    Placement

    Raises
    ------
    PlacementError
        For an unknown strategy or option.
    DoesNotFitError
        If a capacity is exceeded; the message names the population, projection or core, the
        limit, by how much, and the smallest change that would fit.
    """
    capacity = check_policy(capacity, "place: capacity")
    if isinstance(compiled, Network):
        compiled = compile_network(compiled)
    spec = _strategy(strategy)
    unknown = sorted(set(options) - {"neurons_per_core", *spec.options})
    if unknown:
        known = ", ".join(("neurons_per_core", *spec.options))
        raise PlacementError(f"placement strategy '{strategy}' has no option '{unknown[0]}' (options: {known})")
    extra = {k: v for k, v in options.items() if k != "neurons_per_core"}
    mesh = Mesh.of(profile)
    per_core = _capacity(profile, options.get("neurons_per_core"))
    pre, post = fit.synapse_endpoints(compiled)
    violations = apply_policy(fit.network_errors(compiled, profile, post), capacity)

    on_chip = compiled.pop_model[compiled.neuron_pop] >= 0

    def attempt(neurons_per_core: int | None) -> fit.Usage:
        core = np.asarray(spec.assign(compiled, mesh, neurons_per_core, **extra))
        # A registered strategy is outside code: check its contract before trusting its cores.
        if core.shape != on_chip.shape or not np.array_equal(core >= 0, on_chip):
            raise PlacementError(f"placement strategy '{strategy}' must give every neuron a core >= 0 and every "
                                 f"spike-source neuron -1, as an array of {on_chip.size} core ids")
        return fit.measure(compiled, pre, post, core.astype(np.int64), profile)

    usage = attempt(per_core)
    violations += apply_policy(fit.fit_errors(usage, compiled, profile, mesh.n_cores, per_core, attempt), capacity)
    return placement_from_usage(compiled, profile, strategy, options, mesh, usage, fit.network_peaks(compiled, post),
                                violations)


def placement_from_usage(compiled: CompiledNetwork, profile: ChipProfile, strategy: str, options: Mapping[str, Any],
                         mesh: Mesh, usage: fit.Usage, network_peaks: Mapping[str, int],
                         violations: tuple[Violation, ...] = ()) -> Placement:
    """The :class:`Placement` of an assignment whose capacities were checked (``usage.neuron_core``),
    recompiled with one destination group per (population, core); ``violations`` are the limits it
    breaks (``capacity="warn"``)."""
    neuron_group, group_core = _core_groups(compiled, usage.neuron_core, mesh.n_cores)
    return Placement(regroup(compiled, neuron_group), profile, strategy, options,
                     mesh, usage.neuron_core, group_core, mesh.core_xy(), mesh.core_chip(),
                     {**usage.peaks(), **network_peaks}, violations)


def _strategy(name: str) -> Strategy:
    spec = _STRATEGIES.get(name)
    if spec is None:
        raise PlacementError(f"unknown placement strategy {name!r}{did_you_mean(str(name), _STRATEGIES)} "
                             f"(known: {', '.join(list_strategies())})")
    return spec


def _capacity(profile: ChipProfile, requested: object) -> int | None:
    """Neurons per core to fill to: ``requested``, at most the profile's limit; ``None`` is unlimited."""
    limit = profile.neurons_per_core
    if requested is None:
        return limit
    requested = positive_int(requested, "neurons_per_core", PlacementError)
    if limit is not None and requested > limit:
        raise DoesNotFitError(f"neurons_per_core={requested} exceeds {profile.name}'s neurons_per_core = {limit}; "
                              f"pass at most {limit}", limit="neurons_per_core", needed=int(requested),
                              available=limit)
    return int(requested)


def _core_groups(compiled: CompiledNetwork, neuron_core: IntArray, n_cores: int) -> tuple[IntArray, IntArray]:
    """One destination group per (population, core) pair, numbered by population, then core."""
    key = compiled.neuron_pop.astype(np.int64) * (n_cores + 1) + (neuron_core + 1)
    pairs, neuron_group = np.unique(key, return_inverse=True)
    return neuron_group.astype(np.int64), pairs % (n_cores + 1) - 1
