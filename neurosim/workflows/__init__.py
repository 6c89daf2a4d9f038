"""The only place where stages are chained: runs on a chip and design-space sweeps.

``options`` (RunOptions, the options every run shares), ``prepare`` (the one preparation step: raise
delays, quantise, compile, place), ``run`` (run_on_chip, run_nir), ``sweep`` (design-space sweeps and
their CSV table, ``sweep_table``) and ``inputs`` (the bundled model and ``.npz`` input files).
"""
from neurosim.workflows.options import RunOptions
from neurosim.workflows.prepare import Prepared, prepare
from neurosim.workflows.run import ChipRun, NirRun, run_nir, run_on_chip

__all__ = ["ChipRun", "NirRun", "Prepared", "RunOptions", "prepare", "run_nir", "run_on_chip"]
