"""TTFS coding (``neurosim.net.ttfs_coding``): latency encoding, first-spike decoding and the TTFS class,
against values computed by hand from the formulas in the module docstring and ``docs/models.md``."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import neurosim as ns
from neurosim.engine.batch import simulate_samples
from neurosim.net.ttfs_coding import NO_DECISION

T = 10


def test_latency_ticks_by_hand() -> None:
    # (1 - x) * 9: 0, 9 * 0.5 = 4.5 -> 4 (half to even), 9 * 0.25 = 2.25 -> 2, 9 * 0.75 = 6.75 -> 7, 9 * 0.9 = 8.1 -> 8
    x = [1.0, 0.5, 0.75, 0.25, 0.1, 0.0]
    assert ns.latency_ticks(x, T).tolist() == [0, 4, 2, 7, 8, T]


def test_rounding_is_half_to_even_both_ways() -> None:
    # T = 5: (1 - x) * 4 = 0.5 -> 0 and 1.5 -> 2 (numpy.rint, as torch.round)
    assert ns.latency_ticks([0.875, 0.625], 5).tolist() == [0, 2]


def test_x_max_threshold_and_window() -> None:
    # x_max = 4: x / x_max = 1, 0.5, 0.125; threshold 0.5 silences 0.5 (not above it); window [2, 6]:
    # 2 + rint((1 - x / 4) * 4) = 2, 4, 2 + rint(3.5) = 6
    assert ns.latency_ticks([4.0, 2.0, 0.5, 0.5], T, 4.0, t_min=2, t_max=6).tolist() == [2, 4, 6, 6]
    assert ns.latency_ticks([4.0, 2.0, 0.5], T, 4.0, threshold=0.5).tolist() == [0, 4, T]


def test_ties_share_a_tick_and_one_tick_windows() -> None:
    assert ns.latency_ticks([0.3, 0.3, 0.31], T).tolist() == [6, 6, 6]
    assert ns.latency_ticks([1.0, 0.2, 0.0], 1).tolist() == [0, 0, 1]


def test_encode_gives_one_spike_per_input_at_its_tick() -> None:
    spikes = ns.latency_encode([[1.0, 0.5, 0.0], [0.25, 0.25, 1.0]], T)
    assert spikes.shape == (2, T, 3)
    expected = np.zeros((2, T, 3))
    expected[0, 0, 0] = expected[0, 4, 1] = 1.0
    expected[1, 7, 0] = expected[1, 7, 1] = expected[1, 0, 2] = 1.0
    np.testing.assert_array_equal(spikes, expected)
    assert ns.latency_encode([0.5], T).shape == (T, 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"values": [0.5, -0.1]},
     "latency code: value at index 1 (-0.1) is negative; shift or clip the inputs to [0, x_max]"),
    ({"values": [[0.5, np.nan]]}, "latency code: value at index (0, 1) (nan) is NaN; replace NaNs"),
    ({"values": [1.5]}, "latency code: value at index 0 (1.5) is above x_max = 1.0; raise x_max or clip"),
    ({"ticks": 0}, "latency code: ticks (T)"),
    ({"x_max": 0.0}, "latency code: x_max = 0.0 must be positive; pass the largest value an input can take"),
    ({"x_max": -1.0}, "latency code: x_max = -1.0 must be positive"),
    ({"x_max": np.inf}, "latency code: x_max = inf must be finite"),
    ({"threshold": 1.0}, "latency code: threshold = 1.0 must be in [0, x_max = 1.0)"),
    ({"t_max": T}, f"latency code: window [t_min, t_max] = [0, {T}] must lie in [0, T - 1 = {T - 1}]"),
    ({"t_min": 5, "t_max": 4}, "with t_min <= t_max; shrink the window or raise ticks"),
    ({"values": np.zeros((2, 2, 2))}, "latency code: values must have shape [N] or [B, N] with N >= 1, got (2, 2, 2)"),
    ({"values": ["a"]}, "latency code: values must be real numbers"),
])
def test_bad_arguments_are_named_with_the_fix(kwargs, message) -> None:
    args = {"values": [0.5], "ticks": T} | kwargs
    for encode in (ns.latency_ticks, ns.latency_encode):
        with pytest.raises(ns.ModelError) as err:
            encode(**args)
        assert message in str(err.value) and "\n" not in str(err.value)


def test_first_spike_ticks_of_arrays() -> None:
    spikes = np.zeros((2, 4, 3))
    spikes[0, [1, 3], 0] = 1.0  # first of two spikes counts
    spikes[0, 2, 2] = -1.0      # a signed spike is a spike
    spikes[1, 0, 1] = 1.0
    assert ns.first_spike_ticks(spikes).tolist() == [[1, 4, 2], [4, 0, 4]]
    assert ns.first_spike_ticks(spikes[0]).tolist() == [1, 4, 2]
    with pytest.raises(ns.ModelError, match=r"spikes must have shape \[T, N\] or \[B, T, N\] with T >= 1, got \(3,\)"):
        ns.first_spike_ticks(np.zeros(3))


def test_classify_earliest_wins_ties_to_lowest_and_silence_is_no_decision() -> None:
    first = [[5, 3, 7], [2, 4, 2], [T, T, T], [T, 9, T]]
    assert ns.ttfs_classify(first, T).tolist() == [1, 0, NO_DECISION, 1]
    assert int(ns.ttfs_classify([4, 1], T)) == 1
    with pytest.raises(ns.ModelError, match="first_ticks must be non-negative integer ticks"):
        ns.ttfs_classify([0.5, 1.0], T)
    with pytest.raises(ns.ModelError, match="ttfs_classify: ticks"):
        ns.ttfs_classify([1, 2], 0)


def _identity(n: int) -> ns.Network:
    """Input -> fire-once IF (psp="step", v_th = 1) through weights 1 and delay 0: fires at its input's tick."""
    net = ns.Network()
    net.spike_array("in", np.zeros((T, n)))
    net.population("out", n, "ttfs", v_th=1.0, psp="step")
    net.connect("in", "out", weights=np.eye(n))
    return net


def test_round_trip_through_an_identity_ttfs_layer() -> None:
    x = np.array([[1.0, 0.5, 0.0, 0.25, 0.3], [0.05, 0.9, 0.6, 0.0, 1.0]])
    encoded = ns.latency_encode(x, T)
    _, runs = simulate_samples(ns.compile_network(_identity(5)), [{"in": sample} for sample in encoded], T)
    decoded = np.array([run.first_spike_ticks("out") for run in runs])
    np.testing.assert_array_equal(decoded, ns.latency_ticks(x, T))
    np.testing.assert_array_equal(decoded, ns.first_spike_ticks(np.array([run.spike_matrix("out") for run in runs])))


def _two_layers() -> ns.Network:
    """3 inputs -> 2 fire-once IF (psp="step") -> 2 TTFS neurons (psp="ramp"), all v_th = 1, delay 0."""
    net = ns.Network()
    net.spike_array("in", np.zeros((T, 3)))
    net.population("hid", 2, "ttfs", v_th=1.0, psp="step")
    net.population("cls", 2, "ttfs", v_th=1.0)
    net.connect("in", "hid", weights=np.array([[0.6, 0.6, 0.0], [1.0, 0.0, 0.0]]))  # (post, pre)
    net.connect("hid", "cls", weights=np.array([[0.5, 0.0], [0.0, 0.25]]))
    return net


def test_two_layer_ttfs_network_decodes_the_hand_computed_class() -> None:
    # Sample 0: x = (1, 0.5, 0) -> ticks (0, rint(4.5) = 4, never). hid0: v = 0.6 at 0, 1.2 at 4 -> fires 4;
    # hid1: v = 1.0 at 0 -> fires 0. cls0 (ramp, slope 0.5 from tick 4): v = 0.5, 1.0 -> fires 5;
    # cls1 (slope 0.25 from tick 0): v = 0.25, 0.5, 0.75, 1.0 -> fires 3. Earliest: class 1.
    # Sample 1: x = (0.2, 1, 0) -> ticks (rint(7.2) = 7, 0, never). hid0: 0.6 at 0, 1.2 at 7 -> fires 7;
    # hid1 fires 7. cls0: 0.5 at 7, 1.0 at 8 -> fires 8; cls1: 0.25, 0.5, 0.75 at 7..9 -> never (T). Class 0.
    encoded = ns.latency_encode([[1.0, 0.5, 0.0], [0.2, 1.0, 0.0]], T)
    _, runs = simulate_samples(ns.compile_network(_two_layers()), [{"in": sample} for sample in encoded], T)
    assert [run.first_spike_ticks("hid").tolist() for run in runs] == [[4, 0], [7, 7]]
    first = np.array([run.first_spike_ticks("cls") for run in runs])
    assert first.tolist() == [[5, 3], [8, T]]
    assert ns.ttfs_classify(first, T).tolist() == [1, 0]


def test_first_spike_ticks_of_a_silent_population_is_the_window_end() -> None:
    run = ns.Simulation(_identity(3)).run(T, inputs={"in": np.zeros((T, 3))})
    assert run.first_spike_ticks("out").tolist() == [T, T, T]


def test_the_docs_example_prints_what_the_docs_show(capsys) -> None:
    page = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "models.md").read_text()
    section = page[page.index("## TTFS coding"):]
    section = section[:section.index("\n## ")]
    code = section[section.index("```python\n") + len("```python\n"):]
    code = code[:code.index("```\n")]
    shown = section[section.index("prints\n\n```\n") + len("prints\n\n```\n"):]
    exec(compile(code, "docs/models.md", "exec"), {})
    assert capsys.readouterr().out == shown[:shown.index("```\n")]
