"""Neuron models: the registry and the built-in models (importing a module registers its model)."""
from neurosim.models.registry import (NeuronModel, Param, StateVar, get_model, list_models, register,
                                      registered_models)
from neurosim.models import lif  # noqa: F401  (registers "lif")

__all__ = ["NeuronModel", "Param", "StateVar", "get_model", "list_models", "register", "registered_models"]
