"""neurosim's batched run against snnTorch's batched CPU inference on the bundled digits model.

Prints one JSON document::

    python benchmarks/vs_snntorch.py [--samples 360] [--repeat 5] [--peer-python /path/to/python]

The model is the one ``neurosim run`` runs (``neurosim/data/digits_snntorch.nir``, 64 -> 64 Leaky -> 10
Leaky, 20 ticks per sample) and the samples are its bundled ones, repeated up to ``--samples``. Each
measurement runs in a fresh child process, alternating neurosim and snnTorch (``--repeat`` pairs);
every child warms up first and reports the median of ``--inner`` timed calls:

- neurosim: ``simulate_samples`` on the compiled network, every sample from the reset state, the
  samples side by side in one engine call (inputs fed, spikes and counters split back per sample);
- snnTorch: the same network as ``snntorch.Leaky`` layers (weights, biases and betas read from the
  NIR file, ``beta = 1 - dt / tau`` with snnTorch's ``dt = 1e-4``), one forward pass over
  ``[T, B, 64]`` under ``torch.no_grad()``, ``torch.set_num_threads(1)``.

The snnTorch child runs under ``--peer-python`` (an interpreter with torch and snntorch; neither is a
dependency of neurosim). Both children check their output spike counts of ``lif2`` against the
reference counts shipped with the samples (``agree``: samples whose counts are all equal).
``ratio`` is neurosim's per-sample wall time over snnTorch's, median over the pairs (< 1: neurosim
faster); ``cpu_ratio`` the same with each child's CPU time (``time.thread_time``), which a loaded
machine distorts less.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
DATA = REPO / "neurosim" / "data"
DT = 1e-4  # snnTorch's export_to_nir: tau = dt / (1 - beta)


def _samples(count: int) -> tuple[np.ndarray, np.ndarray]:
    """The bundled inputs ``[count, T, 64]`` (repeated to ``count``) and their reference ``lif2`` counts."""
    with np.load(DATA / "digits_samples.npz") as data:
        x, counts = data["input"], data["reference_counts"]
    reps = -(-count // x.shape[0])
    return np.concatenate([x] * reps)[:count], np.concatenate([counts] * reps)[:count]


def _neurosim(samples: int, inner: int) -> dict:
    import neurosim as ns
    from neurosim.engine import simulate_samples
    from neurosim.nir.batch import load_batch

    x, reference = _samples(samples)
    batch = load_batch(DATA / "digits_snntorch.nir", {"input": x}, "snntorch")
    compiled = ns.compile_network(batch.network)
    inputs = batch.sample_inputs()
    simulate_samples(compiled, inputs, batch.ticks_per_sample)  # warm-up: the kernel loaded, caches filled
    runs = []
    timing = _timed(lambda: runs.append(simulate_samples(compiled, inputs, batch.ticks_per_sample)[1]), inner, samples)
    counts = np.stack([r.spike_matrix("lif2").sum(axis=0) for r in runs[-1]])
    return {**timing, "agree": int(np.all(counts == reference, axis=1).sum())}


def _timed(call, inner: int, samples: int) -> dict:
    """Medians over ``inner`` calls of the wall and the CPU time (this thread's) per sample."""
    wall, cpu = [], []
    for _ in range(inner):
        w, c = time.perf_counter(), time.thread_time()
        call()
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    return {"per_sample_s": float(np.median(wall)) / samples, "cpu_per_sample_s": float(np.median(cpu)) / samples}


def _snntorch(samples: int, inner: int) -> dict:
    import nir
    import snntorch as snn
    import torch

    torch.set_num_threads(1)
    graph = nir.read(str(DATA / "digits_snntorch.nir"))
    x, reference = _samples(samples)
    layers = []
    for fc, lif in (("fc1", "lif1"), ("fc2", "lif2")):
        w = graph.nodes[fc]
        linear = torch.nn.Linear(w.weight.shape[1], w.weight.shape[0])
        linear.weight.data = torch.tensor(w.weight, dtype=torch.float32)
        linear.bias.data = torch.tensor(w.bias, dtype=torch.float32)
        node = graph.nodes[lif]
        beta = torch.tensor(1.0 - DT / np.asarray(node.tau), dtype=torch.float32)
        layers.append((linear, snn.Leaky(beta=beta, threshold=torch.tensor(node.v_threshold, dtype=torch.float32))))
    data = torch.tensor(x, dtype=torch.float32).transpose(0, 1).contiguous()  # [T, B, 64]

    def forward() -> torch.Tensor:
        mems = [lif.init_leaky() for _, lif in layers]
        counts = 0
        for t in range(data.shape[0]):
            h = data[t]
            for k, (linear, lif) in enumerate(layers):
                h, mems[k] = lif(linear(h), mems[k])
            counts = counts + h
        return counts

    with torch.no_grad():
        forward()
        out = []
        timing = _timed(lambda: out.append(forward()), inner, samples)
    agree = int(np.all(out[-1].numpy() == reference, axis=1).sum())
    return {**timing, "agree": agree}


WORKERS = {"neurosim": _neurosim, "snntorch": _snntorch}


def _child(python: str, worker: str, samples: int, inner: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [python, str(HERE), "--worker", worker, "--samples", str(samples), "--inner", str(inner)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{worker} child failed: {proc.stderr.strip().splitlines()[-3:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=360, help="samples per batch (default 360)")
    ap.add_argument("--repeat", type=int, default=5, help="alternating (neurosim, snnTorch) pairs (default 5)")
    ap.add_argument("--inner", type=int, default=5, help="timed calls per child, median taken (default 5)")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the neurosim children")
    ap.add_argument("--peer-python", default=sys.executable, help="interpreter with torch and snntorch")
    ap.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.samples, args.inner)))
        return
    pairs = []
    for k in range(args.repeat):
        ours = _child(args.python, "neurosim", args.samples, args.inner)
        peer = _child(args.peer_python, "snntorch", args.samples, args.inner)
        pairs.append({"neurosim": ours, "snntorch": peer, "ratio": ours["per_sample_s"] / peer["per_sample_s"],
                      "cpu_ratio": ours["cpu_per_sample_s"] / peer["cpu_per_sample_s"]})
        print(f"pair {k + 1}: ratio {pairs[-1]['ratio']:.2f} (CPU {pairs[-1]['cpu_ratio']:.2f})", file=sys.stderr)
    doc = {"samples": args.samples, "pairs": pairs}
    for key in ("per_sample_s", "cpu_per_sample_s"):
        for who in ("neurosim", "snntorch"):
            doc[f"{who}_{key}"] = float(np.median([p[who][key] for p in pairs]))
    doc["ratio"] = float(np.median([p["ratio"] for p in pairs]))
    doc["cpu_ratio"] = float(np.median([p["cpu_ratio"] for p in pairs]))
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
