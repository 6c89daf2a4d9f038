"""neurosim: an event-driven neuromorphic hardware simulator.

    >>> import neurosim as ns
    >>> net = ns.Network()
    >>> net.poisson("in", 100, p=0.05, seed=1)
    >>> net.population("hid", 50, "lif", beta=0.9, v_th=1.0)
    >>> net.connect("in", "hid", weights=0.2, delays=1)
    >>> result = ns.simulate(net, ticks=100)
"""
from neurosim.compile.compiled import CompiledNetwork, compile_network
from neurosim.cost_model import Report, compare, cost
from neurosim.engine.counters import Counters
from neurosim.engine import SimResult, Simulation, simulate
from neurosim.workflows.sweep import SweepResult, sweep
from neurosim.errors import ModelError, NeurosimError, ProfileError, SimulationInterrupted
from neurosim.chip import ChipProfile, list_chips, load_chip
from neurosim.nir import load_nir, save_nir, to_nir, with_inputs
from neurosim.models import NeuronModel, Param, StateVar, get_model, list_models, register
from neurosim.net.network import Network, PoissonSource, Population, Projection, SpikeArray, SpikeTimes

__version__ = "0.1.0"
__all__ = [
    "ChipProfile", "CompiledNetwork", "Counters", "ModelError", "Network", "NeuronModel", "NeurosimError",
    "Param", "PoissonSource", "Population", "ProfileError", "Projection", "Report", "SimResult", "Simulation",
    "SimulationInterrupted", "SpikeArray", "SpikeTimes", "StateVar", "SweepResult", "compare", "compile_network",
    "cost", "get_model", "list_chips", "list_models", "load_chip", "load_nir", "register", "save_nir", "simulate",
    "sweep", "to_nir", "with_inputs",
]
