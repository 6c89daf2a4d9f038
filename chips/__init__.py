"""The chip profiles shipped with neurosim: one TOML file per chip, data only.

This folder is installed as the package ``neurosim.chips`` (see ``setup.cfg``) so that
:func:`neurosim.chip.load_chip` finds the files through :mod:`importlib.resources`.
"""
