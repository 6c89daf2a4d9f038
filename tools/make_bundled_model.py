"""Regenerate the bundled model that ``neurosim run`` (no model argument) runs: ``neurosim/data/``.

Needs torch, snntorch and scikit-learn, none of which neurosim depends on (use a throwaway venv)::

    python -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.13.0 snntorch scikit-learn
    /tmp/tvenv/bin/python tools/make_bundled_model.py

The training recipe is the one of ``tools/make_nir_references.py`` (deterministic: fixed seeds, CPU,
float32), with a wider hidden layer and more epochs:

1. trains a 64 -> 64 Leaky -> 10 Leaky snnTorch network (surrogate gradient, rate-count loss) on
   scikit-learn's 8x8 digits, rate-coded: pixel ``p / 16`` is the Bernoulli probability of an input
   spike at each of ``T = 20`` steps; 1400 digits train, the other 397 are held out;
2. exports it with ``snntorch.export_to_nir`` to ``neurosim/data/digits_snntorch.nir`` (read it
   with ``dialect="snntorch"``);
3. saves the first ``N_SAMPLES`` held-out digits to ``neurosim/data/digits_samples.npz`` in the
   ``neurosim run --input`` format: ``input`` ``[B, T, 64]`` uint8 spikes (key = the graph's input
   node), ``labels`` ``[B]`` (the true digits), ``reference_predictions`` ``[B]`` (snnTorch's own
   predicted digits: argmax of the output layer's spike counts, first index on ties) and
   ``reference_counts`` ``[B, 10]`` (those spike counts).
"""
from __future__ import annotations

import pathlib

import numpy as np
import torch
from snntorch.export_nir import export_to_nir

from _common import N_IN, Net, OneStep, train
from make_nir_references import digits_split

import nir

OUT = pathlib.Path(__file__).resolve().parent.parent / "neurosim" / "data"
T = 20
N_HID = 64
N_SAMPLES = 100
EPOCHS = 15
SEED = 0


def main() -> None:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    x_train, y_train, x_test, y_test, _ = digits_split(rng)

    net = Net(N_HID)
    train(lambda x: net(x)["spk2"].sum(0) * 0.5, net.parameters(), x_train, y_train, epochs=EPOCHS, lr=2e-3)
    with torch.no_grad():
        counts = net(torch.tensor(x_test, dtype=torch.float32).transpose(0, 1))["spk2"].sum(0).numpy()
    pred = counts.argmax(1)  # numpy: first index on ties
    print(f"snnTorch test accuracy {np.mean(pred == y_test):.3f} on all {len(y_test)} held-out digits, "
          f"{np.mean(pred[:N_SAMPLES] == y_test[:N_SAMPLES]):.3f} on the {N_SAMPLES} bundled ones")

    OUT.mkdir(parents=True, exist_ok=True)
    graph = export_to_nir(OneStep(net).eval(), torch.zeros(N_IN))
    nir.write(OUT / "digits_snntorch.nir", graph, compression=None)  # gzip chunks of tiny datasets are bigger
    np.savez_compressed(
        OUT / "digits_samples.npz",
        input=x_test[:N_SAMPLES],
        labels=y_test[:N_SAMPLES].astype(np.int64),
        reference_predictions=pred[:N_SAMPLES].astype(np.int64),
        reference_counts=counts[:N_SAMPLES].astype(np.uint8),
    )
    print("nodes:", sorted(graph.nodes), "edges:", sorted(graph.edges))
    for f in sorted(OUT.iterdir()):
        if f.suffix in (".nir", ".npz"):
            print(f"{f.relative_to(OUT.parent.parent)}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
