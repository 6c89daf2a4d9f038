"""Segments whose synapses share one weight are delivered without reading the per-synapse weights
(``neurosim.engine.segment_weights``): the same spikes, states and counters as the reference engine
and as the engine made to read every weight."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import neurosim as ns
from neurosim.engine import Simulation
from neurosim.engine.segment_weights import segment_weights

from reference import simulate_reference

TICKS = 60
PROBED = ["A", "B", "C"]


def test_a_segment_shares_a_weight_only_when_every_bit_pattern_is_the_same():
    seg_syn_ptr = np.array([0, 3, 5, 5, 7, 9, 10], dtype=np.int64)
    syn_weight = np.array([0.5, 0.5, 0.5,  # shared
                           0.5, 0.25,  # different
                           # (an empty segment)
                           0.0, -0.0,  # equal as numbers, not as bit patterns
                           np.nan, np.nan,  # NaN shared: read per synapse
                           -1.5], dtype=np.float32)
    got = segment_weights(seg_syn_ptr, syn_weight)
    assert got.dtype == np.float32
    assert got[0] == 0.5 and got[5] == -1.5
    assert np.isnan(got[[1, 2, 3, 4]]).all()


def mixed_network(seed: int) -> ns.Network:
    """Graded source spikes and three LIF populations: one kept awake by a bias (dense path), one
    busy enough for scatter mode, one sparse (pending buckets). Projections alternate between a
    weight per source neuron (every segment shares it) and a weight per synapse (mixed segments);
    delays 0-6, so the zero-delay queue, the ring and several segments per source all occur."""
    rng = np.random.default_rng(seed)
    net = ns.Network("segment weights")
    values = rng.choice([0.0, 0.5, 1.0, 2.5, -1.25], size=(TICKS, 50), p=[0.6, 0.1, 0.1, 0.1, 0.1])
    net.spike_array("in", values)
    net.population("A", 300, "lif", beta=0.9, v_th=1.0, bias=0.05, init={"v": rng.uniform(-0.5, 1.0, 300)})
    net.population("B", 300, "lif", beta=0.8, v_th=rng.uniform(0.2, 0.6, 300))
    net.population("C", 300, "lif", beta=0.7, v_th=3.0)
    sizes = {"in": 50, "A": 300, "B": 300, "C": 300}

    def connect(pre_name: str, post_name: str, n: int, shared: bool, delays: tuple[int, int]) -> None:
        pre = rng.integers(0, sizes[pre_name], n)
        post = rng.integers(0, sizes[post_name], n)
        per_source = rng.uniform(-0.3, 0.5, sizes[pre_name]).astype(np.float32)
        weight = per_source[pre] if shared else rng.uniform(-0.3, 0.5, n)
        net.connect_synapses(pre_name, post_name, pre, post, weight, rng.integers(delays[0], delays[1] + 1, n))

    connect("in", "A", 3000, True, (0, 3))
    connect("in", "B", 6000, False, (0, 2))
    connect("A", "B", 6000, True, (1, 6))
    connect("A", "A", 4000, False, (1, 4))
    connect("B", "C", 3000, True, (0, 5))
    connect("C", "A", 900, True, (1, 2))
    return net


def run(net: ns.Network, read_every_weight: bool) -> ns.SimResult:
    sim = Simulation(net, probe=PROBED, chunk_ticks=17)
    if read_every_weight:
        sim._net = sim._net._replace(seg_weight=np.full_like(sim._net.seg_weight, np.nan))
    return sim.run(TICKS)


@pytest.mark.parametrize("seed", range(3))
def test_shared_weights_give_the_reference_results_and_those_of_reading_every_weight(seed):
    net = mixed_network(seed)
    compiled = ns.compile_network(net)
    shared = ~np.isnan(segment_weights(compiled.seg_syn_ptr, compiled.syn_weight))
    assert shared.any() and not shared.all()  # both kinds of segment occur
    got, every = run(net, False), run(net, True)
    ref = simulate_reference(net, TICKS, probe=PROBED)
    got_spikes = sorted(zip(got.spike_ticks.tolist(), got.spike_ids.tolist(), got.spike_values.tolist()))
    assert got_spikes == ref.spikes
    assert len({i for _, i, _ in ref.spikes if i >= 50}) > 50  # the populations do fire
    assert np.array_equal(got.counters.tick_events, ref.events_per_tick)
    for name in PROBED:
        assert np.array_equal(got.probes[name], ref.states[name])
        assert np.array_equal(got.probes[name], every.probes[name])
    assert np.array_equal(got.spike_ticks, every.spike_ticks) and np.array_equal(got.spike_ids, every.spike_ids)
    assert np.array_equal(got.spike_values, every.spike_values)
    for f in dataclasses.fields(got.counters):
        a, b = getattr(got.counters, f.name), getattr(every.counters, f.name)
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f.name
