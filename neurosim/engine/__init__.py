"""The discrete-event engine: the Numba tick loop and its Python driver."""
from neurosim.engine.simulate import SimResult, simulate

__all__ = ["SimResult", "simulate"]
