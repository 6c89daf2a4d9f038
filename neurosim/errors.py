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

    ``partial`` holds the :class:`~neurosim.engine.result.SimResult` of every tick completed
    before the interruption.
    """

    def __init__(self, message: str, partial: object) -> None:
        super().__init__(message)
        self.partial = partial


class PlacementError(NeurosimError, ValueError):
    """A placement was asked for with an unknown strategy or an invalid option."""


class DoesNotFitError(PlacementError):
    """The network breaks a capacity of the chip profile it is placed on.

    The message names the population, projection or core at fault, the limit, by how much it is
    exceeded, and the smallest change that would fit. The same facts are attributes, so that a
    design-space sweep can tabulate why a point failed.

    Attributes
    ----------
    limit : str
        The profile field exceeded (``"axons_in_per_core"``), or ``"cores"`` for the core count.
    needed : int
        The largest use of the limit by the network or placement.
    available : int
        The profile's limit.
    """

    def __init__(self, message: str, *, limit: str, needed: int, available: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.needed = needed
        self.available = available


class NotSupportedError(NeurosimError, ValueError):
    """The network uses something the chip profile does not support natively: a neuron model, a spike
    payload, a weight structure or an input kind (``[support]`` of ``chips/*.toml``).

    The message names the population, projection or source, what it uses, what the chip supports
    and the fix. ``check`` is the profile field (``"neuron_models"``), ``used`` what the network uses,
    ``supported`` what the chip supports.
    """

    def __init__(self, message: str, *, check: str, used: str, supported: str) -> None:
        super().__init__(message)
        self.check = check
        self.used = used
        self.supported = supported


class PlotError(NeurosimError, ValueError):
    """A picture that cannot be drawn as asked (unknown option, missing encoder); one line, naming the fix."""


class TraceError(NeurosimError, ValueError):
    """A file is not a readable neurosim trace: not HDF5, not a neurosim trace, another
    ``TRACE_VERSION``, or truncated beyond repair. The message is one line naming the file."""
