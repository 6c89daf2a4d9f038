"""Trace tables (neurosim.trace.export): the columns equal the trace's arrays, and Parquet and CSV
files written then read back equal them (Parquet and DataFrames skipped, with the reason, where
pyarrow or pandas is absent; CI installs both). Also ``neurosim export`` and docs/traces.md."""
from __future__ import annotations

import csv
import pathlib
import sys

import numpy as np
import pytest

import neurosim as ns
from networks import demo_network
from neurosim.cli import main
from neurosim.errors import NeurosimError
from neurosim.mapping.placement import place
from neurosim.trace import TRACE_TABLES, export_trace, read_trace, record_trace, trace_columns, trace_frame
from neurosim.trace.export import published_notes

TICKS = 30
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trace_path(tmp_path_factory):
    placement = place(ns.compile_network(demo_network(seed=3)), ns.load_chip("loihi_sanafe"), neurons_per_core=64)
    path = tmp_path_factory.mktemp("export") / "run.h5"
    record_trace(placement, path, TICKS, seed=5)
    return path


@pytest.fixture(scope="module")
def trace(trace_path):
    return read_trace(trace_path)


def test_spike_columns_are_the_trace_spikes_with_population_and_core(trace):
    cols = trace_columns(trace, "spikes")
    assert list(cols) == list(TRACE_TABLES["spikes"])
    np.testing.assert_array_equal(cols["tick"], trace.spikes["tick"])
    np.testing.assert_array_equal(cols["neuron"], trace.spikes["neuron"])
    np.testing.assert_array_equal(cols["value"], trace.spikes["value"])
    np.testing.assert_array_equal(cols["core"], trace.neuron_core[trace.spikes["neuron"]])
    for pop in trace.populations:
        inside = (cols["neuron"] >= pop["start"]) & (cols["neuron"] < pop["stop"])
        assert inside.any() and set(cols["population"][inside]) == {pop["name"]}
    assert set(cols["core"][cols["population"] == "input"]) == {-1}


def test_packet_and_tick_columns_equal_the_trace(trace):
    packets = trace_columns(trace, "packets")
    assert list(packets) == list(TRACE_TABLES["packets"])
    for name in ("tick", "src_neuron", "src_core", "dst_core", "hops"):
        np.testing.assert_array_equal(packets[name], trace.packets[name])
    ticks = trace_columns(trace, "ticks")
    assert list(ticks) == list(TRACE_TABLES["ticks"]) and ticks["tick"].tolist() == list(range(TICKS))
    np.testing.assert_array_equal(ticks["spikes"], trace.tick_spikes)
    np.testing.assert_array_equal(ticks["events"], trace.tick_events)
    np.testing.assert_array_equal(ticks["packets"], trace.tick_packets)
    np.testing.assert_array_equal(ticks["hops"], trace.tick_hops)
    assert ticks["spikes"].sum() == trace.spikes["tick"].size


@pytest.mark.parametrize("table", list(TRACE_TABLES))
def test_csv_written_then_read_back_equals_the_columns(trace, tmp_path, table):
    out = export_trace(trace, tmp_path / f"{table}.csv", table)
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    expected = trace_columns(trace, table)
    assert rows[0] == list(expected) and len(rows) == 1 + len(expected["tick"]) > 1
    for k, (name, values) in enumerate(expected.items()):
        got = [r[k] for r in rows[1:]]
        parse = str if values.dtype == object else type(values[0].item())
        assert [parse(v) for v in got] == values.tolist(), name


@pytest.mark.parametrize("table", list(TRACE_TABLES))
def test_parquet_and_csv_read_back_by_pandas_equal_the_dataframe(trace_path, tmp_path, table):
    pd = pytest.importorskip("pandas", reason="reading the tables back needs pandas, which is not installed here")
    pytest.importorskip("pyarrow", reason="Parquet needs pyarrow, which is not installed here")
    frame = trace_frame(trace_path, table)
    expected = trace_columns(read_trace(trace_path), table)
    assert list(frame.columns) == list(expected) and len(frame) == len(expected["tick"])
    for name, values in expected.items():
        assert frame[name].tolist() == values.tolist(), name
    parquet = pd.read_parquet(export_trace(trace_path, tmp_path / "t.parquet", table))
    from_csv = pd.read_csv(export_trace(trace_path, tmp_path / "t.csv", table))
    for name, values in expected.items():
        assert parquet[name].tolist() == values.tolist(), name
        assert from_csv[name].tolist() == values.tolist(), name
    assert [str(t) for t in parquet.dtypes if str(t).startswith("int")] == \
        ["int64"] * sum(d == "int64" for d, _ in TRACE_TABLES[table].values())


def test_parquet_without_pyarrow_names_the_install(trace, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(NeurosimError, match="pip install pyarrow"):
        export_trace(trace, tmp_path / "spikes.parquet")
    assert not (tmp_path / "spikes.parquet").exists()


def test_trace_frame_without_pandas_names_the_install(trace, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(NeurosimError, match="pip install pandas"):
        trace_frame(trace)


def test_an_unknown_suffix_or_table_is_refused(trace, tmp_path):
    with pytest.raises(NeurosimError, match=r"suffix '\.xlsx'.*\*\.parquet or \*\.csv"):
        export_trace(trace, tmp_path / "spikes.xlsx")
    with pytest.raises(NeurosimError, match="spikes, packets, ticks"):
        trace_columns(trace, "links")


def test_cli_export_writes_the_asked_table(trace, trace_path, tmp_path, capsys):
    out = tmp_path / "packets.csv"
    assert main(["export", str(trace_path), "--to", str(out), "--table", "packets"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"wrote {out} (packets)", *published_notes(trace)]
    with out.open(newline="") as f:
        assert sum(1 for _ in f) == 1 + trace.packets["tick"].size
    assert main(["export", str(tmp_path / "absent.h5"), "--to", str(out)]) == 2
    assert "absent.h5: no such file" in capsys.readouterr().err


def test_docs_list_every_exported_column():
    doc = (ROOT / "docs" / "traces.md").read_text()
    for table, columns in TRACE_TABLES.items():
        for name, (dtype, _) in columns.items():
            assert f"| `{table}` | `{name}` | {dtype} |" in doc, (table, name)
