"""The same seeded run gives the same bytes: twice in one process, in two processes, and a sweep with
1 and 2 workers (report JSON, record ``.npz``, sweep CSV without its timing columns)."""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurosim.cli import main

pytest.importorskip("nir")
RUN = ["run", "--samples", "5", "--no-progress", "--seed", "7", "--full"]
SWEEP = ["sweep", "--samples", "3", "--no-progress", "--seed", "7", "--vary", "neurons_per_core=32,64",
         "--vary", "quantize=false,true"]


def _outputs(directory: Path) -> tuple[bytes, bytes]:
    return (directory / "r.json").read_bytes(), (directory / "r.npz").read_bytes()


def _run_in_this_process(directory: Path) -> tuple[bytes, bytes]:
    directory.mkdir()
    assert main(RUN + ["--json", str(directory / "r.json"), "--record", str(directory / "r.npz")]) == 0
    return _outputs(directory)


def test_the_same_seeded_run_twice_in_one_process_writes_the_same_bytes(tmp_path):
    assert _run_in_this_process(tmp_path / "a") == _run_in_this_process(tmp_path / "b")


def test_the_same_seeded_run_in_another_process_writes_the_same_bytes(tmp_path):
    here = _run_in_this_process(tmp_path / "a")
    (tmp_path / "b").mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, "-m", "neurosim.cli", *RUN, "--json", str(tmp_path / "b" / "r.json"),
                    "--record", str(tmp_path / "b" / "r.npz")], check=True, capture_output=True, env=env, timeout=300)
    assert _outputs(tmp_path / "b") == here


TIMING_COLUMNS = ("wall_s", "seconds", "time_s")


def _table_without_timing(path: Path) -> list[dict]:
    """The rows in point order (rows are written as groups finish), without their timing columns."""
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 4
    rows.sort(key=lambda row: int(row["point"]))
    return [{k: v for k, v in row.items() if not k.endswith(TIMING_COLUMNS)} for row in rows]


def test_a_sweep_with_one_and_two_workers_writes_the_same_table(tmp_path):
    assert main(SWEEP + ["--workers", "1", "--out", str(tmp_path / "one.csv")]) == 0
    assert main(SWEEP + ["--workers", "2", "--out", str(tmp_path / "two.csv")]) == 0
    assert _table_without_timing(tmp_path / "one.csv") == _table_without_timing(tmp_path / "two.csv")
