"""The discrete-event engine: the Numba tick loop, its Python driver and what a run hands back."""
# The module engine/simulate.py is loaded first, so that the package's name ``simulate`` ends up
# bound to the function imported below and no later import of that module rebinds it.
import neurosim.engine.simulate  # noqa: F401
from neurosim.engine.result import Chunk, SimResult
from neurosim.engine.simulation import Simulation, simulate, simulate_samples

__all__ = ["Chunk", "SimResult", "Simulation", "simulate", "simulate_samples"]
