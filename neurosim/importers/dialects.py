"""How a NIR file is read: the choices the file does not record (``/work/shared/references/nir.md`` §5-6).

A NIR file is declarative: it stores time constants, resistances and thresholds of continuous-time
neurons, but no time step, integration scheme, reset mechanism or precision. Each exporter made
those choices when it wrote the file; a *dialect* names them so that the import reproduces the
framework that trained the model. Every dialect here integrates with forward Euler at step ``dt``::

    LIF      beta = 1 - dt/tau,           gain = r dt / tau
    CubaLIF  alpha = 1 - dt/tau_syn,      gain_syn = w_in dt / tau_syn,
             beta  = 1 - dt/tau_mem,      gain = r dt / tau_mem       (current first, then voltage)
    LI       beta = 1 - dt/tau,           gain = r dt / tau
    IF, I    gain = r dt

and the table below fixes the rest.

============  ==========  ===========  ==============  =========  ========  =============
dialect       dt          precision    reset           threshold  IF as     matches
============  ==========  ===========  ==============  =========  ========  =============
``nir``       1e-4        float64      value (same     ``>``      ``if``    the spec read
                                       step, to                             literally
                                       ``v_reset``)
``snntorch``  1e-4        float32      subtract_next   ``>``      ``lif``   snnTorch 1.0
                                       (snnTorch's                (beta=1)  ``Leaky``,
                                       reset_delay)                         ``Synaptic``
============  ==========  ===========  ==============  =========  ========  =============

* ``nir``: the NIR primitives' equations read literally: reset to ``v_reset`` in the step of the
  spike, strict ``v > v_threshold``. ``dt`` is not in the file; 1e-4 s is what snnTorch and
  SpikingJelly export with (pass ``dt=`` for other files).
* ``snntorch``: snnTorch's defaults, which the file cannot carry: reset by subtracting the
  threshold at the step *after* the spike (``reset_mechanism="subtract"``, ``reset_delay=True``),
  float32 arithmetic; the threshold is the file's ``v_threshold``. ``1 - dt/tau`` and
  ``r dt / tau`` are computed in float32, which recovers snnTorch's beta bit for bit and a gain of
  exactly 1 (a gain within 4 float32 ulp of 1 is snapped to 1: snnTorch has no input gain). An
  ``IF`` becomes a ``lif`` with ``beta = 1`` so it can use the delayed reset.

Not yet supported (raise :class:`~neurosim.errors.ModelError`): ``norse``, ``spikingjelly``,
``sinabs``, ``rockpool`` (their differences: nir.md §5.2-5.3).
"""
from __future__ import annotations

from dataclasses import dataclass

from neurosim.errors import ModelError


@dataclass(frozen=True)
class Dialect:
    """The choices a NIR file leaves open, for one exporter."""

    name: str
    dt: float  # time step, in the unit of the file's time constants (seconds for snnTorch)
    precision: str  # "float32" | "float64": arithmetic of the neurons and of the parameter mapping
    reset: str  # reset of lif / cuba_lif: "value" | "subtract" | "subtract_next"
    threshold: str  # ">" | ">="
    if_model: str  # "if" (reset="value"/"subtract") or "lif" (beta = 1, for reset="subtract_next")
    snap_unit_gain: bool  # a gain within 4 ulp of 1 becomes exactly 1
    doc: str = ""


DIALECTS: dict[str, Dialect] = {
    "nir": Dialect("nir", dt=1e-4, precision="float64", reset="value", threshold=">", if_model="if",
                   snap_unit_gain=False, doc="the NIR spec read literally"),
    "snntorch": Dialect("snntorch", dt=1e-4, precision="float32", reset="subtract_next", threshold=">",
                        if_model="lif", snap_unit_gain=True,
                        doc="snnTorch 1.0 defaults: subtract, delayed reset, float32"),
}
NOT_YET = ("norse", "spikingjelly", "sinabs", "rockpool")


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name``, or a ModelError listing the supported ones."""
    supported = ", ".join(DIALECTS)
    if name in DIALECTS:
        return DIALECTS[name]
    if isinstance(name, str) and name.lower() in NOT_YET:
        raise ModelError(f"NIR dialect '{name}' is not yet supported; supported: {supported}")
    raise ModelError(f"unknown NIR dialect {name!r}; supported: {supported}")
