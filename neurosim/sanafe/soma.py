"""SANA-FE's soma models as neurosim populations and sources, with the unit translation.

**leaky_integrate_fire -> loihi_cuba.** SANA-FE's ``LoihiLifModel`` (``src/models.cpp``) keeps the
potential ``p`` in units where a weight of 1 adds 1, truncated to a multiple of 1/64 each step:
``p <- int(64 p leak_decay) / 64 + bias + u`` with ``u <- u input_decay + sum of weights``, a spike
when ``p > threshold``, then ``p <- reset`` (hard) or ``p - threshold`` (soft). neurosim's
``loihi_cuba`` (Lava's bit-accurate Loihi model) keeps ``v = 64 p`` as an integer, so:

* ``threshold`` -> ``vth = threshold`` (spike when ``v > vth << 6``): a whole number in 0..131071;
* ``leak_decay`` -> ``dv = 4096 (1 - leak_decay)``: a whole ``dv`` in 0..4095;
* ``bias`` -> ``bias_mant << bias_exp = 64 bias`` (the smallest exponent that fits the 13-bit
  mantissa): ``64 bias`` a whole number;
* ``input_decay`` -> ``du = 4095`` (the current keeps only this step's input): 0 only;
* ``refractory_delay`` -> ``refractory = max(refractory_delay - 1, 0)``: SANA-FE sets its countdown
  at the spike and decrements it in the same step, so it holds the neuron one step fewer;
* ``reset`` and ``reset_mode`` -> hard reset to 0: ``reset: 0`` and ``reset_mode: hard`` only;
* an edge's ``weight`` -> the synapse weight (``u += weight << 6``): a whole number.

Lava's decay ``(v (4096 - dv)) >> 12`` truncated toward zero is SANA-FE's ``int(64 p leak_decay) / 64``
exactly. neurosim's ``v`` saturates at ``+-(2**23 - 1)`` (``|p| < 131072``), SANA-FE's does not. A value
these rules cannot carry exactly is refused, naming the group, the neuron and the attribute.

**input -> spike array.** An ``input`` soma's ``spikes: [1, 0, 1]`` is a spike train by step; the
group becomes a :class:`~neurosim.net.network.SpikeArray` whose row ``t`` is entry ``t``, delivered
(edges have delay 1) at neurosim tick ``t + 1``, when SANA-FE's neurons receive it.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from neurosim.errors import ModelError
from neurosim.sanafe import _yaml

FloatArray = npt.NDArray[np.float64]

LIF_ATTRIBUTES = ("threshold", "leak_decay", "bias", "input_decay", "refractory_delay", "reset", "reset_mode",
                  "reverse_threshold", "reverse_reset", "reverse_reset_mode")
"""Attributes of ``leaky_integrate_fire`` the reader translates (the rest are refused)."""

INPUT_ATTRIBUTES = ("spikes",)
"""Attributes of ``input`` the reader translates (``poisson`` and ``rate`` draw SANA-FE's own random
stream, which neurosim does not reproduce: give the spike trains instead)."""

V_SCALE = 64  # neurosim's v is 64 x SANA-FE's potential (Loihi's 6-bit alignment)
BIAS_MANT = (-4096, 4095)
VTH_MAX = 131071


def check_attributes(values: dict[str, list[Any]], allowed: tuple[str, ...], where: str, model: str) -> None:
    """Refuse any attribute outside ``allowed``, naming the first neuron that has it."""
    for key, column in values.items():
        if key not in allowed:
            k = next(i for i, v in enumerate(column) if v is not None)
            raise ModelError(f"{where}: neuron {k} attribute '{key}' is not supported for SANA-FE model '{model}' "
                             f"(the reader translates: {', '.join(allowed)})")


DV_TOLERANCE = 1e-6
"""How far ``4096 (1 - leak_decay)`` may lie from a whole ``dv``: files write 4095/4096 as
0.99975585937 (SANA-FE's DVS network), 1.3e-8 from ``dv = 1``."""


def loihi_cuba_params(values: dict[str, list[Any]], n: int, where: str, notes: list[str]) -> dict[str, FloatArray]:
    """The ``loihi_cuba`` parameters of ``n`` neurons whose SANA-FE attributes are ``values``
    (attribute -> per-neuron text, ``None`` where unset). A rounding the translation makes is
    appended to ``notes``."""
    check_attributes(values, LIF_ATTRIBUTES, where, "leaky_integrate_fire")
    column = _columns(values, n, where)
    threshold = column("threshold", 0.0)
    _require(where, "threshold", threshold, (threshold == np.round(threshold)) & (threshold >= 0)
             & (threshold <= VTH_MAX), f"a whole number in 0..{VTH_MAX} (loihi_cuba's vth)")
    leak_decay = column("leak_decay", 1.0)
    dv = 4096.0 * (1.0 - leak_decay)
    off = np.abs(dv - np.round(dv))
    _require(where, "leak_decay", leak_decay, (off < DV_TOLERANCE) & (dv > -0.5) & (dv < 4095.5),
             "(4096 - dv) / 4096 for a whole dv in 0..4095 (loihi_cuba's voltage decay)")
    if np.any(off > 0):
        k = int(np.argmax(off))
        exact = (4096 - round(dv[k])) / 4096
        notes.append(f"{where}: leak_decay {float(leak_decay[k])!r} taken as {4096 - round(dv[k])}/4096 = {exact!r} "
                     f"(dv = {round(dv[k])}); SANA-FE multiplies by the written value, so where the exact decayed "
                     f"potential is a multiple of 1/64 its truncation can land 1/64 lower or higher")
    bias_mant, bias_exp = _bias(column("bias", 0.0), where)
    input_decay = column("input_decay", 0.0)
    _require(where, "input_decay", input_decay, input_decay == 0.0,
             "0 (SANA-FE's current is not quantised, so only a current that keeps one step of input is exact)")
    delay = column("refractory_delay", 0.0)
    _require(where, "refractory_delay", delay, (delay == np.round(delay)) & (delay >= 0) & (delay <= 65),
             "a whole number of steps in 0..65")
    # SANA-FE sets the countdown to refractory_delay at the spike and decrements it in the same step,
    # so the neuron is held for refractory_delay - 1 steps after it.
    refractory = np.maximum(delay - 1.0, 0.0)
    reset = column("reset", 0.0)
    _require(where, "reset", reset, reset == 0.0, "0 (loihi_cuba resets to 0)")
    _require_text(values, "reset_mode", ("hard",), where)
    _require_text(values, "reverse_reset_mode", ("none",), where)
    column("reverse_threshold", 0.0)  # no effect with reverse_reset_mode none, but must be a number
    column("reverse_reset", 0.0)
    return {"du": np.full(n, 4095.0), "dv": np.round(dv), "vth": threshold, "bias_mant": bias_mant,
            "bias_exp": bias_exp, "refractory": refractory}


def input_spikes(values: dict[str, list[Any]], n: int, where: str) -> FloatArray:
    """The ``(steps, n)`` spike array of ``n`` SANA-FE ``input`` neurons (at least one step)."""
    check_attributes(values, INPUT_ATTRIBUTES, where, "input")
    trains = values.get("spikes", [None] * n)
    steps = max([len(t) for t in trains if isinstance(t, (list, np.ndarray))] + [1])
    out = np.zeros((steps, n))
    for k, train in enumerate(trains):
        if train is None:
            continue
        if isinstance(train, np.ndarray):  # a long train, parsed as numbers
            bad = (train != 0) & (train != 1)
            if bad.any():
                t = int(np.argmax(bad))
                raise ModelError(f"{where}: neuron {k} spikes[{t}] = {train[t]:g} must be true or false")
            out[:train.size, k] = train
        elif isinstance(train, list):
            out[:len(train), k] = [_yaml.boolean(s, f"{where}: neuron {k} spikes[{t}]", ModelError)
                                   for t, s in enumerate(train)]
        else:
            raise ModelError(f"{where}: neuron {k} attribute 'spikes' must be a list like [1, 0, 1], got {train!r}")
    return out


def _columns(values: dict[str, list[Any]], n: int, where: str) -> Callable[[str, float], FloatArray]:
    def column(key: str, default: float) -> FloatArray:
        texts = values.get(key)
        if texts is None:
            return np.full(n, default)
        filled = [str(default) if v is None else v for v in texts]
        try:
            return np.array(filled, dtype=np.float64)
        except (TypeError, ValueError):
            for k, v in enumerate(filled):
                _yaml.number(v, f"{where}: neuron {k} attribute '{key}'", ModelError)
            raise  # pragma: no cover - one value above fails
    return column


def _require(where: str, key: str, value: FloatArray, ok: npt.NDArray[np.bool_], rule: str) -> None:
    if not np.all(ok):
        k = int(np.argmax(~ok))
        raise ModelError(f"{where}: neuron {k} attribute '{key}' = {value[k]:g} is not supported: it must be {rule}")


def _require_text(values: dict[str, list[Any]], key: str, allowed: tuple[str, ...], where: str) -> None:
    for k, v in enumerate(values.get(key, ())):
        if v is not None and _yaml.text(v, f"{where}: neuron {k} attribute '{key}'", ModelError) not in allowed:
            raise ModelError(f"{where}: neuron {k} attribute '{key}' = {v!r} is not supported: it must be "
                             f"{' or '.join(allowed)}")


def _bias(bias: FloatArray, where: str) -> tuple[FloatArray, FloatArray]:
    """``64 bias`` as ``bias_mant << bias_exp`` with the smallest exponent that fits the mantissa."""
    scaled = bias * V_SCALE
    whole = np.abs(scaled - np.round(scaled)) < 1e-9
    _require(where, "bias", bias, whole, "a multiple of 1/64 (loihi_cuba's bias is an integer in units of 1/64)")
    scaled = np.round(scaled).astype(np.int64)
    mant, exp = scaled.copy(), np.zeros_like(scaled)
    for e in range(1, 8):
        shift = ((mant < BIAS_MANT[0]) | (mant > BIAS_MANT[1])) & (scaled % (1 << e) == 0)
        mant = np.where(shift, scaled >> e, mant)
        exp = np.where(shift, e, exp)
    _require(where, "bias", bias, (mant >= BIAS_MANT[0]) & (mant <= BIAS_MANT[1]),
             "at most 4095 x 2**7 / 64 in size (loihi_cuba's 13-bit mantissa and 3-bit exponent)")
    return mant.astype(np.float64), exp.astype(np.float64)
