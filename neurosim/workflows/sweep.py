"""Design-space exploration: :func:`sweep` a network over chip parameters, placements and quantisation.

Each point of a sweep is a set of changes to a base chip profile, the placement strategy, its
``neurons_per_core`` option and ``quantize``; the other options of a run (``raise_delays``,
``fallbacks``, ``seed``, ``latency``, and the defaults of the varied ones) come from one
:class:`~neurosim.workflows.options.RunOptions`, and every point is prepared as a run is
(:mod:`neurosim.workflows.prepare`). Every point is obtained in the cheapest exact way, and its row
says which (``how``):

- changes to the **dynamics** (``quantize``, and ``weight_bits``/``weight_signed``/``weight_structure``/
  ``axon_types`` with it; ``delay_min_ticks``/``delay_max_ticks`` with ``raise_delays``) make a new
  **group**: each group simulates once (the group's first point is ``"simulated"``);
- changes to the **placement** (``strategy``, ``neurons_per_core``, any ``[core]`` capacity, the
  mesh: ``mesh_x``, ``mesh_y``, ``cores_per_tile``, ``cores_per_chip``, ``chips_x``, ``chips_y``)
  never change the spikes, only how the engine groups its counts (population x core): the group
  simulates once on the common refinement of its placements and each placement's counters are
  summed from it (:mod:`neurosim.cost_model.reroute`), exactly; the first point of every other
  placement is ``"rerouted"``;
- changes to **energy, latency and timing fields** (and ``process_nm``, ``operating_voltage_V``,
  ``routing``, ``updates_all_neurons``) are ``"recosted"`` (:func:`neurosim.cost`) from their
  placement's run, which equals simulating them again (``cost`` is a pure function of the run, the
  placement and the profile).

A group is the unit of work given to the executor (any :class:`concurrent.futures.Executor`);
it returns the costed rows of its points. ``out`` streams the rows to a CSV as groups finish, and
``resume=True`` skips the points already there (:mod:`neurosim.workflows.sweep_table`). ``docs/explore.md``
describes the table.
"""
from __future__ import annotations

import csv
import itertools
import os
import pathlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace
from typing import Any


from neurosim._checks import did_you_mean, si
from neurosim.compile.compiled import compile_network
from neurosim.cost_model import cost
from neurosim.cost_model.energy import COMPONENTS
from neurosim.cost_model.tables import html_table, require_pandas
from neurosim.engine import simulate
from neurosim.errors import DoesNotFitError, NeurosimError
from neurosim.chip import ChipProfile, load_chip
from neurosim.mapping.placement import Placement
from neurosim.cost_model.reroute import refined_network, reroute
from neurosim.chip.schema import FIELDS
from neurosim.net.network import Network
from neurosim.mapping.support import count_valued
from neurosim.nir.batch import load_batch
from neurosim.cost_model.pareto import MAXIMIZED, pareto_front
from neurosim.cost_model.unpublished import missing_keys
from neurosim.workflows.options import RunOptions, resolve_options
from neurosim.workflows.prepare import place_compiled, transform_network
from neurosim.workflows.run import simulate_batch
from neurosim.workflows.sweep_table import IDENTITY_COLUMNS, cells, model_label, parse, resumable_rows, setup_digest, writer

PROFILE_PREFIX = "profile."
"""``profile.neurons_per_core`` varies the profile's field; bare ``neurons_per_core`` the placement option."""
SWEEP_KEYS = ("strategy", "neurons_per_core", "quantize")
RECOST_FIELDS = tuple(f.name for f in FIELDS if f.section in ("timing", "energy", "latency")) + (
    "process_nm", "operating_voltage_V", "routing", "updates_all_neurons")
"""Profile fields whose change is re-costed from an existing simulation."""
QUANTIZE_FIELDS = ("weight_bits", "weight_signed", "weight_structure", "axon_types")
"""Profile fields that change the dynamics of a ``quantize`` point (the weights); else only the placement."""
RAISE_DELAYS_FIELDS = ("delay_min_ticks", "delay_max_ticks")
"""Profile fields that change the dynamics under ``raise_delays`` (the delays); else only the placement."""
HOW = ("simulated", "rerouted", "recosted")
"""Values of the ``how`` column: the group's simulation ran for this point; its placement's counters
were summed from that run; its placement's run was costed again under its profile."""
ENERGY_CLASSES = tuple(name for name, _ in COMPONENTS) + ("synops_all_inclusive", "effective_acs", "effective_macs")
RESULT_COLUMNS = ("how", "fits", "error", "partial", "energy_J", *(f"energy_{c}_J" for c in ENERGY_CLASSES),
                  "latency_s", "synops", "cores_used", "accuracy", "seconds", *IDENTITY_COLUMNS)
_SETTABLE = tuple(f.name for f in FIELDS if f.is_hardware)
REQUIRED_COLUMNS = ("how", "fits", "error", "energy_J")
"""Columns every sweep table has had (``partial`` came later: an older table reads with it empty)."""
PARTIAL_SEPARATOR = ";"
"""Joins the keys of a ``partial`` cell: ``t_spike_s;mesh_x;mesh_y``."""


@dataclass(frozen=True)
class _Layout:
    """One placement of a group and the points costed on it."""

    structural: dict
    strategy: str
    neurons_per_core: int | None
    points: tuple  # ((index, params, cost changes), ...)


@dataclass(frozen=True)
class _Group:
    """One simulation and the placements re-routed from it (pickled to executor workers)."""

    model: Any  # Network, a picklable builder () -> Network, or a .nir path
    profile: ChipProfile
    dynamics: dict  # QUANTIZE_FIELDS and RAISE_DELAYS_FIELDS changes the network is transformed with
    ticks: int | None
    layouts: tuple  # (_Layout, ...)
    options: RunOptions  # quantize as the group's points ask; strategy and neurons_per_core per layout
    nir: dict | None  # {"inputs", "samples", "dialect"} for NIR models
    identity: dict  # IDENTITY_COLUMNS values of every row

    @property
    def points(self) -> list[tuple]:
        return [p for layout in self.layouts for p in layout.points]


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
        Simulations run; the other points were re-routed or re-costed (:data:`HOW`).
    wall_s : float
        Wall time of the whole sweep, in s.
    resumed : int
        Rows read back from the ``out`` file of an earlier run (``resume=True``), not run again.
    """

    rows: list[dict]
    params: tuple[str, ...]
    simulations: int = 0
    wall_s: float = 0.0
    resumed: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return ("point", *self.params, *RESULT_COLUMNS)

    @property
    def simulated(self) -> int:
        """Points that were their group's simulation (placed or not)."""
        return sum(r["how"] == "simulated" for r in self.rows)

    @property
    def rerouted(self) -> int:
        """Points whose placement's counters were summed from another placement's simulation."""
        return sum(r["how"] == "rerouted" for r in self.rows)

    @property
    def recosted(self) -> int:
        """Points re-costed from the run of their placement."""
        return sum(r["how"] == "recosted" for r in self.rows)

    def to_csv(self, path: str | os.PathLike) -> pathlib.Path:
        """Write the table as CSV (``None`` as an empty cell); returns the path."""
        path = pathlib.Path(path)
        with path.open("w", newline="") as f:
            table = writer(f, self.columns)
            table.writeheader()
            table.writerows(cells(r) for r in self.rows)
        return path

    def pareto(self, objectives: Sequence[str] = ("energy_J", "latency_s"),
               maximize: Iterable[str] = MAXIMIZED) -> list[dict]:
        """The non-dominated rows (:func:`neurosim.cost_model.pareto.pareto_front`; ``accuracy`` is maximised;
        a row is compared only with rows whose totals leave out the same terms, its ``partial`` cell)."""
        return pareto_front(self.rows, objectives, maximize)

    def to_text(self, columns: Sequence[str] | None = None) -> str:
        """The table as fixed-width text (default: parameters, how, fits, energy, partial where a row is,
        latency, SynOps, cores, accuracy where known, error)."""
        cols = list(columns or self._shown_columns())
        shown = [[_show(r.get(c), c) for c in cols] for r in self.rows]
        widths = [max([len(c)] + [len(row[k]) for row in shown]) for k, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in shown]
        return "\n".join(lines)

    @property
    def partial_keys(self) -> tuple[str, ...]:
        """The unpublished profile keys some row's totals leave out (its ``partial`` cell), in order."""
        return tuple(dict.fromkeys(k for r in self.rows for k in partial_keys(r)))

    def _shown_columns(self) -> tuple[str, ...]:
        """The columns of :meth:`to_text` and the HTML table: ``partial`` and ``accuracy`` where a row has one."""
        optional = {c: any(r.get(c) is not None for r in self.rows) for c in ("partial", "accuracy")}
        return ("point", *self.params, "how", "fits", "energy_J", *(("partial",) if optional["partial"] else ()),
                "latency_s", "synops", "cores_used", *(("accuracy",) if optional["accuracy"] else ()), "error")

    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame``: one row per point, the columns of :attr:`columns` in order
        (``None`` cells are missing values). Needs pandas, which neurosim does not require."""
        pandas = require_pandas("SweepResult.to_pandas")
        return pandas.DataFrame([{c: r.get(c) for c in self.columns} for r in self.rows], columns=list(self.columns))

    def _repr_html_(self) -> str:
        """How the points were obtained, then the points (the columns of :meth:`to_text`; at most
        :data:`HTML_ROWS` rows: ``to_pandas()`` has them all), as HTML."""
        cols = self._shown_columns()
        units = {"energy_J": "energy", "latency_s": "latency"}
        rows = [[_html_cell(r.get(c), c) for c in cols] for r in self.rows[:HTML_ROWS]]
        more = len(self.rows) - len(rows)
        caption = (f"sweep: {len(self.rows)} points, {self.simulated} simulated, {self.rerouted} re-routed, "
                   f"{self.recosted} re-costed" + (f"; first {HTML_ROWS} shown" if more > 0 else ""))
        return html_table(rows, header=[units.get(c, c) for c in cols], caption=caption)


def read_sweep(path: str | os.PathLike) -> SweepResult:
    """Read a table written by :meth:`SweepResult.to_csv` or ``sweep(out=...)`` (cells parsed back)."""
    with pathlib.Path(path).open(newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        rows = sorted(({k: parse(v) for k, v in row.items()} for row in reader), key=lambda r: r.get("point") or 0)
    missing = [c for c in ("point", *REQUIRED_COLUMNS) if c not in fields]
    if missing:
        raise NeurosimError(f"{path}: not a sweep table (no column {missing[0]!r}); "
                            "write one with neurosim sweep --out")
    params = tuple(c for c in fields if c != "point" and c not in RESULT_COLUMNS)
    return SweepResult(rows, params, _simulations(rows))


def sweep(network_or_builder: Network | Callable[[], Network] | str | os.PathLike, chip: str | ChipProfile,
          ticks: int | None, vary: Mapping[str, Sequence] | Sequence[Mapping[str, Any]],
          options: RunOptions | None = None, *, executor: Executor | None = None,
          out: str | os.PathLike | None = None, resume: bool = False,
          progress: Callable[[int, int], None] | None = None, inputs: Any = None, samples: int | None = None,
          dialect: str = "nir", dt: float | None = None, **keywords: Any) -> SweepResult:
    """Simulate and cost ``network_or_builder`` at every point of ``vary``; one table row per point.

    Parameters
    ----------
    network_or_builder : Network, callable or path
        A network; a module-level function returning one (called in the worker, so the network
        need not travel); or the path of a ``.nir`` model, run as :func:`neurosim.workflows.run.run_nir`
        runs it on ``inputs`` (``samples``, ``dialect``, ``dt`` as there), which adds an ``accuracy`` column.
    chip : profile name, ``.toml`` path or ChipProfile
        The base profile every point changes.
    ticks : int
        Ticks to simulate (NIR models: per sample; ``None`` takes ``T`` of the inputs).
    vary : dict of lists, or list of dicts
        ``{key: [values]}`` sweeps the Cartesian product (keys in order, last fastest); a list of
        dicts gives the points one by one. Keys: a profile field (``e_synop_J``, ``mesh_x``,
        ``weight_bits``, ...; ``profile.neurons_per_core`` for the profile's capacity), ``strategy``,
        ``neurons_per_core`` (the placement option) or ``quantize``.
    options : RunOptions, optional
        The options of every point, as for :func:`neurosim.workflows.run.run_on_chip` (default
        ``RunOptions()``); a point's ``strategy``, ``neurons_per_core`` or ``quantize`` replaces
        the option's value. ``raise_delays`` lowers delays onto each point's ``delay_min_ticks`` ..
        ``delay_max_ticks``.
    executor : concurrent.futures.Executor, optional
        Runs the groups (one simulation each); default: serially in this process. With a
        :class:`~concurrent.futures.ProcessPoolExecutor` or Dask's ``Client.get_executor()``,
        the network (or builder) and the profile are pickled to the workers.
    out : path, optional
        CSV file rewritten at the start and appended to (and flushed) as each group finishes, so
        an interrupted sweep keeps the rows of its finished groups.
    resume : bool
        Keep the rows already in ``out`` (an interrupted run of this same sweep), run only the other
        points and append their rows; a missing file starts afresh.
    progress : callable, optional
        ``progress(points_done, points_total)`` after each group (resumed points count as done).
    **keywords
        ``RunOptions`` fields (``raise_delays=True``, ``fallbacks=...``, ``latency=False``, ``seed``, ...)
        and placement options set on top of ``options``, as for :func:`neurosim.workflows.run.run_on_chip`.

    Returns
    -------
    SweepResult
        A failing point records its error (``fits`` False for a :class:`DoesNotFitError`; under
        ``capacity="warn"`` a point over a limit has its figures, ``fits`` False and its violations
        in ``error``) and does not stop the sweep. With ``missing="mark"`` (an option, as for
        ``run_on_chip``) a point costed without a number its profile does not publish has its totals
        without that term and names the keys left out in its ``partial`` cell (``docs/explore.md``).

    Raises
    ------
    NeurosimError
        Before anything runs: for a key that is not a profile field nor a sweep option, ``resume``
        without ``out``, or an ``out`` file written by another sweep
        (:class:`~neurosim.workflows.sweep_table.SweepFileError`: other varied keys, model, chip or settings).
    """
    start = time.perf_counter()
    options = resolve_options(options, keywords)
    profile = chip if isinstance(chip, ChipProfile) else load_chip(chip)
    points, params = _points(vary)
    nir = None
    if isinstance(network_or_builder, (str, os.PathLike)):
        nir = {"inputs": inputs, "samples": samples, "dialect": dialect, **({} if dt is None else {"dt": dt})}
        network_or_builder = os.fspath(network_or_builder)
    # the options a sweep always had, then only the others that differ from their defaults (older files stay resumable)
    always = {"fallbacks": options.fallbacks, "latency": options.latency, "seed": options.seed}
    others = {k: v for k, v in options.changed().items() if k not in always}
    settings = {"ticks": ticks, **always, **(nir or {}), **others}
    identity = {"model": model_label(network_or_builder), "chip": str(profile.name),
                "setup": setup_digest(network_or_builder, profile, settings)}
    columns = ("point", *params, *RESULT_COLUMNS)
    if resume and out is None:
        raise NeurosimError("sweep: resume=True needs out=, the CSV file of the sweep to resume")
    rows = resumable_rows(out, columns, points, identity) if resume else []
    resumed = len(rows)
    done = {r["point"] for r in rows}
    todo = [(index, point) for index, point in enumerate(points) if index not in done]
    groups = _groups(network_or_builder, profile, ticks, todo, options, nir, identity)
    handle = None
    if out is not None:
        handle = pathlib.Path(out).open("a" if resumed else "w", newline="")
        table = writer(handle, columns)
        if not resumed:
            table.writeheader()
        handle.flush()
    new: list[dict] = []
    try:
        for finished in _execute(groups, executor):
            new.extend(finished)
            if handle is not None:
                table.writerows(cells(r) for r in finished)
                handle.flush()
            if progress is not None:
                progress(resumed + len(new), len(points))
    finally:
        if handle is not None:
            handle.close()
    rows = sorted(rows + new, key=lambda r: r["point"])
    return SweepResult(rows, params, _simulations(new), time.perf_counter() - start, resumed)


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


def _split(point: dict, profile: ChipProfile, options: RunOptions) -> tuple[tuple, dict, tuple, dict, dict]:
    """(dynamics key, the profile changes that change the dynamics, placement key, structural profile changes,
    re-costable profile changes) of a point."""
    structural, recost = {}, {}
    for k, v in point.items():
        if k in SWEEP_KEYS:
            continue
        name = k[len(PROFILE_PREFIX):] if k.startswith(PROFILE_PREFIX) else k
        (recost if name in RECOST_FIELDS else structural)[name] = v
    quantize = bool(point.get("quantize", options.quantize))
    read = (QUANTIZE_FIELDS if quantize else ()) + (RAISE_DELAYS_FIELDS if options.raise_delays else ())
    dynamics = (quantize, repr({k: structural.get(k, getattr(profile, k)) for k in read}))
    changes = {k: structural[k] for k in read if k in structural}
    placement = (point.get("strategy", options.strategy), point.get("neurons_per_core", options.neurons_per_core),
                 tuple(sorted((k, repr(v)) for k, v in structural.items())))
    return dynamics, changes, placement, structural, recost


def _groups(model, profile: ChipProfile, ticks: int | None, points: list[tuple[int, dict]], options: RunOptions,
            nir: dict | None, identity: dict) -> list[_Group]:
    """Points by dynamics, then by placement, in order of first appearance."""
    by_key: dict[tuple, tuple[dict, dict[tuple, tuple[dict, list]]]] = {}
    for index, point in points:
        dynamics, changes, placement, structural, recost = _split(point, profile, options)
        layouts = by_key.setdefault(dynamics, (changes, {}))[1]
        layouts.setdefault(placement, (structural, []))[1].append((index, point, recost))
    return [_Group(model, profile, changes, ticks,
                   tuple(_Layout(structural, key[0], key[1], tuple(members))
                         for key, (structural, members) in layouts.items()),
                   replace(options, quantize=dynamics[0]), nir, identity)
            for dynamics, (changes, layouts) in by_key.items()]


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


# -- one group: simulate once, re-route to every placement, cost every point ----------------------


def _run_group(group: _Group) -> list[dict]:
    """Place every layout of ``group``, simulate once, and return the costed row of each point."""
    start = time.perf_counter()
    try:
        network, batch = _network(group)
        compiled = compile_network(network)
    except Exception as err:
        return _failed_rows(group, err, None)
    shared_s = time.perf_counter() - start
    counted = count_valued(batch.data) if batch is not None else frozenset()
    placed = [_place(group, layout, compiled, counted) for layout in group.layouts]  # (profile, placement or error, s)
    fitting = [p[1] for p in placed if isinstance(p[1], Placement)]
    how = _roles(group, [isinstance(p[1], Placement) for p in placed])
    if not fitting:
        return [row for layout, (_, err, _) in zip(group.layouts, placed)
                for row in _error_rows(group, layout.points, how, err)]
    t0 = time.perf_counter()
    try:
        target = fitting[0].compiled if len(fitting) == 1 else refined_network(fitting)
        if batch is None:
            result, samples, accuracy = simulate(target, group.ticks, seed=group.options.seed), None, None
        else:
            result, runs = simulate_batch(batch, target, seed=group.options.seed)
            samples, accuracy = batch.samples, batch.accuracy(runs)
    except Exception as err:
        return _failed_rows(group, err, None)
    shared_s += time.perf_counter() - t0
    rows = []
    for layout, (profile, placement, place_s) in zip(group.layouts, placed):
        if not isinstance(placement, Placement):
            rows += _error_rows(group, layout.points, how, placement)
            continue
        t1 = time.perf_counter()
        run = result if placement.compiled is result.compiled else reroute(result, placement)
        layout_s = place_s + time.perf_counter() - t1
        for index, params, changes in layout.points:
            row = _cost_row(group, index, params, how[index], profile, changes, run, placement, samples, accuracy)
            if how[index] != "recosted":
                row["seconds"] += layout_s + (shared_s if how[index] == "simulated" else 0.0)
            rows.append(row)
    return rows


def _network(group: _Group):
    """(the network to place, transformed as the group's options ask; the NirBatch of a NIR model, else None)."""
    batch = None
    if group.nir is not None:
        batch = load_batch(group.model, group.nir["inputs"], group.nir["dialect"], ticks=group.ticks,
                           samples=group.nir["samples"], dt=group.nir.get("dt"))
        network = batch.network
    else:
        network = group.model if isinstance(group.model, Network) else group.model()
        if not isinstance(network, Network):
            raise NeurosimError(f"sweep: the builder returned {type(network).__name__}, not a Network")
    profile = group.profile.replace(**group.dynamics) if group.dynamics else group.profile
    counted = count_valued(batch.data) if batch is not None else frozenset()
    return transform_network(network, profile, group.options, counted).network, batch


def _place(group: _Group, layout: _Layout, compiled,
           counted: frozenset[str]) -> tuple[ChipProfile | None, Placement | Exception, float]:
    """(the layout's profile, its placement or the error placing it, seconds); ``counted``: the sources
    whose inputs carry counts."""
    t0 = time.perf_counter()
    try:
        options = replace(group.options, strategy=layout.strategy, neurons_per_core=layout.neurons_per_core)
        profile = group.profile.replace(**layout.structural) if layout.structural else group.profile
        return profile, place_compiled(compiled, profile, options, counted), time.perf_counter() - t0
    except Exception as err:
        return None, err, time.perf_counter() - t0


def _roles(group: _Group, fits: list[bool]) -> dict[int, str]:
    """``how`` of every point: ``simulated`` for the first point of the first placement that fits
    (of the first placement when none fits), ``rerouted`` for the first point of the others."""
    simulated, rerouted, recosted = HOW
    first = fits.index(True) if True in fits else 0
    how = {}
    for k, layout in enumerate(group.layouts):
        for n, (index, _, _) in enumerate(layout.points):
            how[index] = recosted if n else (simulated if k == first else rerouted)
    return how


def _cost_row(group: _Group, index: int, params: dict, how: str, profile: ChipProfile, changes: dict, run,
              placement: Placement, samples: int | None, accuracy: float | None) -> dict:
    """The row of one point: ``run`` on ``placement`` costed with ``profile`` changed by ``changes``."""
    t0 = time.perf_counter()
    row = _row(group, index, params, how)
    over = [v.message for v in placement.violations if v.kind == "capacity"]  # mapped under capacity="warn"
    row.update(fits=not over, cores_used=placement.n_cores_used, accuracy=accuracy)
    if over:
        row["error"] = "over capacity (mapped under capacity=warn): " + "; ".join(over)
    try:
        point_profile = profile.replace(**changes) if changes else profile
        report = cost(run, placement, point_profile, fallbacks=group.options.fallbacks, samples=samples,
                      latency=group.options.latency, missing=group.options.missing,
                      static=group.options.static)
    except Exception as err:
        row["error"] = _message(err)
    else:
        row["energy_J"] = float(report.energy.total_J)
        row["partial"] = PARTIAL_SEPARATOR.join(missing_keys(report.missing)) or None
        for name, joules in zip(report.energy.classes, report.energy.energy_J):
            row[f"energy_{name}_J"] = float(joules)
        row["latency_s"] = float(report.latency.total_s) if report.latency is not None else None
        row["synops"] = int(report.operations.synops)
    row["seconds"] = time.perf_counter() - t0
    return row


def _row(group: _Group, index: int, params: dict, how: str) -> dict:
    return {"point": index, **params, **dict.fromkeys(RESULT_COLUMNS), "how": how, **group.identity}


def _error_rows(group: _Group, points: tuple, how: dict[int, str], err: BaseException) -> list[dict]:
    fits = False if isinstance(err, DoesNotFitError) else None
    return [{**_row(group, index, params, how[index]), "fits": fits, "error": _message(err)}
            for index, params, _ in points]


def _failed_rows(group: _Group, err: BaseException, fits: bool | None) -> list[dict]:
    how = _roles(group, [True] * len(group.layouts))
    return [{**row, "fits": fits} for row in _error_rows(group, tuple(group.points), how, err)]


def partial_keys(row: Mapping[str, Any]) -> tuple[str, ...]:
    """The unpublished profile keys a sweep row's totals leave out (its ``partial`` cell); none when complete."""
    cell = row.get("partial")
    return tuple(cell.split(PARTIAL_SEPARATOR)) if isinstance(cell, str) and cell else ()


def _simulations(rows: list[dict]) -> int:
    """Simulations that ran for ``rows``: their ``simulated`` points that were placed."""
    return sum(r["how"] == "simulated" and r["fits"] is True for r in rows)


def _message(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


# -- text -----------------------------------------------------------------------------------------

HTML_ROWS = 50
"""Rows :meth:`SweepResult._repr_html_` shows at most."""


def _html_cell(value: Any, column: str) -> str:
    """A cell of the HTML table: energies and latencies with SI units, the rest as :func:`_show`."""
    if isinstance(value, float) and column in ("energy_J", "latency_s"):
        return si(value, column[-1])
    return _show(value, column)



def _show(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and column not in ("accuracy",):
        return f"{value:.4g}"
    if isinstance(value, float):
        return f"{value:.1%}"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
