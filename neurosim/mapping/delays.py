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
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from neurosim._checks import non_negative_int
from neurosim.errors import ModelError
from neurosim.net.network import Network, narrowest_delay_type


@dataclass(frozen=True)
class DelayShift:
    """What :func:`raise_delays` changed.

    ``latency`` maps every population and source to the ticks its input now arrives later than in
    the original network (sources: 0); ``raised`` maps each changed projection to the number of
    synapses whose delay was raised; ``inexact`` lists the projections whose synapses do not all
    agree with the shift (empty: the raised network's spikes are the original's shifted exactly).
    """

    min_delay: int
    latency: dict[str, int]
    raised: dict[str, int] = field(default_factory=dict)
    inexact: tuple[str, ...] = ()

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
        """Whether any delay was raised."""
        return bool(self.raised)

    def to_text(self) -> str:
        """One line per population with added latency (or a line saying nothing changed)."""
        if not self.raised:
            return f"delays: all >= {self.min_delay} tick(s), no latency added"
        n = sum(self.raised.values())
        lines = [f"delays: raised {n} synapse(s) in {len(self.raised)} projection(s) to {self.min_delay} tick(s); "
                 f"added latency per population (ticks later than the model):"]
        for name, lat in self.latency.items():
            lines.append(f"  {name:<20} +{lat}")
        if self.inexact:
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
    latency = _longest_paths(network, added_max)
    inexact = tuple(name for name, proj in network.projections.items()
                    if proj.n_synapses and not np.all(
                        latency[proj.pre] + out.projections[name].delay.astype(np.int64)
                        == latency[proj.post] + proj.delay.astype(np.int64)))
    return out, DelayShift(min_delay, latency, raised, inexact)


def _longest_paths(network: Network, added: dict[str, int]) -> dict[str, int]:
    """Longest sum of added delay over paths from the nodes, along every projection.

    A projection adds ``added[name]`` (0 if none of its delays was raised): a population fed by a
    shifted one through an untouched delay is shifted as much. Cycles adding nothing (recurrent
    delays >= the minimum) are harmless; a cycle that adds latency has no finite longest path.
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
    raise ModelError(f"raise_delays: the raised synapses form a cycle through {', '.join(loop)}; "
                     "the added latency grows with every turn of the loop and is no fixed shift")
