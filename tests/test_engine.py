"""Engine semantics on small networks worked out by hand, plus chunking, interruption and counters."""
import importlib
import json

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main


def single_input(delay, weight=1.0, tick=2, beta=0.5, v_th=10.0):
    net = ns.Network()
    net.spike_times("in", 1, ticks=[tick], ids=[0])
    net.population("a", 1, "lif", beta=beta, v_th=v_th)
    net.connect("in", "a", weights=weight, delays=delay)
    return net


def test_spike_at_t_over_delay_d_is_input_at_t_plus_d():
    result = ns.simulate(single_input(delay=3), ticks=9, probe=["a"])
    v = result.state("a", "v")[:, 0]
    # Spike at tick 2, delay 3: v = 1 at tick 5, then halves every tick.
    assert v.tolist() == [0, 0, 0, 0, 0, 1.0, 0.5, 0.25, 0.125]


def test_input_due_after_the_last_tick_is_dropped():
    result = ns.simulate(single_input(delay=5), ticks=6)
    assert result.counters.synaptic_events == 0
    assert result.counters.packets == 1  # the packet was sent, its delivery never came


def test_zero_delay_chain_fires_within_one_tick():
    net = ns.Network()
    net.spike_times("in", 1, ticks=[4], ids=[0])
    for name in ("c", "b", "a"):  # added in reverse: the order must come from the edges
        net.population(name, 1, "lif", beta=0.0, v_th=0.5)
    net.connect("in", "a", weights=1.0, delays=0)
    net.connect("a", "b", weights=1.0, delays=0)
    net.connect("b", "c", weights=1.0, delays=0)
    result = ns.simulate(net, ticks=6)
    for name in ("a", "b", "c"):
        assert result.spikes(name)[0].tolist() == [4]


def test_zero_delay_cycle_is_an_error_naming_the_populations():
    net = ns.Network()
    net.population("x", 1, "lif", beta=0.5, v_th=1.0)
    net.population("y", 1, "lif", beta=0.5, v_th=1.0)
    net.connect("x", "y", weights=1.0, delays=0)
    net.connect("y", "x", weights=1.0, delays=0)
    with pytest.raises(ns.ModelError, match=r"zero-delay cycle through populations 'x' -> 'y' -> 'x'"):
        ns.simulate(net, ticks=1)


def test_self_loop_with_zero_delay_is_an_error():
    net = ns.Network()
    net.population("x", 2, "lif", beta=0.5, v_th=1.0)
    net.connect("x", "x", weights=1.0, delays=0)
    with pytest.raises(ns.ModelError, match=r"'x' connects to itself with delay 0"):
        ns.simulate(net, ticks=1)


def test_recurrent_loop_with_delay_one_oscillates():
    net = ns.Network()
    net.spike_times("kick", 1, ticks=[0], ids=[0])
    net.population("x", 1, "lif", beta=0.0, v_th=0.5)
    net.connect("kick", "x", weights=1.0, delays=0)
    net.connect("x", "x", weights=1.0, delays=2)
    result = ns.simulate(net, ticks=7)
    assert result.spikes("x")[0].tolist() == [0, 2, 4, 6]


def test_graded_input_multiplies_the_weight():
    data = np.zeros((3, 2))
    data[1] = [2.5, -1.0]
    net = ns.Network()
    net.spike_array("in", data)
    net.population("a", 1, "lif", beta=1.0, v_th=100.0)
    net.connect("in", "a", weights=np.array([[2.0, 3.0]]), delays=0)
    result = ns.simulate(net, ticks=3, probe=["a"])
    assert result.state("a", "v")[:, 0].tolist() == [0.0, 2.0, 2.0]  # 2.5 * 2 - 1 * 3
    assert result.spike_matrix("in")[1].tolist() == [2.5, -1.0]


def test_neurons_at_rest_are_not_updated():
    net = ns.Network()
    net.spike_times("in", 1, ticks=[10], ids=[0])
    net.population("a", 100, "lif", beta=0.9, v_th=1.0)
    net.connect_synapses("in", "a", [0], [7], [0.5], delays=0)
    result = ns.simulate(net, ticks=30)
    updates = result.counters.tick_updates
    assert updates[0] == 100  # every neuron is awake at tick 0
    assert updates[1:10].sum() == 0 and updates[10] == 1 and updates[11:].sum() == 0


def test_probe_updates_are_counted_apart():
    net = single_input(delay=1)
    plain = ns.simulate(net, ticks=10).counters
    probed = ns.simulate(net, ticks=10, probe=["a"]).counters
    assert probed.pop_updates[1] == 10 and probed.neuron_updates == plain.neuron_updates


def demo(seed=3):
    rng = np.random.default_rng(seed)
    net = ns.Network()
    net.poisson("in", 30, p=0.2, seed=seed)
    net.population("h", 40, "lif", beta=0.9, v_th=1.0, reset="subtract")
    net.population("o", 5, "lif", beta=0.8, v_th=1.0, precision="float32")
    net.connect("in", "h", weights=rng.normal(0.2, 0.2, (40, 30)), delays=rng.integers(0, 20, (40, 30)))
    net.connect("h", "h", weights=rng.normal(0.0, 0.2, (40, 40)), delays=rng.integers(1, 4, (40, 40)))
    net.connect("h", "o", weights=rng.normal(0.2, 0.2, (5, 40)), delays=0)
    return net


def test_results_do_not_depend_on_chunk_size():
    compiled = ns.compile_network(demo())
    runs = [ns.simulate(compiled, ticks=80, chunk_ticks=k, probe=["o"]) for k in (1, 7, 80)]
    for r in runs[1:]:
        assert np.array_equal(r.spike_ids, runs[0].spike_ids) and np.array_equal(r.spike_ticks, runs[0].spike_ticks)
        assert np.array_equal(r.probes["o"], runs[0].probes["o"])
        assert np.array_equal(r.counters.tick_events, runs[0].counters.tick_events)
        assert np.array_equal(r.counters.fan_packets, runs[0].counters.fan_packets)


@pytest.mark.parametrize("keep_tick_groups", [True, False])
def test_chunk_size_grows_to_the_measured_time_per_tick(monkeypatch, keep_tick_groups):
    """Without ``chunk_ticks`` the first chunk is an estimate; later ones aim at 0.1 s per call from
    the time measured (here a fake clock: 1 ms per chunk, however many ticks), growing at most 8x
    at a time, the first call (which may load the kernel) not counted. Results do not change."""
    sim = importlib.import_module("neurosim.engine.simulation")

    clock = iter(np.arange(0.0, 1e3, 0.0005))
    monkeypatch.setattr(sim, "time", type("FakeTime", (), {"perf_counter": staticmethod(lambda: next(clock))}))
    monkeypatch.setattr(sim.Simulation, "_default_chunk", lambda self: 2)
    compiled = ns.compile_network(demo())
    done = []
    adaptive = ns.simulate(compiled, ticks=3000, progress=lambda d, total: done.append(d),
                           keep_tick_groups=keep_tick_groups)
    assert np.diff([0] + done).tolist() == [2, 2, 16, 128, 1024, 1828]
    fixed = ns.simulate(compiled, ticks=3000, chunk_ticks=7, keep_tick_groups=keep_tick_groups)
    assert np.array_equal(adaptive.spike_ids, fixed.spike_ids)
    assert np.array_equal(adaptive.counters.group_events, fixed.counters.group_events)


def test_counters_agree_with_each_other_and_with_the_spikes():
    result = ns.simulate(demo(), ticks=80)
    c = result.counters
    assert c.spikes == result.spike_ids.size == c.tick_spikes.sum()
    assert c.synaptic_events == c.events_per_segment().sum() == c.tick_group_events.sum()
    assert c.synaptic_events == sum(c.events_per_projection_pair().values())
    assert c.packets == c.tick_packets.sum()
    assert np.array_equal(c.tick_group_updates.sum(axis=1), c.tick_updates)
    # Every spike of 'h' sends one packet to each destination population it has synapses in.
    compiled = result.compiled
    h = compiled.pop_slice("h")
    groups_per_neuron = np.diff(compiled.src_fan_ptr)[h]
    assert c.fan_packets[compiled.src_fan_ptr[h.start]:compiled.src_fan_ptr[h.stop]].sum() == \
        (c.spikes_per_neuron[h] * groups_per_neuron).sum()


def test_interrupt_between_chunks_returns_the_completed_ticks():
    def stop_after_two_chunks(done, total):
        if done >= 20:
            raise KeyboardInterrupt

    with pytest.raises(ns.SimulationInterrupted) as info:
        ns.simulate(demo(), ticks=100, chunk_ticks=10, progress=stop_after_two_chunks)
    partial = info.value.partial
    assert partial.interrupted and partial.ticks == 20
    assert partial.spike_ticks.max() < 20 and partial.counters.tick_events.size == 20


def test_probing_a_source_is_an_error():
    with pytest.raises(ns.ModelError, match=r"'in' is a spike source"):
        ns.simulate(demo(), ticks=1, probe=["in"])


def test_cli_run_prints_the_report_and_writes_json(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["run", "--samples", "2", "--ticks", "25", "--json", str(out), "--no-progress", "--full"]) == 0
    report = json.loads(out.read_text())
    assert report["ticks"] == 50 and report["samples"] == 2 and report["chip"] == "loihi_sanafe" and report["operations"]
    assert "Energy" in capsys.readouterr().out


def test_cli_run_names_a_missing_value_and_takes_a_fallback(capsys):
    assert main(["run", "--ticks", "20", "--chip", "loihi", "--no-progress"]) == 0  # marked, not refused
    assert "not published: e_spike_J, t_spike_s" in capsys.readouterr().out
    args = ["run", "--ticks", "20", "--chip", "loihi", "--no-progress", "--fallback", "t_spike_s=0",
            "--fallback", "e_spike_J=0", "--quantize"]
    assert main(args) == 0
    assert "weights quantised to 9 bits" in capsys.readouterr().out


def test_cli_bad_fallback_is_one_line(capsys):
    assert main(["run", "--ticks", "5", "--fallback", "t_spike_s"]) == 2
    assert "expected KEY=NUMBER" in capsys.readouterr().err


def test_cli_error_is_one_line(capsys):
    assert main(["models", "lfi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurosim: error: unknown neuron model 'lfi'") and err.count("\n") == 1


def test_cli_chips_lists_every_profile(capsys):
    assert main(["chips"]) == 0
    out = capsys.readouterr().out
    for name in ns.list_chips():
        assert name in out


def test_cli_chips_shows_values_with_sources(capsys):
    assert main(["chips", "loihi"]) == 0
    out = capsys.readouterr().out
    assert "energy.e_synop_J" in out and "Davies et al. 2018" in out and "unpublished" in out


def test_cli_unknown_chip_is_one_line(capsys):
    assert main(["chips", "loihy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurosim: error:") and "loihi" in err and err.count("\n") == 1


def test_chunks_stream_every_spike_and_counter_once():
    got = []
    full = ns.simulate(demo(), ticks=60, chunk_ticks=7)
    streamed = ns.simulate(demo(), ticks=60, chunk_ticks=7, record_spikes=False,
                           on_chunk=lambda ch: got.append((ch.t0, ch.t1, ch.spike_ids.copy(),
                                                           ch.per_tick["tick_events"].copy())))
    assert [(a, b) for a, b, _, _ in got] == [(t, min(t + 7, 60)) for t in range(0, 60, 7)]
    assert np.array_equal(np.concatenate([ids for _, _, ids, _ in got]), full.spike_ids)
    assert np.array_equal(np.concatenate([ev for _, _, _, ev in got]), full.counters.tick_events)
    assert streamed.spike_ids.size == 0 and streamed.counters.spikes == full.counters.spikes
