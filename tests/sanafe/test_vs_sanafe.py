"""The hand-written network read by SANA-FE and by neurosim spikes alike, tick by tick (skipped
unless the ``sanafe`` wheel is importable; it is not a neurosim dependency)."""
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.sanafe import read_sanafe

sanafe = pytest.importorskip("sanafe")
if not hasattr(sanafe, "SpikingChip"):  # conftest puts tests/ on sys.path: without the wheel, this folder is found
    pytest.skip("the SANA-FE wheel (sanafe) is not installed", allow_module_level=True)

DATA = Path(__file__).parent / "data"
TICKS = 8


def sanafe_spikes(net_yaml, arch_yaml, ticks):
    arch = sanafe.load_arch(str(arch_yaml))
    chip = sanafe.SpikingChip(arch)
    chip.load(sanafe.load_net(str(net_yaml), arch))
    trace = chip.sim(ticks, spike_trace=True)["spike_trace"]
    return sorted((t, a.group_name, a.neuron_offset) for t, step in enumerate(trace) for a in step)


def neurosim_spikes(net_yaml, arch_yaml, ticks):
    model = read_sanafe(net_yaml, arch_yaml)
    result = ns.simulate(model.placement.compiled, ticks)
    out = []
    for name in model.soma_units:  # populations only: SANA-FE also traces its input neurons
        t, i = result.spikes(name)
        out += [(int(a), name, int(b)) for a, b in zip(t, i)]
    return sorted(out)


def test_hand_written_network_spikes_alike_in_both_simulators():
    expected = [s for s in sanafe_spikes(DATA / "net.yaml", DATA / "arch.yaml", TICKS) if s[1] != "in"]
    got = neurosim_spikes(DATA / "net.yaml", DATA / "arch.yaml", TICKS)
    assert len(expected) > 10
    assert got == expected


def test_the_check_can_fail_when_a_weight_changes(tmp_path):
    text = (DATA / "net.yaml").read_text().replace("weight: [2, 0]}", "weight: [1, 0]}")
    (tmp_path / "net.yaml").write_text(text)
    changed = neurosim_spikes(tmp_path / "net.yaml", DATA / "arch.yaml", TICKS)
    expected = [s for s in sanafe_spikes(DATA / "net.yaml", DATA / "arch.yaml", TICKS) if s[1] != "in"]
    assert changed != expected
    np.testing.assert_equal(changed, [s for s in sanafe_spikes(tmp_path / "net.yaml", DATA / "arch.yaml", TICKS)
                                      if s[1] != "in"])


def random_network_yaml(seed, ticks, n_in=30, n_a=120, n_b=40):
    """Inputs -> 'a' (sparse, with recurrent sparse edges; biases of every exponent, leak, refractory) ->
    'b' (dense, most weights zero), mapped onto four Loihi cores of SANA-FE's loihi.yaml."""
    rng = np.random.default_rng(seed)
    lines = ["network:", f"  name: random_{seed}", "  groups:", "    - name: in", "      neurons:"]
    lines += [f"        - {i}: [spikes: {(rng.random(ticks) < 0.2).astype(int).tolist()}]" for i in range(n_in)]
    lines += ["    - name: a", "      attributes: [threshold: 40, leak_decay: 0.96875, log_spikes: true,",
              "                   synapse_hw_name: loihi_sparse_synapse]", "      neurons:"]
    lines += [f"        - {i}: [bias: {float(rng.integers(-3 * 64, 60 * 64)) / 64!r}, "
              f"refractory_delay: {int(rng.integers(0, 4))}]" for i in range(n_a)]
    lines += ["    - name: b", "      attributes: [threshold: 100, leak_decay: 0.875, bias: 150.0, log_spikes: true]",
              "      neurons:", f"        - 0..{n_b - 1}: []", "  edges:"]
    for pre, post, n_pairs in (("in", "a", 300), ("a", "a", 200)):
        pairs = np.column_stack([rng.integers(0, {"in": n_in, "a": n_a}[pre], n_pairs), rng.integers(0, n_a, n_pairs)])
        weights = rng.integers(-30, 40, n_pairs)
        lines.append(f"    - {pre} -> {post}: {{type: sparse, source_target_pairs: {pairs.tolist()}, "
                     f"weight: {weights.tolist()}}}")
    dense = rng.integers(-8, 12, n_a * n_b) * (rng.random(n_a * n_b) < 0.3)
    lines += [f"    - a -> b: {{type: dense, weight: {dense.tolist()}}}", "mappings:"]
    lines += [f"  - in.{i}: [core: 0.0, soma: \"loihi_inputs[{i}]\"]" for i in range(n_in)]
    lines += ["  - a.0..59: [core: 5.2]", "  - a.60..119: [core: 13.0]", "  - b: [core: 30.3]"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [1, 2])
def test_random_network_on_sanafe_loihi_spikes_alike(tmp_path, seed):
    from importlib.resources import files

    arch = Path(str(files("sanafe.examples") / "loihi.yaml"))
    ticks = 40
    (tmp_path / "net.yaml").write_text(random_network_yaml(seed, ticks))
    expected = [s for s in sanafe_spikes(tmp_path / "net.yaml", arch, ticks) if s[1] != "in"]
    got = neurosim_spikes(tmp_path / "net.yaml", arch, ticks)
    assert len(expected) > 1000
    assert got == expected
