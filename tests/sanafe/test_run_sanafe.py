"""``run_sanafe`` and ``neurosim run NET.yaml --arch ARCH.yaml``: SANA-FE's files run with their own
mapping, on the hand-written files of ``data/``."""
import json
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.errors import NeurosimError
from neurosim.sanafe import read_sanafe

DATA = Path(__file__).parent / "data"
NET, ARCH = DATA / "net.yaml", DATA / "arch.yaml"


def test_run_sanafe_is_read_simulate_cost_with_the_inputs_on_their_cores():
    run = ns.run_sanafe(NET, ARCH, static=False)
    model = read_sanafe(NET, ARCH)
    result = ns.simulate(model.placement.compiled, 6)  # the longest input train has 6 steps
    probed = ns.simulate(model.placement.compiled, 6, probe=["hid", "conv"])  # SANA-FE's rule reads v
    membranes = {name: probed.state(name, "v") for name in ("hid", "conv")}
    expected = ns.cost(result, model.placement, model.profile, static=False, membranes=membranes)
    assert run.report.ticks == 6
    assert run.report.energy.by_class() == expected.energy.by_class()
    assert run.unrepresented == model.unrepresented
    # The inputs send from SANA-FE's cores 0.0 and 0.1 (neurosim cores 0, 1), so their packets are those
    # cores' (no host packets) and their hops start at router (0, 0) of tile 0.
    assert run.report.energy.host_energy_J.sum() == 0
    assert {0, 1} <= set(run.report.energy.cores.tolist())
    # Events at the spike tick: the inputs' 12 spikes reach 4 dense and 1 conv synapse each.
    counts = dict(zip(run.report.energy.classes, run.report.energy.counts))
    assert counts["synops[test_conv_synapse]"] == 12
    hid_spikes = int(np.sum(result.spikes("hid")[0] >= 0))
    assert counts["synops"] == 12 * 4 + hid_spikes  # every hid neuron has one recurrent synapse


def test_run_sanafe_refuses_placement_options():
    with pytest.raises(NeurosimError, match=r"run_sanafe: neurons_per_core do not apply: the placement is the "
                                            r"mapping of"):
        ns.run_sanafe(NET, ARCH, neurons_per_core=2)


def test_static_energy_needs_a_static_power_the_architecture_does_not_give():
    with pytest.raises(ns.ProfileError, match=r"static power of .* cores \(static=False leaves it out\)"):
        ns.run_sanafe(NET, ARCH)


def test_cli_runs_a_sanafe_network_on_its_architecture(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert main(["run", str(NET), "--arch", str(ARCH), "--no-static", "--ticks", "5", "--json", str(out),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert f"SANA-FE network {NET} on {ARCH}: 5 ticks, SANA-FE's mapping (5 cores)" in text
    assert "What the files say that this run does not model:" in text and "link_buffer_size = 4" in text
    report = json.loads(out.read_text())
    assert report["ticks"] == 5 and "static" not in report["energy"]["classes"]
    assert "synops[test_conv_synapse]" in report["energy"]["classes"]


@pytest.mark.parametrize("args, message", [
    (["--chip", "loihi"], "--chip does not apply with --arch"),
    (["--neurons-per-core", "4"], "--neurons-per-core does not apply with --arch"),
])
def test_cli_refuses_options_that_do_not_apply_to_a_sanafe_network(args, message, capsys):
    assert main(["run", str(NET), "--arch", str(ARCH), *args, "--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_cli_without_static_marks_the_energy_partial(capsys):
    assert main(["run", str(NET), "--arch", str(ARCH), "--no-progress"]) == 0
    assert "not published: p_static_per_core_W" in capsys.readouterr().out
