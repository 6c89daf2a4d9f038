"""What a run of the engine hands back: :class:`SimResult` for a whole run, :class:`Chunk` for each part.

Ticks in both count from the start of the run that produced them (tick 0 is the first tick of the run);
``SimResult.start_tick`` says where that run began in the simulation's time (see
:class:`~neurosim.engine.simulation.Simulation`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from neurosim.compile.compiled import CompiledNetwork
from neurosim.engine.counters import Counters
from neurosim.errors import ModelError


@dataclass(frozen=True, eq=False)
class Chunk:
    """What one chunk of ticks ``[t0, t1)`` produced, handed to ``run(on_chunk=...)``.

    The arrays are views valid only during the call (copy what you keep): the chunk's spikes in
    emission order, the probed states ``(t1 - t0, n_probed, n_state)``, the per-tick counters
    of :class:`~neurosim.engine.counters.Counters` for these ticks (``tick_events``, ``tick_updates``,
    ``tick_spikes``, ``tick_packets``, and ``tick_group_events``, ``tick_group_updates`` of shape
    ``(t1 - t0, G)``, handed over even when the run does not keep them), and ``pop_forced_updates``
    (P,): the probe-forced updates of each population in these ticks.
    """

    t0: int
    t1: int
    spike_ticks: np.ndarray
    spike_ids: np.ndarray
    spike_values: np.ndarray
    probes: np.ndarray
    per_tick: dict
    pop_forced_updates: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class SimResult:
    """Spikes, probed states and counters of one run."""

    compiled: CompiledNetwork = field(repr=False)
    ticks: int
    # Spikes in emission order: by tick, then processing order of populations, then neuron id.
    spike_ticks: np.ndarray = field(repr=False)  # (n_spikes,) from the start of the run
    spike_ids: np.ndarray = field(repr=False)  # (n_spikes,) global neuron ids
    spike_values: np.ndarray = field(repr=False)  # (n_spikes,) spike values (docs/semantics.md section 4)
    probes: dict = field(repr=False)  # population name -> (ticks, size, n_state) float64
    counters: Counters = field(repr=False)
    wall_s: float = 0.0
    interrupted: bool = False
    start_tick: int = 0  # the simulation's tick when the run began (0 after a reset)

    @classmethod
    def concatenate(cls, runs: Sequence["SimResult"]) -> "SimResult":
        """The runs back to back as one run of their summed ticks, starting where the first one did.

        Spike ticks are shifted by the ticks of the runs before them, probes and per-tick counters
        joined, totals summed (:meth:`Counters.concatenate`). The runs share one compiled network
        and one set of probes: those of one :class:`~neurosim.engine.simulation.Simulation`.
        """
        if not runs:
            raise ModelError("SimResult.concatenate needs at least one run")
        offsets = np.cumsum([0] + [r.ticks for r in runs])
        probes = {k: np.concatenate([r.probes[k] for r in runs]) for k in runs[0].probes}
        return cls(runs[0].compiled, int(offsets[-1]),
                   np.concatenate([r.spike_ticks + o for r, o in zip(runs, offsets)]),
                   np.concatenate([r.spike_ids for r in runs]), np.concatenate([r.spike_values for r in runs]),
                   probes, Counters.concatenate([r.counters for r in runs]), float(sum(r.wall_s for r in runs)),
                   any(r.interrupted for r in runs), runs[0].start_tick)

    def spikes(self, population: str) -> tuple[np.ndarray, np.ndarray]:
        """(ticks, neuron indices within the population) of ``population``'s spikes."""
        sl = self.compiled.pop_slice(population)
        mask = (self.spike_ids >= sl.start) & (self.spike_ids < sl.stop)
        return self.spike_ticks[mask], self.spike_ids[mask] - sl.start

    def first_spike_ticks(self, population: str) -> np.ndarray:
        """``[size]`` tick of each neuron's first spike in this run, or :attr:`ticks` (the window end) if none.

        The decoder of time-to-first-spike codes (``neurosim.net.ttfs_coding``; for a run of many samples,
        decode each sample's result or the ``[B, T, N]`` outputs with ``first_spike_ticks``).
        """
        sl = self.compiled.pop_slice(population)
        ticks, ids = self.spikes(population)
        out = np.full(sl.stop - sl.start, self.ticks, dtype=np.int64)
        np.minimum.at(out, ids, ticks.astype(np.int64))
        return out

    def spike_matrix(self, population: str) -> np.ndarray:
        """``[ticks, size]`` array of spike values of ``population`` (0 where it did not fire)."""
        sl = self.compiled.pop_slice(population)
        out = np.zeros((self.ticks, sl.stop - sl.start))
        mask = (self.spike_ids >= sl.start) & (self.spike_ids < sl.stop)
        out[self.spike_ticks[mask], self.spike_ids[mask] - sl.start] = self.spike_values[mask]
        return out

    def state(self, population: str, variable: str) -> np.ndarray:
        """``[ticks, size]`` values of a probed state variable after each tick."""
        if population not in self.probes:
            raise ModelError(f"population '{population}' was not probed; pass probe=['{population}'] to simulate")
        model = self.compiled.network.nodes[population].model
        if variable not in model.state_names:
            raise ModelError(f"model '{model.name}' has no state '{variable}' (has: {', '.join(model.state_names)})")
        return self.probes[population][:, :, model.state_names.index(variable)]
