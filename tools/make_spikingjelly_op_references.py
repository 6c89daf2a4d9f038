"""Write ``tests/data/spikingjelly/{linear_lif,conv_pool}.{npz,json}``: SpikingJelly 2.0.0's own
operation counts of a small Linear SNN and of a small conv + pooling SNN, the references of neurosim's
``spikingjelly`` convention.

SpikingJelly and torch are NOT dependencies of neurosim: run this in the separate environment that has
them (CPU torch, ``spikingjelly==2.0.0``, ``loguru``); the tests read only the committed files::

    /work/venv-nb/bin/python tools/make_spikingjelly_op_references.py

The model, seeded: ``Linear(6, 5)`` (with bias) on real-valued input -> ``LIFNode`` -> ``Linear(5, 3,
bias=False)`` with a third of its weights set to zero -> ``LIFNode``; B = 3 samples, T = 4 steps, run
one step at a time (single-step mode) inside ``DispatchCounterMode([SynOpCounter(), MACCounter()])``
(``spikingjelly/activation_based/op_counter``). The first layer's calls are MAC calls (its input is
not binary), the second's SynOp calls. Saved: the input ``x [B, T, 6]``, the hidden spikes
``s1 [B, T, 5]``, the weights, and the counters' totals and per-operator records; the energy of
``SimpleEnergyCostConfig.fp32()`` on these two counts (MACs x E_MAC + SynOps x E_AC) is saved too.

``conv_pool``, seeded, input ``[B, T, 1, 8, 8]`` real-valued: ``Conv2d(1, 4, 3, padding=1)`` (MAC calls:
the input is not binary) -> ``LIFNode`` -> ``Conv2d(4, 4, 3, stride=2, padding=1, groups=2,
bias=False)`` with a quarter of its weights zero (SynOp calls: ``_spike_convolution``, zero weights
and the zero padding as SpikingJelly counts them) -> ``LIFNode`` -> ``AvgPool2d(2)`` (no SynOp or MAC
rule) -> ``Flatten`` -> ``Linear(16, 5)`` (pooled values are not binary: MAC calls) -> ``LIFNode``;
B = 2, T = 3. Saved: ``x``, the spikes ``s1 [B, T, 4, 8, 8]`` and ``s2 [B, T, 4, 4, 4]``, the weights
and biases, and the counts.
"""
from __future__ import annotations

import json
import pathlib

import numpy as np
import spikingjelly
import torch
from spikingjelly.activation_based import neuron
from spikingjelly.activation_based.op_counter import DispatchCounterMode, MACCounter, SynOpCounter
from spikingjelly.activation_based.op_counter.simple_energy import SimpleEnergyCostConfig

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "spikingjelly"
B, T = 3, 4


def _record(synop: SynOpCounter, mac: MACCounter, b: int, t: int) -> dict:
    cost = SimpleEnergyCostConfig.fp32()
    return {
        "tool": "spikingjelly", "version": spikingjelly.__version__ if hasattr(spikingjelly, "__version__") else "2.0.0",
        "torch": torch.__version__, "B": b, "T": t,
        "SynOps": int(synop.get_total()), "MACs": int(mac.get_total()),
        "energy_compute_pJ": mac.get_total() * cost.e_mac_pj + synop.get_total() * cost.e_ac_pj,
        "e_mac_pJ": cost.e_mac_pj, "e_ac_pJ": cost.e_ac_pj,
        "synop_records": {str(k): int(v) for k, v in synop.get_counts().get("Global", {}).items()},
        "mac_records": {str(k): int(v) for k, v in mac.get_counts().get("Global", {}).items()},
    }


def conv_pool() -> None:
    b, t = 2, 3
    torch.manual_seed(11)
    conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
    conv2 = torch.nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=2, bias=False)
    pool, fc = torch.nn.AvgPool2d(2), torch.nn.Linear(16, 5)
    with torch.no_grad():
        conv1.weight.mul_(4.0)
        conv2.weight.mul_(3.0)
        conv2.weight[torch.rand(conv2.weight.shape) < 1 / 4] = 0.0
        fc.weight.mul_(4.0)
    lif1, lif2, lif3 = neuron.LIFNode(tau=2.0), neuron.LIFNode(tau=2.0), neuron.LIFNode(tau=2.0)
    x = torch.rand(b, t, 1, 8, 8) * 2.0
    synop, mac = SynOpCounter(), MACCounter()
    s1s, s2s = [], []
    with torch.no_grad(), DispatchCounterMode([synop, mac]):
        for step in range(t):
            s1 = lif1(conv1(x[:, step]))
            s2 = lif2(conv2(s1))
            lif3(fc(pool(s2).flatten(1)))
            s1s.append(s1.clone())
            s2s.append(s2.clone())
    record = _record(synop, mac, b, t)
    np.savez(OUT / "conv_pool.npz", x=x.numpy().astype(np.float64),
             s1=torch.stack(s1s, dim=1).numpy().astype(np.float64),
             s2=torch.stack(s2s, dim=1).numpy().astype(np.float64),
             w1=conv1.weight.detach().numpy(), b1=conv1.bias.detach().numpy(), w2=conv2.weight.detach().numpy(),
             w3=fc.weight.detach().numpy(), b3=fc.bias.detach().numpy())
    (OUT / "conv_pool.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


def main() -> None:
    torch.manual_seed(7)
    fc1, fc2 = torch.nn.Linear(6, 5), torch.nn.Linear(5, 3, bias=False)
    with torch.no_grad():
        fc1.weight.mul_(3.0)
        fc2.weight[torch.rand(fc2.weight.shape) < 1 / 3] = 0.0
    lif1, lif2 = neuron.LIFNode(tau=2.0), neuron.LIFNode(tau=2.0)
    x = torch.rand(B, T, 6) * 2.0
    synop, mac = SynOpCounter(), MACCounter()
    hidden = []
    with torch.no_grad(), DispatchCounterMode([synop, mac]):
        for t in range(T):
            s1 = lif1(fc1(x[:, t]))
            hidden.append(s1.clone())
            lif2(fc2(s1))
    s1 = torch.stack(hidden, dim=1)
    record = _record(synop, mac, B, T)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / "linear_lif.npz", x=x.numpy().astype(np.float64), s1=s1.numpy().astype(np.float64),
             w1=fc1.weight.detach().numpy(), b1=fc1.bias.detach().numpy(), w2=fc2.weight.detach().numpy())
    (OUT / "linear_lif.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    conv_pool()


if __name__ == "__main__":
    main()
