"""Fuzzing what users type: CLI argument lists and Python API calls with hostile values.

A CLI case is an argument list drawn from the options of ``run``, ``sweep``, ``plot``, ``chips`` and
``models`` with values that include the command's own input files as outputs; an API case builds a
small network through :class:`neurosim.Network` with some argument replaced by a hostile value
and simulates it. The oracle is :func:`fuzz_harness.run_case`.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_harness import ROOT, corpus_cases, fuzz_settings, replay, run_case

pytest.importorskip("nir")

# Hostile values, referred to by index so that a case stays JSON (and fits in the corpus).
HOSTILE = [None, -1, 0, 1, 3, 1.5, 2 ** 31, 2 ** 64, -2 ** 63, "abc", "3", "", [1, 2], float("nan"), float("inf"),
           True, np.int64(5), np.float32(2.0), "hh", ["lif"], np.array(["a", "b"])]
TEXT = ["-1", "0", "1", "3", "1.5", "1e13", str(2 ** 64), "nan", "inf", "", "abc", "loihi", "truenorth", "snntorch",
        "{model}", "{input}", "{report}", "{dir}", "{dir}/x.png", "{dir}/o.json", "{dir}/o.npz", "{dir}/missing/o",
        "{chip}"]
OPTIONS = {
    "run": ["--input", "--dialect", "--chip", "--dt", "--ticks", "--samples", "--strategy", "--neurons-per-core",
            "--seed", "--fallback", "--json", "--record", "--trace", "--convention", "--per"],
    "sweep": ["--input", "--dialect", "--chip", "--ticks", "--samples", "--vary", "--workers", "--out", "--seed"],
    "plot": ["--kind", "--out", "--other", "--window", "--x", "--y"],
    "chips": [], "models": [],
}
READ = ("--input", "--chip", "--other")
"""Options whose file the command reads (with the positional arguments): those files must not change."""
FLAGS = {"run": ["--quantize", "--raise-delays", "--keep-delays", "--full", "--no-latency"],
         "sweep": ["--quantize", "--resume", "--raise-delays", "--no-latency"], "plot": [], "chips": [], "models": []}


def _cli_case():
    def for_command(command):
        return st.fixed_dictionaries({
            "command": st.just(command),
            "positional": st.lists(st.sampled_from(TEXT), max_size=1),
            "options": st.lists(st.tuples(st.sampled_from(OPTIONS[command] or ["--help-not"]),
                                          st.sampled_from(TEXT)), max_size=4),
            "flags": st.lists(st.sampled_from(FLAGS[command] or ["--no-progress"]), max_size=2)})
    return st.sampled_from(sorted(OPTIONS)).flatmap(for_command)


def _check_cli(case: dict) -> None:
    from neurosim.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = {"model": tmp / "m.nir", "input": tmp / "in.npz", "report": tmp / "r.json", "chip": tmp / "c.toml"}
        shutil.copy(ROOT / "tests" / "data" / "nir" / "snntorch_ff.nir", files["model"])
        np.savez(files["input"], input=(np.random.default_rng(0).random((2, 6, 64)) < 0.3).astype(np.float32))
        files["report"].write_text("{}")
        shutil.copy(ROOT / "chips" / "loihi_sanafe.toml", files["chip"])
        names = {k: str(v) for k, v in files.items()} | {"dir": str(tmp)}
        argv = [case["command"], *[t.format(**names) for t in case["positional"]]]
        for option, value in case["options"]:
            argv += [option, value.format(**names)]
        argv += [f for f in case["flags"]] + (["--no-progress"] if case["command"] in ("run", "sweep") else [])
        if case["command"] == "sweep" and "--vary" not in argv:
            argv += ["--vary", "e_synop_J=1e-11"]
        if case["command"] == "plot" and "--out" not in argv:
            argv += ["--out", str(tmp / "p.png")]
        report = tmp / "o.json"
        read = [a for k, a in enumerate(argv[1:], 1) if not argv[k - 1].startswith("--") or argv[k - 1] in READ]
        around = set(os.listdir(ROOT))
        with contextlib.chdir(tmp):  # a relative output path ("0", "loihi") is written in the case's folder
            run_case("cli", case, lambda: main(argv), inputs=[p for p in files.values() if str(p) in read],
                     figures=lambda status: _json(report))
        stray = set(os.listdir(ROOT)) - around
        assert not stray, f"cli case {case} wrote {sorted(stray)} into the repository"


def _json(path: Path):
    import json

    return json.loads(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("case", corpus_cases("cli"), ids=lambda c: c.get("why", "")[:40])
def test_cli_corpus(case):
    replay(_check_cli, case)


@fuzz_settings(40)
@given(_cli_case())
def test_cli_argument_lists_exit_0_2_or_130_and_never_change_an_input(case):
    _check_cli(case)


# -- Python API -----------------------------------------------------------------------------------
ARGUMENTS = ["size", "model", "beta", "reset", "weights", "delays", "p", "seed", "data", "ticks", "chunk_ticks",
             "probe", "pop_name"]


def _api_case():
    hostile = st.dictionaries(st.sampled_from(ARGUMENTS), st.integers(0, len(HOSTILE) - 1), min_size=1, max_size=2)
    return st.fixed_dictionaries({"hostile": hostile})


def _check_api(case: dict) -> None:
    import neurosim as ns

    value = {k: HOSTILE[i] for k, i in case["hostile"].items()}

    def pick(key, default):
        return value[key] if key in value else default

    def action():
        net = ns.Network("fuzz")
        net.spike_array("in", pick("data", (np.arange(24).reshape(6, 4) % 3 == 0).astype(float)))
        net.poisson("noise", 4, pick("p", 0.2), seed=pick("seed", 1))
        params = {"beta": pick("beta", 0.9), "v_th": 1.0}
        if "reset" in value:
            params["reset"] = value["reset"]
        model = pick("model", "lif")
        net.population(pick("pop_name", "h"), pick("size", 3), model, **params)
        name = pick("pop_name", "h")
        net.connect("in", name, np.full((3, 4), pick("weights", 0.6)) if "weights" in value and np.ndim(
            value["weights"]) == 0 and not isinstance(value["weights"], str) else pick("weights", np.full((3, 4), 0.6)),
            delays=pick("delays", 1))
        net.connect("noise", name, np.full((3, 4), 0.3))
        return ns.simulate(net, pick("ticks", 12), probe=pick("probe", ()), seed=pick("seed", 0),
                           chunk_ticks=pick("chunk_ticks", None))

    run_case("api", case, action, figures=_counts)


def _counts(result) -> dict:
    """The counters of a run (arrays and numbers), not the compiled network they refer to."""
    import dataclasses

    counters = result.counters
    return {f.name: getattr(counters, f.name) for f in dataclasses.fields(counters)
            if isinstance(getattr(counters, f.name), (np.ndarray, int, float))}


@pytest.mark.parametrize("case", corpus_cases("api"), ids=lambda c: c.get("why", "")[:40])
def test_api_corpus(case):
    replay(_check_api, case)


@fuzz_settings(60)
@given(_api_case())
def test_api_calls_with_hostile_values_run_or_raise_a_neurosim_error(case):
    _check_api(case)
