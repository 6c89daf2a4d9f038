"""``run_sanafe``: a SANA-FE network and architecture file run and costed as SANA-FE maps them.

    net.yaml + arch.yaml -> read_sanafe (Network, profile, fixed placement) -> simulate -> cost -> Report

Where the profile counts active updates as SANA-FE does (``input_bias_potential``, the reader's
profile), the cost reads each neuron's membrane at the start of every tick from a replay of its
population on the run's recorded inputs (:mod:`neurosim.cost_model.counting`), so the run itself
probes nothing. The placement is SANA-FE's own mapping (:func:`neurosim.sanafe.read_sanafe`), so the options that
choose or change a placement (strategy, neurons per core, quantisation, raised delays) do not apply;
the costing options do (``fallbacks``, ``latency``, ``missing``, ``static``, ``seed``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from neurosim.cost_model import cost
from neurosim.cost_model.report import cost_needs
from neurosim.engine import simulate
from neurosim.errors import NeurosimError
from neurosim.net.network import SpikeArray
from neurosim.sanafe import SanafeModel, read_sanafe
from neurosim.workflows.options import RunOptions, resolve_options
from neurosim.workflows.run import ChipRun, _trace_writer

PLACEMENT_OPTIONS = ("strategy", "neurons_per_core", "place_options", "quantize", "raise_delays")
"""RunOptions fields that choose or change a placement: refused, since SANA-FE's mapping is the placement."""


@dataclass(frozen=True, eq=False)
class SanafeRun(ChipRun):
    """A :class:`~neurosim.workflows.run.ChipRun` of a SANA-FE network, with what the files say that
    neurosim cannot hold (:attr:`neurosim.sanafe.SanafeModel.unrepresented`)."""

    model: SanafeModel | None = field(default=None, repr=False)

    @property
    def unrepresented(self) -> tuple[str, ...]:
        """One line per value of the files the run does not model."""
        return self.model.unrepresented if self.model is not None else ()


def run_sanafe(net_yaml: str | os.PathLike[str], arch_yaml: str | os.PathLike[str], ticks: int | None = None,
               options: RunOptions | None = None, *, progress: Callable[[int, int], None] | None = None,
               trace: str | os.PathLike | None = None, **keywords: Any) -> SanafeRun:
    """Read SANA-FE's network (with its mapping) and architecture, simulate, and cost the run.

    Parameters
    ----------
    net_yaml, arch_yaml : path
        SANA-FE's network file (``network`` and ``mappings``) and architecture file.
    ticks : int, optional
        Ticks to simulate, SANA-FE's ``timesteps``; default the longest input spike train.
    options : RunOptions, optional
        The costing options (``fallbacks``, ``latency``, ``missing``, ``static``, ``seed``); those
        of :data:`PLACEMENT_OPTIONS` are refused, since SANA-FE's mapping is the placement.
    progress, trace : as for :func:`~neurosim.workflows.run.run_on_chip`.
    **keywords : ``RunOptions`` fields set on top of ``options``.

    Raises
    ------
    NeurosimError
        For a placement option, or no ``ticks`` with no input spike train to take them from; the
        errors of :func:`~neurosim.sanafe.read_sanafe` for the files.
    """
    options = resolve_options(options, keywords)
    changed = [name for name in PLACEMENT_OPTIONS if name in options.changed()]
    if changed:
        raise NeurosimError(f"run_sanafe: {', '.join(changed)} do not apply: the placement is the mapping of "
                            f"{os.fspath(net_yaml)}; edit its 'mappings' instead")
    model = read_sanafe(net_yaml, arch_yaml)
    if ticks is None:
        steps = [node.data.shape[0] for node in model.network.nodes.values() if isinstance(node, SpikeArray)]
        if not steps:
            raise NeurosimError(f"run_sanafe: {os.fspath(net_yaml)} has no input spike train to take the run's "
                                f"length from; pass ticks (SANA-FE's timesteps)")
        ticks = int(np.max(steps))
    placement, profile = model.placement, model.profile
    with _trace_writer(trace, placement, ticks, []) as writer:
        result = simulate(placement.compiled, ticks, seed=options.seed, progress=progress,
                          on_chunk=writer.shifted(0), keep_tick_groups=cost_needs(profile, options.latency)[0])
    report = cost(result, placement, profile, fallbacks=options.fallbacks, latency=options.latency,
                  missing=options.missing, static=options.static)
    return SanafeRun(model.network, placement, result, report, model=model)
