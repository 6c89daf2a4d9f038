"""Energy breakdowns of a :class:`~neurosim.cost_model.Report`: stacked bars by class."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.axes import Axes

from neurosim.errors import PlotError
from neurosim.plots._common import new_axes


def plot_energy(report, ax: Axes | None = None, *, by: str = "class") -> Axes:
    """Energy of ``report`` as stacked bars, one colour per energy class.

    Parameters
    ----------
    by : ``"class"``: one bar per energy class; ``"population"``: one bar per population, stacked
        by class; ``"core"``: one bar per used core (plus ``host`` when spike sources sent
        packets), stacked by class.

    Returns
    -------
    Axes
        y: energy in J; a legend of the classes drawn (those with energy).
    """
    ax = new_axes(ax)
    e = report.energy
    if by == "class":
        names, table = list(e.classes), np.diag(np.asarray(e.energy_J, dtype=float))
    elif by == "population":
        names, table = list(e.populations), np.asarray(e.population_energy_J, dtype=float)
    elif by == "core":
        names = [f"core {c}" for c in e.cores]
        table = np.asarray(e.core_energy_J, dtype=float)
        if np.any(e.host_energy_J):
            names, table = names + ["host"], np.column_stack([table, e.host_energy_J])
    else:
        raise PlotError(f"plot_energy: by='{by}' is not one of class, population, core")
    _stacked(ax, names, list(e.classes), table)
    ax.set_xlabel(by)
    ax.set_ylabel("energy (J)")
    ax.set_title(f"energy by {by}: {report.network} on {report.chip}, total {e.total_J:.3g} J")
    return ax


def plot_energy_comparison(a, b, ax: Axes | None = None, *, labels: Sequence[str] | None = None) -> Axes:
    """Two reports side by side: one bar each, stacked by energy class (classes of either report)."""
    labels = list(labels) if labels is not None else [f"{a.chip}", f"{b.chip}"]
    if labels[0] == labels[1]:
        labels = [f"{labels[0]} (a)", f"{labels[1]} (b)"]
    ax = plot_energy_reports([a, b], ax, labels=labels)
    ax.set_xlabel("report")
    ax.set_title("energy comparison")
    return ax


def plot_energy_reports(reports: Sequence, ax: Axes | None = None, *, labels: Sequence[str] | None = None,
                        per_sample: bool = False) -> Axes:
    """Reports side by side (e.g. one model on several chips): one bar each, stacked by energy class.

    Parameters
    ----------
    reports : sequence of Report
    labels : sequence of str, optional
        One per report (default: each report's chip).
    per_sample : bool
        Plot the energy per sample (total / ``report.samples``) instead of the whole run's.

    Returns
    -------
    Axes
        Each bar's total is written on top, marked "partial" where the profile leaves a class out.
    """
    ax = new_axes(ax)
    labels = list(labels) if labels is not None else [r.chip for r in reports]
    if len(labels) != len(reports):
        raise PlotError(f"plot_energy_reports: {len(labels)} labels for {len(reports)} reports; give one per report")
    classes = list(dict.fromkeys(c for r in reports for c in r.energy.classes))
    table = np.zeros((len(classes), len(reports)))
    for j, r in enumerate(reports):
        scale = 1 / r.samples if per_sample else 1.0
        for name, joules in zip(r.energy.classes, r.energy.energy_J):
            table[classes.index(name), j] = joules * scale
    _stacked(ax, labels, classes, table)
    for j, r in enumerate(reports):
        ax.annotate(f"{table[:, j].sum():.3g} J" + (" (partial)" if r.energy.partial else ""),
                    (j, table[:, j].sum()), ha="center", va="bottom")
    if table.any():
        ax.set_ylim(0, table.sum(axis=0).max() * 1.15)  # room for the totals above the bars
    ax.set_xlabel("chip")
    ax.set_ylabel("energy per sample (J)" if per_sample else "energy (J)")
    ax.set_title("energy per sample" if per_sample else "energy")
    return ax


def _stacked(ax: Axes, bars: list[str], classes: list[str], table: np.ndarray) -> None:
    """Bars ``bars`` (columns of ``table``) stacked by ``classes`` (rows); classes with no energy skipped."""
    x = np.arange(len(bars))
    bottom = np.zeros(len(bars))
    for k, name in enumerate(classes):
        if not np.any(table[k]):
            continue
        ax.bar(x, table[k], bottom=bottom, color=f"C{k % 10}", label=name)
        bottom += table[k]
    ax.set_xticks(x, bars, rotation=45 if len(bars) > 4 else 0, ha="right" if len(bars) > 4 else "center")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
