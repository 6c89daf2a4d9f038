"""Sweeps with unpublished figures marked (the ``partial`` column) and the exit status of `neurosim sweep`.

A point costed without a number its profile does not publish has totals without that term and
names the keys left out in its ``partial`` cell, as `neurosim run` marks them
(docs/decisions/0012-unpublished-figures.md); a sweep whose every point was refused exits 2.
"""
from __future__ import annotations

import csv

import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.cost_model.pareto import pareto_front
from neurosim.errors import ProfileError
from neurosim.plots.pareto import plot_pareto
from neurosim.workflows.sweep import PARTIAL_SEPARATOR, partial_keys, read_sweep, sweep

from networks import poisson_network

TICKS = 30
VARY = {"neurons_per_core": [8, 16], "e_synop_J": [2e-11, 4e-11]}


@pytest.fixture(scope="module")
def marked():
    return sweep(poisson_network(), "loihi", TICKS, VARY, missing="mark")


def test_a_profile_that_leaves_numbers_out_is_refused_unless_marked():
    table = sweep(poisson_network(), "loihi", TICKS, VARY)
    assert all(r["energy_J"] is None and r["error"].startswith("ProfileError") for r in table.rows)
    assert all(r["partial"] is None for r in table.rows)


def test_each_row_names_what_its_totals_leave_out(marked):
    for row in marked.rows:
        assert row["error"] is None and row["energy_J"] > 0
        run = ns.run_on_chip(poisson_network(), ns.load_chip("loihi").replace(e_synop_J=row["e_synop_J"]), TICKS,
                             neurons_per_core=row["neurons_per_core"], missing="mark")
        assert partial_keys(row) == tuple(dict.fromkeys(k for k, _ in run.report.missing))
        assert row["partial"] == PARTIAL_SEPARATOR.join(partial_keys(row))
        assert row["energy_J"] == pytest.approx(run.report.energy.total_J, rel=1e-12)
    assert set(marked.partial_keys) == {"e_spike_J", "t_spike_s"}


def test_a_partial_row_is_the_row_with_the_missing_numbers_at_zero(marked):
    zero = {key: 0.0 for key in marked.partial_keys}
    filled = sweep(poisson_network(), "loihi", TICKS, VARY, fallbacks=zero)
    for a, b in zip(marked.rows, filled.rows):
        assert b["partial"] is None and b["energy_J"] == a["energy_J"] and b["latency_s"] == a["latency_s"]


def test_a_point_that_publishes_the_number_is_complete():
    table = sweep(poisson_network(), "loihi", TICKS, [{"e_spike_J": 1e-12, "t_spike_s": 1e-9}, {"e_spike_J": 1e-12}],
                  missing="mark")
    assert [r["partial"] for r in table.rows] == [None, "t_spike_s"]


def test_the_partial_column_round_trips_through_the_csv_and_shows_in_the_text(marked, tmp_path):
    path = marked.to_csv(tmp_path / "s.csv")
    back = read_sweep(path)
    assert [r["partial"] for r in back.rows] == [r["partial"] for r in marked.rows]
    assert "partial" in marked.to_text().splitlines()[0] and "e_spike_J;t_spike_s" in marked.to_text()
    assert "partial" not in sweep(poisson_network(), "loihi_sanafe", TICKS, VARY).to_text()
    html = marked._repr_html_()
    assert "<th>partial</th>" in html and html.count("e_spike_J;t_spike_s") == len(marked.rows)


def test_the_partial_column_reaches_pandas(marked):
    pytest.importorskip("pandas", reason="pandas is optional; CI installs it")
    frame = marked.to_pandas()
    assert list(frame["partial"]) == [r["partial"] for r in marked.rows]


def test_a_table_written_before_the_partial_column_still_reads(marked, tmp_path):
    path = marked.to_csv(tmp_path / "new.csv")
    rows = list(csv.DictReader(path.open()))
    old = tmp_path / "old.csv"
    with old.open("w", newline="") as f:
        fields = [c for c in rows[0] if c != "partial"]
        writer = csv.DictWriter(f, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    table = read_sweep(old)
    assert len(table.rows) == 4 and table.params == marked.params
    assert all(r.get("partial") is None for r in table.rows)


def test_pareto_compares_rows_only_with_rows_leaving_out_the_same_numbers():
    rows = [{"point": 0, "energy_J": 1.0, "latency_s": 1.0, "partial": "e_spike_J"},  # cheaper because partial
            {"point": 1, "energy_J": 2.0, "latency_s": 2.0, "partial": None},
            {"point": 2, "energy_J": 3.0, "latency_s": 3.0, "partial": None},
            {"point": 3, "energy_J": 0.5, "latency_s": 4.0, "partial": "e_spike_J"}]
    assert [r["point"] for r in pareto_front(rows)] == [0, 1, 3]
    # the same rows all complete: row 0 would dominate row 1
    complete = [{**r, "partial": None} for r in rows]
    assert [r["point"] for r in pareto_front(complete)] == [0, 3]
    ax = plot_pareto(rows)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["Pareto front (2, partial: without e_spike_J)", "Pareto front (1)"]


BASE = ["sweep", "--no-progress", "--samples", "2"]


def test_cli_sweep_marks_unpublished_numbers_with_no_flag(capsys, tmp_path):
    out = tmp_path / "s.csv"
    assert main(BASE + ["--chip", "loihi", "--vary", "e_synop_J=2e-11,4e-11", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "partial: the totals of 2 point(s) leave out" in text
    assert "not published: e_spike_J; fill with --fallback e_spike_J=VALUE" in text
    rows = read_sweep(out).rows
    assert all(set(partial_keys(r)) == {"e_spike_J", "t_spike_s"} and r["energy_J"] > 0 for r in rows)


def test_cli_sweep_with_some_points_fitting_exits_0_and_marks_the_others(capsys):
    assert main(BASE + ["--vary", "neurons_per_core=64,100000"]) == 0
    out = capsys.readouterr().out
    assert "DoesNotFitError: neurons_per_core=100000 exceeds" in out


def test_cli_sweep_whose_every_point_does_not_fit_exits_2_in_one_line(capsys):
    assert main(BASE + ["--vary", "neurons_per_core=100000,200000"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("neurosim: error: no point of the sweep has a result (2 of 2 do not fit, 0 failed); "
                                   "the first: DoesNotFitError: neurons_per_core=100000 exceeds")
    assert "DoesNotFitError" in captured.out  # the table of what was refused is still printed


def test_cli_sweep_whose_every_point_failed_exits_2(capsys):
    assert main(BASE + ["--chip", "loihi", "--vary", "tick_s=-1,-2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "(0 of 2 do not fit, 2 failed)" in err and "tick_s" in err

