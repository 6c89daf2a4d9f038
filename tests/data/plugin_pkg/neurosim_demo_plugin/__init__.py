"""A neurosim plugin package: the entry point ``refractory_if`` names :mod:`.refractory_if`, which
registers the model."""
