"""Delivery counts when packets are still in flight at the end of a run (decision 0024: a segment's
delivery is counted when its packet is sent, and each run corrects for the packets in flight)."""
from __future__ import annotations

import numpy as np

import neurosim as ns
from neurosim.engine import Simulation

DELAYS = (1, 5, 9, 5000)  # the last one waits in the far list (longer than the largest ring)


def one_spike_network() -> ns.Network:
    """One source spike at tick 2 over four synapses, one per delay of DELAYS (one segment each)."""
    net = ns.Network("in flight")
    net.spike_times("in", 1, [2], [0])
    net.population("p", len(DELAYS), "lif", beta=0.9, v_th=10.0)
    net.connect_synapses("in", "p", [0] * len(DELAYS), list(range(len(DELAYS))), 1.0, list(DELAYS))
    return net


def deliveries_by_delay(result: ns.SimResult) -> list[int]:
    c = result.counters
    by_delay = dict(zip(c.compiled.seg_delay.tolist(), c.seg_deliveries.tolist()))
    return [by_delay[d] for d in DELAYS]


def test_a_packet_is_counted_by_the_run_that_delivers_it():
    sim = Simulation(one_spike_network())
    runs = [sim.run(6), sim.run(100), sim.run(5000)]  # ticks 0-5, 6-105, 106-5105
    assert [deliveries_by_delay(r) for r in runs] == [[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]]
    for r in runs:
        c = r.counters
        assert c.events_per_segment().sum() == c.synaptic_events == c.tick_events.sum()
    assert [r.counters.packets for r in runs] == [1, 0, 0]


def test_a_packet_due_after_the_last_run_is_never_counted_as_delivered():
    result = ns.simulate(one_spike_network(), 7)  # the delay-5 packet is due at tick 7
    assert deliveries_by_delay(result) == [1, 0, 0, 0]
    assert result.counters.synaptic_events == 1


def test_a_reset_drops_the_packets_in_flight_from_the_next_runs_count():
    sim = Simulation(one_spike_network())
    sim.run(4)
    sim.reset()
    assert deliveries_by_delay(sim.run(4)) == [1, 0, 0, 0]  # only the new spike's delay-1 packet


def crowded_network(n_src: int, weight: float) -> ns.Network:
    """``n_src`` sources all spiking at tick 0, each into two neurons with delays 3 and 7."""
    net = ns.Network("crowded slot")
    net.spike_times("in", n_src, [0] * n_src, list(range(n_src)))
    net.population("p", 2, "lif", beta=0.5, v_th=1e9)
    pre = np.repeat(np.arange(n_src), 2)
    net.connect_synapses("in", "p", pre, np.tile([0, 1], n_src), weight, np.tile([3, 7], n_src))
    return net


def test_a_slot_that_receives_more_packets_than_its_starting_capacity_grows():
    crowded = ns.simulate(crowded_network(300, 0.5), 10, probe=["p"])  # 300 packets per slot; 64 at the start
    single = ns.simulate(crowded_network(1, 150.0), 10, probe=["p"])  # 300 x 0.5 is exactly 150.0
    assert np.array_equal(crowded.probes["p"], single.probes["p"])
    assert crowded.probes["p"][3, 0, 0] != 0.0
    assert crowded.counters.tick_events[[3, 7]].tolist() == [300, 300]


def burst_network(n_src: int, n_delays: int) -> ns.Network:
    """``n_src`` sources all spiking at tick 0, each into one neuron with every delay 1..n_delays."""
    net = ns.Network("burst")
    net.spike_times("in", n_src, [0] * n_src, list(range(n_src)))
    net.population("p", 1, "lif", beta=0.5, v_th=1e9)
    pre = np.repeat(np.arange(n_src), n_delays)
    net.connect_synapses("in", "p", pre, np.zeros(pre.size, np.int64), 1.0, np.tile(np.arange(1, n_delays + 1), n_src))
    return net


def test_a_burst_over_many_delays_grows_the_ring_only_as_far_as_its_fullest_slot():
    # 200 spikes in one tick, 100 delays each: 20,000 packets, 200 per slot. The ring grows from 64 to
    # 256 packets per slot, not to the 20,000 that a bound by the burst's total would take.
    sim = Simulation(burst_network(200, 100))
    result = sim.run(110)
    assert result.counters.tick_events[1:101].tolist() == [200] * 100
    assert sim._queues.ring_seg.shape[1] == 256
