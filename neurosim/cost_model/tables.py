"""A report as tables: the columns of ``Report.to_pandas()`` and the HTML of ``Report._repr_html_``.

The column layouts (:data:`REPORT_TABLES`, documented in ``docs/notebooks.md``) are plain numpy
arrays here, so that they can be checked without pandas; :func:`data_frame` turns them into a
``pandas.DataFrame`` where pandas is installed (neurosim does not require it). The runs and sweeps
of :mod:`neurosim.workflows` build their HTML from :func:`html_table` too.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim._checks import si
from neurosim.errors import NeurosimError
from neurosim.cost_model.unpublished import MESH_KEYS, fill_hint, missing_keys

if TYPE_CHECKING:
    from neurosim.cost_model.energy import EnergyReport
    from neurosim.cost_model.latency import LatencyReport
    from neurosim.cost_model.report import Report

REPORT_TABLES: dict[str, dict[str, str]] = {
    "energy": {
        "class": "energy class (synops, neuron updates, spikes, packets, hops, static, ...)",
        "unit_key": "the profile key of its unit cost (the unit is the key's suffix: J, or W for static)",
        "count": "operations counted over the run (static: core-seconds)",
        "unit_value": "unit cost used (0 where the count is 0, or where the profile publishes none)",
        "energy_J": "count x unit_value, in J",
        "published": "False where the profile publishes no unit cost: the class is left out of the totals",
    },
    "cores": {
        "core": "global core id", "x": "router x", "y": "router y",
        "neurons": "model neurons placed on the core", "synops": "synaptic events received",
        "spikes": "spikes emitted", "energy_J": "energy of the core over all classes, in J",
        "busy_s": "time the core worked over the run, in s (NaN when latency was not modelled)",
    },
    "populations": {
        "population": "population or spike source name", "neurons": "its neurons",
        "spikes": "spikes emitted", "synops": "synaptic events received",
        "energy_J": "its energy over all classes, in J (static energy belongs to cores: not here)",
    },
}
"""Table name -> column -> meaning, for :func:`report_columns` (one row per class, core or population)."""


def report_columns(report: Report, table: str = "energy") -> dict[str, np.ndarray]:
    """One table of ``report`` as columns (:data:`REPORT_TABLES` gives the layouts).

    Parameters
    ----------
    report : Report
    table : str
        ``"energy"`` (one row per energy class), ``"cores"`` (per used core) or ``"populations"``.

    Returns
    -------
    dict of str to ndarray
        The columns of :data:`REPORT_TABLES` ``[table]``, in order, all of one length.

    Raises
    ------
    NeurosimError
        If ``table`` is not one of :data:`REPORT_TABLES`.
    """
    e = report.energy
    if table == "energy":
        left_out = {name for _, name in e.missing}
        return {"class": np.array(e.classes, dtype=object), "unit_key": np.array(e.unit_keys, dtype=object),
                "count": np.asarray(e.counts, dtype=np.float64), "unit_value": np.asarray(e.unit_values, np.float64),
                "energy_J": np.asarray(e.energy_J, dtype=np.float64),
                "published": np.array([name not in left_out for name in e.classes], dtype=bool)}
    if table == "cores":
        lat = report.latency
        busy = np.asarray(lat.core_busy_s, np.float64) if lat is not None else np.full(e.cores.size, np.nan)
        return {"core": np.asarray(e.cores, np.int64), "x": np.asarray(report.core_xy[:, 0], np.int64),
                "y": np.asarray(report.core_xy[:, 1], np.int64), "neurons": np.asarray(report.core_neurons, np.int64),
                "synops": np.asarray(report.core_synops, np.int64), "spikes": np.asarray(report.core_spikes, np.int64),
                "energy_J": e.core_energy_J.sum(axis=0).astype(np.float64), "busy_s": busy}
    if table == "populations":
        return {"population": np.array(e.populations, dtype=object),
                "neurons": np.asarray(report.population_size, np.int64),
                "spikes": np.asarray(report.population_spikes, np.int64),
                "synops": np.asarray(report.population_synops, np.int64),
                "energy_J": e.population_energy_J.sum(axis=0).astype(np.float64)}
    raise NeurosimError(f"a report has no table {table!r}; ask for one of {', '.join(REPORT_TABLES)}")


def require_pandas(what: str) -> Any:
    """The ``pandas`` module, or a one-line :class:`NeurosimError` saying ``what`` needs it and how to get it."""
    try:
        import pandas
    except ImportError:
        raise NeurosimError(f"{what} needs pandas, which is not installed: pip install pandas") from None
    return pandas


def data_frame(columns: Mapping[str, Sequence[Any] | np.ndarray], what: str) -> Any:
    """``columns`` as a ``pandas.DataFrame`` (columns in order); ``what`` names the caller in the error
    raised when pandas is absent."""
    return require_pandas(what).DataFrame({name: np.asarray(values) for name, values in columns.items()})


def figure_text(value: float, unit: str, section: EnergyReport | LatencyReport) -> str:
    """``value`` with its marks: ``(estimated)``, ``(partial)``; "not published" when every term is missing."""
    if section.partial and value == 0:
        return "not published (every term needs a number the profile does not publish)"
    marks = [m for m, on in (("estimated", section.estimated), ("partial", section.partial)) if on]
    return si(value, unit) + (f" ({', '.join(marks)})" if marks else "")


def not_published_text(report: Report) -> str | None:
    """The keys the profile does not publish and how to fill them, or ``None`` when it publishes all."""
    keys = missing_keys(report.missing)
    if not keys:
        return None
    fills = [k for k in keys if k not in MESH_KEYS]
    how = [f"--fallback KEY=VALUE ({', '.join(fills)})"] if fills else []
    how += [fill_hint(k) for k in keys if k in MESH_KEYS][:1]
    return f"{', '.join(keys)}; the totals marked partial leave out the terms that need them (fill with " \
           f"{' or '.join(how)})"


def html_table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None, caption: str | None = None) -> str:
    """A compact HTML table of ``rows`` (cells escaped; ``None`` shows as "-")."""
    def cell(tag: str, value: Any) -> str:
        return f"<{tag}>{html.escape('-' if value is None else str(value))}</{tag}>"

    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    if header:
        parts.append("<tr>" + "".join(cell("th", h) for h in header) + "</tr>")
    parts += ["<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in rows]
    parts.append("</table>")
    return "".join(parts)


def summary_rows(report: Report) -> list[tuple[str, str]]:
    """(figure, value with unit and marks) of the report's summary: what ``_repr_html_`` shows first."""
    e, lat = report.energy, report.latency
    rows = [("chip", report.chip), ("network", report.network),
            ("run", f"{report.samples} sample(s) x {report.ticks_per_sample} ticks"),
            ("cores used", str(e.cores.size)),
            ("energy per sample", figure_text(e.total_J / report.samples, "J", e)),
            ("energy, whole run", figure_text(e.total_J, "J", e))]
    if lat is None:
        rows.append(("latency per sample", "not modelled (latency=False)"))
    else:
        rows.append(("latency per sample", figure_text(lat.sample_time_s, "s", lat)))
    rows.append(("SynOps per sample", f"{report.operations.synops / report.samples:.6g}"))
    unpublished = not_published_text(report)
    if unpublished:
        rows.append(("not published", unpublished))
    if report.assumed:
        rows.append(("estimated", "rests on assumed or fallback values of " + ", ".join(v.key for v in report.assumed)))
    return rows


def report_html(report: Report, first: Sequence[tuple[str, str]] = ()) -> str:
    """The report's summary figures (after the rows ``first``), then its energy per class, as HTML."""
    e = report.energy
    cols = report_columns(report, "energy")
    classes = []
    for name, key, count, unit, joules, published in zip(*cols.values()):
        unit_cost = si(unit, key.rsplit("_", 1)[1])
        if not published:
            classes.append((name, f"{count:.6g}", unit_cost if unit else "not published",
                            f"{si(joules, 'J')} partial" if joules else "not published"))
        elif count:
            classes.append((name, f"{count:.6g}", unit_cost, si(joules, "J")))
    total = "total (partial)" if e.partial else "total"
    classes.append((total, "", "", si(e.total_J, "J")))
    title = f"neurosim report: '{report.network}' on '{report.chip}'" + (" (partial)" if report.partial else "")
    return (html_table([*first, *summary_rows(report)], caption=title)
            + html_table(classes, header=("energy class", "count", "unit cost", "energy"),
                         caption=f"energy per class ({e.model})"))
