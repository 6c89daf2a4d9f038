"""Energy of one run under a chip profile: count x unit energy, per class, per core, per population.

Three energy models, chosen by what the profile publishes (``docs/hardware.md``, "Cost model")::

    per_component   E = synops * e_synop_J
                      + active updates * e_neuron_update_active_J
                      + idle updates * e_neuron_update_idle_J        (updates_all_neurons chips)
                      + population spikes * e_spike_J
                      + packets * e_packet_J + x hops * e_hop_x_J + y hops * e_hop_y_J
                      + chip crossings * e_chip_crossing_J            (chips with a network on chip)
                      + p_static_per_core_W * cores used * physical time
    all_inclusive   E = synops * e_synop_total_J                      (the profile gives e_synop_total_J)
    ac_mac          E = effective ACs * e_ac_J + effective MACs * e_mac_J
                                                    (the profile gives e_ac_J and no synaptic energy)

``all_inclusive`` is TrueNorth's published figure (26 pJ per synaptic event with leakage, memory,
routing and periphery amortised over the events): no other term is added, static power included,
since adding any would count it twice. ``ac_mac`` is the convention of SNN papers that the
``generic_45nm`` profile encodes: arithmetic only, no data movement or static power.

A unit value is looked up only when its count is non-zero, so a profile is asked only for what the
run needs. When the profile does not publish it and no fallback was passed, :class:`CostValues`
raises :class:`~neurosim.errors.ProfileError` naming the key (``missing="error"``), or the class is
left out of the total and recorded in :attr:`EnergyReport.missing` (``missing="mark"``: the total is
then partial; :mod:`neurosim.cost_model.unpublished`). Hop and chip-crossing counts also need the
router mesh: on a placement whose profile publishes none they are left out the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from neurosim._checks import did_you_mean, freeze_arrays, plain, si
from neurosim.errors import ProfileError
from neurosim.chip.profile import ChipProfile, ProfileValue
from neurosim.chip.schema import FIELDS_BY_NAME, NOC_ROUTINGS
from neurosim.chip.synapse_class import DEFAULT_CLASS

from neurosim.cost_model.synops import Tally
from neurosim.cost_model.unpublished import MESH_KEYS, Missing, as_missing, check_mode, missing_keys, missing_lines

COMPONENTS = (
    ("synops", "e_synop_J"),
    ("neuron_updates_active", "e_neuron_update_active_J"),
    ("neuron_updates_idle", "e_neuron_update_idle_J"),
    ("spikes", "e_spike_J"),
    ("packets", "e_packet_J"),
    ("hops_x", "e_hop_x_J"),
    ("hops_y", "e_hop_y_J"),
    ("chip_crossings", "e_chip_crossing_J"),
    ("static", "p_static_per_core_W"),
)
"""Classes of the ``per_component`` model and the profile key of each unit cost, in report order.
Counts are events, except ``static``: core-seconds (its unit cost is in W)."""


class CostValues:
    """The profile values one costing uses: the profile's own, else the caller's fallbacks.

    Parameters
    ----------
    profile : ChipProfile
    fallbacks : mapping of str to value, optional
        Values to assume where the profile gives none (``{"e_spike_J": 0.0}``); a fallback never
        overrides a value the profile gives. Results that use one are marked estimated.
    missing : {"error", "mark"}
        For a value neither the profile nor ``fallbacks`` gives: raise (``"error"``), or let
        :meth:`get` answer ``None`` so that the caller leaves the term out and marks it.

    Raises
    ------
    ProfileError
        For a fallback key that is not a hardware field of a chip profile.
    ModelError
        For a ``missing`` other than ``"error"`` or ``"mark"``.
    """

    def __init__(self, profile: ChipProfile, fallbacks: Mapping[str, Any] | None = None,
                 missing: str = "error") -> None:
        self.profile = profile
        self.fallbacks = dict(fallbacks or {})
        self.missing = check_mode(missing)
        for key in self.fallbacks:
            f = FIELDS_BY_NAME.get(key)
            if f is None or not f.is_hardware:
                hint = did_you_mean(key, [g.name for g in FIELDS_BY_NAME.values() if g.is_hardware])
                raise ProfileError(f"cost(): fallbacks key '{key}' is not a hardware value of a chip profile{hint}")

    def get(self, key: str, why: str) -> ProfileValue | None:
        """The value of ``key`` with its source and status; ``None`` when neither the profile nor the
        fallbacks give it and ``missing="mark"``.

        Parameters
        ----------
        key : str
            Field name (``"e_spike_J"``).
        why : str
            What needs the value, for the error message (``"12 population spikes"``).

        Raises
        ------
        ProfileError
            Naming the profile, the key and what needs it, when the profile does not give the value,
            ``fallbacks`` has none and ``missing="error"``.
        """
        p = self.profile
        if getattr(p, key) is None and key not in self.fallbacks:
            if self.missing == "mark":
                return None
            f = FIELDS_BY_NAME[key]
            state = "is unpublished" if key in p.unpublished else "is not given"
            raise ProfileError(
                f"{p.origin}: '{f.key}' {state} for chip profile '{p.name}', and the cost of {why} needs it; "
                f"pass cost(..., fallbacks={{'{key}': value}}) to assume a value (the report is then marked "
                f"estimated)")
        return p.lookup(key, self.fallbacks[key]) if key in self.fallbacks else p.lookup(key)


def energy_model(profile: ChipProfile) -> str:
    """``"all_inclusive"``, ``"ac_mac"`` or ``"per_component"``: see the module docstring."""
    if profile.e_synop_total_J is not None:
        return "all_inclusive"
    if profile.e_synop_J is None and profile.e_ac_J is not None:
        return "ac_mac"
    return "per_component"


@dataclass(frozen=True, eq=False)
class EnergyReport:
    """Energy of one run, per class, core and population.

    Attributes
    ----------
    model : str
        ``"per_component"``, ``"all_inclusive"`` or ``"ac_mac"``.
    classes, unit_keys : tuple of str
        The K energy classes and the profile key of each one's unit cost (its unit is in its name).
    counts, unit_values, energy_J : ndarray
        (K,) count of each class (``static``: core-seconds), unit cost (J, or W for ``static``),
        and energy in J; a class whose count is 0 has unit value 0 (not looked up).
    cores : ndarray
        (C,) global ids of the used cores.
    core_energy_J : ndarray
        (K, C) energy per class of each used core. Network classes are charged to the core that
        sends the packets; the packets of spike sources are in ``host_energy_J``.
    host_energy_J : ndarray
        (K,) energy of the packets that spike sources inject from the host.
    populations : tuple of str
    population_energy_J : ndarray
        (K, P) per population: synaptic events by target population, updates and spikes by own
        population, network by source population; static energy belongs to cores and is 0 here.
    values : tuple of ProfileValue
        Every profile value used, with source and status.
    missing : tuple of (str, str)
        ``(key, class)`` for every class left out of the totals because the profile does not give
        ``key`` (``missing="mark"``): its energy is 0 here, except the static energy of a barrier
        chip whose latency is partial (costed over that lower bound of the time); the totals are
        partial.
    """

    model: str
    classes: tuple[str, ...]
    unit_keys: tuple[str, ...]
    counts: npt.NDArray[np.float64] = field(repr=False)
    unit_values: npt.NDArray[np.float64] = field(repr=False)
    energy_J: npt.NDArray[np.float64] = field(repr=False)
    cores: npt.NDArray[np.int64] = field(repr=False)
    core_energy_J: npt.NDArray[np.float64] = field(repr=False)
    host_energy_J: npt.NDArray[np.float64] = field(repr=False)
    populations: tuple[str, ...] = ()
    population_energy_J: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    values: tuple[ProfileValue, ...] = ()
    missing: Missing = ()

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def total_J(self) -> float:
        """Energy of the whole run, in J (without the classes in :attr:`missing`: see :attr:`partial`)."""
        return float(self.energy_J.sum())

    @property
    def partial(self) -> bool:
        """Whether the totals leave out a class whose unit value the profile does not publish."""
        return bool(self.missing)

    @property
    def estimated(self) -> bool:
        """Whether any value used is an assumption or a fallback."""
        return any(v.estimated for v in self.values)

    def by_class(self) -> dict[str, float]:
        """Energy per class, in J."""
        return {k: float(e) for k, e in zip(self.classes, self.energy_J)}

    def to_text_lines(self, samples: int = 1) -> list[str]:
        """The energy table of :meth:`Report.to_text`: count x unit cost per class, and the total."""
        marks = ", estimated" if self.estimated else ""
        lines = [f"Energy ({self.model}{marks}{', partial' if self.partial else ''})",
                 f"  {'class':<24}{'count':>14}{'unit cost':>14}{'energy':>14}"]
        left_out = {name for _, name in self.missing}
        for name, key, count, unit, joules in zip(self.classes, self.unit_keys, self.counts, self.unit_values,
                                                  self.energy_J):
            shown = si(count, "core-s") if name == "static" else f"{count:.6g}"
            unit_cost = si(unit, key.rsplit("_", 1)[1]) if count else "-"  # not looked up when nothing to cost
            cost = si(joules, "J")
            if name in left_out:
                unit_cost, cost = ("-" if unit == 0 else unit_cost), f"{cost} partial" if joules else "not published"
                if any(k in MESH_KEYS for k, left in self.missing if left == name):
                    shown = "not published"  # a hop or crossing count needs the mesh
            lines.append(f"  {name:<24}{shown:>14}{unit_cost:>14}{cost:>14}")
        total = "total (partial)" if self.partial else "total"
        lines.append(f"  {total:<52}{si(self.total_J, 'J'):>14}   ({si(self.total_J / samples, 'J')} per sample)")
        if self.partial:
            lines.append(f"  the totals leave out {', '.join(sorted(left_out, key=self.classes.index))}:")
            lines += missing_lines(self.missing, "    ")
        if self.host_energy_J.sum():
            lines.append(f"  of which packets injected by the host: {si(float(self.host_energy_J.sum()), 'J')}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        out = {name: plain(getattr(self, name)) for name in self.__dataclass_fields__}
        return {**out, "total_J": self.total_J, "estimated": self.estimated, "partial": self.partial,
                "missing_keys": list(missing_keys(self.missing))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnergyReport:
        d = {k: data[k] for k in cls.__dataclass_fields__ if k != "missing"}
        d["missing"] = as_missing(data.get("missing", ()))
        arrays = ("counts", "unit_values", "energy_J", "core_energy_J", "host_energy_J", "population_energy_J")
        for name in arrays:
            d[name] = np.asarray(d[name], dtype=np.float64)
        n_cls = len(d["classes"])
        d["core_energy_J"] = d["core_energy_J"].reshape(n_cls, -1)
        d["population_energy_J"] = d["population_energy_J"].reshape(n_cls, -1)
        d["cores"] = np.asarray(d["cores"], dtype=np.int64)
        for name in ("classes", "unit_keys", "populations"):
            d[name] = tuple(d[name])
        d["values"] = tuple(ProfileValue(**v) for v in d["values"])
        return cls(**d)


def energy(t: Tally, values: CostValues, physical_time_s: Callable[[], tuple[float, Missing]], *,
           mesh_known: bool = True, static: bool = True) -> EnergyReport:
    """Energy of tally ``t`` under ``values.profile``.

    Parameters
    ----------
    t : Tally
    values : CostValues
        Resolves unit costs (and records them).
    physical_time_s : callable
        Returns the run's physical duration in s and the unpublished numbers it leaves out (a
        barrier chip's partial latency); called only when the static term is costed.
    mesh_known : bool
        Whether the placement's router mesh is published; without one, hop and chip-crossing counts
        are unknown and their classes are left out as missing ``mesh_x``/``mesh_y``.
    static : bool
        Include the static (leakage) energy of the used cores (``per_component`` only).

    Raises
    ------
    ProfileError
        For a needed unit cost the profile does not give, without a fallback, when
        ``values.missing == "error"`` (a missing mesh too).
    """
    model = energy_model(values.profile)
    used: dict[str, ProfileValue] = {}
    missing: list[tuple[str, str]] = []
    # Rows: (class, unit key, per-core counts, per-population counts, host count).
    if model == "all_inclusive":
        table = [("synops_all_inclusive", "e_synop_total_J", t.core_events, t.pop_events, 0.0)]
    elif model == "ac_mac":
        table = [("effective_acs", "e_ac_J", t.core_events - t.core_graded_events,
                  t.pop_events - t.pop_graded_events, 0.0),
                 ("effective_macs", "e_mac_J", t.core_graded_events, t.pop_graded_events, 0.0)]
    else:
        table = _component_counts(t, values, used, missing, static)
    class_values = synapse_class_values(values.profile, t.class_names)
    units = np.zeros(len(table))
    for k, (name, key, core, pop, host) in enumerate(table):
        if core is None:  # static: asked before the physical time, so a missing power is named first
            power = values.get(key, f"the static power of {t.cores.size} cores (static=False leaves it out)")
            if power is None:
                missing.append((key, name))
                table[k] = (name, key, np.zeros(t.cores.size), pop, host)
                continue
            used[key] = power
            seconds, time_missing = physical_time_s()
            core = np.full(t.cores.size, seconds)
            table[k] = (name, key, core, pop, host)
            if time_missing:  # costed over the partial time: a lower bound, marked with the time's missing keys
                missing.extend((k_, name) for k_ in missing_keys(time_missing))
                units[k] = power.value
                continue
        total = float(np.sum(core) + np.sum(host))
        if total <= 0 or any(name == left for _, left in missing):
            continue
        if not mesh_known and name in _MESH_CLASSES:
            # counted on the nominal row of tiles, not the chip's mesh: the count is not the chip's either
            table[k] = (name, key, np.zeros_like(core, dtype=np.float64), np.zeros(t.pop_size.size), 0.0)
            if values.missing == "error":
                raise ProfileError(f"{values.profile.origin}: the cost of {total:g} {name.replace('_', ' ')} needs "
                                   f"the router mesh, but chip.mesh_x / chip.mesh_y are unpublished for "
                                   f"'{values.profile.name}'; give them with profile.replace(mesh_x=..., "
                                   f"mesh_y=...), or pass missing='mark'")
            missing.extend((mesh_key, name) for mesh_key in MESH_KEYS)
            continue
        unit = used.get(key) or class_values.get(key) or values.get(key, f"{total:g} {name.replace('_', ' ')}")
        if unit is None:
            missing.append((key, name))
            continue
        used[key] = unit
        units[k] = unit.value
    core_counts = np.array([np.broadcast_to(row[2], t.cores.shape) for row in table], dtype=np.float64)
    pop_counts = np.array([np.broadcast_to(row[3], t.pop_size.shape) for row in table], dtype=np.float64)
    host_counts = np.array([row[4] for row in table], dtype=np.float64)
    core_j = core_counts.reshape(len(table), -1) * units[:, None]  # a missing unit is 0: its class is left out
    host_j = host_counts * units
    return EnergyReport(
        model=model, classes=tuple(r[0] for r in table), unit_keys=tuple(r[1] for r in table),
        counts=core_counts.reshape(len(table), -1).sum(axis=1) + host_counts, unit_values=units,
        energy_J=core_j.sum(axis=1) + host_j, cores=t.cores, core_energy_J=core_j, host_energy_J=host_j,
        populations=t.names, population_energy_J=pop_counts.reshape(len(table), -1) * units[:, None],
        values=tuple(used.values()), missing=tuple(missing))


_MESH_CLASSES = ("hops_x", "hops_y", "chip_crossings")
"""The classes whose counts need the router mesh."""


def synapse_class_values(profile: ChipProfile, names: tuple[str, ...]) -> dict[str, ProfileValue]:
    """``{unit key: value}`` of the synapse classes ``names`` other than the default (whose costs are
    the profile's ``e_synop_J`` and ``t_synop_s``); keys ``synapse_class.<name>.e_synop_J`` and ``..t_synop_s``."""
    out = {}
    for c in profile.synapse_classes:
        if c.name in names:
            for key in ("e_synop_J", "t_synop_s"):
                out[class_key(c.name, key)] = ProfileValue(class_key(c.name, key), getattr(c, key), c.source,
                                                           "published")
    return out


def class_key(name: str, key: str) -> str:
    """The unit key of synapse class ``name``'s cost ``key`` (the default class: ``key`` itself)."""
    return key if name == DEFAULT_CLASS else f"synapse_class.{name}.{key}"


def _component_counts(t: Tally, values: CostValues, used: dict[str, ProfileValue],
                      missing: list[tuple[str, str]], static: bool) -> list[tuple]:
    """Rows (class, unit key, per-core counts, per-population counts, host count) of ``per_component``.

    Records in ``used`` the values consulted to build the counts (``updates_all_neurons``), and in
    ``missing`` the idle updates when the profile does not say whether they happen. Synaptic events
    split by synapse class give one row per class (``synops`` for the default class,
    ``synops[<class>]`` for the others); ``static=False`` leaves the static row out.
    """
    profile = values.profile
    zeros_c, zeros_p = np.zeros(t.cores.size), np.zeros(t.pop_size.size)
    model_pop = t.pop_is_model
    idle_core = t.core_neurons * t.ticks - t.core_active
    idle_pop = np.where(model_pop, t.pop_size * t.ticks - t.pop_active, 0.0)
    if idle_core.sum() > 0:
        every_tick = values.get("updates_all_neurons", "idle neuron updates")
        if every_tick is None:
            missing.append(("updates_all_neurons", "neuron_updates_idle"))
        else:
            used["updates_all_neurons"] = every_tick
            if not every_tick.value:
                idle_core, idle_pop = zeros_c, zeros_p
    if t.class_names:
        rows = [("synops" if name == DEFAULT_CLASS else f"synops[{name}]", class_key(name, "e_synop_J"),
                 t.core_class_events[k], t.pop_class_events[k], 0.0) for k, name in enumerate(t.class_names)]
    else:
        rows = [("synops", "e_synop_J", t.core_events, t.pop_events, 0.0)]
    rows += [("neuron_updates_active", "e_neuron_update_active_J", t.core_active, t.pop_active, 0.0),
            ("neuron_updates_idle", "e_neuron_update_idle_J", idle_core, idle_pop, 0.0),
            ("spikes", "e_spike_J", t.core_spikes, np.where(model_pop, t.pop_spikes, 0), 0.0)]
    # Network classes apply to chips with a network on chip only (the schema forbids their costs
    # elsewhere); the counts come from the route table of the placement.
    noc = profile.routing in NOC_ROUTINGS
    for k, (name, key) in enumerate(COMPONENTS[4:8]):
        rows.append((name, key, t.core_net[k] if noc else zeros_c, t.pop_net[k] if noc else zeros_p,
                     float(t.host_net[k]) if noc else 0.0))
    # Static core-seconds are filled in by energy() (None), once the static power is known to exist.
    if static:
        rows.append(("static", "p_static_per_core_W", None if t.cores.size and t.ticks else zeros_c, zeros_p, 0.0))
    return rows
