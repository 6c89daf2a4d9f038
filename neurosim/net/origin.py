"""Where a projection came from: the NIR layers folded into it, kept as an immutable description.

:func:`neurosim.nir.load_nir` folds the stateless NIR nodes between two neuron (or input) nodes
(``Affine``, ``Linear``, ``Conv1d``/``Conv2d``, ``SumPool2d``/``AvgPool2d``, ``Flatten``, ``Scale``,
``Delay``) into one projection of expanded synapses. Metric conventions that count per framework
layer (NeuroBench: per call of a ``Linear`` or ``Conv`` layer, dense ops from the kernel geometry)
need the layers back; a projection made from NIR therefore records them as a :class:`LayerOrigin`.
It describes, it never runs: the simulation reads only the synapses. A projection built with the
Python API has no origin (``Projection.origin is None``).

    >>> proj = net.projections["1->5"]                     # doctest: +SKIP
    >>> [layer.node for layer in proj.origin.paths[0]]     # doctest: +SKIP
    ['2', '3', '4']                                        # AvgPool2d, Flatten, Affine
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurosim.errors import ModelError

CONNECTION_KINDS = ("linear", "affine", "conv")
"""Layer kinds that are connection layers (PyTorch ``nn.Linear`` / ``nn.ConvNd`` after export)."""

KINDS = CONNECTION_KINDS + ("sum_pool", "avg_pool", "flatten", "scale", "delay")


def _frozen(a) -> np.ndarray | None:
    if a is None:
        return None
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Layer:
    """One stateless NIR node folded into a projection.

    Attributes
    ----------
    node : str
        The NIR node's name.
    nir_type : str
        Its NIR type (``"Affine"``, ``"Conv2d"``, ``"AvgPool2d"``, ...).
    kind : str
        One of :data:`KINDS`: ``"linear"`` (``Linear``, no bias), ``"affine"``, ``"conv"``
        (``Conv1d``/``Conv2d``), ``"sum_pool"``, ``"avg_pool"``, ``"flatten"``, ``"scale"``, ``"delay"``.
    input_shape, output_shape : tuple of int
        Shapes of the node's input and output, without batch and time (C order).
    kernel, stride, dilation : tuple of int
        Convolution and pooling geometry per spatial dimension (empty for other kinds).
    padding : tuple of (int, int)
        Zero padding (before, after) per spatial dimension (``"same"``/``"valid"`` resolved).
    groups : int
        Convolution groups (1 otherwise).
    weight, bias : ndarray or None
        The node's own parameters, read-only, in the file's dtype (a conv kernel once, not per
        output position): ``Affine``/``Linear`` ``[out, in]``, conv ``[C_out, C_in / groups, *K]``,
        ``Scale`` its scale. ``None`` where the node has none.
    """

    node: str
    nir_type: str
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    kernel: tuple[int, ...] = ()
    stride: tuple[int, ...] = ()
    padding: tuple[tuple[int, int], ...] = ()
    dilation: tuple[int, ...] = ()
    groups: int = 1
    weight: np.ndarray | None = field(default=None, repr=False)
    bias: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ModelError(f"NIR layer '{self.node}': kind {self.kind!r} is not one of {', '.join(KINDS)}; use one of those")
        object.__setattr__(self, "weight", _frozen(self.weight))
        object.__setattr__(self, "bias", _frozen(self.bias))

    @property
    def is_connection(self) -> bool:
        """Whether this is a connection layer (linear, affine, conv)."""
        return self.kind in CONNECTION_KINDS

    @property
    def parameter_count(self) -> int:
        """Entries of the node's weight and bias."""
        return sum(int(a.size) for a in (self.weight, self.bias) if a is not None)

    @property
    def parameter_bytes(self) -> int:
        """Bytes of the node's weight and bias in the file's dtypes."""
        return sum(int(a.size * a.dtype.itemsize) for a in (self.weight, self.bias) if a is not None)


@dataclass(frozen=True, eq=False)
class LayerOrigin:
    """The NIR layers of one projection: every path of stateless nodes from its ``pre`` to its
    ``post`` node, each in data-flow order (a projection folds the sum of its paths)."""

    paths: tuple[tuple[Layer, ...], ...]

    @property
    def layers(self) -> tuple[Layer, ...]:
        """Every layer of every path, once each, in path order."""
        seen: dict[str, Layer] = {}
        for path in self.paths:
            for layer in path:
                seen.setdefault(layer.node, layer)
        return tuple(seen.values())
