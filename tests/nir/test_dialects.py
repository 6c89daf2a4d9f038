"""NIR dialects other than ``nir``/``snntorch``: the committed Norse and Sinabs models spike for spike, and
hand-built graphs on which the SpikingJelly, Sinabs and Rockpool readings differ as their sources say.

``norse_ff.{nir,npz}`` come from ``tools/make_norse_references.py`` (norse 1.1.0, torch 2.13 CPU): a
64 -> LIFCell(30) -> LIFBoxCell(20) -> LIBoxCell(10) network trained briefly on rate-coded sklearn digits,
exported by Norse's own ``to_nir`` with ``dt=1.0`` (``norse_ff.nir``, tau in seconds) and with its
default ``dt=1e-3`` (``norse_ff_dt.nir``, tau 1000x too small, norse/norse#411), and Norse's spikes and
membranes (after and before the reset) on 8 test digits. Each numpy re-simulation below transcribes
the framework's own update (file and function named), not neurosim's.
"""
import pathlib

import numpy as np
import pytest

import neurosim as ns
from neurosim import ModelError
from neurosim.nir import load_nir

nir = pytest.importorskip("nir")

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "nir"
THRESHOLDS = {"1": 0.3, "2": 0.2}  # v_th of the cuba (CubaLIF) and lif (LIF) layers


@pytest.fixture(scope="module")
def norse_ref():
    return dict(np.load(DATA / "norse_ff.npz"))


# -- Norse ------------------------------------------------------------------------------------------
@pytest.mark.peer
@pytest.mark.parametrize("model, dialect", [("norse_ff", "norse"), ("norse_ff_dt", "norse-1.1")])
@pytest.mark.parametrize("sample", range(8))
def test_norse_dialect_reproduces_norse_spikes_for_every_layer_and_tick(norse_ref, model, dialect, sample):
    x = norse_ref["inputs"][sample]
    net = load_nir(DATA / f"{model}.nir", dialect=dialect, inputs=x)
    result = ns.simulate(net, ticks=x.shape[0], probe=["cuba", "lif", "li"])
    for pop, layer in (("cuba", "1"), ("lif", "2")):
        got, expected = result.spike_matrix(pop), norse_ref[f"spk{layer}"][sample]
        assert np.array_equal(got, expected), f"{pop}: {int((got != expected).sum())} spikes differ"
        # float32 on both sides, in a different order (Norse: v + dt*tau_inv*((v_leak - v) + i); neurosim:
        # v_leak + (v - v_leak)*beta + gain*i; W x + b summed differently): a few ulp per tick.
        diff = np.abs(result.state(pop, "v") - norse_ref[f"mem{layer}"][sample]).max()
        assert diff < 1e-5
        # no membrane compared with the threshold came within that distance of it
        assert np.abs(norse_ref[f"vpre{layer}"][sample] - np.float32(THRESHOLDS[layer])).min() > diff
    assert np.abs(result.state("li", "v") - norse_ref["v3"][sample]).max() < 1e-5


def test_norse_reference_fires_enough_to_mean_something(norse_ref):
    assert norse_ref["spk1"].sum() > 1000 and norse_ref["spk2"].sum() > 1000
    assert float(norse_ref["accuracy"]) > 0.8


@pytest.mark.peer
def test_norse_model_predicts_what_norse_predicts_on_the_saved_samples(norse_ref):
    """The training script decodes the LI readout by its maximum over time (argmax of max_t v)."""
    from neurosim.workflows.run import run_nir

    run = run_nir(DATA / "norse_ff.nir", norse_ref["inputs"], "loihi_sanafe", "norse", labels=norse_ref["labels"])
    ours = run.outputs[run.output_node].max(axis=1).argmax(axis=1)
    theirs = norse_ref["v3"].max(axis=1).argmax(axis=1)
    assert run.output_node == "li" and np.array_equal(ours, theirs)
    assert np.mean(ours == norse_ref["labels"]) == np.mean(theirs == norse_ref["labels"])


def test_norse_dialect_maps_current_jump_and_initial_leak_potential():
    net = load_nir(DATA / "norse_ff.nir", dialect="norse")
    cuba, lif = net.nodes["cuba"], net.nodes["lif"]
    assert np.all(cuba.param("gain_syn") == 1.0)  # i += x, not w_in * dt / tau_syn = 0.2
    np.testing.assert_allclose(cuba.param("alpha"), 0.8, rtol=1e-6)  # 1 - 1e-3 * 200
    np.testing.assert_allclose(cuba.param("gain"), 0.1, rtol=1e-6)  # r dt / tau_mem
    v = lif.model.state_names.index("v") if hasattr(lif.model, "state_names") else 0
    np.testing.assert_allclose(lif.init[:, v], 0.05)  # Norse starts at v = v_leak
    assert np.all(cuba.init == 0.0)  # v_leak = 0 there


def test_norse_1_1_file_read_as_seconds_is_refused_with_the_switch_named():
    with pytest.raises(ModelError, match=r"node 'cuba' \(CubaLIF\): dt/tau_syn = 200 > 1 with dt = 0.001; "
                                         r"forward Euler needs dt <= tau_syn \(a Norse 1.1.0 file exported with its "
                                         r"default dt\? use dialect 'norse-1.1'\)"):
        load_nir(DATA / "norse_ff_dt.nir", dialect="norse")


def test_reading_the_norse_file_literally_changes_the_spikes(norse_ref):
    x = norse_ref["inputs"][0]
    literal = load_nir(DATA / "norse_ff.nir", dialect="nir", dt=1e-3, inputs=x)
    got = ns.simulate(literal, ticks=x.shape[0]).spike_matrix("cuba")
    assert got.sum() < norse_ref["spk1"][0].sum() / 2  # w_in dt / tau_syn = 0.2: a 5x weaker current


# -- Sinabs ------------------------------------------------------------------------------------------
@pytest.mark.peer
def test_sinabs_dialect_reproduces_sinabs_spikes_for_every_layer_and_tick():
    """``sinabs_ff.{nir,npz}`` from ``tools/make_sinabs_references.py`` (sinabs 3.1.3): 12 -> LIFSqueeze(16,
    tau_mem 2..8 steps, norm_input) -> IAFSqueeze(5), SingleSpike, MembraneSubtract, 40 random input steps."""
    ref = np.load(DATA / "sinabs_ff.npz")
    net = load_nir(DATA / "sinabs_ff.nir", dialect="sinabs", inputs=ref["inputs"])
    result = ns.simulate(net, ticks=ref["inputs"].shape[0], probe=["1", "3"])
    for pop, layer in (("1", "1"), ("3", "2")):
        expected = ref[f"spk{layer}"]
        assert expected.sum() > 15 and np.array_equal(result.spike_matrix(pop), expected), pop
        diff = np.abs(result.state(pop, "v") - ref[f"mem{layer}"]).max()
        assert diff < 1e-5
        before_reset = ref[f"mem{layer}"].astype(np.float64) + expected  # v_mem + thr after a spike (thr = 1)
        assert np.abs(before_reset - 1.0).min() > diff
    for other in ("nir", "spikingjelly"):  # reset to zero (and, for nir, Euler decay) lose spikes
        got = ns.simulate(load_nir(DATA / "sinabs_ff.nir", dialect=other, dt=1.0, inputs=ref["inputs"]),
                          ticks=ref["inputs"].shape[0]).spike_matrix("1")
        assert not np.array_equal(got, ref["spk1"]), other


# -- hand-built graphs ------------------------------------------------------------------------------
X = np.array([[1, 0], [1, 1], [0, 1], [1, 1], [0, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 0]] * 3, dtype=float)
W = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 1.0]], dtype=np.float32)  # sums exact in binary
ONES = np.ones(3, dtype=np.float32)


def _graph(neuron):
    return nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.Linear(weight=W), neuron,
                                  nir.Output(output_type=np.array([3])))


def _spikes(neuron, dialect, dt=None):
    net = load_nir(_graph(neuron), dialect=dialect, dt=dt, inputs=X)
    (pop,) = [k for k in net.nodes if k != "input"]
    return ns.simulate(net, ticks=X.shape[0]).spike_matrix(pop)


def _drive():
    return (X @ W.T.astype(np.float64)).astype(np.float32)


def _spikingjelly_lif(v_th, ge):
    """``LIFNode(tau=2, decay_input=True, v_reset=0)``: ``H = V + (X - (V - V_reset)) / tau``,
    ``S = H >= V_th`` (``surrogate.heaviside``; ``ge=False`` for the spec's ``>``), ``V = S ? V_reset : H``."""
    v, out = np.zeros(3, np.float32), []
    for x in _drive():
        h = v + (x - v) / np.float32(2.0)
        s = h >= v_th if ge else h > v_th
        v = np.where(s, np.float32(0), h)
        out.append(s)
    return np.array(out, dtype=float)


def test_spikingjelly_lif_fires_on_equality_and_resets_hard():
    """Exported as LIF(tau = 2 dt, r = 1, v_leak = v_reset = 0) (``nir_exchange/to_nir.py``)."""
    v_th, dt = np.float32(0.625), 1e-4
    node = nir.LIF(tau=ONES * np.float32(2 * dt), r=ONES, v_leak=0 * ONES, v_threshold=v_th * ONES,
                   v_reset=0 * ONES)
    got = _spikes(node, "spikingjelly")
    expected = _spikingjelly_lif(v_th, ge=True)
    assert expected.sum() > 20 and np.array_equal(got, expected)
    assert _spikingjelly_lif(v_th, ge=False).sum() < expected.sum()  # membranes land exactly on v_th here


def test_spikingjelly_if_node_with_r_one_over_dt_adds_its_input():
    v_th = np.float32(2.0)
    v, expected = np.zeros(3, np.float32), []
    for x in _drive():  # IFNode: H = V + X; S = H >= V_th; hard reset to 0
        h = v + x
        s = h >= v_th
        v = np.where(s, np.float32(0), h)
        expected.append(s)
    got = _spikes(nir.IF(r=ONES / np.float32(1e-4), v_threshold=v_th * ONES, v_reset=0 * ONES), "spikingjelly")
    assert np.sum(expected) > 5 and np.array_equal(got, np.array(expected, dtype=float))


def test_sinabs_lif_exact_decay_normalised_input_and_subtractive_reset():
    """``sinabs.layers.LIF(tau_mem=4, spike_fn=SingleSpike)`` (``functional/lif.py::lif_forward_single``):
    ``v = alpha v + (1 - alpha) x`` with ``alpha = exp(-1/tau)`` (``norm_input=True``), ``S = v >= thr``,
    ``v -= S thr`` (``MembraneSubtract``)."""
    tau, thr = np.float32(4.0), np.float32(1.0)
    alpha = np.exp(-np.float32(1.0) / tau)
    v, expected = np.zeros(3, np.float32), []
    for x in _drive() * np.float32(4):
        v = alpha * v + (np.float32(1) - alpha) * x
        s = v >= thr
        assert np.all(v < 2 * thr)  # one spike per step: MultiSpike would agree here
        v = v - s * thr
        expected.append(s)
    node = nir.LIF(tau=tau * ONES, r=ONES, v_leak=0 * ONES, v_threshold=thr * ONES)
    net = load_nir(nir.NIRGraph.from_list(nir.Input(input_type=np.array([2])), nir.Linear(weight=W * 4), node,
                                          nir.Output(output_type=np.array([3]))), dialect="sinabs", inputs=X)
    got = ns.simulate(net, ticks=X.shape[0]).spike_matrix(list(net.nodes)[1])
    assert np.sum(expected) > 10 and np.array_equal(got, np.array(expected, dtype=float))


def test_sinabs_iaf_adds_its_input_and_subtracts_the_threshold():
    thr = np.float32(1.0)
    v, expected = np.zeros(3, np.float32), []
    for x in _drive():  # IAF: v = v + x; S = v >= thr; v -= S thr
        v = v + x
        s = v >= thr
        v = v - s * thr
        expected.append(s)
    got = _spikes(nir.IF(r=ONES, v_threshold=thr * ONES), "sinabs")
    assert np.sum(expected) > 10 and np.array_equal(got, np.array(expected, dtype=float))
    to_zero = _spikes(nir.IF(r=ONES, v_threshold=thr * ONES, v_reset=0 * ONES), "nir", dt=1.0)
    assert not np.array_equal(to_zero, got)  # reset to v_reset = 0 and v > thr lose spikes


def _rockpool_cubalif(dt, tau_syn, tau_mem, thr):
    r = (tau_mem * np.exp(-np.float32(dt) / tau_mem) / np.float32(dt)).astype(np.float32)  # rockpool/nir.py
    return nir.CubaLIF(tau_syn=tau_syn * ONES, tau_mem=tau_mem * ONES, r=r * ONES, v_leak=0 * ONES,
                       v_threshold=thr * ONES)


def test_rockpool_lif_current_decays_after_the_input_and_reset_subtracts():
    """``LIFTorch.evolve``: ``isyn += x; vmem *= exp(-dt/tau_mem); isyn *= exp(-dt/tau_syn);
    vmem += isyn; spikes = floor(vmem / thr) (StepPWL); vmem -= spikes * thr``."""
    dt, tau_syn, tau_mem, thr = 1e-3, np.float32(4e-3), np.float32(8e-3), np.float32(2.5)
    a_mem, b_syn = np.exp(-np.float32(dt) / tau_mem), np.exp(-np.float32(dt) / tau_syn)
    vmem, isyn, expected = np.zeros(3, np.float32), np.zeros(3, np.float32), []
    for x in _drive():
        isyn = isyn + x
        vmem = vmem * a_mem
        isyn = isyn * b_syn
        vmem = vmem + isyn
        spikes = np.floor(np.maximum(vmem, 0) / thr)
        assert spikes.max() <= 1  # binary here, so a one-spike neuron can match
        vmem = vmem - spikes * thr
        expected.append(spikes)
    node = _rockpool_cubalif(dt, tau_syn, tau_mem, thr)
    got = _spikes(node, "rockpool")
    assert np.sum(expected) > 5 and np.array_equal(got, np.array(expected))
    with pytest.raises(ModelError, match=r"node 'cubalif' \(CubaLIF\): r \* dt / tau / exp\(-dt/tau\) = 2\.2663, not "
                                         r"Rockpool's gain 1 with dt = 0\.002: pass the Rockpool module's dt as dt="):
        _spikes(node, "rockpool", dt=2e-3)


def _rockpool_multi_spikes(thr, cap):
    """``LIFTorch.evolve`` with ``StepPWL``: ``spikes = (vmem >= thr) * floor(vmem / thr)`` clamped to
    ``max_spikes_per_dt = cap``, ``vmem -= spikes * thr`` (Rockpool ``nn/modules/torch/lif_torch.py``)."""
    dt, tau_syn, tau_mem = 1e-3, np.float32(4e-3), np.float32(8e-3)
    a_mem, b_syn = np.exp(-np.float32(dt) / tau_mem), np.exp(-np.float32(dt) / tau_syn)
    vmem, isyn, expected = np.zeros(3, np.float32), np.zeros(3, np.float32), []
    for x in _drive():
        isyn = isyn + x
        vmem = vmem * a_mem
        isyn = isyn * b_syn
        vmem = vmem + isyn
        spikes = ((vmem >= thr) * np.floor(vmem / thr)).astype(np.float32)
        spikes = np.minimum(spikes, np.float32(cap))
        vmem = vmem - spikes * thr
        expected.append(spikes)
    return _rockpool_cubalif(dt, tau_syn, tau_mem, thr), np.array(expected, dtype=float)


def test_rockpool_multi_spike_neurons_send_their_count_as_the_spike_value():
    """Rockpool's default ``max_spikes_per_dt`` (2**16): several spikes per step, read as one spike
    whose value is the count, never reduced to one spike; ``rockpool-single`` is ``max_spikes_per_dt=1``."""
    thr = np.float32(0.4)
    node, expected = _rockpool_multi_spikes(thr, 2 ** 16)
    assert expected.max() >= 3 and np.sum(expected > 1) > 5  # counts, not single spikes
    got = _spikes(node, "rockpool")
    assert np.array_equal(got, expected)
    _, single = _rockpool_multi_spikes(thr, 1)
    assert np.array_equal(_spikes(node, "rockpool-single"), single) and not np.array_equal(single, expected)
    net = load_nir(_graph(node), dialect="rockpool")
    (pop,) = [v for k, v in net.nodes.items() if k != "input"]
    assert pop.model.payload_of(pop.params) == "graded" and np.all(pop.param("max_spikes") == 2 ** 16)


@pytest.mark.parametrize("node, kind", [(nir.LIF(tau=ONES * 8e-3, r=ONES, v_leak=0 * ONES, v_threshold=ONES), "LIF"),
                                        (nir.IF(r=ONES, v_threshold=ONES), "IF")])
def test_rockpool_refuses_single_spike_nodes_it_would_reduce(node, kind):
    with pytest.raises(ModelError, match=rf"^node '\w+' \({kind}\): dialect 'rockpool' emits up to 65536 spikes "
                                         rf"per step, which the single-spike model of a {kind} node cannot send; export "
                                         r"the module with max_spikes_per_dt=1 and load with dialect 'rockpool-single'$"):
        load_nir(_graph(node), dialect="rockpool")


@pytest.mark.parametrize("dialect, gain", [("nir", 1e-4 * 3), ("norse", 3.0), ("sinabs", 3.0), ("spikingjelly", 3e-4)])
def test_if_input_gain_per_dialect(dialect, gain):
    net = load_nir(_graph(nir.IF(r=3 * ONES, v_threshold=ONES, v_reset=0 * ONES)), dialect=dialect)
    np.testing.assert_allclose(net.nodes[list(net.nodes)[1]].param("gain"), gain, rtol=1e-6)
