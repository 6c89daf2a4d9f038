"""The examples run, and print exactly their committed output (examples/*.out).

Each example writes into ``NEUROSIM_EXAMPLE_OUT`` (here a temporary directory), so the test does
not overwrite the committed traces and pictures.
"""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_example(name: str, out: pathlib.Path) -> str:
    env = dict(os.environ, NEUROSIM_EXAMPLE_OUT=str(out), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], cwd=out, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def visualize_traffic(tmp_path_factory):
    out = tmp_path_factory.mktemp("visualize_traffic")
    return out, run_example("visualize_traffic", out)


def test_visualize_traffic_prints_its_committed_output(visualize_traffic):
    _, stdout = visualize_traffic
    assert stdout == (EXAMPLES / "visualize_traffic.out").read_text(), \
        "stdout of examples/visualize_traffic.py differs from examples/visualize_traffic.out"


def test_visualize_traffic_writes_small_traces_and_pictures(visualize_traffic):
    from neurosim.trace import read_trace

    out, _ = visualize_traffic
    traces = sorted((out / "traces").glob("*.h5"))
    images = sorted((out / "docs" / "images").glob("*.png"))
    assert [p.name for p in traces] == ["digits_loihi_sanafe.h5", "digits_truenorth.h5"]
    assert len(images) == 9
    for path in traces:
        assert path.stat().st_size < 300_000, path.name
        trace = read_trace(path)
        assert trace.complete and trace.ticks == 200
    for path in images:
        assert path.stat().st_size < 150_000, path.name
    # the committed pictures are the ones the example draws, and docs/traces.md shows them all
    committed = {p.name for p in (ROOT / "docs" / "images").glob("*.png")}
    assert {p.name for p in images} <= committed
    doc = (ROOT / "docs" / "traces.md").read_text()
    assert all(f"images/{p.name}" in doc for p in images)


def test_design_space_sweep_prints_its_committed_output(tmp_path):
    from neurosim.workflows.sweep import read_sweep

    stdout = run_example("design_space_sweep", tmp_path)
    assert stdout == (EXAMPLES / "design_space_sweep.out").read_text(), \
        "stdout of examples/design_space_sweep.py differs from examples/design_space_sweep.out"
    table = read_sweep(tmp_path / "build" / "sweep_digits.csv")
    assert len(table.rows) == 32 and table.params[0] == "neurons_per_core"
    assert [r["chip"] for r in table.rows[::16]] == ["loihi_sanafe", "loihi"]
    picture = tmp_path / "docs" / "images" / "pareto_digits.png"
    assert picture.stat().st_size < 150_000
    assert (ROOT / "docs" / "images" / "pareto_digits.png").stat().st_size < 150_000
    assert "images/pareto_digits.png" in (ROOT / "docs" / "explore.md").read_text()


def test_energy_on_three_chips_prints_its_committed_output_and_draws_the_comparison(tmp_path):
    stdout = run_example("energy_on_three_chips", tmp_path)
    assert stdout == (EXAMPLES / "energy_on_three_chips.out").read_text(), \
        "stdout of examples/energy_on_three_chips.py differs from examples/energy_on_three_chips.out"
    assert [line.split(":")[0] for line in stdout.splitlines() if ": accuracy" in line] == \
        ["loihi_sanafe", "loihi2", "truenorth"]
    assert "loihi2: accuracy 10/10, per_component energy" in stdout and "per sample (partial)" in stdout
    _check_pictures(tmp_path, ["energy_three_chips.png"])


def test_traffic_hotspot_prints_its_committed_output_and_the_hub_links_are_the_busiest(tmp_path):
    from neurosim.trace import read_trace

    stdout = run_example("traffic_hotspot", tmp_path)
    assert stdout == (EXAMPLES / "traffic_hotspot.out").read_text(), \
        "stdout of examples/traffic_hotspot.py differs from examples/traffic_hotspot.out"
    trace = read_trace(tmp_path / "build" / "hotspot.h5")
    hub = trace.neuron_core[trace.population("hub")["start"]]
    hx, hy = trace.core_xy[hub]
    busiest = int(trace.link_load.argmax())
    router, direction = divmod(busiest, 4)
    y, x = divmod(router, trace.grid_shape[0])
    step = {0: (1, 0), 1: (-1, 0), 2: (0, 1), 3: (0, -1)}[direction]
    assert (x + step[0], y + step[1]) == (hx, hy), "the busiest link does not lead into the hub's router"
    _check_pictures(tmp_path, ["links_hotspot.png", "mesh_hotspot.png"])


def _check_pictures(out: pathlib.Path, names: list[str]) -> None:
    """The example drew ``names`` (small PNGs), the same names are committed, and docs/notebooks.md shows them."""
    drawn = sorted(p.name for p in (out / "docs" / "images").glob("*.png"))
    assert drawn == sorted(names)
    doc = (ROOT / "docs" / "notebooks.md").read_text()
    for name in names:
        assert (out / "docs" / "images" / name).stat().st_size < 150_000, name
        assert (ROOT / "docs" / "images" / name).stat().st_size < 150_000, name
        assert f"images/{name}" in doc, name
