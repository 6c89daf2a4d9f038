"""Capacity and compatibility policies: strict refuses, warn maps and lists every violation; [support] checks."""
import json

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.compile.compiled import compile_network
from neurosim.errors import DoesNotFitError, NotSupportedError, ProfileError
from neurosim.mapping.delays import lower_delays
from neurosim.mapping.fixed import place_fixed
from neurosim.mapping.placement import place
from neurosim.mapping.quantize import cluster_axon_types
from neurosim.mapping.support import distinct_weights, relay_model, support_errors
from neurosim.workflows.run import run_on_chip

TRUENORTH = ns.load_chip("truenorth")
CAPACITY_CHECKS = {"delay_min_ticks", "delay_max_ticks", "fanin_per_neuron", "fanout_cores_per_neuron",
                   "axons_in_per_core", "fanout_edges_per_core", "synapse_memory_bits_per_core"}


def over_truenorth():
    """A network breaking seven TrueNorth limits, eight times (two populations over the fan-in): 300
    inputs per neuron (fan-in, axons per core, crossbar memory), delays 0 and 20 (range 1..15), a
    recurrent population spread over two cores (destination cores per neuron, fan-out edges per core)."""
    rng = np.random.default_rng(3)
    net = ns.Network("over")
    net.poisson("in", 300, p=0.1)
    net.population("a", 300, "lif", beta=0.9, v_th=1.0)
    net.population("b", 10, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=rng.uniform(0, 0.05, (300, 300)), delays=rng.choice([0, 20], (300, 300)))
    net.connect("a", "a", weights=(rng.random((300, 300)) < 0.05) * 0.01, delays=1)
    net.connect("a", "b", weights=rng.uniform(0, 0.1, (10, 300)), delays=1)
    return net


def test_strict_refuses_and_warn_lists_every_capacity_violation():
    compiled = compile_network(over_truenorth())
    with pytest.raises(DoesNotFitError, match="delay_min_ticks"):
        place(compiled, TRUENORTH)
    placement = place(compiled, TRUENORTH, capacity="warn")
    found = {v.check for v in placement.violations}
    assert found == CAPACITY_CHECKS
    assert all(v.kind == "capacity" for v in placement.violations)
    fanin = next(v for v in placement.violations if v.check == "fanin_per_neuron")
    assert int(fanin.used) > 300 and fanin.available == "256" and fanin.message.startswith("population 'a'")
    with pytest.raises(ns.errors.ModelError, match="capacity must be one of strict, warn"):
        place(compiled, TRUENORTH, capacity="loose")


def test_warn_run_reports_and_marks_every_violation():
    net = over_truenorth()
    with pytest.raises(DoesNotFitError):
        run_on_chip(net, "truenorth", 20, latency=False)
    run = run_on_chip(net, "truenorth", 20, latency=False, capacity="warn")
    report = run.report
    assert {v.check for v in report.violations if v.kind == "capacity"} == CAPACITY_CHECKS
    assert {v.check for v in report.violations if v.kind == "compatibility"} == {"neuron_models", "weight_structure"}
    assert report.over_capacity and report.not_native
    summary = "\n".join(report.summary_lines())
    assert "[over capacity, not native]" in summary
    assert "CAPACITY VIOLATIONS (8, mapped under capacity=warn" in summary
    for v in report.violations:
        assert v.message in summary and v.message in report.to_text()
    data = json.loads(report.to_json())
    assert data["over_capacity"] and len(data["violations"]) == len(report.violations)
    assert ns.Report.from_json(report.to_json()).violations == report.violations
    with pytest.raises(NotSupportedError, match="population 'a': neuron model 'lif' is not native on truenorth"):
        run_on_chip(net, "truenorth", 20, latency=False, capacity="warn", compatibility="strict")


def test_fixed_placement_warns_of_a_crowded_core():
    net = ns.Network("crowd")
    net.poisson("in", 4, p=0.5)
    net.population("a", 300, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=np.full((300, 4), 0.5), delays=1)
    cores = np.r_[np.full(4, -1), np.zeros(300, np.int64)]
    with pytest.raises(DoesNotFitError, match="holds 300 neurons, 44 over truenorth's neurons_per_core = 256"):
        place_fixed(net, TRUENORTH, cores)
    placement = place_fixed(net, TRUENORTH, cores, capacity="warn")
    assert [v.check for v in placement.violations] == ["neurons_per_core"]


def test_every_shipped_chip_declares_its_support():
    for name in ns.list_chips():
        chip = ns.load_chip(name)
        assert chip.neuron_models and chip.spike_payloads and chip.weight_structure and chip.input_kinds, name
        for key in ("neuron_models", "spike_payloads", "weight_structure", "input_kinds"):
            assert chip.sources[f"support.{key}"], (name, key)
    assert (TRUENORTH.weight_structure, TRUENORTH.axon_types, TRUENORTH.spike_payloads) == ("axon_types", 4,
                                                                                            ("binary",))
    assert relay_model(TRUENORTH) == "truenorth" and relay_model(ns.load_chip("loihi")) == "loihi_cuba"
    assert relay_model(ns.load_chip("generic_45nm")) == "if"


def test_support_rules_of_the_schema():
    with pytest.raises(ProfileError, match="lists 'graded' but core.spike_payload_bits = 0"):
        TRUENORTH.replace(spike_payloads=("binary", "graded"))
    with pytest.raises(ProfileError, match="'support.axon_types' applies only when weight_structure is 'axon_types'"):
        TRUENORTH.replace(weight_structure="per_synapse")
    with pytest.raises(ProfileError, match="'counted' is not one of binary, counts"):
        TRUENORTH.replace(input_kinds=("counted",))
    with pytest.raises(ProfileError, match="needs 'support.axon_types'"):
        ns.load_chip("loihi").replace(weight_structure="axon_types")
    assert TRUENORTH.replace(weight_structure="per_synapse", axon_types=None).axon_types is None


def test_each_unsupported_kind_is_named():
    net = ns.Network("kinds")
    net.spike_times("counts", 2, ticks=[0, 1], ids=[0, 1], values=[3.0, 1.0])
    net.poisson("plain", 2, p=0.5)
    net.population("signed", 2, "st_bif", theta=1.0, pos_max=3, neg_min=-3)
    net.population("tn", 2, "truenorth", alpha=1)
    net.connect("counts", "signed", weights=np.ones((2, 2)), delays=1)
    net.connect("plain", "tn", weights=np.ones((2, 2)), delays=1)
    errors = support_errors(net, TRUENORTH)
    assert [(e.check, e.used) for e in errors] == [("input_kinds", "counts"), ("neuron_models", "st_bif"),
                                                   ("spike_payloads", "ternary")]
    assert str(errors[0]).startswith("source 'counts': inputs carry spike counts")
    assert support_errors(net, ns.load_chip("generic_45nm")) == []
    assert [e.check for e in support_errors(net, TRUENORTH, frozenset({"plain"}))][:2] == ["input_kinds",
                                                                                           "input_kinds"]


def test_quantize_clusters_each_neuron_into_its_axon_types():
    net = ns.Network("types")
    net.poisson("in", 5, p=0.5)
    net.population("a", 2, "lif", beta=0.9, v_th=1.0)
    weights = np.array([[0.1, 0.5, 0.9, 1.0, 1.01], [-0.4, 0.2, 0.2, 0.2, 0.3]])
    net.connect("in", "a", weights=weights, delays=1)
    assert distinct_weights(net)["a"].tolist() == [5, 3]
    assert [e.check for e in support_errors(net, TRUENORTH)] == ["neuron_models", "weight_structure"]
    clustered, report = cluster_axon_types(net, TRUENORTH)
    assert distinct_weights(clustered)["a"].max() <= 4
    q = dense(clustered.projections["in->a"], 2, 5)
    np.testing.assert_allclose(q[1], weights[1], atol=0.4 / 255 / 2 + 1e-7)  # 3 values: only the 9-bit rounding
    assert np.abs(q[0] - weights[0]).max() < 0.01  # 1.0 and 1.01 share a type
    assert abs(q[0, 3] - q[0, 4]) < 1e-12
    assert report.axon_types == 4 and report.projections[0].max_abs_error < 0.01
    assert "clustered into 4 values per neuron" in report.to_text()
    assert [e.check for e in support_errors(clustered, TRUENORTH)] == ["neuron_models"]


def dense(proj, n_post, n_pre):
    out = np.zeros((n_post, n_pre))
    out[proj.post_idx, proj.pre_idx] = proj.weight
    return out


@pytest.mark.parametrize("model", ["if", "truenorth", "loihi_cuba"])
def test_relay_models_fire_once_per_input_spike(model):
    net = ns.Network("relay")
    net.spike_times("in", 1, ticks=[0, 1, 2, 7], ids=[0, 0, 0, 0])
    net.population("out", 1, "if", v_th=0.5)
    net.connect("in", "out", weights=1.0, delays=33)
    lowered, shift = lower_delays(net, 1, 15, relay_model=model)
    assert shift.relays == {"in~relay1": 1, "in~relay2": 1}
    run = ns.simulate(lowered, 45)
    assert np.flatnonzero(run.spike_matrix("out")[:, 0]).tolist() == [33, 34, 35, 40]


def test_run_on_chip_relays_count_as_chip_work():
    net = ns.Network("long")
    net.poisson("in", 8, p=0.3)
    net.population("a", 8, "lif", beta=0.9, v_th=0.5)
    net.connect("in", "a", weights=np.full((8, 8), 0.4), delays=np.tile([0, 24], (8, 4)))
    with pytest.raises(DoesNotFitError, match="delay_max_ticks = 15"):
        run_on_chip(net, "truenorth", 60, latency=False, raise_delays=True, delay_lowering="minimum")
    run = run_on_chip(net, "truenorth", 60, latency=False, raise_delays=True)
    shift = run.delay_shift
    assert shift.relays == {"in~relay1": 4} and shift.latency["a"] == 1  # pre neurons 1, 3, 5, 7
    k = list(run.report.energy.populations).index("in~relay1")
    assert run.report.population_spikes[k] == run.result.spike_matrix("in~relay1").sum() > 0
    assert run.report.population_synops[k] > 0  # the hop into the relays is a synaptic event too
    assert run.report.core_neurons.sum() == 12  # 8 neurons of a and 4 relays


def test_cli_capacity_policy(tmp_path, capsys):
    chip = tmp_path / "tight.toml"
    chip.write_text(TRUENORTH.path.read_text().replace("fanin_per_neuron = 256", "fanin_per_neuron = 32"))
    args = ["run", "--chip", str(chip), "--samples", "2", "--no-progress", "--no-latency"]
    assert main(args) == 2
    assert "64 over" not in capsys.readouterr().err  # strict: the one-line error of the first violation
    out = tmp_path / "r.json"
    assert main([*args, "--capacity", "warn", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "[over capacity, not native]" in text and "CAPACITY VIOLATIONS (2," in text
    data = json.loads(out.read_text())
    assert [v["check"] for v in data["violations"] if v["kind"] == "capacity"] == ["fanin_per_neuron"] * 2
    assert main([*args, "--capacity", "warn", "--compatibility", "strict"]) == 2
    assert "neuron model 'lif' is not native" in capsys.readouterr().err


def test_sweep_under_capacity_warn_keeps_the_figures_of_points_over_a_limit():
    net = ns.Network("wide")
    net.poisson("in", 40, p=0.2)
    net.population("a", 8, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=np.full((8, 40), 0.1), delays=1)
    tight = ns.load_chip("loihi_sanafe").replace(axons_in_per_core=32)
    strict = ns.sweep(net, tight, 20, {"neurons_per_core": [4, 8]})
    assert [r["fits"] for r in strict.rows] == [False, False] and strict.rows[0]["energy_J"] is None
    warned = ns.sweep(net, tight, 20, {"neurons_per_core": [4, 8]}, capacity="warn")
    assert [r["fits"] for r in warned.rows] == [False, False]
    for row in warned.rows:
        assert row["energy_J"] > 0 and "over capacity (mapped under capacity=warn): core 0" in row["error"]
        assert "axons_in_per_core = 32" in row["error"]


def test_count_valued_nir_inputs_are_checked_against_the_chip():
    from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file

    counts = {"input": load_input_file(bundled(BUNDLED_SAMPLES))["input"][:2] * 2}
    args = (bundled(BUNDLED_MODEL), counts, "truenorth", BUNDLED_DIALECT)
    with pytest.raises(NotSupportedError, match="source 'input': inputs carry spike counts"):
        ns.run_nir(*args, raise_delays=True, latency=False, compatibility="strict")
    run = ns.run_nir(*args, raise_delays=True, latency=False)
    assert [v.check for v in run.report.violations if v.check == "input_kinds"] == ["input_kinds"]
    plain = ns.run_nir(bundled(BUNDLED_MODEL), counts, "spinnaker2", BUNDLED_DIALECT, latency=False,
                       missing="mark")
    assert plain.report.violations == ()  # SpiNNaker2 runs any model and takes counts


@pytest.mark.parametrize("field, value, message", [
    ("capacity", "loose", "RunOptions: capacity must be one of strict, warn, got 'loose'"),
    ("compatibility", None, "RunOptions: compatibility must be one of strict, warn, got None"),
    ("delay_lowering", "relay", "RunOptions: delay_lowering must be one of shift, minimum, got 'relay'"),
])
def test_run_options_refuse_unknown_policies(field, value, message):
    with pytest.raises(ns.ModelError, match=message):
        ns.RunOptions(**{field: value})
