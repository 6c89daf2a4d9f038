"""`neurosim run --chip NAME` with no other flag, for every shipped profile; --dt, --full and `neurosim models`.

A number a profile does not publish is marked "not published" and leaves the totals partial; it is
never guessed, and it never stops the run (docs/decisions/0012-unpublished-figures.md).
"""
import json
import pathlib
import re

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import _first_sentence, main
from neurosim.cost_model.unpublished import MESH_KEYS
from neurosim.errors import NeurosimError, ProfileError
from neurosim.workflows.run import run_nir

DATA = pathlib.Path(__file__).parent / "data" / "nir"

EXPECTED_MISSING = {  # at least these, from each profile's `unpublished` list
    "generic_45nm": {"t_synop_s", "tick_s"},
    "loihi": {"e_spike_J", "t_spike_s"},
    "loihi2": {"e_spike_J", "t_spike_s"},
    "loihi_sanafe": set(),
    "spinnaker2": {"e_synop_J", "t_synop_s", "p_static_per_core_W"},
    "truenorth": {"t_synop_s", "t_spike_s"},
}


def run_cli(capsys, tmp_path, *args):
    path = tmp_path / "report.json"
    code = main(["run", "--no-progress", "--samples", "2", "--json", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, json.loads(path.read_text()) if code == 0 else None


def test_every_shipped_chip_is_listed_here():
    assert set(ns.list_chips()) == set(EXPECTED_MISSING)


@pytest.mark.parametrize("chip", sorted(EXPECTED_MISSING))
def test_run_with_no_flag_marks_what_the_profile_does_not_publish(chip, capsys, tmp_path):
    code, out, err, report = run_cli(capsys, tmp_path, "--chip", chip)
    assert code == 0, err
    profile = ns.load_chip(chip)
    missing = set(report["missing_keys"])
    assert missing >= EXPECTED_MISSING[chip]
    # never guessed: every key marked is one the profile leaves out
    assert all(key in profile.unpublished or getattr(profile, key) is None for key in missing)
    assert report["partial"] is bool(missing)
    assert report["energy"]["partial"] is bool(report["energy"]["missing_keys"])
    if missing:
        line = next(line for line in out.splitlines() if line.startswith("not published: "))
        assert all(key in line for key in missing) and "--fallback KEY=VALUE" in line
    else:
        assert "not published" not in out and "partial" not in out
    # a class left out costs nothing in the partial total, which is the sum of the classes kept
    energy = report["energy"]
    time_keys = {key for key, _ in report["latency"]["missing"]} if report["latency"] else set()
    for key, name in energy["missing"]:
        joules = energy["energy_J"][energy["classes"].index(name)]
        # left out, unless it is static energy over a partial (barrier) time: a lower bound
        assert joules == 0.0 or (name == "static" and key in time_keys)
    assert energy["total_J"] == pytest.approx(sum(energy["energy_J"]), rel=1e-12)


def test_a_partial_total_is_the_total_with_the_missing_numbers_at_zero(capsys, tmp_path):
    _, out, _, marked = run_cli(capsys, tmp_path, "--chip", "loihi")
    assert "energy per sample" in out and "(estimated, partial)" in out
    fallbacks = [a for key in marked["missing_keys"] for a in ("--fallback", f"{key}=0")]
    _, out, _, filled = run_cli(capsys, tmp_path, "--chip", "loihi", *fallbacks)
    assert not filled["partial"] and filled["missing_keys"] == [] and "not published" not in out
    assert filled["energy"]["total_J"] == marked["energy"]["total_J"]
    assert filled["latency"]["tick_latency_s"] == marked["latency"]["tick_latency_s"]
    assert {v["key"] for v in filled["assumed"]} >= set(marked["missing_keys"])  # the fallbacks are estimates


def test_full_report_marks_each_class_and_names_its_fallback(capsys, tmp_path):
    code, out, _, _ = run_cli(capsys, tmp_path, "--chip", "loihi", "--full")
    assert code == 0
    assert "PARTIAL: the profile does not publish e_spike_J, t_spike_s" in out
    assert re.search(r"\n  spikes +\d+ +- +not published\n", out)
    assert "total (partial)" in out and "not published: e_spike_J (spikes); fill with --fallback e_spike_J=VALUE" in out
    assert "Latency (partial)" in out and "fill with --fallback t_spike_s=VALUE" in out


def test_summary_by_default_and_the_tables_with_full(capsys, tmp_path):
    _, short, _, short_json = run_cli(capsys, tmp_path)
    _, full, _, full_json = run_cli(capsys, tmp_path, "--full")
    lines = short.splitlines()
    assert lines[1].startswith("accuracy: ")
    assert any(line.startswith("chip loihi_sanafe: 2 core(s) used") for line in lines)
    assert any(line.startswith("energy per sample   ") for line in lines)
    assert any(line.startswith("latency per sample  ") for line in lines)
    assert "the full report: --full" in short
    for table in ("Energy (", "Cores (top", "Populations", "Operations", "Bit budget"):
        assert table not in short and table in full
    assert len(lines) < 15
    assert short_json == full_json and {"energy", "latency", "operations", "bit_budget", "convention"} <= set(short_json)


def test_spinnaker2_without_a_mesh_places_and_marks_hops_not_published(capsys, tmp_path):
    code, out, err, report = run_cli(capsys, tmp_path, "--chip", "spinnaker2", "--neurons-per-core", "8", "--full")
    assert code == 0, err
    assert report["energy"]["cores"] and len(report["energy"]["cores"]) > 4  # more than one tile
    assert set(MESH_KEYS) <= set(report["missing_keys"])
    energy = report["energy"]
    hops = energy["classes"].index("hops_x")
    assert energy["counts"][hops] == 0 and energy["energy_J"][hops] == 0  # the row of tiles is not the mesh
    assert ["mesh_x", "hops_x"] in energy["missing"]
    assert re.search(r"\n  hops_x +not published +- +not published\n", out)
    assert "publishes no router mesh" in out


def test_a_missing_mesh_still_raises_when_asked_to(tmp_path):
    net = ns.Network("chain")
    net.poisson("in", 4, p=0.5, seed=0)
    net.population("a", 16, "lif", beta=0.9, v_th=0.5)
    net.population("b", 16, "lif", beta=0.9, v_th=0.5)
    net.connect("in", "a", weights=1.0, delays=1)
    net.connect("a", "b", weights=1.0, delays=1)
    every_cost = {"updates_all_neurons": False, "e_synop_J": 1e-12, "e_neuron_update_active_J": 1e-12,
                  "e_spike_J": 1e-12, "e_packet_J": 1e-12, "e_hop_x_J": 1e-12, "e_hop_y_J": 1e-12,
                  "p_static_per_core_W": 0.0}
    with pytest.raises(ProfileError, match=r"hops x needs the router mesh.*unpublished for 'spinnaker2'"):
        ns.run_on_chip(net, "spinnaker2", 10, neurons_per_core=4, fallbacks=every_cost, latency=False)
    run = ns.run_on_chip(net, "spinnaker2", 10, neurons_per_core=4, fallbacks=every_cost, latency=False,
                         missing="mark")
    assert run.report.partial and set(MESH_KEYS) <= {k for k, _ in run.report.missing}


def test_dt_reads_a_nir_file_at_another_time_step(capsys, tmp_path):
    ref = np.load(DATA / "norse_ff.npz")
    inputs = tmp_path / "x.npz"
    np.savez(inputs, x=ref["inputs"][:2], labels=ref["labels"][:2])
    records = {}
    for name, dt in (("default", []), ("ms", ["--dt", "1e-3"])):
        records[name] = tmp_path / f"{name}.npz"
        assert main(["run", str(DATA / "norse_ff.nir"), "--input", str(inputs), "--dialect", "nir", "--no-progress",
                     "--record", str(records[name]), *dt]) == 0
    assert "dialect nir, dt 0.001 s" in capsys.readouterr().out
    api = run_nir(DATA / "norse_ff.nir", {"x": ref["inputs"][:2]}, "loihi_sanafe", "nir", dt=1e-3)
    with np.load(records["ms"]) as got, np.load(records["default"]) as default:
        assert set(got.files) == set(api.outputs)
        for node in got.files:
            assert np.array_equal(got[node], api.outputs[node])
        assert not np.array_equal(got["cuba"], default["cuba"])  # 1e-4 s, the nir default, is another model


def test_dt_must_be_positive(capsys):
    assert main(["run", "--dt", "0", "--no-progress"]) == 2
    assert "--dt must be a positive number of seconds" in capsys.readouterr().err


def test_models_lines_end_at_a_sentence_end(capsys):
    assert main(["models"]) == 0
    lines = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert set(lines) == set(ns.list_models())
    for name, text in lines.items():
        assert text.endswith("."), name
        assert text.count("(") == text.count(")"), name
    assert lines["li"] != lines["integrator"]
    assert "(Cassidy et al. 2013)" in lines["truenorth"]


@pytest.mark.parametrize("doc, first", [
    ("One. Two.", "One."),
    ("A neuron (Smith et al. 2013), stochastic.\n\nMore.", "A neuron (Smith et al. 2013), stochastic."),
    ("Wrapped over\ntwo lines. Then more.", "Wrapped over two lines."),
    ("No full stop at all", "No full stop at all"),
    ("Version 1.5 of it. Next.", "Version 1.5 of it."),
])
def test_first_sentence(doc, first):
    assert _first_sentence(doc) == first


def test_dt_reads_a_file_exported_at_1e_3_s_as_its_framework_ran_it(capsys, tmp_path):
    """snnTorch's reference model written at dt = 1e-3 s (time constants 10x those at the dialect's 1e-4 s):
    with --dt 1e-3 it gives snnTorch's own spikes, tick for tick; read at the default dt it does not."""
    from neurosim.nir import load_nir, save_nir

    ref = np.load(DATA / "snntorch_ff.npz")
    model = tmp_path / "ms.nir"
    save_nir(load_nir(DATA / "snntorch_ff.nir", dialect="snntorch"), model, "snntorch", dt=1e-3)
    inputs = tmp_path / "x.npz"
    np.savez(inputs, input=ref["inputs"][:3])
    records = {}
    for name, dt in (("ms", ["--dt", "1e-3"]), ("default", [])):
        records[name] = tmp_path / f"{name}.npz"
        assert main(["run", str(model), "--input", str(inputs), "--dialect", "snntorch", "--no-progress",
                     "--record", str(records[name]), *dt]) == 0
    assert "dialect snntorch, dt 0.001 s, 3 sample(s)" in capsys.readouterr().out
    with np.load(records["ms"]) as got, np.load(records["default"]) as default:
        for node, spikes in (("lif1", ref["spk1"][:3]), ("lif2", ref["spk2"][:3])):
            assert np.array_equal(got[node], spikes), node
            assert not np.array_equal(default[node], spikes), node
