"""NIR graph -> :class:`~neurosim.net.network.Network` (NIR: Pedersen et al. 2024, Nat. Commun. 15:8122).

    >>> net = load_nir("model.nir", dialect="snntorch", inputs={"input": spikes})   # spikes [T, 64]
    >>> result = ns.simulate(net, ticks=spikes.shape[0])
    >>> result.spike_matrix("lif2")

Mapping (step 1 of the importer):

* every ``Input`` node of the top-level graph becomes a :class:`~neurosim.net.network.SpikeArray`
  source of the same name, fed with ``inputs[name]`` (``[T, N]`` spike counts or graded values);
  without ``inputs`` it is silent (``[0, N]``), and :func:`with_inputs` swaps the data in later;
* every neuron node (``LIF``, ``CubaLIF``, ``IF``, ``LI``, ``I``, ``CubaLI``) becomes a population of
  the same name (``lif``, ``cuba_lif``, ``if`` or ``lif``, ``li``, ``integrator``, ``cuba_li``), its
  parameters and initial state mapped by the dialect (:mod:`neurosim.nir.dialects`); a
  ``Threshold`` (``z = H(x - threshold)``, stateless, strict ``>``) becomes a ``lif`` with
  ``beta = 0``, ``gain = 1`` (it keeps nothing from one tick to the next); a node that ``model_map``
  maps (by name or type) is read by that model's NIR reader instead (:mod:`neurosim.nir.model_map`);
* stateless nodes (``Affine``, ``Linear``, ``Scale``, ``Delay``, ``Conv1d``, ``Conv2d``,
  ``SumPool2d``, ``AvgPool2d``, ``Flatten``) between sources/neurons are folded into one projection
  per (pre, post) pair: the product of their sparse matrices along each path
  (:mod:`neurosim.nir.linear_maps`: a convolution's shared kernel is expanded per output
  position), summed over paths and fan-in (in float64, then stored as float32). A node with a
  multi-dimensional shape ``(C, H, W)`` becomes ``C*H*W`` neurons in C order; a conv bias is the
  bias of every neuron of its output channel. An ``Affine`` bias reaching a neuron becomes its
  constant ``bias`` (times the input gain); into a ``CubaLIF`` it becomes ``bias_in``, added to
  the input before the current filters it (snnTorch's ``Synaptic`` sees ``W x + b``). ``Affine`` and
  ``Linear`` act on the last dimension of their input (PyTorch's ``Linear``, which nirtorch maps them
  to); a weight that fits only the flattened input is refused (insert a ``Flatten``);
* a ``Delay`` (``y(t) = x(t - delay)``, per element) delays the synapses of every path through it
  by ``delay / dt`` whole ticks; paths of different delays between one pair share a projection
  whose synapses carry their own delays. A bias passes a ``Delay`` unchanged (a constant);
* other edges are zero-delay (same-tick, as every exporter computes); each cycle without a
  ``Delay`` is broken by giving one projection a delay of one tick (the back edges of a depth-first
  search from the inputs, a self-loop for snnTorch's ``RLeaky``), which is snnTorch's recurrence;
* ``Output`` nodes add nothing: read the population that feeds them;
* a nested ``NIRGraph`` with exactly one ``Input`` and one ``Output`` is inlined, its nodes named
  ``graph.node``.

Every projection records the NIR nodes it was folded from, with their geometry and own parameters
(:class:`~neurosim.net.origin.LayerOrigin`, ``Projection.origin``), for metric conventions that
count per framework layer; the simulation never reads it.

``LI``, ``I`` and ``CubaLI`` output a potential, not spikes, so they may only feed ``Output`` nodes.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

from neurosim._checks import check_memory, memory_limit
from neurosim.errors import ModelError
from neurosim.nir.dialects import Dialect, get_dialect
from neurosim.nir.linear_maps import _padding, _tuple, conv_matrix, flatten_shape, sum_pool_matrix
from neurosim.nir.model_map import NirNode, read_node, resolve_model_map
from neurosim.net.network import Network, SpikeArray
from neurosim.net.origin import Layer, LayerOrigin

NEURON_TYPES = ("LIF", "CubaLIF", "IF", "LI", "I", "CubaLI", "Threshold")
READOUT_TYPES = ("LI", "I", "CubaLI")  # output a potential, not spikes
SPATIAL_TYPES = ("Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten")
STATELESS_TYPES = ("Affine", "Linear", "Scale", "Delay") + SPATIAL_TYPES
SUPPORTED = ("Input", "Output", "Affine", "Linear", "Scale", "Delay") + NEURON_TYPES + ("NIRGraph",) + SPATIAL_TYPES
_PASS = "pass"  # an inlined subgraph's Input/Output: identity


@dataclass
class _Flat:
    nodes: dict  # name -> NIR node, or _PASS
    edges: list  # (src, dst)
    inputs: list  # top-level Input names, in graph order


def load_nir(source, dialect: str = "nir", dt: float | None = None, inputs: dict | None = None,
             name: str | None = None, model_map: dict[str, str] | None = None) -> Network:
    """Build a Network from a NIR file or ``nir.NIRGraph``.

    Parameters
    ----------
    source : path of a ``.nir`` file (HDF5, from ``nir.write``) or a ``nir.NIRGraph``.
    dialect : how to read what the file does not say (dt, integration, gains, reset, threshold test,
        precision, initial state), see :mod:`neurosim.nir.dialects`: ``"nir"`` (literal),
        ``"snntorch"``, ``"norse"``, ``"norse-1.1"``, ``"spikingjelly"``, ``"sinabs"``, ``"rockpool"``,
        ``"rockpool-single"``.
    dt : time step in the file's time unit; default the dialect's.
    inputs : ``{input node name: array [T, N]}``, one entry per ``Input`` node (a bare array is
        accepted when the graph has one input). ``None`` leaves the sources silent; fill them
        later with :func:`with_inputs`.
    name : the Network's name (default: the file's stem, or ``"nir"``).
    model_map : ``{node name or NIR neuron type: model name}``: read those neuron nodes as the given
        models (plugins), through the model's NIR reader (:mod:`neurosim.nir.model_map`, ``docs/nir.md``
        section 8); a node's own name wins over its type.
    """
    with warnings_if_it_succeeds():
        spec = get_dialect(dialect, dt)
        graph, default_name = read_graph(source)
        flat = _flatten(graph)
        _check_nodes(flat)
        net = _build(flat, spec, name or default_name, model_map)
        return with_inputs(net, inputs) if inputs is not None else net


@contextlib.contextmanager
def warnings_if_it_succeeds():
    """Hold back the warnings raised inside the block; show them only when it ends without an error
    (a model refused with one line shows that line alone)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def with_inputs(network: Network, inputs) -> Network:
    """A copy of ``network`` whose SpikeArray sources named in ``inputs`` carry the given data.

    ``inputs`` maps source names to ``[T, N]`` arrays (a bare array if the network has exactly one
    SpikeArray source). Populations and projections are shared (they are frozen); node order, hence
    neuron ids, is kept.
    """
    sources = [n for n, node in network.nodes.items() if isinstance(node, SpikeArray)]
    if not isinstance(inputs, dict):
        if len(sources) != 1:
            raise ModelError(f"the network has {len(sources)} input sources ({', '.join(sources)}); "
                             "pass inputs as a dict {name: array [T, N]}")
        inputs = {sources[0]: inputs}
    for key in inputs:
        if key not in sources:
            raise ModelError(f"inputs: no input source named {key!r} (inputs: {', '.join(sources) or 'none'})")
    out = Network(network.name)
    for key, node in network.nodes.items():
        if key in inputs:
            data = np.asarray(inputs[key], dtype=np.float64)
            if data.ndim == 1:
                data = data[:, None]
            if data.ndim != 2 or data.shape[1] != node.size:
                raise ModelError(f"inputs[{key!r}]: shape {data.shape}, expected [T, {node.size}] "
                                 f"(T ticks of input node '{key}', size {node.size})")
            node = SpikeArray.create(key, data)
        out.add(node)
    out.projections.update(network.projections)
    return out


# -- reading ----------------------------------------------------------------------------------------
def read_graph(source) -> tuple:
    """(the ``nir.NIRGraph``, a name for it) of a ``.nir`` path or a graph, with one-line errors."""
    import nir

    if isinstance(source, nir.NIRGraph):
        return source, "nir"
    if not isinstance(source, (str, os.PathLike)):
        raise ModelError(f"load_nir: expected a path or a nir.NIRGraph, got {type(source).__name__}")
    path = pathlib.Path(source)
    if path.is_dir():
        raise ModelError(f"NIR file '{path}' is a directory: give the path of a .nir file")
    if not path.is_file():
        raise ModelError(f"NIR file '{path}' does not exist")
    import h5py

    if not h5py.is_hdf5(path):
        raise ModelError(f"'{path}' is not a NIR file: not HDF5 (NIR files are written by nir.write)")
    _check_declared_sizes(h5py, path)
    try:
        graph = nir.read(path)
    except KeyError as err:
        raise ModelError(f"'{path}': nir.read failed on an unknown node type or missing field {err}; "
                         f"supported types: {', '.join(SUPPORTED)}") from None
    except Exception as err:  # nir raises bare ValueError/KeyError/TypeError on malformed files
        graph = _read_unchecked(nir, path, err)
    return graph, path.stem


def _read_unchecked(nir, path: pathlib.Path, err: Exception):
    """Files older than nir 1.0 (the NIR paper's 0.2.0 files) can fail nir's type inference, for
    instance on shapes written with a batch dimension; read them without it (``type_check=False``,
    nir >= 1.0.7): the importer checks every shape it uses itself. Any other failure is reported,
    naming the node and field at fault when the file can be read unchecked and the importer's own
    checks find it (a stride of 0 fails inside nir's shape arithmetic, for instance)."""
    message = f"'{path}': nir.read failed: {_failure(err)}"
    try:
        graph = nir.read(path, type_check=False)
    except Exception:  # the unchecked read fails too: report the first, checked, failure
        raise ModelError(message) from None
    if not str(err).startswith("Type inference error"):
        _check_nodes(_flatten(graph))
        raise ModelError(message) from None
    warnings.warn(f"{message}; read without nir's type check (neurosim checks the shapes it uses)", stacklevel=4)
    return graph


def _failure(err: Exception) -> str:
    """``err`` as one line; a bare ``assert`` of nir (no message) is named by the check it made."""
    text = " ".join(str(err).split())
    if text:
        return f"{type(err).__name__}: {text[:300]}{'...' if len(text) > 300 else ''}"
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return f"{type(err).__name__} (no message)"
    last = frames[-1]
    return (f"nir's check `{(last.line or '').strip()}` failed in {last.name}() "
            f"({pathlib.Path(last.filename).name}:{last.lineno}): the file holds a node type, field or shape that "
            "this version of nir does not accept")


DECLARED_BYTES_FACTOR = 3
"""Bytes the importer needs per declared byte of a NIR file's arrays: the float64 copy of a float32
weight (2x) and its folded sparse matrix (about 1x more), a lower bound checked before ``nir.read``."""


def _check_declared_sizes(h5py, path: pathlib.Path) -> None:
    """Refuse a file whose arrays, as declared in its HDF5 headers, would not fit in memory once read.

    HDF5 stores a compressed or unwritten dataset in a few bytes whatever its declared shape, and
    ``nir.read`` allocates every array in full: the declared sizes are checked before it runs.
    """
    sizes: dict[str, int] = {}

    def visit(name: str, obj) -> None:
        if isinstance(obj, h5py.Dataset):
            sizes[name] = int(np.prod(obj.shape, dtype=object)) * max(obj.dtype.itemsize, 8)

    try:
        with h5py.File(path, "r") as f:
            f.visititems(visit)
    except (OSError, RuntimeError, ValueError) as err:
        raise ModelError(f"'{path}' is not a readable NIR file ({type(err).__name__}: {err})") from None
    check_memory({name: DECLARED_BYTES_FACTOR * n for name, n in sizes.items()}, f"NIR file '{path}'",
                 "the file declares arrays larger than the model can be; check how it was written",
                 memory_limit(), argument=False)


def _type(node) -> str:
    return _PASS if node is _PASS else type(node).__name__


def _flatten(graph) -> _Flat:
    """Inline simple subgraphs; check every node type."""
    nodes, edges, inputs = {}, [], []
    rename = {}  # subgraph name -> (its input node, its output node), both prefixed
    for key, node in graph.nodes.items():
        kind = _type(node)
        if kind == "NIRGraph":
            sub = _flatten(node)
            ins = [k for k, v in node.nodes.items() if _type(v) == "Input"]
            outs = [k for k, v in node.nodes.items() if _type(v) == "Output"]
            if len(ins) != 1 or len(outs) != 1:
                raise ModelError(f"node '{key}' (NIRGraph): a nested graph needs exactly one Input and one Output "
                                 f"node to be inlined, it has {len(ins)} and {len(outs)}")
            for k, v in sub.nodes.items():
                nodes[f"{key}.{k}"] = _PASS if k in (ins[0], outs[0]) else v
            edges += [(f"{key}.{a}", f"{key}.{b}") for a, b in sub.edges]
            rename[key] = (f"{key}.{ins[0]}", f"{key}.{outs[0]}")
        elif kind in SUPPORTED:
            nodes[key] = node
            if kind == "Input":
                inputs.append(key)
        else:
            raise ModelError(f"node '{key}' has type {kind}, which load_nir does not support yet; "
                             f"supported: {', '.join(SUPPORTED)}")
    for a, b in graph.edges:
        a = rename[a][1] if a in rename else a
        b = rename[b][0] if b in rename else b
        for end in (a, b):
            if end not in nodes:
                raise ModelError(f"edge ({a!r}, {b!r}): no node named {end!r}")
        edges.append((a, b))
    return _Flat(nodes, edges, inputs)


# -- sizes and parameters ---------------------------------------------------------------------------
NEURON_FIELDS = {
    "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
    "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
    "IF": ("r", "v_threshold", "v_reset"),
    "LI": ("tau", "r", "v_leak"),
    "I": ("r",),
    "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
    "Threshold": ("threshold",),
}

MAX_EXTENT = 2**31 - 1
"""Largest size of a node, and largest kernel, stride, padding or dilation: neuron ids are int32."""
NEURON_BYTES = 64
"""Bytes per neuron of a built network, a lower bound (eight float64 parameter and state columns),
checked against the memory limit before any structure of that size is made."""
NUMBER_FIELDS = {"Affine": ("weight", "bias"), "Linear": ("weight",), "Scale": ("scale",), "Delay": ("delay",),
                 "Conv1d": ("weight", "bias"), "Conv2d": ("weight", "bias"), **NEURON_FIELDS}
GEOMETRY_FIELDS = {"Conv1d": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1},
                   "Conv2d": {"stride": 1, "padding": 0, "dilation": 1, "groups": 1},
                   "SumPool2d": {"kernel_size": 1, "stride": 1, "padding": 0},
                   "AvgPool2d": {"kernel_size": 1, "stride": 1, "padding": 0}}
"""Integer fields of the spatial nodes, with the smallest value each may take."""


def _check_nodes(flat: _Flat) -> None:
    """Check every node's numbers before anything is built from them: numeric, finite, shapes and
    geometry whole numbers in range, and the neurons they declare within the memory limit."""
    neurons = {}
    for key, node in flat.nodes.items():
        kind = _type(node)
        for field_name in NUMBER_FIELDS.get(kind, ()):
            value = getattr(node, field_name, None)
            if value is not None:
                _finite_numbers(key, kind, field_name, value)
        for field_name, low in GEOMETRY_FIELDS.get(kind, {}).items():
            value = getattr(node, field_name, None)
            if value is not None and not _is_text(value):
                _whole_numbers(key, kind, field_name, value, low)
        stated = None if node is _PASS else (getattr(node, "input_type", None) or {}).get("input")
        if stated is not None and np.size(stated):
            _whole_numbers(key, kind, "shape", stated, 1)
            if kind != "Output":
                neurons[key] = int(np.prod(np.asarray(stated, dtype=np.float64).ravel(), dtype=object))
    for key, n in neurons.items():
        if n > MAX_EXTENT:
            raise ModelError(f"node '{key}' ({_type(flat.nodes[key])}): shape of {n} elements, above the "
                             f"largest node neurosim runs ({MAX_EXTENT}); check the shape the file states")
    check_memory({f"node '{k}'": NEURON_BYTES * n for k, n in neurons.items()}, "the NIR model's neurons",
                 "the nodes declare more neurons than can be simulated; check the shapes the file states",
                 memory_limit(), argument=False)


def _is_text(value) -> bool:
    return isinstance(value, (str, bytes)) or (isinstance(value, np.ndarray) and value.dtype.kind in "SUO")


def _numbers(key: str, kind: str, field_name: str, value) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.dtype.itemsize > 8:
        raise ModelError(f"node '{key}' ({kind}): '{field_name}' holds {arr.dtype} values, not numbers; "
                         "store it as a float or integer array")
    return arr


def _finite_numbers(key: str, kind: str, field_name: str, value) -> None:
    arr = _numbers(key, kind, field_name, value)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        at = np.unravel_index(int(np.argmax(bad)), arr.shape) if arr.ndim else ()
        raise ModelError(f"node '{key}' ({kind}): '{field_name}' is not finite at index {tuple(int(i) for i in at)} "
                         f"(got {arr[at]}); every value must be a finite number")


def _whole_numbers(key: str, kind: str, field_name: str, value, low: int) -> None:
    arr = _numbers(key, kind, field_name, value).astype(np.float64)
    ok = np.isfinite(arr) & (arr == np.round(arr)) & (arr >= low) & (arr <= MAX_EXTENT)
    if not np.all(ok):
        bad = arr.ravel()[int(np.argmax(~ok.ravel()))]
        raise ModelError(f"node '{key}' ({kind}): '{field_name}' {np.asarray(value).ravel().tolist()} holds {bad:g}; "
                         f"each entry must be a whole number from {low} to {MAX_EXTENT}")


def _arr(node, field_name, default=None):
    value = getattr(node, field_name, None)
    if value is None:
        value = default
    return np.asarray(value, dtype=np.float64).ravel() if np.ndim(value) else np.asarray(value, dtype=np.float64)


def _shape(key: str, node) -> tuple[int, ...]:
    """Shape of a source or neuron node (no batch dim); its size is the product, in C order."""
    kind = _type(node)
    if kind in ("Input", "Output"):
        return tuple(int(s) for s in np.asarray(node.input_type["input"], dtype=np.int64).ravel())
    n = _size(key, node, kind)
    shapes = [np.shape(getattr(node, f)) for f in NEURON_FIELDS[kind] if getattr(node, f, None) is not None]
    stated = (getattr(node, "input_type", None) or {}).get("input")
    if stated is not None and np.size(stated):
        shapes.append(np.asarray(stated).ravel())
    for shape in shapes:  # the first multi-dimensional one of the parameters, else input_type
        shape = tuple(int(s) for s in shape)
        if len(shape) > 1 and int(np.prod(shape)) == n:
            return shape
    return (n,)


def _size(key: str, node, kind: str) -> int:
    sizes = {f: _arr(node, f, 0.0).size for f in NEURON_FIELDS[kind]}
    n = max(sizes.values())
    bad = {f: s for f, s in sizes.items() if s not in (1, n)}
    if bad:
        raise ModelError(f"node '{key}' ({kind}): parameters have different sizes "
                         f"({', '.join(f'{f}: {s}' for f, s in sizes.items())})")
    if n == 1 and all(np.ndim(getattr(node, f, 0.0) if getattr(node, f, None) is not None else 0.0) == 0
                      for f in NEURON_FIELDS[kind]):
        shape = (getattr(node, "input_type", None) or {}).get("input")
        if shape is not None and np.size(shape):
            n = int(np.prod(np.asarray(shape, dtype=np.int64)))
    return n


def _in_precision(what: str, field_name: str, values: np.ndarray, dtype: type, dialect: str) -> np.ndarray:
    """``values`` in the dialect's float type; a finite value that overflows it is refused, not made infinite."""
    with np.errstate(over="ignore"):
        cast = values.astype(dtype)
    lost = np.isfinite(values) & ~np.isfinite(cast)
    if lost.any():
        v = float(values[int(np.argmax(lost))])
        raise ModelError(f"{what}: {field_name} = {v!r} overflows {np.dtype(dtype).name}, the precision of dialect "
                         f"'{dialect}'; give a value within +-{float(np.finfo(dtype).max):.4g}")
    return cast


def _neuron(key: str, node, n: int, bias: np.ndarray, spec: Dialect) -> tuple[str, dict, dict]:
    """(model name, parameters, initial state) of neuron node ``node`` under dialect ``spec``."""
    kind = _type(node)
    f = np.float32 if spec.precision == "float32" else np.float64
    what = f"node '{key}' ({kind})"
    p = {fld: _in_precision(what, fld, np.broadcast_to(_arr(node, fld, 0.0 if fld != "w_in" else 1.0), (n,)), f,
                            spec.name)
         for fld in NEURON_FIELDS[kind]}
    dt = f(spec.dt)
    one = f(1.0)

    def snap(g):
        if spec.snap_unit_gain:
            g = np.where(np.abs(g - one) <= 4 * np.finfo(f).eps, one, g)
        return g.astype(np.float64)

    def decay(tau_field):
        tau = p[tau_field]
        if spec.decay == "exact":
            return np.exp(-(dt / tau))
        if np.any(dt / tau > one):
            hint = " (a Norse 1.1.0 file exported with its default dt? use dialect 'norse-1.1')" \
                if spec.name == "norse" else " (wrong dt or time unit?)"
            raise ModelError(f"{what}: dt/{tau_field} = {float(np.max(dt / tau)):.9g} > 1 with dt = {spec.dt:g}; "
                             f"forward Euler needs dt <= {tau_field}{hint}")
        return one - dt / tau

    def gain(rule, r, tau, beta):
        if rule == "euler":
            return snap(r * dt / tau)
        if rule == "zoh":
            return snap(r * (one - beta))
        if rule == "r":
            return snap(r)
        g = r * dt / tau / beta  # rockpool: r = tau exp(-dt/tau) / dt was written for a gain of 1
        if np.any(np.abs(g - one) > 64 * np.finfo(f).eps):
            raise ModelError(f"{what}: r * dt / tau / exp(-dt/tau) = {float(g[np.argmax(np.abs(g - one))]):.6g}, not "
                             f"Rockpool's gain 1 with dt = {spec.dt:g}: pass the Rockpool module's dt as dt=")
        return np.ones(n)

    def syn_gain(alpha):
        w_in = p["w_in"]
        if spec.syn_gain == "euler":
            return snap(w_in * dt / p["tau_syn"])
        return snap(w_in if spec.syn_gain == "w_in" else w_in * alpha)

    def f64(x):
        return np.asarray(x).astype(np.float64)

    common = {"precision": spec.precision}
    init = {"v": f64(p["v_leak"])} if spec.v_init == "v_leak" and "v_leak" in p and np.any(p["v_leak"] != 0) else {}
    if kind in ("LIF", "IF") and spec.max_spikes > 1:
        raise ModelError(f"{what}: dialect '{spec.name}' emits up to {spec.max_spikes} spikes per step, which the "
                         f"single-spike model of a {kind} node cannot send; export the module with "
                         f"max_spikes_per_dt=1 and load with dialect '{spec.name}-single'")
    if kind in ("LIF", "CubaLIF", "IF"):
        common.update(v_th=f64(p["v_threshold"]), threshold=spec.threshold)
    if kind == "LIF":
        beta = decay("tau")
        g = gain(spec.gain, p["r"], p["tau"], beta)
        return "lif", {**common, "beta": f64(beta), "gain": g, "v_leak": f64(p["v_leak"]),
                       "v_reset": f64(p["v_reset"]), "reset": spec.reset, "bias": g * bias}, init
    if kind in ("CubaLIF", "CubaLI"):
        # An Affine bias is part of the input that the current filters (snnTorch: W x + b).
        alpha, beta = decay("tau_syn"), decay("tau_mem")
        params = {**common, "alpha": f64(alpha), "beta": f64(beta), "gain_syn": syn_gain(alpha),
                  "gain": gain(spec.gain, p["r"], p["tau_mem"], beta), "v_leak": f64(p["v_leak"]), "bias_in": bias}
        if kind == "CubaLI":
            return "cuba_li", params, init
        multi = {"max_spikes": float(spec.max_spikes)} if spec.max_spikes > 1 else {}
        return "cuba_lif", {**params, "v_reset": f64(p["v_reset"]), "reset": spec.reset, **multi}, init
    if kind == "IF":
        g = snap(p["r"] * dt if spec.if_gain == "euler" else p["r"])
        if spec.if_model == "lif":
            return "lif", {**common, "beta": 1.0, "gain": g, "v_reset": f64(p["v_reset"]),
                           "reset": spec.reset, "bias": g * bias}, {}
        reset = spec.reset if spec.reset in ("value", "subtract") else "value"
        return "if", {**common, "gain": g, "v_reset": f64(p["v_reset"]), "reset": reset, "bias": g * bias}, {}
    if kind == "LI":
        beta = decay("tau")
        g = gain(spec.li_gain, p["r"], p["tau"], beta)
        return "li", {**common, "beta": f64(beta), "gain": g, "v_leak": f64(p["v_leak"]), "bias": g * bias}, init
    if kind == "Threshold":  # z = H(x - threshold), stateless: a lif that forgets everything each tick
        return "lif", {**common, "beta": 0.0, "gain": 1.0, "v_th": f64(p["threshold"]), "threshold": ">",
                       "reset": "value", "bias": bias}, {}
    g = snap(p["r"] * dt if spec.if_gain == "euler" else p["r"])  # I
    return "integrator", {**common, "gain": g, "bias": g * bias}, {}


# -- folding stateless chains -----------------------------------------------------------------------
class _Expr:
    """A node's output as ``sum_(k, d) terms[k, d] @ spikes(k, t - d) + bias``, ``k`` a source or neuron
    node, ``d`` a delay in ticks; ``terms`` are sparse (CSR) matrices, the output has shape ``shape``
    (C order). A constant is the same at every tick, so a delay leaves the bias alone."""

    def __init__(self, shape: tuple, terms: dict | None = None, bias: np.ndarray | None = None) -> None:
        self.shape = tuple(shape)
        self.size = int(np.prod(self.shape))
        self.terms = terms or {}
        self.bias = np.zeros(self.size) if bias is None else bias

    def map(self, m, shape: tuple, bias=0.0) -> "_Expr":
        """``m @ self + bias``, ``m`` a sparse matrix, the result of shape ``shape``."""
        import scipy.sparse as sp

        m = sp.csr_matrix(m)
        return _Expr(shape, {k: sp.csr_matrix(m @ t) for k, t in self.terms.items()}, m @ self.bias + bias)

    def add(self, other: "_Expr") -> None:
        for k, m in other.terms.items():
            self.terms[k] = self.terms[k] + m if k in self.terms else m
        self.bias = self.bias + other.bias


def _apply(key: str, node, x: _Expr, dt: float) -> _Expr:
    import scipy.sparse as sp

    kind = _type(node)
    if kind == _PASS:
        return x
    if kind == "Delay":
        return _apply_delay(key, node, x, dt)
    if kind == "Scale":
        s = _arr(node, "scale")
        if s.size not in (1, x.size):
            raise ModelError(f"node '{key}' (Scale): scale has {s.size} entries, its input has size {x.size}")
        return x.map(sp.diags(np.broadcast_to(s, (x.size,))), x.shape)
    if kind in SPATIAL_TYPES:
        return _apply_spatial(key, kind, node, x)
    w = np.asarray(node.weight, dtype=np.float64)
    if w.ndim != 2:
        raise ModelError(f"node '{key}' ({kind}): weight has shape {w.shape}; only 2-D [out, in] weights "
                         "are supported yet")
    if w.shape[1] != x.shape[-1]:
        flat = " (insert a Flatten to apply it to the flattened input)" if w.shape[1] == x.size else ""
        raise ModelError(f"node '{key}' ({kind}): weight has shape {w.shape} (input size {w.shape[1]}), "
                         f"but its input has shape {x.shape}: it applies to the last dimension{flat}")
    b = np.zeros(w.shape[0])
    if kind == "Affine" and getattr(node, "bias", None) is not None:
        b = np.asarray(node.bias, dtype=np.float64).ravel()
        if b.size != w.shape[0]:
            raise ModelError(f"node '{key}' (Affine): bias has {b.size} entries, weight has {w.shape[0]} rows")
    lead = x.size // w.shape[1]  # PyTorch's Linear (nirtorch's Affine) acts on the last dimension
    m = w if lead == 1 else sp.kron(sp.identity(lead), sp.csr_matrix(w))
    return x.map(m, x.shape[:-1] + (w.shape[0],), np.tile(b, lead))


def _apply_delay(key: str, node, x: _Expr, dt: float) -> _Expr:
    """NIR ``Delay`` (``y(t) = x(t - delay)``, per element) as ``delay / dt`` whole ticks."""
    import scipy.sparse as sp

    delay = _arr(node, "delay")
    if delay.size not in (1, x.size):
        raise ModelError(f"node '{key}' (Delay): delay has {delay.size} entries, its input has size {x.size}")
    d = np.broadcast_to(delay, (x.size,)) / dt
    ticks = np.round(d)
    bad = (ticks < 0) | (np.abs(d - ticks) > 1e-6 * np.maximum(ticks, 1))
    if np.any(bad):
        raise ModelError(f"node '{key}' (Delay): delay {d[np.argmax(bad)] * dt:g} is not a whole non-negative "
                         f"number of time steps dt = {dt:g}")
    ticks = ticks.astype(np.int64)
    terms = {}
    for (src, d0), m in x.terms.items():
        for u in np.unique(ticks):
            part = sp.csr_matrix(sp.diags((ticks == u).astype(np.float64)) @ m)
            part.eliminate_zeros()
            if part.nnz:
                k = (src, d0 + int(u))
                terms[k] = terms[k] + part if k in terms else part
    return _Expr(x.shape, terms, x.bias)


def _apply_spatial(key: str, kind: str, node, x: _Expr) -> _Expr:
    what = f"node '{key}' ({kind})"
    if kind == "Flatten":
        return _Expr(flatten_shape(x.shape, node.start_dim, node.end_dim, what), x.terms, x.bias)
    if kind in ("SumPool2d", "AvgPool2d"):
        m, shape = sum_pool_matrix(x.shape, node.kernel_size, node.stride, node.padding,
                                   average=kind == "AvgPool2d", what=what)
        return x.map(m, shape)
    w = np.asarray(node.weight, dtype=np.float64)
    d = 1 if kind == "Conv1d" else 2
    if w.ndim != d + 2:
        raise ModelError(f"{what}: weight has shape {w.shape}, expected [C_out, C_in/groups, {'K' if d == 1 else 'KH, KW'}]")
    groups = int(np.asarray(node.groups).ravel()[0])
    c_in = w.shape[1] * groups
    stated = None if node.input_shape is None else tuple(int(s) for s in np.asarray(node.input_shape).ravel())
    if len(x.shape) == d + 1 and (stated is None or x.shape[1:] == stated):
        in_shape = x.shape
    elif stated is not None and len(stated) == d and x.size == c_in * int(np.prod(stated)):
        in_shape = (c_in,) + stated
    else:
        raise ModelError(f"{what}: its input has shape {x.shape}, which does not fit a {d}-D convolution with "
                         f"{c_in} input channels (input_shape {stated})")
    m, shape = conv_matrix(w, in_shape, node.stride, node.padding, node.dilation, groups, what)
    b = np.zeros(shape[0]) if getattr(node, "bias", None) is None else np.asarray(node.bias, np.float64).ravel()
    if b.size not in (1, shape[0]):
        raise ModelError(f"{what}: bias has {b.size} entries, the convolution has {shape[0]} output channels")
    return x.map(m, shape, np.repeat(np.broadcast_to(b, (shape[0],)), m.shape[0] // shape[0]))


def _build(flat: _Flat, spec: Dialect, name: str, model_map: dict[str, str] | None) -> Network:
    import scipy.sparse as sp  # here and in the folding: `import neurosim` does without it (decision 0023)

    preds = {k: [] for k in flat.nodes}
    succs = {k: [] for k in flat.nodes}
    for a, b in flat.edges:
        preds[b].append(a)
        succs[a].append(b)
    kinds = {k: _type(v) for k, v in flat.nodes.items()}
    endpoints = [k for k in flat.nodes if k in flat.inputs or kinds[k] in NEURON_TYPES]
    mapped = resolve_model_map(model_map, {k: kinds[k] for k in endpoints if kinds[k] in NEURON_TYPES})
    shape = {k: _shape(k, flat.nodes[k]) for k in endpoints}
    size = {k: int(np.prod(s)) for k, s in shape.items()}
    memo: dict[str, _Expr] = {}
    layer_shapes: dict[str, tuple[tuple, tuple]] = {}  # stateless node -> (input shape, output shape)

    def output(key: str, path: tuple) -> _Expr:
        if key in endpoints:
            if (not mapped[key].spiking) if key in mapped else kinds[key] in READOUT_TYPES:
                as_model = f" read as '{mapped[key].name}'" if key in mapped else ""
                raise ModelError(f"node '{key}' ({kinds[key]}{as_model}) outputs a potential, not spikes; it can only "
                                 f"feed Output nodes, but feeds '{path[-1]}'")
            return _Expr(shape[key], {(key, 0): sp.identity(size[key], format="csr")})
        if key in path:
            cycle = " -> ".join(path[path.index(key):] + (key,))
            raise ModelError(f"zero-delay cycle through stateless nodes {cycle}: a cycle needs a neuron in it")
        if key not in memo:
            x = fan_in(key, path + (key,))
            memo[key] = _apply(key, flat.nodes[key], x, spec.dt)
            layer_shapes[key] = (x.shape, memo[key].shape)
        return memo[key]

    def fan_in(key: str, path: tuple) -> _Expr:
        if not preds[key]:
            raise ModelError(f"node '{key}' ({kinds[key]}) has no input edge")
        total = None
        for p in preds[key]:
            e = output(p, path)
            if total is None:
                total = _Expr(e.shape, dict(e.terms), e.bias.copy())
            elif e.size != total.size:
                raise ModelError(f"node '{key}' ({kinds[key]}): its inputs have different sizes "
                                 f"({preds[key][0]!r}: {total.size}, {p!r}: {e.size})")
            else:
                total.add(e)
        return total

    neurons = [k for k in endpoints if kinds[k] in NEURON_TYPES]
    drive = {}
    for k in neurons:
        if not preds[k]:
            drive[k] = _Expr(shape[k])
            continue
        drive[k] = fan_in(k, (k,))
        if drive[k].size != size[k]:
            raise ModelError(f"node '{k}' ({kinds[k]}) has {size[k]} neurons, but its input has size {drive[k].size}")
    # Only zero-delay terms can close a cycle that needs NIR's implicit one-step delay.
    order, delayed = order_and_back_edges(flat.inputs, neurons, {k: sorted({s for s, d in drive[k].terms if d == 0})
                                                                 for k in neurons})
    origins = _origins(flat, preds, set(endpoints), neurons, layer_shapes)
    net = Network(name)
    for k in flat.inputs:
        net.add(SpikeArray.create(k, np.zeros((0, size[k]))))
    for k in order:
        if k in mapped:
            node = NirNode(k, kinds[k], flat.nodes[k], size[k], spec, drive[k].bias.copy(),
                           lambda k=k: _neuron(k, flat.nodes[k], size[k], drive[k].bias, spec))
            model = mapped[k].name
            params, init = read_node(mapped[k], node)
        else:
            model, params, init = _neuron(k, flat.nodes[k], size[k], drive[k].bias, spec)
        net.population(k, size[k], model, init=init or None, **params)
    for k in order:
        for src in sorted({s for s, _ in drive[k].terms}):
            parts = []
            for (s, d), m in sorted(drive[k].terms.items()):
                if s == src:
                    m = sp.coo_matrix(m)
                    m.eliminate_zeros()  # as a dense matrix would: a synapse per nonzero weight
                    parts.append((m, 1 if (d == 0 and (src, k) in delayed) else d))
            if not all(np.all(np.isfinite(m.data)) for m, _ in parts):
                raise ModelError(f"projection {src!r} -> {k!r}: the folded weights contain NaN or infinite values")
            if len(parts) == 1:
                net.connect(src, k, parts[0][0].tocsr(), delays=parts[0][1], origin=origins[k, src])
            else:  # one projection whose synapses carry the delays of their paths
                net.connect_synapses(src, k, np.concatenate([m.col for m, _ in parts]),
                                     np.concatenate([m.row for m, _ in parts]),
                                     np.concatenate([m.data for m, _ in parts]),
                                     np.concatenate([np.full(m.nnz, d) for m, d in parts]),
                                     origin=origins[k, src])
    return net


def _origins(flat: _Flat, preds: dict, endpoints: set, neurons: list,
             layer_shapes: dict) -> dict[tuple[str, str], LayerOrigin]:
    """``{(post, pre): LayerOrigin}``: the paths of stateless nodes from each source to each neuron."""
    memo: dict[str, list[tuple[str, tuple]]] = {}

    def paths_into(key: str) -> list[tuple[str, tuple]]:
        """(source endpoint, stateless nodes after it up to ``key``'s input) for every path into ``key``."""
        if key not in memo:
            found = []
            for p in preds[key]:
                if p in endpoints:
                    found.append((p, ()))
                else:
                    step = () if flat.nodes[p] is _PASS else (p,)
                    found += [(src, path + step) for src, path in paths_into(p)]
            memo[key] = found
        return memo[key]

    layers: dict[str, Layer] = {}
    out: dict[tuple[str, str], list] = {}
    for k in neurons:
        for src, path in paths_into(k):
            for node in path:
                if node not in layers:
                    layers[node] = _layer(node, flat.nodes[node], *layer_shapes[node])
            out.setdefault((k, src), []).append(tuple(layers[n] for n in path))
    return {key: LayerOrigin(tuple(paths)) for key, paths in out.items()}


_LAYER_KINDS = {"Affine": "affine", "Linear": "linear", "Conv1d": "conv", "Conv2d": "conv", "SumPool2d": "sum_pool",
                "AvgPool2d": "avg_pool", "Flatten": "flatten", "Scale": "scale", "Delay": "delay"}


def _layer(key: str, node, in_shape: tuple, out_shape: tuple) -> Layer:
    """The :class:`Layer` description of stateless node ``key`` (its geometry already checked by ``_apply``)."""
    kind = _type(node)
    what = f"node '{key}' ({kind})"
    common = dict(node=key, nir_type=kind, kind=_LAYER_KINDS[kind], input_shape=tuple(in_shape),
                  output_shape=tuple(out_shape))
    if kind in ("Affine", "Linear"):
        bias = getattr(node, "bias", None) if kind == "Affine" else None
        return Layer(**common, weight=np.asarray(node.weight), bias=None if bias is None else np.asarray(bias))
    if kind == "Scale":
        return Layer(**common, weight=np.asarray(node.scale))
    if kind in ("Conv1d", "Conv2d"):
        w = np.asarray(node.weight)
        d = w.ndim - 2
        kernel = tuple(int(k) for k in w.shape[2:])
        stride, dilation = _tuple(node.stride, d, what), _tuple(node.dilation, d, what)
        bias = getattr(node, "bias", None)
        if len(in_shape) != d + 1:  # a flat input that the node's input_shape shapes (as _apply_spatial reads it)
            common["input_shape"] = (w.shape[1] * int(np.asarray(node.groups).ravel()[0]),) + tuple(
                int(s) for s in np.asarray(node.input_shape).ravel())
        return Layer(**common, kernel=kernel, stride=stride, dilation=dilation,
                     padding=_padding(node.padding, kernel, dilation, stride, d, what),
                     groups=int(np.asarray(node.groups).ravel()[0]), weight=w,
                     bias=None if bias is None else np.asarray(bias))
    if kind in ("SumPool2d", "AvgPool2d"):
        kernel = _tuple(node.kernel_size, 2, what)
        stride = kernel if node.stride is None or np.size(node.stride) == 0 else _tuple(node.stride, 2, what)
        pad = (0, 0) if node.padding is None or np.size(node.padding) == 0 else _tuple(node.padding, 2, what)
        return Layer(**common, kernel=kernel, stride=stride, padding=tuple((p, p) for p in pad), dilation=(1, 1))
    return Layer(**common)


def order_and_back_edges(inputs: list[str], neurons: list[str],
                         srcs: dict[str, list[str]]) -> tuple[list[str], set[tuple[str, str]]]:
    """Order ``neurons`` so that each follows its sources, and find the edges that close a cycle.

    A depth-first search from the inputs (then from the neurons, sorted), visiting successors in
    sorted order, so the result does not depend on dict order.

    Parameters
    ----------
    inputs : list of str
        The source nodes, visited first.
    neurons : list of str
        The neuron nodes to order.
    srcs : dict of str to list of str
        For each neuron, the nodes that drive it (the edges that count; zero-delay ones on import).

    Returns
    -------
    order : list of str
        ``neurons`` in topological order, back edges aside.
    back_edges : set of (str, str)
        The ``(source, target)`` edges that close a cycle: they need NIR's implicit one-tick delay.
    """
    succ = {k: [] for k in inputs + neurons}
    for k in neurons:
        for s in srcs[k]:
            succ[s].append(k)
    state, post, delayed = {}, [], set()

    def visit(k):
        state[k] = 1
        for m in sorted(succ[k]):
            if state.get(m) == 1:
                delayed.add((k, m))
            elif m not in state:
                visit(m)
        state[k] = 2
        post.append(k)

    for k in inputs + sorted(neurons):
        if k not in state:
            visit(k)
    return [k for k in reversed(post) if k not in inputs], delayed
