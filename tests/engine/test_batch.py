"""A batch of samples in one engine call equals the samples run one by one, however it is split.

Random networks (``tests/test_equivalence.py``'s generator) each get a batch of samples whose inputs
are random parts of the network's own sources (as arrays, as ``SpikeTimes``, or the source's own
events); ``simulate_samples`` must give, sample by sample, the run of ``Simulation.run`` after a
reset: spikes, probes and every counter. Then the same batch split over executors (serial, a
process pool, Dask) must give identical bytes.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import neurosim as ns
from neurosim.compile.tile import tile_compiled
from neurosim.engine import Chunk, SimResult, Simulation, simulate_samples
from neurosim.engine import batch as batch_module
from neurosim.engine.batch import samples_per_call
from neurosim.net.network import SpikeSource

from test_equivalence import random_case
from test_simulation import assert_same_run

N_NETWORKS = 40


def _sample(rng: np.random.Generator, source: ns.SpikeSource, ticks: int, kind: str):
    """Events of ``source`` over ``ticks`` with about half of them dropped, as ``kind`` (or ``None``: its own)."""
    if kind == "own":
        return None
    t, i, v = source.events(0, ticks)
    keep = rng.random(t.size) < 0.5
    t, i, v = t[keep], i[keep], v[keep]
    if kind == "times":
        return ns.SpikeTimes.create(source.name, source.size, t, i, v)
    data = np.zeros((ticks, source.size))
    np.add.at(data, (t, i), v)
    return data


def _batch(seed: int, samples: int, kinds: tuple[str, ...]):
    case = random_case(seed)
    rng = np.random.default_rng(seed + 1)
    sources = [node for node in case.network.nodes.values() if isinstance(node, SpikeSource)]
    batch = [{s.name: x for s in sources if (x := _sample(rng, s, case.ticks, str(rng.choice(kinds)))) is not None}
             for _ in range(samples)]
    return case, ns.compile_network(case.network), batch


def _one_by_one(compiled, batch, case) -> list[SimResult]:
    sim = Simulation(compiled, probe=case.probe, seed=case.seed)
    runs = []
    for inputs in batch:
        sim.reset()
        runs.append(sim.run(case.ticks, inputs))
    return runs


@pytest.mark.parametrize("seed", range(N_NETWORKS))
def test_a_batch_equals_its_samples_run_one_by_one(seed):
    kinds = ("array",) if seed % 2 else ("array", "times", "own")  # all arrays: one stacked input
    case, compiled, batch = _batch(seed, 1 + seed % 5, kinds)
    joined, runs = simulate_samples(compiled, batch, case.ticks, probe=case.probe, seed=case.seed)
    want = _one_by_one(compiled, batch, case)
    for got, expected in zip(runs, want, strict=True):
        assert_same_run(got, expected)
    assert_same_run(joined, SimResult.concatenate(want))


def test_the_random_batches_run_side_by_side_and_are_active():
    """The equivalence above is not vacuous: most batches hold several samples run in one call, and spike."""
    side_by_side = spiking = 0
    for seed in range(N_NETWORKS):
        case, compiled, batch = _batch(seed, 1 + seed % 5, ("array",))
        side_by_side += len(batch) > 1 and samples_per_call(compiled, len(batch)) == len(batch)
        spiking += simulate_samples(compiled, batch, case.ticks, seed=case.seed)[0].counters.spikes > 0
    assert side_by_side >= N_NETWORKS // 2 and spiking >= N_NETWORKS * 3 // 4


def test_a_stochastic_model_runs_its_samples_one_at_a_time():
    truenorth = next(s for s in range(N_NETWORKS) if "truenorth" in
                     {n.model.name for n in random_case(s).network.nodes.values() if isinstance(n, ns.Population)})
    case, compiled, batch = _batch(truenorth, 3, ("array",))
    assert samples_per_call(compiled, 3) == 1
    _, runs = simulate_samples(compiled, batch, case.ticks, probe=case.probe, seed=case.seed)
    for got, expected in zip(runs, _one_by_one(compiled, batch, case), strict=True):
        assert_same_run(got, expected)


def test_tiled_network_keeps_each_copy_in_the_original_order():
    case, compiled, _ = _batch(3, 1, ("array",))
    tiling = tile_compiled(compiled, 3)
    tiled = tiling.tiled
    assert tiled.n_neurons == 3 * compiled.n_neurons and tiled.n_synapses == 3 * compiled.n_synapses
    for b in range(3):
        ids = tiling.neuron[b]
        assert np.all(np.diff(ids) > 0)  # a copy's neurons keep their order
        np.testing.assert_array_equal(tiled.params[ids], compiled.params)
        np.testing.assert_array_equal(tiled.syn_weight[tiled.seg_syn_ptr[tiling.segment[b]]],
                                      compiled.syn_weight[compiled.seg_syn_ptr[:-1]])
        np.testing.assert_array_equal(tiled.seg_delay[tiling.segment[b]], compiled.seg_delay)
    assert np.array_equal(np.sort(tiling.neuron.ravel()), np.arange(tiled.n_neurons))


def _deterministic_seed() -> int:
    """The first random network with no stochastic model (its samples run side by side)."""
    return next(s for s in range(N_NETWORKS) if samples_per_call(ns.compile_network(random_case(s).network), 2) == 2)


def test_chunks_progress_and_dropped_group_rows_of_a_batch():
    case, compiled, batch = _batch(_deterministic_seed(), 4, ("array",))
    assert samples_per_call(compiled, 4) == 4
    chunks, progress = [], []

    def on_chunk(offset):
        return lambda chunk: chunks.append((offset, chunk))

    joined, runs = simulate_samples(compiled, batch, case.ticks, probe=case.probe, seed=case.seed,
                                    on_chunk=on_chunk, progress=lambda done, total: progress.append((done, total)),
                                    keep_tick_groups=False)
    total = 4 * case.ticks
    assert progress[-1] == (total, total) and [o for o, _ in chunks] == [b * case.ticks for b in range(4)]
    assert joined.counters.tick_group_events is None and runs[0].counters.tick_group_updates is None
    for (offset, chunk), run in zip(chunks, runs):
        assert isinstance(chunk, Chunk) and (chunk.t0, chunk.t1) == (0, case.ticks)
        np.testing.assert_array_equal(chunk.spike_ids, run.spike_ids)
        np.testing.assert_array_equal(chunk.per_tick["tick_group_events"].sum(axis=1), run.counters.tick_events)


def test_an_input_naming_no_source_is_refused():
    case, compiled, batch = _batch(4, 2, ("array",))
    with pytest.raises(ns.ModelError, match="'nope' is not a spike source"):
        simulate_samples(compiled, [batch[0], {"nope": np.zeros((3, 1))}], case.ticks)
    with pytest.raises(ns.ModelError, match="no sample"):
        simulate_samples(compiled, [], case.ticks)


def _bytes(runs: list[SimResult]) -> list[tuple]:
    """Every array of every run as (name, dtype, shape, bytes): equal bytes or not."""
    out = []
    for r in runs:
        arrays = {"spike_ticks": r.spike_ticks, "spike_ids": r.spike_ids, "spike_values": r.spike_values,
                  **{f"probe {k}": v for k, v in r.probes.items()},
                  **{k: v for k, v in vars(r.counters).items() if isinstance(v, np.ndarray)}}
        out.append((r.ticks, [(k, v.dtype.str, v.shape, np.ascontiguousarray(v).tobytes()) for k, v in arrays.items()]))
    return out


@pytest.fixture(scope="module")
def executor_batch():
    case, compiled, batch = _batch(5, 7, ("array", "times", "own"))
    serial = simulate_samples(compiled, batch, case.ticks, probe=case.probe, seed=case.seed)[1]
    return case, compiled, batch, _bytes(serial)


def _split_run(executor_batch, executor, parts):
    case, compiled, batch, serial = executor_batch
    runs = simulate_samples(compiled, batch, case.ticks, probe=case.probe, seed=case.seed, executor=executor,
                            parts=parts)[1]
    assert all(r.compiled is compiled for r in runs)
    return _bytes(runs), serial


def test_a_batch_split_over_threads_is_identical(executor_batch):
    with ThreadPoolExecutor(3) as pool:
        got, serial = _split_run(executor_batch, pool, 3)
    assert got == serial


def test_a_batch_split_over_processes_is_identical(executor_batch):
    with ProcessPoolExecutor(2) as pool:
        got, serial = _split_run(executor_batch, pool, 2)
    assert got == serial


def test_a_batch_split_over_a_dask_cluster_is_identical(executor_batch):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        got, serial = _split_run(executor_batch, client.get_executor(), 3)
    assert got == serial


def test_parts_without_an_executor_is_refused(executor_batch):
    case, compiled, batch, _ = executor_batch
    with pytest.raises(ns.ModelError, match="parts is for an executor"):
        simulate_samples(compiled, batch, case.ticks, parts=2)


def test_the_side_by_side_limit_counts_synapses_and_neurons(monkeypatch):
    case, compiled, _ = _batch(_deterministic_seed(), 1, ("array",))
    monkeypatch.setattr(batch_module, "SIDE_BY_SIDE_SYNAPSES", 3 * (compiled.n_synapses + compiled.n_neurons))
    assert samples_per_call(compiled, 10) == 3 and samples_per_call(compiled, 2) == 2
