"""Counts per core: a run's per-destination-group counts and its spikes, summed onto chip cores.

The one place where the cost model (:mod:`neurosim.cost_model.synops`) and the trace writer and
reader (:mod:`neurosim.trace`) turn groups and neurons into cores, so the two cannot disagree.
Cores are given as ascending global core ids; column ``k`` of every result is core ``cores[k]``.
Items on the host (core ``-1``) or on a core not in ``cores`` are left out.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt


def core_columns(core_of: npt.ArrayLike, cores: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Column in ``cores`` (ascending) of each item's core; ``-1`` for items on no core of ``cores``."""
    core_of = np.asarray(core_of, dtype=np.int64)
    col = np.searchsorted(cores, core_of)
    inside = col < cores.size
    found = np.zeros(core_of.shape, dtype=bool)
    found[inside] = cores[col[inside]] == core_of[inside]
    return np.where(found & (core_of >= 0), col, -1)


def per_core(per_group: npt.ArrayLike, group_core: npt.ArrayLike, cores: npt.NDArray[np.int64]) -> np.ndarray:
    """Counts per destination group (last axis, G) summed into the groups' cores: (..., C).

    Parameters
    ----------
    per_group : array, shape (G,) or (T, G)
        A count per destination group, or per tick and group.
    group_core : array of int, shape (G,)
        Core of every group (``placement.group_core``; ``-1`` for source groups).
    cores : ndarray of int64, shape (C,)
        The cores to sum into, ascending.

    Returns
    -------
    ndarray, shape (C,) or (T, C)
        Of ``per_group``'s dtype: integer counts stay integers.
    """
    import scipy.sparse as sp  # on first use: `import neurosim` does without it (decision 0023)

    per_group = np.asarray(per_group)
    col = core_columns(group_core, cores)
    keep = np.flatnonzero(col >= 0)
    # A (G, C) one-hot matrix sums every row's group counts into core columns in one product.
    onehot = sp.csr_matrix((np.ones(keep.size, dtype=per_group.dtype), (keep, col[keep])),
                           shape=(col.size, cores.size))
    return np.asarray(per_group @ onehot, dtype=per_group.dtype)


def spikes_per_core(spike_ticks: npt.ArrayLike, spike_ids: npt.ArrayLike, neuron_core: npt.ArrayLike,
                    cores: npt.NDArray[np.int64], t0: int, n_ticks: int) -> npt.NDArray[np.int64]:
    """(n_ticks, C) spikes per tick ``t0 .. t0 + n_ticks - 1`` of the neurons of each core.

    Parameters
    ----------
    spike_ticks, spike_ids : array of int
        Every spike of those ticks (tick, global neuron id).
    neuron_core : array of int, shape (N,)
        Core of every neuron (``-1`` for spike sources, on the host).
    cores : ndarray of int64, shape (C,)
        The cores to count for, ascending.
    t0, n_ticks : int
        First tick and number of ticks (rows).
    """
    col = core_columns(np.asarray(neuron_core, dtype=np.int64)[np.asarray(spike_ids, dtype=np.int64)], cores)
    on = col >= 0
    cell = (np.asarray(spike_ticks, dtype=np.int64)[on] - t0) * cores.size + col[on]
    return np.bincount(cell, minlength=n_ticks * cores.size).reshape(n_ticks, cores.size).astype(np.int64)
