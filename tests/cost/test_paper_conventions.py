"""The ``spikformer`` and ``spikingjelly`` conventions, energy presets and host operations."""
from __future__ import annotations

import json
import pathlib

import nir
import numpy as np
import pytest

from neurosim.cli import main
from neurosim.cost_model.bit_budget import LayerBits, spike_bits
from neurosim.cost_model.conventions import RunRecord, figures_of, get_convention
from neurosim.cost_model.energy_presets import PRESETS, get_preset
from neurosim.errors import ModelError
from neurosim.net.network import Network
from neurosim.nir import load_nir
from neurosim.workflows.run import run_nir, run_on_chip

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
PJ = 1e-12

Q = [[1, 0, 1, 1], [0, 0, 1, 0]]  # [T, n x d], tick by tick; as (n = 2 tokens, d = 2): row-major
K = [[1, 1, 0, 1], [1, 0, 0, 0]]
V = [[1, 0, 0, 1], [0, 1, 1, 1]]


def attention_block(host: bool = True) -> Network:
    """A spiking attention block of one sample of T = 2 ticks (see the energy test)."""
    net = Network("attention")
    net.spike_array("img", [[0.5, 1.5], [0.5, 1.5]])
    net.population("h", 3, "lif", beta=0.5, v_th=1.0)
    net.connect("img", "h", weights=np.full((3, 2), 0.25))
    for name, data in (("q", Q), ("k", K), ("v", V)):
        net.spike_array(name, data)
    net.population("o", 2, "lif", beta=0.5, v_th=1.0)
    net.connect("v", "o", weights=np.full((2, 4), 0.5))
    if host:
        net.host_op("qk", macs=1, driven_by=("q", "k"), pairs=(2, 2))
        net.host_op("attn_v", macs=2, driven_by=("v",))
        net.host_op("layernorm", flops=8)
    return net


def test_spikformer_energy_of_an_attention_block_worked_by_hand():
    """One sample, T = 2, preset horowitz45_fp32 (E_MAC 4.6 pJ, E_AC 0.9 pJ).

    Encoding layer img -> h (input 0.5 and 1.5: not binary): FLOPs = 2 x 3 = 6, once per sample:
    6 x 4.6 = 27.6 pJ. Spiking layer v -> o (dense 4 x 2 = 8): v has 2 + 3 = 5 spikes, fr = 5/8,
    SOPs = fr x T x FLOPs = 5/8 x 2 x 8 = 10: 10 x 0.9 = 9 pJ. SNN energy 36.6 pJ.
    Host operations at E_MAC: QK^T of q, k as [2 tokens, 2 dims], present pairs per column:
    tick 0 q = [[1,0],[1,1]], k = [[1,1],[0,1]]: 2 x 1 + 1 x 2 = 4; tick 1 q = [[0,0],[1,0]],
    k = [[1,0],[0,0]]: 1 x 1 + 0 x 0 = 1; 5 pairs x 1 MAC = 5. attention x V: 5 spikes of v x 2 = 10.
    LayerNorm: 8 FLOPs per tick x 2 = 16. Host: 31 ops x 4.6 = 142.6 pJ. Total 179.2 pJ.
    """
    figures = run_on_chip(attention_block(), "loihi_sanafe", 2, convention="spikformer").report.convention
    assert figures["FLOPs_encoding"] == 6
    assert figures["SOPs"] == 10
    assert figures["energy_snn_J"] == pytest.approx(36.6 * PJ, rel=1e-9)
    assert figures["host.qk.ops"] == 5
    assert figures["host.attn_v.ops"] == 10
    assert figures["host.layernorm.ops"] == 16
    assert figures["host.energy_J"] == pytest.approx(142.6 * PJ, rel=1e-9)
    assert figures["energy_J"] == pytest.approx(179.2 * PJ, rel=1e-9)


def test_spikformer_per_step_counts_the_encoding_layer_at_every_step():
    """FLOPs 6 x T = 12: 12 x 4.6 + 9 = 64.2 pJ; with the host's 142.6 pJ, 206.8 pJ."""
    figures = run_on_chip(attention_block(), "loihi_sanafe", 2, convention="spikformer-per-step").report.convention
    assert figures["FLOPs_encoding"] == 12
    assert figures["energy_snn_J"] == pytest.approx(64.2 * PJ, rel=1e-9)
    assert figures["energy_J"] == pytest.approx(206.8 * PJ, rel=1e-9)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_energy_preset_sets_e_mac_and_e_ac(preset):
    p = get_preset(preset)
    figures = run_on_chip(attention_block(), "loihi_sanafe", 2, convention="spikformer",
                          energy_preset=preset).report.convention
    assert figures["energy_snn_J"] == pytest.approx(6 * p.e_mac_J + 10 * p.e_ac_J, rel=1e-9)
    assert figures["host.energy_J"] == pytest.approx(31 * p.e_mac_J, rel=1e-9)


def test_presets_are_horowitz_45nm_values():
    pairs = [v / PJ for p in PRESETS.values() for v in (p.e_mac_J, p.e_ac_J)]
    assert pairs == pytest.approx([4.6, 0.9, 1.5, 0.4, 0.23, 0.03], rel=1e-12)
    with pytest.raises(ModelError, match="unknown energy preset 'fp64'; choose one of horowitz45_fp32"):
        get_preset("fp64")


@pytest.mark.parametrize("convention", ["events", "neurobench", "spikformer", "spikingjelly"])
def test_host_operations_change_no_chip_figure(convention):
    with_host = run_on_chip(attention_block(True), "loihi_sanafe", 2, convention=convention).report.to_dict()
    without = run_on_chip(attention_block(False), "loihi_sanafe", 2, convention=convention).report.to_dict()
    with_metrics, without_metrics = with_host.pop("convention"), without.pop("convention")
    assert with_host == without
    host_rows = [f for f in with_metrics["figures"] if f["name"].startswith("host.")]
    assert len(host_rows) == 7
    chip_rows = [f for f in with_metrics["figures"] if not f["name"].startswith("host.")]
    if convention != "spikformer":  # spikformer's energy_J includes the host (checked above)
        assert chip_rows == without_metrics["figures"]


def test_host_op_is_refused_with_the_reason():
    net = attention_block(False)
    with pytest.raises(ModelError, match="host operation 'q': the name is already used"):
        net.host_op("q", macs=1)
    with pytest.raises(ModelError, match="driven_by names no population or source: 'x'"):
        net.host_op("s", macs=1, driven_by=("x",))
    with pytest.raises(ModelError, match="macs must be a finite number >= 0"):
        net.host_op("s", macs=-1)
    with pytest.raises(ModelError, match="give macs or flops"):
        net.host_op("s")
    with pytest.raises(ModelError, match=r"do not hold n x d = 6 neurons"):
        net.host_op("s", macs=1, driven_by=("q", "k"), pairs=(2, 3))


def test_spikingjelly_convention_equals_spikingjellys_own_counters():
    """tests/data/spikingjelly/linear_lif: SpikingJelly 2.0.0's SynOpCounter and MACCounter."""
    ref = json.loads((DATA / "spikingjelly" / "linear_lif.json").read_text())
    arrays = np.load(DATA / "spikingjelly" / "linear_lif.npz")
    net = Network("linear_lif")
    net.population("x", 6, "lif", beta=0.5, v_th=1.0)
    net.population("s1", 5, "lif", beta=0.5, v_th=1.0)
    net.population("s2", 3, "lif", beta=0.5, v_th=1.0)
    net.connect("x", "s1", weights=arrays["w1"])
    net.connect("s1", "s2", weights=arrays["w2"])
    spikes = {"x": arrays["x"], "s1": arrays["s1"]}
    record = RunRecord(net, ref["B"], ref["T"], lambda node: spikes[node], None, None, None,
                       get_preset("horowitz45_fp32"))
    figures = figures_of(get_convention("spikingjelly"), record, "sample")
    assert figures["SynOps"] * ref["B"] == ref["SynOps"]
    assert figures["MACs"] * ref["B"] == ref["MACs"]
    assert figures["energy_J"] * ref["B"] == pytest.approx(ref["energy_compute_pJ"] * PJ, rel=1e-9)
    assert np.count_nonzero(arrays["w2"] == 0) > 0  # SpikingJelly counts zero weights of the fan-out too


def test_cli_prints_the_spikformer_convention_with_its_preset(tmp_path, capsys):
    nir_path = DATA / "neurobench" / "linear_counts.nir"
    main(["run", str(nir_path), "--dialect", "snntorch", "--input", str(_inputs(tmp_path, "linear_counts")),
          "--convention", "spikformer", "--energy-preset", "horowitz45_int8", "--no-progress"])
    out = capsys.readouterr().out
    assert "Metrics, convention 'spikformer'" in out
    assert "preset 'horowitz45_int8'" in out


def _inputs(tmp_path, case: str) -> pathlib.Path:
    path = tmp_path / f"{case}_x.npz"
    np.savez(path, x=np.load(DATA / "neurobench" / f"{case}.npz")["x"])
    return path


def test_spikformer_encoding_layer_is_the_one_fed_by_real_valued_input(tmp_path):
    """conv_pool's input is binary events: no encoding layer, even though the Linear after the
    AvgPool sees pooled (non-binary) values; linear_counts' first layer gets counts 0-3: encoding,
    16 x 12 = 192 FLOPs once per sample."""
    def figures(case):
        x = np.load(DATA / "neurobench" / f"{case}.npz")["x"]
        return run_nir(str(DATA / "neurobench" / f"{case}.nir"), x, "loihi_sanafe", "snntorch",
                       convention="spikformer").report.convention
    assert figures("conv_pool")["FLOPs_encoding"] == 0
    assert figures("linear_counts")["FLOPs_encoding"] == 192


def _lif_node(shape):
    return nir.LIF(tau=np.full(shape, 2e-4), r=np.ones(shape), v_leak=np.zeros(shape), v_threshold=np.ones(shape),
                   v_reset=np.zeros(shape))


def test_spikingjelly_convention_on_conv_and_pooling_equals_spikingjellys_own_counters():
    """tests/data/spikingjelly/conv_pool: a conv on real input (MAC calls: B x T x 9 x 64 x 4 = 13824), a
    strided grouped conv with zero weights on spikes (SynOp calls, 1508), AvgPool2d (no rule), then a
    Linear on the pooled, non-binary values (MAC calls: B x T x 16 x 5 = 480)."""
    ref = json.loads((DATA / "spikingjelly" / "conv_pool.json").read_text())
    a = np.load(DATA / "spikingjelly" / "conv_pool.npz")
    b, t = ref["B"], ref["T"]
    nodes = {"input": nir.Input(input_type=np.array([1, 8, 8])),
             "conv1": nir.Conv2d(input_shape=(8, 8), weight=a["w1"], stride=1, padding=1, dilation=1, groups=1,
                                 bias=a["b1"]),
             "lif1": _lif_node((4, 8, 8)),
             "conv2": nir.Conv2d(input_shape=(8, 8), weight=a["w2"], stride=2, padding=1, dilation=1, groups=2,
                                 bias=np.zeros(4, np.float32)),
             "lif2": _lif_node((4, 4, 4)),
             "pool": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
             "flat": nir.Flatten(input_type={"input": np.array([4, 2, 2])}, start_dim=0, end_dim=-1),
             "fc": nir.Affine(weight=a["w3"], bias=a["b3"]), "lif3": _lif_node((5,))}
    edges = [("input", "conv1"), ("conv1", "lif1"), ("lif1", "conv2"), ("conv2", "lif2"), ("lif2", "pool"),
             ("pool", "flat"), ("flat", "fc"), ("fc", "lif3")]
    net = load_nir(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False), dialect="spikingjelly")
    spikes = {"input": a["x"].reshape(b, t, -1), "lif1": a["s1"].reshape(b, t, -1), "lif2": a["s2"].reshape(b, t, -1)}
    record = RunRecord(net, b, t, lambda node: spikes[node], None, None, None, get_preset("horowitz45_fp32"))
    figures = figures_of(get_convention("spikingjelly"), record, "sample")
    assert (ref["SynOps"], ref["MACs"]) == (1508, 14304)
    assert figures["SynOps"] * b == ref["SynOps"] == ref["synop_records"]["aten.convolution.default"]
    assert figures["MACs"] * b == ref["MACs"] == b * t * (9 * 64 * 4 + 16 * 5)
    assert figures["energy_J"] * b == pytest.approx(ref["energy_compute_pJ"] * PJ, rel=1e-9)
    assert np.count_nonzero(a["w2"] == 0) > 0 and set(np.unique(a["s1"])) == {0.0, 1.0}


# -- bit budget ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sent, kind, bits", [
    ([1, 1, 1], "binary", 1), ([], "binary", 1), ([1, -1, 1], "ternary", 2), ([1, 2, 3], "multi-bit", 2),
    ([1, 4], "multi-bit", 3), ([-3, 2], "multi-bit", 3), ([2.5, 1.0], "graded", None)])
def test_spike_bits_per_kind_of_spike(sent, kind, bits):
    assert spike_bits(np.asarray(sent, float)) == (kind, bits)


def test_st_bif_spikes_are_ternary_whatever_their_threshold():
    assert spike_bits(np.array([0.37, -0.37]), ternary_model=True) == ("ternary", 2)


def test_bit_budget_recalled_example_2_bit_weights_2_bit_spikes_1_step():
    """The recalled example: 2-bit weights x 2-bit spikes x T = 1 = 4 bits per connection."""
    layer = LayerBits("p", "a", "b", weight_bits=2, spike_bits=2, time_steps=1, synapses=3, dense_connections=4,
                      spike_kind="multi-bit")
    assert (layer.bits_per_connection, layer.budget_bits, layer.dense_budget_bits) == (4, 12, 16)


@pytest.mark.parametrize("values, kind, bits", [([1, -1], "ternary", 2), ([3, 1], "multi-bit", 2),
                                                ([1, 1], "binary", 1)])
def test_report_bit_budget_takes_the_spike_bits_of_each_layer(values, kind, bits):
    net = Network("bits")
    net.spike_array("in", [values, [0, 0]])
    net.population("a", 2, "lif", beta=0.5, v_th=1.0)
    net.connect("in", "a", weights=np.eye(2))
    layer = run_on_chip(net, "loihi_sanafe", 2).report.bit_budget.layers[0]
    assert (layer.spike_kind, layer.spike_bits) == (kind, bits)
    assert layer.bits_per_connection == layer.weight_bits * bits * 2
