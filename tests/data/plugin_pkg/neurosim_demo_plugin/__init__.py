"""A neurosim plugin package: its entry point ``refractory_if`` names :mod:`.refractory_if`, which registers the model."""
