"""The version of the neurosim package (written into traces and reports)."""
__version__ = "0.1.0"
