"""The registry's shared pieces of the float models: one spec per shared parameter, and the numpy
precision split and spike test that their reference steps use."""
from __future__ import annotations

import numpy as np

from neurosim.models import get_model
from neurosim.models.registry import PRECISIONS, float_params, precision_groups, spike_and_reset


def test_a_shared_parameter_is_one_spec_in_every_float_model_that_has_it():
    expected = dict(zip(("v_th", "threshold", "precision"), float_params("v_th", "threshold", "precision")))
    for name in ("lif", "if", "cuba_lif"):
        got = {p.name: p for p in get_model(name).params if p.name in expected}
        assert got == expected, name


def test_precision_groups_split_by_code_and_cast_the_rows():
    params = np.array([[1.5, 0.0], [2.5, 1.0], [3.5, 0.0]])
    got = list(precision_groups(params, 1))
    assert [dtype for _, dtype, _ in got] == [np.dtype(p).type for p in PRECISIONS] == [np.float64, np.float32]
    (sel64, _, p64), (sel32, _, p32) = got
    assert sel64.tolist() == [True, False, True] and sel32.tolist() == [False, True, False]
    assert p64.dtype == np.float64 and p64[:, 0].tolist() == [1.5, 3.5]
    assert p32.dtype == np.float32 and p32[:, 0].tolist() == [2.5]


def test_spike_and_reset_worked_by_hand():
    v = np.array([1.0, 1.0, 2.5, 0.5, 3.0])
    v_th = np.full(5, 1.0)
    v_reset = np.full(5, -0.25)
    ge = np.array([True, False, True, True, False])
    reset = np.array([0, 0, 1, 0, 3])  # value, value, subtract, value, none
    spiked, got = spike_and_reset(v, v_th, v_reset, ge, reset)
    assert spiked.tolist() == [True, False, True, False, True]
    assert got.tolist() == [-0.25, 1.0, 1.5, 0.5, 3.0]
