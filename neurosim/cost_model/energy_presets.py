"""Energy presets: the E_MAC / E_AC pairs that SNN papers multiply their operation counts by.

    >>> get_preset("horowitz45_fp32").e_mac_J          # doctest: +SKIP
    4.6e-12

Every value comes from M. Horowitz, "1.1 Computing's energy problem (and what we can do about it)",
ISSCC 2014, doi:10.1109/ISSCC.2014.6757323: the table of rough energy costs of operations in a 45 nm
process at 0.9 V (its "Figure 1.1.9", a figure number **not read** here: the paper itself could not be
opened from this project). The values below are as restated, identically, by SpikingJelly 2.0.0
(``spikingjelly/activation_based/op_counter/simple_energy.py``, ``SimpleEnergyCostConfig.fp32/fp16/int8``)
and by the papers that use them (Spikformer, ICLR 2023; Spike-Driven Transformer, NeurIPS 2023:
``E_MAC = 4.6 pJ``, ``E_AC = 0.9 pJ``). A MAC is one multiply plus one add; an AC one add.
"""
from __future__ import annotations

from dataclasses import dataclass

from neurosim._checks import lookup

_HOROWITZ = "M. Horowitz, ISSCC 2014, doi:10.1109/ISSCC.2014.6757323, 45 nm, 0.9 V (table figure not read; values as " \
            "restated by SpikingJelly 2.0.0 SimpleEnergyCostConfig)"


@dataclass(frozen=True)
class EnergyPreset:
    """One named pair of unit energies.

    Attributes
    ----------
    name : str
        Its name (``energy_preset=NAME``, CLI ``--energy-preset NAME``).
    e_mac_J, e_ac_J : float
        Energy of one multiply-accumulate and of one accumulate, in joules.
    source : str
        Where the values come from, with how each was composed.
    """

    name: str
    e_mac_J: float
    e_ac_J: float
    source: str


PRESETS: dict[str, EnergyPreset] = {p.name: p for p in (
    EnergyPreset("horowitz45_fp32", 4.6e-12, 0.9e-12,
                 f"{_HOROWITZ}: fp32 multiply 3.7 pJ + fp32 add 0.9 pJ = MAC 4.6 pJ; AC = fp32 add 0.9 pJ"),
    EnergyPreset("horowitz45_fp16", 1.5e-12, 0.4e-12,
                 f"{_HOROWITZ}: fp16 multiply 1.1 pJ + fp16 add 0.4 pJ = MAC 1.5 pJ; AC = fp16 add 0.4 pJ"),
    EnergyPreset("horowitz45_int8", 0.23e-12, 0.03e-12,
                 f"{_HOROWITZ}: int8 multiply 0.2 pJ + int8 add 0.03 pJ = MAC 0.23 pJ; AC = int8 add 0.03 pJ"),
)}
"""Every preset, by name."""

DEFAULT_PRESET = "horowitz45_fp32"
"""The pair Spikformer and its successors use."""


def get_preset(name: str) -> EnergyPreset:
    """The energy preset called ``name``.

    Raises
    ------
    ModelError
        If there is none of that name (the message lists them).
    """
    return lookup(PRESETS, name, "energy preset")
