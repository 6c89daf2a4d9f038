"""Every registered neuron model, driven as the engine drives it, matches its dense reference.

The loop is over ``neurosim.models.registered_models()``, so no model, including one added later,
can skip it; its random population comes from ``samplers.SAMPLERS``. For each tick the dense side
applies ``reference_step`` to every neuron; the event-driven side calls ``update`` only on the
neurons that receive input (an event, possibly of zero weight) or that the handler listed awake
after their previous update, with ``elapsed`` = ticks since that update, exactly as
``neurosim.engine.kernels.run_ticks`` does. Inputs come in busy stretches separated by silent ones
(idle gaps of up to ~150 ticks), and some are chosen so that the reference puts a neuron
exactly on its threshold. At every tick:

* a neuron left asleep must not fire in the dense run (the awake rule is conservative);
* the updated neurons fire the same spikes with the same values;
* their states are equal: exactly for the neurons the sampler marks exact (float32, integer models,
  float64 on a dyadic grid), within ``RTOL`` (plus ``ATOL`` near zero) for float64 closed forms.

The last tick gives every neuron an event, so every neuron's final state is compared.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from samplers import SAMPLERS, Sample

from neurosim.models import NeuronModel, registered_models
from neurosim.models import lif

SEEDS = (0, 1, 2)
N_NEURONS = 40
N_TICKS = 300
RTOL = 1e-9  # float64 closed-form catch-up: a few ulp per idle stretch, far below this
ATOL = 1e-12  # for states that pass through zero, where a relative bound means nothing
KNIFE_RATE = 0.25  # share of an exact neuron's input events aimed at the threshold
KNIFE_TICK_RATE = 0.3  # share of ticks that have such events (the search costs reference steps)
FINE_STEPS = 36  # halvings of one input step for the ``fine`` neurons: below float32 resolution

CASES = [pytest.param(model, seed, id=f"{model.name}-seed{seed}")
         for model in registered_models() for seed in SEEDS]


class _Dense:
    """``reference_step`` of one population, with the ``t`` and ``seed`` a stochastic model takes.

    Its ``ids`` keep their default, ``0 .. n - 1``: the ids the handler sees here.
    """

    def __init__(self, model: NeuronModel, params: np.ndarray, seed: int) -> None:
        self.step = model.reference_step
        self.params = params
        self.seed = seed
        self.keywords = inspect.signature(self.step).parameters

    def __call__(self, state: np.ndarray, x: np.ndarray, t: int) -> np.ndarray:
        extra = {}
        if "t" in self.keywords:
            extra["t"] = t
        if "seed" in self.keywords:
            extra["seed"] = self.seed
        return self.step(state, self.params, x, **extra)

    def fires(self, state: np.ndarray, x: np.ndarray, t: int) -> np.ndarray:
        """Which neurons would fire with input ``x``, leaving ``state`` untouched."""
        return self(state.copy(), x, t) != 0.0


def _schedule(rng: np.random.Generator, n: int, ticks: int) -> np.ndarray:
    """(ticks, n) bool: which neurons receive a synaptic event at each tick.

    Busy stretches (various rates) alternate with silent ones of up to 150 ticks; the last tick
    touches every neuron.
    """
    has = np.zeros((ticks, n), dtype=bool)
    t = 0
    while t < ticks:
        length = int(rng.integers(1, 150)) if rng.random() < 0.3 else int(rng.integers(1, 20))
        rate = rng.choice([0.0, 0.02, 0.1, 0.5])
        stop = min(t + length, ticks)
        has[t:stop] = rng.random((stop - t, n)) < rate
        t = stop
    has[-1] = True
    return has


def _at_threshold(dense: _Dense, state: np.ndarray, x: np.ndarray, t: int, aim: np.ndarray,
                  sample: Sample, rng: np.random.Generator) -> np.ndarray:
    """``x`` with the inputs of neurons ``aim`` moved to where the reference's spike flips.

    Bisection for two neighbouring inputs, one that fires and one that does not, first on the input
    grid, then (for the sample's ``fine`` neurons) ``FINE_STEPS`` more halvings on the real line;
    one of the two is taken at random. With exact arithmetic one of them puts the
    potential exactly on the threshold (``v == v_th`` fires for ``>=`` and not for ``>``). Neurons
    whose spike does not flip within the input range keep their input.
    """
    lo = np.full(x.size, -2.0 * sample.input_max)
    hi = np.full(x.size, 4.0 * sample.input_max)
    trial = x.copy()
    trial[aim] = lo[aim] * sample.input_step
    fires_lo = dense.fires(state, trial, t)
    trial[aim] = hi[aim] * sample.input_step
    aim = aim & (fires_lo != dense.fires(state, trial, t))
    fine = np.zeros(x.size, dtype=bool) if sample.fine is None else aim & np.asarray(sample.fine, dtype=bool)

    def halve(active: np.ndarray, mid: np.ndarray) -> None:
        # Invariant: for every aimed neuron, inputs lo and hi (in steps) give different spikes.
        trial[active] = mid[active] * sample.input_step
        same_as_lo = dense.fires(state, trial, t) == fires_lo
        lo[active & same_as_lo] = mid[active & same_as_lo]
        hi[active & ~same_as_lo] = mid[active & ~same_as_lo]

    while np.any(aim & (hi - lo > 1)):
        halve(aim & (hi - lo > 1), np.floor((lo + hi) / 2))
    for _ in range(FINE_STEPS if fine.any() else 0):
        halve(fine, (lo + hi) / 2)
    out = x.copy()
    pick = np.where(rng.random(x.size) < 0.5, lo, hi)
    out[aim] = pick[aim] * sample.input_step
    return out


def _neuron(model: NeuronModel, params: np.ndarray, j: int) -> str:
    """Neuron ``j`` and its parameters, choices by name, for messages."""
    values = []
    for k, p in enumerate(model.params):
        value = params[j, k]
        values.append(f"{p.name}={p.choices[int(value)]!r}" if p.choices else f"{p.name}={float(value)!r}")
    return f"neuron {j} ({', '.join(values)})"


def _previous(idx: np.ndarray, elapsed: np.ndarray, t: int, j: int) -> str:
    """The tick before ``t`` at which neuron ``j`` was last updated, for messages."""
    k = int(np.searchsorted(idx, j))
    return str(t - elapsed[k]) if k < idx.size and idx[k] == j else "? (it was not updated)"


def _compare(model: NeuronModel, sample: Sample, seed: int, n_ticks: int = N_TICKS) -> None:
    """Drive ``model`` both ways on ``sample``; raise AssertionError at the first difference."""
    rng = np.random.default_rng([seed, 1])
    n = len(next(iter(sample.params.values())))
    params = model.encode_params(sample.params, model.name, n)
    ref_state = model.encode_state(sample.state, model.name, n)
    comp_state = ref_state.copy()
    exact = np.ones(n, dtype=bool) if sample.exact is None else np.asarray(sample.exact, dtype=bool)
    dense = _Dense(model, params, seed)
    has_input = _schedule(rng, n, n_ticks)
    last = np.full(n, -1, dtype=np.int64)
    awake = np.arange(n, dtype=np.int64)  # every neuron is awake at the first tick
    fired, payload, awake_out = np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.int64)
    for t in range(n_ticks):
        steps = rng.integers(-sample.input_max // 2, sample.input_max + 1, n)
        x = np.where(has_input[t], steps * sample.input_step, 0.0)
        aim = has_input[t] & exact & (rng.random(n) < KNIFE_RATE)
        if aim.any() and rng.random() < KNIFE_TICK_RATE:
            x = _at_threshold(dense, ref_state, x, t, aim, sample, rng)
        ref_out = dense(ref_state, x, t)

        touched = has_input[t].copy()
        touched[awake] = True
        idx = np.flatnonzero(touched).astype(np.int64)
        elapsed = t - last[idx]
        last[idx] = t
        n_fired, n_awake = model.update(comp_state, params, idx, x[idx], elapsed, t, seed, fired, payload,
                                        awake_out)
        comp_out = np.zeros(n)
        comp_out[fired[:n_fired]] = payload[:n_fired]
        awake = awake_out[:n_awake].copy()

        where = f"model '{model.name}', seed {seed}, tick {t}"
        asleep_firing = np.flatnonzero(~touched & (ref_out != 0.0))
        if asleep_firing.size:
            j = int(asleep_firing[0])
            raise AssertionError(f"{where}: {_neuron(model, params, j)} fires in the dense run but the "
                                 f"handler let it sleep after its update at tick {last[j]}")
        wrong = np.flatnonzero(comp_out != ref_out)
        if wrong.size:
            j = int(wrong[0])
            raise AssertionError(f"{where}: {_neuron(model, params, j)}, previous update at tick "
                                 f"{_previous(idx, elapsed, t, j)}: spike {comp_out[j]} from the handler, "
                                 f"{ref_out[j]} from the reference")
        assert np.isin(awake, idx).all(), f"{where}: a neuron listed awake was not updated"
        ref_rows, comp_rows = ref_state[idx], comp_state[idx]
        close = np.abs(comp_rows - ref_rows) <= ATOL + RTOL * np.abs(ref_rows)
        ok = np.where(exact[idx, None], comp_rows == ref_rows, close)
        if not ok.all():
            k, v = np.argwhere(~ok)[0]
            j = int(idx[k])
            raise AssertionError(
                f"{where}: {_neuron(model, params, j)}, idle {elapsed[k] - 1} ticks: state "
                f"'{model.state_names[v]}' is {comp_rows[k, v]!r} from the handler, {ref_rows[k, v]!r} "
                f"from the reference ({'exact' if exact[j] else f'rtol {RTOL}'})")


@pytest.mark.parametrize("model, seed", CASES)
def test_event_driven_update_matches_dense_reference(model: NeuronModel, seed: int) -> None:
    """Handler with idle catch-up and awake lists == reference_step every tick (see module doc)."""
    if model.name not in SAMPLERS:
        pytest.fail(f"neuron model '{model.name}' has no random-parameter sampler: add an entry "
                    f"'{model.name}' to SAMPLERS in tests/models/samplers.py")
    sample = SAMPLERS[model.name](np.random.default_rng(seed), N_NEURONS)
    _compare(model, sample, seed)


def _lif_sample() -> Sample:
    return SAMPLERS["lif"](np.random.default_rng(0), N_NEURONS)


def test_comparison_fails_for_a_handler_that_skips_catch_up() -> None:
    """The check can fail: lif's handler told that no tick was idle is caught."""
    def no_catch_up(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
        return lif.update(state, params, idx, x, np.ones_like(elapsed), t, seed, fired, payload, awake)

    broken = NeuronModel("lif", lif.PARAMS, lif.STATE, no_catch_up, lif.reference_step)
    with pytest.raises(AssertionError, match="from the handler"):
        _compare(broken, _lif_sample(), seed=0)


def test_comparison_fails_for_a_handler_that_lets_every_neuron_sleep() -> None:
    """The check can fail: lif's handler with an empty awake list is caught."""
    def never_awake(state, params, idx, x, elapsed, t, seed, fired, payload, awake):
        n_fired, _n_awake = lif.update(state, params, idx, x, elapsed, t, seed, fired, payload, awake)
        return n_fired, 0

    broken = NeuronModel("lif", lif.PARAMS, lif.STATE, never_awake, lif.reference_step)
    with pytest.raises(AssertionError, match="handler let it sleep"):
        _compare(broken, _lif_sample(), seed=0)
