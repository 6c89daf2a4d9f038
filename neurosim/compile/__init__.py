"""Network -> flat arrays for the engine (``compile_network``), and their regrouping by core."""
from neurosim.compile.compiled import CompiledNetwork, compile_network

__all__ = ["CompiledNetwork", "compile_network"]
