"""``tile_compiled``: B copies of a compiled network as one block-diagonal compiled network.

A batch of B samples runs in one engine call on B copies of the network that share no synapse
(``docs/decisions/0022-batched-samples.md``). The copies are laid out population-major: population
``p`` of copy ``b`` is population ``p * B + b`` of the tiled network, so the B copies of one
population hold consecutive ids (a spike source's B copies take one ``[T, B * size]`` input) and the
processing order of every copy is the original one. Within a copy, ids, fan entries, delay
segments and synapses keep their original order, so the engine sums every neuron's inputs in the
same order as in a run of that copy alone, and its spikes come out in the same order.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurosim.compile.compiled import CompiledNetwork
from neurosim.errors import ModelError

_MAX_ID = np.iinfo(np.int32).max  # syn_target and neuron_pop are int32


@dataclass(frozen=True, eq=False)
class Tiling:
    """B copies of ``single`` as one network, and where each copy's entries went.

    Every map is ``(B, n)``: entry ``[b, x]`` is the tiled index of entry ``x`` of copy ``b``.
    """

    single: CompiledNetwork = field(repr=False)
    tiled: CompiledNetwork = field(repr=False)
    copies: int
    neuron: np.ndarray = field(repr=False)  # (B, N)
    fan: np.ndarray = field(repr=False)  # (B, F)
    segment: np.ndarray = field(repr=False)  # (B, S)
    population: np.ndarray = field(repr=False)  # (B, P)
    group: np.ndarray = field(repr=False)  # (B, G)


def tile_compiled(c: CompiledNetwork, copies: int) -> Tiling:
    """``copies`` copies of ``c`` as one compiled network (population-major, see the module docstring).

    Raises
    ------
    ModelError
        When the copies would hold more than 2**31 - 1 neurons (the engine's int32 ids).
    """
    b_count, n = int(copies), c.n_neurons
    if b_count < 1:
        raise ModelError(f"tile_compiled: copies is {copies}; pass at least 1")
    if b_count * n > _MAX_ID:
        raise ModelError(f"{b_count} copies of {n} neurons exceed the engine's {_MAX_ID} neuron ids; "
                         "run fewer samples per engine call")
    n_pops, sizes = len(c.names), np.diff(c.pop_offset)
    copy = np.arange(b_count, dtype=np.int64)[:, None]
    population = np.arange(n_pops, dtype=np.int64)[None, :] * b_count + copy
    group = np.arange(c.n_groups, dtype=np.int64)[None, :] * b_count + copy
    # Neuron i of population p in copy b: after the B copies of every earlier population and the
    # b earlier copies of p.
    first = b_count * c.pop_offset[c.neuron_pop]
    step = sizes[c.neuron_pop]
    local = np.arange(n, dtype=np.int64) - c.pop_offset[c.neuron_pop]
    neuron = first[None, :] + copy * step[None, :] + local[None, :]
    # The entries of the sources of population p (neurons, fan entries, segments, synapses) are one
    # range of each array; copy b's come after the b earlier copies of that range.
    fan_at = c.src_fan_ptr[c.pop_offset]
    seg_at = c.fan_seg_ptr[fan_at]
    syn_at = c.seg_syn_ptr[seg_at]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("neuron_pop", "neuron_group", "params", "state0", "fans",
                                                          "fan_group", "segs", "seg_delay", "seg_group", "syns",
                                                          "syn_target", "syn_weight")}
    for p in range(n_pops):
        n0, n1 = c.pop_offset[p], c.pop_offset[p + 1]
        f0, f1, s0, s1, y0, y1 = fan_at[p], fan_at[p + 1], seg_at[p], seg_at[p + 1], syn_at[p], syn_at[p + 1]
        parts["neuron_pop"].append(np.repeat(population[:, p], n1 - n0))
        parts["neuron_group"].append((c.neuron_group[None, n0:n1] * b_count + copy).ravel())
        parts["params"].append(np.tile(c.params[n0:n1], (b_count, 1)))
        parts["state0"].append(np.tile(c.state0[n0:n1], (b_count, 1)))
        parts["fans"].append(np.tile(np.diff(c.src_fan_ptr[n0:n1 + 1]), b_count))
        parts["fan_group"].append((c.fan_group[None, f0:f1] * b_count + copy).ravel())
        parts["segs"].append(np.tile(np.diff(c.fan_seg_ptr[f0:f1 + 1]), b_count))
        parts["seg_delay"].append(np.tile(c.seg_delay[s0:s1], b_count))
        parts["seg_group"].append((c.seg_group[None, s0:s1] * b_count + copy).ravel())
        parts["syns"].append(np.tile(np.diff(c.seg_syn_ptr[s0:s1 + 1]), b_count))
        targets = c.syn_target[y0:y1]
        parts["syn_target"].append((first[targets][None, :] + copy * step[targets][None, :]
                                    + local[targets][None, :]).ravel())
        parts["syn_weight"].append(np.tile(c.syn_weight[y0:y1], b_count))
    joined = {k: np.concatenate(v) for k, v in parts.items()}
    tiled = CompiledNetwork(
        c.network, tuple(f"{name}#{b}" for name in c.names for b in range(b_count)),
        np.concatenate([[0], np.cumsum(np.repeat(sizes, b_count))]).astype(np.int64),
        np.repeat(c.pop_model, b_count), (c.pop_order[:, None] * b_count + np.arange(b_count)).ravel(),
        joined["neuron_pop"].astype(c.neuron_pop.dtype), joined["neuron_group"],
        (c.group_pop[None, :] * b_count + copy).T.ravel(), joined["params"], joined["state0"],
        _ptr(joined["fans"]), joined["fan_group"], _ptr(joined["segs"]), joined["seg_delay"].astype(c.seg_delay.dtype),
        joined["seg_group"], _ptr(joined["syns"]), joined["syn_target"].astype(c.syn_target.dtype),
        joined["syn_weight"].astype(c.syn_weight.dtype), c.models)
    return Tiling(c, tiled, b_count, neuron, _block_map(c.src_fan_ptr[c.pop_offset], c.fan_group.size, b_count),
                  _block_map(seg_at, c.seg_delay.size, b_count), population, group)


def _block_map(block_at: np.ndarray, size: int, copies: int) -> np.ndarray:
    """``(copies, size)``: the tiled index of entry ``x`` of copy ``b`` when the entries come in blocks
    ``block_at[p] .. block_at[p + 1]``, each block repeated ``copies`` times."""
    x = np.arange(size, dtype=np.int64)
    block = np.searchsorted(block_at, x, side="right") - 1
    lo, length = block_at[block], np.diff(block_at)[block]
    return copies * lo[None, :] + np.arange(copies, dtype=np.int64)[:, None] * length[None, :] + (x - lo)[None, :]


def _ptr(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
