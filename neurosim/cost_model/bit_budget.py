"""Bit budget of a network on a chip: the compute bit budget of Shen et al. and the storage bits.

**Compute bit budget** (definition *recalled*, NOT verified against the paper's text)::

    per projection l:   bits per connection = b_w * b_s,l * T
                        budget_l            = b_w * b_s,l * T * synapses_l
                        dense budget_l      = b_w * b_s,l * T * pre_l.size * post_l.size
    total               = sum over projections

with ``b_w`` the chip's weight bits, ``b_s,l`` the bits of one spike of the projection's source and
``T`` the time steps of one inference sample. This is meant to be the "Bit Budget" of G. Shen, D.
Zhao, T. Li, J. Li, Y. Zeng, "Are Conventional SNNs Really Efficient? A Perspective from Network
Quantization", CVPR 2024 (arXiv:2311.10802). What could be read of the paper from this project is its
abstract (arXiv, ar5iv and CVPR listings): the Bit Budget allocates "computational and storage
resources between weights, activation values, and temporal steps", and the time steps of an SNN play
the part of an activation's bit-width, which is this product of weight bits, spike bits and steps.
Its section defining the Bit Budget, its equation and its worked examples could NOT be read, so the
formula stays marked unverified and the examples below are the recalled ones: 32-bit weights, binary
spikes, T = 4 give 128 bits per connection; 2-bit weights, 2-bit spikes, T = 1 give 4.

**Spike bits per layer** (``b_s,l``, :func:`spike_bits`), from the spike values the source sent:

* binary spikes (values 1): 1 bit;
* ternary spikes (values in {-1, +1}, or a signed-ternary model such as ``st_bif``, whose spikes are
  ``+-theta`` of the population, a scale the weights absorb): 2 bits (three levels);
* multi-bit spikes (integer values, e.g. spike counts 0..m): ``ceil(log2(m + 1))`` bits, one more
  when negative values occur;
* graded values (anything else): the chip's ``spike_payload_bits``, else 32.

Without the run's spike values, a signed-ternary population counts 2 bits, a source that sent only
values in {-1, 0, 1} 1 bit, any other the payload bits.

**Packet payload** (:func:`payload_bits`): a spike packet exists only for a non-zero spike, so what it
must carry besides its address is the value's bits beyond "a spike": none for a binary spike, the
sign (1 bit) for a ternary one, ``b_s`` for a multi-bit or graded one. ``packet_payload_bits`` is that
times the packets each source sent, over the run; a layer whose payload exceeds the chip's
``spike_payload_bits`` (0 on a binary-spike chip) is listed. No chip profile prices a bit or a flit
(``chip/schema.py`` has per-packet and per-hop costs only), so the network energy and latency stay
per packet whatever the payload.

**Storage bits**: what the chip holds for the network::

    weights  = synapses * b_w
    states   = model neurons * state_bits
    delays   = synapses * ceil(log2(delay_max_ticks + 1))     (the delay field of each synapse)
    footprint_bytes = ceil((weights + states + delays) / 8)

A precision the profile does not give falls back to the caller's ``fallbacks``, else to a default
that is marked estimated: 32-bit weights (the network's float32), a 32-bit state, 32-bit graded
spike values, and a delay field wide enough for the network's largest delay.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurosim._checks import plain
from neurosim.chip.profile import ProfileValue
from neurosim.net.network import Network, Population

from neurosim.cost_model.energy import CostValues
from neurosim.cost_model.synops import Tally

DEFINITION = (
    "bit budget = sum over projections of b_w x b_s x T x connections (weight bits x spike bits x time steps "
    "per sample, over the synapses, or over all pre x post pairs for the dense figure; b_s per layer: 1 binary, "
    "2 ternary, ceil(log2(m + 1)) for integer spikes up to m, the payload for graded values), as recalled from Shen "
    "et al., CVPR 2024, arXiv:2311.10802; the formula is NOT verified against the paper's text (only its abstract "
    "could be read)")
"""The definition implemented, with its caveat; printed in every report."""

_FLOAT_BITS = 32  # float32: how the network stores weights, and the width of a graded spike value


@dataclass(frozen=True)
class LayerBits:
    """Bit budget of one projection.

    Attributes
    ----------
    projection, pre, post : str
    weight_bits, spike_bits, time_steps : int
    spike_kind : str
        What the source's spikes are: ``"binary"``, ``"ternary"``, ``"multi-bit"`` or ``"graded"``.
        ``b_w``, ``b_s`` and ``T`` (time steps per sample).
    payload_bits : int
        Bits one packet of the source carries (:func:`payload_bits`).
    synapses, dense_connections : int
        Synapses of the projection, and ``pre.size * post.size``.
    """

    projection: str
    pre: str
    post: str
    weight_bits: int
    spike_bits: int
    time_steps: int
    synapses: int
    dense_connections: int
    spike_kind: str = "binary"
    payload_bits: int = 0

    @property
    def bits_per_connection(self) -> int:
        """``b_w * b_s * T``."""
        return self.weight_bits * self.spike_bits * self.time_steps

    @property
    def budget_bits(self) -> int:
        return self.bits_per_connection * self.synapses

    @property
    def dense_budget_bits(self) -> int:
        return self.bits_per_connection * self.dense_connections

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "bits_per_connection": self.bits_per_connection,
                "budget_bits": self.budget_bits, "dense_budget_bits": self.dense_budget_bits}


@dataclass(frozen=True)
class BitBudget:
    """Compute bit budget per projection, and storage bits, of one network on one chip.

    Attributes
    ----------
    definition : str
        :data:`DEFINITION`.
    layers : tuple of LayerBits
    weight_bits, state_bits, delay_bits : int
        Widths used for storage: weight, neuron state, and delay field per synapse.
    synapses, neurons : int
        Synapses, and neurons of model populations.
    values : tuple of ProfileValue
        The widths' sources; defaults have status ``"fallback"`` (estimated).
    packet_payload_bits : int
        Payload bits of every packet sent in the run: per source, packets x its payload bits.
    payload_capacity_bits : int or None
        The chip's ``spike_payload_bits`` (``None``: the profile does not say).
    """

    definition: str
    layers: tuple[LayerBits, ...]
    weight_bits: int
    state_bits: int
    delay_bits: int
    synapses: int
    neurons: int
    values: tuple[ProfileValue, ...] = ()
    packet_payload_bits: int = 0
    payload_capacity_bits: int | None = None

    @property
    def over_capacity(self) -> tuple[str, ...]:
        """Projections whose source's payload does not fit the chip's ``spike_payload_bits``."""
        if self.payload_capacity_bits is None:
            return ()
        return tuple(layer.projection for layer in self.layers if layer.payload_bits > self.payload_capacity_bits)

    @property
    def total_bits(self) -> int:
        return sum(layer.budget_bits for layer in self.layers)

    @property
    def dense_total_bits(self) -> int:
        return sum(layer.dense_budget_bits for layer in self.layers)

    @property
    def weight_storage_bits(self) -> int:
        return self.synapses * self.weight_bits

    @property
    def state_storage_bits(self) -> int:
        return self.neurons * self.state_bits

    @property
    def delay_storage_bits(self) -> int:
        return self.synapses * self.delay_bits

    @property
    def storage_bits(self) -> int:
        return self.weight_storage_bits + self.state_storage_bits + self.delay_storage_bits

    @property
    def footprint_bytes(self) -> int:
        return -(-self.storage_bits // 8)

    @property
    def estimated(self) -> bool:
        return any(v.estimated for v in self.values)

    def to_text_lines(self) -> list[str]:
        """The bit-budget table of :meth:`Report.to_text`."""
        lines = [f"Bit budget{' (estimated)' if self.estimated else ''}: {self.definition}",
                 f"  {'projection':<20}{'b_w':>5}{'b_s':>5}{'spikes':>10}{'T':>7}{'synapses':>10}{'bits/conn':>11}{'budget':>14}"
                 f"{'dense':>14}"]
        for layer in self.layers:
            lines.append(f"  {layer.projection:<20}{layer.weight_bits:>5}{layer.spike_bits:>5}{layer.spike_kind:>10}"
                         f"{layer.time_steps:>7}"
                         f"{layer.synapses:>10}{layer.bits_per_connection:>11}{layer.budget_bits:>14}"
                         f"{layer.dense_budget_bits:>14}")
        return lines + [f"  {'total':<68}{self.total_bits:>14}{self.dense_total_bits:>14}",
                        f"  storage: weights {self.weight_storage_bits} + states {self.state_storage_bits} + delays "
                        f"{self.delay_storage_bits} = {self.storage_bits} bits ({self.footprint_bytes} bytes; widths "
                        f"{self.weight_bits}/{self.state_bits}/{self.delay_bits} bits)",
                        f"  packet payload: {self.packet_payload_bits} bits in the run (per packet: "
                        + ", ".join(f"{layer.pre} {layer.payload_bits}" for layer in _by_source(self.layers))
                        + f"); chip payload {_capacity(self.payload_capacity_bits)}"
                        + (f"; exceeded by {', '.join(self.over_capacity)}" if self.over_capacity else "")
                        + "; NoC costs are per packet, not per bit"]

    def to_dict(self) -> dict[str, Any]:
        derived = ("total_bits", "dense_total_bits", "weight_storage_bits", "state_storage_bits",
                   "delay_storage_bits", "storage_bits", "footprint_bytes", "estimated")
        out = {name: plain(getattr(self, name)) for name in self.__dataclass_fields__}
        out["layers"] = [layer.to_dict() for layer in self.layers]
        return {**out, **{name: getattr(self, name) for name in derived}, "over_capacity": list(self.over_capacity)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BitBudget:
        defaults = {"packet_payload_bits": 0, "payload_capacity_bits": None}  # absent from older reports
        d = {k: data[k] if k in data or k not in defaults else defaults[k] for k in cls.__dataclass_fields__}
        keys = LayerBits.__dataclass_fields__
        d["layers"] = tuple(LayerBits(**{k: layer[k] for k in keys if k in layer}) for layer in d["layers"])
        d["values"] = tuple(ProfileValue(**v) for v in d["values"])
        return cls(**d)


def bit_budget(network: Network, t: Tally, values: CostValues, time_steps: int,
               spike_values: Mapping[str, np.ndarray] | None = None) -> BitBudget:
    """Bit budget of ``network`` at the precisions of ``values.profile``.

    Parameters
    ----------
    network : Network
        The network simulated.
    t : Tally
        Which populations sent graded spikes (``pop_graded``), and the neuron count.
    values : CostValues
    time_steps : int
        ``T``: ticks per inference sample.
    spike_values : mapping, optional
        ``{source: non-zero spike values it sent}`` for :func:`spike_bits`; without it, a source
        of values in {-1, 0, 1} counts 1 bit per spike, any other the payload bits.
    """
    used: dict[str, ProfileValue] = {}
    w = _width(values, used, "weight_bits", _FLOAT_BITS, "float32 weights, as the network stores them")
    s = _width(values, used, "state_bits", _FLOAT_BITS, "a 32-bit neuron state")
    projections = list(network.projections.values())
    synapses = sum(p.n_synapses for p in projections)
    largest = max((int(p.delay.max()) for p in projections if p.n_synapses), default=0)
    d = _width(values, used, "delay_max_ticks", largest, "a delay field that holds the network's largest delay")
    index = {name: k for k, name in enumerate(t.names)}
    layers = []
    for proj in projections:
        pre = network.nodes[proj.pre]
        sent = spike_values.get(proj.pre) if spike_values is not None else None
        ternary_model = isinstance(pre, Population) and pre.model.payload == "ternary"
        if sent is not None:
            kind, bits = spike_bits(sent, ternary_model)
        elif ternary_model:
            kind, bits = "ternary", 2
        else:
            kind, bits = ("graded", None) if t.pop_graded[index[proj.pre]] else ("binary", 1)
        b_s = _graded_bits(values, used) if bits is None else bits
        layers.append(LayerBits(proj.name, proj.pre, proj.post, w, b_s, time_steps, proj.n_synapses,
                                pre.size * network.nodes[proj.post].size, kind, payload_bits(kind, b_s)))
    packets = t.pop_net[0] if t.pop_net.size else np.zeros(len(t.names))
    sent_bits = sum(int(round(packets[index[layer.pre]])) * layer.payload_bits for layer in _by_source(layers))
    return BitBudget(DEFINITION, tuple(layers), w, s, math.ceil(math.log2(d + 1)), synapses, t.model_neurons,
                     tuple(used.values()), sent_bits, values.profile.spike_payload_bits)


def payload_bits(kind: str, spike_bits: int) -> int:
    """Bits one packet carries for a non-zero spike of ``kind`` (module docstring, "Packet payload").

    Parameters
    ----------
    kind : str
        ``"binary"`` (0 bits: the packet is the spike), ``"ternary"`` (1: the sign), ``"multi-bit"`` or
        ``"graded"`` (``spike_bits``).
    spike_bits : int
        ``b_s`` of the source.
    """
    return {"binary": 0, "ternary": 1}.get(kind, spike_bits)


def _by_source(layers) -> list[LayerBits]:
    """The first layer of every source, in order: a packet carries a spike once, whatever its fan-out."""
    seen: dict[str, LayerBits] = {}
    for layer in layers:
        seen.setdefault(layer.pre, layer)
    return list(seen.values())


def _capacity(bits: int | None) -> str:
    if bits is None:
        return "not published"
    return "0 bits (binary spikes only)" if bits == 0 else f"up to {bits} bits"


def spike_bits(sent: np.ndarray, ternary_model: bool = False) -> tuple[str, int | None]:
    """What one spike of a source is and its bits, from the non-zero values ``sent``.

    Parameters
    ----------
    sent : ndarray
        Every non-zero spike value the source sent (zeros are ignored).
    ternary_model : bool
        The source is a signed-ternary population (model payload ``"ternary"``): its ``+-theta`` count as
        ternary.

    Returns
    -------
    (kind, bits) : (str, int or None)
        ``("binary", 1)``, ``("ternary", 2)``, ``("multi-bit", ceil(log2(m + 1)) [+ 1 if signed])``
        or ``("graded", None)`` (the caller takes the payload bits).
    """
    v = np.asarray(sent, dtype=np.float64)
    v = v[v != 0]
    if ternary_model:
        return "ternary", 2
    if v.size == 0 or np.all(v == 1):
        return "binary", 1
    if np.all(np.abs(v) == 1):
        return "ternary", 2
    if np.all(v == np.round(v)):
        magnitude = math.ceil(math.log2(float(np.abs(v).max()) + 1))
        return "multi-bit", magnitude + (1 if np.any(v < 0) else 0)
    return "graded", None


def _graded_bits(values: CostValues, used: dict[str, ProfileValue]) -> int:
    """Bits of one graded spike value: the chip's payload, else 32 (a binary-spike chip carries none)."""
    if values.profile.spike_payload_bits == 0 and "spike_payload_bits" not in used:
        why = f"default: 32-bit graded values, which chip profile '{values.profile.name}' cannot carry (binary spikes)"
        used["spike_payload_bits"] = ProfileValue("spike_payload_bits", _FLOAT_BITS, why, "fallback")
    return _width(values, used, "spike_payload_bits", _FLOAT_BITS, "32-bit graded spike values")


def _width(values: CostValues, used: dict[str, ProfileValue], key: str, default: int, why: str) -> int:
    """A precision from the profile or the fallbacks, else ``default`` recorded as an estimate."""
    if key not in used:
        if getattr(values.profile, key) is not None or key in values.fallbacks:
            used[key] = values.get(key, "the bit budget")
        else:
            used[key] = ProfileValue(key, default, f"default: {why} (chip profile '{values.profile.name}' gives "
                                                   f"no {key})", "fallback")
    return int(used[key].value)
