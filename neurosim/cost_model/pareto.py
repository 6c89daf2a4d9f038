"""Pareto fronts of sweep tables: the rows no other row beats on every objective.

Objectives are minimised, except ``accuracy`` (and any name in ``maximize``), which is maximised.
Row ``a`` dominates row ``b`` when ``a`` is no worse than ``b`` on every objective and strictly
better on at least one; the front is the rows that no row dominates. Rows with an error or a
missing (``None``/empty/NaN) objective value take no part. A row whose totals are partial (a
``partial`` cell naming the unpublished numbers they leave out, ``docs/explore.md``) is compared
only with rows that leave out the same numbers: a sum of fewer terms is not a better design.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAXIMIZED = ("accuracy",)
"""Objectives maximised by default."""


def objective_value(value: Any) -> float | None:
    """``value`` as a float, or ``None`` where a row has no usable number (missing, empty, bool, NaN)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def pareto_front(rows: Iterable[Mapping[str, Any]], objectives: Sequence[str] = ("energy_J", "latency_s"),
                 maximize: Iterable[str] = MAXIMIZED) -> list[Mapping[str, Any]]:
    """The non-dominated rows of ``rows``, in their original order.

    Parameters
    ----------
    rows : iterable of mapping
        Table rows (``SweepResult.rows``), each with the ``objectives`` as columns.
    objectives : sequence of str
        Two or three column names.
    maximize : iterable of str
        Objectives to maximise (default: ``accuracy``); the others are minimised.

    Returns
    -------
    list of mapping
        The front's rows: with partial rows (see the module docstring), the union of the fronts of
        each set of rows leaving out the same numbers.

    Raises
    ------
    ValueError
        If fewer than 2 or more than 3 objectives are given.
    """
    objectives = tuple(objectives)
    if not 2 <= len(objectives) <= 3:
        raise ValueError(f"pareto_front: give 2 or 3 objectives, got {len(objectives)} ({', '.join(objectives)})")
    flip = {k: -1.0 if k in set(maximize) else 1.0 for k in objectives}
    keyed = []
    for row in rows:
        if row.get("error"):
            continue
        values = [objective_value(row.get(k)) for k in objectives]
        if any(v is None for v in values):
            continue
        keyed.append((row, tuple(flip[k] * v for k, v in zip(objectives, values)), row.get("partial") or None))
    front = []
    for row, a, left_out in keyed:
        dominated = any(same == left_out and all(bi <= ai for ai, bi in zip(a, b))
                        and any(bi < ai for ai, bi in zip(a, b)) for _, b, same in keyed)
        if not dominated:
            front.append(row)
    return front
