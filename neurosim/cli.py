"""The ``neurosim`` command: a thin shell over the Python API (parse, one public call, print)."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from neurosim.demo import demo_network
from neurosim.errors import NeurosimError, SimulationInterrupted
from neurosim.hardware import FIELDS, list_chips, load_chip
from neurosim.models import get_model, list_models
from neurosim.pipeline import run_on_chip

# Loihi with SANA-FE's silicon-calibrated costs: the one shipped profile that publishes every
# number the default run needs (loihi leaves spike costs out; see `neurosim chips loihi`).
DEFAULT_CHIP = "loihi_sanafe"

def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except SimulationInterrupted as err:
        print(f"neurosim: {err}", file=sys.stderr)
        return 130
    except NeurosimError as err:
        print(f"neurosim: error: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurosim", description="Event-driven neuromorphic hardware simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate the bundled default network on a chip and print the cost report")
    run.add_argument("--chip", default=DEFAULT_CHIP,
                     help=f"chip profile name or .toml path (default {DEFAULT_CHIP}; `neurosim chips` lists them)")
    run.add_argument("--ticks", type=int, default=1000, help="number of ticks to simulate (default 1000)")
    run.add_argument("--strategy", default="fill", help="placement strategy: fill (default) or locality")
    run.add_argument("--quantize", action="store_true", help="simulate with weights quantised to the chip's precision")
    run.add_argument("--fallback", action="append", default=[], metavar="KEY=VALUE",
                     help="value for a hardware number the profile does not publish (marked estimated); repeatable")
    run.add_argument("--seed", type=int, default=0, help="seed of the network and its inputs")
    run.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    run.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    run.set_defaults(handler=_run)
    models = sub.add_parser("models", help="list the neuron models, or show one model's parameters")
    models.add_argument("name", nargs="?", help="model to describe")
    models.set_defaults(handler=_models)
    chips = sub.add_parser("chips", help="list the chip profiles with their sources, or show one in full")
    chips.add_argument("name", nargs="?", help="profile name or path of a .toml profile to show")
    chips.set_defaults(handler=_chips)
    return parser


def _progress_bar(enabled: bool, total: int) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="tick", file=sys.stderr, leave=False)

    def update(done: int, _total: int) -> None:
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


def _run(args: argparse.Namespace) -> int:
    net = demo_network(seed=args.seed)
    progress, close = _progress_bar(not args.no_progress and sys.stderr.isatty(), args.ticks)
    try:
        run = run_on_chip(net, args.chip, args.ticks, strategy=args.strategy, quantize=args.quantize,
                          fallbacks=_fallbacks(args.fallback), seed=args.seed, progress=progress)
    finally:
        close()
    if run.quantization is not None:
        print(run.quantization.to_text() + "\n")
    print(run.report.to_text())
    if args.json:
        with open(args.json, "w") as f:
            f.write(run.report.to_json())
    return 0


def _models(args: argparse.Namespace) -> int:
    if args.name is None:
        for name in list_models():
            doc = (get_model(name).doc or "").strip().splitlines()
            print(f"{name:<12} {doc[0] if doc else ''}")
        return 0
    model = get_model(args.name)
    print(model.doc.strip())
    print("\nparameters:")
    for p in model.params:
        default = "required" if p.default is None else (p.choices[int(p.default)] if p.choices else p.default)
        allowed = f" one of {', '.join(p.choices)}" if p.choices else ""
        print(f"  {p.name:<16} default {default!s:<10} {p.doc}{allowed}")
    print("state: " + ", ".join(model.state_names))
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
        print(f"  {f.key:<34} {str(value) + ' ' + f.unit:<22} {item.source}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
