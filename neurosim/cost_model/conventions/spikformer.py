"""The ``spikformer`` convention: the theoretical energy of the spiking-transformer papers.

Source: Z. Zhou et al., "Spikformer: When Spiking Neural Network Meets Transformer", ICLR 2023
(arXiv:2209.15425), energy estimate of its appendix, as restated in the same form by M. Yao et al.,
"Spike-driven Transformer", NeurIPS 2023 (arXiv:2307.01694), supplementary "Energy Consumption
Analysis Details", eqs. (S1) ``FL_Conv = k^2 h w c_in c_out`` and (S2) ``FL_MLP = i o``, and by
FWformer (arXiv:2403.18228), appendix eqs. (1)-(2), which cites both. Spikformer's own section was
not readable from this project; the restatements agree::

    SOPs(l) = fr_l x T x FLOPs(l)                          (fr_l: the firing rate of layer l's input)
    E       = E_MAC x FLOPs(encoding layer) + E_AC x sum over the other layers of SOPs(l)

Definitions here:

* **FLOPs(l)**: the multiply-accumulates of one dense call of the layer (:class:`LayerCalls.dense`:
  ``in x out`` for a Linear, ``k^2 h_out w_out c_in/groups c_out`` for a conv, every tap).
* **encoding layer**: a connection layer fed by the network's inputs (spike sources, not
  populations) with some value outside {0, 1}: the static image or other real-valued input of the
  first layer. Its MACs are FLOPs
  ``once per sample`` (the papers feed the same static image at every step and compute the first
  conv once: FWformer, appendix, "used for the first layer to convert static images into spike
  trains"); the convention ``spikformer-per-step`` counts them once per time step instead (T x).
  A first layer fed with event data (binary) is a spiking layer, as the papers count it.
* **SOPs**: for every other layer (a spiking layer), ``fr x T x FLOPs`` per sample, with ``fr`` the
  fraction of non-zero entries of its input over the T steps, which is exactly ``non-zero inputs x
  FLOPs / in`` (spikes x fan-out). A layer after average pooling sees the pooled values: its
  non-zero pooled inputs count, as the papers count the input tensor of each layer.
* **E_MAC, E_AC**: the run's energy preset (:mod:`neurosim.cost_model.energy_presets`; default
  ``horowitz45_fp32``: 4.6 pJ and 0.9 pJ, Horowitz ISSCC 2014, 45 nm).
* Host operations (``Network.host_op``) are added at E_MAC: ``energy_J`` = ``energy_snn_J`` +
  ``host.energy_J``.

Neuron updates, memory traffic and the chip are not part of this convention, as in the papers.
"""
from __future__ import annotations

import numpy as np

from neurosim.cost_model.conventions.base import Convention, Figure, RunRecord, host_figures
from neurosim.cost_model.conventions.layer_calls import Undefined, is_binary, layer_calls

SOURCE = ("Spikformer (Zhou et al., ICLR 2023, arXiv:2209.15425) theoretical energy, as restated by Spike-driven "
          "Transformer (Yao et al., NeurIPS 2023, arXiv:2307.01694, eqs. S1-S2); docs/metrics.md, section 3")


def _totals(record: RunRecord, encoding_per_step: bool) -> tuple[tuple[Figure, ...], tuple[str, ...]]:
    names = ("FLOPs_encoding", "SOPs", "energy_snn_J", "energy_J")
    try:
        calls = layer_calls(record)
    except Undefined as why:
        return tuple(Figure(n, None, "count", "J" if n.startswith("energy") else "ops", str(why)) for n in names), ()
    flops = sops = 0.0
    encoding = []
    for layer in calls:
        if not (layer.from_input and not is_binary(layer.x)):
            sops += float(np.count_nonzero(layer.x)) * layer.dense / layer.in_features
        else:
            encoding.append(layer.name)
            flops += layer.dense * record.samples * (record.ticks_per_sample if encoding_per_step else 1)
    p = record.preset
    snn = flops * p.e_mac_J + sops * p.e_ac_J
    host = host_figures(record)
    total = snn + (host[-1].value if host else 0.0)
    per = "per time step" if encoding_per_step else "once per sample"
    notes = (f"encoding layer(s), fed by real-valued network input, FLOPs counted {per}: {', '.join(encoding) or 'none'}",
             f"E_MAC {p.e_mac_J:g} J, E_AC {p.e_ac_J:g} J: preset '{p.name}' ({p.source})")
    return (Figure(names[0], flops, "count", "ops"), Figure(names[1], sops, "count", "ops"),
            Figure(names[2], snn, "count", "J"), Figure(names[3], total, "count", "J", "SNN + host operations")), notes


CONVENTION = Convention("spikformer", SOURCE, needs_membranes=False,
                        totals=lambda record: _totals(record, encoding_per_step=False))
PER_STEP = Convention("spikformer-per-step", SOURCE + "; encoding layer counted at every time step",
                      needs_membranes=False, totals=lambda record: _totals(record, encoding_per_step=True))
