"""Regenerate the Norse reference model and outputs under ``tests/data/nir/``.

Needs torch, norse 1.1.0, snntorch and scikit-learn, none of which neurosim depends on::

    /tmp/tvenv/bin/pip install --no-deps norse==1.1.0   # its torchvision pin would replace torch
    /tmp/tvenv/bin/python tools/make_norse_references.py

What it does, deterministically (fixed seeds, CPU, float32):

1. trains briefly, on the rate-coded digits of ``make_nir_references.py``, a Norse network
   64 -> Linear -> LIFCell(30) -> Linear -> LIFBoxCell(20) -> Linear -> LIBoxCell(10)
   (NIR CubaLIF, LIF, LI; per-neuron parameters, different time constants per layer, a
   non-zero ``v_leak`` in the LIF layer so that Norse's initial state ``v = v_leak`` matters);
2. exports it with Norse's own ``norse.torch.to_nir`` twice: with ``dt=1.0``, which writes
   ``tau = 1 / tau_inv`` in seconds (``norse_ff.nir``), and with Norse 1.1.0's default
   ``dt=1e-3``, which writes ``tau = 1e-3 / tau_inv`` (norse/norse#411; ``norse_ff_dt.nir``);
3. runs Norse on ``N_SAMPLES`` test digits and saves the input spikes, every layer's spikes, its
   membrane after the reset (Norse's state ``v``) and before it (``vpre*``: the value compared
   with the threshold, recomputed with Norse's own float32 formula, which the script checks
   against Norse's spikes) to ``norse_ff.npz``.
"""
from __future__ import annotations

import numpy as np
import torch
from make_nir_references import OUT, SEED, digits_split
from norse.torch import LIBoxCell, LIBoxParameters, LIFBoxCell, LIFBoxParameters, LIFCell, LIFParameters
from norse.torch import to_nir

import nir

N_IN, N1, N2, N_OUT = 64, 30, 20, 10
N_SAMPLES = 8
DT = 1e-3  # Norse's default time step (seconds)


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(N_IN, N1)
        self.cuba = LIFCell(LIFParameters(tau_syn_inv=torch.full((N1,), 200.0), tau_mem_inv=torch.full((N1,), 100.0),
                                          v_leak=torch.zeros(N1), v_th=torch.full((N1,), 0.3),
                                          v_reset=torch.zeros(N1)))
        self.fc2 = torch.nn.Linear(N1, N2)
        self.lif = LIFBoxCell(LIFBoxParameters(tau_mem_inv=torch.full((N2,), 250.0), v_leak=torch.full((N2,), 0.05),
                                               v_th=torch.full((N2,), 0.2), v_reset=torch.zeros(N2)))
        self.fc3 = torch.nn.Linear(N2, N_OUT)
        self.li = LIBoxCell(LIBoxParameters(tau_mem_inv=torch.full((N_OUT,), 50.0), v_leak=torch.zeros(N_OUT)))

    def forward(self, x: torch.Tensor):  # one step without state, as to_nir traces it
        z1, _ = self.cuba(self.fc1(x))
        z2, _ = self.lif(self.fc2(z1))
        v3, _ = self.li(self.fc3(z2))
        return v3

    def run(self, x: torch.Tensor) -> dict:
        """x: [T, batch, 64] -> spikes, membranes (after and before the reset), readout, each [T, batch, n]."""
        s1 = s2 = s3 = None
        rec = {k: [] for k in ("spk1", "mem1", "vpre1", "spk2", "mem2", "vpre2", "v3")}
        for t in range(x.shape[0]):
            i1 = self.fc1(x[t])
            prev1 = s1 if s1 is not None else self.cuba.initial_state(i1)
            z1, s1 = self.cuba(i1, prev1)
            i2 = self.fc2(z1)
            prev2 = s2 if s2 is not None else self.lif.initial_state(i2)
            z2, s2 = self.lif(i2, prev2)
            v3, s3 = self.li(self.fc3(z2), s3)
            # Norse's v before the reset (lif_feed_forward_step / lif_box_feed_forward_step, verbatim)
            p1, p2 = self.cuba.p, self.lif.p
            pre1 = prev1.v + DT * p1.tau_mem_inv * ((p1.v_leak - prev1.v) + (prev1.i + i1))
            pre2 = prev2.v + DT * p2.tau_mem_inv * (i2 + p2.v_leak - prev2.v)
            for k, v in zip(rec, (z1, s1.v, pre1, z2, s2.v, pre2, v3)):
                rec[k].append(v)
        return {k: torch.stack(v) for k, v in rec.items()}


def main() -> None:
    torch.manual_seed(SEED + 3)
    rng = np.random.default_rng(SEED)
    x_train, y_train, x_test, y_test, _ = digits_split(rng)

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(10):
        perm = torch.randperm(x_train.shape[1])
        for k in range(0, perm.numel(), 64):
            idx = perm[k:k + 64]
            loss = loss_fn(net.run(x_train[:, idx])["v3"].max(0).values, y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        rec = net.run(torch.tensor(x_test, dtype=torch.float32).transpose(0, 1))
    accuracy = float(np.mean(rec["v3"].max(0).values.numpy().argmax(1) == y_test))
    print(f"norse model: test accuracy {accuracy:.3f} on {len(y_test)} digits")
    for k in ("1", "2"):  # the recomputed pre-reset membranes give Norse's spikes (strict >)
        v_th = (net.cuba if k == "1" else net.lif).p.v_th
        assert torch.equal((rec[f"vpre{k}"] > v_th).float(), rec[f"spk{k}"]), k

    net.eval()
    nir.write(OUT / "norse_ff.nir", to_nir(net, torch.zeros(N_IN), dt=1.0), compression=None)
    nir.write(OUT / "norse_ff_dt.nir", to_nir(net, torch.zeros(N_IN)), compression=None)
    arrays = {k: v[:, :N_SAMPLES].transpose(0, 1).numpy() for k, v in rec.items()}  # [samples, T, n]
    np.savez_compressed(
        OUT / "norse_ff.npz", inputs=x_test[:N_SAMPLES], labels=y_test[:N_SAMPLES],
        **{k: v.astype(np.uint8 if k.startswith("spk") else np.float32) for k, v in arrays.items()},
        accuracy=np.float64(accuracy),
    )
    print("spikes per layer:", int(arrays["spk1"].sum()), int(arrays["spk2"].sum()))
    for f in sorted(OUT.glob("norse_*")):
        print(f"{f.relative_to(OUT.parent.parent.parent)}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
