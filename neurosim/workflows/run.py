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

from neurosim.compile.compiled import compile_network
from neurosim.cost_model import Report, cost
from neurosim.cost_model.report import cost_needs
from neurosim.engine import Chunk, SimResult, simulate, simulate_samples
from neurosim.chip import ChipProfile, load_chip
from neurosim.mapping.delays import DelayShift, raise_delays as _raise_delays
from neurosim.mapping.placement import Placement, place
from neurosim.mapping.quantize import QuantizationReport, quantize_weights
from neurosim.nir.batch import load_batch
from neurosim.errors import ModelError
from neurosim.net.network import Network


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
        such as TrueNorth, whose all-inclusive energy needs none). Without it (and where the energy
        does not need it) the run keeps no per-tick, per-group counters (``keep_tick_groups``).
    raise_delays : raise delays below the profile's ``delay_min_ticks`` to it before placement
        (:func:`neurosim.mapping.delays.raise_delays`); ``ChipRun.delay_shift`` then reports the
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
                          on_chunk=writer.shifted(0), keep_tick_groups=cost_needs(profile, latency)[0])
    report = cost(result, placement, profile, fallbacks=fallbacks, latency=latency)
    return ChipRun(network, placement, result, report, quantization, delay_shift)


# -- trained models: NIR files run sample by sample ------------------------------------------------
BUNDLED_MODEL = "digits_snntorch.nir"
BUNDLED_SAMPLES = "digits_samples.npz"
BUNDLED_DIALECT = "snntorch"


def bundled(name: str) -> pathlib.Path:
    """Path of a file shipped in ``neurosim/data`` (``BUNDLED_MODEL``, ``BUNDLED_SAMPLES``)."""
    return pathlib.Path(__file__).resolve().parents[1] / "data" / name


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
    dialect : how the file is read (:mod:`neurosim.nir.dialects`).
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
    (:func:`~neurosim.nir.with_inputs`); the per-sample counters and spikes are concatenated
    into one ``SimResult`` of ``B * T`` ticks, costed with ``samples=B``. One long simulation of
    the samples back to back would instead carry membranes and delayed spikes from one sample into
    the next: the engine has no reset.
    """
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    batch = load_batch(model, inputs, dialect, dt=dt, labels=labels, ticks=ticks, samples=samples)
    full, delay_shift = _apply_raise_delays(batch.network, profile, raise_delays)
    quantization = None
    if quantize:
        full, quantization = quantize_weights(full, profile)
    placement = place(compile_network(full), profile, strategy, **place_options)
    keep = cost_needs(profile, latency)[0]  # the (ticks x groups) counters only the latency model reads
    with _trace_writer(trace, placement, batch.samples * batch.ticks_per_sample, list(batch.potential)) as writer:
        result, runs = simulate_samples(placement.compiled, batch.sample_inputs(), batch.ticks_per_sample,
                                        probe=batch.potential, seed=seed, progress=progress,
                                        on_chunk=writer.shifted, keep_tick_groups=keep)
    report = cost(result, placement, profile, fallbacks=fallbacks, samples=batch.samples, latency=latency)
    outputs = batch.outputs(runs)
    return NirRun(full, placement, result, report, batch.samples, batch.ticks_per_sample, outputs, batch.output_node,
                  batch.predict(outputs), batch.labels, quantization, delay_shift)


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
