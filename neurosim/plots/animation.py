"""Mesh traffic over time: one heat-map frame per window of ticks, written as a GIF or an MP4."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, MovieWriter, PillowWriter, writers
from matplotlib.figure import Figure

from neurosim._checks import positive_int
from neurosim.errors import PlotError
from neurosim.plots._common import integer_ticks

ANIMATION_METRICS = ("packets", "spikes")
_UNITS = {"packets": "packets received", "spikes": "spikes emitted"}


def traffic_frames(trace, window: int = 10, metric: str = "packets") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frames (F, C), core ids (C,), first tick of each frame (F,)) of a :class:`~neurosim.trace.Trace`.

    Frame ``f`` sums ticks ``[f * window, (f + 1) * window)`` per used core: ``packets`` counts the
    packet rows by destination core, ``spikes`` the spikes of each core's neurons (spike sources,
    on no core, are left out). ``F = ceil(ticks / window)``.
    """
    positive_int(window, "animation window (ticks)", PlotError)
    if metric not in ANIMATION_METRICS:
        raise PlotError(f"animation metric '{metric}' is not one of {', '.join(ANIMATION_METRICS)}")
    nc = trace.neuron_core
    ids = trace.core_ids if trace.core_ids is not None else np.unique(nc[nc >= 0])
    if metric == "packets":
        ticks, core = trace.packets["tick"], np.asarray(trace.packets["dst_core"], dtype=np.int64)
    else:
        ticks, core = trace.spikes["tick"], nc[trace.spikes["neuron"]]
    keep = core >= 0
    n_frames = -(-trace.ticks // window)
    cell = ticks[keep] // window * ids.size + np.searchsorted(ids, core[keep])
    frames = np.bincount(cell, minlength=n_frames * ids.size).reshape(n_frames, ids.size)
    return frames, ids, np.arange(n_frames) * window


def traffic_animation(trace, window: int = 10, metric: str = "packets", cmap: str = "inferno") -> FuncAnimation:
    """A ``FuncAnimation`` of per-router ``metric`` (the cores of a tile summed), one frame per window.

    The colour scale is fixed over the run (0 to the busiest router of any frame), so frames compare.
    The figure is ``animation._fig``; save with :func:`save_animation`.
    """
    frames, ids, starts = traffic_frames(trace, window, metric)
    width, height = (int(g) for g in trace.grid_shape)
    xy = trace.core_xy[ids]
    grids = np.zeros((frames.shape[0], height, width))
    for k in range(ids.size):
        grids[:, xy[k, 1], xy[k, 0]] += frames[:, k]
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(grids[0] if grids.size else np.zeros((height, width)), origin="lower", cmap=cmap,
                      vmin=0, vmax=max(float(grids.max(initial=0)), 1.0), interpolation="nearest",
                      extent=(-0.5, width - 0.5, -0.5, height - 0.5))
    fig.colorbar(image, ax=ax, label=f"{_UNITS[metric]} per {window} ticks")
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")
    integer_ticks(ax, width, height)
    if width * height > 64 and xy.size:  # show the part of a large mesh in use, as plot_mesh does
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        ax.set_xlim(max(lo[0] - 1.5, -0.5), min(hi[0] + 1.5, width - 0.5))
        ax.set_ylim(max(lo[1] - 1.5, -0.5), min(hi[1] + 1.5, height - 0.5))

    def draw(f: int):
        image.set_data(grids[f])
        end = min(starts[f] + window, trace.ticks)
        ax.set_title(f"{_UNITS[metric]}, ticks {starts[f]}-{end - 1} ({trace.network} on {trace.profile})")
        return (image,)

    draw(0)
    return FuncAnimation(fig, draw, frames=frames.shape[0], blit=False)


def save_animation(animation: FuncAnimation, out: str | os.PathLike, fps: int = 5, dpi: int = 80) -> Path:
    """Write ``animation`` to ``out``: ``.gif`` with Pillow, ``.mp4`` with ffmpeg (when installed)."""
    out = Path(out)
    animation.save(out, writer=animation_writer(out, fps), dpi=dpi)
    return out


def write_traffic_animation(trace, out: str | os.PathLike, *, window: int = 10, metric: str = "packets",
                            fps: int = 5, dpi: int = 80) -> Path:
    """:func:`traffic_animation` of ``trace`` saved to ``out`` (the format checked before any drawing)."""
    out = Path(out)
    writer = animation_writer(out, fps)
    traffic_animation(trace, window, metric).save(out, writer=writer, dpi=dpi)
    return out


def animation_writer(out: Path, fps: int) -> MovieWriter:
    """The writer of ``out``'s format: Pillow for ``.gif``, ffmpeg for ``.mp4``."""
    suffix = out.suffix.lower()
    if suffix == ".gif":
        return PillowWriter(fps=fps)
    if suffix == ".mp4":
        if not writers.is_available("ffmpeg"):
            raise PlotError(f"{out}: writing .mp4 needs ffmpeg, which is not installed; install ffmpeg or write a "
                            ".gif")
        return writers["ffmpeg"](fps=fps)
    raise PlotError(f"{out}: an animation is written as .gif or .mp4, not '{out.suffix}'")
