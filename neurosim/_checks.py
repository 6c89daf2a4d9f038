"""Small checks and formatters shared by every stage: one copy each.

- :func:`positive_int` and :func:`non_negative_int`: the integer arguments of the public API
  (sizes, tick counts, windows); ``bool`` is refused, numpy integers are accepted.
- :func:`did_you_mean`: the "did you mean" hint of the errors that name an unknown word.
- :func:`si`: a number with an SI prefix, as reports and the docs print it (``µ`` for micro).
- :func:`plain`: nested values as JSON-serialisable data.
- :func:`freeze_arrays`: the numpy arrays of a frozen dataclass made read-only (``frozen`` cannot).
- :func:`memory_limit` and :func:`check_memory`: the bytes a structure may take, checked before it
  is allocated (``docs/decisions/0010-memory-estimates-and-the-delay-ring.md``).

This module sits below every stage: it imports nothing of neurosim but :mod:`neurosim.errors`.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from neurosim.errors import ModelError

__all__ = ["check_memory", "did_you_mean", "freeze_arrays", "memory_limit", "non_negative_int", "plain", "positive_int",
           "si"]

MEMORY_LIMIT_ENV = "NEUROSIM_MEMORY_LIMIT"
"""Environment variable that overrides the default memory limit (bytes, or with a K, M, G or T suffix)."""
MEMORY_FRACTION = 0.8
"""Default memory limit: this fraction of the machine's physical memory."""
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def positive_int(value: Any, item: str, error: type[Exception] = ModelError) -> int:
    """``value`` as an ``int`` when it is a whole number of at least 1, else raise ``error``.

    Parameters
    ----------
    value : object
        The argument to check; Python and numpy integers pass, ``bool`` and floats do not.
    item : str
        What ``value`` is, as the message names it (``"population 'hid': size"``).
    error : type of Exception
        The class raised, so that each stage keeps its own error (``TraceError``, ``PlotError``, ...).

    Returns
    -------
    int

    Raises
    ------
    ModelError (or ``error``)
        One line naming ``item``, the value given and the fix.
    """
    return _whole_number(value, item, error, low=1, kind="a positive integer")


def non_negative_int(value: Any, item: str, error: type[Exception] = ModelError) -> int:
    """``value`` as an ``int`` when it is a whole number of at least 0, else raise ``error``.

    Parameters and errors are those of :func:`positive_int`.
    """
    return _whole_number(value, item, error, low=0, kind="a non-negative integer")


def _whole_number(value: Any, item: str, error: type[Exception], low: int, kind: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise error(f"{item} must be {kind}, got {value!r}: pass a whole number of at least {low}")
    return int(value)


def lookup(table: Mapping[str, Any], name: Any, what: str) -> Any:
    """``table[name]``, or a one-line ``ModelError`` naming ``what`` was unknown and every name there is.

    For the registries looked up by name (metric conventions, energy presets).
    """
    if not isinstance(name, str) or name not in table:
        raise ModelError(f"unknown {what} {name!r}; choose one of {', '.join(table)}")
    return table[name]


def did_you_mean(word: str, candidates: Iterable[str], prefix: str = "'", suffix: str = "'", n: int = 1) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``candidates``, or ``""`` when none is close.

    Parameters
    ----------
    word : str
        The unknown word the user wrote.
    candidates : iterable of str
        The words that would have been accepted.
    prefix, suffix : str
        Written around each suggestion (``"'["`` and ``"]'"`` for a TOML section).
    n : int
        How many suggestions at most, closest first, joined by "or".

    Returns
    -------
    str
        Text to append to an error message right after the unknown word.
    """
    close = difflib.get_close_matches(str(word), list(candidates), n=n, cutoff=0.6)
    return f"; did you mean {' or '.join(f'{prefix}{c}{suffix}' for c in close)}?" if close else ""


_PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T"}


def si(x: float | None, unit: str) -> str:
    """``x`` with an SI prefix and 4 significant digits: ``si(2.36e-11, "J") == "23.6 pJ"``.

    Parameters
    ----------
    x : float or None
        The value in the SI base unit; ``None`` (not computed) prints as ``"-"``.
    unit : str
        The base unit's symbol (``"J"``, ``"s"``, ``"W"``).

    Returns
    -------
    str
        ``"0 J"`` for zero; otherwise the prefix from femto to tera that leaves 1 to 999 before the point.
    """
    if x is None:
        return "-"
    if x == 0:
        return f"0 {unit}"
    exp = int(np.clip(np.floor(np.log10(abs(x)) / 3) * 3, -15, 12))
    return f"{x / 10.0 ** exp:.4g} {_PREFIXES[exp]}{unit}"


def plain(value: Any) -> Any:
    """``value`` as JSON-serialisable data.

    Arrays, tuples and named tuples become lists or dicts (a named tuple as a dict of its fields),
    numpy scalars become Python numbers, and dicts and lists are converted item by item.

    Parameters
    ----------
    value : object

    Returns
    -------
    object
        Only ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and ``None`` inside.
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {name: plain(v) for name, v in zip(value._fields, value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def freeze_arrays(obj: object) -> None:
    """Make every numpy array attribute of ``obj`` read-only (call it in a frozen dataclass's ``__post_init__``).

    Parameters
    ----------
    obj : object
        An instance whose ``__dict__`` holds the arrays; other attributes are left alone.
    """
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)


def memory_limit(override: int | None = None) -> int | None:
    """The bytes one structure of neurosim may take: ``override``, else ``$NEUROSIM_MEMORY_LIMIT``, else a
    fraction (:data:`MEMORY_FRACTION`) of the physical memory.

    Parameters
    ----------
    override : int or None
        A limit in bytes given by the caller (``memory_limit=`` of the engine).

    Returns
    -------
    int or None
        ``None`` when the physical memory cannot be read and no limit is given (nothing is refused).

    Raises
    ------
    ModelError
        For an override or an environment value that is not a positive size.
    """
    if override is not None:
        return positive_int(override, "memory_limit")
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        unit = text[-1].upper() if text[-1].isalpha() else ""
        number = text[:-1] if unit else text
        if unit.rstrip("B") not in _UNITS or not number.strip().isdigit() or int(number) < 1:
            raise ModelError(f"${MEMORY_LIMIT_ENV}={text!r} is not a size: give bytes, or a number with K, M, G "
                             "or T (e.g. 64G)")
        return int(number) * _UNITS[unit.rstrip("B")]
    try:
        return int(MEMORY_FRACTION * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(parts: Mapping[str, int], item: str, fix: str, limit: int | None,
                 error: type[Exception] = ModelError, argument: bool = True) -> None:
    """Raise ``error`` when the bytes of ``parts`` sum above ``limit`` (see :func:`memory_limit`).

    Parameters
    ----------
    parts : mapping of str to int
        Bytes of each structure to allocate, named as the message lists them (largest first).
    item : str
        What needs them (``"simulate(ticks=1000000000)"``).
    fix : str
        The change that would make it fit, other than raising the limit.
    limit : int or None
        Bytes allowed; ``None`` allows anything.
    error : type of Exception
        The class raised.
    argument : bool
        Whether the caller takes a ``memory_limit=`` argument (the message then names it).
    """
    needed = sum(int(v) for v in parts.values())
    if limit is None or needed <= limit:
        return
    largest = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
    detail = ", ".join(f"{name} {si(float(size), 'B')}" for name, size in largest if size > 0)
    raise error(f"{item} needs about {si(float(needed), 'B')} ({detail}), above the memory limit of "
                f"{si(float(limit), 'B')}; {fix}, or raise the limit "
                f"({'memory_limit=, or ' if argument else ''}${MEMORY_LIMIT_ENV}=64G)")
