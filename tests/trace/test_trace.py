"""Traces: written while simulating, read back equal to the in-memory counters and traffic,
readable after the writer is killed, and refused with one line when not a neurosim trace."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import neurosim as ns
from networks import demo_network
from neurosim.errors import NeurosimError, TraceError
from neurosim.cost_model.traffic import traffic
from neurosim.mapping.placement import place
from neurosim.mapping.routing import route
from neurosim.trace import TRACE_VERSION, TraceWriter, read_trace, record_trace
from neurosim.trace.schema import DATASETS

TICKS = 40
CHIP = "loihi_sanafe"  # publishes every unit cost the cost model needs


@pytest.fixture(scope="module")
def placement():
    return place(ns.compile_network(demo_network(seed=3)), ns.load_chip(CHIP), neurons_per_core=64)


@pytest.fixture(scope="module")
def reference(placement):
    return ns.simulate(placement.compiled, TICKS, probe=["output"], seed=5)


@pytest.fixture(scope="module")
def trace(placement, tmp_path_factory):
    path = tmp_path_factory.mktemp("trace") / "run.h5"
    record_trace(placement, path, TICKS, probe=["output"], probe_every=3, seed=5, chunk_ticks=7)
    return read_trace(path)


def test_header_names_network_profile_version_and_placement(trace, placement):
    assert (trace.version, trace.network, trace.profile, trace.ticks_planned) == (TRACE_VERSION, "demo", CHIP, TICKS)
    assert trace.complete and trace.ticks == TICKS
    assert [p["name"] for p in trace.populations] == ["input", "hidden", "output"]
    assert trace.populations[1] == {"name": "hidden", "start": 256, "stop": 768, "model": "lif"}
    np.testing.assert_array_equal(trace.neuron_core, placement.neuron_core)
    np.testing.assert_array_equal(trace.core_xy, placement.core_xy)


def test_packets_equal_traffic_of_the_same_run(trace, placement, reference):
    expected = traffic(reference, route(placement))
    assert trace.packets["tick"].size == expected.packets
    np.testing.assert_array_equal(trace.tick_packets, expected.tick_packets)
    np.testing.assert_array_equal(trace.tick_hops, expected.tick_hops)
    np.testing.assert_array_equal(trace.link_load, expected.link_load)


def test_packet_rows_are_one_per_spike_and_destination_core(trace, placement):
    rt = route(placement)
    got = np.bincount(trace.packets["src_neuron"], minlength=placement.compiled.n_neurons)
    expected = np.bincount(trace.spikes["neuron"], minlength=placement.compiled.n_neurons) * rt.packets
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(trace.packets["src_core"], placement.neuron_core[trace.packets["src_neuron"]])


def test_spikes_and_counters_equal_in_memory_counters(trace, reference, placement):
    c = reference.counters
    np.testing.assert_array_equal(trace.spikes["tick"], reference.spike_ticks)
    np.testing.assert_array_equal(trace.spikes["neuron"], reference.spike_ids)
    np.testing.assert_array_equal(trace.tick_spikes, c.tick_spikes)
    np.testing.assert_array_equal(trace.tick_events, c.tick_events)
    np.testing.assert_array_equal(trace.tick_updates, c.tick_updates)
    assert trace.core_events.sum() == c.synaptic_events
    on_chip = placement.neuron_core >= 0
    assert trace.core_spikes.sum() == c.spikes_per_neuron[on_chip].sum()
    per_core = np.bincount(placement.neuron_core[on_chip], c.spikes_per_neuron[on_chip])
    np.testing.assert_array_equal(trace.core_spikes.sum(axis=0), per_core[trace.core_ids])


def test_probes_are_sampled_every_nth_tick(trace, reference):
    ticks, state, names = trace.probes["output"]
    np.testing.assert_array_equal(ticks, np.arange(0, TICKS, 3))
    np.testing.assert_allclose(state[:, :, names.index("v")], reference.state("output", "v")[::3])


def test_writer_used_through_on_chunk_keeps_no_spikes_in_memory(placement, tmp_path):
    path = tmp_path / "w.h5"
    with TraceWriter(path, placement, 10, counters=False) as writer:
        result = ns.simulate(placement.compiled, 10, record_spikes=False, on_chunk=writer.write_chunk, chunk_ticks=3)
    assert result.spike_ids.size == 0
    got = read_trace(path)
    assert got.spikes["tick"].size == result.counters.spikes and got.core_events is None


def test_writer_refuses_an_unplaced_network_and_an_unwritable_path(placement, tmp_path):
    with pytest.raises(ns.ModelError, match="needs a Placement"):
        TraceWriter(tmp_path / "x.h5", placement.compiled, 10)
    with pytest.raises(TraceError, match="cannot create the trace file"):
        TraceWriter(tmp_path / "no" / "such" / "dir.h5", placement, 10)


def test_to_pandas_without_pandas_is_a_trace_error(trace):
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(TraceError, match="pandas"):
            trace.to_pandas()
    else:
        assert len(trace.to_pandas()) == trace.packets["tick"].size


_KILLED = textwrap.dedent("""
    import sys, time
    import neurosim as ns
    sys.path.insert(0, sys.argv[2])  # tests/, for the shared test networks
    from networks import demo_network
    from neurosim.mapping.placement import place
    from neurosim.trace import record_trace

    def progress(done, total):
        print(done, flush=True)
        time.sleep(0.05)

    pl = place(ns.compile_network(demo_network(seed=3)), ns.load_chip("loihi_sanafe"), neurons_per_core=64)
    record_trace(pl, sys.argv[1], 100000, seed=5, chunk_ticks=2, progress=progress)
""")


def test_trace_of_a_killed_run_is_readable_up_to_its_last_chunk(tmp_path, placement):
    path = tmp_path / "killed.h5"
    tests_dir = str(pathlib.Path(__file__).parents[1])
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, str(path), tests_dir], stdout=subprocess.PIPE, text=True)
    try:
        reported = [int(proc.stdout.readline()) for _ in range(10)]  # 10 chunks of 2 ticks written and flushed
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    got = read_trace(path)
    assert not got.complete and got.ticks_planned == 100000
    assert got.ticks >= reported[-1] == 20 and got.ticks % 2 == 0
    expected = ns.simulate(placement.compiled, got.ticks, seed=5)
    np.testing.assert_array_equal(got.tick_spikes, expected.counters.tick_spikes)
    np.testing.assert_array_equal(got.spikes["neuron"], expected.spike_ids)
    np.testing.assert_array_equal(got.tick_packets, traffic(expected, route(placement)).tick_packets)


def _one_line_error(path) -> str:
    with pytest.raises(TraceError) as info:
        read_trace(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert isinstance(info.value, NeurosimError)
    return message


def test_truncated_trace_is_a_one_line_trace_error(trace, tmp_path):
    data = trace.path.read_bytes()
    path = tmp_path / "cut.h5"
    path.write_bytes(data[: len(data) // 3])
    _one_line_error(path)


def test_file_of_garbage_is_a_one_line_trace_error(tmp_path):
    path = tmp_path / "junk.h5"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    assert "not a readable HDF5 file" in _one_line_error(path)


def test_foreign_hdf5_file_is_a_one_line_trace_error(tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)
    assert "not a neurosim trace" in _one_line_error(path)


def test_other_trace_version_is_refused_by_name(trace, tmp_path):
    path = tmp_path / "v99.h5"
    path.write_bytes(trace.path.read_bytes())
    with h5py.File(path, "r+") as f:
        f.attrs["trace_version"] = 99
    assert f"trace version 99 is not supported; this neurosim reads trace version {TRACE_VERSION}" in \
        _one_line_error(path)


def test_every_dataset_of_the_schema_is_documented():
    doc = (os.path.join(os.path.dirname(__file__), "..", "..", "docs", "traces.md"))
    text = open(doc).read()
    missing = [name for name in DATASETS if f"`{name}`" not in text]
    assert not missing, f"docs/traces.md does not document {missing}"
