"""The reference engine: a slow, dense, obviously-correct simulator used as the oracle.

It takes a :class:`neurosim.Network` (never a ``CompiledNetwork``) and shares no code with
``neurosim.engine``; ``docs/semantics.md`` states the semantics it implements.
"""
from .engine import ReferenceResult, processing_order, simulate_reference

__all__ = ["ReferenceResult", "processing_order", "simulate_reference"]
