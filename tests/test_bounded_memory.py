"""A streamed run (record_spikes=False) keeps no ticks x groups counters, yet the same totals."""
import tracemalloc

import numpy as np
import pytest

import neurosim as ns
from networks import demo_network
from neurosim.errors import ModelError
from neurosim.cost_model.synops import tally
from neurosim.mapping.placement import place
from neurosim.mapping.routing import route

TICKS = 3000
CHUNK = 50
TOTALS = ("spikes_per_neuron", "fan_packets", "seg_deliveries", "pop_updates", "pop_forced_updates", "group_events",
          "group_updates", "tick_events", "tick_updates", "tick_spikes", "tick_packets")


@pytest.fixture(scope="module")
def placement():
    # 8 neurons per core: 66 cores, so 67 destination groups (the input is one group on the host).
    return place(ns.compile_network(demo_network(seed=4)), ns.load_chip("loihi_sanafe"), neurons_per_core=8)


def _peak(fn):
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streamed_counters_equal_kept_counters_and_memory_stays_bounded(placement):
    c = placement.compiled
    assert c.n_groups > 60
    buffers = []

    def on_chunk(chunk):
        buffers.append(chunk.per_tick["tick_group_events"].base.shape)

    kept, kept_peak = _peak(lambda: ns.simulate(c, TICKS, seed=1, record_spikes=False, keep_tick_groups=True,
                                                chunk_ticks=CHUNK))
    streamed, streamed_peak = _peak(lambda: ns.simulate(c, TICKS, seed=1, record_spikes=False, chunk_ticks=CHUNK,
                                                        on_chunk=on_chunk))
    a, b = kept.counters, streamed.counters
    for name in TOTALS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.group_events, a.tick_group_events.sum(axis=0))
    np.testing.assert_array_equal(a.group_updates, a.tick_group_updates.sum(axis=0))
    assert b.tick_group_events is None and b.tick_group_updates is None
    # The kernel wrote every chunk into one chunk-sized buffer, not into ticks x groups arrays.
    assert set(buffers) == {(CHUNK, c.n_groups)} and len(buffers) == TICKS // CHUNK
    # Same run, same engine state: the streamed one spares the two int64 (ticks, groups) arrays.
    full = 2 * TICKS * c.n_groups * 8
    assert kept_peak - streamed_peak >= 0.9 * full


def test_default_chunk_of_a_streamed_run_bounds_the_group_buffer(placement):
    shapes = []
    ns.simulate(placement.compiled, 10, record_spikes=False, on_chunk=lambda ch: shapes.append(
        ch.per_tick["tick_group_events"].base.shape))
    assert shapes[0][0] * shapes[0][1] <= 1 << 20 or shapes[0][0] == 1


def test_tallies_of_streamed_and_kept_runs_are_equal_and_latency_names_the_fix(placement):
    c = placement.compiled
    kept = ns.simulate(c, 60, seed=2)
    streamed = ns.simulate(c, 60, seed=2, keep_tick_groups=False)
    assert streamed.counters.tick_group_events is None and streamed.spike_ids.size == kept.spike_ids.size
    routes = route(placement)
    a, b = tally(kept, placement, routes), tally(streamed, placement, routes)
    for name in ("pop_events", "pop_active", "pop_spikes", "pop_net", "core_events", "core_active", "core_spikes",
                 "core_net", "host_net"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.synops == b.synops > 0
    with pytest.raises(ModelError, match="keep_tick_groups=True"):
        ns.cost(streamed, placement)  # the per-tick latency model (loihi_sanafe's static energy needs it)
