"""Write the NeuroBench reference files of ``tests/data/neurobench/``: small seeded snnTorch models,
their NIR export, fixed inputs, and every figure NeuroBench's own metric code gives for them.

NeuroBench, snnTorch and torch are NOT dependencies of neurosim: run this script in a separate
environment, and the tests read only the committed files::

    python3 -m venv /work/venv-nb && . /work/venv-nb/bin/activate
    pip install torch==2.13.0 snntorch nir nirtorch numpy tqdm   # torch 2.13.0: the CPU build
    pip install --no-deps neurobench                              # its metric code needs only the above
    python tools/make_neurobench_references.py

Cases (``<case>.nir`` + ``<case>.npz`` + ``<case>.json`` each):

* ``linear_spikes``: Linear -> Leaky -> Linear -> Leaky, a quarter of the weights pruned to zero,
  on binary spike inputs;
* ``linear_counts``: the same network on integer spike counts in {0, 1, 2, 3} (NeuroBench then
  counts the first layer's calls as MACs);
* ``conv_pool``: Conv2d -> Leaky -> AvgPool2d -> Flatten -> Linear -> Leaky on binary inputs
  (snnTorch's NIR exporter handles AvgPool2d; it has no MaxPool2d);
* ``readout_li``: Linear -> Leaky -> Linear -> Leaky readout that never fires (``reset_mechanism=
  "none"``, threshold 1e4) whose membrane is the output; in the NIR file the readout's ``LIF``
  becomes the equivalent ``LI`` (same ``tau``, ``r``, ``v_leak``: snnTorch's ``mem = beta mem + x``);
* ``doc_example``: NeuroBench's documentation example, one Linear layer call with
  ``W = [[1.3, 0, -3.2], [0, 1.2, -5.1], [-1.1, 2.7, 0]]`` on ``x = [0, 1.3, -1]`` (followed by a
  Leaky so that it is an snnTorch network and a NIR graph neurosim can run; one sample, one step).

Every figure comes from NeuroBench's ``Benchmark.run`` with its static metrics (Footprint,
ParameterCount, ConnectionSparsity) and workload metrics (ActivationSparsity, SynapticOperations,
MembraneUpdates, NeuronOperations) over one batch of all B samples. Per-layer figures come from the
same hooks and NeuroBench's own ``single_layer_MACs``, on a second run of the same inputs; the
script checks that they sum to the totals.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import io
import json
import platform
from pathlib import Path

import nir
import numpy as np
import snntorch as snn
import torch
from snntorch.export_nir import export_to_nir
from torch.utils.data import DataLoader, TensorDataset

import neurobench
from neurobench.benchmarks import Benchmark
from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount
from neurobench.metrics.utils.layers import single_layer_MACs
from neurobench.metrics.workload import (ActivationSparsity, MembraneUpdates, NeuronOperations,
                                         SynapticOperations)
from neurobench.models import SNNTorchModel

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "neurobench"
BETA = 0.9
METRIC_SOURCES = (
    "metrics/static/footprint.py", "metrics/static/parameter_count.py", "metrics/static/connection_sparsity.py",
    "metrics/workload/activation_sparsity.py", "metrics/workload/synaptic_operations.py",
    "metrics/workload/membrane_updates.py", "metrics/workload/neuron_operations.py",
    "metrics/utils/layers/macs.py", "metrics/utils/layers/input.py", "metrics/utils/layers/binary_copy.py",
    "metrics/manager/workload_manager.py", "hooks/neuron.py", "hooks/layer.py", "models/snntorch_models.py",
    "models/neurobench_model.py", "blocks/layer.py", "benchmarks/benchmark.py",
)
DOC_W = [[1.3, 0.0, -3.2], [0.0, 1.2, -5.1], [-1.1, 2.7, 0.0]]
DOC_X = [0.0, 1.3, -1.0]


def leaky(shape: tuple[int, ...], output: bool = False, threshold: float = 1.0, **kw) -> snn.Leaky:
    """A Leaky layer with per-neuron ``beta`` and threshold tensors (snnTorch's NIR export takes the
    neuron node's shape from them)."""
    return snn.Leaky(beta=torch.full(shape, BETA), threshold=torch.full(shape, threshold), init_hidden=True,
                     output=output, **kw)


def pruned_linear(n_in: int, n_out: int, gen: torch.Generator, scale: float, prune: float) -> torch.nn.Linear:
    """A Linear layer with seeded uniform weights, a share ``prune`` of them set to exactly zero."""
    layer = torch.nn.Linear(n_in, n_out)
    with torch.no_grad():
        layer.weight.copy_((torch.rand(n_out, n_in, generator=gen) * 2 - 0.6) * scale)
        layer.weight[torch.rand(n_out, n_in, generator=gen) < prune] = 0.0
        layer.bias.copy_((torch.rand(n_out, generator=gen) - 0.5) * 0.1)
    return layer


def linear_net(seed: int) -> torch.nn.Sequential:
    gen = torch.Generator().manual_seed(seed)
    return torch.nn.Sequential(pruned_linear(16, 12, gen, 0.6, 0.25), leaky((12,)),
                               pruned_linear(12, 6, gen, 0.8, 0.25), leaky((6,), output=True))


def conv_pool_net(seed: int) -> torch.nn.Sequential:
    gen = torch.Generator().manual_seed(seed)
    conv = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
    with torch.no_grad():
        conv.weight.copy_((torch.rand(conv.weight.shape, generator=gen) * 2 - 0.7) * 0.8)
        conv.bias.copy_((torch.rand(4, generator=gen) - 0.5) * 0.1)
    return torch.nn.Sequential(conv, leaky((4, 8, 8)), torch.nn.AvgPool2d(2), torch.nn.Flatten(),
                               pruned_linear(64, 5, gen, 2.0, 0.0), leaky((5,), output=True))


def readout_net(seed: int) -> torch.nn.Sequential:
    gen = torch.Generator().manual_seed(seed)
    return torch.nn.Sequential(pruned_linear(10, 8, gen, 0.7, 0.0), leaky((8,)),
                               pruned_linear(8, 4, gen, 0.5, 0.0),
                               leaky((4,), output=True, reset_mechanism="none", threshold=1e4))


def doc_net() -> torch.nn.Sequential:
    layer = torch.nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(DOC_W))
    return torch.nn.Sequential(layer, leaky((3,), output=True))


def run_benchmark(net: torch.nn.Module, x: torch.Tensor) -> tuple[dict, list[str]]:
    """NeuroBench's own Benchmark.run over one batch holding all B samples of ``x`` [B, T, ...]:
    (its results, the errors its metric manager printed and replaced by 0.0)."""
    model = SNNTorchModel(net)
    data = DataLoader(TensorDataset(x, torch.zeros(x.shape[0])), batch_size=x.shape[0], shuffle=False)
    bench = Benchmark(model, data, [], [], [[Footprint, ParameterCount, ConnectionSparsity],
                                           [ActivationSparsity, SynapticOperations, MembraneUpdates,
                                            NeuronOperations]])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        results = bench.run(quiet=False)
    bench.workload_metric_manager.cleanup_hooks(model)
    errors = [line for line in printed.getvalue().splitlines() if line.startswith("Error running workload metric")]
    return {k: _plain(v) for k, v in results.items()}, errors


def per_layer(net: torch.nn.Module, x: torch.Tensor) -> tuple[dict, dict, np.ndarray]:
    """Per-layer figures from NeuroBench's hooks on a run of ``x``: (connection layers, neuron
    layers, output spikes [B, T, ...]). Every figure is per sample (divided by B), as NeuroBench's."""
    model = SNNTorchModel(net)
    model.register_hooks()
    with torch.no_grad():
        out = model(x)
    b = x.shape[0]
    names = {id(m): n for n, m in net.named_modules()}
    conn = {}
    for hook in model.connection_hooks:
        eff = dense = spiking_calls = 0
        for inputs in hook.inputs:
            args = inputs[0] if len(inputs) == 1 else inputs
            ops, spiking = single_layer_MACs(args, hook.layer)
            eff += ops
            dense += single_layer_MACs(args, hook.layer, total=True)[0]
            spiking_calls += int(spiking)
        calls = len(hook.inputs)
        conn[names[id(hook.layer)]] = dict(
            type=type(hook.layer).__name__, calls=calls, spiking_calls=spiking_calls,
            effective_ACs=eff / b if spiking_calls == calls else 0.0,
            effective_MACs=eff / b if spiking_calls == 0 else 0.0,
            effective_ops=eff / b, dense=dense / b,
            weights=int(hook.layer.weight.numel()), nonzero_weights=int(torch.count_nonzero(hook.layer.weight)),
            weight_shape=list(hook.layer.weight.shape),
            bias=None if hook.layer.bias is None else int(hook.layer.bias.numel()))
    neurons = {}
    for hook in model.activation_hooks:
        acts = torch.stack(hook.activation_outputs)
        post = hook.post_fire_mem_potential
        updates = post[0].numel() if post else 0
        if len(hook.pre_fire_mem_potential) > 1:
            updates += int(torch.count_nonzero(torch.stack(hook.pre_fire_mem_potential[1:])
                                               - torch.stack(post[1:])))
        neurons[hook.name] = dict(
            type=type(hook.layer).__name__, calls=len(hook.activation_outputs),
            nonzero_activations=int(torch.count_nonzero(acts)), activations=int(acts.numel()),
            neurons_per_sample=int(acts[0, 0].numel()), membrane_updates=updates / b,
            reset_mechanism=hook.layer.reset_mechanism, threshold=float(hook.layer.threshold.max()))
    model.cleanup_hooks()
    return conn, neurons, out.numpy()


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(u) for k, u in v.items()}
    if isinstance(v, torch.Tensor):
        return v.item()
    if isinstance(v, (np.generic,)):
        return v.item()
    return v


def readout_to_li(graph: nir.NIRGraph, key: str) -> nir.NIRGraph:
    """Replace the LIF node ``key`` by the LI node of the same ``tau``, ``r`` and ``v_leak``."""
    lif = graph.nodes[key]
    nodes = dict(graph.nodes)
    nodes[key] = nir.LI(tau=lif.tau, r=lif.r, v_leak=lif.v_leak)
    out = nir.NIRGraph(nodes=nodes, edges=list(graph.edges))
    out.infer_types()
    return out


def export(net: torch.nn.Module, sample: torch.Tensor) -> nir.NIRGraph:
    """snnTorch's NIR export of ``net`` (on a copy: the export runs the network once)."""
    return export_to_nir(copy.deepcopy(net), torch.zeros_like(sample), ignore_dims=[0])


def versions() -> dict:
    return dict(neurobench=neurobench.__version__, snntorch=snn.__version__, torch=torch.__version__,
                nir=getattr(nir, "__version__", _dist_version("nir")), nirtorch=_dist_version("nirtorch"),
                numpy=np.__version__, python=platform.python_version())


def _dist_version(name: str) -> str:
    from importlib.metadata import version
    return version(name)


def metric_sources() -> dict:
    root = Path(neurobench.__file__).parent
    return {f"neurobench/{p}": hashlib.sha256((root / p).read_bytes()).hexdigest() for p in METRIC_SOURCES}


def write_case(name: str, net: torch.nn.Module, x: torch.Tensor, description: str, *,
               li_readout: str | None = None, notes: list[str] | None = None) -> dict:
    """Benchmark ``net`` on ``x`` [B, T, ...], export it, and write ``<name>.nir/.npz/.json``."""
    net.eval()
    footprint_fresh = Footprint()(SNNTorchModel(net))  # mem buffers still empty
    results, errors = run_benchmark(net, x)
    conn, neurons, out = per_layer(net, x)
    graph = export(net, x[0, 0:1])
    if li_readout is not None:
        graph = readout_to_li(graph, li_readout)
    nir.write(OUT / f"{name}.nir", graph, compression=None)  # gzip chunks of tiny datasets are bigger
    # The per-layer figures are a second run through NeuroBench's own functions: they must add up.
    syn = results["SynapticOperations"]
    sums = dict(Effective_ACs=sum(c["effective_ACs"] for c in conn.values()),
                Effective_MACs=sum(c["effective_MACs"] for c in conn.values()),
                Dense=sum(c["dense"] for c in conn.values()))
    for key, value in sums.items():
        if value != syn[key]:
            raise RuntimeError(f"{name}: per-layer {key} {value} != NeuroBench's {syn[key]}")
    spikes = sum(n["nonzero_activations"] for n in neurons.values())
    slots = sum(n["activations"] for n in neurons.values())
    if (slots - spikes) / slots != results["ActivationSparsity"]:
        raise RuntimeError(f"{name}: per-layer activation sparsity disagrees with NeuroBench's")
    if sum(n["membrane_updates"] for n in neurons.values()) != results["MembraneUpdates"]:
        raise RuntimeError(f"{name}: per-layer membrane updates disagree with NeuroBench's")
    mem = _readout_membrane(net, x) if li_readout is not None else None
    arrays = dict(x=x.numpy().astype(np.float32), output_spikes=out.astype(np.float32))
    if mem is not None:
        arrays["output_membrane"] = mem.astype(np.float32)
    np.savez_compressed(OUT / f"{name}.npz", **arrays)
    record = dict(
        case=name, description=description, samples=int(x.shape[0]), time_steps=int(x.shape[1]),
        input_shape=list(x.shape[2:]), input_values=sorted({float(v) for v in np.unique(x.numpy())}),
        npz={k: list(v.shape) for k, v in arrays.items()},
        nir_nodes={k: type(v).__name__ for k, v in graph.nodes.items()},
        neurobench=results, neurobench_errors=errors, footprint_before_any_run=footprint_fresh,
        connection_layers=conn, neuron_layers=neurons, notes=notes or [],
        versions=versions(), metric_sources_sha256=metric_sources(),
        generated_by="tools/make_neurobench_references.py")
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=1, sort_keys=False) + "\n")
    return record


def _readout_membrane(net: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    """[B, T, n] membrane of the last layer (the readout), stepping the network as SNNTorchModel does."""
    snn.utils.reset(net)
    mems = []
    with torch.no_grad():
        for t in range(x.shape[1]):
            mems.append(net(x[:, t])[1])
    return torch.stack(mems, 1).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(2304)
    spikes = (torch.rand(4, 12, 16, generator=gen) < 0.3).float()
    counts = torch.randint(0, 4, (4, 12, 16), generator=gen).float()
    images = (torch.rand(3, 6, 1, 8, 8, generator=gen) < 0.35).float()
    readout_in = (torch.rand(3, 10, 10, generator=gen) < 0.4).float()
    doc_x = torch.tensor(DOC_X).reshape(1, 1, 3)
    cases = [
        write_case("linear_spikes", linear_net(1), spikes,
                   "Linear(16,12)+bias -> Leaky -> Linear(12,6)+bias -> Leaky (beta 0.9, threshold 1, subtract "
                   "reset), 25% of the weights exactly zero; binary spike inputs, B=4, T=12"),
        write_case("linear_counts", linear_net(1), counts,
                   "the linear_spikes network on integer spike counts in {0,1,2,3}, B=4, T=12",
                   notes=["Counts > 1 make every call of the first Linear a MAC call in NeuroBench (a call is "
                          "'spiking' only if every input value is in {-1, 0, 1})."]),
        write_case("conv_pool", conv_pool_net(2), images,
                   "Conv2d(1,4,k=3,pad=1)+bias -> Leaky -> AvgPool2d(2) -> Flatten -> Linear(64,5)+bias -> Leaky; "
                   "binary 8x8 inputs, B=3, T=6",
                   notes=["snnTorch's NIR exporter handles AvgPool2d, not MaxPool2d (it warns 'module not "
                          "implemented' and drops it), so the pooling case uses AvgPool2d.",
                          "NeuroBench counts no operation for the pooling layer (not a connection layer); "
                          "the Linear after it receives averaged spikes (multiples of 1/4), so its calls "
                          "are MAC calls whenever a value is not in {-1, 0, 1}.",
                          "Conv dense ops are NeuroBench's all-ones convolution of an all-ones input: "
                          "padding taps are not counted."]),
        write_case("readout_li", readout_net(3), readout_in,
                   "Linear(10,8)+bias -> Leaky -> Linear(8,4)+bias -> Leaky readout (reset_mechanism 'none', "
                   "threshold 1e4: never fires); binary inputs, B=3, T=10",
                   li_readout="3",
                   notes=["In the NIR file the readout node '3' is an LI with the exported LIF's tau, r and "
                          "v_leak (snnTorch's exporter has no LI); npz output_membrane is its membrane.",
                          "NeuroBench's activation hooks include the readout's (all-zero) spike output in "
                          "ActivationSparsity and its membrane in MembraneUpdates."]),
        write_case("doc_example", doc_net(), doc_x,
                   "NeuroBench documentation example: one Linear(3,3) call, W=[[1.3,0,-3.2],[0,1.2,-5.1],"
                   "[-1.1,2.7,0]], x=[0,1.3,-1], then a Leaky; B=1, T=1"),
    ]
    for rec in cases:
        print(rec["case"], json.dumps(rec["neurobench"]))


if __name__ == "__main__":
    main()
