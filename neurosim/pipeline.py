"""``run_on_chip``: the one place where the stages are chained.

    Network -> (quantise weights) -> compile -> place on the chip -> simulate -> cost -> Report

Each stage is a public function with its own module; this only wires them in the documented order
and keeps every intermediate result, so a caller can re-cost (``neurosim.cost``) the same run under
another profile without simulating again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from neurosim.compiled import compile_network
from neurosim.cost_model import Report, cost
from neurosim.engine import SimResult, simulate
from neurosim.hardware import ChipProfile, load_chip
from neurosim.hardware.placement import Placement, place
from neurosim.hardware.quantize import QuantizationReport, quantize_weights
from neurosim.network import Network


@dataclass(frozen=True, eq=False)
class ChipRun:
    """Everything one run on a chip produced."""

    network: Network = field(repr=False)  # the network simulated (quantised if asked)
    placement: Placement = field(repr=False)
    result: SimResult = field(repr=False)
    report: Report
    quantization: QuantizationReport | None = None


def run_on_chip(network: Network, chip: str | ChipProfile, ticks: int, *, strategy: str = "fill",
                quantize: bool = False, fallbacks: dict | None = None, probe: Iterable[str] = (),
                seed: int = 0, progress: Callable[[int, int], None] | None = None,
                **place_options) -> ChipRun:
    """Simulate ``network`` for ``ticks`` ticks mapped onto ``chip`` and cost the run.

    Parameters
    ----------
    chip : a profile name (``neurosim chips`` lists them), a path to a ``.toml`` profile, or a profile.
    strategy : placement strategy (``"fill"`` or ``"locality"``); ``place_options`` go to it
        (e.g. ``neurons_per_core=256``).
    quantize : simulate with the weights quantised to the chip's weight precision (the report of
        the quantisation error is returned in ``ChipRun.quantization``).
    fallbacks : values for hardware numbers the profile does not publish (marked estimated).
    """
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    quantization = None
    if quantize:
        network, quantization = quantize_weights(network, profile)
    placement = place(compile_network(network), profile, strategy, **place_options)
    result = simulate(placement.compiled, ticks, probe=probe, seed=seed, progress=progress)
    report = cost(result, placement, profile, fallbacks=fallbacks)
    return ChipRun(network, placement, result, report, quantization)
