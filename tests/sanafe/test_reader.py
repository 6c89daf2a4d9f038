"""The SANA-FE reader on small hand-written files (``data/``): the Network, profile and placement it
builds, SANA-FE's layouts and core numbering, and one-line errors for malformed files."""
import re
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.chip import Mesh
from neurosim.errors import DoesNotFitError, ModelError, PlacementError, ProfileError
from neurosim.sanafe import SanafeArch, read_arch, read_sanafe
from neurosim.sanafe.snn import _conv2d

DATA = Path(__file__).parent / "data"
NET, ARCH = DATA / "net.yaml", DATA / "arch.yaml"


@pytest.fixture(scope="module")
def model():
    return read_sanafe(NET, ARCH)


def synapses(network, name):
    proj = network.projections[name]
    return list(zip(proj.pre_idx.tolist(), proj.post_idx.tolist(), proj.weight.tolist()))


def test_groups_become_sources_and_loihi_cuba_populations_in_file_order(model):
    net = model.network
    assert list(net.nodes) == ["in", "hid", "conv"]
    expected_spikes = np.zeros((6, 4))
    expected_spikes[[0, 2, 3, 5], 0] = 1
    expected_spikes[[1, 2], 1] = 1
    expected_spikes[[0, 1, 3], 2:4] = 1
    np.testing.assert_array_equal(net.nodes["in"].data, expected_spikes)
    hid = net.nodes["hid"]
    assert hid.model.name == "loihi_cuba"
    # bias 70.5 is 4512 / 64 = 2256 << 1; refractory_delay 3 holds a SANA-FE neuron for 2 steps.
    expected = {"vth": [3, 3, 5, 3], "dv": [1024] * 4, "du": [4095] * 4, "bias_mant": [32, 32, 16, 2256],
                "bias_exp": [0, 0, 0, 1], "refractory": [0, 0, 0, 2]}
    for name, values in expected.items():
        np.testing.assert_array_equal(hid.param(name), values, err_msg=name)
    np.testing.assert_array_equal(net.nodes["conv"].param("vth"), [1, 1])
    np.testing.assert_array_equal(net.nodes["conv"].param("dv"), [0, 0])


def test_dense_edges_are_source_major_and_keep_zero_weights(model):
    weights = [2, 0, 1, 3, 0, 2, 2, 1, 3, 1, 0, 2, 1, 1, 4, 0]
    expected = [(s, t, weights[4 * s + t]) for s in range(4) for t in range(4)]
    assert synapses(model.network, "in->hid") == expected


def test_sparse_and_single_edges_between_two_groups_share_one_projection(model):
    assert sorted(synapses(model.network, "hid->hid")) == [(0, 1, 1.0), (1, 2, 0.0), (2, 3, 4.0), (3, 0, -2.0)]


def test_conv2d_edges_follow_sanafe_layout_and_keep_zero_weights(model):
    assert sorted(synapses(model.network, "in->conv")) == [(0, 0, 2.0), (1, 1, 2.0), (2, 0, 0.0), (3, 1, 0.0)]


def naive_conv2d(c_in, h, w, kh, kw, k_out, sh, sw):
    """SANA-FE's connect_neurons_conv2d loops (src/network.cpp), one synapse at a time."""
    out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    rows = []
    for c in range(k_out):
        for y in range(out_h):
            for x in range(out_w):
                for ci in range(c_in):
                    for fy in range(kh):
                        for fx in range(kw):
                            src = ci * w * h + (y * sh + fy) * w + (x * sw + fx)
                            filt = fy * kw * c_in * k_out + fx * c_in * k_out + ci * k_out + c
                            rows.append((src, c * out_w * out_h + y * out_w + x, filt))
    return rows, k_out * out_h * out_w


@pytest.mark.parametrize("shape", [(1, 2, 2, 2, 1, 1, 1, 1), (3, 5, 4, 2, 3, 2, 1, 1), (2, 7, 6, 3, 2, 4, 2, 3),
                                   (1, 8, 9, 2, 3, 3, 3, 2)],
                         ids=lambda s: "x".join(map(str, s)))
def test_conv2d_layout_equals_sanafe_loops(shape):
    c_in, h, w, kh, kw, k_out, sh, sw = shape
    expected, n_post = naive_conv2d(*shape)
    attributes = {"input_channels": str(c_in), "input_height": str(h), "input_width": str(w), "kernel_height": str(kh),
                  "kernel_width": str(kw), "kernel_count": str(k_out), "stride_height": str(sh),
                  "stride_width": str(sw)}
    pre, post, kernel, n_kernel = _conv2d(attributes, c_in * h * w, n_post, "edge")
    # SANA-FE's synapses in the order the network keeps them: stably sorted by source neuron.
    assert list(zip(pre.tolist(), post.tolist(), kernel.tolist())) == sorted(expected, key=lambda row: row[0])
    assert n_kernel == kh * kw * c_in * k_out


def test_each_projection_names_its_synapse_unit_and_delays_are_one_step(model):
    assert dict(model.synapse_units) == {"in->hid": "test_dense_synapse", "in->conv": "test_conv_synapse",
                                         "hid->hid": "test_dense_synapse"}
    assert all(np.all(p.delay == 1) for p in model.network.projections.values())
    assert dict(model.soma_units) == {"hid": ("test_lif",), "conv": ("test_lif",)}


def test_profile_takes_each_cost_from_the_unit_with_units_and_sources(model):
    p = model.profile
    expected = {"cores_per_chip": 8, "cores_per_tile": 2, "mesh_x": 2, "mesh_y": 2, "neurons_per_core": 64,
                "e_synop_J": 30e-12, "t_synop_s": 3e-9, "e_neuron_update_idle_J": 50e-12,
                "e_neuron_update_active_J": 70e-12, "t_neuron_update_idle_s": 5e-9, "t_neuron_update_active_s": 9e-9,
                "e_spike_J": 70e-12, "t_spike_s": 30e-9, "e_packet_J": 100e-12, "t_packet_s": 5e-9,
                "e_hop_x_J": 3e-12, "e_hop_y_J": 4e-12, "t_hop_x_s": 4e-9, "t_hop_y_s": 6e-9}
    for name, value in expected.items():
        assert getattr(p, name) == pytest.approx(value, rel=1e-12, abs=0), name
    # SANA-FE's step table (1: 1 us, 3: 2 us) written out per whole tile count, where interpolation agrees.
    assert p.barrier_s_by_tiles == ((1, 1e-6), (2, 1e-6), (3, 2e-6))
    assert p.name == "test_chip" and p.source_kind == "derived"
    assert p.sources["energy.e_synop_J"] == (f"SANA-FE architecture file {ARCH}: synapse 'test_dense_synapse' "
                                             f"energy_process_spike")
    assert p.sources["energy.e_neuron_update_active_J"].startswith("derived: ")
    assert "axons_in_per_core" in p.unpublished and "weight_bits" in p.unpublished


def test_what_the_profile_cannot_hold_is_listed(model):
    lines = "\n".join(model.unrepresented)
    for text in ("axon_in 'test_in' latency_message_in = 10.0e-9 has no profile field",
                 "architecture link_buffer_size = 4", "core buffer_position = soma"):
        assert text in lines
    assert "test_conv_synapse" not in lines and "input neurons" not in lines  # a synapse class; inputs on cores


def test_each_other_synapse_unit_becomes_a_synapse_class_selected_by_the_projection_attribute(model):
    (conv,) = model.profile.synapse_classes
    assert (conv.name, conv.e_synop_J, conv.t_synop_s) == ("test_conv_synapse", 20e-12, 2e-9)
    assert dict(conv.attribute) == {"synapse": "test_conv_synapse"}
    assert conv.source == (f"SANA-FE architecture file {ARCH}: synapse 'test_conv_synapse' energy_process_spike, "
                           f"latency_process_spike")
    attributes = {name: dict(p.attributes) for name, p in model.network.projections.items()}
    assert attributes == {"in->hid": {"synapse": "test_dense_synapse"}, "in->conv": {"synapse": "test_conv_synapse"},
                          "hid->hid": {"synapse": "test_dense_synapse"}}
    assert model.profile.synaptic_events_at == "spike" and model.profile.active_neurons == "input_bias_potential"


def test_input_neurons_sit_on_the_cores_sanafe_maps_them_to(model):
    # in.0..1 on SANA-FE core 0.0, in.2..3 on 0.1: tile 0 is router (0, 0), neurosim cores 0 and 1.
    np.testing.assert_array_equal(model.placement.neuron_core[:4], [0, 0, 1, 1])
    assert model.placement.usage["neurons_per_core"] == 2


def test_a_leak_decay_written_to_eleven_digits_is_rounded_to_its_dv_and_listed(tmp_path):
    net = write_changed(tmp_path, NET, "leak_decay: 0.75", "leak_decay: 0.99975585937")
    model = read_sanafe(net, ARCH)
    np.testing.assert_array_equal(model.network.nodes["hid"].param("dv"), [1] * 4)
    assert any("group 'hid': leak_decay 0.99975585937 taken as 4095/4096" in line for line in model.unrepresented)
    assert not any("leak_decay" in line for line in read_sanafe(NET, ARCH).unrepresented)


def test_mapping_translates_column_major_tiles_to_neurosim_cores(model):
    # in: host; hid.0..1 on SANA-FE 1.0 (x 0, y 1), hid.2..3 on 2.1 (x 1, y 0), conv on 3.1 (x 1, y 1).
    np.testing.assert_array_equal(model.placement.neuron_core, [0, 0, 1, 1] + [4, 4, 3, 3] + [7, 7])
    assert model.placement.strategy == "fixed"
    np.testing.assert_array_equal(model.placement.core_xy[[4, 3, 7]], [[0, 1], [1, 0], [1, 1]])


def test_every_sanafe_core_lands_on_the_router_sanafe_gives_it():
    arch = read_arch(DATA / "arch.yaml")
    loihi = ns.load_chip("loihi_sanafe")
    wide = SanafeArch(arch.path, "w", 8, 4, 32, 4, {}, {}, {}, ())  # Loihi's 8 x 4 tiles of 4 cores
    xy = Mesh.of(loihi).core_xy()
    for tile in range(32):
        for core in range(4):
            k = wide.neurosim_core(tile, core)
            assert tuple(xy[k]) == (tile // 4, tile % 4)
            assert k % 4 == core


def test_the_read_network_simulates(model):
    result = ns.simulate(model.placement.compiled, 8)
    assert result.counters.spikes > 0


# -- malformed files ---------------------------------------------------------------------------------

NET_CHANGES = [
    ("network:\n  name: test_net\n  groups:", "network:\n  name: test_net\n  groupz:", ModelError,
     r"net.yaml: network: missing key 'groups'"),
    ("threshold: 3, leak_decay", "threshold: 3, tau: 2, leak_decay", ModelError,
     r"net.yaml: group 'hid': neuron 0 attribute 'tau' is not supported for SANA-FE model 'leaky_integrate_fire'"),
    ("[bias: 0.5]", "[bias: 0.3]", ModelError,
     r"net.yaml: group 'hid': neuron 0 attribute 'bias' = 0.3 is not supported: it must be a multiple of 1/64"),
    ("[bias: 0.5]", "[bias: high]", ModelError, r"net.yaml: group 'hid': neuron 0 attribute 'bias' = 'high' is not "
                                                r"a number"),
    ("leak_decay: 0.75", "leak_decay: 0.7", ModelError, r"group 'hid': neuron 0 attribute 'leak_decay' = 0.7 is not "
                                                        r"supported: it must be \(4096 - dv\) / 4096"),
    ("reset_mode: hard", "reset_mode: soft", ModelError, r"group 'hid': neuron 0 attribute 'reset_mode' = 'soft' is "
                                                         r"not supported: it must be hard"),
    ("threshold: 3,", "threshold: 2.5,", ModelError, r"'threshold' = 2.5 is not supported: it must be a whole number"),
    ("[spikes: [0, 1, 1]]", "[poisson: 0.5]", ModelError,
     r"group 'in': neuron 1 attribute 'poisson' is not supported for SANA-FE model 'input'"),
    ("weight: [2, 0]}", "weight: [2.5, 0]}", ModelError,
     r"net.yaml: edge 'in -> conv': synapse 0 has weight 2.5; loihi_cuba takes whole weights"),
    ("1, 1, 4, 0]]", "1, 1, 4]]", ModelError,
     r"net.yaml: edge 'in -> hid': weight has 15 entries, expected 16 \(one per \(source, target\) pair"),
    ("kernel_height: 2, kernel_count: 1", "kernel_height: 1, kernel_count: 1", ModelError,
     r"edge 'in -> conv': the target group has 2 neurons, but the convolution needs 4"),
    ("type: sparse", "type: fancy", ModelError, r"edge 'hid -> hid': type 'fancy' is not a hyperedge type"),
    ("[[0, 1], [1, 2], [3, 0]]", "[[0, 1], [1, 9], [3, 0]]", ModelError,
     r"edge 'hid -> hid': pair 1 has target 9, outside its group's 4 neurons"),
    ("hid.2 -> hid.3: [weight: 4]", "hid.2 -> hid.7: [weight: 4]", ModelError,
     r"edge 'hid.2 -> hid.7': group 'hid' has neurons 0..3, not '7'"),
    ("hid.2 -> hid.3: [weight: 4]", "hid.2 -> hid.3: [weight: 4, delay: 2]", ModelError,
     r"edge 'hid.2 -> hid.3': attribute 'delay' is not supported here \(supported: weight, w\)"),
    ("hid.2 -> hid.3: [weight: 4]", "hid.2 -> hid.3: []", ModelError, r"edge 'hid.2 -> hid.3': missing key 'weight'"),
    ("hid.2 -> hid.3", "hod.2 -> hid.3", ModelError, r"edge 'hod.2 -> hid.3': no group named 'hod'"),
    ("- in -> hid:", "- hid -> in:", ModelError, r"edge 'hid -> in': the target group 'in' is made of input neurons"),
    ("        - 3:", "        - 2\n        - 3:", ModelError, r"group 'hid': neuron 2 is defined twice"),
    ("- hid.2..3: [core: 2.1]", "- hid.2..2: [core: 2.1]", PlacementError,
     r"net.yaml: neuron hid.3 has no mapping \(1 of group 'hid' have none\)"),
    ("- hid.2..3: [core: 2.1]", "- hid.2..3: [core: 4.0]", PlacementError,
     r"net.yaml: neuron hid.2 is mapped to core 4.0, but .*arch.yaml has tiles 0..3 of 2 cores"),
    ("- hid.2..3: [core: 2.1]", "- hid.2..3: [core: 2]", PlacementError,
     r"mapping 'hid.2..3': core '2' must be written tile.core"),
    ("- hid.2..3: [core: 2.1]", "- hid.1..3: [core: 2.1]", PlacementError,
     r"mapping 'hid.1..3': neuron hid.1 is mapped twice"),
    ("- hid.2..3: [core: 2.1]", "- hid.2..3: [core: 2.1, tile: 3]", PlacementError,
     r"mapping 'hid.2..3': unknown key 'tile'"),
    ("- conv: [core: 3.1]", "- conv: [core: 3.1, soma: fancy_soma]", ProfileError,
     r"net.yaml: group 'conv': .*arch.yaml: no soma unit named 'fancy_soma' \(the core has: test_lif, test_input"),
    ("- conv: [core: 3.1]", "- conv.0: [core: 3.1, soma: \"test_input[3]\"]\n  - conv.1: [core: 3.1]", ModelError,
     r"net.yaml: group 'conv': its neurons use soma model\(s\) input, leaky_integrate_fire; the reader translates "
     r"a group whose neurons all use"),
    ("- conv: [core: 3.1]", "- conv: [core: 3.1, soma: \"test_input[3]\"]", ModelError,
     r"group 'conv': neuron 0 attribute 'threshold' is not supported for SANA-FE model 'input'"),
    ("mappings:", "mapingz:", PlacementError, r"net.yaml: missing key 'mappings'"),
    ("  - conv: [core: 3.1]", "  - conv: [core: 3.1]\n    in.0: [core: 0.0]", PlacementError,
     r"must have one entry"),
    ("weight: [2, 0]}", "weight: [2, 0]", ModelError, r"net.yaml: not valid YAML at line \d+"),
    ("weight: [1, 0, -2]}", "weight: [1, 0, -2], dendrite: {tau: [1, 2, 3]}}", ModelError,
     r"edge 'hid -> hid': dendrite attribute 'tau' is not supported \(the reader accepts delay, d"),
    ("weight: [1, 0, -2]}", "weight: [1, 0, -2], dendrite: {delay: [0, x, 0]}}", ModelError,
     r"edge 'hid -> hid' dendrite delay\[1\] = 'x' is not a number"),
]


ARCH_CHANGES = [
    ("    width: 2\n", "", ProfileError, r"arch.yaml: architecture: missing key 'width'"),
    ("energy_east_hop: 3.0e-12", "energy_east_hop: cheap", ProfileError,
     r"arch.yaml: tile 'test_tile\[0\]' energy_east_hop = 'cheap' is not a number"),
    ("            - name: test_conv_synapse\n              attributes:\n                model: current_based\n",
     "            - name: test_conv_synapse\n              attributes:\n                model: fancy\n", ModelError,
     r"net.yaml: group 'conv': synapse 'test_conv_synapse' has model 'fancy'; the reader translates current_based"),
    ("max_neurons_supported: 64", "max_neurons_supported: 1", DoesNotFitError,
     r"core 0 \(population 'in'\) holds 2 neurons, 1 over test_chip's neurons_per_core = 1; move neurons off core 0"),
    ("    - name: test_tile[0..3]", "    - name: test_tile[0..4]", ProfileError,
     r"arch.yaml: architecture: 5 tiles do not fit its 2 x 2 mesh"),
    ("                model: leaky_integrate_fire\n",
     "                model: leaky_integrate_fire\n                noise: noise.txt\n", ProfileError,
     r"arch.yaml: soma 'test_lif' attribute 'noise' \(noise streams\) is not supported"),
    ("sync_model: table", "sync_model: exotic", ProfileError, r"arch.yaml: architecture: sync_model 'exotic' is not "
                                                                r"supported"),
    ("          dendrite:", "          dendrites:", ProfileError,
     r"arch.yaml: tile 'test_tile\[0..3\]' core 'test_core\[0..1\]': unknown section 'dendrites'"),
]


def write_changed(tmp_path, source, old, new):
    text = source.read_text()
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old, new, error, message", NET_CHANGES, ids=[str(i) for i in range(len(NET_CHANGES))])
def test_malformed_network_files_give_one_line_errors_naming_the_file_and_item(tmp_path, old, new, error, message):
    net = write_changed(tmp_path, NET, old, new)
    with pytest.raises(error, match=message) as err:
        read_sanafe(net, ARCH)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith(str(tmp_path)) or err.type is DoesNotFitError


@pytest.mark.parametrize("old, new, error, message", ARCH_CHANGES, ids=[str(i) for i in range(len(ARCH_CHANGES))])
def test_malformed_architecture_files_give_one_line_errors_naming_the_file_and_item(tmp_path, old, new, error,
                                                                                      message):
    arch = write_changed(tmp_path, ARCH, old, new)
    with pytest.raises(error, match=message) as err:
        read_sanafe(NET, arch)
    assert "\n" not in str(err.value)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(ProfileError, match=r"nowhere.yaml: cannot read the file"):
        read_sanafe(NET, tmp_path / "nowhere.yaml")
    with pytest.raises(ModelError, match=r"nowhere.yaml: cannot read the file"):
        read_sanafe(tmp_path / "nowhere.yaml", ARCH)


def test_tiles_that_differ_are_refused(tmp_path):
    text = ARCH.read_text()
    start = text.index("    - name: test_tile[0..3]")
    tile = text[start:]
    two = text[:start] + tile.replace("test_tile[0..3]", "test_tile[0..2]") + tile.replace(
        "test_tile[0..3]", "odd_tile").replace("energy_north_hop: 4.0e-12", "energy_north_hop: 5.0e-12")
    (tmp_path / "arch.yaml").write_text(two)
    with pytest.raises(ProfileError, match=r"arch.yaml: tile 'odd_tile' differs from tile 'test_tile\[0\]'"):
        read_arch(tmp_path / "arch.yaml")


# -- long lists: cut out of the text and read by numpy ---------------------------------------------------


def long_lists_yaml(weights, pairs, pair_weights, spikes):
    return (f"network:\n  name: long\n  groups:\n    - name: in\n"
            f"      attributes: [soma_hw_name: \"test_input[0]\"]\n"
            f"      neurons:\n        - 0: [spikes: {spikes}]\n"
            f"        - 1..19: []\n    - name: a\n      attributes: [threshold: 5]\n"
            f"      neurons:\n        - 0..19: []\n"
            f"  edges:\n    - in -> a: {{type: dense, weight: {weights}}}\n"
            f"    - a -> a: {{type: sparse,\n                source_target_pairs: {pairs},\n"
            f"                weight: {pair_weights}}}\nmappings:\n  - a: [core: 0.0]\n")


def test_long_lists_read_by_numpy_equal_the_yaml_reading(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    weights = rng.integers(-3, 4, 400).tolist()
    pairs = rng.integers(0, 20, (150, 2)).tolist()
    text = long_lists_yaml(weights, str(pairs).replace("], [", "],\n  ["), rng.integers(-2, 3, 150).tolist(),
                           rng.integers(0, 2, 300).tolist())
    (tmp_path / "net.yaml").write_text(text)
    fast = read_sanafe(tmp_path / "net.yaml", ARCH)
    import neurosim.sanafe._yaml as reader_yaml

    monkeypatch.setattr(reader_yaml, "_LONG_LIST", re.compile(r"(?!)"))
    monkeypatch.setattr(reader_yaml, "_LONG_PAIRS", re.compile(r"(?!)"))
    slow = read_sanafe(tmp_path / "net.yaml", ARCH)
    for name in ("in->a", "a->a"):
        assert synapses(fast.network, name) == synapses(slow.network, name)
    assert synapses(fast.network, "in->a") == [(s, t, weights[20 * s + t]) for s in range(20) for t in range(20)]
    np.testing.assert_array_equal(fast.network.nodes["in"].data, slow.network.nodes["in"].data)


def test_a_bad_entry_in_a_long_list_is_reported_by_position(tmp_path):
    weights = ", ".join(["1"] * 150 + ["x"] + ["2"] * 249)
    (tmp_path / "net.yaml").write_text(long_lists_yaml(f"[{weights}]", [[0, 1]], [1], [1, 0]))
    with pytest.raises(ModelError, match=r"net.yaml: edge 'in -> a' weight\[150\] = 'x' is not a number"):
        read_sanafe(tmp_path / "net.yaml", ARCH)


def test_yaml_errors_after_a_long_list_keep_their_line(tmp_path):
    weights = str(list(range(400))).replace(", 200,", ",\n 200,\n")
    text = long_lists_yaml(weights, [[0, 1]], [1], [1, 0]).replace("  - a: [core: 0.0]", "  - a: [core: 0.0")
    (tmp_path / "net.yaml").write_text(text)
    line = text.splitlines().index("  - a: [core: 0.0") + 1
    with pytest.raises(ModelError, match=rf"net.yaml: not valid YAML at line {line + 1} "):
        read_sanafe(tmp_path / "net.yaml", ARCH)


def test_one_neuron_mapping_lines_are_read_as_id_ranges_with_the_same_meaning(tmp_path):
    # SANA-FE's DVS network maps each neuron on its own line; consecutive ones are collapsed before parsing.
    lines = NET.read_text().replace("  - hid.0..1: [core: 1.0]\n", "  - hid.0: [core: 1.0]\n  - {'hid.1': {core: '1.0'}}\n")
    lines = lines.replace("  - hid.2..3: [core: 2.1]\n", "  - hid.2: {core: 2.1}\n  - hid.3: [core: 2.1]\n")
    (tmp_path / "net.yaml").write_text(lines)
    got = read_sanafe(tmp_path / "net.yaml", ARCH)
    np.testing.assert_array_equal(got.placement.neuron_core, read_sanafe(NET, ARCH).placement.neuron_core)
    twice = lines.replace("  - hid.3: [core: 2.1]\n", "  - hid.3: [core: 2.1]\n  - hid.3: [core: 2.1]\n")
    (tmp_path / "twice.yaml").write_text(twice)
    with pytest.raises(PlacementError, match=r"neuron hid\.3 is mapped twice"):
        read_sanafe(tmp_path / "twice.yaml", ARCH)


def test_mapping_blocks_break_runs_at_a_core_or_id_gap_and_keep_yaml_line_numbers(tmp_path):
    base = NET.read_text()
    split = base.replace("  - hid.0..1: [core: 1.0]\n  - hid.2..3: [core: 2.1]\n",
                         "  - hid.0: [core: 1.0]\n  - hid.2: {core: 2.1}\n  - {'hid.1': {core: '1.0'}}\n"
                         "  - hid.3: [core: 2.1]\n")
    (tmp_path / "net.yaml").write_text(split)
    got = read_sanafe(tmp_path / "net.yaml", ARCH)
    np.testing.assert_array_equal(got.placement.neuron_core, read_sanafe(NET, ARCH).placement.neuron_core)
    # A broken line after a block of one-neuron lines: the error names its own line.
    broken = split.replace("  - conv: [core: 3.1]", "  - conv: [core: 3.1")
    (tmp_path / "broken.yaml").write_text(broken)
    line = broken.splitlines().index("  - conv: [core: 3.1") + 1
    with pytest.raises(ModelError, match=rf"broken.yaml: not valid YAML at line {line + 1} "):
        read_sanafe(tmp_path / "broken.yaml", ARCH)
    # Lines of one block at two indents are left to YAML, which refuses them as it would.
    indents = split.replace("  - hid.2: {core: 2.1}\n", "   - hid.2: {core: 2.1}\n")
    (tmp_path / "indents.yaml").write_text(indents)
    with pytest.raises(ModelError, match=r"indents.yaml: not valid YAML at line"):
        read_sanafe(tmp_path / "indents.yaml", ARCH)


def test_edge_dendrite_delays_are_read_where_the_accumulator_dendrite_ignores_them(tmp_path):
    # SANA-FE's accumulator dendrite ignores every edge attribute (AccumulatorModel::set_attribute_edge is
    # empty), so an edge's dendrite delays change nothing there (SANA-FE's own snn/conv.yaml writes them).
    text = NET.read_text().replace("weight: [1, 0, -2]}", "weight: [1, 0, -2], dendrite: {delay: [0, 3, 1]}}")
    assert text != NET.read_text()
    (tmp_path / "net.yaml").write_text(text)
    got, plain = read_sanafe(tmp_path / "net.yaml", ARCH), read_sanafe(NET, ARCH)
    assert synapses(got.network, "hid->hid") == synapses(plain.network, "hid->hid")
    assert all(np.all(p.delay == 1) for p in got.network.projections.values())
    # Another dendrite model (here SANA-FE's accumulator_with_delay, which applies them) is refused.
    arch = ARCH.read_text().replace("model: accumulator", "model: accumulator_with_delay")
    (tmp_path / "arch.yaml").write_text(arch)
    with pytest.raises(ModelError, match=r"edge 'hid -> hid': dendrite attribute 'delay' is read only for SANA-FE's "
                                         r"'accumulator' dendrite, which ignores it; group 'hid' uses dendrite "
                                         r"'test_dendrite' \(model 'accumulator_with_delay'\)"):
        read_sanafe(tmp_path / "net.yaml", tmp_path / "arch.yaml")
