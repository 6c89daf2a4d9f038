"""Packets (and, given a report, energy) per tick."""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from neurosim.errors import PlotError
from neurosim.plots._common import new_axes

# Energy class -> the per-tick count that drives it; classes not listed are spread evenly over ticks.
_DRIVER = {"synops": "events", "synops_all_inclusive": "events", "effective_acs": "events",
           "effective_macs": "events", "neuron_updates_active": "updates", "spikes": "spikes",
           "packets": "packets", "hops_x": "hops", "hops_y": "hops"}


def energy_per_tick(trace, report) -> np.ndarray:
    """(ticks,) energy in J: each class of ``report`` shared over ticks in proportion to its count.

    Synaptic classes follow ``tick_events``, active updates ``tick_updates``, spikes ``tick_spikes``,
    packets and hops the trace's packet rows; idle updates, crossings and static power are spread
    evenly. The sum equals the report's total when both describe the same run.
    """
    per_tick = {"events": trace.tick_events, "updates": trace.tick_updates, "spikes": trace.tick_spikes,
                "packets": trace.tick_packets, "hops": trace.tick_hops}
    out = np.zeros(trace.ticks)
    for name, joules in zip(report.energy.classes, report.energy.energy_J):
        counts = np.asarray(per_tick.get(_DRIVER.get(name, ""), np.ones(trace.ticks)), dtype=float)
        share = counts / counts.sum() if counts.sum() > 0 else np.full(trace.ticks, 1.0 / max(trace.ticks, 1))
        out += joules * share
    return out


def plot_timeline(trace, ax: Axes | None = None, *, report=None, seconds: bool = False) -> Axes:
    """Packets and router hops per tick of a :class:`~neurosim.trace.Trace`; with ``report``, energy
    per tick (:func:`energy_per_tick`) on a twin y axis. Returns the packets Axes (the twin shares
    its figure and x axis)."""
    ax = new_axes(ax, (8, 3.5))
    if seconds and trace.tick_s is None:
        raise PlotError("plot_timeline(seconds=True): the trace has no tick_s; plot in ticks")
    t = np.arange(trace.ticks) * (trace.tick_s if seconds else 1)
    ax.step(t, trace.tick_packets, where="post", color="C0", label="packets")
    ax.step(t, trace.tick_hops, where="post", color="C1", alpha=0.7, label="router hops")
    ax.set_xlabel("time (s)" if seconds else "tick")
    ax.set_ylabel("per tick")
    ax.set_title(f"traffic per tick ({trace.network} on {trace.profile})")
    handles, labels = ax.get_legend_handles_labels()
    if report is not None:
        twin = ax.twinx()
        twin.step(t, energy_per_tick(trace, report), where="post", color="C3", label="energy")
        twin.set_ylabel("energy per tick (J)")
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper left", fontsize="small")
    return ax
