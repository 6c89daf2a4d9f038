"""NIR neuron nodes read as models that declare a NIR reader (``load_nir(..., model_map=...)``).

``model_map`` maps a node name, or a NIR neuron type (then every node of that type), to a registered
model whose :class:`~neurosim.models.registry.NirReader` declares the node's type; a node's own name
wins over its type. The reader gets a :class:`NirNode` and returns the population's parameters and
initial state. Unmapped nodes are read as ``docs/nir.md`` section 3 says. ``docs/nir.md`` section 8.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurosim.errors import ModelError, NeurosimError
from neurosim.models.registry import NeuronModel, get_model, registered_models
from neurosim.nir.dialects import Dialect


@dataclass(frozen=True)
class NirNode:
    """One NIR neuron node, as a model's NIR reader sees it.

    Attributes
    ----------
    name : str
        The node's name in the graph (``graph.node`` inside an inlined subgraph); the population's name.
    type : str
        Its NIR type: ``"LIF"``, ``"CubaLIF"``, ``"IF"``, ``"LI"``, ``"I"``, ``"CubaLI"`` or ``"Threshold"``.
    node : object
        The ``nir`` node itself, its fields as NIR defines them (``tau``, ``r``, ``v_threshold``, ...).
    size : int
        Its number of neurons (the product of its shape, C order).
    dialect : Dialect
        How the file is read: ``dt``, ``precision``, ``threshold``, ``reset``, ... (:mod:`neurosim.nir.dialects`).
    bias : ndarray
        ``(size,)`` float64: the constant input that the stateless nodes before it add (an ``Affine``
        or convolution bias). The reader must turn it into parameters, or refuse a non-zero one.
    """

    name: str
    type: str
    node: Any
    size: int
    dialect: Dialect
    bias: np.ndarray
    default_reading: Callable[[], tuple[str, dict, dict]] = field(repr=False)

    def param(self, name: str, default: float | None = None) -> np.ndarray:
        """The node's field ``name`` as a ``(size,)`` float64 array (a scalar broadcast).

        Raises
        ------
        ModelError
            When the node has no such field and no ``default`` is given, or its size is neither 1 nor ``size``.
        """
        value = getattr(self.node, name, None)
        if value is None:
            if default is None:
                raise ModelError(f"node '{self.name}' ({self.type}) has no field '{name}'")
            value = default
        arr = np.asarray(value, dtype=np.float64).ravel()
        if arr.size not in (1, self.size):
            raise ModelError(f"node '{self.name}' ({self.type}): '{name}' has {arr.size} entries for {self.size} "
                             "neurons")
        return np.broadcast_to(arr, (self.size,)).copy()

    def builtin(self) -> tuple[str, dict, dict]:
        """``(model, params, init)``: how neurosim reads this node without a map (``docs/nir.md`` section 3),
        a starting point for a model that extends a built-in one."""
        return self.default_reading()


def resolve_model_map(model_map: Mapping[str, str] | None, neurons: Mapping[str, str]) -> dict[str, NeuronModel]:
    """``{node name: model}`` for the neuron nodes ``model_map`` maps.

    Parameters
    ----------
    model_map : mapping or None
        ``{node name or NIR neuron type: model name}``.
    neurons : mapping
        ``{node name: NIR type}`` of the graph's neuron nodes.

    Raises
    ------
    ModelError
        For a key that names no neuron node nor the type of one, an unknown model, a model without a
        NIR reader, or a node whose type the model does not read.
    """
    if not model_map:
        return {}
    if not isinstance(model_map, Mapping):
        raise ModelError(f"model_map must be a dict {{node name or NIR type: model name}}, got "
                         f"{type(model_map).__name__}")
    by_type = [(k, v) for k, v in model_map.items() if k not in neurons]
    by_name = [(k, v) for k, v in model_map.items() if k in neurons]
    mapped: dict[str, NeuronModel] = {}
    for key, name in by_type + by_name:  # a node's own name wins over its type
        if not isinstance(key, str) or not isinstance(name, str):
            raise ModelError(f"model_map: {key!r}: {name!r} must map a node name or NIR type to a model name "
                             "(both strings)")
        targets = [key] if key in neurons else [k for k, kind in neurons.items() if kind == key]
        if not targets:
            raise ModelError(f"model_map: {key!r} is neither a neuron node of the graph nor the type of one "
                             f"(nodes: {', '.join(neurons) or 'none'}; types: "
                             f"{', '.join(sorted(set(neurons.values()))) or 'none'})")
        model = get_model(name)
        if model.nir is None:
            able = ", ".join(m.name for m in registered_models() if m.nir is not None) or "none is registered"
            raise ModelError(f"model_map: model '{name}' declares no NIR reader (NeuronModel.nir), so it cannot read "
                             f"node '{targets[0]}' ({neurons[targets[0]]}); map it to a model that does ({able})")
        for k in targets:
            if neurons[k] not in model.nir.node_types:
                raise ModelError(f"model_map: node '{k}' is a {neurons[k]}, but model '{name}' reads only "
                                 f"{', '.join(model.nir.node_types)} nodes; map it to a model that reads "
                                 f"{neurons[k]} nodes")
            mapped[k] = model
    return mapped


def read_node(model: NeuronModel, node: NirNode) -> tuple[dict, dict]:
    """``(params, init)`` of ``node`` by ``model``'s NIR reader, checked to be two dicts.

    Raises
    ------
    ModelError
        When the reader fails (one line naming the node and the model) or returns something else.
    """
    try:
        result = model.nir.read(node)
    except NeurosimError:
        raise
    except Exception as err:  # the model's (often a plugin's) own code: one line naming it
        raise ModelError(f"node '{node.name}' ({node.type}): the NIR reader of model '{model.name}' failed: "
                         f"{type(err).__name__}: {' '.join(str(err).split())}; fix the model's NirReader.read") \
            from None
    if not (isinstance(result, tuple) and len(result) == 2 and all(isinstance(d, dict) for d in result)):
        raise ModelError(f"node '{node.name}' ({node.type}): the NIR reader of model '{model.name}' returned "
                         f"{type(result).__name__}, not (params, init), two dicts; fix the model's NirReader.read")
    return result
