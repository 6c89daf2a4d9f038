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

A chip whose neurons hold a few weights each, one per type of input axon (TrueNorth: 4 signed 9-bit
weights per neuron, ``support.weight_structure = "axon_types"``), gets :func:`cluster_axon_types`
instead: each neuron's input weights are clustered into ``axon_types`` values (1-D k-means, Lloyd's
iterations from evenly spaced quantiles, every synapse one sample), and those values are quantised
with a per-neuron scale, as the neuron's own threshold sets the unit of its weights::

    centres = kmeans(weights into the neuron, k = axon_types)
    scale   = max|centres| / (2**(bits - 1) - 1)
    w_q     = round_half_even(centre of the synapse / scale) * scale

Each neuron then sees at most ``axon_types`` distinct weights. TrueNorth also shares an axon's
type among every neuron of the core that reads it; the clustering does not enforce that (it is
a placement-dependent assignment), so the result is the per-neuron bound, not a full crossbar.
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
    axon_types: int | None = None  # weights per neuron (cluster_axon_types); None: a weight per synapse

    def to_dict(self) -> dict:
        return {"weight_bits": self.bits, "signed": self.signed, "axon_types": self.axon_types,
                "projections": [p.to_dict() for p in self.projections]}

    def to_text(self) -> str:
        head = f"{'projection':<24} {'scale':>11} {'max |err|':>11} {'rel. rms':>9} {'zeroed':>7}"
        what = f"weights quantised to {self.bits} bits ({'signed' if self.signed else 'unsigned'})"
        if self.axon_types is not None:
            what = (f"weights clustered into {self.axon_types} values per neuron (one per axon type), each quantised "
                    f"to {self.bits} bits with a per-neuron scale (the largest per projection shown)")
        rows = [what, head]
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


KMEANS_ITERATIONS = 30
"""Lloyd's iterations of :func:`cluster_axon_types` (1-D k-means converges in a few on these sizes)."""


def cluster_axon_types(network: Network, profile: ChipProfile) -> tuple[Network, QuantizationReport]:
    """A copy of ``network`` in which each neuron sees at most ``profile.axon_types`` distinct weights,
    each quantised to ``profile.weight_bits`` signed bits with a per-neuron scale (module docstring).

    Returns
    -------
    (Network, QuantizationReport)
        The network and, per projection, the error of its weights (``scale``: the largest per-neuron
        scale among its targets).

    Raises
    ------
    ModelError
        If the profile gives no ``axon_types`` or ``weight_bits``.
    """
    if profile.axon_types is None or profile.weight_bits is None:
        raise ModelError(f"cluster_axon_types: {profile.name} gives no axon_types or weight_bits; "
                         "use quantize_weights for a chip with a weight per synapse")
    types, bits = int(profile.axon_types), int(profile.weight_bits)
    levels = 2 ** (bits - 1) - 1
    value: dict[str, np.ndarray] = {}
    scale_of: dict[str, np.ndarray] = {}
    for post in {p.post for p in network.projections.values()}:
        projs = [p for p in network.projections.values() if p.post == post]
        neuron = np.concatenate([p.post_idx.astype(np.int64) for p in projs])
        weight = np.concatenate([p.weight.astype(np.float64) for p in projs])
        clustered, scale = _cluster_per_neuron(neuron, weight, network.nodes[post].size, types, levels)
        bounds = np.cumsum([0] + [p.n_synapses for p in projs])
        for p, lo, hi in zip(projs, bounds[:-1], bounds[1:]):
            value[p.name] = clustered[lo:hi]
            scale_of[p.name] = scale[p.post_idx]
    out = Network(network.name)
    for node in network.nodes.values():
        out.add(node)
    out.host_ops.update(network.host_ops)
    errors = []
    for proj in network.projections.values():
        w, w_q = proj.weight.astype(np.float64), value[proj.name]
        keep = w_q != 0
        diff = w_q - w
        rms_w = float(np.sqrt(np.mean(w ** 2))) if w.size else 0.0
        rms_e = float(np.sqrt(np.mean(diff ** 2))) if w.size else 0.0
        errors.append(ProjectionError(proj.name, bits, float(scale_of[proj.name].max(initial=0.0)),
                                      float(np.max(np.abs(diff))) if w.size else 0.0, rms_e,
                                      rms_e / rms_w if rms_w > 0 else 0.0, int((~keep).sum())))
        out.connect_synapses(proj.pre, proj.post, proj.pre_idx[keep], proj.post_idx[keep], w_q[keep],
                             proj.delay[keep], name=proj.name, origin=proj.origin)
    return out, QuantizationReport(bits, True, tuple(errors), types)


def _cluster_per_neuron(neuron: np.ndarray, weight: np.ndarray, size: int, types: int,
                        levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(each synapse's clustered, quantised weight; each neuron's scale) for synapses ``neuron -> weight``."""
    out = np.zeros_like(weight)
    scale = np.zeros(size)
    order = np.argsort(neuron, kind="stable")
    starts = np.searchsorted(neuron[order], np.arange(size + 1))
    for i in range(size):
        idx = order[starts[i]:starts[i + 1]]
        if idx.size == 0:
            continue
        w = weight[idx]
        centres = np.unique(w)
        if centres.size > types:
            centres = np.quantile(w, (np.arange(types) + 0.5) / types)
            for _ in range(KMEANS_ITERATIONS):
                label = np.argmin(np.abs(w[:, None] - centres[None, :]), axis=1)
                sums = np.bincount(label, weights=w, minlength=types)
                counts = np.bincount(label, minlength=types)
                moved = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
                if np.array_equal(moved, centres):
                    break
                centres = moved
        label = np.argmin(np.abs(w[:, None] - centres[None, :]), axis=1)
        peak = float(np.max(np.abs(centres)))
        scale[i] = peak / levels if peak > 0 else 1.0
        out[idx] = np.clip(np.round(centres / scale[i]), -levels, levels)[label] * scale[i]
    return out, scale
