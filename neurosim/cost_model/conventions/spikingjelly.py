"""The ``spikingjelly`` convention: SpikingJelly 2.0.0's operation counters on the connection layers.

Source: the ``spikingjelly`` package, version 2.0.0, ``spikingjelly/activation_based/op_counter/``:
``synop.py`` (``SynOpCounter``, whose Linear/conv rules are ``ac.py``'s ``_spike_mm``/``_spike_addmm``)
and ``mac.py`` (``MACCounter``, ``_mac_mm``/``_mac_addmm``); the energy is the compute part of
``simple_energy.py``'s ``SimpleEnergyProfiler`` restricted to those two counters. Checked against
SpikingJelly's own counters in ``tests/data/spikingjelly/`` (``tools/make_spikingjelly_references.py``).

Per call of a connection layer (one time step of the B samples: one ``mm``/``addmm`` of ``x [B, in]``
and ``W^T``, or one ``convolution``):

* a tensor is a **spike tensor** when every value is 0 or 1 (``_spike_nnz``; -1 is not a spike);
* a spike input: ``SynOps +=`` the weights it reaches, zero weights included (unlike NeuroBench,
  the weights are not binarised): a Linear ``nnz(x) x out`` (``_spike_mm``/``_spike_addmm``); a conv
  the sum over output positions of the non-zero inputs in the window, times ``C_out / groups``
  (``_spike_convolution``, ``neuromorphic_memory_access._spike_conv_weight_uses_from_tensors``: a
  convolution with an all-ones kernel, so zero padding counts nothing); ``MACs += 0``;
* a spike input through a layer whose weights are all 0 or 1 too: ``SynOps +=`` the sum of the
  layer's output without bias (the (spike, weight-1) pairs); a non-spike input through such
  weights: ``SynOps += nnz(W) x`` rows (``B``, or ``B x`` output positions of a conv);
* any other input: ``MACs +=`` ``B x in x out`` for a Linear (``_mac_addmm``: ``m n k``), ``B x C_out
  x C_in / groups x prod(kernel) x`` output positions for a conv (``_mac_convolution``: every tap,
  padding included), ``SynOps += 0``;
* the bias is neither; pooling, flatten and the neurons have no SynOp or MAC rule (an ``AvgPool``
  only makes the next layer's input non-binary: its calls are then MAC calls);
* ``energy_J = MACs x E_MAC + SynOps x E_AC`` with the run's energy preset (SpikingJelly's default
  ``SimpleEnergyCostConfig.fp32()`` is ``horowitz45_fp32``).

Not reproduced: ``ACCounter``'s adds inside neurons, pooling and BatchNorm, element-wise ops, and
``SimpleEnergyProfiler``'s memory traffic, so ``energy_J`` is SpikingJelly's ``energy_compute_pj``
only where the model has no such adds. A projection built without a NIR origin is one Linear layer
whose weights are taken as not binary. Checked against SpikingJelly's own counters on
``tests/data/spikingjelly/linear_lif`` and ``conv_pool``
(``tools/make_spikingjelly_op_references.py``).
"""
from __future__ import annotations

import numpy as np

from neurosim.cost_model.conventions.base import Convention, Figure, RunRecord
from neurosim.cost_model.conventions.layer_calls import LayerCalls, Undefined, is_binary, layer_calls
from neurosim.cost_model.conventions.neurobench import _conv_count

SOURCE = ("SpikingJelly 2.0.0 op_counter (SynOpCounter, MACCounter; SimpleEnergyProfiler's compute energy); "
          "docs/metrics.md, section 3")


def totals(record: RunRecord) -> tuple[tuple[Figure, ...], tuple[str, ...]]:
    """SynOps, MACs and their energy summed over every call of the run."""
    names = ("SynOps", "MACs", "energy_J")
    try:
        calls = layer_calls(record)
    except Undefined as why:
        return tuple(Figure(n, None, "count", "J" if n == "energy_J" else "ops", str(why)) for n in names), ()
    synops = macs = 0.0
    for layer in calls:
        for t in range(layer.x.shape[1]):
            s, m = _call_counts(layer, layer.x[:, t:t + 1])
            synops += s
            macs += m
    p = record.preset
    note = f"E_MAC {p.e_mac_J:g} J, E_AC {p.e_ac_J:g} J: preset '{p.name}'"
    return (Figure(names[0], synops, "count", "ops"), Figure(names[1], macs, "count", "ops"),
            Figure(names[2], macs * p.e_mac_J + synops * p.e_ac_J, "count", "J", note)), ()


def _call_counts(layer: LayerCalls, x: np.ndarray) -> tuple[float, float]:
    """(SynOps, MACs) of one call: ``x`` is ``[B, 1, *input shape]`` (the module docstring's rules)."""
    w = None if layer.layer is None else np.asarray(layer.layer.weight, np.float64)
    spike_x, spike_w = is_binary(x), w is not None and is_binary(w)
    if spike_x and spike_w:
        if layer.kind == "conv":
            return float(_conv_count(x, w != 0, layer.layer).sum()), 0.0
        return float((x @ w.T).sum()), 0.0
    if spike_x:
        if layer.kind == "conv":
            return float(_conv_count(x, np.ones(w.shape, bool), layer.layer).sum()), 0.0
        return float(np.count_nonzero(x)) * layer.dense / layer.in_features, 0.0  # x fan-out
    if spike_w:  # rows of the mm (B x leading positions) or B x output positions of a conv
        return float(np.count_nonzero(w)) * x.shape[0] * layer.out_features // w.shape[0], 0.0
    return 0.0, float(x.shape[0]) * layer.dense


CONVENTION = Convention("spikingjelly", SOURCE, needs_membranes=False, totals=totals)
