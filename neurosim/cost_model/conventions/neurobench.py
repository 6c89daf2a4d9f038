"""The ``neurobench`` convention: NeuroBench 2.3.0's metric definitions, exactly.

Source: the ``neurobench`` package, version 2.3.0 (PyPI), as its code computes each metric (file by
file in ``docs/metrics.md``, section 1); J. Yik et al., "The neurobench framework for benchmarking
neuromorphic computing algorithms and systems", *Nature Communications* 2025 (arXiv:2304.04640).
Checked figure for figure against NeuroBench's own output in ``tests/data/neurobench/``.

NeuroBench sees an snnTorch model of the NIR graph's structure: its **connection layers** are the
``Affine``/``Linear``/``Conv`` nodes (PyTorch ``nn.Linear``/``nn.ConvNd``), its **neuron layers**
the populations; pooling and ``Flatten`` are neither. The B samples of the run are one batch, run
in parallel for T steps; each step is one **call** of every layer. Definitions:

* ``Footprint`` (bytes): every parameter (weights and biases, in the file's dtype) plus every
  buffer of the snnTorch neurons, taken before any run as ``Benchmark.run`` does: a ``Leaky``
  (NIR ``LIF``, or an ``LI`` readout, a ``Leaky`` with ``reset_mechanism="none"``) holds per-neuron
  float32 ``beta`` and ``threshold`` (the per-neuron tensors snnTorch's NIR export takes the node's
  shape from), a float32 ``graded_spikes_factor`` and an int64 ``reset_mechanism_val``: 8 n + 12
  bytes; its ``mem`` buffer is still empty. Other neuron models: undefined.
* ``ParameterCount``: entries of every weight and bias (zeros included). A NIR ``Conv`` always
  stores a bias (snnTorch exports a bias-free one as zeros), and it is counted.
* ``ConnectionSparsity``: zero weights / all weights of the connection layers (a conv kernel
  once), rounded to 4 decimals.
* ``ActivationSparsity``: 1 - non-zero outputs / outputs of every neuron layer at every step of
  every sample, a non-spiking readout included with its all-zero spike output.
* ``SynapticOperations``: per connection-layer call, its input (reconstructed exactly from the
  recorded spikes of the source layer, through the pooling, flatten or scale nodes between) and
  its weights are binarised (non-zero -> 1), the bias dropped, and the layer applied: the sum of
  the output is the call's effective operations (for a conv, in-bounds taps only). The whole call
  counts as ``Effective_ACs`` if every input value of the batch is in {-1, 0, 1}, else as
  ``Effective_MACs``. ``Dense``: the same with all-ones input and weights.
* ``MembraneUpdates``: per neuron layer, every neuron at the first step, then at each later step
  the neurons whose membrane after the step differs from the one before (``v`` probed every tick:
  one more simulation of the samples, B x T x neurons float64 kept; for the ``snntorch`` dialect's
  delayed reset ``v`` is snnTorch's ``mem``).
* ``NeuronOperations``: ``MembraneUpdates`` per layer (Effective Neuron Ops) and neurons x steps
  (Neuron Dense Ops), each times NeuroBench's cost of the layer's type and reset (``Leaky`` 4,
  ``Synaptic`` 6 subtract or 8 zero). A layer without an entry (a readout with reset ``"none"``)
  makes NeuroBench's metric raise, and NeuroBench then reports **0.0** for the whole metric: so
  does this convention, with a note.

Accumulated figures (SynapticOperations, MembraneUpdates, NeuronOperations) are totals over the
run divided by the executions (B samples, or B x T ticks with ``execution="tick"``).

Without the layer structure (a network built with the Python API, or whose projections lost their
``origin``), each projection stands for one ``Linear`` layer whose weights are its synapses: the
operation counts and sparsities are defined from the synapses; footprint and parameter count are
undefined; the notes say so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosim.cost_model.conventions.base import Convention, Figure, RunRecord
from neurosim.net.network import Population, Projection
from neurosim.net.origin import Layer

SOURCE = ("NeuroBench 2.3.0 (neurobench on PyPI); J. Yik et al., Nature Communications 2025, arXiv:2304.04640; "
          "docs/metrics.md")

# NeuroBench's neuron_ops_reset_operations (metrics/workload/neuron_operations.py), by snnTorch class and reset.
NEURON_OPS = {"Leaky": {"subtract": 4, "zero": 4}, "Synaptic": {"subtract": 6, "zero": 8}}
# neurosim model -> the snnTorch class a NIR export of it comes from.
SNNTORCH_CLASS = {"lif": "Leaky", "li": "Leaky", "cuba_lif": "Synaptic", "cuba_li": "Synaptic"}
# neurosim reset -> snnTorch reset_mechanism.
SNNTORCH_RESET = {"subtract": "subtract", "subtract_next": "subtract", "value": "zero", "none": "none"}
LEAKY_BUFFER_BYTES = (8, 12)  # per neuron (float32 beta, threshold), per layer (graded_spikes_factor, reset)


@dataclass(frozen=True)
class _Feed:
    """One input of a connection layer: ``source``'s output ``delay`` ticks earlier, through ``before``."""

    source: str
    before: tuple[Layer, ...]
    delay: int | None  # None: a NIR Delay node on the path, or synapses of different delays


@dataclass(frozen=True)
class _Site:
    """One NeuroBench connection layer: a NIR connection node, or a projection standing for one."""

    name: str
    layer: Layer | None  # None: a projection without origin, counted from its synapses
    feeds: tuple[_Feed, ...]
    projection: Projection | None = None


def totals(record: RunRecord) -> tuple[tuple[Figure, ...], tuple[str, ...]]:
    """NeuroBench's figures of ``record``, accumulated figures summed over the whole run."""
    net = record.network
    sites = _sites(net)
    structural = all(s.layer is not None for s in sites)
    pops = [k for k, node in net.nodes.items() if isinstance(node, Population)]
    figures = [*_static(net, sites, pops, structural), _activation_sparsity(record, pops),
               *_synaptic_operations(sites, record), *_membrane_figures(record, pops)]
    notes = []
    if not structural:
        notes.append("no NIR layer structure for some projections: each stands for one Linear layer of its "
                     "synapses (NeuroBench's figures of the framework model may differ); footprint and parameter "
                     "count undefined")
    notes.append(f"one call = one tick of one connection layer over the {record.samples} sample(s) of the run as "
                 "one batch (NeuroBench decides AC or MAC per batch call)")
    return tuple(figures), tuple(notes)


# -- the layers ----------------------------------------------------------------------------------------------


class _Undefined(Exception):
    """A figure this convention cannot define for the model; the message says why (it becomes the figure's note)."""


def _synaptic_operations(sites: list[_Site], record: RunRecord) -> list[Figure]:
    names = ("SynapticOperations.Effective_MACs", "SynapticOperations.Effective_ACs", "SynapticOperations.Dense")
    acs = macs = dense = 0.0
    try:
        for site in sites:
            ops, spiking, dense_calls = _site_ops(site, record)
            acs += float(ops[spiking].sum())
            macs += float(ops[~spiking].sum())
            dense += dense_calls
    except _Undefined as why:
        return [Figure(n, None, "count", "ops", str(why)) for n in names]
    return [Figure(names[0], macs, "count", "ops"), Figure(names[1], acs, "count", "ops"),
            Figure(names[2], dense, "count", "ops")]


def _sites(net) -> list[_Site]:
    """The connection layers and their inputs, from the projections' origins (or the projections)."""
    found: dict[str, dict] = {}
    layers: dict[str, Layer] = {}
    sites = []
    for proj in net.projections.values():
        if proj.origin is None:
            sites.append(_Site(proj.name, None, (_Feed(proj.pre, (), _uniform_delay(proj)),), proj))
            continue
        for path in proj.origin.paths:
            delay = None if any(layer.kind == "delay" for layer in path) else _uniform_delay(proj)
            for i, layer in enumerate(path):
                if layer.is_connection:
                    layers[layer.node] = layer
                    found.setdefault(layer.node, {})[(proj.pre, tuple(x.node for x in path[:i]))] = \
                        _Feed(proj.pre, path[:i], delay)
    sites += [_Site(name, layers[name], tuple(feeds.values())) for name, feeds in found.items()]
    return sites


def _uniform_delay(proj: Projection) -> int | None:
    """The delay of every synapse of ``proj`` (``None`` when they differ)."""
    delays = np.unique(proj.delay)
    if delays.size > 1:
        return None
    return int(delays[0]) if delays.size else 0


def _site_input(site: _Site, record: RunRecord) -> np.ndarray:
    """``[B, T, *input shape]``: the connection layer's input at every call, summed over its feeds."""
    total = None
    for feed in site.feeds:
        if feed.delay is None:
            raise _Undefined(f"layer '{site.name}': the path from '{feed.source}' holds a NIR Delay node (or synapses of "
                             "different delays), which has no NeuroBench counterpart, so its calls are not defined")
        x = record.spikes(feed.source)
        if feed.delay:
            x = np.concatenate([np.zeros_like(x[:, :feed.delay]), x[:, :-feed.delay]], axis=1)[:, :x.shape[1]]
        shape = feed.before[0].input_shape if feed.before else (site.layer.input_shape if site.layer else x.shape[2:])
        x = x.reshape(x.shape[:2] + tuple(shape))
        for layer in feed.before:
            x = _forward(layer, x)
        total = x if total is None else total + x
    return total


def _site_ops(site: _Site, record: RunRecord) -> tuple[np.ndarray, np.ndarray, float]:
    """(effective operations of each call [T], whether each call is spiking [T], dense operations of all calls)."""
    x = _site_input(site, record)
    b, t = x.shape[:2]
    spiking = np.all((x == 0) | (x == 1) | (x == -1), axis=(0,) + tuple(range(2, x.ndim)))
    nonzero = (x != 0).astype(np.float64)
    if site.layer is None:
        proj, nodes = site.projection, record.network.nodes
        return _synapse_ops(proj, nonzero), spiking, float(b * t * nodes[proj.pre].size * nodes[proj.post].size)
    w = np.asarray(site.layer.weight)
    if site.layer.kind == "conv":
        ops = _conv_count(nonzero, w != 0, site.layer)
        dense = _conv_count(np.ones((1, 1) + nonzero.shape[2:]), np.ones(w.shape, bool), site.layer)[0]
    else:
        ops = _linear_count(nonzero, w != 0)
        lead = int(np.prod(nonzero.shape[2:-1]))
        dense = float(w.size * lead)
    return ops, spiking, float(dense) * b * t


def _linear_count(nonzero: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per call: sum over outputs of the (non-zero input, non-zero weight) pairs; ``mask`` [out, in]."""
    fan_out = mask.sum(axis=0).astype(np.float64)  # non-zero weights per input
    return (nonzero * fan_out).reshape(nonzero.shape[0], nonzero.shape[1], -1).sum(axis=(0, 2))


def _synapse_ops(proj: Projection, nonzero: np.ndarray) -> np.ndarray:
    """Per call: synapses of non-zero weight whose pre neuron's input is non-zero."""
    fan_out = np.bincount(proj.pre_idx, weights=(proj.weight != 0).astype(np.float64), minlength=proj.pre_ptr.size - 1)
    return (nonzero.reshape(nonzero.shape[0], nonzero.shape[1], -1) * fan_out).sum(axis=(0, 2))


def _windows(x: np.ndarray, layer: Layer):
    """Yield (kernel offset, ``x`` zero-padded and sliced to the output positions of that tap):
    ``x`` is ``[..., C, *spatial]``; each slice is ``[..., C, *out_spatial]``."""
    d = len(layer.kernel)
    pad = [(0, 0)] * (x.ndim - d) + [tuple(p) for p in layer.padding]
    xp = np.pad(x, pad)
    out_sp = layer.output_shape[1:]
    for koff in np.ndindex(*layer.kernel):
        index = [slice(None)] * (x.ndim - d)
        for dim in range(d):
            start = koff[dim] * layer.dilation[dim]
            index.append(slice(start, start + layer.stride[dim] * (out_sp[dim] - 1) + 1, layer.stride[dim]))
        yield koff, xp[tuple(index)]


def _conv_count(nonzero: np.ndarray, mask: np.ndarray, layer: Layer) -> np.ndarray:
    """Per call [T]: the sum of a convolution of ``nonzero`` [B, T, C_in, *spatial] with ``mask``
    [C_out, C_in / groups, *K], zero padding counting nothing."""
    c_out, c_in_g = mask.shape[:2]
    group_of_out = np.arange(c_out) // (c_out // layer.groups)
    ops = np.zeros(nonzero.shape[1])
    for koff, window in _windows(nonzero, layer):
        per_channel = window.reshape(window.shape[0], window.shape[1], window.shape[2], -1).sum(axis=(0, 3))  # [T, C_in]
        taps = mask[(slice(None), slice(None)) + koff]  # [C_out, C_in/groups]
        for g in range(layer.groups):
            outs = group_of_out == g
            ops += per_channel[:, g * c_in_g:(g + 1) * c_in_g] @ taps[outs].sum(axis=0).astype(np.float64)
    return ops


def _forward(layer: Layer, x: np.ndarray) -> np.ndarray:
    """The values of stateless ``layer`` applied to ``x`` [B, T, *input shape] (float64)."""
    lead = x.shape[:2]
    if layer.kind == "flatten":
        return x.reshape(lead + layer.output_shape)
    if layer.kind in ("sum_pool", "avg_pool"):
        out = np.zeros(lead + layer.output_shape)
        for _, window in _windows(x, layer):
            out += window
        return out / np.prod(layer.kernel) if layer.kind == "avg_pool" else out
    if layer.kind == "scale":
        return x * np.broadcast_to(np.asarray(layer.weight, np.float64).reshape(-1), (x[0, 0].size,)).reshape(
            layer.input_shape)
    if layer.kind in ("linear", "affine"):
        y = x @ np.asarray(layer.weight, np.float64).T
        return y + np.asarray(layer.bias, np.float64) if layer.bias is not None else y
    if layer.kind == "conv":
        w = np.asarray(layer.weight, np.float64)
        c_out, c_in_g = w.shape[:2]
        out = np.zeros(lead + layer.output_shape)
        for koff, window in _windows(x, layer):
            for co in range(c_out):
                g = co // (c_out // layer.groups)
                out[:, :, co] += np.tensordot(window[:, :, g * c_in_g:(g + 1) * c_in_g],
                                              w[(co, slice(None)) + koff], axes=([2], [0]))
        if layer.bias is not None:
            out += np.asarray(layer.bias, np.float64).reshape((-1,) + (1,) * (len(layer.output_shape) - 1))
        return out
    raise _Undefined(f"NIR node '{layer.node}' ({layer.nir_type}) lies before a connection layer: its output "
                     "(the layer's input) is not reconstructed")


# -- static figures ------------------------------------------------------------------------------------------


def _static(net, sites: list[_Site], pops: list[str], structural: bool) -> list[Figure]:
    if structural:
        weights = [np.asarray(s.layer.weight) for s in sites]
        count = sum(s.layer.parameter_count for s in sites)
        param_bytes = sum(s.layer.parameter_bytes for s in sites)
        zeros, size = sum(int(np.sum(w == 0)) for w in weights), sum(int(w.size) for w in weights)
    else:
        zeros = size = 0
        for s in sites:
            p = s.projection
            pairs = net.nodes[p.pre].size * net.nodes[p.post].size
            zeros, size = zeros + pairs - int(np.count_nonzero(p.weight)), size + pairs
    sparsity = Figure("ConnectionSparsity", round(zeros / size, 4) if size else None, "ratio",
                      note="" if size else "no connection layer")
    if not structural:
        why = "needs the NIR layer structure"
        return [Figure("Footprint", None, "static", "bytes", why), Figure("ParameterCount", None, "static", note=why),
                sparsity]
    buffers, unknown = 0, []
    for k in pops:
        if SNNTORCH_CLASS.get(net.nodes[k].model.name) == "Leaky":
            buffers += LEAKY_BUFFER_BYTES[0] * net.nodes[k].size + LEAKY_BUFFER_BYTES[1]
        else:
            unknown.append(f"'{k}' ({net.nodes[k].model.name})")
    footprint = Figure("Footprint", float(param_bytes + buffers), "static", "bytes") if not unknown else \
        Figure("Footprint", None, "static", "bytes", f"snnTorch buffers of {', '.join(unknown)} not modelled")
    return [footprint, Figure("ParameterCount", float(count), "static"), sparsity]


# -- neuron layers -------------------------------------------------------------------------------------------


def _activation_sparsity(record: RunRecord, pops: list[str]) -> Figure:
    slots = nonzero = 0
    for k in pops:
        s = record.spikes(k)
        slots += s.size
        nonzero += int(np.count_nonzero(s))
    return Figure("ActivationSparsity", (slots - nonzero) / slots if slots else None, "ratio")


def _membrane_figures(record: RunRecord, pops: list[str]) -> list[Figure]:
    names = ("MembraneUpdates", "NeuronOperations.Effective Neuron Ops", "NeuronOperations.Neuron Dense Ops")
    missing = [k for k in pops if record.membranes is None or k not in record.membranes]
    if missing:
        why = f"needs the membranes of every population probed (missing: {', '.join(missing)})"
        return [Figure(n, None, "count", "ops" if i else "", why) for i, n in enumerate(names)]
    updates, effective, dense, failed, unknown = 0.0, 0.0, 0.0, [], []
    net = record.network
    for k in pops:
        v = np.asarray(record.membranes[k])
        b, t, n = v.shape
        layer = b * n + int(np.count_nonzero(v[:, 1:] - v[:, :-1]))
        updates += layer
        cls = SNNTORCH_CLASS.get(net.nodes[k].model.name)
        if cls is None:
            unknown.append(k)
            continue
        reset = _reset(net.nodes[k])
        cost = NEURON_OPS[cls].get(reset)
        if cost is None:
            failed.append(f"'{k}' ({cls}, reset_mechanism '{reset}')")
            continue
        effective += layer * cost
        dense += b * t * n * cost
    ops = [Figure(names[0], updates, "count")]
    if unknown:
        why = f"no snnTorch neuron class for population(s) {', '.join(unknown)}"
        return ops + [Figure(n, None, "count", "ops", why) for n in names[1:]]
    if failed:
        why = (f"NeuroBench 2.3.0 has no cost for {', '.join(failed)}: its metric raises KeyError and it reports 0.0 "
               "for the whole metric, as here")
        return ops + [Figure(n, 0.0, "count", "ops", why) for n in names[1:]]
    return ops + [Figure(names[1], effective, "count", "ops"), Figure(names[2], dense, "count", "ops")]


def _reset(pop: Population) -> str:
    """snnTorch's reset_mechanism of a population (``"none"`` for a model without reset)."""
    if "reset" not in pop.model.param_names:
        return "none"
    choices = next(p.choices for p in pop.model.params if p.name == "reset")
    codes = np.unique(pop.param("reset"))
    names = {SNNTORCH_RESET[choices[int(c)]] for c in codes}
    return names.pop() if len(names) == 1 else "mixed"


CONVENTION = Convention("neurobench", SOURCE, needs_membranes=True, totals=totals)
