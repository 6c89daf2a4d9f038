"""The CLI on bad input: one line and exit 2, outputs that never replace an input, and Ctrl-C in every
phase (load, compile, kernel, cost, write) ending with one line and exit 130."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neurosim.cli import main

pytest.importorskip("nir")
DATA = Path(__file__).parent / "data" / "nir"


@pytest.fixture
def model(tmp_path):
    """A copy of a small NIR model and its inputs in ``tmp_path``: (model path, input path)."""
    shutil.copy(DATA / "snntorch_ff.nir", tmp_path / "m.nir")
    spikes = np.random.default_rng(0).random((3, 12, 64)) < 0.3
    np.savez(tmp_path / "in.npz", input=spikes.astype(np.float32), labels=np.array([0, 1, 2]))
    return tmp_path / "m.nir", tmp_path / "in.npz"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(model, *extra):
    return ["run", str(model[0]), "--input", str(model[1]), "--samples", "2", "--no-progress", *extra]


def _one_line_error(capsys, *words):
    err = capsys.readouterr().err.strip()
    assert err.startswith("neurosim: error: ") and "\n" not in err and "Traceback" not in err, err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("option", ["--json", "--record", "--trace"])
@pytest.mark.parametrize("which", [0, 1])
def test_an_output_that_is_an_input_is_refused_before_the_run_and_the_input_kept(model, capsys, option, which):
    before = [_digest(p) for p in model]
    assert main(_run(model, option, str(model[which]))) == 2
    _one_line_error(capsys, option, "would destroy the input")
    assert [_digest(p) for p in model] == before


def test_an_output_reached_through_another_spelling_or_a_link_is_the_same_file(model, capsys, tmp_path):
    link = tmp_path / "link.npz"
    link.symlink_to(model[1])
    spelled = tmp_path / "sub" / ".." / "in.npz"
    (tmp_path / "sub").mkdir()
    for path in (link, spelled):
        assert main(_run(model, "--record", str(path))) == 2
        _one_line_error(capsys, "would destroy the input")


@pytest.mark.parametrize("extra, words", [
    (("--json", ""), ["--json ''"]),
    (("--record", ""), ["--record ''"]),
    (("--dialect", ""), ["--dialect ''"]),
    (("--json", "{dir}"), ["is a directory"]),
    (("--json", "{dir}/missing/r.json"), ["does not exist; create it first"]),
    (("--record", "{model}/x.npz"), ["is not a directory"]),
    (("--json", "{dir}/a.json", "--record", "{dir}/a.json"), ["both name"]),
    (("--ticks", str(2 ** 64)), ["memory limit"]),
    (("--ticks", str(10 ** 13)), ["memory limit"]),
])
def test_bad_arguments_are_one_line_and_exit_2_before_anything_is_written(model, capsys, tmp_path, extra, words):
    extra = [e.format(dir=tmp_path, model=model[0]) for e in extra]
    assert main(_run(model, *extra)) == 2
    _one_line_error(capsys, *words)
    assert not (tmp_path / "a.json").exists()


def test_a_directory_given_as_the_model_or_the_input_is_named_as_a_directory(model, tmp_path, capsys):
    assert main(["run", str(tmp_path), "--ticks", "3"]) == 2
    _one_line_error(capsys, "model", "is a directory")
    assert main(["run", str(model[0]), "--input", str(tmp_path)]) == 2
    _one_line_error(capsys, "input file", "is a directory")


def test_outputs_are_written_whole_with_no_temporary_file_left(model, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for _ in range(2):  # the second run replaces the first run's files
        assert main(_run(model, "--json", str(out / "r.json"), "--record", str(out / "r.npz"))) == 0
    assert sorted(p.name for p in out.iterdir()) == ["r.json", "r.npz"]
    assert isinstance(json.loads((out / "r.json").read_text()), dict)


@pytest.mark.parametrize("content", ["[]", "{not json", ""])
def test_plot_of_a_report_that_is_not_a_json_object_is_one_line(tmp_path, capsys, content):
    report = tmp_path / "r.json"
    report.write_text(content)
    assert main(["plot", str(report), "-o", str(tmp_path / "p.png")]) == 2
    _one_line_error(capsys, "r.json")
    assert report.read_text() == content and not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("out, words", [("x.txt", ["not '.txt'"]), ("r.json", ["would destroy the input"]),
                                        ("afile/x.png", ["is not a directory"]),
                                        ("missing/x.png", ["does not exist"]), ("", ["--out ''"])])
def test_plot_output_is_checked_before_reading(tmp_path, capsys, out, words):
    (tmp_path / "r.json").write_text("{}")
    (tmp_path / "afile").write_text("")
    assert main(["plot", str(tmp_path / "r.json"), "-o", str(tmp_path / out) if out else ""]) == 2
    _one_line_error(capsys, *words)
    assert (tmp_path / "r.json").read_text() == "{}"


def test_sweep_out_that_is_a_directory_or_the_model_is_refused(model, tmp_path, capsys):
    for out in (tmp_path, model[0]):
        assert main(["sweep", str(model[0]), "--input", str(model[1]), "--samples", "1", "--no-progress",
                     "--vary", "e_synop_J=1e-11", "--out", str(out)]) == 2
        _one_line_error(capsys, "--out")


DRIVER = textwrap.dedent("""
    import os, signal, sys
    import neurosim.cli as cli
    import neurosim.workflows.run as run

    def interrupt_before(module, name):
        original = getattr(module, name)
        def wrapper(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            return original(*args, **kwargs)
        setattr(module, name, wrapper)

    def interrupt_in_the_kernel():
        original = run.simulate_batch
        def wrapper(*args, **kwargs):
            def progress(done, total):
                if done > 0:
                    os.kill(os.getpid(), signal.SIGINT)
            return original(*args, **{**kwargs, "progress": progress})
        run.simulate_batch = wrapper

    phase = sys.argv[1]
    targets = {"load": (run, "load_batch"), "compile": (run, "prepare"), "cost": (run, "cost"),
               "write": (cli, "_write_outputs")}
    interrupt_in_the_kernel() if phase == "kernel" else interrupt_before(*targets[phase])
    sys.exit(cli.main(sys.argv[2:]))
""")


@pytest.mark.parametrize("phase", ["load", "compile", "kernel", "cost", "write"])
def test_ctrl_c_in_each_phase_is_one_line_exit_130_and_leaves_a_readable_trace(model, tmp_path, phase):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    trace, record = tmp_path / "t.h5", tmp_path / "r.npz"
    before = [_digest(p) for p in model]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, str(driver), phase, *_run(model, "--trace", str(trace), "--record",
                                                                      str(record))],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 130, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neurosim: ") and "Traceback" not in done.stderr, done.stderr
    assert not record.exists() and [_digest(p) for p in model] == before
    assert not list(tmp_path.glob(".*.part*"))
    if phase in ("load", "compile"):
        assert not trace.exists()
        return
    from neurosim.trace import read_trace

    read = read_trace(trace)  # a readable prefix: whole chunks, verified by the reader
    assert read.complete == (phase != "kernel") and 0 < read.ticks <= read.ticks_planned
