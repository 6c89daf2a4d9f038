"""How many ticks the next chunk may run so that the recorded spikes stay within the memory limit.

The kernel records every spike of a run (tick, neuron, value: :data:`SPIKE_BYTES` bytes) in buffers
that it grows as they fill (``capacity -> 2 capacity + 16``, :func:`grown`), so their size follows
the activity, which no estimate made before the run can know. Before each chunk the engine asks
:func:`spike_room` for the ticks the chunk may run if, in the worst case, every neuron spikes every
tick (a neuron spikes at most once per tick: duplicate input events are merged): the chunk is
shortened until that worst case fits, and the run is refused when not one more tick does. The
results never depend on the chunk length, only the speed does
(``docs/decisions/0010-memory-estimates-and-the-delay-ring.md``).
"""
from __future__ import annotations

from collections.abc import Mapping

from neurosim._checks import check_memory

SPIKE_BYTES = 24
"""Bytes of one recorded spike: its tick (int64), neuron (int64) and value (float64)."""

PEAK_FACTOR = 2
"""Buffers of ``capacity`` spikes peak at about twice their bytes: while they grow (the old buffers and
the new ones, at least half again as large) and when a run's result copies the spikes out."""


def grown(capacity: int, needed: int) -> int:
    """The capacity the kernel's buffers of ``capacity`` spikes reach to hold ``needed`` spikes."""
    while capacity < needed:
        capacity = 2 * capacity + 16
    return capacity


def spike_room(capacity: int, held: int, neurons: int, want: int, others: Mapping[str, int], limit: int | None,
               item: str) -> int:
    """The ticks, at most ``want``, that the next chunk may run with its recorded spikes within ``limit``.

    Parameters
    ----------
    capacity : int
        Spikes the buffers hold now.
    held : int
        Spikes already in them.
    neurons : int
        Neurons and spike-source channels of the network: the most spikes of one tick.
    want : int
        Ticks the chunk would run.
    others : mapping of str to int
        Bytes of the run's other buffers (:meth:`_RunOutput.sizes`), counted against the same limit.
    limit : int or None
        The memory limit in bytes; ``None`` allows anything.
    item : str
        What is refused, for the message (``"a run of 1000 ticks recording its spikes"``).

    Returns
    -------
    int
        ``want``, or fewer ticks (at least 1) whose worst case fits.

    Raises
    ------
    ModelError
        When even one more tick, every neuron spiking, would not fit: the estimate and the fix.
    """
    neurons = max(int(neurons), 1)

    def peak(ticks: int) -> int:
        return PEAK_FACTOR * SPIKE_BYTES * grown(capacity, held + neurons * ticks)

    base = sum(int(v) for v in others.values())
    if held + neurons * want <= capacity or limit is None or base + peak(want) <= limit:
        return want
    low, high = 0, want  # the largest ticks whose worst case fits, by bisection (peak grows with ticks)
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if base + peak(mid) <= limit else (low, mid - 1)
    if low == 0:
        check_memory({"recorded spikes": peak(1), **others}, item,
                     f"{held} spikes are held and one more tick may add {neurons}; record_spikes=False (a trace "
                     "streams the spikes to disk), or run fewer ticks per call (run() continues where the last "
                     "run stopped)", limit)
    return max(low, 1)
