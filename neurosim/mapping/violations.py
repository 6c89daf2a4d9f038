"""What a mapping breaks: the capacity and compatibility policies and the :class:`Violation` records.

Under the policy ``"strict"`` (the default of ``capacity``) the first broken rule is raised, as a
:class:`~neurosim.errors.DoesNotFitError` (a capacity) or a :class:`~neurosim.errors.NotSupportedError`
(something the chip does not run natively). Under ``"warn"`` the network is mapped anyway, every
broken rule is kept as a :class:`Violation` (its message is the one ``strict`` would raise), and the
report lists them and marks its figures: they describe a chip without those limits, or the network
as written rather than as the chip would run it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from neurosim.errors import DoesNotFitError, ModelError, NotSupportedError

POLICIES = ("strict", "warn")
"""The values of ``capacity`` and ``compatibility`` (RunOptions, ``--capacity``, ``--compatibility``)."""

CAPACITY = "capacity"
COMPATIBILITY = "compatibility"


@dataclass(frozen=True)
class Violation:
    """One rule a mapping breaks.

    Attributes
    ----------
    kind : str
        ``"capacity"`` (a limit of ``[core]``/``[chip]``) or ``"compatibility"`` (``[support]``).
    check : str
        The profile field (``"fanin_per_neuron"``, ``"neuron_models"``, ...).
    used : str
        What the network or placement uses (``"300"``, ``"lif"``).
    available : str
        What the chip offers (``"256"``, ``"truenorth"``).
    message : str
        The one-line error the ``strict`` policy raises for it (item, rule, fix).
    """

    kind: str
    check: str
    used: str
    available: str
    message: str

    @classmethod
    def of(cls, err: DoesNotFitError | NotSupportedError) -> Violation:
        """The violation an error of the ``strict`` policy stands for."""
        if isinstance(err, DoesNotFitError):
            return cls(CAPACITY, err.limit, str(err.needed), str(err.available), str(err))
        return cls(COMPATIBILITY, err.check, err.used, err.supported, str(err))

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Violation:
        return cls(**{k: str(data[k]) for k in ("kind", "check", "used", "available", "message")})


def check_policy(policy: object, name: str) -> str:
    """``policy`` if it is one of :data:`POLICIES`, else a ModelError naming the option ``name``."""
    if policy not in POLICIES:
        raise ModelError(f"{name} must be one of {', '.join(POLICIES)}, got {policy!r}")
    return str(policy)


def apply_policy(errors: Iterable[DoesNotFitError | NotSupportedError], policy: str) -> tuple[Violation, ...]:
    """Raise the first of ``errors`` under ``"strict"``; under ``"warn"`` return them all as violations."""
    found = list(errors)
    if found and policy == "strict":
        raise found[0]
    return tuple(Violation.of(err) for err in found)
