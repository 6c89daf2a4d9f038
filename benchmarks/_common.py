"""Helpers shared by the benchmark scripts (run as ``python benchmarks/<name>.py``)."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

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
