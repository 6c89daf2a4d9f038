"""Per-core heat map on the mesh of routers, the hottest core marked."""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from neurosim.errors import PlotError
from neurosim.plots._common import integer_ticks, new_axes

TRACE_METRICS = ("spikes", "synops", "updates", "utilisation")
REPORT_METRICS = ("energy", "spikes", "synops", "neurons", "utilisation")
_UNITS = {"energy": "energy (J)", "spikes": "spikes", "synops": "synaptic events", "updates": "neuron updates",
          "neurons": "neurons", "utilisation": "neurons / core capacity"}


def core_values(data, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """(core ids (C,), their router (x, y) (C, 2), values (C,), grid (X, Y)) of a Trace or a Report.

    Trace metrics: :data:`TRACE_METRICS`; Report metrics: :data:`REPORT_METRICS` (utilisation of a
    report is relative to its fullest core).
    """
    if hasattr(data, "packets"):  # a Trace
        if metric not in TRACE_METRICS:
            raise PlotError(f"mesh metric '{metric}' is not one of a trace's: {', '.join(TRACE_METRICS)}")
        nc = data.neuron_core[data.neuron_core >= 0]
        ids = data.core_ids if data.core_ids is not None else np.unique(nc)
        col = np.searchsorted(ids, nc)
        if metric == "utilisation":
            neurons = np.bincount(col, minlength=ids.size).astype(float)
            values = neurons / (data.neurons_per_core or max(neurons.max(initial=0), 1))
        elif metric == "spikes":
            core = data.neuron_core[data.spikes["neuron"]]
            values = np.bincount(np.searchsorted(ids, core[core >= 0]), minlength=ids.size)
        else:
            table = data.core_events if metric == "synops" else data.core_updates
            if table is None:
                raise PlotError(f"mesh metric '{metric}' needs per-core counters; write the trace with counters=True")
            values = table.sum(axis=0)
        return ids, data.core_xy[ids], np.asarray(values, dtype=float), tuple(data.grid_shape)
    if metric not in REPORT_METRICS:
        raise PlotError(f"mesh metric '{metric}' is not one of a report's: {', '.join(REPORT_METRICS)}")
    ids, xy = np.asarray(data.energy.cores), np.asarray(data.core_xy).reshape(-1, 2)
    values = {"energy": lambda: data.energy.core_energy_J.sum(axis=0), "spikes": lambda: data.core_spikes,
              "synops": lambda: data.core_synops, "neurons": lambda: data.core_neurons,
              "utilisation": lambda: data.core_neurons / max(data.core_neurons.max(initial=0), 1)}[metric]()
    grid = tuple(int(g) for g in (xy.max(axis=0) + 1)) if xy.size else (1, 1)
    return ids, xy, np.asarray(values, dtype=float), grid


def plot_mesh(data, ax: Axes | None = None, *, metric: str = "spikes", cmap: str = "inferno") -> Axes:
    """Heat map of ``metric`` per router of the mesh (the cores of a tile summed), hottest core marked.

    Parameters
    ----------
    data : a :class:`~neurosim.trace.Trace` or a :class:`~neurosim.cost_model.Report`.
    metric : see :func:`core_values`.

    Returns
    -------
    Axes
        x, y: router coordinates; a colour bar; a cyan ``x`` on the hottest core's router, its label
        ``hottest core <id>: <value>`` (in the legend).
    """
    ax = new_axes(ax)
    ids, xy, values, (width, height) = core_values(data, metric)
    grid = np.zeros((height, width))
    np.add.at(grid, (xy[:, 1], xy[:, 0]), values)
    image = ax.imshow(grid, origin="lower", cmap=cmap, extent=(-0.5, width - 0.5, -0.5, height - 0.5),
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=_UNITS[metric])
    if values.size and values.max() > 0:
        k = int(np.argmax(values))
        ax.plot([xy[k, 0]], [xy[k, 1]], ls="none", marker="x", ms=12, mew=2.5, color="cyan",
                label=f"hottest core {int(ids[k])}: {values[k]:.4g}")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")
    ax.set_title(f"{_UNITS[metric]} per core")
    integer_ticks(ax, width, height)
    if width * height > 64 and xy.size:
        # A large mesh (TrueNorth's 64 x 64) with a few busy cores: show the part in use.
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        ax.set_xlim(max(lo[0] - 1.5, -0.5), min(hi[0] + 1.5, width - 0.5))
        ax.set_ylim(max(lo[1] - 1.5, -0.5), min(hi[1] + 1.5, height - 0.5))
    return ax


