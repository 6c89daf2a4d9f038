"""The discrete-event engine: the Numba tick loop, its Python driver and what a run hands back."""
from neurosim.engine.result import Chunk, SimResult
from neurosim.engine.simulation import Simulation, simulate
from neurosim.engine.batch import simulate_samples

__all__ = ["Chunk", "SimResult", "Simulation", "simulate", "simulate_samples"]
