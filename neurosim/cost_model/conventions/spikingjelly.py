"""The ``spikingjelly`` convention: SpikingJelly 2.0.0's operation counters on the connection layers.

Source: the ``spikingjelly`` package, version 2.0.0, ``spikingjelly/activation_based/op_counter/``:
``synop.py`` (``SynOpCounter``, whose Linear/conv rules are ``ac.py``'s ``_spike_mm``/``_spike_addmm``)
and ``mac.py`` (``MACCounter``, ``_mac_mm``/``_mac_addmm``); the energy is the compute part of
``simple_energy.py``'s ``SimpleEnergyProfiler`` restricted to those two counters. Checked against
SpikingJelly's own counters in ``tests/data/spikingjelly/`` (``tools/make_spikingjelly_references.py``).

Per call of a ``Linear`` layer (one time step of the B samples, one ``mm``/``addmm`` of ``x [B, in]``
and ``W^T``):

* a tensor is a **spike tensor** when every value is 0 or 1 (``_spike_nnz``; -1 is not a spike);
* a spike input: ``SynOps += nnz(x) x out`` (every weight of the fan-out counts, zero weights
  included: unlike NeuroBench, the weights are not binarised), ``MACs += 0``;
* any other input: ``MACs += B x in x out`` (``_mac_addmm``: ``m n k``), ``SynOps += 0``;
* the bias is neither; ``energy_J = MACs x E_MAC + SynOps x E_AC`` with the run's energy preset
  (SpikingJelly's default ``SimpleEnergyCostConfig.fp32()`` is ``horowitz45_fp32``).

Not reproduced: ``ACCounter``'s adds inside neurons, BatchNorm and element-wise ops, and
``SimpleEnergyProfiler``'s memory traffic, so ``energy_J`` is SpikingJelly's ``energy_compute_pj``
only where the model has no such adds. Conv layers are not counted (``_spike_convolution`` counts
per output position through an actual convolution): the figures are undefined, with a note.
"""
from __future__ import annotations

import numpy as np

from neurosim.cost_model.conventions.base import Convention, Figure, RunRecord
from neurosim.cost_model.conventions.layer_calls import Undefined, is_binary, layer_calls

SOURCE = ("SpikingJelly 2.0.0 op_counter (SynOpCounter, MACCounter; SimpleEnergyProfiler's compute energy); "
          "docs/metrics.md, section 3")


def totals(record: RunRecord) -> tuple[tuple[Figure, ...], tuple[str, ...]]:
    """SynOps, MACs and their energy summed over every call of the run."""
    names = ("SynOps", "MACs", "energy_J")
    try:
        calls = layer_calls(record)
        conv = [c.name for c in calls if c.kind == "conv"]
        if conv:
            raise Undefined(f"conv layer(s) {', '.join(conv)}: SpikingJelly's conv rule is not reproduced here")
    except Undefined as why:
        return tuple(Figure(n, None, "count", "J" if n == "energy_J" else "ops", str(why)) for n in names), ()
    synops = macs = 0.0
    for layer in calls:
        for t in range(layer.x.shape[1]):
            x = layer.x[:, t]
            if is_binary(x):
                synops += float(np.count_nonzero(x)) * layer.dense / layer.in_features  # x fan-out
            else:
                macs += float(x.shape[0]) * layer.dense
    p = record.preset
    note = f"E_MAC {p.e_mac_J:g} J, E_AC {p.e_ac_J:g} J: preset '{p.name}'"
    return (Figure(names[0], synops, "count", "ops"), Figure(names[1], macs, "count", "ops"),
            Figure(names[2], macs * p.e_mac_J + synops * p.e_ac_J, "count", "J", note)), ()


CONVENTION = Convention("spikingjelly", SOURCE, needs_membranes=False, totals=totals)
