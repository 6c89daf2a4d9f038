"""Small networks shared by several test modules (module-level functions, so that process pools and
Dask workers can unpickle them as sweep builders)."""
from __future__ import annotations

import numpy as np

from neurosim import Network


def poisson_network() -> Network:
    """40 Poisson inputs -> 24 LIF (delay 1) -> 6 LIF (delay 2)."""
    net = Network("poisson")
    net.poisson("in", 40, p=0.2, seed=3)
    net.population("h", 24, "lif", beta=0.9, v_th=1.0)
    net.population("o", 6, "lif", beta=0.9, v_th=1.0)
    rng = np.random.default_rng(7)
    net.connect("in", "h", weights=rng.uniform(0, 0.5, (24, 40)) * (rng.random((24, 40)) < 0.5), delays=1)
    net.connect("h", "o", weights=rng.uniform(0, 1.0, (6, 24)), delays=2)
    return net


def recurrent_network() -> Network:
    """Poisson input, a recurrent hidden layer with delays 1-3, a zero-delay readout."""
    rng = np.random.default_rng(11)
    net = Network("recurrent")
    net.poisson("in", 30, p=0.15, seed=5)
    net.population("h", 40, "lif", beta=0.9, v_th=1.0)
    net.population("o", 7, "lif", beta=0.8, v_th=1.0)
    net.connect("in", "h", weights=rng.uniform(0, 0.6, (40, 30)) * (rng.random((40, 30)) < 0.4),
                delays=rng.integers(1, 4, (40, 30)))
    net.connect("h", "h", weights=rng.uniform(-0.3, 0.4, (40, 40)) * (rng.random((40, 40)) < 0.2),
                delays=rng.integers(1, 4, (40, 40)))
    net.connect("h", "o", weights=rng.uniform(0, 0.8, (7, 40)), delays=0)
    return net


def demo_network(seed: int = 0) -> Network:
    """A three-layer LIF network with per-synapse delays and a recurrent hidden layer, driven by seeded
    Poisson input (every engine path: zero-delay edges, delay lines, recurrence):
    Poisson(256) -> LIF hidden(512, recurrent, delays 1-8) -> LIF output(16), seeded."""
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
