"""Run counts with one owner: segment sources, regrouped counters, per-core counts, link loads,
probe-forced shares and run totals, each computed once and shared by the cost model and the trace.

Small cases are checked against figures worked out by hand; larger ones against the computation
each helper replaced (written out here as the oracle), and the trace's totals against the run's.
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

import neurosim as ns
from neurosim import Network
from neurosim.compile.compiled import compile_network
from neurosim.cost_model.per_core import core_columns, per_core, spikes_per_core
from neurosim.cost_model.reroute import refined_network
from neurosim.cost_model.synops import RunTotals, active_fraction, tally
from neurosim.cost_model.traffic import route_link_load, traffic
from neurosim.engine.counters import Counters
from neurosim.mapping import routing
from neurosim.mapping.placement import place
from neurosim.trace import TraceWriter, read_trace
from neurosim.trace.cost import trace_totals

from networks import demo_network, recurrent_network


def two_delay_network() -> Network:
    """Source 'in' (2 neurons) -> 'p' (3 LIF neurons); delays (post x pre) [[1, 2], [1, 1], [2, 1]]:
    source 0 has a delay-1 segment (posts 0, 1) and a delay-2 segment (post 2), source 1 a delay-1
    segment (posts 1, 2) and a delay-2 segment (post 0)."""
    net = Network("two delays")
    net.spike_times("in", 2, ticks=[0, 1], ids=[0, 1])
    net.population("p", 3, "lif", beta=0.5, v_th=1.0)
    net.connect("in", "p", weights=np.ones((3, 2)), delays=np.array([[1, 2], [1, 1], [2, 1]]))
    return net


def test_segment_sources_by_hand():
    c = compile_network(two_delay_network())
    assert c.seg_delay.tolist() == [1, 2, 1, 2]
    assert c.segment_sources().tolist() == [0, 0, 1, 1]
    assert np.diff(c.seg_syn_ptr).tolist() == [2, 1, 2, 1]


def test_segment_sources_equal_the_fan_walk_on_a_placed_network():
    c = place(compile_network(demo_network(seed=1)), ns.load_chip("loihi_sanafe"), neurons_per_core=40).compiled
    seg_fan = np.repeat(np.arange(c.fan_group.size), np.diff(c.fan_seg_ptr))
    expected = np.searchsorted(c.src_fan_ptr, seg_fan, side="right") - 1  # the neuron whose fans hold the segment
    np.testing.assert_array_equal(c.segment_sources(), expected)


def test_regrouped_counts_every_field_as_a_simulation_of_the_coarse_grouping():
    compiled = compile_network(recurrent_network())
    chip = ns.load_chip("loihi_sanafe")
    placements = [place(compiled, chip, "fill", neurons_per_core=8), place(compiled, chip, "fill", neurons_per_core=13)]
    fine = ns.simulate(refined_network(placements), 30, probe=["o"], seed=4, keep_tick_groups=True)
    coarse = placements[1].compiled
    group_map = np.zeros(fine.compiled.n_groups, dtype=np.int64)
    group_map[fine.compiled.neuron_group] = coarse.neuron_group
    got = fine.counters.regrouped(coarse, group_map, fine.spike_ticks, fine.spike_ids)
    expected = ns.simulate(coarse, 30, probe=["o"], seed=4, keep_tick_groups=True).counters
    assert got.compiled is coarse
    for f in fields(Counters):  # every counter, so a new one cannot be left out of regrouped
        if f.name != "compiled":
            np.testing.assert_array_equal(getattr(got, f.name), getattr(expected, f.name), err_msg=f.name)


def test_per_core_by_hand():
    per_group = np.array([[1, 2, 3, 4, 5], [10, 20, 30, 40, 50]], dtype=np.int64)
    group_core = np.array([-1, 5, 3, 5, 7])  # a source group on the host, core 7 not asked for
    got = per_core(per_group, group_core, np.array([3, 5]))
    assert got.dtype == np.int64
    assert got.tolist() == [[3, 2 + 4], [30, 20 + 40]]
    assert per_core(np.array([0.5, 1.0, 0.25, 2.0, 9.0]), group_core, np.array([3, 5])).tolist() == [0.25, 3.0]
    assert core_columns(group_core, np.array([3, 5])).tolist() == [-1, 1, 0, 1, -1]


def test_per_core_equals_the_dense_one_hot_product():
    rng = np.random.default_rng(0)
    group_core = rng.integers(-1, 9, size=40)
    cores = np.unique(group_core[group_core >= 0])
    per_group = rng.integers(0, 1000, size=(17, 40))
    onehot = np.zeros((40, cores.size), dtype=np.int64)
    on = np.flatnonzero(group_core >= 0)
    onehot[on, np.searchsorted(cores, group_core[on])] = 1
    np.testing.assert_array_equal(per_core(per_group, group_core, cores), per_group @ onehot)


def test_spikes_per_core_by_hand():
    neuron_core = np.array([-1, 4, 4, 9])
    # ticks 10..12: neuron 1 at 10, neuron 3 twice at 11, the host's neuron 0 at 12, neuron 2 at 12
    got = spikes_per_core([10, 11, 11, 12, 12], [1, 3, 3, 0, 2], neuron_core, np.array([4, 9]), t0=10, n_ticks=3)
    assert got.tolist() == [[1, 0], [0, 2], [1, 0]]


def test_active_fraction_by_hand():
    # Population 0: 4 updates, 1 forced; population 1: none; population 2: 10 updates, 5 forced.
    got = active_fraction([4, 0, 10], [1, 0, 5], np.array([0, 0, 1, 2]))
    assert got.tolist() == [0.75, 0.75, 1.0, 0.5]


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """A probed run of the demo network on loihi_sanafe, traced, with every routing counted."""
    placement = place(compile_network(demo_network(seed=3)), ns.load_chip("loihi_sanafe"), neurons_per_core=64)
    path = tmp_path_factory.mktemp("counts") / "run.h5"
    calls = []
    real_route = routing.route
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(routing, "route", lambda p: calls.append(p) or real_route(p))
        with TraceWriter(path, placement, 30, probe=["output"]) as writer:
            result = ns.simulate(placement.compiled, 30, probe=["output"], seed=5, chunk_ticks=7,
                                 on_chunk=writer.write_chunk)
        report = ns.cost(result, placement)
    return dict(placement=placement, result=result, report=report, trace=read_trace(path), calls=calls)


def test_a_traced_and_costed_run_routes_its_placement_once(traced):
    assert traced["calls"] == [traced["placement"]]
    assert traced["report"].latency is not None  # the cost did use the routes (latency model)


def test_route_link_load_equals_a_walk_over_every_packet(traced):
    placement, result = traced["placement"], traced["result"]
    rt = placement.routes
    route_load = np.bincount(rt.packet_route, np.repeat(result.counters.spikes_per_neuron, rt.packets),
                             minlength=rt.route_hops_x.size).astype(np.int64)
    expected = np.zeros(rt.n_links, dtype=np.int64)
    for r, load in enumerate(route_load):
        expected[rt.route_link_ids[rt.route_link_ptr[r]:rt.route_link_ptr[r + 1]]] += load
    assert expected.sum() > 0
    np.testing.assert_array_equal(route_link_load(route_load, rt), expected)
    np.testing.assert_array_equal(traced["trace"].link_load, expected)  # the trace writer's, chunk by chunk
    np.testing.assert_array_equal(traffic(result, rt).link_load, expected)


def test_the_trace_and_the_run_give_the_same_totals(traced):
    a, b = RunTotals.of_run(traced["result"], traced["placement"]), trace_totals(traced["trace"])
    assert np.any(a.pop_forced_updates) and a.graded_ids.size == 0
    for f in fields(RunTotals):
        if f.name != "recorded":  # the run streamed its spikes to the trace; the trace holds them all
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)
    np.testing.assert_array_equal(a.cores, b.cores)


def test_the_trace_per_core_tables_equal_the_tally_of_the_run(traced):
    placement, trace = traced["placement"], traced["trace"]
    result = ns.simulate(placement.compiled, 30, probe=["output"], seed=5, keep_tick_groups=True)
    t = tally(result, placement, None, per_tick=True)
    col = np.searchsorted(trace.core_ids, t.cores)
    np.testing.assert_array_equal(trace.core_events[:, col], t.tick_events)
    np.testing.assert_array_equal(trace.core_spikes[:, col], t.tick_spikes)
