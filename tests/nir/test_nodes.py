"""NIR nodes beyond the neuron basics: ``Threshold``, ``CubaLI``, ``Delay``, ``Affine`` on a
multi-dimensional input; each on a hand-built graph against a literal numpy reading of the spec."""
import numpy as np
import pytest

import neurosim as ns
from neurosim import ModelError
from neurosim.nir import load_nir

nir = pytest.importorskip("nir")

DT = 1e-4
RNG = np.random.default_rng(11)
X = (RNG.random((40, 3)) < 0.5).astype(np.float64)
W = RNG.normal(0.6, 0.5, (4, 3)).astype(np.float32)
B = RNG.normal(0.05, 0.05, 4).astype(np.float32)
N4 = np.ones(4, dtype=np.float32)


def _lif(n=4):
    one = np.ones(n, dtype=np.float32)
    return nir.LIF(tau=1e-3 * one, r=10 * one, v_leak=0 * one, v_threshold=one, v_reset=0 * one)


def _lif_literal(drive, tau=1e-3, r=10.0, v_th=1.0):
    v, out = np.zeros(drive.shape[1]), []
    for i in drive:
        v = v + DT / tau * (-v + r * i)
        s = v > v_th
        v = np.where(s, 0.0, v)
        out.append(s)
    return np.array(out, dtype=float)


# -- Threshold --------------------------------------------------------------------------------------
def test_threshold_node_is_a_stateless_heaviside():
    theta = np.array([0.5, 0.8, 1.0, 0.3], dtype=np.float32)
    w2 = RNG.normal(0.8, 0.3, (4, 4)).astype(np.float32)
    graph = nir.NIRGraph.from_list(nir.Input(input_type=np.array([3])), nir.Affine(weight=W, bias=B),
                                   nir.Threshold(threshold=theta), nir.Linear(weight=w2), _lif(),
                                   nir.Output(output_type=np.array([4])))
    net = load_nir(graph, inputs=X)
    th, lif = [k for k in net.nodes if k != "input"]
    result = ns.simulate(net, ticks=40)
    drive = X @ W.T.astype(np.float64) + B.astype(np.float64)
    z = (drive > theta.astype(np.float64)).astype(float)  # z = H(x - threshold), strict
    assert 20 < z.sum() < z.size - 20 and np.array_equal(result.spike_matrix(th), z)
    assert np.array_equal(result.spike_matrix(lif), _lif_literal(z @ w2.T.astype(np.float64)))


# -- CubaLI -----------------------------------------------------------------------------------------
def test_cubali_node_is_a_non_spiking_current_based_readout():
    ts, tm, r, w_in, v_leak = 5e-4 * N4, 1e-3 * N4 * [1, 2, 3, 4], 10 * N4, 2 * N4, 0.1 * N4
    graph = nir.NIRGraph.from_list(nir.Input(input_type=np.array([3])), nir.Affine(weight=W, bias=B),
                                   nir.CubaLI(tau_syn=ts, tau_mem=tm, r=r, v_leak=v_leak, w_in=w_in),
                                   nir.Output(output_type=np.array([4])))
    net = load_nir(graph, inputs=X)
    (pop,) = [k for k in net.nodes if k != "input"]
    assert net.nodes[pop].model.name == "cuba_li" and not net.nodes[pop].model.spiking
    ts, tm, r, w_in, v_leak = (a.astype(np.float64) for a in (ts, tm, r, w_in, v_leak))
    i, v, expected = np.zeros(4), np.zeros(4), []
    for x in X @ W.T.astype(np.float64) + B.astype(np.float64):
        i = i + DT / ts * (-i + w_in * x)
        v = v + DT / tm * (v_leak - v + r * i)
        expected.append(v)
    got = ns.simulate(net, ticks=40, probe=[pop]).state(pop, "v")
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_cubali_feeding_a_layer_is_refused():
    graph = nir.NIRGraph.from_list(nir.Input(input_type=np.array([4])),
                                   nir.CubaLI(tau_syn=N4, tau_mem=N4, r=N4, v_leak=0 * N4),
                                   nir.Linear(weight=np.eye(4, dtype=np.float32)), _lif())
    with pytest.raises(ModelError, match=r"node 'cubali' \(CubaLI\) outputs a potential, not spikes"):
        load_nir(graph)


# -- Delay ------------------------------------------------------------------------------------------
def test_delay_node_becomes_synaptic_delays_per_target_neuron():
    ticks = np.array([0, 1, 3, 3])
    graph = nir.NIRGraph.from_list(nir.Input(input_type=np.array([3])), nir.Linear(weight=W),
                                   nir.Delay(delay=ticks * DT), _lif(), nir.Output(output_type=np.array([4])))
    net = load_nir(graph, inputs=X)
    (proj,) = net.projections.values()
    assert np.array_equal(proj.delay, ticks[proj.post_idx])
    (pop,) = [k for k in net.nodes if k != "input"]
    drive = X @ W.T.astype(np.float64)
    delayed = np.stack([np.concatenate([np.zeros(d), drive[:len(drive) - d, n]]) for n, d in enumerate(ticks)], 1)
    expected = _lif_literal(delayed)
    assert expected.sum() > 10 and not np.array_equal(expected, _lif_literal(drive))
    assert np.array_equal(ns.simulate(net, ticks=40).spike_matrix(pop), expected)


def test_delay_on_a_cycle_replaces_the_implicit_one_step_delay():
    w_rec = np.eye(4, dtype=np.float32) * 0.5
    nodes = {"input": nir.Input(input_type=np.array([3])), "fc": nir.Linear(weight=W), "lif": _lif(),
             "rec": nir.Linear(weight=w_rec), "d": nir.Delay(delay=np.full(4, 2 * DT))}
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "d"), ("d", "lif")]
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), inputs=X)
    assert net.projections["lif->lif"].delay.tolist() == [2] * 4


def test_paths_with_different_delays_between_one_pair_share_a_projection():
    nodes = {"input": nir.Input(input_type=np.array([3])), "a": nir.Linear(weight=W), "b": nir.Linear(weight=W),
             "d": nir.Delay(delay=np.full(4, 2 * DT)), "lif": _lif()}
    edges = [("input", "a"), ("a", "lif"), ("input", "b"), ("b", "d"), ("d", "lif")]
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), inputs=X)
    (proj,) = net.projections.values()
    assert sorted(np.unique(proj.delay)) == [0, 2] and proj.delay.size == 2 * np.count_nonzero(W)
    drive = X @ W.T.astype(np.float64)
    expected = _lif_literal(drive + np.concatenate([np.zeros((2, 4)), drive[:-2]]))
    assert np.array_equal(ns.simulate(net, ticks=40).spike_matrix("lif"), expected)


@pytest.mark.parametrize("delay, message", [(1.5 * DT, r"delay 0.00015 is not a whole non-negative number of time "
                                                       r"steps dt = 0.0001"),
                                            (-DT, r"delay -0.0001 is not a whole")])
def test_delay_must_be_whole_ticks(delay, message):
    graph = nir.NIRGraph.from_list(nir.Input(input_type=np.array([3])), nir.Linear(weight=W),
                                   nir.Delay(delay=np.full(4, delay)), _lif())
    with pytest.raises(ModelError, match=r"node 'delay' \(Delay\): " + message):
        load_nir(graph)


# -- Affine on a multi-dimensional input ------------------------------------------------------------
def test_affine_acts_on_the_last_dimension_of_a_multi_dimensional_input():
    """NIR Affine = PyTorch Linear (nirtorch): y[c, :] = W x[c, :] + b for an input of shape (C, N)."""
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2, 3])), "fc": nir.Affine(weight=W, bias=B),
                                "lif": _lif(8)},
                         edges=[("input", "fc"), ("fc", "lif")], type_check=False)
    x = (RNG.random((40, 6)) < 0.5).astype(np.float64)  # [T, 2 * 3] in C order
    net = load_nir(graph, inputs=x)
    drive = np.concatenate([x[:, :3] @ W.T.astype(np.float64), x[:, 3:] @ W.T.astype(np.float64)], 1)
    gain = 10 * DT / np.float64(np.float32(1e-3))
    np.testing.assert_allclose(net.nodes["lif"].param("bias"), gain * np.tile(B.astype(np.float64), 2), rtol=1e-12)
    assert np.array_equal(ns.simulate(net, ticks=40).spike_matrix("lif"),
                          _lif_literal(drive + np.tile(B.astype(np.float64), 2)))


def test_affine_on_an_input_it_only_fits_flattened_asks_for_a_flatten():
    graph = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([3, 2])),
                                "fc": nir.Linear(weight=np.ones((4, 6), dtype=np.float32)), "lif": _lif()},
                         edges=[("input", "fc"), ("fc", "lif")], type_check=False)
    with pytest.raises(ModelError, match=r"node 'fc' \(Linear\): weight has shape \(4, 6\) \(input size 6\), but its "
                                         r"input has shape \(3, 2\): it applies to the last dimension \(insert a "
                                         r"Flatten to apply it to the flattened input\)"):
        load_nir(graph)
