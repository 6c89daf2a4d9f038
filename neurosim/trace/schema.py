"""The trace format, version :data:`TRACE_VERSION`: every dataset, its dtype and meaning.

``docs/traces.md`` documents the same table for people; a test keeps the two in step. Columns are
1-D datasets of one group (column-oriented, so each one appends and compresses on its own).
"""
from __future__ import annotations

TRACE_VERSION = 2
"""Bumped whenever a dataset or attribute changes meaning; readers refuse versions not in
:data:`READABLE_VERSIONS`."""

READABLE_VERSIONS = (1, 2)
"""Versions :func:`~neurosim.trace.read_trace` reads. Version 2 added what costing a trace needs
(``chip_profile``, ``spikes/value``, ``groups/``, ``populations/``, ``routes/``) and compressed the
mesh-wide tables; a version-1 trace reads with those fields ``None``."""

FORMAT = "neurosim-trace"
"""Value of the root attribute ``format``: what tells a neurosim trace from any other HDF5 file."""

# Root attributes: name -> (type, meaning).
ATTRIBUTES = {
    "format": ("str", f"always '{FORMAT}'"),
    "trace_version": ("int", "TRACE_VERSION of the writer"),
    "neurosim_version": ("str", "neurosim.__version__ of the writer"),
    "network": ("str", "network name"),
    "profile": ("str", "chip profile name ('' when the profile has none)"),
    "tick_s": ("float", "seconds per tick of the profile; NaN when it publishes none"),
    "ticks_planned": ("int", "ticks the run was asked for"),
    "neurons_per_core": ("int", "core capacity used by the placement; -1 when unlimited"),
    "strategy": ("str", "placement strategy"),
    "grid_shape": ("int64[2]", "(X, Y) routers of the global mesh"),
    "populations": ("str (JSON)", "list of {name, start, stop, model}: global neuron ids [start, stop); "
                                  "model is the neuron model, or 'source:<kind>' for spike sources"),
    "probe_every": ("int", "membrane samples are taken at ticks t with t % probe_every == 0"),
    "chip_profile": ("str (JSON)", "the chip profile simulated, as ChipProfile.to_dict() (version 2)"),
    "mesh_published": ("bool", "whether the placement's router mesh is the chip's published one; False: the "
                               "profile publishes none and the tiles lie in one numbered row, so core_xy, hops, "
                               "link loads and routes/ are on that row, not the chip's (optional: from the "
                               "profile's mesh_x, mesh_y when absent)"),
    "unpublished": ("str (JSON)", "list of the profile's keys it does not publish: figures needing them are "
                                  "marked not published and their totals partial (optional: from chip_profile "
                                  "when absent)"),
}
OPTIONAL_ATTRIBUTES = ("mesh_published", "unpublished")
"""Root attributes a trace of this version may lack (written by an earlier neurosim): the reader derives them."""

# Dataset path -> (dtype, shape, meaning). T: completed ticks, N: neurons, C: cores used.
PACKET_FIELDS = {
    "tick": ("int64", "tick the spike was emitted in"),
    "src_neuron": ("int64", "global id of the spiking neuron"),
    "src_core": ("int32", "its core; -1 for spike sources (injected by the host at router (0, 0))"),
    "dst_core": ("int32", "destination core: one row per spike and distinct destination core"),
    "hops": ("int32", "router hops of the packet, x plus y (dimension-order XY routing)"),
}
SPIKE_FIELDS = {
    "tick": ("int64", "tick of the spike"),
    "neuron": ("int64", "global id of the spiking neuron (every spike, even one that sends no packet)"),
    "value": ("float64", "spike value (1 for binary spikes; +-theta of signed-ternary models, counts or graded "
                         "values) (version 2)"),
}
TICK_FIELDS = {
    "spikes": ("int64", "spikes emitted in the tick"),
    "events": ("int64", "synaptic events delivered in the tick"),
    "updates": ("int64", "neuron updates in the tick"),
}
CORE_FIELDS = {
    "events": ("int64", "(T, C) synaptic events delivered to each used core per tick"),
    "updates": ("int64", "(T, C) neuron updates on each used core per tick"),
    "spikes": ("int64", "(T, C) spikes emitted by each used core per tick"),
}

DATASETS = {
    "progress": ("int64", "(4,)", "[ticks_done, packet rows, spike rows, complete]: rewritten after every "
                                  "flushed chunk; readers trust nothing beyond it"),
    "placement/neuron_core": ("int64", "(N,)", "core of each neuron, -1 for spike sources"),
    "placement/core_xy": ("int64", "(n_cores, 2)", "global router (x, y) of every core"),
    "placement/core_chip": ("int64", "(n_cores,)", "chip of every core"),
    **{f"packets/{k}": (d, "(rows,)", m) for k, (d, m) in PACKET_FIELDS.items()},
    **{f"spikes/{k}": (d, "(spikes,)", m) for k, (d, m) in SPIKE_FIELDS.items()},
    **{f"ticks/{k}": (d, "(T,)", m) for k, (d, m) in TICK_FIELDS.items()},
    "links/load": ("int64", "(4 X Y,)", "packets that crossed each directed link so far (link id "
                                         "(y X + x) 4 + direction, 0 +x, 1 -x, 2 +y, 3 -y)"),
    "cores/ids": ("int64", "(C,)", "global ids of the used cores (columns of the cores/ tables); optional"),
    **{f"cores/{k}": (d, "(T, C)", m) for k, (d, m) in CORE_FIELDS.items()},
    "groups/population": ("int64", "(G,)", "population of each destination group (population x core) (version 2)"),
    "groups/core": ("int64", "(G,)", "core of each destination group, -1 for spike sources (version 2)"),
    "groups/events": ("int64", "(G,)", "synaptic events delivered to each group so far (version 2)"),
    "groups/updates": ("int64", "(G,)", "neuron updates of each group so far, probe-forced ones included (version 2)"),
    "groups/graded_events": ("int64", "(G,)", "of groups/events, those from graded spikes (version 2)"),
    "populations/forced_updates": ("int64", "(P,)", "updates forced by a probe, per population, so far (version 2)"),
    "routes/packet_ptr": ("int64", "(N + 1,)", "neuron i's packets per spike are rows packet_ptr[i]:packet_ptr[i + 1] "
                                               "of the routes/ tables (version 2)"),
    "routes/packet_dx": ("int64", "(R,)", "x hops of each packet of the route table (version 2)"),
    "routes/packet_dy": ("int64", "(R,)", "y hops of each packet of the route table (version 2)"),
    "routes/packet_crossings": ("int64", "(R,)", "chip crossings of each packet of the route table (version 2)"),
    "probes/<population>/tick": ("int64", "(S,)", "ticks sampled; optional"),
    "probes/<population>/state": ("float64", "(S, size, n_state)", "state after the tick (attribute "
                                                                   "state_names: the model's state variables)"),
}
