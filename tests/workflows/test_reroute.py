"""Re-routing one run onto other placements (neurosim.cost_model.reroute) equals simulating each placement."""
from __future__ import annotations

import numpy as np
import pytest

from neurosim import load_chip
from neurosim.compile.compiled import compile_network
from neurosim.cost_model import cost
from neurosim.engine import simulate
from neurosim.mapping.placement import place
from neurosim.cost_model.reroute import RerouteError, refined_network, refinement, reroute

from networks import recurrent_network

TICKS = 60
COUNTERS = ("spikes_per_neuron", "fan_packets", "seg_deliveries", "pop_updates", "pop_forced_updates", "group_events",
            "group_updates", "tick_events", "tick_updates", "tick_spikes", "tick_packets", "tick_group_events",
            "tick_group_updates")


@pytest.fixture(scope="module")
def placements():
    compiled = compile_network(recurrent_network())
    chip = load_chip("loihi_sanafe")
    return [place(compiled, chip, "fill", neurons_per_core=8),
            place(compiled, chip, "fill", neurons_per_core=13),
            place(compiled, chip, "locality", neurons_per_core=6),
            place(compiled, chip.replace(mesh_x=2, mesh_y=16, cores_per_tile=4), "fill", neurons_per_core=5)]


@pytest.mark.parametrize("probe", [(), ("o",)])
def test_rerouted_runs_equal_simulated_runs(placements, probe):
    refined = simulate(refined_network(placements), TICKS, probe=probe, seed=3)
    assert refined.counters.tick_events.sum() > 0 and refined.counters.seg_deliveries.size > 0
    for placement in placements:
        got = reroute(refined, placement)
        expected = simulate(placement.compiled, TICKS, probe=probe, seed=3)
        assert got.compiled is placement.compiled
        for name in COUNTERS:
            np.testing.assert_array_equal(getattr(got.counters, name), getattr(expected.counters, name), err_msg=name)
        np.testing.assert_array_equal(got.spike_ids, expected.spike_ids)
        a, b = cost(got, placement), cost(expected, placement)
        assert a.energy.total_J == pytest.approx(b.energy.total_J, rel=1e-12)
        assert a.latency.total_s == pytest.approx(b.latency.total_s, rel=1e-12)


def test_deliveries_past_the_end_of_the_run_are_not_counted(placements):
    # Spikes in the last ticks reach no target with delay >= 1: as the engine counts them.
    refined = simulate(refined_network(placements), 5, seed=3)
    got = reroute(refined, placements[0]).counters
    expected = simulate(placements[0].compiled, 5, seed=3).counters
    np.testing.assert_array_equal(got.seg_deliveries, expected.seg_deliveries)
    seg_fan = np.repeat(np.arange(got.fan_packets.size), np.diff(placements[0].compiled.fan_seg_ptr))
    assert np.any(got.seg_deliveries < got.fan_packets[seg_fan])  # some spikes were still in flight


def test_per_tick_group_counts_not_kept_stay_absent(placements):
    refined = simulate(refined_network(placements), TICKS, seed=3, keep_tick_groups=False)
    got = reroute(refined, placements[2]).counters
    expected = simulate(placements[2].compiled, TICKS, seed=3).counters
    assert got.tick_group_events is None and got.tick_group_updates is None
    np.testing.assert_array_equal(got.group_events, expected.group_events)
    np.testing.assert_array_equal(got.group_updates, expected.group_updates)


def test_refinement_has_one_group_per_population_and_cores(placements):
    groups = refinement(placements)
    compiled = placements[0].compiled
    keys = {(int(compiled.neuron_pop[j]), *(int(p.neuron_core[j]) for p in placements)) for j in range(groups.size)}
    assert groups.max() + 1 == len(keys)


def test_coarser_run_is_refused(placements):
    coarse = simulate(placements[1].compiled, 5)  # 13 neurons per core does not refine 8 per core
    with pytest.raises(RerouteError, match="grouped with neurons of another core"):
        reroute(coarse, placements[0])


def test_unrecorded_spikes_and_other_networks_are_refused(placements):
    with pytest.raises(RerouteError, match="record_spikes=True"):
        reroute(simulate(placements[0].compiled, 5, record_spikes=False), placements[0])
    other = place(compile_network(recurrent_network()), load_chip("loihi_sanafe"), "fill")
    with pytest.raises(RerouteError, match="simulate a compilation of the placed network"):
        reroute(simulate(other.compiled, 5), placements[0])
    with pytest.raises(RerouteError, match="place one network object"):
        refinement([placements[0], other])
