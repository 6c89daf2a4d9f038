"""Fuzzing the files neurosim reads: NIR models, input ``.npz`` files, chip profiles and traces.

Each family mutates committed, valid files (``tests/data/nir/*.nir``, ``chips/*.toml``, a small
trace written once) and runs them through the public path that reads them, to the report; the
oracle is :func:`fuzz_harness.run_case`. The corpus cases of each family are replayed first.
"""
from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_harness import ROOT, corpus_cases, fuzz_settings, replay, run_case

h5py = pytest.importorskip("h5py")
pytest.importorskip("nir")

NIR_DIR = ROOT / "tests" / "data" / "nir"
NIR_FILES = sorted(p.name for p in NIR_DIR.glob("*.nir"))
DIALECTS = {"snntorch": "snntorch", "norse": "norse", "sinabs": "sinabs"}
CHIP_FILES = sorted(p.name for p in (ROOT / "chips").glob("*.toml"))
NUMBERS = [0.0, -1.0, 0.5, 3.0, 1e30, 1e300, -1e300, 2.0 ** 31, 2.0 ** 64, float("nan"), float("inf"), float("-inf")]
DTYPES = ["float32", "float64", "int64", "uint8", "bool", "S3", "complex64"]


@functools.cache
def _datasets(path: Path) -> tuple[str, ...]:
    names = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return tuple(sorted(names))


def _mutations(datasets: tuple[str, ...]):
    """Strategies of one mutation of an HDF5 dataset: JSON data, applied by :func:`_mutate`; among them
    datasets declared huge and stored in a few bytes."""
    target = st.sampled_from(datasets)
    huge = st.fixed_dictionaries({"op": st.just("declare"), "path": target,
                                  "shape": st.sampled_from([[20000, 20000], [10 ** 6, 10 ** 6], [2 ** 40]])})
    return st.one_of(
        st.fixed_dictionaries({"op": st.just("value"), "path": target, "value": st.sampled_from(NUMBERS),
                               "all": st.booleans()}),
        st.fixed_dictionaries({"op": st.just("shape"), "path": target,
                               "shape": st.lists(st.sampled_from([0, 1, 2, 3, 4, 64]), max_size=3)}),
        st.fixed_dictionaries({"op": st.just("dtype"), "path": target, "dtype": st.sampled_from(DTYPES)}),
        st.fixed_dictionaries({"op": st.just("delete"), "path": target}),
        huge)


def _mutate(f, m: dict) -> None:
    path = m["path"]
    if path not in f or not isinstance(f[path], h5py.Dataset) or f[path].size > 10 ** 6:
        return
    data = f[path][()]
    del f[path]
    if m["op"] == "delete":
        return
    if m["op"] == "value":
        arr = np.array(data, dtype=np.float64) if np.asarray(data).dtype.kind in "biuf" else np.zeros(3)
        if m["all"] or arr.ndim == 0:
            arr = np.full(arr.shape, m["value"])
        elif arr.size:
            arr.flat[0] = m["value"]
        f[path] = arr
    elif m["op"] == "shape":
        f[path] = np.random.default_rng(0).random(tuple(m["shape"]))
    elif m["op"] == "dtype":
        arr = np.asarray(data)
        f[path] = arr.astype(m["dtype"]) if arr.dtype.kind in "biuf" else np.zeros(2, m["dtype"])
    else:  # declare a huge dataset, stored in a few bytes
        f.create_dataset(path, shape=tuple(m["shape"]), dtype="f4", chunks=(1,) * (len(m["shape"]) - 1) + (1024,),
                         compression="gzip")


def _copy(src: Path, name: str, tmp: Path) -> Path:
    dst = tmp / name
    shutil.copy(src, dst)
    return dst


# -- NIR models ----------------------------------------------------------------------------------
def _nir_case():
    return st.sampled_from(NIR_FILES).flatmap(lambda name: st.fixed_dictionaries({
        "file": st.just(name),
        "mutations": st.lists(_mutations(_datasets(NIR_DIR / name)), min_size=1, max_size=3),
        "drop_edges": st.lists(st.integers(0, 7), max_size=2)}))


def _check_nir(case: dict) -> None:
    from neurosim.workflows.run import run_nir

    with tempfile.TemporaryDirectory() as tmp:
        path = _copy(NIR_DIR / case["file"], "m.nir", Path(tmp))
        with h5py.File(path, "r+") as f:
            for m in case["mutations"]:
                _mutate(f, m)
            small = "node/edges" in f and isinstance(f["node/edges"], h5py.Dataset) and f["node/edges"].size < 10 ** 4
            edges = f["node/edges"][()] if small else None
            if edges is not None and case["drop_edges"] and np.ndim(edges) == 2:
                keep = [e for k, e in enumerate(edges) if k not in case["drop_edges"]]
                del f["node/edges"]
                f["node/edges"] = np.array(keep, dtype=edges.dtype).reshape(-1, 2)
        dialect = next((d for k, d in DIALECTS.items() if case["file"].startswith(k)), "nir")
        run_case("nir", case, lambda: run_nir(path, None, "loihi_sanafe", dialect, ticks=4, missing="mark"),
                 inputs=[path], figures=lambda run: run.report.to_dict())


@pytest.mark.parametrize("case", corpus_cases("nir"), ids=lambda c: c.get("why", "")[:40])
def test_nir_corpus(case):
    replay(_check_nir, case)


@fuzz_settings(25)
@given(_nir_case())
def test_mutated_nir_files_are_run_or_refused_in_one_line(case):
    _check_nir(case)


# -- input .npz files ----------------------------------------------------------------------------
def _array():
    return st.fixed_dictionaries({"shape": st.lists(st.sampled_from([0, 1, 2, 3, 20, 64, 65]), max_size=4),
                                  "dtype": st.sampled_from(DTYPES), "value": st.sampled_from(NUMBERS[:6] + [1.0])})


def _input_case():
    return st.fixed_dictionaries({
        "arrays": st.dictionaries(st.sampled_from(["input", "x", "labels", "reference_predictions", "other"]),
                                  _array(), max_size=3),
        "corrupt": st.sampled_from([None, "truncate", "flip"]),
        "args": st.lists(st.sampled_from([["--ticks", "3"], ["--samples", "2"], ["--dt", "0.001"]]), max_size=2)})


def _check_input(case: dict) -> None:
    from neurosim.cli import main
    from neurosim.workflows.inputs import BUNDLED_MODEL, bundled

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        arrays = {}
        for key, a in case["arrays"].items():
            value = a["value"] if a["dtype"] not in ("S3", "bool") else 1
            with np.errstate(all="ignore"):
                arrays[key] = np.full(tuple(a["shape"]), value).astype(a["dtype"])
        path = tmp / "in.npz"
        np.savez(path, **arrays)
        data = path.read_bytes()
        if case["corrupt"] == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif case["corrupt"] == "flip":
            k = len(data) // 2
            path.write_bytes(data[:k] + bytes([data[k] ^ 0xFF]) + data[k + 1:])
        argv = ["run", str(bundled(BUNDLED_MODEL)), "--dialect", "snntorch", "--input", str(path), "--no-progress",
                "--json", str(tmp / "r.json"), *[a for pair in case["args"] for a in pair]]
        report = tmp / "r.json"
        run_case("input", case, lambda: main(argv), inputs=[path, bundled(BUNDLED_MODEL)],
                 figures=lambda status: _read_json(report))


def _read_json(path: Path):
    import json

    return json.loads(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("case", corpus_cases("input"), ids=lambda c: c.get("why", "")[:40])
def test_input_corpus(case):
    replay(_check_input, case)


@fuzz_settings(40)
@given(_input_case())
def test_mutated_input_files_are_run_or_refused_in_one_line(case):
    _check_input(case)


# -- chip profiles -------------------------------------------------------------------------------
TOKENS = ["-1", "0", "1e308", "nan", "inf", "-inf", '"x"', "1e-300", "2147483648", "[1, 2]", "true", "{}", ""]


def _chip_case():
    return st.fixed_dictionaries({"file": st.sampled_from(CHIP_FILES),
                                  "edits": st.lists(st.tuples(st.integers(0, 400), st.sampled_from(
                                      ["delete", "duplicate"] + [f"value {t}" for t in TOKENS])),
                                      min_size=1, max_size=4)})


def _edit_toml(text: str, edits) -> str:
    lines = text.splitlines()
    for index, edit in edits:
        if not lines:
            break
        k = index % len(lines)
        if edit == "delete":
            del lines[k]
        elif edit == "duplicate":
            lines.insert(k, lines[k])
        elif "=" in lines[k]:
            lines[k] = lines[k].split("=", 1)[0] + "= " + edit[len("value "):]
    return "\n".join(lines) + "\n"


def _check_chip(case: dict) -> None:
    from neurosim.chip import load_chip
    from neurosim.workflows.inputs import BUNDLED_MODEL, bundled
    from neurosim.workflows.run import run_nir

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / case["file"]
        path.write_text(_edit_toml((ROOT / "chips" / case["file"]).read_text(), case["edits"]))

        def action():
            chip = load_chip(path)
            return run_nir(bundled(BUNDLED_MODEL), None, chip, "snntorch", ticks=3, missing="mark")

        run_case("chip", case, action, inputs=[path], figures=lambda run: run.report.to_dict())


@pytest.mark.parametrize("case", corpus_cases("chip"), ids=lambda c: c.get("why", "")[:40])
def test_chip_corpus(case):
    replay(_check_chip, case)


@fuzz_settings(40)
@given(_chip_case())
def test_mutated_chip_profiles_are_costed_or_refused_in_one_line(case):
    _check_chip(case)


# -- traces --------------------------------------------------------------------------------------
@functools.cache
def _trace() -> Path:
    """A small valid trace, written once per session."""
    from neurosim.workflows.inputs import BUNDLED_MODEL, BUNDLED_SAMPLES, bundled, load_input_file
    from neurosim.workflows.run import run_nir

    path = Path(tempfile.mkdtemp()) / "t.h5"
    samples = {k: v[:2] for k, v in load_input_file(bundled(BUNDLED_SAMPLES)).items()}
    run_nir(bundled(BUNDLED_MODEL), samples, "loihi_sanafe", "snntorch", trace=path)
    return path


def _trace_case():
    return st.builds(lambda ms: {"mutations": ms},
                     st.lists(st.deferred(lambda: _mutations(_datasets(_trace()))), min_size=1, max_size=3))


def _check_trace(case: dict) -> None:
    from neurosim.chip import load_chip
    from neurosim.trace import read_trace
    from neurosim.trace.cost import cost_trace

    with tempfile.TemporaryDirectory() as tmp:
        path = _copy(_trace(), "t.h5", Path(tmp))
        with h5py.File(path, "r+") as f:
            for m in case["mutations"]:
                _mutate(f, m)
        run_case("trace", case, lambda: cost_trace(read_trace(path), load_chip("loihi_sanafe")), inputs=[path],
                 figures=lambda cost: cost)


@pytest.mark.parametrize("case", corpus_cases("trace"), ids=lambda c: c.get("why", "")[:40])
def test_trace_corpus(case):
    replay(_check_trace, case)


@fuzz_settings(30)
@given(_trace_case())
def test_mutated_traces_are_read_or_refused_in_one_line(case):
    _check_trace(case)
