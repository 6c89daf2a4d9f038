"""Pictures of traces and reports (matplotlib, headless: no pyplot, figures render with Agg).

Each ``plot_x(data, ax=None, ...) -> Axes`` draws on ``ax`` or on a new Figure. :func:`plot_trace`
and :func:`plot_report` are the one-call entry points for the CLI: file in, image out.
"""
from __future__ import annotations

import os
from pathlib import Path

from neurosim.plots.energy import plot_energy, plot_energy_comparison
from neurosim.plots.links import plot_links
from neurosim.plots.mesh import plot_mesh
from neurosim.plots.pareto import plot_pareto
from neurosim.plots.raster import plot_raster
from neurosim.plots.timeline import plot_timeline

TRACE_KINDS = ("raster", "mesh", "links", "timeline")
REPORT_KINDS = ("class", "population", "core", "mesh", "compare")

__all__ = ["REPORT_KINDS", "TRACE_KINDS", "plot_energy", "plot_energy_comparison", "plot_links", "plot_mesh",
           "plot_pareto", "plot_raster", "plot_report", "plot_timeline", "plot_trace"]


def plot_trace(path: str | os.PathLike, kind: str, out: str | os.PathLike, **options) -> Path:
    """Draw picture ``kind`` (:data:`TRACE_KINDS`) of the trace at ``path`` into the image file ``out``.

    ``options`` go to the plot function (e.g. ``metric="synops"`` for ``mesh``, ``seconds=True``).
    The format follows ``out``'s suffix (png, svg, pdf). Returns ``out``.
    """
    from neurosim.trace import read_trace

    plot = {"raster": plot_raster, "mesh": plot_mesh, "links": plot_links, "timeline": plot_timeline}
    if kind not in plot:
        raise ValueError(f"unknown trace picture '{kind}'; known: {', '.join(TRACE_KINDS)}")
    ax = plot[kind](read_trace(path), **options)
    return _save(ax, out)


def plot_report(report, out: str | os.PathLike, kind: str = "class", other=None, labels=None, **options) -> Path:
    """Draw picture ``kind`` (:data:`REPORT_KINDS`) of ``report`` into the image file ``out``.

    ``report`` (and ``other``, needed by ``compare``) are :class:`~neurosim.cost_model.Report` objects or
    paths to ``Report.to_json`` files. ``class``/``population``/``core``: stacked energy bars;
    ``mesh``: energy per core on the mesh (``metric=`` another report metric); ``compare``: ``report``
    and ``other`` side by side. Returns ``out``.
    """
    report = _report(report)
    if kind == "compare":
        if other is None:
            raise ValueError("plot_report(kind='compare') needs other=<a second report>")
        ax = plot_energy_comparison(report, _report(other), labels=labels)
    elif kind == "mesh":
        ax = plot_mesh(report, metric=options.pop("metric", "energy"), **options)
    elif kind in ("class", "population", "core"):
        ax = plot_energy(report, by=kind)
    else:
        raise ValueError(f"unknown report picture '{kind}'; known: {', '.join(REPORT_KINDS)}")
    return _save(ax, out)


def _report(report):
    if isinstance(report, (str, os.PathLike)):
        from neurosim.cost_model import Report

        return Report.from_json(Path(report).read_text())
    return report


def _save(ax, out: str | os.PathLike) -> Path:
    out = Path(out)
    ax.figure.savefig(out, dpi=120)
    return out
