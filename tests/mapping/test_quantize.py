"""Weight quantisation: exact levels, the error report, and its effect through the engine."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.mapping.quantize import quantize_weights


def two_layer(weights):
    net = ns.Network()
    net.spike_times("in", weights.shape[1], ticks=[0] * weights.shape[1], ids=np.arange(weights.shape[1]))
    net.population("out", weights.shape[0], "lif", beta=0.5, v_th=100.0)
    net.connect("in", "out", weights=weights, delays=1)
    return net


def test_signed_levels_by_hand():
    # 3 bits signed: levels = 3, scale = 0.9 / 3 = 0.3; 0.4 -> 1 (0.3), -0.9 -> -3, 0.1 -> 0 (dropped)
    net, report = quantize_weights(two_layer(np.array([[0.4, -0.9, 0.1]])), bits=3)
    proj = net.projections["in->out"]
    assert np.allclose(proj.weight, [0.3, -0.9], atol=1e-7) and proj.pre_idx.tolist() == [0, 1]
    err = report.projections[0]
    assert err.scale == pytest.approx(0.3) and err.synapses_zeroed == 1
    assert err.max_abs_error == pytest.approx(0.1)
    assert err.rms_error == pytest.approx(np.sqrt((0.1 ** 2 + 0 + 0.1 ** 2) / 3))


def test_integer_mantissas_for_fixed_point_models():
    net, _ = quantize_weights(two_layer(np.array([[0.4, -0.9, 0.1]])), bits=3, integer=True)
    assert net.projections["in->out"].weight.tolist() == [1.0, -3.0]


def test_profile_precision_and_unsigned_refusal():
    loihi = ns.load_chip("loihi")
    _, report = quantize_weights(two_layer(np.array([[0.5, -0.25]])), loihi)
    assert report.bits == loihi.weight_bits and report.signed
    with pytest.raises(ns.ModelError, match=r"synapse 1 has negative weight -0.25, but the chip's weights are unsigned"):
        quantize_weights(two_layer(np.array([[0.5, -0.25]])), bits=4, signed=False)


def test_missing_precision_is_a_clear_error():
    with pytest.raises(ns.ModelError, match=r"gives no weight_bits; pass bits="):
        quantize_weights(two_layer(np.ones((1, 1))), ns.load_chip("spinnaker2"))


def test_quantised_run_shows_the_effect_on_the_membrane():
    w = np.random.default_rng(0).normal(0, 1, (4, 8))
    exact, quant = two_layer(w), quantize_weights(two_layer(w), bits=4)[0]
    v_exact = ns.simulate(exact, 3, probe=["out"]).state("out", "v")[1]
    v_quant = ns.simulate(quant, 3, probe=["out"]).state("out", "v")[1]
    expected = quant.projections["in->out"]
    dense = np.zeros((4, 8))
    dense[expected.post_idx, expected.pre_idx] = expected.weight
    assert np.allclose(v_quant, dense.sum(axis=1)) and not np.allclose(v_quant, v_exact)
