"""Third-party neuron models as plugins (``docs/models.md``, "Writing a model"; ``docs/nir.md`` section 8).

The package ``tests/data/plugin_pkg`` (model ``refractory_if``, entry point group ``neurosim.models``)
is installed with pip into a temporary folder, offline (its build backend is in the folder). Every run
that loads it happens in a subprocess with that folder on ``PYTHONPATH``, so this process's registry
stays the built-in one. The subprocesses share one Numba cache folder: the first compiles the engine
with the plugin's handler in it, and a second process running the same script must compile nothing.

The NIR model: ``in`` (2 channels) -> ``fc1`` -> ``hid`` (3 IF) -> ``fc2`` -> ``out`` (2 IF) -> Output,
``hid`` read as ``refractory_if`` (refractory period 2 ticks). Sample 0 drives channel 0 at every tick,
sample 1 channel 1; ``hid`` gets 1, 0.5 and 0 (sample 0) or 0, 0 and 1 (sample 1) per tick against a
threshold of 0.9, so the spike trains below follow by hand from the model's equations.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nir
import numpy as np
import pytest

import neurosim
from neurosim.cli import _first_sentence, main
from neurosim.errors import ModelError, PluginError
from neurosim.models import get_model, list_models, load_plugin
from neurosim.nir import load_nir


PLUGIN_PKG = Path(__file__).resolve().parents[1] / "data" / "plugin_pkg"
PLUGIN_MODULE = PLUGIN_PKG / "neurosim_demo_plugin" / "refractory_if.py"
PACKAGE_PARENT = Path(neurosim.__file__).resolve().parents[1]  # the children import this neurosim
T = 8
W1 = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]])
W2 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])


def _train(ticks: list[int]) -> list[int]:
    return [int(t in ticks) for t in range(T)]


# By hand, refractory_if (v_th 0.9, refractory 2): input 1 per tick fires at 0, 3, 6 (two deaf ticks
# after each spike); 0.5 per tick reaches 1.0 at tick 1, then 0.5 at 4 and 1.0 at 5.
EXPECTED_HID = np.array([[_train([0, 3, 6]), _train([1, 5]), _train([])],
                         [_train([]), _train([]), _train([0, 3, 6])]]).transpose(0, 2, 1)  # [B, T, 3]
# What the built-in IF (reset to 0, no refractory period) would give: every tick, every second tick.
BUILTIN_HID = np.array([[_train(range(T)), _train([1, 3, 5, 7]), _train([])],
                        [_train([]), _train([]), _train(range(T))]]).transpose(0, 2, 1)
INPUT_EVENTS = 2 * T  # one channel fires at every tick of each sample
# SynOps: every input event reaches its channel's synapses (channel 0: 2, channel 1: 1), every hid
# spike one synapse of fc2, out spikes none.
EXPECTED_SYNOPS = T * 2 + T * 1 + int(EXPECTED_HID.sum())


def test_the_expected_spikes_are_not_the_builtin_ones():
    assert not np.array_equal(EXPECTED_HID, BUILTIN_HID)
    assert EXPECTED_SYNOPS != T * 2 + T * 1 + int(BUILTIN_HID.sum())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The plugin package installed by pip (real .dist-info with the entry point), offline."""
    source = tmp_path_factory.mktemp("plugin_src") / "plugin_pkg"
    shutil.copytree(PLUGIN_PKG, source, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path_factory.mktemp("plugin_site")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                           "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / "neurosim_demo_plugin-0.1.0.dist-info" / "entry_points.txt").is_file()
    return target


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("numba_cache")


@pytest.fixture(scope="module")
def model_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("nir_model")
    graph = nir.NIRGraph(
        nodes={"in": nir.Input(np.array([2])), "fc1": nir.Linear(W1),
               "hid": nir.IF(r=np.ones(3), v_threshold=np.full(3, 0.9), v_reset=np.zeros(3)),
               "fc2": nir.Linear(W2),
               "out": nir.IF(r=np.ones(2), v_threshold=np.full(2, 0.5), v_reset=np.zeros(2)),
               "output": nir.Output(np.array([2]))},
        edges=[("in", "fc1"), ("fc1", "hid"), ("hid", "fc2"), ("fc2", "out"), ("out", "output")])
    nir.write(folder / "model.nir", graph)
    x = np.zeros((2, T, 2))
    x[0, :, 0] = 1.0
    x[1, :, 1] = 1.0
    np.savez(folder / "input.npz", x=x, labels=np.array([0, 1]))
    return {"model": folder / "model.nir", "input": folder / "input.npz", "folder": folder}


def _env(cache_dir: Path, *paths: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}  # real JIT, default cache
    env["NEUROSIM_CACHE_DIR"] = str(cache_dir)
    env["PYTHONPATH"] = os.pathsep.join(map(str, (PACKAGE_PARENT, *paths)))
    return env


def _python(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


def _neurosim(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return _python(["-c", "import sys; from neurosim.cli import main; sys.exit(main())", *args], env, cwd)


API_CHILD = textwrap.dedent("""
    import json
    import numpy as np
    import neurosim as ns
    from neurosim.engine.codegen import engine_module
    from neurosim.models import model_origin

    rng = np.random.default_rng(5)
    ticks, n_in, n = 60, 6, 5
    spikes = (rng.random((ticks, n_in)) < 0.15).astype(float)  # sparse: neurons sit idle between inputs
    weights = np.round(rng.uniform(-0.4, 0.9, (n, n_in)) * 64) / 64  # sums exact in any order and precision
    v_th = rng.uniform(0.5, 1.5, n)
    refractory = rng.integers(0, 4, n).astype(float)
    net = ns.Network()
    net.spike_array("in", spikes)
    net.population("hid", n, "refractory_if", v_th=v_th, refractory=refractory)  # loads the entry point
    net.connect("in", "hid", weights=weights, delays=0)
    compiled = ns.compile_network(net)
    module = engine_module(compiled.models)
    result = ns.simulate(compiled, ticks=ticks)
    model = ns.get_model("refractory_if")
    state = model.encode_state({}, "hid", n)
    params = model.encode_params({"v_th": v_th, "refractory": refractory}, "hid", n)
    expected = np.array([model.reference_step(state, params, weights @ spikes[t]) for t in range(ticks)])
    stats = module.run_ticks.stats
    print(json.dumps({"origin": model_origin("refractory_if"),
                      "engine_has_plugin": "neurosim_demo_plugin.refractory_if" in open(module.__file__).read(),
                      "engine_file": module.__file__,
                      "cache_hits": [str(s) for s in stats.cache_hits],
                      "cache_misses": [str(s) for s in stats.cache_misses],
                      "spikes": result.spike_matrix("hid").astype(int).tolist(),
                      "expected": expected.astype(int).tolist()}))
""")


def test_a_plugin_model_runs_as_its_reference_step_and_a_second_process_compiles_nothing(site, cache, tmp_path):
    env = _env(cache, site)
    runs = []
    for _ in range(2):
        proc = _python(["-c", API_CHILD], env, tmp_path)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert first["origin"] == "plugin package neurosim-demo-plugin 0.1.0"
    assert first["engine_has_plugin"]
    assert first["spikes"] == first["expected"]
    assert 5 < np.sum(first["spikes"]) < 0.5 * np.size(first["spikes"])  # neither silent nor saturated
    assert second["engine_file"] == first["engine_file"]
    assert second["cache_misses"] == [] and second["cache_hits"] != []
    assert second["spikes"] == first["spikes"]


def test_neurosim_run_reads_a_nir_node_as_the_plugin_model(site, cache, model_files, tmp_path):
    record = tmp_path / "record.npz"
    proc = _neurosim(["run", str(model_files["model"]), "--input", str(model_files["input"]), "--dt", "1",
                      "--model-map", "hid=refractory_if", "--record", str(record), "--no-progress"],
                     _env(cache, site), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy: 100.0% (2/2)" in proc.stdout
    with np.load(record) as got:
        assert np.array_equal(got["hid"], EXPECTED_HID)
        # out (built-in IF, threshold 0.5) fires whenever a hid spike reaches it
        assert np.array_equal(got["out"], np.stack([EXPECTED_HID[..., 0], EXPECTED_HID[..., 1:].sum(-1)], -1))


def test_a_nir_type_maps_every_node_of_that_type(site, cache, model_files, tmp_path):
    code = textwrap.dedent(f"""
        import neurosim as ns
        net = ns.load_nir({str(model_files['model'])!r}, dt=1.0, model_map={{"IF": "refractory_if", "out": "if"}})
    """)
    proc = _python(["-c", code], _env(cache, site), tmp_path)
    assert proc.returncode != 0
    assert "model 'if' declares no NIR reader" in proc.stderr  # the node's own name wins over its type
    code = textwrap.dedent(f"""
        import neurosim as ns
        net = ns.load_nir({str(model_files['model'])!r}, dt=1.0, model_map={{"IF": "refractory_if"}})
        print(sorted((k, p.model.name, p.params[0].tolist()) for k, p in net.nodes.items() if hasattr(p, "model")))
    """)
    proc = _python(["-c", code], _env(cache, site), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str([("hid", "refractory_if", [0.9, 1.0, 2.0]),
                                       ("out", "refractory_if", [0.5, 1.0, 2.0])])


def test_a_process_pool_sweep_runs_the_plugin_model(site, cache, model_files, tmp_path):
    out = tmp_path / "sweep.csv"
    proc = _neurosim(["sweep", str(model_files["model"]), "--input", str(model_files["input"]), "--dt", "1",
                      "--model-map", "hid=refractory_if", "--vary", "quantize=false,true", "--workers", "2",
                      "--out", str(out), "--no-progress"], _env(cache, site), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 simulation(s)" in proc.stdout and "with 2 worker(s)" in proc.stdout
    table = neurosim.workflows.sweep.read_sweep(out)
    assert [r["how"] for r in table.rows] == ["simulated", "simulated"]
    assert [r["error"] for r in table.rows] == [None, None]
    assert [r["synops"] for r in table.rows] == [EXPECTED_SYNOPS, EXPECTED_SYNOPS]
    assert [r["accuracy"] for r in table.rows] == [1.0, 1.0]


def test_a_plugin_file_loads_by_path_in_run_and_in_sweep_workers(cache, model_files, tmp_path):
    plugin = tmp_path / "refractory_if.py"
    shutil.copy(PLUGIN_MODULE, plugin)  # outside the repository: Numba writes its cache next to it
    env = _env(cache)  # the package is not installed here
    proc = _neurosim(["models", "--plugin", str(plugin)], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"origin: plugin file {plugin}" in proc.stdout
    record = tmp_path / "record.npz"
    proc = _neurosim(["run", str(model_files["model"]), "--input", str(model_files["input"]), "--dt", "1",
                      "--plugin", str(plugin), "--model-map", "hid=refractory_if", "--record", str(record),
                      "--no-progress"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    with np.load(record) as got:
        assert np.array_equal(got["hid"], EXPECTED_HID)
    out = tmp_path / "sweep.csv"
    proc = _neurosim(["sweep", str(model_files["model"]), "--input", str(model_files["input"]), "--dt", "1",
                      "--plugin", str(plugin), "--model-map", "hid=refractory_if", "--vary",
                      "quantize=false,true", "--workers", "2", "--out", str(out), "--no-progress"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = neurosim.workflows.sweep.read_sweep(out)
    assert [r["synops"] for r in table.rows] == [EXPECTED_SYNOPS, EXPECTED_SYNOPS]
    proc = _neurosim(["run", str(model_files["model"]), "--input", str(model_files["input"]), "--dt", "1",
                      "--model-map", "hid=refractory_if", "--no-progress"], env, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("neurosim: error: unknown neuron model 'refractory_if'")


def test_neurosim_models_lists_the_plugin_with_its_source_and_origin(site, cache, tmp_path):
    proc = _neurosim(["models"], _env(cache, site), tmp_path)
    assert proc.returncode == 0, proc.stderr
    listed = _listing(proc.stdout)
    assert set(listed) == set(list_models()) | {"refractory_if"}
    assert listed["refractory_if"] == (
        "Integrate-and-fire neuron with an absolute refractory period, float64: a neurosim plugin model.",
        "Gerstner et al., Neuronal Dynamics (2014), Sec. 1.3: integrate-and-fire with absolute refractoriness",
        "plugin package neurosim-demo-plugin 0.1.0")
    assert all(origin == "built-in" for name, (_, _, origin) in listed.items() if name != "refractory_if")
    # The installed module named with --plugin is imported as a module: the same model, no conflict.
    proc = _neurosim(["models", "--plugin", "neurosim_demo_plugin.refractory_if"], _env(cache, site), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _listing(proc.stdout)["refractory_if"][2] == "plugin module neurosim_demo_plugin.refractory_if"


def _listing(text: str) -> dict[str, tuple[str, str, str]]:
    """``neurosim models`` output as ``{name: (description, source, origin)}``."""
    lines = text.split("\n\n")[0].splitlines()
    out = {}
    for first, source, origin in zip(lines[::3], lines[1::3], lines[2::3]):
        name, description = first.split(None, 1)
        assert source.split() and source.split()[0] == "source:" and origin.split()[0] == "origin:"
        out[name] = (description, source.split(None, 1)[1], origin.split(None, 1)[1])
    return out


def test_neurosim_models_never_cuts_a_description_mid_sentence(capsys):
    assert main(["models"]) == 0
    listed = _listing(capsys.readouterr().out)
    assert set(listed) == set(list_models())
    for name, (description, source, origin) in listed.items():
        paragraph = " ".join(get_model(name).doc.strip().split("\n\n")[0].split())
        assert paragraph.startswith(description), name
        rest = paragraph[len(description):]
        assert description[-1] in ".!?" and (rest == "" or rest[0] == " " and rest[1].isupper()), name
        assert not description.endswith((" al.", "e.g.", "i.e.", "cf.", "Fig.", "Eq.")), name
        assert description.count("(") == description.count(")"), name
        assert source == get_model(name).source and source.strip(), name
        assert origin == "built-in", name


@pytest.mark.parametrize("doc, first", [
    ("As in Bellec et al. Nature Communications did. Then more.", "As in Bellec et al. Nature Communications did."),
    ("Scaled e.g. Loihi style. Then more.", "Scaled e.g. Loihi style."),
    ("By A. S. Cassidy. Then more.", "By A. S. Cassidy."),
])
def test_first_sentence_skips_abbreviations_and_initials(doc, first):
    assert _first_sentence(doc) == first


# -- one-line errors (in this process: nothing is registered by a failing plugin) -------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_a_plugin_that_fails_on_import_is_one_line_naming_it_and_where(tmp_path, capsys):
    plugin = _write(tmp_path / "broken.py", """
        import numpy as np
        raise RuntimeError("this plugin is broken\\non two lines")
    """)
    assert main(["models", "--plugin", str(plugin)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"neurosim: error: plugin file '{plugin}' failed to load: RuntimeError: this plugin is "
                          f"broken on two lines (at {plugin}:3); fix broken.py")


def test_a_plugin_may_not_register_a_builtin_name_and_leaves_nothing_registered(tmp_path, capsys):
    plugin = _write(tmp_path / "clash.py", """
        from neurosim.models import NeuronModel, get_model, register
        lif = get_model("lif")
        register(NeuronModel("clash_first", lif.params, lif.state, lif.update, lif.reference_step, source="test"))
        register(NeuronModel("lif", lif.params, lif.state, lif.update, lif.reference_step, source="test"))
    """)
    before = list_models()
    assert main(["run", "--plugin", str(plugin), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == (f"neurosim: error: plugin file '{plugin}': a neuron model named 'lif' is already registered "
                   "(built-in); register yours under another name\n")
    assert list_models() == before  # clash_first was taken back


def test_a_plugin_model_needs_jitted_module_level_handlers_a_source_and_a_doc(tmp_path):
    plugin = _write(tmp_path / "nojit.py", """
        from neurosim.models import NeuronModel, get_model, register
        lif = get_model("lif")
        register(NeuronModel("nojit_model", lif.params, lif.state, lif.update.py_func, lif.reference_step,
                             source="test"))
    """)
    with pytest.raises(PluginError, match=r"model 'nojit_model': update is not compiled by Numba; decorate it"):
        load_plugin(plugin)
    plugin = _write(tmp_path / "nosource.py", """
        from neurosim.models import NeuronModel, get_model, register
        lif = get_model("lif")
        register(NeuronModel("nosource_model", lif.params, lif.state, lif.update, lif.reference_step))
    """)
    with pytest.raises(PluginError, match=r"model 'nosource_model' has no source; set NeuronModel\(source=...\)"):
        load_plugin(plugin)
    plugin = _write(tmp_path / "nodoc.py", """
        from neurosim.models import NeuronModel, get_model, register
        lif = get_model("lif")
        register(NeuronModel("nodoc_model", lif.params, lif.state, lif.update, lif.reference_step, source="test"))
    """)
    with pytest.raises(PluginError, match=r"model 'nodoc_model' has no doc; set NeuronModel\(doc=__doc__\)"):
        load_plugin(plugin)
    assert not {"nojit_model", "nosource_model", "nodoc_model"} & set(list_models())


@pytest.mark.parametrize("spec, message", [
    ("no_such_plugin_module", "plugin module 'no_such_plugin_module' not found (no module named "
                              "'no_such_plugin_module'); give the path of its .py file, or put its folder on "
                              "PYTHONPATH"),
    ("missing/plugin.py", "plugin 'missing/plugin.py': no such file; give the path of a Python file (.py) or an "
                          "importable module name"),
    ("not a module", "plugin 'not a module' is neither a module name nor the path of a .py file; give one of them"),
])
def test_a_plugin_that_cannot_be_found_is_one_line(spec, message, capsys):
    assert main(["models", "--plugin", spec]) == 2
    assert capsys.readouterr().err == f"neurosim: error: {message}\n"


def test_model_map_errors_name_the_node_the_model_and_the_fix(model_files):
    path = model_files["model"]
    with pytest.raises(ModelError, match=r"model_map: 'LIF' is neither a neuron node of the graph nor the type of "
                                         r"one \(nodes: hid, out; types: IF\)"):
        load_nir(path, dt=1.0, model_map={"LIF": "lif"})
    with pytest.raises(ModelError, match=r"model_map: model 'alif' declares no NIR reader \(NeuronModel.nir\), so it "
                                         r"cannot read node 'hid' \(IF\)"):
        load_nir(path, dt=1.0, model_map={"hid": "alif"})
    with pytest.raises(ModelError, match=r"unknown neuron model 'no_model'"):
        load_nir(path, dt=1.0, model_map={"hid": "no_model"})


def test_cli_model_map_items_are_checked(model_files, capsys):
    args = ["run", str(model_files["model"]), "--input", str(model_files["input"]), "--dt", "1", "--no-progress"]
    assert main([*args, "--model-map", "hid"]) == 2
    assert "--model-map 'hid': expected NODE=MODEL" in capsys.readouterr().err
    assert main([*args, "--model-map", "hid=a", "--model-map", "hid=b"]) == 2
    assert "--model-map hid: given twice (a, b); map each node once" in capsys.readouterr().err


def test_docs_show_the_tested_plugin_as_it_is():
    page = (Path(__file__).resolve().parents[2] / "docs" / "models.md").read_text()  # the checkout, installed or not
    section = page[page.index("## Writing a model"):]
    shown = section[section.index("```python\n") + len("```python\n"):]
    assert shown[:shown.index("```\n")] == PLUGIN_MODULE.read_text()
    entry_points = (PLUGIN_PKG / "pyproject.toml").read_text().split('[project.entry-points."neurosim.models"]\n')[1]
    assert f'[project.entry-points."neurosim.models"]\n{entry_points}```' in section


def _fake_install(site: Path, package: str, body: str, entry_points: str) -> None:
    """A package with its .dist-info, as pip would leave it (METADATA and entry_points.txt)."""
    (site / package).mkdir()
    _write(site / package / "__init__.py", body)
    info = site / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[neurosim.models]\n{entry_points}\n")


def test_a_broken_installed_plugin_is_reported_after_the_listing(tmp_path, monkeypatch, capsys):
    _fake_install(tmp_path, "broken_plugin", 'raise ImportError("needs torch")\n', "broken_model = broken_plugin")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = list_models()
    assert main(["models"]) == 2
    out, err = capsys.readouterr()
    assert set(_listing(out)) == set(before)
    assert err == ("neurosim: error: plugin package broken-plugin 1.0 (entry point 'broken_model = broken_plugin') "
                   f"failed to load: ImportError: needs torch (at {tmp_path / 'broken_plugin' / '__init__.py'}:1); "
                   "fix the plugin or uninstall it (pip uninstall broken-plugin)\n")
    with pytest.raises(PluginError, match=r"^plugin package broken-plugin 1.0 .* failed to load: ImportError"):
        get_model("broken_model")
    assert list_models() == before


def test_an_entry_point_must_register_the_model_it_is_named_after(tmp_path, monkeypatch):
    _fake_install(tmp_path, "misnamed_plugin", """
        from neurosim.models import NeuronModel, get_model, register
        lif = get_model("lif")
        register(NeuronModel("other_name", lif.params, lif.state, lif.update, lif.reference_step, source="test"))
    """, "misnamed_model = misnamed_plugin")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError, match=r"^plugin package misnamed-plugin 1.0 \(entry point 'misnamed_model = "
                                          r"misnamed_plugin'\) registered no model named 'misnamed_model' \(it "
                                          r"registered: other_name\); name each entry point after the model"):
        get_model("misnamed_model")
    assert "other_name" not in list_models()
    with pytest.raises(ModelError, match=r"unknown neuron model 'misnamed_modell'; did you mean 'misnamed_model'"):
        get_model("misnamed_modell")


def test_an_installed_plugin_declaring_a_builtin_name_is_refused(tmp_path, monkeypatch, capsys):
    _fake_install(tmp_path, "lif_clash", "raise AssertionError('never imported')\n", "lif = lif_clash")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["models"]) == 2
    assert capsys.readouterr().err == ("neurosim: error: plugin package lif-clash 1.0 declares model 'lif', which is "
                                       "already registered (built-in); the plugin must give its model another name, "
                                       "or uninstall it\n")
    assert get_model("lif").update.py_func.__module__ == "neurosim.models.lif"
