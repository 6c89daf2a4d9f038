"""Conv1d/Conv2d/SumPool2d/AvgPool2d/Flatten import: each map's sparse matrix against a direct numpy
loop, and the committed snnTorch conv net spike for spike.

``tests/data/nir/snntorch_conv.{nir,npz}`` come from ``tools/make_nir_references.py`` (snnTorch 1.0.0,
torch 2.13 CPU): [1, 8, 8] -> Conv2d(1, 4, 3, padding=1) -> Leaky [4, 8, 8] -> AvgPool2d(2) -> Flatten
-> Linear(64, 10) -> Leaky, trained 3 epochs on rate-coded sklearn digits, exported with
``export_to_nir(net, torch.zeros(1, 1, 8, 8), ignore_dims=[0])``, and snnTorch's spikes and membranes
on 4 test digits (20 steps).
"""
import pathlib

import numpy as np
import pytest

import neurosim as ns
from neurosim import ModelError
from neurosim.nir import load_nir
from neurosim.nir.linear_maps import conv_matrix, flatten_shape, sum_pool_matrix

nir = pytest.importorskip("nir")

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "nir"
RNG = np.random.default_rng(7)


# -- direct numpy references (loops over output positions, no matrices) ----------------------------
def _conv_ref(x, w, stride, pads, dilation, groups):
    """PyTorch conv (cross-correlation) of x [C_in, *S] with w [C_out, C_in/g, *K]; pads ((l, r), ...)."""
    d = w.ndim - 2
    xp = np.pad(x, ((0, 0),) + tuple(pads))
    c_out, c_in_g, kernel = w.shape[0], w.shape[1], w.shape[2:]
    out_sp = [(xp.shape[1 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(d)]
    y = np.zeros([c_out] + out_sp)
    for co in range(c_out):
        g = co // (c_out // groups)
        for o in np.ndindex(*out_sp):
            window = tuple(slice(o[i] * stride[i], o[i] * stride[i] + dilation[i] * (kernel[i] - 1) + 1, dilation[i])
                           for i in range(d))
            y[(co,) + o] = np.sum(xp[(slice(g * c_in_g, (g + 1) * c_in_g),) + window] * w[co])
    return y




CONV2D_CASES = [  # (C_in, H, W, C_out, K, stride, padding, dilation, groups)
    (1, 8, 8, 4, (3, 3), 1, 1, 1, 1),
    (2, 7, 9, 4, (3, 2), (2, 1), (1, 0), 1, 1),
    (4, 9, 8, 6, (3, 3), 2, 2, (2, 1), 2),
    (4, 6, 6, 4, (2, 2), 1, "same", 1, 4),
    (3, 7, 7, 2, (5, 3), 1, "same", (1, 2), 1),
    (2, 6, 5, 3, (3, 3), 3, "valid", 1, 1),
    (6, 5, 5, 3, (1, 1), 1, 0, 1, 3),
]


def _pads(padding, kernel, dilation, stride):
    d = len(kernel)
    if padding == "valid":
        return ((0, 0),) * d
    if padding == "same":
        return tuple((dl * (k - 1) // 2, dl * (k - 1) - dl * (k - 1) // 2) for k, dl in zip(kernel, dilation))
    p = (padding,) * d if np.ndim(padding) == 0 else padding
    return tuple((q, q) for q in p)


@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_matrix_equals_a_direct_convolution(case):
    c_in, h, w_, c_out, k, stride, padding, dilation, groups = case
    w = RNG.normal(size=(c_out, c_in // groups) + k)
    m, shape = conv_matrix(w, (c_in, h, w_), stride, padding, dilation, groups)
    s2 = (stride,) * 2 if np.ndim(stride) == 0 else stride
    d2 = (dilation,) * 2 if np.ndim(dilation) == 0 else dilation
    for _ in range(3):
        x = RNG.normal(size=(c_in, h, w_))
        y = _conv_ref(x, w, s2, _pads(padding, k, d2, s2), d2, groups)
        assert shape == y.shape
        np.testing.assert_allclose(m @ x.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)
    # every column of the matrix is the response to one input pixel
    j = RNG.integers(c_in * h * w_)
    e = np.zeros(c_in * h * w_)
    e[j] = 1.0
    np.testing.assert_array_equal(m[:, j].toarray().ravel(),
                                  _conv_ref(e.reshape(c_in, h, w_), w, s2, _pads(padding, k, d2, s2), d2, groups).ravel())
    assert m.nnz == np.count_nonzero(m.toarray())  # no explicit zeros or duplicates


@pytest.mark.parametrize("case", [(2, 10, 3, 3, 1, 0, 1, 1), (4, 11, 6, 3, 2, 1, 2, 2), (3, 9, 3, 4, 1, "same", 2, 1),
                                  (2, 8, 2, 2, 3, "valid", 1, 2)])
def test_conv1d_matrix_equals_a_direct_convolution(case):
    c_in, n, c_out, k, stride, padding, dilation, groups = case
    w = RNG.normal(size=(c_out, c_in // groups, k))
    m, shape = conv_matrix(w, (c_in, n), stride, padding, dilation, groups)
    x = RNG.normal(size=(c_in, n))
    y = _conv_ref(x, w, (stride,), _pads(padding, (k,), (dilation,), (stride,)), (dilation,), groups)
    assert shape == y.shape
    np.testing.assert_allclose(m @ x.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)


def _pool_ref(x, k, s, p, average):
    xp = np.pad(x, ((0, 0), (p[0], p[0]), (p[1], p[1])))
    oh, ow = (xp.shape[1] - k[0]) // s[0] + 1, (xp.shape[2] - k[1]) // s[1] + 1
    y = np.array([[[xp[c, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]].sum() for j in range(ow)]
                   for i in range(oh)] for c in range(x.shape[0])])
    return y / (k[0] * k[1]) if average else y


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("shape, kernel, stride, padding", [
    ((4, 8, 8), 2, None, 0),               # snnTorch's scalar kernel, stride = kernel
    ((3, 9, 7), (3, 2), (2, 2), (1, 0)),   # floor mode drops the last partial window
    ((2, 5, 6), (2, 3), (1, 3), (1, 1)),   # padded zeros counted in the average
])
def test_pool_matrix_equals_a_direct_pooling(average, shape, kernel, stride, padding):
    m, out = sum_pool_matrix(shape, np.asarray(kernel), None if stride is None else np.asarray(stride),
                             np.asarray(padding), average=average)
    k = (kernel,) * 2 if np.ndim(kernel) == 0 else kernel
    s = k if stride is None else stride
    p = (padding,) * 2 if np.ndim(padding) == 0 else padding
    x = RNG.normal(size=shape)
    y = _pool_ref(x, k, s, p, average)
    assert out == y.shape
    np.testing.assert_allclose(m @ x.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)


def test_flatten_shape_counts_dims_without_batch():
    assert flatten_shape((4, 4, 4), 0, -1) == (64,)
    assert flatten_shape((4, 4, 4), 1, -1) == (4, 16)
    assert flatten_shape((2, 3, 4, 5), 1, 2) == (2, 12, 5)
    with pytest.raises(ModelError, match=r"start_dim=3, end_dim=-1 do not fit an input of shape \(4, 4\)"):
        flatten_shape((4, 4), 3, -1)


def test_conv_errors_name_the_problem():
    with pytest.raises(ModelError, match="padding='same' needs stride 1"):
        conv_matrix(np.ones((2, 1, 3, 3)), (1, 5, 5), 2, "same")
    with pytest.raises(ModelError, match="needs 2 input channels"):
        conv_matrix(np.ones((2, 1, 3, 3)), (3, 5, 5), 1, 0, 1, 2)
    with pytest.raises(ModelError, match="smaller than the"):
        conv_matrix(np.ones((2, 1, 3, 3)), (1, 2, 2))


# -- folding into projections ----------------------------------------------------------------------
def _lif(shape):
    return nir.LIF(tau=np.full(shape, 1e-3), r=np.full(shape, 10.0), v_leak=np.zeros(shape),
                   v_threshold=np.ones(shape), v_reset=np.zeros(shape))


def test_conv_pool_flatten_chain_folds_into_one_sparse_projection_with_channel_bias():
    w = RNG.normal(size=(3, 2, 3, 3)).astype(np.float32)
    b = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    fc = RNG.normal(size=(5, 3 * 3 * 3)).astype(np.float32)
    nodes = {"input": nir.Input(input_type=np.array([2, 6, 6])),
             "conv": nir.Conv2d(input_shape=(6, 6), weight=w, stride=1, padding=1, dilation=1, groups=1, bias=b),
             "lif1": _lif((3, 6, 6)), "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                                           padding=np.array([0, 0])),
             "flat": nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0, end_dim=-1),
             "fc": nir.Linear(weight=fc), "lif2": _lif((5,))}
    edges = [("input", "conv"), ("conv", "lif1"), ("lif1", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "lif2")]
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False))
    assert net.nodes["lif1"].size == 108 and net.nodes["lif2"].size == 5
    conv = net.projections["input->lif1"]
    m, _ = conv_matrix(w.astype(np.float64), (2, 6, 6), 1, 1)
    assert conv.n_synapses == m.nnz < 108 * 72 // 4
    gain = 10.0 * 1e-4 / np.float64(1e-3)
    np.testing.assert_allclose(net.nodes["lif1"].param("bias"), gain * np.repeat(b.astype(np.float64), 36), rtol=1e-12)
    dense = np.zeros((5, 108))
    p = net.projections["lif1->lif2"]
    dense[p.post_idx, p.pre_idx] = p.weight
    pool, _ = sum_pool_matrix((3, 6, 6), 2)
    np.testing.assert_array_equal(dense, (fc.astype(np.float64) @ pool.toarray()).astype(np.float32))


def test_conv1d_node_and_shape_errors():
    w = RNG.normal(size=(2, 1, 3))
    nodes = {"input": nir.Input(input_type=np.array([1, 10])),
             "conv": nir.Conv1d(input_shape=10, weight=w, stride=2, padding=0, dilation=1, groups=1, bias=np.zeros(2)),
             "lif": _lif((2, 4))}
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=[("input", "conv"), ("conv", "lif")], type_check=False))
    assert net.nodes["lif"].size == 8
    bad = {**nodes, "lif": _lif((2, 5))}
    with pytest.raises(ModelError, match=r"node 'lif' \(LIF\) has 10 neurons, but its input has size 8"):
        load_nir(nir.NIRGraph(nodes=bad, edges=[("input", "conv"), ("conv", "lif")], type_check=False))
    pool = {"input": nir.Input(input_type=np.array([12])), "pool": nir.AvgPool2d(kernel_size=2, stride=2, padding=0),
            "lif": _lif((3,))}
    with pytest.raises(ModelError, match=r"node 'pool' \(AvgPool2d\): 2-D pooling needs a \(C, H, W\) input"):
        load_nir(nir.NIRGraph(nodes=pool, edges=[("input", "pool"), ("pool", "lif")], type_check=False))


def test_conv2d_same_padding_survives_a_file_round_trip(tmp_path):
    w = RNG.normal(size=(2, 1, 3, 3)).astype(np.float32)
    nodes = {"input": nir.Input(input_type=np.array([1, 5, 5])),
             "conv": nir.Conv2d(input_shape=(5, 5), weight=w, stride=1, padding="same", dilation=1, groups=1,
                                bias=np.zeros(2, np.float32)), "lif": _lif((2, 5, 5))}
    nir.write(tmp_path / "c.nir", nir.NIRGraph(nodes=nodes, edges=[("input", "conv"), ("conv", "lif")],
                                               type_check=False))
    net = load_nir(tmp_path / "c.nir")
    (proj,) = net.projections.values()
    m, shape = conv_matrix(w.astype(np.float64), (1, 5, 5), 1, "same")
    assert shape == (2, 5, 5) and proj.n_synapses == m.nnz == 2 * (9 * 9 + 4 * 3 * 6 + 4 * 4)


# -- the snnTorch conv reference -------------------------------------------------------------------
@pytest.fixture(scope="module")
def conv_ref():
    return dict(np.load(DATA / "snntorch_conv.npz"))


@pytest.mark.peer
@pytest.mark.parametrize("sample", range(4))
def test_snntorch_conv_export_reproduces_snntorch_spikes_for_every_layer_and_tick(conv_ref, sample):
    x = conv_ref["inputs"][sample]  # [T, 1, 8, 8]
    net = load_nir(DATA / "snntorch_conv.nir", dialect="snntorch", inputs={"input": x.reshape(x.shape[0], -1)})
    assert (net.nodes["lif1"].size, net.nodes["lif2"].size) == (256, 10)
    result = ns.simulate(net, ticks=x.shape[0], probe=["lif1", "lif2"])
    for layer in ("1", "2"):
        expected = conv_ref[f"spk{layer}"][sample]  # [T, *shape], C order
        got = result.spike_matrix(f"lif{layer}").reshape(expected.shape)
        assert expected.sum() > 30
        assert np.array_equal(got, expected), f"lif{layer}: {int((got != expected).sum())} spikes differ"
        # Membranes agree to float32 rounding only: torch sums the conv/linear in float32 (its own
        # order), neurosim sums W x in float64 and rounds once; |v| < 8 so each rounding is < 1e-6.
        ref_v = conv_ref[f"mem{layer}"][sample].astype(np.float64)
        diff = np.abs(result.state(f"lif{layer}", "v").reshape(ref_v.shape) - ref_v).max()
        assert diff < 1e-5
        # ... and no membrane came within that distance of the threshold, so spike equality is not luck.
        assert np.abs(ref_v - 1.0).min() > diff


def test_run_nir_records_conv_layers_with_their_shape(conv_ref):
    from neurosim.workflows.run import run_nir

    run = run_nir(DATA / "snntorch_conv.nir", {"x": conv_ref["inputs"][:2]}, "loihi_sanafe", dialect="snntorch")
    assert run.outputs["lif1"].shape == (2, 20, 4, 8, 8) and run.outputs["lif2"].shape == (2, 20, 10)
    assert np.array_equal(run.outputs["lif1"], conv_ref["spk1"][:2])
