"""The recorded spikes grow with the activity, within the memory limit (neurosim/engine/spike_buffers.py)."""
from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns
from neurosim.engine.spike_buffers import PEAK_FACTOR, SPIKE_BYTES, grown, spike_room
from neurosim.errors import ModelError

SIZE = 1000


def firing(ticks: int, channels: int = SIZE) -> ns.Network:
    """A source whose first ``channels`` channels fire every tick, into a population (2 x SIZE spikes per tick
    at most)."""
    net = ns.Network("busy")
    net.spike_array("in", (np.arange(SIZE) < channels) * np.ones((ticks, SIZE)))
    net.population("p", SIZE, "lif", beta=0.5, v_th=0.5)
    net.connect("in", "p", weights=np.eye(SIZE), delays=1)
    return net


def test_growth_follows_the_kernel():
    assert grown(1024, 1024) == 1024 and grown(1024, 1025) == 2 * 1024 + 16
    assert grown(16, 10 ** 6) >= 10 ** 6 > (grown(16, 10 ** 6) - 16) // 2


def test_a_chunk_is_shortened_until_its_worst_case_fits():
    limit = PEAK_FACTOR * SPIKE_BYTES * grown(1024, 1024 + 100 * 10)
    assert spike_room(1024, 1024, 100, 1000, {}, limit, "run") == 10
    assert spike_room(1024, 1024, 100, 5, {}, limit, "run") == 5
    assert spike_room(1024, 0, 100, 1000, {}, None, "run") == 1000  # no limit


def test_a_run_whose_spikes_would_outgrow_the_limit_is_refused_in_one_line():
    ticks = 400  # 800,000 spikes recorded: about 38 MB of buffers at their peak
    with pytest.raises(ModelError) as err:
        ns.simulate(firing(ticks), ticks, memory_limit=8 << 20)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"a run of {ticks} ticks recording its spikes needs about ")
    assert "recorded spikes" in message and "above the memory limit of 8.389 MB" in message
    assert "record_spikes=False" in message and "memory_limit=" in message


def test_the_same_run_without_recording_runs_within_the_limit():
    result = ns.simulate(firing(400), 400, memory_limit=8 << 20, record_spikes=False, keep_tick_groups=False)
    assert result.spike_ids.size == 0 and int(result.counters.tick_spikes.sum()) > 400 * SIZE


def test_shortened_chunks_give_the_same_spikes():
    """Few spikes, but up to 120,000 in the worst case (6.4 MB at the peak): chunks shorten to fit 3 MB."""
    ticks = 60
    free = ns.simulate(firing(ticks, 5), ticks, chunk_ticks=ticks)
    calls = []
    sim = ns.Simulation(ns.compile_network(firing(ticks, 5)), memory_limit=3 << 20, chunk_ticks=ticks)
    tight = sim.run(ticks, progress=lambda done, total: calls.append(done))
    assert calls == [16, 32, 48, 60]
    assert free.spike_ids.size >= ticks * 5
    for name in ("spike_ticks", "spike_ids", "spike_values"):
        assert np.array_equal(getattr(free, name), getattr(tight, name)), name
    assert np.array_equal(free.counters.tick_events, tight.counters.tick_events)
