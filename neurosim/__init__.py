"""neurosim: an event-driven neuromorphic hardware simulator.

    >>> import neurosim as ns
    >>> net = ns.Network()
    >>> net.poisson("in", 100, p=0.05, seed=1)
    >>> net.population("hid", 50, "lif", beta=0.9, v_th=1.0)
    >>> net.connect("in", "hid", weights=0.2, delays=1)
    >>> result = ns.simulate(net, ticks=100)
"""
from neurosim._version import __version__
from neurosim.chip import ChipProfile, list_chips, load_chip
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.cost_model import Report, compare, cost
from neurosim.engine import SimResult, Simulation, simulate
from neurosim.engine.counters import Counters
from neurosim.errors import ModelError, NeurosimError, ProfileError, SimulationInterrupted
from neurosim.models import NeuronModel, NirReader, Param, StateVar, get_model, list_models, load_plugin, register
from neurosim.net.network import Network, PoissonSource, Population, Projection, SpikeArray, SpikeTimes
from neurosim.net.ttfs_coding import first_spike_ticks, latency_encode, latency_ticks, ttfs_classify
from neurosim.nir import load_nir, save_nir, to_nir, with_inputs
from neurosim.workflows.options import RunOptions
from neurosim.workflows.run import ChipRun, NirRun, run_nir, run_on_chip
from neurosim.workflows.sanafe import SanafeRun, run_sanafe
from neurosim.workflows.sweep import SweepResult, sweep

__all__ = [
    "ChipProfile", "ChipRun", "CompiledNetwork", "Counters", "ModelError", "Network", "NeuronModel", "NeurosimError",
    "NirReader", "NirRun", "Param", "PoissonSource", "Population", "ProfileError", "Projection", "Report", "RunOptions",
    "SanafeRun", "SimResult", "Simulation", "SimulationInterrupted", "SpikeArray", "SpikeTimes", "StateVar",
    "SweepResult", "__version__", "compare", "compile_network", "cost", "first_spike_ticks", "get_model",
    "latency_encode", "latency_ticks", "list_chips", "list_models", "load_chip", "load_nir", "load_plugin", "register",
    "run_nir", "run_on_chip", "run_sanafe", "save_nir", "simulate", "sweep", "to_nir", "ttfs_classify", "with_inputs",
]
