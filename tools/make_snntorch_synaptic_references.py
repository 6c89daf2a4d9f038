"""Regenerate the snnTorch ``Synaptic`` reference files under ``tests/data/models/``.

Needs CPU torch and snntorch 1.0.0 (none of which neurosim depends on)::

    /work/venv-nb/bin/python tools/make_snntorch_synaptic_references.py

and, to check the old-state case against the old code itself, snntorch 0.9.1 in a folder of its own
(it is imported in a subprocess, so that the two versions never meet)::

    /work/venv-nb/bin/pip install --no-deps --target /tmp/snntorch091 snntorch==0.9.1
    SNNTORCH_091=/tmp/snntorch091 /work/venv-nb/bin/python tools/make_snntorch_synaptic_references.py

A ``Synaptic`` layer (per-neuron ``alpha``, ``beta`` and threshold, ``reset_mechanism="subtract"``,
the default ``reset_delay=True``, float32) runs ``T`` steps on seeded float32 input currents with its
states passed explicitly, as L2MU's cells do (``spk, syn, mem = lif(x, syn, mem)``). Two cases:

* ``current`` (``snntorch_synaptic_current.npz``): snnTorch 1.0.0 as it is;
* ``membrane`` (``snntorch_synaptic_membrane.npz``): the behaviour of snnTorch 0.8.0 to 0.9.1, whose
  ``forward`` began with ``if not syn == None: self.syn = mem`` (commit 583a860, fixed by 5f404e6,
  github.com/jeshraghian/snntorch). snnTorch 1.0.0 called as ``lif(x, mem, mem)`` is that code, and the
  script checks it against :func:`old_synaptic_step`, a re-implementation of 0.9.1's
  ``Synaptic.forward`` (``snntorch/_neurons/synaptic.py`` at tag v0.9.1, lines 216-260, with
  ``LIF.mem_reset`` and ``LIF.fire`` of ``snntorch/_neurons/neurons.py``), and, with
  ``SNNTORCH_091`` set, against snnTorch 0.9.1 itself.

Each file holds the inputs, the spikes and the states ``syn`` and ``mem`` returned at every step, and
the parameters; ``tests/models/test_snntorch_synaptic.py`` compares neurosim's ``cuba_lif`` with
them bit for bit.
"""
from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import snntorch as snn
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "models"
SEED = 20261208
N, T = 16, 60


def _case(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Parameters and inputs: decays whose idle map contracts (``beta + alpha < 1``, since the old
    code's current follows the membrane), thresholds near 1, inputs of both signs, a third zero."""
    x = rng.normal(0.25, 0.6, (T, N))
    return {
        "alpha": rng.uniform(0.1, 0.45, N).astype(np.float32),
        "beta": rng.uniform(0.2, 0.5, N).astype(np.float32),
        "threshold": rng.uniform(0.6, 1.2, N).astype(np.float32),
        "inputs": np.where(rng.random((T, N)) < 0.3, 0.0, x).astype(np.float32),
    }


def run_synaptic(case: dict[str, np.ndarray], membrane_as_current: bool) -> dict[str, np.ndarray]:
    """Spikes and returned states of the installed snnTorch's ``Synaptic`` with explicit states."""
    lif = snn.Synaptic(alpha=torch.from_numpy(case["alpha"]), beta=torch.from_numpy(case["beta"]),
                       threshold=torch.from_numpy(case["threshold"]), reset_mechanism="subtract")
    syn = torch.zeros(N)
    mem = torch.zeros(N)
    rec: dict[str, list] = {"spikes": [], "syn": [], "mem": []}
    with torch.no_grad():
        for t in range(T):
            spk, syn, mem = lif(torch.from_numpy(case["inputs"][t]), mem if membrane_as_current else syn, mem)
            for name, value in (("spikes", spk), ("syn", syn), ("mem", mem)):
                rec[name].append(value.numpy().copy())
    return {k: np.array(v, dtype=np.float32) for k, v in rec.items()}


def old_synaptic_step(x, syn, mem, alpha, beta, threshold):
    """One step of snnTorch 0.9.1's ``Synaptic.forward(x, syn, mem)``, ``reset_mechanism="subtract"``,
    ``reset_delay=True``, in float32 numpy, line by line::

        if not syn == None: self.syn = mem          # the quirk: the current is overwritten
        if not mem == None: self.mem = mem
        self.reset = self.mem_reset(self.mem)       # Heaviside(mem - threshold), the previous step's
        self.syn, self.mem = self._base_sub(input_) # syn = alpha * syn + x; mem = beta * mem + syn
                                                    #   - reset * threshold
        spk = self.fire(self.mem)                   # Heaviside(mem - threshold) (> 0)
        return spk, self.syn, self.mem
    """
    syn = mem
    reset = ((mem - threshold) > 0).astype(np.float32)
    syn = alpha * syn + x
    mem = beta * mem + syn
    mem = mem - reset * threshold
    spk = ((mem - threshold) > 0).astype(np.float32)
    return spk, syn, mem


def run_old_reimplementation(case: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    syn = np.zeros(N, np.float32)
    mem = np.zeros(N, np.float32)
    rec: dict[str, list] = {"spikes": [], "syn": [], "mem": []}
    for t in range(T):
        spk, syn, mem = old_synaptic_step(case["inputs"][t], syn, mem, case["alpha"], case["beta"], case["threshold"])
        for name, value in (("spikes", spk), ("syn", syn), ("mem", mem)):
            rec[name].append(value.copy())
    return {k: np.array(v, dtype=np.float32) for k, v in rec.items()}


def run_installed_091(folder: str, path: Path) -> dict[str, np.ndarray]:
    """snnTorch 0.9.1 from ``folder``, in a subprocess, on the case saved at ``path``."""
    code = f"""
import sys; sys.path.insert(0, {folder!r})
import numpy as np, torch, snntorch as snn
assert snn.__version__ == "0.9.1", snn.__version__
f = np.load({str(path)!r})
lif = snn.Synaptic(alpha=torch.from_numpy(f["alpha"]), beta=torch.from_numpy(f["beta"]),
                   threshold=torch.from_numpy(f["threshold"]), reset_mechanism="subtract")
syn = torch.zeros({N}); mem = torch.zeros({N}); out = {{"spikes": [], "syn": [], "mem": []}}
with torch.no_grad():
    for t in range({T}):
        spk, syn, mem = lif(torch.from_numpy(f["inputs"][t]), syn, mem)
        for k, v in (("spikes", spk), ("syn", syn), ("mem", mem)):
            out[k].append(v.numpy().copy())
np.savez({str(path.with_suffix(".old.npz"))!r}, **{{k: np.array(v, dtype=np.float32) for k, v in out.items()}})
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    old = path.with_suffix(".old.npz")
    with np.load(old) as f:
        result = {k: f[k] for k in f.files}
    old.unlink()
    return result


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in ("spikes", "syn", "mem"))


def main() -> None:
    rng = np.random.default_rng(SEED)
    torch.set_num_threads(1)
    case = _case(rng)
    for name, membrane in (("current", False), ("membrane", True)):
        rec = run_synaptic(case, membrane)
        path = OUT / f"snntorch_synaptic_{name}.npz"
        np.savez_compressed(path, **case, **rec, snntorch_version=np.array(version("snntorch")))
        checks = ""
        if membrane:
            checks = f"; equal to the re-implementation of 0.9.1: {_same(rec, run_old_reimplementation(case))}"
            if os.environ.get("SNNTORCH_091"):
                checks += f"; equal to snnTorch 0.9.1 itself: {_same(rec, run_installed_091(os.environ['SNNTORCH_091'], path))}"
        print(f"{path.name}: {int(rec['spikes'].sum())} spikes of {rec['spikes'].size}, mem in "
              f"[{rec['mem'].min():.3f}, {rec['mem'].max():.3f}]{checks}")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()
