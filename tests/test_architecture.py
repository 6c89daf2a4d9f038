"""The import graph of the package follows the data flow.

Every module under ``neurosim/`` is parsed with :mod:`ast` (nothing is imported), and each
``import neurosim...`` / ``from neurosim... import ...`` / relative import becomes an edge to the
module it names (``from neurosim.x import y`` names ``neurosim.x.y`` when that is a module, else
``neurosim.x``). Two kinds of edge are read:

* **every import** anywhere in the file: at module level, inside functions and methods, and inside
  ``if TYPE_CHECKING:`` blocks. These must not go back in the flow: a module may import only
  modules of its own stage or an earlier one (:data:`STAGES`). The package root ``__init__.py``
  re-exports the public API and is exempt as an importer.
* **module-level imports**: the ones that run when the module is imported, i.e. statements at
  the top of the file or nested in top-level ``if``/``try``/``with`` blocks and class bodies, but
  not in function bodies (run later) nor under ``if TYPE_CHECKING:`` (never run). These must not
  form a cycle (a strongly connected component of more than one module).

Modules loaded by name at run time (``importlib``, the generated engine module) are not seen.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "neurosim"

STAGES = ("base", "models", "net", "nir", "compile", "chip", "mapping", "sanafe", "engine", "cost_model", "trace",
          "plots", "workflows", "cli")
"""The stages in data-flow order; a module may import its own stage and the ones before it."""

BASE_MODULES = ("errors", "_jit", "_checks", "_version")
"""The root modules every stage may use (the stage ``base``)."""

MAX_ROOT_MODULES = 6

# Back-edges that exist in the tree today and that other branches are removing. The lead empties
# these at merge; the tests below fail both on a back-edge not listed here and on a listed one
# that is gone (so that the list can only shrink).
KNOWN_BACK_EDGES_TO_REMOVE: frozenset[tuple[str, str]] = frozenset()
KNOWN_CYCLES_TO_REMOVE: frozenset[frozenset[str]] = frozenset()


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """``neurosim/chip/profile.py`` -> ``neurosim.chip.profile``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str:
    """The stage of a ``neurosim`` module (``"neurosim"`` itself, the root, counts as the last stage)."""
    parts = module.split(".")
    if parts[0] != "neurosim":
        raise ValueError(f"{module} is not a neurosim module")
    if len(parts) == 1:
        return STAGES[-1]
    if parts[1] in BASE_MODULES:
        return "base"
    if parts[1] not in STAGES:
        raise ValueError(f"neurosim.{parts[1]} has no stage: add it to STAGES (or BASE_MODULES) in {__name__}")
    return parts[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.Module, module_level: bool) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import statement of ``tree``, or (``module_level``) the ones run when the module is imported."""
    if not module_level:
        yield from (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))
        return
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def imported_modules(source: str, module: str, is_package: bool, known: set[str], module_level: bool) -> set[str]:
    """The ``neurosim`` modules that ``source`` (the module ``module``) imports.

    ``known`` is the set of all module names, used to tell ``from pkg import submodule`` from
    ``from module import name``.
    """
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in _import_nodes(ast.parse(source), module_level):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[:len(anchor) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        for alias in node.names:
            full = f"{base}.{alias.name}"
            found.add(full if full in known else base)
    return {m for m in found if m == "neurosim" or m.startswith("neurosim.")}


def import_graph(package: Path = PACKAGE, module_level: bool = False) -> dict[str, set[str]]:
    """``{module: modules it imports}`` for every module under ``package``."""
    paths = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    known = set(paths)
    return {m: imported_modules(p.read_text(encoding="utf-8"), m, p.name == "__init__.py", known, module_level) - {m}
            for m, p in paths.items()}


def back_edges(graph: Mapping[str, Iterable[str]]) -> set[tuple[str, str]]:
    """The ``(importer, imported)`` pairs where a module imports a later stage; the root package is exempt."""
    found = set()
    for importer, imported in graph.items():
        if importer == "neurosim":
            continue
        rank = STAGES.index(stage_of(importer))
        found.update((importer, m) for m in imported if STAGES.index(stage_of(m)) > rank)
    return found


def describe(edge: tuple[str, str]) -> str:
    importer, imported = edge
    return f"{importer} (stage {stage_of(importer)}) imports {imported} (later stage {stage_of(imported)})"


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found = []
    nodes = sorted(set(graph) | {m for targets in graph.values() for m in targets})

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in nodes:
        if v not in index:
            visit(v)
    return sorted(found)


# -- the checks can fail ----------------------------------------------------------------------------


def test_a_back_edge_is_found_and_named_with_both_stages():
    graph = {"neurosim.chip.profile": {"neurosim.errors", "neurosim.engine.simulate"},
             "neurosim.engine.simulate": {"neurosim.chip.profile", "neurosim._checks"},
             "neurosim": {"neurosim.cli"}}  # the root is exempt
    got = back_edges(graph)
    assert got == {("neurosim.chip.profile", "neurosim.engine.simulate")}
    assert describe(next(iter(got))) == ("neurosim.chip.profile (stage chip) imports neurosim.engine.simulate "
                                         "(later stage engine)")


def test_a_cycle_is_found_and_a_chain_is_not():
    graph = {"neurosim.trace.a": {"neurosim.trace.b"}, "neurosim.trace.b": {"neurosim.trace.c"},
             "neurosim.trace.c": {"neurosim.trace.a", "neurosim.errors"}, "neurosim.plots.x": {"neurosim.trace.a"}}
    assert cycles(graph) == [["neurosim.trace.a", "neurosim.trace.b", "neurosim.trace.c"]]
    assert cycles({"neurosim.trace.a": {"neurosim.trace.b"}, "neurosim.trace.b": {"neurosim.errors"}}) == []


def test_imports_in_functions_and_type_checking_blocks_count_but_not_for_cycles():
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING
import numpy as np
from neurosim.errors import ModelError
from . import sibling
from .sibling import helper
if TYPE_CHECKING:
    from neurosim.engine.simulate import SimResult
try:
    import neurosim.chip.profile
except ImportError:
    pass
class Holder:
    from neurosim.mapping import placement
def later():
    from neurosim.trace import read_trace
"""
    known = {"neurosim.errors", "neurosim.cost_model.sibling", "neurosim.engine.simulate", "neurosim.chip.profile",
             "neurosim.mapping", "neurosim.mapping.placement", "neurosim.trace", "neurosim.cost_model.me"}
    every = imported_modules(source, "neurosim.cost_model.me", False, known, module_level=False)
    assert every == {"neurosim.errors", "neurosim.cost_model.sibling", "neurosim.engine.simulate",
                     "neurosim.chip.profile", "neurosim.mapping.placement", "neurosim.trace"}
    at_import = imported_modules(source, "neurosim.cost_model.me", False, known, module_level=True)
    assert at_import == {"neurosim.errors", "neurosim.cost_model.sibling", "neurosim.chip.profile",
                         "neurosim.mapping.placement"}


def test_a_module_outside_every_stage_is_named():
    with pytest.raises(ValueError, match="neurosim.demo has no stage"):
        stage_of("neurosim.demo.x")


# -- the package ------------------------------------------------------------------------------------


def test_every_module_has_a_stage():
    for module in import_graph():
        stage_of(module)


def test_no_module_imports_a_later_stage():
    found = back_edges(import_graph())
    new = sorted(found - KNOWN_BACK_EDGES_TO_REMOVE)
    assert not new, "imports against the data flow:\n" + "\n".join(describe(e) for e in new)
    gone = sorted(KNOWN_BACK_EDGES_TO_REMOVE - found)
    assert not gone, f"remove from KNOWN_BACK_EDGES_TO_REMOVE, they are gone: {gone}"


def test_no_import_cycle_between_modules():
    found = {frozenset(c) for c in cycles(import_graph(module_level=True))}
    new = [sorted(c) for c in found - KNOWN_CYCLES_TO_REMOVE]
    assert not new, f"module-level import cycles: {new}"
    gone = [sorted(c) for c in KNOWN_CYCLES_TO_REMOVE - found]
    assert not gone, f"remove from KNOWN_CYCLES_TO_REMOVE, they are gone: {gone}"


def test_the_package_root_holds_at_most_six_modules():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, f"neurosim/ holds {len(root)} modules: {root}"


def test_model_modules_import_no_other_model_module():
    """Numba's on-disk cache of a handler does not notice edits to a jitted helper imported from another
    module, so each model module keeps its own helpers and imports only the registry."""
    graph = import_graph()
    for module, imported in graph.items():
        if module.startswith("neurosim.models.") and module != "neurosim.models.registry":
            others = {m for m in imported if m.startswith("neurosim.models") and m != "neurosim.models.registry"}
            assert not others, f"{module} imports {sorted(others)}"
