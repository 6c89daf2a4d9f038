"""plot_energy_reports: any number of reports side by side, stacked by class, totals (and partial marks) on top."""
from __future__ import annotations

import pytest

from networks import poisson_network
from neurosim.errors import PlotError
from neurosim.plots import plot_energy_reports
from neurosim.workflows.run import run_on_chip

TICKS = 30


@pytest.fixture(scope="module")
def reports():
    sanafe = run_on_chip(poisson_network(), "loihi_sanafe", TICKS).report
    loihi = run_on_chip(poisson_network(), "loihi", TICKS, missing="mark").report  # no spike energy: partial
    generic = run_on_chip(poisson_network(), "generic_45nm", TICKS, latency=False).report
    return [sanafe, loihi, generic]


def test_one_bar_per_report_whose_stack_is_its_total(reports):
    ax = plot_energy_reports(reports)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["loihi_sanafe", "loihi", "generic_45nm"]
    for j, r in enumerate(reports):
        height = sum(p.get_height() for p in ax.patches if abs(p.get_x() + p.get_width() / 2 - j) < 1e-9)
        assert height == pytest.approx(r.energy.total_J)
    assert [t.get_text() for t in ax.texts] == [f"{reports[0].energy.total_J:.3g} J",
                                                f"{reports[1].energy.total_J:.3g} J (partial)",
                                                f"{reports[2].energy.total_J:.3g} J"]


def test_per_sample_divides_by_the_samples(reports):
    ax = plot_energy_reports(reports[:1], per_sample=True, labels=["a"])
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(reports[0].energy.total_J / reports[0].samples)
    assert ax.get_ylabel() == "energy per sample (J)"


def test_labels_must_match_the_reports(reports):
    with pytest.raises(PlotError, match="2 labels for 3 reports"):
        plot_energy_reports(reports, labels=["a", "b"])
