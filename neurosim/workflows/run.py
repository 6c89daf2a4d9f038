"""``run_on_chip`` and ``run_nir``: a network, or a NIR model over its samples, run on a chip and costed.

    Network -> prepare (raise delays, quantise, compile, place) -> simulate -> cost -> Report

The preparation is :func:`neurosim.workflows.prepare.prepare`, shared with the sweeps, and the
options are one :class:`~neurosim.workflows.options.RunOptions`; this module only adds the simulation
and the costing, and keeps every intermediate result, so a caller can re-cost (``neurosim.cost``)
the same run under another profile without simulating again.

``run_nir`` does the same for a trained NIR model over a batch of input samples, one after another
from the reset state (``neurosim run MODEL.nir --input INPUT.npz``).
"""
from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import numpy as np

from neurosim._checks import positive_int
from neurosim.chip import ChipProfile, load_chip
from neurosim.compile.compiled import CompiledNetwork
from neurosim.cost_model import Report, cost
from neurosim.cost_model.conventions import DEFAULT_CONVENTION, get_convention
from neurosim.cost_model.energy_presets import DEFAULT_PRESET
from neurosim.cost_model.report import cost_needs
from neurosim.cost_model.tables import data_frame, report_columns, report_html
from neurosim.engine import Chunk, SimResult, simulate, simulate_samples
from neurosim.mapping.delays import DelayShift
from neurosim.mapping.placement import Placement
from neurosim.mapping.quantize import QuantizationReport
from neurosim.mapping.support import count_valued
from neurosim.net.network import Network, Population
from neurosim.nir.batch import NirBatch, load_batch
from neurosim.workflows.options import RunOptions, resolve_options
from neurosim.workflows.prepare import prepare


@dataclass(frozen=True, eq=False)
class ChipRun:
    """Everything one run on a chip produced."""

    network: Network = field(repr=False)  # the network simulated (delays raised, weights quantised if asked)
    placement: Placement = field(repr=False)
    result: SimResult = field(repr=False)
    report: Report
    quantization: QuantizationReport | None = None
    delay_shift: DelayShift | None = None  # what raise_delays=True changed (None: not asked or not needed)

    def to_pandas(self, table: str = "energy") -> Any:
        """One table of the run's report as a ``pandas.DataFrame``: :meth:`Report.to_pandas`."""
        return data_frame(report_columns(self.report, table), "ChipRun.to_pandas")

    def _repr_html_(self) -> str:
        """The report's summary and energy per class (:meth:`Report._repr_html_`) and the ticks added by
        ``raise_delays``."""
        return report_html(self.report, _delay_rows(self.delay_shift))


def run_on_chip(network: Network, chip: str | ChipProfile, ticks: int, options: RunOptions | None = None, *,
                probe: Iterable[str] = (), progress: Callable[[int, int], None] | None = None,
                trace: str | os.PathLike | None = None, convention: str = DEFAULT_CONVENTION,
                execution: str = "sample", energy_preset: str = DEFAULT_PRESET, **keywords: Any) -> ChipRun:
    """Simulate ``network`` for ``ticks`` ticks mapped onto ``chip`` and cost the run.

    Parameters
    ----------
    network : Network
        The network to run.
    chip : str or ChipProfile
        A profile name (``neurosim chips`` lists them), a path to a ``.toml`` profile, or a profile.
    ticks : int
        Ticks to simulate.
    options : RunOptions, optional
        Placement, quantisation, delays, fallbacks, seed and latency model (default ``RunOptions()``).
        ``ChipRun.quantization`` reports the quantisation error (``quantize``) and
        ``ChipRun.delay_shift`` the ticks of latency added per population (``raise_delays``).
        Without ``latency`` (and where the energy does not need it) the run keeps no per-tick,
        per-group counters (``keep_tick_groups``).
    probe : iterable of str
        Populations whose state is recorded every tick.
    progress : callable, optional
        ``progress(ticks_done, ticks_total)`` while simulating.
    trace : path, optional
        Write an HDF5 trace of the run there while simulating (``docs/traces.md``).
    convention : str
        Metric convention of ``report.convention`` (``"events"``, the default, or ``"neurobench"``,
        :mod:`neurosim.cost_model.conventions`). One that reads membranes (``neurobench``) costs one
        more simulation with every population probed.
    execution : str
        ``"sample"`` or ``"tick"``: what the convention's counts are per (a streaming model
        executes once per tick).
    energy_preset : str
        E_MAC / E_AC pair of the conventions that cost operations and of host operations
        (:mod:`neurosim.cost_model.energy_presets`; default ``"horowitz45_fp32"``).
    **keywords
        ``RunOptions`` fields (``strategy="locality"``, ``quantize=True``, ...) set on top of
        ``options``; any other keyword is a placement strategy option (``neurons_per_core=256``).
    """
    options = resolve_options(options, keywords)
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    prepared = prepare(network, profile, options)
    with _trace_writer(trace, prepared.placement, ticks, list(probe)) as writer:
        result = simulate(prepared.compiled, ticks, probe=probe, seed=options.seed, progress=progress,
                          on_chunk=writer.shifted(0), keep_tick_groups=cost_needs(profile, options.latency)[0])
    membranes = _membranes(prepared.compiled, [{}], ticks, options.seed) if get_convention(convention).needs_membranes \
        else None
    report = cost(result, prepared.placement, profile, fallbacks=options.fallbacks, latency=options.latency,
                  convention=convention, execution=execution, membranes=membranes, missing=options.missing,
                  energy_preset=energy_preset, static=options.static)
    return ChipRun(prepared.network, prepared.placement, result, report, prepared.quantization, prepared.delay_shift)


# -- trained models: NIR files run sample by sample ------------------------------------------------


@dataclass(frozen=True, eq=False)
class NirRun:
    """``run_nir``'s result: B samples of T ticks each, run one after another from a reset state.

    ``result`` and ``report`` cover the whole run (``B * T`` ticks, ``report.samples == B``);
    ``outputs`` maps every neuron node to ``[B, T, *shape]`` (spikes of spiking nodes, membrane ``v``
    of ``LI``/``I`` nodes); ``predictions`` ``[B]`` is the argmax over the output node
    (``output_node``) of its spike counts, or of its mean membrane for an ``LI``/``I`` readout
    (``readout`` says which).
    """

    network: Network = field(repr=False)  # the model simulated (silent inputs: each sample's are handed to its run)
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
    readout: str = "spike count"  # what the prediction is the argmax of: "spike count" or "mean membrane"

    @property
    def hits(self) -> int | None:
        """Samples whose prediction equals the label (``None`` without labels)."""
        return None if self.labels is None else int(np.sum(self.predictions == self.labels))

    @property
    def accuracy(self) -> float | None:
        """Fraction of samples whose prediction equals the label (``None`` without labels)."""
        return None if self.labels is None else float(np.mean(self.predictions == self.labels))

    def agreement(self, reference: np.ndarray) -> tuple[int, float | None] | None:
        """(samples on which ``predictions`` equal ``reference``, the accuracy of ``reference`` against
        the labels or ``None`` without labels), over the first ``samples`` entries of ``reference``;
        ``None`` when ``reference`` does not hold one prediction per sample."""
        ref = np.asarray(reference)[:self.samples]
        if ref.shape != self.predictions.shape:
            return None
        accuracy = None if self.labels is None else float(np.mean(ref == self.labels))
        return int(np.sum(ref == self.predictions)), accuracy

    def sample_columns(self) -> dict[str, np.ndarray]:
        """One row per sample: ``sample``, ``prediction``, ``label`` (-1 without labels) and ``correct``
        (``prediction == label``; False without labels)."""
        labels = (np.full(self.samples, -1, np.int64) if self.labels is None
                  else np.asarray(self.labels[:self.samples], np.int64))
        predictions = np.asarray(self.predictions, np.int64)
        return {"sample": np.arange(self.samples, dtype=np.int64), "prediction": predictions, "label": labels,
                "correct": (predictions == labels) & (labels >= 0)}

    def to_pandas(self, table: str = "samples") -> Any:
        """A table of the run as a ``pandas.DataFrame`` (needs pandas).

        Parameters
        ----------
        table : str
            ``"samples"``: one row per sample (:meth:`sample_columns`); ``"energy"``, ``"cores"``,
            ``"populations"``: the report's tables (:meth:`Report.to_pandas`).
        """
        columns = self.sample_columns() if table == "samples" else report_columns(self.report, table)
        return data_frame(columns, "NirRun.to_pandas")

    def _repr_html_(self) -> str:
        """The accuracy, the report's summary and energy per class, and the ticks added by ``raise_delays``."""
        first = [("accuracy", "no labels" if self.labels is None else f"{self.hits}/{self.samples} "
                  f"({self.accuracy:.1%})"), ("output", f"{self.output_node} ({self.readout})")]
        return report_html(self.report, [*first, *_delay_rows(self.delay_shift)])


def run_nir(model, inputs, chip: str | ChipProfile, dialect: str = "nir", options: RunOptions | None = None, *,
            ticks: int | None = None, samples: int | None = None, labels=None, dt: float | None = None,
            progress: Callable[[int, int], None] | None = None, trace: str | os.PathLike | None = None,
            convention: str = DEFAULT_CONVENTION, execution: str = "sample", energy_preset: str = DEFAULT_PRESET,
            model_map: dict[str, str] | None = None, workers: int | None = None,
            executor: Executor | None = None, **keywords: Any) -> NirRun:
    """Run a NIR model on ``chip`` over B input samples, each from the reset state, and cost the whole run.

    Parameters
    ----------
    model : path of a ``.nir`` file, or a ``nir.NIRGraph``.
    inputs : ``{input node name: array}``, each ``[T, *shape]`` (one sample) or ``[B, T, *shape]``
        (``shape`` the input node's shape); the key ``x`` (or a bare array) stands for the only input
        of a one-input graph. Keys in ``LABEL_KEYS`` are ignored (``labels`` is used if ``labels``
        is not given). ``None`` runs one sample of ``ticks`` ticks of silence.
    chip : a profile name, a path to a ``.toml`` profile, or a profile.
    dialect : how the file is read (:mod:`neurosim.nir.dialects`).
    options : RunOptions, optional
        As for :func:`run_on_chip`. With ``raise_delays`` (TrueNorth cannot deliver within the
        tick), spikes shifted past the end of a sample are lost: pass ``ticks`` = T +
        ``delay_shift.max_latency`` to keep them.
    ticks : ticks per sample; default ``T``. Longer runs pad the input with silence, shorter ones
        cut it.
    samples : run only the first ``samples`` samples.
    labels : ``[B]`` true classes; gives ``NirRun.accuracy``.
    dt : time step of the NIR model's tick, where the dialect needs it.
    model_map : ``{node name or NIR neuron type: model name}``: read those nodes as these models (plugins
        with a NIR reader), as :func:`neurosim.nir.load_nir` does.
    progress, trace : as for :func:`run_on_chip`.
    convention, execution, energy_preset : as for :func:`run_on_chip`: ``convention="neurobench", execution="tick"``
        reports NeuroBench's figures per tick, as NeuroBench reports a streaming model.
    workers : split the samples over this many local processes (``neurosim run --workers N``); the
        results are identical, bit for bit, to a run in this process.
    executor : any :class:`concurrent.futures.Executor` to split the samples over instead (Dask:
        ``distributed.Client(...).get_executor()``), one part per worker (``workers``, default: this
        machine's cores).
    **keywords : ``RunOptions`` fields and placement options, as for :func:`run_on_chip`.

    Every sample starts from the reset state (initial neuron states, no spike in flight), as the
    training framework runs each sample of a batch. The network is prepared once (the model with
    silent inputs: compiling and placing need only its structure); one engine runs every sample from
    its reset state with the sample's inputs handed to the run (:func:`simulate_batch`); the
    per-sample counters and spikes are concatenated into one ``SimResult`` of ``B * T`` ticks, costed
    with ``samples=B``.
    """
    options = resolve_options(options, keywords)
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    batch = load_batch(model, inputs, dialect, dt=dt, labels=labels, ticks=ticks, samples=samples,
                       model_map=model_map)
    prepared = prepare(batch.network, profile, options, count_valued(batch.data))
    keep = cost_needs(profile, options.latency)[0]  # the (ticks x groups) counters only the latency model reads
    total = batch.samples * batch.ticks_per_sample
    with _trace_writer(trace, prepared.placement, total, list(batch.potential)) as writer, \
            _executor(workers, executor) as pool:
        result, runs = simulate_batch(batch, prepared.compiled, seed=options.seed, progress=progress,
                                      on_chunk=writer.shifted, keep_tick_groups=keep, executor=pool,
                                      parts=None if pool is None else workers)
    membranes = None
    if get_convention(convention).needs_membranes:
        membranes = _membranes(prepared.compiled, batch.sample_inputs(), batch.ticks_per_sample, options.seed)
    report = cost(result, prepared.placement, profile, fallbacks=options.fallbacks, samples=batch.samples,
                  latency=options.latency, convention=convention, execution=execution, membranes=membranes,
                  missing=options.missing, energy_preset=energy_preset, static=options.static)
    outputs = batch.outputs(runs)
    readout = "mean membrane" if batch.output_node in batch.potential else "spike count"
    return NirRun(prepared.network, prepared.placement, result, report, batch.samples, batch.ticks_per_sample,
                  outputs, batch.output_node, batch.predict(outputs), batch.labels, prepared.quantization,
                  prepared.delay_shift, readout)


def _delay_rows(shift: DelayShift | None) -> list[tuple[str, str]]:
    """The latency ``raise_delays`` added per population, as a summary row (none when nothing was raised)."""
    if shift is None:
        return []
    relays = f"; {shift.relay_neurons} relay neurons" if shift.relays else ""
    how = "shifted per projection" if shift.method == "shift" else f"raised to {shift.min_delay} tick"
    return [("delays lowered", f"{how}{relays}; added latency (ticks): "
             + ", ".join(f"{k} +{v}" for k, v in shift.latency.items() if k not in shift.relays))]


def simulate_batch(batch: NirBatch, compiled: CompiledNetwork, *, seed: int,
                   progress: Callable[[int, int], None] | None = None,
                   on_chunk: Callable[[int], Callable[[Chunk], None] | None] | None = None,
                   keep_tick_groups: bool | None = None, executor: Executor | None = None,
                   parts: int | None = None) -> tuple[SimResult, list[SimResult]]:
    """(the runs concatenated, the run of each sample) of ``batch``'s samples on ``compiled``, each from reset.

    The one place where the workflows simulate a NIR batch (``run_nir`` and the sweep's NIR points):
    :func:`neurosim.engine.simulate_samples`, the samples side by side in as few engine calls as
    fit (on ``executor``'s workers in ``parts`` parts, if given), the non-spiking populations
    probed (their membrane is their output).
    """
    return simulate_samples(compiled, batch.sample_inputs(), batch.ticks_per_sample, probe=batch.potential,
                            seed=seed, progress=progress, on_chunk=on_chunk, keep_tick_groups=keep_tick_groups,
                            executor=executor, parts=parts)


def _executor(workers: int | None, executor: Executor | None):
    """A context giving the executor of a run: ``executor`` as given, a pool of ``workers`` local
    processes (shut down at the end), or ``None`` (this process)."""
    if executor is not None:
        return nullcontext(executor)
    if workers is None or positive_int(workers, "workers") == 1:
        return nullcontext(None)
    return ProcessPoolExecutor(workers)


def _membranes(compiled: CompiledNetwork, samples: list[dict], ticks: int, seed: int) -> dict[str, np.ndarray]:
    """``{population: [len(samples) * ticks, size]}``: membrane ``v`` after every tick, each sample run again
    from reset with ``samples[b]`` as its inputs (``{}``: the network's own) and every population probed.

    A separate simulation, so that the probes (which keep probed neurons awake) leave the costed run as it is.
    """
    pops = [k for k, node in compiled.network.nodes.items()
            if isinstance(node, Population) and "v" in node.model.state_names]
    _, runs = simulate_samples(compiled, samples, ticks, probe=pops, seed=seed)
    return {k: np.concatenate([r.state(k, "v") for r in runs]) for k in pops}


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
