"""Energy of hand-counted runs on every shipped profile (docs/hardware.md, "Cost model").

The hand run, T = 4 ticks: spike source 'in' (1 neuron, on the host, fires at tick 0) -> 'a' (1 LIF
neuron on core A, router (0, 0)) -> 'b' (2 LIF neurons on core B, the router one tile right and one
tile up, (1, 1)); every delay is 1, 'a' and 'b0' get weight 2 > v_th = 1, 'b1' gets 0.5::

    tick 0: every neuron's first update (3 active updates); 'in' fires: 1 packet host -> A, 0 hops
    tick 1: 'a' gets 1 event and fires: 1 packet A -> B, 1 x hop + 1 y hop
    tick 2: 'b0' and 'b1' get 1 event each; 'b0' fires (it has no synapses: no packet)
    tick 3: nothing (no bias: a resting neuron is not updated)
    run:  3 synaptic events, 6 active updates, 3 x 4 - 6 = 6 idle updates, 2 population spikes
          (the source's spike is not generated on chip), 2 packets, 1 x hop, 1 y hop, 0 crossings
    A:    1 neuron, 1 event, 2 active, 1 x 4 - 2 = 2 idle, 1 spike; sends 1 packet, 1 x and 1 y hop
    B:    2 neurons, 2 events, 4 active, 2 x 4 - 4 = 4 idle, 1 spike
    host: 1 packet, 0 hops

Placements are built by hand (the real Placement, cores chosen by the test) so the routes are known;
route() and traffic() are the real ones.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurosim import Network, ProfileError, load_chip, simulate
from neurosim.compile.compiled import compile_network
from neurosim.cost_model import cost
from neurosim.chip import Mesh
from neurosim.mapping import Placement, route
from neurosim.cost_model.traffic import traffic

PJ = 1e-12
LOIHI_FALLBACKS = {"e_spike_J": 10e-12, "t_spike_s": 20e-9}  # Davies et al. 2018 give no spike cost


def hand_network(value: float = 1.0, source_ticks=(0,)) -> Network:
    """The network of the module docstring; ``value`` is the source spike's value."""
    net = Network("hand")
    net.spike_times("in", 1, ticks=list(source_ticks), ids=[0] * len(source_ticks),
                    values=[value] * len(source_ticks))
    net.population("a", 1, "lif", beta=0.5, v_th=1.0)
    net.population("b", 2, "lif", beta=0.5, v_th=1.0)
    net.connect("in", "a", weights=2.0, delays=1)
    net.connect("a", "b", weights=[[2.0], [0.5]], delays=1)
    return net


def hand_placement(net: Network, profile, cores: dict[str, int]) -> Placement:
    """A Placement with every population on the one core given (sources on the host)."""
    compiled = compile_network(net)
    mesh = Mesh.of(profile)
    pop_core = np.array([cores.get(name, -1) for name in compiled.names], dtype=np.int64)
    grouped = compile_network(net, neuron_group=compiled.neuron_pop.astype(np.int64))  # one group per population
    return Placement(grouped, profile, "by hand", {}, mesh, pop_core[compiled.neuron_pop], pop_core.copy(),
                     mesh.core_xy(), mesh.core_chip(), {})


def tile_core(profile, x: int, y: int) -> int:
    """The first core of the tile whose router is at (x, y) on chip 0."""
    return (profile.cores_per_tile or 1) * (y * profile.mesh_x + x)


def hand_run(profile, value: float = 1.0, b_core: int | None = None, **simulate_options):
    """(result, placement, traffic) of the hand run on ``profile``."""
    net = hand_network(value)
    placement = hand_placement(net, profile, {"a": 0, "b": tile_core(profile, 1, 1) if b_core is None else b_core})
    result = simulate(placement.compiled, ticks=4, **simulate_options)
    return result, placement, traffic(result, route(placement))


def test_the_hand_run_does_what_the_module_docstring_counts():
    result, placement, tr = hand_run(load_chip("loihi"))
    c = result.counters
    assert c.tick_events.tolist() == [0, 1, 2, 0]
    assert c.tick_updates.tolist() == [3, 1, 2, 0]
    assert result.spike_ids.tolist() == [0, 1, 2] and result.spike_ticks.tolist() == [0, 1, 2]
    assert (tr.packets, tr.hops_x, tr.hops_y, tr.crossings) == (2, 1, 1, 0)
    assert placement.core_xy[36].tolist() == [1, 1]


def test_loihi_energy_of_every_class_by_hand():
    result, placement, tr = hand_run(load_chip("loihi"))
    report = cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS)
    physical = report.latency.physical_time_s  # 615.32 ns, worked out in test_latency.py
    expected = {
        "synops": 3 * 23.6 * PJ,                   # 3 events x e_synop_J
        "neuron_updates_active": 6 * 81 * PJ,      # 6 active updates
        "neuron_updates_idle": 6 * 52 * PJ,        # 3 neurons x 4 ticks - 6 active
        "spikes": 2 * 10 * PJ,                     # 'a' and 'b0', at the fallback 10 pJ
        "packets": 2 * 1.7 * PJ,                   # host -> A, A -> B
        "hops_x": 1 * 3.0 * PJ,
        "hops_y": 1 * 4.0 * PJ,
        "chip_crossings": 0.0,
        "static": 0.815e-3 * 2 * physical,         # 2 cores used for the sum of the tick latencies
    }
    got = report.energy.by_class()
    assert got == pytest.approx(expected, rel=1e-12)
    assert physical == pytest.approx(615.3193548387e-9, rel=1e-9)
    assert report.energy.total_J == pytest.approx(sum(expected.values()), rel=1e-12)


def test_loihi_energy_per_core_and_population_by_hand():
    result, placement, tr = hand_run(load_chip("loihi"))
    report = cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS)
    e, static = report.energy, 0.815e-3 * report.latency.physical_time_s  # per core
    core_a = (23.6 + 2 * 81 + 2 * 52 + 10 + 1.7 + 3.0 + 4.0) * PJ + static  # sends A -> B
    core_b = (2 * 23.6 + 4 * 81 + 4 * 52 + 10) * PJ + static
    assert e.cores.tolist() == [0, 36]
    assert e.core_energy_J.sum(axis=0) == pytest.approx([core_a, core_b], rel=1e-12)
    assert e.host_energy_J.sum() == pytest.approx(1.7 * PJ)  # the source's packet
    pops = dict(zip(e.populations, e.population_energy_J.sum(axis=0)))
    assert pops["in"] == pytest.approx(1.7 * PJ)
    assert pops["a"] == pytest.approx(core_a - static, rel=1e-12)  # static belongs to cores only
    assert pops["b"] == pytest.approx(core_b - static, rel=1e-12)


def test_loihi_sanafe_energy_by_hand():
    result, placement, tr = hand_run(load_chip("loihi_sanafe"))
    report = cost(result, placement, traffic=tr)  # SANA-FE publishes a spike cost: no fallback needed
    # Physical time: 4 ticks of a 1.0 us barrier (2 tiles) + compute + network = 4152.7 ns (test_latency.py).
    expected = {"synops": 3 * 35.5 * PJ, "neuron_updates_active": 6 * 72.8 * PJ, "neuron_updates_idle": 6 * 51.2 * PJ,
                "spikes": 2 * 69.3 * PJ, "packets": 2 * 111 * PJ, "hops_x": 3.0 * PJ, "hops_y": 4.2 * PJ,
                "chip_crossings": 0.0, "static": 0.815e-3 * 2 * 4152.7e-9}
    assert report.energy.by_class() == pytest.approx(expected, rel=1e-9)
    assert report.estimated  # the static power and the active-update energy are derived figures
    assert {v.key for v in report.assumed} >= {"p_static_per_core_W", "e_neuron_update_active_J"}


def test_loihi2_is_loihi_1_assumed_and_marked_estimated():
    loihi2 = load_chip("loihi2")  # one core per tile on an 8 x 16 mesh: B is core 9
    result, placement, tr = hand_run(loihi2)
    got = cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS)
    r1, p1, t1 = hand_run(load_chip("loihi"))
    expected = cost(r1, p1, traffic=t1, fallbacks=LOIHI_FALLBACKS)
    assert got.energy.by_class() == pytest.approx(expected.energy.by_class(), rel=1e-12)
    assert got.estimated
    statuses = {v.key: v.status for v in got.energy.values}
    assert statuses["e_synop_J"] == "assumed" and statuses["e_spike_J"] == "fallback"


def test_truenorth_uses_its_all_inclusive_energy_alone():
    result, placement, tr = hand_run(load_chip("truenorth"))
    report = cost(result, placement, traffic=tr, latency=False)
    # 3 synaptic events x 26 pJ; no update, spike, packet, hop or static term (they are inside the 26 pJ).
    assert report.energy.model == "all_inclusive"
    assert report.energy.by_class() == {"synops_all_inclusive": pytest.approx(3 * 26 * PJ)}
    assert not report.estimated
    assert report.latency is None


def test_spinnaker2_names_the_first_unpublished_value_it_needs():
    spinnaker2 = load_chip("spinnaker2").replace(mesh_x=8, mesh_y=5)  # placement needs a mesh
    result, placement, tr = hand_run(spinnaker2)
    with pytest.raises(ProfileError, match=r"'chip\.updates_all_neurons' is unpublished .*fallbacks="):
        cost(result, placement, traffic=tr, latency=False)
    with pytest.raises(ProfileError, match=r"'energy\.e_synop_J' is unpublished for chip profile 'spinnaker2'"):
        cost(result, placement, traffic=tr, latency=False, fallbacks={"updates_all_neurons": False})


def test_spinnaker2_with_fallbacks_by_hand_and_marked_estimated():
    spinnaker2 = load_chip("spinnaker2").replace(mesh_x=8, mesh_y=5)
    result, placement, tr = hand_run(spinnaker2)
    fallbacks = {"updates_all_neurons": False, "e_synop_J": 1 * PJ, "e_neuron_update_active_J": 2 * PJ,
                 "e_spike_J": 3 * PJ, "e_packet_J": 4 * PJ, "e_hop_x_J": 5 * PJ, "e_hop_y_J": 6 * PJ,
                 "p_static_per_core_W": 1e-6}
    report = cost(result, placement, traffic=tr, fallbacks=fallbacks, latency=False)
    expected = {"synops": 3 * PJ, "neuron_updates_active": 6 * 2 * PJ, "neuron_updates_idle": 0.0,
                "spikes": 2 * 3 * PJ, "packets": 2 * 4 * PJ, "hops_x": 5 * PJ, "hops_y": 6 * PJ,
                "chip_crossings": 0.0,
                "static": 1e-6 * 2 * 4 * 1e-3}  # 2 cores x 4 ticks of the 1 ms fixed tick
    assert report.energy.by_class() == pytest.approx(expected, rel=1e-12)
    # e_chip_crossing_J is unpublished too, but nothing crossed a chip: it was not needed.
    assert {v.key for v in report.energy.values if v.estimated} == set(fallbacks) | {"tick_s"}
    # The bit widths are unpublished too: the bit budget uses float32 defaults, also listed.
    assert {v.key for v in report.assumed} >= {"weight_bits", "state_bits"}
    assert report.estimated and report.energy.estimated


def test_generic_45nm_counts_graded_events_as_macs_and_the_rest_as_acs():
    generic = load_chip("generic_45nm")  # one core: both populations on core 0
    result, placement, tr = hand_run(generic, value=2.5, b_core=0)
    report = cost(result, placement, traffic=tr, latency=False)
    # The source's spike has value 2.5 (graded): its 1 event is a MAC; a -> b0, b1 are 2 ACs.
    assert report.energy.model == "ac_mac"
    assert report.energy.by_class() == pytest.approx({"effective_acs": 2 * 0.9 * PJ, "effective_macs": 4.6 * PJ})
    assert report.estimated  # e_mac_J = 3.7 + 0.9 pJ is derived


def test_chip_crossing_costs_once_per_boundary_and_x_hops_across_chips():
    loihi = load_chip("loihi").replace(chips_x=2)
    net = hand_network()
    placement = hand_placement(net, loihi, {"a": 0, "b": 128})  # core 128: chip 1, router (8, 0)
    result = simulate(placement.compiled, ticks=4)
    fallbacks = {**LOIHI_FALLBACKS, "e_chip_crossing_J": 100 * PJ, "t_chip_crossing_s": 50e-9}
    got = cost(result, placement, fallbacks=fallbacks).energy.by_class()
    assert got["hops_x"] == pytest.approx(8 * 3.0 * PJ)  # (0, 0) -> (8, 0)
    assert got["hops_y"] == 0.0
    assert got["chip_crossings"] == pytest.approx(100 * PJ)


def test_no_idle_updates_on_a_chip_that_updates_only_active_neurons():
    loihi = load_chip("loihi").replace(updates_all_neurons=False)
    result, placement, tr = hand_run(loihi)
    got = cost(result, placement, loihi, traffic=tr, fallbacks=LOIHI_FALLBACKS).energy.by_class()
    assert got["neuron_updates_idle"] == 0.0
    assert got["neuron_updates_active"] == pytest.approx(6 * 81 * PJ)


def test_a_fallback_never_overrides_a_published_value():
    result, placement, tr = hand_run(load_chip("loihi"))
    got = cost(result, placement, traffic=tr, fallbacks={**LOIHI_FALLBACKS, "e_synop_J": 1.0 * PJ})
    assert got.energy.by_class()["synops"] == pytest.approx(3 * 23.6 * PJ)


def test_each_missing_value_is_named_in_turn():
    result, placement, tr = hand_run(load_chip("loihi"))
    with pytest.raises(ProfileError, match=r"'latency\.t_spike_s' is unpublished for chip profile 'loihi'"):
        cost(result, placement, traffic=tr)
    with pytest.raises(ProfileError, match=r"'energy\.e_spike_J' is unpublished .*cost\(\.\.\., fallbacks="):
        cost(result, placement, traffic=tr, fallbacks={"t_spike_s": 20e-9})


def test_an_unknown_fallback_key_is_refused_with_a_suggestion():
    result, placement, tr = hand_run(load_chip("loihi"))
    with pytest.raises(ProfileError, match="did you mean 'e_spike_J'"):
        cost(result, placement, traffic=tr, fallbacks={"e_spike_pJ": 10.0})


def test_probe_forced_updates_cost_nothing():
    loihi = load_chip("loihi")
    plain_run = hand_run(loihi)
    probed_run = hand_run(loihi, probe=["b"])  # b is updated every tick for the probe: 4 forced updates
    assert probed_run[0].counters.pop_forced_updates.sum() == 4
    plain = cost(plain_run[0], plain_run[1], traffic=plain_run[2], fallbacks=LOIHI_FALLBACKS, latency=False)
    probed = cost(probed_run[0], probed_run[1], traffic=probed_run[2], fallbacks=LOIHI_FALLBACKS, latency=False)
    got, expected = probed.energy.by_class(), plain.energy.by_class()
    # Static energy follows the modelled tick latencies, where the forced updates are removed pro
    # rata per tick (the engine counts them per population only): compare the event classes.
    del got["static"], expected["static"]
    assert got == pytest.approx(expected, rel=1e-12)
    assert any("pro rata" in note for note in probed.notes)
