"""``RunOptions``: the options every run on a chip shares (a run, a NIR run, every point of a sweep).

:func:`~neurosim.workflows.run.run_on_chip`, :func:`~neurosim.workflows.run.run_nir` and
:func:`~neurosim.workflows.sweep.sweep` take one ``RunOptions`` and hand it to the one preparation step
(:mod:`neurosim.workflows.prepare`), so the three cannot drift apart. Their keyword arguments
(``strategy="locality"``, ``neurons_per_core=64``, ...) still work: :func:`resolve_options` turns them
into a ``RunOptions``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

import numpy as np

from neurosim.cost_model.unpublished import check_mode
from neurosim.errors import ModelError
from neurosim.mapping.delays import LOWERINGS
from neurosim.mapping.placement import list_strategies
from neurosim.mapping.violations import check_policy


@dataclass(frozen=True)
class RunOptions:
    """How a network is mapped onto a chip, simulated and costed.

    Attributes
    ----------
    strategy : str
        Placement strategy (``neurosim.mapping.list_strategies()``: ``"fill"``, ``"locality"``).
    neurons_per_core : int or None
        Fill cores to at most this many neurons (default: the profile's ``neurons_per_core``).
    place_options : dict
        Further options of the placement strategy (:func:`neurosim.mapping.place`).
    quantize : bool
        Simulate with the weights quantised to the chip's weight precision; on a chip of a few weights
        per neuron (TrueNorth's axon types) each neuron's weights are clustered into that many values
        first (:func:`neurosim.mapping.quantize.cluster_axon_types`).
    raise_delays : bool
        Lower the network's delays onto the profile's range ``delay_min_ticks .. delay_max_ticks``
        before placement, as ``delay_lowering`` says (TrueNorth delivers no spike within its tick and
        none more than 15 ticks later); without it a delay out of range is refused.
    delay_lowering : {"shift", "minimum"}
        ``"shift"`` (default): every delay of a projection shifted by the same amount, downstream
        populations re-timed, relay neurons for delays above the maximum; the spikes are the model's,
        shifted in time (:func:`neurosim.mapping.delays.lower_delays`). ``"minimum"``: each delay
        below the minimum raised to it and nothing else, exact on feed-forward chains only
        (:func:`neurosim.mapping.delays.raise_delays`).
    fallbacks : dict
        Values for hardware numbers the profile does not publish (the report marks them estimated).
    seed : int
        Seed of stochastic neuron models and spike sources.
    latency : bool
        Run the latency model (``False`` for chips that publish no per-operation times, such as
        TrueNorth, whose all-inclusive energy needs none).
    capacity : {"strict", "warn"}
        A capacity the mapping exceeds (fan-in, fan-out, neurons, axons or synaptic memory per core,
        delays): raise (default), or map anyway and list every violation in the report, whose
        figures are then marked (:mod:`neurosim.mapping.violations`).
    compatibility : {"warn", "strict"}
        Something the chip does not run natively (neuron model, spike payload, weight structure,
        input kind; :mod:`neurosim.mapping.support`): list it in the report and mark the figures
        (default, ``docs/decisions/0018-capacity-and-compatibility-policies.md``), or raise.
    missing : {"error", "mark"}
        For a number the profile does not give (nor ``fallbacks``): raise (default), or leave its
        term out of the cost and mark the totals partial (:func:`neurosim.cost`'s ``missing``).
    static : bool
        Include the static (leakage) energy of the used cores (default): a chip leaks for as long
        as a run lasts, so the energy a deployment pays includes it. ``False`` reports the dynamic
        energy alone, as SANA-FE does (:func:`neurosim.cost`'s ``static``).
    """

    strategy: str = "fill"
    neurons_per_core: int | None = None
    place_options: dict[str, Any] = field(default_factory=dict)
    quantize: bool = False
    raise_delays: bool = False
    delay_lowering: str = "shift"
    fallbacks: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    latency: bool = True
    capacity: str = "strict"
    compatibility: str = "warn"
    missing: str = "error"
    static: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.strategy, str) or self.strategy not in list_strategies():
            raise ModelError(f"RunOptions: unknown placement strategy {self.strategy!r}; "
                             f"choose one of {', '.join(list_strategies())}")
        if self.neurons_per_core is not None and not _is_int(self.neurons_per_core, 1):
            raise ModelError(f"RunOptions: neurons_per_core must be a positive integer or None, "
                             f"got {self.neurons_per_core!r}")
        if not isinstance(self.place_options, Mapping) or "neurons_per_core" in self.place_options:
            raise ModelError("RunOptions: place_options must be a dict of strategy options other than "
                             "neurons_per_core (give that as RunOptions(neurons_per_core=...))")
        for name in ("quantize", "raise_delays", "latency", "static"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ModelError(f"RunOptions: {name} must be True or False, got {getattr(self, name)!r}")
        if self.delay_lowering not in LOWERINGS:
            raise ModelError(f"RunOptions: delay_lowering must be one of {', '.join(LOWERINGS)}, "
                             f"got {self.delay_lowering!r}")
        if not isinstance(self.fallbacks, Mapping):
            raise ModelError(f"RunOptions: fallbacks must be a dict {{profile field: number}}, got {self.fallbacks!r}")
        for key in self.fallbacks:
            if not isinstance(key, str):
                raise ModelError(f"RunOptions: fallback key {key!r} must be a profile field name, "
                                 "e.g. fallbacks={'t_spike_s': 0.0}")
        check_policy(self.capacity, "RunOptions: capacity")
        check_policy(self.compatibility, "RunOptions: compatibility")
        check_mode(self.missing)
        if not _is_int(self.seed, 0):
            raise ModelError(f"RunOptions: seed must be a non-negative integer, got {self.seed!r}")
        # frozen: the dicts are copied so that the caller's later changes do not reach the options
        object.__setattr__(self, "place_options", dict(self.place_options))
        object.__setattr__(self, "fallbacks", dict(self.fallbacks))

    def placement_options(self) -> dict[str, Any]:
        """The keyword options of :func:`neurosim.mapping.place` (``neurons_per_core`` and ``place_options``)."""
        npc = {} if self.neurons_per_core is None else {"neurons_per_core": self.neurons_per_core}
        return {**self.place_options, **npc}

    def changed(self) -> dict[str, Any]:
        """The fields that differ from their defaults, ``{name: value}``."""
        default = RunOptions()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}


OPTION_NAMES = tuple(f.name for f in fields(RunOptions))
"""The ``RunOptions`` fields, which the entry points also accept as keyword arguments."""


def resolve_options(options: RunOptions | None, keywords: Mapping[str, Any]) -> RunOptions:
    """``options`` (default ``RunOptions()``) with ``keywords`` applied on top.

    A keyword named like a field sets that field (``fallbacks=None`` means none); any other
    keyword is a placement strategy option (``place_options``), as ``place(..., **options)`` takes it.
    """
    if options is not None and not isinstance(options, RunOptions):
        raise ModelError(f"options must be a RunOptions, got {type(options).__name__}; "
                         "build one with neurosim.workflows.RunOptions(...)")
    base = options or RunOptions()
    changes = {k: v for k, v in keywords.items() if k in OPTION_NAMES}
    if changes.get("fallbacks", ()) is None:
        changes["fallbacks"] = {}
    extra = {k: v for k, v in keywords.items() if k not in OPTION_NAMES}
    if extra:
        changes["place_options"] = {**changes.get("place_options", base.place_options), **extra}
    return replace(base, **changes) if changes else base


def _is_int(value: Any, minimum: int) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer)) and value >= minimum
