"""The ``"locality"`` placement strategy: graph bisection of the synapse graph, mapped onto the mesh.

Heavily connected neurons share a core or sit on nearby cores, so spikes make fewer hops than with
``"fill"``; see :func:`locality` for the algorithm and why it was chosen.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neurosim.compile.compiled import CompiledNetwork
from neurosim.chip.mesh import Mesh
from neurosim.mapping import fit

if TYPE_CHECKING:
    import scipy.sparse as sp


IntArray = npt.NDArray[np.int64]

_EMBED_DIM = 4
"""Candidate cut directions per bisection (the slowest modes of the lazy random walk)."""
_EMBED_ITERATIONS = 20
"""Subspace iterations: enough to separate 8 random clusters of 64 (p=0.5 inside, 0.01 across)."""


def locality(compiled: CompiledNetwork, mesh: Mesh, neurons_per_core: int | None) -> IntArray:
    """Recursive spectral bisection of the synapse graph, mapped onto a recursive bisection of the mesh.

    The on-chip neurons are ordered by recursively cutting the undirected synapse graph (edge
    weight: synapses between the two neurons, either way) into a part of ``floor(q / 2)`` full
    cores and the rest, where ``q`` is the number of cores a part needs, until a part fits on one
    core; consecutive runs of ``neurons_per_core`` neurons in that order fill the cores of
    :meth:`Mesh.cores_by_bisection`. Parts cut late (heavily connected) land on the same or nearby
    cores, and a run of cores is a compact block of tiles on one chip where possible.

    Each cut sorts the neurons by one of the slowest non-trivial modes of the lazy random walk
    ``(I + D^-1 A) / 2`` (spectral bisection, as for normalised cuts; 20 steps of subspace iteration
    on 4 vectors, seeded), taking the mode whose cut crosses the fewest synapses; connected
    components are kept whole where the sizes allow. Why not reverse Cuthill-McKee: it minimises
    the bandwidth of the matrix, not the synapses crossing core boundaries, and its breadth-first
    levels interleave the clusters of a clustered network. Cost: about ``20 * 4 * nnz`` per level
    of the ``log2(cores)`` levels.

    Parameters
    ----------
    compiled : CompiledNetwork
        The network.
    mesh : Mesh
        The cores to place on.
    neurons_per_core : int or None
        Neurons per core (``None``: unlimited, every neuron on one core).

    Returns
    -------
    ndarray of int64, shape (N,)
        Core of every neuron, ``-1`` for spike sources; ids past ``mesh.n_cores`` when the cores
        do not suffice.
    """
    import scipy.sparse as sp  # only this strategy needs scipy.sparse and csgraph (decision 0023)

    placed = np.flatnonzero(compiled.pop_model[compiled.neuron_pop] >= 0)
    capacity = neurons_per_core or max(placed.size, 1)
    position = np.full(compiled.n_neurons, -1, dtype=np.int64)
    position[placed] = np.arange(placed.size)
    pre, post = fit.synapse_endpoints(compiled)
    keep = (position[pre] >= 0) & (pre != post)  # a self-synapse never crosses a core boundary
    rows, cols = position[pre[keep]], position[post[keep]]
    graph = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(placed.size,) * 2).tocsr()
    order = _bisect((graph + graph.T).tocsr(), capacity, np.random.default_rng(0))
    part = np.empty(placed.size, dtype=np.int64)
    part[order] = np.arange(placed.size) // capacity
    cores = mesh.cores_by_bisection()
    n_parts = int(part.max(initial=-1)) + 1
    if n_parts > cores.size:  # too many: ids past the system, which place() reports
        cores = np.concatenate([cores, np.arange(mesh.n_cores, mesh.n_cores + n_parts - cores.size)])
    core = np.full(compiled.n_neurons, -1, dtype=np.int64)
    core[placed] = cores[part]
    return core


def _bisect(graph: sp.csr_matrix, capacity: int, rng: np.random.Generator) -> IntArray:
    """Order of the nodes of ``graph`` such that consecutive runs of ``capacity`` cut few edges."""
    order = np.arange(graph.shape[0])
    todo = [(0, graph.shape[0])]
    while todo:  # invariant: order[lo:hi] is a set of nodes still to be cut into ceil((hi-lo)/capacity) cores
        lo, hi = todo.pop()
        cores = -(-(hi - lo) // capacity)
        if cores <= 1:
            continue
        nodes = order[lo:hi]
        left = (cores // 2) * capacity
        order[lo:hi] = nodes[_best_cut(graph[nodes][:, nodes].tocoo(), left, rng)]
        todo += [(lo, lo + left), (lo + left, hi)]
    return order


def _best_cut(sub: sp.coo_matrix, left: int, rng: np.random.Generator) -> IntArray:
    """A permutation of ``sub``'s nodes whose first ``left`` nodes share few edges with the rest."""
    from scipy.sparse import csgraph

    n = sub.shape[0]

    n_comp, comp = csgraph.connected_components(sub, directed=False)
    deg = np.asarray(sub.sum(axis=1)).ravel()
    inv_sqrt = np.divide(1.0, np.sqrt(deg), out=np.zeros(n), where=deg > 0)
    # The trivial modes (one per component, sqrt(degree)) are projected out at every step.
    trivial = np.sqrt(deg)
    norm = np.sqrt(np.bincount(comp, deg, n_comp))[comp]
    trivial = np.divide(trivial, norm, out=np.zeros(n), where=norm > 0)
    csr = sub.tocsr()

    def step(x: np.ndarray) -> np.ndarray:
        y = 0.5 * (x + inv_sqrt[:, None] * (csr @ (inv_sqrt[:, None] * x)))
        for j in range(y.shape[1]):
            y[:, j] -= trivial * np.bincount(comp, trivial * y[:, j], n_comp)[comp]
        return y

    basis = rng.standard_normal((n, min(_EMBED_DIM, n)))
    for _ in range(_EMBED_ITERATIONS):
        basis, _ = np.linalg.qr(step(basis))
    _, ritz = np.linalg.eigh(basis.T @ step(basis))
    modes = inv_sqrt[:, None] * (basis @ ritz)
    best, best_cut = None, np.inf
    for j in range(modes.shape[1]):
        perm = np.lexsort((modes[:, j], comp))  # components stay contiguous
        side = np.empty(n, dtype=bool)
        side[perm] = np.arange(n) < left
        cut = sub.data[side[sub.row] != side[sub.col]].sum()
        if cut < best_cut:
            best, best_cut = perm, cut
    return best
