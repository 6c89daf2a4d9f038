"""Compatibility checks: whether a chip runs a network as written (``[support]`` of ``chips/*.toml``).

A profile may declare what its cores run natively (:mod:`neurosim.chip.schema`, section ``support``;
a field left out is not checked):

* ``neuron_models``: the neurosim models its neurons implement (``any``: programmable cores);
* ``spike_payloads``: what a spike can carry: ``binary``, ``ternary`` (+-theta), ``graded``; a
  population's payload is its model's :meth:`~neurosim.models.registry.NeuronModel.payload_of` its parameters;
* ``weight_structure``: ``per_synapse``, or ``axon_types`` (TrueNorth: each neuron holds
  ``axon_types`` weights, one per type of input axon, so it can see at most that many distinct
  weights; the check counts distinct non-zero weights per neuron, a necessary condition: a type
  is also shared by every neuron of a core reading that axon, which the conversion of
  :func:`neurosim.mapping.quantize.cluster_axon_types` does not enforce);
* ``input_kinds``: what input from the host can carry: ``binary`` spikes or spike ``counts``.

:func:`support_errors` returns one :class:`~neurosim.errors.NotSupportedError` per population,
source or rule broken; the workflows apply the ``compatibility`` policy to them
(:mod:`neurosim.mapping.violations`).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from neurosim.chip.profile import ChipProfile
from neurosim.chip.schema import ANY_MODEL
from neurosim.errors import NotSupportedError
from neurosim.mapping.delays import RELAY_MODELS
from neurosim.net.network import Network, Population, SpikeArray, SpikeTimes


def native(profile: ChipProfile, model: str) -> bool:
    """Whether ``profile`` runs neuron model ``model`` natively (or declares nothing)."""
    models = profile.neuron_models
    return models is None or ANY_MODEL in models or model in models


def relay_model(profile: ChipProfile) -> str:
    """The relay neuron model of :func:`~neurosim.mapping.delays.lower_delays` on ``profile``: the first
    of :data:`~neurosim.mapping.delays.RELAY_MODELS` it runs natively (``if`` where none is)."""
    return next((m for m in RELAY_MODELS if native(profile, m)), "if")


def count_valued(inputs: Mapping[str, npt.ArrayLike]) -> frozenset[str]:
    """The sources among ``inputs`` (``{source: values}``, the inputs handed to a run) with a value other
    than 0 or 1: spike counts or graded values."""
    return frozenset(k for k, v in inputs.items() if not _binary(np.asarray(v)))


def support_errors(network: Network, profile: ChipProfile,
                   counted: frozenset[str] = frozenset()) -> list[NotSupportedError]:
    """Every way ``network`` uses what ``profile`` does not support natively, in network order.

    Parameters
    ----------
    network : Network
        The network as it will be simulated (delays lowered, weights quantised).
    profile : ChipProfile
        Its ``[support]`` declarations; those it leaves out are not checked.
    counted : frozenset of str
        Sources whose inputs, handed to the run rather than held by the network, carry counts.

    Returns
    -------
    list of NotSupportedError
        Each naming the population or source, what it uses, what the chip supports and the fix.
    """
    errors = []
    chip = profile.name
    for name, node in network.nodes.items():
        if isinstance(node, Population):
            errors += _population_errors(name, node, profile)
        elif profile.input_kinds is not None and "counts" not in profile.input_kinds and (
                name in counted or _holds_counts(node)):
            errors.append(NotSupportedError(
                f"source '{name}': inputs carry spike counts (values other than 1), but {chip} takes "
                f"{_list(profile.input_kinds)} input (support.input_kinds); split each count over several binary "
                f"input neurons, or binarise the input", check="input_kinds", used="counts",
                supported=_list(profile.input_kinds)))
    if profile.weight_structure == "axon_types":
        errors += _axon_type_errors(network, profile)
    return errors


def _population_errors(name: str, pop: Population, profile: ChipProfile) -> list[NotSupportedError]:
    chip, model = profile.name, pop.model
    errors = []
    if not native(profile, model.name):
        supported = _list(profile.neuron_models or ())
        errors.append(NotSupportedError(
            f"population '{name}': neuron model '{model.name}' is not native on {chip} (support.neuron_models: "
            f"{supported}); rebuild it with {supported}, or map it as written with compatibility='warn', the "
            f"report marked", check="neuron_models",
            used=model.name, supported=supported))
    payloads = profile.spike_payloads
    sent = model.payload_of(pop.params) if model.spiking else None
    if payloads is not None and sent is not None and sent not in payloads:
        errors.append(NotSupportedError(
            f"population '{name}': model '{model.name}' sends {sent} spikes, but {chip}'s spikes are "
            f"{_list(payloads)} (support.spike_payloads); use a model with {_list(payloads)} spikes",
            check="spike_payloads", used=sent, supported=_list(payloads)))
    return errors


def _axon_type_errors(network: Network, profile: ChipProfile) -> list[NotSupportedError]:
    """One error per population with a neuron seeing more distinct non-zero weights than ``axon_types``."""
    types = int(profile.axon_types)
    errors = []
    for name, distinct in distinct_weights(network).items():
        if distinct.max(initial=0) <= types:
            continue
        worst = int(np.argmax(distinct))
        over = int(np.count_nonzero(distinct > types))
        errors.append(NotSupportedError(
            f"population '{name}': {over} neuron(s) see more than {types} distinct weights (neuron {worst} sees "
            f"{int(distinct[worst])}), but a {profile.name} neuron holds {types}, one per axon type "
            f"(support.weight_structure = axon_types); quantize=True (--quantize) clusters each neuron's weights "
            f"into {types} values and reports the error", check="weight_structure",
            used=f"{int(distinct[worst])} weights per neuron", supported=f"{types} axon types"))
    return errors


def distinct_weights(network: Network) -> dict[str, np.ndarray]:
    """``{population: distinct non-zero weights of each neuron over all its inputs}`` for every
    population receiving synapses."""
    posts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for proj in network.projections.values():
        keep = proj.weight != 0
        posts.setdefault(proj.post, []).append((proj.post_idx[keep].astype(np.int64), proj.weight[keep]))
    out = {}
    for name, parts in posts.items():
        post = np.concatenate([p for p, _ in parts])
        weight = np.concatenate([w for _, w in parts]).astype(np.float64)
        pairs = np.unique(np.stack([post.astype(np.float64), weight]), axis=1)
        out[name] = np.bincount(pairs[0].astype(np.int64), minlength=network.nodes[name].size)
    return out


def _holds_counts(node: object) -> bool:
    if isinstance(node, SpikeTimes):
        return not _binary(node.values)
    if isinstance(node, SpikeArray):
        return not _binary(node.data)
    return False


def _binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0) | (values == 1)))


def _list(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else "nothing declared"
