"""The hardware description: chip profiles (data with sources, ``chips/*.toml``) and their mesh.

    >>> from neurosim.chip import load_chip, list_chips
    >>> "loihi" in list_chips()
    True
    >>> load_chip("truenorth").neurons_per_core
    256
"""
from neurosim.chip.mesh import Mesh
from neurosim.chip.profile import USER_SET_SOURCE, ChipProfile, ProfileValue, list_chips, load_chip
from neurosim.chip.schema import FIELDS, SCHEMA_VERSION, Field

__all__ = ["FIELDS", "SCHEMA_VERSION", "USER_SET_SOURCE", "ChipProfile", "Field", "Mesh", "ProfileValue", "list_chips",
           "load_chip"]
