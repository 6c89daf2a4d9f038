"""One preparation step: run_on_chip, run_nir and a sweep point prepare, simulate and cost alike."""
from __future__ import annotations

import numpy as np
import pytest

from neurosim import load_chip, with_inputs
from neurosim.compile.compiled import compile_network
from neurosim.nir.batch import load_batch
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.options import RunOptions
from neurosim.workflows.prepare import place_compiled, prepare, transform_network
from neurosim.workflows.run import run_nir, run_on_chip
from neurosim.workflows.sweep import sweep

CHIP = "truenorth"  # delay_min_ticks = 1: the bundled model's zero-delay synapses must be raised
OPTIONS = RunOptions(neurons_per_core=32, quantize=True, raise_delays=True, latency=False)


@pytest.fixture(scope="module")
def digits():
    return bundled(BUNDLED_MODEL), load_input_file(bundled(BUNDLED_SAMPLES))


@pytest.fixture(scope="module")
def runs(digits):
    """The same options and one sample through run_on_chip, run_nir and a sweep."""
    model, data = digits
    batch = load_batch(model, data, BUNDLED_DIALECT, samples=1)
    network = with_inputs(batch.network, batch.sample_inputs()[0])  # the sample inside the network
    chip = run_on_chip(network, CHIP, batch.ticks_per_sample, OPTIONS)
    nir = run_nir(model, data, CHIP, BUNDLED_DIALECT, OPTIONS, samples=1)
    table = sweep(model, CHIP, None, [{"strategy": "fill"}], OPTIONS, inputs=data, samples=1, dialect=BUNDLED_DIALECT)
    return chip, nir, table.rows[0]


def test_run_on_chip_and_run_nir_give_the_same_report(runs):
    chip, nir, _ = runs
    assert chip.report.to_dict() == nir.report.to_dict()
    assert chip.delay_shift == nir.delay_shift and chip.delay_shift.max_latency == 2
    assert chip.quantization.to_text() == nir.quantization.to_text()


def test_sweep_point_gives_the_run_report(runs):
    chip, _, row = runs
    expected = chip.report
    assert (row["fits"], row["error"]) == (True, None)
    assert row["energy_J"] == float(expected.energy.total_J)
    assert row["synops"] == int(expected.operations.synops)
    assert row["cores_used"] == chip.placement.n_cores_used
    assert row["latency_s"] is None and expected.latency is None


def test_prepare_is_its_two_halves(digits):
    model, data = digits
    network = load_batch(model, data, BUNDLED_DIALECT, samples=1).network
    profile = load_chip(CHIP)
    got = prepare(network, profile, OPTIONS)
    transformed = transform_network(network, profile, OPTIONS)
    expected = place_compiled(compile_network(transformed.network), profile, OPTIONS)
    assert np.array_equal(got.placement.neuron_core, expected.neuron_core)
    assert got.placement.options == expected.options == {"neurons_per_core": 32}
    assert got.delay_shift == transformed.delay_shift
    assert {k: p.weight.tolist() for k, p in got.network.projections.items()} == \
        {k: p.weight.tolist() for k, p in transformed.network.projections.items()}
    assert all(int(p.delay.min()) >= 1 for p in got.network.projections.values())


def test_without_options_nothing_is_transformed(digits):
    model, data = digits
    network = load_batch(model, data, BUNDLED_DIALECT, samples=1).network
    got = transform_network(network, load_chip(CHIP), RunOptions())
    assert got.network is network and got.quantization is None and got.delay_shift is None


def test_sweep_with_raise_delays_simulates_each_delay_min_ticks(digits):
    """Under raise_delays the chip's minimum delay changes the spikes: each value is a simulation of its own."""
    model, data = digits
    table = sweep(model, CHIP, None, {"delay_min_ticks": [1, 2]}, OPTIONS, inputs=data, samples=1,
                  dialect=BUNDLED_DIALECT)
    assert [r["how"] for r in table.rows] == ["simulated", "simulated"]
    assert table.simulations == 2
    ref = run_nir(model, data, load_chip(CHIP).replace(delay_min_ticks=2), BUNDLED_DIALECT, OPTIONS, samples=1)
    assert table.rows[1]["synops"] == int(ref.report.operations.synops)
    assert table.rows[0]["synops"] != table.rows[1]["synops"]
