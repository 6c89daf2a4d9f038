"""SANA-FE's network file (``network:`` groups and edges, ``mappings:``) as per-neuron columns and
numpy edge lists, before anything is translated.

Groups: ``name``, ``attributes`` (the default of every neuron) and ``neurons``, a list of ids or id
ranges (``0..3``), each with attributes that override the group's. Edges: ``a.i -> b.j: [weight: w]``
for one synapse, or a hyperedge between whole groups, ``a -> b: {type: dense | conv2d | sparse,
weight: [...]}``, laid out as SANA-FE's ``connect_neurons_*`` lay them out. Mappings:
``group[.id | .first..last]: [core: tile.core, soma: unit, synapse: unit]``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import numpy.typing as npt

from neurosim._jit import njit
from neurosim.errors import ModelError, PlacementError
from neurosim.sanafe import _yaml

IntArray = npt.NDArray[np.int64]

IGNORED = ("log_spikes", "log_potential", "log_u")
"""Neuron attributes that only choose what SANA-FE records (neurosim records every spike)."""

HW_NAMES = {"soma_hw_name": "soma", "synapse_hw_name": "synapse", "dendrite_hw_name": "dendrite"}
CONV_KEYS = ("input_height", "input_width", "input_channels", "kernel_width", "kernel_height", "kernel_count",
             "stride_width", "stride_height")
WEIGHT_KEYS = ("weight", "w")
DENDRITE_EDGE_KEYS = ("delay", "d")
"""Dendrite attributes of an edge the reader accepts: SANA-FE's ``accumulator`` dendrite ignores every
edge attribute (``AccumulatorModel::set_attribute_edge`` is empty, ``src/models.hpp``), so they are
read (as numbers) and allowed only where the target neurons' dendrite is that model."""


@dataclass
class Group:
    """One neuron group: its size, per-neuron attribute text (``None`` where unset), unit names
    (network attributes and mapping) and SANA-FE core (``tile``, ``core``; -1 where unmapped)."""

    name: str
    size: int
    values: dict[str, list[Any]] = field(default_factory=dict)
    hw: dict[str, list[str | None]] = field(default_factory=dict)
    mapped_hw: dict[str, list[str | None]] = field(default_factory=dict)
    tile: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    core: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    def set(self, table: dict[str, list[Any]], key: str, first: int, last: int, value: Any) -> None:
        column = table.setdefault(key, [None] * self.size)
        column[first:last + 1] = [value] * (last + 1 - first)


@dataclass(frozen=True)
class Edges:
    """The synapses of one edge entry: group ends, local ids, weights, and the entry for messages."""

    pre: str
    post: str
    pre_idx: IntArray
    post_idx: IntArray
    weight: npt.NDArray[np.float64]
    where: str
    dendrite_keys: tuple[str, ...] = ()  # dendrite attributes given (DENDRITE_EDGE_KEYS), for the reader to check


@dataclass(frozen=True)
class SanafeNet:
    """A SANA-FE network file, parsed: groups in file order, edge entries in file order."""

    path: Path
    name: str
    groups: dict[str, Group]
    edges: tuple[Edges, ...]


def read_net(path: str | Path) -> SanafeNet:
    """Parse a SANA-FE network file (``network:`` and ``mappings:``).

    Raises
    ------
    ModelError
        Naming the file and the group or edge: a missing key, a value of the wrong type, an unknown
        group or neuron, a hyperedge of the wrong size.
    PlacementError
        For a mapping entry naming an unknown group or neuron, a neuron mapped twice or a bad core.
    """
    path = Path(path)
    doc = _yaml.mapping(_yaml.load(path, ModelError), str(path), ModelError)
    net = _yaml.mapping(_yaml.required(doc, "network", str(path), ModelError), f"{path}: network", ModelError)
    where = f"{path}: network"
    name = _yaml.text(net.get("name", path.stem), f"{where} name", ModelError)
    groups: dict[str, Group] = {}
    for entry in _yaml.sequence(_yaml.required(net, "groups", where, ModelError), f"{where} groups", ModelError):
        group = _read_group(entry, path)
        if group.name in groups:
            raise ModelError(f"{path}: group '{group.name}' is defined twice")
        groups[group.name] = group
    edges = []
    for entry in _yaml.sequence(net.get("edges") or [], f"{where} edges", ModelError):
        for key, attributes in _yaml.mapping(entry, f"{where} edge", ModelError).items():
            edges.append(_read_edge(str(key), attributes, groups, path))
    mappings = _yaml.required(doc, "mappings", str(path), PlacementError)
    for entry in _yaml.sequence(mappings, f"{path}: mappings", PlacementError):
        entry = _yaml.mapping(entry, f"{path}: mapping", PlacementError)
        if len(entry) != 1:
            raise PlacementError(f"{path}: mapping {dict(entry)!r} must have one entry, 'group.neuron: [core: t.c]'")
        ((address, info),) = entry.items()
        _read_mapping(str(address), info, groups, path)
    return SanafeNet(path, name, groups, tuple(edges))


# -- groups --------------------------------------------------------------------------------------------


def _read_group(entry: Any, path: Path) -> Group:
    node = _yaml.mapping(entry, f"{path}: group", ModelError)
    name = _yaml.text(_yaml.required(node, "name", f"{path}: group", ModelError), f"{path}: group name", ModelError)
    where = f"{path}: group '{name}'"
    if "." in name or "->" in name:
        raise ModelError(f"{where}: a group name cannot contain '.' or '->' (edges and mappings split on them)")
    ranges: list[tuple[int, int, dict[str, Any]]] = []
    for item in _yaml.sequence(_yaml.required(node, "neurons", where, ModelError), f"{where} neurons", ModelError):
        if isinstance(item, Mapping):
            for key, attributes in item.items():
                first, last = _yaml.id_range(key, f"{where} neurons", ModelError)
                ranges.append((first, last, _neuron_attributes(attributes, f"{where} neurons {key}")))
        else:
            first, last = _yaml.id_range(item, f"{where} neurons", ModelError)
            ranges.append((first, last, {}))
    size = sum(last + 1 - first for first, last, _ in ranges)
    if size == 0:
        raise ModelError(f"{where}: no neurons defined")
    group = Group(name, size, tile=np.full(size, -1, np.int64), core=np.full(size, -1, np.int64))
    defaults = _neuron_attributes(node.get("attributes"), f"{where} attributes")
    seen = np.zeros(size, dtype=bool)
    for first, last, attributes in [(0, size - 1, defaults)] + ranges:
        if last >= size:
            raise ModelError(f"{where}: neuron {last} is outside the group's {size} neurons (ids 0..{size - 1})")
        if attributes is not defaults:
            if seen[first:last + 1].any():
                k = first + int(np.argmax(seen[first:last + 1]))
                raise ModelError(f"{where}: neuron {k} is defined twice")
            seen[first:last + 1] = True
        for key, value in attributes.items():
            table = group.hw if key in HW_NAMES else group.values
            group.set(table, HW_NAMES.get(key, key), first, last, value)
    return group


def _neuron_attributes(node: Any, where: str) -> dict[str, Any]:
    """One attribute list, flattened: ``soma: {...}`` merged in, recording flags dropped."""
    attributes = _yaml.attributes(node, where, ModelError)
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in IGNORED:
            continue
        if key == "soma":
            out.update(_yaml.attributes(value, f"{where} soma", ModelError))
        elif key == "dendrite":
            if _yaml.attributes(value, f"{where} dendrite", ModelError):
                raise ModelError(f"{where}: dendrite attributes are not supported (the reader models SANA-FE's "
                                 f"accumulator dendrite, which has none)")
        elif key in HW_NAMES:
            out[key] = _yaml.text(value, f"{where} {key}", ModelError)
        else:
            out[key] = value
    return out


# -- edges ---------------------------------------------------------------------------------------------


def _read_edge(key: str, node: Any, groups: dict[str, Group], path: Path) -> Edges:
    where = f"{path}: edge '{key}'"
    if "->" not in key:
        raise ModelError(f"{where} must be written 'source -> target'")
    source, target = (part.strip() for part in key.split("->", 1))
    (pre, i), (post, j) = (_address(part, groups, where) for part in (source, target))
    if (i is None) != (j is None):
        raise ModelError(f"{where}: give a neuron on both ends ('a.0 -> b.1') or on neither ('a -> b')")
    attributes = _yaml.attributes(node, where, ModelError)
    if "synapse" in attributes and _yaml.attributes(attributes.pop("synapse"), f"{where} synapse", ModelError):
        raise ModelError(f"{where}: synapse attributes are not supported (the reader translates weight only)")
    dendrite = _dendrite_keys(attributes.pop("dendrite", None), where)
    if i is not None:
        _refuse_unknown(attributes, WEIGHT_KEYS, where)
        weight = np.array([_yaml.number(_weight(attributes, where), f"{where} weight", ModelError)])
        return Edges(pre, post, np.array([i]), np.array([j]), weight, where, dendrite)
    kind = _yaml.text(_yaml.required(attributes, "type", where, ModelError), f"{where} type", ModelError)
    n_pre, n_post = groups[pre].size, groups[post].size
    if kind == "dense":
        _refuse_unknown(attributes, ("type", *WEIGHT_KEYS), where)
        pre_idx = np.repeat(np.arange(n_pre, dtype=np.int64), n_post)
        post_idx = np.tile(np.arange(n_post, dtype=np.int64), n_pre)
        weight = _weights(attributes, n_pre * n_post, "one per (source, target) pair, source-major", where)
    elif kind == "sparse":
        _refuse_unknown(attributes, ("type", "source_target_pairs", *WEIGHT_KEYS), where)
        pre_idx, post_idx = _pairs(_yaml.required(attributes, "source_target_pairs", where, ModelError), n_pre,
                                   n_post, where)
        weight = _weights(attributes, pre_idx.size, "one per source_target_pairs entry", where)
    elif kind == "conv2d":
        _refuse_unknown(attributes, ("type", *CONV_KEYS, *WEIGHT_KEYS), where)
        pre_idx, post_idx, kernel_idx, n_kernel = _conv2d(attributes, n_pre, n_post, where)
        weight = _weights(attributes, n_kernel, "one per kernel entry, laid out [y][x][input channel][kernel]",
                          where)[kernel_idx]
    else:
        raise ModelError(f"{where}: type {kind!r} is not a hyperedge type (dense, conv2d, sparse)")
    return Edges(pre, post, pre_idx, post_idx, weight, where, dendrite)


def _dendrite_keys(node: Any, where: str) -> tuple[str, ...]:
    """The dendrite attributes of an edge (:data:`DENDRITE_EDGE_KEYS`, each a number or a list of
    numbers); any other is refused."""
    attributes = _yaml.attributes(node, f"{where} dendrite", ModelError)
    for key, value in attributes.items():
        if key not in DENDRITE_EDGE_KEYS:
            raise ModelError(f"{where}: dendrite attribute '{key}' is not supported (the reader accepts "
                             f"{', '.join(DENDRITE_EDGE_KEYS)}, which SANA-FE's accumulator dendrite ignores)")
        if isinstance(value, (list, np.ndarray)):
            _yaml.numbers(value, f"{where} dendrite {key}", ModelError)
        else:
            _yaml.number(value, f"{where} dendrite {key}", ModelError)
    return tuple(attributes)


def _address(text: str, groups: dict[str, Group], where: str) -> tuple[str, int | None]:
    name, _, neuron = text.partition(".")
    if name not in groups:
        raise ModelError(f"{where}: no group named {name!r} (groups: {', '.join(groups)})")
    if not neuron:
        return name, None
    k = _yaml.id_range(neuron, where, ModelError)[0] if neuron.strip().isdigit() else -1
    if not 0 <= k < groups[name].size:
        raise ModelError(f"{where}: group '{name}' has neurons 0..{groups[name].size - 1}, not {neuron!r}")
    return name, k


def _refuse_unknown(attributes: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in attributes:
        if key not in allowed:
            raise ModelError(f"{where}: attribute '{key}' is not supported here (supported: {', '.join(allowed)})")


def _weight(attributes: Mapping[str, Any], where: str) -> Any:
    present = [k for k in WEIGHT_KEYS if k in attributes]
    if not present:
        raise ModelError(f"{where}: missing key 'weight'")
    return attributes[present[0]]


def _weights(attributes: Mapping[str, Any], n: int, layout: str, where: str) -> npt.NDArray[np.float64]:
    weight = _yaml.numbers(_weight(attributes, where), f"{where} weight", ModelError)
    if weight.ndim != 1 or weight.size != n:
        raise ModelError(f"{where}: weight has {weight.size} entries, expected {n} ({layout})")
    return weight


def _pairs(node: Any, n_pre: int, n_post: int, where: str) -> tuple[IntArray, IntArray]:
    if isinstance(node, np.ndarray):
        node = node.tolist() if node.ndim != 2 else node
    pairs = node if isinstance(node, np.ndarray) else _yaml.sequence(node, f"{where} source_target_pairs", ModelError)
    try:
        table = np.array(pairs, dtype=np.float64).reshape(len(pairs), -1) if len(pairs) else np.zeros((0, 2))
    except (TypeError, ValueError):
        raise ModelError(f"{where}: source_target_pairs must be a list of [source, target] pairs of "
                         f"neuron ids") from None
    if table.shape[1] != 2 or np.any(table != np.round(table)):
        raise ModelError(f"{where}: source_target_pairs must be a list of [source, target] pairs of neuron ids")
    pre_idx, post_idx = table.astype(np.int64).T
    for what, idx, size in (("source", pre_idx, n_pre), ("target", post_idx, n_post)):
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            k = int(np.argmax(bad))
            raise ModelError(f"{where}: pair {k} has {what} {idx[k]}, outside its group's {size} neurons")
    return pre_idx, post_idx


def _conv2d(attributes: Mapping[str, Any], n_pre: int, n_post: int,
            where: str) -> tuple[IntArray, IntArray, IntArray, int]:
    """SANA-FE's ``connect_neurons_conv2d``: no padding, channels first (``c, y, x``, C order) in both
    groups, the kernel laid out ``[y][x][input channel][output channel]``; ``(pre, post, kernel index,
    kernel size)`` of every synapse."""
    p = {key: _yaml.integer(_yaml.required(attributes, key, where, ModelError), f"{where} {key}", ModelError)
         for key in CONV_KEYS if key not in ("stride_width", "stride_height")}
    for key in ("stride_width", "stride_height"):
        p[key] = _yaml.integer(attributes.get(key, "1"), f"{where} {key}", ModelError)
    for key, value in p.items():
        if value < 1:
            raise ModelError(f"{where}: {key} = {value} must be at least 1")
    if p["kernel_width"] > p["input_width"] or p["kernel_height"] > p["input_height"]:
        raise ModelError(f"{where}: the {p['kernel_width']} x {p['kernel_height']} kernel is larger than the "
                         f"{p['input_width']} x {p['input_height']} input (SANA-FE pads nothing)")
    out_w = (p["input_width"] - p["kernel_width"]) // p["stride_width"] + 1
    out_h = (p["input_height"] - p["kernel_height"]) // p["stride_height"] + 1
    c_in, k_out = p["input_channels"], p["kernel_count"]
    for end, size, expected, rule in (
            ("source", n_pre, c_in * p["input_height"] * p["input_width"], "input_channels x height x width"),
            ("target", n_post, k_out * out_h * out_w, f"kernel_count x {out_h} x {out_w}")):
        if size != expected:
            raise ModelError(f"{where}: the {end} group has {size} neurons, but the convolution needs {expected} "
                             f"({rule})")
    n_kernel = p["kernel_height"] * p["kernel_width"] * c_in * k_out
    n = n_post * p["kernel_height"] * p["kernel_width"] * c_in
    pre_idx, post_idx, kernel_idx = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    _conv2d_by_pre(c_in, p["input_height"], p["input_width"], p["kernel_height"], p["kernel_width"],
                   p["stride_height"], p["stride_width"], k_out, out_h, out_w, pre_idx, post_idx, kernel_idx)
    return pre_idx, post_idx, kernel_idx, n_kernel


@njit
def _conv2d_by_pre(c_in, h_in, w_in, kh, kw, sh, sw, k_out, out_h, out_w, pre_idx, post_idx, kernel_idx):
    """Fill the synapses of a convolution in the order the network keeps them: by source neuron
    ``(input channel, y, x)``, then by target ``(output channel, y, x)`` (SANA-FE's loop order, output
    channel, y, x, input channel, kernel y, kernel x, sorted stably by source: a source meets each
    target at most once). The target rows ``y`` a source row ``iy`` reaches are those with
    ``0 <= iy - y sh < kh``; likewise for columns."""
    k = 0
    for ci in range(c_in):
        for iy in range(h_in):
            y_lo = max(0, (iy - kh + sh) // sh)
            y_hi = min(out_h - 1, iy // sh)
            for ix in range(w_in):
                x_lo = max(0, (ix - kw + sw) // sw)
                x_hi = min(out_w - 1, ix // sw)
                pre = (ci * h_in + iy) * w_in + ix
                for c in range(k_out):
                    for y in range(y_lo, y_hi + 1):
                        ky = iy - y * sh
                        for x in range(x_lo, x_hi + 1):
                            kx = ix - x * sw
                            pre_idx[k] = pre
                            post_idx[k] = (c * out_h + y) * out_w + x
                            kernel_idx[k] = ((ky * kw + kx) * c_in + ci) * k_out + c
                            k += 1


# -- mappings ------------------------------------------------------------------------------------------


def _read_mapping(address: str, node: Any, groups: dict[str, Group], path: Path) -> None:
    where = f"{path}: mapping '{address}'"
    name, _, neurons = address.partition(".")
    group = groups.get(name)
    if group is None:
        raise PlacementError(f"{where}: no group named {name!r} (groups: {', '.join(groups)})")
    first, last = _yaml.id_range(neurons, where, PlacementError) if neurons else (0, group.size - 1)
    if last >= group.size:
        raise PlacementError(f"{where}: group '{name}' has neurons 0..{group.size - 1}, not {last}")
    info = _yaml.attributes(node, where, PlacementError)
    for key in info:
        if key not in ("core", "soma", "synapse", "dendrite"):
            raise PlacementError(f"{where}: unknown key '{key}' (keys: core, soma, synapse, dendrite)")
    core = _yaml.text(_yaml.required(info, "core", where, PlacementError), f"{where} core", PlacementError)
    tile_text, dot, core_text = core.partition(".")
    if not (dot and tile_text.strip().isdigit() and core_text.strip().isdigit()):
        raise PlacementError(f"{where}: core {core!r} must be written tile.core, e.g. 0.1 (tile 0, core 1)")
    if np.any(group.tile[first:last + 1] >= 0):
        k = first + int(np.argmax(group.tile[first:last + 1] >= 0))
        raise PlacementError(f"{where}: neuron {name}.{k} is mapped twice")
    group.tile[first:last + 1] = int(tile_text)
    group.core[first:last + 1] = int(core_text)
    for key in ("soma", "synapse", "dendrite"):
        if key in info:
            group.set(group.mapped_hw, key, first, last, _yaml.text(info[key], f"{where} {key}", PlacementError))
