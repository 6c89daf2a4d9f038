"""Peer cross-check and speed comparison against SANA-FE (Boyle et al., IEEE TCAD 44:3165-3178, 2025).

SANA-FE (PyPI ``sanafe``, github.com/SLAM-Lab/SANA-FE) simulates neuromorphic architectures from
per-event energy and latency costs; its Loihi architecture file (``arch/loihi.yaml``, shipped in the
wheel as ``sanafe/examples/loihi.yaml``) is the source of neurosim's ``loihi_sanafe`` profile. This
script builds one network in both simulators, maps it core for core, runs both for the same ticks
and prints one JSON document on stdout (progress on stderr)::

    pip install sanafe                       # benchmark-only dependency (extra "benchmark")
    python benchmarks/vs_sanafe.py --quick   # under a minute
    python benchmarks/vs_sanafe.py           # 10,240 neurons, 1.02 M synapses, 1,000 ticks
    python benchmarks/vs_sanafe.py --examples dvs_gesture,conv,example_snn --sanafe-repo SANA-FE/
                                             # SANA-FE's own networks through neurosim's reader

``--examples`` reads SANA-FE's own example networks (its DVS-gesture network, ``snn/dvs.yaml`` of
the repository at 8951ab0 on ``arch/loihi.yaml``, 128 steps as ``scripts/tcad2025/dvs_gesture.py``
runs it; ``snn/conv.yaml`` on the same file, 100 steps; the wheel's ``example_snn.yaml`` on
``example_chip.yaml``) with :func:`neurosim.sanafe.read_sanafe` and SANA-FE's own mapping, and
runs each both ways, alternating, ``--repeats`` times: load and simulation times (medians), spikes,
hops, synaptic events and neuron updates tick by tick, packets tick by tick over the first
``--check-ticks`` steps (SANA-FE's message trace) and in total, spikes neuron for neuron over
those steps, and the energy per SANA-FE class.

Workload
--------
``N`` neurons in one population, each with ``fanout`` distinct random targets inside a ring window of
``+-window`` neurons (not itself), 80 % excitatory (weight +3) and 20 % inhibitory (weight -12),
delay 1 tick, no external input: every neuron has a constant bias that alone would make it fire
every 17-70 ticks, so the network fires a few per cent of its neurons per tick. The window keeps
every core within Loihi's fan-in (4,096 input axons) and fan-out (4,096 core-to-core edges) limits,
which neurosim's placement checks and a uniformly random graph of this size would break.

The neuron is Loihi's CUBA LIF in both simulators and the two are bit-identical on this workload:
neurosim's ``loihi_cuba`` (Lava's ``PyLifModelBitAcc``, integer state) with ``du = 4095`` (the
current keeps only this tick's input), ``dv = 128``, threshold mantissa ``vth`` and bias
``bias_mant``; SANA-FE's ``leaky_integrate_fire`` (``LoihiLifModel``) with
``leak_decay = (4096 - dv) / 4096``, ``threshold = vth``, ``bias = bias_mant / 64``, hard reset to 0,
and the same integer weights. SANA-FE's potential is neurosim's ``v / 64``: its decay
``int(64 p leak_decay) / 64`` is Lava's ``(v (4096 - dv)) >> 12`` truncated toward zero, its
``p > threshold`` is ``v > vth << 6``, and every value is a multiple of 1/64 that float64 holds
exactly. Every neuron has a bias above ``2 vth + 1`` (in ``v`` units per tick), so with no input its
potential rises strictly until it fires: both simulators update every neuron at every tick.

Mapping
-------
neurosim places with ``"fill"`` and ``neurons_per_core``: neuron ``i`` on core ``k = i //
neurons_per_core``, tile ``k // 4`` at router ``(tile % 8, tile // 8)``. SANA-FE numbers its tiles
column by column (tile ``t`` at ``(t // 4, t % 4)`` on its 8 x 4 mesh), so neuron ``i`` goes to the
SANA-FE core at the same router and the same offset in the tile: tile ``4 x + y``, core
``4 (4 x + y) + k % 4``. Same neurons, same cores, same router positions, same hops.

Runs and checks
---------------
Each simulator runs in its own child process; only the simulation phase is timed. neurosim:
``simulate()`` after a warm-up run (the Numba engine loaded from its cache or compiled) plus
``cost()``, which gives the outputs SANA-FE's run gives (counts, energy by class, latency; it
routes the placement itself). SANA-FE: ``SpikingChip.sim()`` after ``load()`` (its energy and timing
models run inside ``sim``), one processing thread by default as neurosim has one. Both record every
spike (neurosim's latency model needs them) and SANA-FE its per-tick counters (``perf_trace``, which
costs it little); SANA-FE's ``spike_trace`` costs it 10-25 % more run time and its own
figures do not need it, so the timed runs go without it and one more, untimed run (simple timing
model; the dynamics do not depend on the timing model) records it for the spike-for-spike check.
SANA-FE runs once per variant: ``detailed`` (its default timing model, the reference), ``simple``,
and ``simple_rx0`` (simple, with the 16 ns message-receive latency that ``loihi_sanafe`` has no field
for set to 0), to attribute the latency difference; counts and energies must agree for every
variant. Checks: identical spikes (tick, neuron); equal spikes, neuron updates, packets and hops in
total and per tick; equal synaptic events once the events of the last tick's spikes are added to
neurosim's (it delivers them after the run, SANA-FE in the last tick; per tick SANA-FE's tick ``t`` is
neurosim's ``t + 1``); energy per SANA-FE class equal to floating-point rounding, the total within
2 % (neurosim's static energy, which SANA-FE does not model, left out); SANA-FE's simple latency
formula evaluated on neurosim's counts equal to SANA-FE's figure tick by tick. A small second
workload without bias (``update_rule_probe``) measures the one counting rule that differs: when a
neuron update is active. Every difference found is in the JSON's ``differences`` with its effect.
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# benchmarks/ is sys.path[0] when run as a script
from _common import add_worker_options, dist_version, machine_info, run_worker

HERE = Path(__file__).resolve()
SEED = 1234
DU, DV, VTH = 4095, 128, 100  # loihi_cuba: current keeps one tick of input; v decays by 128/4096 = 1/32
W_EXC, W_INH, P_EXC = 3, -12, 0.8
BIAS_LO, BIAS_HI = 2 * VTH + 24, 2 * VTH + 280  # bias_mant (v units per tick); > 2 vth + 1: never idle
CORES_PER_TILE, MESH_X, MESH_Y = 4, 8, 4  # SANA-FE's loihi.yaml and chips/loihi_sanafe.toml


def log(msg: str) -> None:
    print(f"[vs_sanafe] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- the network -------------------------------------------------------------------------------
def build_network(n: int, fanout: int, window: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Synapses and biases: ``fanout`` distinct targets per neuron in the ring window ``+-window``."""
    if fanout > 2 * window:
        raise SystemExit(f"fanout {fanout} needs a window of at least {(fanout + 1) // 2}")
    if 2 * window >= n:
        raise SystemExit(f"window {window} must be below n / 2 = {n // 2}")
    rng = np.random.default_rng(seed)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    # Distinct targets per neuron: the first `fanout` of a random permutation of the window, taken
    # by sorting random keys (vectorised in blocks of neurons).
    post = np.empty((n, fanout), dtype=np.int64)
    block = max(1, (1 << 22) // offsets.size)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        keys = rng.random((hi - lo, offsets.size))
        pick = np.argpartition(keys, fanout - 1, axis=1)[:, :fanout]
        pick.sort(axis=1)
        post[lo:hi] = (np.arange(lo, hi)[:, None] + offsets[pick]) % n
    pre = np.repeat(np.arange(n, dtype=np.int64), fanout)
    excitatory = rng.random(n) < P_EXC
    weight = np.where(excitatory[pre], W_EXC, W_INH).astype(np.int64)
    bias = rng.integers(BIAS_LO, BIAS_HI + 1, n).astype(np.int64)
    return {"pre": pre, "post": post.ravel(), "weight": weight, "bias": bias, "excitatory": excitatory}


# ---- neurosim -----------------------------------------------------------------------------------
def worker_neurosim(workdir: str, ticks: int, neurons_per_core: int, warmup: int) -> dict:
    import neurosim as ns
    from neurosim.cost_model.traffic import traffic
    from neurosim.mapping.placement import place
    from neurosim.mapping.routing import route

    d = dict(np.load(Path(workdir) / "network.npz"))
    n = d["bias"].size
    t0 = time.perf_counter()
    net = ns.Network("vs_sanafe")
    net.population("P", n, "loihi_cuba", du=DU, dv=DV, vth=VTH, bias_mant=d["bias"].astype(float), bias_exp=0)
    net.connect_synapses("P", "P", d["pre"], d["post"], d["weight"].astype(float), 1)
    build_s = time.perf_counter() - t0
    profile = ns.load_chip("loihi_sanafe")
    t0 = time.perf_counter()
    placement = place(ns.compile_network(net), profile, "fill", neurons_per_core=neurons_per_core)
    place_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    # Warm-up (not timed): loads (or compiles) the Numba engine and imports what cost() uses.
    ns.cost(ns.simulate(placement.compiled, warmup), placement, profile)
    warmup_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = ns.simulate(placement.compiled, ticks)
    simulate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = ns.cost(result, placement, profile)  # routes the placement, counts, energy, latency
    cost_s = time.perf_counter() - t0
    # Per-tick hops for the comparison (not timed: link loads and busiest links are extra outputs).
    t0 = time.perf_counter()
    tr = traffic(result, route(placement))
    traffic_s = time.perf_counter() - t0

    c = result.counters
    en = report.energy
    by_class = en.by_class()
    counts = {k: float(v) for k, v in zip(en.classes, en.counts)}
    lat = report.latency
    ticks_spikes = np.bincount(result.spike_ticks, minlength=ticks)
    # Synaptic events of the spikes of the last tick: due at tick T, after the run.
    out_degree = np.bincount(d["pre"], minlength=n)
    last = result.spike_ids[result.spike_ticks == ticks - 1]
    np.savez(Path(workdir) / "neurosim.npz", spike_ticks=result.spike_ticks, spike_ids=result.spike_ids,
             tick_spikes=ticks_spikes, tick_updates=c.tick_updates, tick_events=c.tick_events,
             tick_hops=tr.tick_hops, tick_packets=tr.tick_packets, tick_latency_s=lat.tick_latency_s,
             neuron_core=placement.neuron_core, core_xy=placement.core_xy, group_core=placement.group_core,
             tick_group_updates=c.tick_group_updates, packet_ptr=tr.routes.packet_ptr,
             packet_core=tr.routes.packet_core)
    return {
        "version": ns.__version__, "chip": profile.name,
        "build_s": build_s, "place_s": place_s, "warmup_s": warmup_s, "simulate_s": simulate_s, "cost_s": cost_s,
        "sim_wall_s": simulate_s + cost_s, "traffic_s_not_timed": traffic_s,
        "counts": {
            "spikes": c.spikes, "synaptic_events": c.synaptic_events,
            "synaptic_events_undelivered_at_end": int(out_degree[last].sum()),
            "neuron_updates": c.neuron_updates, "neuron_updates_active": int(counts["neuron_updates_active"]),
            "neuron_updates_idle": int(counts["neuron_updates_idle"]), "packets": tr.packets,
            "packets_engine": c.packets, "hops_x": tr.hops_x, "hops_y": tr.hops_y, "hops": tr.hops,
        },
        "cores_used": int(en.cores.size), "tiles_used": int(lat.tiles_used),
        "energy_J": {"total": en.total_J, "dynamic": en.total_J - by_class["static"], "by_class": by_class},
        "latency_s": {"total": lat.total_s, "mean_tick": lat.mean_tick_s, "barrier_per_tick": lat.barrier_s,
                      "compute_total": float(lat.compute_s.sum()), "network_total": float(lat.network_s.sum())},
        "rate_per_tick": c.spikes / (n * ticks), "peak_rss_mb": peak_rss_mb(),
    }


# ---- SANA-FE -------------------------------------------------------------------------------------
def sanafe_loihi_yaml() -> Path:
    from importlib.resources import files

    return Path(str(files("sanafe.examples") / "loihi.yaml"))


def parse_loihi_yaml(text: str) -> dict:
    """The numbers of SANA-FE's loihi.yaml by unit name (a line parser: the wheel has no YAML package)."""
    units: dict[str, dict[str, float]] = {}
    unit = "architecture"
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip()
        m = re.match(r"\s*-\s*name:\s*(\S+)", line)
        if m:
            unit = m.group(1)
            continue
        m = re.match(r"\s*(\w+):\s*([-+0-9.eE]+)\s*$", line)
        if m:
            units.setdefault(unit, {})[m.group(1)] = float(m.group(2))
        m = re.match(r"\s*latency_sync:\s*\{(.*)\}", line)
        if m:
            units.setdefault(unit, {})["latency_sync"] = sorted(
                (int(k), float(v)) for k, v in (p.split(":") for p in m.group(1).split(",")))
    return units


VARIANTS = {
    # name: (SANA-FE timing model, latency_message_in override or None for the shipped loihi.yaml)
    "detailed": ("detailed", None),  # SANA-FE's default
    "simple": ("simple", None),
    "simple_rx0": ("simple", 0.0),  # latency diagnosis: the 16 ns receive latency that neurosim lacks, removed
    "detailed_rx0": ("detailed", 0.0),
}


def worker_sanafe(workdir: str, ticks: int, threads: int, variant: str, spike_trace: bool = False) -> dict:
    import sanafe

    timing_model, rx_latency = VARIANTS[variant]
    d = dict(np.load(Path(workdir) / "network.npz"))
    place_ = np.load(Path(workdir) / "neurosim.npz")
    n = d["bias"].size
    yaml_path = sanafe_loihi_yaml()
    if rx_latency is not None:
        text = yaml_path.read_text()
        patched = re.sub(r"latency_message_in:\s*\S+", f"latency_message_in: {rx_latency!r}", text)
        assert patched != text
        yaml_path = Path(workdir) / f"loihi_{variant}.yaml"
        yaml_path.write_text(patched)
    arch = sanafe.load_arch(str(yaml_path))
    cores = arch.cores()
    t0 = time.perf_counter()
    net = sanafe.Network()
    group = net.create_neuron_group(
        "P", n, model_attributes={"threshold": float(VTH), "leak_decay": (4096 - DV) / 4096, "reset": 0.0,
                                  "reset_mode": "hard"},
        default_synapse_hw_name="loihi_dense_synapse", soma_hw_name="loihi_lif", log_spikes=spike_trace)
    # neurosim core k at router (x, y) -> SANA-FE tile 4 x + y (column-major), same offset in the tile.
    k = place_["neuron_core"]
    xy = place_["core_xy"][k]
    sanafe_core = (xy[:, 0] * MESH_Y + xy[:, 1]) * CORES_PER_TILE + k % CORES_PER_TILE
    for i in range(n):
        neuron = group[i]
        neuron.set_attributes(model_attributes={"bias": float(d["bias"][i]) / 64.0})
        neuron.map_to_core(cores[int(sanafe_core[i])])
    group.connect_neurons_sparse(group, {"weight": d["weight"].astype(float).tolist()},
                                 list(zip(d["pre"].tolist(), d["post"].tolist())))
    build_s = time.perf_counter() - t0
    chip = sanafe.SpikingChip(arch)
    t0 = time.perf_counter()
    chip.load(net)
    load_s = time.perf_counter() - t0
    del net, group

    t0 = time.perf_counter()
    r = chip.sim(ticks, timing_model=timing_model, processing_threads=threads, spike_trace=spike_trace,
                 perf_trace=True)
    sim_s = time.perf_counter() - t0

    trace = r["spike_trace"] or []
    spike_ticks = np.concatenate([np.full(len(s), t, np.int64) for t, s in enumerate(trace)] or [np.zeros(0, np.int64)])
    spike_ids = np.array([a.neuron_offset for s in trace for a in s], dtype=np.int64)
    perf = r["perf_trace"]
    tick_events = np.asarray(perf["spikes"], np.int64)
    tag = f"{variant}_spikes" if spike_trace else variant
    np.savez(Path(workdir) / f"sanafe_{tag}.npz", spike_ticks=spike_ticks, spike_ids=spike_ids,
             tick_spikes=np.asarray(perf["fired"], np.int64), tick_updates=np.asarray(perf["updated"], np.int64),
             tick_events=tick_events, tick_hops=np.asarray(perf["hops"], np.int64),
             tick_sim_time_s=np.asarray(perf["sim_time"], float), sanafe_core=sanafe_core)
    e = r["energy"]
    units = parse_loihi_yaml(sanafe_loihi_yaml().read_text())
    e_message = units["loihi_out"]["energy_message_out"]
    return {
        "version": getattr(sanafe, "__version__", None) or dist_version("sanafe"),
        "variant": variant, "spike_trace": spike_trace, "arch_yaml": str(sanafe_loihi_yaml()),
        "latency_message_in_override": rx_latency,
        "timing_model": timing_model, "processing_threads": threads,
        "build_s": build_s, "load_s": load_s, "sim_wall_s": sim_s,
        "counts": {
            "spikes": int(r["neurons_fired"]), "synaptic_events": int(r["spikes"]),
            "synaptic_events_last_tick": int(tick_events[-1]), "neuron_updates": int(r["neurons_updated"]),
            "packets": int(r["packets_sent"]), "hops": int(np.sum(perf["hops"])),
        },
        "energy_J": {"total": e["total"], "synapse": e["synapse"], "dendrite": e["dendrite"], "soma": e["soma"],
                     "network": e["network"], "network_messages": r["packets_sent"] * e_message,
                     "network_hops": e["network"] - r["packets_sent"] * e_message},
        "sim_time_s": r["sim_time"], "timesteps_executed": r["timesteps_executed"],
        "peak_rss_mb": peak_rss_mb(),
    }


def worker_update_rule(ticks: int = 200, n_in: int = 64, n_lif: int = 256) -> dict:
    """A small probe of the one rule that differs: when a neuron without bias counts as updated.

    ``n_lif`` loihi_cuba / LIF neurons without bias on one core, driven by ``n_in`` Bernoulli(0.1) spike
    trains (neurosim: a spike_array source on the host; SANA-FE: ``input`` neurons on another core, each
    delivered one step later, so neurosim's tick ``j`` is SANA-FE's step ``j + 1``). Spikes must be equal;
    the updates differ by the neurons neurosim wakes at tick 0 plus the ticks where a neuron starts with
    ``v = 0`` (just reset) and ``u != 0`` and gets no input: the input-free tick changes ``u`` (neurosim:
    active), while SANA-FE sees ``potential == 0``, no input and no bias (idle).
    """
    import neurosim as ns
    import sanafe
    from neurosim.mapping.placement import place

    rng = np.random.default_rng(SEED + 1)
    spikes = rng.random((ticks, n_in)) < 0.1
    pre = np.repeat(np.arange(n_in), 16)
    post = rng.integers(0, n_lif, pre.size)
    weight = rng.integers(20, 61, pre.size)
    net = ns.Network("update_rule")
    net.spike_array("in", spikes.astype(float))
    net.population("L", n_lif, "loihi_cuba", du=DU, dv=DV, vth=VTH)
    net.connect_synapses("in", "L", pre, post, weight.astype(float), 1)
    placement = place(ns.compile_network(net), ns.load_chip("loihi_sanafe"), "fill", neurons_per_core=n_lif)
    res = ns.simulate(placement.compiled, ticks)
    probed = ns.simulate(placement.compiled, ticks, probe=["L"])  # same run, states recorded
    u, v = probed.state("L", "u"), probed.state("L", "v")
    inputs = np.zeros((ticks, n_lif), bool)
    for t in range(1, ticks):
        inputs[t, post[spikes[t - 1, pre]]] = True  # delay 1
    predicted = np.zeros(ticks, np.int64)
    predicted[0] = n_lif
    predicted[1:] = ((v[:-1] == 0) & (u[:-1] != 0) & ~inputs[1:]).sum(axis=1)
    ns_fired = np.bincount(res.spikes("L")[0], minlength=ticks)

    arch = sanafe.load_arch(str(sanafe_loihi_yaml()))
    cores = arch.cores()
    snet = sanafe.Network()
    group_in = snet.create_neuron_group("in", n_in)
    for j in range(n_in):
        group_in[j].set_attributes(soma_hw_name=f"loihi_inputs[{j}]",
                                   model_attributes={"spikes": [bool(x) for x in spikes[:, j]] + [False]})
        group_in[j].map_to_core(cores[1])
    group = snet.create_neuron_group(
        "L", n_lif, model_attributes={"threshold": float(VTH), "leak_decay": (4096 - DV) / 4096, "reset": 0.0,
                                      "reset_mode": "hard"}, soma_hw_name="loihi_lif")
    for j in range(n_lif):
        group[j].map_to_core(cores[0])
    group_in.connect_neurons_sparse(group, {"weight": weight.astype(float).tolist()},
                                    list(zip(pre.tolist(), post.tolist())))
    chip = sanafe.SpikingChip(arch)
    chip.load(snet)
    perf = chip.sim(ticks + 1, perf_trace=True, processing_threads=1)["perf_trace"]
    in_fired = np.r_[spikes.sum(axis=1), 0]  # input neurons fire at steps 1..T and count as updated
    sf_fired = (np.asarray(perf["fired"]) - in_fired)[:ticks]
    sf_updates = (np.asarray(perf["updated"]) - in_fired)[:ticks]
    diff = res.counters.tick_updates - sf_updates
    return {"ticks": ticks, "inputs": n_in, "neurons": n_lif, "spikes": int(ns_fired.sum()),
            "spikes_equal_every_tick": bool(np.array_equal(ns_fired, sf_fired)),
            "updates_neurosim": int(res.counters.tick_updates.sum()), "updates_sanafe": int(sf_updates.sum()),
            "difference": int(diff.sum()), "difference_tick0": int(diff[0]),
            "difference_explained_every_tick": bool(np.array_equal(diff, predicted)),
            "soma_energy_difference_J": float(diff.sum() * (float(parse_loihi_yaml(sanafe_loihi_yaml().read_text())
                                                                  ["loihi_lif"]["energy_update_neuron"])))}


# ---- comparison ----------------------------------------------------------------------------------
def unit_cost_check() -> list[dict]:
    """SANA-FE's loihi.yaml numbers next to the loihi_sanafe profile values they became."""
    import neurosim as ns

    p = ns.load_chip("loihi_sanafe")
    u = parse_loihi_yaml(sanafe_loihi_yaml().read_text())
    lif, syn, out, inp = u["loihi_lif"], u["loihi_dense_synapse"], u["loihi_out"], u["loihi_in"]
    tile = u["loihi_tile[0..31]"]
    rows = [
        ("synapse energy_process_spike (dense)", syn["energy_process_spike"], "e_synop_J", p.e_synop_J),
        ("synapse latency_process_spike (dense)", syn["latency_process_spike"], "t_synop_s", p.t_synop_s),
        ("soma energy_access_neuron", lif["energy_access_neuron"], "e_neuron_update_idle_J", p.e_neuron_update_idle_J),
        ("soma energy_access_neuron + energy_update_neuron", lif["energy_access_neuron"] + lif["energy_update_neuron"],
         "e_neuron_update_active_J", p.e_neuron_update_active_J),
        ("soma latency_access_neuron", lif["latency_access_neuron"], "t_neuron_update_idle_s",
         p.t_neuron_update_idle_s),
        ("soma latency_access_neuron + latency_update_neuron",
         lif["latency_access_neuron"] + lif["latency_update_neuron"], "t_neuron_update_active_s",
         p.t_neuron_update_active_s),
        ("soma energy_spike_out", lif["energy_spike_out"], "e_spike_J", p.e_spike_J),
        ("soma latency_spike_out", lif["latency_spike_out"], "t_spike_s", p.t_spike_s),
        ("axon_out energy_message_out", out["energy_message_out"], "e_packet_J", p.e_packet_J),
        ("axon_out latency_message_out", out["latency_message_out"], "t_packet_s", p.t_packet_s),
        ("axon_in energy_message_in", inp["energy_message_in"], "(none: 0 J in SANA-FE)", 0.0),
        ("axon_in latency_message_in", inp["latency_message_in"], "(none)", None),
        ("tile energy_east_hop / energy_west_hop", tile["energy_east_hop"], "e_hop_x_J", p.e_hop_x_J),
        ("tile energy_north_hop / energy_south_hop", tile["energy_north_hop"], "e_hop_y_J", p.e_hop_y_J),
        ("tile latency_east_hop / latency_west_hop", tile["latency_east_hop"], "t_hop_x_s", p.t_hop_x_s),
        ("tile latency_north_hop / latency_south_hop", tile["latency_north_hop"], "t_hop_y_s", p.t_hop_y_s),
        ("core max_neurons_supported", u["loihi_core[0..3]"]["max_neurons_supported"], "neurons_per_core",
         p.neurons_per_core),
        ("mesh width", u["architecture"]["width"], "mesh_x", p.mesh_x),
        ("mesh height", u["architecture"]["height"], "mesh_y", p.mesh_y),
        ("latency_sync table", u["architecture"]["latency_sync"], "barrier_s_by_tiles",
         [list(x) for x in p.barrier_s_by_tiles]),
    ]
    out_rows = []
    for what, sanafe_value, key, ns_value in rows:
        if isinstance(sanafe_value, list):
            equal = [[a, b] for a, b in sanafe_value] == [[int(a), float(b)] for a, b in ns_value]
            sanafe_value = [list(x) for x in sanafe_value]
        else:
            equal = None if ns_value is None else bool(np.isclose(sanafe_value, float(ns_value), rtol=1e-12, atol=0))
        out_rows.append({"sanafe": what, "sanafe_value": sanafe_value, "neurosim": key, "neurosim_value": ns_value,
                         "equal": equal})
    return out_rows


def barrier_sanafe(tiles: int, table: list[tuple[int, float]]) -> float:
    """SANA-FE's sync delay: the entry of the largest tile count <= tiles used (a step function; measured
    on sanafe 2.2.9: 1.4 us for 4 to 28 tiles), the first entry below the table."""
    below = [v for k, v in sorted(table) if k <= tiles]
    return below[-1] if below else sorted(table)[0][1]


def rel(a: float, b: float) -> float | None:
    return None if b == 0 else (a - b) / b


def sanafe_simple_latency(workdir: str, ticks: int, rx_latency: float | None) -> np.ndarray:
    """SANA-FE's "simple" timing model evaluated on neurosim's counts: modelled time of every tick (s).

    Per time step ``t`` and core ``c`` (SANA-FE's ``schedule_messages_timestep_simple``, unit costs from
    its loihi.yaml): neuron processing = neurons x access + updates x update + spikes x spike out +
    messages sent x message out; message processing = messages received x message in + synaptic events x
    synapse, for the spikes emitted at ``t``; the step lasts the larger of the two busiest cores plus the
    sync delay. Equal to SANA-FE's own figure when the counts are equal and the formula is read right.
    """
    a = np.load(Path(workdir) / "neurosim.npz")
    net = np.load(Path(workdir) / "network.npz")
    u = parse_loihi_yaml(sanafe_loihi_yaml().read_text())
    lif, syn, out, inp = u["loihi_lif"], u["loihi_dense_synapse"], u["loihi_out"], u["loihi_in"]
    rx = inp["latency_message_in"] if rx_latency is None else rx_latency
    core = a["neuron_core"]
    n_cores = int(core.max()) + 1
    # Synapses from neuron i onto core c, looked up per (i, c) key.
    keys, per_key = np.unique(net["pre"] * n_cores + core[net["post"]], return_counts=True)
    t, i = a["spike_ticks"], a["spike_ids"]
    ptr, dest = a["packet_ptr"], a["packet_core"]
    n_pk = ptr[i + 1] - ptr[i]
    pk = np.repeat(ptr[i] - np.cumsum(n_pk) + n_pk, n_pk) + np.arange(n_pk.sum())  # packet indices, spike by spike
    pk_t, pk_src, pk_dst = np.repeat(t, n_pk), np.repeat(i, n_pk), dest[pk]
    pk_syn = per_key[np.searchsorted(keys, pk_src * n_cores + pk_dst)]

    def per_tick_core(ticks_, cores_, weights=None):
        return np.bincount(ticks_ * n_cores + cores_, weights, ticks * n_cores).reshape(ticks, n_cores)

    group_core = a["group_core"]
    updates = np.zeros((ticks, n_cores))
    np.add.at(updates.T, group_core[group_core >= 0], a["tick_group_updates"].T[group_core >= 0])
    neurons = np.bincount(core, minlength=n_cores)
    neuron_s = (neurons * lif["latency_access_neuron"] + updates * lif["latency_update_neuron"]
                + per_tick_core(t, core[i]) * lif["latency_spike_out"]
                + per_tick_core(pk_t, core[pk_src]) * out["latency_message_out"])
    message_s = (per_tick_core(pk_t, pk_dst) * rx + per_tick_core(pk_t, pk_dst, pk_syn) * syn["latency_process_spike"])
    table = [(int(k), float(v)) for k, v in u["architecture"]["latency_sync"]]
    tiles = np.unique(a["core_xy"][np.unique(core)], axis=0).shape[0]
    return np.maximum(neuron_s.max(axis=1), message_s.max(axis=1)) + barrier_sanafe(tiles, table)


def spike_identity(workdir: str, ticks: int, tag: str) -> dict:
    """Whether neurosim's and a SANA-FE run's spikes are the same (tick, neuron) pairs; the first difference."""
    a = np.load(Path(workdir) / "neurosim.npz")
    b = np.load(Path(workdir) / f"sanafe_{tag}.npz")
    key_a = np.sort(a["spike_ticks"] * (1 << 32) + a["spike_ids"])
    key_b = np.sort(b["spike_ticks"] * (1 << 32) + b["spike_ids"])
    identical = key_a.size == key_b.size and bool(np.array_equal(key_a, key_b))
    first = None
    if not identical:
        for t in range(ticks):
            sa = np.sort(a["spike_ids"][a["spike_ticks"] == t])
            sb = np.sort(b["spike_ids"][b["spike_ticks"] == t])
            if not np.array_equal(sa, sb):
                first = {"tick": t, "neurosim_only": np.setdiff1d(sa, sb)[:20].tolist(),
                         "sanafe_only": np.setdiff1d(sb, sa)[:20].tolist()}
                break
    return {"spikes": int(key_a.size), "identical": identical, "first_divergence": first}


def compare(workdir: str, nsim: dict, sf: dict, ticks: int) -> dict:
    """Per-tick and total counts, energy by class and latency of one SANA-FE run against neurosim's."""
    a = dict(np.load(Path(workdir) / "neurosim.npz"))
    tag = f"{sf['variant']}_spikes" if sf["spike_trace"] else sf["variant"]
    b = dict(np.load(Path(workdir) / f"sanafe_{tag}.npz"))
    # SANA-FE processes a spike's synapses in the tick it is emitted, neurosim delivers a delay-1 spike
    # at the next tick: SANA-FE's events of tick t are neurosim's of tick t + 1.
    per_tick = {
        "spikes_equal_every_tick": bool(np.array_equal(a["tick_spikes"], b["tick_spikes"])),
        "neuron_updates_equal_every_tick": bool(np.array_equal(a["tick_updates"], b["tick_updates"])),
        "synaptic_events_equal_every_tick_shifted_by_one": bool(
            a["tick_events"][0] == 0 and np.array_equal(a["tick_events"][1:], b["tick_events"][:-1])),
        "hops_equal_every_tick": bool(np.array_equal(a["tick_hops"], b["tick_hops"])),
    }
    cn, cs = nsim["counts"], sf["counts"]
    undelivered = cn["synaptic_events_undelivered_at_end"]
    counts = {
        "spikes": {"neurosim": cn["spikes"], "sanafe": cs["spikes"]},
        "neuron_updates": {"neurosim": cn["neuron_updates_active"] + cn["neuron_updates_idle"],
                           "sanafe": cs["neuron_updates"]},
        "packets": {"neurosim": cn["packets"], "sanafe": cs["packets"]},
        "hops": {"neurosim": cn["hops"], "sanafe": cs["hops"]},
        "synaptic_events": {"neurosim": cn["synaptic_events"], "sanafe": cs["synaptic_events"],
                            "neurosim_plus_undelivered_at_end": cn["synaptic_events"] + undelivered,
                            "sanafe_last_tick": cs["synaptic_events_last_tick"]},
    }
    for c in counts.values():
        c["equal"] = c.get("neurosim_plus_undelivered_at_end", c["neurosim"]) == c["sanafe"]
    counts["synaptic_events"]["note"] = ("equal once the events of the spikes of the last tick are added to "
                                         "neurosim's: neurosim delivers them at tick T, after the run, SANA-FE "
                                         "processes them in the last tick")
    # Energy by SANA-FE class; neurosim's static energy has no SANA-FE counterpart.
    ec = nsim["energy_J"]["by_class"]
    es = sf["energy_J"]
    pairs = {
        "synapse": (ec["synops"], es["synapse"], "synops"),
        "dendrite": (0.0, es["dendrite"], "(none: SANA-FE's Loihi dendrite costs 0 J)"),
        "soma": (ec["neuron_updates_active"] + ec["neuron_updates_idle"] + ec["spikes"], es["soma"],
                 "neuron_updates_active + neuron_updates_idle + spikes"),
        "network_messages": (ec["packets"], es["network_messages"], "packets"),
        "network_hops": (ec["hops_x"] + ec["hops_y"] + ec["chip_crossings"], es["network_hops"],
                         "hops_x + hops_y (+ chip_crossings: none on one chip)"),
        "network": (ec["packets"] + ec["hops_x"] + ec["hops_y"] + ec["chip_crossings"], es["network"],
                    "packets + hops_x + hops_y + chip_crossings"),
    }
    energy = {k: {"neurosim_J": v[0], "sanafe_J": v[1], "rel_diff": rel(v[0], v[1]), "neurosim_classes": v[2]}
              for k, v in pairs.items()}
    dyn = nsim["energy_J"]["dynamic"]
    e_synop = es["synapse"] / max(cs["synaptic_events"], 1)
    corrected = es["total"] - cs["synaptic_events_last_tick"] * e_synop
    energy["total"] = {
        "neurosim_J": nsim["energy_J"]["total"], "neurosim_dynamic_J": dyn, "neurosim_static_J": ec["static"],
        "sanafe_J": es["total"], "rel_diff_dynamic": rel(dyn, es["total"]),
        "within_2pct": abs(rel(dyn, es["total"])) <= 0.02,
        "sanafe_without_last_tick_synapses_J": corrected,
        "rel_diff_dynamic_boundary_corrected": rel(dyn, corrected),
        "rel_diff_with_static": rel(nsim["energy_J"]["total"], es["total"]),
    }
    # Latency: totals, and neurosim's total with SANA-FE's barrier (its step lookup of the same table).
    sync = parse_loihi_yaml(sanafe_loihi_yaml().read_text())["architecture"]["latency_sync"]
    table = [(int(k), float(v)) for k, v in sync]
    tiles = nsim["tiles_used"]
    b_sf = barrier_sanafe(tiles, table)
    lat_ns = nsim["latency_s"]["total"]
    lat_ns_b = lat_ns - ticks * (nsim["latency_s"]["barrier_per_tick"] - b_sf)
    tick_ns = a["tick_latency_s"] - nsim["latency_s"]["barrier_per_tick"]
    tick_sf = b["tick_sim_time_s"] - b_sf
    latency = {
        "sanafe_timing_model": sf["timing_model"],
        "sanafe_latency_message_in_override": sf["latency_message_in_override"],
        "neurosim_total_s": lat_ns, "sanafe_sim_time_s": sf["sim_time_s"], "rel_diff": rel(lat_ns, sf["sim_time_s"]),
        "barrier_per_tick_s": {"neurosim": nsim["latency_s"]["barrier_per_tick"], "sanafe": b_sf, "tiles": tiles},
        "neurosim_with_sanafe_barrier_s": lat_ns_b, "rel_diff_with_sanafe_barrier": rel(lat_ns_b, sf["sim_time_s"]),
        "per_tick_without_barrier": {
            "correlation": float(np.corrcoef(tick_ns, tick_sf)[0, 1]) if ticks > 1 else None,
            "median_ratio_neurosim_over_sanafe": float(np.median(tick_ns / tick_sf)),
        },
        "neurosim_compute_s": nsim["latency_s"]["compute_total"],
        "neurosim_network_s": nsim["latency_s"]["network_total"],
    }
    if sf["timing_model"] == "simple":
        # SANA-FE's formula on neurosim's counts reproduces SANA-FE's figure: the whole latency
        # difference lies in the two formulas, none in the counts.
        formula = sanafe_simple_latency(workdir, ticks, sf["latency_message_in_override"])
        latency["sanafe_simple_formula_on_neurosim_counts_s"] = float(formula.sum())
        latency["sanafe_simple_formula_max_tick_rel_diff"] = float(np.max(np.abs(formula - b["tick_sim_time_s"])
                                                                           / b["tick_sim_time_s"]))
    checks = {"counts_equal": all(c["equal"] for c in counts.values()), "per_tick_equal": all(per_tick.values()),
              "energy_within_2pct": energy["total"]["within_2pct"]}
    return {"checks": checks, "per_tick": per_tick, "counts": counts, "energy": energy, "latency": latency}


def differences(cmp_: dict, by_variant: dict, probe: dict, identity: dict) -> list[dict]:
    """The modelling differences found, each with its measured effect on this run."""
    c, e, lat = cmp_["counts"], cmp_["energy"], cmp_["latency"]
    same = "spikes identical" if identity["identical"] else f"SPIKES DIFFER from tick {identity['first_divergence']}"
    last = c["synaptic_events"]["sanafe_last_tick"]

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:+.1f} %"

    lat_lines = "; ".join(
        f"SANA-FE {v} ({r['latency']['sanafe_timing_model']}"
        f"{', receive latency 0' if r['latency']['sanafe_latency_message_in_override'] == 0 else ''}): "
        f"neurosim {pct(r['latency']['rel_diff'])}, {pct(r['latency']['rel_diff_with_sanafe_barrier'])} with "
        f"SANA-FE's barrier" for v, r in by_variant.items())
    return [
        {"what": "synaptic events at the end of the run",
         "effect": f"SANA-FE counts {c['synaptic_events']['sanafe'] - c['synaptic_events']['neurosim']} more "
                   f"synaptic events (those of the last tick's spikes: {last}) and their synapse energy "
                   f"({pct(e['total']['rel_diff_dynamic'])} in total energy; 0 after removing them)",
         "why": "SANA-FE processes a spike's synapses in the time step it is emitted and integrates the current at "
                "the next step; neurosim delivers a delay-1 spike at the next tick and counts the events then. The "
                f"dynamics are the same ({same}), but the events of the last tick's spikes fall after "
                "neurosim's run. Per tick, SANA-FE's events of tick t equal neurosim's of tick t + 1."},
        {"what": "static (leakage) energy",
         "effect": f"neurosim adds {e['total']['neurosim_static_J']:.4g} J of static energy "
                   f"(p_static_per_core_W x cores used x modelled time; {pct(e['total']['rel_diff_with_static'])} "
                   f"over SANA-FE's total) that SANA-FE does not model",
         "why": "SANA-FE's Loihi model has per-event energies only; loihi_sanafe's p_static_per_core_W (0.815 mW per "
                "core, assumed, from Frady et al. 2020) is neurosim's own. The energy comparison uses neurosim's "
                "dynamic energy (total - static)."},
        {"what": "time-step barrier",
         "effect": f"{lat['barrier_per_tick_s']['neurosim']:.4g} s per tick in neurosim, "
                   f"{lat['barrier_per_tick_s']['sanafe']:.4g} s in SANA-FE at {lat['barrier_per_tick_s']['tiles']} "
                   f"tiles",
         "why": "both use the table {1: 0.6, 2: 1.0, 4: 1.4, 29: 1.8} us by tiles used; SANA-FE takes the entry of the "
                "largest tile count <= tiles used (a step function), neurosim interpolates linearly between entries."},
        {"what": "latency model",
         "effect": lat_lines,
         "why": "Same counts, different formulas. neurosim, per tick: the busiest core's synaptic events x 3.8 ns + "
                "updates x 9.7 ns + spikes x 30 ns, summed (one core does its neuron and synapse work in sequence; "
                "the events are those delivered this tick, i.e. of the previous tick's spikes), plus the slowest "
                "packet (5.1 ns + 4.1 ns per x hop + 6.5 ns per y hop), plus the barrier. SANA-FE's simple model, per "
                "time step: neuron processing per core (6.0 ns per neuron + 3.7 ns per update + 30 ns per spike + "
                "5.1 ns per message sent) and message processing per receiving core (16 ns per message received + "
                "3.8 ns per synaptic event, for the spikes of the same step), the step lasting the larger of the two "
                "busiest cores (neuron and synapse work overlap) plus the barrier; evaluated on neurosim's counts "
                "this formula reproduces SANA-FE's simple figure tick by tick (sanafe_simple_formula_max_tick_rel_diff "
                "~1e-15). The detailed model (SANA-FE's default) schedules every message in order, a receiving core "
                "processing one message after the other, with NoC congestion estimates, which adds waiting time. "
                "loihi_sanafe has no field for SANA-FE's 16 ns message-receive latency (axon_in; variant *_rx0 sets "
                "it to 0 in SANA-FE): with it the receivers' synapse work outweighs neurosim's serialised core work, "
                "without it neurosim's sum of neuron and synapse work exceeds SANA-FE's maximum of the two. "
                "Energies do not depend on any of this."},
        {"what": "when a neuron update counts as active",
         "effect": "none on this workload (every neuron has a bias, so both update every neuron every tick); on "
                   f"update_rule_probe (no bias, {probe['neurons']} neurons, {probe['ticks']} ticks, spikes "
                   f"{'identical' if probe['spikes_equal_every_tick'] else 'DIFFERENT'}) neurosim counts "
                   f"{probe['difference']} more active updates than SANA-FE ({probe['updates_neurosim']} vs "
                   f"{probe['updates_sanafe']}: {probe['difference_tick0']} at tick 0, the rest from just-reset "
                   f"neurons), each explained tick by tick: "
                   f"{probe['difference_explained_every_tick']}",
         "why": "SANA-FE's LIF charges energy_update_neuron when |potential| > 0, an input arrived, the bias is "
                "non-zero or an update is forced; neurosim's loihi_cuba counts an active update when an input "
                "arrived or the input-free tick would change the state (u, v, refractory) or fire. They differ at "
                "tick 0 (neurosim updates every neuron once to apply its initial state and bias; SANA-FE leaves a "
                "neuron at 0 with no bias and no input idle), for a neuron without bias that starts a tick with "
                "v = 0 (just reset) and u != 0 and gets no input (the tick clears u: neurosim active, SANA-FE "
                "idle), and for a non-leaking (dv = 0) neuron holding v != 0 without input (SANA-FE active, "
                "neurosim idle). Each such update costs energy_update_neuron = 21.6 pJ in one and not the other."},
        {"what": "neuron arithmetic",
         "effect": f"none on this workload ({same})",
         "why": "SANA-FE's LIF works in float64 with the potential truncated to multiples of 1/64 after the leak; "
                "this equals Loihi's (Lava's) integer arithmetic while every weight and bias is a multiple of 1/64 "
                "and |v| < 2**23 (neurosim saturates v at 2**23 - 1, SANA-FE does not; neurosim wraps the current "
                "u at 24 bits). SANA-FE's LIF keeps no current between ticks unless input_decay > 0 (here 0, "
                "neurosim's du = 4095)."},
        {"what": "synaptic delays",
         "effect": "none: every delay is 1 tick",
         "why": "In SANA-FE 2.2.9 the default 'accumulator' dendrite ignores a synapse's 'delay' attribute (a spike "
                "of step t acts at t + 1 whatever the delay); the 'accumulator_with_delay' dendrite "
                "(loihi_dendrites_delay) applies it with an offset, a spike of step t acting at t + d + 2 (measured "
                "for d = 0..3). neurosim's delay d acts at tick t + d, so its delay d >= 2 is SANA-FE's d - 2 on the "
                "delay dendrite and its delay 1 is SANA-FE's plain accumulator. The workload keeps delay 1, the "
                "natural delay of both."},
    ]


# ---- driver --------------------------------------------------------------------------------------
# ---- SANA-FE's own example networks, read through neurosim's SANA-FE reader -----------------------------
EXAMPLES = {
    # name: (network file, architecture file, where they come from, time steps)
    "dvs_gesture": ("snn/dvs.yaml", "arch/loihi.yaml", "repo", 128),  # scripts/tcad2025/dvs_gesture.py: 128 steps
    "example_snn": ("example_snn.yaml", "example_chip.yaml", "wheel", 32),
    "conv": ("snn/conv.yaml", "arch/loihi.yaml", "repo", 100),  # no script runs it: 100 steps
}
EXAMPLE_CLASSES = {"synapse": ("synops",), "soma": ("neuron_updates_active", "neuron_updates_idle", "spikes"),
                   "network": ("packets", "hops_x", "hops_y", "chip_crossings")}
"""SANA-FE's energy classes as sums of neurosim's (synops: every synapse class, ``synops[...]`` included)."""


def example_paths(name: str, repo: str | None) -> tuple[str, str, int]:
    """The network and architecture files and the steps of example ``name``."""
    net, arch, where, ticks = EXAMPLES[name]
    if where == "wheel":
        from importlib.resources import files

        base = Path(str(files("sanafe.examples")))
    elif repo is None:
        raise SystemExit(f"example '{name}' needs a checkout of github.com/SLAM-Lab/SANA-FE (commit 8951ab0): "
                         f"pass --sanafe-repo PATH (it reads {net} and {arch} there)")
    else:
        base = Path(repo)
    return str(base / net), str(base / arch), ticks


def per_neuron_out_synapses(compiled) -> np.ndarray:
    """(N,) synapses of every neuron's delay segments: the synaptic events one of its spikes makes."""
    return np.bincount(compiled.segment_sources(), np.diff(compiled.seg_syn_ptr), minlength=compiled.n_neurons)


def worker_example_neurosim(net: str, arch: str, ticks: int, out: str) -> dict:
    """Load (``read_sanafe``), then simulate and cost (timed together, after an untimed warm-up; the
    cost under SANA-FE's update rule replays the populations for their membranes)."""
    import neurosim as ns
    from neurosim.cost_model.counting import profile_counts
    from neurosim.cost_model.synops import tally
    from neurosim.sanafe import read_sanafe

    # Warm-up (not timed): the Numba helpers of compile and placement, loaded from their cache, on the
    # wheel's small example (as the simulation is timed after a warm-up).
    small_net, small_arch, _ = example_paths("example_snn", None)
    t0 = time.perf_counter()
    read_sanafe(small_net, small_arch)
    warmup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = read_sanafe(net, arch)
    load_s = time.perf_counter() - t0
    placement, profile, c = model.placement, model.profile, model.placement.compiled

    def run(n: int):
        """Simulate and cost ``n`` ticks, as ``run_sanafe`` does; the simulation alone is timed too."""
        t = time.perf_counter()
        result = ns.simulate(c, n)
        simulate_s = time.perf_counter() - t
        return result, ns.cost(result, placement, profile, static=False), simulate_s

    run(2)  # warm-up (not timed): the Numba engine, cost()'s imports
    t0 = time.perf_counter()
    result, report, simulate_s = run(ticks)
    sim_s = time.perf_counter() - t0
    t_counts = profile_counts(tally(result, placement, placement.routes, per_tick=True), result, placement, profile)
    routes = placement.routes
    ids, tk = result.spike_ids, result.spike_ticks
    is_source = np.asarray(c.pop_model)[c.neuron_pop[ids]] < 0

    def per_tick(weights: np.ndarray) -> np.ndarray:
        return np.bincount(tk, weights, minlength=ticks).astype(np.int64)

    counts = dict(
        tick_spikes=result.counters.tick_spikes.astype(np.int64),
        # Active updates under SANA-FE's rule (the report's); SANA-FE counts a firing input neuron as updated.
        tick_updates=np.rint(t_counts.tick_active.sum(axis=1)).astype(np.int64) + per_tick(is_source.astype(float)),
        tick_packets=per_tick(routes.packets[ids].astype(float)),
        tick_hops=per_tick((routes.hops_x + routes.hops_y)[ids].astype(float)),
        tick_events=per_tick(per_neuron_out_synapses(c)[ids].astype(float)))  # at the spike tick, as SANA-FE
    np.savez(out, spike_ticks=tk, spike_ids=ids, **counts)
    by_class = report.energy.by_class()
    energy = {k: sum(v for name, v in by_class.items() if name.split("[")[0] in names)
              for k, names in EXAMPLE_CLASSES.items()}
    return {"load_s": load_s, "load_warmup_s": warmup_s, "sim_s": sim_s, "simulate_s": simulate_s,
            "neurons": int(c.n_neurons), "synapses": int(c.n_synapses),
            "cores": int(placement.n_cores_used), "energy_J": {**energy, "total": report.energy.total_J},
            "energy_by_class_J": by_class, "totals": {k: int(v.sum()) for k, v in counts.items()},
            "names": list(c.names), "pop_offset": c.pop_offset.tolist()}


def worker_example_sanafe(net: str, arch: str, ticks: int, out: str, check: bool = False) -> dict:
    """Load (``load_arch``, ``load_net``, ``SpikingChip.load``), then ``sim`` (one processing thread);
    ``check``: an untimed run that records the spike and message traces."""
    import sanafe

    t0 = time.perf_counter()
    chip_arch = sanafe.load_arch(arch)
    snet = sanafe.load_net(net, chip_arch)
    chip = sanafe.SpikingChip(chip_arch)
    chip.load(snet)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = chip.sim(ticks, perf_trace=True, processing_threads=1, spike_trace=check, message_trace=check)
    sim_s = time.perf_counter() - t0
    perf = r["perf_trace"]
    arrays = {f"tick_{k}": np.asarray(perf[v], np.int64)[:ticks]
              for k, v in (("spikes", "fired"), ("updates", "updated"), ("hops", "hops"), ("events", "spikes"))}
    if check:
        arrays["tick_packets"] = np.array([sum(not m["placeholder"] for m in step) for step in r["message_trace"]],
                                          np.int64)[:ticks]
        spikes = sorted((t, a.group_name, a.neuron_offset) for t, step in enumerate(r["spike_trace"]) for a in step)
        arrays["spikes"] = np.array([(t, int(k)) for t, _, k in spikes], np.int64).reshape(-1, 2)
        arrays["spike_groups"] = np.array([g for _, g, _ in spikes])
    np.savez(out, **arrays)
    energy = {k: float(v) for k, v in r["energy"].items()}
    return {"load_s": load_s, "sim_s": sim_s, "energy_J": energy, "packets": int(r["packets_sent"]),
            "totals": {k: int(v.sum()) for k, v in arrays.items() if k.startswith("tick_")}}


def compare_example(ns_run: dict, ns_file: str, sf_run: dict, sf_file: str, check_file: str, ticks: int,
                    check_ticks: int) -> dict:
    """Per-tick counts and energies of one neurosim run and one SANA-FE run, and the spike-for-spike check."""
    a, b, chk = np.load(ns_file), np.load(sf_file), np.load(check_file)
    out: dict = {"per_tick_equal": {}, "totals": {}, "first_difference_tick": {}}
    for key in ("tick_spikes", "tick_hops", "tick_events", "tick_updates"):
        equal = bool(np.array_equal(a[key], b[key]))
        out["per_tick_equal"][key[5:]] = equal
        out["totals"][key[5:]] = {"neurosim": int(a[key].sum()), "sanafe": int(b[key].sum())}
        if not equal:
            out["first_difference_tick"][key[5:]] = int(np.argmax(a[key] != b[key]))
    n = min(check_ticks, ticks)
    out["per_tick_equal"]["packets"] = bool(np.array_equal(a["tick_packets"][:n], chk["tick_packets"][:n]))
    out["packets_checked_ticks"] = n
    out["totals"]["packets"] = {"neurosim": int(a["tick_packets"].sum()), "sanafe": int(sf_run["packets"])}
    names, offsets = ns_run["names"], np.asarray(ns_run["pop_offset"])
    group = np.searchsorted(offsets, a["spike_ids"], side="right") - 1
    mine = sorted((int(t), names[g], int(i - offsets[g])) for t, g, i in zip(a["spike_ticks"], group, a["spike_ids"])
                  if t < n)
    theirs = sorted((int(t), str(g), int(k)) for (t, k), g in zip(chk["spikes"], chk["spike_groups"]) if t < n)
    out["spikes_identical_first_ticks"] = mine == theirs
    e_ns, e_sf = ns_run["energy_J"], sf_run["energy_J"]
    out["energy_J"] = {k: {"neurosim": e_ns[k], "sanafe": e_sf[k], "rel_diff": rel(e_ns[k], e_sf[k])}
                       for k in ("synapse", "soma", "network", "total")}
    return out


def run_examples(names: list[str], repo: str | None, repeats: int, check_ticks: int) -> dict:
    """Each example run both ways ``repeats`` times, alternating (neurosim, SANA-FE, neurosim, ...), each in
    a fresh process; then one untimed SANA-FE run with its spike and message traces for the checks."""
    out = {}
    for name in names:
        net, arch, ticks = example_paths(name, repo)
        with tempfile.TemporaryDirectory(prefix=f"vs_sanafe_{name}_") as workdir:
            runs: dict[str, list[dict]] = {"neurosim": [], "sanafe": []}
            for k in range(repeats):
                for who, worker in (("neurosim", "example_neurosim"), ("sanafe", "example_sanafe")):
                    log(f"{name}: {who} run {k + 1}/{repeats}")
                    runs[who].append(child(worker, net=net, arch=arch, ticks=ticks,
                                           out=str(Path(workdir) / f"{who}_{k}.npz")))
            log(f"{name}: SANA-FE check run (spike and message traces, untimed)")
            child("example_sanafe", net=net, arch=arch, ticks=min(ticks, check_ticks),
                  out=str(Path(workdir) / "check.npz"), check=True)
            cmp_ = compare_example(runs["neurosim"][0], str(Path(workdir) / "neurosim_0.npz"), runs["sanafe"][0],
                                   str(Path(workdir) / "sanafe_0.npz"), str(Path(workdir) / "check.npz"), ticks,
                                   check_ticks)
        med = {who: {k: float(np.median([r[k] for r in rs])) for k in ("load_s", "sim_s", "simulate_s") if k in rs[0]}
               for who, rs in runs.items()}
        first = runs["neurosim"][0]
        out[name] = {
            "files": {"network": net, "architecture": arch}, "ticks": ticks, "neurons": first["neurons"],
            "synapses": first["synapses"], "cores": first["cores"], "repeats": repeats,
            "median_s": med, "runs": runs,
            "sim_speed_ratio": med["sanafe"]["sim_s"] / med["neurosim"]["sim_s"],
            "sim_speed_ratio_simulate_only": med["sanafe"]["sim_s"] / med["neurosim"]["simulate_s"],
            "load_speed_ratio": med["sanafe"]["load_s"] / med["neurosim"]["load_s"],
            "comparison": cmp_,
        }
        log(f"{name}: sim x{out[name]['sim_speed_ratio']:.1f}, load x{out[name]['load_speed_ratio']:.1f}, "
            f"total energy rel. diff {cmp_['energy_J']['total']['rel_diff']}")
    return out


WORKERS = {"neurosim": worker_neurosim, "sanafe": worker_sanafe, "update_rule": worker_update_rule,
           "example_neurosim": worker_example_neurosim, "example_sanafe": worker_example_sanafe}


def child(worker: str, **kwargs) -> dict:
    cmd = [sys.executable, str(HERE), "--worker", worker, "--kwargs", json.dumps(kwargs)]
    log(f"{worker} {kwargs}")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{worker} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2,048 neurons, 205 k synapses, 300 ticks (< 1 minute)")
    ap.add_argument("--n", type=int, default=10_240, help="neurons (default 10,240)")
    ap.add_argument("--fanout", type=int, default=100, help="distinct targets per neuron (default 100)")
    ap.add_argument("--window", type=int, default=1536, help="targets lie within +-window neurons (default 1,536)")
    ap.add_argument("--neurons-per-core", type=int, default=128, help="fill placement (default 128: 80 cores)")
    ap.add_argument("--ticks", type=int, default=1000, help="time steps (default 1,000)")
    ap.add_argument("--warmup", type=int, default=20, help="neurosim warm-up ticks (not timed)")
    ap.add_argument("--sanafe-threads", type=int, default=1,
                    help="SANA-FE processing threads (default 1 like neurosim; 0: SANA-FE's default, all cores)")
    ap.add_argument("--sanafe-variants", default="detailed,simple,simple_rx0",
                    help=f"SANA-FE runs, the first is the reference (any of {', '.join(VARIANTS)})")
    ap.add_argument("--examples", default=None,
                    help=f"run SANA-FE's own example networks instead (comma-separated: {', '.join(EXAMPLES)}) "
                         f"through neurosim's SANA-FE reader with SANA-FE's mapping")
    ap.add_argument("--sanafe-repo", help="checkout of github.com/SLAM-Lab/SANA-FE at 8951ab0 (snn/dvs.yaml, "
                                          "snn/conv.yaml, arch/loihi.yaml) for --examples dvs_gesture and conv")
    ap.add_argument("--repeats", type=int, default=3, help="--examples: alternating runs of each simulator (default 3)")
    ap.add_argument("--check-ticks", type=int, default=16,
                    help="--examples: steps of the untimed SANA-FE run with spike and message traces (default 16)")
    add_worker_options(ap)
    args = ap.parse_args(argv)
    if run_worker(args, WORKERS):
        return
    if args.examples is not None:
        names = [n for n in args.examples.split(",") if n]
        unknown = sorted(set(names) - set(EXAMPLES))
        if unknown or not names:
            raise SystemExit(f"unknown examples {unknown}; choose from {', '.join(EXAMPLES)}")
        doc = {"schema": 1, "machine": machine_info("sanafe"),
               "timing": "medians of alternating runs, each in a fresh process; load: neurosim read_sanafe (network, "
                         "profile, placement compiled and checked; after an untimed read of the wheel's "
                         "example_snn that loads the Numba helpers from their cache: load_warmup_s) vs SANA-FE "
                         "load_arch + load_net + SpikingChip.load; sim: neurosim simulate + cost (SANA-FE's update "
                         "rule: the populations replayed for v), after an untimed warm-up, as run_sanafe does "
                         "(simulate_only: the simulation alone), vs SANA-FE sim (energy and detailed timing models "
                         "inside, 1 processing thread)",
               "counting": "neurosim under the reader's profile: SANA-FE's synapse units as synapse classes, "
                           "synaptic events at the spike tick, static energy off (SANA-FE models dynamic energy)",
               "examples": run_examples(names, args.sanafe_repo, args.repeats, args.check_ticks)}
        print(json.dumps(doc, indent=2))
        return
    if args.quick:
        args.n, args.fanout, args.window, args.neurons_per_core, args.ticks = 2048, 100, 512, 32, 300
    import importlib.util

    if importlib.util.find_spec("sanafe") is None:
        raise SystemExit("SANA-FE is not installed: pip install sanafe (or pip install '.[benchmark]')")
    variants = [v for v in args.sanafe_variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown or not variants:
        raise SystemExit(f"unknown SANA-FE variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}")
    with tempfile.TemporaryDirectory(prefix="vs_sanafe_") as workdir:
        t0 = time.perf_counter()
        net = build_network(args.n, args.fanout, args.window)
        np.savez(Path(workdir) / "network.npz", **net)
        log(f"network: {args.n} neurons, {net['pre'].size} synapses ({time.perf_counter() - t0:.1f} s)")
        nsim = child("neurosim", workdir=workdir, ticks=args.ticks, neurons_per_core=args.neurons_per_core,
                     warmup=args.warmup)
        runs = {v: child("sanafe", workdir=workdir, ticks=args.ticks, threads=args.sanafe_threads, variant=v)
                for v in variants}
        by_variant = {v: compare(workdir, nsim, sf, args.ticks) for v, sf in runs.items()}
        # The spike trace costs SANA-FE 10-25 % more run time, so the timed runs go without it and one
        # more run (the simple timing model: the neuron dynamics do not depend on the timing model)
        # records it for the spike-for-spike check.
        traced = child("sanafe", workdir=workdir, ticks=args.ticks, threads=args.sanafe_threads, variant="simple",
                       spike_trace=True)
        identity = spike_identity(workdir, args.ticks, "simple_spikes")
        traced_cmp = compare(workdir, nsim, traced, args.ticks)
    probe = child("update_rule")
    ref = variants[0]
    sf, cmp_ = runs[ref], by_variant[ref]
    cores = -(-args.n // args.neurons_per_core)
    ratios = {f"time_ratio_sanafe_{v}_over_neurosim": r["sim_wall_s"] / nsim["sim_wall_s"] for v, r in runs.items()}
    ratios.update({f"time_ratio_sanafe_{v}_over_neurosim_simulate_only": r["sim_wall_s"] / nsim["simulate_s"]
                   for v, r in runs.items()})
    doc = {
        "schema": 1, "machine": machine_info("sanafe"), "quick": args.quick,
        "network": {
            "n_neurons": args.n, "n_synapses": int(net["pre"].size), "fanout": args.fanout, "window": args.window,
            "excitatory_fraction": float(net["excitatory"].mean()),
            "weights": {"excitatory": W_EXC, "inhibitory": W_INH}, "delay_ticks": 1, "ticks": args.ticks,
            "neurons_per_core": args.neurons_per_core, "cores": cores, "tiles": -(-cores // CORES_PER_TILE),
            "neuron": {"neurosim": {"model": "loihi_cuba", "du": DU, "dv": DV, "vth": VTH,
                                    "bias_mant": [BIAS_LO, BIAS_HI], "bias_exp": 0},
                       "sanafe": {"model": "leaky_integrate_fire", "leak_decay": (4096 - DV) / 4096,
                                  "threshold": VTH, "bias": [BIAS_LO / 64, BIAS_HI / 64], "reset_mode": "hard",
                                  "reset": 0.0}},
            "spikes": nsim["counts"]["spikes"], "rate_per_tick": nsim["rate_per_tick"],
        },
        "mapping": {
            "neurosim": f"place(..., 'fill', neurons_per_core={args.neurons_per_core}) on loihi_sanafe",
            "sanafe": "neurosim core k at router (x, y) -> SANA-FE core 4 (4 x + y) + k % 4 of the wheel's "
                      "examples/loihi.yaml (its tile t sits at (t // 4, t % 4))",
            "unit_costs": unit_cost_check(),
            "energy_classes": {"synapse": "synops", "dendrite": "(none)",
                               "soma": "neuron_updates_active + neuron_updates_idle + spikes",
                               "network": "packets + hops_x + hops_y (+ chip_crossings)",
                               "(not modelled by SANA-FE)": "static"},
        },
        "neurosim": nsim, "sanafe": runs, "reference_variant": ref,
        "sanafe_spike_traced_run": traced,
        "spike_identity": {**identity, "sanafe_run": "simple timing model with spike_trace=True (untimed check)",
                           "run_checks": traced_cmp["checks"]},
        "comparison": cmp_,
        "comparison_by_variant": {v: {"checks": r["checks"], "latency": r["latency"]} for v, r in by_variant.items()},
        "update_rule_probe": probe,
        "differences": differences(cmp_, by_variant, probe, identity),
        "time_ratio_sanafe_over_neurosim": sf["sim_wall_s"] / nsim["sim_wall_s"], **ratios,
    }
    doc["checks"] = {
        "spikes_identical": identity["identical"],
        **{k: all(r["checks"][k] for r in [*by_variant.values(), traced_cmp]) for k in cmp_["checks"]},
        "update_rule_probe_spikes_equal": probe["spikes_equal_every_tick"],
        "update_rule_probe_difference_explained": probe["difference_explained_every_tick"],
        "neurosim_at_least_20x_faster": doc["time_ratio_sanafe_over_neurosim"] >= 20,
    }
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
