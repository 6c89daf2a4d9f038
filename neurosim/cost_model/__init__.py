"""The cost model: a run's energy, latency, operations and bit budget on a chip profile.

    >>> report = cost(result, placement)                  # doctest: +SKIP
    >>> print(report.to_text())                           # doctest: +SKIP

Equations and the profile fields each one uses: ``docs/hardware.md``, section "Cost model".
"""
from neurosim.cost_model.bit_budget import DEFINITION as BIT_BUDGET_DEFINITION, BitBudget, LayerBits
from neurosim.cost_model.conventions import ConventionFigures, list_conventions
from neurosim.cost_model.energy import CostValues, EnergyReport, energy_model
from neurosim.cost_model.latency import LatencyReport
from neurosim.cost_model.report import REPORT_SCHEMA, Comparison, Report, compare, cost
from neurosim.cost_model.synops import Operations

__all__ = ["BIT_BUDGET_DEFINITION", "REPORT_SCHEMA", "BitBudget", "Comparison", "ConventionFigures", "CostValues",
           "EnergyReport", "LatencyReport", "LayerBits", "Operations", "Report", "compare", "cost", "energy_model",
           "list_conventions"]
