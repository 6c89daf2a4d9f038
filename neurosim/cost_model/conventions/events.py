"""The ``events`` convention: neurosim's own figures, one operation per delivered synaptic event.

The default for chips, whose work is the events they deliver. Definitions (``docs/metrics.md``,
section 2; code: :mod:`neurosim.cost_model.synops` and :mod:`neurosim.cost_model.bit_budget`):

* ``SynOps``: synaptic events delivered, one per synapse (a non-zero weight of the folded
  projections) per delivered spike; ``effective_ACs`` / ``effective_MACs`` split them per event:
  a MAC when the spike is graded (a value outside {-1, 0, 1} sent by anything but a signed-ternary
  population, whose +-theta events are ACs: ``synops.py``'s payload rule), else an AC;
* ``ANN_MACs``: synapses x ticks; ``dense_MACs``: sum over projections of pre.size x post.size x ticks;
* ``activation_sparsity``: 1 - spikes / (neurons x ticks) over the spiking populations;
* ``connection_sparsity``: 1 - synapses / sum of pre.size x post.size, unrounded;
* ``footprint_bytes``: the chip's storage of weights, neuron states and delays
  (:class:`~neurosim.cost_model.bit_budget.BitBudget`).
"""
from __future__ import annotations

from neurosim.cost_model.conventions.base import Convention, Figure, RunRecord

SOURCE = "neurosim (per delivered synaptic event; docs/metrics.md, section 2)"


def totals(record: RunRecord) -> tuple[tuple[Figure, ...], tuple[str, ...]]:
    """The figures of :class:`~neurosim.cost_model.synops.Operations`, summed over the run."""
    ops = record.operations
    return (Figure("SynOps", float(ops.synops), "count", "ops"),
            Figure("effective_ACs", float(ops.effective_acs), "count", "ops"),
            Figure("effective_MACs", float(ops.effective_macs), "count", "ops"),
            Figure("ANN_MACs", float(ops.macs), "count", "ops"),
            Figure("dense_MACs", float(ops.dense_macs), "count", "ops"),
            Figure("activation_sparsity", ops.activation_sparsity, "ratio"),
            Figure("connection_sparsity", ops.connection_sparsity, "ratio"),
            Figure("footprint_bytes", float(record.bit_budget.footprint_bytes), "static", "bytes")), ()


CONVENTION = Convention("events", SOURCE, needs_membranes=False, totals=totals)
