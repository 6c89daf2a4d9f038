"""The engine's result types and one-call entry, under the module name that the cost model and trace import."""
from neurosim.engine.result import Chunk, SimResult
from neurosim.engine.simulation import simulate

__all__ = ["Chunk", "SimResult", "simulate"]
