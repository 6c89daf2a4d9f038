"""lower_delays: every delay of a projection shifted alike, relays above the chip's maximum, spikes preserved."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.errors import ModelError
from neurosim.mapping.delays import lower_delays

TICKS = 150


def random_network(seed: int, max_delay: int = 24) -> ns.Network:
    """Poisson input -> 3 to 5 LIF layers, forward and skip projections with per-synapse delays
    0..max_delay (DCLS-style), and self-recurrent projections with delays 1..max_delay."""
    rng = np.random.default_rng(seed)
    net = ns.Network(f"random{seed}")
    sizes = [int(rng.integers(10, 20))]
    net.poisson("in", sizes[0], p=0.15, seed=seed)
    names = ["in"]
    for k in range(int(rng.integers(3, 6))):
        size = int(rng.integers(8, 20))
        name = f"l{k}"
        net.population(name, size, "lif", beta=float(rng.uniform(0.7, 0.95)), v_th=1.0)
        for j, pre in enumerate(names):
            if j == len(names) - 1 or rng.random() < 0.4:  # the previous layer, and some skip connections
                mask = rng.random((size, sizes[j])) < 0.5
                weights = np.where(mask, rng.uniform(-0.2, 0.6, (size, sizes[j])), 0.0)
                net.connect(pre, name, weights=weights, delays=rng.integers(0, max_delay + 1, (size, sizes[j])))
        if rng.random() < 0.5:
            mask = rng.random((size, size)) < 0.2
            net.connect(name, name, weights=np.where(mask, rng.uniform(-0.5, 0.3, (size, size)), 0.0),
                        delays=rng.integers(1, max_delay + 1, (size, size)))
        names.append(name)
        sizes.append(size)
    return net


def assert_shifted(net, lowered, shift, ticks=TICKS, active=True):
    """Every population of ``net`` spikes as in ``lowered``, ``shift.latency`` ticks later."""
    before = ns.simulate(net, ticks)
    after = ns.simulate(lowered, ticks + shift.max_latency)
    total = 0
    for name in net.nodes:
        lat = shift.latency[name]
        a, b = before.spike_matrix(name), after.spike_matrix(name)
        np.testing.assert_array_equal(b[:lat], 0, err_msg=name)
        np.testing.assert_array_equal(b[lat:lat + ticks], a, err_msg=name)
        total += int(a.sum())
    if active:
        assert total > 200  # the comparison is not vacuous
    return after


@pytest.mark.parametrize("seed", range(12))
def test_uniform_shift_preserves_the_spikes_of_random_networks(seed):
    net = random_network(seed)
    lowered, shift = lower_delays(net, 1)
    assert shift.exact and shift.method == "shift" and not shift.relays
    for name, proj in lowered.projections.items():
        assert proj.delay.min() >= 1, name
        old, new = net.projections[name], proj
        np.testing.assert_array_equal(new.delay.astype(np.int64) - old.delay.astype(np.int64),
                                      shift.latency[old.post] - shift.latency[old.pre])  # one shift per projection
    assert_shifted(net, lowered, shift)


@pytest.mark.parametrize("seed", range(12))
def test_relays_on_a_truenorth_range_preserve_the_spikes(seed):
    net = random_network(seed)
    lowered, shift = lower_delays(net, 1, 15, relay_model="truenorth")
    assert shift.relays, "delays 0..24 need relays on a 1..15 range"
    for name, proj in lowered.projections.items():
        assert 1 <= proj.delay.min() and proj.delay.max() <= 15, name
    for name, size in shift.relays.items():
        assert lowered.nodes[name].size == size and lowered.nodes[name].model.name == "truenorth"
    after = assert_shifted(net, lowered, shift)
    relayed = sum(int(after.spike_matrix(name).sum()) for name in shift.relays)
    assert relayed > 0  # relays fire: their spikes are chip work


def test_relay_chain_by_hand():
    """One spike over delays 3, 20 and 40 on a 1..15 range: relays at +15 and +30, shared by the pre neuron."""
    net = ns.Network("hand")
    net.spike_times("in", 2, ticks=[0, 5], ids=[0, 1])
    net.population("out", 3, "if", v_th=0.5)
    net.connect_synapses("in", "out", [0, 0, 0, 1], [0, 1, 2, 2], 1.0, [3, 20, 40, 20])
    lowered, shift = lower_delays(net, 1, 15)
    assert shift.relays == {"in~relay1": 2, "in~relay2": 1}  # neuron 0 needs 2 relays (40 = 15 + 15 + 10), 1 one
    assert shift.relay_neurons == 3 and shift.latency["out"] == 0
    assert sorted(lowered.projections) == ["in->in~relay1", "in->out", "in->out~via1", "in->out~via2",
                                           "in~relay1->in~relay2"]
    np.testing.assert_array_equal(lowered.projections["in->out~via2"].delay, [10])
    np.testing.assert_array_equal(sorted(lowered.projections["in->out~via1"].delay), [5, 5])
    run = ns.simulate(lowered, 50)
    ticks, ids = np.nonzero(run.spike_matrix("out"))
    assert sorted(zip(ticks.tolist(), ids.tolist())) == [(3, 0), (20, 1), (25, 2), (40, 2)]
    assert run.spike_matrix("in~relay1").sum() == 2 and run.spike_matrix("in~relay2").sum() == 1
    assert "3 relay neuron(s) in 2 population(s) carry delays above 15" in shift.to_text()


def test_skip_connection_is_exact_where_raise_delays_is_not():
    net = ns.Network("skip")
    net.poisson("in", 6, p=0.3)
    for name in ("a", "b"):
        net.population(name, 6, "lif", beta=0.9, v_th=0.8)
    net.connect("in", "a", weights=np.full((6, 6), 0.3), delays=0)
    net.connect("a", "b", weights=np.full((6, 6), 0.3), delays=0)
    net.connect("in", "b", weights=np.full((6, 6), 0.2), delays=0)
    raised, old = ns.mapping.delays.raise_delays(net, 1)
    assert not old.exact
    lowered, shift = lower_delays(net, 1)
    assert shift.latency == {"in": 0, "a": 1, "b": 2} and shift.exact
    np.testing.assert_array_equal(lowered.projections["in->b"].delay, 2)  # raised by b's latency, not to 1
    assert_shifted(net, lowered, shift, active=False)


def test_long_delays_give_back_latency():
    """A projection with delays >= 5 absorbs its presynaptic layer's added tick (shift -1, not below min)."""
    net = ns.Network("slack")
    net.poisson("in", 4, p=0.5)
    net.population("a", 4, "lif", beta=0.9, v_th=0.5)
    net.population("b", 4, "lif", beta=0.9, v_th=0.5)
    net.connect("in", "a", weights=np.ones((4, 4)), delays=0)
    net.connect("a", "b", weights=np.ones((4, 4)), delays=np.full((4, 4), 5))
    lowered, shift = lower_delays(net, 1)
    assert shift.latency == {"in": 0, "a": 1, "b": 0}
    np.testing.assert_array_equal(lowered.projections["a->b"].delay, 4)
    assert_shifted(net, lowered, shift, active=False)


def test_refusals():
    net = random_network(0)
    with pytest.raises(ModelError, match="max_delay = 0 must be >= max"):
        lower_delays(net, 1, 0)
    with pytest.raises(ModelError, match="relay_model 'lif' is not one of"):
        lower_delays(net, 1, 15, relay_model="lif")
    loop = ns.Network("loop")
    loop.poisson("in", 2, p=0.5)
    loop.population("a", 2, "lif", beta=0.9, v_th=1.0)
    loop.connect("in", "a", weights=np.ones((2, 2)))
    loop.connect("a", "a", weights=np.ones((2, 2)), delays=0)
    with pytest.raises(ModelError, match="lower_delays: the raised synapses form a cycle through a"):
        lower_delays(loop, 1)
    graded = ns.Network("graded")
    graded.spike_times("in", 1, ticks=[0], ids=[0], values=[3.0])
    graded.population("a", 1, "if", v_th=0.5)
    graded.connect("in", "a", weights=1.0, delays=20)
    with pytest.raises(ModelError, match="'in' sends count-valued spikes over delays above the chip's 15 ticks"):
        lower_delays(graded, 1, 15)
    lower_delays(graded, 1, 20)  # within the range: no relay, nothing refused


def test_a_biased_population_is_named_inexact():
    net = ns.Network("bias")
    net.poisson("in", 3, p=0.5)
    net.population("a", 3, "lif", beta=0.9, v_th=1.0, bias=-0.1)
    net.population("b", 3, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=np.ones((3, 3)), delays=0)
    net.connect("a", "b", weights=np.ones((3, 3)), delays=0)
    _, shift = lower_delays(net, 1)
    assert shift.inexact == ("a",) and not shift.exact  # a runs one tick of bias alone; b starts at rest
    assert "populations a have a bias or start away from rest" in shift.to_text()
