"""``neurosim run [MODEL.nir]``: the bundled digits model, ``run_nir``, --record, --json, one-line errors.

The bundled files (``neurosim/data/``) come from ``tools/make_bundled_model.py``: a 64 -> 64 -> 10
snnTorch network trained on sklearn digits and 100 held-out rate-coded test digits with their labels
and snnTorch's own output spike counts and predictions.
"""
import json

import numpy as np
import pytest

from neurosim import Report
from neurosim.cli import main
from neurosim.workflows.inputs import BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir

nir = pytest.importorskip("nir")

SAMPLES = load_input_file(bundled(BUNDLED_SAMPLES))


@pytest.fixture(scope="module")
def bundled_run():
    return run_nir(bundled(BUNDLED_MODEL), SAMPLES, "loihi_sanafe", "snntorch")


def test_bundled_files_are_small_and_complete():
    assert bundled(BUNDLED_MODEL).stat().st_size + bundled(BUNDLED_SAMPLES).stat().st_size < 300_000
    assert SAMPLES["input"].shape == (100, 20, 64) and SAMPLES["labels"].shape == (100,)
    assert SAMPLES["reference_counts"].shape == (100, 10)


@pytest.mark.peer
def test_bundled_run_reproduces_snntorch_output_counts_predictions_and_accuracy(bundled_run):
    run = bundled_run
    assert run.output_node == "lif2" and run.samples == 100 and run.ticks_per_sample == 20
    assert np.array_equal(run.outputs["lif2"].sum(axis=1), SAMPLES["reference_counts"])
    assert np.array_equal(run.predictions, SAMPLES["reference_predictions"])
    assert run.accuracy == float(np.mean(SAMPLES["reference_predictions"] == SAMPLES["labels"]))
    assert run.accuracy > 0.9


def test_bundled_report_covers_every_sample(bundled_run):
    run = bundled_run
    assert (run.report.ticks, run.report.samples, run.report.ticks_per_sample) == (2000, 100, 20)
    assert run.result.counters.spikes == sum(int(v.sum()) for v in run.outputs.values()) + int(SAMPLES["input"].sum())
    assert run.result.counters.spikes_per_population()["lif1"] == int(run.outputs["lif1"].sum())


def test_samples_are_independent_state_is_reset_between_them(bundled_run):
    """Sample 3 alone gives what it gave as the fourth sample of the batch."""
    one = run_nir(bundled(BUNDLED_MODEL), {"x": SAMPLES["input"][3]}, "loihi_sanafe", "snntorch")
    assert one.samples == 1 and one.accuracy is None
    for k in ("lif1", "lif2"):
        assert np.array_equal(one.outputs[k][0], bundled_run.outputs[k][3])


def test_li_readout_is_recorded_as_membrane_and_predicts_by_it():
    g = nir.NIRGraph.from_list(nir.Affine(np.eye(3) * 2.0, np.zeros(3)),
                               nir.LI(tau=np.full(3, 2e-4), r=np.ones(3), v_leak=np.zeros(3)))
    x = np.zeros((2, 5, 3))
    x[0, :, 1] = 1
    x[1, :, 2] = 1
    run = run_nir(g, {"x": x, "labels": np.array([1, 2])}, "loihi_sanafe", "nir")
    (node,) = [k for k in run.outputs if k != "input"]
    assert run.outputs[node].shape == (2, 5, 3) and run.outputs[node].dtype == np.float64
    assert run.outputs[node][0, -1, 1] > 0 and run.accuracy == 1.0


def test_cli_bundled_run_prints_accuracy_against_labels_and_snntorch(capsys):
    assert main(["run", "--no-progress"]) == 0
    out = capsys.readouterr().out
    acc = float(np.mean(SAMPLES["reference_predictions"] == SAMPLES["labels"]))
    assert f"accuracy: {acc:.1%}" in out
    assert "snnTorch's own predictions: agree on 100/100" in out and "energy per sample" in out
    assert main(["demo", "--no-progress", "--samples", "3"]) == 0
    assert "3 sample(s) x 20 ticks" in capsys.readouterr().out


def test_cli_record_writes_b_t_n_per_node_and_json_round_trips(tmp_path, capsys):
    rec, js = tmp_path / "out.npz", tmp_path / "report.json"
    model, inp = tmp_path / "m.nir", tmp_path / "in.npz"
    model.write_bytes(bundled(BUNDLED_MODEL).read_bytes())
    np.savez(inp, x=SAMPLES["input"][:4], labels=SAMPLES["labels"][:4])
    args = ["run", str(model), "--input", str(inp), "--dialect", "snntorch", "--record", str(rec), "--json", str(js),
            "--no-progress"]
    assert main(args) == 0
    assert "accuracy:" in capsys.readouterr().out
    with np.load(rec) as out:
        assert set(out.files) == {"lif1", "lif2"}
        assert out["lif1"].shape == (4, 20, 64) and out["lif2"].shape == (4, 20, 10)
        assert np.array_equal(out["lif2"].sum(axis=1), SAMPLES["reference_counts"][:4])
    data = json.loads(js.read_text())
    assert (data["ticks"], data["samples"], data["chip"]) == (80, 4, "loihi_sanafe")
    report = Report.from_json(js.read_text())
    assert report.to_json() == js.read_text()


def test_cli_ticks_per_sample_pads_with_silence(tmp_path, capsys):
    js = tmp_path / "r.json"
    assert main(["run", "--samples", "2", "--ticks", "30", "--json", str(js), "--no-progress"]) == 0
    assert json.loads(js.read_text())["ticks"] == 60


def _error(capsys, args):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("neurosim: error: ") and err.count("\n") == 1, err
    return err


def test_cli_bad_inputs_are_one_line_errors(tmp_path, capsys):
    model = str(bundled(BUNDLED_MODEL))
    assert "does not exist" in _error(capsys, ["run", str(tmp_path / "nope.nir"), "--input", "x.npz"])
    assert "unknown NIR dialect 'pytorch'" in _error(capsys, ["run", model, "--dialect", "pytorch"])
    # The bundled snnTorch file read as Norse 1.0 has tau < dt: the error names the dialect that fits.
    assert "use dialect 'norse-1.1'" in _error(capsys, ["run", "--dialect", "norse"])
    assert "no input" in _error(capsys, ["run", model])
    assert "does not exist" in _error(capsys, ["run", model, "--input", str(tmp_path / "missing.npz")])
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    assert "not a readable .npz" in _error(capsys, ["run", model, "--input", str(bad)])
    cases = {
        "wrong_key": ({"pixels": np.zeros((20, 64))}, "input 'pixels' is not an input node"),
        "wrong_shape": ({"input": np.zeros((20, 63))}, "expected [T, 64] or [B, T, 64]"),
        "too_many_dims": ({"x": np.zeros((2, 2, 20, 64))}, "expected [T, 64] or [B, T, 64]"),
        "bad_labels": ({"x": np.zeros((3, 20, 64)), "labels": np.zeros(2, int)}, "labels: shape (2,)"),
        "nan": ({"x": np.full((20, 64), np.nan)}, "NaN"),
        "strings": ({"x": np.array(["a"] * 64)}, "not numeric"),
    }
    for name, (arrays, message) in cases.items():
        path = tmp_path / f"{name}.npz"
        np.savez(path, **arrays)
        assert message in _error(capsys, ["run", model, "--input", str(path)]), name
    assert "--samples" in _error(capsys, ["run", "--samples", "0"])
    assert "cannot write" in _error(capsys, ["run", "--samples", "1", "--no-progress",
                                             "--json", str(tmp_path / "no" / "dir.json")])


def test_cli_silence_with_ticks_runs_one_sample(capsys):
    assert main(["run", str(bundled(BUNDLED_MODEL)), "--dialect", "snntorch", "--ticks", "5", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1 sample(s) x 5 ticks" in out and "accuracy" not in out


def test_cli_trace_of_several_samples_is_one_continuous_run(tmp_path, capsys):
    from neurosim.trace import read_trace

    trace_file, js = tmp_path / "run.h5", tmp_path / "report.json"
    assert main(["run", "--samples", "3", "--trace", str(trace_file), "--json", str(js), "--no-progress"]) == 0
    trace = read_trace(trace_file)
    report = json.loads(js.read_text())
    assert trace.ticks == report["ticks"] == 60 and trace.complete
    ticks = trace.spikes["tick"]
    assert ticks.max() >= 40  # the third sample's ticks follow the first two
    assert np.all(np.bincount(ticks // 20, minlength=3) > 0)
    assert trace.tick_spikes.sum() == ticks.size


@pytest.mark.parametrize("kind", ["raster", "mesh", "links", "timeline"])
def test_cli_plots_a_trace(tmp_path, capsys, kind):
    trace_file, out = tmp_path / "run.h5", tmp_path / f"{kind}.png"
    assert main(["run", "--samples", "2", "--trace", str(trace_file), "--no-progress"]) == 0
    assert main(["plot", str(trace_file), "--kind", kind, "-o", str(out)]) == 0
    assert out.stat().st_size > 1000


def test_cli_plots_and_compares_reports(tmp_path, capsys):
    a, b, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "cmp.png"
    assert main(["run", "--samples", "2", "--json", str(a), "--no-progress"]) == 0
    assert main(["run", "--samples", "2", "--chip", "loihi", "--fallback", "e_spike_J=0", "--fallback",
                 "t_spike_s=0", "--json", str(b), "--no-progress"]) == 0
    assert main(["plot", str(a), "--kind", "compare", "--other", str(b), "-o", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert main(["plot", str(a), "--kind", "compare", "-o", str(out)]) == 2
    assert "--kind compare needs --other" in capsys.readouterr().err


def test_cli_workers_split_the_samples_with_identical_outputs(tmp_path, capsys):
    files = {}
    for workers in ("1", "2"):
        record, report = tmp_path / f"r{workers}.npz", tmp_path / f"r{workers}.json"
        assert main(["run", "--samples", "12", "--workers", workers, "--record", str(record),
                     "--json", str(report)]) == 0
        with np.load(record) as data:
            files[workers] = ({k: data[k] for k in data.files}, report.read_text(), capsys.readouterr().out)
    (one, report_one, out_one), (two, report_two, out_two) = files["1"], files["2"]
    assert one.keys() == two.keys() and all(np.array_equal(one[k], two[k]) for k in one)
    assert report_one == report_two and out_one == out_two
    assert main(["run", "--workers", "0"]) == 2
    assert "workers" in capsys.readouterr().err
