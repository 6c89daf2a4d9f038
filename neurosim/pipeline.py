"""``run_on_chip`` and ``run_nir``: the one place where the stages are chained.

    Network -> (quantise weights) -> compile -> place on the chip -> simulate -> cost -> Report

Each stage is a public function with its own module; this only wires them in the documented order
and keeps every intermediate result, so a caller can re-cost (``neurosim.cost``) the same run under
another profile without simulating again.

``run_nir`` does the same for a trained NIR model over a batch of input samples, one after another
from the reset state (``neurosim run MODEL.nir --input INPUT.npz``); ``bundled`` locates the model
that ``neurosim run`` runs without arguments (``neurosim/data``, from ``tools/make_bundled_model.py``).
"""
from __future__ import annotations

import os

import pathlib
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

import numpy as np

from neurosim.compiled import compile_network
from neurosim.counters import Counters
from neurosim.cost_model import Report, cost
from neurosim.engine import Chunk, SimResult, simulate
from neurosim.hardware import ChipProfile, load_chip
from neurosim.hardware.delays import DelayShift, raise_delays as _raise_delays
from neurosim.hardware.placement import Placement, place
from neurosim.hardware.quantize import QuantizationReport, quantize_weights
from neurosim.errors import ModelError
from neurosim.network import Network, SpikeSource


@dataclass(frozen=True, eq=False)
class ChipRun:
    """Everything one run on a chip produced."""

    network: Network = field(repr=False)  # the network simulated (quantised if asked)
    placement: Placement = field(repr=False)
    result: SimResult = field(repr=False)
    report: Report
    quantization: QuantizationReport | None = None
    delay_shift: DelayShift | None = None  # what raise_delays=True changed (None: not asked or not needed)


def _apply_raise_delays(network: Network, profile: ChipProfile, enabled: bool):
    """``raise_delays=True``: raise delays to the profile's ``delay_min_ticks``, when it has one."""
    if not enabled or not profile.delay_min_ticks:
        return network, None
    return _raise_delays(network, profile.delay_min_ticks)


def run_on_chip(network: Network, chip: str | ChipProfile, ticks: int, *, strategy: str = "fill",
                quantize: bool = False, fallbacks: dict | None = None, probe: Iterable[str] = (),
                seed: int = 0, progress: Callable[[int, int], None] | None = None,
                trace: str | os.PathLike | None = None, latency: bool = True, raise_delays: bool = False,
                **place_options) -> ChipRun:
    """Simulate ``network`` for ``ticks`` ticks mapped onto ``chip`` and cost the run.

    Parameters
    ----------
    chip : a profile name (``neurosim chips`` lists them), a path to a ``.toml`` profile, or a profile.
    strategy : placement strategy (``"fill"`` or ``"locality"``); ``place_options`` go to it
        (e.g. ``neurons_per_core=256``).
    quantize : simulate with the weights quantised to the chip's weight precision (the report of
        the quantisation error is returned in ``ChipRun.quantization``).
    fallbacks : values for hardware numbers the profile does not publish (marked estimated).
    trace : write an HDF5 trace of the run there while simulating (``docs/traces.md``).
    latency : run the latency model (``False`` for chips that publish no per-operation times,
        such as TrueNorth, whose all-inclusive energy needs none).
    raise_delays : raise delays below the profile's ``delay_min_ticks`` to it before placement
        (:func:`neurosim.hardware.delays.raise_delays`); ``ChipRun.delay_shift`` then reports the
        ticks of latency this adds per population.
    """
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    network, delay_shift = _apply_raise_delays(network, profile, raise_delays)
    quantization = None
    if quantize:
        network, quantization = quantize_weights(network, profile)
    placement = place(compile_network(network), profile, strategy, **place_options)
    with _trace_writer(trace, placement, ticks, list(probe)) as writer:
        result = simulate(placement.compiled, ticks, probe=probe, seed=seed, progress=progress,
                          on_chunk=writer.shifted(0))
    report = cost(result, placement, profile, fallbacks=fallbacks, latency=latency)
    return ChipRun(network, placement, result, report, quantization, delay_shift)


# -- trained models: NIR files run sample by sample ------------------------------------------------
# Keys of an input file that are not graph inputs: true labels (accuracy) and a reference
# framework's own predictions and output spike counts (agreement), as in neurosim/data/digits_samples.npz.
LABEL_KEYS = ("labels", "reference_predictions", "reference_counts")
BUNDLED_MODEL = "digits_snntorch.nir"
BUNDLED_SAMPLES = "digits_samples.npz"
BUNDLED_DIALECT = "snntorch"


def bundled(name: str) -> pathlib.Path:
    """Path of a file shipped in ``neurosim/data`` (``BUNDLED_MODEL``, ``BUNDLED_SAMPLES``)."""
    return pathlib.Path(__file__).resolve().parent / "data" / name


@dataclass(frozen=True, eq=False)
class NirRun:
    """``run_nir``'s result: B samples of T ticks each, run one after another from a reset state.

    ``result`` and ``report`` cover the whole run (``B * T`` ticks, ``report.samples == B``);
    ``outputs`` maps every neuron node to ``[B, T, *shape]`` (spikes of spiking nodes, membrane ``v``
    of ``LI``/``I`` nodes); ``predictions`` ``[B]`` is the argmax over the output node
    (``output_node``) of its spike counts, or of its mean membrane for an ``LI``/``I`` readout.
    """

    network: Network = field(repr=False)  # the samples' inputs back to back, [B * T, N] per input
    placement: Placement = field(repr=False)
    result: SimResult = field(repr=False)
    report: Report
    samples: int
    ticks_per_sample: int
    outputs: dict = field(repr=False)
    output_node: str
    predictions: np.ndarray = field(repr=False)
    labels: np.ndarray | None = field(default=None, repr=False)
    quantization: QuantizationReport | None = None
    delay_shift: DelayShift | None = None  # what raise_delays=True changed (None: not asked or not needed)

    @property
    def accuracy(self) -> float | None:
        """Fraction of samples whose prediction equals the label (``None`` without labels)."""
        return None if self.labels is None else float(np.mean(self.predictions == self.labels))


def load_input_file(path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` input file (``neurosim run --input``), with one-line errors."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise ModelError(f"input file '{path}' does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception as err:  # zipfile.BadZipFile, ValueError (pickled object arrays), OSError
        raise ModelError(f"'{path}' is not a readable .npz file ({type(err).__name__}: {err}); "
                         "write one with numpy.savez") from None


def run_nir(model, inputs, chip: str | ChipProfile, dialect: str = "nir", *, ticks: int | None = None,
            samples: int | None = None, labels=None, dt: float | None = None, strategy: str = "fill",
            quantize: bool = False,
            fallbacks: dict | None = None, seed: int = 0, progress: Callable[[int, int], None] | None = None,
            trace: str | os.PathLike | None = None, latency: bool = True, raise_delays: bool = False,
            **place_options) -> NirRun:
    """Run a NIR model on ``chip`` over B input samples, one after another, and cost the whole run.

    Parameters
    ----------
    model : path of a ``.nir`` file, or a ``nir.NIRGraph``.
    inputs : ``{input node name: array}``, each ``[T, *shape]`` (one sample) or ``[B, T, *shape]``
        (``shape`` the input node's shape); the key ``x`` (or a bare array) stands for the only input
        of a one-input graph. Keys in ``LABEL_KEYS`` are ignored (``labels`` is used if ``labels``
        is not given). ``None`` runs one sample of ``ticks`` ticks of silence.
    dialect : how the file is read (:mod:`neurosim.importers.dialects`).
    ticks : ticks per sample; default ``T``. Longer runs pad the input with silence, shorter ones
        cut it.
    samples : run only the first ``samples`` samples.
    labels : ``[B]`` true classes; gives ``NirRun.accuracy``.
    raise_delays : raise delays below the profile's ``delay_min_ticks`` to it before placement
        (TrueNorth cannot deliver within the tick); ``NirRun.delay_shift`` reports the ticks of
        latency added per population. Spikes shifted past the end of a sample are lost: pass
        ``ticks`` = T + ``delay_shift.max_latency`` to keep them.

    Every sample starts from the reset state (initial neuron states, no spike in flight), as the
    training framework runs each sample of a batch. The network is compiled and placed once (with
    the inputs of all samples back to back, so that ``NirRun.network`` describes the whole run);
    each sample is one simulation of that placed structure with the sample's inputs swapped in
    (:func:`~neurosim.importers.with_inputs`); the per-sample counters and spikes are concatenated
    into one ``SimResult`` of ``B * T`` ticks, costed with ``samples=B``. One long simulation of
    the samples back to back would instead carry membranes and delayed spikes from one sample into
    the next: the engine has no reset.
    """
    from neurosim.importers import load_nir, with_inputs
    from neurosim.importers.from_nir import _read

    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    graph, stem = _read(model)
    net = load_nir(graph, dialect=dialect, dt=dt, name=stem)
    if inputs is None:
        if ticks is None:
            raise ModelError("run_nir: pass inputs, or ticks to run on silence")
        inputs = {k: np.zeros((1, 1, node.size)) for k, node in net.nodes.items() if isinstance(node, SpikeSource)}
    data, labels = _sample_inputs(graph, net, inputs, labels, ticks, samples)
    n_samples, n_ticks = next(iter(data.values())).shape[:2]
    full = with_inputs(net, {k: v.reshape(n_samples * n_ticks, -1) for k, v in data.items()})
    full, delay_shift = _apply_raise_delays(full, profile, raise_delays)
    quantization = None
    if quantize:
        full, quantization = quantize_weights(full, profile)
    placement = place(compile_network(full), profile, strategy, **place_options)
    pops = [k for k, node in full.nodes.items() if not isinstance(node, SpikeSource)]
    potential = [k for k in pops if full.nodes[k].model.name in ("li", "integrator")]
    runs = []
    with _trace_writer(trace, placement, n_samples * n_ticks, potential) as writer:
        for b in range(n_samples):
            one = replace(placement.compiled, network=with_inputs(full, {k: v[b] for k, v in data.items()}))
            step = None if progress is None else (
                lambda done, _t, b=b: progress(b * n_ticks + done, n_samples * n_ticks))
            runs.append(simulate(one, n_ticks, probe=potential, seed=seed, progress=step,
                                 on_chunk=writer.shifted(b * n_ticks)))
    result = _concatenate(runs, placement.compiled)
    report = cost(result, placement, profile, fallbacks=fallbacks, samples=n_samples, latency=latency)
    outputs = {}
    for k in pops:
        shape = _node_shape(graph, k, full.nodes[k].size)
        if k in potential:
            arr = np.stack([r.state(k, "v") for r in runs])
        else:
            arr = np.stack([r.spike_matrix(k) for r in runs])
            if np.all((arr >= 0) & (arr <= 255) & (arr == np.round(arr))):
                arr = arr.astype(np.uint8)
        outputs[k] = arr.reshape(n_samples, n_ticks, *shape)
    out_node = _output_node(graph, pops)
    score = outputs[out_node].reshape(n_samples, n_ticks, -1).astype(np.float64)
    predictions = (score.mean(axis=1) if out_node in potential else score.sum(axis=1)).argmax(axis=1)
    return NirRun(full, placement, result, report, n_samples, n_ticks, outputs, out_node, predictions,
                  labels, quantization, delay_shift)


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
              for k in ("spikes_per_neuron", "fan_packets", "seg_deliveries", "pop_updates", "pop_forced_updates")}
    joined = {k: np.concatenate([getattr(c, k) for c in cs])
              for k in ("tick_events", "tick_updates", "tick_spikes", "tick_packets", "tick_group_events",
                        "tick_group_updates")}
    ticks = int(offsets[-1])
    counters = Counters(compiled, ticks, **summed, **joined)
    probes = {k: np.concatenate([r.probes[k] for r in runs]) for k in runs[0].probes}
    return SimResult(compiled, ticks, np.concatenate([r.spike_ticks + o for r, o in zip(runs, offsets)]),
                     np.concatenate([r.spike_ids for r in runs]), np.concatenate([r.spike_values for r in runs]),
                     probes, counters, float(sum(r.wall_s for r in runs)), False)


class _NoTrace:
    """Stands in for a trace writer when no trace was asked for."""

    def __enter__(self) -> "_NoTrace":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def shifted(self, offset: int) -> None:
        return None


class _ShiftingWriter:
    """A :class:`~neurosim.trace.TraceWriter` fed by several simulations laid end to end."""

    def __init__(self, writer) -> None:
        self.writer = writer

    def __enter__(self) -> "_ShiftingWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.writer.__exit__(*exc)

    def shifted(self, offset: int) -> Callable[[Chunk], None]:
        """``on_chunk`` for a simulation whose tick 0 is tick ``offset`` of the trace."""
        def write(chunk: Chunk) -> None:
            self.writer.write_chunk(replace(chunk, t0=chunk.t0 + offset, t1=chunk.t1 + offset,
                                            spike_ticks=chunk.spike_ticks + offset))
        return write


def _trace_writer(path, placement: Placement, ticks: int, probe: list[str]):
    if path is None:
        return _NoTrace()
    from neurosim.trace import TraceWriter

    return _ShiftingWriter(TraceWriter(path, placement, ticks, probe=probe))
