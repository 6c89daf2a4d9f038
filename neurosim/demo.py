"""The bundled default network that ``neurosim run`` simulates when no model is given.

A three-layer LIF network with per-synapse delays and a recurrent hidden layer, driven by seeded
Poisson input: small enough to run in seconds, rich enough to exercise every engine path
(zero-delay feed-forward edges, delay lines, recurrence). It is replaced by a bundled trained NIR
model once the NIR importer lands.
"""
from __future__ import annotations

import numpy as np

from neurosim.network import Network


def demo_network(seed: int = 0) -> Network:
    """Poisson(256) -> LIF hidden(512, recurrent, delays 1-8) -> LIF output(16), seeded."""
    rng = np.random.default_rng(seed)
    net = Network("demo")
    net.poisson("input", 256, p=0.02, seed=seed)
    net.population("hidden", 512, "lif", beta=0.95, v_th=1.0, reset="subtract")
    net.population("output", 16, "lif", beta=0.9, v_th=1.0)
    w_in = rng.normal(0.15, 0.1, (512, 256)) * (rng.random((512, 256)) < 0.2)
    net.connect("input", "hidden", weights=w_in, delays=rng.integers(1, 9, (512, 256)))
    w_rec = rng.normal(-0.05, 0.1, (512, 512)) * (rng.random((512, 512)) < 0.05)
    net.connect("hidden", "hidden", weights=w_rec, delays=1)
    w_out = rng.normal(0.05, 0.05, (16, 512)) * (rng.random((16, 512)) < 0.5)
    net.connect("hidden", "output", weights=w_out, delays=0)
    return net
