"""Metric conventions: named, documented definitions of a run's figures, selectable by name.

    >>> report = cost(result, placement, samples=4, convention="neurobench")   # doctest: +SKIP
    >>> report.convention["SynapticOperations.Effective_ACs"]                   # doctest: +SKIP

One module per convention, each defining ``CONVENTION`` (a :class:`Convention`) and stating its
definitions and sources in its docstring:

* ``events`` (:mod:`.events`, the default): neurosim's figures, one operation per delivered event;
* ``neurobench`` (:mod:`.neurobench`): NeuroBench 2.3.0's definitions, exactly;
* ``spikformer`` and ``spikformer-per-step`` (:mod:`.spikformer`): the spiking-transformer papers'
  E_MAC x FLOPs(encoding layer) + E_AC x SOPs, the encoding layer once per sample or per step;
* ``spikingjelly`` (:mod:`.spikingjelly`): SpikingJelly 2.0.0's SynOp and MAC counters.

A new convention is one more module here and one entry in :data:`CONVENTIONS`.
"""
from __future__ import annotations

from neurosim.cost_model.conventions import events, neurobench, spikformer, spikingjelly
from neurosim.cost_model.conventions.base import (EXECUTIONS, Convention, ConventionFigures, Figure, RunRecord,
                                                  figures_of)
from neurosim._checks import lookup

CONVENTIONS: dict[str, Convention] = {c.name: c for c in (events.CONVENTION, neurobench.CONVENTION, spikformer.CONVENTION,
                                                           spikformer.PER_STEP, spikingjelly.CONVENTION)}
"""Every convention, by name."""

DEFAULT_CONVENTION = "events"


def list_conventions() -> tuple[str, ...]:
    """The names of the conventions, the default first."""
    return tuple(CONVENTIONS)


def get_convention(name: str) -> Convention:
    """The convention called ``name``.

    Raises
    ------
    ModelError
        If there is none of that name (the message lists them).
    """
    return lookup(CONVENTIONS, name, "metric convention")


__all__ = ["CONVENTIONS", "DEFAULT_CONVENTION", "EXECUTIONS", "Convention", "ConventionFigures", "Figure",
           "RunRecord", "figures_of", "get_convention", "list_conventions"]
