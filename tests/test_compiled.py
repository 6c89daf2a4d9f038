"""The compiled synapse CSR against a plain sort of the synapse lists."""
import numpy as np
import pytest

import neurosim as ns
from neurosim import ModelError
from neurosim.compile.regroup import _stable_sort, regroup


def _network(rng: np.random.Generator, by_target: bool = False) -> tuple[ns.Network, list]:
    """A network with duplicate synapses given in random order (``by_target``: in order of (pre, post),
    duplicates kept in their random order), and its synapse lists as given."""
    net = ns.Network("csr")
    net.poisson("in", 30, p=0.1, seed=1)
    net.population("a", 50, "lif", beta=0.9, v_th=1.0)
    net.population("b", 20, "lif", beta=0.9, v_th=1.0)
    given = []
    for pre, post, n_pre, n_post in (("in", "a", 30, 50), ("a", "b", 50, 20), ("b", "a", 20, 50), ("in", "a", 30, 50)):
        n = 400
        pre_idx, post_idx = rng.integers(0, n_pre, n), rng.integers(0, n_post, n)
        pre_idx, post_idx = np.append(pre_idx, pre_idx[:40]), np.append(post_idx, post_idx[:40])  # duplicates
        w, d = rng.normal(size=pre_idx.size).astype(np.float32), rng.integers(1, 6, pre_idx.size)
        if by_target:
            order = np.lexsort((post_idx, pre_idx))
            pre_idx, post_idx, w, d = pre_idx[order], post_idx[order], w[order], d[order]
        net.connect_synapses(pre, post, pre_idx, post_idx, w, d, name=f"{pre}->{post}#{len(net.projections)}")
        given.append((pre, post, pre_idx, post_idx, d, w))
    return net, given


def _expected(net: ns.Network, given: list, neuron_group: np.ndarray):
    """(source, group, delay, target, weight) of every synapse, in the documented order: sorted by
    the first four, ties (duplicate synapses) in projection order, then in the order given."""
    offset = dict(zip(net.nodes, np.cumsum([0] + [node.size for node in net.nodes.values()])))
    src, tgt, d, w = (np.concatenate(a) for a in zip(*[
        (pre_idx + offset[pre], post_idx + offset[post], d, w) for pre, post, pre_idx, post_idx, d, w in given]))
    grp = neuron_group[tgt]
    order = np.lexsort((tgt, d, grp, src))  # stable
    return src[order], grp[order], d[order], tgt[order], w[order]


@pytest.mark.parametrize("step", [1 << 22, 37, 1], ids=["one_step", "steps_of_37", "one_source_per_step"])
@pytest.mark.parametrize("placed", [False, True], ids=["by_population", "placed"])
@pytest.mark.parametrize("by_target", [False, True], ids=["random_order", "target_order"])
def test_synapse_csr_is_the_documented_sort(placed, step, by_target, monkeypatch):
    """Random order takes each source's merge sort, target order (by population) its counting sort
    by delay, and both keep duplicate synapses in the order given."""
    monkeypatch.setattr("neurosim.compile.compiled._BUILD_CHUNK", step)
    rng = np.random.default_rng(5)
    net, given = _network(rng, by_target)
    n = sum(node.size for node in net.nodes.values())
    neuron_pop = np.repeat(np.arange(3), [30, 50, 20])
    # A placement: each population's neurons dealt to cores in a shuffled, interleaved pattern.
    group = None
    if placed:
        core = np.concatenate([rng.permutation(np.arange(size) % k) for size, k in ((30, 1), (50, 4), (20, 3))])
        group = np.unique(np.stack([neuron_pop, core], axis=1), axis=0, return_inverse=True)[1].ravel()
    c = ns.compile_network(net, group)
    src, grp, d, tgt, w = _expected(net, given, c.neuron_group)
    np.testing.assert_array_equal(c.syn_target, tgt)
    np.testing.assert_array_equal(c.syn_weight, w)
    seg_of = np.repeat(np.arange(c.seg_delay.size), np.diff(c.seg_syn_ptr))
    np.testing.assert_array_equal(c.seg_delay[seg_of], d)
    np.testing.assert_array_equal(c.seg_group[seg_of], grp)
    fan_of_seg = np.repeat(np.arange(c.fan_group.size), np.diff(c.fan_seg_ptr))
    np.testing.assert_array_equal(c.fan_group[fan_of_seg][seg_of], grp)
    src_of_fan = np.repeat(np.arange(n), np.diff(c.src_fan_ptr))
    np.testing.assert_array_equal(src_of_fan[fan_of_seg][seg_of], src)
    # One segment per (source, group, delay), one fan entry per (source, group).
    assert c.seg_delay.size == np.unique(np.stack([src, grp, d]), axis=1).shape[1]
    assert c.fan_group.size == np.unique(np.stack([src, grp]), axis=1).shape[1]


def test_network_without_synapses_compiles():
    net = ns.Network()
    net.population("a", 3, "lif", beta=0.9, v_th=1.0)
    c = ns.compile_network(net)
    assert c.n_synapses == 0 and c.src_fan_ptr.tolist() == [0, 0, 0, 0]


def test_a_key_that_cannot_fit_is_an_error(monkeypatch):
    net = ns.Network("huge")
    net.population("a", 4, "lif", beta=0.9, v_th=1.0)
    net.connect_synapses("a", "a", [0], [1], 1.0, 1)
    monkeypatch.setattr("neurosim.compile.compiled._KEY_BITS", 3)
    with pytest.raises(ModelError, match=r"network 'huge' is too large to compile"):
        ns.compile_network(net)


_ARRAYS = ("neuron_group", "group_pop", "src_fan_ptr", "fan_group", "fan_seg_ptr", "seg_delay", "seg_group",
           "seg_syn_ptr", "syn_target", "syn_weight")


@pytest.mark.parametrize("step", [1 << 16, 37, 1], ids=["one_step", "steps_of_37", "one_source_per_step"])
@pytest.mark.parametrize("cores", [(1, 4, 3), (1, 50, 20), (2, 7, 1)], ids=["few_cores", "one_neuron_per_core", "mixed"])
def test_regroup_splits_fan_entries_exactly_as_a_fresh_compile(cores, step, monkeypatch):
    monkeypatch.setattr("neurosim.compile.regroup._SPLIT_CHUNK", step)
    rng = np.random.default_rng(11)
    net, _ = _network(rng)
    neuron_pop = np.repeat(np.arange(3), [30, 50, 20])
    core = np.concatenate([rng.permutation(np.arange(size) % k) for size, k in zip((30, 50, 20), cores)])
    group = np.unique(np.stack([neuron_pop, core], axis=1), axis=0, return_inverse=True)[1].ravel()
    expected = ns.compile_network(net, group)
    by_population = ns.compile_network(net)

    def no_fresh_compile(*args, **kwargs):
        raise AssertionError("regroup compiled afresh a refinement it should have split")

    monkeypatch.setattr("neurosim.compile.regroup.compile_network", no_fresh_compile)
    got = regroup(by_population, group)
    for name in _ARRAYS:
        a, b = getattr(got, name), getattr(expected, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    # Splitting a placed network further, into one group per neuron numbered in (group, id) order.
    singles = np.argsort(np.argsort(got.neuron_group, kind="stable"))
    finer = regroup(got, singles)
    np.testing.assert_array_equal(finer.syn_target, ns.compile_network(net, singles).syn_target)


def test_regroup_of_a_network_without_synapses():
    net = ns.Network()
    net.population("a", 5, "lif", beta=0.9, v_th=1.0)
    net.population("b", 3, "lif", beta=0.9, v_th=1.0)
    group = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    got, expected = regroup(ns.compile_network(net), group), ns.compile_network(net, group)
    for name in _ARRAYS:
        a, b = getattr(got, name), getattr(expected, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_the_packed_sort_is_a_stable_argsort_and_falls_back_when_the_key_does_not_fit():
    key = np.random.default_rng(14).integers(0, 50, 1000)
    expected = np.argsort(key, kind="stable")
    for key_end in (50, 1 << 60):  # packed into 56 bits; 61 + 10 bits do not fit: numpy's stable argsort
        got_key, got_order = _stable_sort(key, key_end)
        np.testing.assert_array_equal(got_order, expected)
        np.testing.assert_array_equal(got_key, key[expected])


def test_regroup_of_groups_that_do_not_refine_in_order_compiles_afresh():
    net, _ = _network(np.random.default_rng(12))
    # Groups numbered against the population order: population 'b' first.
    group = np.concatenate([np.full(30, 2), np.full(50, 1), np.full(20, 0)])
    got = regroup(ns.compile_network(net), group)
    expected = ns.compile_network(net, group)
    for name in _ARRAYS:
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)


def test_groups_must_be_dense_and_within_one_population():
    net, _ = _network(np.random.default_rng(13))
    with pytest.raises(ModelError, match=r"group 1 has no neuron"):
        ns.compile_network(net, np.concatenate([np.zeros(30), np.full(50, 2), np.full(20, 3)]).astype(int))
    with pytest.raises(ModelError, match=r"group 0 mixes neurons of two populations"):
        regroup(ns.compile_network(net), np.zeros(100, dtype=int))
