"""The engine's lifecycle: ``Simulation`` built once, ``reset()``, ``run(ticks, inputs=...)`` continuing in time,
and a batch of samples run as reset -> run on one Simulation with no Network copy."""
from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns
from neurosim.engine import SimResult, Simulation, simulate_samples
from neurosim.net import network as network_module
from neurosim.nir.batch import load_batch
from neurosim.workflows.inputs import BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir
from networks import demo_network, recurrent_network

COUNTER_FIELDS = ("spikes_per_neuron", "fan_packets", "seg_deliveries", "pop_updates", "pop_forced_updates",
                  "group_events", "group_updates", "tick_events", "tick_updates", "tick_spikes", "tick_packets",
                  "tick_group_events", "tick_group_updates")


def truenorth_network() -> ns.Network:
    """Poisson input into TrueNorth neurons with a stochastic leak and threshold (seeded draws per tick)."""
    rng = np.random.default_rng(4)
    net = ns.Network("stochastic")
    net.poisson("in", 20, p=0.3, seed=2)
    net.population("tn", 30, "truenorth", alpha=6, beta=30, leak=-90, stochastic_leak=1, threshold_mask=15,
                   gamma="linear")
    net.connect("in", "tn", weights=rng.integers(-2, 6, (30, 20)), delays=rng.integers(1, 4, (30, 20)))
    return net


def assert_same_run(got: SimResult, want: SimResult) -> None:
    assert got.ticks == want.ticks
    for name in ("spike_ticks", "spike_ids", "spike_values"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert got.probes.keys() == want.probes.keys()
    for name in got.probes:
        assert np.array_equal(got.probes[name], want.probes[name]), name
    for name in COUNTER_FIELDS:
        a, b = getattr(got.counters, name), getattr(want.counters, name)
        assert (a is None and b is None) or np.array_equal(a, b), name


NETWORKS = {"recurrent": (recurrent_network, ["h"]), "demo": (demo_network, ["output"]),
            "truenorth": (truenorth_network, ["tn"])}


@pytest.mark.parametrize("name", NETWORKS)
def test_run_reset_run_equals_a_fresh_run(name):
    build, probe = NETWORKS[name]
    compiled = ns.compile_network(build())
    fresh = Simulation(compiled, probe=probe, seed=3).run(60)
    sim = Simulation(compiled, probe=probe, seed=3, chunk_ticks=7)
    sim.run(45)
    sim.reset()
    assert sim.tick == 0
    again = sim.run(60)
    assert fresh.counters.spikes > 0
    assert_same_run(again, fresh)


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("first", [1, 23])
def test_run_continues_where_the_last_run_stopped(name, first):
    """run(a) then run(b), concatenated, is run(a + b): states, spikes in flight in the delay ring, awake
    neurons, Poisson draws and the stochastic models' draws all carry over; each result counts its own ticks."""
    build, probe = NETWORKS[name]
    compiled = ns.compile_network(build())
    whole = Simulation(compiled, probe=probe, seed=3).run(50)
    sim = Simulation(compiled, probe=probe, seed=3)
    head = sim.run(first)
    tail = sim.run(50 - first)
    assert (head.start_tick, tail.start_tick, sim.tick) == (0, first, 50)
    assert tail.ticks == 50 - first and tail.counters.tick_events.size == 50 - first
    # Input spikes of the tick before the boundary are still in the delay ring when the first run ends.
    in_ticks, _ = whole.spikes(next(iter(compiled.network.nodes)))
    assert np.any(in_ticks == first - 1)
    assert_same_run(SimResult.concatenate([head, tail]), whole)
    # The second run's ticks count from its own start.
    assert np.array_equal(tail.spike_matrix(probe[0]), whole.spike_matrix(probe[0])[first:])


def test_inputs_handed_to_a_run_replace_the_networks_source_from_the_runs_first_tick():
    net = recurrent_network()
    compiled = ns.compile_network(net)
    x = (np.random.default_rng(1).random((30, 30)) < 0.2).astype(float)
    given = Simulation(compiled, probe=["o"]).run(30, inputs={"in": x})
    copied = ns.simulate(ns.with_inputs(_with_spike_array(net), {"in": x}), 30, probe=["o"])
    assert given.counters.spikes > 0
    assert_same_run(given, copied)
    # After 5 ticks of the network's own Poisson source, x starts at tick 5 (its row 0).
    sim = Simulation(compiled)
    sim.run(5)
    later = sim.run(30, inputs={"in": ns.SpikeArray.create("in", x)})
    padded = _with_spike_array(net, np.concatenate([ns.simulate(net, 5).spike_matrix("in"), x]))
    whole = ns.simulate(padded, 35)
    tail = whole.spike_ticks >= 5
    assert later.start_tick == 5
    assert np.array_equal(later.spike_ticks, whole.spike_ticks[tail] - 5)
    assert np.array_equal(later.spike_ids, whole.spike_ids[tail])
    assert np.array_equal(later.counters.tick_events, whole.counters.tick_events[5:])


def test_sources_not_given_keep_their_own_events_and_spike_times_are_accepted():
    net = recurrent_network()
    times = ns.SpikeTimes.create("in", 30, ticks=[0, 2, 2, 9], ids=[1, 4, 7, 29])
    got = Simulation(net).run(20, inputs={"in": times})
    want = net_with_source(net, times)
    assert_same_run(got, ns.simulate(want, 20))
    assert_same_run(Simulation(net).run(20, inputs={}), ns.simulate(net, 20))


def test_inputs_that_name_no_source_or_do_not_fit_are_refused():
    sim = Simulation(recurrent_network())
    with pytest.raises(ns.ModelError, match="'h' is not a spike source of the network \\(sources: in\\)"):
        sim.run(5, inputs={"h": np.zeros((5, 40))})
    with pytest.raises(ns.ModelError, match="inputs\\['in'\\]: 3 neurons, but spike source 'in' has 30"):
        sim.run(5, inputs={"in": np.zeros((5, 3))})
    with pytest.raises(ns.ModelError, match="ticks must be a non-negative integer"):
        sim.run(-1)
    with pytest.raises(ns.ModelError, match="at least one run"):
        SimResult.concatenate([])


def test_probe_none_probes_nothing_and_a_probe_that_is_not_names_is_refused():
    net = recurrent_network()
    assert_same_run(ns.simulate(net, 10, probe=None), ns.simulate(net, 10))
    assert_same_run(ns.simulate(net, 10, probe="h"), ns.simulate(net, 10, probe=["h"]))
    for probe in (0, 1.5, True):
        with pytest.raises(ns.ModelError, match=f"probe: {probe!r} is neither a population name nor a list of names"):
            ns.simulate(net, 10, probe=probe)
    with pytest.raises(ns.ModelError, match="probe: 3 is not a population name"):
        Simulation(net, probe=["h", 3])


def test_after_an_interrupt_the_simulation_runs_again_only_after_a_reset():
    compiled = ns.compile_network(recurrent_network())
    sim = Simulation(compiled, chunk_ticks=4)

    def stop(done, _total):
        if done >= 8:
            raise KeyboardInterrupt

    with pytest.raises(ns.SimulationInterrupted) as info:
        sim.run(20, progress=stop)
    assert info.value.partial.ticks == 8 and info.value.partial.interrupted
    with pytest.raises(ns.ModelError, match="call reset\\(\\) before running again"):
        sim.run(5)
    sim.reset()
    assert_same_run(sim.run(20), ns.simulate(compiled, 20))


def test_a_batch_of_samples_builds_one_network_and_one_engine_state(monkeypatch):
    """run_nir over B samples: one Network (the loaded model), one Simulation and one allocation of its
    state, whatever B; every sample from the reset state."""
    counts = {"networks": 0, "simulations": 0, "allocations": 0}

    def counting(key, original):
        def wrapper(self, *args, **kwargs):
            counts[key] += 1
            return original(self, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(network_module.Network, "__init__", counting("networks", network_module.Network.__init__))
    monkeypatch.setattr(Simulation, "__init__", counting("simulations", Simulation.__init__))
    monkeypatch.setattr(Simulation, "_allocate", counting("allocations", Simulation._allocate))
    samples = load_input_file(bundled(BUNDLED_SAMPLES))
    run = run_nir(bundled(BUNDLED_MODEL), samples, "loihi_sanafe", "snntorch", samples=6)
    assert run.samples == 6 and run.result.ticks == 6 * run.ticks_per_sample
    assert counts == {"networks": 1, "simulations": 1, "allocations": 1}


def test_each_sample_of_a_batch_is_the_run_of_a_network_holding_that_sample():
    """simulate_samples (reset -> run(inputs) per sample) gives, sample by sample, exactly the run of a
    fresh network whose input node carries the sample, and their concatenation."""
    samples = load_input_file(bundled(BUNDLED_SAMPLES))
    batch = load_batch(bundled(BUNDLED_MODEL), samples, "snntorch", samples=4)
    compiled = ns.compile_network(batch.network)
    joined, runs = simulate_samples(compiled, batch.sample_inputs(), batch.ticks_per_sample, probe=batch.potential)
    fresh = [ns.simulate(ns.with_inputs(batch.network, inputs), batch.ticks_per_sample, probe=batch.potential)
             for inputs in batch.sample_inputs()]
    assert sum(r.counters.spikes for r in fresh) > 0
    for got, want in zip(runs, fresh):
        assert_same_run(got, want)
    assert_same_run(joined, SimResult.concatenate(fresh))
    assert joined.ticks == 4 * batch.ticks_per_sample


def _with_spike_array(net: ns.Network, data: np.ndarray | None = None) -> ns.Network:
    """``net`` with its Poisson source 'in' replaced by a SpikeArray (silent unless ``data`` is given)."""
    size = net.nodes["in"].size
    return net_with_source(net, ns.SpikeArray.create("in", np.zeros((0, size)) if data is None else data))


def net_with_source(net: ns.Network, source) -> ns.Network:
    out = ns.Network(net.name)
    for key, node in net.nodes.items():
        out.add(source if key == source.name else node)
    out.projections.update(net.projections)
    return out
