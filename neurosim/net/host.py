"""Host operations: named work of a model that runs off the neuromorphic cores.

LayerNorm, softmax, the attention products of a spiking transformer (``Q K^T`` of two spike tensors,
attention x ``V``) or an output filter belong in a model's energy but not on the chip: a
:class:`HostOp` is counted (MACs and FLOPs per sample) and costed at E_MAC by the metric conventions
(:mod:`neurosim.cost_model.conventions`), and is invisible to compilation, placement and every chip
figure (neurons, synapses, dense operations, footprint, the bit budget).

How often an operation runs:

* ``driven_by=()``: a fixed count, ``macs`` and ``flops`` once per tick;
* ``driven_by=(a, b, ...)``: ``macs`` and ``flops`` per spike (non-zero output) of those nodes;
* ``pairs=(n, d)`` with ``driven_by=(q, k)``: a product of two spike tensors ``[n, d]`` (``Q K^T``)
  counting only present spike pairs: per tick ``sum over columns c of nnz(q[:, c]) x nnz(k[:, c])``
  units, each of ``macs`` and ``flops``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from neurosim.errors import ModelError


@dataclass(frozen=True)
class HostOp:
    """One host operation (see the module docstring for how its units are counted).

    Attributes
    ----------
    name : str
    macs, flops : float
        Per unit: per tick, per driving spike, or per present spike pair.
    driven_by : tuple of str
        Populations or sources whose spikes drive it; empty for a fixed count.
    pairs : tuple of (int, int) or None
        ``(n, d)``: the two driving nodes are spike tensors ``[n, d]`` multiplied as ``Q K^T``.
    """

    name: str
    macs: float
    flops: float
    driven_by: tuple[str, ...] = ()
    pairs: tuple[int, int] | None = None

    def units(self, spikes: Callable[[str], np.ndarray], samples: int, ticks_per_sample: int) -> float:
        """Units of work over a whole run, given ``spikes(node)`` -> ``[B, T, size]``."""
        if not self.driven_by:
            return float(samples * ticks_per_sample)
        if self.pairs is None:
            return float(sum(np.count_nonzero(spikes(k)) for k in self.driven_by))
        n, d = self.pairs
        q, k = ((spikes(node) != 0).reshape(samples, ticks_per_sample, n, d).sum(axis=2) for node in self.driven_by)
        return float((q.astype(np.float64) * k).sum())


def make_host_op(nodes: dict, taken: set[str], name: str, macs: float, flops: float, driven_by, pairs) -> HostOp:
    """A checked :class:`HostOp` of a network whose nodes are ``nodes`` and whose names are ``taken``."""
    owner = f"host operation '{name}'"
    if not isinstance(name, str) or not name:
        raise ModelError(f"a host operation needs a non-empty name, got {name!r}")
    if name in taken:
        raise ModelError(f"{owner}: the name is already used by a node, projection or host operation; choose another")
    for what, value in (("macs", macs), ("flops", flops)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ModelError(f"{owner}: {what} must be a finite number >= 0, got {value!r}")
    if macs == 0 and flops == 0:
        raise ModelError(f"{owner}: give macs or flops (both are 0, so it would cost nothing)")
    driven = (driven_by,) if isinstance(driven_by, str) else tuple(driven_by)
    unknown = [k for k in driven if k not in nodes]
    if unknown:
        raise ModelError(f"{owner}: driven_by names no population or source: {', '.join(map(repr, unknown))}; "
                         f"the network has {', '.join(nodes) or 'none'}")
    if pairs is not None:
        if len(driven) != 2 or len(tuple(pairs)) != 2 or any(int(x) < 1 for x in pairs):
            raise ModelError(f"{owner}: pairs=(n, d) needs exactly two driven_by nodes and n, d >= 1, "
                             f"got pairs={pairs!r}, driven_by={driven!r}")
        pairs = (int(pairs[0]), int(pairs[1]))
        wrong = [k for k in driven if nodes[k].size != pairs[0] * pairs[1]]
        if wrong:
            raise ModelError(f"{owner}: node(s) {', '.join(wrong)} do not hold n x d = {pairs[0] * pairs[1]} "
                             "neurons; pairs=(n, d) must give the shape of both spike tensors")
    return HostOp(name, float(macs), float(flops), driven, pairs)
