"""Hardware models: chip profiles (data with sources), and what maps a network onto them.

    >>> from neurosim.hardware import load_chip, list_chips
    >>> "loihi" in list_chips()
    True
    >>> load_chip("truenorth").neurons_per_core
    256
"""
from neurosim.hardware.profile import USER_SET_SOURCE, ChipProfile, ProfileValue, list_chips, load_chip
from neurosim.hardware.schema import FIELDS, SCHEMA_VERSION, Field

__all__ = ["FIELDS", "SCHEMA_VERSION", "USER_SET_SOURCE", "ChipProfile", "Field", "ProfileValue", "list_chips",
           "load_chip"]
