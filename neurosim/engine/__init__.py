"""The discrete-event engine: the Numba tick loop and its Python driver."""
from neurosim.engine.simulate import Chunk, SimResult, simulate

__all__ = ["Chunk", "SimResult", "simulate"]
