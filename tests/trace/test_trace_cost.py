"""Costing a trace from its own totals and header equals costing the run in memory; chunked reading."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

import neurosim as ns
from networks import demo_network
from neurosim.errors import TraceError
from neurosim.mapping.placement import place
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir
from neurosim.trace import TraceWriter, cost_trace, read_trace

TICKS = 40
CHIP = "loihi_sanafe"  # barrier chip, per-component energy: the static term needs the latency model


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    placement = place(ns.compile_network(demo_network(seed=3)), ns.load_chip(CHIP), neurons_per_core=64)
    path = tmp_path_factory.mktemp("cost") / "run.h5"
    with TraceWriter(path, placement, TICKS, probe=["output"]) as writer:
        result = ns.simulate(placement.compiled, TICKS, probe=["output"], seed=5, chunk_ticks=7,
                             on_chunk=writer.write_chunk)
    return dict(placement=placement, path=path, result=result, report=ns.cost(result, placement))


def _same_energy(a, b) -> None:
    assert a.classes == b.classes and a.populations == b.populations
    np.testing.assert_array_equal(a.energy_J, b.energy_J)
    np.testing.assert_array_equal(a.population_energy_J, b.population_energy_J)
    np.testing.assert_array_equal(a.core_energy_J, b.core_energy_J)
    np.testing.assert_array_equal(a.host_energy_J, b.host_energy_J)


def test_energy_of_a_trace_equals_the_in_memory_report(run):
    got = cost_trace(run["path"])
    assert (got.chip, got.network, got.ticks) == (CHIP, "demo", TICKS)
    report = run["report"]
    # Probed 'output': its forced updates are removed per group from the trace's totals, as in memory;
    # the static energy rests on the latency model, from per-core tables (pro rata per core).
    exact = [k for k, name in enumerate(report.energy.classes) if name != "static"]
    np.testing.assert_array_equal(got.energy.energy_J[exact], report.energy.energy_J[exact])
    assert got.energy.total_J == pytest.approx(report.energy.total_J, rel=1e-9)


def test_energy_and_latency_of_an_unprobed_trace_equal_the_report_exactly(tmp_path):
    placement = place(ns.compile_network(demo_network(seed=2)), ns.load_chip(CHIP), neurons_per_core=32)
    path = tmp_path / "plain.h5"
    with TraceWriter(path, placement, 25) as writer:
        result = ns.simulate(placement.compiled, 25, seed=1, chunk_ticks=6, on_chunk=writer.write_chunk)
    report = ns.cost(result, placement)
    got = cost_trace(path, latency=True)
    _same_energy(got.energy, report.energy)
    np.testing.assert_array_equal(got.latency.tick_latency_s, report.latency.tick_latency_s)


@pytest.mark.parametrize("chip, options", [("loihi_sanafe", dict(neurons_per_core=8)),
                                           ("truenorth", dict(raise_delays=True, latency=False))])
def test_energy_of_a_run_nir_trace_equals_its_report(chip, options, tmp_path):
    data = load_input_file(bundled(BUNDLED_SAMPLES))
    path = tmp_path / f"{chip}.h5"
    nir = run_nir(bundled(BUNDLED_MODEL), data, chip, BUNDLED_DIALECT, samples=2, trace=path, **options)
    _same_energy(cost_trace(path).energy, nir.report.energy)


def test_graded_spikes_are_counted_as_in_memory(tmp_path):
    # Inputs of 0.5 are graded spikes: generic_45nm's E_AC/E_MAC energy charges their events as MACs.
    data = load_input_file(bundled(BUNDLED_SAMPLES))
    path = tmp_path / "graded.h5"
    nir = run_nir(bundled(BUNDLED_MODEL), {"input": data["input"] * 0.5}, "generic_45nm", BUNDLED_DIALECT,
                  samples=2, trace=path, latency=False)
    got = cost_trace(path).energy
    assert got.classes == ("effective_acs", "effective_macs") and got.energy_J[1] > 0
    _same_energy(got, nir.report.energy)


def test_another_profile_recosts_the_trace(run):
    chip = ns.load_chip(CHIP)
    dearer = cost_trace(run["path"], chip.replace(e_synop_J=chip.e_synop_J * 2))
    base = cost_trace(run["path"])
    k = base.energy.classes.index("synops")
    assert dearer.energy.energy_J[k] == pytest.approx(2 * base.energy.energy_J[k], rel=1e-12)


def _copy(run, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(run["path"].read_bytes())
    return path


def test_version_1_trace_reads_but_cannot_be_costed(run, tmp_path):
    path = _copy(run, tmp_path, "v1.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["trace_version"] = 1
        del f.attrs["chip_profile"]
        for name in ("groups", "populations", "routes", "spikes/value"):
            del f[name]
    old = read_trace(path)
    assert old.version == 1 and old.chip_profile is None and set(old.spikes) == {"tick", "neuron"}
    with pytest.raises(TraceError, match="version-1 trace holds no totals to cost"):
        cost_trace(old)


def test_incomplete_trace_cannot_be_costed(run, tmp_path):
    path = _copy(run, tmp_path, "cut.h5")
    with h5py.File(path, "r+") as f:
        f["progress"][3] = 0
    with pytest.raises(TraceError, match="incomplete"):
        cost_trace(path)


def test_chunked_read_gives_the_same_arrays(run, capsys):
    whole = read_trace(run["path"])
    chunked = read_trace(run["path"], chunk_rows=1000, progress=True)
    assert whole.packets["tick"].size > 3000  # several chunks of 1000 rows
    for name in whole.packets:
        np.testing.assert_array_equal(chunked.packets[name], whole.packets[name])
    for name in whole.spikes:
        np.testing.assert_array_equal(chunked.spikes[name], whole.spikes[name])
    assert "reading run.h5" in capsys.readouterr().err
    with pytest.raises(TraceError, match="chunk_rows must be a positive integer"):
        read_trace(run["path"], chunk_rows=0)
