"""Hardware models: chip profiles (data with sources), and what maps a network onto them.

    >>> from neurosim.hardware import load_chip, list_chips
    >>> "loihi" in list_chips()
    True
    >>> load_chip("truenorth").neurons_per_core
    256
"""
from neurosim.hardware.placement import Mesh, Placement, list_strategies, place, register_strategy
from neurosim.hardware.profile import USER_SET_SOURCE, ChipProfile, ProfileValue, list_chips, load_chip
from neurosim.hardware.routing import RouteTable, route
from neurosim.hardware.schema import FIELDS, SCHEMA_VERSION, Field
from neurosim.hardware.network_traffic import Traffic, traffic

__all__ = ["FIELDS", "SCHEMA_VERSION", "USER_SET_SOURCE", "ChipProfile", "Field", "Mesh", "Placement",
           "ProfileValue", "RouteTable", "Traffic", "list_chips", "list_strategies", "load_chip", "place",
           "register_strategy", "route", "traffic"]
