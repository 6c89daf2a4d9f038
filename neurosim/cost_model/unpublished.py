"""Figures a profile cannot give: which number each one lacks, and how to fill it.

A cost model run with ``missing="mark"`` (:class:`~neurosim.cost_model.energy.CostValues`) leaves
out every term whose unit value the profile does not publish and records it as a pair
``(key, what needs it)``: ``("t_spike_s", "population spikes")``. A total that leaves out such a
term is *partial*. The keys are profile field names; ``mesh_x`` and ``mesh_y`` stand for hop and
chip-crossing counts, which a profile without a published router mesh cannot give.
"""
from __future__ import annotations

from collections.abc import Iterable

from neurosim.errors import ModelError

MISSING_MODES = ("error", "mark")
"""What the cost model does with a number the profile does not give: raise, or mark the figure."""

MESH_KEYS = ("mesh_x", "mesh_y")
"""The profile fields that hop, link and chip-crossing counts need."""

Missing = tuple[tuple[str, str], ...]
"""``((key, what needs it), ...)``: the unpublished numbers a report left out."""


def missing_keys(missing: Missing) -> tuple[str, ...]:
    """The distinct keys of ``missing``, in order of first appearance."""
    return tuple(dict.fromkeys(key for key, _ in missing))


def fill_hint(key: str) -> str:
    """How a user supplies ``key``: ``--fallback KEY=VALUE`` (a mesh: a profile that gives one)."""
    if key in MESH_KEYS:
        return "a profile that gives chip.mesh_x and chip.mesh_y (profile.replace(mesh_x=..., mesh_y=...))"
    return f"--fallback {key}=VALUE"


def missing_lines(missing: Missing, indent: str = "  ") -> list[str]:
    """One line per missing key: what it leaves out and how to fill it."""
    needs: dict[str, list[str]] = {}
    for key, why in missing:
        if why not in needs.setdefault(key, []):
            needs[key].append(why)
    return [f"{indent}not published: {key} ({', '.join(whys)}); fill with {fill_hint(key)}"
            for key, whys in needs.items()]


def check_mode(missing: str) -> str:
    """``missing`` if it is one of :data:`MISSING_MODES`."""
    if missing not in MISSING_MODES:
        raise ModelError(f"missing={missing!r}: choose 'error' (raise for a number the profile does not give) "
                         f"or 'mark' (leave its term out and mark the total partial)")
    return missing


def as_missing(pairs: Iterable[Iterable[str]]) -> Missing:
    """``pairs`` (e.g. lists read back from JSON) as a :data:`Missing` tuple."""
    return tuple((str(key), str(why)) for key, why in pairs)
