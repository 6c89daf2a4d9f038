"""The hand-written network read by SANA-FE and by neurosim spikes alike, tick by tick (skipped
unless the ``sanafe`` wheel is importable; it is not a neurosim dependency)."""
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.sanafe import read_sanafe

sanafe = pytest.importorskip("sanafe")
if not hasattr(sanafe, "SpikingChip"):  # conftest puts tests/ on sys.path: without the wheel, this folder is found
    pytest.skip("the SANA-FE wheel (sanafe) is not installed", allow_module_level=True)

DATA = Path(__file__).parent / "data"
TICKS = 8


def sanafe_spikes(net_yaml, arch_yaml, ticks):
    arch = sanafe.load_arch(str(arch_yaml))
    chip = sanafe.SpikingChip(arch)
    chip.load(sanafe.load_net(str(net_yaml), arch))
    trace = chip.sim(ticks, spike_trace=True)["spike_trace"]
    return sorted((t, a.group_name, a.neuron_offset) for t, step in enumerate(trace) for a in step)


def neurosim_spikes(net_yaml, arch_yaml, ticks):
    model = read_sanafe(net_yaml, arch_yaml)
    result = ns.simulate(model.placement.compiled, ticks)
    out = []
    for name in model.soma_units:  # populations only: SANA-FE also traces its input neurons
        t, i = result.spikes(name)
        out += [(int(a), name, int(b)) for a, b in zip(t, i)]
    return sorted(out)


def test_hand_written_network_spikes_alike_in_both_simulators():
    expected = [s for s in sanafe_spikes(DATA / "net.yaml", DATA / "arch.yaml", TICKS) if s[1] != "in"]
    got = neurosim_spikes(DATA / "net.yaml", DATA / "arch.yaml", TICKS)
    assert len(expected) > 10
    assert got == expected


def test_the_check_can_fail_when_a_weight_changes(tmp_path):
    text = (DATA / "net.yaml").read_text().replace("hid.2 -> hid.3: [weight: 4]", "hid.2 -> hid.3: [weight: -9]")
    (tmp_path / "net.yaml").write_text(text)
    changed = neurosim_spikes(tmp_path / "net.yaml", DATA / "arch.yaml", TICKS)
    expected = [s for s in sanafe_spikes(DATA / "net.yaml", DATA / "arch.yaml", TICKS) if s[1] != "in"]
    assert changed != expected
    np.testing.assert_equal(changed, [s for s in sanafe_spikes(tmp_path / "net.yaml", DATA / "arch.yaml", TICKS)
                                      if s[1] != "in"])
