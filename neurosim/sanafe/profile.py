"""A :class:`~neurosim.chip.profile.ChipProfile` from a SANA-FE architecture, and the list of what
the profile cannot hold.

Each cost is the attribute of the unit the network uses (SANA-FE charges it per event):

=============================  =============================================================
profile field                  SANA-FE attribute
=============================  =============================================================
``e_synop_J``, ``t_synop_s``   synapse ``energy_process_spike``, ``latency_process_spike``
``e_neuron_update_idle_J``     soma ``energy_access_neuron`` (every updated neuron)
``e_neuron_update_active_J``   soma ``energy_access_neuron + energy_update_neuron``
``e_spike_J``, ``t_spike_s``   soma ``energy_spike_out``, ``latency_spike_out``
``e_packet_J``, ``t_packet_s`` axon_out ``energy_message_out``, ``latency_message_out``
``e_hop_x_J``, ``t_hop_x_s``   tile ``energy_east_hop``, ``latency_east_hop``
``e_hop_y_J``, ``t_hop_y_s``   tile ``energy_north_hop``, ``latency_north_hop``
``neurons_per_core``           core ``max_neurons_supported``
``barrier_s_by_tiles``         architecture ``latency_sync`` (``sync_model: table`` or ``fixed``)
``[[synapse_class]]``          every other synapse unit the network uses, selected by the
                               projection attribute ``synapse`` (its unit's name)
``synaptic_events_at``         ``spike``: SANA-FE processes a spike's synapses in its own step
``active_neurons``             ``input_bias_potential``: SANA-FE's LIF charges its update cost to a
                               neuron with input, a bias or a non-zero potential
=============================  =============================================================

(and the ``latency_*`` twins of the soma costs). SANA-FE's sync table is a step function of the
tiles used (the entry of the largest count not above it); neurosim interpolates linearly between
entries, so the table is written out at every whole tile count, where both agree. Every capacity
SANA-FE does not model (input axons, fan-out edges, synapse memory, delays, ...) is unpublished,
hence unchecked.
"""
from __future__ import annotations

from typing import Any, Sequence

from neurosim.chip.profile import ChipProfile
from neurosim.chip.schema import FIELDS, PUBLISHED, applies
from neurosim.errors import ProfileError
from neurosim.sanafe import _yaml
from neurosim.sanafe.arch import SanafeArch, Unit

SOMA_COSTS = ("energy_access_neuron", "energy_update_neuron", "energy_spike_out",
              "latency_access_neuron", "latency_update_neuron", "latency_spike_out")
SYNAPSE_COSTS = ("energy_process_spike", "latency_process_spike")
SANA_FE_EVENTS = ("SANA-FE (github.com/SLAM-Lab/SANA-FE at 8951ab0), src/chip.cpp SpikingChip::sim_timestep: the "
                  "messages of the neurons fired in a time step are processed (synapse energy and latency charged) "
                  "in that step, process_messages after the neuron updates")
SANA_FE_ACTIVE = ("SANA-FE (github.com/SLAM-Lab/SANA-FE at 8951ab0), src/models.cpp LoihiLifModel::update: a "
                  "compartment is 'updated' (charged energy_update_neuron) when |potential| > 0, an input current "
                  "arrived, |bias| > 0 or an update is forced")
AXON_OUT_COSTS = ("energy_message_out", "latency_message_out")


def chip_profile(arch: SanafeArch, soma: Unit, synapse: Unit,
                 other_synapses: Sequence[str] = ()) -> tuple[ChipProfile, tuple[str, ...]]:
    """The profile of ``arch`` costed with the units ``soma`` and ``synapse`` (the default synapse
    class), one synapse class per unit named in ``other_synapses`` (selected by the projection
    attribute ``synapse``), and SANA-FE's counting rules.

    Returns
    -------
    profile : ChipProfile
        Named as the architecture; every value's source names the file and the unit attribute.
    unrepresented : tuple of str
        One line per architecture value the profile has no field for, with its value.
    """
    where = str(arch.path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def put(section: str, name: str, value: Any, source: str) -> None:
        values[name] = (section, value)
        sources[f"{section}.{name}"] = source

    def cost(unit_kind: str, unit: Unit | None, attribute: str) -> float | None:
        if unit is None or attribute not in unit.attributes:
            return None
        return _yaml.number(unit.attributes[attribute], f"{where}: {unit_kind} '{unit.name}' {attribute}",
                            ProfileError)

    def attr(unit_kind: str, unit: Unit, attribute: str) -> str:
        return f"SANA-FE architecture file {where}: {unit_kind} '{unit.name}' {attribute}"

    n_tiles = arch.width * arch.height
    put("chip", "cores_per_chip", n_tiles * arch.cores_per_tile,
        f"SANA-FE architecture file {where}: width x height tiles x cores per tile")
    put("chip", "cores_per_tile", arch.cores_per_tile, f"SANA-FE architecture file {where}: cores of each tile")
    put("chip", "mesh_x", arch.width, f"SANA-FE architecture file {where}: architecture width")
    put("chip", "mesh_y", arch.height, f"SANA-FE architecture file {where}: architecture height")
    put("chip", "routing", "xy_dimension_order",
        "assumed: SANA-FE counts the Manhattan hops of its mesh, which dimension-order routing takes")
    put("chip", "updates_all_neurons", True,
        "assumed: SANA-FE charges the soma's access cost for every mapped neuron it updates in a time step")
    neurons = _yaml.integer(arch.core_attributes["max_neurons_supported"], f"{where}: core max_neurons_supported",
                            ProfileError)
    put("core", "neurons_per_core", neurons, f"SANA-FE architecture file {where}: core max_neurons_supported")
    put("timing", "timestep_mode", "barrier",
        "SANA-FE synchronises every tile at the end of each time step (sync_model)")
    barrier = _barrier_table(arch)
    if barrier is not None:
        put("timing", "barrier_s_by_tiles", barrier,
            f"SANA-FE architecture file {where}: architecture latency_sync (sync_model "
            f"{arch.attributes.get('sync_model', 'fixed')}), written out per whole tile count")

    out = _first(arch, "axon_out")
    access, update = cost("soma", soma, "energy_access_neuron"), cost("soma", soma, "energy_update_neuron")
    t_access, t_update = cost("soma", soma, "latency_access_neuron"), cost("soma", soma, "latency_update_neuron")
    direct = (
        ("energy", "e_synop_J", "synapse", synapse, "energy_process_spike"),
        ("latency", "t_synop_s", "synapse", synapse, "latency_process_spike"),
        ("energy", "e_neuron_update_idle_J", "soma", soma, "energy_access_neuron"),
        ("latency", "t_neuron_update_idle_s", "soma", soma, "latency_access_neuron"),
        ("energy", "e_spike_J", "soma", soma, "energy_spike_out"),
        ("latency", "t_spike_s", "soma", soma, "latency_spike_out"),
        ("energy", "e_packet_J", "axon_out", out, "energy_message_out"),
        ("latency", "t_packet_s", "axon_out", out, "latency_message_out"),
    )
    for section, name, kind, unit, attribute in direct:
        value = cost(kind, unit, attribute)
        if value is not None:
            put(section, name, value, attr(kind, unit, attribute))
    if access is not None and update is not None:
        put("energy", "e_neuron_update_active_J", access + update,
            f"derived: {attr('soma', soma, 'energy_access_neuron')} + energy_update_neuron")
    if t_access is not None and t_update is not None:
        put("latency", "t_neuron_update_active_s", t_access + t_update,
            f"derived: {attr('soma', soma, 'latency_access_neuron')} + latency_update_neuron")
    tile = arch.tile_attributes
    for section, name, key in (("energy", "e_hop_x_J", "energy_east_hop"), ("energy", "e_hop_y_J", "energy_north_hop"),
                               ("latency", "t_hop_x_s", "latency_east_hop"),
                               ("latency", "t_hop_y_s", "latency_north_hop")):
        put(section, name, _yaml.number(tile[key], f"{where}: tile {key}", ProfileError),
            f"SANA-FE architecture file {where}: tile {key}")

    put("counting", "synaptic_events_at", "spike", SANA_FE_EVENTS)
    put("counting", "active_neurons", "input_bias_potential", SANA_FE_ACTIVE)
    classes = [_synapse_class(arch, arch.unit("synapse", name)) for name in other_synapses]

    flat = {name: value for name, (_, value) in values.items()}
    unpublished = [f.name for f in FIELDS if f.need == PUBLISHED and f.name not in flat and applies(f, flat)]
    data: dict[str, Any] = {
        "schema": 1, "name": arch.name, "source_kind": "derived",
        "description": f"Read from the SANA-FE architecture file {where} (architecture '{arch.name}'): "
                       f"{arch.n_tiles} tiles of {arch.cores_per_tile} cores on a {arch.width} x {arch.height} "
                       f"mesh, costed with soma '{soma.name}' and synapse '{synapse.name}'.",
        "unpublished": unpublished,
        "assumed": [name for name, (section, _) in values.items()
                    if sources[f"{section}.{name}"].startswith(("assumed", "derived"))],
        "sources": sources,
        "synapse_class": classes,
    }
    for name, (section, value) in values.items():
        data.setdefault(section, {})[name] = value
    profile = ChipProfile.from_dict(data, origin=where)
    return profile, _unrepresented(arch, soma, synapse)


def _first(arch: SanafeArch, kind: str) -> Unit | None:
    return next((u for u in arch.units if u.kind == kind), None)


def _barrier_table(arch: SanafeArch) -> list[list[float]] | None:
    """``[[tiles, seconds], ...]`` for every whole tile count up to the last entry of SANA-FE's table."""
    where = f"{arch.path}: architecture"
    model = _yaml.text(arch.attributes.get("sync_model", "fixed"), f"{where} sync_model", ProfileError)
    raw = arch.attributes.get("latency_sync")
    if model == "fixed":
        seconds = 0.0 if raw is None else _yaml.number(raw, f"{where} latency_sync", ProfileError)
        return [[1, seconds]]
    if model != "table":
        raise ProfileError(f"{where}: sync_model {model!r} is not supported (fixed or table)")
    if isinstance(raw, list):
        table = {k: _yaml.number(v, f"{where} latency_sync[{k}]", ProfileError) for k, v in enumerate(raw)}
    elif isinstance(raw, dict):
        table = {_yaml.integer(k, f"{where} latency_sync key", ProfileError):
                 _yaml.number(v, f"{where} latency_sync[{k}]", ProfileError) for k, v in raw.items()}
    else:
        raise ProfileError(f"{where}: sync_model table needs latency_sync, a map of tiles to seconds")
    if not table:
        raise ProfileError(f"{where}: latency_sync is empty")
    counts = sorted(table)
    out = []
    for tiles in range(1, max(counts[-1], 1) + 1):
        below = [k for k in counts if k <= tiles]
        out.append([tiles, table[below[-1] if below else counts[0]]])
    return out


def _unrepresented(arch: SanafeArch, soma: Unit, synapse: Unit) -> tuple[str, ...]:
    """What the architecture says that the profile has no field for, one line each, with its value."""
    lines = []
    tile = arch.tile_attributes
    for kind in ("energy", "latency"):
        east, west, north, south = (tile[f"{kind}_{d}_hop"] for d in ("east", "west", "north", "south"))
        if float(east) != float(west) or float(north) != float(south):
            lines.append(f"tile {kind} per hop differs by direction (east {east}, west {west}, north {north}, "
                         f"south {south}); the profile keeps east for x and north for y")
    for unit in arch.units:
        for key, value in unit.attributes.items():
            if key.startswith(("energy_", "latency_")) and unit.kind in ("axon_in", "dendrite") \
                    and float(value) != 0.0:
                lines.append(f"{unit.kind} '{unit.name}' {key} = {value} has no profile field")
            elif key in ("update_every_timestep", "log_energy", "log_latency", "plugin"):
                lines.append(f"{unit.kind} '{unit.name}' {key} = {value} has no profile field")
    for key in ("link_buffer_size", "topology"):
        if key in arch.attributes:
            lines.append(f"architecture {key} = {arch.attributes[key]} (SANA-FE's timing model) has no profile "
                         f"field")
    for key in ("buffer_position", "buffer_inside_unit"):
        if key in arch.core_attributes:
            lines.append(f"core {key} = {arch.core_attributes[key]} (SANA-FE's timing model) has no profile field")
    if arch.n_tiles < arch.width * arch.height:
        lines.append(f"the architecture defines {arch.n_tiles} tiles on a {arch.width} x {arch.height} mesh; the "
                     f"profile's chip has the full mesh of {arch.width * arch.height} tiles (the extra ones unused)")
    return tuple(lines)


def _synapse_class(arch: SanafeArch, unit: Unit) -> dict[str, Any]:
    """The ``[[synapse_class]]`` table of synapse unit ``unit``, selected by ``synapse = <its name>``."""
    where = f"{arch.path}: synapse '{unit.name}'"
    costs = {key: _yaml.number(_yaml.required(unit.attributes, attribute, where, ProfileError),
                               f"{where} {attribute}", ProfileError)
             for key, attribute in (("e_synop_J", "energy_process_spike"), ("t_synop_s", "latency_process_spike"))}
    return {"name": unit.name, **costs, "attribute": {"synapse": unit.name},
            "source": f"SANA-FE architecture file {arch.path}: synapse '{unit.name}' energy_process_spike, "
                      f"latency_process_spike"}
