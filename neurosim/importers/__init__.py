"""Importers and exporters of trained models: NIR graphs (``load_nir``, ``to_nir``) in a named dialect."""
from neurosim.importers.dialects import DIALECTS, Dialect, get_dialect
from neurosim.importers.from_nir import load_nir, with_inputs
from neurosim.importers.to_nir import save_nir, to_nir

__all__ = ["DIALECTS", "Dialect", "get_dialect", "load_nir", "save_nir", "to_nir", "with_inputs"]
