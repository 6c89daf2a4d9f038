"""Fixed placement: the caller's core for every neuron, checked like a strategy's, same Placement."""
import numpy as np
import pytest

import neurosim as ns
from neurosim.chip import load_chip
from neurosim.errors import DoesNotFitError, PlacementError
from neurosim.mapping import place, place_fixed

from mapping.test_placement import layered, one_to_many

PLACEMENT_ARRAYS = ("neuron_core", "group_core", "core_xy", "core_chip")


def assert_same_placement(got, expected):
    for name in PLACEMENT_ARRAYS:
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)
    assert dict(got.usage) == dict(expected.usage)
    assert got.mesh == expected.mesh
    c_got, c_exp = got.compiled, expected.compiled
    np.testing.assert_array_equal(c_got.neuron_group, c_exp.neuron_group)
    np.testing.assert_array_equal(c_got.syn_target, c_exp.syn_target)
    np.testing.assert_array_equal(c_got.seg_syn_ptr, c_exp.seg_syn_ptr)


@pytest.mark.parametrize("chip_name, neurons_per_core", [("loihi", 16), ("truenorth", None), ("loihi_sanafe", 40)])
def test_the_cores_fill_chose_give_an_identical_placement(chip_name, neurons_per_core):
    chip = load_chip(chip_name)
    compiled = ns.compile_network(layered())
    options = {} if neurons_per_core is None else {"neurons_per_core": neurons_per_core}
    expected = place(compiled, chip, "fill", **options)
    got = place_fixed(compiled, chip, expected.neuron_core.copy())
    assert_same_placement(got, expected)
    assert got.strategy == "fixed"


def test_a_fixed_placement_simulates_like_fill():
    chip = load_chip("loihi")
    compiled = ns.compile_network(layered())
    expected = place(compiled, chip, "fill", neurons_per_core=16)
    got = place_fixed(compiled, chip, expected.neuron_core)
    ref, comp = ns.simulate(expected.compiled, 20), ns.simulate(got.compiled, 20)
    np.testing.assert_array_equal(comp.spike_ids, ref.spike_ids)
    np.testing.assert_array_equal(comp.counters.tick_group_updates, ref.counters.tick_group_updates)


def test_a_mapping_npy_and_csv_give_the_same_placement(tmp_path):
    chip = load_chip("loihi")
    compiled = ns.compile_network(layered())
    expected = place(compiled, chip, "fill", neurons_per_core=16)
    core = expected.neuron_core
    by_pop = {name: core[compiled.pop_slice(name)] for name in ("hid", "out")}
    np.save(tmp_path / "cores.npy", core)
    rows = ["population,neuron,core"] + [f"{name},{k},{c}" for name, cores in by_pop.items()
                                          for k, c in enumerate(cores)]
    (tmp_path / "cores.csv").write_text("\n".join(rows) + "\n")
    for given in (by_pop, tmp_path / "cores.npy", str(tmp_path / "cores.csv")):
        assert_same_placement(place_fixed(compiled, chip, given), expected)
    assert place_fixed(compiled, chip, tmp_path / "cores.npy").options["file"] == str(tmp_path / "cores.npy")


def test_csv_rows_may_come_in_any_order_and_without_a_header(tmp_path):
    chip = load_chip("loihi")
    net = layered(n_in=4, n_hid=6, n_out=2)
    rows = [f"out,{k},5" for k in range(2)] + [f"hid,{k},{k % 3}" for k in range(6)][::-1]
    (tmp_path / "p.csv").write_text("\n".join(rows) + "\n")
    got = place_fixed(net, chip, tmp_path / "p.csv")
    np.testing.assert_array_equal(got.neuron_core, [-1] * 4 + [0, 1, 2, 0, 1, 2, 5, 5])


def test_a_spike_source_on_a_core_sends_from_that_core_and_takes_a_neuron_slot():
    chip = load_chip("loihi")
    compiled = ns.compile_network(layered(n_in=4, n_hid=6, n_out=2))
    on_host = place_fixed(compiled, chip, {"hid": [0] * 6, "out": [5, 5]})
    cores = on_host.neuron_core.copy()
    cores[:4] = 9  # tile 2 of the row-major mesh: router (2, 0)
    on_core = place_fixed(compiled, chip, cores)
    assert on_core.usage["neurons_per_core"] == 6 and on_core.n_cores_used == 3
    hops_host, hops_core = on_host.routes.hops_x[:4], on_core.routes.hops_x[:4]
    np.testing.assert_array_equal(hops_core - hops_host, [2] * 4)  # every packet to core 0 now starts 2 tiles east


BAD_ARRAYS = [
    (lambda c: c[:-1], r"^neuron_core has shape \(165,\), expected \(166,\)"),
    (lambda c: np.where(np.arange(c.size) == 3, -2, c), r"^neuron_core\[3\] \(source 'in' neuron 3\) = -2 is not a "
                                                        r"core: give a spike source -1 \(the host\) or a core of loihi "
                                                        r"\(0..127\)$"),
    (lambda c: np.where(np.arange(c.size) == 3, 128, c), r"^neuron_core\[3\] \(source 'in' neuron 3\) = 128 is not a "
                                                         r"core of loihi"),
    (lambda c: np.where(np.arange(c.size) == 60, 128, c), r"^neuron_core\[60\] \(population 'hid' neuron 10\) = 128 "
                                                          r"is not a core of loihi \(cores 0..127\)"),
    (lambda c: np.where(np.arange(c.size) == 60, -1, c), r"neuron_core\[60\] \(population 'hid' neuron 10\) = -1 is "
                                                         r"not a core"),
    (lambda c: c + 0.5, r"neuron_core\[0\] \(source 'in' neuron 0\) = -0.5 is not a whole core id"),
    (lambda c: c.astype(str), r"must hold integer core ids, got dtype <U"),
    (lambda c: c > 0, r"must hold integer core ids, got dtype bool"),
]


@pytest.mark.parametrize("change, message", BAD_ARRAYS)
def test_bad_arrays_are_refused_with_one_line_errors(change, message):
    chip = load_chip("loihi")
    compiled = ns.compile_network(layered())
    good = place(compiled, chip, "fill", neurons_per_core=16).neuron_core
    with pytest.raises(PlacementError, match=message) as err:
        place_fixed(compiled, chip, change(good))
    assert "\n" not in str(err.value)


BAD_CSV = [
    ("hid,0,0\n", r"p.csv: population 'hid' neuron 1 has no row \(21 population neurons have none\)"),
    ("hdi,0,0\n", r"p.csv: row 1: no population named 'hdi'; did you mean 'hid'\?"),
    ("hid,6,0\n", r"p.csv: row 1: population 'hid' has neurons 0..5, not 6"),
    ("hid,0,0\nhid,0,1\n", r"p.csv: row 2 places population 'hid' neuron 0 a second time"),
    ("hid,0\n", r"p.csv: row 1 has 2 fields; expected population,neuron,core"),
    ("hid,zero,0\n", r"p.csv: row 1: neuron 'zero' and core '0' must be integers"),
]


@pytest.mark.parametrize("text, message", BAD_CSV)
def test_bad_csv_files_name_the_file_and_the_row(tmp_path, text, message):
    net = layered(n_in=4, n_hid=6, n_out=16)
    (tmp_path / "p.csv").write_text(text)
    with pytest.raises(PlacementError, match=message) as err:
        place_fixed(net, load_chip("loihi"), tmp_path / "p.csv")
    assert "\n" not in str(err.value)


def test_other_files_and_mappings_are_refused(tmp_path):
    net = layered(n_in=4, n_hid=6, n_out=2)
    chip = load_chip("loihi")
    with pytest.raises(PlacementError, match=r"p.txt: a fixed placement file must be .npy .* or .csv"):
        place_fixed(net, chip, tmp_path / "p.txt")
    with pytest.raises(PlacementError, match=r"missing.npy: cannot read a neuron -> core array"):
        place_fixed(net, chip, tmp_path / "missing.npy")
    with pytest.raises(PlacementError, match=r"population 'out' has no cores"):
        place_fixed(net, chip, {"hid": np.zeros(6, int)})
    with pytest.raises(PlacementError, match=r"population 'hid' has 6 neurons but 5 cores were given"):
        place_fixed(net, chip, {"hid": np.zeros(5, int), "out": [0, 0]})


def test_a_core_over_neurons_per_core_names_the_core():
    net = layered(n_in=4, n_hid=20, n_out=10)
    chip = load_chip("loihi").replace(neurons_per_core=12)
    core = np.r_[np.full(4, -1), np.repeat([0, 1], 10), np.repeat([0, 2], 5)]
    with pytest.raises(DoesNotFitError, match=r"^core 0 \(populations 'hid', 'out'\) holds 15 neurons, 3 over "
                                              r"loihi's neurons_per_core = 12; move neurons off core 0$") as err:
        place_fixed(net, chip, core)
    assert err.value.limit == "neurons_per_core"


def test_a_capacity_over_the_limit_names_the_core_to_relieve():
    chip = load_chip("loihi").replace(axons_in_per_core=64)
    net = one_to_many(200, 64, 3)
    core = np.r_[np.full(200, -1), np.zeros(64, int)]
    with pytest.raises(DoesNotFitError, match=r"^core 0 \(population 'b'\) receives spikes from 192 distinct "
                                              r"presynaptic neurons .* 128 over loihi's axons_in_per_core = 64 "
                                              r"\(on 1 core\); the placement is fixed: move neurons off core 0") as err:
        place_fixed(net, chip, core)
    assert err.value.limit == "axons_in_per_core"
    spread = np.r_[np.full(200, -1), np.arange(64) // 21]  # at most 63 inputs per core
    assert place_fixed(net, chip, spread).usage["axons_in_per_core"] <= 64
