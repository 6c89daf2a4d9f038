"""Capacity checks of a placement against a chip profile, and the smallest change that would fit.

Each check compares a count with one field of the :class:`~neurosim.chip.profile.ChipProfile`
(``None``: unlimited or unpublished, not checked). For neuron ``i`` on core ``core[i]`` (``-1``: a
spike source, which lives on the host), and a synapse ``s -> t``:

* ``neurons_per_core``: neurons on the core.
* ``axons_in_per_core``: distinct presynaptic neurons (sources included) with at least one synapse
  onto a neuron of the core, i.e. distinct ``(s, core[t])`` pairs per destination core. Davies et
  al. 2018 (IEEE Micro 38(1), p. 89, constraint 4) bound the input axons (fan-in distribution lists)
  of a Loihi core; TrueNorth's core has 256 axons, one per incoming source (Merolla et al. 2014, S1).
* ``fanout_edges_per_core``: distinct ``(s, core[t])`` pairs whose source ``s`` is on the core, its
  own core counted as a destination: one output-axon entry per neuron and destination core (Davies
  2018, p. 89, constraint 3, "core-to-core fan-out edges"; a target on the source's own core still
  needs its routing entry).
* ``fanout_cores_per_neuron``: distinct destination cores of one on-chip neuron (TrueNorth: 1).
* ``fanin_per_neuron``: synapses onto one neuron (each synapse is one input; duplicates count).
* ``synapse_memory_bits_per_core``: ``synapses onto the core's neurons x weight_bits`` (one weight
  per synapse, the dense format of Davies 2018 p. 89; index bits of sparse formats are not counted,
  so the check is optimistic for sparse layers). Exception, a **crossbar** core: when the memory
  equals ``axons_in_per_core x neurons_per_core`` bits (TrueNorth's 256 x 256 binary crossbar,
  Merolla 2014 S1), a core uses one bit per (input axon, neuron) pair, ``axons_in x neurons``,
  whatever its weights (the 9-bit weights live in the neuron parameters, one per axon type). Not
  checked when ``weight_bits`` is unpublished.
* ``delay_min_ticks`` / ``delay_max_ticks``: every synaptic delay lies in the range.
* ``cores``: the cores used must exist, ``cores_per_chip x chips_x x chips_y``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import numpy.typing as npt

from neurosim.compile.compiled import CompiledNetwork
from neurosim.errors import DoesNotFitError
from neurosim.chip.profile import ChipProfile

IntArray = npt.NDArray[np.int64]


def synapse_endpoints(compiled: CompiledNetwork) -> tuple[IntArray, IntArray]:
    """Global ids ``(pre, post)`` of every synapse, in the compiled order (``pre`` is nondecreasing)."""
    per_source = np.diff(compiled.seg_syn_ptr[compiled.fan_seg_ptr[compiled.src_fan_ptr]])
    pre = np.repeat(np.arange(compiled.n_neurons, dtype=np.int64), per_source)
    return pre, compiled.syn_target.astype(np.int64)


@dataclass(frozen=True, eq=False)
class Usage:
    """What one assignment of neurons to cores uses of each capacity.

    Per-core arrays have one entry per core id up to the highest one used (ids past the system's
    cores are possible here: the core-count check reports them).
    """

    neuron_core: IntArray  # (N,) core of each neuron, -1 for sources
    neurons: IntArray  # (C,)
    axons_in: IntArray  # (C,) distinct presynaptic neurons per destination core
    fanout_edges: IntArray  # (C,) distinct (neuron on the core, destination core) pairs
    synapses: IntArray  # (C,) synapses onto the core's neurons
    memory_bits: IntArray | None  # (C,) synaptic memory used; None when weight_bits is unpublished
    fanout_cores: IntArray  # (N,) distinct destination cores per neuron

    @property
    def n_cores_used(self) -> int:
        """Cores holding at least one neuron."""
        return int(np.count_nonzero(self.neurons))

    def peaks(self) -> dict[str, int]:
        """The largest use of each capacity, keyed by profile field (``"cores"``: cores used)."""
        on_chip = self.neuron_core >= 0
        out = {"cores": self.n_cores_used,
               "neurons_per_core": _peak(self.neurons), "axons_in_per_core": _peak(self.axons_in),
               "fanout_edges_per_core": _peak(self.fanout_edges),
               "fanout_cores_per_neuron": _peak(self.fanout_cores[on_chip])}
        if self.memory_bits is not None:
            out["synapse_memory_bits_per_core"] = _peak(self.memory_bits)
        return out


def _peak(a: np.ndarray) -> int:
    return int(a.max()) if a.size else 0


def measure(compiled: CompiledNetwork, pre: IntArray, post: IntArray, neuron_core: IntArray,
            profile: ChipProfile) -> Usage:
    """Count what ``neuron_core`` uses of each per-core and per-neuron capacity.

    Parameters
    ----------
    compiled : CompiledNetwork
        The network (only its size is used here).
    pre, post : ndarray of int64
        Synapse endpoints from :func:`synapse_endpoints`.
    neuron_core : ndarray of int64, shape (N,)
        Core of each neuron; ``-1`` for spike sources.
    profile : ChipProfile
        Gives ``weight_bits`` and the crossbar rule of the memory accounting.
    """
    n_slots = max(int(neuron_core.max(initial=-1)) + 1, 1)
    neurons = np.bincount(neuron_core[neuron_core >= 0], minlength=n_slots)
    post_core = neuron_core[post]
    # Synapses are grouped by source with cores in sorted runs, so the stable sort (timsort) is close to linear.
    key = np.sort(pre * n_slots + post_core, kind="stable")
    distinct = np.ones(key.size, dtype=bool)
    distinct[1:] = key[1:] != key[:-1]
    pair_pre, pair_core = np.divmod(key[distinct], n_slots)
    axons_in = np.bincount(pair_core, minlength=n_slots)
    pre_core = neuron_core[pair_pre]
    fanout_edges = np.bincount(pre_core[pre_core >= 0], minlength=n_slots)
    synapses = np.bincount(post_core, minlength=n_slots)
    if _is_crossbar(profile):
        memory = axons_in * neurons
    elif profile.weight_bits is not None:
        memory = synapses * profile.weight_bits
    else:
        memory = None
    fanout_cores = np.bincount(pair_pre, minlength=compiled.n_neurons)
    return Usage(neuron_core, neurons, axons_in, fanout_edges, synapses, memory, fanout_cores)


def _is_crossbar(profile: ChipProfile) -> bool:
    """Whether the synapse memory is a dense binary crossbar of input axons x neurons (TrueNorth)."""
    parts = (profile.synapse_memory_bits_per_core, profile.axons_in_per_core, profile.neurons_per_core)
    return None not in parts and parts[0] == parts[1] * parts[2]


# -- placement-independent checks -------------------------------------------------------------------


def network_peaks(compiled: CompiledNetwork, post: IntArray) -> dict[str, int]:
    """The network's extreme delays and largest fan-in, keyed by profile field."""
    fanin = np.bincount(post, minlength=compiled.n_neurons)
    delays = compiled.seg_delay
    return {"delay_min_ticks": int(delays.min(initial=0)), "delay_max_ticks": int(delays.max(initial=0)),
            "fanin_per_neuron": int(fanin.max(initial=0))}


def network_errors(compiled: CompiledNetwork, profile: ChipProfile, post: IntArray) -> list[DoesNotFitError]:
    """Every delay and fan-in limit the network breaks, which no placement can change: one error per
    projection (delays) and per population (fan-in), in network order, each naming the item, the
    limit and the fix."""
    chip = profile.name
    low, high = profile.delay_min_ticks, profile.delay_max_ticks
    errors = []
    for name, proj in compiled.network.projections.items():
        if low is not None and proj.n_synapses and proj.delay.min() < low:
            got = int(proj.delay.min())
            errors.append(DoesNotFitError(
                f"projection '{name}': {int(np.count_nonzero(proj.delay < low))} synapses have delay {got} ticks, "
                f"below {chip}'s delay_min_ticks = {low} (the chip cannot deliver a spike within the tick it was "
                f"sent); give them delays >= {low}, so that each zero-delay layer takes one tick more: "
                f"`neurosim run` does that unless given --keep-delays, `neurosim sweep --raise-delays` and "
                f"raise_delays=True in run_on_chip, run_nir and sweep do too, and report the latency added per layer",
                limit="delay_min_ticks", needed=got, available=low))
        if high is not None and proj.n_synapses and proj.delay.max() > high:
            got = int(proj.delay.max())
            errors.append(DoesNotFitError(
                f"projection '{name}': {int(np.count_nonzero(proj.delay > high))} synapses have delays up to "
                f"{got} ticks, {got - high} over {chip}'s delay_max_ticks = {high}; shorten them to <= {high}, "
                f"or relay the spikes through intermediate neurons (each relay adds up to {high} ticks): "
                f"--raise-delays (raise_delays=True) adds the relays and counts them as chip work",
                limit="delay_max_ticks", needed=got, available=high))
    fanin = np.bincount(post, minlength=compiled.n_neurons)
    limit = profile.fanin_per_neuron
    if limit is not None and fanin.max(initial=0) > limit:
        for pop in np.unique(compiled.neuron_pop[fanin > limit]):
            part = compiled.pop_slice(compiled.names[pop])
            i = part.start + int(np.argmax(fanin[part] > limit))
            over = _plural(int(np.count_nonzero(fanin[part] > limit)), "neuron")
            errors.append(DoesNotFitError(
                f"population '{compiled.names[pop]}': {over} with more than "
                f"{limit} presynaptic inputs (neuron {i - int(compiled.pop_offset[pop])} has {int(fanin[i])}, "
                f"{int(fanin[i]) - limit} over {chip}'s fanin_per_neuron = {limit}); reduce their fan-in to {limit}: "
                f"prune synapses, or sum the inputs through a tree of intermediate neurons",
                limit="fanin_per_neuron", needed=int(fanin.max()), available=limit))
    return errors


# -- placement checks ---------------------------------------------------------------------------------

_PER_CORE = (
    ("axons_in_per_core", "axons_in", "receives spikes from {used} distinct presynaptic neurons (input axons)",
     "reduce the number of distinct presynaptic neurons of"),
    ("fanout_edges_per_core", "fanout_edges",
     "sends {used} fan-out edges (distinct pairs of a neuron on it and a destination core)",
     "reduce the fan-out of"),
    ("synapse_memory_bits_per_core", "memory_bits", "needs {used} bits of synaptic memory ({detail})",
     "reduce the synapses or weight_bits of"),
)
"""(profile field, Usage attribute, what a core does, the fix when no neurons_per_core helps)."""


def fit_errors(usage: Usage, compiled: CompiledNetwork, profile: ChipProfile, n_cores: int,
               neurons_per_core: int | None, retry: Callable[[int], Usage] | None) -> list[DoesNotFitError]:
    """Every capacity ``usage`` exceeds: the destination cores of a neuron, then one error per per-core
    limit, in the order of ``_PER_CORE``, each naming the core, the limit and the fix.

    Parameters
    ----------
    usage : Usage
        What the placement uses.
    compiled : CompiledNetwork
        The network, for names.
    profile : ChipProfile
        The limits.
    n_cores : int
        Cores in the whole system.
    neurons_per_core : int or None
        The capacity the strategy filled cores to (``None``: unlimited).
    retry : callable or None
        ``retry(k)`` is the :class:`Usage` of the same strategy with ``neurons_per_core=k``; used
        to find the largest ``k`` that fits when a per-core limit is exceeded. ``None`` for a fixed
        placement, which neurosim cannot refill: the fix then names the core to relieve.

    Raises
    ------
    DoesNotFitError
        When the placement needs more cores than the system has: a core that does not exist has no
        place on the mesh, so no policy maps it.
    """
    if usage.neurons.size > n_cores:
        _too_many_cores(usage, compiled, profile, n_cores, neurons_per_core)
    errors = [err for err in (_fanout_cores_error(usage, compiled, profile),) if err is not None]
    over = _per_core_violations(usage, profile)
    fix_cache: dict[str, str] = {}
    for k, (field, attr, doing, no_fix) in enumerate(over):
        limit = getattr(profile, field)
        used = getattr(usage, attr)
        core = int(np.argmax(used > limit))
        detail = _memory_detail(usage, profile, core) if attr == "memory_bits" else ""
        pops = _populations_on(usage, compiled, core)
        if retry is None:
            fix = f"the placement is fixed: move neurons off core {core}, or {no_fix} {pops}"
        else:
            if "fix" not in fix_cache:
                fix_cache["fix"] = _smaller_capacity_fix(usage, profile, n_cores, neurons_per_core, retry, no_fix,
                                                         pops)
            fix = fix_cache["fix"] if k == 0 else f"{no_fix} {pops}, or place with a smaller neurons_per_core"
        where = _plural(int(np.count_nonzero(used > limit)), "core")
        also = "".join(f"; also over {f}" for f, *_ in over[1:]) if k == 0 else ""
        errors.append(DoesNotFitError(
            f"core {core} ({pops}) {doing.format(used=int(used[core]), detail=detail)}, "
            f"{int(used[core]) - limit} over {profile.name}'s {field} = {limit} (on {where}{also}); {fix}",
            limit=field, needed=int(used.max()), available=limit))
    return errors


def _smaller_capacity_fix(usage: Usage, profile: ChipProfile, n_cores: int, neurons_per_core: int | None,
                          retry: Callable[[int], Usage], no_fix: str, pops: str) -> str:
    """The largest ``neurons_per_core`` below the one used that keeps every per-core limit, as a fix."""
    start = neurons_per_core or int(usage.neurons.max())
    best = _largest_fitting(start, lambda k: _fits_placement(retry(k), profile))
    if best is None:
        return f"no smaller neurons_per_core keeps every limit: {no_fix} {pops}"
    needed = retry(best).n_cores_used
    fix = f"smallest change: place with neurons_per_core={best} (needs {needed} cores"
    return fix + (f"; {_more_chips(profile, needed)})" if needed > n_cores else ")")


def _per_core_violations(usage: Usage, profile: ChipProfile) -> list[tuple[str, str, str, str]]:
    out = []
    for entry in _PER_CORE:
        limit, used = getattr(profile, entry[0]), getattr(usage, entry[1])
        if limit is not None and used is not None and used.max(initial=0) > limit:
            out.append(entry)
    return out


def _fits_placement(usage: Usage, profile: ChipProfile) -> bool:
    """Whether ``usage`` keeps every limit a placement can change (the core count aside)."""
    limit = profile.fanout_cores_per_neuron
    spread = limit is not None and bool(np.any(usage.fanout_cores[usage.neuron_core >= 0] > limit))
    return not spread and not _per_core_violations(usage, profile)


def _largest_fitting(start: int, fits: Callable[[int], bool]) -> int | None:
    """The largest ``k < start`` with ``fits(k)``, by bisection (fitting is close to monotone in ``k``)."""
    lo, hi, best = 1, start - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(mid):
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    return best


def _too_many_cores(usage: Usage, compiled: CompiledNetwork, profile: ChipProfile, n_cores: int,
                    neurons_per_core: int | None) -> None:
    needed = usage.n_cores_used
    fixes = [_more_chips(profile, needed)]
    widest = profile.neurons_per_core
    placed = int(np.count_nonzero(usage.neuron_core >= 0))
    if widest is not None and neurons_per_core is not None and neurons_per_core < widest:
        least = _plural(math.ceil(placed / widest), "core")
        fixes.append(f"or neurons_per_core={widest}, the chip's maximum (at least {least})")
    else:
        fixes.append("fewer neurons per core would need more cores, not fewer")
    if neurons_per_core is not None:
        sizes = np.where(compiled.pop_model >= 0, np.diff(compiled.pop_offset), 0)
        largest = int(np.argmax(sizes))
        fixes.append(f"or remove {placed - n_cores * neurons_per_core} neurons (e.g. from population "
                     f"'{compiled.names[largest]}', {int(sizes[largest])} neurons)")
    chips = profile.chips_x * profile.chips_y
    raise DoesNotFitError(
        f"the network needs {needed} cores at {neurons_per_core or 'unlimited'} neurons per core; {profile.name} has "
        f"{n_cores} ({profile.cores_per_chip} per chip x {_plural(chips, 'chip')}): " + "; ".join(fixes),
        limit="cores", needed=needed, available=n_cores)


def _more_chips(profile: ChipProfile, cores: int) -> str:
    chips = math.ceil(cores / profile.cores_per_chip)
    chips_x = math.ceil(chips / profile.chips_y)
    return f"use {chips_x * profile.chips_y} chips (profile.replace(chips_x={chips_x}))"


def _fanout_cores_error(usage: Usage, compiled: CompiledNetwork, profile: ChipProfile) -> DoesNotFitError | None:
    limit = profile.fanout_cores_per_neuron
    if limit is None:
        return None
    excess = np.where(usage.neuron_core >= 0, usage.fanout_cores - limit, 0)
    if excess.max(initial=0) <= 0:
        return None
    i = int(np.argmax(excess > 0))
    pop = int(compiled.neuron_pop[i])
    over = _plural(int(np.count_nonzero(excess[compiled.pop_slice(compiled.names[pop])] > 0)), "neuron")
    return DoesNotFitError(
        f"population '{compiled.names[pop]}': {over} sending spikes to more than "
        f"{_plural(limit, 'core')} (neuron {i - int(compiled.pop_offset[pop])} to "
        f"{int(usage.fanout_cores[i])}), but {profile.name} sends each neuron's spikes to at most {limit} "
        f"(fanout_cores_per_neuron); neurosim inserts no relays: add a splitter population that copies each such "
        f"neuron once per extra destination core ({int(excess[excess > 0].sum())} splitter neurons in all, one "
        f"tick more latency; Merolla et al. 2014, Suppl. S4), or give each neuron targets that fit on "
        f"{_plural(limit, 'core')}",
        limit="fanout_cores_per_neuron", needed=int(usage.fanout_cores.max()), available=limit)


def _memory_detail(usage: Usage, profile: ChipProfile, core: int) -> str:
    if _is_crossbar(profile):
        return (f"a crossbar of {int(usage.axons_in[core])} input axons x {int(usage.neurons[core])} neurons, "
                f"1 bit each")
    return f"{int(usage.synapses[core])} synapses x {profile.weight_bits} weight bits"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _populations_on(usage: Usage, compiled: CompiledNetwork, core: int) -> str:
    pops = np.unique(compiled.neuron_pop[usage.neuron_core == core])
    return f"population{'s' if pops.size > 1 else ''} " + ", ".join(f"'{compiled.names[p]}'" for p in pops)
