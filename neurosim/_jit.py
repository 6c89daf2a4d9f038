"""The one Numba decorator of neurosim: every jitted function goes through :func:`njit`.

``cache=True`` so that a second process start compiles nothing; no ``fastmath`` because the engine
must match the reference engine bit for bit; ``error_model="numpy"`` so that a division by zero in
a handler gives inf/nan (as the numpy reference does) instead of raising inside the hot loop.
"""
from __future__ import annotations

import numba

JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy", "boundscheck": False}


def njit(func=None, **overrides):
    """Compile ``func`` in nopython mode with neurosim's options (usable with or without arguments)."""
    options = {**JIT_OPTIONS, **overrides}
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)
