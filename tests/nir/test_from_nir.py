"""NIR import: the committed snnTorch model spike for spike, the literal dialect, each node type, each error.

The reference files in ``tests/data/nir/`` come from ``tools/make_nir_references.py`` (snnTorch 1.0.0,
torch 2.13 CPU): a 64 -> 40 Leaky -> 10 Leaky network trained on sklearn digits, exported with
``snntorch.export_to_nir``, and snnTorch's own spikes and membranes on 16 rate-coded test digits;
and an untrained 12 -> RLeaky 8 -> Synaptic 5 model with its spikes on 30 random input steps.
"""
import dataclasses
import pathlib

import numpy as np
import pytest

import neurosim as ns
from neurosim import ModelError
from neurosim.nir import load_nir, with_inputs

nir = pytest.importorskip("nir")

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "nir"
MODEL = DATA / "snntorch_ff.nir"
DT = 1e-4


@pytest.fixture(scope="module")
def ref():
    return dict(np.load(DATA / "snntorch_ff.npz"))


# -- the snnTorch reference model ------------------------------------------------------------------
@pytest.mark.peer
@pytest.mark.parametrize("sample", range(16))
def test_snntorch_dialect_reproduces_snntorch_spikes_for_every_layer_and_tick(ref, sample):
    net = load_nir(MODEL, dialect="snntorch", inputs={"input": ref["inputs"][sample]})
    result = ns.simulate(net, ticks=ref["inputs"].shape[1], probe=["lif1", "lif2"])
    for layer in ("1", "2"):
        got = result.spike_matrix(f"lif{layer}")
        expected = ref[f"spk{layer}"][sample]
        assert np.array_equal(got, expected), f"lif{layer}: {int((got != expected).sum())} spikes differ"
        # Membranes agree to float32 rounding, not bit for bit: snnTorch rounds W x + b once in a float32
        # matmul, neurosim sums W x in float64, rounds once to float32 and adds the bias after the leak
        # (docs/semantics.md section 7). Each rounding is <= 1 ulp of |v| < 8, i.e. < 1e-6 per tick.
        got_v = result.state(f"lif{layer}", "v")
        ref_v = ref[f"mem{layer}"][sample].astype(np.float64)
        diff = np.abs(got_v - ref_v).max()
        assert diff < 1e-5
        # ... and no membrane came close enough to the threshold for that rounding to flip a spike,
        # so the spike equality above is not luck of summation order.
        assert np.abs(ref_v - 1.0).min() > diff


@pytest.mark.peer
def test_snntorch_recurrent_and_synaptic_export_reproduces_snntorch_spikes():
    """RLeaky exported flat (rlif1.lif <-> rlif1.w_rec, recurrent bias from t = 0) and Synaptic
    (CubaLIF, current then voltage) behind an Affine with a bias."""
    ref = np.load(DATA / "snntorch_rnn.npz")
    net = load_nir(DATA / "snntorch_rnn.nir", dialect="snntorch", inputs=ref["inputs"])
    assert net.projections["rlif1.lif->rlif1.lif"].delay.max() == 1
    assert net.nodes["syn"].model.name == "cuba_lif" and np.any(net.nodes["syn"].param("bias_in") != 0)
    result = ns.simulate(net, ticks=ref["inputs"].shape[0], probe=["rlif1.lif", "syn"])
    for pop, layer in (("rlif1.lif", "1"), ("syn", "2")):
        expected = ref[f"spk{layer}"]
        assert expected.sum() > 20 and np.array_equal(result.spike_matrix(pop), expected), pop
        diff = np.abs(result.state(pop, "v") - ref[f"mem{layer}"]).max()
        assert diff < 1e-5 and np.abs(ref[f"mem{layer}"] - 1.0).min() > diff


def test_snntorch_dialect_recovers_beta_and_unit_gain_bit_for_bit(ref):
    net = load_nir(MODEL, dialect="snntorch")
    for layer in ("1", "2"):
        pop = net.nodes[f"lif{layer}"]
        assert np.array_equal(pop.param("beta"), ref[f"beta{layer}"].astype(np.float64))
        assert np.all(pop.param("gain") == 1.0)
        assert pop.param("reset")[0] == 2  # subtract_next
    assert list(net.nodes) == ["input", "lif1", "lif2"]
    assert {p.delay.max() for p in net.projections.values()} == {0}


def _literal_ff(graph, x, dt=DT):
    """The NIR spec read literally in float64 numpy: Euler, reset to v_reset, strict >."""
    for fc, lif in (("fc1", "lif1"), ("fc2", "lif2")):
        a, n = graph.nodes[fc], graph.nodes[lif]
        w, b = a.weight.astype(np.float64), a.bias.astype(np.float64)
        tau, r, v_leak, v_th, v_reset = (getattr(n, f).astype(np.float64)
                                         for f in ("tau", "r", "v_leak", "v_threshold", "v_reset"))
        v = np.zeros(w.shape[0])
        spikes = []
        for t in range(x.shape[0]):
            v = v + dt / tau * (v_leak - v + r * (w @ x[t] + b))
            s = v > v_th
            v = np.where(s, v_reset, v)
            spikes.append(s)
        x = np.array(spikes, dtype=np.float64)
        yield lif, x


@pytest.mark.parametrize("sample", [0, 5, 11])
def test_nir_dialect_matches_a_literal_numpy_reading_of_the_file(ref, sample):
    graph = nir.read(MODEL)
    x = ref["inputs"][sample].astype(np.float64)
    result = ns.simulate(load_nir(MODEL, dialect="nir", inputs={"input": x}), ticks=x.shape[0])
    for lif, expected in _literal_ff(graph, x):
        assert np.array_equal(result.spike_matrix(lif), expected), lif


def test_the_two_dialects_differ_on_the_same_file(ref):
    x = ref["inputs"][0]
    spikes = {d: ns.simulate(load_nir(MODEL, dialect=d, inputs=x), ticks=20).spike_matrix("lif1")
              for d in ("nir", "snntorch")}
    assert not np.array_equal(spikes["nir"], spikes["snntorch"])


def test_with_inputs_swaps_the_data_and_keeps_everything_else(ref):
    template = load_nir(MODEL, dialect="snntorch")
    assert template.nodes["input"].data.shape == (0, 64)
    fed = with_inputs(template, {"input": ref["inputs"][3]})
    assert list(fed.nodes) == list(template.nodes)
    assert fed.projections == template.projections
    assert fed.nodes["lif1"] is template.nodes["lif1"]
    got = ns.simulate(fed, ticks=20).spike_matrix("lif2")
    assert np.array_equal(got, ref["spk2"][3])


# -- hand-made graphs, one per node type -------------------------------------------------------------
RNG = np.random.default_rng(7)
X = (RNG.random((40, 3)) < 0.5).astype(np.float64)
W = RNG.normal(0.6, 0.5, (4, 3)).astype(np.float32)
B = RNG.normal(0.05, 0.05, 4).astype(np.float32)
N4 = np.ones(4, dtype=np.float32)


def _chain(neuron, *, bias=True):
    fc = nir.Affine(weight=W, bias=B) if bias else nir.Linear(weight=W)
    return nir.NIRGraph.from_list(nir.Input(input_type=np.array([3])), fc, neuron,
                                  nir.Output(output_type=np.array([4])))


def _roundtrip(tmp_path, graph, **kw):
    path = tmp_path / "g.nir"
    nir.write(path, graph)
    return load_nir(path, inputs={"input": X}, **kw)


def _drive(bias=True):
    return np.array([W.astype(np.float64) @ x + (B.astype(np.float64) if bias else 0) for x in X])


def _lif_literal(tau, r, v_leak, v_th, v_reset):
    v, out = np.zeros(4), []
    for i in _drive():
        v = v + DT / tau * (v_leak - v + r * i)
        s = v > v_th
        v = np.where(s, v_reset, v)
        out.append(s)
    return np.array(out, dtype=float)


def _names(net):
    return [k for k in net.nodes if k != "input"]


def test_lif_node(tmp_path):
    tau, r, v_leak, v_th, v_reset = 1e-3 * N4 * [1, 2, 3, 4], 10 * N4, 0.05 * N4, N4, -0.1 * N4
    net = _roundtrip(tmp_path, _chain(nir.LIF(tau=tau, r=r, v_leak=v_leak, v_threshold=v_th, v_reset=v_reset)))
    (pop,) = _names(net)
    assert net.nodes[pop].model.name == "lif"
    np.testing.assert_allclose(net.nodes[pop].param("beta"), 1 - DT / tau.astype(float))
    got = ns.simulate(net, ticks=40).spike_matrix(pop)
    expected = _lif_literal(*(a.astype(float) for a in (tau, r, v_leak, v_th, v_reset)))
    assert expected.sum() > 10 and np.array_equal(got, expected)


def test_cubalif_node(tmp_path):
    ts, tm, r, w_in, v_th = 5e-4 * N4, 1e-3 * N4, 10 * N4, 2 * N4, N4
    node = nir.CubaLIF(tau_syn=ts, tau_mem=tm, r=r, v_leak=0 * N4, v_threshold=v_th, v_reset=0 * N4, w_in=w_in)
    net = _roundtrip(tmp_path, _chain(node, bias=False))
    (pop,) = _names(net)
    assert net.nodes[pop].model.name == "cuba_lif"
    i, v, out = np.zeros(4), np.zeros(4), []
    for s_in in _drive(bias=False):
        i = i + DT / ts * (-i + w_in * s_in)
        v = v + DT / tm * (-v + r * i)
        s = v > v_th
        v = np.where(s, 0.0, v)
        out.append(s)
    got = ns.simulate(net, ticks=40).spike_matrix(pop)
    assert np.sum(out) > 10 and np.array_equal(got, np.array(out, dtype=float))


def test_if_node(tmp_path):
    r, v_th = 2000 * N4, 0.5 * N4
    net = _roundtrip(tmp_path, _chain(nir.IF(r=r, v_threshold=v_th, v_reset=0 * N4)))
    (pop,) = _names(net)
    assert net.nodes[pop].model.name == "if"
    v, out = np.zeros(4), []
    for i in _drive():
        v = v + DT * 2000 * i
        s = v > 0.5
        v = np.where(s, 0.0, v)
        out.append(s)
    got = ns.simulate(net, ticks=40).spike_matrix(pop)
    assert np.sum(out) > 10 and np.array_equal(got, np.array(out, dtype=float))


def test_if_node_in_the_snntorch_dialect_is_a_lif_without_leak(tmp_path):
    net = _roundtrip(tmp_path, _chain(nir.IF(r=1e4 * N4, v_threshold=N4, v_reset=0 * N4)), dialect="snntorch")
    (pop,) = _names(net)
    assert net.nodes[pop].model.name == "lif"
    assert np.all(net.nodes[pop].param("beta") == 1.0) and np.all(net.nodes[pop].param("gain") == 1.0)


def test_li_node(tmp_path):
    tau, r, v_leak = 1e-3 * N4, 5 * N4, 0.1 * N4
    net = _roundtrip(tmp_path, _chain(nir.LI(tau=tau, r=r, v_leak=v_leak)))
    (pop,) = _names(net)
    assert net.nodes[pop].model.name == "li"
    tau, r, v_leak = (a.astype(np.float64) for a in (tau, r, v_leak))  # as stored in the file
    v, expected = np.zeros(4), []
    for i in _drive():
        v = v + DT / tau * (v_leak - v + r * i)
        expected.append(v)
    got = ns.simulate(net, ticks=40, probe=[pop]).state(pop, "v")
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_integrator_node(tmp_path):
    net = _roundtrip(tmp_path, _chain(nir.I(r=300 * N4)))
    (pop,) = _names(net)
    assert net.nodes[pop].model.name == "integrator"
    expected = np.cumsum(DT * 300 * _drive(), axis=0)
    got = ns.simulate(net, ticks=40, probe=[pop]).state(pop, "v")
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def _lif(n=4, tau=1e-3, r=10.0):
    one = np.ones(n, dtype=np.float32)
    return nir.LIF(tau=tau * one, r=r * one, v_leak=0 * one, v_threshold=one, v_reset=0 * one)


def test_stateless_chains_fold_into_one_projection_and_fan_in_sums():
    w2 = RNG.normal(0, 1, (4, 4)).astype(np.float32)
    s = np.array([1, -2, 0.5, 3], dtype=np.float32)
    b2 = np.full(4, 0.25, dtype=np.float32)
    nodes = {"input": nir.Input(input_type=np.array([3])), "a": nir.Affine(weight=W, bias=B),
             "sc": nir.Scale(scale=s), "lin": nir.Linear(weight=w2), "side": nir.Affine(weight=W, bias=b2),
             "lif": _lif()}
    edges = [("lin", "lif"), ("sc", "lin"), ("side", "lif"), ("a", "sc"), ("input", "a"), ("input", "side")]
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False))
    (proj,) = net.projections.values()
    dense = np.zeros((4, 3))
    dense[proj.post_idx, proj.pre_idx] = proj.weight
    w64 = W.astype(np.float64)
    expected = w2.astype(np.float64) @ (s[:, None] * w64) + w64
    np.testing.assert_array_equal(dense, expected.astype(np.float32))
    gain = 10.0 * DT / np.float64(np.float32(1e-3))  # r dt / tau, tau as stored (float32)
    expected_bias = gain * (w2.astype(np.float64) @ (s * B.astype(np.float64)) + b2)
    np.testing.assert_allclose(net.nodes["lif"].param("bias"), expected_bias, rtol=1e-12)


def _rnn_literal(x, w1, w_rec, b_rec, tau, r):
    v, s, out = np.zeros(4), np.zeros(4), []
    for xt in x:
        i = w1 @ xt + w_rec @ s + b_rec  # the feedback is the previous step's spikes; bias from t = 0
        v = v + DT / tau * (-v + r * i)
        s = (v > 1.0).astype(float)
        v = np.where(s > 0, 0.0, v)
        out.append(s)
    return np.array(out)


W_REC = RNG.normal(0, 0.6, (4, 4)).astype(np.float32)
B_REC = np.full(4, 0.02, dtype=np.float32)


def test_flattened_rleaky_cycle_gets_a_one_tick_delay():
    nodes = {"input": nir.Input(input_type=np.array([3])), "fc1": nir.Linear(weight=W), "rlif1.lif": _lif(),
             "rlif1.w_rec": nir.Affine(weight=W_REC, bias=B_REC), "output": nir.Output(output_type=np.array([4]))}
    edges = [("rlif1.lif", "output"), ("rlif1.w_rec", "rlif1.lif"), ("fc1", "rlif1.lif"),
             ("rlif1.lif", "rlif1.w_rec"), ("input", "fc1")]
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=edges), inputs=X)
    assert net.projections["rlif1.lif->rlif1.lif"].delay.tolist() == [1] * 16
    assert net.projections["input->rlif1.lif"].delay.max() == 0
    got = ns.simulate(net, ticks=40).spike_matrix("rlif1.lif")
    expected = _rnn_literal(X, W.astype(float), W_REC.astype(float), B_REC.astype(float), 1e-3, 10.0)
    assert expected.sum() > 10 and np.array_equal(got, expected)


def test_nested_subgraph_is_inlined():
    sub = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([4])), "lif": _lif(),
               "w_rec": nir.Affine(weight=W_REC, bias=B_REC), "output": nir.Output(output_type=np.array([4]))},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")], type_check=False)
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([3])), "fc1": nir.Linear(weight=W),
                                "rlif1": sub, "output": nir.Output(output_type=np.array([4]))},
                         edges=[("input", "fc1"), ("fc1", "rlif1"), ("rlif1", "output")], type_check=False)
    net = load_nir(graph, inputs={"input": X})
    assert list(net.nodes) == ["input", "rlif1.lif"]
    got = ns.simulate(net, ticks=40).spike_matrix("rlif1.lif")
    expected = _rnn_literal(X, W.astype(float), W_REC.astype(float), B_REC.astype(float), 1e-3, 10.0)
    assert np.array_equal(got, expected)


def _affine_lif_file(path: pathlib.Path, output_shape) -> pathlib.Path:
    """Input(4) -> Affine -> LIF(3) -> Output, with the Output's stored shape replaced by ``output_shape``."""
    import h5py

    graph = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([4])),
               "fc": nir.Affine(weight=np.eye(3, 4, dtype=np.float32) * 2, bias=np.zeros(3, np.float32)),
               "lif": nir.LIF(tau=np.full(3, 0.01), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3)),
               "output": nir.Output(output_type=np.array([3]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")])
    nir.write(path, graph)
    with h5py.File(path, "r+") as f:
        del f["node/nodes/output/shape"]
        f["node/nodes/output/shape"] = np.asarray(output_shape)
    return path


def test_a_file_failing_nirs_type_inference_is_read_unchecked_with_a_warning(tmp_path):
    # Shapes written with a batch dimension, as some pre-1.0 exporters did: nir.read refuses the file.
    path = _affine_lif_file(tmp_path / "old.nir", [1, 3])
    with pytest.raises(ValueError, match="Type inference error"):
        nir.read(path)
    with pytest.warns(UserWarning, match="read without nir's type check"):
        net = load_nir(path, inputs=np.ones((6, 4)))
    expected = load_nir(_affine_lif_file(tmp_path / "new.nir", [3]), inputs=np.ones((6, 4)))
    got, want = ns.simulate(net, 6), ns.simulate(expected, 6)
    assert want.spike_ids.size > 0 and np.array_equal(got.spike_ids, want.spike_ids)


# -- errors -------------------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match=r"NIR file '.*nope.nir' does not exist"):
        load_nir(tmp_path / "nope.nir")


def test_not_hdf5(tmp_path):
    path = tmp_path / "text.nir"
    path.write_text("not a model")
    with pytest.raises(ModelError, match=r"'.*text.nir' is not a NIR file: not HDF5"):
        load_nir(path)


def test_unknown_node_type_names_the_node_and_the_supported_types():
    @dataclasses.dataclass(eq=False)
    class Conv3d(nir.NIRNode):  # not a NIR 1.0.8 primitive
        weight: np.ndarray

    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([4])), "c": Conv3d(weight=np.ones(4)),
                                "lif": _lif()}, edges=[("input", "c"), ("c", "lif")], type_check=False)
    with pytest.raises(ModelError, match=r"node 'c' has type Conv3d, which load_nir does not support yet; "
                                         r"supported: Input, Output, Affine, Linear, Scale, Delay, LIF, CubaLIF, IF, "
                                         r"LI, I, CubaLI, Threshold, NIRGraph, Conv1d"):
        load_nir(graph)


def test_shape_mismatch_names_the_node():
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([5])), "fc": nir.Linear(weight=W),
                                "lif": _lif()}, edges=[("input", "fc"), ("fc", "lif")], type_check=False)
    with pytest.raises(ModelError, match=r"node 'fc' \(Linear\): weight has shape \(4, 3\) \(input size 3\), "
                                         r"but its input has shape \(5,\): it applies to the last dimension$"):
        load_nir(graph)


def test_neuron_count_mismatch_names_the_node():
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([3])), "fc": nir.Linear(weight=W),
                                "lif": _lif(n=6)}, edges=[("input", "fc"), ("fc", "lif")], type_check=False)
    with pytest.raises(ModelError, match=r"node 'lif' \(LIF\) has 6 neurons, but its input has size 4"):
        load_nir(graph)


def test_zero_delay_cycle_of_stateless_nodes():
    w = np.eye(4, dtype=np.float32)
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([4])), "a": nir.Linear(weight=w),
                                "b": nir.Linear(weight=w), "lif": _lif()},
                         edges=[("input", "a"), ("a", "b"), ("b", "a"), ("a", "lif")], type_check=False)
    with pytest.raises(ModelError, match=r"zero-delay cycle through stateless nodes a -> b -> a: "
                                         r"a cycle needs a neuron in it"):
        load_nir(graph)


def test_readout_feeding_a_layer_is_refused():
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([4])), "li": nir.LI(tau=N4, r=N4, v_leak=0 * N4),
                                "fc": nir.Linear(weight=np.eye(4, dtype=np.float32)), "lif": _lif()},
                         edges=[("input", "li"), ("li", "fc"), ("fc", "lif")], type_check=False)
    with pytest.raises(ModelError, match=r"node 'li' \(LI\) outputs a potential, not spikes"):
        load_nir(graph)


def test_unknown_dialect():
    with pytest.raises(ModelError, match=r"unknown NIR dialect 'snntorhc'; supported: nir, snntorch, norse, "
                                         r"norse-1.1, spikingjelly, sinabs, rockpool, rockpool-single$"):
        load_nir(MODEL, dialect="snntorhc")


def test_input_errors(ref):
    with pytest.raises(ModelError, match=r"inputs\['input'\]: shape \(20, 63\), expected \[T, 64\]"):
        load_nir(MODEL, inputs={"input": np.zeros((20, 63))})
    with pytest.raises(ModelError, match=r"inputs: no input source named 'x' \(inputs: input\)"):
        load_nir(MODEL, inputs={"x": ref["inputs"][0]})
