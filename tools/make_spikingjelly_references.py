"""Regenerate the SpikingJelly ST-BIF reference files under ``tests/data/models/``.

Needs CPU torch, SpikingJelly 2.0.0 and the one extra module its neuron package imports (none of
which neurosim depends on)::

    /work/venv-nb/bin/pip install --no-deps spikingjelly==2.0.0 && /work/venv-nb/bin/pip install loguru
    /work/venv-nb/bin/python tools/make_spikingjelly_references.py

For each case below, SpikingJelly's ``STBIFNode`` (``spikingjelly.activation_based.neuron``,
single-step mode, so that each step goes through ``functional.stbif_step``) runs one step at a time
on seeded float32 inputs (a mix of zeros, small and large values of both signs), and the inputs,
the outputs (``0`` or ``+-q_threshold``) and the states ``q`` and ``acc_q`` after every step are
saved to ``stbif_<case>.npz`` with the parameters. ``tests/models/test_paper_models.py`` feeds the
same inputs to neurosim's ``st_bif`` and compares everything bit for bit.

None of snnTorch 1.0.0's neurons (``snntorch/_neurons/*.py``: ``Leaky``, ``Synaptic``, ``Lapicque``,
``Alpha``, ``RLeaky``, ``RSynaptic``, ``SLSTM``, ``SConv2dLSTM`` and the parallel/state variants) has a
spike-triggered adaptive threshold (``learn_threshold`` makes it a trained constant), so ``alif`` is
tested against hand-computed trajectories of its published equations instead.
"""
from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from spikingjelly.activation_based.neuron import STBIFNode

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "models"
SEED = 20261207
N, T = 24, 80
# name -> (q_threshold, level, sym, pos_max, neg_min, input scale)
CASES = {
    "unsigned": (0.37, 8, False, None, None, 0.6),      # acc_q in [0, 7]: the converted ReLU
    "symmetric": (0.05, 16, True, None, None, 0.09),    # acc_q in [-8, 7]
    "unbounded": (1.3, 2, False, 2.0 ** 24, -2.0 ** 24, 2.5),  # the plain bipolar IF
}


def _inputs(rng: np.random.Generator, scale: float) -> np.ndarray:
    """(T, N) float32: zeros (40 %), small values and large ones (several spikes' worth), both signs."""
    x = rng.normal(0.2, 1.0, (T, N)) * scale
    x = np.where(rng.random((T, N)) < 0.1, 4.0 * x, x)
    return np.where(rng.random((T, N)) < 0.4, 0.0, x).astype(np.float32)


def main() -> None:
    rng = np.random.default_rng(SEED)
    torch.set_num_threads(1)
    for name, (theta, level, sym, pos_max, neg_min, scale) in CASES.items():
        node = STBIFNode(theta, level=level, sym=sym, pos_max=pos_max, neg_min=neg_min, step_mode="s")
        x = _inputs(rng, scale)
        rec = {"out": [], "q": [], "acc_q": []}
        with torch.no_grad():
            for t in range(T):
                out = node(torch.from_numpy(x[t]))
                rec["out"].append(out.numpy().copy())
                rec["q"].append(node.q.numpy().copy())
                rec["acc_q"].append(node.acc_q.numpy().copy())
        arrays = {k: np.array(v, dtype=np.float32) for k, v in rec.items()}
        np.savez_compressed(
            OUT / f"stbif_{name}.npz", inputs=x, theta=np.float32(node.q_threshold.item()),
            pos_max=np.float32(node.pos_max.item()), neg_min=np.float32(node.neg_min.item()),
            spikingjelly_version=np.array(version("spikingjelly")),
            **arrays)
        s = arrays["out"] / arrays["out"].dtype.type(node.q_threshold.item())
        print(f"{name}: +{int((s > 0).sum())} -{int((s < 0).sum())} spikes, acc_q in "
              f"[{arrays['acc_q'].min()}, {arrays['acc_q'].max()}], "
              f"{(OUT / f'stbif_{name}.npz').stat().st_size} bytes")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()
