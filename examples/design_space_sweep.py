"""Sweep the bundled digits model over placement and unit costs on two chips; plot the Pareto front.

    python examples/design_space_sweep.py [--out-dir DIR]

Runs the bundled snnTorch digits model (``neurosim/data``) over its first 10 test samples with
:func:`neurosim.workflows.sweep.sweep` on ``loihi_sanafe`` and on ``loihi`` (which publishes no spike
energy or time: run with the fallbacks ``e_spike_J = 0``, ``t_spike_s = 0``), at every point of

- ``neurons_per_core`` in {8, 16, 32, 64} (the placement: 10, 5, 3 or 2 cores; re-routed from the
  one simulation of each chip),
- ``e_synop_J`` in {1e-11, 2.36e-11} J and ``e_hop_x_J`` in {1e-12, 3e-12} J (unit costs only:
  re-costed from the placement's run),

16 points per chip: 1 simulated, 3 re-routed, 12 re-costed. Writes the table of both chips (the
rows' ``chip`` column tells them apart) to ``build/sweep_digits.csv`` and the energy-latency Pareto plot to
``docs/images/pareto_digits.png`` under ``--out-dir`` (default: the repository root; the
environment variable ``NEUROSIM_EXAMPLE_OUT`` sets it too, which the test uses so as not to
overwrite the committed picture), and prints a deterministic summary
(``examples/design_space_sweep.out``): no timings, numbers rounded.

The chosen point is the front's point of least energy x latency (energy-delay product).
"""
from __future__ import annotations

import argparse
import os
import pathlib

from neurosim.workflows.sweep import SweepResult, sweep
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.plots.pareto import plot_pareto

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = 10
CHIPS = {"loihi_sanafe": None, "loihi": {"e_spike_J": 0.0, "t_spike_s": 0.0}}
VARY = {"neurons_per_core": [8, 16, 32, 64], "e_synop_J": [1e-11, 2.36e-11], "e_hop_x_J": [1e-12, 3e-12]}
DPI = 80


def describe(row: dict) -> str:
    """One line of a front point: its parameters, energy (µJ) and latency (ms), rounded."""
    return (f"{row['chip']:<12}  neurons_per_core={row['neurons_per_core']:<3}  e_synop_J={row['e_synop_J']:<8g}  "
            f"e_hop_x_J={row['e_hop_x_J']:g}  energy {row['energy_J'] * 1e6:.3f} µJ  "
            f"latency {row['latency_s'] * 1e3:.4f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.environ.get("NEUROSIM_EXAMPLE_OUT", str(ROOT)),
                        help="where build/sweep_digits.csv and docs/images/pareto_digits.png are written "
                             "(default: the repository root)")
    out = pathlib.Path(parser.parse_args(argv).out_dir)
    tables, images = out / "build", out / "docs" / "images"
    tables.mkdir(parents=True, exist_ok=True)
    images.mkdir(parents=True, exist_ok=True)
    data = load_input_file(bundled(BUNDLED_SAMPLES))

    print(f"bundled digits model, first {SAMPLES} test samples x {data['input'].shape[1]} ticks")
    print("vary: " + ", ".join(f"{k} {{{', '.join(f'{v:g}' for v in vals)}}}" for k, vals in VARY.items()))
    rows, simulations, fronts = [], 0, {}
    for chip, fallbacks in CHIPS.items():
        result = sweep(bundled(BUNDLED_MODEL), chip, None, VARY, inputs=data, samples=SAMPLES,
                       dialect=BUNDLED_DIALECT, fallbacks=fallbacks)
        failed = sum(bool(r["error"]) for r in result.rows)
        accuracy = sorted({r["accuracy"] for r in result.rows if r["accuracy"] is not None})
        print(f"\n{chip}{' (fallbacks: e_spike_J=0, t_spike_s=0)' if fallbacks else ''}: "
              f"{len(result.rows)} points, {result.simulations} simulated, {result.rerouted} re-routed, "
              f"{result.recosted} re-costed, {failed} failed; accuracy {', '.join(f'{a:.0%}' for a in accuracy)}")
        front = sorted(result.pareto(("energy_J", "latency_s")), key=lambda r: r["energy_J"])
        fronts[chip] = front
        print(f"  Pareto front (energy, latency): {len(front)} points")
        for r in front:
            print("    " + describe(r))
        for r in result.rows:
            rows.append({**r, "point": len(rows)})
        simulations += result.simulations

    table = SweepResult(rows, tuple(VARY), simulations)
    csv_path = table.to_csv(tables / "sweep_digits.csv")
    front = sorted(table.pareto(("energy_J", "latency_s")), key=lambda r: r["energy_J"])
    chosen = min(front, key=lambda r: (r["energy_J"] * r["latency_s"], r["point"]))
    print(f"\nboth chips: {len(rows)} points, {table.simulations} simulated, {table.rerouted} re-routed, "
          f"{table.recosted} re-costed; "
          f"Pareto front: {len(front)} points")
    for r in front:
        print("  " + describe(r))
    print("chosen (least energy x latency):")
    print("  " + describe(chosen))

    ax = plot_pareto(table, "energy_J", "latency_s",
                     label_point=lambda r: f"{r['chip']}, {r['neurons_per_core']}/core")
    for n, chip in enumerate(CHIPS):
        own = [r for r in rows if r["chip"] == chip and not r["error"]]
        ax.scatter([r["energy_J"] for r in own], [r["latency_s"] for r in own], s=14, marker="x",
                   color=f"C{n}", label=chip)
        own_front = sorted(fronts[chip], key=lambda r: r["energy_J"])
        ax.plot([r["energy_J"] for r in own_front], [r["latency_s"] for r in own_front], "--", color=f"C{n}",
                lw=1, label=f"{chip} front")
    ax.scatter([chosen["energy_J"]], [chosen["latency_s"]], s=160, marker="*", color="gold", edgecolor="k",
               zorder=5, label="chosen (least energy x latency)")
    ax.annotate("chosen", (chosen["energy_J"], chosen["latency_s"]), textcoords="offset points",
                xytext=(4, -12), fontsize=8, fontweight="bold")
    ax.set_xlabel("energy_J (10 samples)")
    ax.set_ylabel("latency_s (10 samples)")
    ax.set_title(f"bundled digits model: {len(rows)} points on {len(CHIPS)} chips")
    ax.legend(fontsize=7)
    ax.figure.savefig(images / "pareto_digits.png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    print(f"\nwrote {csv_path.relative_to(out).as_posix()} ({len(table.columns)} columns) "
          f"and docs/images/pareto_digits.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
