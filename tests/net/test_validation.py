"""The Python network API refuses bad arguments with a one-line ModelError before numpy or Numba sees
them, and never stores a value that would wrap or read as something else."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurosim as ns
from neurosim.net.network import MAX_DELAY


@pytest.fixture
def net() -> ns.Network:
    net = ns.Network()
    net.spike_times("in", 2, [0, 1], [0, 1])
    net.population("h", 3, "lif", beta=0.9, v_th=1.0)
    return net


@pytest.mark.parametrize("delay", [MAX_DELAY + 1, 2**32 + 1, 2**40, float(2**40), np.uint64(2**63)])
def test_a_delay_above_the_int32_maximum_is_refused_with_the_limit(net, delay):
    with pytest.raises(ns.ModelError, match=rf"has delay {int(delay)}(\.0)?; must be at most {MAX_DELAY} ticks"):
        net.connect("in", "h", weights=1.0, delays=delay)


def test_the_longest_delay_is_kept_exactly(net):
    net.connect("in", "h", weights=1.0, delays=MAX_DELAY)
    assert int(net.projections["in->h"].delay.max()) == MAX_DELAY


@pytest.mark.parametrize("delay, shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_a_nan_or_infinite_delay_is_named_as_such_without_a_warning(net, delay, shown):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ns.ModelError, match=rf"synapse 0 has delay {shown}; must be a finite whole number"):
            net.connect("in", "h", weights=1.0, delays=delay)
        with pytest.raises(ns.ModelError, match=rf"has delay {shown}; must be a finite whole number"):
            net.connect_synapses("in", "h", [0], [1], 1.0, delays=[delay])


@pytest.mark.parametrize("delays", ["3", ["3"], np.array([[None] * 2] * 3)])
def test_delays_that_are_not_numbers_are_refused(net, delays):
    with pytest.raises(ns.ModelError, match="delays must be whole numbers of ticks"):
        net.connect("in", "h", weights=1.0, delays=delays)


def test_synapse_lists_of_text_are_refused(net):
    with pytest.raises(ns.ModelError, match=r"pre indices must be numeric \(got dtype <U1\)"):
        net.connect_synapses("in", "h", ["0"], [1], 1.0)
    with pytest.raises(ns.ModelError, match=r"delays must be numeric"):
        net.connect_synapses("in", "h", [0], [1], 1.0, delays=["2"])


def test_a_nan_weight_is_named_as_a_weight(net):
    with pytest.raises(ns.ModelError, match=r"synapse 0 \(pre 0 -> post 1\) has weight nan; must be a number"):
        net.connect_synapses("in", "h", [0], [1], [np.nan])


@pytest.mark.parametrize("model", [["lif"], ("lif",), 3, None])
def test_a_model_name_that_is_not_a_string_is_refused(model):
    with pytest.raises(ns.ModelError, match=r"a neuron model is named by a string, got .*; pass one of: .*lif"):
        ns.Network().population("a", 3, model)


@pytest.mark.parametrize("size, message", [
    (-1, "size must be a positive integer, got -1"),
    (1e30, "size must be a positive integer, got 1e\\+30"),
    (10**30, "size 10{30} is above the 2147483647 neurons"),
    (10**12, "size 1000000000000 is above the 2147483647 neurons"),
])
def test_population_and_source_sizes_are_bounded(size, message):
    with pytest.raises(ns.ModelError, match=message.replace("10{30}", "1" + "0" * 30)):
        ns.Network().population("a", size, "lif", beta=0.9, v_th=1.0)
    with pytest.raises(ns.ModelError, match=message.replace("10{30}", "1" + "0" * 30)):
        ns.Network().poisson("p", size, p=0.1)


def test_a_population_too_big_for_memory_is_refused_before_it_is_allocated(monkeypatch):
    monkeypatch.setenv("NEUROSIM_MEMORY_LIMIT", "1G")
    with pytest.raises(ns.ModelError, match=r"population 'a' needs about 378 GB \(parameters .*above the memory "
                                            r"limit of 1\.074 GB; use fewer neurons, or raise the limit "
                                            r"\(\$NEUROSIM_MEMORY_LIMIT=64G\)"):
        ns.Network().population("a", 2**31 - 1, "lif", beta=0.9, v_th=1.0)


@pytest.mark.parametrize("value", [5, 3, -1, [0, 1, 7]])
def test_a_choice_parameter_given_as_a_number_must_index_the_choices(value):
    with pytest.raises(ns.ModelError, match=r"'reset' = .* is not an index of the choices \(0 to 2\)"):
        ns.Network().population("a", 3, "if", v_th=1.0, reset=value)


def test_a_choice_parameter_index_in_range_means_that_choice():
    net = ns.Network()
    net.population("a", 3, "if", v_th=1.0, reset=1)
    net.population("b", 3, "if", v_th=1.0, reset="subtract")
    assert np.array_equal(net.nodes["a"].param("reset"), net.nodes["b"].param("reset"))


def test_a_non_finite_parameter_names_its_value():
    with pytest.raises(ns.ModelError, match=r"'v_th' is not finite at neuron 1 \(got nan\)"):
        ns.Network().population("a", 2, "lif", beta=0.9, v_th=[1.0, np.nan])


@pytest.mark.parametrize("p, message", [
    ([0.1, 0.2], r"p has shape \(2,\); give a scalar or shape \(3,\)"),
    ([[0.1] * 3], r"p has shape \(1, 3\)"),
    ("0.1", r"p must be numbers"),
])
def test_poisson_probabilities_of_the_wrong_shape_or_type_are_refused(p, message):
    with pytest.raises(ns.ModelError, match=message):
        ns.Network().poisson("p", 3, p=p)


@pytest.mark.parametrize("seed", [None, "abc", -1, 2**64, 0.5])
def test_a_poisson_seed_that_is_not_a_non_negative_int64_is_refused(seed):
    with pytest.raises(ns.ModelError, match=r"spike source 'p': seed must be"):
        ns.Network().poisson("p", 3, p=0.1, seed=seed)


@pytest.mark.parametrize("data", [[["a", "b"]], [["1", "0"]], np.array([[object()]])])
def test_spike_arrays_and_spike_values_of_text_are_refused(data):
    with pytest.raises(ns.ModelError, match=r"spike source 's': data must be numbers"):
        ns.Network().spike_array("s", data)
    with pytest.raises(ns.ModelError, match=r"spike source 't': values must be numbers"):
        ns.Network().spike_times("t", 2, [0], [1], values=["1"])


def test_synapses_out_of_order_are_kept_in_given_order_per_pre_neuron_across_chunks(net, monkeypatch):
    """The counting sort that puts synapses in CSR order runs chunk by chunk and stays stable."""
    monkeypatch.setattr("neurosim.net.network._VALIDATE_CHUNK", 3)
    rng = np.random.default_rng(3)
    pre, post = rng.integers(0, 2, 11), rng.integers(0, 3, 11)
    w, d = np.arange(11.0), rng.integers(0, 300, 11)
    net.connect_synapses("in", "h", pre.astype(np.int32), post, w, delays=d)
    proj = net.projections["in->h"]
    order = np.argsort(pre, kind="stable")
    assert proj.pre_ptr.tolist() == [0, int(np.sum(pre == 0)), 11]
    assert proj.post_idx.tolist() == post[order].tolist()
    assert proj.weight.tolist() == w[order].tolist()
    assert proj.delay.dtype == np.uint16 and proj.delay.tolist() == d[order].tolist()


@pytest.mark.parametrize("index_dtype", [np.int32, np.uint64, np.float64])
def test_an_index_out_of_range_in_a_later_chunk_is_named_with_its_global_position(net, monkeypatch, index_dtype):
    monkeypatch.setattr("neurosim.net.network._VALIDATE_CHUNK", 4)
    post = np.zeros(10, dtype=index_dtype)
    post[6] = 3  # "h" has 3 neurons
    with pytest.raises(ns.ModelError, match=r"synapse 6 \(pre 0(\.0)? -> post 3(\.0)?\) has post index 3(\.0)?; must be \[0, 2\]"):
        net.connect_synapses("in", "h", np.zeros(10, dtype=index_dtype), post, 1.0)
    assert not net.projections


def test_a_weight_that_overflows_float32_is_named(net):
    with pytest.raises(ns.ModelError, match=r"synapse 1 weight 1e\+39 overflows float32"):
        net.connect_synapses("in", "h", [0, 1], [0, 1], [1.0, 1e39])
