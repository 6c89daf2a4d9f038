"""Run the bundled trained model on three chips and plot its energy per sample side by side.

    python examples/energy_on_three_chips.py [--out-dir DIR]

Runs the bundled snnTorch digits model (``neurosim/data``) over its first 10 test samples on

- ``loihi_sanafe``: Loihi with SANA-FE's silicon-calibrated costs, every number published;
- ``loihi2``: Loihi 2, whose profile publishes no spike energy or spike time: those terms are
  left out, the totals are marked partial and the report names the ``--fallback`` that would fill
  them (as ``neurosim run --chip loihi2`` does);
- ``truenorth``: an all-inclusive energy per synaptic event; it cannot deliver a spike within its
  tick (``raise_delays=True`` adds a tick per layer) and publishes no per-operation latency
  (``latency=False``).

Prints each chip's accuracy, energy per sample and its classes, and writes the stacked bars of
:func:`neurosim.plots.plot_energy_reports` to ``docs/images/energy_three_chips.png`` under
``--out-dir`` (default: the repository root; the environment variable ``NEUROSIM_EXAMPLE_OUT`` sets
it too, which the test uses so as not to overwrite the committed picture). The output is
deterministic (``examples/energy_on_three_chips.out``).
"""
from __future__ import annotations

import argparse
import os
import pathlib

from neurosim._checks import si
from neurosim.cost_model.tables import report_columns
from neurosim.plots import plot_energy_reports
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = 10
CHIPS = {"loihi_sanafe": {}, "loihi2": {"missing": "mark"},
         "truenorth": {"raise_delays": True, "latency": False}}
DPI = 80


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.environ.get("NEUROSIM_EXAMPLE_OUT", str(ROOT)),
                        help="where docs/images/energy_three_chips.png is written (default: the repository root)")
    out = pathlib.Path(parser.parse_args(argv).out_dir)
    images = out / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    data = load_input_file(bundled(BUNDLED_SAMPLES))

    print(f"bundled digits model, first {SAMPLES} test samples x {data['input'].shape[1]} ticks")
    reports = []
    for chip, options in CHIPS.items():
        run = run_nir(bundled(BUNDLED_MODEL), data, chip, BUNDLED_DIALECT, samples=SAMPLES, **options)
        report = run.report
        reports.append(report)
        e = report.energy
        print(f"\n{chip}: accuracy {run.hits}/{run.samples}, {e.model} energy "
              f"{si(e.total_J / run.samples, 'J')} per sample{' (partial)' if e.partial else ''}")
        classes = report_columns(report, "energy")
        for name, joules, published in zip(classes["class"], classes["energy_J"], classes["published"]):
            if joules or not published:
                shown = si(joules / run.samples, "J") + ("" if published else " partial") if joules \
                    else "not published"
                print(f"  {name:<24}{shown:>14}")
        if report.partial:
            print(f"  left out (not published): {', '.join(sorted({k for k, _ in report.missing}))}")

    ax = plot_energy_reports(reports, per_sample=True)
    ax.set_title(f"bundled digits model: energy per sample on {len(reports)} chips")
    ax.figure.savefig(images / "energy_three_chips.png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    low = min((r for r in reports if not r.partial), key=lambda r: r.energy.total_J)
    print(f"\nleast energy per sample of the complete totals: {low.chip} ({si(low.energy.total_J / low.samples, 'J')})")
    print("wrote docs/images/energy_three_chips.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
