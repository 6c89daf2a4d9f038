"""The only place where stages are chained: runs on a chip and design-space sweeps.

``options`` (RunOptions, the options every run shares), ``prepare`` (the one preparation step: raise
delays, quantise, compile, place), ``run`` (run_on_chip, run_nir), ``sanafe`` (run_sanafe: SANA-FE's
files with their own mapping), ``sweep`` (design-space sweeps and
their CSV table, ``sweep_table``) and ``inputs`` (the bundled model and ``.npz`` input files).
"""
from neurosim.workflows.options import RunOptions
from neurosim.workflows.prepare import Prepared, prepare
from neurosim.workflows.run import ChipRun, NirRun, run_nir, run_on_chip
from neurosim.workflows.sanafe import SanafeRun, run_sanafe

__all__ = ["ChipRun", "NirRun", "Prepared", "RunOptions", "SanafeRun", "prepare", "run_nir", "run_on_chip",
           "run_sanafe"]
