"""Quantise a network's weights to a chip's weight precision, and report the error it makes.

Each projection gets its own scale (per-projection symmetric uniform quantisation, as Loihi's
per-layer weight exponent and most post-training quantisers do)::

    levels = 2**(bits - 1) - 1          (signed)      or   2**bits - 1   (unsigned, weights >= 0)
    scale  = max|w| / levels
    q      = round_half_even(w / scale)  in [-levels, levels]
    w_q    = q * scale                   (the dequantised weight the float models see)

``integer=True`` keeps the integer mantissas ``q`` as weights instead (what a fixed-point neuron
such as ``loihi_cuba`` integrates), and the report gives each projection's scale so thresholds can
be expressed in the same unit. Synapses whose weight rounds to zero are dropped (a chip would not
store them) and counted in the report.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosim.errors import ModelError
from neurosim.chip.profile import ChipProfile
from neurosim.net.network import Network


@dataclass(frozen=True)
class ProjectionError:
    """How much quantisation changed one projection's weights."""

    projection: str
    bits: int
    scale: float  # weight units per integer step
    max_abs_error: float
    rms_error: float
    relative_rms_error: float  # rms error / rms weight
    synapses_zeroed: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class QuantizationReport:
    """Per-projection quantisation errors."""

    bits: int
    signed: bool
    projections: tuple[ProjectionError, ...]

    def to_dict(self) -> dict:
        return {"weight_bits": self.bits, "signed": self.signed,
                "projections": [p.to_dict() for p in self.projections]}

    def to_text(self) -> str:
        head = f"{'projection':<24} {'scale':>11} {'max |err|':>11} {'rel. rms':>9} {'zeroed':>7}"
        rows = [f"weights quantised to {self.bits} bits ({'signed' if self.signed else 'unsigned'})", head]
        for p in self.projections:
            rows.append(f"{p.projection:<24} {p.scale:>11.4g} {p.max_abs_error:>11.4g} "
                        f"{p.relative_rms_error:>9.2%} {p.synapses_zeroed:>7}")
        return "\n".join(rows)


def quantize_weights(network: Network, profile: ChipProfile | None = None, *, bits: int | None = None,
                     signed: bool | None = None, integer: bool = False) -> tuple[Network, QuantizationReport]:
    """Return a copy of ``network`` with quantised weights, and the error report.

    Parameters
    ----------
    profile : the chip whose ``weight_bits`` and ``weight_signed`` apply (unless ``bits``/``signed``
        are given).
    bits, signed : override the profile's weight precision.
    integer : keep integer mantissas as weights (for fixed-point neuron models) instead of the
        dequantised float values.
    """
    if bits is None:
        if profile is None or profile.weight_bits is None:
            name = profile.name if profile is not None else "no profile"
            raise ModelError(f"quantize_weights: {name} gives no weight_bits; pass bits=...")
        bits = int(profile.weight_bits)
    if signed is None:
        signed = bool(profile.weight_signed) if profile is not None and profile.weight_signed is not None else True
    if not 1 <= bits <= 32 or (signed and bits < 2):
        raise ModelError(f"quantize_weights: {bits} bits cannot hold {'signed' if signed else 'unsigned'} weights")
    out = Network(network.name)
    for node in network.nodes.values():
        out.add(node)
    errors = []
    for proj in network.projections.values():
        w = proj.weight.astype(np.float64)
        if not signed and np.any(w < 0):
            k = int(np.argmax(w < 0))
            raise ModelError(f"projection '{proj.name}': synapse {k} has negative weight {float(w[k])!r}, "
                             "but the chip's weights are unsigned")
        levels = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1
        peak = float(np.max(np.abs(w))) if w.size else 0.0
        scale = peak / levels if peak > 0 else 1.0
        q = np.clip(np.round(w / scale), -levels if signed else 0, levels)
        w_q = q * scale
        keep = q != 0
        diff = w_q - w
        rms_w = float(np.sqrt(np.mean(w ** 2))) if w.size else 0.0
        rms_e = float(np.sqrt(np.mean(diff ** 2))) if w.size else 0.0
        errors.append(ProjectionError(proj.name, bits, scale, float(np.max(np.abs(diff))) if w.size else 0.0,
                                      rms_e, rms_e / rms_w if rms_w > 0 else 0.0, int((~keep).sum())))
        out.connect_synapses(proj.pre, proj.post, proj.pre_idx[keep], proj.post_idx[keep],
                             (q if integer else w_q)[keep], proj.delay[keep], name=proj.name, origin=proj.origin,
                             attributes=proj.attributes)
    return out, QuantizationReport(bits, signed, tuple(errors))
