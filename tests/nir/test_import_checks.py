"""NIR import on bad files: sizes checked before allocating, each bad field named, one line, no warning
before an error."""
import shutil
import warnings

import numpy as np
import pytest

from neurosim.errors import ModelError
from neurosim.nir.batch import load_batch
from neurosim.nir.load import load_nir

nir = pytest.importorskip("nir")
h5py = pytest.importorskip("h5py")
DATA = __import__("pathlib").Path(__file__).parents[1] / "data" / "nir"


def _mutated(tmp_path, name, edit):
    path = tmp_path / name
    shutil.copy(DATA / name, path)
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def _replace(dataset, value):
    def edit(f):
        del f[dataset]
        f[dataset] = value
    return edit


def _refused(path, *words, dialect="snntorch"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ModelError) as err:
            load_nir(path, dialect=dialect)
    message = str(err.value)
    assert "\n" not in message and all(w in message for w in words), message
    assert not caught, [str(w.message) for w in caught]
    return message


@pytest.mark.parametrize("shape", [[-3], [1e30], [1e12], [0, 64], [1, 0, 64]])
def test_input_shapes_are_whole_positive_and_bounded(tmp_path, shape):
    path = _mutated(tmp_path, "snntorch_ff.nir", _replace("node/nodes/input/shape", np.array(shape)))
    _refused(path, "node 'input' (Input)", "'shape'", "whole number from 1")


def test_a_weight_declared_huge_in_a_small_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    def declare(f):
        del f["node/nodes/fc1/weight"]
        f.create_dataset("node/nodes/fc1/weight", shape=(20000, 20000), dtype="f4", chunks=(100, 100),
                         compression="gzip")
    path = _mutated(tmp_path, "snntorch_ff.nir", declare)
    assert path.stat().st_size < 100_000
    monkeypatch.setenv("NEUROSIM_MEMORY_LIMIT", "1G")
    _refused(path, "node/nodes/fc1/weight", "above the memory limit", "NEUROSIM_MEMORY_LIMIT")


def test_parameters_stored_as_text_are_named(tmp_path):
    path = _mutated(tmp_path, "snntorch_ff.nir", _replace("node/nodes/lif1/tau", np.array([b"abc"] * 40)))
    _refused(path, "node 'lif1' (LIF)", "'tau'", "not numbers")


@pytest.mark.parametrize("value", [-np.inf, np.inf, np.nan])
def test_a_non_finite_tau_is_refused_not_read_as_no_leak(tmp_path, value):
    path = _mutated(tmp_path, "snntorch_ff.nir", _replace("node/nodes/lif1/tau", np.full(40, value, np.float32)))
    _refused(path, "node 'lif1' (LIF)", "'tau' is not finite")


def test_a_nan_weight_is_named_as_the_weight(tmp_path):
    weight = h5py.File(DATA / "snntorch_ff.nir", "r")["node/nodes/fc1/weight"][()]
    weight[3, 5] = np.nan
    path = _mutated(tmp_path, "snntorch_ff.nir", _replace("node/nodes/fc1/weight", weight))
    _refused(path, "node 'fc1' (Affine)", "'weight' is not finite at index (3, 5)")


@pytest.mark.parametrize("field, value, words", [
    ("pool/kernel_size", 0, ["node 'pool' (AvgPool2d)", "'kernel_size'"]),
    ("pool/stride", 0, ["node 'pool' (AvgPool2d)", "'stride'"]),
    ("conv1/stride", np.array([1e300, 1e300]), ["node 'conv1' (Conv2d)", "'stride'"]),
    ("conv1/padding", np.array([-1, -1]), ["node 'conv1' (Conv2d)", "'padding'", "from 0"]),
])
def test_spatial_geometry_is_checked_before_the_matrices_are_built(tmp_path, field, value, words):
    path = _mutated(tmp_path, "snntorch_conv.nir", _replace(f"node/nodes/{field}", value))
    _refused(path, *words)


def test_a_bare_nir_assertion_is_reported_with_the_check_it_made(tmp_path):
    path = _mutated(tmp_path, "snntorch_ff.nir", _replace("node/nodes/lif1/type", b"NoSuchNode"))
    message = _refused(path)
    assert "nir.read failed: " in message and "`assert" in message and not message.endswith(": ")


def test_a_directory_is_not_reported_as_missing(tmp_path):
    with pytest.raises(ModelError, match="is a directory"):
        load_nir(tmp_path)


@pytest.mark.parametrize("shape", [(0, 64), (1, 0, 64)])
def test_inputs_without_a_tick_are_one_line(shape):
    with pytest.raises(ModelError, match="no time step"):
        load_batch(DATA / "snntorch_ff.nir", np.zeros(shape), "snntorch")


@pytest.mark.parametrize("ticks", [2 ** 64, 10 ** 13])
def test_ticks_beyond_memory_are_refused_with_the_estimate(ticks):
    with pytest.raises(ModelError, match="above the memory limit"):
        load_batch(DATA / "snntorch_ff.nir", np.zeros((5, 64)), "snntorch", ticks=ticks)


def test_silence_for_a_shaped_input_node_has_its_shape():
    batch = load_batch(DATA / "snntorch_conv.nir", None, "snntorch", ticks=3)
    assert batch.ticks_per_sample == 3 and batch.samples == 1


def test_a_finite_parameter_that_overflows_the_dialects_float32_is_refused(tmp_path):
    tau = np.full(40, 1e39)  # finite in float64, infinite in float32 (no leak), the snntorch dialect's precision
    path = _mutated(tmp_path, "snntorch_ff.nir", _replace("node/nodes/lif1/tau", tau))
    _refused(path, "node 'lif1' (LIF)", "tau = 1e+39 overflows float32", "dialect 'snntorch'")
    assert load_nir(path, dialect="nir") is not None  # float64: a long time constant, read as given
