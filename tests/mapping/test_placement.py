"""Placement: the core geometry, both strategies, every capacity check and the fix it names."""
import dataclasses
import importlib

import numpy as np
import pytest

import neurosim as ns
from neurosim.errors import DoesNotFitError, PlacementError
from neurosim.chip import Mesh, load_chip
from neurosim.mapping import place, route

STRATEGIES = ("fill", "locality")
PLACEABLE = ("generic_45nm", "loihi", "loihi2", "loihi_sanafe", "truenorth")  # spinnaker2 has no published mesh


def layered(n_in=50, n_hid=100, n_out=16, seed=0):
    """Source -> hidden (sparse) -> out (dense), delays 1: fits every placeable chip."""
    rng = np.random.default_rng(seed)
    net = ns.Network("layered")
    net.poisson("in", n_in, p=0.2, seed=seed)
    net.population("hid", n_hid, "lif", beta=0.9, v_th=0.5)
    net.population("out", n_out, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "hid", weights=(rng.random((n_hid, n_in)) < 0.2) * 0.4, delays=1)
    net.connect("hid", "out", weights=0.05, delays=1)
    return net


def clustered(k=8, size=64, p_in=0.5, p_out=0.01, seed=0):
    """``k`` clusters of ``size`` neurons, dense inside and sparse across, shuffled over one population."""
    rng = np.random.default_rng(seed)
    n = k * size
    label = rng.permutation(np.repeat(np.arange(k), size))
    same = label[:, None] == label[None, :]
    w = (rng.random((n, n)) < np.where(same, p_in, p_out)) & ~np.eye(n, dtype=bool)
    net = ns.Network("clustered")
    net.poisson("in", 16, p=0.3, seed=seed)
    net.population("c", n, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "c", weights=(rng.random((n, 16)) < 0.1) * 0.6, delays=1)
    net.connect("c", "c", weights=w * 0.05, delays=1)
    return net


def oracle_usage(net, neuron_core):
    """Per-core and per-neuron counts by plain set arithmetic over the projections."""
    offset, start = {}, 0
    for name, node in net.nodes.items():
        offset[name] = start
        start += node.size
    axons, edges, dests, synapses = {}, {}, {}, {}
    for proj in net.projections.values():
        for s, t in zip(proj.pre_idx + offset[proj.pre], proj.post_idx + offset[proj.post]):
            s, t = int(s), int(t)
            core = int(neuron_core[t])
            axons.setdefault(core, set()).add(s)
            synapses[core] = synapses.get(core, 0) + 1
            dests.setdefault(s, set()).add(core)
            if neuron_core[s] >= 0:
                edges.setdefault(int(neuron_core[s]), set()).add((s, core))
    cores, counts = np.unique(neuron_core[neuron_core >= 0], return_counts=True)
    return {"neurons": dict(zip(cores.tolist(), counts.tolist())),
            "axons_in": {c: len(v) for c, v in axons.items()}, "fanout_edges": {c: len(v) for c, v in edges.items()},
            "fanout_cores": {s: len(v) for s, v in dests.items() if neuron_core[s] >= 0}, "synapses": synapses}


def assert_within_limits(placement):
    profile, net = placement.profile, placement.compiled.network
    got = oracle_usage(net, placement.neuron_core)
    limits = (("neurons_per_core", "neurons"), ("axons_in_per_core", "axons_in"),
              ("fanout_edges_per_core", "fanout_edges"), ("fanout_cores_per_neuron", "fanout_cores"))
    for field, key in limits:
        limit = getattr(profile, field)
        if limit is not None:
            assert max(got[key].values(), default=0) <= limit, field
    if profile.synapse_memory_bits_per_core is not None and profile.name != "truenorth":
        assert max(got["synapses"].values()) * profile.weight_bits <= profile.synapse_memory_bits_per_core
    assert placement.n_cores_used <= profile.n_cores
    assert placement.usage["axons_in_per_core"] == max(got["axons_in"].values(), default=0)
    assert placement.usage["fanout_edges_per_core"] == max(got["fanout_edges"].values(), default=0)


# -- geometry ------------------------------------------------------------------------------------------


def test_core_coordinates_follow_tiles_then_chips():
    mesh = Mesh.of(load_chip("loihi").replace(chips_x=2))  # 4 cores per tile, 8 x 4 tiles per chip
    xy = mesh.core_xy()
    assert xy[[0, 3, 4, 31, 32, 127, 128, 132]].tolist() == [[0, 0], [0, 0], [1, 0], [7, 0], [0, 1], [7, 3],
                                                              [8, 0], [9, 0]]
    assert mesh.core_chip()[[127, 128]].tolist() == [0, 1] and mesh.grid_shape == (16, 4)


def test_bisection_order_visits_every_core_once_in_compact_runs():
    mesh = Mesh.of(load_chip("loihi2"))  # 1 core per tile, 8 x 16 tiles
    order = mesh.cores_by_bisection()
    assert sorted(order.tolist()) == list(range(128))
    first = mesh.core_xy()[order[:16]]
    assert np.ptp(first[:, 0]) + np.ptp(first[:, 1]) == 6  # a 4 x 4 block


def test_a_profile_without_a_mesh_places_its_cores_in_tiles_numbered_in_one_row():
    spinnaker = load_chip("spinnaker2")  # 152 cores, 4 per tile, no published mesh
    got = place(layered(), spinnaker, neurons_per_core=2)
    assert not got.mesh.published and got.mesh.grid_shape == (38, 1)
    cores = np.unique(got.neuron_core[got.neuron_core >= 0])
    assert np.array_equal(got.core_xy[cores], np.stack([cores // 4, np.zeros_like(cores)], axis=1))
    assert got.n_tiles_used == len(np.unique(cores // 4))
    meshed = place(layered(), spinnaker.replace(mesh_x=7, mesh_y=6), neurons_per_core=2)
    assert meshed.mesh.published and np.array_equal(meshed.neuron_core, got.neuron_core)


# -- strategies ----------------------------------------------------------------------------------------


def test_fill_starts_each_population_on_a_fresh_core():
    got = place(layered(n_hid=20, n_out=10), load_chip("loihi"), neurons_per_core=16)
    assert got.neuron_core.tolist() == [-1] * 50 + [0] * 16 + [1] * 4 + [2] * 10
    assert got.group_core.tolist() == [-1, 0, 1, 2]
    assert got.compiled.neuron_group.tolist() == [0] * 50 + [1] * 16 + [2] * 4 + [3] * 10


def test_fill_packs_populations_onto_a_one_core_chip():
    got = place(layered(), load_chip("generic_45nm"))
    assert set(got.neuron_core[50:].tolist()) == {0} and got.group_core.tolist() == [-1, 0, 0]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("chip", PLACEABLE)
def test_every_capacity_is_respected(chip, strategy):
    got = place(layered(), load_chip(chip), strategy)
    assert_within_limits(got)
    assert got.strategy == strategy and got.profile.name == chip


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_capacity_is_respected_on_many_small_cores(strategy):
    got = place(clustered(), load_chip("loihi"), strategy, neurons_per_core=8)
    assert got.n_cores_used == 64 and got.options["neurons_per_core"] == 8
    assert_within_limits(got)


def test_locality_makes_fewer_hops_than_fill_on_a_clustered_network():
    net, loihi = clustered(), load_chip("loihi")
    hops = {}
    for strategy in STRATEGIES:
        routes = route(place(net, loihi, strategy, neurons_per_core=8))
        hops[strategy] = int((routes.hops_x + routes.hops_y).sum())
    # Measured: 9,898 against 48,318 hops for one spike of every neuron (-80 %).
    assert hops["locality"] < 0.3 * hops["fill"]


def test_locality_is_deterministic():
    net, loihi = clustered(), load_chip("loihi")
    first = place(net, loihi, "locality", neurons_per_core=8)
    assert np.array_equal(first.neuron_core, place(net, loihi, "locality", neurons_per_core=8).neuron_core)


def test_the_placed_network_simulates_like_the_original():
    net = layered()
    placed = place(net, load_chip("loihi"), "locality", neurons_per_core=8)
    ref, got = ns.simulate(net, 30), ns.simulate(placed.compiled, 30)
    assert np.array_equal(ref.spike_ids, got.spike_ids) and np.array_equal(ref.spike_ticks, got.spike_ticks)
    events_per_core = np.bincount(placed.group_core[placed.group_core >= 0],
                                  got.counters.events_per_group()[placed.group_core >= 0])
    assert events_per_core.sum() == ref.counters.synaptic_events


def test_placement_is_read_only():
    got = place(layered(), load_chip("loihi"))
    with pytest.raises(ValueError):
        got.neuron_core[0] = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.strategy = "locality"
    with pytest.raises(TypeError):
        got.options["neurons_per_core"] = 3


# -- capacity errors: the item, the limit, by how much, and the fix --------------------------------------


def test_too_many_cores_names_the_chips_to_add():
    net = ns.Network()
    net.population("hidden", 140 * 1024, "lif", beta=0.9, v_th=1.0)
    expected = r"needs 140 cores .* loihi has 128 .* use 2 chips \(profile.replace\(chips_x=2\)\).*remove 12288 neurons"
    with pytest.raises(DoesNotFitError, match=expected + r" .*'hidden'") as err:
        place(net, load_chip("loihi"))
    assert (err.value.limit, err.value.needed, err.value.available) == ("cores", 140, 128)


def test_too_many_cores_with_fewer_neurons_per_core_suggests_the_maximum():
    net = ns.Network()
    net.population("hidden", 4096, "lif", beta=0.9, v_th=1.0)
    with pytest.raises(DoesNotFitError, match=r"needs 256 cores at 16 neurons per core.*neurons_per_core=1024, "
                                              r"the chip's maximum \(at least 4 cores\)"):
        place(net, load_chip("loihi"), neurons_per_core=16)


def test_neurons_per_core_above_the_chip_is_refused():
    with pytest.raises(DoesNotFitError, match=r"neurons_per_core=300 exceeds truenorth's neurons_per_core = 256"):
        place(layered(), load_chip("truenorth"), neurons_per_core=300)


def one_to_many(n_pre, n_post, per_post, pre_kind="source"):
    """Post neuron j receives from pre neurons per_post*j .. per_post*j + per_post - 1 (mod n_pre)."""
    net = ns.Network()
    if pre_kind == "source":
        net.poisson("a", n_pre, p=0.1)
    else:
        net.population("a", n_pre, "lif", beta=0.9, v_th=1.0)
    net.population("b", n_post, "lif", beta=0.9, v_th=1.0)
    post = np.repeat(np.arange(n_post), per_post)
    pre = (np.arange(n_post * per_post)) % n_pre
    net.connect_synapses("a", "b", pre, post, 0.1, delays=1)
    return net


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_input_axons_over_the_limit_name_the_core_and_a_fitting_neurons_per_core(strategy):
    chip = load_chip("loihi").replace(axons_in_per_core=64)
    expected = (r"core 0 \(population 'b'\) receives spikes from 192 distinct presynaptic neurons .* 128 over loihi's "
                r"axons_in_per_core = 64 .*neurons_per_core=21")
    with pytest.raises(DoesNotFitError, match=expected):
        place(one_to_many(200, 64, 3), chip, strategy)
    assert_within_limits(place(one_to_many(200, 64, 3), chip, strategy, neurons_per_core=21))


def test_fanout_edges_over_the_limit_name_a_fitting_neurons_per_core():
    net = one_to_many(64, 64, 1, pre_kind="population")
    chip = load_chip("loihi").replace(fanout_edges_per_core=10)
    with pytest.raises(DoesNotFitError, match=r"core 0 \(population 'a'\) sends 16 fan-out edges .* 6 over loihi's "
                                              r"fanout_edges_per_core = 10 \(on 4 cores\).*neurons_per_core=10") as err:
        place(net, chip, neurons_per_core=16)
    assert err.value.limit == "fanout_edges_per_core"


def test_synapse_memory_counts_weight_bits_per_synapse():
    chip = load_chip("loihi").replace(synapse_memory_bits_per_core=9 * 100)
    with pytest.raises(DoesNotFitError, match=r"needs 2880 bits of synaptic memory \(320 synapses x 9 weight bits\), "
                                              r"1980 over loihi's synapse_memory_bits_per_core = 900 \(on 2 cores\); "
                                              r"smallest change: place with neurons_per_core=10"):
        place(one_to_many(10, 64, 10), chip, neurons_per_core=32)


def test_truenorth_memory_is_a_crossbar_so_a_dense_core_fits():
    net = ns.Network()
    net.poisson("in", 256, p=0.1)
    net.population("out", 256, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "out", weights=1.0, delays=1)  # 65,536 synapses of 9-bit weights on one core
    got = place(net, load_chip("truenorth"))
    assert got.usage["synapse_memory_bits_per_core"] == 256 * 256 == got.profile.synapse_memory_bits_per_core


def test_a_neuron_reaching_two_truenorth_cores_is_refused_with_the_splitters_needed():
    net = ns.Network()
    net.population("a", 10, "lif", beta=0.9, v_th=1.0)
    net.population("b", 300, "lif", beta=0.9, v_th=1.0)
    net.connect("a", "b", weights=0.1, delays=1)  # 'b' needs two cores
    expected = (r"population 'a': 10 neurons sending spikes to more than 1 core \(neuron 0 to 2\)"
                r".*fanout_cores_per_neuron.*splitter.*10 splitter neurons")
    with pytest.raises(DoesNotFitError, match=expected):
        place(net, load_chip("truenorth"))


def test_fan_in_over_the_limit_names_the_population():
    with pytest.raises(DoesNotFitError, match=r"population 'b': 5 neurons with more than 256 presynaptic inputs "
                                              r"\(neuron 0 has 300, 44 over truenorth's fanin_per_neuron = 256\); "
                                              r"reduce their fan-in to 256"):
        place(one_to_many(300, 5, 300), load_chip("truenorth"))


def test_input_axons_no_neurons_per_core_can_fix_name_the_population():
    net = one_to_many(300, 10, 60, pre_kind="population")  # 'b' hears all 300 of 'a', 60 each
    expected = (r"core 2 \(population 'b'\) receives spikes from 300 .* 44 over truenorth's axons_in_per_core = 256"
                r".*no smaller neurons_per_core keeps every limit: reduce the number of distinct presynaptic "
                r"neurons of population 'b'")
    with pytest.raises(DoesNotFitError, match=expected):
        place(net, load_chip("truenorth"))


def test_delays_outside_the_chip_range_name_the_projection():
    net = layered()
    net.connect("hid", "hid", weights=0.1 * np.eye(100), delays=20, name="recurrent")
    expected = r"projection 'recurrent': 100 synapses have delays up to 20 ticks, 5 over truenorth's delay_max_ticks"
    with pytest.raises(DoesNotFitError, match=expected + r" = 15; shorten them"):
        place(net, load_chip("truenorth"))
    zero = ns.Network()
    zero.poisson("in", 4, p=0.1)
    zero.population("out", 4, "lif", beta=0.9, v_th=1.0)
    zero.connect("in", "out", weights=np.eye(4), delays=0)
    with pytest.raises(DoesNotFitError, match=r"projection 'in->out': 4 synapses have delay 0 ticks, below truenorth's "
                                              r"delay_min_ticks = 1 .* give them delays >= 1"):
        place(zero, load_chip("truenorth"))


def test_unknown_strategies_and_options_are_refused():
    with pytest.raises(PlacementError, match=r"unknown placement strategy 'fil'; did you mean 'fill'\? \(known: fill, "
                                             r"locality\)"):
        place(layered(), load_chip("loihi"), "fil")
    with pytest.raises(PlacementError, match=r"strategy 'fill' has no option 'neuron_per_core'"):
        place(layered(), load_chip("loihi"), neuron_per_core=8)
    with pytest.raises(PlacementError, match=r"neurons_per_core must be a positive integer, got 0"):
        place(layered(), load_chip("loihi"), neurons_per_core=0)


def test_a_registered_strategy_is_used_by_name_and_its_contract_checked(monkeypatch):
    registry = importlib.import_module("neurosim.mapping.placement")
    monkeypatch.setattr(registry, "_STRATEGIES", dict(registry._STRATEGIES))  # registrations end with the test

    def reverse(compiled, mesh, neurons_per_core, offset=0):
        core = place(compiled, load_chip("loihi"), neurons_per_core=neurons_per_core).neuron_core
        return np.where(core >= 0, mesh.n_cores - 1 - core - offset, -1)

    ns.mapping.register_strategy("reverse", reverse, options=("offset",))
    assert "reverse" in ns.mapping.list_strategies()
    got = place(layered(n_hid=20, n_out=10), load_chip("loihi"), "reverse", neurons_per_core=16, offset=1)
    assert got.neuron_core.tolist() == [-1] * 50 + [126] * 16 + [125] * 4 + [124] * 10
    with pytest.raises(PlacementError, match=r"already registered"):
        ns.mapping.register_strategy("reverse", reverse)
    ns.mapping.register_strategy("broken", lambda compiled, mesh, neurons_per_core: np.zeros(compiled.n_neurons))
    with pytest.raises(PlacementError, match=r"strategy 'broken' must give every neuron a core >= 0 and every "
                                             r"spike-source neuron -1"):
        place(layered(), load_chip("loihi"), "broken")
