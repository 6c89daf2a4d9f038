"""Regenerate the Sinabs reference model and outputs under ``tests/data/nir/``.

Needs torch, sinabs 3.1 and its imports (none of which neurosim depends on)::

    /tmp/tvenv/bin/pip install --no-deps sinabs && /tmp/tvenv/bin/pip install pbr matplotlib
    /tmp/tvenv/bin/python tools/make_sinabs_references.py

An untrained 12 -> Linear -> LIF(16) -> Linear -> IAF(5) Sinabs network (``LIFSqueeze`` with
per-neuron ``tau_mem`` in time steps and the default ``norm_input=True``, ``IAFSqueeze``; both with
``SingleSpike`` and the default ``MembraneSubtract`` reset), fixed random weights scaled so that it
fires, exported with ``sinabs.nir.to_nir`` to ``sinabs_ff.nir``; Sinabs runs it one step at a time on
40 steps of random input spikes, and every layer's spikes and membranes (Sinabs' ``v_mem`` after the
reset) are saved to ``sinabs_ff.npz``.
"""
from __future__ import annotations

import numpy as np
import sinabs.layers as sl
import torch
from make_nir_references import OUT, SEED
from sinabs.activation import SingleSpike
from sinabs.nir import to_nir

import nir

N_IN, N1, N2, T = 12, 16, 5, 40


def main() -> None:
    torch.manual_seed(SEED + 4)
    tau = torch.linspace(2.0, 8.0, N1)  # time steps
    net = torch.nn.Sequential(
        torch.nn.Linear(N_IN, N1),
        sl.LIFSqueeze(tau_mem=tau, spike_threshold=torch.ones(N1), spike_fn=SingleSpike, batch_size=1),
        torch.nn.Linear(N1, N2),
        sl.IAFSqueeze(spike_threshold=torch.ones(N2), spike_fn=SingleSpike, batch_size=1),
    )
    with torch.no_grad():
        net[0].weight *= 6
        net[2].weight *= 3
    x = (torch.rand(T, N_IN) < 0.4).float()
    rec = {k: [] for k in ("spk1", "mem1", "spk2", "mem2")}
    with torch.no_grad():
        for t in range(T):  # one step per call: the layers keep their state between calls
            spk1 = net[1](net[0](x[t:t + 1]))
            spk2 = net[3](net[2](spk1))
            for k, v in zip(rec, (spk1, net[1].v_mem, spk2, net[3].v_mem)):
                rec[k].append(v.reshape(-1).numpy().copy())
    for layer in (net[1], net[3]):
        layer.reset_states()
    nir.write(OUT / "sinabs_ff.nir", to_nir(net, torch.zeros(1, N_IN)), compression=None)
    np.savez_compressed(OUT / "sinabs_ff.npz", inputs=x.numpy().astype(np.uint8),
                        **{k: np.array(v, dtype=np.uint8 if k.startswith("spk") else np.float32)
                           for k, v in rec.items()})
    print("spikes per layer:", int(np.sum(rec["spk1"])), int(np.sum(rec["spk2"])),
          "max per step:", max(np.max(rec["spk1"]), np.max(rec["spk2"])))
    for f in sorted(OUT.glob("sinabs_*")):
        print(f"{f.relative_to(OUT.parent.parent.parent)}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
