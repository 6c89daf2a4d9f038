"""The one preparation step of every run: a network made ready to simulate on a chip.

    Network -> raise delays -> quantise weights -> compile -> place on the chip

:func:`prepare` does it all for one profile (:func:`~neurosim.workflows.run.run_on_chip`,
:func:`~neurosim.workflows.run.run_nir`). A sweep (:mod:`neurosim.workflows.sweep`) needs its two
halves apart, since one transformed and compiled network serves every placement of a group:
:func:`transform_network` (the changes to the dynamics) and :func:`place_compiled` (the placement).
``prepare`` is those two with a compilation between them, so every entry point prepares alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from neurosim.chip import ChipProfile
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.mapping.delays import DelayShift, lower_delays, raise_delays
from neurosim.mapping.placement import Placement, place
from neurosim.mapping.quantize import QuantizationReport, cluster_axon_types, quantize_weights
from neurosim.mapping.support import relay_model, support_errors
from neurosim.mapping.violations import apply_policy
from neurosim.net.network import Network
from neurosim.workflows.options import RunOptions


@dataclass(frozen=True, eq=False)
class Transformed:
    """A network with its delays raised and its weights quantised, as ``RunOptions`` asked."""

    network: Network = field(repr=False)
    quantization: QuantizationReport | None = None  # None: quantize not asked
    delay_shift: DelayShift | None = None  # None: raise_delays not asked, or every delay within the chip's range


@dataclass(frozen=True, eq=False)
class Prepared:
    """A network ready to simulate on a chip: transformed, compiled and placed."""

    network: Network = field(repr=False)  # the network simulated (delays raised, weights quantised if asked)
    placement: Placement = field(repr=False)
    quantization: QuantizationReport | None = None
    delay_shift: DelayShift | None = None

    @property
    def compiled(self) -> CompiledNetwork:
        """The compilation the engine runs (grouped by population and core)."""
        return self.placement.compiled


def transform_network(network: Network, profile: ChipProfile, options: RunOptions,
                      counted: frozenset[str] = frozenset()) -> Transformed:
    """Lower ``network``'s delays onto ``profile``'s range and quantise its weights, as ``options`` ask.

    Delays are lowered first (``options.delay_lowering``; only when a delay lies outside the range),
    so the quantisation report describes the network that is simulated, relays included.
    ``counted`` names the sources whose inputs, handed to the run, carry values other than 1 (they
    cannot be relayed).
    """
    delay_shift = quantization = None
    if options.raise_delays and _out_of_range(network, profile):
        if options.delay_lowering == "shift":
            network, delay_shift = lower_delays(network, profile.delay_min_ticks or 0, profile.delay_max_ticks,
                                                relay_model=relay_model(profile), graded_sources=counted)
        elif profile.delay_min_ticks:
            network, delay_shift = raise_delays(network, profile.delay_min_ticks)
    if options.quantize:
        cluster = profile.weight_structure == "axon_types"
        network, quantization = (cluster_axon_types if cluster else quantize_weights)(network, profile)
    return Transformed(network, quantization, delay_shift)


def _out_of_range(network: Network, profile: ChipProfile) -> bool:
    """Whether a synaptic delay of ``network`` lies outside ``profile``'s delay range."""
    low, high = profile.delay_min_ticks or 0, profile.delay_max_ticks
    return any(p.n_synapses and (int(p.delay.min()) < low or (high is not None and int(p.delay.max()) > high))
               for p in network.projections.values())


def place_compiled(compiled: CompiledNetwork, profile: ChipProfile, options: RunOptions,
                   counted: frozenset[str] = frozenset()) -> Placement:
    """Check what ``profile`` runs natively, then place ``compiled`` on it with ``options.strategy`` and its
    placement options; ``Placement.violations`` lists what ``options.compatibility`` and
    ``options.capacity`` let through (``"warn"``), compatibility first. ``counted`` names the sources
    whose inputs, handed to the run, carry counts.

    Raises
    ------
    NotSupportedError
        Under ``compatibility="strict"``, for the first thing the chip does not run natively
        (:func:`neurosim.mapping.support.support_errors`).
    DoesNotFitError
        Under ``capacity="strict"``, if a capacity of ``profile`` is exceeded (:func:`neurosim.mapping.place`).
    """
    unsupported = apply_policy(support_errors(compiled.network, profile, counted), options.compatibility)
    placement = place(compiled, profile, options.strategy, capacity=options.capacity, **options.placement_options())
    return replace(placement, violations=unsupported + placement.violations) if unsupported else placement


def prepare(network: Network, profile: ChipProfile, options: RunOptions,
            counted: frozenset[str] = frozenset()) -> Prepared:
    """``network`` transformed (:func:`transform_network`), compiled and placed on ``profile``
    (:func:`place_compiled`); ``counted`` names the sources whose inputs, handed to the run, carry counts.

    Parameters
    ----------
    network : Network
        The hardware-independent network (for a NIR model, its samples back to back).
    profile : ChipProfile
        The chip.
    options : RunOptions
        ``raise_delays``, ``delay_lowering``, ``quantize``, ``strategy``, the placement options,
        ``capacity`` and ``compatibility`` are read.

    Returns
    -------
    Prepared
    """
    transformed = transform_network(network, profile, options, counted)
    placement = place_compiled(compile_network(transformed.network), profile, options, counted)
    return Prepared(transformed.network, placement, transformed.quantization, transformed.delay_shift)
