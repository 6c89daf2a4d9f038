"""The Pareto front of a design-space sweep (:func:`neurosim.workflows.sweep.sweep`): two objectives, one scatter."""
from __future__ import annotations

from typing import Any, Callable

from matplotlib.axes import Axes

from neurosim.cost_model.pareto import MAXIMIZED, objective_value, pareto_front
from neurosim.plots._common import new_axes


def plot_pareto(result, x: str = "energy_J", y: str = "latency_s", ax: Axes | None = None,
                label_point: str | Callable[[dict], str] | None = None) -> Axes:
    """Every successful point of ``result`` (grey) and its non-dominated points on ``x``, ``y`` (joined;
    one front, labelled, per set of unpublished numbers that partial rows leave out).

    Parameters
    ----------
    result : SweepResult, or a list of row dicts
    x, y : column names; minimised, except ``accuracy`` (maximised).
    label_point : a column name, or a function of a row returning its label; labels the front's points.

    Returns
    -------
    Axes
    """
    ax = new_axes(ax)
    rows = result.rows if hasattr(result, "rows") else list(result)
    ok = [r for r in rows if not r.get("error") and objective_value(r.get(x)) is not None and objective_value(r.get(y)) is not None]
    front = sorted(pareto_front(ok, (x, y)), key=lambda r: float(r[x]))
    ax.scatter([float(r[x]) for r in ok], [float(r[y]) for r in ok], s=18, color="0.6", label=f"points ({len(ok)})")
    left_out = list(dict.fromkeys(r.get("partial") or None for r in front))
    for k, keys in enumerate(left_out):  # one front per set of unpublished numbers the totals leave out
        line = [r for r in front if (r.get("partial") or None) == keys]
        mark = "" if keys is None else f", partial: without {keys}"
        ax.plot([float(r[x]) for r in line], [float(r[y]) for r in line], "o-", color=f"C{3 + k}", ms=6,
                label=f"Pareto front ({len(line)}{mark})")
    if label_point is not None:
        name = label_point if callable(label_point) else (lambda r, c=label_point: f"{c}={r.get(c)}")
        for r in front:
            ax.annotate(str(name(r)), (float(r[x]), float(r[y])), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)
    ax.set_xlabel(x + (" (maximised)" if x in MAXIMIZED else ""))
    ax.set_ylabel(y + (" (maximised)" if y in MAXIMIZED else ""))
    ax.set_title(f"sweep: {len(rows)} points, {len(rows) - len(ok)} failed")
    ax.legend(fontsize=8)
    return ax


def params_label(row: dict[str, Any], params: tuple[str, ...]) -> str:
    """``key=value`` of a row's varied parameters (the CLI's labels)."""
    return ", ".join(f"{k}={row.get(k)}" for k in params)
