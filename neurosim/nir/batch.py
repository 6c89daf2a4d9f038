"""A NIR model and its input samples, simulated sample by sample on any compilation.

:func:`neurosim.workflows.run.run_nir` chains loading, placement, simulation and costing for one chip;
design-space sweeps (:mod:`neurosim.workflows.sweep`) need the steps apart: load and check the samples once,
simulate them on a compilation of their choosing (a placement, or the refinement of several,
:mod:`neurosim.cost_model.reroute`) and cost each point with its own profile. Both go through
:class:`NirBatch`: every sample runs from the reset state, the runs are concatenated into one
``SimResult`` of ``B x T`` ticks, and the prediction is the argmax of the output node's spike counts
(or of its mean membrane for a non-spiking readout such as ``LI``, ``CubaLI`` or ``I``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from neurosim.compile.compiled import CompiledNetwork
from neurosim.engine.counters import Counters
from neurosim.engine import Chunk, SimResult, simulate
from neurosim.errors import ModelError
from neurosim.net.network import Network, SpikeSource

# Keys of an input file that are not graph inputs: true labels (accuracy) and a reference
# framework's own predictions and output spike counts (agreement), as in neurosim/data/digits_samples.npz.
LABEL_KEYS = ("labels", "reference_predictions", "reference_counts")


@dataclass(frozen=True, eq=False)
class NirBatch:
    """B input samples of T ticks for a NIR model: ``network`` holds them back to back (``B * T``)."""

    network: Network = field(repr=False)
    data: dict = field(repr=False)  # {source: [B, T, N]}
    labels: np.ndarray | None = field(repr=False)
    samples: int
    ticks_per_sample: int
    output_node: str
    potential: tuple[str, ...]  # non-spiking populations: their membrane v is probed and is their output
    shapes: dict = field(repr=False)  # {population: shape of the NIR node, without batch and time}

    def simulate(self, compiled: CompiledNetwork, *, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None,
                 on_chunk: Callable[[int], Callable[[Chunk], None] | None] | None = None,
                 keep_tick_groups: bool | None = None) -> tuple[SimResult, list[SimResult]]:
        """(the runs concatenated, the run of each sample) of every sample on ``compiled``.

        ``compiled`` is a compilation of :attr:`network`, or of a copy with other weights (quantised)
        or delays (raised). ``progress(done, total)`` counts ticks over all samples; ``on_chunk(offset)``
        gives the chunk callback of the sample starting at tick ``offset`` of the whole run.
        """
        runs, n_ticks, total = [], self.ticks_per_sample, self.samples * self.ticks_per_sample
        for b in range(self.samples):
            one = replace(compiled, network=_with_sample(compiled.network, self.data, b))
            step = None if progress is None else (lambda done, _t, b=b: progress(b * n_ticks + done, total))
            runs.append(simulate(one, n_ticks, probe=self.potential, seed=seed, progress=step,
                                 on_chunk=None if on_chunk is None else on_chunk(b * n_ticks),
                                 keep_tick_groups=keep_tick_groups))
        return _concatenate(runs, compiled), runs

    def outputs(self, runs: list[SimResult]) -> dict[str, np.ndarray]:
        """``{population: [B, T, *shape]}``: spikes of spiking nodes (uint8 when they are counts), membrane
        ``v`` of the non-spiking ones."""
        outputs = {}
        for k, shape in self.shapes.items():
            if k in self.potential:
                arr = np.stack([r.state(k, "v") for r in runs])
            else:
                arr = np.stack([r.spike_matrix(k) for r in runs])
                if np.all((arr >= 0) & (arr <= 255) & (arr == np.round(arr))):
                    arr = arr.astype(np.uint8)
            outputs[k] = arr.reshape(self.samples, self.ticks_per_sample, *shape)
        return outputs

    def predict(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        """``[B]`` classes: argmax of the output node's spike counts, or of its mean membrane."""
        score = outputs[self.output_node].reshape(self.samples, self.ticks_per_sample, -1).astype(np.float64)
        return (score.mean(axis=1) if self.output_node in self.potential else score.sum(axis=1)).argmax(axis=1)

    def run(self, compiled: CompiledNetwork, seed: int = 0) -> tuple[SimResult, float | None]:
        """(the concatenated run, accuracy or ``None`` without labels) of every sample on ``compiled``."""
        result, runs = self.simulate(compiled, seed=seed)
        predictions = self.predict({self.output_node: self.outputs(runs)[self.output_node]})
        accuracy = None if self.labels is None else float(np.mean(predictions == self.labels))
        return result, accuracy


def load_batch(model: str | os.PathLike | Any, inputs: Any, dialect: str = "nir", *, dt: float | None = None,
               labels: Any = None, ticks: int | None = None, samples: int | None = None) -> NirBatch:
    """Load ``model`` (a ``.nir`` path or ``nir.NIRGraph``) with ``inputs`` checked against its input nodes.

    ``inputs``, ``labels``, ``ticks`` and ``samples`` mean what they mean for
    :func:`~neurosim.workflows.run.run_nir`; ``inputs=None`` runs one sample of ``ticks`` ticks of silence.

    Raises
    ------
    ModelError
        For a missing or unreadable model, inputs that do not match its input nodes, or no input
        and no ``ticks``.
    """
    from neurosim.nir import load_nir, with_inputs
    from neurosim.nir.load import _read

    graph, stem = _read(model)
    net = load_nir(graph, dialect=dialect, dt=dt, name=stem)
    if inputs is None:
        if ticks is None:
            raise ModelError("a NIR model needs inputs, or ticks to run on silence")
        inputs = {k: np.zeros((1, 1, node.size)) for k, node in net.nodes.items() if isinstance(node, SpikeSource)}
    data, labels = _sample_inputs(graph, net, inputs, labels, ticks, samples)
    n_samples, n_ticks = next(iter(data.values())).shape[:2]
    full = with_inputs(net, {k: v.reshape(n_samples * n_ticks, -1) for k, v in data.items()})
    pops = [k for k, node in full.nodes.items() if not isinstance(node, SpikeSource)]
    potential = tuple(k for k in pops if not full.nodes[k].model.spiking)
    shapes = {k: _node_shape(graph, k, full.nodes[k].size) for k in pops}
    return NirBatch(full, data, labels, int(n_samples), int(n_ticks), _output_node(graph, pops), potential, shapes)


def _with_sample(network: Network, data: dict, b: int) -> Network:
    from neurosim.nir import with_inputs

    return with_inputs(network, {k: v[b] for k, v in data.items()})


def _sample_inputs(graph, net: Network, inputs, labels, ticks: int | None,
                   samples: int | None) -> tuple[dict, np.ndarray | None]:
    """``{source: float64 [B, T, N]}`` and the labels, checked, with one-line errors."""
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, (int, np.integer))
                                or samples < 1):
        raise ModelError(f"samples must be a positive integer, got {samples!r}")
    sources = [k for k, node in net.nodes.items() if isinstance(node, SpikeSource)]
    if not isinstance(inputs, dict):
        inputs = {"x": inputs}
    inputs = dict(inputs)
    if labels is None and "labels" in inputs:
        labels = inputs["labels"]
    inputs = {k: v for k, v in inputs.items() if k not in LABEL_KEYS}
    if len(sources) == 1 and set(inputs) == {"x"}:
        inputs = {sources[0]: inputs["x"]}
    names = ", ".join(sources) or "none"
    for key in inputs:
        if key not in sources:
            hint = " or x" if len(sources) == 1 else ""
            raise ModelError(f"input '{key}' is not an input node of the model (input nodes: {names}{hint})")
    missing = [k for k in sources if k not in inputs]
    if missing:
        raise ModelError(f"no input for input node(s) {', '.join(missing)} (input nodes: {names})")
    if not sources:
        raise ModelError("the model has no Input node")
    data = {}
    for k in sources:
        shape = _node_shape(graph, k, net.nodes[k].size)
        arr = np.asarray(inputs[k])
        if arr.dtype.kind not in "biuf":
            raise ModelError(f"input '{k}': dtype {arr.dtype} is not numeric")
        if arr.shape[arr.ndim - len(shape):] != shape or arr.ndim not in (len(shape) + 1, len(shape) + 2):
            want = ", ".join(str(s) for s in shape)
            raise ModelError(f"input '{k}': shape {arr.shape}, expected [T, {want}] or [B, T, {want}] "
                             f"(input node '{k}' has shape ({want}))")
        if arr.ndim == len(shape) + 1:
            arr = arr[None]
        arr = arr.reshape(arr.shape[0], arr.shape[1], -1)[:samples].astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ModelError(f"input '{k}': contains NaN or infinite values")
        data[k] = arr
    batch = {k: v.shape[:2] for k, v in data.items()}
    if len(set(batch.values())) != 1:
        raise ModelError("inputs differ in [B, T]: " + ", ".join(f"{k} {list(s)}" for k, s in batch.items()))
    n_samples, n_ticks = next(iter(batch.values()))
    if n_samples < 1:
        raise ModelError("the inputs hold no sample (B = 0)")
    if ticks is not None:
        if isinstance(ticks, bool) or not isinstance(ticks, (int, np.integer)) or ticks < 1:
            raise ModelError(f"ticks must be a positive integer, got {ticks!r}")
        pad = max(0, ticks - n_ticks)
        data = {k: np.pad(v[:, :ticks], ((0, 0), (0, pad), (0, 0))) for k, v in data.items()}
    elif n_ticks < 1:
        raise ModelError("the inputs hold no time step (T = 0); pass ticks to run on silence")
    if labels is not None:
        labels = np.asarray(labels)[:samples]
        if labels.shape != (n_samples,) or labels.dtype.kind not in "biu":
            raise ModelError(f"labels: shape {labels.shape} dtype {labels.dtype}, expected {n_samples} integers "
                             f"(one class per sample)")
    return data, labels


def _node_shape(graph, key: str, size: int) -> tuple[int, ...]:
    """Shape of NIR node ``key`` (without batch and time) when the graph states it, else ``(size,)``."""
    node = graph.nodes.get(key) if "." not in key else None
    for attr, port in (("output_type", "output"), ("input_type", "input")):
        shape = (getattr(node, attr, None) or {}).get(port) if node is not None else None
        if shape is not None and np.size(shape) and int(np.prod(shape)) == size:
            return tuple(int(s) for s in np.asarray(shape).ravel())
    return (size,)


def _output_node(graph, pops: list[str]) -> str:
    """The population that feeds the graph's only Output node, else the last population in order."""
    outs = {k for k, node in graph.nodes.items() if type(node).__name__ == "Output"}
    feeding = [a for a, b in graph.edges if b in outs and a in pops]
    if len(feeding) == 1:
        return feeding[0]
    if not pops:
        raise ModelError("the model has no neuron node to read an output from")
    return pops[-1]


def _concatenate(runs: list[SimResult], compiled) -> SimResult:
    """One SimResult of the runs back to back (ticks shifted; totals summed, per-tick series joined)."""
    offsets = np.cumsum([0] + [r.ticks for r in runs])
    cs = [r.counters for r in runs]
    summed = {k: np.sum([getattr(c, k) for c in cs], axis=0)
              for k in ("spikes_per_neuron", "fan_packets", "seg_deliveries", "pop_updates", "pop_forced_updates",
                        "group_events", "group_updates")}
    joined = {k: np.concatenate([getattr(c, k) for c in cs])
              for k in ("tick_events", "tick_updates", "tick_spikes", "tick_packets")}
    # Per-tick, per-group rows exist only when every run kept them (simulate(keep_tick_groups=...)).
    joined.update({k: np.concatenate([getattr(c, k) for c in cs]) if all(getattr(c, k) is not None for c in cs)
                   else None for k in ("tick_group_events", "tick_group_updates")})
    ticks = int(offsets[-1])
    counters = Counters(compiled, ticks, **summed, **joined)
    probes = {k: np.concatenate([r.probes[k] for r in runs]) for k in runs[0].probes}
    return SimResult(compiled, ticks, np.concatenate([r.spike_ticks + o for r, o in zip(runs, offsets)]),
                     np.concatenate([r.spike_ids for r in runs]), np.concatenate([r.spike_values for r in runs]),
                     probes, counters, float(sum(r.wall_s for r in runs)), False)
