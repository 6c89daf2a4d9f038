"""NIR in and out: trained models read into a Network (``load_nir``, in a named dialect), networks written
back (``to_nir``, ``save_nir``), and the input samples of a model checked against its graph (``batch``)."""
from neurosim.nir.dialects import DIALECTS, Dialect, get_dialect
from neurosim.nir.export import save_nir, to_nir
from neurosim.nir.load import load_nir, with_inputs

__all__ = ["DIALECTS", "Dialect", "get_dialect", "load_nir", "save_nir", "to_nir", "with_inputs"]
