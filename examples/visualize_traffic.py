"""Run the bundled digits model on two chips, write a trace of each, and draw the pictures.

    python examples/visualize_traffic.py [--out-dir DIR]

Runs the bundled snnTorch digits model (``neurosim/data``) over its first 10 test samples on
``loihi_sanafe`` and on ``truenorth``. TrueNorth cannot deliver a spike within the tick it was sent
(``delay_min_ticks = 1``), so it runs with ``raise_delays=True``: each zero-delay layer takes one
tick more, and the added latency per layer is printed. TrueNorth publishes no per-operation
latency; its energy is all-inclusive (SynOps x e_synop_total_J), so its run is costed with
``run_nir(..., latency=False)``.

Writes ``traces/digits_<chip>.h5`` and ``docs/images/*.png`` under ``--out-dir`` (default: the
repository root; the environment variable ``NEUROSIM_EXAMPLE_OUT`` sets it too, which the test
uses so as not to overwrite the committed files) and prints a deterministic summary
(``examples/visualize_traffic.out``).
"""
from __future__ import annotations

import argparse
import os
import pathlib

import h5py
import numpy as np

from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir
from neurosim.plots import (plot_energy, plot_energy_comparison, plot_links, plot_mesh, plot_raster,
                            plot_timeline)
from neurosim.trace import cost_trace, read_trace

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = 10
CHIPS = ("loihi_sanafe", "truenorth")
DPI = 80
# The 74 neurons fit one core of Loihi; 8 neurons per core spreads them over 10 cores so that the
# mesh, link and timeline pictures have traffic to show. TrueNorth keeps its default placement
# (each of its neurons may send to one core only, so lif1 cannot be split).
NEURONS_PER_CORE = 8


def energy_text(joules: float) -> str:
    """Energy to 4 significant digits in the nearest SI unit."""
    for unit, scale in (("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if abs(joules) >= scale:
            return f"{joules / scale:.4g} {unit}"
    return f"{joules:.4g} J"


def run_chip(chip: str, data: dict, trace_path: pathlib.Path):
    """(NirRun, Report) of the bundled model's first SAMPLES samples on ``chip``."""
    if chip == "truenorth":
        # TrueNorth publishes no per-operation times; its all-inclusive energy needs none.
        run = run_nir(bundled(BUNDLED_MODEL), data, chip, BUNDLED_DIALECT, samples=SAMPLES, raise_delays=True,
                      latency=False, trace=trace_path)
    else:
        run = run_nir(bundled(BUNDLED_MODEL), data, chip, BUNDLED_DIALECT, samples=SAMPLES, trace=trace_path,
                      neurons_per_core=NEURONS_PER_CORE)
    return run, run.report


def compact(path: pathlib.Path) -> None:
    """Rewrite a finished trace contiguous, gzip level 9 (same content, same format).

    The writer keeps its columns appendable for crash safety, in SWMR mode, where HDF5 does not
    reuse the space of a chunk rewritten by a later append: a short run leaves about as much
    dead space as data. The committed sample files are repacked to ~60 % of their written size.
    """
    tmp = path.with_suffix(".tmp.h5")
    with h5py.File(path, "r", swmr=True) as src, h5py.File(tmp, "w", libver="latest") as dst:
        dst.attrs.update(src.attrs)

        def copy(name, obj):
            if isinstance(obj, h5py.Group):
                dst.require_group(name).attrs.update(obj.attrs)
                return
            big = obj.size > 16
            out = dst.create_dataset(name, data=obj[...], compression="gzip" if big else None,
                                     compression_opts=9 if big else None, shuffle=big)
            out.attrs.update(obj.attrs)

        src.visititems(copy)
    tmp.replace(path)


def save(ax, path: pathlib.Path) -> None:
    ax.figure.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.environ.get("NEUROSIM_EXAMPLE_OUT", str(ROOT)),
                        help="where traces/ and docs/images/ are written (default: the repository root)")
    out = pathlib.Path(parser.parse_args(argv).out_dir)
    traces, images = out / "traces", out / "docs" / "images"
    traces.mkdir(parents=True, exist_ok=True)
    images.mkdir(parents=True, exist_ok=True)
    data = load_input_file(bundled(BUNDLED_SAMPLES))

    reports, written = {}, []
    print(f"bundled digits model, first {SAMPLES} test samples x {data['input'].shape[1]} ticks "
          f"(loihi_sanafe: {NEURONS_PER_CORE} neurons per core)")
    for chip in CHIPS:
        trace_path = traces / f"digits_{chip}.h5"
        run, report = run_chip(chip, data, trace_path)
        reports[chip] = report
        compact(trace_path)
        trace = read_trace(trace_path)
        hits = int(np.sum(run.predictions == run.labels))
        print(f"\n{chip}: accuracy {hits}/{run.samples}, {report.energy.model} energy "
              f"{energy_text(report.energy.total_J)} ({energy_text(report.energy.total_J / run.samples)} per sample)")
        if run.delay_shift is not None:
            lat = ", ".join(f"{k} +{v}" for k, v in run.delay_shift.latency.items())
            print(f"  raised {sum(run.delay_shift.raised.values())} zero-delay synapses to "
                  f"{run.delay_shift.min_delay} tick; added latency (ticks): {lat}; "
                  f"exact shift: {run.delay_shift.exact}")
        spikes = ", ".join(f"{name} {int(n)}" for name, n in zip(report.energy.populations, report.population_spikes))
        print(f"  spikes: {spikes}")
        print(f"  trace: {trace.ticks} ticks, {trace.packets['tick'].size} packets, "
              f"{int(trace.packets['hops'].sum())} hops, {int(np.count_nonzero(trace.link_load))} busy links, "
              f"complete {trace.complete}")
        from_trace = cost_trace(trace).energy
        print(f"  energy costed from the trace alone: {energy_text(from_trace.total_J)}, per class equal to the "
              f"report: {bool(np.array_equal(from_trace.energy_J, report.energy.energy_J))}")

        pictures = {"raster": plot_raster(trace), "timeline": plot_timeline(trace, report=report),
                    "energy": plot_energy(report, by="population")}
        if chip == "loihi_sanafe":  # TrueNorth's 2 used cores are invisible on its 64 x 64 mesh
            pictures.update(mesh=plot_mesh(trace, metric="spikes"), links=plot_links(trace))
        for kind, ax in pictures.items():
            save(ax, images / f"{kind}_{chip}.png")
            written.append(f"{kind}_{chip}.png")
    save(plot_energy_comparison(reports[CHIPS[0]], reports[CHIPS[1]], labels=list(CHIPS)),
         images / "energy_compare.png")
    written.append("energy_compare.png")
    print(f"\nwrote traces/: {', '.join(f'digits_{c}.h5' for c in CHIPS)}")
    print(f"wrote docs/images/: {', '.join(sorted(written))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
