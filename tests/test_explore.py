"""Design-space sweeps (neurosim.explore): grouping, re-costing, executors, failures, Pareto, CSV."""
from __future__ import annotations

import csv
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from neurosim import Network, load_chip
from neurosim.cli import main
from neurosim.errors import NeurosimError
from neurosim.explore import read_sweep, sweep
from neurosim.pareto import pareto_front
from neurosim.pipeline import run_on_chip

CHIP = "loihi_sanafe"
TICKS = 40
VARY = {"neurons_per_core": [8, 16], "e_synop_J": [2e-11, 3.55e-11], "e_hop_x_J": [3e-12, 6e-12]}


def small_network() -> Network:
    net = Network("poisson")
    net.poisson("in", 40, p=0.2, seed=3)
    net.population("h", 24, "lif", beta=0.9, v_th=1.0)
    net.population("o", 6, "lif", beta=0.9, v_th=1.0)
    rng = np.random.default_rng(7)
    net.connect("in", "h", weights=rng.uniform(0, 0.5, (24, 40)) * (rng.random((24, 40)) < 0.5), delays=1)
    net.connect("h", "o", weights=rng.uniform(0, 1.0, (6, 24)), delays=2)
    return net


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


@pytest.fixture(scope="module")
def serial():
    return sweep(small_network(), CHIP, TICKS, VARY)


def test_energy_fields_are_recosted_and_placement_resimulated(serial):
    got = [(r["neurons_per_core"], r["how"]) for r in serial.rows]
    expected = [(8, "simulated")] + [(8, "recosted")] * 3 + [(16, "simulated")] + [(16, "recosted")] * 3
    assert got == expected
    assert (serial.simulations, serial.recosted) == (2, 6)


def test_recosted_points_equal_resimulated_runs(serial):
    chip = load_chip(CHIP)
    for row in serial.rows:
        profile = chip.replace(e_synop_J=row["e_synop_J"], e_hop_x_J=row["e_hop_x_J"])
        expected = run_on_chip(small_network(), profile, TICKS, neurons_per_core=row["neurons_per_core"])
        assert row["energy_J"] == pytest.approx(expected.report.energy.total_J, rel=1e-12)
        assert row["energy_synops_J"] == pytest.approx(float(expected.report.energy.energy_J[0]), rel=1e-12)
        assert row["latency_s"] == pytest.approx(expected.report.latency.total_s, rel=1e-12)
        assert row["synops"] == expected.report.operations.synops
        assert row["cores_used"] == expected.placement.n_cores_used


def test_mesh_and_quantisation_changes_resimulate():
    got = sweep(small_network(), CHIP, TICKS, [{"e_synop_J": 2e-11}, {"e_synop_J": 3e-11}, {"mesh_x": 16},
                                              {"quantize": True, "weight_bits": 4}, {"quantize": True,
                                                                                     "weight_bits": 8}])
    assert [r["how"] for r in got.rows] == ["simulated", "recosted", "simulated", "simulated", "simulated"]
    assert all(r["error"] is None for r in got.rows)


def test_process_pool_gives_the_serial_rows(serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        got = sweep(small_network(), CHIP, TICKS, VARY, executor=pool)
    assert comparable(got.rows) == comparable(serial.rows)


def test_dask_executor_gives_the_serial_rows(serial):
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed "
                                                            "(pip install 'dask[distributed]', the distributed extra)")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        got = sweep(small_network(), CHIP, TICKS, VARY, executor=client.get_executor())
    assert comparable(got.rows) == comparable(serial.rows)


def test_point_that_does_not_fit_is_recorded_and_the_sweep_goes_on():
    got = sweep(small_network(), CHIP, TICKS, {"neurons_per_core": [8, 100000]})
    ok, too_big = got.rows
    assert ok["fits"] is True and ok["error"] is None and ok["energy_J"] > 0
    assert too_big["fits"] is False and too_big["energy_J"] is None
    assert too_big["error"].startswith("DoesNotFitError: neurons_per_core=100000 exceeds")


def test_invalid_profile_value_fails_only_its_point():
    got = sweep(small_network(), CHIP, TICKS, {"e_synop_J": [2e-11, -1.0]})
    assert got.rows[0]["error"] is None
    assert "ProfileError" in got.rows[1]["error"] and got.rows[1]["energy_J"] is None


def test_unknown_key_is_refused_before_running():
    with pytest.raises(NeurosimError, match="cannot vary 'e_synops_J'.*e_synop_J"):
        sweep(small_network(), CHIP, TICKS, {"e_synops_J": [1e-11]})


def test_pareto_front_by_hand():
    rows = [{"point": 0, "energy_J": 1.0, "latency_s": 5.0},   # front: least energy
            {"point": 1, "energy_J": 2.0, "latency_s": 2.0},   # front
            {"point": 2, "energy_J": 3.0, "latency_s": 2.0},   # dominated by 1
            {"point": 3, "energy_J": 4.0, "latency_s": 1.0},   # front: least latency
            {"point": 4, "energy_J": 0.5, "latency_s": 0.5, "error": "DoesNotFitError: ..."},  # failed: out
            {"point": 5, "energy_J": None, "latency_s": 0.1}]  # no value: out
    assert [r["point"] for r in pareto_front(rows)] == [0, 1, 3]


def test_pareto_front_maximises_accuracy():
    rows = [{"point": 0, "energy_J": 1.0, "latency_s": 1.0, "accuracy": 0.8},
            {"point": 1, "energy_J": 1.0, "latency_s": 1.0, "accuracy": 0.9},
            {"point": 2, "energy_J": 2.0, "latency_s": 1.0, "accuracy": 0.95}]
    assert [r["point"] for r in pareto_front(rows, ("energy_J", "latency_s", "accuracy"))] == [1, 2]


def test_csv_keeps_finished_groups_of_an_interrupted_sweep(tmp_path):
    out = tmp_path / "sweep.csv"

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(small_network(), CHIP, TICKS, VARY, out=out, progress=stop)
    with out.open(newline="") as f:
        got = list(csv.DictReader(f))
    assert [r["point"] for r in got] == ["0", "1", "2", "3"]  # the first group (neurons_per_core=8)
    assert all(r["neurons_per_core"] == "8" for r in got)


def test_csv_round_trip(serial, tmp_path):
    got = read_sweep(serial.to_csv(tmp_path / "sweep.csv"))
    assert got.params == serial.params
    assert comparable(got.rows) == comparable(serial.rows)


def test_cli_sweep_and_pareto_plot(tmp_path, capsys):
    out, png = tmp_path / "sweep.csv", tmp_path / "front.png"
    assert main(["sweep", "--samples", "2", "--vary", "e_synop_J=2e-11,3.55e-11", "--out", str(out),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "2 points, 1 simulation(s), 1 re-costed" in text
    assert main(["plot", str(out), "--kind", "pareto", "-o", str(png)]) == 0
    assert png.stat().st_size > 0
