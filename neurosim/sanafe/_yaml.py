"""SANA-FE's YAML as plain text values, and the conversions the reader applies where a value is used.

SANA-FE parses its files with rapidyaml, which keeps every scalar as text until a field is read: a
mapping to ``core: 0.10`` means tile 0, core 10, not the float 0.1. PyYAML's ``BaseLoader`` (its C
version, ``CBaseLoader``, where PyYAML was built with libyaml) resolves no types either, so the
reader sees the same text and converts each value where it knows what it should be, naming the
file and the item when it cannot.

Speed: PyYAML builds one Python object per node, several microseconds each, which a network of a
million synapses cannot afford. So three kinds of text are cut out before parsing, each replaced by
a placeholder that is swapped back after parsing: blocks of one-neuron mapping lines (SANA-FE's
DVS network maps its 18,678 neurons one line each), read by one regular expression and handed over
as one mapping entry per run of consecutive ids on one core (``{'5.0..9': {core: '0.0'}}``, the
same meaning); long flow lists of plain numbers (``weight: [1, -2, ...]``) and of number pairs
(``source_target_pairs: [[0, 1], ...]``), converted by numpy. A cut keeps the line count, so YAML
errors keep their line numbers.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import numpy.typing as npt

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML is a dependency of neurosim
    yaml = None

Error = Callable[[str], Exception]

_LOADER = getattr(yaml, "CBaseLoader", None) or getattr(yaml, "BaseLoader", None)
_LONG_LIST = re.compile(r"\[[-+0-9.eE,\s]{256,}\]")
_LONG_PAIRS = re.compile(r"\[\s*\[[-+0-9.eE,\s\[\]]{256,}\]")
_NOT_STRUCTURE = str.maketrans("", "", "-+0123456789.eE \t\r\n")
_PLACEHOLDER = "__neurosim_array_{}__"
_ITEMS = "__neurosim_items_{}__"
_RANGE = re.compile(r"^\s*(\d+)\s*\.\.\s*(\d+)\s*$")
_ADDRESS = r"'?[A-Za-z0-9_\-]+\.\d+'?[ \t]*:[ \t]*"
_CORE = r"core[ \t]*:[ \t]*'?\d+\.\d+'?[ \t]*"
# One-neuron mapping lines (``- {'5.0': {core: '0.0'}}``, ``- 5.1: [core: 0.0]``, ``- 5.2: {core: 0.0}``)
# and blocks of consecutive ones; the fields of each line of a block.
_MAPPING_LINE = (rf"[ \t]*- (?:\{{[ \t]*{_ADDRESS}\{{[ \t]*{_CORE}\}}[ \t]*\}}|{_ADDRESS}\[[ \t]*{_CORE}\]"
                 rf"|{_ADDRESS}\{{[ \t]*{_CORE}\}})[ \t\r]*")
_MAPPING_BLOCK = re.compile(rf"^(?:{_MAPPING_LINE}(?:\n|\Z))+", re.MULTILINE)
_MAPPING_FIELDS = re.compile(r"^([ \t]*)- \{?[ \t]*'?([A-Za-z0-9_\-]+)\.(\d+)'?[ \t]*:[ \t]*[\[{][ \t]*core[ \t]*:"
                             r"[ \t]*'?(\d+\.\d+)", re.MULTILINE)
_UNIT_RANGE = re.compile(r"^(.*)\[(\d+)(?:\.\.(\d+))?\]$")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def load(path: str | Path, error: Error) -> Any:
    """The document in ``path``, every scalar a ``str``; ``error(message)`` for an unreadable file."""
    if yaml is None:  # pragma: no cover
        raise error(f"{path}: reading SANA-FE files needs PyYAML (pip install 'PyYAML>=6')")
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise error(f"{path}: cannot read the file ({err.strerror})") from None
    arrays: list[Any] = []
    if "core" in text:
        text = _MAPPING_BLOCK.sub(lambda m: _cut_mappings(m, arrays), text)
    text = _LONG_PAIRS.sub(lambda m: _cut(m, arrays, pairs=True), text)
    text = _LONG_LIST.sub(lambda m: _cut(m, arrays, pairs=False), text)
    try:
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise error(f"{path}: not valid YAML{line} ({problem})") from None
    return _paste(doc, arrays) if arrays else doc


def _cut_mappings(match: re.Match[str], arrays: list[Any]) -> str:
    """The placeholder item of a block of one-neuron mapping lines, its entries (one per run of
    consecutive ids of one group on one core, written as an id range) appended to ``arrays``, with
    the same line count; the block itself when its lines are not all at one indent (YAML then reads it)."""
    block = match.group(0)
    indent, group, first, core = (np.array(column) for column in zip(*_MAPPING_FIELDS.findall(block)))
    if np.any(indent != indent[0]):
        return block
    ids = first.astype(np.int64)
    start = np.flatnonzero(np.concatenate([[True], (group[1:] != group[:-1]) | (core[1:] != core[:-1])
                                           | (ids[1:] != ids[:-1] + 1)]))
    end = np.append(start[1:], ids.size) - 1
    arrays.append([{f"{group[a]}.{ids[a]}..{ids[b]}" if b > a else f"{group[a]}.{ids[a]}": {"core": str(core[a])}}
                   for a, b in zip(start.tolist(), end.tolist())])
    return f"{indent[0]}- {_ITEMS.format(len(arrays) - 1)}" + "\n" * block.count("\n")


def _cut(match: re.Match[str], arrays: list[np.ndarray], pairs: bool) -> str:
    """The placeholder of one long list of numbers (or of number pairs), parsed into ``arrays``, with
    the same line count; the text itself when it is not such a list (YAML then reads it)."""
    body = match.group(0)
    inner = body[1:-1].rstrip().rstrip(",")
    if pairs:
        n = inner.count("[")
        if inner.translate(_NOT_STRUCTURE) != "[,]" + ",[,]" * (n - 1):
            return body
        inner = inner.replace("[", " ").replace("]", " ")
    try:
        values = np.array(inner.split(","), dtype=np.float64)
    except ValueError:
        return body
    arrays.append(values.reshape(-1, 2) if pairs else values)
    return _PLACEHOLDER.format(len(arrays) - 1) + "\n" * body.count("\n")


def _paste(node: Any, arrays: list[Any]) -> Any:
    """``node`` with every placeholder scalar replaced by its array, and every placeholder item of a
    list by its entries."""
    if isinstance(node, dict):
        return {k: _paste(v, arrays) for k, v in node.items()}
    if isinstance(node, list):
        out = []
        for v in node:
            if isinstance(v, str) and v.startswith("__neurosim_items_") and v.endswith("__"):
                out.extend(arrays[int(v[len("__neurosim_items_"):-2])])
            else:
                out.append(_paste(v, arrays))
        return out
    if isinstance(node, str) and node.startswith("__neurosim_array_") and node.endswith("__"):
        return arrays[int(node[len("__neurosim_array_"):-2])]
    return node


def attributes(node: Any, where: str, error: Error) -> dict[str, Any]:
    """A SANA-FE attribute list: a map, or a list of one-entry maps merged in order (later wins)."""
    if node is None or node == "" or node == []:
        return {}
    if isinstance(node, Mapping):
        return dict(node)
    if isinstance(node, list):
        out: dict[str, Any] = {}
        for item in node:
            if not isinstance(item, Mapping):
                raise error(f"{where}: attribute {item!r} must be written 'name: value'")
            out.update(item)
        return out
    raise error(f"{where}: attributes must be a list like [name: value, ...] or a map, got {node!r}")


def mapping(node: Any, where: str, error: Error) -> Mapping[str, Any]:
    """``node`` when it is a map, else ``error``."""
    if not isinstance(node, Mapping):
        raise error(f"{where} must be a map of 'key: value' entries, got {_kind(node)}")
    return node


def sequence(node: Any, where: str, error: Error) -> list[Any]:
    """``node`` when it is a list, else ``error``."""
    if not isinstance(node, list):
        raise error(f"{where} must be a list ('- ...' entries), got {_kind(node)}")
    return node


def required(node: Mapping[str, Any], key: str, where: str, error: Error) -> Any:
    """``node[key]``, else an error naming the missing key."""
    if key not in node or node[key] is None:
        raise error(f"{where}: missing key '{key}'")
    return node[key]


def number(value: Any, where: str, error: Error) -> float:
    """A scalar as a float."""
    if not isinstance(value, str):
        raise error(f"{where} must be a number, got {_kind(value)}")
    try:
        return float(value)
    except ValueError:
        raise error(f"{where} = {value!r} is not a number") from None


def integer(value: Any, where: str, error: Error) -> int:
    """A scalar as an int (``"3"`` or ``"3.0"``)."""
    x = number(value, where, error)
    if not x.is_integer():
        raise error(f"{where} = {value!r} must be a whole number")
    return int(x)


def boolean(value: Any, where: str, error: Error) -> bool:
    """A scalar as a bool (``true``/``false``, any case, or ``1``/``0``)."""
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise error(f"{where} = {value!r} must be true or false")


def text(value: Any, where: str, error: Error) -> str:
    """A scalar as a string."""
    if not isinstance(value, str):
        raise error(f"{where} must be a name, got {_kind(value)}")
    return value.strip()


def numbers(value: Any, where: str, error: Error) -> npt.NDArray[np.float64]:
    """A list of scalars as a float64 array, converted by numpy (no Python object per value)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value
    if not isinstance(value, list):
        raise error(f"{where} must be a list of numbers, got {_kind(value)}")
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        for k, item in enumerate(value):
            number(item, f"{where}[{k}]", error)
        raise  # pragma: no cover - one item above fails


def id_range(key: Any, where: str, error: Error) -> tuple[int, int]:
    """``"3"`` -> (3, 3); ``"0..3"`` -> (0, 3): SANA-FE's neuron ids and ranges, inclusive."""
    key = key.strip() if isinstance(key, str) else key
    if isinstance(key, str) and key.isdigit():
        return int(key), int(key)
    match = _RANGE.match(key) if isinstance(key, str) else None
    if match is None or int(match.group(1)) > int(match.group(2)):
        raise error(f"{where}: {key!r} is not a neuron id or an id range like 0..3")
    return int(match.group(1)), int(match.group(2))


def unit_names(name: str) -> list[str]:
    """SANA-FE's replicated units: ``"core[0..3]"`` -> core[0] .. core[3]; a plain name stays one."""
    match = _UNIT_RANGE.match(name)
    if match is None or match.group(3) is None:
        return [name]
    first, last = int(match.group(2)), int(match.group(3))
    return [f"{match.group(1)}[{k}]" for k in range(first, last + 1)]


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, (list, np.ndarray)):
        return "a list"
    return "nothing" if value is None else repr(value)
