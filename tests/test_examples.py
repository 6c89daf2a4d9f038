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
