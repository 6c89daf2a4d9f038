"""Spike payloads end to end: binary, signed ternary (+-theta) and graded (counts, real values) spikes
through the engine, the trace and the report, every figure worked out by hand below.

The payload rule (``neurosim/cost_model/synops.py``, ``docs/metrics.md`` section 5): an event of a
spike of value +-1, or of a signed-ternary population (``st_bif``: +-theta), is an accumulate (AC);
any other value is graded, a multiply-accumulate (MAC). ``generic_45nm`` prices exactly these two
(E_AC 0.9 pJ, E_MAC 4.6 pJ) and has no network; ``loihi2`` carries up to 32 payload bits per packet,
``loihi`` none.

**Ternary network** (T = 3, every delay 0): source ``x`` (2 neurons) fires x0 at t0 and x1 at t1 (value
1), weights 0.5 and -0.5 into ``c``, one ``st_bif`` neuron (theta 0.5, q starts at 0.5):
t0 q = 0.5 + 0.5/0.5 = 1.5 -> +1 (value +0.5), q = 0.5; t1 q = 0.5 - 0.5/0.5 = -0.5 -> -1 (value -0.5),
q = 0.5; t2 nothing. ``c`` feeds ``d`` (3 lif neurons that never fire) with weight 1 each.
Events: x -> c 2 (value 1: AC), c -> d 2 spikes x 3 synapses = 6 (+-0.5 of a ternary population: AC).
SynOps 8 = 8 ACs + 0 MACs; energy on generic_45nm 8 x 0.9 pJ = 7.2 pJ (before the rule, the six
+-0.5 events were MACs: 2 x 0.9 + 6 x 4.6 = 29.4 pJ).

**Graded network** (T = 3, delays 0): source ``x`` (1 neuron) sends 2.5 at t0 and 4 at t1 into ``a``,
one multi-spike ``cuba_lif`` (alpha 0, beta 1, v_th 1, subtract, max_spikes 3):
t0 i = 2.5, v = 2.5 -> floor(2.5) = 2 spikes, v = 0.5; t1 i = 4, v = 4.5 -> min(4, 3) = 3, v = 1.5;
t2 i = 0, v = 1.5 -> 1, v = 0.5. ``a`` feeds ``b`` (2 silent lif) with weights 0.5 and 0.25.
Events: x -> a 2 (2.5 and 4: MAC), a -> b 3 spikes x 2 = 6, of which the values 2 and 3 are MACs (4) and
the value 1 ACs (2). SynOps 8 = 2 ACs + 6 MACs; energy 2 x 0.9 + 6 x 4.6 = 29.4 pJ.
"""
from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns
from neurosim.errors import ModelError
from neurosim.mapping.placement import place
from neurosim.trace import TraceWriter, cost_trace, read_trace

T = 3
E_AC, E_MAC = 0.9e-12, 4.6e-12  # chips/generic_45nm.toml


def ternary_network() -> ns.Network:
    net = ns.Network("ternary")
    net.spike_array("x", np.array([[1, 0], [0, 1], [0, 0]], float))
    net.population("c", 1, "st_bif", theta=0.5, pos_max=4, neg_min=-4)
    net.population("d", 3, "lif", beta=1.0, v_th=100.0)
    net.connect("x", "c", np.array([[0.5, -0.5]]))
    net.connect("c", "d", np.ones((3, 1)))
    return net


def graded_network() -> ns.Network:
    net = ns.Network("graded")
    net.spike_array("x", np.array([[2.5], [4.0], [0.0]]))
    net.population("a", 1, "cuba_lif", alpha=0.0, beta=1.0, v_th=1.0, reset="subtract", threshold=">=",
                   max_spikes=3)
    net.population("b", 2, "lif", beta=1.0, v_th=100.0)
    net.connect("x", "a", np.array([[1.0]]))
    net.connect("a", "b", np.array([[0.5], [0.25]]))
    return net


def _report(network: ns.Network, chip: str):
    placement = place(ns.compile_network(network), ns.load_chip(chip))
    result = ns.simulate(placement.compiled, T)
    return result, ns.cost(result, placement, latency=False, missing="mark")


def test_the_engine_carries_ternary_and_count_values():
    result, _ = _report(ternary_network(), "generic_45nm")
    assert np.array_equal(result.spike_matrix("c")[:, 0], [0.5, -0.5, 0.0])
    result, _ = _report(graded_network(), "generic_45nm")
    assert np.array_equal(result.spike_matrix("a")[:, 0], [2.0, 3.0, 1.0])
    assert np.array_equal(result.spike_matrix("x")[:, 0], [2.5, 4.0, 0.0])


def test_signed_ternary_spikes_are_accumulates():
    _, report = _report(ternary_network(), "generic_45nm")
    ops = report.operations
    assert (ops.synops, ops.effective_acs, ops.effective_macs) == (8, 8, 0)
    assert report.energy.classes == ("effective_acs", "effective_macs")
    assert np.array_equal(report.energy.counts, [8, 0])
    assert report.energy.total_J == pytest.approx(8 * E_AC, rel=1e-12)  # 7.2 pJ
    assert ops.e_snn_effective_J == pytest.approx(8 * E_AC, rel=1e-12)


def test_graded_spikes_are_multiply_accumulates_per_event():
    _, report = _report(graded_network(), "generic_45nm")
    ops = report.operations
    assert (ops.synops, ops.effective_acs, ops.effective_macs) == (8, 2, 6)
    assert np.array_equal(report.energy.counts, [2, 6])
    assert report.energy.total_J == pytest.approx(2 * E_AC + 6 * E_MAC, rel=1e-12)  # 29.4 pJ


def test_bit_budget_spike_bits_and_packet_payloads():
    """loihi2 (8-bit weights, 32 payload bits): ternary b_s 2, payload 1 bit (the sign); counts up to 3
    b_s = payload = ceil(log2(4)) = 2; the real-valued source is graded, b_s = payload = 32. Everything
    sits on one core, so each spike is one packet: ternary 2 packets x 1 bit = 2 bits; graded
    2 x 32 (x) + 3 x 2 (a) = 70 bits."""
    _, report = _report(ternary_network(), "loihi2")
    bits = report.bit_budget
    assert [(b.projection, b.spike_kind, b.spike_bits, b.payload_bits) for b in bits.layers] == [
        ("x->c", "binary", 1, 0), ("c->d", "ternary", 2, 1)]
    # b_w x b_s x T x synapses: 8 x 1 x 3 x 2 + 8 x 2 x 3 x 3 = 48 + 144
    assert [b.budget_bits for b in bits.layers] == [48, 144] and bits.total_bits == 192
    assert (bits.packet_payload_bits, bits.payload_capacity_bits, bits.over_capacity) == (2, 32, ())
    _, report = _report(graded_network(), "loihi2")
    bits = report.bit_budget
    assert [(b.projection, b.spike_kind, b.spike_bits, b.payload_bits) for b in bits.layers] == [
        ("x->a", "graded", 32, 32), ("a->b", "multi-bit", 2, 2)]
    # 8 x 32 x 3 x 1 + 8 x 2 x 3 x 2 = 768 + 96
    assert [b.budget_bits for b in bits.layers] == [768, 96] and bits.total_bits == 864
    assert bits.packet_payload_bits == 70 and bits.over_capacity == ()
    assert "packet payload: 70 bits in the run (per packet: x 32, a 2); chip payload up to 32 bits" in \
        "\n".join(bits.to_text_lines())


def test_a_binary_spike_chip_lists_the_layers_whose_payload_it_cannot_carry():
    _, report = _report(graded_network(), "loihi")
    assert report.bit_budget.payload_capacity_bits == 0
    assert report.bit_budget.over_capacity == ("x->a", "a->b")
    _, report = _report(ternary_network(), "loihi")
    assert report.bit_budget.over_capacity == ("c->d",)
    assert "exceeded by c->d" in "\n".join(report.bit_budget.to_text_lines())
    assert "projection(s) c->d deliver spike values that chip 'loihi' cannot carry (spike_payload_bits = 0); their " \
        "packets and synaptic events are costed as if it could" in report.notes
    assert ns.Report.from_dict(report.to_dict()).bit_budget.over_capacity == ("c->d",)


@pytest.mark.parametrize("make, values, counts", [(ternary_network, [1.0, 0.5, 1.0, -0.5], [8, 0]),
                                                  (graded_network, [2.5, 2.0, 4.0, 3.0, 1.0], [2, 6])])
def test_a_trace_records_the_values_and_is_costed_by_the_same_rule(tmp_path, make, values, counts):
    placement = place(ns.compile_network(make()), ns.load_chip("generic_45nm"))
    path = tmp_path / "run.h5"
    with TraceWriter(path, placement, T) as writer:
        ns.simulate(placement.compiled, T, on_chunk=writer.write_chunk)
    assert np.array_equal(read_trace(path).spikes["value"], values)
    got = cost_trace(path)
    assert np.array_equal(got.energy.counts, counts)


def test_graded_spikes_of_a_run_without_recorded_spikes_are_refused():
    placement = place(ns.compile_network(graded_network()), ns.load_chip("generic_45nm"))
    result = ns.simulate(placement.compiled, T, record_spikes=False)
    with pytest.raises(ModelError, match=r"^cost: population 'a' \(cuba_lif\) sends graded spike values, which only "
                                         r"the recorded spikes tell apart; simulate with record_spikes=True$"):
        ns.cost(result, placement, latency=False)
    placement = place(ns.compile_network(ternary_network()), ns.load_chip("generic_45nm"))
    result = ns.simulate(placement.compiled, T, record_spikes=False)
    assert ns.cost(result, placement, latency=False).operations.effective_macs == 0  # ternary: no refusal


def test_model_payloads():
    assert ns.get_model("st_bif").payload == "ternary" and ns.get_model("lif").payload == "binary"
    net = ns.Network()
    net.population("one", 2, "cuba_lif", alpha=0.5, beta=0.5, v_th=1.0)
    net.population("many", 2, "cuba_lif", alpha=0.5, beta=0.5, v_th=1.0, max_spikes=[1, 4])
    assert [net.nodes[k].model.payload_of(net.nodes[k].params) for k in ("one", "many")] == ["binary", "graded"]


def test_a_model_with_an_unknown_payload_is_refused():
    model = ns.get_model("lif")
    with pytest.raises(ModelError, match=r"^model 'lif_counts': payload 'counts' is not one of binary, ternary, "
                                         r"graded; declare what the model's spikes carry$"):
        ns.register(ns.NeuronModel("lif_counts", model.params, model.state, model.update, model.reference_step,
                                   payload="counts"))
