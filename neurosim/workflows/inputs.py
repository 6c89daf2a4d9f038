"""Input files of a run: the model and samples shipped in ``neurosim/data``, and ``.npz`` input files.

``bundled`` locates the model that ``neurosim run`` runs without arguments (``neurosim/data``, made by
``tools/make_bundled_model.py``); ``load_input_file`` reads the samples of ``neurosim run --input``.
"""
from __future__ import annotations

import os
import pathlib

import numpy as np

from neurosim.errors import ModelError

BUNDLED_MODEL = "digits_snntorch.nir"
BUNDLED_SAMPLES = "digits_samples.npz"
BUNDLED_DIALECT = "snntorch"


def bundled(name: str) -> pathlib.Path:
    """Path of a file shipped in ``neurosim/data`` (``BUNDLED_MODEL``, ``BUNDLED_SAMPLES``)."""
    return pathlib.Path(__file__).resolve().parents[1] / "data" / name


def load_input_file(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` input file (``neurosim run --input``), with one-line errors.

    Raises
    ------
    ModelError
        For a missing file, a directory, or a file that is not a readable ``.npz`` file.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        raise ModelError(f"input file '{path}' is a directory: give the path of an .npz file")
    if not path.is_file():
        raise ModelError(f"input file '{path}' does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception as err:  # zipfile.BadZipFile, ValueError (pickled object arrays), OSError
        raise ModelError(f"'{path}' is not a readable .npz file ({type(err).__name__}: {err}); "
                         "write one with numpy.savez") from None
