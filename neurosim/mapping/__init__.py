"""Before the run: a network mapped onto a chip (placement under its capacities, routes on its mesh,
the checks of what the chip runs natively, and the network transforms a chip imposes: weight
quantisation, delays lowered onto its range)."""
from neurosim.mapping.delays import lower_delays
from neurosim.mapping.fixed import place_fixed
from neurosim.mapping.placement import Placement, list_strategies, place, register_strategy
from neurosim.mapping.routing import RouteTable, route
from neurosim.mapping.violations import Violation

__all__ = ["Placement", "RouteTable", "Violation", "list_strategies", "lower_delays", "place", "place_fixed",
           "register_strategy", "route"]
