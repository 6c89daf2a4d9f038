"""The CSV file of a design-space sweep (:mod:`neurosim.workflows.sweep`): cells, the setup digest, resuming.

Rows are written as their groups finish, so an interrupted sweep leaves a file of whole groups
(and at worst a torn last line). :func:`resumable_rows` reads such a file back for
``sweep(..., resume=True)``: it refuses a file written for other varied keys, another model or
chip, or other settings, and returns the finished rows so that only the other points run.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import numpy as np

from neurosim.errors import NeurosimError
from neurosim.chip import ChipProfile
from neurosim.models.registry import NeuronModel
from neurosim.net.network import Network

IDENTITY_COLUMNS = ("model", "chip", "setup")
"""Columns naming what a row was run on: model, chip profile, and a digest of every other setting."""


class SweepFileError(NeurosimError):
    """A sweep CSV cannot be resumed by this sweep (other keys, model, chip or settings)."""


def writer(handle: TextIO, columns: Sequence[str]) -> csv.DictWriter:
    """A CSV writer of sweep rows (missing cells empty)."""
    return csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", restval="")


def cells(row: Mapping[str, Any]) -> dict:
    """``row`` with ``None`` as an empty cell."""
    return {k: "" if v is None else v for k, v in row.items()}


def parse(text: str | None) -> Any:
    """A cell back as a value: int, float, ``True``/``False``, ``None`` (empty) or the text."""
    if text is None or text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    return number_or_text(text)


def number_or_text(text: str) -> int | float | str:
    """``text`` as an int if it reads as one, else as a float if it reads as one, else ``text`` itself.

    Parameters
    ----------
    text : str
        A sweep cell or a command-line value.

    Returns
    -------
    int, float or str
    """
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def model_label(model: Any) -> str:
    """How the ``model`` column names a network, a builder or a ``.nir`` file."""
    if isinstance(model, Network):
        return model.name
    if isinstance(model, (str, os.PathLike)):
        return pathlib.Path(model).name
    return getattr(model, "__qualname__", type(model).__name__)


def setup_digest(model: Any, profile: ChipProfile, settings: Mapping[str, Any]) -> str:
    """12 hex digits identifying a sweep's model, base profile and ``settings`` (ticks, inputs, ...).

    A Network counts by its content (nodes, parameters, synapses), a ``.nir`` file by its bytes, a
    builder by its name only (it is not called here).
    """
    h = hashlib.sha256()
    if isinstance(model, (str, os.PathLike)) and pathlib.Path(model).is_file():
        h.update(pathlib.Path(model).read_bytes())
    else:
        _feed(h, model if isinstance(model, Network) else model_label(model))
    h.update(json.dumps(profile.to_dict(), sort_keys=True, default=str).encode())
    _feed(h, dict(settings))
    return h.hexdigest()[:12]


def _feed(h: Any, value: Any) -> None:
    """Hash ``value`` deterministically (arrays by content, neuron models by name)."""
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, Network):
        _feed(h, [value.name, list(value.nodes.values()), list(value.projections.values())])
    elif isinstance(value, NeuronModel):
        h.update(f"model:{value.name}".encode())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(type(value).__name__.encode())
        for f in dataclasses.fields(value):
            _feed(h, getattr(value, f.name))
    elif isinstance(value, Mapping):
        for k in sorted(value, key=str):
            h.update(f"{k}=".encode())
            _feed(h, value[k])
    elif isinstance(value, (list, tuple)):
        h.update(f"[{len(value)}]".encode())
        for v in value:
            _feed(h, v)
    else:
        h.update(repr(value).encode())


def resumable_rows(path: str | os.PathLike, columns: Sequence[str], points: Sequence[Mapping[str, Any]],
                   identity: Mapping[str, str]) -> list[dict]:
    """The finished rows of the sweep CSV ``path`` (parsed), checked to belong to this sweep.

    ``columns`` are this sweep's, ``points`` its points in order and ``identity`` its
    :data:`IDENTITY_COLUMNS` values. A missing or empty file has no rows; a torn last line (a killed
    writer) is cut off the file.

    Raises
    ------
    SweepFileError
        If the file was written for other varied keys, model, chip or settings, or holds a point
        that is not the same point of this sweep.
    """
    path = pathlib.Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return []
    text = path.read_text()
    if not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
        path.write_text(text)
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    params = tuple(c for c in columns if c != "point" and c not in _result_columns(columns))
    old_params = tuple(c for c in header if c != "point" and c not in _result_columns(columns))
    if old_params != params:
        raise SweepFileError(f"{path}: written for the varied keys ({', '.join(old_params) or 'none'}), not "
                             f"({', '.join(params)}); resume with the same vary, or write to another file")
    if header != tuple(columns):
        missing = next((c for c in columns if c not in header), None) or next(c for c in header if c not in columns)
        raise SweepFileError(f"{path}: not a sweep table of this version of neurosim (column {missing!r} differs); "
                             "write to another file")
    rows = []
    for raw in reader:
        for name in IDENTITY_COLUMNS:
            if raw[name] != identity[name]:
                raise SweepFileError(_identity_message(path, name, raw, identity))
        index = parse(raw["point"])
        if not isinstance(index, int) or not 0 <= index < len(points) or any(
                raw[k] != _cell(points[index].get(k)) for k in params):
            given = ", ".join(f"{k}={raw[k]}" for k in params)
            raise SweepFileError(f"{path}: its point {raw['point']} ({given}) is not point {raw['point']} of this "
                                 "sweep; resume with the same vary, or write to another file")
        rows.append({k: parse(v) for k, v in raw.items()})
    return rows


def _result_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The columns after the parameters: from ``how`` on."""
    return tuple(columns[list(columns).index("how"):])


def _cell(value: Any) -> str:
    """The text a value takes in a CSV cell (as ``csv`` writes it)."""
    return "" if value is None else str(value)


def _identity_message(path: pathlib.Path, name: str, raw: Mapping[str, str], identity: Mapping[str, str]) -> str:
    if name == "setup":
        return (f"{path}: its rows were run with other settings of model '{identity['model']}' on chip "
                f"'{identity['chip']}' (the model's content, the profile's values, ticks, inputs, samples, "
                f"fallbacks, latency or seed differ); resume with the same ones, or write to another file")
    return (f"{path}: its rows are of {name} '{raw[name]}', not '{identity[name]}'; resume with the same {name}, "
            "or write to another file")
