"""Pictures of traces and reports (matplotlib, headless: no pyplot, figures render with Agg).

Each ``plot_x(data, ax=None, ...) -> Axes`` draws on ``ax`` or on a new Figure. :func:`plot_trace`
and :func:`plot_report` are the one-call entry points for the CLI: file in, image out. matplotlib is
imported on the first use of a plot function, not with this package (``import neurosim.cli`` stays
fast: ``docs/decisions/0023-start-up.md``).
"""
from __future__ import annotations

import importlib

TRACE_KINDS = ("raster", "mesh", "links", "timeline", "energy", "animation")
OFF_MESH_KINDS = ("mesh", "links", "timeline")
"""Trace pictures that draw core positions, links or hops: noted when the trace's mesh is not published."""
OFF_MESH_NOTE = "'{profile}' publishes no router mesh: its tiles drawn in one numbered row, hops not the chip's"
REPORT_KINDS = ("class", "population", "core", "mesh", "compare")

# Where each plot function lives: imported on first access (PEP 562).
_MODULES = {
    "save_animation": "animation", "traffic_animation": "animation", "traffic_frames": "animation",
    "write_traffic_animation": "animation", "plot_energy": "energy", "plot_energy_comparison": "energy",
    "plot_energy_reports": "energy", "plot_links": "links", "plot_mesh": "mesh", "plot_pareto": "pareto",
    "plot_raster": "raster", "plot_timeline": "timeline", "plot_trace": "files", "plot_trace_energy": "files",
    "plot_report": "files",
}

__all__ = ["REPORT_KINDS", "TRACE_KINDS", *sorted(_MODULES)]


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module 'neurosim.plots' has no attribute '{name}'")
    return getattr(importlib.import_module(f"neurosim.plots.{_MODULES[name]}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
