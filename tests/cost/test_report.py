"""The Report: operations and bit budget by hand, JSON, text, compare(), and re-costing a run."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neurosim import Network, NeurosimError, load_chip, simulate
from neurosim.cost_model import BIT_BUDGET_DEFINITION, Report, compare, cost
from neurosim.mapping import place, route
from neurosim.cost_model.traffic import traffic

from networks import poisson_network
from test_energy import LOIHI_FALLBACKS, hand_network, hand_placement, hand_run

PJ = 1e-12


@pytest.fixture(scope="module")
def loihi_report() -> Report:
    result, placement, tr = hand_run(load_chip("loihi"))
    return cost(result, placement, traffic=tr, fallbacks=LOIHI_FALLBACKS)


def test_operations_by_hand(loihi_report):
    ops = loihi_report.operations
    assert (ops.synops, ops.effective_acs, ops.effective_macs) == (3, 3, 0)
    assert (ops.synapses, ops.dense_connections) == (3, 3)       # in->a 1 x 1, a->b 2 x 1, no zero weight
    assert (ops.macs, ops.dense_macs) == (3 * 4, 3 * 4)          # x T = 4 ticks
    assert ops.e_snn_J == pytest.approx(3 * 0.9 * PJ)            # loihi gives no E_AC: generic_45nm's
    assert ops.e_ann_J == pytest.approx(12 * 4.6 * PJ)
    assert ops.e_ann_once_J == pytest.approx(3 * 4.6 * PJ)       # 3 synapses, once for the 1 sample
    assert ops.activation_sparsity == pytest.approx(1 - 2 / (3 * 4))  # 2 spikes of 3 neurons over 4 ticks
    assert ops.connection_sparsity == 0.0
    assert "generic_45nm" in ops.e_ac_mac_source
    assert any("generic_45nm" in note for note in loihi_report.notes)


def test_effective_macs_count_only_events_delivered_before_the_run_ends():
    generic = load_chip("generic_45nm")
    net = hand_network(value=2.5, source_ticks=(0, 3))  # the tick-3 spike's delay-1 event falls after T = 4
    placement = hand_placement(net, generic, {"a": 0, "b": 0})
    result = simulate(placement.compiled, ticks=4)
    ops = cost(result, placement, latency=False).operations
    assert ops.effective_macs == 1  # the tick-0 spike's event into 'a'
    assert ops.synops == result.counters.synaptic_events == 3


def test_bit_budget_by_hand(loihi_report):
    bb = loihi_report.bit_budget
    # loihi: 9-bit weights, binary spikes (1 bit), T = 4: 36 bits per connection.
    assert [(layer.projection, layer.bits_per_connection, layer.budget_bits) for layer in bb.layers] == [
        ("in->a", 36, 36), ("a->b", 36, 72)]
    assert (bb.total_bits, bb.dense_total_bits) == (108, 108)
    # Storage: 3 weights x 9 + 3 neurons x 24 state bits + 3 delays x ceil(log2(62 + 1)) = 6 bits.
    assert (bb.weight_storage_bits, bb.state_storage_bits, bb.delay_storage_bits) == (27, 72, 18)
    assert (bb.storage_bits, bb.footprint_bytes) == (117, 15)
    assert not bb.estimated
    assert bb.definition == BIT_BUDGET_DEFINITION and "NOT verified" in bb.definition


def test_bit_budget_reproduces_the_recalled_example_of_32_bit_weights_binary_spikes_and_4_steps():
    result, placement, _ = hand_run(load_chip("generic_45nm"), b_core=0)
    bb = cost(result, placement, latency=False).bit_budget
    assert bb.layers[0].bits_per_connection == 32 * 1 * 4 == 128  # generic gives no weight bits: float32
    assert bb.estimated and {v.key for v in bb.values} >= {"weight_bits", "state_bits"}


def test_graded_spikes_take_the_payload_bits_per_spike():
    loihi2 = load_chip("loihi2")  # graded spikes of up to 32 bits
    result, placement, _ = hand_run(loihi2, value=2.5)
    layers = cost(result, placement, fallbacks=LOIHI_FALLBACKS).bit_budget.layers
    assert [(layer.projection, layer.spike_bits) for layer in layers] == [("in->a", 32), ("a->b", 1)]


def test_json_round_trip(loihi_report):
    text = loihi_report.to_json()
    assert json.loads(text) == loihi_report.to_dict()
    again = Report.from_json(text)
    assert again.to_dict() == loihi_report.to_dict()
    assert again.to_text() == loihi_report.to_text()


def test_to_dict_carries_schema_units_and_estimated_flags(loihi_report):
    d = loihi_report.to_dict()
    assert d["schema"] == 1 and d["estimated"] is True
    assert {v["key"] for v in d["assumed"]} == {"p_static_per_core_W", "e_spike_J", "t_spike_s"}
    assert d["energy"]["total_J"] == pytest.approx(loihi_report.energy.total_J)
    assert d["energy"]["estimated"] and d["latency"]["estimated"] and not d["bit_budget"]["estimated"]
    assert {"total_s", "physical_time_s", "tick_latency_s", "deadline_misses"} <= set(d["latency"])
    assert {"e_snn_J", "e_ann_J", "macs"} <= set(d["operations"])


def test_an_unknown_report_schema_is_refused(loihi_report):
    data = {**loihi_report.to_dict(), "schema": 2}
    with pytest.raises(NeurosimError, match="report schema 2 is not supported"):
        Report.from_dict(data)


def test_text_has_every_section(loihi_report):
    text = loihi_report.to_text()
    for heading in ("Energy (per_component, estimated)", "Cores (top 2 of 2 by busy time)", "Populations",
                    "Latency", "Operations", "Bit budget", "Assumed or fallback values used", "Notes"):
        assert heading in text
    assert "e_spike_J = 1e-11 (fallback" in text


def test_text_lists_the_ten_busiest_cores_only():
    net = Network("wide")
    net.spike_times("in", 1, ticks=[0], ids=[0])
    net.population("h", 12, "lif", beta=0.5, v_th=1.0)
    net.connect("in", "h", weights=np.arange(1, 13)[:, None] * 0.1, delays=1)
    placement = place(net, load_chip("loihi"), neurons_per_core=1)
    result = simulate(placement.compiled, ticks=3)
    report = cost(result, placement, fallbacks=LOIHI_FALLBACKS)
    rows = report.to_text().split("Cores (top 10 of 12 by busy time)")[1].split("\n\n")[0].strip().splitlines()
    assert rows[0].split() == ["core", "x", "y", "neurons", "synops", "spikes", "energy", "busy"]
    shown = [[int(v) for v in row.split()[:6]] for row in rows[1:]]
    # One core per neuron (core k holds h[k]). Only h[10] and h[11] fire (weights 1.1 and 1.2 > v_th),
    # so their cores are the busiest; the other ten tie and keep core order, which drops cores 8 and 9.
    assert [row[0] for row in shown] == [10, 11, 0, 1, 2, 3, 4, 5, 6, 7]
    busy = report.latency.core_busy_s
    assert busy[10] == busy[11] > busy[0] and np.all(busy[:10] == busy[0])
    for core, x, y, neurons, synops, spikes in shown:
        assert [x, y] == report.core_xy[core].tolist()
        assert (neurons, synops, spikes) == (1, 1, int(core >= 10))


def test_compare_puts_two_profiles_side_by_side(loihi_report):
    result, placement, tr = hand_run(load_chip("loihi"))
    cheaper = cost(result, placement, load_chip("loihi").replace(e_synop_J=11.8e-12), traffic=tr,
                   fallbacks=LOIHI_FALLBACKS)
    got = compare(loihi_report, cheaper)
    rows = {name: (a, b) for name, a, b in got.rows}
    assert got.labels == ("a: loihi", "b: loihi")
    assert rows["energy_synops_J"] == pytest.approx((3 * 23.6 * PJ, 3 * 11.8 * PJ))
    assert rows["latency_total_s"][0] == rows["latency_total_s"][1]
    ratio = {row["figure"]: row["b_over_a"] for row in got.to_dict()["rows"]}
    assert ratio["energy_synops_J"] == pytest.approx(0.5)
    assert "energy_synops_J" in got.to_text()


def test_recosting_under_another_profile_equals_simulating_again_under_it():
    net = poisson_network()
    loihi, sanafe = load_chip("loihi"), load_chip("loihi_sanafe")
    placed = place(net, loihi, neurons_per_core=8)
    result = simulate(placed.compiled, ticks=30)
    got = cost(result, placed, sanafe, traffic=traffic(result, route(placed)))
    again = place(net, sanafe, neurons_per_core=8)
    expected = cost(simulate(again.compiled, ticks=30), again)
    assert got.energy.total_J > 0 and got.latency.total_s > 0
    assert got.to_dict() == expected.to_dict()


def test_recosting_with_traffic_routes_nothing_again(monkeypatch):
    result, placement, tr = hand_run(load_chip("loihi"))

    def no_routing(_placement):
        raise AssertionError("route() called although the traffic's route table was passed")

    monkeypatch.setattr("neurosim.mapping.routing.route", no_routing)
    assert cost(result, placement, load_chip("loihi_sanafe"), traffic=tr).energy.total_J > 0


def test_traffic_of_another_placement_is_refused():
    result, placement, _ = hand_run(load_chip("loihi"))
    _, _, other = hand_run(load_chip("loihi"))
    with pytest.raises(NeurosimError, match="another placement"):
        cost(result, placement, traffic=other, fallbacks=LOIHI_FALLBACKS)
