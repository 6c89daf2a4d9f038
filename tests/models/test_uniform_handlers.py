"""A model's uniform handler (``NeuronModel.uniform_update``) gives the bits of its ``update``.

For every registered model that has one, populations whose neurons all share one parameter row
(each row of the model's random sampler in turn, plus for ``lif`` every precision x reset x
threshold combination) are driven side by side through ``update`` (the row repeated per neuron)
and ``uniform_update`` (the row once), as the engine drives them: the neurons with input or awake
after their previous update, with ``elapsed`` = ticks since it, idle stretches included. States,
spikes, spike values and awake lists must be identical, bit for bit. See
``docs/decisions/0005-uniform-handler.md``.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from samplers import SAMPLERS

from neurosim.models import NeuronModel, lif, registered_models

N_NEURONS = 32
N_TICKS = 200

UNIFORM = [m for m in registered_models() if m.uniform_update is not None]


def _drive(model: NeuronModel, row: np.ndarray, state0: np.ndarray, input_step: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = N_NEURONS
    params = np.tile(row, (n, 1))
    # The engine's state is column-major; compare on that layout.
    a, b = np.asfortranarray(state0.copy()), np.asfortranarray(state0.copy())
    last = np.full(n, -1, dtype=np.int64)
    awake = np.arange(n, dtype=np.int64)
    bufs_a = np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.int64)
    bufs_b = np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.int64)
    rate = 0.3
    for t in range(N_TICKS):
        if t % 25 == 0:
            rate = rng.choice([0.0, 0.05, 0.3, 0.9])
        touched = rng.random(n) < rate
        touched[awake] = True
        if t == N_TICKS - 1:
            touched[:] = True
        idx = np.flatnonzero(touched).astype(np.int64)
        x = rng.integers(-4, 9, idx.size) * input_step
        elapsed = t - last[idx]
        last[idx] = t
        ra = model.update(a, params, idx, x, elapsed, t, seed, *bufs_a)
        rb = model.uniform_update(b, row, idx, x, elapsed, t, seed, *bufs_b)
        where = f"model '{model.name}', row {row.tolist()}, tick {t}"
        assert ra == rb, f"{where}: (n_fired, n_awake) {ra} from update, {rb} from uniform_update"
        assert (bufs_a[0][:ra[0]] == bufs_b[0][:ra[0]]).all(), f"{where}: fired neurons differ"
        assert (bufs_a[1][:ra[0]].view(np.int64) == bufs_b[1][:ra[0]].view(np.int64)).all(), \
            f"{where}: spike values differ"
        assert (bufs_a[2][:ra[1]] == bufs_b[2][:ra[1]]).all(), f"{where}: awake lists differ"
        assert (a.view(np.int64) == b.view(np.int64)).all(), f"{where}: states differ"
        awake = bufs_a[2][:ra[1]].copy()


@pytest.mark.parametrize("model", UNIFORM, ids=lambda m: m.name)
@pytest.mark.parametrize("seed", (0, 1))
def test_uniform_handler_matches_update_on_sampled_rows(model: NeuronModel, seed: int) -> None:
    sample = SAMPLERS[model.name](np.random.default_rng(seed), N_NEURONS)
    params = model.encode_params(sample.params, model.name, N_NEURONS)
    state = model.encode_state(sample.state, model.name, N_NEURONS)
    for r in range(0, N_NEURONS, 3):
        _drive(model, params[r], state, sample.input_step, seed * 100 + r)


@pytest.mark.parametrize("precision, reset, threshold", list(itertools.product(
    lif.PRECISIONS, lif.RESETS, lif.THRESHOLDS)))
def test_lif_uniform_handler_every_mode(precision: str, reset: str, threshold: str) -> None:
    """Continuous parameters (float64 catch-up in closed form), with and without bias."""
    for bias in (0.0, 0.013):
        row = lif.MODEL.encode_params(dict(beta=0.9137, v_th=0.7, v_leak=0.05, v_reset=-0.123456789, gain=1.1,
                                           bias=bias, reset=reset, threshold=threshold, precision=precision),
                                      "P", 1)[0]
        state = lif.MODEL.encode_state({"v": np.linspace(-0.5, 0.69, N_NEURONS)}, "P", N_NEURONS)
        _drive(lif.MODEL, row, state, 0.1, 7)


@pytest.mark.parametrize("reset", lif.RESETS)
def test_lif_uniform_handler_float32_threshold_edge(reset: str) -> None:
    """float32 potentials landing exactly on float32(v_th) (0.7 is not a float32 value): the spike
    test must use the rounded threshold, as ``update`` does."""
    step = float(np.float32(0.7))
    row = lif.MODEL.encode_params(dict(beta=1.0, v_th=0.7, v_leak=0.0, v_reset=0.0, reset=reset,
                                       threshold=">=", precision="float32"), "P", 1)[0]
    state = lif.MODEL.encode_state({}, "P", N_NEURONS)
    _drive(lif.MODEL, row, state, step, 3)
