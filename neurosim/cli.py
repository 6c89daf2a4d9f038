"""The ``neurosim`` command: a thin shell over the Python API (parse, one public call, print)."""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from neurosim.errors import NeurosimError, SimulationInterrupted
from neurosim.chip import FIELDS, list_chips, load_chip
from neurosim.cost_model.conventions import DEFAULT_CONVENTION, EXECUTIONS, list_conventions
from neurosim.cost_model.energy_presets import DEFAULT_PRESET, PRESETS
from neurosim.cost_model.unpublished import fill_hint
from neurosim.nir import get_dialect
from neurosim.nir.dialects import DIALECTS
from neurosim.models import get_model, list_models, load_plugin, model_origin
from neurosim.models.plugins import entry_point_names, load_entry_point
from neurosim.trace import read_trace
from neurosim.trace.export import TRACE_TABLES, export_trace, published_notes
from neurosim.plots import REPORT_KINDS, TRACE_KINDS
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.mapping.delays import LOWERINGS
from neurosim.mapping.violations import POLICIES
from neurosim.workflows.options import RunOptions
from neurosim.workflows.paths import atomic_path, check_distinct, check_output
from neurosim.workflows.run import run_nir
from neurosim.workflows.sweep_table import number_or_text

# Loihi with SANA-FE's silicon-calibrated costs: the one shipped profile that publishes every
# number the default run needs (loihi leaves spike costs out; see `neurosim chips loihi`).
DEFAULT_CHIP = "loihi_sanafe"

def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with _few_collections():
            _load_plugins(args.plugin)
            return args.handler(args)
    except SimulationInterrupted as err:
        print(f"neurosim: {err}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("neurosim: interrupted (Ctrl-C); each output is whole or absent, a --trace ends at its last "
              "complete chunk", file=sys.stderr)
        return 130
    except NeurosimError as err:
        print(f"neurosim: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into a reader that stopped (`neurosim run | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


@contextlib.contextmanager
def _few_collections():
    """Run a command with Python's cyclic garbage collector triggered less often, then restore it.

    After the imports and Numba's first call the process holds about 170,000 long-lived objects
    (numpy, Numba's typing tables), and a full collection scans them all (about 0.1 s here) to free
    nothing; with the default thresholds the allocations of a run of 100 samples trigger one.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurosim", description="Event-driven neuromorphic hardware simulator")
    parser.set_defaults(plugin=[])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a NIR model (default: the bundled digits model) on a chip and print the "
                                     "cost report", description=RUN_DESCRIPTION,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("model", nargs="?", metavar="MODEL.nir|NET.yaml",
                     help="NIR model file (default: the bundled snnTorch model trained on scikit-learn digits), or "
                          "SANA-FE's network file with --arch")
    run.add_argument("--arch", metavar="ARCH.yaml",
                     help="SANA-FE's architecture file: run SANA-FE's network NET.yaml with its own mapping on it "
                          "(docs/migrating-from-sanafe.md)")
    _run_options(run)
    run.set_defaults(handler=_run)
    demo = sub.add_parser("demo", help="run the bundled digits model (same as `neurosim run` without a model)")
    _run_options(demo)
    demo.set_defaults(handler=_run, model=None)
    models = sub.add_parser("models", help="list the neuron models with their sources and origins (built-in or "
                                           "plugin), or show one model's parameters")
    models.add_argument("name", nargs="?", help="model to describe")
    _plugin_option(models)
    models.set_defaults(handler=_models)
    chips = sub.add_parser("chips", help="list the chip profiles with their sources, or show one in full")
    chips.add_argument("name", nargs="?", help="profile name or path of a .toml profile to show")
    chips.set_defaults(handler=_chips)
    plot = sub.add_parser("plot", help="draw a picture of a trace (RUN.h5) or of a report (REPORT.json)")
    plot.add_argument("source", metavar="RUN.h5|REPORT.json|SWEEP.csv",
                      help="a trace from `run --trace`, a report from `--json` or a table from `sweep --out`")
    plot.add_argument("--kind", default=None,
                      help=f"trace: {', '.join(TRACE_KINDS)} (default raster); report: {', '.join(REPORT_KINDS)} "
                           f"(default class); sweep table: {', '.join(SWEEP_KINDS)}")
    plot.add_argument("--x", default="energy_J", help="sweep table: column on the x axis (default energy_J)")
    plot.add_argument("--y", default="latency_s", help="sweep table: column on the y axis (default latency_s)")
    plot.add_argument("--out", "-o", required=True, metavar="FIG.png",
                      help="image file to write (png, svg or pdf; gif or mp4 for --kind animation)")
    plot.add_argument("--other", metavar="REPORT.json", help="second report, for --kind compare")
    plot.add_argument("--window", type=int, default=10, help="trace animation: ticks per frame (default 10)")
    plot.add_argument("--fallback", action="append", default=[], metavar="KEY=VALUE",
                      help="trace energy: value for a hardware number the recorded profile does not publish "
                           "(repeatable; marked estimated)")
    plot.add_argument("--progress", action="store_true",
                      help="trace: show a progress bar while reading (default: only when stderr is a terminal)")
    plot.set_defaults(handler=_plot)
    export = sub.add_parser("export", help="write a table of a trace (RUN.h5) as Parquet or CSV "
                                           "(columns: docs/traces.md, 'Exported tables')")
    export.add_argument("source", metavar="RUN.h5", help="a trace from `run --trace`")
    export.add_argument("--to", required=True, metavar="TABLE.parquet|TABLE.csv",
                        help="file to write; its suffix picks the format (Parquet needs pyarrow)")
    export.add_argument("--table", default="spikes", choices=tuple(TRACE_TABLES),
                        help="one row per spike (default), per packet, or per tick")
    export.set_defaults(handler=_export)
    sweep = sub.add_parser("sweep", help="sweep a model over chip parameters, placements and quantisation; print the "
                                         "table", description=SWEEP_DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("model", nargs="?", metavar="MODEL.nir",
                       help="NIR model file (default: the bundled digits model on --samples of its digits)")
    sweep.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...", required=True,
                       help="a profile field (e_synop_J, mesh_x, weight_bits, profile.neurons_per_core, ...), "
                            "strategy, "
                            "neurons_per_core (placement option) or quantize, with its values; repeatable (the "
                            "points are the product)")
    _model_options(sweep, chip_help=f"base chip profile, name or .toml path (default {DEFAULT_CHIP})",
                   samples_help="run only the first N samples (default: all; 4 for the bundled model)")
    _mapping_options(sweep, " (the default of the points; --vary strategy=... or neurons_per_core=... sweeps it)")
    sweep.add_argument("--workers", type=int, default=1, help="worker processes (default 1: in this process)")
    sweep.add_argument("--out", metavar="SWEEP.csv", help="write the table there, row by row as groups finish")
    sweep.add_argument("--resume", action="store_true",
                       help="keep the rows already in --out (an interrupted run of the same sweep) and run the rest")
    sweep.set_defaults(handler=_sweep)
    return parser


SWEEP_DESCRIPTION = """\
Run a model at every point of a design space and print one row per point: energy, latency,
SynOps, cores used, whether it fits (and why not), and how the point was obtained: simulated,
re-routed (another placement: its counters are summed from the one simulation of its quantisation)
or re-costed (only energy, latency or timing values differ from a point of the same placement).
Only quantisation changes simulate again.

  neurosim sweep --vary neurons_per_core=64,128 --vary e_synop_J=2e-11,3.55e-11 --workers 2 --out sweep.csv
  neurosim sweep --vary neurons_per_core=64,128 --vary e_synop_J=2e-11,3.55e-11 --out sweep.csv --resume
  neurosim sweep MODEL.nir --input INPUT.npz --chip truenorth --raise-delays --no-latency \
                 --vary neurons_per_core=128,256
  neurosim plot sweep.csv --kind pareto -o front.png"""
SWEEP_KINDS = ("pareto",)


RUN_DESCRIPTION = """\
Run a trained NIR model sample by sample on a modelled chip (state reset between samples),
print its accuracy when the input file holds labels, and print the hardware cost report.

INPUT.npz holds one array per graph input (key = input node name, or x when there is one input),
shaped [T, *shape] or [B, T, *shape]; optional keys: labels [B] (true classes, for the accuracy),
reference_predictions [B] (e.g. the training framework's own predictions, for agreement) and
reference_counts (ignored).
--record writes one array per neuron node, [B, T, *shape]: spikes, or the membrane of LI/I nodes.

Without MODEL.nir it runs the bundled 64-64-10 snnTorch model (neurosim/data, made by
tools/make_bundled_model.py) on its 100 bundled held-out test digits.

With --arch ARCH.yaml it runs SANA-FE's network file NET.yaml instead, with SANA-FE's own mapping,
on the chip its architecture file describes, for --ticks steps (default: the longest input train):
  neurosim run dvs.yaml --arch loihi.yaml --ticks 128 --no-static"""


def _run_options(parser: argparse.ArgumentParser) -> None:
    _model_options(parser, chip_help=f"chip profile name or .toml path (default {DEFAULT_CHIP}; `neurosim chips` "
                                     "lists them)", samples_help="run only the first N samples of the input")
    _mapping_options(parser, "")
    parser.add_argument("--convention", default=DEFAULT_CONVENTION, choices=list_conventions(),
                        help="metric convention of the report's 'Metrics' section: events (default: per delivered "
                             "event, neurosim's own), neurobench (NeuroBench 2.3.0's definitions exactly), spikformer "
                             "(E_MAC x FLOPs of the encoding layer + E_AC x SOPs; spikformer-per-step counts the "
                             "encoding layer at every step) or spikingjelly (SpikingJelly 2.0.0's SynOp/MAC "
                             "counters); docs/metrics.md")
    parser.add_argument("--energy-preset", default=DEFAULT_PRESET, choices=tuple(PRESETS),
                        help="E_MAC/E_AC pair of the spikformer and spikingjelly conventions and of host operations "
                             f"(default {DEFAULT_PRESET}: 4.6/0.9 pJ, Horowitz ISSCC 2014, 45 nm)")
    parser.add_argument("--per", default="sample", choices=EXECUTIONS,
                        help="report the convention's counts per sample (default) or per tick (one execution of "
                             "a streaming model, as NeuroBench reports streaming tasks)")
    parser.add_argument("--full", action="store_true",
                        help="print the full report (energy per class, cores, populations, latency, operations, bit "
                             "budget); default: a short summary")
    parser.add_argument("--keep-delays", action="store_true",
                        help="refuse a model whose synaptic delays lie outside the chip's range (TrueNorth: 1 to 15 "
                             "ticks) instead of lowering them onto it (the default)")
    parser.add_argument("--json", metavar="PATH", help="also write the complete report as JSON to PATH")
    parser.add_argument("--record", metavar="OUT.npz",
                        help="write every neuron node's outputs [B, T, *shape] to OUT.npz")
    parser.add_argument("--trace", metavar="RUN.h5",
                        help="write a spike-traffic trace while simulating (read with `neurosim plot RUN.h5`)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="split the samples over N local processes (default 1: this one); the results are "
                             "identical")


def _plugin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE|FILE.py",
                        help="import this module (a name on PYTHONPATH, or the path of a .py file) first, for the "
                             "neuron models it registers; repeatable. Installed plugin packages need no option "
                             "(docs/models.md, 'Writing a model')")


def _load_plugins(specs: list[str]) -> None:
    """Import the ``--plugin`` modules, in order (also the initializer of ``sweep``'s worker processes)."""
    for spec in specs:
        load_plugin(spec)


def _model_options(parser: argparse.ArgumentParser, chip_help: str, samples_help: str) -> None:
    """The options ``_resolve_model`` reads: the model's input, dialect, chip, ticks and samples (and the
    plugins and NIR model map the model may need)."""
    _plugin_option(parser)
    parser.add_argument("--model-map", action="append", default=[], metavar="NODE=MODEL",
                        help="read the NIR neuron node NODE (a node name, or a NIR type such as LIF for every node "
                             "of that type) as the neuron model MODEL, a plugin model with a NIR reader; "
                             "repeatable (docs/nir.md section 8)")
    parser.add_argument("--input", metavar="INPUT.npz",
                        help="input spikes, one array per input node (default for the bundled model: its samples)")
    parser.add_argument("--dialect", help="how the NIR file is read, by the framework that wrote it: "
                                          f"{', '.join(DIALECTS)} (default nir, the file read literally; "
                                          "snntorch for the bundled model)")
    parser.add_argument("--chip", default=DEFAULT_CHIP, help=chip_help)
    parser.add_argument("--dt", type=float, metavar="SECONDS",
                        help="time step of one tick of the NIR model (default: the dialect's; e.g. 1e-3 for a "
                             "file exported at 1 ms)")
    parser.add_argument("--ticks", type=int, help="ticks per sample (default: T of the input; longer pads with "
                                                  "silence, shorter cuts)")
    parser.add_argument("--samples", type=int, help=samples_help)


def _mapping_options(parser: argparse.ArgumentParser, default_note: str) -> None:
    """The options ``_options`` turns into a RunOptions (and --no-progress), the same for run and sweep."""
    parser.add_argument("--strategy", default="fill",
                        help=f"placement strategy: fill (default) or locality{default_note}")
    parser.add_argument("--neurons-per-core", type=int, metavar="N",
                        help=f"fill cores to at most N neurons (default: the chip's capacity){default_note}")
    parser.add_argument("--quantize", action="store_true",
                        help="simulate with weights quantised to the chip's precision (TrueNorth: each neuron's "
                             "weights clustered into its 4 axon-type weights first)")
    parser.add_argument("--raise-delays", action="store_true",
                        help="lower synaptic delays onto the chip's range (TrueNorth: 1 to 15 ticks; see "
                             "--delay-lowering) and print the latency this adds per layer (`run` does it unless "
                             "--keep-delays)")
    parser.add_argument("--delay-lowering", default="shift", choices=LOWERINGS,
                        help="how delays are lowered onto the chip's range: shift (default: every delay of a "
                             "projection shifted alike, later layers re-timed, relay neurons for delays above the "
                             "maximum; the model's spikes, shifted in time) or minimum (each delay below the minimum "
                             "raised to it, exact on feed-forward chains only)")
    parser.add_argument("--capacity", default="strict", choices=POLICIES,
                        help="a capacity the mapping exceeds (fan-in, fan-out, neurons, axons, synaptic memory per "
                             "core): refuse (strict, default) or map anyway, list every violation in the report and "
                             "mark its figures (warn)")
    parser.add_argument("--compatibility", default="warn", choices=POLICIES,
                        help="a neuron model, spike payload, weight structure or input kind the chip does not "
                             "support natively: list it and mark the figures (warn, default) or refuse (strict)")
    parser.add_argument("--fallback", action="append", default=[], metavar="KEY=VALUE",
                        help="value for a hardware number the profile does not publish (marked estimated); repeatable")
    parser.add_argument("--seed", type=int, default=0, help="seed of stochastic neuron models")
    parser.add_argument("--no-latency", action="store_true",
                        help="skip the latency model (for chips that publish no per-operation times, e.g. truenorth)")
    parser.add_argument("--no-static", action="store_true",
                        help="leave the static (leakage) energy out: report the dynamic energy of the events alone, "
                             "as SANA-FE does (default: included, since a chip leaks for as long as a run lasts)")
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


def _progress_bar(enabled: bool, total: int) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="tick", file=sys.stderr, leave=False)

    def update(done: int, total_now: int) -> None:
        if bar.total != total_now:
            bar.total = total_now
        bar.update(done - bar.n)

    return update, bar.close


def _fallbacks(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise NeurosimError(f"--fallback {item!r}: expected KEY=NUMBER, e.g. --fallback t_spike_s=0")
    return out


@dataclass(frozen=True)
class _Model:
    """What ``run`` and ``sweep`` run: the NIR model, its dialect and input arrays, and its name when printed."""

    path: pathlib.Path | str
    dialect: str
    inputs: dict[str, np.ndarray] | None
    samples: int | None
    name: str


def _resolve_model(args: argparse.Namespace, bundled_samples: int | None = None) -> _Model:
    """The model of ``run`` and ``sweep``: MODEL.nir, or the bundled one (its samples; ``bundled_samples`` of them)."""
    _refuse_empty(args, ("model", "input", "dialect", "chip"))
    if args.model is None:
        model, dialect = bundled(BUNDLED_MODEL), args.dialect or BUNDLED_DIALECT
        input_path = args.input or bundled(BUNDLED_SAMPLES)
        samples = args.samples if args.samples is not None else bundled_samples
        name = "bundled digits model (snnTorch, scikit-learn digits)"
    else:
        model, dialect, input_path, samples = args.model, args.dialect or "nir", args.input, args.samples
        name = model
        if pathlib.Path(model).is_dir():
            raise NeurosimError(f"model '{model}' is a directory: give the path of a .nir file")
        if not pathlib.Path(model).is_file():
            raise NeurosimError(f"model file '{model}' does not exist")
    get_dialect(dialect)  # an unknown dialect fails before anything is read
    if samples is not None and samples < 1:
        raise NeurosimError(f"--samples must be a positive integer, got {samples}")
    if args.dt is not None and not args.dt > 0:
        raise NeurosimError(f"--dt must be a positive number of seconds, got {args.dt}")
    if input_path is None and args.ticks is None:
        raise NeurosimError("no input: pass --input INPUT.npz (one array [T, *shape] or [B, T, *shape] per "
                            "input node), or --ticks N to run N ticks of silence")
    data = None if input_path is None else load_input_file(input_path)
    return _Model(model, dialect, data, samples, str(name))


def _model_map(items: list[str]) -> dict[str, str]:
    """``--model-map NODE=MODEL`` items as a dict (a node given twice is refused)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or not value:
            raise NeurosimError(f"--model-map {item!r}: expected NODE=MODEL, e.g. --model-map lif1=my_model")
        if key in out:
            raise NeurosimError(f"--model-map {key}: given twice ({out[key]}, {value}); map each node once")
        out[key] = value
    return out


def _refuse_empty(args: argparse.Namespace, names: tuple[str, ...]) -> None:
    """Refuse an option given as the empty string (``--dialect ''`` would otherwise mean the default)."""
    for name in names:
        value = getattr(args, name, None)
        if isinstance(value, str) and not value.strip():
            option = name if name == "model" else "--" + name.replace("_", "-")
            raise NeurosimError(f"{option} '': give a value, or leave the option out for the default")


def _input_files(args: argparse.Namespace, model: _Model) -> tuple:
    """The files ``run`` and ``sweep`` read (model, input file, chip profile file), which no output may replace."""
    input_file = args.input if args.input is not None else bundled(BUNDLED_SAMPLES) if args.model is None else None
    return model.path, input_file, args.chip if pathlib.Path(args.chip).is_file() else None


def _run_outputs(args: argparse.Namespace, model: _Model) -> dict[str, pathlib.Path | None]:
    """The output paths of ``run``, checked before the run starts (``--json``, ``--record``, ``--trace``)."""
    inputs = _input_files(args, model)
    outputs = {"--json": check_output("--json", args.json, inputs),
               "--record": check_output("--record", args.record, inputs),
               "--trace": check_output("--trace", args.trace, inputs)}
    check_distinct(outputs)
    return outputs


def _write_outputs(outputs: dict[str, pathlib.Path | None], report_json: str, record: dict[str, np.ndarray]) -> None:
    """Write ``--json`` and ``--record`` each through a temporary file renamed onto it, so that no
    output is ever partial."""
    try:
        if outputs["--json"] is not None:
            with atomic_path(outputs["--json"]) as tmp:
                tmp.write_text(report_json)
        if outputs["--record"] is not None:
            with atomic_path(outputs["--record"]) as tmp, open(tmp, "wb") as f:
                np.savez_compressed(f, **record)
    except OSError as err:
        raise NeurosimError(f"cannot write {err.filename}: {err.strerror}") from None


def _options(args: argparse.Namespace, raise_delays: bool, missing: str = "error") -> RunOptions:
    """The RunOptions of ``run`` and ``sweep`` (``_mapping_options``)."""
    return RunOptions(strategy=args.strategy, neurons_per_core=args.neurons_per_core, quantize=args.quantize,
                      raise_delays=raise_delays, delay_lowering=args.delay_lowering,
                      fallbacks=_fallbacks(args.fallback), seed=args.seed, latency=not args.no_latency,
                      capacity=args.capacity, compatibility=args.compatibility, missing=missing,
                      static=not args.no_static)


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "arch", None) is not None:  # `demo` has no --arch
        return _run_sanafe(args)
    model = _resolve_model(args)
    if args.keep_delays and args.raise_delays:
        raise NeurosimError("--keep-delays and --raise-delays contradict each other: pass one")
    outputs = _run_outputs(args, model)
    # `run` answers for every chip: numbers the profile does not publish are marked, not guessed.
    options = _options(args, raise_delays=not args.keep_delays, missing="mark")
    progress, close = _progress_bar(not args.no_progress and sys.stderr.isatty(), 1)
    try:
        run = run_nir(model.path, model.inputs, args.chip, model.dialect, options, ticks=args.ticks,
                      samples=model.samples, dt=args.dt, model_map=_model_map(args.model_map), progress=progress,
                      trace=args.trace, convention=args.convention, execution=args.per,
                      energy_preset=args.energy_preset, workers=args.workers)
    finally:
        close()
    dt = f", dt {args.dt:g} s" if args.dt is not None else ""
    print(f"{model.name}: dialect {model.dialect}{dt}, {run.samples} sample(s) x {run.ticks_per_sample} ticks, "
          f"prediction = argmax of '{run.output_node}' {run.readout}")
    if run.accuracy is not None:
        print(f"accuracy: {run.accuracy:.1%} ({run.hits}/{run.samples}) against the labels")
    agreement = None if model.inputs is None or "reference_predictions" not in model.inputs else \
        run.agreement(model.inputs["reference_predictions"])
    if agreement is not None:
        who = "snnTorch" if args.model is None else "the reference"
        line = f"{who}'s own predictions: agree on {agreement[0]}/{run.samples}"
        if agreement[1] is not None:
            line += f"; {who}'s accuracy {agreement[1]:.1%}"
        print(line)
    shift = run.delay_shift
    if shift is not None and (shift.changed or args.raise_delays):
        print(f"{shift.to_text()}\n  (chip '{run.report.chip}' delays spikes by {_delay_range(shift)} ticks; "
              f"--keep-delays refuses instead; --ticks {run.ticks_per_sample + shift.max_latency} keeps the spikes "
              f"shifted past the end of each sample)")
    print()
    if run.quantization is not None:
        print(run.quantization.to_text() + "\n")
    if args.full:
        print(run.report.to_text())
    else:
        print("\n".join(run.report.summary_lines()))
        asked = args.convention != DEFAULT_CONVENTION or args.per != "sample" or args.energy_preset != DEFAULT_PRESET
        if asked and run.report.convention is not None:  # the metrics asked for by name belong to the answer
            print("\n" + "\n".join(run.report.convention.to_text_lines()))
        print("\nthe full report: --full" + ("" if args.json else "; all of it as JSON: --json REPORT.json"))
    _write_outputs(outputs, run.report.to_json() if outputs["--json"] is not None else "", run.outputs)
    return 0


def _delay_range(shift) -> str:
    """``"1 to 15"``: the chip's delay range as a DelayShift records it."""
    return f"{shift.min_delay} to {shift.max_delay}" if shift.max_delay is not None else f"at least {shift.min_delay}"


# Options of `run` that do not apply to a SANA-FE network (its mapping is the placement, its inputs
# are in its file), with the value that means "not given".
SANAFE_UNUSED = {"input": None, "dialect": None, "chip": DEFAULT_CHIP, "dt": None, "samples": None,
                 "strategy": "fill", "neurons_per_core": None, "quantize": False, "raise_delays": False,
                 "keep_delays": False, "record": None, "convention": DEFAULT_CONVENTION, "per": "sample",
                 "energy_preset": DEFAULT_PRESET,
                 "delay_lowering": "shift", "capacity": "strict", "compatibility": "warn", "model_map": []}


def _run_sanafe(args: argparse.Namespace) -> int:
    """``neurosim run NET.yaml --arch ARCH.yaml``: SANA-FE's network on its architecture, as SANA-FE maps it."""
    from neurosim.workflows.sanafe import run_sanafe

    _refuse_empty(args, ("model", "arch"))
    if args.model is None:
        raise NeurosimError("--arch needs SANA-FE's network file: neurosim run NET.yaml --arch ARCH.yaml")
    given = [name for name, unset in SANAFE_UNUSED.items() if getattr(args, name) != unset]
    if given:
        raise NeurosimError(f"--{given[0].replace('_', '-')} does not apply with --arch: SANA-FE's network file "
                            f"holds the inputs and the mapping, its architecture file the chip")
    for path in (args.model, args.arch):
        if not pathlib.Path(path).is_file():
            raise NeurosimError(f"SANA-FE file '{path}' does not exist")
    outputs = {"--json": check_output("--json", args.json, (args.model, args.arch)),
               "--trace": check_output("--trace", args.trace, (args.model, args.arch))}
    check_distinct(outputs)
    options = RunOptions(fallbacks=_fallbacks(args.fallback), seed=args.seed, latency=not args.no_latency,
                         missing="mark", static=not args.no_static)
    progress, close = _progress_bar(not args.no_progress and sys.stderr.isatty(), 1)
    try:
        run = run_sanafe(args.model, args.arch, args.ticks, options, progress=progress, trace=args.trace)
    finally:
        close()
    print(f"SANA-FE network {args.model} on {args.arch}: {run.report.ticks} ticks, SANA-FE's mapping "
          f"({run.placement.n_cores_used} cores)\n")
    print(run.report.to_text() if args.full else "\n".join(run.report.summary_lines()))
    if run.unrepresented:
        print("\nWhat the files say that this run does not model:")
        print("\n".join(f"  {line}" for line in run.unrepresented))
    if not args.full:
        print("\nthe full report: --full" + ("" if args.json else "; all of it as JSON: --json REPORT.json"))
    _write_outputs({**outputs, "--record": None}, run.report.to_json() if outputs["--json"] is not None else "", {})
    return 0


def _models(args: argparse.Namespace) -> int:
    if args.name is None:
        failed = []
        for name in entry_point_names():  # every installed plugin, each failure on its own line
            try:
                load_entry_point(name)
            except NeurosimError as err:
                failed.append(str(err))
        width = max(map(len, list_models())) + 1
        for name in list_models():
            model = get_model(name)
            print(f"{name:<{width}}{_first_sentence(model.doc or '')}")
            print(f"{'':<{width}}source: {model.source or 'not given'}")
            print(f"{'':<{width}}origin: {model_origin(name)}")
        print("\n`neurosim models NAME` shows a model's equations, parameters and state.")
        for message in failed:
            print(f"neurosim: error: {message}", file=sys.stderr)
        return 2 if failed else 0
    model = get_model(args.name)
    print(model.doc.strip())
    print(f"\nsource: {model.source or 'not given'}\norigin: {model_origin(args.name)}")
    if model.nir is not None:
        print(f"NIR: reads {', '.join(model.nir.node_types)} nodes (--model-map NODE={model.name})")
    print("\nparameters:")
    for p in model.params:
        default = "required" if p.default is None else (p.choices[int(p.default)] if p.choices else p.default)
        allowed = f" one of {', '.join(p.choices)}" if p.choices else ""
        print(f"  {p.name:<16} default {default!s:<10} {p.doc}{allowed}")
    print("state: " + ", ".join(model.state_names))
    return 0


ABBREVIATIONS = ("al.", "e.g.", "i.e.", "cf.", "vs.", "Fig.", "Eq.", "Sec.", "Ref.", "No.")
"""Words whose period does not end a sentence (and neither does an initial, ``A.``)."""


def _first_sentence(doc: str) -> str:
    """The first sentence of ``doc``'s first paragraph (joined across line breaks), else that paragraph whole.

    A sentence ends at ``.``, ``!`` or ``?`` outside parentheses followed by a space and a capital
    letter, or by the paragraph's end: ``(Cassidy et al. 2013)`` does not end one, nor does the period
    of an abbreviation (:data:`ABBREVIATIONS`) or of an initial.
    """
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    depth = 0
    for k, char in enumerate(paragraph):
        depth += (char == "(") - (char == ")")
        if char in ".!?" and depth == 0 and (k + 1 == len(paragraph) or re.match(r" [A-Z]", paragraph[k + 1:k + 3])):
            word = paragraph[:k + 1].rsplit(" ", 1)[-1]
            if k + 1 == len(paragraph) or not (word in ABBREVIATIONS or re.fullmatch(r"[A-Z]\.", word)):
                return paragraph[:k + 1]
    return paragraph


PICTURE_SUFFIXES = (".png", ".svg", ".pdf")
ANIMATION_SUFFIXES = (".gif", ".mp4")


def _plot_output(args: argparse.Namespace, source: pathlib.Path) -> pathlib.Path:
    """``plot -o``, checked before anything is read: not an input, writable, of a picture's suffix."""
    if args.other is not None and not pathlib.Path(args.other).is_file():
        raise NeurosimError(f"--other '{args.other}': no such file")
    animation = args.kind == "animation"
    return check_output("--out", args.out, (source, args.other), ANIMATION_SUFFIXES if animation else PICTURE_SUFFIXES,
                        "animation" if animation else "picture")


def _check_report_file(path: pathlib.Path | str, option: str) -> None:
    """Refuse a report file that is not a JSON object (``[]``, truncated or invalid JSON) in one line."""
    import json

    try:
        data = json.loads(pathlib.Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise NeurosimError(f"{option} '{path}' is not a report written by `neurosim run --json` "
                            f"({type(err).__name__}: {err})") from None
    if not isinstance(data, dict):
        raise NeurosimError(f"{option} '{path}' holds a JSON {type(data).__name__}, not a report (a JSON object "
                            "written by `neurosim run --json`)")


def _plot(args: argparse.Namespace) -> int:
    source = pathlib.Path(args.source)
    if source.is_dir():
        raise NeurosimError(f"{source} is a directory: give a trace, report or sweep table file")
    if not source.exists():
        raise NeurosimError(f"{source}: no such file")
    final = _plot_output(args, source)
    with atomic_path(final) as tmp:
        _draw(args, source, tmp)
    print(f"wrote {final}")
    return 0


def _draw(args: argparse.Namespace, source: pathlib.Path, out: pathlib.Path) -> None:
    """Draw the picture ``plot`` asks for into ``out``."""
    if source.suffix == ".csv":
        kind = args.kind or "pareto"
        if kind not in SWEEP_KINDS:
            raise NeurosimError(f"--kind {kind!r} is not a sweep picture; choose one of {', '.join(SWEEP_KINDS)}")
        from neurosim.workflows.sweep import read_sweep
        from neurosim.plots.pareto import params_label, plot_pareto

        table = read_sweep(source)
        for col in (args.x, args.y):
            if col not in table.columns:
                raise NeurosimError(f"{source}: no column {col!r} (columns: {', '.join(table.columns)})")
        ax = plot_pareto(table, args.x, args.y, label_point=lambda r: params_label(r, table.params))
        ax.figure.savefig(out, dpi=120)
    elif source.suffix == ".json":
        kind = args.kind or "class"
        if kind not in REPORT_KINDS:
            raise NeurosimError(f"--kind {kind!r} is not a report picture; choose one of {', '.join(REPORT_KINDS)}")
        if kind == "compare" and args.other is None:
            raise NeurosimError("--kind compare needs --other REPORT.json")
        _check_report_file(source, "plot")
        if args.other is not None:
            _check_report_file(args.other, "--other")
        from neurosim.plots import plot_report

        plot_report(source, out, kind=kind, other=args.other)
    else:
        kind = args.kind or "raster"
        if kind not in TRACE_KINDS:
            raise NeurosimError(f"--kind {kind!r} is not a trace picture; choose one of {', '.join(TRACE_KINDS)}")
        options = {"window": args.window} if kind == "animation" else {}
        if kind == "energy":  # as `run`: numbers the recorded profile does not publish are marked
            options = {"fallbacks": _fallbacks(args.fallback), "missing": "mark"}
        from neurosim.plots import plot_trace

        plot_trace(source, kind, out, progress=args.progress or sys.stderr.isatty(), **options)


def _export(args: argparse.Namespace) -> int:
    source = pathlib.Path(args.source)
    if not source.exists():
        raise NeurosimError(f"{source}: no such file")
    trace = read_trace(source)
    out = export_trace(trace, args.to, table=args.table)
    print(f"wrote {out} ({args.table})")
    notes = published_notes(trace)
    if notes:
        print("\n".join(notes))
    return 0


def _value(text: str):
    """A --vary value: int, float, true/false, else the text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    return number_or_text(text.strip())


def _vary(items: list[str]) -> dict[str, list]:
    out = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise NeurosimError(f"--vary {item!r}: expected KEY=V1,V2,..., e.g. --vary e_synop_J=2e-11,3.55e-11")
        out[key.strip()] = [_value(v) for v in values.split(",") if v.strip()]
    return out


def _sweep(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from neurosim.workflows.sweep import sweep

    vary = _vary(args.vary)
    if args.workers < 1:
        raise NeurosimError(f"--workers must be a positive integer, got {args.workers}")
    if args.resume and not args.out:
        raise NeurosimError("--resume needs --out SWEEP.csv, the table to resume")
    model = _resolve_model(args, bundled_samples=4)
    check_output("--out", args.out, _input_files(args, model))
    # as `run`: a number the profile does not publish is marked (the `partial` column), not guessed
    options = _options(args, raise_delays=args.raise_delays, missing="mark")
    progress, close = _progress_bar(not args.no_progress and sys.stderr.isatty(), 1)
    model_map = _model_map(args.model_map)
    # Workers import the --plugin modules too (entry-point plugins load there on first use).
    executor = ProcessPoolExecutor(max_workers=args.workers, initializer=_load_plugins, initargs=(args.plugin,)) \
        if args.workers > 1 else None
    try:
        result = sweep(str(model.path), args.chip, args.ticks, vary, options, executor=executor, out=args.out,
                       resume=args.resume, progress=progress, inputs=model.inputs, samples=model.samples,
                       dialect=model.dialect, dt=args.dt, model_map=model_map)
    finally:
        close()
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    print(result.to_text())
    print(f"\n{len(result.rows)} points: {result.simulated} simulated, {result.rerouted} re-routed, "
          f"{result.recosted} re-costed"
          + (f"; {result.resumed} resumed from {args.out}" if result.resumed else "")
          + f"; {result.simulations} simulation(s) in {result.wall_s:.2f} s with {args.workers} worker(s)")
    partial = [r for r in result.rows if r.get("partial")]
    if partial:
        print(f"partial: the totals of {len(partial)} point(s) leave out what the profile does not publish "
              "(the `partial` column):")
        for key in result.partial_keys:
            print(f"  not published: {key}; fill with {fill_hint(key)}")
    front = result.pareto()
    if front:
        print("Pareto front (energy_J, latency_s): points " + ", ".join(str(r["point"]) for r in front)
              + (" (each point compared with those leaving out the same numbers)" if partial else ""))
    if args.out:
        print(f"wrote {args.out}")
    return _sweep_status(result)


def _sweep_status(result) -> int:
    """0 when some point has figures (its row marks the others), else 2 with a one-line summary.

    A sweep whose every point was refused, whether it did not fit (``fits`` False) or failed with
    another error, produced no figure: that is an error, as a run that does not fit is.
    """
    refused = [r for r in result.rows if r.get("error")]
    if result.rows and len(refused) == len(result.rows):
        unfit = sum(r.get("fits") is False for r in refused)
        print(f"neurosim: error: no point of the sweep has a result ({unfit} of {len(refused)} do not fit, "
              f"{len(refused) - unfit} failed); the first: {refused[0]['error']}", file=sys.stderr)
        return 2
    return 0


def _chips(args: argparse.Namespace) -> int:
    if args.name is None:
        print(f"{'chip':<14} {'kind':<10} {'cores':>6}  description")
        for name in list_chips():
            chip = load_chip(name)
            first = (chip.description or "").split(": ")[0].split(". ")[0]
            print(f"{name:<14} {chip.source_kind or '':<10} {chip.n_cores:>6}  {first}")
        print("\n`neurosim chips NAME` shows every value of a profile with its source.")
        return 0
    chip = load_chip(args.name)
    print(f"{chip.name}: {chip.description}\nfile: {chip.path}\nsource kind: {chip.source_kind}\n")
    for f in FIELDS:
        if not f.is_hardware:
            continue
        value = getattr(chip, f.name)
        if value is None:
            status = "unpublished" if f.name in chip.unpublished else "not applicable / not given"
            print(f"  {f.key:<34} {'-':<22} {status}")
            continue
        item = chip.lookup(f.name)
        mark = " (assumed)" if item.status == "assumed" else ""
        shown = ", ".join(value) if f.kind == "strings" else f"{value} {f.unit}".strip()
        print(f"  {f.key:<34} {shown:<22} {item.source}{mark}")
    for c in chip.synapse_classes:
        for key, unit in (("e_synop_J", "J"), ("t_synop_s", "s")):
            print(f"  {'synapse_class.' + c.name + '.' + key:<34} {f'{getattr(c, key)!r} {unit}':<22} {c.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
