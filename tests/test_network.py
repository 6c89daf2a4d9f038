"""Every validation error of the network model names the item at fault."""
import numpy as np
import pytest
import scipy.sparse as sp

import neurosim as ns
from neurosim import ModelError


@pytest.fixture
def net():
    n = ns.Network()
    n.spike_times("in", 3, ticks=[0, 1], ids=[0, 2])
    n.population("a", 4, "lif", beta=0.9, v_th=1.0)
    return n


def test_unknown_model_suggests_the_closest():
    with pytest.raises(ModelError, match=r"unknown neuron model 'lfi'; did you mean .*'lif'"):
        ns.Network().population("x", 2, "lfi", beta=0.5, v_th=1.0)


def test_unknown_parameter_suggests_the_closest():
    with pytest.raises(ModelError, match=r"population 'x': unknown parameter 'v_thr'.*did you mean 'v_th'"):
        ns.Network().population("x", 2, "lif", beta=0.5, v_thr=1.0)


def test_missing_required_parameter():
    with pytest.raises(ModelError, match=r"population 'x': model 'lif' needs parameter 'v_th'"):
        ns.Network().population("x", 2, "lif", beta=0.5)


def test_parameter_out_of_range_names_the_neuron():
    with pytest.raises(ModelError, match=r"population 'x': 'beta' = 1.3 at neuron 1 is above 1.0"):
        ns.Network().population("x", 3, "lif", beta=[0.5, 1.3, 0.2], v_th=1.0)


def test_parameter_wrong_shape():
    with pytest.raises(ModelError, match=r"'v_th' has shape \(2,\); expected a scalar or shape \(3,\)"):
        ns.Network().population("x", 3, "lif", beta=0.5, v_th=[1.0, 2.0])


def test_parameter_not_finite():
    with pytest.raises(ModelError, match=r"'v_th' is not finite at neuron 0"):
        ns.Network().population("x", 1, "lif", beta=0.5, v_th=np.nan)


def test_unknown_choice():
    with pytest.raises(ModelError, match=r"'reset' = 'soft' is not one of value, subtract"):
        ns.Network().population("x", 1, "lif", beta=0.5, v_th=1.0, reset="soft")


def test_bad_size():
    with pytest.raises(ModelError, match=r"population 'x': size must be a positive integer"):
        ns.Network().population("x", 0, "lif", beta=0.5, v_th=1.0)


def test_duplicate_names(net):
    with pytest.raises(ModelError, match=r"named 'a' already exists"):
        net.population("a", 1, "lif", beta=0.5, v_th=1.0)
    net.connect("in", "a", weights=np.ones((4, 3)))
    with pytest.raises(ModelError, match=r"projection named 'in->a' already exists"):
        net.connect("in", "a", weights=np.ones((4, 3)))


def test_connect_to_unknown_population(net):
    with pytest.raises(ModelError, match=r"no population or source named 'b' \(known: in, a\)"):
        net.connect("in", "b", weights=1.0)


def test_connect_into_a_source(net):
    with pytest.raises(ModelError, match=r"'in' is a spike source and cannot receive synapses"):
        net.connect("a", "in", weights=1.0)


def test_weight_shape_mismatch_hints_at_transpose(net):
    with pytest.raises(ModelError, match=r"shape \(3, 4\), expected \(post=4, pre=3\) \(transposed\?"):
        net.connect("in", "a", weights=np.ones((3, 4)))


def test_sparse_weight_shape_mismatch(net):
    with pytest.raises(ModelError, match=r"weights have shape \(2, 3\)"):
        net.connect("in", "a", weights=sp.csr_matrix(np.ones((2, 3))))


def test_nan_weight_names_the_synapse(net):
    w = np.ones((4, 3))
    w[2, 1] = np.nan
    with pytest.raises(ModelError, match=r"projection 'in->a': weight from pre 1 to post 2 is NaN"):
        net.connect("in", "a", weights=w)


def test_negative_delay_names_the_synapse(net):
    with pytest.raises(ModelError, match=r"synapse 1 \(pre 2 -> post 0\) has delay -1; must be >= 0 ticks"):
        net.connect_synapses("in", "a", [0, 2], [1, 0], [1.0, 1.0], delays=[1, -1])


def test_non_integer_delay(net):
    with pytest.raises(ModelError, match=r"synapse 0 has non-integer delay 1.5"):
        net.connect_synapses("in", "a", [0], [1], [1.0], delays=[1.5])


def test_index_out_of_range(net):
    with pytest.raises(ModelError, match=r"has post index 4; must be \[0, 3\]"):
        net.connect_synapses("in", "a", [0], [4], [1.0])


def test_delay_matrix_shape(net):
    with pytest.raises(ModelError, match=r"delays must be a scalar or shape \(4, 3\)"):
        net.connect("in", "a", weights=np.ones((4, 3)), delays=np.ones((3, 4), int))


def test_weight_overflowing_float32(net):
    with pytest.raises(ModelError, match=r"overflows float32"):
        net.connect_synapses("in", "a", [0], [0], [1e300])


def test_spike_times_errors():
    with pytest.raises(ModelError, match=r"spike source 's': event 1 has neuron index 5, outside \[0, 2\]"):
        ns.Network().spike_times("s", 3, ticks=[0, 1], ids=[0, 5])
    with pytest.raises(ModelError, match=r"event 0 has tick -1"):
        ns.Network().spike_times("s", 3, ticks=[-1], ids=[0])


def test_spike_array_errors():
    with pytest.raises(ModelError, match=r"data must have shape \[T, N\]"):
        ns.Network().spike_array("s", np.ones(5))
    bad = np.zeros((3, 2))
    bad[1, 1] = np.inf
    with pytest.raises(ModelError, match=r"value at tick 1, neuron 1 is not finite"):
        ns.Network().spike_array("s", bad)


def test_poisson_probability_range():
    with pytest.raises(ModelError, match=r"spike probability per tick must be in \[0, 1\]"):
        ns.Network().poisson("p", 3, p=1.5)


def test_dense_zero_weights_are_not_synapses(net):
    w = np.zeros((4, 3))
    w[1, 2] = 0.5
    net.connect("in", "a", weights=w)
    proj = net.projections["in->a"]
    assert (proj.pre_idx.tolist(), proj.post_idx.tolist(), proj.weight.tolist()) == ([2], [1], [0.5])


def test_sparse_and_dense_weights_give_the_same_synapses():
    w = np.random.default_rng(1).normal(size=(4, 3)) * (np.random.default_rng(2).random((4, 3)) < 0.5)
    dense, sparse = ns.Network(), ns.Network()
    for n in (dense, sparse):
        n.spike_times("in", 3, ticks=[0], ids=[0])
        n.population("a", 4, "lif", beta=0.9, v_th=1.0)
    dense.connect("in", "a", weights=w)
    sparse.connect("in", "a", weights=sp.csc_matrix(w))
    got, expected = sparse.projections["in->a"], dense.projections["in->a"]
    # Both are kept in CSR order by pre neuron, so they are equal as stored.
    for field in ("pre_ptr", "post_idx", "weight", "delay"):
        assert np.array_equal(getattr(got, field), getattr(expected, field)), field


def test_duplicate_spike_events_merge_into_one_valued_event():
    net = ns.Network()
    net.spike_times("s", 2, ticks=[3, 3, 1], ids=[1, 1, 0])
    src = net.nodes["s"]
    assert src.ticks.tolist() == [1, 3] and src.ids.tolist() == [0, 1] and src.values.tolist() == [1.0, 2.0]


def test_poisson_events_do_not_depend_on_chunking():
    src = ns.PoissonSource.create("p", 7, p=0.3, seed=5)
    whole = src.events(0, 40)
    parts = [src.events(a, b) for a, b in ((0, 13), (13, 14), (14, 40))]
    for k in range(3):
        assert np.array_equal(whole[k], np.concatenate([p[k] for p in parts]))


def test_fixed_point_models_refuse_fractional_weights(net):
    net.population("chip", 2, "loihi_cuba", du=100, dv=100, vth=10)
    with pytest.raises(ModelError, match=r"synapse 0 has weight 0.5, but model 'loihi_cuba' takes integer weights"):
        net.connect("in", "chip", weights=0.5)
    net.connect("in", "chip", weights=3.0)


def test_fixed_point_models_refuse_graded_fractional_input():
    net = ns.Network()
    net.spike_array("g", np.array([[0.5, 1.0]]))
    net.population("tn", 1, "truenorth", alpha=5)
    with pytest.raises(ModelError, match=r"source 'g' has non-integer spike values"):
        net.connect("g", "tn", weights=1.0)


def test_synapse_lists_are_validated_in_chunks_with_global_indices(net, monkeypatch):
    monkeypatch.setattr("neurosim.net.network._VALIDATE_CHUNK", 4)
    pre, post = np.zeros(10, dtype=np.int64), np.arange(10) % 4
    delays = np.ones(10, dtype=np.int64)
    delays[9] = -2  # in the third chunk
    with pytest.raises(ModelError, match=r"synapse 9 \(pre 0 -> post 1\) has delay -2"):
        net.connect_synapses("in", "a", pre, post, 0.5, delays=delays)
    w = np.linspace(-1.0, 1.0, 10)
    net.connect_synapses("in", "a", pre, post, w, delays=np.arange(10), name="ok")
    proj = net.projections["ok"]
    assert [a.dtype for a in (proj.pre_idx, proj.post_idx, proj.weight, proj.delay)] == [
        np.int32, np.int32, np.float32, np.uint8]
    np.testing.assert_array_equal(proj.post_idx, post)
    np.testing.assert_array_equal(proj.weight, w.astype(np.float32))
    np.testing.assert_array_equal(proj.delay, np.arange(10))


def test_projections_keep_synapses_in_csr_order_by_pre(net):
    pre, post = np.array([2, 0, 2, 1, 0, 2]), np.array([0, 1, 3, 2, 1, 1])
    net.connect_synapses("in", "a", pre, post, np.arange(6.0), delays=[5, 4, 3, 2, 1, 0])
    proj = net.projections["in->a"]
    # Sorted by pre neuron; the synapses of one pre neuron stay in the order they were given.
    assert proj.pre_ptr.tolist() == [0, 2, 3, 6]
    assert proj.pre_idx.tolist() == [0, 0, 1, 2, 2, 2]
    assert proj.post_idx.tolist() == [1, 1, 2, 0, 3, 1]
    assert proj.weight.tolist() == [1.0, 4.0, 3.0, 0.0, 2.0, 5.0]
    assert proj.delay.tolist() == [4, 1, 2, 5, 3, 0]


@pytest.mark.parametrize("largest, dtype", [(0, np.uint8), (255, np.uint8), (256, np.uint16),
                                            (65536, np.uint32)])
def test_delays_are_kept_in_the_narrowest_type(net, largest, dtype):
    net.connect_synapses("in", "a", [0, 1], [0, 0], 1.0, delays=[0, largest])
    delay = net.projections["in->a"].delay
    assert delay.dtype == dtype and delay.tolist() == [0, largest]


def test_non_numeric_synapse_weights_are_an_error(net):
    with pytest.raises(ModelError, match=r"weights must be numeric"):
        net.connect_synapses("in", "a", [0, 1], [1, 0], np.array(["a", "b"]))
