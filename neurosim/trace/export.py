"""A trace's tables as columns, pandas DataFrames, Parquet or CSV files (``neurosim export``).

Three tables, one row per spike, per packet or per tick (:data:`TRACE_TABLES`; ``docs/traces.md``,
"Exported tables", documents the same layout):

- ``spikes``: ``tick, neuron, population, core, value``;
- ``packets``: ``tick, src_neuron, src_population, src_core, dst_core, hops``;
- ``ticks``: ``tick, spikes, events, updates, packets, hops``.

CSV needs nothing beyond the standard library; Parquet needs ``pyarrow`` and DataFrames need
``pandas`` (neither is required by neurosim: a one-line error names the package to install).

What the trace records about its profile travels with the tables (:attr:`Trace.metadata`): in a
Parquet file's schema metadata (key ``neurosim``, JSON) and in a DataFrame's ``attrs["neurosim"]``;
a CSV file holds only the table, and ``neurosim export`` prints :func:`published_notes` beside it.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from neurosim.chip.schema import FIELDS
from neurosim.errors import NeurosimError
from neurosim.cost_model.tables import data_frame
from neurosim.trace.reader import Trace, read_trace

TRACE_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "spikes": {
        "tick": ("int64", "tick of the spike"),
        "neuron": ("int64", "global id of the spiking neuron"),
        "population": ("string", "its population or spike source"),
        "core": ("int64", "its core; -1 for spike sources (injected by the host)"),
        "value": ("float64", "spike value: 1 for binary spikes, +-theta of signed-ternary models, counts or "
                             "graded values (1 throughout in a version-1 trace)"),
    },
    "packets": {
        "tick": ("int64", "tick the spike was emitted in"),
        "src_neuron": ("int64", "global id of the spiking neuron"),
        "src_population": ("string", "its population or spike source"),
        "src_core": ("int64", "its core; -1 for spike sources"),
        "dst_core": ("int64", "destination core: one row per spike and distinct destination core"),
        "hops": ("int64", "router hops of the packet (x plus y)"),
    },
    "ticks": {
        "tick": ("int64", "the tick, 0 to ticks - 1"),
        "spikes": ("int64", "spikes emitted in the tick"),
        "events": ("int64", "synaptic events delivered in the tick"),
        "updates": ("int64", "neuron updates in the tick"),
        "packets": ("int64", "packets sent in the tick"),
        "hops": ("int64", "router hops of the tick's packets"),
    },
}
"""Table name -> column -> (dtype, meaning)."""

COST_KEYS = tuple(f.name for f in FIELDS if f.section in ("timing", "energy", "latency"))
"""Profile keys of the numbers costing a trace reads: those :func:`published_notes` names when unpublished."""

FORMATS = {".parquet": "Parquet", ".csv": "CSV"}
"""File suffixes :func:`export_trace` writes, and the format of each."""


def trace_columns(trace: Trace, table: str = "spikes") -> dict[str, np.ndarray]:
    """One table of ``trace`` as columns, in the order and dtypes of :data:`TRACE_TABLES`.

    Parameters
    ----------
    trace : Trace
    table : str
        ``"spikes"``, ``"packets"`` or ``"ticks"``.

    Raises
    ------
    NeurosimError
        If ``table`` is not one of :data:`TRACE_TABLES`.
    """
    if table == "spikes":
        neuron = np.asarray(trace.spikes["neuron"], np.int64)
        value = trace.spikes.get("value")
        return {"tick": np.asarray(trace.spikes["tick"], np.int64), "neuron": neuron,
                "population": _population_names(trace, neuron),
                "core": np.asarray(trace.neuron_core, np.int64)[neuron],
                "value": np.ones(neuron.size) if value is None else np.asarray(value, np.float64)}
    if table == "packets":
        p = trace.packets
        src = np.asarray(p["src_neuron"], np.int64)
        return {"tick": np.asarray(p["tick"], np.int64), "src_neuron": src,
                "src_population": _population_names(trace, src), "src_core": np.asarray(p["src_core"], np.int64),
                "dst_core": np.asarray(p["dst_core"], np.int64), "hops": np.asarray(p["hops"], np.int64)}
    if table == "ticks":
        return {"tick": np.arange(trace.ticks, dtype=np.int64), "spikes": np.asarray(trace.tick_spikes, np.int64),
                "events": np.asarray(trace.tick_events, np.int64), "updates": np.asarray(trace.tick_updates, np.int64),
                "packets": trace.tick_packets, "hops": trace.tick_hops}
    raise NeurosimError(f"a trace has no table {table!r}; ask for one of {', '.join(TRACE_TABLES)}")


def published_notes(trace: Trace) -> list[str]:
    """One line per thing the trace's figures lack: a router mesh the profile does not publish (its
    hops lie on a numbered row of tiles) and the energy, latency and timing numbers it does not
    publish; none for a profile that publishes them all."""
    notes = []
    if trace.mesh_published is False:
        notes.append(f"mesh not published: profile '{trace.profile}' gives no router mesh, so core positions, hops "
                     "and link loads are on a numbered row of tiles, not the chip's")
    if trace.mesh_published is None:
        notes.append("mesh: not recorded (a version-1 trace)")
    costs = [key for key in trace.unpublished or () if key in COST_KEYS]
    if costs:
        notes.append(f"not published by '{trace.profile}': {', '.join(costs)} (costing the trace marks the figures "
                     "needing them partial; docs/traces.md)")
    return notes


def trace_frame(trace: Trace | str | os.PathLike, table: str = "spikes") -> Any:
    """One table of a trace (or of the trace file at that path) as a ``pandas.DataFrame`` (needs pandas),
    with :attr:`Trace.metadata` in ``frame.attrs["neurosim"]``."""
    trace = _trace(trace)
    frame = data_frame(trace_columns(trace, table), "trace_frame")
    frame.attrs["neurosim"] = trace.metadata
    return frame


def export_trace(trace: Trace | str | os.PathLike, out: str | os.PathLike, table: str = "spikes") -> Path:
    """Write one table of a trace to ``out``, as Parquet or CSV by its suffix (:data:`FORMATS`).

    Parameters
    ----------
    trace : Trace or path
        A trace read back, or the path of a trace file (``run --trace RUN.h5``).
    out : path
        ``*.parquet`` (needs ``pyarrow``; :attr:`Trace.metadata` as JSON under the schema metadata key
        ``neurosim``) or ``*.csv`` (a header row, then one row per table row).
    table : str
        ``"spikes"`` (default), ``"packets"`` or ``"ticks"`` (:data:`TRACE_TABLES`).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    NeurosimError
        If the suffix of ``out`` is not one of :data:`FORMATS`, the table is unknown, or Parquet is
        asked for without ``pyarrow``.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise NeurosimError(f"{out}: cannot tell the format from the suffix {out.suffix!r}; name the file "
                            f"{' or '.join('*' + s for s in FORMATS)}")
    trace = _trace(trace)
    columns = trace_columns(trace, table)
    if suffix == ".parquet":
        _write_parquet(columns, out, trace.metadata)
    else:
        _write_csv(columns, out)
    return out


def _trace(trace: Trace | str | os.PathLike) -> Trace:
    return trace if isinstance(trace, Trace) else read_trace(trace)


def _population_names(trace: Trace, neuron: np.ndarray) -> np.ndarray:
    """The population name of each global neuron id (an object array of str)."""
    starts = np.array([p["start"] for p in trace.populations], dtype=np.int64)
    names = np.array([p["name"] for p in trace.populations], dtype=object)
    if neuron.size == 0:
        return np.zeros(0, dtype=object)
    return names[np.searchsorted(starts, neuron, side="right") - 1]


def _write_parquet(columns: dict[str, np.ndarray], out: Path, metadata: dict[str, Any]) -> None:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise NeurosimError(f"{out}: writing Parquet needs pyarrow, which is not installed: pip install pyarrow "
                            "(or write *.csv)") from None
    table = pyarrow.table({name: pyarrow.array(values.tolist() if values.dtype == object else values,
                                               type=pyarrow.string() if values.dtype == object else None)
                           for name, values in columns.items()})
    table = table.replace_schema_metadata({"neurosim": json.dumps(metadata)})
    pyarrow.parquet.write_table(table, out)


def _write_csv(columns: dict[str, np.ndarray], out: Path, rows_per_write: int = 65_536) -> None:
    n = len(next(iter(columns.values())))
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for start in range(0, n, rows_per_write):
            stop = min(start + rows_per_write, n)
            writer.writerows(zip(*(values[start:stop].tolist() for values in columns.values())))
