"""Regenerate the snnTorch reference model and outputs under ``tests/data/nir/``.

Needs torch, snntorch and scikit-learn, none of which neurosim depends on (use a throwaway venv)::

    python -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.13.0 snntorch scikit-learn
    /tmp/tvenv/bin/python tools/make_nir_references.py

What it does, deterministically (fixed seeds, CPU, float32):

1. trains a 64 -> 40 Leaky -> 10 Leaky snnTorch network briefly (surrogate gradient, rate-count
   loss) on scikit-learn's 8x8 digits, rate-coded: pixel ``p / 16`` is the Bernoulli probability
   of an input spike at each of ``T = 20`` steps;
2. exports it with ``snntorch.export_to_nir`` (per-neuron ``beta``/``threshold`` tensors, see
   docs/nir.md section 4) to ``tests/data/nir/snntorch_ff.nir``;
3. runs snnTorch's own simulation (defaults: reset by subtraction, delayed reset) on ``N_SAMPLES``
   fixed test digits and saves the input spikes and every layer's spikes and membranes per step
   to ``tests/data/nir/snntorch_ff.npz``.

4. builds an untrained recurrent model, 12 -> RLeaky(8, all-to-all) -> Synaptic(5), with fixed
   random weights (scaled up so that it fires), exports it (``rlif1.lif``/``rlif1.w_rec``, a
   CubaLIF fed by an Affine bias) and saves snnTorch's spikes on 30 steps of random input to
   ``tests/data/nir/snntorch_rnn.{nir,npz}``.

5. trains a small conv net briefly on the same rate-coded digits, [1, 8, 8] -> Conv2d(1, 4, 3,
   padding=1) -> Leaky [4, 8, 8] -> AvgPool2d(2) -> Flatten -> Linear(64, 10) -> Leaky, exports it
   with ``export_to_nir(net, torch.zeros(1, 1, 8, 8), ignore_dims=[0])`` and saves snnTorch's spikes
   and membranes on ``N_CONV_SAMPLES`` test digits to ``tests/data/nir/snntorch_conv.{nir,npz}``.

The files are small (about 270 KB together) and committed; the tests never need torch.
"""
from __future__ import annotations

import pathlib

import numpy as np
import snntorch as snn
import torch
from sklearn.datasets import load_digits
from snntorch import surrogate
from snntorch.export_nir import export_to_nir

import nir
from _common import N_IN, Net, OneStep, train

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "nir"
T = 20
N_HID = 40
N_SAMPLES = 16
SEED = 0


class Recurrent(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(12, 8)
        self.rlif1 = snn.RLeaky(beta=torch.full((8,), 0.9), threshold=torch.ones(8), linear_features=8)
        self.fc2 = torch.nn.Linear(8, 5)
        self.syn = snn.Synaptic(alpha=torch.full((5,), 0.8), beta=torch.full((5,), 0.7), threshold=torch.ones(5))

    def forward(self, x: torch.Tensor):  # one step, for export_to_nir
        spk, _ = self.rlif1(self.fc1(x))
        return self.syn(self.fc2(spk))


def make_recurrent() -> None:
    torch.manual_seed(SEED + 1)
    net = Recurrent()
    with torch.no_grad():
        net.fc1.weight *= 3
        net.fc2.weight *= 3
    nir.write(OUT / "snntorch_rnn.nir", export_to_nir(net, torch.zeros(12)), compression=None)
    x = (torch.rand(30, 12) < 0.4).float()
    spk1, mem1 = net.rlif1.init_rleaky()
    syn, mem2 = net.syn.init_synaptic()
    rec = {k: [] for k in ("spk1", "mem1", "spk2", "mem2")}
    with torch.no_grad():
        for t in range(x.shape[0]):
            spk1, mem1 = net.rlif1(net.fc1(x[t]), spk1, mem1)
            spk2, syn, mem2 = net.syn(net.fc2(spk1), syn, mem2)
            for k, v in zip(rec, (spk1, mem1, spk2, mem2)):
                rec[k].append(v.numpy().copy())
    np.savez_compressed(OUT / "snntorch_rnn.npz", inputs=x.numpy().astype(np.uint8),
                        **{k: np.array(v, dtype=np.uint8 if k.startswith("spk") else np.float32)
                           for k, v in rec.items()})
    print("recurrent model spikes per layer:", int(np.sum(rec["spk1"])), int(np.sum(rec["spk2"])))


class ConvNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        grad = surrogate.fast_sigmoid(slope=25)
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        # per-neuron tensors of the layer's shape (scalars break nir's type inference, docs/nir.md section 4)
        self.lif1 = snn.Leaky(beta=torch.full((4, 8, 8), 0.9), threshold=torch.ones(4, 8, 8), spike_grad=grad)
        self.pool = torch.nn.AvgPool2d(2)
        self.flat = torch.nn.Flatten()
        self.fc = torch.nn.Linear(64, 10)
        self.lif2 = snn.Leaky(beta=torch.full((10,), 0.8), threshold=torch.ones(10), spike_grad=grad)

    def step(self, x, mem1, mem2):
        spk1, mem1 = self.lif1(self.conv1(x), mem1)
        spk2, mem2 = self.lif2(self.fc(self.flat(self.pool(spk1))), mem2)
        return spk1, mem1, spk2, mem2

    def run(self, x: torch.Tensor) -> dict:
        """x: [T, batch, 1, 8, 8] -> per-layer spikes and membranes, each [T, batch, *shape]."""
        mem1, mem2 = self.lif1.init_leaky(), self.lif2.init_leaky()
        rec = {k: [] for k in ("spk1", "mem1", "spk2", "mem2")}
        for t in range(x.shape[0]):
            spk1, mem1, spk2, mem2 = self.step(x[t], mem1, mem2)
            for k, v in zip(rec, (spk1, mem1, spk2, mem2)):
                rec[k].append(v)
        return {k: torch.stack(v) for k, v in rec.items()}

    def forward(self, x: torch.Tensor):  # one step, for export_to_nir
        spk1, _ = self.lif1(self.conv1(x))
        return self.lif2(self.fc(self.flat(self.pool(spk1))))


N_CONV_SAMPLES = 4


def make_conv(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> None:
    """x_*: [n, T, 64] uint8 spikes."""
    torch.manual_seed(SEED + 2)
    net = ConvNet()
    xt = torch.tensor(x_train, dtype=torch.float32).reshape(-1, T, 1, 8, 8).transpose(0, 1)
    yt = torch.tensor(y_train)
    train(lambda x: net.run(x)["spk2"].sum(0) * 0.5, net.parameters(), xt, yt, epochs=3, lr=5e-3)
    with torch.no_grad():
        test = torch.tensor(x_test, dtype=torch.float32).reshape(-1, T, 1, 8, 8).transpose(0, 1)
        rec = net.run(test)
    accuracy = float(np.mean(rec["spk2"].sum(0).numpy().argmax(1) == y_test))
    print(f"conv model: test accuracy {accuracy:.3f} on {len(y_test)} digits")
    graph = export_to_nir(net.eval(), torch.zeros(1, 1, 8, 8), ignore_dims=[0])
    nir.write(OUT / "snntorch_conv.nir", graph, compression=None)
    arrays = {k: v[:, :N_CONV_SAMPLES].transpose(0, 1).numpy() for k, v in rec.items()}  # [samples, T, *shape]
    np.savez_compressed(
        OUT / "snntorch_conv.npz",
        inputs=x_test[:N_CONV_SAMPLES].reshape(N_CONV_SAMPLES, T, 1, 8, 8), labels=y_test[:N_CONV_SAMPLES],
        spk1=arrays["spk1"].astype(np.uint8), mem1=arrays["mem1"].astype(np.float32),
        spk2=arrays["spk2"].astype(np.uint8), mem2=arrays["mem2"].astype(np.float32),
        accuracy=np.float64(accuracy),
    )
    print("conv model spikes per layer:", int(arrays["spk1"].sum()), int(arrays["spk2"].sum()))


def rate_code(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[n, 64] pixels 0..16 -> [n, T, 64] uint8 Bernoulli spikes with p = pixel / 16."""
    p = images / 16.0
    return (rng.random((images.shape[0], T, images.shape[1])) < p[:, None, :]).astype(np.uint8)


def digits_split(rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 digits shuffled by ``rng``, rate-coded: (x_train ``[T, 1400, 64]`` float32
    tensor, y_train, x_test ``[397, T, 64]`` uint8 spikes, y_test, the 1,400 training images)."""
    digits = load_digits()
    order = rng.permutation(len(digits.target))
    train, test = order[:1400], order[1400:]
    x_train = torch.tensor(rate_code(digits.data[train], rng), dtype=torch.float32).transpose(0, 1)
    y_train = torch.tensor(digits.target[train])
    return x_train, y_train, rate_code(digits.data[test], rng), digits.target[test], digits.data[train]


def main() -> None:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    x_train, y_train, x_test, y_test, train_images = digits_split(rng)

    net = Net(N_HID)
    train(lambda x: net(x)["spk2"].sum(0) * 0.5, net.parameters(), x_train, y_train, epochs=8, lr=2e-3)
    with torch.no_grad():
        counts = net(torch.tensor(x_test, dtype=torch.float32).transpose(0, 1))["spk2"].sum(0).numpy()
    accuracy = float(np.mean(counts.argmax(1) == y_test))
    print(f"test accuracy {accuracy:.3f} on {len(y_test)} digits")

    OUT.mkdir(parents=True, exist_ok=True)
    graph = export_to_nir(OneStep(net).eval(), torch.zeros(N_IN))
    nir.write(OUT / "snntorch_ff.nir", graph, compression=None)  # gzip chunks of tiny datasets triple the size

    inputs = x_test[:N_SAMPLES]
    with torch.no_grad():
        rec = net(torch.tensor(inputs, dtype=torch.float32).transpose(0, 1))
    arrays = {k: v.transpose(0, 1).numpy() for k, v in rec.items()}  # [samples, T, n]
    np.savez_compressed(
        OUT / "snntorch_ff.npz",
        inputs=inputs,
        labels=y_test[:N_SAMPLES],
        spk1=arrays["spk1"].astype(np.uint8), mem1=arrays["mem1"].astype(np.float32),
        spk2=arrays["spk2"].astype(np.uint8), mem2=arrays["mem2"].astype(np.float32),
        beta1=net.lif1.beta.numpy(), beta2=net.lif2.beta.numpy(),
        accuracy=np.float64(accuracy),
    )
    print("edges:", sorted(graph.edges))
    make_recurrent()
    make_conv(rate_code(train_images, np.random.default_rng(SEED + 2)), y_train.numpy(), x_test, y_test)
    print("spikes per layer:", int(arrays["spk1"].sum()), int(arrays["spk2"].sum()))
    for f in sorted(OUT.iterdir()):
        print(f"{f.relative_to(OUT.parent.parent.parent)}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
