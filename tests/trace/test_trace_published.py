"""A trace records whether its router mesh and its profile's numbers were published, and every reader shows it.

A profile without a published mesh (spinnaker2) is placed on a numbered row of tiles
(docs/decisions/0012-unpublished-figures.md): the hops and link loads of its trace are on that row,
not the chip's, so costing the trace marks their terms (or refuses them), and the exported tables,
DataFrames and pictures say so.
"""
from __future__ import annotations

import json

import h5py
import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.errors import ProfileError, TraceError
from neurosim.mapping.placement import place
from neurosim.plots import OFF_MESH_KINDS, plot_trace
from neurosim.trace import cost_trace, export_trace, read_trace, record_trace, trace_frame
from neurosim.trace.export import published_notes

TICKS = 12
EVERY_COST = {"updates_all_neurons": False, "e_synop_J": 1e-12, "e_neuron_update_active_J": 1e-12,
              "e_spike_J": 1e-12, "e_packet_J": 1e-12, "e_hop_x_J": 1e-12, "e_hop_y_J": 1e-12,
              "p_static_per_core_W": 0.0}
"""Every energy spinnaker2 leaves out, but its mesh: the mesh is then the only number missing."""


def chain() -> ns.Network:
    net = ns.Network("chain")
    net.poisson("in", 4, p=0.5, seed=0)
    net.population("a", 16, "lif", beta=0.9, v_th=0.5)
    net.population("b", 16, "lif", beta=0.9, v_th=0.5)
    net.connect("in", "a", weights=1.0, delays=1)
    net.connect("a", "b", weights=1.0, delays=1)
    return net


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("published")
    out = {}
    for chip in ("spinnaker2", "loihi_sanafe"):
        placement = place(ns.compile_network(chain()), ns.load_chip(chip), neurons_per_core=4)
        out[chip] = folder / f"{chip}.h5"
        record_trace(placement, out[chip], TICKS, seed=3)
    return out


def test_the_trace_records_the_mesh_and_the_unpublished_keys(traces):
    for chip, mesh in (("spinnaker2", False), ("loihi_sanafe", True)):
        trace = read_trace(traces[chip])
        assert trace.mesh_published is mesh
        assert trace.unpublished == ns.load_chip(chip).unpublished
        with h5py.File(traces[chip]) as f:
            assert bool(f.attrs["mesh_published"]) is mesh
            assert json.loads(f.attrs["unpublished"]) == list(trace.unpublished)


def test_a_trace_written_before_the_attributes_reads_them_from_its_profile(traces, tmp_path):
    for chip in traces:
        path = tmp_path / f"{chip}.h5"
        path.write_bytes(traces[chip].read_bytes())
        with h5py.File(path, "r+") as f:
            del f.attrs["mesh_published"], f.attrs["unpublished"]
        old, new = read_trace(path), read_trace(traces[chip])
        assert (old.mesh_published, old.unpublished) == (new.mesh_published, new.unpublished)


@pytest.mark.parametrize("name, value, message", [
    ("mesh_published", 5, "attribute mesh_published=5 is not true or false"),
    ("unpublished", '{"e_spike_J": 1}', "attribute unpublished is not a JSON list of profile keys"),
    ("unpublished", "[1, 2]", "attribute unpublished is not a JSON list of profile keys"),
    ("unpublished", "not json", "damaged neurosim trace"),
])
def test_a_damaged_attribute_is_refused_in_one_line(traces, tmp_path, name, value, message):
    path = tmp_path / "t.h5"
    path.write_bytes(traces["spinnaker2"].read_bytes())
    with h5py.File(path, "r+") as f:
        f.attrs[name] = value
    with pytest.raises(TraceError, match=message) as err:
        read_trace(path)
    assert "\n" not in str(err.value)


def test_costing_hops_off_the_published_mesh_is_refused_or_marked(traces):
    trace = read_trace(traces["spinnaker2"])
    assert int(trace.packets["hops"].sum()) > 0  # the row of tiles has hops: they are not the chip's
    with pytest.raises(ProfileError, match="lie on a numbered row of tiles, since profile 'spinnaker2' publishes "
                                           "no router mesh") as err:
        cost_trace(trace, fallbacks=EVERY_COST)
    assert "\n" not in str(err.value)
    marked = cost_trace(trace, fallbacks=EVERY_COST, missing="mark")
    assert marked.partial and {k for k, _ in marked.missing} == {"mesh_x", "mesh_y"}
    classes = marked.energy.classes
    for name in ("hops_x", "hops_y", "chip_crossings"):
        assert marked.energy.energy_J[classes.index(name)] == 0
    # the same figures as costing the run itself with its mesh marked
    run = ns.run_on_chip(chain(), "spinnaker2", TICKS, neurons_per_core=4, seed=3, fallbacks=EVERY_COST,
                         latency=False, missing="mark")
    assert marked.energy.total_J == pytest.approx(run.report.energy.total_J, rel=1e-12)
    assert marked.missing == tuple(dict.fromkeys(run.report.energy.missing))


def test_a_published_mesh_costs_as_before(traces):
    costed = cost_trace(traces["loihi_sanafe"])
    assert not costed.partial
    assert costed.energy.energy_J[costed.energy.classes.index("hops_x")] > 0


def test_exported_tables_carry_the_metadata(traces, tmp_path):
    trace = read_trace(traces["spinnaker2"])
    assert trace.metadata["mesh_published"] is False and trace.metadata["unpublished"] == list(trace.unpublished)
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet", reason="pyarrow is optional; CI installs it")
    out = export_trace(trace, tmp_path / "s.parquet")
    meta = json.loads(pyarrow_parquet.read_schema(out).metadata[b"neurosim"])
    assert meta == json.loads(json.dumps(trace.metadata))


def test_dataframes_carry_the_metadata(traces):
    pytest.importorskip("pandas", reason="pandas is optional; CI installs it")
    trace = read_trace(traces["spinnaker2"])
    assert trace_frame(trace, "packets").attrs["neurosim"]["mesh_published"] is False
    assert trace.to_pandas().attrs["neurosim"] == trace.metadata


def test_cli_export_prints_what_the_trace_lacks(traces, tmp_path, capsys):
    assert main(["export", str(traces["spinnaker2"]), "--to", str(tmp_path / "p.csv"), "--table", "packets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("mesh not published: profile 'spinnaker2' gives no router mesh")
    assert lines[2].startswith("not published by 'spinnaker2': ") and "e_hop_x_J" in lines[2]
    assert "neurons_per_core" not in lines[2]  # only the numbers costing reads
    assert published_notes(read_trace(traces["loihi_sanafe"])) == [
        "not published by 'loihi_sanafe': e_chip_crossing_J, t_chip_crossing_s (costing the trace marks the "
        "figures needing them partial; docs/traces.md)"]


@pytest.mark.parametrize("kind", OFF_MESH_KINDS)
def test_pictures_of_positions_and_hops_say_the_mesh_is_not_published(traces, tmp_path, kind, monkeypatch):
    titles = []
    monkeypatch.setattr("neurosim.plots.files._save", lambda ax, out: titles.append(ax.get_title()))
    plot_trace(traces["spinnaker2"], kind, tmp_path / "x.png")
    plot_trace(traces["loihi_sanafe"], kind, tmp_path / "y.png")
    assert "'spinnaker2' publishes no router mesh" in titles[0]
    assert "router mesh" not in titles[1]


def test_every_root_attribute_is_documented():
    from pathlib import Path

    from neurosim.trace.schema import ATTRIBUTES

    text = (Path(__file__).parents[2] / "docs" / "traces.md").read_text()
    assert [name for name in ATTRIBUTES if f"| `{name}` |" not in text] == []
