"""The per-event operations of a core each have an energy and a latency field, with one condition."""
from __future__ import annotations

from neurosim.chip import FIELDS


def test_every_latency_has_the_energy_of_the_same_operation_under_the_same_condition():
    energy = {f.name[2:-2]: f for f in FIELDS if f.section == "energy" and f.name.startswith("e_")}
    latency = {f.name[2:-2]: f for f in FIELDS if f.section == "latency"}
    assert set(latency) == {"synop", "neuron_update_active", "neuron_update_idle", "spike", "packet", "hop_x",
                            "hop_y", "chip_crossing", "learning"}
    for op, field in latency.items():
        assert (field.unit, energy[op].unit) == ("s", "J"), op
        assert field.when == energy[op].when, op
