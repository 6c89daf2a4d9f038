"""Exceptions raised by neurosim.

Every error names the offending item (population, projection, parameter, file, key), the rule it
broke, and, where there is one, the change that would fix it. Catch :class:`NeurosimError` to handle
any user-facing mistake; anything else escaping neurosim is a bug.
"""
from __future__ import annotations


class NeurosimError(Exception):
    """Base class of every user-facing neurosim error."""


class ModelError(NeurosimError, ValueError):
    """A network, population, projection, input or neuron model is invalid."""


class ProfileError(NeurosimError, ValueError):
    """A chip profile is invalid, or a number it does not publish was asked for without a fallback."""


class SimulationInterrupted(NeurosimError, KeyboardInterrupt):
    """The simulation was stopped (Ctrl-C) between two chunks.

    ``partial`` holds the :class:`~neurosim.engine.simulate.SimResult` of every tick completed
    before the interruption.
    """

    def __init__(self, message: str, partial: object) -> None:
        super().__init__(message)
        self.partial = partial
