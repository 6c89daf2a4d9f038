"""Raise synaptic delays to a chip's minimum, and report the pipeline latency that costs.

Feed-forward models trained in snnTorch or SpikingJelly pass a spike through every layer within
one tick (delay 0, ``docs/semantics.md``). Chips such as TrueNorth cannot deliver within the tick
(``delay_min_ticks = 1``): each zero-delay layer then takes one tick more, so layer *k* of a
feed-forward chain sees its input, and spikes, *k* ticks later than in the model.

:func:`raise_delays` makes that change explicit: it returns a copy of the network in which every
delay below ``min_delay`` is ``min_delay``, and a :class:`DelayShift` that says, per population,
how many ticks later its input now arrives (its *added latency*). The latency of a population is
the longest sum of added delays along a path from a spike source (sources, and populations
reached by no raised synapse, have latency 0); untouched projections add nothing but pass their
presynaptic population's latency on:

    latency[post] = max over projections pre -> post of latency[pre] + added(pre -> post)

where ``added`` is ``min_delay`` minus the projection's smallest raised delay (0 if none raised).
On a chain of zero-delay layers this is the layer's depth: layer *k* gets +k.

For a feed-forward chain of populations that start at rest with no bias current, the raised
network's spikes are exactly the original's, each population's shifted by its latency (spikes
pushed beyond the end of the run are lost: run ``max_latency`` ticks longer to keep them all).
That holds whenever every projection agrees with the shift (``DelayShift.exact``): for each
synapse ``latency[pre] + new delay == latency[post] + old delay``. Skip connections that bypass a
layer (input -> layer 2 beside input -> layer 1 -> layer 2) break it: the short path arrives
earlier than the long one, relative to the original, and ``exact`` is False
(``DelayShift.inexact`` names the projections).

:func:`lower_delays` is the lowering that preserves the computation on every network. Each node
gets a latency ``l >= 0`` (sources 0), the least solution of ``l[post] >= l[pre] + min_delay -
d_min(pre -> post)`` over every projection (``d_min``: the projection's smallest delay), and every
synapse of a projection is re-timed by the same amount::

    new delay = old delay + l[post] - l[pre]        (>= old delay - d_min + min_delay >= min_delay)

The shift of a projection is negative where its delays are long enough to give back latency its
presynaptic node gained (never below ``min_delay``). A cycle whose delays are too short for
``min_delay`` per hop (a recurrent delay 0) has no solution and is refused.

so ``l[pre] + new delay == l[post] + old delay`` holds for every synapse by construction: each
population's spikes are the original's shifted by ``l`` (``DelayShift.exact`` is always True), skip
connections and per-synapse delays included. A delay above the chip's ``max_delay`` (TrueNorth 15,
or one the shift made longer) is carried by a chain of **relay neurons**: a relay fires exactly
when its one input spike arrives (weight 1, threshold below 1, reset to 0, no leak, no bias), so
a chain of ``m`` relays with hops of ``max_delay`` ticks and a last hop of ``D - m * max_delay``
delivers the spike ``D`` ticks later, as the one long synapse did. The relays of one presynaptic
node are shared by all its long synapses (relay ``m`` of a neuron serves every synapse needing at
least ``m`` relays); they are real populations of the lowered network, so their neurons, updates,
spikes, packets and energy are counted as chip work. Relays copy binary spikes only: a node that
sends spike values other than 1 (a graded or signed model, a source of counts) cannot be relayed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np

from neurosim._checks import non_negative_int
from neurosim.errors import ModelError
from neurosim.net.network import Network, Node, Population, SpikeArray, SpikeTimes, narrowest_delay_type

LOWERINGS = ("shift", "minimum")
"""How ``raise_delays`` lowers delays onto a chip: :func:`lower_delays` (every delay of a projection
shifted alike, relays above the maximum) or :func:`raise_delays` (delays below the minimum raised to it)."""

RELAY_MODELS: dict[str, dict[str, float]] = {
    "if": {"v_th": 0.5, "v_reset": 0.0, "reset": 0},
    "truenorth": {"alpha": 1, "v_reset": 0, "gamma": 0},
    "loihi_cuba": {"du": 4095, "dv": 4095, "vth": 0},
}
"""Relay neurons, by model: parameters with which one input spike of weight 1 makes the neuron fire in
that tick and return to 0 (``if``: 1 > 0.5; ``truenorth``: V = 1 >= alpha; ``loihi_cuba``: v = 64 > 0)."""


@dataclass(frozen=True)
class DelayShift:
    """What :func:`raise_delays` changed.

    ``latency`` maps every population and source to the ticks its input now arrives later than in
    the original network (sources: 0); ``raised`` maps each changed projection to the number of
    synapses whose delay was raised; ``inexact`` lists the projections whose synapses do not all
    agree with the shift (``raise_delays``), or the shifted populations with a bias or a state
    not at rest, which change before their first input arrives (``lower_delays``); empty: the
    lowered network's spikes are the original's shifted exactly.
    """

    min_delay: int
    latency: dict[str, int]
    raised: dict[str, int] = field(default_factory=dict)
    inexact: tuple[str, ...] = ()
    method: str = "minimum"  # "minimum": raise_delays; "shift": lower_delays
    max_delay: int | None = None  # the range lower_delays kept every delay within (None: unbounded)
    relays: dict[str, int] = field(default_factory=dict)  # relay population -> its neurons (lower_delays)

    @property
    def max_latency(self) -> int:
        """The largest added latency: extra ticks a run needs to see every shifted spike."""
        return max(self.latency.values(), default=0)

    @property
    def exact(self) -> bool:
        """Whether every population's spikes are the original's shifted by its latency."""
        return not self.inexact

    @property
    def changed(self) -> bool:
        """Whether any delay was changed or relayed."""
        return bool(self.raised) or bool(self.relays)

    @property
    def relay_neurons(self) -> int:
        """Relay neurons added (:func:`lower_delays`)."""
        return sum(self.relays.values())

    def to_text(self) -> str:
        """One line per population with added latency (or a line saying nothing changed)."""
        span = f"{self.min_delay}..{self.max_delay}" if self.max_delay is not None else f">= {self.min_delay}"
        if not self.changed:
            return f"delays: all {span} tick(s), no latency added"
        n = sum(self.raised.values())
        if self.method == "shift":
            head = (f"delays: lowered onto {span} tick(s) by a uniform shift per projection ({n} synapse(s) in "
                    f"{len(self.raised)} projection(s) re-timed"
                    + (f", {self.relay_neurons} relay neuron(s) in {len(self.relays)} population(s) carry delays "
                       f"above {self.max_delay}" if self.relays else "") + "); the spikes are the model's, shifted"
                    + ("" if self.exact else " (except where noted)") + "; ")
        else:
            head = f"delays: raised {n} synapse(s) in {len(self.raised)} projection(s) to {self.min_delay} tick(s); "
        lines = [head + "added latency per population (ticks later than the model):"]
        for name, lat in self.latency.items():
            if name not in self.relays:
                lines.append(f"  {name:<20} +{lat}")
        if self.inexact and self.method == "shift":
            lines.append("  not an exact shift: populations " + ", ".join(self.inexact) + " have a bias or start "
                         "away from rest, and run their added ticks on their own before their first input")
        elif self.inexact:
            lines.append("  not an exact shift: projections " + ", ".join(self.inexact)
                         + " join paths of different added latency")
        return "\n".join(lines)


def raise_delays(network: Network, min_delay: int) -> tuple[Network, DelayShift]:
    """A copy of ``network`` with every synaptic delay below ``min_delay`` raised to it.

    Returns the new network (nodes shared, changed projections replaced; the input is not
    modified) and the :class:`DelayShift` with the added latency per population.

    Raises
    ------
    ModelError
        If ``min_delay`` is not a non-negative integer, or if the raised synapses form a cycle
        (possible only when ``min_delay > 1`` raises recurrent delays): the added latency then
        grows with every turn of the loop and is no fixed shift.
    """
    min_delay = non_negative_int(min_delay, "raise_delays: min_delay")
    out = Network(network.name)
    for node in network.nodes.values():
        out.add(node)
    raised: dict[str, int] = {}
    added_max: dict[str, int] = {}  # projection -> largest added delay of its raised synapses
    for name, proj in network.projections.items():
        low = proj.delay < min_delay
        if not low.any():
            out.projections[name] = proj
            continue
        delay = np.maximum(proj.delay.astype(narrowest_delay_type(max(min_delay, int(proj.delay.max())))), min_delay)
        delay.setflags(write=False)
        out.projections[name] = replace(proj, delay=delay)
        raised[name] = int(np.count_nonzero(low))
        added_max[name] = min_delay - int(proj.delay[low].min())
    latency = _longest_paths(network, added_max, "raise_delays")
    inexact = tuple(name for name, proj in network.projections.items()
                    if proj.n_synapses and not np.all(
                        latency[proj.pre] + out.projections[name].delay.astype(np.int64)
                        == latency[proj.post] + proj.delay.astype(np.int64)))
    return out, DelayShift(min_delay, latency, raised, inexact)


def lower_delays(network: Network, min_delay: int, max_delay: int | None = None, *, relay_model: str = "if",
                 graded_sources: frozenset[str] = frozenset()) -> tuple[Network, DelayShift]:
    """A copy of ``network`` computing the same spikes, shifted in time, with every delay in ``[min_delay, max_delay]``.

    Every synapse of a projection ``pre -> post`` is shifted by ``l[post] - l[pre]`` ticks (the module
    docstring); delays still above ``max_delay`` are carried by relay neurons of ``relay_model``
    (:data:`RELAY_MODELS`), added as populations named ``"<pre>~relay<m>"``, their last hops as
    projections named ``"<projection>~via<m>"``.

    Parameters
    ----------
    network : Network
        The network (not modified).
    min_delay, max_delay : int
        The chip's delay range (``max_delay`` None: unbounded, no relays).
    relay_model : str
        The neuron model of the relays, one of :data:`RELAY_MODELS` (the chip's native one).
    graded_sources : frozenset of str
        Sources whose inputs, handed to the run rather than held by the network, carry values other
        than 1 (they cannot be relayed).

    Returns
    -------
    (Network, DelayShift)
        The lowered network and what changed: ``latency`` per node, ``raised`` (synapses re-timed
        per projection), ``relays`` (neurons per relay population); ``exact`` unless a shifted
        population has a bias or starts away from rest (``inexact`` names it).

    Raises
    ------
    ModelError
        For a bad range or relay model, a cycle whose delays must grow with every turn (a recurrent
        delay below ``min_delay``), or a long delay from a node whose spikes are not binary.
    """
    min_delay = non_negative_int(min_delay, "lower_delays: min_delay")
    if max_delay is not None:
        max_delay = non_negative_int(max_delay, "lower_delays: max_delay")
        if max_delay < max(min_delay, 1):
            raise ModelError(f"lower_delays: max_delay = {max_delay} must be >= max(min_delay, 1) = "
                             f"{max(min_delay, 1)}")
    if relay_model not in RELAY_MODELS:
        raise ModelError(f"lower_delays: relay_model {relay_model!r} is not one of {', '.join(RELAY_MODELS)}")
    slack = {name: min_delay - int(p.delay.min()) for name, p in network.projections.items() if p.n_synapses}
    latency = _longest_paths(network, slack, "lower_delays")
    out = Network(network.name)
    for node in network.nodes.values():
        out.add(node)
    out.host_ops.update(network.host_ops)
    retimed: dict[str, np.ndarray] = {}
    raised: dict[str, int] = {}
    for name, proj in network.projections.items():
        shift = latency[proj.post] - latency[proj.pre]
        delay = proj.delay.astype(np.int64) + shift
        retimed[name] = delay
        if shift and proj.n_synapses:
            raised[name] = proj.n_synapses
    depth = _relay_depths(network, retimed, max_delay)
    relays = _add_relays(out, network, depth, max_delay, relay_model, graded_sources)
    for name, proj in network.projections.items():
        delay = retimed[name]
        short = delay <= max_delay if max_delay is not None else np.ones(delay.size, dtype=bool)
        if short.all() and name not in raised:
            out.projections[name] = proj
            continue
        pre_idx, post_idx, weight = proj.pre_idx, proj.post_idx, proj.weight
        out.connect_synapses(proj.pre, proj.post, pre_idx[short], post_idx[short], weight[short], delay[short],
                             name=name, origin=proj.origin)
        if short.all():
            continue
        steps = -(-delay[~short] // max_delay) - 1  # relays needed: the last hop is 1..max_delay ticks
        for m in np.unique(steps):
            sel = np.flatnonzero(~short)[steps == m]
            members = relays[proj.pre][m - 1]
            if np.any(delay[sel] - m * max_delay < min_delay):
                raise ModelError(f"projection '{name}': a delay of {int(delay[sel].min())} ticks leaves a last relay "
                                 f"hop below the chip's delay_min_ticks = {min_delay}; shorten it to <= {max_delay}")
            out.connect_synapses(f"{proj.pre}~relay{m}", proj.post, np.searchsorted(members, pre_idx[sel]),
                                 post_idx[sel], weight[sel], delay[sel] - m * max_delay, name=f"{name}~via{m}",
                                 origin=proj.origin)
    sizes = {f"{pre}~relay{m + 1}": int(members.size) for pre, chain in relays.items()
             for m, members in enumerate(chain)}
    full = {**latency, **{name: 0 for name in sizes}}
    driven = tuple(name for name, node in network.nodes.items()
                   if latency[name] > 0 and isinstance(node, Population) and _self_driven(node))
    return out, DelayShift(min_delay, full, raised, driven, "shift", max_delay, sizes)


def _self_driven(pop: Population) -> bool:
    """Whether ``pop`` may change state without input: a bias, or an initial state other than the model's
    rest. Such a population runs its added latency's ticks on its own before its first input, so its
    spikes are not exactly the model's shifted."""
    biased = any(name in ("bias", "bias_mant") and np.any(pop.param(name) != 0) for name in pop.model.param_names)
    rest = np.array([s.initial for s in pop.model.state])
    return biased or bool(np.any(pop.init != rest))


def _relay_depths(network: Network, retimed: Mapping[str, np.ndarray], max_delay: int | None) -> dict[str, np.ndarray]:
    """``{pre node: relays needed per neuron}`` (0: none) for the nodes with a delay above ``max_delay``."""
    depth: dict[str, np.ndarray] = {}
    if max_delay is None:
        return depth
    for name, proj in network.projections.items():
        delay = retimed[name]
        long = delay > max_delay
        if not long.any():
            continue
        need = depth.setdefault(proj.pre, np.zeros(network.nodes[proj.pre].size, dtype=np.int64))
        np.maximum.at(need, proj.pre_idx[long], -(-delay[long] // max_delay) - 1)
    return depth


def _add_relays(out: Network, network: Network, depth: Mapping[str, np.ndarray], max_delay: int | None,
                relay_model: str, graded_sources: frozenset[str]) -> dict[str, list[np.ndarray]]:
    """Add each node's relay chain to ``out``; ``{pre node: [members of relay 1, relay 2, ...]}``.

    Relay ``m`` of node ``pre`` holds one neuron per neuron of ``pre`` that needs at least ``m``
    relays (``members``, ascending); relay 1 listens to ``pre``, relay ``m + 1`` to relay ``m``,
    each hop ``max_delay`` ticks.
    """
    chains: dict[str, list[np.ndarray]] = {}
    for pre, need in depth.items():
        _require_binary(network.nodes[pre], graded_sources, max_delay)
        chain: list[np.ndarray] = []
        source = pre
        for m in range(1, int(need.max()) + 1):
            members = np.flatnonzero(need >= m)
            name = f"{pre}~relay{m}"
            out.population(name, int(members.size), relay_model, **RELAY_MODELS[relay_model])
            index = members if m == 1 else np.searchsorted(chain[-1], members)
            out.connect_synapses(source, name, index, np.arange(members.size), 1.0, max_delay)
            chain.append(members)
            source = name
        chains[pre] = chain
    return chains


def _require_binary(node: Node, graded_sources: frozenset[str], max_delay: int | None) -> None:
    """Refuse relays for ``node`` when its spikes carry values other than 1: a relay forwards a plain spike."""
    if isinstance(node, Population):
        kind = node.model.payload_of(node.params)
        binary = kind == "binary"
    else:
        values = node.values if isinstance(node, SpikeTimes) else node.data if isinstance(node, SpikeArray) else None
        binary = node.name not in graded_sources and (values is None or bool(np.all((values == 0) | (values == 1))))
        kind = "binary" if binary else "count-valued"
    if not binary:
        raise ModelError(f"'{node.name}' sends {kind} spikes over delays above the chip's {max_delay} ticks, and a "
                         f"relay neuron forwards only binary spikes; shorten those delays to <= {max_delay}")


def _longest_paths(network: Network, added: dict[str, int], caller: str) -> dict[str, int]:
    """Longest sum of added delay over paths from the nodes, along every projection.

    A projection adds ``added[name]`` (0 if none of its delays was raised): a population fed by a
    shifted one through an untouched delay is shifted as much; a negative ``added`` (a projection with
    slack, :func:`lower_delays`) passes on less. Cycles adding nothing (recurrent delays >= the minimum)
    are harmless; a cycle that adds latency has no finite longest path.
    """
    edges = [(p.pre, p.post, added.get(k, 0)) for k, p in network.projections.items() if p.n_synapses]
    latency = {k: 0 for k in network.nodes}
    for _ in range(len(latency) + 1):
        changed = [post for pre, post, a in edges if latency[pre] + a > latency[post]]
        if not changed:
            return latency
        for pre, post, a in edges:
            latency[post] = max(latency[post], latency[pre] + a)
    loop = sorted({post for pre, post, a in edges if latency[pre] + a > latency[post]})
    raise ModelError(f"{caller}: the raised synapses form a cycle through {', '.join(loop)}; "
                     "the added latency grows with every turn of the loop and is no fixed shift")
