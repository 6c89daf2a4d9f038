"""Importers of trained models: NIR graphs (``load_nir``) read in a named dialect."""
from neurosim.importers.dialects import DIALECTS, Dialect, get_dialect
from neurosim.importers.from_nir import load_nir, with_inputs

__all__ = ["DIALECTS", "Dialect", "get_dialect", "load_nir", "with_inputs"]
