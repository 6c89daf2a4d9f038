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
