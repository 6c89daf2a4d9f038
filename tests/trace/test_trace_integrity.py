"""A trace is verified as it is read (a damaged one is a one-line TraceError, never an IndexError in the
cost model), and an interrupt anywhere inside ``TraceWriter.write_chunk`` leaves a consistent trace."""
from __future__ import annotations

import json
import shutil

import h5py
import numpy as np
import pytest

import neurosim as ns
from networks import demo_network
from neurosim._checks import MEMORY_LIMIT_ENV
from neurosim.errors import TraceError
from neurosim.mapping.placement import place
from neurosim.trace import TraceWriter, read_trace, record_trace
from neurosim.trace import writer as writer_module
from neurosim.trace.cost import cost_trace

TICKS, CHUNK = 40, 10


@pytest.fixture(scope="module")
def placement():
    return place(ns.compile_network(demo_network(seed=3)), ns.load_chip("loihi_sanafe"), neurons_per_core=64)


@pytest.fixture(scope="module")
def reference(placement):
    return ns.simulate(placement.compiled, TICKS, probe=["output"], seed=5)


@pytest.fixture(scope="module")
def good(placement, tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "run.h5"
    record_trace(placement, path, TICKS, probe=["output"], seed=5, chunk_ticks=CHUNK)
    return path


def _set(f, name, value):
    f[name][...] = value


def _replace(f, name, data):
    del f[name]
    f.create_dataset(name, data=data)


def _progress(f, k, value):
    p = f["progress"][...]
    p[k] = value
    f["progress"][...] = p


CORRUPTIONS = {
    "negative progress": (lambda f: _progress(f, 1, -5), r"progress record .* has a negative count"),
    "progress of 3 numbers": (lambda f: _replace(f, "progress", np.array([1, 2, 3])), r"'progress' is int64 \(3,\)"),
    "more ticks than planned": (lambda f: f.attrs.modify("ticks_planned", 5), r"40 ticks done of 5 planned"),
    "negative count per tick": (lambda f: _set(f, "ticks/events", -np.ones(f["ticks/events"].shape, np.int64)),
                                r"'tick_events' holds values in \[-1, -1\]"),
    "spike tick out of range": (lambda f: _set(f, "spikes/tick", np.full(f["spikes/tick"].shape, 10**6)),
                                r"'spikes/tick' holds values in \[1000000, 1000000\], outside \[0, 39\]"),
    "spike neuron negative": (lambda f: _set(f, "spikes/neuron", -np.ones(f["spikes/neuron"].shape, np.int64)),
                              r"'spikes/neuron' holds values in \[-1, -1\]"),
    "packet to no core": (lambda f: _set(f, "packets/dst_core", np.full(f["packets/dst_core"].shape, 999)),
                          r"'packets/dst_core' holds values in \[999, 999\]"),
    "grid_shape (-1, 5)": (lambda f: f.attrs.modify("grid_shape", np.array([-1, 5])),
                           r"grid_shape \(-1, 5\) is not two positive sizes"),
    "fewer spike rows than counted": (lambda f: _progress(f, 2, f["progress"][2] - 1),
                                      r"spike rows, but ticks/spikes counts"),
    "float counts": (lambda f: _replace(f, "ticks/updates", f["ticks/updates"][...].astype(np.float64)),
                     r"'tick_updates' is float64 of rank 1; the schema has rank 1 of integers"),
    "neuron_core of rank 2": (lambda f: _replace(f, "placement/neuron_core", f["placement/neuron_core"][...][None]),
                              r"'neuron_core' is int64 of rank 2"),
    "probe_every 0": (lambda f: f.attrs.modify("probe_every", 0), r"probe_every=0 is not a positive integer"),
    "populations with a gap": (lambda f: f.attrs.modify("populations", json.dumps(
        [dict(p, start=p["start"] + 1) for p in json.loads(f.attrs["populations"])])),
        r"the populations do not cover neurons"),
    "populations not dicts": (lambda f: f.attrs.modify("populations", "[1, 2]"), r"damaged neurosim trace"),
    "group of no population": (lambda f: _set(f, "groups/population", np.full(f["groups/population"].shape, 99)),
                               r"'groups/population' holds values in \[99, 99\]"),
    "packets the routes do not make": (lambda f: _progress(f, 1, f["progress"][1] - 1),
                                       r"packet rows, but the spikes and the route table make"),
    "spike values missing": (lambda f: f.__delitem__("spikes/value"), r"dataset 'spikes/value' is missing"),
    "core counters without their ids": (lambda f: f.__delitem__("cores/ids"), r"dataset 'cores/ids' is missing"),
    "a core listed twice": (lambda f: _set(f, "cores/ids", np.zeros(f["cores/ids"].shape, np.int64)),
                            r"cores/ids is not strictly increasing \(core 0 listed twice or out of order\)"),
    "a used core without a column": (lambda f: _set(f, "cores/ids", np.arange(1, f["cores/ids"].size + 1)),
                                     r"core 0 holds neurons but has no column in cores/ids"),
    "more forced updates than updates": (lambda f: _set(f, "populations/forced_updates", 3),
                                         r"populations/forced_updates of population 'input' exceeds the population's "
                                         r"updates"),
    "more updates than neurons x ticks": (lambda f: _set(f, "groups/updates", 2 ** 31),
                                          r"groups/updates of group 0 exceeds its population's size times the 40 "
                                          r"ticks"),
    "more graded events than events": (lambda f: _set(f, "groups/graded_events", f["groups/events"][...] + 1),
                                       r"groups/graded_events of group 0 exceeds its groups/events"),
    "totals against the per-tick counts": (lambda f: _set(f, "groups/events", f["groups/events"][...] * 2),
                                           r"groups/events adds up to \d+, ticks/events to \d+; they must be "
                                           r"equal"),
    "totals too large for int64, as floats": (lambda f: _replace(f, "groups/events", np.full(
        f["groups/events"].shape, 1e300)), r"'/groups/events' is float64; the schema has int64"),
}


@pytest.mark.filterwarnings("error")  # refused before any cast could warn
@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_trace_with_damaged_content_is_a_one_line_trace_error(good, tmp_path, corruption):
    damage, message = CORRUPTIONS[corruption]
    path = tmp_path / "damaged.h5"
    shutil.copy(good, path)
    with h5py.File(path, "r+") as f:
        damage(f)
    for read in (read_trace, cost_trace):
        with pytest.raises(TraceError, match=message) as info:
            read(path)
        assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_a_dataset_declared_too_large_is_refused_before_it_is_read(good, tmp_path, monkeypatch):
    path = tmp_path / "declared.h5"
    shutil.copy(good, path)
    with h5py.File(path, "r+") as f:
        del f["cores/ids"]
        f.create_dataset("cores/ids", shape=(20000, 20000), dtype="f4", chunks=(1, 1024), compression="gzip")
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1G")
    with pytest.raises(TraceError, match=r"reading the trace needs about 1.601 GB \(cores/ids 1.6 GB, .*above the "
                                         r"memory limit of 1.074 GB; read it where more memory is free \(a file "
                                         r"of \d+ bytes declaring this much is damaged\)"):
        read_trace(path)


def test_the_undamaged_trace_reads_and_costs(good):
    assert read_trace(good).ticks == TICKS
    assert cost_trace(good) is not None


def _interrupt_on_call(monkeypatch, owner, name: str, call: int) -> None:
    """Make ``owner.name`` raise KeyboardInterrupt on its ``call``-th call (1-based)."""
    original = getattr(owner, name)
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, interrupted)


# Per chunk, write_chunk appends packets, spikes, ticks, cores and probes (five _append calls), then
# computes the link load and totals, then writes the progress record.
STEPS = {
    "packet rows": (writer_module, "_append", 2 * 5 + 1, 20),
    "spike rows": (writer_module, "_append", 2 * 5 + 2, 20),
    "per-tick rows": (writer_module, "_append", 2 * 5 + 3, 20),
    "core rows": (TraceWriter, "_cores", 3, 20),
    "probe rows": (TraceWriter, "_probes", 3, 20),
    "link load": (TraceWriter, "_link_load", 3, 20),
    "totals": (TraceWriter, "_totals", 3, 20),
    "progress record": (TraceWriter, "_progress", 3, 30),
}


@pytest.mark.parametrize("step", STEPS)
def test_an_interrupt_inside_write_chunk_leaves_a_consistent_trace(placement, reference, tmp_path, monkeypatch, step):
    owner, name, call, published = STEPS[step]
    _interrupt_on_call(monkeypatch, owner, name, call)
    path = tmp_path / "interrupted.h5"
    with pytest.raises(ns.SimulationInterrupted):
        record_trace(placement, path, TICKS, probe=["output"], seed=5, chunk_ticks=CHUNK)
    monkeypatch.undo()
    trace = read_trace(path)
    assert trace.ticks == published and not trace.complete
    want = reference.spike_ticks < published
    assert np.array_equal(trace.spikes["tick"], reference.spike_ticks[want])
    assert np.array_equal(trace.spikes["neuron"], reference.spike_ids[want])
    assert np.array_equal(trace.tick_events, reference.counters.tick_events[:published])
    ticks, state, _ = trace.probes["output"]
    assert np.array_equal(ticks, np.arange(published))
    assert np.array_equal(state, reference.probes["output"][:published])
