"""Neuron models from outside neurosim: installed plugin packages, and modules named at run time.

An installed package declares its models in the entry point group ``neurosim.models``. Each entry
point is named after the model it registers and points at a module (importing it registers the
model through :func:`neurosim.models.registry.register`) or at a callable (called with no
arguments, it registers the model)::

    [project.entry-points."neurosim.models"]
    refractory_if = "neurosim_demo_plugin.refractory_if"

An entry point is loaded the first time its model is asked for (:func:`neurosim.get_model`, a
population, a NIR model map, in any process, sweep workers included), or by ``neurosim models``.
:func:`load_plugin` imports a module by name or by the path of a ``.py`` file (``neurosim run
--plugin``), for models that are not installed as packages.

Every failure is a one-line :class:`~neurosim.errors.PluginError` naming the plugin and the fix;
the models a failing plugin registered before it failed are removed again. A plugin may not register
a name that is already registered (the built-in models included), and every model it registers
must have jitted handlers defined in an importable module (the engine imports them by name,
``neurosim.engine.codegen``), a ``source`` and a ``doc``.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Iterator

from neurosim.errors import ModelError, PluginError
from neurosim.models.registry import (NeuronModel, model_origin, registered_models, registering_as,
                                      unregister_since)

GROUP = "neurosim.models"
"""The entry point group of neuron-model plugins."""
_BY_SPEC: dict[str, str] = {}  # load_plugin's argument -> the name of the module it imported


def entry_point_names() -> tuple[str, ...]:
    """The model names that installed packages declare in the ``neurosim.models`` group, sorted."""
    return tuple(sorted({ep.name for ep in importlib.metadata.entry_points(group=GROUP)}))


def load_entry_point(name: str) -> bool:
    """Load the installed plugin that declares the model ``name``, unless it is registered already.

    Returns
    -------
    bool
        True when ``name`` is registered afterwards; False when no installed package declares it.

    Raises
    ------
    PluginError
        When two packages declare ``name``, when the plugin fails to load, or when it registers no
        model of that name.
    """
    found = {ep.value: ep for ep in importlib.metadata.entry_points(group=GROUP) if ep.name == name}
    if not found:
        return False
    if len(found) > 1:
        owners = ", ".join(f"{_package(ep)} ({ep.value})" for ep in found.values())
        raise PluginError(f"model '{name}' is declared by {len(found)} installed plugins: {owners}; "
                          "uninstall all but one")
    ep = next(iter(found.values()))
    origin = f"plugin package {_package(ep)}"
    registered = {m.name: m for m in registered_models()}
    if name in registered:
        module = getattr(registered[name].update, "py_func", registered[name].update).__module__
        if model_origin(name) == origin or module.split(".")[0] == ep.module.split(".")[0]:
            return True  # this package's model, already imported (e.g. by --plugin with its module name)
        raise PluginError(f"{origin} declares model '{name}', which is already registered ({model_origin(name)}); "
                          f"the plugin must give its model another name, or uninstall it")
    label = f"{origin} (entry point '{ep.name} = {ep.value}')"
    fix = f"fix the plugin or uninstall it (pip uninstall {_distribution(ep)})"
    with _loading(label, origin, fix) as new:
        target = ep.load()
        if not isinstance(target, ModuleType):
            if not callable(target):
                raise PluginError(f"{label} names a {type(target).__name__}, not a module or a callable; "
                                  "point the entry point at the module that registers the model")
            target()
        if name not in {m.name for m in new()}:
            others = ", ".join(m.name for m in new()) or "none"
            raise PluginError(f"{label} registered no model named '{name}' (it registered: {others}); name each "
                              "entry point after the model it registers")
    return True


def load_plugin(spec: str | os.PathLike) -> str:
    """Import the plugin module ``spec``, which registers its models; a second call does nothing.

    Parameters
    ----------
    spec : str or path
        An importable module name (``my_models``, ``lab.neurons``) or the path of a ``.py`` file.
        A file is imported as the module ``neurosim_plugin_<stem>_<hash of its path>``, so every
        process that loads the same file gives its handlers the same name (the engine's Numba
        cache depends on it).

    Returns
    -------
    str
        The name of the imported module.

    Raises
    ------
    PluginError
        One line naming the plugin and the fix: not found, failed on import, a model refused.
    """
    text = os.fspath(spec)
    if text in _BY_SPEC:
        return _BY_SPEC[text]
    if text.endswith(".py") or os.sep in text or (os.altsep is not None and os.altsep in text):
        module_name = _load_file(text)
    else:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", text):
            raise PluginError(f"plugin {text!r} is neither a module name nor the path of a .py file; give one of them")
        with _loading(f"plugin module '{text}'", f"plugin module {text}",
                      "fix the module, or check that its folder is on PYTHONPATH"):
            try:
                importlib.import_module(text)
            except ModuleNotFoundError as err:
                if err.name is None or not (text == err.name or text.startswith(err.name + ".")):
                    raise
                raise PluginError(f"plugin module '{text}' not found (no module named '{err.name}'); give the path "
                                  "of its .py file, or put its folder on PYTHONPATH") from None
        module_name = text
    _BY_SPEC[text] = module_name
    return module_name


def _load_file(text: str) -> str:
    """Import the ``.py`` file ``text`` under a name derived from its absolute path."""
    path = Path(text).expanduser().resolve()
    if path.suffix != ".py" or not path.is_file():
        what = "no such file" if not path.exists() else "not a .py file"
        raise PluginError(f"plugin '{text}': {what}; give the path of a Python file (.py) or an importable module name")
    stem = re.sub(r"\W", "_", path.stem)
    name = f"neurosim_plugin_{stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    if name in sys.modules:
        return name
    try:
        with _loading(f"plugin file '{text}'", f"plugin file {path}", f"fix {path.name}"):
            loader_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module  # the engine module imports the handlers from it by this name
            loader_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return name


@contextmanager
def _loading(label: str, origin: str, fix: str) -> Iterator:
    """Run a plugin's import with ``origin`` recorded for what it registers; yield a function returning
    the models registered so far. On any failure, unregister them and raise one PluginError line."""
    count = len(registered_models())

    def new() -> tuple[NeuronModel, ...]:
        return registered_models()[count:]

    try:
        with registering_as(origin):
            yield new
        for model in new():
            _check(model, label)
    except PluginError:
        unregister_since(count)
        raise
    except ModelError as err:
        unregister_since(count)
        raise PluginError(f"{label}: {_one_line(str(err))}") from None
    except Exception as err:  # the plugin's own code failed: one line, with where
        unregister_since(count)
        raise PluginError(f"{label} failed to load: {type(err).__name__}: {_one_line(str(err))}{_where(err)}; "
                          f"{fix}") from None


def _check(model: NeuronModel, label: str) -> None:
    """Refuse a model the engine could not compile or ``neurosim models`` could not describe."""
    handlers = {"update": model.update, "dense_update": model.dense_update, "uniform_update": model.uniform_update}
    for role, handler in handlers.items():
        if handler is None:
            continue
        func = getattr(handler, "py_func", None)
        if func is None:
            raise PluginError(f"{label}: model '{model.name}': {role} is not compiled by Numba; decorate it with "
                              "neurosim._jit.njit (or numba.njit(cache=True))")
        module = sys.modules.get(func.__module__)
        if func.__module__ == "__main__" or module is None or getattr(module, func.__name__, None) is not handler:
            raise PluginError(f"{label}: model '{model.name}': {role} '{func.__name__}' is not a module-level "
                              f"function of an importable module ({func.__module__}); define it at the top level "
                              "of the plugin module")
    if not callable(model.reference_step):
        raise PluginError(f"{label}: model '{model.name}': reference_step is not callable; give the numpy step")
    if not model.source.strip():
        raise PluginError(f"{label}: model '{model.name}' has no source; set NeuronModel(source=...) to the paper "
                          "or framework its equations come from")
    if not model.doc.strip():
        raise PluginError(f"{label}: model '{model.name}' has no doc; set NeuronModel(doc=__doc__), a description "
                          "whose first sentence `neurosim models` lists")


def _package(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else f"entry point {ep.value}"


def _distribution(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else ep.value.split(":")[0].split(".")[0]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _where(err: BaseException) -> str:
    """`` (at FILE:LINE)``: where in the plugin's code ``err`` was raised."""
    if isinstance(err, SyntaxError) and err.filename:
        return f" (at {err.filename}:{err.lineno})"
    frames = traceback.extract_tb(err.__traceback__)
    return f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
