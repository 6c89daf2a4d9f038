"""One reading of a value as a number, shared by sweep CSV cells and ``--vary`` values."""
from __future__ import annotations

from neurosim.cli import _value
from neurosim.workflows.sweep_table import number_or_text, parse


def test_number_or_text_prefers_int_then_float_then_text():
    got = [number_or_text(t) for t in ("3", "2.5", "1e3", "abc")]
    assert got == [3, 2.5, 1000.0, "abc"]
    assert [type(g) for g in got] == [int, float, float, str]


def test_the_cli_and_the_sweep_table_read_numbers_alike_and_booleans_each_their_way():
    assert [_value(t) for t in (" 3 ", "2.5", " TRUE ", " x ")] == [3, 2.5, True, "x"]
    assert [parse(t) for t in ("3", "2.5", "True", "", "TRUE")] == [3, 2.5, True, None, "TRUE"]
