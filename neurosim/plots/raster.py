"""Spike raster: one dot per spike, a colour per population."""
from __future__ import annotations

from typing import Iterable

import numpy as np
from matplotlib.axes import Axes

from neurosim.errors import PlotError
from neurosim.plots._common import new_axes


def plot_raster(data, ax: Axes | None = None, *, populations: Iterable[str] | None = None, seconds: bool = False,
                markersize: float = 2.0) -> Axes:
    """Spike raster of a :class:`~neurosim.trace.Trace` or a :class:`~neurosim.engine.SimResult` (with spikes).

    Parameters
    ----------
    populations : names to draw (default: all, spike sources included), bottom to top in id order.
    seconds : time axis in seconds (needs the trace's ``tick_s``) instead of ticks.

    Returns
    -------
    Axes
        x: tick (or time in s), y: global neuron id; one legend entry per population.
    """
    ax = new_axes(ax)
    ticks, ids, pops, tick_s = _spikes(data)
    if seconds and tick_s is None:
        raise PlotError("plot_raster(seconds=True): the profile publishes no tick_s; plot in ticks")
    wanted = None if populations is None else set(populations)
    scale = tick_s if seconds else 1
    for k, (name, start, stop) in enumerate(pops):
        if wanted is not None and name not in wanted:
            continue
        mask = (ids >= start) & (ids < stop)
        ax.plot(ticks[mask] * scale, ids[mask], ls="none", marker="|" if markersize > 3 else ".", ms=markersize,
                color=f"C{k % 10}", label=f"{name} ({int(mask.sum())} spikes)")
        ax.axhline(stop - 0.5, color="0.85", lw=0.5)
    ax.set_xlabel("time (s)" if seconds else "tick")
    ax.set_ylabel("neuron (global id)")
    ax.set_title("spike raster")
    ax.legend(loc="upper right", fontsize="small", markerscale=3)
    return ax


def _spikes(data):
    """(ticks, ids, [(name, start, stop)], tick_s) of a Trace or a SimResult."""
    if hasattr(data, "populations") and hasattr(data, "spikes") and isinstance(data.spikes, dict):
        pops = [(p["name"], p["start"], p["stop"]) for p in data.populations]
        return data.spikes["tick"], data.spikes["neuron"], pops, data.tick_s
    c = data.compiled
    if data.counters.spikes != len(data.spike_ids):
        raise PlotError("plot_raster: the run did not record its spikes; simulate(record_spikes=True) or a trace")
    pops = [(n, int(c.pop_offset[k]), int(c.pop_offset[k + 1])) for k, n in enumerate(c.names)]
    return np.asarray(data.spike_ticks), np.asarray(data.spike_ids), pops, None
