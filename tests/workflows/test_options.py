"""RunOptions: one-line errors for invalid fields, and keywords turned into options."""
from __future__ import annotations

import pytest

from neurosim.errors import ModelError
from neurosim.workflows.options import RunOptions, resolve_options
from neurosim.workflows.run import run_on_chip

from networks import poisson_network


@pytest.mark.parametrize("changes, message", [
    ({"strategy": "spiral"}, "unknown placement strategy 'spiral'; choose one of"),
    ({"neurons_per_core": 0}, "neurons_per_core must be a positive integer or None, got 0"),
    ({"neurons_per_core": True}, "neurons_per_core must be a positive integer or None, got True"),
    ({"neurons_per_core": 8.0}, "neurons_per_core must be a positive integer or None, got 8.0"),
    ({"place_options": {"neurons_per_core": 8}}, "give that as RunOptions\\(neurons_per_core=...\\)"),
    ({"quantize": "yes"}, "quantize must be True or False, got 'yes'"),
    ({"raise_delays": 1}, "raise_delays must be True or False, got 1"),
    ({"latency": None}, "latency must be True or False, got None"),
    ({"fallbacks": [("t_spike_s", 0.0)]}, "fallbacks must be a dict"),
    ({"fallbacks": {1: 0.0}}, "fallback key 1 must be a profile field name"),
    ({"seed": -1}, "seed must be a non-negative integer, got -1"),
    ({"seed": 1.5}, "seed must be a non-negative integer, got 1.5"),
])
def test_invalid_field_is_refused_with_one_line_error(changes, message):
    with pytest.raises(ModelError, match=message) as err:
        RunOptions(**changes)
    assert "\n" not in str(err.value)


def test_valid_options_keep_their_values():
    got = RunOptions(strategy="locality", neurons_per_core=64, quantize=True, raise_delays=True,
                     fallbacks={"t_spike_s": 0.0}, seed=3, latency=False)
    assert (got.strategy, got.neurons_per_core, got.quantize, got.raise_delays, got.seed, got.latency) == \
        ("locality", 64, True, True, 3, False)
    assert got.placement_options() == {"neurons_per_core": 64}
    assert got.changed() == {"strategy": "locality", "neurons_per_core": 64, "quantize": True, "raise_delays": True,
                             "fallbacks": {"t_spike_s": 0.0}, "seed": 3, "latency": False}


def test_options_copy_the_callers_dicts():
    fallbacks = {"t_spike_s": 0.0}
    options = RunOptions(fallbacks=fallbacks)
    fallbacks["e_spike_J"] = 1.0
    assert options.fallbacks == {"t_spike_s": 0.0}


def test_keywords_set_fields_and_other_keywords_are_placement_options():
    base = RunOptions(seed=2, quantize=True)
    got = resolve_options(base, {"raise_delays": True, "fallbacks": None, "bisect_passes": 3})
    assert got == RunOptions(seed=2, quantize=True, raise_delays=True, place_options={"bisect_passes": 3})
    assert resolve_options(None, {}) == RunOptions()


def test_keywords_are_validated_as_fields():
    with pytest.raises(ModelError, match="seed must be a non-negative integer, got -4"):
        resolve_options(None, {"seed": -4})


def test_options_must_be_run_options():
    with pytest.raises(ModelError, match="options must be a RunOptions, got dict"):
        resolve_options({"seed": 1}, {})


def test_run_refuses_invalid_options_before_simulating():
    with pytest.raises(ModelError, match="unknown placement strategy 'spiral'"):
        run_on_chip(poisson_network(), "loihi_sanafe", 10, strategy="spiral")
