"""Reading SANA-FE's files (Boyle et al., IEEE TCAD 2025; github.com/SLAM-Lab/SANA-FE): a network and
its mapping, and an architecture, into a Network, a ChipProfile and a fixed Placement.

This stage sits between ``mapping`` (it places with :func:`~neurosim.mapping.fixed.place_fixed`) and
``engine``; ``docs/migrating-from-sanafe.md`` gives the correspondence of concepts and units.
"""
from neurosim.sanafe.arch import SanafeArch, read_arch
from neurosim.sanafe.reader import SanafeModel, read_sanafe

__all__ = ["SanafeArch", "SanafeModel", "read_arch", "read_sanafe"]
