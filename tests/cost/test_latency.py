"""Latency of the hand run of ``test_energy.py`` (its docstring counts every event), worked by hand.

Per tick: the busiest core's work, then the longest packet's route, then the barrier::

    loihi (Davies et al. 2018, Table 2; t_spike_s = 20 ns by fallback), A = core 0, B = core 36:
    tick 0: A 1 active x 8.4 = 8.4 ns; B 2 active x 8.4 = 16.8 ns          -> compute 16.8 ns
            host packet, 0 hops: 2.1 ns
    tick 1: A 1 event x 3.5 + 1 active x 8.4 + 1 spike x 20 = 31.9 ns; B 2 idle x 5.3 = 10.6 ns
            packet A -> B: 2.1 + 1 x hop x 4.1 + 1 y hop x 6.5 = 12.7 ns
    tick 2: A 1 idle x 5.3 = 5.3 ns; B 2 x 3.5 + 2 x 8.4 + 1 x 20 = 43.8 ns   (b0 sends no packet)
    tick 3: A 5.3 ns; B 2 idle x 5.3 = 10.6 ns
    barrier over 2 tiles: 113 + (465 - 113) x (2 - 1) / (32 - 1) = 124.3548387 ns, every tick
"""
from __future__ import annotations

import numpy as np
import pytest

from neurosim import ModelError, ProfileError, load_chip, simulate
from neurosim.cost_model import cost
from neurosim.mapping import route
from neurosim.cost_model.traffic import traffic

from test_energy import LOIHI_FALLBACKS, hand_network, hand_placement, hand_run, tile_core

NS = 1e-9
BARRIER_2_TILES = (113 + (465 - 113) * (2 - 1) / (32 - 1)) * NS


def test_loihi_tick_latencies_by_hand():
    result, placement, tr = hand_run(load_chip("loihi"))
    lat = cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS).latency
    assert lat.compute_s == pytest.approx(np.array([16.8, 31.9, 43.8, 10.6]) * NS, rel=1e-12)
    assert lat.network_s == pytest.approx(np.array([2.1, 12.7, 0.0, 0.0]) * NS, rel=1e-12)
    assert lat.barrier_s == pytest.approx(BARRIER_2_TILES, rel=1e-12)
    assert lat.tiles_used == 2
    assert lat.busiest_core.tolist() == [36, 0, 36, 36]
    expected = np.array([16.8 + 2.1, 31.9 + 12.7, 43.8, 10.6]) * NS + BARRIER_2_TILES
    assert lat.tick_latency_s == pytest.approx(expected, rel=1e-12)
    assert lat.total_s == pytest.approx(615.3193548387 * NS, rel=1e-9)
    assert lat.physical_time_s == lat.total_s  # a barrier chip's ticks end with the barrier
    assert (lat.worst_tick, lat.deadline_misses) == (1, None)


def test_loihi_sanafe_tick_latencies_by_hand():
    result, placement, tr = hand_run(load_chip("loihi_sanafe"))
    lat = cost(result, placement, traffic=tr).latency
    # SANA-FE: synapse 3.8, active 6.0 + 3.7 = 9.7, idle 6.0, spike 30, packet 5.1, hop x 4.1 / y 6.5 ns;
    # barrier: the table's 2-tile entry, 1.0 us.
    compute = [2 * 9.7, 3.8 + 9.7 + 30, 2 * 3.8 + 2 * 9.7 + 30, 2 * 6.0]  # B, A, B, B
    network = [5.1, 5.1 + 4.1 + 6.5, 0, 0]
    assert lat.compute_s == pytest.approx(np.array(compute) * NS, rel=1e-12)
    assert lat.network_s == pytest.approx(np.array(network) * NS, rel=1e-12)
    assert lat.barrier_s == pytest.approx(1.0e-6)
    assert lat.total_s == pytest.approx(4152.7 * NS, rel=1e-12)


def test_a_y_hop_takes_t_hop_y_not_t_hop_x():
    loihi = load_chip("loihi")
    above = hand_run(loihi, b_core=tile_core(loihi, 0, 1))  # B straight above A: 1 y hop
    beside = hand_run(loihi, b_core=tile_core(loihi, 1, 0))  # B right of A: 1 x hop
    got_above = cost(*above[:2], traffic=above[2], fallbacks=LOIHI_FALLBACKS).latency.network_s[1]
    got_beside = cost(*beside[:2], traffic=beside[2], fallbacks=LOIHI_FALLBACKS).latency.network_s[1]
    assert got_above == pytest.approx((2.1 + 6.5) * NS)
    assert got_beside == pytest.approx((2.1 + 4.1) * NS)


def test_fixed_tick_deadline_misses_are_counted():
    truenorth = load_chip("truenorth")  # publishes no latency: assume 0.6 ms per synaptic event, 0 otherwise
    result, placement, tr = hand_run(truenorth)
    zero = ("t_neuron_update_active_s", "t_neuron_update_idle_s", "t_spike_s", "t_packet_s", "t_hop_x_s", "t_hop_y_s")
    lat = cost(result, placement, traffic=tr, fallbacks={"t_synop_s": 0.6e-3, **dict.fromkeys(zero, 0.0)}).latency
    # tick 1: core A, 1 event = 0.6 ms; tick 2: core B, 2 events = 1.2 ms > the 1 ms tick.
    assert lat.tick_latency_s == pytest.approx([0.0, 0.6e-3, 1.2e-3, 0.0])
    assert (lat.deadline_misses, lat.worst_tick) == (1, 2)
    assert lat.barrier_s == 0.0 and lat.tick_period_s == 1e-3
    assert lat.physical_time_s == pytest.approx(4e-3)  # fixed ticks last tick_s whatever the work


def test_a_total_that_overflows_is_refused_not_reported_as_inf():
    truenorth = load_chip("truenorth")
    result, placement, tr = hand_run(truenorth)
    object.__setattr__(truenorth, "tick_s", 1e308)  # past the schema's bound, which load_chip enforces
    zero = ("t_neuron_update_active_s", "t_neuron_update_idle_s", "t_spike_s", "t_packet_s", "t_hop_x_s", "t_hop_y_s")
    with pytest.raises(ProfileError, match=r"the physical time is inf s, not a finite figure: .*\(.*tick_s"):
        cost(result, placement, traffic=tr, fallbacks={"t_synop_s": 0.6e-3, **dict.fromkeys(zero, 0.0)})


def test_latency_per_sample():
    result, placement, tr = hand_run(load_chip("loihi"))
    report = cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS, ticks_per_sample=2)
    ticks = report.latency.tick_latency_s
    assert (report.samples, report.ticks_per_sample) == (2, 2)
    assert report.latency.sample_latency_s == pytest.approx([ticks[0] + ticks[1], ticks[2] + ticks[3]])
    assert report.to_dict()["energy"]["per_sample_J"] == pytest.approx(report.energy.total_J / 2)


def test_samples_must_divide_the_run():
    result, placement, tr = hand_run(load_chip("loihi"))
    with pytest.raises(ModelError, match="3 ticks per sample != 4 ticks"):
        cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS, ticks_per_sample=3)


def test_the_latency_model_needs_the_recorded_spikes():
    loihi = load_chip("loihi")
    result, placement, tr = hand_run(loihi, record_spikes=False)
    with pytest.raises(ModelError, match="record_spikes=True"):
        cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS)


def test_fixed_tick_energy_without_latency_needs_no_recorded_spikes():
    truenorth = load_chip("truenorth")
    net = hand_network()
    placement = hand_placement(net, truenorth, {"a": 0, "b": tile_core(truenorth, 1, 1)})
    result = simulate(placement.compiled, ticks=4, record_spikes=False)
    report = cost(result, placement, traffic=traffic(result, route(placement)), latency=False)
    assert report.latency is None
    assert report.energy.total_J == pytest.approx(3 * 26e-12)


def test_a_barrier_chip_models_latency_for_its_static_energy_even_when_asked_not_to():
    result, placement, tr = hand_run(load_chip("loihi"))
    report = cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS, latency=False)
    assert report.latency is not None
    assert report.energy.by_class()["static"] == pytest.approx(0.815e-3 * 2 * report.latency.total_s)
