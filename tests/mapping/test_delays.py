"""raise_delays: delays raised to the chip's minimum, the latency it adds, and its wiring."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.errors import DoesNotFitError, ModelError
from neurosim.mapping.delays import DelayShift, raise_delays
from neurosim.workflows.run import run_on_chip

TICKS = 120
# TrueNorth publishes no per-operation latency; these only let run_on_chip's latency model finish.
TN_LATENCY = {k: 0.0 for k in ("t_synop_s", "t_neuron_update_active_s", "t_neuron_update_idle_s", "t_spike_s",
                                 "t_hop_x_s", "t_packet_s")}


def chain(n_layers=3, recurrent=True, seed=0, size=20):
    """Poisson source -> l1 -> l2 -> ... (delay 0), with delay-1 and delay-2 recurrent projections."""
    rng = np.random.default_rng(seed)
    net = ns.Network("chain")
    net.poisson("in", 30, p=0.2, seed=seed)
    pre, n_pre = "in", 30
    for k in range(1, n_layers + 1):
        name = f"l{k}"
        net.population(name, size, "lif", beta=0.9, v_th=1.0)
        net.connect(pre, name, weights=rng.random((size, n_pre)) * 0.4, delays=0)
        pre, n_pre = name, size
    if recurrent:
        net.connect("l1", "l1", weights=(rng.random((size, size)) < 0.2) * 0.3, delays=1)
        net.connect(f"l{n_layers}", f"l{n_layers}", weights=(rng.random((size, size)) < 0.2) * -0.5, delays=2)
    return net


@pytest.mark.parametrize("recurrent", [False, True])
def test_feed_forward_spikes_are_shifted_by_the_added_latency(recurrent):
    net = chain(recurrent=recurrent)
    raised, shift = raise_delays(net, 1)
    assert shift.latency == {"in": 0, "l1": 1, "l2": 2, "l3": 3}
    assert shift.exact and shift.max_latency == 3
    before, after = ns.simulate(net, TICKS), ns.simulate(raised, TICKS)
    for pop in ("l1", "l2", "l3"):
        lat = shift.latency[pop]
        a, b = before.spike_matrix(pop), after.spike_matrix(pop)
        assert a.sum() > 10, pop  # the comparison is not vacuous
        np.testing.assert_array_equal(b[:lat], 0)
        np.testing.assert_array_equal(b[lat:], a[:TICKS - lat])
    np.testing.assert_array_equal(after.spike_matrix("in"), before.spike_matrix("in"))


def test_recurrent_delays_of_at_least_min_are_untouched():
    net = chain()
    raised, shift = raise_delays(net, 1)
    for name in ("l1->l1", "l3->l3"):
        assert raised.projections[name] is net.projections[name]
    np.testing.assert_array_equal(raised.projections["l3->l3"].delay, 2)
    assert set(shift.raised) == {"in->l1", "l1->l2", "l2->l3"}
    for name in shift.raised:
        np.testing.assert_array_equal(raised.projections[name].delay, 1)
        np.testing.assert_array_equal(net.projections[name].delay, 0)  # the input is not modified
        assert raised.projections[name].n_synapses == net.projections[name].n_synapses
    assert raised.nodes == net.nodes


def test_added_latency_by_hand():
    net = ns.Network("mixed")
    net.poisson("in", 4, p=0.5)
    for name in ("a", "b", "c", "d"):
        net.population(name, 4, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=0.5, delays=0)  # +1
    net.connect("a", "b", weights=0.5, delays=3)   # untouched: b gets a's +1 only
    net.connect("b", "c", weights=0.5, delays=0)   # +1 on b's +1
    net.connect("in", "d", weights=0.5, delays=0)  # +1 from the source ...
    net.connect("c", "d", weights=0.5, delays=0)   # ... and +1 on c's +2: longest path wins
    _, shift = raise_delays(net, 1)
    assert shift.latency == {"in": 0, "a": 1, "b": 1, "c": 2, "d": 3}
    assert shift.raised == {"in->a": 4 * 4, "b->c": 16, "in->d": 16, "c->d": 16}
    assert shift.inexact == ("in->d",) and not shift.exact  # the short path into d arrives early
    assert "d                    +3" in shift.to_text()

    _, shift2 = raise_delays(net, 2)  # a delay of 1 would get +1, a delay of 0 +2
    assert shift2.latency == {"in": 0, "a": 2, "b": 2, "c": 4, "d": 6}


def test_min_delay_one_on_a_graph_with_mixed_delays_per_synapse():
    net = ns.Network("perpre")
    net.poisson("in", 2, p=0.5)
    net.population("a", 2, "lif", beta=0.9, v_th=1.0)
    net.connect("in", "a", weights=np.ones((2, 2)), delays=np.array([[0, 1], [2, 0]]))
    raised, shift = raise_delays(net, 1)
    assert shift.latency["a"] == 1 and shift.raised == {"in->a": 2}
    assert sorted(raised.projections["in->a"].delay.tolist()) == [1, 1, 1, 2]
    assert not shift.exact  # the delay-1 and delay-2 synapses were not shifted with the others


def test_nothing_to_raise():
    net = chain(recurrent=True)
    raised, shift = raise_delays(raise_delays(net, 1)[0], 1)
    assert not shift.changed and shift.max_latency == 0 and shift.exact
    assert "no latency added" in shift.to_text()
    _, none = raise_delays(net, 0)
    assert none == DelayShift(0, {k: 0 for k in net.nodes}, {}, ())


def test_bad_min_delay_and_raised_cycle():
    net = chain()
    for bad in (-1, 1.5, True, "1"):
        with pytest.raises(ModelError, match="min_delay must be a non-negative integer"):
            raise_delays(net, bad)
    with pytest.raises(ModelError, match="raised synapses form a cycle through l1"):
        raise_delays(net, 2)  # l1 -> l1 has delay 1: raising it to 2 adds a tick every turn


def test_run_on_chip_raise_delays_on_truenorth():
    net = chain(recurrent=False, size=16)
    with pytest.raises(DoesNotFitError, match="--raise-delays"):
        run_on_chip(net, "truenorth", 40, fallbacks=TN_LATENCY)
    run = run_on_chip(net, "truenorth", 40, fallbacks=TN_LATENCY, raise_delays=True)
    assert run.delay_shift.latency == {"in": 0, "l1": 1, "l2": 2, "l3": 3}
    assert run.network.projections["in->l1"].delay.min() == 1
    plain = run_on_chip(net, "loihi_sanafe", 40, raise_delays=True)  # no delay_min_ticks: unchanged
    assert plain.delay_shift is None and plain.network is net


def test_cli_raise_delays(capsys):
    fallbacks = [a for k in TN_LATENCY for a in ("--fallback", f"{k}=0")]
    assert main(["run", "--chip", "truenorth", "--samples", "2", "--no-progress", "--keep-delays", *fallbacks]) == 2
    assert "--raise-delays" in capsys.readouterr().err
    for asked in (["--raise-delays"], []):  # `run` raises them unless --keep-delays
        assert main(["run", "--chip", "truenorth", "--samples", "2", "--no-progress", *asked, *fallbacks]) == 0
        out = capsys.readouterr().out
        assert "added latency per population" in out and "--keep-delays refuses instead" in out
        assert "lif1                 +1" in out and "lif2                 +2" in out
