"""The engine against the reference engine (the oracle) on seeded random networks.

Every network is drawn from its seed (in the test id): one to four populations of the registered
neuron models with parameters from ``tests/models/samplers.py``, one or two spike sources
(graded ``SpikeArray``, ``SpikeTimes``, ``PoissonSource``), sparse projections with delays
0..62, zero-delay chains through several populations, delayed recurrent loops (self-recurrence
included), duplicate synapses, and weights that put neurons exactly on their threshold. The engine
runs it twice, without and with probes, in random chunks; both runs must give the reference's
spikes, synaptic events per tick and probed states (``docs/semantics.md`` says why they can be
equal bit for bit).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp

import neurosim as ns
from neurosim.engine.kernels import GATHER_BLOCK
from neurosim.models import registered_models

from models.samplers import INTEGER_INPUT, SAMPLERS
from reference import processing_order, simulate_reference

N_NETWORKS = 200
MAX_DELAY = 62
# Fixed-point models: integer weights and spike values only, integer states compared exactly.
INTEGER_MODELS = frozenset(INTEGER_INPUT) | {"loihi_cuba", "truenorth"}
SOURCE_KINDS = ("array", "times", "poisson")


@dataclass
class Case:
    """One random network and how to run it."""

    network: ns.Network
    ticks: int
    exact: dict[str, np.ndarray]  # population -> (size,) bool: probed state compared bit for bit
    probe: list[str]
    chunk_ticks: int | None
    seed: int  # the simulation seed of stochastic models


def model_names() -> list[str]:
    names = [m.name for m in registered_models()]
    missing = [n for n in names if n not in SAMPLERS]
    if missing:
        raise AssertionError(
            f"neuron model(s) {', '.join(missing)} have no parameter sampler: add one to SAMPLERS in "
            "tests/models/samplers.py so that the equivalence tests cover them"
        )
    return names


# -- random networks -----------------------------------------------------------------------------


def _source(net: ns.Network, rng: np.random.Generator, name: str, kind: str, ticks: int,
            integer_values: bool) -> None:
    size = int(rng.integers(1, 9))
    rate = rng.uniform(0.05, 0.4)
    if kind == "array":
        # Graded values: counts and signed integers, or arbitrary non-binary floats.
        levels = [1.0, 2.0, 3.0, -1.0] if integer_values else [1.0, 0.5, -0.75, 1.625, 2.3]
        values = rng.choice(levels, (ticks + int(rng.integers(-5, 6)), size))
        net.spike_array(name, values * (rng.random(values.shape) < rate))
    elif kind == "times":
        n = int(rng.poisson(rate * ticks * size))
        values = None if rng.random() < 0.5 else rng.choice([1.0, 2.0, -1.0] if integer_values else [0.5, 1.0, 1.5], n)
        # A few events past the end of the run, and repeated (tick, neuron) pairs.
        net.spike_times(name, size, rng.integers(0, ticks + 5, n), rng.integers(0, size, n), values)
    else:
        net.poisson(name, size, rng.uniform(0.02, 0.4, size), seed=int(rng.integers(2**31)))


def _weights(rng: np.random.Generator, shape: tuple[int, ...], integer: bool, scale: float) -> np.ndarray:
    if integer:
        # Integer-input (fixed-point) models take integer weights, here within TrueNorth's 9 bits.
        low, high = -max(1, round(0.5 * scale)), max(2, round(1.2 * scale))
        w = np.clip(rng.integers(low, high + 1, shape), -256, 255).astype(np.float64)
    else:
        w = rng.normal(0.4, 0.6, shape) * scale
    return w


def _delays(rng: np.random.Generator, shape: tuple[int, int], forward: bool) -> np.ndarray | int:
    """Delays of one projection; ``forward`` (along the zero-delay order) may use delay 0."""
    low = 0 if forward else 1
    mode = rng.choice(["zero", "small", "any", "scalar"] if forward else ["small", "any", "scalar"])
    if mode == "zero":
        return 0
    if mode == "small":
        return rng.integers(low, 5, shape)
    if mode == "any":
        return rng.integers(low, MAX_DELAY + 1, shape)
    return int(rng.integers(low, MAX_DELAY + 1))


def _connect(net: ns.Network, rng: np.random.Generator, pre: str, post: str, forward: bool,
             integer: bool, scale: float, knife: np.ndarray | None, density_scale: float = 1.0) -> None:
    """Connect ``pre`` to ``post`` sparsely; ``knife`` (per post neuron) are weights that put a
    neuron at rest exactly on its threshold, used for some synapses where given."""
    n_pre, n_post = net.nodes[pre].size, net.nodes[post].size
    shape = (n_post, n_pre)
    density = rng.uniform(0.1, 0.8) * density_scale
    mask = rng.random(shape) < density
    w = _weights(rng, shape, integer, scale)
    if knife is not None and rng.random() < 0.5:
        w = np.where(rng.random(shape) < 0.3, knife[:, None], w)
    w = w * mask
    d = _delays(rng, shape, forward)
    style = rng.choice(["dense", "sparse", "synapses"])
    name = f"{pre}->{post}" if f"{pre}->{post}" not in net.projections else f"{pre}->{post}#{len(net.projections)}"
    if style == "dense":
        net.connect(pre, post, w, delays=d, name=name)
    elif style == "sparse":
        net.connect(pre, post, sp.csr_matrix(w), delays=d, name=name)
    else:
        # Explicit synapse lists, with repeated (pre, post) pairs: each is its own synapse.
        post_idx, pre_idx = np.nonzero(mask)
        dup = rng.random(post_idx.size) < 0.2
        post_idx = np.concatenate([post_idx, post_idx[dup]])
        pre_idx = np.concatenate([pre_idx, pre_idx[dup]])
        weights = w[post_idx, pre_idx]
        delays = d if np.ndim(d) == 0 else d[post_idx, pre_idx]
        net.connect_synapses(pre, post, pre_idx, post_idx, weights, delays=delays, name=name)


_TIE_PARAMS = {"gain", "v_leak", "v_reset", "bias"}


def _knife(params: dict, size: int) -> np.ndarray | None:
    """Per neuron, the input that brings a float neuron at rest with unit gain exactly to its
    threshold (ties test ``>`` against ``>=`` in the model's precision), or None."""
    if "v_th" not in params:
        return None
    return np.broadcast_to(np.asarray(params["v_th"], dtype=np.float64), (size,)).copy()


def _scale(params: dict) -> float:
    """A weight of the order of the input that makes a neuron with these parameters fire."""
    for key in ("v_th", "threshold_value", "vth", "alpha"):
        if key in params and not isinstance(params[key], str):
            return float(np.median(np.abs(np.asarray(params[key], dtype=np.float64)))) or 1.0
    return 1.0


def random_case(seed: int, sizes: tuple[int, int] = (1, 16), density_scale: float = 1.0) -> Case:
    """The random network of ``seed``: the model of the first population and the first source
    kind cycle with the seed, so that every model meets every kind of source. Population sizes
    are drawn from ``range(*sizes)``, and connection densities scaled by ``density_scale`` (the
    random draws are the same whatever these two)."""
    rng = np.random.default_rng(seed)
    models = model_names()
    ticks = int(rng.integers(30, 121))
    net = ns.Network(f"random-{seed}")
    n_pops = int(rng.integers(1, 5))
    pop_models = [models[seed % len(models)]] + [str(m) for m in rng.choice(models, n_pops - 1)]
    integer_target = any(m in INTEGER_MODELS for m in pop_models)

    kinds = [SOURCE_KINDS[(seed // len(models)) % len(SOURCE_KINDS)]]
    if rng.random() < 0.5:
        kinds.append(str(rng.choice(SOURCE_KINDS)))
    sources = []
    for k, kind in enumerate(kinds):
        name = f"in{k}"
        _source(net, rng, name, kind, ticks, integer_values=integer_target and rng.random() < 0.7)
        sources.append(name)

    pops, scales, knives, exact = [], {}, {}, {}
    for k, model in enumerate(pop_models):
        name = f"p{k}"
        size = int(rng.integers(*sizes))
        sample = SAMPLERS[model](rng, size)
        params = dict(sample.params)
        if _TIE_PARAMS <= set(params) and rng.random() < 0.3:
            # Threshold ties: at rest after a reset to 0, a lone input of weight v_th puts the
            # potential exactly on float32(v_th) or v_th, where ">" and ">=" differ.
            params.update({key: 0.0 for key in _TIE_PARAMS - {"gain"}}, gain=1.0)
        net.population(name, size, model, init=dict(sample.state), **params)
        pops.append(name)
        scales[name] = _scale(params)
        knives[name] = None if model in INTEGER_MODELS else _knife(params, size)
        exact[name] = _exact(net.nodes[name], sample.exact)
    integer = {p: net.nodes[p].model.name in INTEGER_MODELS for p in pops}

    # Sources feed populations; fixed-point populations only from integer-valued sources.
    for p in pops:
        for s in sources:
            if integer[p] and not _integer_valued(net.nodes[s], ticks):
                continue
            if rng.random() < 0.7:
                _connect(net, rng, s, p, True, integer[p], scales[p], knives[p], density_scale)
    # A random zero-delay order (not the order of addition), chains along it, loops against it.
    rank = rng.permutation(len(pops))
    along = [pops[k] for k in np.argsort(rank)]
    for a, b in zip(along, along[1:]):
        if rng.random() < 0.75:
            _connect(net, rng, a, b, True, integer[b], scales[b], knives[b], density_scale)
    for a in pops:
        for b in pops:
            forward = rank[pops.index(a)] < rank[pops.index(b)]
            p_edge = 0.4 if a == b else 0.25
            if rng.random() < p_edge:
                _connect(net, rng, a, b, forward, integer[b], scales[b], knives[b], density_scale)
    probe = [p for p in pops if rng.random() < 0.6] or [pops[0]]
    chunk = None if rng.random() < 0.5 else int(rng.integers(1, ticks + 1))
    return Case(net, ticks, exact, probe, chunk, int(rng.integers(2**63)))


def _integer_valued(source, ticks: int) -> bool:
    _, _, values = source.events(0, ticks)
    return bool(np.all(values == np.round(values)))


# -- comparison ----------------------------------------------------------------------------------


def _exact(population: ns.Population, claimed: np.ndarray | None) -> np.ndarray:
    """Per neuron: must its probed state match bit for bit? Integer and float32 neurons always;
    float64 neurons when the sampler says so (``None``: all), else within a tolerance."""
    model = population.model
    exact = np.ones(population.size, dtype=bool) if claimed is None else np.asarray(claimed, dtype=bool).copy()
    if model.name in INTEGER_MODELS:
        exact[:] = True
    elif "precision" in model.param_names:
        spec = model.params[model.param_names.index("precision")]
        exact |= population.param("precision") == spec.choices.index("float32")
    return exact


def mismatches(case: Case, ref, got, probed: bool) -> list[str]:
    """Every way ``got`` (an engine ``SimResult``) differs from ``ref`` (the reference's result)."""
    run = "probed run" if probed else "unprobed run"
    out = []
    # The engine lists a tick's spikes in emission (processing) order; the reference by id.
    got_spikes = sorted(zip(got.spike_ticks.tolist(), got.spike_ids.tolist(), got.spike_values.tolist()))
    if got_spikes != ref.spikes:
        first = next((k for k, (a, b) in enumerate(zip(got_spikes, ref.spikes)) if a != b),
                     min(len(got_spikes), len(ref.spikes)))
        out.append(f"{run}: spikes differ from spike {first} on: engine "
                   f"{got_spikes[first:first + 3]} vs reference {ref.spikes[first:first + 3]} "
                   f"({len(got_spikes)} vs {len(ref.spikes)} spikes)")
    events = got.counters.tick_events
    if not np.array_equal(events, ref.events_per_tick):
        t = int(np.argmax(events != ref.events_per_tick))
        out.append(f"{run}: synaptic events differ first at tick {t}: engine {events[t]} vs reference "
                   f"{ref.events_per_tick[t]} (totals {events.sum()} vs {ref.synaptic_events})")
    if got.counters.spikes != len(ref.spikes):
        out.append(f"{run}: spike counter {got.counters.spikes} vs reference {len(ref.spikes)} spikes")
    if probed:
        for name in case.probe:
            out += _state_mismatches(case.network.nodes[name], case.exact[name], got.probes[name], ref.states[name])
    return out


def _state_mismatches(pop: ns.Population, exact: np.ndarray, got: np.ndarray, expected: np.ndarray) -> list[str]:
    out = []
    bad = np.zeros(got.shape, dtype=bool)
    bad[:, exact] = (got[:, exact] != expected[:, exact]) & ~(np.isnan(got[:, exact]) & np.isnan(expected[:, exact]))
    loose = ~exact
    bad[:, loose] = ~np.isclose(got[:, loose], expected[:, loose], rtol=1e-6, atol=1e-9, equal_nan=True)
    if bad.any():
        t, i, v = np.argwhere(bad)[0]
        kind = "bit-exact" if exact[i] else "float64"
        out.append(f"probed state of '{pop.name}' ({pop.model.name}, {kind}): {int(bad.sum())} values differ, first "
                   f"at tick {t}, neuron {i}, state '{pop.model.state_names[v]}': engine {got[t, i, v]!r} vs "
                   f"reference {expected[t, i, v]!r}")
    return out


# -- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(N_NETWORKS), ids=lambda s: f"seed{s}")
def test_engine_matches_reference(seed):
    case = random_case(seed)
    ref = simulate_reference(case.network, case.ticks, probe=case.probe, seed=case.seed)
    unprobed = ns.simulate(case.network, case.ticks, seed=case.seed, chunk_ticks=case.chunk_ticks)
    probed = ns.simulate(case.network, case.ticks, probe=case.probe, seed=case.seed, chunk_ticks=case.chunk_ticks)
    problems = mismatches(case, ref, unprobed, probed=False) + mismatches(case, ref, probed, probed=True)
    assert not problems, f"seed {seed} ({case.network!r}, {case.ticks} ticks):\n" + "\n".join(problems)


def uniform_case(seed: int, **sizes) -> Case:
    """``random_case(seed)`` with every population's parameters set to those of its first neuron,
    so that populations whose neurons are all awake take the dense handlers of their models; half
    of the populations with a bias get a non-zero one (on the grid), which keeps them all awake.
    ``sizes``: as for ``random_case``."""
    case = random_case(seed, **sizes)
    rng = np.random.default_rng(seed + 1_000_000)
    net = ns.Network(case.network.name + "-uniform")
    exact = {}
    for node in case.network.nodes.values():
        if isinstance(node, ns.Population):
            params = np.broadcast_to(node.params[:1], node.params.shape).copy()
            if "bias" in node.model.param_names and rng.random() < 0.5:
                params[:, node.model.param_names.index("bias")] = rng.choice([-2.0, -1.0, 1.0, 3.0]) / 16.0
            params.flags.writeable = False
            node = dataclasses.replace(node, params=params)
            # A neuron is exact when its own initial state and neuron 0's parameters are.
            exact[node.name] = case.exact[node.name] & case.exact[node.name][0]
        net.add(node)
    for name, proj in case.network.projections.items():
        net.connect_synapses(proj.pre, proj.post, proj.pre_idx, proj.post_idx, proj.weight, proj.delay, name=name)
    return dataclasses.replace(case, network=net, exact=exact)


@pytest.mark.parametrize("seed", range(N_NETWORKS), ids=lambda s: f"seed{s}")
def test_dense_path_matches_reference(seed):
    case = uniform_case(seed)
    ref = simulate_reference(case.network, case.ticks, probe=case.probe, seed=case.seed)
    unprobed = ns.simulate(case.network, case.ticks, seed=case.seed, chunk_ticks=case.chunk_ticks)
    probed = ns.simulate(case.network, case.ticks, probe=case.probe, seed=case.seed, chunk_ticks=case.chunk_ticks)
    problems = mismatches(case, ref, unprobed, probed=False) + mismatches(case, ref, probed, probed=True)
    assert not problems, f"seed {seed} ({case.network!r}, {case.ticks} ticks):\n" + "\n".join(problems)


@pytest.mark.parametrize("seed", range(8), ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("make_case", [random_case, uniform_case], ids=["per_neuron", "uniform"])
def test_populations_of_several_handler_blocks_match_reference(make_case, seed):
    """Populations of 300-700 neurons: the engine calls the handlers (generic, uniform, dense) on
    blocks of GATHER_BLOCK (256) neurons, and sorts, scans or scatters its pending neurons
    according to how many there are. The first population's model cycles with the seed."""
    case = make_case(seed, sizes=(300, 700), density_scale=0.03)
    sizes = [node.size for node in case.network.nodes.values() if isinstance(node, ns.Population)]
    assert min(sizes) > GATHER_BLOCK  # every population spans two blocks or more
    ref = simulate_reference(case.network, case.ticks, probe=case.probe, seed=case.seed)
    got = ns.simulate(case.network, case.ticks, probe=case.probe, seed=case.seed, chunk_ticks=case.chunk_ticks)
    problems = mismatches(case, ref, got, probed=True)
    assert not problems, f"seed {seed} ({case.network!r}, {case.ticks} ticks):\n" + "\n".join(problems)
    assert got.counters.neuron_updates > 0 and len(ref.spikes) > 0


@pytest.mark.parametrize("per_neuron", [False, True], ids=["uniform", "per_neuron"])
def test_busy_population_spiking_in_several_blocks_matches_reference(per_neuron):
    """1,000 LIF neurons at rest below threshold, driven hard enough that most are pending and
    several fire in different handler blocks at once: the uniform handler (one parameter row) or
    the generic one (per-neuron thresholds), in scatter mode, against the reference engine."""
    rng = np.random.default_rng(17)
    n = 1000
    net = ns.Network("busy")
    net.poisson("in", 200, p=0.3, seed=4)
    v_th = rng.uniform(0.9, 1.1, n) if per_neuron else 1.0
    net.population("P", n, "lif", beta=0.9, v_th=v_th, v_leak=0.0, v_reset=0.0, threshold=">=")
    pre, post = rng.integers(0, 200, 20_000), rng.integers(0, n, 20_000)
    net.connect_synapses("in", "P", pre, post, rng.uniform(0.0, 0.5, pre.size), 1)
    pre, post = rng.integers(0, n, 30_000), rng.integers(0, n, 30_000)
    net.connect_synapses("P", "P", pre, post, rng.uniform(-0.4, 0.3, pre.size), rng.integers(1, 4, pre.size))
    ref = simulate_reference(net, 40, probe=["P"])
    got = ns.simulate(net, 40, probe=["P"])
    spike_ticks = np.array([t for t, i, _ in ref.spikes if i >= 200])  # the population's
    assert np.bincount(spike_ticks).max() > 50  # several blocks fire at one tick
    case = Case(net, 40, {"P": np.ones(n, dtype=bool)}, ["P"], None, 0)
    assert not mismatches(case, ref, got, probed=True)


@pytest.mark.parametrize("precision, reset", [("float64", "value"), ("float32", "subtract"),
                                              ("float64", "subtract_next")])
def test_dense_population_of_several_blocks_matches_reference(precision, reset):
    """2,500 LIF neurons kept awake by a bias: the dense handler, on blocks of 1,024 neurons and
    spike tests of 128, with spikes in several blocks per tick, against the reference engine."""
    rng = np.random.default_rng(23)
    n = 2500
    net = ns.Network("dense")
    net.poisson("in", 100, p=0.2, seed=9)
    net.population("P", n, "lif", beta=0.95, v_th=1.0, bias=0.04, reset=reset, precision=precision,
                   init={"v": rng.uniform(-0.5, 1.0, n)})
    pre, post = rng.integers(0, 100, 10_000), rng.integers(0, n, 10_000)
    net.connect_synapses("in", "P", pre, post, rng.uniform(-0.2, 0.6, pre.size), 1)
    pre, post = rng.integers(0, n, 10_000), rng.integers(0, n, 10_000)
    net.connect_synapses("P", "P", pre, post, rng.uniform(-0.3, 0.2, pre.size), 1)
    ref = simulate_reference(net, 30, probe=["P"])
    got = ns.simulate(net, 30, probe=["P"])
    assert got.counters.neuron_updates == 30 * n
    blocks_firing = {(t, (i - 100) // 1024) for t, i, _ in ref.spikes if i >= 100}
    assert len(blocks_firing) > 60  # several blocks fire at most ticks
    case = Case(net, 30, {"P": np.ones(n, dtype=bool)}, ["P"], None, 0)
    assert not mismatches(case, ref, got, probed=True)


def test_every_registered_model_has_a_sampler():
    assert model_names()


def test_random_networks_cover_the_semantics():
    """The seeds used above exercise what they claim to: every model, source kind and delay kind."""
    seen = {"models": set(), "kinds": set(), "max_delay": 0, "zero_chain": 0, "self_loop": 0, "duplicates": 0,
            "graded": 0, "bias": 0, "multi_model": 0}
    for seed in range(N_NETWORKS):
        net = random_case(seed).network
        pops = [n for n in net.nodes.values() if isinstance(n, ns.Population)]
        seen["models"] |= {p.model.name for p in pops}
        seen["multi_model"] += len({p.model.name for p in pops}) > 1
        seen["bias"] += any("bias" in p.model.param_names and np.any(p.param("bias") != 0) for p in pops)
        for node in net.nodes.values():
            if isinstance(node, ns.SpikeArray):
                seen["kinds"].add("array")
                seen["graded"] += bool(np.any((node.data != 0) & (node.data != 1)))
            elif isinstance(node, ns.SpikeTimes):
                seen["kinds"].add("times")
            elif isinstance(node, ns.PoissonSource):
                seen["kinds"].add("poisson")
        zero = set()
        for proj in net.projections.values():
            seen["max_delay"] = max(seen["max_delay"], int(proj.delay.max(initial=0)))
            seen["self_loop"] += proj.pre == proj.post
            pairs = set(zip(proj.pre_idx.tolist(), proj.post_idx.tolist()))
            seen["duplicates"] += len(pairs) < proj.n_synapses
            if np.any(proj.delay == 0) and isinstance(net.nodes[proj.pre], ns.Population):
                zero.add((proj.pre, proj.post))
        seen["zero_chain"] += any((a, b) in zero and (b, c) in zero for a, b in zero for c in net.nodes)
    assert seen["models"] == set(model_names())
    assert seen["kinds"] == set(SOURCE_KINDS)
    assert seen["max_delay"] == MAX_DELAY
    for key in ("zero_chain", "self_loop", "duplicates", "graded", "multi_model", "bias"):
        assert seen[key] >= 10, f"only {seen[key]} random networks have {key}"


def test_processing_order_of_the_reference_is_the_compiled_one():
    for seed in range(0, N_NETWORKS, 7):
        net = random_case(seed).network
        compiled = ns.compile_network(net)
        assert [compiled.names[k] for k in compiled.pop_order] == processing_order(net), f"seed {seed}"


def test_random_networks_are_active():
    """Every model receives input and every spiking model fires in the random networks: silent
    networks would make the equivalence trivially true."""
    fired = {name: 0 for name in model_names()}
    received = {name: 0 for name in model_names()}
    for seed in range(N_NETWORKS):
        case = random_case(seed)
        result = ns.simulate(case.network, case.ticks, seed=case.seed)
        events = result.counters.events_per_group()  # one group per population without a placement
        for k, node in enumerate(case.network.nodes.values()):
            if isinstance(node, ns.Population):
                fired[node.model.name] += result.counters.spikes_per_population()[node.name]
                received[node.model.name] += int(events[k])
    silent = [m.name for m in registered_models() if m.spiking and fired[m.name] < 100]
    assert not silent, f"models that (almost) never fire in the random networks: {silent} ({fired})"
    deaf = [name for name, count in received.items() if count < 1000]
    assert not deaf, f"models that (almost) never receive input in the random networks: {deaf} ({received})"


def _delay_shifted(net: ns.Network, projection: str, synapse: int) -> ns.Network:
    """A copy of ``net`` whose synapse ``synapse`` of ``projection`` has its delay increased by one."""
    copy = ns.Network(net.name + "-shifted")
    for node in net.nodes.values():
        copy.add(node)
    for name, proj in net.projections.items():
        delay = proj.delay.copy()
        if name == projection:
            delay[synapse] += 1
        copy.connect_synapses(proj.pre, proj.post, proj.pre_idx, proj.post_idx, proj.weight, delay, name=name)
    return copy


def test_oracle_check_fails_when_one_delay_is_shifted():
    case = random_case(0)
    ref = simulate_reference(case.network, case.ticks, probe=case.probe, seed=case.seed)
    first_spike = {}
    for t, gid, _ in ref.spikes:
        first_spike.setdefault(gid, t)
    offsets = np.cumsum([0] + [n.size for n in case.network.nodes.values()])
    start = dict(zip(case.network.nodes, offsets.tolist()))
    # The first synapse that carries an event within the run: moving it one tick later must show.
    target = next((name, y) for name, proj in case.network.projections.items() for y in range(proj.n_synapses)
                  if first_spike.get(start[proj.pre] + int(proj.pre_idx[y]), case.ticks) + int(proj.delay[y]) < case.ticks)
    shifted = _delay_shifted(case.network, *target)
    got = ns.simulate(shifted, case.ticks, probe=case.probe, seed=case.seed)
    assert mismatches(case, ref, got, probed=True), f"shifting the delay of synapse {target} went unnoticed"
    unshifted = ns.simulate(case.network, case.ticks, probe=case.probe, seed=case.seed)
    assert not mismatches(case, ref, unshifted, probed=True)


def test_zero_delay_cycle_raises_naming_the_populations():
    net = ns.Network()
    net.poisson("in", 3, 0.5, seed=1)
    for name in ("first", "second", "third", "bystander"):
        net.population(name, 2, "lif", beta=0.5, v_th=1.0)
    net.connect("in", "first", 1.0, delays=0)
    net.connect("first", "second", 1.0, delays=0)
    net.connect("second", "third", 1.0, delays=[[0, 3], [3, 3]])  # one zero-delay synapse suffices
    net.connect("third", "first", 1.0, delays=0)
    net.connect("third", "bystander", 1.0, delays=0)
    with pytest.raises(ns.ModelError, match="zero-delay cycle") as err:
        ns.simulate(net, ticks=5)
    for name in ("first", "second", "third"):
        assert f"'{name}'" in str(err.value)
    assert "'bystander'" not in str(err.value)


# -- the summation order, where it changes the float64 sum -----------------------------------------

BIG = 2.0 ** 60  # exact in float32; BIG + 1 rounds to BIG in float64, so (BIG - BIG) + 1 != (BIG + 1) - BIG


def _readout(net: ns.Network) -> None:
    """``out`` shows its input: float64 LIF with beta = 0 and an unreachable threshold has v = x."""
    net.population("out", 1, "lif", beta=0.0, v_th=1e30)


def _by_emission_tick() -> ns.Network:
    # +BIG emitted at tick 1 (delay 4), -BIG at tick 3 (delay 2), +1 at tick 5 (delay 0); by
    # source id or by delay the order would be +1, -BIG, +BIG.
    net = ns.Network()
    net.spike_times("in", 3, ticks=[5, 3, 1], ids=[0, 1, 2])
    _readout(net)
    net.connect("in", "out", [[1.0, -BIG, BIG]], delays=[[0, 2, 4]])
    return net


def _by_processing_position() -> ns.Network:
    # Added as last, late, early (global ids in that order) but processed early, late, last.
    net = ns.Network()
    net.spike_times("kick", 1, ticks=[5], ids=[0])
    for name in ("last", "late", "early"):
        net.population(name, 1, "lif", beta=0.0, v_th=0.5)
    _readout(net)
    net.connect("kick", "early", 1.0)
    net.connect("early", "late", 1.0)
    net.connect("late", "last", 1.0)
    for name, w in (("early", BIG), ("late", -BIG), ("last", 1.0)):
        net.connect(name, "out", w)
    return net


def _by_source_id() -> ns.Network:
    net = ns.Network()
    net.spike_times("in", 3, ticks=[5, 5, 5], ids=[2, 0, 1])
    _readout(net)
    net.connect("in", "out", [[BIG, -BIG, 1.0]])
    return net


def _by_projection_order() -> ns.Network:
    net = ns.Network()
    net.spike_times("in", 1, ticks=[5], ids=[0])
    _readout(net)
    for k, w in enumerate((BIG, -BIG, 1.0)):
        net.connect("in", "out", w, name=f"dup{k}")
    return net


def _by_synapse_order() -> ns.Network:
    net = ns.Network()
    net.spike_times("in", 1, ticks=[5], ids=[0])
    _readout(net)
    net.connect_synapses("in", "out", [0, 0, 0], [0, 0, 0], [BIG, -BIG, 1.0])
    return net


@pytest.mark.parametrize("build", [_by_emission_tick, _by_processing_position, _by_source_id,
                                   _by_projection_order, _by_synapse_order], ids=lambda f: f.__name__[1:])
def test_input_is_summed_in_the_documented_order(build):
    """Contributions +BIG, -BIG, +1 in the documented order sum to exactly 1 (any order that puts
    +1 before one of the BIGs gives 0), in the engine and in the reference alike."""
    net = build()
    expected = np.zeros(7)
    expected[5] = 1.0
    ref = simulate_reference(net, 7, probe=["out"])
    got = ns.simulate(net, 7, probe=["out"])
    assert ref.states["out"][:, 0, 0].tolist() == expected.tolist()
    assert got.state("out", "v")[:, 0].tolist() == expected.tolist()
