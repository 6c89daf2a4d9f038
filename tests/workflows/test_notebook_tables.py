"""Reports, runs and sweeps in a notebook: ``to_pandas()`` tables equal the report's arrays, and
``_repr_html_`` shows the summary figures with units and the partial / not-published marks.

The DataFrame tests need pandas (skipped with the reason where it is absent; CI installs it); the
column and HTML tests do not.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

from neurosim.cost_model.tables import REPORT_TABLES, report_columns
from neurosim.errors import NeurosimError
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir, run_on_chip
from neurosim.workflows.sweep import sweep

from networks import poisson_network

TICKS = 40


@pytest.fixture(scope="module")
def complete_run():
    """loihi_sanafe publishes every number the run needs."""
    return run_on_chip(poisson_network(), "loihi_sanafe", TICKS, neurons_per_core=8)


@pytest.fixture(scope="module")
def partial_run():
    """loihi publishes no spike energy nor spike time: both totals are partial."""
    return run_on_chip(poisson_network(), "loihi", TICKS, missing="mark")


@pytest.fixture(scope="module")
def nir_run():
    return run_nir(bundled(BUNDLED_MODEL), load_input_file(bundled(BUNDLED_SAMPLES)), "loihi_sanafe",
                   BUNDLED_DIALECT, samples=3)


@pytest.fixture(scope="module")
def small_sweep():
    return sweep(poisson_network(), "loihi_sanafe", TICKS, {"neurons_per_core": [8, 16], "e_synop_J": [2e-11, 3e-11]})


def _pandas():
    return pytest.importorskip("pandas", reason="to_pandas() needs pandas, which is not installed here")


def test_report_columns_hold_the_report_arrays(complete_run):
    r = complete_run.report
    energy = report_columns(r, "energy")
    assert list(energy) == list(REPORT_TABLES["energy"])
    assert list(energy["class"]) == list(r.energy.classes) and list(energy["unit_key"]) == list(r.energy.unit_keys)
    np.testing.assert_array_equal(energy["count"], r.energy.counts)
    np.testing.assert_array_equal(energy["unit_value"], r.energy.unit_values)
    np.testing.assert_array_equal(energy["energy_J"], r.energy.energy_J)
    assert energy["published"].all() and energy["energy_J"].sum() == r.energy.total_J
    cores = report_columns(r, "cores")
    assert list(cores) == list(REPORT_TABLES["cores"]) and cores["core"].size == r.energy.cores.size > 1
    np.testing.assert_array_equal(cores["core"], r.energy.cores)
    np.testing.assert_array_equal(np.stack([cores["x"], cores["y"]], axis=1), r.core_xy)
    np.testing.assert_array_equal(cores["synops"], r.core_synops)
    np.testing.assert_array_equal(cores["busy_s"], r.latency.core_busy_s)
    np.testing.assert_allclose(cores["energy_J"], r.energy.core_energy_J.sum(axis=0))
    pops = report_columns(r, "populations")
    assert list(pops["population"]) == ["in", "h", "o"]
    np.testing.assert_array_equal(pops["spikes"], r.population_spikes)
    np.testing.assert_array_equal(pops["synops"], r.population_synops)


def test_unpublished_classes_are_marked_in_the_columns(partial_run):
    energy = report_columns(partial_run.report, "energy")
    left_out = {name for _, name in partial_run.report.energy.missing}
    assert "spikes" in left_out
    assert {c for c, p in zip(energy["class"], energy["published"]) if not p} == left_out


def test_an_unknown_table_is_refused_with_the_choices(complete_run):
    with pytest.raises(NeurosimError, match="energy, cores, populations"):
        report_columns(complete_run.report, "links")


def test_to_pandas_without_pandas_names_the_install(complete_run, small_sweep, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    for call in (complete_run.report.to_pandas, complete_run.to_pandas, small_sweep.to_pandas):
        with pytest.raises(NeurosimError, match=r"needs pandas, which is not installed: pip install pandas$"):
            call()


def test_report_and_run_dataframes_equal_the_columns(complete_run):
    pd = _pandas()
    for table in REPORT_TABLES:
        frame = complete_run.report.to_pandas(table)
        assert isinstance(frame, pd.DataFrame)
        expected = report_columns(complete_run.report, table)
        assert list(frame.columns) == list(expected)
        for name, values in expected.items():
            assert frame[name].tolist() == values.tolist(), name
        assert complete_run.to_pandas(table).equals(frame)


def test_nir_run_dataframe_has_one_row_per_sample(nir_run):
    _pandas()
    frame = nir_run.to_pandas()
    assert list(frame.columns) == ["sample", "prediction", "label", "correct"]
    assert frame["sample"].tolist() == [0, 1, 2]
    assert frame["prediction"].tolist() == nir_run.predictions.tolist()
    assert frame["label"].tolist() == nir_run.labels[:3].tolist()
    assert int(frame["correct"].sum()) == nir_run.hits
    assert nir_run.to_pandas("populations")["population"].tolist() == list(nir_run.report.energy.populations)


def test_sweep_dataframe_has_one_row_per_point(small_sweep):
    _pandas()
    frame = small_sweep.to_pandas()
    assert list(frame.columns) == list(small_sweep.columns)
    assert len(frame) == len(small_sweep.rows) == 4
    assert frame["point"].tolist() == [r["point"] for r in small_sweep.rows]
    assert frame["how"].tolist() == ["simulated", "recosted", "rerouted", "recosted"]
    assert frame["energy_J"].tolist() == [r["energy_J"] for r in small_sweep.rows]


def test_report_html_shows_figures_with_units(complete_run):
    page = complete_run.report._repr_html_()
    assert page.startswith("<table>") and page.count("<table>") == 2
    assert "loihi_sanafe" in page and "energy per sample" in page and "latency per sample" in page
    assert " nJ" in page or " µJ" in page
    assert "partial" not in page and "not published" not in page
    assert complete_run._repr_html_() == page


def test_partial_report_html_marks_partial_totals_and_unpublished_numbers(partial_run):
    page = partial_run._repr_html_()
    assert "(partial)" in page and "total (partial)" in page
    assert "<td>not published</td><td>e_spike_J, t_spike_s;" in page
    assert "--fallback KEY=VALUE" in page
    assert "<td>spikes</td>" in page and "<td>not published</td></tr>" in page


def test_nir_run_html_leads_with_the_accuracy(nir_run):
    page = nir_run._repr_html_()
    assert f"<td>accuracy</td><td>{nir_run.hits}/3 " in page
    assert page.index("accuracy") < page.index("energy per sample")


def test_sweep_html_has_one_row_per_point_with_units(small_sweep):
    page = small_sweep._repr_html_()
    assert page.count("<tr>") == 1 + len(small_sweep.rows)
    assert "4 points, 1 simulated, 1 re-routed, 2 re-costed" in page
    assert "<th>energy</th>" in page and "<th>latency</th>" in page
    assert " nJ</td>" in page or " µJ</td>" in page


def test_html_escapes_names():
    from neurosim.cost_model.tables import html_table

    assert html_table([("<b>", None)]) == "<table><tr><td>&lt;b&gt;</td><td>-</td></tr></table>"
