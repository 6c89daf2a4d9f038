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
import snntorch as snn
import torch
from snntorch import surrogate
from snntorch.export_nir import export_to_nir

from make_nir_references import digits_split

import nir

OUT = pathlib.Path(__file__).resolve().parent.parent / "neurosim" / "data"
T = 20
N_IN, N_HID, N_OUT = 64, 64, 10
N_SAMPLES = 100
EPOCHS = 15
SEED = 0


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        grad = surrogate.fast_sigmoid(slope=25)
        self.fc1 = torch.nn.Linear(N_IN, N_HID)
        # Per-neuron tensors: scalar beta/threshold export as 0-d NIR arrays, which nir's type
        # inference rejects (docs/nir.md section 4).
        self.lif1 = snn.Leaky(beta=torch.full((N_HID,), 0.9), threshold=torch.ones(N_HID), spike_grad=grad)
        self.fc2 = torch.nn.Linear(N_HID, N_OUT)
        self.lif2 = snn.Leaky(beta=torch.full((N_OUT,), 0.8), threshold=torch.ones(N_OUT), spike_grad=grad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [T, batch, 64] -> output spikes [T, batch, 10]."""
        mem1 = self.lif1.init_leaky()
        mem2 = self.lif2.init_leaky()
        out = []
        for t in range(x.shape[0]):
            spk1, mem1 = self.lif1(self.fc1(x[t]), mem1)
            spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
            out.append(spk2)
        return torch.stack(out)


class OneStep(torch.nn.Module):
    """The same layers called once, as ``export_to_nir`` traces them (one step, no batch dim)."""

    def __init__(self, net: Net) -> None:
        super().__init__()
        self.fc1, self.lif1, self.fc2, self.lif2 = net.fc1, net.lif1, net.fc2, net.lif2

    def forward(self, x: torch.Tensor):
        spk1, _ = self.lif1(self.fc1(x))
        return self.lif2(self.fc2(spk1))


def main() -> None:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    x_train, y_train, x_test, y_test, _ = digits_split(rng)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        perm = torch.randperm(x_train.shape[1])
        for k in range(0, perm.numel(), 64):
            idx = perm[k:k + 64]
            loss = loss_fn(net(x_train[:, idx]).sum(0) * 0.5, y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        counts = net(torch.tensor(x_test, dtype=torch.float32).transpose(0, 1)).sum(0).numpy()
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
