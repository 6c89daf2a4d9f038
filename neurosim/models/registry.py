"""Neuron-model registry: parameter specs, state layouts, and the Numba update handlers.

A neuron model is data plus two functions:

* ``params``: the :class:`Param` specs (name, default, range, integer-only, allowed values);
* ``state``: the :class:`StateVar` names and initial values (rows of nothing: the engine keeps one
  ``float64`` row per neuron, ``state[i, k]`` for state variable ``k`` of neuron ``i``);
* ``update``: a Numba function with the handler signature below, compiled into the engine;
* ``reference_step``: a plain numpy function doing one dense tick for a whole population, used by
  the reference engine (the oracle) and by the per-model tests.

Handler contract (all models, one signature so the engine has few specialisations)::

    update(state, params, idx, x, elapsed, t, seed, fired, payload, awake) -> (n_fired, n_awake)

``idx`` (int64, ascending) are the neurons to update at tick ``t``; ``x[j]`` is the summed input of
``idx[j]`` at tick ``t``; ``elapsed[j] >= 1`` is the number of ticks since its last update, so the
handler first advances it over ``elapsed[j] - 1`` input-free ticks (exactly, or in closed form as
documented per model) and then does tick ``t`` with input ``x[j]``. It writes the neurons that fire
to ``fired`` with their spike values in ``payload``, and the neurons that must be updated at
``t + 1`` even without input (they are not at rest, or could fire on their own) to ``awake``.
Neurons are independent: the engine calls the handler on consecutive parts of a population's
pending neurons (``GATHER_BLOCK`` at a time, so that its inputs stay in the L1 cache), several
times per tick for a large population, and concatenates what the calls write.

Optional dense handler (``NeuronModel.dense_update``), for the common case of a population whose
neurons all share one parameter row and were all updated at the previous tick::

    dense_update(state, prow, lo, hi, x, t, seed, fired, payload, awake) -> (n_fired, n_awake)

It updates every neuron ``lo <= i < hi`` (``elapsed`` 1) with input ``x[i - lo]`` and the
parameters ``prow`` (one row), and must give exactly the results of ``update`` on
``idx = arange(lo, hi)``; when every neuron is awake it may return ``n_awake = hi - lo`` without
writing ``awake``. It must leave ``x`` all 0.0 (the engine then skips clearing its accumulator for
the next tick). See ``docs/decisions/0002-dense-path.md``.

Optional uniform handler (``NeuronModel.uniform_update``), for a population whose neurons all share
one parameter row but are not all updated every tick::

    uniform_update(state, prow, idx, x, elapsed, t, seed, fired, payload, awake) -> (n_fired, n_awake)

The contract of ``update`` with ``params[i] == prow`` for every ``i`` in ``idx``; it must give exactly
the results of ``update``. See ``docs/decisions/0005-uniform-handler.md``.

A handler may read the global neuron id ``i`` only to index ``state`` and ``params``, and ``seed``
only through a hash of (seed, global id, tick): a model that draws random numbers so sets
``stochastic=True``, and the samples of a batch then run one engine call each (side by side, their
copies would get other ids; ``docs/decisions/0022-batched-samples.md``).

Reference step contract (plain numpy, one dense tick for a whole population, no catch-up)::

    reference_step(state, params, x) -> spikes

``state`` is ``(n, len(model.state))`` float64, updated in place; ``params`` is
``(n, len(model.params))`` float64, columns in the order of the model's ``PARAMS``; ``x`` is the
``(n,)`` summed synaptic input of this tick (fixed-point models truncate it toward zero). It returns
the ``(n,)`` float64 spike values, 0.0 where a neuron did not fire (all zeros for a readout). A
model's ``reference_step`` docstring names only its state columns and what differs.

The float models take the parameters they share from :func:`float_params` (one spec each); their
reference steps split a population by precision with :func:`precision_groups` and test and reset
with :func:`spike_and_reset`. Their jitted helpers stay per module (``tests/test_architecture.py``).

Registration: ``register(NeuronModel(...))`` at a module's import, by neurosim's own model modules
and by plugins (:mod:`neurosim.models.plugins`, ``docs/models.md`` "Writing a model"). A name is
registered once; the registry remembers each model's origin (:func:`model_origin`). A model that can
be read from NIR neuron nodes declares a :class:`NirReader`.

The registry is the only mutable module-level state of the package besides placement strategies
(and the plugin loader's record of the modules it imported).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from neurosim._checks import did_you_mean
from neurosim.errors import ModelError


@dataclass(frozen=True)
class Param:
    """One neuron parameter: per neuron, stored as float64 in the engine."""

    name: str
    default: float | None = None
    low: float | None = None
    high: float | None = None
    integer: bool = False
    choices: tuple[str, ...] | None = None  # symbolic values, stored as their index
    doc: str = ""

    def encode(self, value: object, owner: str, size: int) -> np.ndarray:
        """Return ``value`` broadcast to ``(size,)`` float64, or raise a ModelError naming ``owner``."""
        if self.choices is not None and np.asarray(value).dtype.kind in "US":
            names = np.asarray(value)
            for name in names.ravel():
                if name not in self.choices:
                    raise ModelError(f"{owner}: '{self.name}' = {str(name)!r} is not one of {', '.join(self.choices)}")
            value = np.vectorize(self.choices.index, otypes=[np.float64])(names) if names.ndim else \
                float(self.choices.index(str(names)))
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ModelError(f"{owner}: '{self.name}' must be a number or an array of numbers ({err})") from None
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != size):
            raise ModelError(
                f"{owner}: '{self.name}' has shape {arr.shape}; expected a scalar or shape ({size},)"
            )
        arr = np.broadcast_to(arr, (size,)).copy()
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(f"{owner}: '{self.name}' is not finite at neuron {i} (got {arr[i].item()!r}); "
                             "give a finite number")
        self._check_range(arr, owner)
        return arr

    def _check_range(self, arr: np.ndarray, owner: str) -> None:
        rules = []
        if self.low is not None:
            rules.append((arr < self.low, f"below {self.low}"))
        if self.high is not None:
            rules.append((arr > self.high, f"above {self.high}"))
        if self.integer or self.choices is not None:
            rules.append((arr != np.round(arr), "not an integer"))
        if self.choices is not None:
            rules.append(((arr < 0) | (arr >= len(self.choices)),
                          f"not an index of the choices (0 to {len(self.choices) - 1})"))
        for mask, what in rules:
            if mask.any():
                i = int(np.argmax(mask))
                allowed = f"[{self.low}, {self.high}]" if self.choices is None else ", ".join(self.choices)
                raise ModelError(
                    f"{owner}: '{self.name}' = {arr[i].item()!r} at neuron {i} is {what} (allowed: {allowed})"
                )


PRECISIONS = ("float64", "float32")  # the choices of the float models' ``precision``
THRESHOLDS = (">", ">=")  # the choices of the spiking float models' ``threshold``
RESETS = ("value", "subtract", "subtract_next", "none")  # the choices of the leaky float models' ``reset``
PAYLOADS = ("binary", "ternary", "graded")
"""What a model's spikes carry (``NeuronModel.payload``): ``binary`` the value 1; ``ternary`` ``+s`` or
``-s`` of a scale ``s`` per neuron (a sign and a scale the synapses can absorb); ``graded`` any value
(a spike count, an n-bit value)."""

# The parameters that mean the same in every float model that has them, each defined once; a model
# picks its own with :func:`float_params`, in the order of its columns.
_FLOAT_PARAMS = {param.name: param for param in (
    Param("alpha", low=0.0, high=1.0, doc="synaptic current decay per tick"),
    Param("beta", low=0.0, high=1.0, doc="membrane decay per tick"),
    Param("v_th", doc="firing threshold"),
    Param("v_leak", default=0.0, doc="resting potential"),
    Param("v_reset", default=0.0, doc="potential after a spike when reset='value'"),
    Param("gain", default=1.0, doc="scale of the synaptic input"),
    Param("bias", default=0.0, doc="constant input added every tick"),
    Param("reset", default=0.0, choices=RESETS, doc="reset mechanism"),
    Param("threshold", default=0.0, choices=THRESHOLDS, doc="spike condition"),
    Param("precision", default=0.0, choices=PRECISIONS, doc="arithmetic precision"),
)}


def float_params(*names: str) -> tuple[Param, ...]:
    """The shared float-model parameters ``names``, in that order.

    Parameters
    ----------
    *names : str
        Names among ``alpha, beta, v_th, v_leak, v_reset, gain, bias, reset, threshold, precision``.

    Returns
    -------
    tuple of Param
        One spec per name; a model whose parameter means something else defines its own ``Param``.
    """
    return tuple(_FLOAT_PARAMS[name] for name in names)


def precision_groups(params: np.ndarray, column: int) -> Iterator[tuple[np.ndarray, type, np.ndarray]]:
    """Split a float model's population by precision, for its numpy reference step.

    Parameters
    ----------
    params : ndarray
        ``(n, n_params)`` float64 parameter rows.
    column : int
        The column of the ``precision`` parameter (a code into :data:`PRECISIONS`).

    Yields
    ------
    tuple of (ndarray, type, ndarray)
        For each precision in turn: the ``(n,)`` mask of its neurons, its numpy scalar type, and
        their parameter rows cast to it.
    """
    for code, name in enumerate(PRECISIONS):
        sel = params[:, column] == code
        yield sel, np.dtype(name).type, params[sel].astype(name)


def spike_and_reset(v: np.ndarray, v_th: np.ndarray, v_reset: np.ndarray, ge: np.ndarray,
                    reset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The spike test and the reset of a spiking float model, numpy (for reference steps).

    Parameters
    ----------
    v, v_th, v_reset : ndarray
        Potentials before the test, thresholds and reset values, all in one float type.
    ge : ndarray of bool
        True where the test is ``v >= v_th`` (:data:`THRESHOLDS` ``">="``), else ``v > v_th``.
    reset : ndarray
        Reset codes of the model: ``value`` (``v <- v_reset``) and ``subtract`` (``v <- v - v_th``)
        are the first two of every model's resets; any other leaves ``v`` as it is.

    Returns
    -------
    tuple of ndarray
        ``(spiked, v)``: who fired, and the potentials after the reset.
    """
    spiked = np.where(ge, v >= v_th, v > v_th)
    v = np.where(spiked & (reset == RESETS.index("value")), v_reset, v)
    v = np.where(spiked & (reset == RESETS.index("subtract")), v - v_th, v)
    return spiked, v


@dataclass(frozen=True)
class StateVar:
    """One state variable of a neuron model and its value at tick -1 (before the first tick)."""

    name: str
    initial: float = 0.0
    doc: str = ""


@dataclass(frozen=True)
class NirReader:
    """How a model reads NIR neuron nodes, for ``load_nir(model_map=...)`` (``docs/nir.md`` section 8).

    ``node_types`` are the NIR neuron types it reads (``"LIF"``, ``"IF"``, ...); ``read(node)`` gets
    a :class:`neurosim.nir.model_map.NirNode` (the node, its size, the dialect, the bias reaching it)
    and returns ``(params, init)``: the population's parameters and initial state, by name.
    """

    node_types: tuple[str, ...]
    read: Callable = field(repr=False)


@dataclass(frozen=True)
class NeuronModel:
    """A registered neuron model. See the module docstring for the handler contract.

    ``source`` cites where the equations come from (paper, section; framework, module), one line;
    ``doc`` is the full description (its first sentence is what ``neurosim models`` lists); ``nir``
    declares the NIR nodes the model can be read from (built-in models are read by the importer itself).
    """

    name: str
    params: tuple[Param, ...]
    state: tuple[StateVar, ...]
    update: Callable = field(repr=False)
    reference_step: Callable = field(repr=False)
    spiking: bool = True
    integer_input: bool = False  # fixed-point models: weights and spike values must be integers
    doc: str = ""
    dense_update: Callable | None = field(default=None, repr=False)  # optional, see the module docstring
    uniform_update: Callable | None = field(default=None, repr=False)  # optional, see the module docstring
    source: str = ""
    nir: NirReader | None = None
    stochastic: bool = False  # the handlers draw from (seed, global neuron id, tick): see the module docstring
    payload: str | Callable[[np.ndarray], str] = "binary"
    """What the spikes carry, one of :data:`PAYLOADS`, or a function of a population's ``(n, len(params))``
    parameter array returning one (for a model whose parameters decide, e.g. ``cuba_lif``'s ``max_spikes``)."""

    def payload_of(self, params: np.ndarray) -> str:
        """What the spikes of a population with parameters ``params`` carry (one of :data:`PAYLOADS`)."""
        kind = self.payload(params) if callable(self.payload) else self.payload
        if kind not in PAYLOADS:
            raise ModelError(f"model '{self.name}': payload {kind!r} is not one of {', '.join(PAYLOADS)}; "
                             "declare what the model's spikes carry")
        return kind

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.state)

    def encode_params(self, values: dict[str, object], owner: str, size: int) -> np.ndarray:
        """Validate user parameters and return them as a ``(size, len(params))`` float64 array."""
        self._refuse_unknown(values, self.param_names, "parameter", owner)
        columns = []
        for p in self.params:
            if p.name in values:
                columns.append(p.encode(values[p.name], owner, size))
            elif p.default is None:
                raise ModelError(f"{owner}: model '{self.name}' needs parameter '{p.name}' ({p.doc})")
            else:
                columns.append(p.encode(p.default, owner, size))
        return np.stack(columns, axis=1) if columns else np.zeros((size, 0))

    def encode_state(self, values: dict[str, object], owner: str, size: int) -> np.ndarray:
        """Validate initial state values and return them as a ``(size, len(state))`` float64 array."""
        self._refuse_unknown(values, self.state_names, "state variable", owner)
        columns = []
        for s in self.state:
            spec = Param(s.name, default=s.initial)
            columns.append(spec.encode(values.get(s.name, s.initial), owner, size))
        return np.stack(columns, axis=1)

    def _refuse_unknown(self, values: dict[str, object], known: tuple[str, ...], kind: str, owner: str) -> None:
        for name in values:
            if name not in known:
                raise ModelError(f"{owner}: unknown {kind} '{name}' for model '{self.name}'"
                                 f"{did_you_mean(name, known)} (known: {', '.join(known)})")


_MODELS: dict[str, NeuronModel] = {}
_ORIGINS: dict[str, str] = {}
_REGISTERING_AS: list[str] = []  # the origin of the models registered now (a plugin being loaded)
BUILT_IN = "built-in"


@contextmanager
def registering_as(origin: str) -> Iterator[None]:
    """Record ``origin`` (e.g. ``"plugin package NAME 1.0"``) for every model registered inside the block."""
    _REGISTERING_AS.append(origin)
    try:
        yield
    finally:
        _REGISTERING_AS.pop()


def register(model: NeuronModel) -> NeuronModel:
    """Add ``model`` to the registry; a second model of the same name is refused.

    Its origin is the plugin being loaded, else ``"built-in"`` for a handler defined in ``neurosim``,
    else ``"module M"`` (the handler's module).
    """
    """Add ``model`` to the registry; a second model of the same name, or an unknown payload, is refused."""
    if not callable(model.payload) and model.payload not in PAYLOADS:
        raise ModelError(f"model '{model.name}': payload {model.payload!r} is not one of {', '.join(PAYLOADS)}; "
                         "declare what the model's spikes carry")
    if model.name in _MODELS:
        raise ModelError(f"a neuron model named '{model.name}' is already registered ({_ORIGINS[model.name]}); "
                         "register yours under another name")
    module = getattr(getattr(model.update, "py_func", model.update), "__module__", None) or "?"
    _MODELS[model.name] = model
    _ORIGINS[model.name] = _REGISTERING_AS[-1] if _REGISTERING_AS else \
        BUILT_IN if module.split(".")[0] == "neurosim" else f"module {module}"
    return model


def unregister_since(count: int) -> None:
    """Remove the models registered after the first ``count`` (a plugin that failed half-way)."""
    for name in list(_MODELS)[count:]:
        del _MODELS[name], _ORIGINS[name]


def model_origin(name: str) -> str:
    """Where the registered model ``name`` comes from: ``"built-in"``, ``"plugin ..."`` or ``"module ..."``."""
    get_model(name)
    return _ORIGINS[name]


def get_model(name: str) -> NeuronModel:
    """Return the registered model ``name`` or raise a ModelError listing the known ones.

    A name not registered yet that an installed package declares in the ``neurosim.models`` entry
    point group loads that plugin first (:func:`neurosim.models.plugins.load_entry_point`).
    """
    if not isinstance(name, str):
        raise ModelError(f"a neuron model is named by a string, got {type(name).__name__} {name!r:.60}; "
                         f"pass one of: {', '.join(sorted(_MODELS))}")
    if name not in _MODELS:
        from neurosim.models import plugins  # installed plugins load on first use

        if not plugins.load_entry_point(name):
            names = sorted(set(_MODELS) | set(plugins.entry_point_names()))
            raise ModelError(f"unknown neuron model {name!r}{did_you_mean(name, names, n=3)} "
                             f"(known: {', '.join(names)})")
    return _MODELS[name]


def list_models() -> list[str]:
    """Names of every registered neuron model, sorted."""
    return sorted(_MODELS)


def registered_models() -> tuple[NeuronModel, ...]:
    """Every registered model in registration order (their position is their engine id)."""
    return tuple(_MODELS.values())
