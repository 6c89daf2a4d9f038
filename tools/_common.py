"""What the snnTorch reference tools share: the two-layer Leaky network on the rate-coded digits,
its one-step form for ``export_to_nir``, and the training loop.

Needs torch and snntorch (see the tools' own docstrings); imported by ``make_nir_references.py`` and
``make_bundled_model.py`` from the ``tools/`` folder.
"""
from __future__ import annotations

from typing import Callable, Iterable

import snntorch as snn
import torch
from snntorch import surrogate

N_IN, N_OUT = 64, 10
LAYERS = ("spk1", "mem1", "spk2", "mem2")


class Net(torch.nn.Module):
    """64 -> ``n_hidden`` Leaky -> 10 Leaky; different betas per layer exercise the tau -> beta mapping."""

    def __init__(self, n_hidden: int) -> None:
        super().__init__()
        grad = surrogate.fast_sigmoid(slope=25)
        self.fc1 = torch.nn.Linear(N_IN, n_hidden)
        # Per-neuron tensors: scalar beta/threshold export as 0-d NIR arrays, which nir's type
        # inference rejects (docs/nir.md section 4).
        self.lif1 = snn.Leaky(beta=torch.full((n_hidden,), 0.9), threshold=torch.ones(n_hidden), spike_grad=grad)
        self.fc2 = torch.nn.Linear(n_hidden, N_OUT)
        self.lif2 = snn.Leaky(beta=torch.full((N_OUT,), 0.8), threshold=torch.ones(N_OUT), spike_grad=grad)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x: [T, batch, 64] -> per-layer (spikes, membranes), each [T, batch, n]."""
        mem1 = self.lif1.init_leaky()
        mem2 = self.lif2.init_leaky()
        rec = {k: [] for k in LAYERS}
        for t in range(x.shape[0]):
            spk1, mem1 = self.lif1(self.fc1(x[t]), mem1)
            spk2, mem2 = self.lif2(self.fc2(spk1), mem2)
            for k, v in zip(LAYERS, (spk1, mem1, spk2, mem2)):
                rec[k].append(v)
        return {k: torch.stack(v) for k, v in rec.items()}


class OneStep(torch.nn.Module):
    """The same layers called once, as ``export_to_nir`` traces them (one step, no batch dim)."""

    def __init__(self, net: Net) -> None:
        super().__init__()
        self.fc1, self.lif1, self.fc2, self.lif2 = net.fc1, net.lif1, net.fc2, net.lif2

    def forward(self, x: torch.Tensor):
        spk1, _ = self.lif1(self.fc1(x))
        return self.lif2(self.fc2(spk1))


def train(logits: Callable[[torch.Tensor], torch.Tensor], parameters: Iterable[torch.nn.Parameter],
          x_train: torch.Tensor, y_train: torch.Tensor, epochs: int, lr: float) -> None:
    """Adam on the cross-entropy of ``logits(x)`` (x: ``[T, batch, ...]``), in minibatches of 64
    drawn in a fresh ``torch.randperm`` order each epoch."""
    opt = torch.optim.Adam(parameters, lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(x_train.shape[1])
        for k in range(0, perm.numel(), 64):
            idx = perm[k:k + 64]
            loss = loss_fn(logits(x_train[:, idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
