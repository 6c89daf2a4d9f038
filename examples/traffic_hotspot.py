"""A traffic hot spot: fifteen layers on a 4 x 4 mesh all send to one hub core; the link plot shows where.

    python examples/traffic_hotspot.py [--out-dir DIR]

Builds a network whose traffic concentrates on a few links: a seeded Poisson input drives fifteen
LIF populations of 16 neurons (``src0`` ... ``src14``), and every one of them projects densely to
the 16-neuron ``hub``. It runs 100 ticks on ``loihi_sanafe`` with the mesh shrunk to 4 x 4 routers
of one core each (``ChipProfile.replace``), 16 neurons per core: one population per router, the
hub at router (1, 1) (placement fills cores in population order). It writes a trace
(``docs/traces.md``), reads it back and prints the busiest directed links (router (x, y) and
direction) and their share of all link crossings, and the synaptic events per core.
Dimension-order routing (X, then Y) funnels every packet for the hub through the few links next
to it; the host's input packets enter at router (0, 0).

Writes ``build/hotspot.h5`` (the trace; ``build/`` is not committed), ``docs/images/links_hotspot.png``
(packets per link, the three busiest outlined) and ``docs/images/mesh_hotspot.png`` (synaptic
events per core) under
``--out-dir`` (default: the repository root; the environment variable ``NEUROSIM_EXAMPLE_OUT`` sets
it too, which the test uses so as not to overwrite the committed pictures). The output is
deterministic (``examples/traffic_hotspot.out``).
"""
from __future__ import annotations

import argparse
import os
import pathlib

import numpy as np

from neurosim import Network, load_chip
from neurosim.plots import plot_links, plot_mesh
from neurosim.trace import read_trace, trace_columns
from neurosim.workflows.run import run_on_chip

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHIP = "loihi_sanafe"
TICKS = 100
MESH = 4
LAYERS = MESH * MESH - 1
HUB_AFTER = 5  # layers placed before the hub: the hub takes core 5, router (1, 1)
SIZE = 16
DPI = 80
DIRECTIONS = ("+x", "-x", "+y", "-y")  # link id = (y X + x) 4 + direction (docs/traces.md)


def hotspot_network() -> Network:
    """Poisson(32) -> LAYERS x LIF(SIZE) -> LIF hub(SIZE): every layer sends to the one hub."""
    rng = np.random.default_rng(4)
    net = Network("hotspot")
    net.poisson("input", 32, p=0.1, seed=4)
    for k in range(LAYERS):
        if k == HUB_AFTER:
            net.population("hub", SIZE, "lif", beta=0.9, v_th=4.0)
        net.population(f"src{k}", SIZE, "lif", beta=0.9, v_th=1.0)
    for k in range(LAYERS):
        net.connect("input", f"src{k}", weights=rng.uniform(0.0, 0.6, (SIZE, 32)), delays=1)
        net.connect(f"src{k}", "hub", weights=rng.uniform(0.0, 0.1, (SIZE, SIZE)), delays=1)
    return net


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=os.environ.get("NEUROSIM_EXAMPLE_OUT", str(ROOT)),
                        help="where build/hotspot.h5 and docs/images/ are written (default: the repository root)")
    out = pathlib.Path(parser.parse_args(argv).out_dir)
    traces, images = out / "build", out / "docs" / "images"
    traces.mkdir(parents=True, exist_ok=True)
    images.mkdir(parents=True, exist_ok=True)

    chip = load_chip(CHIP).replace(mesh_x=MESH, mesh_y=MESH, cores_per_tile=1, cores_per_chip=MESH * MESH)
    run = run_on_chip(hotspot_network(), chip, TICKS, neurons_per_core=SIZE, trace=traces / "hotspot.h5")
    trace = read_trace(traces / "hotspot.h5")
    grid_x = trace.grid_shape[0]
    spikes = trace_columns(trace, "spikes")
    hub = int(trace.neuron_core[trace.population("hub")["start"]])
    hub_xy = tuple(int(v) for v in trace.core_xy[hub])
    print(f"network 'hotspot': {LAYERS} layers x {SIZE} LIF -> hub ({SIZE} LIF), {TICKS} ticks on {CHIP} "
          f"shrunk to {MESH} x {MESH} routers of 1 core, {SIZE} neurons per core")
    print(f"{trace.ticks} ticks, {spikes['tick'].size} spikes, {trace.packets['tick'].size} packets, "
          f"{int(trace.packets['hops'].sum())} hops; hub on core {hub} at router {hub_xy}")

    to_hub = trace.packets["dst_core"] == hub
    print(f"packets to the hub: {int(to_hub.sum())} of {to_hub.size}, {int(trace.packets['hops'][to_hub].sum())} "
          f"of the hops")
    load = np.asarray(trace.link_load)
    busiest = np.argsort(-load, kind="stable")[:4]
    print(f"busy links: {int(np.count_nonzero(load))} of {load.size}; the busiest 4 carry "
          f"{load[busiest].sum() / load.sum():.0%} of all link crossings:")
    for link in busiest:
        router, direction = divmod(int(link), 4)
        y, x = divmod(router, grid_x)
        print(f"  router ({x}, {y}) {DIRECTIONS[direction]}: {int(load[link])} packets")

    report = run.report
    events = sorted(zip(report.core_synops, report.energy.cores, report.core_xy.tolist()), key=lambda r: -r[0])
    print("synaptic events per core (busiest first):")
    for synops, core, xy in events[:4]:
        print(f"  core {core} at {tuple(xy)}: {synops}")
    print(f"energy {report.energy.total_J * 1e6:.3f} µJ, of which hops "
          f"{(report.energy.by_class()['hops_x'] + report.energy.by_class()['hops_y']) * 1e9:.2f} nJ")

    ax = plot_links(trace, top=3)
    ax.set_title(f"packets per link: {LAYERS} layers sending to the hub at {hub_xy}")
    ax.figure.savefig(images / "links_hotspot.png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    ax = plot_mesh(trace, metric="synops")
    ax.set_title("synaptic events per core")
    ax.figure.savefig(images / "mesh_hotspot.png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    print("wrote docs/images/: links_hotspot.png, mesh_hotspot.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
