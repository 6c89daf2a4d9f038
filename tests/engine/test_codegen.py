"""The generated engine module's source (its file name is a hash of it, and Numba caches by file) changes
whenever the kernel template or the kernel's argument groups change, so no stale compiled kernel is reused."""
from __future__ import annotations

import inspect

import pytest

import neurosim as ns
from neurosim.engine import codegen, kernels, state
from networks import recurrent_network


@pytest.mark.parametrize("edited", [kernels, state], ids=["kernels", "state"])
def test_the_engine_source_changes_with_the_kernel_and_its_argument_groups(monkeypatch, edited):
    models = ns.compile_network(recurrent_network()).models
    before = codegen.engine_source(models)
    real = inspect.getsource
    monkeypatch.setattr(codegen.inspect, "getsource",
                        lambda obj: real(obj) + ("\n# an edit\n" if obj is edited else ""))
    assert codegen.engine_source(models) != before
