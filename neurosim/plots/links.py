"""Link traffic on the mesh: each directed link coloured by its packets, the busiest highlighted."""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize

from neurosim.errors import PlotError
from neurosim.plots._common import new_axes

_STEP = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])  # link direction 0 +x, 1 -x, 2 +y, 3 -y
_SIDE = 0.12  # the two directions of a link are drawn side by side, offset by this much


def link_segments(grid_shape: tuple[int, int]) -> np.ndarray:
    """(4 X Y, 2, 2) drawn ends of every directed link id (off-grid links: a zero-length segment)."""
    width, height = grid_shape
    ids = np.arange(4 * width * height)
    cell, direction = np.divmod(ids, 4)
    y, x = np.divmod(cell, width)
    start = np.stack([x, y], axis=1).astype(float)
    step = _STEP[direction]
    normal = np.stack([-step[:, 1], step[:, 0]], axis=1) * _SIDE  # left of the direction of travel
    a, b = start + 0.15 * step + normal, start + 0.85 * step + normal
    end = start + step
    off = (end[:, 0] < 0) | (end[:, 0] >= width) | (end[:, 1] < 0) | (end[:, 1] >= height)
    b[off] = a[off]
    return np.stack([a, b], axis=1)


def plot_links(data, ax: Axes | None = None, *, grid_shape: tuple[int, int] | None = None, top: int = 3,
               cmap: str = "viridis") -> Axes:
    """Packets per directed link on the mesh.

    Parameters
    ----------
    data : a :class:`~neurosim.trace.Trace`, a :class:`~neurosim.cost_model.traffic.Traffic`,
        or an array of per-link packets (then ``grid_shape`` is required).
    top : how many of the busiest links to highlight (thick red outline, labelled in the legend).

    Returns
    -------
    Axes
        One line per directed link coloured by its load (colour bar), routers as grey squares.
    """
    ax = new_axes(ax)
    load, shape = _load(data, grid_shape)
    segments = link_segments(shape)
    norm = Normalize(0, max(float(load.max(initial=0)), 1.0))
    busiest = [int(i) for i in np.argsort(-load, kind="stable")[:top] if load[i] > 0]
    if busiest:
        ax.add_collection(LineCollection(segments[busiest], colors="red", linewidths=6, alpha=0.5,
                                         label=f"busiest {len(busiest)}: " + ", ".join(
                                             f"link {i} ({int(load[i])})" for i in busiest)))
    lines = LineCollection(segments, cmap=cmap, norm=norm, linewidths=2.5)
    lines.set_array(load.astype(float))
    ax.add_collection(lines)
    gx, gy = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]))
    ax.plot(gx.ravel(), gy.ravel(), ls="none", marker="s", ms=6, color="0.6")
    ax.figure.colorbar(lines, ax=ax, label="packets per link")
    ax.set_xlim(-0.5, shape[0] - 0.5)
    ax.set_ylim(-0.5, shape[1] - 0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")
    ax.set_title(f"link traffic ({int(load.sum())} link crossings)")
    if busiest:
        ax.legend(loc="upper right", fontsize="x-small")
    return ax


def _load(data, grid_shape):
    if hasattr(data, "link_load") and hasattr(data, "grid_shape"):  # Trace
        return np.asarray(data.link_load), tuple(data.grid_shape)
    if hasattr(data, "link_load") and hasattr(data, "routes"):  # Traffic
        return np.asarray(data.link_load), tuple(data.routes.grid_shape)
    if grid_shape is None:
        raise PlotError("plot_links: pass grid_shape=(X, Y) with a plain array of link loads")
    load = np.asarray(data)
    if load.shape != (4 * grid_shape[0] * grid_shape[1],):
        raise PlotError(f"plot_links: {load.shape[0]} link loads do not fit a {grid_shape} mesh (4 X Y links)")
    return load, tuple(grid_shape)
