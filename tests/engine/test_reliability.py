"""Bad engine input refused before anything is allocated, the delay ring bounded whatever the delays,
and Ctrl-C during a run stopping at the end of a chunk with the partial result."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.engine import Simulation
from neurosim.engine import simulation as simulation_module
from networks import demo_network, recurrent_network
from test_simulation import assert_same_run

ROOT = Path(__file__).resolve().parents[2]


def long_delay_network(delays: tuple[int, ...]) -> ns.Network:
    """One input spike at tick 1 into a population per delay, each firing when its input arrives."""
    net = ns.Network("long delays")
    net.spike_times("in", 1, [1], [0])
    for d in delays:
        net.population(f"d{d}", 1, "lif", beta=1.0, v_th=1.0)
        net.connect("in", f"d{d}", weights=2.0, delays=d)
    return net


def wide_delay_network(seed: int = 3) -> ns.Network:
    """Poisson input and a recurrent population whose delays span 0 to 40 ticks."""
    rng = np.random.default_rng(seed)
    net = ns.Network("wide delays")
    net.poisson("in", 30, p=0.2, seed=seed)
    net.population("rec", 40, "lif", beta=0.9, v_th=1.0)
    net.population("out", 10, "lif", beta=0.8, v_th=1.0)
    net.connect("in", "rec", weights=rng.uniform(0, 0.5, (40, 30)), delays=rng.integers(1, 41, (40, 30)))
    net.connect("rec", "rec", weights=rng.uniform(-0.3, 0.4, (40, 40)) * (rng.random((40, 40)) < 0.3),
                delays=rng.integers(1, 41, (40, 40)))
    net.connect("rec", "out", weights=rng.uniform(0, 0.6, (10, 40)), delays=rng.integers(0, 41, (10, 40)))
    return net


def test_a_delay_of_2_31_minus_1_ticks_takes_no_ring_memory_and_never_arrives_early():
    net = long_delay_network((2, 5000, 2**31 - 1))
    tracemalloc.start()
    try:
        sim = Simulation(net)
        first = sim.run(4000)
        second = sim.run(2000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20
    got = {name: first.spikes(name)[0].tolist() for name in ("d2", "d5000", f"d{2**31 - 1}")}
    assert got == {"d2": [3], "d5000": [], f"d{2**31 - 1}": []}
    assert second.spikes("d5000")[0].tolist() == [5001 - 4000]
    assert second.spikes(f"d{2**31 - 1}")[0].size == 0


@pytest.mark.parametrize("ring_slots", [2, 4, 16])
def test_a_bounded_ring_gives_the_results_of_an_unbounded_one_across_runs(monkeypatch, ring_slots):
    compiled = ns.compile_network(wide_delay_network())
    unbounded = Simulation(compiled, probe=["out"]).run(300)
    monkeypatch.setattr(simulation_module, "RING_SLOTS_MAX", ring_slots)
    sim = Simulation(compiled, probe=["out"])
    assert sim._queues.ring_len.size == ring_slots  # delays up to 40: most packets wait in the far list
    parts = [sim.run(70), sim.run(1), sim.run(129), sim.run(100)]
    assert_same_run(ns.SimResult.concatenate(parts), unbounded)
    sim.reset()
    assert_same_run(Simulation(compiled, probe=["out"], chunk_ticks=3).run(300), unbounded)
    assert unbounded.counters.synaptic_events > 0


def test_a_run_that_does_not_fit_the_memory_limit_is_refused_with_the_estimate():
    with pytest.raises(ns.ModelError, match=r"a run of 1000000000000 ticks needs about 32 TB \(per-tick counters "
                                            r"32 TB, .*above the memory limit of .*NEUROSIM_MEMORY_LIMIT"):
        ns.simulate(demo_network(), ticks=10**12, record_spikes=False)
    with pytest.raises(ns.ModelError, match=r"needs about 80 TB \(per-tick, per-group counters 48 TB, per-tick "
                                            r"counters 32 TB"):
        ns.simulate(demo_network(), ticks=10**12)
    with pytest.raises(ns.ModelError, match=r"needs about 3\.2\d* MB .*above the memory limit of 1 MB"):
        ns.simulate(demo_network(), ticks=100_000, memory_limit=1_000_000, record_spikes=False)
    assert ns.simulate(demo_network(), ticks=100, memory_limit=1_000_000).ticks == 100


def test_the_memory_limit_comes_from_the_environment_when_not_given(monkeypatch):
    compiled = ns.compile_network(demo_network())
    monkeypatch.setenv("NEUROSIM_MEMORY_LIMIT", "1K")
    with pytest.raises(ns.ModelError, match=r"above the memory limit of 1\.024 kB"):
        ns.simulate(compiled, ticks=1000)
    assert ns.simulate(compiled, ticks=1000, memory_limit=10**9).ticks == 1000
    monkeypatch.setenv("NEUROSIM_MEMORY_LIMIT", "lots")
    with pytest.raises(ns.ModelError, match=r"NEUROSIM_MEMORY_LIMIT='lots' is not a size"):
        ns.simulate(compiled, ticks=10)


@pytest.mark.parametrize("seed", [None, "abc", -1, 2**64, 1.5, True])
def test_a_seed_that_is_not_a_non_negative_int64_is_refused(seed):
    with pytest.raises(ns.ModelError, match="seed"):
        Simulation(demo_network(), seed=seed)


@pytest.mark.parametrize("chunk_ticks", [1.5, -5, 0, "10"])
def test_chunk_ticks_that_is_not_a_positive_integer_is_refused(chunk_ticks):
    with pytest.raises(ns.ModelError, match=r"chunk_ticks must be a positive integer"):
        ns.simulate(demo_network(), 10, chunk_ticks=chunk_ticks)


def test_a_probe_given_as_one_string_probes_that_population():
    net = ns.Network()
    net.population("h", 2, "lif", beta=0.9, v_th=1.0)
    net.population("hh", 3, "lif", beta=0.9, v_th=1.0)
    compiled = ns.compile_network(net)
    result = ns.simulate(compiled, 5, probe="hh")
    assert list(result.probes) == ["hh"] and result.probes["hh"].shape[1] == 3
    with pytest.raises(ns.ModelError, match="no population or source named 'hx'"):
        ns.simulate(compiled, 5, probe="hx")
    with pytest.raises(ns.ModelError, match="is not a population name"):
        ns.simulate(compiled, 5, probe=[3])


@pytest.mark.parametrize("events, message", [
    (np.zeros((5, 3)), r"inputs\['in'\]: 3 neurons, but spike source 'in' has 2"),
    (np.zeros((5, 2, 1)), r"data must have shape \[T, N\], got \(5, 2, 1\)"),
    ("abc", r"data must be numbers, got an array of dtype <U3"),
    ([["1", "0"]], r"data must be numbers"),
    (np.array([[None, 1]]), r"data must be numbers, got an array of dtype object"),
])
def test_run_inputs_of_the_wrong_shape_or_dtype_are_refused(events, message):
    net = ns.Network()
    net.spike_times("in", 2, [0], [0])
    net.population("h", 2, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "h", weights=1.0, delays=1)
    sim = Simulation(net)
    with pytest.raises(ns.ModelError, match=message):
        sim.run(5, inputs={"in": events})
    with pytest.raises(ns.ModelError, match="inputs must be a mapping"):
        sim.run(5, inputs=[("in", np.zeros((5, 2)))])


def test_ctrl_c_in_a_run_stops_after_the_chunk_and_restores_the_handler():
    compiled = ns.compile_network(recurrent_network())
    sim = Simulation(compiled, chunk_ticks=5)
    before = signal.getsignal(signal.SIGINT)

    def press_ctrl_c(done, _total):
        if done == 10:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(ns.SimulationInterrupted, match="after 10 of 100 ticks") as info:
        sim.run(100, progress=press_ctrl_c)
    assert info.value.partial.ticks == 10 and info.value.partial.interrupted
    with pytest.raises(ns.ModelError, match="call reset"):
        sim.run(5)
    assert signal.getsignal(signal.SIGINT) is before
    sim.reset()
    assert_same_run(sim.run(info.value.partial.ticks), info.value.partial)


_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import neurosim as ns

    net = ns.Network()
    net.poisson("in", 2000, p=0.05, seed=1)
    net.population("h", 4000, "lif", beta=0.95, v_th=1.0)
    rng = np.random.default_rng(0)
    net.connect("in", "h", weights=rng.uniform(0, 0.1, (4000, 2000)) * (rng.random((4000, 2000)) < 0.1), delays=1)
    sim = ns.Simulation(net, chunk_ticks=500, record_spikes=False)

    def progress(done, total):
        if done == 500:
            print("ready", flush=True)

    try:
        sim.run(10**6, progress=progress)
    except ns.SimulationInterrupted as stop:
        print("interrupted", stop.partial.ticks, stop.partial.interrupted, stop.partial.counters.tick_events.size,
              flush=True)
        sys.exit(130)
    print("finished", flush=True)
""")


def test_sigint_while_the_kernel_runs_raises_simulation_interrupted_with_the_partial_result():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGINT)  # the second chunk is in the kernel now
        out, err = child.communicate(timeout=300)
    finally:
        child.kill()
    assert child.returncode == 130, err
    word, ticks, interrupted, rows = out.split()
    assert word == "interrupted" and interrupted == "True"
    assert int(ticks) % 500 == 0 and 500 <= int(ticks) < 10**6 and int(rows) == int(ticks)
    assert "SystemError" not in err and "Traceback" not in err
