"""Neuron models: the registry and the built-in models (importing a module registers its model)."""
from neurosim.models.registry import (NeuronModel, Param, StateVar, get_model, list_models, register,
                                      registered_models)
from neurosim.models import lif  # noqa: F401  (registers "lif")
from neurosim.models import cuba_lif  # noqa: F401  (registers "cuba_lif")
from neurosim.models import cuba_li  # noqa: F401  (registers "cuba_li")
from neurosim.models import if_  # noqa: F401  (registers "if")
from neurosim.models import li  # noqa: F401  (registers "li" and "integrator")
from neurosim.models import loihi_cuba  # noqa: F401  (registers "loihi_cuba")
from neurosim.models import truenorth  # noqa: F401  (registers "truenorth")
from neurosim.models import alif  # noqa: F401  (registers "alif")
from neurosim.models import st_bif  # noqa: F401  (registers "st_bif")
from neurosim.models import ttfs  # noqa: F401  (registers "ttfs")
from neurosim.models import sliding_psn  # noqa: F401  (registers "sliding_psn")
from neurosim.models import masked_psn  # noqa: F401  (registers "masked_psn")
from neurosim.models import psn  # noqa: F401  (registers "psn")

__all__ = ["NeuronModel", "Param", "StateVar", "get_model", "list_models", "register", "registered_models"]
