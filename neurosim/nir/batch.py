"""A NIR model and its input samples: the data side of running B samples on any compilation.

:func:`neurosim.workflows.run.run_nir` chains loading, placement, simulation and costing for one chip;
design-space sweeps (:mod:`neurosim.workflows.sweep`) need the steps apart: load and check the samples once,
simulate them on a compilation of their choosing (a placement, or the refinement of several,
:mod:`neurosim.cost_model.reroute`) and cost each point with its own profile. :class:`NirBatch` holds the
network (its input nodes silent), the samples and what is read from the runs; the runs themselves are
:func:`neurosim.engine.simulate_samples` of :meth:`NirBatch.sample_inputs`, every sample from the reset
state. The prediction is the argmax of the output node's spike counts (or of its mean membrane for a
non-spiking readout such as ``LI``, ``CubaLI`` or ``I``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from neurosim._checks import check_memory, memory_limit, positive_int
from neurosim.errors import ModelError
from neurosim.net.network import Network, SpikeSource
from neurosim.nir.load import load_nir, read_graph, warnings_if_it_succeeds

# Keys of an input file that are not graph inputs: true labels (accuracy) and a reference
# framework's own predictions and output spike counts (agreement), as in neurosim/data/digits_samples.npz.
LABEL_KEYS = ("labels", "reference_predictions", "reference_counts")


@dataclass(frozen=True, eq=False)
class NirBatch:
    """B input samples of T ticks for a NIR model whose ``network`` has silent input nodes.

    The samples are handed to the runs (:meth:`sample_inputs`), so one compilation of ``network``
    serves them all; nothing here copies the network per sample.
    """

    network: Network = field(repr=False)
    data: dict = field(repr=False)  # {source: [B, T, N]}
    labels: np.ndarray | None = field(repr=False)
    samples: int
    ticks_per_sample: int
    output_node: str
    potential: tuple[str, ...]  # non-spiking populations: their membrane v is probed and is their output
    shapes: dict = field(repr=False)  # {population: shape of the NIR node, without batch and time}

    def sample_inputs(self) -> list[dict[str, np.ndarray]]:
        """The inputs of each sample, ``{source: [T, N]}`` (views of :attr:`data`), for ``Simulation.run``."""
        return [{k: v[b] for k, v in self.data.items()} for b in range(self.samples)]

    def outputs(self, runs: Sequence) -> dict[str, np.ndarray]:
        """``{population: [B, T, *shape]}`` from ``runs`` (one SimResult per sample): spikes of spiking nodes (uint8 when they are counts), membrane
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

    def accuracy(self, runs: Sequence) -> float | None:
        """Fraction of the samples whose prediction from ``runs`` (one SimResult each) is the label;
        ``None`` without labels."""
        predictions = self.predict({self.output_node: self.outputs(runs)[self.output_node]})
        return None if self.labels is None else float(np.mean(predictions == self.labels))


def load_batch(model: str | os.PathLike | Any, inputs: Any, dialect: str = "nir", *, dt: float | None = None,
               labels: Any = None, ticks: int | None = None, samples: int | None = None,
               model_map: dict[str, str] | None = None) -> NirBatch:
    """Load ``model`` (a ``.nir`` path or ``nir.NIRGraph``) with ``inputs`` checked against its input nodes.

    ``inputs``, ``labels``, ``ticks``, ``samples`` and ``model_map`` mean what they mean for
    :func:`~neurosim.workflows.run.run_nir`; ``inputs=None`` runs one sample of ``ticks`` ticks of silence.

    Raises
    ------
    ModelError
        For a missing or unreadable model, inputs that do not match its input nodes, or no input
        and no ``ticks``.
    """
    with warnings_if_it_succeeds():
        return _load_batch(model, inputs, dialect, dt, labels, ticks, samples, model_map)


def _load_batch(model, inputs, dialect: str, dt: float | None, labels, ticks: int | None,
                samples: int | None, model_map: dict[str, str] | None) -> NirBatch:
    graph, stem = read_graph(model)
    net = load_nir(graph, dialect=dialect, dt=dt, name=stem, model_map=model_map)
    if inputs is None:
        if ticks is None:
            raise ModelError("a NIR model needs inputs, or ticks to run on silence")
        inputs = {k: np.zeros((1, 1, *_node_shape(graph, k, node.size))) for k, node in net.nodes.items()
                  if isinstance(node, SpikeSource)}
    data, labels = _sample_inputs(graph, net, inputs, labels, ticks, samples)
    n_samples, n_ticks = next(iter(data.values())).shape[:2]
    pops = [k for k, node in net.nodes.items() if not isinstance(node, SpikeSource)]
    potential = tuple(k for k in pops if not net.nodes[k].model.spiking)
    shapes = {k: _node_shape(graph, k, net.nodes[k].size) for k in pops}
    return NirBatch(net, data, labels, int(n_samples), int(n_ticks), _output_node(graph, pops), potential, shapes)


def _sample_inputs(graph, net: Network, inputs, labels, ticks: int | None,
                   samples: int | None) -> tuple[dict, np.ndarray | None]:
    """``{source: float64 [B, T, N]}`` and the labels, checked, with one-line errors."""
    if samples is not None:
        samples = positive_int(samples, "samples")
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
        arr = arr.reshape(arr.shape[0], arr.shape[1], int(np.prod(shape)))[:samples].astype(np.float64)
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
        ticks = positive_int(ticks, "ticks")
        check_memory({f"input '{k}'": 8 * v.shape[0] * ticks * v.shape[2] for k, v in data.items()},
                     f"{n_samples} sample(s) of {ticks} ticks", "pass fewer ticks or samples", memory_limit(),
                     argument=False)
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
