"""Helpers shared by the plots: a fresh Axes on a pyplot-free Figure."""
from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def new_axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.8)) -> Axes:
    """``ax``, or the Axes of a new Figure (never pyplot's current figure; renders with Agg)."""
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").add_subplot()
