"""The hardware-independent network: populations, spike sources and projections.

Conventions (see ``docs/semantics.md``):

* Time is an integer tick ``t = 0, 1, ..., T-1``.
* Weights are given as a matrix of shape ``(post.size, pre.size)`` (``y = W x``, as in PyTorch and
  NIR) or as explicit synapse lists; zero entries of a matrix are not synapses. Weights are stored
  as float32, the precision of trained models and more than any chip has.
* Delays are integers >= 0: a spike at tick ``t`` over a synapse of delay ``d`` is input at ``t + d``.

Every constructor validates its input and raises :class:`~neurosim.errors.ModelError` naming the
population, source or projection at fault.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

import numpy as np
import numpy.typing as npt

from neurosim._checks import check_memory, memory_limit, non_negative_int, positive_int
from neurosim._jit import njit
from neurosim.errors import ModelError
from neurosim.models import get_model
from neurosim.models.registry import NeuronModel
from neurosim.net.origin import LayerOrigin
from neurosim.net.host import HostOp, make_host_op

WEIGHT_DTYPE = np.float32
MAX_SIZE = np.iinfo(np.int32).max
"""Most neurons of one population or spike source: synapses keep their neuron indices in int32."""
MAX_DELAY = np.iinfo(np.int32).max
"""Longest delay in ticks: synapse lists keep their delays in int32."""
MAX_SEED = np.iinfo(np.int64).max
"""Largest seed: the engine and the Poisson sources take a non-negative int64."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise ModelError(f"names must be non-empty strings, got {name!r}")


def check_size(size: object, owner: str) -> int:
    """``size`` as an ``int`` when it is a whole number in ``[1, MAX_SIZE]``, else a ModelError naming ``owner``."""
    size = positive_int(size, f"{owner}: size")
    if size > MAX_SIZE:
        raise ModelError(f"{owner}: size {size} is above the {MAX_SIZE} neurons a population can hold "
                         "(neuron indices are int32); split it into several populations")
    return size


def check_seed(seed: object, item: str) -> int:
    """``seed`` as an ``int`` when it is a whole number in ``[0, MAX_SEED]``, else a ModelError naming ``item``."""
    seed = non_negative_int(seed, item)
    if seed > MAX_SEED:
        raise ModelError(f"{item} must be at most {MAX_SEED} (a non-negative int64), got {seed}")
    return seed


def _numeric_array(owner: str, what: str, data: object) -> np.ndarray:
    """``data`` as a float64 array when it holds numbers (not text, not objects), else a ModelError."""
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise ModelError(f"{owner}: {what} must be numbers, got an array of dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


@dataclass(frozen=True, eq=False)
class Population:
    """``size`` neurons of one neuron model with per-neuron parameters and initial state."""

    name: str
    size: int
    model: NeuronModel
    params: np.ndarray = field(repr=False)  # (size, len(model.params)) float64
    init: np.ndarray = field(repr=False)  # (size, len(model.state)) float64

    @classmethod
    def create(cls, name: str, size: int, model: str, params: dict | None = None,
               init: dict | None = None) -> "Population":
        """Validate and build a population (``model`` is a registered model name)."""
        _check_name(name)
        owner = f"population '{name}'"
        size = check_size(size, owner)
        spec = get_model(model)
        # Each column is encoded, then stacked: twice the table at the peak.
        check_memory({"parameters": 16 * size * len(spec.params), "initial state": 16 * size * len(spec.state)},
                     owner, "use fewer neurons", memory_limit(), argument=False)
        encoded = spec.encode_params(params or {}, owner, size)
        state = spec.encode_state(init or {}, owner, size)
        return cls(name, size, spec, _readonly(encoded), _readonly(state))

    def param(self, name: str) -> np.ndarray:
        """The per-neuron values of parameter ``name``."""
        return self.params[:, self.model.param_names.index(name)]


class SpikeSource:
    """Base of the input populations: neurons whose spikes (and spike values) are given."""

    name: str
    size: int

    def events(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Spikes in ticks ``[t0, t1)`` as (ticks, neuron indices, values), sorted by tick then index."""
        raise NotImplementedError


def _merge_duplicates(ticks, ids, values):
    """Sort events by (tick, id) and merge repeated (tick, id) pairs into one event whose value is
    the sum (two spikes of one neuron in one tick are one spike of value 2, as a spike count)."""
    order = np.lexsort((ids, ticks))
    ticks, ids, values = ticks[order], ids[order], values[order]
    if ticks.size == 0:
        return ticks, ids, values
    first = np.ones(ticks.size, dtype=bool)
    first[1:] = (ticks[1:] != ticks[:-1]) | (ids[1:] != ids[:-1])
    starts = np.flatnonzero(first)
    return ticks[starts], ids[starts], np.add.reduceat(values, starts)


@dataclass(frozen=True, eq=False)
class SpikeTimes(SpikeSource):
    """Explicit spikes: neuron ``ids[k]`` fires at ``ticks[k]`` with value ``values[k]`` (default 1).

    Repeated (tick, id) pairs are merged into one event whose value is their sum.
    """

    name: str
    size: int
    ticks: np.ndarray = field(repr=False)
    ids: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)

    @classmethod
    def create(cls, name: str, size: int, ticks: npt.ArrayLike, ids: npt.ArrayLike,
               values: npt.ArrayLike | None = None) -> "SpikeTimes":
        _check_name(name)
        owner = f"spike source '{name}'"
        size = check_size(size, owner)
        ticks = np.asarray(ticks)
        ids = np.asarray(ids)
        if ticks.shape != ids.shape or ticks.ndim != 1:
            raise ModelError(f"{owner}: ticks {ticks.shape} and ids {ids.shape} must be 1-D of equal length")
        if ticks.size and not (np.issubdtype(ticks.dtype, np.integer) and np.issubdtype(ids.dtype, np.integer)):
            raise ModelError(f"{owner}: ticks and ids must be integers")
        values = np.ones(ticks.shape) if values is None else _numeric_array(owner, "values", values)
        if values.shape != ticks.shape:
            raise ModelError(f"{owner}: values {values.shape} must match ticks {ticks.shape}")
        for what, arr, low, high in (("tick", ticks, 0, None), ("neuron index", ids, 0, size - 1)):
            bad = (arr < low) | ((arr > high) if high is not None else False)
            if np.any(bad):
                k = int(np.argmax(bad))
                rng = f"[{low}, {high}]" if high is not None else f">= {low}"
                raise ModelError(f"{owner}: event {k} has {what} {arr[k]}, outside {rng}")
        if not np.all(np.isfinite(values)):
            raise ModelError(f"{owner}: event {int(np.argmax(~np.isfinite(values)))} has a non-finite value")
        t, i, v = _merge_duplicates(ticks.astype(np.int64), ids.astype(np.int64), values)
        keep = v != 0
        return cls(name, size, _readonly(t[keep]), _readonly(i[keep]), _readonly(v[keep]))

    def events(self, t0, t1):
        lo, hi = np.searchsorted(self.ticks, [t0, t1])
        return self.ticks[lo:hi], self.ids[lo:hi], self.values[lo:hi]


@dataclass(frozen=True, eq=False)
class SpikeArray(SpikeSource):
    """A ``[T, N]`` array of spike counts or graded values: every non-zero entry is one event."""

    name: str
    size: int
    data: np.ndarray = field(repr=False)

    @classmethod
    def create(cls, name: str, data: npt.ArrayLike) -> "SpikeArray":
        _check_name(name)
        arr = _numeric_array(f"spike source '{name}'", "data", data)
        if arr.ndim != 2 or arr.shape[1] < 1:
            raise ModelError(f"spike source '{name}': data must have shape [T, N], got {arr.shape}")
        check_size(arr.shape[1], f"spike source '{name}'")
        if not np.all(np.isfinite(arr)):
            t, i = np.argwhere(~np.isfinite(arr))[0]
            raise ModelError(f"spike source '{name}': value at tick {t}, neuron {i} is not finite")
        return cls(name, arr.shape[1], _readonly(arr))

    def events(self, t0, t1):
        t1 = min(t1, self.data.shape[0])
        if t1 <= t0:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0)
        ticks, ids = np.nonzero(self.data[t0:t1])
        return ticks.astype(np.int64) + t0, ids.astype(np.int64), self.data[t0:t1][ticks, ids]


@dataclass(frozen=True, eq=False)
class PoissonSource(SpikeSource):
    """Independent Bernoulli spikes: neuron ``i`` fires at each tick with probability ``p[i]``.

    The draw for tick ``t`` is the ``t``-th row of ``numpy.random.default_rng(seed).random((T, N))``,
    so results do not depend on how the run is cut into chunks.
    """

    name: str
    size: int
    p: np.ndarray = field(repr=False)
    seed: int = 0

    @classmethod
    def create(cls, name: str, size: int, p: npt.ArrayLike, seed: int = 0) -> "PoissonSource":
        _check_name(name)
        owner = f"spike source '{name}'"
        size = check_size(size, owner)
        prob = _numeric_array(owner, "p", p)
        if prob.shape not in ((), (size,)):
            raise ModelError(f"{owner}: p has shape {prob.shape}; give a scalar or shape ({size},)")
        prob = np.broadcast_to(prob, (size,)).copy()
        if np.any((prob < 0) | (prob > 1) | ~np.isfinite(prob)):
            raise ModelError(f"{owner}: spike probability per tick must be in [0, 1] (rate_hz * tick_s)")
        return cls(name, size, _readonly(prob), check_seed(seed, f"{owner}: seed"))

    def events(self, t0, t1):
        rng = np.random.default_rng(self.seed)
        # PCG64 draws one 64-bit word per double, so skipping t0 rows reproduces the stream.
        rng.bit_generator.advance(t0 * self.size)
        ticks, ids = np.nonzero(rng.random((t1 - t0, self.size)) < self.p)
        return ticks.astype(np.int64) + t0, ids.astype(np.int64), np.ones(ticks.size)


Node = Union[Population, SpikeSource]


@dataclass(frozen=True, eq=False)
class Projection:
    """Synapses from ``pre`` to ``post``, kept in CSR order by presynaptic neuron.

    The synapses of pre neuron ``i`` are ``k = pre_ptr[i] .. pre_ptr[i + 1] - 1``: each goes to
    ``post_idx[k]`` with ``weight[k]`` and ``delay[k]``. Synapses are stored sorted by pre neuron,
    in the order they were given among those of one pre neuron. ``delay`` has the narrowest
    unsigned type that holds the largest delay (``uint8`` up to 255 ticks), so a projection keeps
    9 to 12 bytes per synapse; widen it (``astype(np.int64)``) before doing arithmetic with it.
    """

    name: str
    pre: str
    post: str
    pre_ptr: np.ndarray = field(repr=False)  # (pre.size + 1,) int64
    post_idx: np.ndarray = field(repr=False)  # (n,) int32
    weight: np.ndarray = field(repr=False)  # (n,) float32
    delay: np.ndarray = field(repr=False)  # (n,) uint8, uint16 or uint32
    origin: LayerOrigin | None = field(default=None, repr=False)  # the NIR layers folded into it, if any
    attributes: Mapping[str, str] = field(default_factory=dict, repr=False)  # labels a chip's synapse classes select (a copy)

    @property
    def n_synapses(self) -> int:
        return int(self.weight.size)

    @property
    def pre_idx(self) -> np.ndarray:
        """The pre neuron of each synapse (int32; expanded from ``pre_ptr`` on each call)."""
        return np.repeat(np.arange(self.pre_ptr.size - 1, dtype=np.int32), np.diff(self.pre_ptr))


def narrowest_delay_type(max_delay: int) -> np.dtype:
    """The unsigned integer type a projection stores delays up to ``max_delay`` in."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if max_delay <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise ModelError(f"delay {max_delay} ticks does not fit 32 bits")


def _scipy_sparse(weights):
    """``scipy.sparse`` if ``weights`` is one of its matrices or arrays, else None (a sparse matrix
    exists only once ``scipy.sparse`` is imported, so a network of dense weights never imports it)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse if sparse is not None and sparse.issparse(weights) else None


def _synapses_from_matrix(owner: str, weights, delays, n_post: int, n_pre: int):
    sp = _scipy_sparse(weights)
    if sp is not None:
        if weights.shape != (n_post, n_pre):
            raise ModelError(_shape_message(owner, weights.shape, n_post, n_pre))
        coo = sp.coo_matrix(weights)
        post_idx, pre_idx, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.float64)
    else:
        try:
            dense = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ModelError(f"{owner}: weights must be numeric ({err})") from None
        if dense.ndim == 0:
            dense = np.full((n_post, n_pre), float(dense))
        if dense.shape != (n_post, n_pre):
            raise ModelError(_shape_message(owner, dense.shape, n_post, n_pre))
        post_idx, pre_idx = np.nonzero(dense)
        w = dense[post_idx, pre_idx]
        nan = np.isnan(dense)
        if nan.any():
            r, c = np.argwhere(nan)[0]
            raise ModelError(f"{owner}: weight from pre {c} to post {r} is NaN")
    d = np.asarray(delays)
    if d.dtype.kind not in "biuf":
        raise ModelError(f"{owner}: delays must be whole numbers of ticks, got dtype {d.dtype} ({delays!r:.40})")
    if d.ndim == 0:
        d = np.full(w.shape, d)
    elif d.shape == (n_post, n_pre):
        d = d[post_idx, pre_idx]
    else:
        raise ModelError(
            f"{owner}: delays must be a scalar or shape ({n_post}, {n_pre}) like the weights, got {d.shape}"
        )
    return pre_idx, post_idx, w, d


def _shape_message(owner: str, shape, n_post: int, n_pre: int) -> str:
    hint = " (transposed? weights are (post, pre), as y = W x)" if tuple(shape) == (n_pre, n_post) else ""
    return f"{owner}: weights have shape {tuple(shape)}, expected (post={n_post}, pre={n_pre}){hint}"


_VALIDATE_CHUNK = 1 << 22  # synapses checked and converted per step (bounds the temporaries)
_F32_MAX = float(np.finfo(np.float32).max)


def _csr_synapses(owner: str, pre_idx, post_idx, w, d, n_pre: int, n_post: int, integer_model: str | None):
    """Check synapse lists and return them as a projection keeps them: ``(pre_ptr, post_idx, weight,
    delay)`` in CSR order by pre neuron (int64, int32, float32, the narrowest delay type).

    Two passes over chunks of ``_VALIDATE_CHUNK`` synapses. The first checks each chunk with a few
    min/max reductions (the element-wise checks of :func:`_check_chunk`, which name the first bad
    synapse, run only on a chunk that fails them) and counts the synapses of each pre neuron. The
    second converts each chunk straight into the result, at its place in CSR order: a copy when the
    input is already sorted by pre neuron, else a stable counting sort (the synapses of one pre neuron
    keep the order they were given in). The peak memory is the input plus the result's 9 to 12 bytes
    per synapse and one chunk's temporaries (decision 0025). When ``integer_model`` names a model
    that takes integer weights, a weight with a fraction (after the conversion to float32) is refused.
    """
    pre_idx = np.asarray(pre_idx)
    post_idx = np.asarray(post_idx)
    w = np.asarray(w)
    d = np.asarray(d)
    n = pre_idx.shape[0] if pre_idx.ndim == 1 else -1
    if n < 0 or any(a.shape != (n,) for a in (post_idx, w, d)):
        raise ModelError(f"{owner}: pre_idx, post_idx, weights and delays must be 1-D of equal length")
    for what, arr in (("weights", w), ("pre indices", pre_idx), ("post indices", post_idx), ("delays", d)):
        if n and arr.dtype.kind not in "biuf":
            raise ModelError(f"{owner}: {what} must be numeric (got dtype {arr.dtype})")
    chunks = [(lo, min(lo + _VALIDATE_CHUNK, n)) for lo in range(0, n, _VALIDATE_CHUNK)]
    counts = np.zeros(n_pre, dtype=np.int64)
    in_order, last_pre, max_delay = True, 0, 0
    for lo, hi in chunks:
        args = (pre_idx[lo:hi], post_idx[lo:hi], w[lo:hi], d[lo:hi])
        if not _plainly_valid(*args, n_pre, n_post):
            _check_chunk(owner, lo, *args, n_pre, n_post)
        in_order, last_pre = _count_pre(_as_index(args[0]), counts, in_order, last_pre)
        max_delay = max(max_delay, int(_distinct(args[3]).max()))
    pre_ptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(counts, out=pre_ptr[1:])
    del counts
    out_post = np.empty(n, np.int32)
    out_w = np.empty(n, WEIGHT_DTYPE)
    out_d = np.empty(n, narrowest_delay_type(max_delay))
    next_slot = None if in_order else pre_ptr[:-1].copy()
    for lo, hi in chunks:
        if next_slot is None:
            out_post[lo:hi] = post_idx[lo:hi]
            out_w[lo:hi] = w[lo:hi].astype(np.float64, copy=False)
            out_d[lo:hi] = d[lo:hi]
            weight = out_w[lo:hi]
        else:
            weight = w[lo:hi].astype(np.float64, copy=False).astype(WEIGHT_DTYPE)
            slot = _stable_slots(_as_index(pre_idx[lo:hi]), next_slot)
            out_post[slot] = post_idx[lo:hi]
            out_w[slot] = weight
            out_d[slot] = d[lo:hi]
        if integer_model is not None:
            frac = weight != np.round(weight)
            if frac.any():
                s = int(np.argmax(frac))
                raise ModelError(
                    f"{owner}: synapse {lo + s} has weight {float(weight[s])!r}, but model '{integer_model}' "
                    "takes integer weights (the chip's weight mantissa); round or quantise the weights first"
                )
    return pre_ptr, out_post, out_w, out_d


def _plainly_valid(pre_idx, post_idx, w, d, n_pre: int, n_post: int) -> bool:
    """True when min/max reductions show that no check of :func:`_check_chunk` can fail: integer
    indices and delays in range, weights finite and within float32 (NaN fails every comparison)."""
    if not pre_idx.size:
        return True
    for arr, high in ((pre_idx, n_pre - 1), (post_idx, n_post - 1), (_distinct(d), MAX_DELAY)):
        if arr.dtype.kind not in "iu" or not (arr.min() >= 0 and arr.max() <= high):
            return False
    w = _distinct(w)
    return w.dtype.kind != "f" or bool(-_F32_MAX <= w.min() and w.max() <= _F32_MAX)


def _distinct(arr: np.ndarray) -> np.ndarray:
    """``arr`` without its repeats when it is one value broadcast (stride 0), else ``arr``."""
    return arr[:1] if arr.strides == (0,) else arr


def _as_index(arr: np.ndarray) -> np.ndarray:
    """Checked whole-number indices as an integer array the jitted helpers can index with."""
    return arr if arr.dtype.kind in "iu" else arr.astype(np.int64)


@njit
def _count_pre(pre, counts, in_order, last):
    """Add the synapses of each pre neuron in ``pre`` to ``counts``; return whether the pre indices
    so far ascend (``in_order``, ``last``: the state after the previous chunk) and the last index."""
    for k in range(pre.size):
        p = pre[k]
        counts[p] += 1
        if p < last:
            in_order = False
        last = p
    return in_order, last


@njit
def _stable_slots(pre, next_slot):
    """The CSR slot of each synapse of ``pre``: the next free slot of its pre neuron (``next_slot``,
    advanced), so that the synapses of one pre neuron keep their order (a stable counting sort)."""
    slot = np.empty(pre.size, dtype=np.int64)
    for k in range(pre.size):
        slot[k] = next_slot[pre[k]]
        next_slot[pre[k]] += 1
    return slot


def _check_chunk(owner: str, lo: int, pre_idx, post_idx, w, d, n_pre: int, n_post: int) -> None:
    """Check synapses ``lo ..`` of a list one by one and name the first that breaks a rule.

    Indices and delays are checked as given (whole, finite, in range) before they are converted,
    so that no value wraps or truncates on its way into the int32 columns.
    """
    w = w.astype(np.float64, copy=False)
    given = {"pre index": pre_idx, "post index": post_idx, "delay": d}
    for what, arr in given.items():
        if not np.issubdtype(arr.dtype, np.integer):
            infinite = ~np.isfinite(arr)
            if infinite.any():
                k = int(np.argmax(infinite))
                raise ModelError(f"{owner}: synapse {lo + k} has {what} {arr[k].item()!r}; "
                                 "must be a finite whole number")
            if np.any(np.mod(arr, 1) != 0):
                k = int(np.argmax(np.mod(arr, 1) != 0))
                raise ModelError(f"{owner}: synapse {lo + k} has non-integer {what} {arr[k].item()!r}")
    checks = (
        (pre_idx < 0) | (pre_idx >= n_pre), "pre index", f"[0, {n_pre - 1}]",
        (post_idx < 0) | (post_idx >= n_post), "post index", f"[0, {n_post - 1}]",
        d < 0, "delay", ">= 0 ticks",
        d > MAX_DELAY, "delay", f"at most {MAX_DELAY} ticks (delays are kept in int32)",
        np.isnan(w), "weight", "a number, not NaN",
        ~np.isfinite(w), "weight", "finite",
    )
    for k in range(0, len(checks), 3):
        bad, what, rule = checks[k:k + 3]
        if bad.any():
            s = int(np.argmax(bad))
            value = (pre_idx, post_idx, d, d, w, w)[k // 3][s].item()
            raise ModelError(
                f"{owner}: synapse {lo + s} (pre {pre_idx[s].item()!r} -> post {post_idx[s].item()!r}) has "
                f"{what} {value!r}; must be {rule}"
            )
    with np.errstate(over="ignore"):
        overflow = np.isinf(w.astype(WEIGHT_DTYPE))
    if overflow.any():
        s = int(np.argmax(overflow))
        raise ModelError(f"{owner}: synapse {lo + s} weight {w[s].item()!r} overflows float32")


def _check_integer_source(owner: str, model: str, pre: Node) -> None:
    """Fixed-point neurons sum integer weights times integer spike values: the source's values must be whole."""
    values = getattr(pre, "values", getattr(pre, "data", None))
    if values is not None and np.any(values != np.round(values)):
        raise ModelError(
            f"{owner}: source '{pre.name}' has non-integer spike values, but model '{model}' takes integer input"
        )


class Network:
    """A container of populations, spike sources and projections, checked as they are added.

    >>> net = Network()
    >>> inp = net.poisson("in", 100, p=0.05, seed=1)
    >>> hid = net.population("hid", 50, "lif", beta=0.9, v_th=1.0)
    >>> net.connect("in", "hid", weights=0.2, delays=1)
    """

    def __init__(self, name: str = "network") -> None:
        self.name = name
        self.nodes: dict[str, Node] = {}
        self.projections: dict[str, Projection] = {}
        self.host_ops: dict[str, HostOp] = {}

    # -- nodes ---------------------------------------------------------------------------------
    def add(self, node: Node) -> str:
        """Add a population or spike source; returns its name."""
        if node.name in self.nodes:
            raise ModelError(f"a population or source named '{node.name}' already exists")
        self.nodes[node.name] = node
        return node.name

    def population(self, name: str, size: int, model: str, init: dict | None = None, **params) -> str:
        """Add ``size`` neurons of ``model`` with parameters ``params`` (scalars or per-neuron arrays)."""
        return self.add(Population.create(name, size, model, params, init))

    def spike_times(self, name: str, size: int, ticks, ids, values=None) -> str:
        """Add a source of explicit spikes (see :class:`SpikeTimes`)."""
        return self.add(SpikeTimes.create(name, size, ticks, ids, values))

    def spike_array(self, name: str, data) -> str:
        """Add a source from a ``[T, N]`` array of spike counts or graded values."""
        return self.add(SpikeArray.create(name, data))

    def poisson(self, name: str, size: int, p, seed: int = 0) -> str:
        """Add ``size`` Bernoulli/Poisson sources firing with probability ``p`` per tick."""
        return self.add(PoissonSource.create(name, size, p, seed))

    # -- projections ---------------------------------------------------------------------------
    def connect(self, pre: str, post: str, weights, delays=0, name: str | None = None,
                origin: LayerOrigin | None = None, attributes: Mapping[str, str] | None = None) -> str:
        """Connect ``pre`` to ``post`` with a ``(post.size, pre.size)`` weight matrix (dense or sparse).

        ``delays`` is an integer or a ``(post.size, pre.size)`` integer array; ``origin`` records the
        NIR layers the weights were folded from (:mod:`neurosim.net.origin`); ``attributes`` are
        string labels a chip profile's synapse classes select by (``{"synapse": "conv"}``).
        """
        name, owner, n_pre, n_post = self._projection_ends(pre, post, name)
        pre_idx, post_idx, w, d = _synapses_from_matrix(owner, weights, delays, n_post, n_pre)
        return self._add_projection(name, owner, pre, post, pre_idx, post_idx, w, d, n_pre, n_post, origin,
                                    attributes)

    def connect_synapses(self, pre: str, post: str, pre_idx, post_idx, weights, delays=0,
                         name: str | None = None, origin: LayerOrigin | None = None,
                         attributes: Mapping[str, str] | None = None) -> str:
        """Connect with explicit synapse lists (``weights``/``delays`` scalars or per synapse);
        ``origin`` and ``attributes`` as for :meth:`connect`."""
        name, owner, n_pre, n_post = self._projection_ends(pre, post, name)
        n = np.shape(pre_idx)[0] if np.ndim(pre_idx) == 1 else -1
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), (max(n, 0),)) if np.ndim(weights) == 0 else weights
        d = np.broadcast_to(np.asarray(delays), (max(n, 0),)) if np.ndim(delays) == 0 else delays
        return self._add_projection(name, owner, pre, post, pre_idx, post_idx, w, d, n_pre, n_post, origin,
                                    attributes)

    def _projection_ends(self, pre, post, name):
        for end in (pre, post):
            if end not in self.nodes:
                known = ", ".join(self.nodes) or "none yet"
                raise ModelError(f"projection {pre!r} -> {post!r}: no population or source named {end!r} (known: {known})")
        if not isinstance(self.nodes[post], Population):
            raise ModelError(f"projection {pre!r} -> {post!r}: '{post}' is a spike source and cannot receive synapses")
        name = name or f"{pre}->{post}"
        if name in self.projections:
            raise ModelError(f"a projection named '{name}' already exists; pass name=... to add another")
        return name, f"projection '{name}'", self.nodes[pre].size, self.nodes[post].size

    def _add_projection(self, name, owner, pre, post, pre_idx, post_idx, w, d, n_pre, n_post,
                        origin: LayerOrigin | None = None, attributes: Mapping[str, str] | None = None) -> str:
        if origin is not None and not isinstance(origin, LayerOrigin):
            raise ModelError(f"{owner}: origin must be a neurosim.net.origin.LayerOrigin or None, "
                             f"got {type(origin).__name__}")
        attributes = dict(attributes or {})
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()):
            raise ModelError(f"{owner}: attributes must map strings to strings, e.g. {{'synapse': 'conv'}}, "
                             f"got {attributes!r}")
        target = self.nodes[post].model
        pre_ptr, post_idx, w, d = _csr_synapses(owner, pre_idx, post_idx, w, d, n_pre, n_post,
                                                target.name if target.integer_input else None)
        if target.integer_input:
            _check_integer_source(owner, target.name, self.nodes[pre])
        self.projections[name] = Projection(name, pre, post, _readonly(pre_ptr), _readonly(post_idx),
                                            _readonly(w), _readonly(d), origin, attributes)
        return name

    # -- host operations ---------------------------------------------------------------------
    def host_op(self, name: str, *, macs: float = 0.0, flops: float = 0.0, driven_by=(),
                pairs: tuple[int, int] | None = None) -> str:
        """Add work that runs off the neuromorphic cores (:mod:`neurosim.net.host`); returns its name."""
        taken = {*self.nodes, *self.projections, *self.host_ops}
        self.host_ops[name] = make_host_op(self.nodes, taken, name, macs, flops, driven_by, pairs)
        return name

    # -- summaries -----------------------------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        return sum(n.size for n in self.nodes.values())

    @property
    def n_synapses(self) -> int:
        return sum(p.n_synapses for p in self.projections.values())

    def __repr__(self) -> str:
        return (f"Network({self.name!r}: {len(self.nodes)} populations/sources, {self.n_neurons} neurons, "
                f"{len(self.projections)} projections, {self.n_synapses} synapses)")
