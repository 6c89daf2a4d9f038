"""Before the run: a network mapped onto a chip (placement under its capacities, routes on its mesh,
and the network transforms a chip imposes: weight quantisation, raised delays)."""
from neurosim.mapping.fixed import place_fixed
from neurosim.mapping.placement import Placement, list_strategies, place, register_strategy
from neurosim.mapping.routing import RouteTable, route

__all__ = ["Placement", "RouteTable", "list_strategies", "place", "place_fixed", "register_strategy", "route"]
