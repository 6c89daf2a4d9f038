"""``neurosim sweep`` takes every run option: a TrueNorth sweep of a zero-delay model with --raise-delays."""
from __future__ import annotations

import pytest

from neurosim.cli import main
from neurosim.workflows.inputs import BUNDLED_MODEL, BUNDLED_SAMPLES, bundled
from neurosim.workflows.sweep import read_sweep

# the bundled snnTorch model has zero-delay synapses (a layer-by-layer forward pass within the tick);
# TrueNorth cannot deliver within the tick (delay_min_ticks = 1) and publishes no per-operation times
COMMAND = ["sweep", str(bundled(BUNDLED_MODEL)), "--input", str(bundled(BUNDLED_SAMPLES)), "--dialect", "snntorch",
           "--samples", "2", "--chip", "truenorth", "--no-latency", "--no-progress",
           "--vary", "neurons_per_core=32,64", "--vary", "quantize=false,true"]


def test_truenorth_sweep_with_raise_delays_fits_and_costs_every_point(tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    assert main(COMMAND + ["--raise-delays", "--out", str(out)]) == 0
    table = read_sweep(out)
    assert len(table.rows) == 4
    for row in table.rows:
        assert (row["fits"], row["error"]) == (True, None), row
        assert row["energy_J"] > 0 and row["synops"] > 0 and row["cores_used"] >= 2
    assert "4 points: 2 simulated, 2 re-routed" in capsys.readouterr().out


def test_truenorth_sweep_without_raise_delays_reports_the_delay_error(tmp_path, capsys):
    """No point fits, so the sweep produced no figure: exit 2, one line, and every row says why."""
    out = tmp_path / "sweep.csv"
    assert main(COMMAND + ["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no point of the sweep has a result (4 of 4 do not fit, 0 failed)" in err
    for row in read_sweep(out).rows:
        assert row["fits"] is False and row["energy_J"] is None
        assert "have delay 0 ticks, below truenorth's delay_min_ticks = 1" in row["error"]
        assert "--raise-delays" in row["error"]


def test_sweep_options_are_the_default_of_the_points(tmp_path):
    """--neurons-per-core, --quantize and --strategy set the points that do not vary them."""
    base = COMMAND[:-4] + ["--raise-delays", "--neurons-per-core", "32"]
    assert main(base + ["--quantize", "--vary", "e_synop_total_J=2.6e-11,5.2e-11",
                        "--out", str(tmp_path / "a.csv")]) == 0
    rows = read_sweep(tmp_path / "a.csv").rows
    assert [r["how"] for r in rows] == ["simulated", "recosted"]
    assert rows[1]["energy_J"] == pytest.approx(2 * rows[0]["energy_J"])
    assert main(base + ["--vary", "quantize=true,false", "--out", str(tmp_path / "q.csv")]) == 0
    varied = read_sweep(tmp_path / "q.csv").rows
    assert varied[0]["synops"] == rows[0]["synops"] != varied[1]["synops"]
    # TrueNorth sends each neuron's spikes to one core; locality splits a layer over several cores
    # (its only point does not fit: no figure, exit 2)
    assert main(base + ["--strategy", "locality", "--vary", "quantize=false", "--out", str(tmp_path / "l.csv")]) == 2
    (row,) = read_sweep(tmp_path / "l.csv").rows
    assert row["fits"] is False and row["error"].startswith("DoesNotFitError: population 'lif1'")


def test_sweep_refuses_an_invalid_option_in_one_line(capsys):
    assert main(COMMAND + ["--neurons-per-core", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "neurons_per_core must be a positive integer or None, got 0" in err
