"""Helpers shared by the benchmark scripts (run as ``python benchmarks/<name>.py``)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def dist_version(name: str) -> str | None:
    """Installed version of distribution ``name``, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_info(*peers: str) -> dict:
    """Python, machine, numpy/numba and ``peers``' versions, and the neurosim commit, so that two
    JSON documents can be compared (``neurosim_tree_dirty``: uncommitted changes under neurosim/)."""
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "numpy": np.__version__, "numba": dist_version("numba")}
    info.update({peer: dist_version(peer) for peer in peers})
    git = ["git", "-C", str(REPO)]
    try:
        info["commit"] = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True,
                                        check=True).stdout.strip()
        dirty = subprocess.run(git + ["status", "--porcelain", "--", "neurosim"], capture_output=True, text=True)
        info["neurosim_tree_dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = None
    return info


def add_worker_options(ap: argparse.ArgumentParser) -> None:
    """The hidden ``--worker NAME --kwargs JSON`` options by which a benchmark runs one measurement in a child."""
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--kwargs", default="{}", help=argparse.SUPPRESS)


def run_worker(args: argparse.Namespace, workers: dict[str, Callable[..., dict]]) -> bool:
    """In a child started with ``--worker``: print the worker's JSON result and return True; else False."""
    if not args.worker:
        return False
    print(json.dumps(workers[args.worker](**json.loads(args.kwargs))))
    return True
