"""The ``neurosim`` command: a thin shell over the Python API (parse, one public call, print)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from neurosim.demo import demo_network
from neurosim.engine import SimResult, simulate
from neurosim.errors import NeurosimError, SimulationInterrupted
from neurosim.hardware import FIELDS, list_chips, load_chip
from neurosim.models import get_model, list_models


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
    run = sub.add_parser("run", help="simulate the bundled default network and print what it did")
    run.add_argument("--ticks", type=int, default=1000, help="number of ticks to simulate (default 1000)")
    run.add_argument("--seed", type=int, default=0, help="seed of the network and its inputs")
    run.add_argument("--json", metavar="PATH", help="also write the summary as JSON to PATH")
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


def _run(args: argparse.Namespace) -> int:
    net = demo_network(seed=args.seed)
    progress, close = _progress_bar(not args.no_progress and sys.stderr.isatty(), args.ticks)
    try:
        result = simulate(net, ticks=args.ticks, seed=args.seed, progress=progress)
    finally:
        close()
    summary = summarize(result)
    print(format_summary(summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    return 0


def summarize(result: SimResult) -> dict:
    """A JSON-serialisable summary of a run: spikes, rates and synaptic events per population."""
    c = result.counters
    compiled = result.compiled
    spikes = c.spikes_per_population()
    updates = c.updates_per_population()
    events_in: dict[str, int] = {}
    for (_, post), n in c.events_per_projection_pair().items():
        events_in[post] = events_in.get(post, 0) + n
    rows = []
    for k, name in enumerate(compiled.names):
        node = compiled.network.nodes[name]
        model = node.model.name if compiled.pop_model[k] >= 0 else "source"
        rows.append({"population": name, "model": model, "neurons": node.size, "spikes": spikes[name],
                     "rate_per_tick": spikes[name] / max(node.size * result.ticks, 1),
                     "synaptic_events_in": events_in.get(name, 0), "neuron_updates": updates.get(name, 0)})
    return {"schema": 1, "network": compiled.network.name, "ticks": result.ticks,
            "neurons": compiled.n_neurons, "synapses": compiled.n_synapses, "spikes": c.spikes,
            "synaptic_events": c.synaptic_events, "packets": c.packets, "neuron_updates": c.neuron_updates,
            "wall_s": result.wall_s, "populations": rows}


def format_summary(summary: dict) -> str:
    """The summary as a text table."""
    head = f"{'population':<12} {'model':<10} {'neurons':>8} {'spikes':>9} {'rate/tick':>10} {'SynOps in':>11} {'updates':>10}"
    lines = [f"{summary['network']}: {summary['neurons']} neurons, {summary['synapses']} synapses, "
             f"{summary['ticks']} ticks", head, "-" * len(head)]
    for r in summary["populations"]:
        lines.append(f"{r['population']:<12} {r['model']:<10} {r['neurons']:>8} {r['spikes']:>9} "
                     f"{r['rate_per_tick']:>10.4f} {r['synaptic_events_in']:>11} {r['neuron_updates']:>10}")
    lines.append("-" * len(head))
    lines.append(f"total: {summary['spikes']} spikes, {summary['synaptic_events']} synaptic events (SynOps), "
                 f"{summary['packets']} packets, {summary['neuron_updates']} neuron updates, "
                 f"simulated in {summary['wall_s']:.2f} s")
    return "\n".join(lines)


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
