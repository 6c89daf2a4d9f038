"""Metric conventions (``neurosim.cost_model.conventions``): ``neurobench`` equals every figure NeuroBench
2.3.0 gives on the committed references (``tests/data/neurobench/``), ``events`` keeps neurosim's own
figures, per sample or per tick, through the API, the report and the CLI; and a wrong model of either
convention is caught by these comparisons.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib
import re
from functools import lru_cache

import nir
import numpy as np
import pytest

from neurosim.cli import main
from neurosim.cost_model import Report
from neurosim.cost_model.conventions import get_convention, list_conventions, neurobench
from neurosim.errors import ModelError
from neurosim.net.network import Network
from neurosim.nir import load_nir
from neurosim.workflows.run import run_nir, run_on_chip

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "neurobench"
CASES = ("linear_spikes", "linear_counts", "conv_pool", "readout_li", "doc_example")
CHIP = "loihi_sanafe"
RATIOS = ("ConnectionSparsity", "ActivationSparsity")


@lru_cache(maxsize=None)
def reference(case: str) -> tuple[dict, np.ndarray]:
    record = json.loads((DATA / f"{case}.json").read_text())
    with np.load(DATA / f"{case}.npz") as z:
        return record, z["x"]


@lru_cache(maxsize=None)
def run(case: str, convention: str = "neurobench", execution: str = "sample"):
    _, x = reference(case)
    return run_nir(str(DATA / f"{case}.nir"), {"x": x}, CHIP, dialect="snntorch", latency=False,
                   convention=convention, execution=execution)


def neurobench_figures(record: dict) -> dict[str, float]:
    """Every NeuroBench figure of a reference JSON under the convention's names; a metric NeuroBench
    reported as 0.0 after it raised (NeuronOperations) stands for both of its figures."""
    nb = record["neurobench"]
    out = {k: nb[k] for k in ("Footprint", "ParameterCount", "ConnectionSparsity", "ActivationSparsity",
                              "MembraneUpdates")}
    out.update({f"SynapticOperations.{k}": v for k, v in nb["SynapticOperations"].items()})
    ops = nb["NeuronOperations"]
    names = ("Effective Neuron Ops", "Neuron Dense Ops")
    out.update({f"NeuronOperations.{k}": (ops[k] if isinstance(ops, dict) else ops) for k in names})
    return out


def mismatches(case: str, figures) -> dict[str, tuple]:
    """{figure: (NeuroBench's, ours)} for every figure that differs (counts and bytes exactly, ratios to 1e-12)."""
    record, _ = reference(case)
    out = {}
    for name, expected in neurobench_figures(record).items():
        got = figures[name]
        same = got == pytest.approx(expected, rel=1e-12, abs=0) if name in RATIOS else got == expected
        if not same:
            out[name] = (expected, got)
    return out


# --- neurobench: every figure of every reference ------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_neurobench_convention_equals_every_neurobench_figure(case):
    figures = run(case).report.convention
    assert figures.convention == "neurobench" and figures.execution == "sample"
    assert figures.executions == reference(case)[0]["samples"]
    assert len(neurobench_figures(reference(case)[0])) == 10
    assert mismatches(case, figures) == {}


def test_neurobench_doc_example_is_4_macs_0_acs_9_dense():
    figures = run("doc_example").report.convention
    assert figures["SynapticOperations.Effective_MACs"] == 4
    assert figures["SynapticOperations.Effective_ACs"] == 0
    assert figures["SynapticOperations.Dense"] == 9


def test_neurobench_readout_neuron_operations_fail_as_neurobench_does():
    figures = run("readout_li").report.convention
    (op,) = [f for f in figures.figures if f.name == "NeuronOperations.Effective Neuron Ops"]
    assert op.value == 0.0 and "KeyError" in op.note and "'3'" in op.note


def test_convention_changes_only_the_convention_section():
    events, nb = run("conv_pool", "events").report.to_dict(), run("conv_pool").report.to_dict()
    assert events.pop("convention")["convention"] == "events"
    assert nb.pop("convention")["source"].startswith("NeuroBench 2.3.0")
    assert events == nb


@pytest.mark.parametrize("convention", ("events", "neurobench"))
def test_per_tick_divides_counts_by_ticks_and_keeps_ratios(convention):
    sample = run("conv_pool", convention).report.convention
    tick = run("conv_pool", convention, "tick").report.convention
    t = reference("conv_pool")[0]["time_steps"]
    assert tick.execution == "tick" and tick.executions == sample.executions * t
    for a, b in zip(sample.figures, tick.figures):
        assert a.name == b.name and a.kind == b.kind
        assert b.value == pytest.approx(a.value / t if a.kind == "count" else a.value, rel=1e-12, abs=0), a.name


# --- events: neurosim's own figures, unchanged --------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_events_convention_is_the_operations_of_the_report(case):
    report = run(case, "events").report
    ops, figures, b = report.operations, report.convention, report.samples
    assert figures.convention == "events" and figures.source.startswith("neurosim")
    assert figures["SynOps"] == ops.synops / b and figures["dense_MACs"] == ops.dense_macs / b
    assert figures["effective_ACs"] == ops.effective_acs / b and figures["effective_MACs"] == ops.effective_macs / b
    assert figures["activation_sparsity"] == ops.activation_sparsity
    assert figures["footprint_bytes"] == report.bit_budget.footprint_bytes


def test_events_is_the_default():
    _, x = reference("doc_example")
    default = run_nir(str(DATA / "doc_example.nir"), {"x": x}, CHIP, dialect="snntorch", latency=False)
    assert default.report.convention.convention == "events" == list_conventions()[0]


@pytest.mark.parametrize("case, figures", [
    ("doc_example", {"SynOps": 4, "effective_MACs": 2, "effective_ACs": 2, "dense_MACs": 9}),
    ("linear_counts", {"effective_ACs": 1049.25, "effective_MACs": 848, "dense_MACs": 3168}),
])
def test_events_split_is_per_event_not_per_call(case, figures):
    """docs/metrics.md section 1.3: per event, the 1.3 spike's two synapses are MACs and the -1 spike's
    two are ACs; a model deciding per layer call (NeuroBench's) would give 4 / 0 and fail here."""
    got = run(case, "events").report.convention
    assert {k: got[k] for k in figures} == figures


def test_events_figures_are_not_neurobench_figures():
    """The events convention, read as a model of NeuroBench's figures, is caught where docs/metrics.md
    says the definitions differ."""
    wrong = {}
    for case in ("linear_counts", "conv_pool", "readout_li", "doc_example"):
        e = run(case, "events").report.convention
        as_nb = {"SynapticOperations.Effective_ACs": e["effective_ACs"],
                 "SynapticOperations.Effective_MACs": e["effective_MACs"], "SynapticOperations.Dense": e["dense_MACs"],
                 "ActivationSparsity": e["activation_sparsity"]}
        record, _ = reference(case)
        wrong[case] = sorted(k for k, v in as_nb.items() if v != pytest.approx(neurobench_figures(record)[k],
                                                                               rel=1e-12, abs=0))
    assert wrong == {"linear_counts": ["SynapticOperations.Effective_ACs", "SynapticOperations.Effective_MACs"],
                     "conv_pool": ["SynapticOperations.Dense", "SynapticOperations.Effective_ACs",
                                   "SynapticOperations.Effective_MACs"],
                     "readout_li": ["ActivationSparsity"],
                     "doc_example": ["SynapticOperations.Effective_ACs", "SynapticOperations.Effective_MACs"]}


# --- neurobench: wrong models are caught ---------------------------------------------------------------------


def _rerun(case: str):
    run.cache_clear()
    try:
        return run(case).report.convention
    finally:
        run.cache_clear()


def test_counting_padding_taps_is_caught(monkeypatch):
    """An off-by-padding conv (zero-padding taps counted as inputs) fails the conv_pool reference."""
    real = neurobench._conv_count

    def padding_counted(nonzero, mask, layer):
        pads = [(0, 0)] * (nonzero.ndim - len(layer.padding)) + list(layer.padding)
        filled = np.pad(nonzero, pads, constant_values=1.0)
        unpadded = dataclasses.replace(layer, padding=tuple((0, 0) for _ in layer.padding),
                                       input_shape=(layer.input_shape[0],) + filled.shape[3:])
        return real(filled, mask, unpadded)

    monkeypatch.setattr(neurobench, "_conv_count", padding_counted)
    bad = mismatches("conv_pool", _rerun("conv_pool"))
    assert {"SynapticOperations.Dense", "SynapticOperations.Effective_ACs"} <= set(bad)
    assert bad["SynapticOperations.Dense"] == (13536.0, 4 * 9 * 64 * 6 + 1920.0)


def test_wrong_leaky_buffers_are_caught(monkeypatch):
    """Footprint: snnTorch's reset_mechanism_val is an int64 (8 bytes); counting 4 is caught."""
    monkeypatch.setattr(neurobench, "LEAKY_BUFFER_BYTES", (8, 8))
    for case in CASES:
        assert set(mismatches(case, _rerun(case))) == {"Footprint"}, case


def test_dropping_the_readout_from_activation_sparsity_is_caught(monkeypatch):
    real = neurobench._activation_sparsity
    monkeypatch.setattr(neurobench, "_activation_sparsity",
                        lambda record, pops: real(record, [k for k in pops
                                                           if record.network.nodes[k].model.spiking]))
    assert set(mismatches("readout_li", _rerun("readout_li"))) == {"ActivationSparsity"}


# --- without the NIR layer structure ------------------------------------------------------------------------


def test_neurobench_on_a_python_network_counts_its_synapses():
    """A Network of the Python API has no origin: each projection is one Linear layer of its synapses."""
    net = Network("api")
    net.spike_array("in", np.array([[1.0, 0.0, 1.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))
    net.population("out", 2, "lif", beta=0.5, v_th=10.0)
    net.connect("in", "out", np.array([[1.0, 0.0, 0.0], [2.0, 3.0, 0.0]]))  # input 2 has no synapse
    assert net.projections["in->out"].origin is None
    figures = run_on_chip(net, CHIP, 3, latency=False, convention="neurobench").report.convention
    # tick 0: input 0 fans out to 2 synapses (AC call); tick 1: 2 + 1 pairs, input 2.0 graded (MAC call)
    assert figures["SynapticOperations.Effective_ACs"] == 2
    assert figures["SynapticOperations.Effective_MACs"] == 3
    assert figures["SynapticOperations.Dense"] == 18
    assert figures["ConnectionSparsity"] == 0.5
    assert figures["Footprint"] is None and figures["ParameterCount"] is None
    assert figures["MembraneUpdates"] == 2 + 2 + 2  # all at tick 0, then both change at ticks 1 (input) and 2 (leak)
    assert any("no NIR layer structure" in n for n in figures.notes)


def test_membrane_updates_skip_unchanged_membranes():
    """A neuron that never receives input keeps v = 0: NeuroBench counts it at the first step only."""
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(np.array([2])),
               "fc": nir.Linear(np.array([[0.5, 0.0], [0.0, 0.0]], dtype=np.float32)),
               "lif": nir.LIF(tau=np.full(2, 2e-4, np.float32), r=np.full(2, 2.0, np.float32),
                              v_leak=np.zeros(2, np.float32), v_threshold=np.full(2, 10.0, np.float32)),
               "output": nir.Output(np.array([2]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    x = np.zeros((1, 4, 2))
    x[0, 1, 0] = 1.0
    figures = run_nir(graph, {"x": x}, CHIP, dialect="snntorch", latency=False,
                      convention="neurobench").report.convention
    # neuron 0: every neuron at step 0 (2), then neuron 0 changes at steps 1, 2, 3 (input, then leak)
    assert figures["MembraneUpdates"] == 2 + 3
    assert figures["NeuronOperations.Effective Neuron Ops"] == 4 * 5
    assert figures["NeuronOperations.Neuron Dense Ops"] == 4 * 2 * 4


# --- the layer structure kept through import ----------------------------------------------------------------


def test_projections_from_nir_keep_their_layers():
    net = load_nir(DATA / "conv_pool.nir", dialect="snntorch")
    (conv,) = net.projections["input->1"].origin.paths[0]
    assert (conv.node, conv.kind, conv.input_shape, conv.output_shape) == ("0", "conv", (1, 8, 8), (4, 8, 8))
    assert (conv.kernel, conv.stride, conv.padding, conv.dilation, conv.groups) == ((3, 3), (1, 1),
                                                                                    ((1, 1), (1, 1)), (1, 1), 1)
    assert conv.parameter_count == 36 + 4 and conv.parameter_bytes == 4 * 40 and not conv.weight.flags.writeable
    pool, flat, fc = net.projections["1->5"].origin.paths[0]
    assert [(x.kind, x.output_shape) for x in (pool, flat, fc)] == [("avg_pool", (4, 4, 4)), ("flatten", (64,)),
                                                                  ("affine", (5,))]
    assert pool.kernel == pool.stride == (2, 2) and pool.parameter_count == 0 and fc.parameter_count == 325


# --- API, report and CLI ------------------------------------------------------------------------------------


def test_unknown_convention_and_execution_are_refused():
    with pytest.raises(ModelError, match="unknown metric convention 'snntorch'; choose one of events, neurobench, "
                                         "spikformer, spikformer-per-step, spikingjelly"):
        get_convention("snntorch")
    with pytest.raises(ModelError, match="execution must be one of sample, tick"):
        run("doc_example", "events", "batch")


def test_report_round_trips_its_convention():
    report = run("conv_pool", "neurobench", "tick").report
    again = Report.from_json(report.to_json())
    assert again.convention == report.convention
    assert again.to_text() == report.to_text()
    assert "Metrics, convention 'neurobench', counts per tick" in report.to_text()


def test_cli_prints_the_convention_per_tick(tmp_path, capsys):
    _, x = reference("linear_spikes")
    inputs = tmp_path / "x.npz"
    np.savez(inputs, x=x)
    out_json = tmp_path / "report.json"
    assert main(["run", str(DATA / "linear_spikes.nir"), "--input", str(inputs), "--dialect", "snntorch",
                 "--convention", "neurobench", "--per", "tick", "--no-progress", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "Metrics, convention 'neurobench', counts per tick (one execution of a streaming model): totals / 48" in text
    assert "source: NeuroBench 2.3.0" in text
    # linear_spikes per sample: 837.75 ACs, 3168 dense, 216 membrane updates over T = 12 ticks
    for name, value in (("SynapticOperations.Effective_ACs", "69.8125 ops"), ("SynapticOperations.Dense", "264 ops"),
                        ("MembraneUpdates", "18"), ("Footprint", "1296 bytes")):
        assert re.search(rf"\n  {re.escape(name)} +{value}\n", text), name
    saved = json.loads(out_json.read_text())["convention"]
    assert saved["convention"] == "neurobench" and saved["execution"] == "tick" and saved["executions"] == 48


def test_a_nir_delay_leaves_synaptic_operations_undefined_and_says_why():
    graph = nir.NIRGraph(
        nodes={"input": nir.Input(np.array([3])), "wait": nir.Delay(np.full(3, 1e-4)),
               "fc": nir.Linear(np.array([[0.5, 1.0, 0.0], [0.0, 2.0, 0.0]], dtype=np.float32)),
               "lif": nir.LIF(tau=np.full(2, 2e-4, np.float32), r=np.full(2, 2.0, np.float32),
                              v_leak=np.zeros(2, np.float32), v_threshold=np.full(2, 10.0, np.float32)),
               "output": nir.Output(np.array([2]))},
        edges=[("input", "wait"), ("wait", "fc"), ("fc", "lif"), ("lif", "output")])
    figures = run_nir(graph, {"x": np.ones((1, 3, 3))}, CHIP, dialect="snntorch", latency=False,
                      convention="neurobench").report.convention
    (acs,) = [f for f in figures.figures if f.name == "SynapticOperations.Effective_ACs"]
    assert acs.value is None and "layer 'fc'" in acs.note and "Delay" in acs.note
    assert figures["ParameterCount"] == 6 and figures["ConnectionSparsity"] == 0.5
