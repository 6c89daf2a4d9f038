"""Helpers shared by the plots: a fresh Axes on a pyplot-free Figure, integer mesh ticks."""
from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def new_axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.8)) -> Axes:
    """``ax``, or the Axes of a new Figure (never pyplot's current figure; renders with Agg)."""
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").add_subplot()


def integer_ticks(ax: Axes, width: int, height: int) -> None:
    """Ticks at router coordinates of a ``width`` x ``height`` mesh: one per router on meshes of up
    to 64 routers, a few integer ones on larger meshes."""
    if width * height <= 64:
        ax.set_xticks(range(width))
        ax.set_yticks(range(height))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
