"""Synapse classes and counting rules of a chip profile, on small networks counted by hand."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.chip.synapse_class import SynapseClass, class_of_projections
from neurosim.errors import ProfileError
from neurosim.mapping.fixed import place_fixed
from neurosim.net.origin import Layer, LayerOrigin

TICKS = 6
# Input spikes (tick, neuron): 5 spikes, one of them at the last tick.
SPIKES = np.zeros((TICKS, 2))
SPIKES[[0, 1, 3], 0] = 1
SPIKES[[2, 5], 1] = 1
SILENT = dict(du=4095, dv=0, vth=100000)  # never fires: every count below comes from the inputs


def two_projection_network():
    """in (2 sources) -> a (3 neurons, all-to-all: 6 synapses), in -> b (2 neurons, one-to-one: 2 synapses,
    labelled ``synapse = conv``); delay 1, weight 1."""
    net = ns.Network("two_classes")
    net.spike_array("in", SPIKES)
    net.population("a", 3, "loihi_cuba", **SILENT)
    net.population("b", 2, "loihi_cuba", **SILENT)
    net.connect_synapses("in", "a", [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], 1.0, 1)
    net.connect_synapses("in", "b", [0, 1], [0, 1], 1.0, 1, attributes={"synapse": "conv"})
    return net


CONV = SynapseClass("conv", 24.0e-12, 3.1e-9, attribute={"synapse": "conv"}, source="test value")


def run(profile, network=None):
    network = network or two_projection_network()
    placement = place_fixed(network, profile, {"a": [0, 0, 0], "b": [1, 1]})
    result = ns.simulate(placement.compiled, TICKS)
    return ns.cost(result, placement, profile)


def test_two_synapse_classes_are_charged_at_their_own_energy_and_latency():
    profile = ns.load_chip("loihi_sanafe").replace(synapse_classes=[CONV])
    report = run(profile)
    # Delivered at tick t + 1 < 6: the spike at tick 5 is still in flight. Neuron 0 spiked at 0, 1, 3 and
    # neuron 1 at 2: 4 delivered spikes x 3 synapses of 'a' (default) and x 1 synapse of 'b' (conv).
    by_class = report.energy.by_class()
    assert by_class["synops"] == pytest.approx(12 * 35.5e-12, rel=1e-12)
    assert by_class["synops[conv]"] == pytest.approx(4 * 24.0e-12, rel=1e-12)
    used = {v.key: v for v in report.energy.values}
    assert used["synapse_class.conv.e_synop_J"].source == "test value"
    # Core 0 ('a') works 3 events x 3.8 ns per delivered spike, core 1 ('b') 1 event x 3.1 ns.
    busy = dict(zip(report.latency.cores.tolist(), report.latency.core_busy_s))
    plain = run(ns.load_chip("loihi_sanafe"))
    plain_busy = dict(zip(plain.latency.cores.tolist(), plain.latency.core_busy_s))
    assert busy[0] == pytest.approx(plain_busy[0], rel=1e-12)
    assert plain_busy[1] - busy[1] == pytest.approx(4 * (3.8e-9 - 3.1e-9), rel=1e-9)
    assert report.energy.total_J == pytest.approx(plain.energy.total_J - 4 * (35.5e-12 - 24.0e-12), rel=1e-12)


def test_two_classes_between_the_same_populations_are_split_synapse_by_synapse():
    net = ns.Network("same_pair")
    net.spike_array("in", SPIKES)
    net.population("a", 3, "loihi_cuba", **SILENT)
    net.connect_synapses("in", "a", [0, 1], [0, 0], 1.0, 1, name="dense")  # both sources onto a.0
    net.connect_synapses("in", "a", [0, 0, 1], [1, 2, 2], 1.0, 1, name="conv", attributes={"synapse": "conv"})
    profile = ns.load_chip("loihi_sanafe").replace(synapse_classes=[CONV])
    placement = place_fixed(net, profile, {"a": [0, 0, 0]})
    report = ns.cost(ns.simulate(placement.compiled, TICKS), placement, profile)
    # Delivered spikes: neuron 0 three (ticks 0, 1, 3), neuron 1 one (tick 2): 3 x 1 + 1 x 1 dense events,
    # 3 x 2 + 1 x 1 conv events; one delay segment per source holds synapses of both classes.
    counts = dict(zip(report.energy.classes, report.energy.counts))
    assert (counts["synops"], counts["synops[conv]"]) == (4, 7)


def test_a_projection_takes_the_first_class_that_selects_it_by_attribute_kind_or_name():
    conv_layer = LayerOrigin(((Layer("conv1", "Conv2d", "conv", (1, 2, 1), (1, 2, 1)),),))
    net = ns.Network("select")
    net.spike_array("in", SPIKES)
    net.population("a", 2, "loihi_cuba", **SILENT)
    net.connect_synapses("in", "a", [0], [0], 1.0, 1, name="by_kind", origin=conv_layer)
    net.connect_synapses("in", "a", [1], [1], 1.0, 1, name="dense_7")
    net.connect_synapses("in", "a", [0], [1], 1.0, 1, name="plain")

    classes = [SynapseClass("k", 1e-12, 1e-9, kinds=("conv",), source="s"),
               SynapseClass("n", 2e-12, 1e-9, projections=("dense_*",), source="s")]
    assert class_of_projections(net, classes) == {"by_kind": 1, "dense_7": 2, "plain": 0}


def test_events_at_the_spike_tick_include_the_spikes_still_in_flight():
    profile = ns.load_chip("loihi_sanafe").replace(synapse_classes=[CONV], synaptic_events_at="spike")
    report = run(profile)
    # All 5 input spikes count, the one at the last tick included.
    by_class = report.energy.by_class()
    assert by_class["synops"] == pytest.approx(15 * 35.5e-12, rel=1e-12)
    assert by_class["synops[conv]"] == pytest.approx(5 * 24.0e-12, rel=1e-12)
    np.testing.assert_array_equal(report.population_synops, [0, 15, 5])


def test_active_neurons_all_counts_every_neuron_every_tick():
    updated = run(ns.load_chip("loihi_sanafe"))
    every = run(ns.load_chip("loihi_sanafe").replace(active_neurons="all"))
    counts = dict(zip(every.energy.classes, every.energy.counts))
    assert counts["neuron_updates_active"] == 5 * TICKS
    assert counts.get("neuron_updates_idle", 0) == 0
    # neurosim's rule: the 5 neurons at tick 0 (initial state) and each neuron with input after.
    before = dict(zip(updated.energy.classes, updated.energy.counts))
    assert 0 < before["neuron_updates_active"] < 5 * TICKS
    assert before["neuron_updates_active"] + before["neuron_updates_idle"] == 5 * TICKS


def test_input_bias_potential_counts_input_bias_and_a_potential_held_without_leak():
    from neurosim.cost_model.counting import profile_counts
    from neurosim.cost_model.synops import tally

    net = ns.Network("rule")
    spikes = np.zeros((TICKS, 1))
    spikes[1, 0] = 1  # delivered at tick 2
    net.spike_array("in", spikes)
    # Neuron 0 gets one input and, without leak (dv = 0), holds v = 640 ever after; neuron 1 has a bias;
    # neuron 2 has neither.
    net.population("a", 3, "loihi_cuba", du=4095, dv=0, vth=100000, bias_mant=[0, 1, 0])
    net.connect_synapses("in", "a", [0], [0], 10.0, 1)
    profile = ns.load_chip("loihi_sanafe").replace(active_neurons="input_bias_potential")
    placement = place_fixed(net, profile, {"a": [0, 0, 0]})
    result = ns.simulate(placement.compiled, TICKS)
    v = ns.simulate(placement.compiled, TICKS, probe=["a"]).state("a", "v")
    assert v[2:, 0].tolist() == [640] * 4
    t = tally(result, placement, placement.routes, per_tick=True)
    np.testing.assert_array_equal(t.tick_active[:, 0], [3, 1, 2, 2, 1, 1])  # neurosim's own updates
    counted = profile_counts(t, result, placement, profile, {"a": v})
    np.testing.assert_array_equal(counted.tick_active[:, 0], [1, 1, 2, 2, 2, 2])
    assert counted.core_active.tolist() == [10] and counted.pop_active.tolist() == [0, 10]
    # Without membranes the population is replayed on the run's recorded inputs: the same counts.
    replayed = profile_counts(t, result, placement, profile)
    np.testing.assert_array_equal(replayed.tick_active, counted.tick_active)
    assert replayed.core_active.tolist() == [10] and replayed.pop_active.tolist() == [0, 10]


def random_rule_network(seed: int) -> ns.Network:
    """Spike sources and loihi_cuba populations with biases of both signs or none, leak or none (v held),
    refractory periods, zero weights, delays 0..3 and a recurrent projection: every case of the rule."""
    rng = np.random.default_rng(seed)
    net = ns.Network(f"rule_{seed}")
    net.spike_array("in", (rng.random((40, 12)) < 0.2).astype(float))
    sizes = {"a": 30, "b": 20}
    for name, size in sizes.items():
        net.population(name, size, "loihi_cuba", du=rng.choice([0, 2048, 4095], size).astype(float),
                       dv=rng.choice([0, 1, 300], size).astype(float), vth=rng.integers(1, 20, size).astype(float),
                       bias_mant=np.where(rng.random(size) < 0.2, rng.integers(-30, 60, size), 0).astype(float),
                       refractory=rng.integers(0, 3, size).astype(float))
    for pre, post, delays in (("in", "a", (0, 1, 2)), ("a", "b", (1, 3)), ("b", "a", (1, 2)), ("a", "a", (2,))):
        n_pre = 12 if pre == "in" else sizes[pre]
        k = 3 * sizes[post]
        net.connect_synapses(pre, post, rng.integers(0, n_pre, k), rng.integers(0, sizes[post], k),
                             rng.integers(-8, 12, k).astype(float), rng.choice(delays, k).astype(float))
    return net


@pytest.mark.parametrize("seed", range(6))
def test_input_bias_potential_replayed_equals_the_probed_membranes(seed):
    from neurosim.cost_model.counting import profile_counts
    from neurosim.cost_model.synops import tally

    net = random_rule_network(seed)
    profile = ns.load_chip("loihi_sanafe").replace(active_neurons="input_bias_potential")
    placement = place_fixed(net, profile, {"in": [0] * 12, "a": [0] * 15 + [1] * 15, "b": [1] * 10 + [2] * 10})
    result = ns.simulate(placement.compiled, 40)
    probed = ns.simulate(placement.compiled, 40, probe=["a", "b"])
    np.testing.assert_array_equal(probed.spike_ids, result.spike_ids)
    t = tally(result, placement, placement.routes, per_tick=True)
    expected = profile_counts(t, result, placement, profile, {k: probed.state(k, "v") for k in ("a", "b")})
    replayed = profile_counts(t, result, placement, profile)
    np.testing.assert_array_equal(replayed.tick_active, expected.tick_active)
    np.testing.assert_array_equal(replayed.pop_active, expected.pop_active)
    # The rule differs from the engine's own updates on these networks (so the check can fail).
    assert not np.array_equal(expected.tick_active, t.tick_active)


def test_input_bias_potential_refuses_a_replay_it_cannot_make_exactly():
    from dataclasses import replace

    from neurosim.cost_model.counting import profile_counts
    from neurosim.cost_model.synops import tally
    from neurosim.engine.simulation import Simulation

    net = random_rule_network(0)
    profile = ns.load_chip("loihi_sanafe").replace(active_neurons="input_bias_potential")
    placement = place_fixed(net, profile, {"in": [0] * 12, "a": [0] * 30, "b": [1] * 20})
    result = ns.simulate(placement.compiled, 40)
    t = tally(result, placement, placement.routes, per_tick=True)
    fired = np.flatnonzero(placement.compiled.neuron_pop[result.spike_ids] == placement.compiled.pop_index("a"))
    assert fired.size > 0
    keep = np.ones(result.spike_ids.size, dtype=bool)
    keep[fired[-1]] = False  # one spike of 'a' left out: the replay fires where the record does not
    altered = replace(result, spike_ticks=result.spike_ticks[keep], spike_ids=result.spike_ids[keep],
                      spike_values=result.spike_values[keep])
    with pytest.raises(ns.ModelError, match=r"population 'a' replayed on the run's inputs does not fire as it did"):
        profile_counts(t, altered, placement, profile)
    stochastic = ns.Network("stochastic")
    stochastic.spike_array("in", np.ones((4, 1)))
    stochastic.population("tn", 2, "truenorth", alpha=1, stochastic_leak=1, leak=1)
    stochastic.connect_synapses("in", "tn", [0, 0], [0, 1], 1.0, 1)
    tn = place_fixed(stochastic, profile, {"in": [0], "tn": [0, 0]})
    run_tn = ns.simulate(tn.compiled, 4)
    with pytest.raises(ns.ModelError, match=r"population 'tn'.*model 'truenorth' draws from the run's seed"):
        profile_counts(tally(run_tn, tn, tn.routes, per_tick=True), run_tn, tn, profile)
    sim = Simulation(placement.compiled)
    sim.run(5)
    later = sim.run(35)
    with pytest.raises(ns.ModelError, match=r"this run began at tick 5 \(a continued Simulation.run\)"):
        profile_counts(tally(later, placement, placement.routes, per_tick=True), later, placement, profile)


def test_static_energy_is_a_separate_line_that_can_be_left_out():
    profile = ns.load_chip("loihi_sanafe")
    network = two_projection_network()
    placement = place_fixed(network, profile, {"a": [0, 0, 0], "b": [1, 1]})
    result = ns.simulate(placement.compiled, TICKS)
    with_static = ns.cost(result, placement)
    dynamic = ns.cost(result, placement, static=False)
    assert "static" in with_static.energy.classes and "static" not in dynamic.energy.classes
    static = with_static.energy.by_class()["static"]
    assert static == pytest.approx(2 * 0.815e-3 * with_static.latency.physical_time_s, rel=1e-12)
    assert dynamic.energy.total_J == pytest.approx(with_static.energy.total_J - static, rel=1e-12)
    assert any("static energy left out" in note for note in dynamic.notes)


BAD_CLASSES = [
    ({"name": "x", "e_synop_J": 1e-12, "t_synop_s": 1e-9, "source": "s"}, r"synapse_class 'x' selects no projection"),
    ({"name": "default", "e_synop_J": 1e-12, "t_synop_s": 1e-9, "kinds": ["conv"], "source": "s"}, r"name is taken"),
    ({"name": "x", "e_synop_J": 24.0, "t_synop_s": 1e-9, "kinds": ["conv"], "source": "s"},
     r"'e_synop_J' = 24.0 must lie in 0 .. 1e-06 J"),
    ({"name": "x", "e_synop_J": 1e-12, "t_synop_s": 1e-9, "kinds": ["pool"], "source": "s"},
     r"kind 'pool' is not a connection layer kind"),
    ({"name": "x", "e_synop_J": 1e-12, "t_synop_s": 1e-9, "kinds": ["conv"]}, r"'source' must cite its costs"),
    ({"name": "x", "e_synop_J": 1e-12, "t_synop_s": 1e-9, "kinds": ["conv"], "source": "s", "energy": 1},
     r"unknown key 'energy'"),
]


@pytest.mark.parametrize("table, message", BAD_CLASSES)
def test_malformed_synapse_classes_are_refused_in_one_line(table, message):
    with pytest.raises(ProfileError, match=message) as err:
        ns.load_chip("loihi_sanafe").replace(synapse_classes=[table])
    assert "\n" not in str(err.value)


def test_synapse_classes_need_the_per_component_energy_model():
    with pytest.raises(ProfileError, match=r"\[\[synapse_class\]\] tables need the per-component energy model"):
        ns.load_chip("truenorth").replace(synapse_classes=[CONV])


def test_synapse_classes_and_rules_round_trip_through_the_profile_data():
    profile = ns.load_chip("loihi_sanafe").replace(synapse_classes=[CONV], synaptic_events_at="spike")
    again = ns.ChipProfile.from_dict(profile.to_dict())
    assert again.synapse_classes == profile.synapse_classes and again.synaptic_events_at == "spike"


def test_a_trace_is_costed_unless_the_profile_needs_the_synapses_of_the_run(tmp_path):
    from neurosim.errors import TraceError
    from neurosim.trace import TraceWriter, cost_trace

    profile = ns.load_chip("loihi_sanafe")  # its classes select attributes this network does not carry
    placement = place_fixed(two_projection_network(), profile, {"a": [0, 0, 0], "b": [1, 1]})
    path = tmp_path / "run.h5"
    with TraceWriter(path, placement, TICKS) as writer:
        result = ns.simulate(placement.compiled, TICKS, on_chunk=writer.write_chunk)
    assert cost_trace(path).energy.by_class() == ns.cost(result, placement).energy.by_class()
    every = profile.replace(active_neurons="all")
    assert cost_trace(path, every).energy.by_class() == ns.cost(result, placement, every).energy.by_class()
    with pytest.raises(TraceError, match=r"synapse class 'conv' selects projection 'in->b', but a trace holds the "
                                         r"synaptic events per destination group"):
        cost_trace(path, profile.replace(synapse_classes=[CONV]))
    with pytest.raises(TraceError, match=r"counts synaptic events at the spike tick"):
        cost_trace(path, profile.replace(synaptic_events_at="spike"))
    with pytest.raises(TraceError, match=r"counts active updates by input, bias and potential"):
        cost_trace(path, profile.replace(active_neurons="input_bias_potential"))
