"""What importing neurosim loads: the heavy libraries a first command may not need stay unloaded.

``neurosim run`` must start in about a second (issue 17, ``docs/decisions/0023-start-up.md``).
Each check imports in a fresh interpreter (this process has long imported everything) and lists the
modules that ``sys.modules`` holds afterwards; a module-level ``import scipy.sparse`` (about 0.15 s),
``matplotlib`` (0.3 s and more) or ``h5py`` (0.07 s) anywhere on the import path of the package or
of its CLI fails it. Each library is imported where it is first used: the NIR reader (scipy.sparse,
h5py), the per-core sums of the cost model (scipy.sparse), the locality placement (csgraph), the
trace files (h5py) and the plots (matplotlib).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import neurosim

PACKAGE_PARENT = Path(neurosim.__file__).resolve().parents[1]  # the child imports this neurosim

HEAVY = ("scipy.sparse", "scipy.linalg", "matplotlib", "h5py", "nir", "pandas")


def _loaded_after(code: str) -> list[str]:
    """The modules of :data:`HEAVY` that a fresh interpreter holds after running ``code``."""
    report = f"import json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    child = textwrap.dedent(code) + "\n" + report
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(PACKAGE_PARENT), os.environ.get("PYTHONPATH"))
                                                       if p)}
    proc = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", ["import neurosim", "import neurosim.cli", "from neurosim.cli import main"])
def test_importing_the_package_or_its_cli_loads_no_heavy_library(code):
    assert _loaded_after(code) == []


def test_the_check_sees_a_heavy_library_when_one_is_imported():
    # The same check must fail on the regression it guards against.
    assert _loaded_after("import neurosim, scipy.sparse") == ["scipy.sparse"]


def test_a_network_of_dense_weights_builds_and_compiles_without_scipy_sparse():
    code = """
        import neurosim as ns
        net = ns.Network()
        net.poisson("in", 20, p=0.1, seed=3)
        net.population("hid", 10, "lif", beta=0.9, v_th=1.0)
        net.connect("in", "hid", weights=[[0.3] * 20] * 10, delays=2)
        ns.compile_network(net)
    """
    # Its first jitted call loads scipy.linalg (Numba's registries check for BLAS); scipy.sparse stays out.
    assert "scipy.sparse" not in _loaded_after(code)
