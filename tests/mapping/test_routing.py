"""Routing and traffic: a hand-worked route, chip crossings, a brute-force XY oracle, per-tick traffic."""
import importlib

import numpy as np
import pytest

import neurosim as ns
from neurosim.chip import load_chip
from neurosim.mapping import place, route
from neurosim.cost_model.traffic import traffic

from neurosim.cost_model import traffic as traffic_module

TINY = dict(cores_per_chip=8, mesh_x=4, mesh_y=2)  # one core per tile: core k sits at (k % 4, k // 4)


def two_cores(pad: int) -> ns.Network:
    """Source 'in' -> a0; a0, a1 -> b. With 2 neurons per core: 'a' on core 0, 'pad' on the next
    ``pad // 2`` cores, 'b' on the core after them. a0 fires once, at tick 1; nothing else does."""
    net = ns.Network("two cores")
    net.spike_times("in", 1, ticks=[0], ids=[0])
    net.population("a", 2, "lif", beta=0.0, v_th=0.5)
    net.population("pad", pad, "lif", beta=0.9, v_th=1.0)
    net.population("b", 1, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=[[1.0], [0.0]], delays=1)
    net.connect("a", "b", weights=[[0.1, 0.1]], delays=1)
    return net


def test_hand_worked_route_and_traffic():
    placement = place(two_cores(pad=10), load_chip("truenorth").replace(**TINY), neurons_per_core=2)
    assert placement.neuron_core.tolist() == [-1, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]  # b on core 6 at (2, 1)
    routes = route(placement)
    # in (host, router (0, 0)) -> core 0: one packet, 0 hops. a0, a1 (0, 0) -> b (2, 1): x, x, then y.
    assert routes.packets.tolist() == [1, 1, 1] + [0] * 11
    assert routes.hops_x.tolist()[:3] == [0, 2, 2] and routes.hops_y.tolist()[:3] == [0, 1, 1]
    assert routes.max_hops.tolist()[:3] == [0, 3, 3] and not routes.crossings.any()
    # Links leave (0, 0) +x: (0 * 4 + 0) * 4 + 0 = 0; (1, 0) +x: 4; (2, 0) +y: (0 * 4 + 2) * 4 + 2 = 10.
    assert routes.link_ptr.tolist()[:4] == [0, 0, 3, 6]
    assert routes.link_ids.tolist() == [0, 4, 10, 0, 4, 10]
    assert routes.link_endpoints([4, 10]).tolist() == [[[1, 0], [2, 0]], [[2, 0], [2, 1]]]

    got = traffic(ns.simulate(placement.compiled, 4), routes)
    assert (got.packets, got.hops_x, got.hops_y, got.hops, got.crossings) == (2, 2, 1, 3, 0)
    assert np.flatnonzero(got.link_load).tolist() == [0, 4, 10] and got.link_load.sum() == 3
    assert got.tick_packets.tolist() == [1, 1, 0, 0] and got.tick_hops.tolist() == [0, 3, 0, 0]
    assert got.tick_max_hops.tolist() == [0, 3, 0, 0]
    assert got.tick_busiest_link.tolist() == [-1, 0, -1, -1] and got.tick_busiest_load.tolist() == [0, 1, 0, 0]


@pytest.mark.parametrize("chips, b_xy, links", [
    ({"chips_x": 2}, (4, 0), [0, 4, 8, 12]),  # X = 8: (y * 8 + x) * 4 + 0 for x = 0..3; the last link crosses
    ({"chips_y": 2}, (0, 2), [2, 18]),  # (0, 0) +y, then (0, 1) +y: (1 * 4 + 0) * 4 + 2 = 18 crosses
])
def test_a_hop_across_a_chip_boundary_is_a_crossing(chips, b_xy, links):
    placement = place(two_cores(pad=14), load_chip("truenorth").replace(**TINY, **chips), neurons_per_core=2)
    b = placement.compiled.pop_slice("b").start
    assert placement.neuron_core[b] == 8 and placement.core_chip[8] == 1
    assert tuple(placement.core_xy[8]) == b_xy
    routes = route(placement)
    assert routes.crossings[1] == 1 and routes.link_ids[routes.link_ptr[1]:routes.link_ptr[2]].tolist() == links
    got = traffic(ns.simulate(placement.compiled, 4), routes)
    assert got.crossings == 1 and got.tick_crossings.tolist() == [0, 1, 0, 0]


def random_network(seed: int) -> ns.Network:
    rng = np.random.default_rng(seed)
    net = ns.Network(f"random {seed}")
    net.poisson("in", 20, p=0.2, seed=seed)
    net.population("x", 60, "lif", beta=0.8, v_th=0.6)
    net.population("y", 40, "lif", beta=0.8, v_th=0.6)
    net.connect("in", "x", weights=(rng.random((60, 20)) < 0.3) * 0.5, delays=1)
    net.connect("x", "y", weights=(rng.random((40, 60)) < 0.1) * 0.4, delays=rng.integers(1, 4, (40, 60)))
    net.connect("y", "x", weights=(rng.random((60, 40)) < 0.05) * 0.3, delays=2)
    net.connect("x", "x", weights=(rng.random((60, 60)) < 0.05) * 0.2, delays=1)
    return net


def xy_links(src, dst, width):
    """The links of one packet, by walking the XY route step by step."""
    (x, y), out = src, []
    while x != dst[0]:
        step = 1 if dst[0] > x else -1
        out.append((y * width + x) * 4 + (0 if step > 0 else 1))
        x += step
    while y != dst[1]:
        step = 1 if dst[1] > y else -1
        out.append((y * width + x) * 4 + (2 if step > 0 else 3))
        y += step
    return out


@pytest.mark.parametrize("strategy", ["fill", "locality"])
@pytest.mark.parametrize("seed", [0, 1])
def test_routes_match_a_step_by_step_xy_walk(seed, strategy):
    net = random_network(seed)
    placement = place(net, load_chip("loihi2").replace(cores_per_chip=16, mesh_x=4, mesh_y=4, chips_x=2),
                      strategy, neurons_per_core=4)
    routes, width = route(placement), placement.mesh.grid_shape[0]
    core, xy = placement.neuron_core, placement.core_xy
    offset = {name: placement.compiled.pop_slice(name).start for name in net.nodes}
    targets = {}
    for proj in net.projections.values():
        for s, t in zip(proj.pre_idx + offset[proj.pre], proj.post_idx + offset[proj.post]):
            targets.setdefault(int(s), set()).add(int(core[t]))
    for i in range(placement.compiled.n_neurons):
        src = tuple(xy[core[i]]) if core[i] >= 0 else (0, 0)
        dests = sorted(targets.get(i, ()))
        expected = [xy_links(src, tuple(xy[d]), width) for d in dests]
        assert routes.packets[i] == len(dests)
        assert routes.packet_core[routes.packet_ptr[i]:routes.packet_ptr[i + 1]].tolist() == dests
        assert routes.hops_x[i] + routes.hops_y[i] == sum(map(len, expected))
        assert routes.max_hops[i] == max(map(len, expected), default=0)
        crossings = sum(abs(int(xy[d][0]) // 4 - src[0] // 4) for d in dests)
        assert routes.crossings[i] == crossings
        assert sorted(routes.link_ids[routes.link_ptr[i]:routes.link_ptr[i + 1]].tolist()) == \
            sorted(sum(expected, []))


def test_routes_are_the_same_with_or_without_the_table_of_router_pairs(monkeypatch):
    placement = place(random_network(2), load_chip("loihi2").replace(cores_per_chip=16, mesh_x=4, mesh_y=4,
                                                                      chips_x=2), neurons_per_core=4)
    routing = importlib.import_module("neurosim.mapping.routing")
    monkeypatch.setattr(routing, "_DENSE_KEYS", 1 << 24)
    table = route(placement)
    monkeypatch.setattr(routing, "_DENSE_KEYS", 0)
    sorted_ = route(placement)
    for name in ("packet_route", "route_src", "route_dst", "route_link_ids", "hops_x", "hops_y", "max_hops"):
        assert np.array_equal(getattr(table, name), getattr(sorted_, name)), name


def test_packets_to_one_core_are_one_packet_with_no_hops():
    net = ns.Network()
    net.spike_times("in", 1, ticks=[0, 1], ids=[0, 0])
    net.population("p", 3, "lif", beta=0.9, v_th=5.0)
    net.population("q", 3, "lif", beta=0.9, v_th=5.0)
    net.connect("in", "p", weights=1.0)
    net.connect("in", "q", weights=1.0)
    placement = place(net, load_chip("generic_45nm"))  # one core holds 'p' and 'q'
    routes = route(placement)
    assert routes.packets[0] == 1 and routes.hops_x[0] == routes.hops_y[0] == 0
    result = ns.simulate(placement.compiled, 3)
    got = traffic(result, routes)
    assert got.packets == 2 and result.counters.packets == 4  # the engine counts one packet per group
    assert got.hops == 0 and got.busiest_link == -1


@pytest.fixture(scope="module")
def busy():
    """A random network on 2 chips of a small mesh, simulated 80 ticks, with its routes."""
    chip = load_chip("loihi").replace(cores_per_chip=16, mesh_x=2, mesh_y=2, chips_x=2)  # 4 cores per tile
    placement = place(random_network(3), chip, "fill", neurons_per_core=4)
    routes = route(placement)
    return placement, routes, ns.simulate(placement.compiled, 80)


def test_traffic_totals_equal_the_sums_per_tick(busy):
    _, routes, result = busy
    got = traffic(result, routes)
    assert got.packets > 100 and got.crossings > 0
    assert got.tick_packets.sum() == got.packets and got.tick_crossings.sum() == got.crossings
    assert got.tick_hops_x.sum() == got.hops_x and got.tick_hops_y.sum() == got.hops_y
    assert got.link_load.sum() == got.hops
    spikes = result.counters.spikes_per_neuron
    expected = np.bincount(routes.link_ids, np.repeat(spikes, np.diff(routes.link_ptr)), minlength=routes.n_links)
    assert np.array_equal(got.link_load, expected)


def test_busiest_link_per_tick_matches_a_spike_by_spike_count(busy):
    _, routes, result = busy
    got = traffic(result, routes)
    for t in range(result.ticks):
        load = np.zeros(routes.n_links, dtype=np.int64)
        longest = 0
        for i in result.spike_ids[result.spike_ticks == t]:
            np.add.at(load, routes.link_ids[routes.link_ptr[i]:routes.link_ptr[i + 1]], 1)
            longest = max(longest, routes.max_hops[i])
        assert got.tick_busiest_load[t] == load.max()
        assert got.tick_busiest_link[t] == (int(np.argmax(load)) if load.any() else -1)
        assert got.tick_max_hops[t] == longest


def test_small_chunks_give_the_same_busiest_links(busy, monkeypatch):
    _, routes, result = busy
    whole = traffic(result, routes)
    monkeypatch.setattr(traffic_module, "_CHUNK_ENTRIES", routes.n_links * 3)
    chunked = traffic(result, routes)
    assert np.array_equal(whole.tick_busiest_link, chunked.tick_busiest_link)
    assert np.array_equal(whole.tick_busiest_load, chunked.tick_busiest_load)


def test_without_recorded_spikes_only_totals_are_given(busy):
    placement, routes, result = busy
    got = traffic(ns.simulate(placement.compiled, 80, record_spikes=False), routes)
    assert got.packets == traffic(result, routes).packets and not got.per_tick
    assert got.tick_packets is None and got.tick_hops is None and got.tick_busiest_link is None


def test_traffic_refuses_a_simulation_of_another_network(busy):
    _, routes, _ = busy
    with pytest.raises(ns.ModelError, match=r"simulation of network 'random 4', the routes are of network 'random 3'"):
        traffic(ns.simulate(random_network(4), 5), routes)
