"""The connection layers of a network and their input at every call, shared by the conventions that
count per framework layer (``neurobench``, ``spikformer``, ``spikingjelly``).

A **connection layer** is a NIR ``Linear``/``Affine``/``Conv`` node kept on a projection's ``origin``,
or, without one, the projection itself as one ``Linear`` layer of ``pre.size`` inputs and
``post.size`` outputs. Its input ``[B, T, *input shape]`` is rebuilt from the recorded spikes of its
sources (:func:`neurosim.cost_model.conventions.neurobench.site_input`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosim.cost_model.conventions.base import RunRecord
from neurosim.cost_model.conventions.neurobench import _site_input, _sites, _Undefined
from neurosim.net.network import Population
from neurosim.net.origin import Layer

Undefined = _Undefined
"""Raised where a layer's calls cannot be rebuilt; its message says why."""


@dataclass(frozen=True)
class LayerCalls:
    """One connection layer and its input.

    Attributes
    ----------
    name : str
        The NIR node, or the projection.
    x : ndarray
        ``[B, T, *input shape]`` float64, the input at every call.
    in_features, out_features : int
        Inputs and outputs of one call of a sample (a conv: C_in x spatial, C_out x output spatial).
    dense : int
        Multiply-accumulates of one dense call of one sample: ``in x out`` for a Linear; for a conv
        ``k^2 x h_out x w_out x C_in / groups x C_out`` (every tap, padding included).
    kind : str
        ``"linear"`` or ``"conv"``.
    from_input : bool
        Whether it is fed by spike sources (the network's inputs) only, not by populations.
    layer : Layer or None
        The NIR node (its weights and geometry); ``None`` for a projection without an origin.
    """

    name: str
    x: np.ndarray
    in_features: int
    out_features: int
    dense: int
    kind: str
    from_input: bool
    layer: Layer | None = None


def layer_calls(record: RunRecord) -> list[LayerCalls]:
    """Every connection layer of ``record.network`` with its input (raises :data:`Undefined`)."""
    nodes = record.network.nodes
    out = []
    for site in _sites(record.network):
        x = _site_input(site, record)
        from_input = not any(isinstance(nodes[feed.source], Population) for feed in site.feeds)
        if site.layer is None:
            p = site.projection
            n_in, n_out = nodes[p.pre].size, nodes[p.post].size
            out.append(LayerCalls(site.name, x, n_in, n_out, n_in * n_out, "linear", from_input))
            continue
        w = np.asarray(site.layer.weight)
        n_in = int(np.prod(site.layer.input_shape))
        if site.layer.kind == "conv":
            spatial = int(np.prod(site.layer.output_shape[1:]))
            out.append(LayerCalls(site.name, x, n_in, int(np.prod(site.layer.output_shape)), int(w.size) * spatial,
                                  "conv", from_input, site.layer))
        else:
            lead = int(np.prod(x.shape[2:-1]))
            out.append(LayerCalls(site.name, x, n_in, int(w.shape[0]) * lead, int(w.size) * lead, "linear", from_input,
                                  site.layer))
    return out


def is_binary(x: np.ndarray) -> bool:
    """Whether every value is 0 or 1 (a spike tensor, for SpikingJelly and Spikformer)."""
    return bool(np.all((x == 0) | (x == 1)))
