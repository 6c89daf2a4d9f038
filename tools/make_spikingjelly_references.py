"""Regenerate the SpikingJelly ST-BIF and PSN reference files under ``tests/data/models/``.

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

For the PSN family (``SlidingPSN``, ``MaskedPSN``, ``PSN`` of ``spikingjelly.activation_based.neuron``),
each case runs ``S`` samples of ``T`` steps, the module reset between samples
(``functional.reset_net``), on set weights and biases: ``SlidingPSN`` and ``MaskedPSN`` (``lambda_ = 1``)
in single-step mode (the step-by-step recursions ``sliding_psn_step`` and ``masked_psn_step``),
``PSN`` in its only (multi-step) mode. The inputs (``[S * T, N]``), the spikes and the pre-activations
``h + bias`` (recorded by wrapping the module's own surrogate function) are saved to
``psn_<case>.npz``. Two kinds of case: *exact* ones (dyadic weights and biases, small integer inputs,
so that every sum is exact in float32 whatever its order, and many ``h + bias`` land exactly on 0, where
Heaviside fires), and *float* ones (random float32 values). The script also prints whether the other
mode (multi-step for sliding and masked) gives the same spikes and pre-activations, and whether the
recorded pre-activations equal a float32 sum in neurosim's order (oldest input first, then the bias).

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
from spikingjelly.activation_based import functional
from spikingjelly.activation_based.neuron import PSN, MaskedPSN, SlidingPSN, STBIFNode

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


# name -> (module, k, T, S, N, exact)
PSN_CASES = {
    "sliding_exact": ("sliding", 4, 10, 2, 16, True),
    "sliding_float": ("sliding", 5, 12, 2, 16, False),
    "masked_exact": ("masked", 3, 8, 3, 16, True),
    "masked_float": ("masked", 4, 6, 3, 16, False),
    "psn_exact": ("psn", 0, 6, 3, 16, True),
    "psn_float": ("psn", 0, 5, 3, 16, False),
}


class _Recording(torch.nn.Module):
    """The module's surrogate function, recording what it is applied to (``h + bias``)."""

    def __init__(self, surrogate) -> None:
        super().__init__()
        self.surrogate = surrogate
        self.seen: list[np.ndarray] = []

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        self.seen.append(h.detach().numpy().copy())
        return self.surrogate(h)


def _psn_values(rng: np.random.Generator, shape: tuple[int, ...], exact: bool, scale: float) -> np.ndarray:
    """float32: multiples of 1/4 in [-scale, scale] when exact, else continuous; a quarter zero."""
    v = rng.uniform(-scale, scale, shape)
    v = np.round(v * 4) / 4 if exact else v
    return np.where(rng.random(shape) < 0.25, 0.0, v).astype(np.float32)


def _psn_inputs(rng: np.random.Generator, shape: tuple[int, ...], exact: bool) -> np.ndarray:
    """float32 layer inputs: spike counts 0..2 when exact, else continuous values; 40 % zero."""
    x = rng.integers(0, 3, shape).astype(np.float64) if exact else rng.normal(0.3, 1.0, shape)
    return np.where(rng.random(shape) < 0.4, 0.0, x).astype(np.float32)


def _psn_module(kind: str, k: int, steps: int, rng: np.random.Generator, exact: bool):
    if kind == "sliding":
        module = SlidingPSN(k, exp_init=exact, step_mode="s")
        weight = module.weight.detach().numpy().copy() if exact else _psn_values(rng, (k,), False, 1.0)
        bias = np.float32(-1.0) if exact else np.float32(rng.uniform(-1.0, 0.0))
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(weight))
            module.bias.fill_(float(bias))
        return module, {"weight": weight, "bias": np.float32(bias)}
    weight = _psn_values(rng, (steps, steps), exact, 1.0)
    bias = _psn_values(rng, (steps, 1), exact, 1.0) - np.float32(0.5)
    module = MaskedPSN(k, steps, lambda_init=1.0, step_mode="s") if kind == "masked" else PSN(steps)
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        module.bias.copy_(torch.from_numpy(bias))
    return module, {"weight": weight, "bias": bias[:, 0]}


def _run_psn(module, x: np.ndarray, steps: int, single: bool) -> tuple[np.ndarray, np.ndarray]:
    """Spikes and recorded ``h + bias`` of ``module`` on ``x`` ([S * T, N]), one sample of ``steps`` at a time."""
    recording = _Recording(module.surrogate_function)
    module.surrogate_function = recording
    spikes = []
    with torch.no_grad():
        for start in range(0, x.shape[0], steps):
            functional.reset_net(module)
            window = torch.from_numpy(x[start:start + steps])
            if single:
                spikes += [module(window[t]).numpy().copy() for t in range(steps)]
            else:
                if hasattr(module, "step_mode"):
                    module.step_mode = "m"
                spikes += list(module(window).numpy().copy())
    module.surrogate_function = recording.surrogate
    h = np.concatenate([a.reshape(-1, x.shape[1]) for a in recording.seen])
    return np.array(spikes, dtype=np.float32), h.astype(np.float32)


def _sequential_h(kind: str, ref: dict, x: np.ndarray, k: int, steps: int) -> np.ndarray:
    """``h + bias`` summed in neurosim's order: products oldest input first, in float32, then the bias."""
    out = np.zeros_like(x)
    for start in range(0, x.shape[0], steps):
        for t in range(steps):
            h = np.zeros(x.shape[1], np.float32)
            if kind == "sliding":
                w = ref["weight"]
                for d in range(min(t, k - 1), -1, -1):
                    h = h + w[k - 1 - d] * x[start + t - d]
                out[start + t] = h + ref["bias"]
            else:
                first = max(0, t - k + 1) if kind == "masked" else 0
                last = t if kind == "masked" else steps - 1
                for j in range(first, last + 1):
                    h = h + ref["weight"][t, j] * x[start + j]
                out[start + t] = h + ref["bias"][t]
    return out


def main_psn() -> None:
    rng = np.random.default_rng(SEED + 1)
    for name, (kind, k, steps, samples, n, exact) in PSN_CASES.items():
        module, ref = _psn_module(kind, k, steps, rng, exact)
        x = _psn_inputs(rng, (samples * steps, n), exact)
        spikes, h = _run_psn(module, x, steps, single=kind != "psn")
        ours = _sequential_h(kind, ref, x, k, steps)
        checks = [f"h = neurosim's sum order: {np.array_equal(h, ours)}"]
        if kind != "psn":
            other_spikes, other_h = _run_psn(module, x, steps, single=False)
            checks.append(f"multi-step spikes equal: {np.array_equal(other_spikes, spikes)}, "
                          f"h equal: {np.array_equal(other_h, h)}")
        assert np.array_equal(spikes, (h >= 0).astype(np.float32)), name
        np.savez_compressed(OUT / f"psn_{name}.npz", inputs=x, spikes=spikes, h=h, k=np.int64(k),
                            T=np.int64(steps), spikingjelly_version=np.array(version("spikingjelly")), **ref)
        print(f"psn_{name}: {int(spikes.sum())} spikes of {spikes.size}, {int((h == 0).sum())} at h + bias == 0; "
              + "; ".join(checks))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()
    main_psn()
