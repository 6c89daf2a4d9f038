"""What is simulated, hardware-free: populations, projections and spike sources."""
from neurosim.net.network import Network, PoissonSource, Population, Projection, SpikeArray, SpikeSource, SpikeTimes

__all__ = ["Network", "PoissonSource", "Population", "Projection", "SpikeArray", "SpikeSource", "SpikeTimes"]
