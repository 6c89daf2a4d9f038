"""Seeded random populations for every registered neuron model (used by ``test_all_models.py``).

``SAMPLERS[name](rng, n)`` returns a :class:`Sample`: parameters and initial state for ``n``
neurons of model ``name``, the input grid, and which neurons claim bit-identity with dense
stepping. A model registered without an entry here fails ``test_all_models.py``: add one next to
the others.

Float models mix three kinds of neuron, because their idle catch-up has two policies
(``docs/semantics.md`` section 8):

* float32 neurons are caught up tick by tick, so they are *exact* whatever their parameters;
* float64 neurons on a dyadic *grid* (decays in {0, 1/4, 1/2, 1}, ``v_leak = 0``, values multiples
  of 1/16, and for ``cuba_lif`` only decay pairs without a sum in the closed form) have closed
  forms that are exact too: every idle tick is a product by a power of two;
* float64 neurons with continuous parameters are caught up in closed form within a few ulp, so
  their states are compared with a tolerance and they get no inputs aimed exactly at the threshold.

Integer models are exact throughout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable

import numpy as np
import numpy.typing as npt

from neurosim.models import alif as alif_model
from neurosim.models import cuba_li as cuba_li_model
from neurosim.models import cuba_lif as cuba_lif_model
from neurosim.models import if_ as if_model
from neurosim.models import lif as lif_model
from neurosim.models import masked_psn as masked_psn_model
from neurosim.models import psn as psn_model
from neurosim.models import sliding_psn as sliding_psn_model
from neurosim.models import li as li_model
from neurosim.models import st_bif as st_bif_model
from neurosim.models import truenorth as truenorth_model
from neurosim.models import ttfs as ttfs_model

GRID = 1.0 / 16.0  # the dyadic grid of the exact float64 neurons and of float inputs


@dataclass(frozen=True)
class Sample:
    """A random population of one model.

    Parameters
    ----------
    params : parameter name -> (n,) values (a choice as its index), as ``NeuronModel.encode_params``
        takes them.
    state : state variable name -> (n,) initial values; missing ones start at their default.
    exact : (n,) bool, the neurons whose handler must match dense stepping bit for bit (they also
        get inputs that put them exactly at the threshold); ``None`` means every neuron.
    fine : (n,) bool, exact neurons that stay exact for any input value (the exact neurons of the
        float models; not those of integer models, whose inputs must be integers): their
        threshold-aimed inputs are refined below the grid to float resolution, so that the
        potential lands exactly on a threshold that is not a grid value; ``None``: none.
    input_step : inputs are integer multiples of this (except the refined ones).
    input_max : largest input, in steps (inputs lie in ``[-input_max / 2, input_max]`` steps).
    """

    params: dict[str, npt.ArrayLike]
    state: dict[str, npt.ArrayLike] = field(default_factory=dict)
    exact: npt.NDArray[np.bool_] | None = None
    fine: npt.NDArray[np.bool_] | None = None
    input_step: float = GRID
    input_max: int = 16


def _pick(rng: np.random.Generator, values: tuple, n: int) -> np.ndarray:
    return rng.choice(np.asarray(values), n)


def _choose(rng: np.random.Generator, choices: tuple[str, ...], n: int) -> np.ndarray:
    """Random choices, as their indices (the way parameters store them)."""
    return rng.integers(0, len(choices), n)


def _precision(single: np.ndarray, choices: tuple[str, ...]) -> np.ndarray:
    return np.where(single, choices.index("float32"), choices.index("float64"))


def _grid(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """Random multiples of :data:`GRID` in ``[low, high]``."""
    return rng.integers(round(low / GRID), round(high / GRID) + 1, n) * GRID


def _decay(rng: np.random.Generator, n: int) -> np.ndarray:
    """Continuous decays in [0.5, 1), with the edge values 0 and 1 mixed in."""
    d = rng.uniform(0.5, 1.0, n)
    edge = rng.random(n)
    return np.where(edge < 0.1, 1.0, np.where(edge < 0.15, 0.0, d))


def _kinds(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(single, grid): float32 neurons, and float64 neurons on the dyadic grid."""
    single = rng.random(n) < 0.4
    grid = ~single & (rng.random(n) < 0.5)
    return single, grid


def _bias(rng: np.random.Generator, grid: np.ndarray, n: int) -> np.ndarray:
    """Mostly zero (so that neurons can sleep); small grid or continuous values otherwise."""
    value = np.where(grid, _grid(rng, -0.25, 0.25, n), rng.uniform(-0.1, 0.2, n))
    return np.where(rng.random(n) < 0.8, 0.0, value)


def _common(rng: np.random.Generator, n: int, grid: np.ndarray, single: np.ndarray, module: ModuleType) -> dict:
    """The threshold, reset, bias and precision parameters of lif, cuba_lif and if (``module``)."""
    return {
        "v_th": np.where(grid, _grid(rng, 0.5, 2.0, n), rng.uniform(0.3, 2.0, n)),
        "v_reset": np.where(grid, _grid(rng, -0.5, 0.5, n), rng.uniform(-0.5, 0.5, n)),
        "bias": _bias(rng, grid, n),
        "reset": _choose(rng, module.RESETS, n),
        "threshold": _choose(rng, module.THRESHOLDS, n),
        "precision": _precision(single, module.PRECISIONS),
    }


def _potential(rng: np.random.Generator, grid: np.ndarray, v_th: np.ndarray, n: int) -> np.ndarray:
    """Initial potentials from well below to just above the threshold."""
    v = v_th * rng.uniform(-0.5, 1.2, n)
    return np.where(grid, np.round(v / GRID) * GRID, v)


def lif(rng: np.random.Generator, n: int) -> Sample:
    single, grid = _kinds(rng, n)
    params = _common(rng, n, grid, single, lif_model)
    params["beta"] = np.where(grid, _pick(rng, (0.0, 0.25, 0.5, 1.0), n), _decay(rng, n))
    params["v_leak"] = np.where(grid, 0.0, np.where(rng.random(n) < 0.3, 0.0, rng.uniform(-0.5, 0.5, n)))
    params["gain"] = np.where(grid, _pick(rng, (0.5, 1.0, 2.0, -1.0), n), rng.uniform(0.2, 2.0, n))
    state = {"v": _potential(rng, grid, params["v_th"], n), "s_prev": (rng.random(n) < 0.1) * 1.0}
    return Sample(params, state, exact=single | grid, fine=single | grid)


def cuba_lif(rng: np.random.Generator, n: int) -> Sample:
    single, grid = _kinds(rng, n)
    params = _common(rng, n, grid, single, cuba_lif_model)
    # Grid decay pairs (0, b), (a, 0) or (1, 1): every idle tick is then a product by a power of
    # two (alpha = 0 empties i at once; beta = 0 makes u = gain * alpha**n * i; with alpha = beta = 1
    # and i != 0 the neuron is never idle), so the closed form and stepping are both exact. Other
    # pairs, even alpha == beta, add sums whose rounding differs from stepping's in the last bit.
    a, b = _pick(rng, (0.0, 0.25, 0.5, 1.0), n), _pick(rng, (0.0, 0.25, 0.5, 1.0), n)
    pair = rng.integers(0, 3, n)
    grid_alpha = np.where(pair == 0, 0.0, np.where(pair == 1, a, 1.0))
    grid_beta = np.where(pair == 0, b, np.where(pair == 1, 0.0, 1.0))
    # Continuous decays include alpha == beta exactly and nearly (the closed form's hard cases).
    alpha, beta = _decay(rng, n), _decay(rng, n)
    tie = rng.random(n)
    beta = np.where(tie < 0.1, alpha, np.where(tie < 0.2, np.clip(alpha - 1e-9, 0.0, 1.0), beta))
    params["alpha"] = np.where(grid, grid_alpha, alpha)
    params["beta"] = np.where(grid, grid_beta, beta)
    params["v_leak"] = np.where(grid, 0.0, np.where(rng.random(n) < 0.3, 0.0, rng.uniform(-0.5, 0.5, n)))
    params["gain_syn"] = np.where(grid, _pick(rng, (0.5, 1.0, 2.0), n), rng.uniform(0.3, 1.5, n))
    params["gain"] = np.where(grid, _pick(rng, (0.25, 0.5, 1.0, -0.5), n), rng.uniform(0.1, 1.0, n))
    params["bias_in"] = _bias(rng, grid, n)
    # snnTorch 0.8.0-0.9.1 (the current decays from v): idle ticks are stepped, exact for any
    # parameters; decays scaled so that the idle map v <- (beta + gain * alpha) v contracts.
    from_v = rng.random(n) < 0.25
    params["current_from"] = np.where(from_v, 1, 0)
    params["alpha"] = np.where(from_v, params["alpha"] * 0.4, params["alpha"])
    params["beta"] = np.where(from_v, params["beta"] * 0.5, params["beta"])
    state = {
        "i": np.where(grid, _grid(rng, -1.0, 1.0, n), rng.uniform(-1.0, 1.0, n)),
        "v": _potential(rng, grid, params["v_th"], n),
        "s_prev": (rng.random(n) < 0.1) * 1.0,
    }
    # Multi-spike neurons (Rockpool's max_spikes_per_dt) only among the exact ones: a count boundary
    # (v = k v_th) is a threshold too, which the tolerance of the others cannot straddle.
    multi = (single | grid) & (rng.random(n) < 0.3)
    params["max_spikes"] = np.where(multi, _pick(rng, (2.0, 3.0, 65536.0), n), 1.0)
    exact = single | grid | from_v
    return Sample(params, state, exact=exact, fine=exact)


def cuba_li(rng: np.random.Generator, n: int) -> Sample:
    single, grid = _kinds(rng, n)
    # Grid decay pairs as for cuba_lif: (0, b), (a, 0) or (1, 1) keep the closed form exact.
    a, b = _pick(rng, (0.0, 0.25, 0.5, 1.0), n), _pick(rng, (0.0, 0.25, 0.5, 1.0), n)
    pair = rng.integers(0, 3, n)
    alpha, beta = _decay(rng, n), _decay(rng, n)
    beta = np.where(rng.random(n) < 0.1, alpha, beta)
    params = {
        "alpha": np.where(grid, np.where(pair == 0, 0.0, np.where(pair == 1, a, 1.0)), alpha),
        "beta": np.where(grid, np.where(pair == 0, b, np.where(pair == 1, 0.0, 1.0)), beta),
        "v_leak": np.where(grid, 0.0, rng.uniform(-0.5, 0.5, n)),
        "gain_syn": np.where(grid, _pick(rng, (0.5, 1.0, 2.0), n), rng.uniform(0.3, 1.5, n)),
        "gain": np.where(grid, _pick(rng, (0.25, 0.5, 1.0, -0.5), n), rng.uniform(0.1, 1.0, n)),
        "bias": _bias(rng, grid, n),
        "bias_in": _bias(rng, grid, n),
        "precision": _precision(single, cuba_li_model.PRECISIONS),
    }
    i, v = rng.uniform(-1.0, 1.0, n), rng.uniform(-2.0, 2.0, n)
    state = {"i": np.where(grid, np.round(i / GRID) * GRID, i), "v": np.where(grid, np.round(v / GRID) * GRID, v)}
    return Sample(params, state, exact=single | grid)


def if_(rng: np.random.Generator, n: int) -> Sample:
    # Idle ticks of "if" add only zeros: catch-up is exact in both precisions, for any parameters.
    single, grid = _kinds(rng, n)
    params = _common(rng, n, grid, single, if_model)
    params["gain"] = np.where(grid, _pick(rng, (0.5, 1.0, 2.0, -1.0), n), rng.uniform(0.2, 2.0, n))
    return Sample(params, {"v": _potential(rng, grid, params["v_th"], n)}, fine=np.ones(n, dtype=bool))


def li(rng: np.random.Generator, n: int) -> Sample:
    single, grid = _kinds(rng, n)
    params = {
        "beta": np.where(grid, _pick(rng, (0.0, 0.25, 0.5, 1.0), n), _decay(rng, n)),
        "v_leak": np.where(grid, 0.0, rng.uniform(-0.5, 0.5, n)),
        "gain": np.where(grid, _pick(rng, (0.5, 1.0, 2.0, -1.0), n), rng.uniform(0.2, 2.0, n)),
        "bias": _bias(rng, grid, n),
        "precision": _precision(single, li_model.PRECISIONS),
    }
    v = rng.uniform(-2.0, 2.0, n)
    return Sample(params, {"v": np.where(grid, np.round(v / GRID) * GRID, v)}, exact=single | grid)


def integrator(rng: np.random.Generator, n: int) -> Sample:
    # Idle ticks add only zeros: catch-up is exact in both precisions, for any parameters.
    single, grid = _kinds(rng, n)
    params = {
        "gain": np.where(grid, _pick(rng, (0.5, 1.0, 2.0, -1.0), n), rng.uniform(0.2, 2.0, n)),
        "bias": _bias(rng, grid, n),
        "precision": _precision(single, li_model.PRECISIONS),
    }
    return Sample(params, {"v": rng.uniform(-2.0, 2.0, n)})


def loihi_cuba(rng: np.random.Generator, n: int) -> Sample:
    # Fixed point: integer inputs only (input_step=1.0); a float input is a modelling error that
    # network validation rejects (the handler would truncate it toward zero). Decays that settle
    # within tens of ticks (so that neurons also sleep), plus the edges 0 and 4095; thresholds
    # reachable by a few inputs (x adds x * 2**6 to u; v fires above vth * 2**6).
    du = np.where(rng.random(n) < 0.2, _pick(rng, (0, 4095), n), rng.integers(1024, 4096, n))
    dv = np.where(rng.random(n) < 0.2, _pick(rng, (0, 4095), n), rng.integers(1024, 4096, n))
    vth = rng.integers(1, 400, n)
    refractory = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 6, n))
    params = {
        "du": du, "dv": dv, "vth": vth,
        "bias_mant": np.where(rng.random(n) < 0.8, 0, rng.integers(-200, 200, n)),
        "bias_exp": rng.integers(0, 4, n),
        "refractory": refractory,
    }
    state = {
        "u": rng.integers(-(1 << 14), 1 << 14, n),
        "v": rng.integers(-(1 << 6), 1 << 6, n) * vth,
        "ref": rng.integers(0, refractory + 1),
    }
    return Sample(params, state, input_step=1.0, input_max=200)


def truenorth(rng: np.random.Generator, n: int) -> Sample:
    # Integer model: feed integer inputs only (input_step=1.0). Its stochastic draws are keyed by
    # (seed, global neuron id, tick): call reference_step with t=, seed= and ids= as the handler sees them.
    params = {
        "alpha": rng.integers(1, 200, n),
        "beta": rng.integers(0, 120, n),
        "leak": np.where(rng.random(n) < 0.6, 0, rng.integers(-6, 7, n)),  # a leak keeps V moving
        "leak_reversal": rng.integers(0, 2, n),
        "stochastic_leak": rng.integers(0, 2, n),
        "kappa": rng.integers(0, 2, n),
        "gamma": _choose(rng, truenorth_model.RESET_MODES, n),
        "v_reset": rng.integers(-20, 21, n),
        "threshold_mask": _pick(rng, (0, 0, 7, 31), n),
    }
    return Sample(params, {"v": rng.integers(-150, 150, n)}, input_step=1.0, input_max=80)


def alif(rng: np.random.Generator, n: int) -> Sample:
    # Catch-up steps idle ticks one by one: exact for any parameters.
    _single, grid = _kinds(rng, n)
    v_th = np.where(grid, _grid(rng, 0.5, 2.0, n), rng.uniform(0.3, 2.0, n))
    params = {
        "alpha": np.where(grid, _pick(rng, (0.0, 0.25, 0.5, 1.0), n), _decay(rng, n)),
        "rho": np.where(grid, _pick(rng, (0.0, 0.5, 1.0), n), _decay(rng, n)),
        "v_th": v_th,
        "beta": np.where(rng.random(n) < 0.2, 0.0, np.where(grid, _grid(rng, 0.0, 1.0, n), rng.uniform(0.0, 1.0, n))),
        "gain": np.where(grid, _pick(rng, (0.5, 1.0, 2.0, -1.0), n), rng.uniform(0.2, 2.0, n)),
        "bias": _bias(rng, grid, n),
        "threshold": _choose(rng, alif_model.THRESHOLDS, n),
    }
    a = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(-0.5, 3.0, n))
    state = {"v": _potential(rng, grid, v_th, n), "a": np.where(grid, np.round(a / GRID) * GRID, a),
             "s_prev": (rng.random(n) < 0.1) * 1.0}
    return Sample(params, state, fine=np.ones(n, dtype=bool))


def st_bif(rng: np.random.Generator, n: int) -> Sample:
    # float32 throughout, idle ticks change nothing: exact for any parameters. Small count bounds
    # (the tracer saturates), and bounds it never reaches (the plain bipolar IF).
    grid = rng.random(n) < 0.5
    pos_max = np.where(rng.random(n) < 0.2, st_bif_model.COUNT_LIMIT, rng.integers(1, 9, n))
    neg_min = np.where(rng.random(n) < 0.4, 0, np.where(rng.random(n) < 0.2, -st_bif_model.COUNT_LIMIT,
                                                           -rng.integers(1, 9, n)))
    params = {
        "theta": np.where(grid, _pick(rng, (0.25, 0.5, 1.0, 2.0), n), rng.uniform(0.2, 2.0, n)),
        "pos_max": pos_max,
        "neg_min": neg_min,
    }
    low, high = np.maximum(neg_min, -10), np.minimum(pos_max, 10)
    acc = rng.integers(low, high + 1)
    acc = np.where(rng.random(n) < 0.1, np.clip(acc + 0.5, low, high), acc)  # rounded at the first tick
    q = np.where(rng.random(n) < 0.3, 0.5, rng.uniform(-0.5, 1.5, n))
    return Sample(params, {"q": np.where(grid, np.round(q / GRID) * GRID, q), "acc_q": acc},
                  fine=np.ones(n, dtype=bool))


def ttfs(rng: np.random.Generator, n: int) -> Sample:
    # Idle ticks add only zeros: catch-up is exact for any parameters.
    _single, grid = _kinds(rng, n)
    v_th = np.where(grid, _grid(rng, 0.5, 4.0, n), rng.uniform(0.3, 4.0, n))
    params = {
        "v_th": v_th,
        "gain": np.where(grid, _pick(rng, (0.25, 0.5, 1.0, -1.0), n), rng.uniform(0.1, 1.0, n)),
        "bias": _bias(rng, grid, n),
        "psp": _choose(rng, ttfs_model.PSPS, n),
        "threshold": _choose(rng, ttfs_model.THRESHOLDS, n),
    }
    i = np.where(rng.random(n) < 0.7, 0.0, np.where(grid, _grid(rng, -0.25, 0.25, n), rng.uniform(-0.2, 0.2, n)))
    state = {"i": i, "v": _potential(rng, grid, v_th, n) * 0.8, "done": (rng.random(n) < 0.1) * 1.0}
    return Sample(params, state, fine=np.ones(n, dtype=bool))


def _psn_values(rng: np.random.Generator, grid: np.ndarray, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Weights or inputs of the PSN models: on the dyadic grid for ``grid`` rows (exact sums, so
    ties at the threshold), continuous otherwise, a quarter of them zero."""
    value = rng.uniform(-scale, scale, shape)
    value = np.where(grid.reshape((-1,) + (1,) * (len(shape) - 1)), np.round(value / GRID) * GRID, value)
    return np.where(rng.random(shape) < 0.25, 0.0, value)


def _psn_biases(rng: np.random.Generator, grid: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Mostly negative (so that neurons can sleep), sometimes >= 0 (they fire on their own)."""
    return np.where(rng.random(shape) < 0.1, 0.0, _psn_values(rng, grid, shape, 1.0) - 0.75)


def sliding_psn(rng: np.random.Generator, n: int) -> Sample:
    # float32 throughout, a sleeping neuron holds only zeros: exact for any parameters. Orders
    # mostly small, some up to K_MAX; the stored inputs of the taps in use are random.
    grid = rng.random(n) < 0.5
    k_max = sliding_psn_model.K_MAX
    k = np.where(rng.random(n) < 0.8, rng.integers(1, 6, n), rng.integers(1, k_max + 1, n))
    lag = np.arange(k_max)[None, :]
    w = np.where(lag < k[:, None], _psn_values(rng, grid, (n, k_max), 1.0), 0.0)
    w[np.arange(n), k - 1] = np.where(grid, 0.5, 0.3)  # the last tap in use is not zero
    params = {f"w{d}": w[:, d] for d in range(k_max)}
    params["bias"] = _psn_biases(rng, grid, (n,))
    past = np.where(lag[:, 1:] < k[:, None], _psn_values(rng, grid, (n, k_max - 1), 1.0), 0.0)
    past = np.where(rng.random((n, 1)) < 0.5, 0.0, past).astype(np.float32)
    return Sample(params, {f"x{d}": past[:, d - 1] for d in range(1, k_max)}, fine=np.ones(n, dtype=bool))


def _windows(rng: np.random.Generator, n: int, t_max: int) -> np.ndarray:
    """Window lengths, mostly short (so that windows end often), some up to ``t_max``."""
    return np.where(rng.random(n) < 0.8, rng.integers(1, 6, n), rng.integers(1, t_max + 1, n))


def masked_psn(rng: np.random.Generator, n: int) -> Sample:
    # float32 throughout, a sleeping neuron holds only zeros: exact for any parameters.
    grid = rng.random(n) < 0.5
    t_max = masked_psn_model.T_MAX
    windows = _windows(rng, n, t_max)
    k = rng.integers(1, windows + 1)
    w = _psn_values(rng, grid, (n, t_max, t_max), 1.0)
    b = _psn_biases(rng, grid, (n, t_max))
    params: dict[str, npt.ArrayLike] = {"T": windows}
    for p in range(t_max):
        for j in range(p + 1):
            params[f"w{p}_{j}"] = np.where(p - j < k, w[:, p, j], 0.0)
        params[f"b{p}"] = b[:, p]
    phase = rng.integers(0, windows)
    buf = np.where(np.arange(t_max)[None, :] < phase[:, None], _psn_values(rng, grid, (n, t_max), 1.0), 0.0)
    state = {"phase": phase, **{f"x{j}": buf[:, j].astype(np.float32) for j in range(t_max)}}
    return Sample(params, state, fine=np.ones(n, dtype=bool))


def psn(rng: np.random.Generator, n: int) -> Sample:
    # float32 throughout, a sleeping neuron holds only zeros: exact for any parameters.
    grid = rng.random(n) < 0.5
    t_max = psn_model.T_MAX
    windows = _windows(rng, n, t_max)
    w = _psn_values(rng, grid, (n, t_max, t_max), 1.0)
    b = _psn_biases(rng, grid, (n, t_max))
    params: dict[str, npt.ArrayLike] = {"T": windows}
    params.update({f"w{t}_{j}": w[:, t, j] for t in range(t_max) for j in range(t_max)})
    params.update({f"b{t}": b[:, t] for t in range(t_max)})
    phase = rng.integers(0, windows)
    steps = np.arange(t_max)[None, :]
    buf = np.where(steps < phase[:, None], _psn_values(rng, grid, (n, t_max), 1.0), 0.0)
    pending = (rng.random((n, t_max)) < 0.3) & (steps > phase[:, None]) & (steps < windows[:, None])
    state = {"phase": phase, **{f"x{j}": buf[:, j].astype(np.float32) for j in range(t_max)},
             **{f"s{t}": pending[:, t] * 1.0 for t in range(1, t_max)}}
    return Sample(params, state, fine=np.ones(n, dtype=bool))


# Models whose input must be an integer sum of integer weights (fixed-point chips): random tests
# give them integer weights and spike values only.
INTEGER_INPUT = frozenset({"loihi_cuba", "truenorth"})

SAMPLERS: dict[str, Callable[[np.random.Generator, int], Sample]] = {
    "lif": lif,
    "cuba_lif": cuba_lif,
    "cuba_li": cuba_li,
    "if": if_,
    "li": li,
    "integrator": integrator,
    "loihi_cuba": loihi_cuba,
    "truenorth": truenorth,
    "alif": alif,
    "st_bif": st_bif,
    "ttfs": ttfs,
    "sliding_psn": sliding_psn,
    "masked_psn": masked_psn,
    "psn": psn,
}
