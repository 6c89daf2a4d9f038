"""``place_fixed``: a placement whose core for every neuron the caller gives (an array, a mapping of
population to array, or a ``.npy``/``.csv`` file), checked as :func:`~neurosim.mapping.placement.place`
checks a strategy's, giving the same :class:`~neurosim.mapping.placement.Placement`.

Core ids are those of :mod:`neurosim.mapping.placement` (row-major tiles); spike sources live on
the host (core ``-1``) unless given a core, where they take a neuron slot and send their packets
from its router (SANA-FE maps its input neurons to cores). Readers of other tools' mappings (``neurosim.sanafe``) translate their core
ids to these before calling :func:`place_fixed`.
"""
from __future__ import annotations

import csv
import os
from typing import Any, Mapping

import numpy as np
import numpy.typing as npt

from neurosim._checks import did_you_mean
from neurosim.chip.mesh import Mesh
from neurosim.chip.profile import ChipProfile
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.errors import DoesNotFitError, PlacementError
from neurosim.mapping import fit
from neurosim.mapping.placement import Placement, placement_from_usage
from neurosim.mapping.violations import apply_policy, check_policy
from neurosim.net.network import Network

IntArray = npt.NDArray[np.int64]


def place_fixed(compiled: CompiledNetwork | Network, profile: ChipProfile,
                neuron_core: npt.ArrayLike | Mapping[str, npt.ArrayLike] | str | os.PathLike[str], *,
                capacity: str = "strict") -> Placement:
    """Place every neuron on the core the caller gives, and check every capacity as :func:`place` does.

    A separate function rather than a strategy of :func:`place`: a fixed assignment takes no
    ``neurons_per_core`` and cannot be refilled when a limit is exceeded, so the error names the
    core to relieve instead of a smaller ``neurons_per_core``.

    Parameters
    ----------
    compiled : CompiledNetwork or Network
        The network (a Network is compiled first).
    profile : ChipProfile
        The chip; cores are numbered as in this module's docstring (row-major tiles).
    neuron_core : array_like, mapping or path
        The core of every neuron, in the compiled order (populations and sources in the order they
        were added); a spike-source neuron may be given ``-1``, the host (router (0, 0)); or a mapping
        of population name to the cores of its neurons (sources may be left out); or a ``.npy`` file
        of the array; or a ``.csv`` file of rows ``population,neuron,core`` (a header row with
        those names is allowed; sources may be left out).
    capacity : {"strict", "warn"}
        ``"warn"`` keeps every limit exceeded in ``Placement.violations`` instead of raising the first
        (:func:`~neurosim.mapping.placement.place`).

    Returns
    -------
    Placement
        With ``strategy = "fixed"``; ``options`` holds ``file`` when read from one.

    Raises
    ------
    PlacementError
        For an array of the wrong length or type, a core outside the system, or a file or mapping naming an unknown population, an unknown neuron, a neuron
        twice or leaving one out; each message names the neuron and the rule.
    DoesNotFitError
        If a capacity is exceeded (neurons per core included), naming the core and the limit.
    ProfileError
        If the profile does not publish its router mesh.
    """
    capacity = check_policy(capacity, "place_fixed: capacity")
    if isinstance(compiled, Network):
        compiled = compile_network(compiled)
    options: dict[str, Any] = {}
    if isinstance(neuron_core, (str, os.PathLike)):
        options["file"] = os.fspath(neuron_core)
        neuron_core = _read_neuron_core_file(neuron_core, compiled)
    elif isinstance(neuron_core, Mapping):
        neuron_core = _cores_from_mapping(neuron_core, compiled, "neuron_core")
    mesh = Mesh.of(profile)
    core = _checked_cores(neuron_core, compiled, profile.name, mesh.n_cores)
    pre, post = fit.synapse_endpoints(compiled)
    violations = apply_policy(fit.network_errors(compiled, profile, post), capacity)
    usage = fit.measure(compiled, pre, post, core, profile)
    crowded = _neurons_per_core_error(usage, compiled, profile)
    violations += apply_policy([] if crowded is None else [crowded], capacity)
    violations += apply_policy(fit.fit_errors(usage, compiled, profile, mesh.n_cores, profile.neurons_per_core, None),
                               capacity)
    return placement_from_usage(compiled, profile, "fixed", options, mesh, usage, fit.network_peaks(compiled, post),
                                violations)


def _neuron_name(compiled: CompiledNetwork, i: int) -> str:
    pop = int(compiled.neuron_pop[i])
    kind = "population" if compiled.pop_model[pop] >= 0 else "source"
    return f"{kind} '{compiled.names[pop]}' neuron {i - int(compiled.pop_offset[pop])}"


def _checked_cores(neuron_core: npt.ArrayLike, compiled: CompiledNetwork, chip: str | None,
                   n_cores: int) -> IntArray:
    """``neuron_core`` as int64 after checking its shape, its values and the spike sources."""
    what = "neuron_core"
    try:
        raw = np.asarray(neuron_core)
    except (TypeError, ValueError) as err:
        raise PlacementError(f"{what} must be an array of integer core ids ({err})") from None
    if raw.shape != (compiled.n_neurons,):
        raise PlacementError(f"{what} has shape {raw.shape}, expected ({compiled.n_neurons},): one core per neuron "
                             f"of the compiled network, populations and sources in the order they were added")
    if raw.dtype == np.bool_ or not np.issubdtype(raw.dtype, np.number):
        raise PlacementError(f"{what} must hold integer core ids, got dtype {raw.dtype}")
    if not np.issubdtype(raw.dtype, np.integer):
        bad = ~np.isfinite(raw) | (raw != np.round(raw))
        if bad.any():
            i = int(np.argmax(bad))
            raise PlacementError(f"{what}[{i}] ({_neuron_name(compiled, i)}) = {raw[i].item()!r} is not a whole "
                                 f"core id")
    core = raw.astype(np.int64)
    on_chip = compiled.pop_model[compiled.neuron_pop] >= 0
    off = ~on_chip & (core < -1)
    if off.any():
        i = int(np.argmax(off))
        raise PlacementError(f"{what}[{i}] ({_neuron_name(compiled, i)}) = {core[i]} is not a core: give a spike "
                             f"source -1 (the host) or a core of {chip} (0..{n_cores - 1})")
    outside = (on_chip & (core < 0)) | (core >= n_cores)
    if outside.any():
        i = int(np.argmax(outside))
        raise PlacementError(f"{what}[{i}] ({_neuron_name(compiled, i)}) = {core[i]} is not a core of {chip} "
                             f"(cores 0..{n_cores - 1}); give every population neuron a core in that range")
    return core


def _neurons_per_core_error(usage: fit.Usage, compiled: CompiledNetwork,
                            profile: ChipProfile) -> DoesNotFitError | None:
    limit = profile.neurons_per_core
    if limit is None or usage.neurons.max(initial=0) <= limit:
        return None
    core = int(np.argmax(usage.neurons > limit))
    pops = np.unique(compiled.neuron_pop[usage.neuron_core == core])
    names = ", ".join(f"'{compiled.names[p]}'" for p in pops)
    return DoesNotFitError(f"core {core} (population{'s' if pops.size > 1 else ''} {names}) holds "
                          f"{int(usage.neurons[core])} neurons, {int(usage.neurons[core]) - limit} over "
                          f"{profile.name}'s neurons_per_core = {limit}; move neurons off core {core}",
                          limit="neurons_per_core", needed=int(usage.neurons.max()), available=limit)


def _cores_from_mapping(cores: Mapping[str, npt.ArrayLike], compiled: CompiledNetwork, where: str) -> IntArray:
    """One array from ``{population: cores of its neurons}``; sources left out get -1."""
    out = np.full(compiled.n_neurons, -1, dtype=np.int64)
    for name, values in cores.items():
        if name not in compiled.names:
            raise PlacementError(f"{where}: no population named {name!r}{did_you_mean(str(name), compiled.names)} "
                                 f"(known: {', '.join(compiled.names)})")
        part = compiled.pop_slice(name)
        arr = np.asarray(values)
        if arr.shape != (part.stop - part.start,):
            raise PlacementError(f"{where}: population '{name}' has {part.stop - part.start} neurons but "
                                 f"{arr.size} cores were given")
        if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
            raise PlacementError(f"{where}: the cores of population '{name}' must be integers, got dtype {arr.dtype}")
        out[part] = arr
    missing = [n for p, n in enumerate(compiled.names) if compiled.pop_model[p] >= 0 and n not in cores]
    if missing:
        raise PlacementError(f"{where}: population '{missing[0]}' has no cores; give every population's neurons "
                             f"a core")
    return out


def _read_neuron_core_file(path: str | os.PathLike[str], compiled: CompiledNetwork) -> IntArray:
    """The cores in a ``.npy`` array or a ``.csv`` of ``population,neuron,core`` rows."""
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1].lower()
    if suffix == ".npy":
        try:
            return np.load(name, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise PlacementError(f"{name}: cannot read a neuron -> core array ({err})") from None
    if suffix != ".csv":
        raise PlacementError(f"{name}: a fixed placement file must be .npy (the core of every neuron) or .csv "
                             f"(rows population,neuron,core)")
    try:
        with open(name, newline="") as f:
            rows = [row for row in csv.reader(f) if row and not row[0].startswith("#")]
    except OSError as err:
        raise PlacementError(f"{name}: cannot read the placement ({err.strerror})") from None
    if rows and [c.strip() for c in rows[0]] == ["population", "neuron", "core"]:
        rows = rows[1:]
    out = np.full(compiled.n_neurons, -1, dtype=np.int64)
    seen = np.zeros(compiled.n_neurons, dtype=bool)
    for line, row in enumerate(rows, start=1):
        i, core = _csv_row(name, line, row, compiled)
        if seen[i]:
            raise PlacementError(f"{name}: row {line} places {_neuron_name(compiled, i)} a second time")
        seen[i] = True
        out[i] = core
    missing = ~seen & (compiled.pop_model[compiled.neuron_pop] >= 0)
    if missing.any():
        i = int(np.argmax(missing))
        raise PlacementError(f"{name}: {_neuron_name(compiled, i)} has no row ({int(missing.sum())} population "
                             f"neurons have none); give every population neuron a core")
    return out


def _csv_row(name: str, line: int, row: list[str], compiled: CompiledNetwork) -> tuple[int, int]:
    """The global neuron id and the core of one ``population,neuron,core`` row."""
    where = f"{name}: row {line}"
    if len(row) != 3:
        raise PlacementError(f"{where} has {len(row)} fields; expected population,neuron,core")
    pop, neuron, core = (c.strip() for c in row)
    if pop not in compiled.names:
        raise PlacementError(f"{where}: no population named {pop!r}{did_you_mean(pop, compiled.names)} "
                             f"(known: {', '.join(compiled.names)})")
    try:
        k, c = int(neuron), int(core)
    except ValueError:
        raise PlacementError(f"{where}: neuron {neuron!r} and core {core!r} must be integers") from None
    part = compiled.pop_slice(pop)
    if not 0 <= k < part.stop - part.start:
        raise PlacementError(f"{where}: population '{pop}' has neurons 0..{part.stop - part.start - 1}, not {k}")
    return part.start + k, c
