"""How a NIR file is read: the choices the file does not record (``docs/nir.md`` sections 2 and 7).

A NIR file is declarative: it stores time constants, resistances and thresholds of continuous-time
neurons, but no time step, integration scheme, reset mechanism or precision. Each exporter made
those choices when it wrote the file; a *dialect* names them so that the import reproduces the
framework that trained the model. With ``d = dt / tau`` the neuron parameters are::

    decay    beta = 1 - d ("euler")  |  exp(-d) ("exact")        (alpha likewise from tau_syn)
    gain     LIF, CubaLIF membrane, LI input gain, by name (GAINS):
               "euler"  r * d            NIR's forward Euler
               "zoh"    r * (1 - beta)   exact for an input held over the step (Sinabs norm_input)
               "r"      r                unscaled input
               "rockpool" r * d / beta   undoes Rockpool's r = tau exp(-d) / dt (gain 1)
    if_gain  IF, I: "euler" r * dt  |  "r" r
    syn_gain CubaLIF/CubaLI current input: "euler" w_in * dt / tau_syn  |  "w_in" w_in (Norse's
             current jump)  |  "decayed" w_in * alpha (Rockpool adds the input before the decay)

and the current is updated first, then the voltage with the new current (every framework here).

==================  ======  =====  =====  ========  ========  ==============  =====  ======
dialect             dt      prec.  decay  gain      IF gain   reset           test   v(0)
==================  ======  =====  =====  ========  ========  ==============  =====  ======
``nir``             1e-4    f64    euler  euler     r dt      value           ``>``  0
``snntorch``        1e-4    f32    euler  euler     r dt      subtract_next   ``>``  0
``norse``           1e-3    f32    euler  euler     r         value           ``>``  v_leak
``norse-1.1``       1e-6    f32    as ``norse`` (Norse 1.1.0's default export, see below)
``spikingjelly``    1e-4    f32    euler  euler     r dt      value           ``>=`` 0
``sinabs``          1       f32    exact  zoh/LI r  r         subtract        ``>=`` 0
``rockpool``        1e-3    f32    exact  rockpool  r dt      subtract        ``>=`` 0
``rockpool-single`` as ``rockpool``, one spike per step (``max_spikes_per_dt=1``)
==================  ======  =====  =====  ========  ========  ==============  =====  ======

* ``nir``: the NIR primitives' equations read literally. ``dt`` is not in the file; 1e-4 s is what
  snnTorch and SpikingJelly export with (pass ``dt=`` for other files).
* ``snntorch`` (snnTorch 1.0 ``Leaky``, ``Synaptic``, ``RLeaky``): reset by subtracting the
  threshold at the step *after* the spike (``reset_mechanism="subtract"``, ``reset_delay=True``),
  float32; a gain within 4 float32 ulp of 1 is snapped to 1 (snnTorch has no input gain). An
  ``IF`` becomes a ``lif`` with ``beta = 1`` so it can use the delayed reset.
* ``norse`` (Norse ``LIFCell`` -> CubaLIF, ``LIFBoxCell`` -> LIF, ``LIBoxCell`` -> LI, ``IAFCell``
  -> IF; ``norse/torch/functional/{lif,lif_box,leaky_integrator_box,iaf}.py``): the synaptic
  current jumps by the input unscaled (``i += x``, so ``gain_syn = w_in``, 1 in Norse's files),
  the voltage integrates the new current, reset to ``v_reset`` in the step, strict ``>``,
  ``IAFCell`` adds its input unscaled, and every state starts at ``v = v_leak``. ``tau`` in
  seconds: files from Norse master or from 1.1.0's ``to_nir(..., dt=1.0)``.
* ``norse-1.1``: files from Norse 1.1.0's ``to_nir`` with its default ``dt=1e-3``, which stores
  ``tau = 1e-3 / tau_inv``, 1000x too small (norse/norse#411). Only ``dt / tau`` matters, so this
  is ``norse`` with ``dt = 1e-3 * 1e-3``; for another export dt use ``norse`` with
  ``dt = 1e-3 * export_dt``.
* ``spikingjelly`` (``LIFNode`` -> LIF with ``tau = tau_sj * dt``, ``IFNode`` -> IF with ``r = 1/dt``,
  ``nir_exchange/to_nir.py``): Euler as the spec, hard reset in the step, but fires on ``v >= v_th``.
  Soft reset (``v_reset=None``) is exported as ``v_reset = 0`` by that version: not recoverable.
* ``sinabs`` (``sinabs/nir.py``, ``sinabs/layers/functional/lif.py``): ``tau`` in time steps
  (``dt = 1``), exact decay ``exp(-1/tau)``; ``LIF`` scales its input by ``1 - beta``
  (``norm_input=True``, the default, although the file says ``r = 1``), ``ExpLeak`` (-> LI) and
  ``IAF`` (-> IF) do not; reset by subtraction in the step; fires on ``v >= v_th``
  (``SingleSpike``; the default ``MultiSpike`` emits ``floor(v / v_th)`` spikes, which a binary
  neuron cannot: counts differ whenever ``v >= 2 v_th``).
* ``rockpool`` (``rockpool/nn/modules/torch/{nir,lif_torch,exp_syn_torch}.py``): exact decay;
  ``LIFTorch`` adds the input to the current *before* it decays (``gain_syn = w_in * alpha``) and
  the current to ``v`` with gain 1, although the file says ``r = tau_mem exp(-dt/tau_mem) / dt``
  (the ``"rockpool"`` gain gives 1 back for the module's ``dt``; pass ``dt=`` if it was not
  1e-3: a recovered gain that is not 1 is refused); ``ExpSynTorch`` (-> LI) is ``v = beta (v + x)``,
  which the Euler gain ``r dt / tau = beta`` gives; subtractive reset, fires on ``v >= v_th``
  the neuron bias is not exported. **Multi-spike**: ``LIFTorch`` emits ``min(floor(v / v_th),
  max_spikes_per_dt)`` spikes per step (``StepPWL``; ``max_spikes_per_dt`` defaults to ``2**16``) and
  subtracts that many thresholds. The file does not record ``max_spikes_per_dt``, so ``rockpool``
  reads a CubaLIF with the default: a ``cuba_lif`` with ``max_spikes = 2**16``, whose spike value is
  the count (graded payload; costed as ``docs/metrics.md`` section 5 says). A LIF or IF node, which
  neurosim's single-spike ``lif``/``if`` would silently reduce, is refused.
* ``rockpool-single``: Rockpool modules built with ``max_spikes_per_dt=1`` (binary spikes).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

from neurosim.errors import ModelError

GAINS = ("euler", "zoh", "r", "rockpool")


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
    decay: str = "euler"  # "euler": 1 - dt/tau | "exact": exp(-dt/tau)
    gain: str = "euler"  # input gain of LIF and of CubaLIF's membrane, one of GAINS
    li_gain: str = "euler"  # input gain of LI, one of GAINS
    if_gain: str = "euler"  # input gain of IF and I: "euler" (r dt) | "r"
    syn_gain: str = "euler"  # CubaLIF current input: "euler" (w_in dt/tau_syn) | "w_in" | "decayed" (w_in alpha)
    v_init: str = "zero"  # initial membrane of LIF, CubaLIF, LI: "zero" | "v_leak"
    max_spikes: int = 1  # most spikes a CubaLIF neuron emits per step (its count is the spike's value)
    doc: str = ""


DIALECTS: dict[str, Dialect] = {
    "nir": Dialect("nir", dt=1e-4, precision="float64", reset="value", threshold=">", if_model="if",
                   snap_unit_gain=False, doc="the NIR spec read literally"),
    "snntorch": Dialect("snntorch", dt=1e-4, precision="float32", reset="subtract_next", threshold=">",
                        if_model="lif", snap_unit_gain=True,
                        doc="snnTorch 1.0 defaults: subtract, delayed reset, float32"),
    "norse": Dialect("norse", dt=1e-3, precision="float32", reset="value", threshold=">", if_model="if",
                     snap_unit_gain=False, if_gain="r", syn_gain="w_in", v_init="v_leak",
                     doc="Norse: current jump, v starts at v_leak, tau in seconds"),
    "norse-1.1": Dialect("norse-1.1", dt=1e-6, precision="float32", reset="value", threshold=">", if_model="if",
                         snap_unit_gain=False, if_gain="r", syn_gain="w_in", v_init="v_leak",
                         doc="Norse 1.1.0's to_nir with its default dt=1e-3 (tau stored as dt/tau_inv)"),
    "spikingjelly": Dialect("spikingjelly", dt=1e-4, precision="float32", reset="value", threshold=">=",
                            if_model="if", snap_unit_gain=False, doc="SpikingJelly: hard reset, v >= v_th"),
    "sinabs": Dialect("sinabs", dt=1.0, precision="float32", reset="subtract", threshold=">=", if_model="if",
                      snap_unit_gain=False, decay="exact", gain="zoh", li_gain="r", if_gain="r",
                      doc="Sinabs: tau in steps, exact decay, norm_input, subtract, v >= v_th"),
    "rockpool": Dialect("rockpool", dt=1e-3, precision="float32", reset="subtract", threshold=">=", if_model="if",
                        snap_unit_gain=False, decay="exact", gain="rockpool", syn_gain="decayed",
                        max_spikes=2 ** 16,
                        doc="Rockpool LIFTorch/ExpSynTorch: exact decay, subtract, v >= v_th, up to 2**16 spikes "
                            "per step (max_spikes_per_dt's default)"),
    "rockpool-single": Dialect("rockpool-single", dt=1e-3, precision="float32", reset="subtract", threshold=">=",
                               if_model="if", snap_unit_gain=False, decay="exact", gain="rockpool",
                               syn_gain="decayed",
                               doc="Rockpool modules built with max_spikes_per_dt=1: as rockpool, one spike per step"),
}


def get_dialect(name: str, dt: float | None = None) -> Dialect:
    """The dialect called ``name``, its time step replaced by ``dt`` when given.

    Raises
    ------
    ModelError
        For an unknown ``name`` (listing the supported ones) or a ``dt`` that is not a positive number.
    """
    if not (isinstance(name, str) and name in DIALECTS):
        raise ModelError(f"unknown NIR dialect {name!r}; supported: {', '.join(DIALECTS)}")
    if dt is None:
        return DIALECTS[name]
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not dt > 0:
        raise ModelError(f"dt must be a positive number, got {dt!r}: pass the time step in seconds")
    return replace(DIALECTS[name], dt=float(dt))
