"""Every picture drawn from a small simulated run: not blank, labelled, and showing what the counters say."""
from __future__ import annotations

import dataclasses
from xml.etree import ElementTree

import matplotlib
import matplotlib.image

matplotlib.use("Agg")  # headless, whatever the environment says

import numpy as np
import pytest
from PIL import Image
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import neurosim as ns
from networks import demo_network
from neurosim.cost_model.traffic import traffic
from neurosim.mapping.placement import place
from neurosim.mapping.routing import route
from neurosim.plots import (REPORT_KINDS, TRACE_KINDS, plot_energy, plot_energy_comparison, plot_links, plot_mesh,
                            plot_raster, plot_report, plot_timeline, plot_trace)
from neurosim.cli import main
from neurosim.plots import animation as animation_module
from neurosim.plots import plot_trace_energy, save_animation, traffic_animation, traffic_frames
from neurosim.errors import PlotError, ProfileError
from neurosim.plots.links import link_segments
from neurosim.plots.timeline import energy_per_tick
from neurosim.trace import read_trace, record_trace

TICKS = 30
CHIP = "loihi_sanafe"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    chip = ns.load_chip(CHIP)
    placement = place(ns.compile_network(demo_network(seed=1)), chip, neurons_per_core=64)
    path = tmp_path_factory.mktemp("plots") / "run.h5"
    record_trace(placement, path, TICKS, seed=2)
    result = ns.simulate(placement.compiled, TICKS, seed=2)
    report = ns.cost(result, placement, chip, latency=False)
    other = ns.cost(result, placement, chip.replace(e_synop_J=chip.e_synop_J * 3), latency=False)
    return dict(placement=placement, path=path, trace=read_trace(path), result=result, report=report, other=other)


def _pixels(ax: Axes) -> np.ndarray:
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3]


def _check_drawn(ax: Axes) -> None:
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    pixels = _pixels(ax)
    assert (pixels < 250).any(axis=-1).mean() > 0.05, "the picture is (nearly) blank"


def test_raster_draws_every_spike_of_each_population(run):
    ax = plot_raster(run["trace"])
    _check_drawn(ax)
    drawn = {line.get_label().split(" ")[0]: len(line.get_xdata()) for line in ax.get_lines()
             if line.get_linestyle() == "None" and len(line.get_xdata())}
    expected = run["result"].counters.spikes_per_population()
    assert drawn == {name: n for name, n in expected.items() if n}


def test_raster_in_seconds_needs_tick_s(run):
    assert run["trace"].tick_s is None  # loihi_sanafe publishes no tick_s (barrier-synchronised)
    with pytest.raises(ValueError, match="tick_s"):
        plot_raster(run["trace"], seconds=True)


def test_raster_in_seconds_scales_ticks_by_tick_s(run):
    ax = plot_raster(dataclasses.replace(run["trace"], tick_s=1e-3), seconds=True)
    assert ax.get_xlabel() == "time (s)"
    got = max(max(line.get_xdata(), default=0) for line in ax.get_lines() if line.get_linestyle() == "None")
    assert got == pytest.approx(run["trace"].spikes["tick"].max() * 1e-3)


def test_raster_draws_on_the_axes_given(run):
    ax = Figure().add_subplot()
    assert plot_raster(run["result"], ax=ax) is ax
    assert ax.get_lines()


def test_mesh_marks_the_hottest_core_where_the_counters_say(run):
    trace = run["trace"]
    ax = plot_mesh(trace, metric="synops")
    _check_drawn(ax)
    hottest = int(trace.core_ids[np.argmax(trace.core_events.sum(axis=0))])
    (marker,) = [line for line in ax.get_lines() if line.get_label().startswith("hottest core")]
    assert marker.get_label().startswith(f"hottest core {hottest}:")
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == tuple(run["placement"].core_xy[hottest])


def test_mesh_of_a_report_sums_energy_per_router(run):
    report = run["report"]
    ax = plot_mesh(report, metric="energy")
    _check_drawn(ax)
    (image,) = ax.get_images()
    assert np.asarray(image.get_array()).sum() == pytest.approx(report.energy.core_energy_J.sum())


def _per_core_from_the_simulation(run, metric: str) -> np.ndarray:
    """Per-core ``metric`` of the run, from the SimResult and its report (not from the trace)."""
    placement, report = run["placement"], run["report"]
    if metric == "spikes":
        return report.core_spikes.astype(float)
    if metric == "utilisation":
        return report.core_neurons / placement.options["neurons_per_core"]
    group_core = np.asarray(placement.group_core)
    on_core = group_core >= 0  # spike sources sit on no core
    return np.bincount(group_core[on_core], weights=run["result"].counters.group_updates[on_core])


@pytest.mark.parametrize("metric", ["spikes", "updates", "utilisation"])
def test_mesh_trace_metrics_show_the_simulated_counts_per_router(run, metric):
    ax = plot_mesh(run["trace"], metric=metric)
    _check_drawn(ax)
    report = run["report"]
    width, height = run["trace"].grid_shape
    expected = np.zeros((height, width))
    np.add.at(expected, (report.core_xy[:, 1], report.core_xy[:, 0]), _per_core_from_the_simulation(run, metric))
    (image,) = ax.get_images()
    np.testing.assert_allclose(np.asarray(image.get_array()), expected)
    assert image.get_clim() == (expected.min(), expected.max())
    colorbar = ax.figure.axes[1]
    assert colorbar.get_ylabel() == {"spikes": "spikes", "updates": "neuron updates",
                                     "utilisation": "neurons / core capacity"}[metric]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(x) for x in range(width)]  # one per router
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(y) for y in range(height)]


def test_links_colour_each_link_by_its_packets_and_highlight_the_busiest(run):
    expected = traffic(run["result"], route(run["placement"]))
    ax = plot_links(run["trace"], top=3)
    _check_drawn(ax)
    lines, busiest = ax.collections[1], ax.collections[0]
    np.testing.assert_array_equal(lines.get_array(), expected.link_load)
    top = int(np.argmax(expected.link_load))
    assert f"link {top} ({expected.link_load[top]})" in busiest.get_label()
    np.testing.assert_allclose(busiest.get_segments()[0], link_segments(run["trace"].grid_shape)[top])


def test_links_accept_traffic_or_an_array(run):
    expected = traffic(run["result"], route(run["placement"]))
    assert plot_links(expected).collections
    with pytest.raises(ValueError, match="grid_shape"):
        plot_links(expected.link_load)


def test_timeline_energy_per_tick_sums_to_the_report(run):
    assert energy_per_tick(run["trace"], run["report"]).sum() == pytest.approx(run["report"].energy.total_J)
    ax = plot_timeline(run["trace"], report=run["report"])
    _check_drawn(ax)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), run["trace"].tick_packets)


@pytest.mark.parametrize("by", ["class", "population", "core"])
def test_energy_bars_stack_to_the_total(run, by):
    ax = plot_energy(run["report"], by=by)
    _check_drawn(ax)
    energy = run["report"].energy
    expected = energy.population_energy_J.sum() if by == "population" else energy.total_J  # static: cores only
    assert sum(patch.get_height() for patch in ax.patches) == pytest.approx(expected)


def test_energy_comparison_shows_both_totals(run):
    a, b = run["report"], run["other"]
    ax = plot_energy_comparison(a, b, labels=["x1", "x3 synop"])
    _check_drawn(ax)
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{a.energy.total_J:.3g} J", f"{b.energy.total_J:.3g} J"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x1", "x3 synop"]


def _saved_pixels(ax: Axes, tmp_path, name: str) -> np.ndarray:
    """The RGB pixels of ``ax``'s figure saved as ``plot_trace`` and ``plot_report`` save it (PNG, 120 dpi)."""
    ax.figure.savefig(tmp_path / name, dpi=120)
    return matplotlib.image.imread(tmp_path / name)[..., :3]


@pytest.mark.parametrize("kind", [k for k in TRACE_KINDS if k != "animation"])
def test_plot_trace_writes_the_picture_its_plot_function_draws(run, kind, tmp_path):
    out = plot_trace(run["path"], kind, tmp_path / f"{kind}.png")
    got = matplotlib.image.imread(out)[..., :3]
    draw = {"raster": plot_raster, "mesh": plot_mesh, "links": plot_links, "timeline": plot_timeline,
            "energy": plot_trace_energy}[kind]
    ax = draw(run["trace"])
    width_in, height_in = ax.figure.get_size_inches()
    assert got.shape == (round(height_in * 120), round(width_in * 120), 3)
    assert (got < 0.98).any(axis=-1).mean() > 0.05, "the image is (nearly) blank"
    np.testing.assert_array_equal(got, _saved_pixels(ax, tmp_path, "expected.png"))


@pytest.mark.parametrize("kind", REPORT_KINDS)
def test_plot_report_from_a_report_file_draws_what_the_report_object_draws(run, kind, tmp_path):
    path = tmp_path / "report.json"
    path.write_text(run["report"].to_json())
    out = plot_report(path, tmp_path / f"{kind}.png", kind, other=run["other"])
    got = matplotlib.image.imread(out)[..., :3]
    assert (got < 0.98).any(axis=-1).mean() > 0.05, "the image is (nearly) blank"
    report, other = run["report"], run["other"]
    ax = {"compare": lambda: plot_energy_comparison(report, other),
          "mesh": lambda: plot_mesh(report, metric="energy")}.get(kind, lambda: plot_energy(report, by=kind))()
    np.testing.assert_array_equal(got, _saved_pixels(ax, tmp_path, "expected.png"))


def test_plot_report_writes_svg_with_one_element_per_bar(run, tmp_path):
    out = plot_report(run["report"], tmp_path / "class.svg", "class")
    root = ElementTree.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("460.8pt", "345.6pt")  # 6.4 x 4.8 in at 72 pt per in
    bars = plot_energy(run["report"], by="class").patches
    # matplotlib writes each patch as <g id="patch_N">: the figure, the Axes background, then the bars.
    patches = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id", "").startswith("patch_")]
    assert len(bars) > 1 and len(patches) >= 2 + len(bars)


def test_unknown_picture_is_named(run, tmp_path):
    with pytest.raises(ValueError, match="unknown trace picture 'heat'; known: raster, mesh, links, timeline, "
                                         "energy, animation"):
        plot_trace(run["path"], "heat", tmp_path / "x.png")


def test_trace_energy_picture_shows_the_report_energy(run):
    # The run of the fixture, costed from its trace alone (profile, totals and routes in the file).
    ax = plot_trace_energy(run["trace"], latency=False)
    _check_drawn(ax)
    left, right = ax.figure.axes[:2]
    drawn = sum(bar.get_height() for bar in left.patches)
    assert drawn == pytest.approx(ns.cost(run["result"], run["placement"]).energy.total_J, rel=1e-9)
    pops = [t.get_text() for t in right.get_xticklabels()]
    assert pops == ["input", "hidden", "output"]


def _gif_frames(path) -> list[np.ndarray]:
    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB"), dtype=float))
    return frames


@pytest.mark.parametrize("metric", ["packets", "spikes"])
def test_animation_has_one_frame_per_window_and_its_brightest_router_is_the_busiest(run, metric, tmp_path):
    trace, window, dpi = run["trace"], 7, 80
    frames, ids, starts = traffic_frames(trace, window, metric)
    assert frames.shape == (-(-TICKS // window), ids.size) and starts.tolist() == list(range(0, TICKS, window))
    if metric == "spikes":
        on_core = trace.core_spikes.sum(axis=0)
    else:
        on_core = np.bincount(np.searchsorted(ids, trace.packets["dst_core"]), minlength=ids.size)
    np.testing.assert_array_equal(frames.sum(axis=0), on_core)  # frames add up to the counters
    anim = traffic_animation(trace, window, metric)
    out = save_animation(anim, tmp_path / "traffic.gif", dpi=dpi)
    images = _gif_frames(out)
    assert len(images) == frames.shape[0]
    assert all(img.std() > 5 for img in images), "a blank frame"
    # Brightness (inferno) at the centre of every router of the busiest frame: the busiest router is brightest.
    ax = anim._fig.axes[0]
    anim._fig.set_dpi(dpi)
    xy = trace.core_xy[ids]
    routers = np.unique(xy, axis=0)
    per_router = np.array([frames[:, (xy == r).all(axis=1)].sum(axis=1) for r in routers]).T
    f = int(np.argmax(per_router.max(axis=1)))
    height = images[f].shape[0]
    centre = ax.transData.transform(routers.astype(float))
    brightness = [images[f][int(height - y), int(x)].sum() for x, y in centre]
    assert np.argmax(brightness) == np.argmax(per_router[f])


def test_animation_to_mp4_without_ffmpeg_names_the_fix(run, tmp_path, monkeypatch):
    monkeypatch.setattr(animation_module.writers, "is_available", lambda name: False)
    with pytest.raises(PlotError, match="install ffmpeg or write a .gif"):
        plot_trace(run["path"], "animation", tmp_path / "t.mp4")
    with pytest.raises(PlotError, match="as .gif or .mp4"):
        plot_trace(run["path"], "animation", tmp_path / "t.png")


def test_cli_draws_trace_energy_and_animation(run, tmp_path, capsys):
    assert main(["plot", str(run["path"]), "--kind", "energy", "-o", str(tmp_path / "e.png")]) == 0
    assert main(["plot", str(run["path"]), "--kind", "animation", "--window", "10", "-o",
                 str(tmp_path / "a.gif")]) == 0
    assert len(_gif_frames(tmp_path / "a.gif")) == -(-TICKS // 10)
    assert main(["plot", str(run["path"]), "--kind", "animation", "-o", str(tmp_path / "a.txt")]) == 2
    assert "as .gif or .mp4" in capsys.readouterr().err


def test_cli_trace_energy_on_a_chip_missing_a_number_marks_it_partial(tmp_path, capsys):
    """As `neurosim run`: the picture is drawn with the unpublished numbers' terms left out and says so;
    the API's cost_trace still raises by default; --fallback fills the numbers."""
    from neurosim.plots import plot_trace_energy
    from neurosim.trace import cost_trace, read_trace

    chip = ns.load_chip("loihi")  # publishes no e_spike_J nor t_spike_s (chips/loihi.toml, unpublished)
    placement = place(ns.compile_network(demo_network(seed=1)), chip, neurons_per_core=64)
    path = tmp_path / "loihi.h5"
    record_trace(placement, path, 10, seed=2)
    assert main(["plot", str(path), "--kind", "energy", "-o", str(tmp_path / "e.png")]) == 0
    assert (tmp_path / "e.png").stat().st_size > 0
    trace = read_trace(path)
    title = plot_trace_energy(trace, missing="mark").figure.get_suptitle()
    assert title.endswith("(partial: e_spike_J, t_spike_s not published)"), title  # loihi's static energy is timed
    with pytest.raises(ProfileError, match="unpublished"):
        cost_trace(trace)
    filled = cost_trace(trace, fallbacks={"e_spike_J": 0.0, "t_spike_s": 0.0}, missing="mark")
    assert not filled.partial and filled.energy.total_J == cost_trace(trace, missing="mark").energy.total_J
    assert main(["plot", str(path), "--kind", "energy", "--fallback", "e_spike_J=0", "--fallback", "t_spike_s=0",
                 "-o", str(tmp_path / "e.png")]) == 0
