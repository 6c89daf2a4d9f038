"""Design-space sweeps (neurosim.workflows.sweep): grouping, re-costing, re-routing, executors, failures, Pareto, CSV."""
from __future__ import annotations

import csv
from concurrent.futures import ProcessPoolExecutor

import pytest

from neurosim import load_chip
from neurosim.cli import main
from neurosim.errors import NeurosimError
from neurosim.workflows.sweep import read_sweep, sweep
from neurosim.cost_model.pareto import pareto_front
from neurosim.workflows.inputs import BUNDLED_DIALECT, BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
from neurosim.workflows.run import run_nir, run_on_chip
from neurosim.workflows.sweep_table import SweepFileError

from networks import poisson_network, recurrent_network

CHIP = "loihi_sanafe"
TICKS = 40
VARY = {"neurons_per_core": [8, 16], "e_synop_J": [2e-11, 3.55e-11], "e_hop_x_J": [3e-12, 6e-12]}
QVARY = {"quantize": [False, True], "neurons_per_core": [8, 16], "e_synop_J": [2e-11, 3.55e-11]}  # two groups


def comparable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


@pytest.fixture(scope="module")
def serial():
    return sweep(poisson_network(), CHIP, TICKS, VARY)


def test_energy_fields_are_recosted_and_placements_rerouted(serial):
    got = [(r["neurons_per_core"], r["how"]) for r in serial.rows]
    expected = [(8, "simulated")] + [(8, "recosted")] * 3 + [(16, "rerouted")] + [(16, "recosted")] * 3
    assert got == expected
    assert (serial.simulations, serial.rerouted, serial.recosted) == (1, 1, 6)


def test_recosted_and_rerouted_points_equal_resimulated_runs(serial):
    chip = load_chip(CHIP)
    for row in serial.rows:
        profile = chip.replace(e_synop_J=row["e_synop_J"], e_hop_x_J=row["e_hop_x_J"])
        expected = run_on_chip(poisson_network(), profile, TICKS, neurons_per_core=row["neurons_per_core"])
        assert row["energy_J"] == pytest.approx(expected.report.energy.total_J, rel=1e-12)
        assert row["energy_synops_J"] == pytest.approx(float(expected.report.energy.energy_J[0]), rel=1e-12)
        assert row["latency_s"] == pytest.approx(expected.report.latency.total_s, rel=1e-12)
        assert row["synops"] == expected.report.operations.synops
        assert row["cores_used"] == expected.placement.n_cores_used


def test_mesh_changes_reroute_and_quantisation_resimulates():
    got = sweep(poisson_network(), CHIP, TICKS, [{"e_synop_J": 2e-11}, {"e_synop_J": 3e-11}, {"mesh_x": 16},
                                              {"quantize": True, "weight_bits": 4}, {"quantize": True,
                                                                                     "weight_bits": 8},
                                              {"quantize": True, "weight_bits": 8, "neurons_per_core": 8},
                                              {"weight_bits": 4}])
    assert [r["how"] for r in got.rows] == ["simulated", "recosted", "rerouted", "simulated", "simulated", "rerouted",
                                            "rerouted"]
    assert got.simulations == 3 and all(r["error"] is None for r in got.rows)


PLACEMENTS = [{"neurons_per_core": 8}, {"neurons_per_core": 13, "e_synop_J": 2e-11},
              {"neurons_per_core": 13, "e_synop_J": 4e-11}, {"strategy": "locality", "neurons_per_core": 6},
              {"mesh_x": 2, "mesh_y": 16, "cores_per_tile": 4, "neurons_per_core": 5},
              {"axons_in_per_core": 20, "neurons_per_core": 8}]  # the last one does not fit


@pytest.mark.parametrize("first_fits", [True, False])
def test_rerouted_rows_equal_resimulated_rows(first_fits):
    points = PLACEMENTS if first_fits else PLACEMENTS[-1:] + PLACEMENTS[:-1]
    got = sweep(recurrent_network(), CHIP, TICKS, points)
    hows = ["simulated", "rerouted", "recosted", "rerouted", "rerouted", "rerouted"]
    assert [r["how"] for r in got.rows] == (hows if first_fits else ["rerouted"] + hows[:-1])
    assert got.simulations == 1
    chip = load_chip(CHIP)
    for point, row in zip(points, got.rows):
        if "axons_in_per_core" in point:
            assert row["fits"] is False and row["energy_J"] is None
            assert row["error"].startswith("DoesNotFitError:") and "axons_in_per_core" in row["error"]
            continue
        fields = {k: v for k, v in point.items() if k not in ("strategy", "neurons_per_core")}
        expected = run_on_chip(recurrent_network(), chip.replace(**fields), TICKS,
                               strategy=point.get("strategy", "fill"), neurons_per_core=point["neurons_per_core"])
        report = expected.report
        assert row["fits"] is True and row["error"] is None
        assert (row["synops"], row["cores_used"]) == (report.operations.synops, expected.placement.n_cores_used)
        assert row["energy_J"] == pytest.approx(report.energy.total_J, rel=1e-12)
        for name, joules in zip(report.energy.classes, report.energy.energy_J):
            assert row[f"energy_{name}_J"] == pytest.approx(float(joules), rel=1e-12, abs=0.0)
        assert row["latency_s"] == pytest.approx(report.latency.total_s, rel=1e-12)


def test_nir_points_are_costed_with_their_own_profile():
    # loihi publishes no e_spike_J / t_spike_s: every point gives them, the base profile does not.
    data = load_input_file(bundled(BUNDLED_SAMPLES))
    spikes = {"e_spike_J": 0.0, "t_spike_s": 0.0}
    points = [spikes, {**spikes, "e_spike_J": 1e-12}, {**spikes, "neurons_per_core": 8},
              {**spikes, "quantize": True}]
    got = sweep(bundled(BUNDLED_MODEL), "loihi", None, points, inputs=data, samples=3, dialect=BUNDLED_DIALECT)
    assert [r["how"] for r in got.rows] == ["simulated", "recosted", "rerouted", "simulated"]
    chip = load_chip("loihi")
    for point, row in zip(points, got.rows):
        fields = {k: v for k, v in point.items() if k not in ("quantize", "neurons_per_core")}
        options = {"neurons_per_core": point["neurons_per_core"]} if "neurons_per_core" in point else {}
        expected = run_nir(bundled(BUNDLED_MODEL), data, chip.replace(**fields), BUNDLED_DIALECT, samples=3,
                           quantize=point.get("quantize", False), **options)
        assert row["error"] is None
        assert (row["synops"], row["accuracy"]) == (expected.report.operations.synops, expected.accuracy)
        assert row["energy_J"] == pytest.approx(expected.report.energy.total_J, rel=1e-12)
        assert row["latency_s"] == pytest.approx(expected.report.latency.total_s, rel=1e-12)


@pytest.fixture(scope="module")
def serial_two_groups():
    """Two units of work (quantize False and True), so that an executor really runs them apart."""
    result = sweep(poisson_network(), CHIP, TICKS, QVARY)
    assert result.simulations == 2
    return result


def test_process_pool_gives_the_serial_rows(serial_two_groups):
    with ProcessPoolExecutor(max_workers=2) as pool:
        got = sweep(poisson_network(), CHIP, TICKS, QVARY, executor=pool)
    assert comparable(got.rows) == comparable(serial_two_groups.rows)


def test_dask_executor_gives_the_serial_rows(serial_two_groups):
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed "
                                                            "(pip install 'dask[distributed]', the distributed extra)")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        got = sweep(poisson_network(), CHIP, TICKS, QVARY, executor=client.get_executor())
    assert comparable(got.rows) == comparable(serial_two_groups.rows)


def test_point_that_does_not_fit_is_recorded_and_the_sweep_goes_on():
    got = sweep(poisson_network(), CHIP, TICKS, {"neurons_per_core": [8, 100000]})
    ok, too_big = got.rows
    assert ok["fits"] is True and ok["error"] is None and ok["energy_J"] > 0
    assert too_big["fits"] is False and too_big["energy_J"] is None
    assert too_big["error"].startswith("DoesNotFitError: neurons_per_core=100000 exceeds")


def test_invalid_profile_value_fails_only_its_point():
    got = sweep(poisson_network(), CHIP, TICKS, {"e_synop_J": [2e-11, -1.0]})
    assert got.rows[0]["error"] is None
    assert "ProfileError" in got.rows[1]["error"] and got.rows[1]["energy_J"] is None


def test_unknown_key_is_refused_before_running():
    with pytest.raises(NeurosimError, match="cannot vary 'e_synops_J'.*e_synop_J"):
        sweep(poisson_network(), CHIP, TICKS, {"e_synops_J": [1e-11]})


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
        sweep(poisson_network(), CHIP, TICKS, QVARY, out=out, progress=stop)
    with out.open(newline="") as f:
        got = list(csv.DictReader(f))
    assert [r["point"] for r in got] == ["0", "1", "2", "3"]  # the first group (quantize=False)
    assert all(r["quantize"] == "False" for r in got)


def test_resume_runs_only_the_missing_points(tmp_path):
    out = tmp_path / "sweep.csv"
    full = sweep(poisson_network(), CHIP, TICKS, QVARY, out=out)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:5]) + lines[5][:20])  # header, the first group, a torn line of the second
    done = []
    got = sweep(poisson_network(), CHIP, TICKS, QVARY, out=out, resume=True, progress=lambda d, t: done.append(d))
    assert (got.resumed, got.simulations, done) == (4, 1, [8])
    assert comparable(got.rows) == comparable(full.rows)
    assert comparable(read_sweep(out).rows) == comparable(full.rows)
    again = sweep(poisson_network(), CHIP, TICKS, QVARY, out=out, resume=True)  # nothing left to run
    assert (again.resumed, again.simulations) == (8, 0) and comparable(again.rows) == comparable(full.rows)


def test_resume_refuses_another_sweep_file(tmp_path):
    out = tmp_path / "sweep.csv"
    sweep(poisson_network(), CHIP, TICKS, {"e_synop_J": [2e-11, 3e-11]}, out=out)
    with pytest.raises(SweepFileError, match=r"varied keys \(e_synop_J\), not \(e_hop_x_J\)"):
        sweep(poisson_network(), CHIP, TICKS, {"e_hop_x_J": [1e-12]}, out=out, resume=True)
    with pytest.raises(SweepFileError, match="its point 1 .e_synop_J=3e-11. is not point 1"):
        sweep(poisson_network(), CHIP, TICKS, {"e_synop_J": [2e-11, 4e-11]}, out=out, resume=True)
    with pytest.raises(SweepFileError, match="its rows are of chip 'loihi_sanafe', not 'loihi'"):
        sweep(poisson_network(), "loihi", TICKS, {"e_synop_J": [2e-11, 3e-11]}, out=out, resume=True)
    with pytest.raises(SweepFileError, match="its rows are of model 'poisson', not 'recurrent'"):
        sweep(recurrent_network(), CHIP, TICKS, {"e_synop_J": [2e-11, 3e-11]}, out=out, resume=True)
    with pytest.raises(SweepFileError, match="other settings of model 'poisson' on chip 'loihi_sanafe'"):
        sweep(poisson_network(), CHIP, TICKS + 1, {"e_synop_J": [2e-11, 3e-11]}, out=out, resume=True)
    with pytest.raises(NeurosimError, match="resume=True needs out="):
        sweep(poisson_network(), CHIP, TICKS, {"e_synop_J": [2e-11]}, resume=True)


def test_csv_round_trip(serial, tmp_path):
    got = read_sweep(serial.to_csv(tmp_path / "sweep.csv"))
    assert got.params == serial.params
    assert comparable(got.rows) == comparable(serial.rows)


def test_cli_sweep_and_pareto_plot(tmp_path, capsys):
    out, png = tmp_path / "sweep.csv", tmp_path / "front.png"
    assert main(["sweep", "--samples", "2", "--vary", "e_synop_J=2e-11,3.55e-11", "--out", str(out),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "2 points: 1 simulated, 0 re-routed, 1 re-costed" in text
    assert main(["sweep", "--samples", "2", "--vary", "e_synop_J=2e-11,3.55e-11", "--out", str(out),
                 "--no-progress", "--resume"]) == 0
    text = capsys.readouterr().out
    assert "2 points: 1 simulated, 0 re-routed, 1 re-costed; 2 resumed from" in text and "0 simulation(s)" in text
    assert main(["plot", str(out), "--kind", "pareto", "-o", str(png)]) == 0
    assert png.stat().st_size > 0
