"""The shared checks and formatters of ``neurosim._checks``."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neurosim._checks import did_you_mean, freeze_arrays, non_negative_int, plain, positive_int, si
from neurosim.chip.profile import ProfileValue
from neurosim.errors import ModelError, TraceError


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(1), np.uint8(200)])
def test_positive_int_accepts_python_and_numpy_integers(value):
    got = positive_int(value, "ticks")
    assert got == int(value) and type(got) is int


@pytest.mark.parametrize("value", [0, -2, True, False, 2.0, "3", None, np.float64(4.0)])
def test_positive_int_refuses_zero_negatives_bools_and_non_integers(value):
    with pytest.raises(ModelError, match=r"^ticks must be a positive integer, got .*: pass a whole number of at "
                                         r"least 1$"):
        positive_int(value, "ticks")


def test_non_negative_int_accepts_zero_and_refuses_minus_one():
    assert non_negative_int(0, "min_delay") == 0
    with pytest.raises(ModelError, match=r"min_delay must be a non-negative integer, got -1"):
        non_negative_int(-1, "min_delay")


def test_the_integer_checks_raise_the_class_they_are_given():
    with pytest.raises(TraceError, match="chunk_rows must be a positive integer, got 0"):
        positive_int(0, "chunk_rows", TraceError)


def test_did_you_mean_names_the_closest_candidate_with_prefix_and_suffix():
    assert did_you_mean("e_synops_J", ["e_synop_J", "e_spike_J"]) == "; did you mean 'e_synop_J'?"
    assert did_you_mean("energies", ["chip", "energy"], prefix="'[", suffix="]'") == "; did you mean '[energy]'?"


def test_did_you_mean_lists_up_to_n_and_is_empty_when_nothing_is_close():
    assert did_you_mean("lfi", ["li", "lif", "truenorth"], n=3) == "; did you mean 'li' or 'lif'?"
    assert did_you_mean("xyz", ["lif", "li"]) == ""


@pytest.mark.parametrize("x, unit, expected", [
    (2.36e-11, "J", "23.6 pJ"), (1.918e-5, "J", "19.18 µJ"), (6e-7, "s", "600 ns"), (3.34, "W", "3.34 W"),
    (1500.0, "s", "1.5 ks"), (-4.2e-3, "J", "-4.2 mJ"), (0.0, "J", "0 J"), (None, "J", "-"), (1e-18, "J", "0.001 fJ"),
])
def test_si_picks_the_prefix_that_leaves_one_to_999_before_the_point(x, unit, expected):
    assert si(x, unit) == expected


def test_plain_turns_arrays_tuples_numpy_scalars_and_profile_values_into_json_data():
    value = {"a": np.arange(3), "b": (1, (2.5, np.float32(0.5))), "c": np.int64(4),
             "d": ProfileValue("e_synop_J", 2.3e-11, "paper, p. 7", "published")}
    got = plain(value)
    assert got == {"a": [0, 1, 2], "b": [1, [2.5, 0.5]], "c": 4,
                   "d": {"key": "e_synop_J", "value": 2.3e-11, "source": "paper, p. 7", "status": "published"}}
    assert json.loads(json.dumps(got)) == got


def test_freeze_arrays_makes_every_array_attribute_read_only_and_leaves_the_rest():
    class Holder:
        def __init__(self):
            self.a, self.b, self.n = np.zeros(3), np.ones((2, 2)), [1, 2]

    holder = Holder()
    freeze_arrays(holder)
    assert not holder.a.flags.writeable and not holder.b.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        holder.a[0] = 1.0
    holder.n.append(3)
