"""NIR export: Network -> to_nir -> nir.write -> load_nir (same dialect) is the same network, spike for
spike and membrane for membrane; every error names the population or projection and the reason."""
import pathlib

import numpy as np
import pytest

import neurosim as ns
from neurosim import ModelError
from neurosim.nir import load_nir, save_nir, to_nir

nir = pytest.importorskip("nir")

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "nir"
T = 60
RNG = np.random.default_rng(11)
X = (RNG.random((T, 5)) < 0.4).astype(np.float64)
W_IN = RNG.normal(0.5, 0.5, (6, 5))
W_OUT = RNG.normal(0.5, 0.5, (4, 6))
W_REC = RNG.normal(0.0, 0.5, (4, 4))
W_BACK = RNG.normal(0.0, 0.3, (6, 4))

F64 = dict(precision="float64")
F32 = dict(precision="float32")
RESET = {"nir": "value", "snntorch": "subtract_next"}
PREC = {"nir": F64, "snntorch": F32}


def _hidden(model, dialect):
    """Parameters of a 6-neuron hidden population of ``model`` in ``dialect`` (per-neuron arrays)."""
    n6 = np.ones(6)
    spiking = dict(v_th=n6 * [0.8, 0.9, 1.0, 1.1, 1.2, 1.0], reset=RESET[dialect], **PREC[dialect])
    if model == "lif":
        # snnTorch has no input gain (1); in float32 not every gain is r * dt / tau for some r and tau
        # (e.g. 0.7 with beta 0.7 comes back 1 ulp off), see docs/nir.md
        gain = 0.7 if dialect == "nir" else 1.0
        return dict(beta=n6 * [0.9, 0.8, 0.95, 0.7, 0.9, 0.5], gain=gain * n6, v_leak=0.01 * n6,
                    v_reset=-0.05 * n6, bias=0.03 * n6, **spiking)
    if model == "lif_no_leak":  # exported as IF
        return dict(beta=1.0, gain=0.3 * n6, bias=0.02 * n6, v_reset=0.1 * n6, **spiking)
    if model == "cuba_lif":
        return dict(alpha=n6 * [0.5, 0.6, 0.8, 0.7, 0.5, 0.9], beta=0.9 * n6, gain_syn=n6 * 0.8, gain=0.6 * n6,
                    v_leak=0.0 * n6, v_reset=0.02 * n6, bias_in=0.05 * n6, **spiking)
    if model == "if":
        return dict(gain=0.4 * n6, bias=0.01 * n6, v_reset=0.0, **spiking)
    raise AssertionError(model)


def _network(model, dialect, readout=None, source="array"):
    """input(5) -> hidden(6, model) -> out(4, lif, self-recurrent with delay 1) [-> readout(3)]."""
    net = ns.Network("t")
    if source == "array":
        net.spike_array("in", X)
    elif source == "times":
        t, i = np.nonzero(X)
        net.spike_times("in", 5, t, i)
    else:
        net.poisson("in", 5, p=0.3, seed=3)
    hidden_model = "lif" if model == "lif_no_leak" else model
    net.population("hid", 6, hidden_model, **_hidden(model, dialect))
    net.population("out", 4, "lif", beta=0.85, v_th=1.0, gain=1.3, reset=RESET[dialect], **PREC[dialect])
    net.connect("in", "hid", W_IN)
    net.connect("hid", "out", W_OUT)
    net.connect("out", "out", W_REC, delays=1)
    if readout == "li":
        net.population("ro", 3, "li", beta=[0.9, 0.5, 0.99], gain=[0.5, 1.0, 2.0], v_leak=0.1, bias=0.01,
                       **PREC[dialect])
    elif readout == "integrator":
        net.population("ro", 3, "integrator", gain=[0.5, 1.0, 2.0], bias=-0.01, **PREC[dialect])
    elif readout == "li_no_leak":  # exported as I
        net.population("ro", 3, "li", beta=1.0, gain=[0.5, 1.0, 2.0], **PREC[dialect])
    elif readout == "cuba_li":
        net.population("ro", 3, "cuba_li", alpha=[0.5, 0.8, 0.9], beta=[0.9, 0.5, 0.99], gain_syn=[1.0, 0.5, 2.0],
                       gain=[0.5, 1.0, 2.0], v_leak=0.1, bias_in=0.02, **PREC[dialect])
    if readout:
        net.connect("out", "ro", RNG.normal(0, 1, (3, 4)))
    return net


def _roundtrip(tmp_path, net, dialect, inputs=None):
    path = tmp_path / "m.nir"
    nir.write(path, to_nir(net, dialect=dialect))
    if inputs is None:
        src = net.nodes["in"]
        if isinstance(src, ns.SpikeArray):
            inputs = src.data
        else:
            inputs = np.zeros((T, src.size))
            t, i, v = src.events(0, T)
            inputs[t, i] = v
    return load_nir(path, dialect=dialect, inputs={"in": inputs})


def _assert_same(a, b, pops, ticks=T):
    ra = ns.simulate(a, ticks, probe=pops)
    rb = ns.simulate(b, ticks, probe=pops)
    total = 0
    for p in pops:
        model = a.nodes[p].model
        if model.name not in ("li", "integrator"):
            sa = ra.spike_matrix(p)
            assert np.array_equal(sa, rb.spike_matrix(p)), p
            total += sa.sum()
        for var in model.state_names if hasattr(model, "state_names") else ("v",):
            if var == "s_prev":
                continue
            assert np.array_equal(ra.state(p, var), rb.state(p, var)), (p, var)
    return total


CASES = [("nir", m) for m in ("lif", "lif_no_leak", "cuba_lif", "if")] + \
        [("snntorch", m) for m in ("lif", "lif_no_leak", "cuba_lif")]


@pytest.mark.parametrize("dialect,model", CASES)
def test_roundtrip_gives_identical_spikes_and_membranes(tmp_path, dialect, model):
    net = _network(model, dialect)
    back = _roundtrip(tmp_path, net, dialect)
    assert list(back.nodes) == ["in", "hid", "out"]
    assert back.projections["out->out"].delay.max() == 1
    assert {p.delay.max() for k, p in back.projections.items() if k != "out->out"} == {0}
    # the mapping is exact: every parameter comes back bit for bit (in the dialect's precision)
    f = np.float32 if dialect == "snntorch" else np.float64
    for pop in ("hid", "out"):
        a, b = net.nodes[pop], back.nodes[pop]
        names = [n for n in a.model.param_names if n in b.model.param_names and n != "v_leak"]
        for name in names:
            assert np.array_equal(a.param(name).astype(f), b.param(name).astype(f)), (pop, name)
    assert _assert_same(net, back, ["hid", "out"]) > 20


@pytest.mark.parametrize("dialect", ["nir", "snntorch"])
@pytest.mark.parametrize("readout", ["li", "integrator", "li_no_leak", "cuba_li"])
def test_readouts_roundtrip_with_equal_potentials(tmp_path, dialect, readout):
    net = _network("lif", dialect, readout=readout)
    back = _roundtrip(tmp_path, net, dialect)
    kind = {"li": "li", "integrator": "integrator", "li_no_leak": "integrator", "cuba_li": "cuba_li"}[readout]
    assert back.nodes["ro"].model.name == kind
    _assert_same(net, back, ["hid", "out", "ro"])


@pytest.mark.parametrize("source", ["times", "poisson"])
def test_spike_times_and_poisson_sources_become_input_nodes(tmp_path, source):
    net = _network("lif", "nir", source=source)
    graph = to_nir(net)
    assert type(graph.nodes["in"]).__name__ == "Input" and list(graph.nodes["in"].input_type["input"]) == [5]
    back = _roundtrip(tmp_path, net, "nir")
    _assert_same(net, back, ["hid", "out"])


def test_graph_structure(tmp_path):
    graph = to_nir(_network("lif", "nir", readout="li"))
    kinds = {k: type(v).__name__ for k, v in graph.nodes.items()}
    assert kinds == {"in": "Input", "hid": "LIF", "out": "LIF", "ro": "LI", "in->hid": "Affine",
                     "hid->out": "Linear", "out->out": "Linear", "out->ro": "Affine", "output_ro": "Output"}
    assert sorted(graph.edges) == sorted([("in", "in->hid"), ("in->hid", "hid"), ("hid", "hid->out"),
                                          ("hid->out", "out"), ("out", "out->out"), ("out->out", "out"),
                                          ("out", "out->ro"), ("out->ro", "ro"), ("ro", "output_ro")])
    np.testing.assert_array_equal(graph.nodes["in->hid"].weight, W_IN.astype(np.float32))
    # the population's bias travels as the Affine bias divided by the gain (0.7 * dt / tau), tau = dt / (1 - beta)
    np.testing.assert_allclose(graph.nodes["in->hid"].bias, 0.03 / 0.7, rtol=1e-12)
    np.testing.assert_allclose(graph.nodes["hid"].tau, 1e-4 / (1 - np.array([0.9, 0.8, 0.95, 0.7, 0.9, 0.5])),
                               rtol=1e-12)
    # a population feeding only itself still gets an Output node (NIR needs an exit from the cycle)
    g2 = to_nir(_network("lif", "nir"))
    assert ("out", "output_out") in g2.edges


def test_two_population_cycle_with_delay_one_back_edge(tmp_path):
    net = _network("lif", "nir")
    net.connect("out", "hid", W_BACK, delays=1)
    back = _roundtrip(tmp_path, net, "nir")
    assert back.projections["out->hid"].delay.max() == 1 and back.projections["hid->out"].delay.max() == 0
    assert _assert_same(net, back, ["hid", "out"]) > 20


def test_save_nir_writes_a_file_load_nir_reads(tmp_path):
    net = _network("cuba_lif", "snntorch")
    save_nir(net, tmp_path / "x.nir", dialect="snntorch")
    back = load_nir(tmp_path / "x.nir", dialect="snntorch", inputs={"in": X})
    _assert_same(net, back, ["hid", "out"])


@pytest.mark.parametrize("sample", [0, 7])
def test_committed_snntorch_model_roundtrips(tmp_path, sample):
    ref = np.load(DATA / "snntorch_ff.npz")
    x = ref["inputs"][sample]
    net = load_nir(DATA / "snntorch_ff.nir", dialect="snntorch", inputs={"input": x})
    path = tmp_path / "again.nir"
    save_nir(net, path, dialect="snntorch")
    back = load_nir(path, dialect="snntorch", inputs={"input": x})
    assert list(back.nodes) == list(net.nodes)
    for k in ("lif1", "lif2"):
        for name in net.nodes[k].model.param_names:
            assert np.array_equal(net.nodes[k].param(name), back.nodes[k].param(name)), (k, name)
    ticks = x.shape[0]
    _assert_same(net, back, ["lif1", "lif2"], ticks=ticks)
    got = ns.simulate(back, ticks).spike_matrix("lif2")
    assert np.array_equal(got, ref["spk2"][sample])


def test_committed_snntorch_recurrent_model_roundtrips(tmp_path):
    ref = np.load(DATA / "snntorch_rnn.npz")
    net = load_nir(DATA / "snntorch_rnn.nir", dialect="snntorch", inputs=ref["inputs"])
    save_nir(net, tmp_path / "rnn.nir", dialect="snntorch")
    back = load_nir(tmp_path / "rnn.nir", dialect="snntorch", inputs=ref["inputs"])
    _assert_same(net, back, ["rlif1.lif", "syn"], ticks=ref["inputs"].shape[0])


def test_other_delays_become_delay_nodes(tmp_path):
    net = _network("lif", "nir")
    net2 = ns.Network("d")
    for node in net.nodes.values():
        net2.add(node)
    net2.connect("in", "hid", W_IN, delays=2)
    net2.connect("hid", "out", W_OUT, delays=1)  # delay 1 closing no cycle
    net2.connect("out", "out", W_REC, delays=1)
    graph = to_nir(net2, dt=1e-3)
    assert type(graph.nodes["in->hid.delay"]).__name__ == "Delay"
    np.testing.assert_allclose(graph.nodes["in->hid.delay"].delay, np.full(6, 2e-3))
    np.testing.assert_allclose(graph.nodes["hid->out.delay"].delay, np.full(4, 1e-3))
    assert ("in->hid", "in->hid.delay") in graph.edges and ("in->hid.delay", "hid") in graph.edges
    assert ("out->out", "out") in graph.edges  # the recurrent delay-1 edge stays plain
    path = tmp_path / "d.nir"
    nir.write(path, graph)
    assert type(nir.read(path).nodes["hid->out.delay"]).__name__ == "Delay"
    back = load_nir(path, dt=1e-3, inputs={"in": X})  # Delay nodes are read back as synaptic delays
    assert {k: (p.delay.min(), p.delay.max()) for k, p in back.projections.items()} == \
        {"in->hid": (2, 2), "hid->out": (1, 1), "out->out": (1, 1)}
    assert _assert_same(net2, back, ["hid", "out"]) > 10


# -- errors ------------------------------------------------------------------------------------------
def _simple(model="lif", **params):
    net = ns.Network("e")
    net.spike_array("in", X)
    base = dict(beta=0.9, v_th=1.0, reset="value") if model == "lif" else {}
    net.population("p", 6, model, **{**base, **params})
    net.connect("in", "p", np.round(W_IN * 4))
    return net


@pytest.mark.parametrize("model,params,message", [
    ("loihi_cuba", dict(du=100, dv=200, vth=10), "population 'p' has model 'loihi_cuba', which NIR cannot express"),
    ("truenorth", dict(alpha=5), "population 'p' has model 'truenorth', which NIR cannot express"),
    ("lif", dict(reset="subtract"), r"population 'p' \(lif\): reset=subtract cannot be expressed in dialect 'nir' "
                                    r"\(it reads value\)"),
    ("lif", dict(threshold=">="), r"population 'p' \(lif\): threshold=>= cannot be expressed: NIR's spike test"),
    ("lif", dict(precision="float32"), r"population 'p' \(lif\): precision=float32 but dialect 'nir' reads every "
                                       r"neuron in float64"),
    ("lif", dict(beta=1.0, v_leak=0.5), r"population 'p' \(lif\): beta = 1 \(no decay\) has no finite NIR time "
                                        r"constant"),
    ("cuba_lif", dict(alpha=0.5, beta=0.9, v_th=1.0, bias=0.1),
     r"population 'p' \(cuba_lif\): bias \(added to v\) cannot be expressed"),
    # Multi-spike neurons need reset=subtract, which no exporting dialect reads: never written as single-spike.
    ("cuba_lif", dict(alpha=0.5, beta=0.9, v_th=1.0, reset="subtract", max_spikes=4),
     r"population 'p' \(cuba_lif\): reset=subtract cannot be expressed in dialect 'nir'"),
    ("cuba_lif", dict(alpha=0.5, beta=0.9, v_th=1.0, current_from="membrane"),
     r"population 'p' \(cuba_lif\): current_from=membrane cannot be expressed: NIR's CubaLIF current"),
    ("sliding_psn", dict(w0=1.0), "population 'p' has model 'sliding_psn', which NIR cannot express"),
])
def test_unrepresentable_populations(model, params, message):
    with pytest.raises(ModelError, match=message):
        to_nir(_simple(model, **params))


def test_if_in_the_snntorch_dialect():
    net = _simple("if", v_th=1.0, precision="float32")
    with pytest.raises(ModelError, match=r"population 'p' \(if\): dialect 'snntorch' reads an IF node as a lif "
                                         r"with reset=subtract_next; export a lif with beta=1 instead"):
        to_nir(net, dialect="snntorch")


def test_subtract_reset_in_the_nir_dialect_names_the_dialect():
    net = _simple(reset="subtract_next")
    with pytest.raises(ModelError, match=r"reset=subtract_next cannot be expressed in dialect 'nir'"):
        to_nir(net, dialect="nir")


def test_per_synapse_delays_that_differ():
    net = _simple()
    net.connect("p", "p", np.eye(6), delays=np.diag([1, 2, 1, 1, 1, 1]), name="rec")
    with pytest.raises(ModelError, match=r"projection 'rec': synapses have different delays \(1, 2\); a NIR edge"):
        to_nir(net)


def test_zero_delay_cycle():
    net = _simple()
    net.population("q", 2, "lif", beta=0.5, v_th=1.0)
    net.connect("p", "q", np.ones((2, 6)))
    net.connect("q", "p", np.ones((6, 2)))
    with pytest.raises(ModelError, match=r"projection 'q->p' \(q -> p\) closes a cycle with zero delay"):
        to_nir(net)


def test_readout_feeding_a_population():
    net = _simple()
    net.population("ro", 6, "li", beta=0.5)
    net.population("q", 2, "lif", beta=0.5, v_th=1.0)
    net.connect("p", "ro", np.eye(6))
    net.connect("ro", "q", np.ones((2, 6)))
    with pytest.raises(ModelError, match=r"population 'ro' \(li\) feeds 'q': NIR's LI outputs a potential"):
        to_nir(net)


def test_population_without_input():
    net = _simple()
    net.population("lonely", 2, "lif", beta=0.5, v_th=1.0, bias=0.1)
    with pytest.raises(ModelError, match=r"population 'lonely' has no incoming projection"):
        to_nir(net)


def test_two_projections_between_the_same_pair():
    net = _simple()
    net.connect("in", "p", W_IN, name="again")
    with pytest.raises(ModelError, match=r"projections 'in->p' and 'again' both connect 'in' -> 'p'"):
        to_nir(net)


def test_bad_dialect_and_dt():
    with pytest.raises(ModelError, match=r"to_nir writes dialects nir, snntorch; dialect 'norse' is only read"):
        to_nir(_simple(), dialect="norse")
    with pytest.raises(ModelError, match=r"dt must be a positive number, got -1"):
        to_nir(_simple(), dt=-1)
