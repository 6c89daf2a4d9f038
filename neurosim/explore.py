"""Design-space exploration: :func:`sweep` a network over chip parameters, placements and quantisation.

Each point of a sweep is a set of changes to a base chip profile, the placement strategy, its
``neurons_per_core`` option and ``quantize``. Points are grouped by what their simulation depends
on, and each group is simulated once:

- changes to **energy, latency and timing fields** (and ``process_nm``, ``operating_voltage_V``,
  ``routing``, ``updates_all_neurons``) leave placement and dynamics alone: such points are
  **re-costed** (:func:`neurosim.cost`) from their group's one simulation, which equals simulating
  them again (``cost`` is a pure function of the run, the placement and the profile);
- changes to the **placement** (``strategy``, ``neurons_per_core``, any ``[core]`` capacity, the
  mesh: ``mesh_x``, ``mesh_y``, ``cores_per_tile``, ``cores_per_chip``, ``chips_x``, ``chips_y``)
  re-place and re-simulate (re-routing recorded spikes instead is future work);
- changes to the **dynamics** (``quantize``, and ``weight_bits``/``weight_signed`` with it)
  re-simulate.

A group is the unit of work given to the executor (any :class:`concurrent.futures.Executor`);
it returns the costed rows of its points. ``docs/explore.md`` describes the table.
"""
from __future__ import annotations

import csv
import itertools
import logging
import os
import pathlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any

from neurosim.compiled import compile_network
from neurosim.cost_model import cost
from neurosim.cost_model.energy import COMPONENTS
from neurosim.engine import simulate
from neurosim.errors import DoesNotFitError, NeurosimError
from neurosim.hardware import ChipProfile, load_chip
from neurosim.hardware.placement import place
from neurosim.hardware.quantize import quantize_weights
from neurosim.hardware.schema import FIELDS, did_you_mean
from neurosim.network import Network
from neurosim.pareto import MAXIMIZED, pareto_front

log = logging.getLogger(__name__)

PROFILE_PREFIX = "profile."
"""``profile.neurons_per_core`` varies the profile's field; bare ``neurons_per_core`` the placement option."""
SWEEP_KEYS = ("strategy", "neurons_per_core", "quantize")
RECOST_FIELDS = tuple(f.name for f in FIELDS if f.section in ("timing", "energy", "latency")) + (
    "process_nm", "operating_voltage_V", "routing", "updates_all_neurons")
"""Profile fields whose change is re-costed from an existing simulation."""
ENERGY_CLASSES = tuple(name for name, _ in COMPONENTS) + ("synops_all_inclusive", "effective_acs", "effective_macs")
RESULT_COLUMNS = ("how", "fits", "error", "energy_J", *(f"energy_{c}_J" for c in ENERGY_CLASSES), "latency_s",
                  "synops", "cores_used", "accuracy", "seconds")
_SETTABLE = tuple(f.name for f in FIELDS if f.is_hardware)


@dataclass(frozen=True)
class _Group:
    """One simulation and the points costed from it (pickled to executor workers)."""

    model: Any  # Network, a picklable builder () -> Network, or a .nir path
    profile: ChipProfile
    structural: dict
    strategy: str
    neurons_per_core: int | None
    quantize: bool
    ticks: int | None
    points: tuple  # ((index, params, cost changes), ...)
    fallbacks: dict | None
    latency: bool
    seed: int
    nir: dict | None  # {"inputs", "samples", "dialect"} for NIR models


@dataclass
class SweepResult:
    """The table of a sweep: one row (a dict) per point, in point order.

    Attributes
    ----------
    rows : list of dict
        ``point``, the varied parameters, then :data:`RESULT_COLUMNS`.
    params : tuple of str
        The varied parameters, in order.
    simulations : int
        Simulations run (groups); the other points were re-costed.
    wall_s : float
        Wall time of the whole sweep, in s.
    """

    rows: list[dict]
    params: tuple[str, ...]
    simulations: int = 0
    wall_s: float = 0.0

    @property
    def columns(self) -> tuple[str, ...]:
        return ("point", *self.params, *RESULT_COLUMNS)

    @property
    def recosted(self) -> int:
        """Points re-costed from another point's simulation."""
        return sum(r["how"] == "recosted" for r in self.rows)

    def to_csv(self, path: str | os.PathLike) -> pathlib.Path:
        """Write the table as CSV (``None`` as an empty cell); returns the path."""
        path = pathlib.Path(path)
        with path.open("w", newline="") as f:
            writer = _writer(f, self.columns)
            writer.writeheader()
            writer.writerows(_cells(r) for r in self.rows)
        return path

    def pareto(self, objectives: Sequence[str] = ("energy_J", "latency_s"),
               maximize: Iterable[str] = MAXIMIZED) -> list[dict]:
        """The non-dominated rows (:func:`neurosim.pareto.pareto_front`; ``accuracy`` is maximised)."""
        return pareto_front(self.rows, objectives, maximize)

    def to_text(self, columns: Sequence[str] | None = None) -> str:
        """The table as fixed-width text (default: parameters, how, fits, energy, latency, SynOps, cores, error)."""
        cols = list(columns or ("point", *self.params, "how", "fits", "energy_J", "latency_s", "synops",
                                "cores_used", *(("accuracy",) if any(r.get("accuracy") is not None
                                                                      for r in self.rows) else ()), "error"))
        cells = [[_show(r.get(c), c) for c in cols] for r in self.rows]
        widths = [max([len(c)] + [len(row[k]) for row in cells]) for k, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
        return "\n".join(lines)


def read_sweep(path: str | os.PathLike) -> SweepResult:
    """Read a table written by :meth:`SweepResult.to_csv` or ``sweep(out=...)`` (cells parsed back)."""
    with pathlib.Path(path).open(newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        rows = sorted(({k: _parse(v) for k, v in row.items()} for row in reader), key=lambda r: r.get("point") or 0)
    missing = [c for c in ("point", *RESULT_COLUMNS[:4]) if c not in fields]
    if missing:
        raise NeurosimError(f"{path}: not a sweep table (no column {missing[0]!r}); "
                            "write one with neurosim sweep --out")
    params = tuple(c for c in fields if c != "point" and c not in RESULT_COLUMNS)
    return SweepResult(rows, params, sum(r["how"] == "simulated" for r in rows))


def sweep(network_or_builder: Network | Callable[[], Network] | str | os.PathLike, chip: str | ChipProfile,
          ticks: int | None, vary: Mapping[str, Sequence] | Sequence[Mapping[str, Any]], *,
          executor: Executor | None = None, out: str | os.PathLike | None = None,
          progress: Callable[[int, int], None] | None = None, fallbacks: Mapping[str, Any] | None = None,
          latency: bool = True, seed: int = 0, inputs: Any = None, samples: int | None = None,
          dialect: str = "nir") -> SweepResult:
    """Simulate and cost ``network_or_builder`` at every point of ``vary``; one table row per point.

    Parameters
    ----------
    network_or_builder : Network, callable or path
        A network; a module-level function returning one (called in the worker, so the network
        need not travel); or the path of a ``.nir`` model, run with :func:`neurosim.pipeline.run_nir`
        on ``inputs`` (``samples``, ``dialect`` as there), which adds an ``accuracy`` column.
    chip : profile name, ``.toml`` path or ChipProfile
        The base profile every point changes.
    ticks : int
        Ticks to simulate (NIR models: per sample; ``None`` takes ``T`` of the inputs).
    vary : dict of lists, or list of dicts
        ``{key: [values]}`` sweeps the Cartesian product (keys in order, last fastest); a list of
        dicts gives the points one by one. Keys: a profile field (``e_synop_J``, ``mesh_x``,
        ``weight_bits``, ...; ``profile.neurons_per_core`` for the profile's capacity), ``strategy``,
        ``neurons_per_core`` (the placement option) or ``quantize``.
    executor : concurrent.futures.Executor, optional
        Runs the groups (one simulation each); default: serially in this process. With a
        :class:`~concurrent.futures.ProcessPoolExecutor` or Dask's ``Client.get_executor()``,
        the network (or builder) and the profile are pickled to the workers.
    out : path, optional
        CSV file rewritten at the start and appended to (and flushed) as each group finishes, so
        an interrupted sweep keeps the rows of its finished groups.
    progress : callable, optional
        ``progress(points_done, points_total)`` after each group.
    fallbacks, latency, seed : as for :func:`neurosim.pipeline.run_on_chip`.

    Returns
    -------
    SweepResult
        A failing point records its error (``fits`` False for a :class:`DoesNotFitError`) and does
        not stop the sweep.

    Raises
    ------
    NeurosimError
        For a key that is not a profile field nor a sweep option (before anything runs).
    """
    start = time.perf_counter()
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    points, params = _points(vary)
    nir = None
    if isinstance(network_or_builder, (str, os.PathLike)):
        nir = {"inputs": inputs, "samples": samples, "dialect": dialect}
        network_or_builder = os.fspath(network_or_builder)
    groups = _groups(network_or_builder, profile, ticks, points, dict(fallbacks or {}) or None, latency, seed, nir)
    columns = ("point", *params, *RESULT_COLUMNS)
    rows: list[dict] = []
    handle = None
    if out is not None:
        handle = pathlib.Path(out).open("w", newline="")
        writer = _writer(handle, columns)
        writer.writeheader()
        handle.flush()
    try:
        for finished in _execute(groups, executor):
            rows.extend(finished)
            if handle is not None:
                writer.writerows(_cells(r) for r in finished)
                handle.flush()
            if progress is not None:
                progress(len(rows), len(points))
    finally:
        if handle is not None:
            handle.close()
    rows.sort(key=lambda r: r["point"])
    return SweepResult(rows, params, len(groups), time.perf_counter() - start)


# -- points and groups ----------------------------------------------------------------------------


def _points(vary) -> tuple[list[dict], tuple[str, ...]]:
    if isinstance(vary, Mapping):
        keys = list(vary)
        for k in keys:
            if isinstance(vary[k], (str, bytes)) or not isinstance(vary[k], Iterable):
                raise NeurosimError(f"sweep: vary[{k!r}] must be a list of values, got {vary[k]!r}")
        points = [dict(zip(keys, combo)) for combo in itertools.product(*(list(vary[k]) for k in keys))]
    else:
        points = [dict(p) for p in vary]
    if not points:
        raise NeurosimError("sweep: vary gives no point")
    params: list[str] = []
    for p in points:
        for k in p:
            if k not in params:
                _check_key(k)
                params.append(k)
    return points, tuple(params)


def _check_key(key: str) -> None:
    name = key[len(PROFILE_PREFIX):] if key.startswith(PROFILE_PREFIX) else key
    if key in SWEEP_KEYS or name in _SETTABLE:
        return
    hint = did_you_mean(name, [*SWEEP_KEYS, *_SETTABLE])
    raise NeurosimError(f"sweep: cannot vary '{key}'{hint}: vary a chip profile field (`neurosim chips NAME` lists "
                        f"them), {', '.join(SWEEP_KEYS)}, or profile.neurons_per_core")


def _split(point: dict) -> tuple[tuple, dict, dict]:
    """(simulation key, structural profile changes, re-costable profile changes) of a point."""
    structural, recost = {}, {}
    quantize = bool(point.get("quantize", False))
    for k, v in point.items():
        if k in SWEEP_KEYS:
            continue
        name = k[len(PROFILE_PREFIX):] if k.startswith(PROFILE_PREFIX) else k
        (recost if name in RECOST_FIELDS else structural)[name] = v
    key = (point.get("strategy", "fill"), point.get("neurons_per_core"), quantize,
           tuple(sorted((k, repr(v)) for k, v in structural.items())))
    return key, structural, recost


def _groups(model, profile, ticks, points, fallbacks, latency, seed, nir) -> list[_Group]:
    by_key: dict[tuple, list] = {}
    for index, point in enumerate(points):
        key, structural, recost = _split(point)
        by_key.setdefault(key, [structural, []])[1].append((index, point, recost))
    return [_Group(model, profile, structural, key[0], key[1], key[2], ticks, tuple(members), fallbacks, latency,
                   seed, nir) for key, (structural, members) in by_key.items()]


def _execute(groups: list[_Group], executor: Executor | None):
    """Yield each group's rows as it finishes (serially without an executor)."""
    if executor is None:
        for g in groups:
            yield _run_group(g)
        return
    futures = {executor.submit(_run_group, g): g for g in groups}
    try:
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as err:  # the worker died or the group did not pickle: record, go on
                yield _failed_rows(futures[fut], err, None)
    finally:
        for fut in futures:
            fut.cancel()


# -- one group: simulate once, cost every point ---------------------------------------------------


def _run_group(group: _Group) -> list[dict]:
    """Simulate ``group`` once and return the costed row of each of its points."""
    start = time.perf_counter()
    try:
        base = group.profile.replace(**group.structural) if group.structural else group.profile
        result, placement, samples, accuracy = _simulate(group, base)
    except DoesNotFitError as err:
        return _failed_rows(group, err, False)
    except Exception as err:
        return _failed_rows(group, err, None)
    sim_s = time.perf_counter() - start
    rows = []
    for n, (index, params, changes) in enumerate(group.points):
        t0 = time.perf_counter()
        row = _row(index, params, n)
        row.update(fits=True, cores_used=placement.n_cores_used, accuracy=accuracy)
        try:
            profile = base.replace(**changes) if changes else base
            report = cost(result, placement, profile, fallbacks=group.fallbacks, samples=samples,
                          latency=group.latency)
        except Exception as err:
            row["error"] = _message(err)
        else:
            row["energy_J"] = float(report.energy.total_J)
            for name, joules in zip(report.energy.classes, report.energy.energy_J):
                row[f"energy_{name}_J"] = float(joules)
            row["latency_s"] = float(report.latency.total_s) if report.latency is not None else None
            row["synops"] = int(report.operations.synops)
        row["seconds"] = time.perf_counter() - t0 + (sim_s if n == 0 else 0.0)
        rows.append(row)
    return rows


def _simulate(group: _Group, profile: ChipProfile):
    """(result, placement, samples, accuracy) of the group's one simulation on ``profile``."""
    options = {} if group.neurons_per_core is None else {"neurons_per_core": group.neurons_per_core}
    if group.nir is not None:
        from neurosim.pipeline import run_nir

        run = run_nir(group.model, group.nir["inputs"], profile, group.nir["dialect"], ticks=group.ticks,
                      samples=group.nir["samples"], strategy=group.strategy, quantize=group.quantize,
                      fallbacks=group.fallbacks, seed=group.seed, latency=group.latency, **options)
        return run.result, run.placement, run.samples, run.accuracy
    network = group.model if isinstance(group.model, Network) else group.model()
    if not isinstance(network, Network):
        raise NeurosimError(f"sweep: the builder returned {type(network).__name__}, not a Network")
    if group.quantize:
        network, _ = quantize_weights(network, profile)
    placement = place(compile_network(network), profile, group.strategy, **options)
    result = simulate(placement.compiled, group.ticks, seed=group.seed)
    return result, placement, None, None


def _row(index: int, params: dict, n: int) -> dict:
    row = {"point": index, **params, **dict.fromkeys(RESULT_COLUMNS)}
    row["how"] = "simulated" if n == 0 else "recosted"
    return row


def _failed_rows(group: _Group, err: BaseException, fits: bool | None) -> list[dict]:
    rows = []
    for n, (index, params, _) in enumerate(group.points):
        row = _row(index, params, n)
        row.update(fits=fits, error=_message(err))
        rows.append(row)
    return rows


def _message(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


# -- cells ----------------------------------------------------------------------------------------


def _writer(handle, columns) -> csv.DictWriter:
    return csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore", restval="")


def _cells(row: dict) -> dict:
    return {k: "" if v is None else v for k, v in row.items()}


def _parse(text: str | None) -> Any:
    if text is None or text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _show(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and column not in ("accuracy",):
        return f"{value:.4g}"
    if isinstance(value, float):
        return f"{value:.1%}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
