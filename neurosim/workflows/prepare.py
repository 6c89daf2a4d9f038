"""The one preparation step of every run: a network made ready to simulate on a chip.

    Network -> raise delays -> quantise weights -> compile -> place on the chip

:func:`prepare` does it all for one profile (:func:`~neurosim.workflows.run.run_on_chip`,
:func:`~neurosim.workflows.run.run_nir`). A sweep (:mod:`neurosim.workflows.sweep`) needs its two
halves apart, since one transformed and compiled network serves every placement of a group:
:func:`transform_network` (the changes to the dynamics) and :func:`place_compiled` (the placement).
``prepare`` is those two with a compilation between them, so every entry point prepares alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from neurosim.chip import ChipProfile
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.mapping.delays import DelayShift, raise_delays
from neurosim.mapping.placement import Placement, place
from neurosim.mapping.quantize import QuantizationReport, quantize_weights
from neurosim.net.network import Network
from neurosim.workflows.options import RunOptions


@dataclass(frozen=True, eq=False)
class Transformed:
    """A network with its delays raised and its weights quantised, as ``RunOptions`` asked."""

    network: Network = field(repr=False)
    quantization: QuantizationReport | None = None  # None: quantize not asked
    delay_shift: DelayShift | None = None  # None: raise_delays not asked, or the chip has no minimum delay


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


def transform_network(network: Network, profile: ChipProfile, options: RunOptions) -> Transformed:
    """Raise ``network``'s delays to ``profile.delay_min_ticks`` and quantise its weights, as ``options`` ask.

    Delays are raised first, so the quantisation report describes the network that is simulated.
    """
    delay_shift = quantization = None
    if options.raise_delays and profile.delay_min_ticks:
        network, delay_shift = raise_delays(network, profile.delay_min_ticks)
    if options.quantize:
        network, quantization = quantize_weights(network, profile)
    return Transformed(network, quantization, delay_shift)


def place_compiled(compiled: CompiledNetwork, profile: ChipProfile, options: RunOptions) -> Placement:
    """Place ``compiled`` on ``profile`` with ``options.strategy`` and its placement options.

    Raises
    ------
    DoesNotFitError
        If a capacity of ``profile`` is exceeded (:func:`neurosim.mapping.place`).
    """
    return place(compiled, profile, options.strategy, **options.placement_options())


def prepare(network: Network, profile: ChipProfile, options: RunOptions) -> Prepared:
    """``network`` transformed (:func:`transform_network`), compiled and placed on ``profile``.

    Parameters
    ----------
    network : Network
        The hardware-independent network (for a NIR model, its samples back to back).
    profile : ChipProfile
        The chip.
    options : RunOptions
        ``raise_delays``, ``quantize``, ``strategy`` and the placement options are read.

    Returns
    -------
    Prepared
    """
    transformed = transform_network(network, profile, options)
    placement = place_compiled(compile_network(transformed.network), profile, options)
    return Prepared(transformed.network, placement, transformed.quantization, transformed.delay_shift)
