"""Time-to-first-spike (TTFS) coding: latency encoding of inputs, first-spike-time decoding, the TTFS class.

**Encoding** (one spike per input, a larger value spikes earlier), for values ``x`` in ``[0, x_max]``
and a window of ticks ``[t_min, t_max]`` (default ``[0, T - 1]``)::

    tick(x) = t_min + rint((1 - x / x_max) * (t_max - t_min))     if x > threshold
            = no spike                                              otherwise (default threshold 0)

``rint`` rounds half to even (``numpy.rint``, as ``torch.round``). Sources: the formula with
``t_min = 0, t_max = T - 1, x_max = 1`` is the TTFS input encoding of ETTFS (Che et al.,
arXiv:2410.23619), ``t_i = round((1 - x_i)(T - 1))``, as recorded in ``shared/references/seed-papers.md``
§8a (reported there, not checked against the paper here); the rounding and the threshold follow
snnTorch 1.0.0 ``spikegen.latency(x, num_steps=T, linear=True, normalize=True, clip=True,
threshold=...)`` (code read: ``tau = T - 1``, spike at ``torch.round(tau * (1 - x))``, which it equals
for ``x_max = 1``), except that snnTorch still spikes for ``x == threshold`` and here a value must be
above it, so that a zero never spikes. The window ``[t_min, t_max]`` is the per-layer window of
Stanojevic et al., Nat. Commun. 15:6793 (2024) (see :mod:`neurosim.models.ttfs`), for the input layer
only. Linear, not logarithmic: snnTorch's default RC-charging code ``t = tau * ln(x / (x - threshold))``
is not offered, as the TTFS papers above use the linear code.

**Decoding**: a neuron's first-spike tick, or ``T`` (the window end, "never") if it never fired.
**Classification**: the output neuron that spikes first wins (the TTFS readout of Stanojevic et al.'s
output layer); a tie goes to the lowest index (``numpy.argmin``); a sample whose output neurons never
fire gets class ``-1`` ("no decision", wrong against any label). ETTFS's temporally weighted output
decoding (seed-papers.md §8a) is another readout, not built here.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from neurosim._checks import check_memory, memory_limit, non_negative_int, positive_int
from neurosim.errors import ModelError

NO_DECISION = -1
"""The class :func:`ttfs_classify` gives a sample none of whose output neurons fired."""


def latency_ticks(values: npt.ArrayLike, ticks: int, x_max: float = 1.0, *, threshold: float = 0.0,
                  t_min: int = 0, t_max: int | None = None) -> np.ndarray:
    """The spike tick of each value under the linear latency code (module docstring), ``ticks`` for none.

    Parameters
    ----------
    values : array of shape ``[N]`` or ``[B, N]``, finite, in ``[0, x_max]``.
    ticks : T, the ticks of a sample (at least 1).
    x_max : the value that spikes at ``t_min`` (positive, finite).
    threshold : values at or below it do not spike (in ``[0, x_max)``).
    t_min, t_max : the window of spike ticks, ``0 <= t_min <= t_max <= T - 1`` (default ``t_max = T - 1``).

    Returns
    -------
    numpy.ndarray of int64, the shape of ``values``: each value's tick, or ``T`` where it does not spike.

    Raises
    ------
    ModelError
        One line naming the argument, the rule it breaks and the fix.
    """
    x, ticks, x_max, threshold, t_min, t_max = _checked(values, ticks, x_max, threshold, t_min, t_max)
    out = t_min + np.rint((1.0 - x / x_max) * (t_max - t_min)).astype(np.int64)
    return np.where(x > threshold, out, ticks)


def latency_encode(values: npt.ArrayLike, ticks: int, x_max: float = 1.0, *, threshold: float = 0.0,
                   t_min: int = 0, t_max: int | None = None) -> np.ndarray:
    """Spike trains of the linear latency code: one spike of value 1 per input at :func:`latency_ticks`.

    ``[N]`` values give a ``[T, N]`` array: the data of ``Network.spike_array``, or the ``inputs=`` of
    ``Simulation.run`` for a spike source of size N; ``[B, N]`` values give ``[B, T, N]``: the inputs of
    ``run_nir``, or one ``[T, N]`` sample each for ``simulate_samples``. Parameters and errors are those of
    :func:`latency_ticks`; also raises ``ModelError`` when the array would not fit the memory limit.
    """
    at = latency_ticks(values, ticks, x_max, threshold=threshold, t_min=t_min, t_max=t_max)
    check_memory({"spike array": 8 * ticks * at.size}, f"latency_encode(ticks={ticks}) of {at.size} values",
                 "encode fewer values or ticks at a time", memory_limit(), argument=False)
    rows = at.reshape(-1, at.shape[-1])
    out = np.zeros((rows.shape[0], ticks, rows.shape[1]))
    sample, neuron = np.nonzero(rows < ticks)
    out[sample, rows[sample, neuron], neuron] = 1.0
    return out.reshape(*at.shape[:-1], ticks, at.shape[-1])


def first_spike_ticks(spikes: npt.ArrayLike) -> np.ndarray:
    """Each neuron's first spike tick in a ``[T, N]`` or ``[B, T, N]`` spike array, ``T`` where it never fired.

    Any non-zero entry is a spike (signed and graded spikes included). For a
    :class:`~neurosim.engine.result.SimResult` use its ``first_spike_ticks(population)``.

    Returns
    -------
    numpy.ndarray of int64, ``[N]`` or ``[B, N]``.

    Raises
    ------
    ModelError
        For an array that is not 2-D or 3-D with at least one tick.
    """
    arr = np.asarray(spikes)
    if arr.ndim not in (2, 3) or arr.shape[-2] < 1:
        raise ModelError(f"first_spike_ticks: spikes must have shape [T, N] or [B, T, N] with T >= 1, got "
                         f"{arr.shape}; pass a spike matrix such as SimResult.spike_matrix(population)")
    fired = arr != 0
    first = np.argmax(fired, axis=-2).astype(np.int64)
    return np.where(fired.any(axis=-2), first, arr.shape[-2])


def ttfs_classify(first_ticks: npt.ArrayLike, ticks: int) -> np.ndarray:
    """The TTFS class of each sample: the output neuron with the earliest first spike.

    Parameters
    ----------
    first_ticks : ``[N]`` or ``[B, N]`` first-spike ticks of the output neurons (``ticks`` = never), as
        :func:`first_spike_ticks` returns them.
    ticks : T, the window; a tick of ``T`` or more counts as no spike.

    Returns
    -------
    numpy.ndarray of int64, ``[]`` or ``[B]``: the winning index; a tie goes to the lowest index, and a
    sample with no output spike gets :data:`NO_DECISION` (-1).

    Raises
    ------
    ModelError
        For ``ticks < 1``, or ``first_ticks`` that is not 1-D / 2-D with at least one neuron, or holds
        a negative or non-integer tick.
    """
    ticks = positive_int(ticks, "ttfs_classify: ticks")
    first = np.asarray(first_ticks)
    if first.ndim not in (1, 2) or first.shape[-1] < 1:
        raise ModelError(f"ttfs_classify: first_ticks must have shape [N] or [B, N] with N >= 1, got {first.shape}; "
                         "pass first_spike_ticks(...) of the output population")
    if not np.issubdtype(first.dtype, np.integer) or np.any(first < 0):
        raise ModelError("ttfs_classify: first_ticks must be non-negative integer ticks; pass first_spike_ticks(...)")
    winner = np.argmin(first, axis=-1).astype(np.int64)
    return np.where(np.min(first, axis=-1) < ticks, winner, NO_DECISION)


def _checked(values, ticks, x_max, threshold, t_min, t_max):
    """The arguments of :func:`latency_ticks`, checked, as (float64 array, int, float, float, int, int)."""
    ticks = positive_int(ticks, "latency code: ticks (T)")
    x_max = _finite("x_max", x_max)
    if x_max <= 0:
        raise ModelError(f"latency code: x_max = {x_max} must be positive; pass the largest value an input can take")
    threshold = _finite("threshold", threshold)
    if not 0 <= threshold < x_max:
        raise ModelError(f"latency code: threshold = {threshold} must be in [0, x_max = {x_max}); "
                         "values at or below it send no spike")
    t_min = non_negative_int(t_min, "latency code: t_min")
    t_max = ticks - 1 if t_max is None else non_negative_int(t_max, "latency code: t_max")
    if not t_min <= t_max <= ticks - 1:
        raise ModelError(f"latency code: window [t_min, t_max] = [{t_min}, {t_max}] must lie in "
                         f"[0, T - 1 = {ticks - 1}] with t_min <= t_max; shrink the window or raise ticks")
    x = np.asarray(values)
    if x.ndim not in (1, 2) or x.shape[-1] < 1:
        raise ModelError(f"latency code: values must have shape [N] or [B, N] with N >= 1, got {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) and not np.issubdtype(x.dtype, np.complexfloating)
            or x.dtype == bool):
        raise ModelError(f"latency code: values must be real numbers, got dtype {x.dtype}")
    x = x.astype(np.float64)
    for bad, rule, fix in ((np.isnan(x), "is NaN", "replace NaNs (e.g. numpy.nan_to_num)"),
                           (x < 0, "is negative", "shift or clip the inputs to [0, x_max]"),
                           (x > x_max, f"is above x_max = {x_max}", "raise x_max or clip the inputs to it")):
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ModelError(f"latency code: value at index {where[0] if len(where) == 1 else where} "
                             f"({x[where]}) {rule}; {fix}")
    return x, ticks, x_max, threshold, t_min, t_max


def _finite(name: str, value) -> float:
    """``value`` as a finite float, else a one-line ``ModelError`` naming ``name``."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"latency code: {name} = {value!r} must be a number") from None
    if not np.isfinite(out):
        raise ModelError(f"latency code: {name} = {out} must be finite")
    return out
