"""Output paths of a command: checked before the run starts, never an input, written atomically.

- :func:`check_output`: one output path (``--json``, ``--record``, ``--trace``, ``plot -o``,
  ``sweep --out``) refused, with one line naming the option and the fix, when it is empty, a
  directory, in a missing or unwritable directory, of the wrong suffix, or the same file as an input.
- :func:`check_distinct`: two outputs of one command may not be the same file.
- :func:`atomic_path`: a temporary path in the output's directory, moved onto the output
  (``os.replace``) only when the writing succeeded, so an interrupted or failed write leaves the
  previous file (or none), never a partial one.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
from collections.abc import Iterable, Iterator

from neurosim.errors import NeurosimError

__all__ = ["atomic_path", "check_distinct", "check_output"]


def check_output(option: str, value: str | os.PathLike | None, inputs: Iterable[str | os.PathLike | None] = (),
                 suffixes: Iterable[str] | None = None, what: str = "file") -> pathlib.Path | None:
    """``value`` as a path that can be written without destroying an input, else raise.

    Parameters
    ----------
    option : str
        The option that gave the path (``"--json"``), as the message names it.
    value : str, path or None
        The path given; ``None`` (option not given) passes.
    inputs : iterable of paths
        The files the command reads (model, input file, trace plotted); ``None`` entries are skipped.
    suffixes : iterable of str, optional
        The suffixes accepted (``".png"``), lower case; ``None`` accepts any.
    what : str
        What is written (``"picture"``), as the message about a wrong suffix names it.

    Returns
    -------
    pathlib.Path or None

    Raises
    ------
    NeurosimError
        One line naming the option, the path, what is wrong and the fix.
    """
    if value is None:
        return None
    if str(value).strip() == "":
        raise NeurosimError(f"{option} '': give the path of the file to write")
    path = pathlib.Path(value)
    if path.is_dir():
        raise NeurosimError(f"cannot write {option} '{path}' is a directory: give a file path inside it")
    parent = path.parent
    if not parent.exists():
        raise NeurosimError(f"cannot write {option} '{path}': directory '{parent}' does not exist; create it first")
    if not parent.is_dir():
        raise NeurosimError(f"cannot write {option} '{path}': '{parent}' is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise NeurosimError(f"cannot write {option} '{path}': directory '{parent}' is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise NeurosimError(f"cannot write {option} '{path}': the file exists and is not writable")
    for source in inputs:
        if source is not None and _same_file(path, pathlib.Path(source)):
            raise NeurosimError(f"{option} '{path}' is the input file '{source}': writing it would destroy the "
                                "input; choose another path")
    if suffixes is not None:
        allowed = tuple(suffixes)
        if path.suffix.lower() not in allowed:
            raise NeurosimError(f"{option} '{path}': a {what} is written as {' or '.join(allowed)}, "
                                f"not '{path.suffix}'")
    return path


def check_distinct(outputs: dict[str, pathlib.Path | None]) -> None:
    """Raise when two options of ``outputs`` (option -> path) name the same file."""
    given = [(option, path) for option, path in outputs.items() if path is not None]
    for k, (option, path) in enumerate(given):
        for other, other_path in given[k + 1:]:
            if _same_file(path, other_path):
                raise NeurosimError(f"{option} and {other} both name '{path}': give each output its own file")


def _same_file(a: pathlib.Path, b: pathlib.Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[pathlib.Path]:
    """Yield a temporary path next to ``path`` (same suffix); move it onto ``path`` when the block succeeds.

    On any exception, ``KeyboardInterrupt`` included, the temporary file is removed and ``path`` is
    left as it was.
    """
    path = pathlib.Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = pathlib.Path(name)
    os.chmod(tmp, 0o666 & ~_umask())  # the mode an ordinary open() would give, not mkstemp's 0600
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
