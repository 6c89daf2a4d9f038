"""The one-call pictures of the CLI: a trace file or a report in, an image file out."""
from __future__ import annotations

import os
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neurosim.cost_model.unpublished import missing_keys
from neurosim.errors import PlotError
from neurosim.plots import OFF_MESH_KINDS, OFF_MESH_NOTE, REPORT_KINDS, TRACE_KINDS
from neurosim.plots.animation import write_traffic_animation
from neurosim.plots.energy import plot_energy, plot_energy_comparison
from neurosim.plots.links import plot_links
from neurosim.plots.mesh import plot_mesh
from neurosim.plots.raster import plot_raster
from neurosim.plots.timeline import plot_timeline


def plot_trace(path: str | os.PathLike, kind: str, out: str | os.PathLike, *, progress: bool = False,
               **options) -> Path:
    """Draw picture ``kind`` (:data:`TRACE_KINDS`) of the trace at ``path`` into the file ``out``.

    ``options`` go to the plot function (e.g. ``metric="synops"`` for ``mesh``, ``seconds=True``);
    for ``energy`` to :func:`neurosim.trace.cost_trace` (``profile=``, ``fallbacks=``, ``missing=``); for
    ``animation`` ``window=`` (ticks per frame, default 10), ``metric=`` (``packets`` or ``spikes``)
    and ``fps=``. The format follows ``out``'s suffix: png, svg, pdf; ``.gif`` or ``.mp4`` for
    ``animation``. ``progress=True`` shows a progress bar (stderr) while the trace is read.
    Returns ``out``.
    """
    from neurosim.trace import read_trace

    plot = {"raster": plot_raster, "mesh": plot_mesh, "links": plot_links, "timeline": plot_timeline}
    if kind not in TRACE_KINDS:
        raise PlotError(f"unknown trace picture '{kind}'; known: {', '.join(TRACE_KINDS)}")
    trace = read_trace(path, progress=progress)
    if kind == "animation":
        return write_traffic_animation(trace, out, **options)
    ax = plot_trace_energy(trace, **options) if kind == "energy" else plot[kind](trace, **options)
    if kind in OFF_MESH_KINDS and trace.mesh_published is False:
        ax.set_title(f"{ax.get_title()}\n{OFF_MESH_NOTE.format(profile=trace.profile)}", fontsize=9)
    return _save(ax, out)


def plot_trace_energy(trace, **cost_options) -> Axes:
    """Energy of a traced run (:func:`neurosim.trace.cost_trace`) by class and by population, side by side.

    Returns the left (by class) Axes; the right one shares its figure.
    """
    from neurosim.trace import cost_trace

    costed = cost_trace(trace, **cost_options)
    partial = f" (partial: {', '.join(missing_keys(costed.missing))} not published)" if costed.partial else ""
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    plot_energy(costed, left, by="class")
    plot_energy(costed, right, by="population")
    left.set_title("by class")
    right.set_title("by population (static energy belongs to cores)")
    fig.suptitle(f"energy of {costed.network} on {costed.chip}, {costed.ticks} ticks: {costed.energy.total_J:.4g} J"
                 f"{partial}")
    return left


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
            raise PlotError("plot_report(kind='compare') needs other=<a second report>")
        ax = plot_energy_comparison(report, _report(other), labels=labels)
    elif kind == "mesh":
        ax = plot_mesh(report, metric=options.pop("metric", "energy"), **options)
    elif kind in ("class", "population", "core"):
        ax = plot_energy(report, by=kind)
    else:
        raise PlotError(f"unknown report picture '{kind}'; known: {', '.join(REPORT_KINDS)}")
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
