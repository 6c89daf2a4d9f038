"""Chip profiles: the shipped ``chips/*.toml``, the schema's rules, and the ``ChipProfile`` API.

Each validation rule has one small bad file in ``tests/data/chips/`` and its expected message.
"""
from __future__ import annotations

import configparser
import dataclasses
import json
import pickle
import sys
from pathlib import Path

import pytest

from neurosim.errors import NeurosimError, ProfileError
from neurosim.chip import FIELDS, USER_SET_SOURCE, ChipProfile, list_chips, load_chip
from neurosim.chip.profile import values_table
from neurosim.chip.schema import FIELDS_BY_KEY, SECTIONS, markdown_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "chips"
SHIPPED = ("generic_45nm", "loihi", "loihi2", "loihi_sanafe", "spinnaker2", "truenorth")

# -- shipped profiles ------------------------------------------------------------------------------


def test_the_shipped_chips_are_listed():
    assert list_chips() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_chip_loads_by_name_and_by_path(name):
    got = load_chip(name)
    assert got.name == name
    assert got == load_chip(ROOT / "chips" / f"{name}.toml")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_number_has_a_source_and_every_source_a_number(name):
    """Read from the raw TOML, independently of the validator."""
    raw = tomllib.loads((ROOT / "chips" / f"{name}.toml").read_text(encoding="utf-8"))
    values = {f"{section}.{key}" for section in SECTIONS for key in raw.get(section, {})}
    assert values == set(raw["sources"])


@pytest.mark.parametrize("name", SHIPPED)
def test_sources_cite_original_papers_not_notes(name):
    for key, text in load_chip(name).sources.items():
        assert "hardware.md" not in text and "notes" not in text.lower(), key
        assert any(ch.isdigit() for ch in text), f"{key}: no year, page or table in {text!r}"


@pytest.mark.parametrize("name", SHIPPED)
def test_assumed_and_unpublished_values_are_marked(name):
    chip = load_chip(name)
    for key in chip.assumed:
        got = chip.lookup(key)
        assert got.status == "assumed" and got.estimated
        assert "assumed" in got.source or "derived" in got.source
    for key in chip.unpublished:
        assert getattr(chip, key) is None


def test_loihi2_costs_are_all_assumed_from_loihi1():
    loihi, loihi2 = load_chip("loihi"), load_chip("loihi2")
    for f in FIELDS:
        if f.section in ("energy", "latency") and getattr(loihi2, f.name) is not None:
            assert f.name in loihi2.assumed
            assert loihi2.sources[f.key].startswith("assumed from Loihi 1")
            assert getattr(loihi2, f.name) == getattr(loihi, f.name)


def test_truenorth_costs_with_the_all_inclusive_energy_only():
    chip = load_chip("truenorth")
    assert chip.e_synop_total_J == 26e-12
    assert chip.e_synop_J is None and "e_synop_J" in chip.unpublished


def test_generic_45nm_uses_the_horowitz_convention_without_noc():
    chip = load_chip("generic_45nm")
    assert (chip.e_ac_J, chip.e_mac_J) == (0.9e-12, 4.6e-12)
    assert chip.routing == "none"
    assert all(getattr(chip, f.name) is None for f in FIELDS if f.when == ("routing", ("xy_dimension_order",
                                                                                     "multicast_table")))


def test_profile_attributes_are_the_schema_fields():
    own = {"sources", "path", "synapse_classes"}
    assert [f.name for f in dataclasses.fields(ChipProfile) if f.name not in own] == [f.name for f in FIELDS]


# -- one bad file per rule -------------------------------------------------------------------------

BAD_FILES = {
    "syntax_error.toml": "invalid TOML: Expected '=' after a key in a key/value pair (at line 5",
    "schema_version.toml": "chip profile schema = 2 is not supported; this neurosim reads schema 1 "
                           "(see docs/hardware.md)",
    "unknown_section.toml": "unknown section '[energies]'; did you mean '[energy]'?",
    "unknown_key.toml": "unknown key 'energy.e_synops_J'; did you mean 'e_synop_J'?",
    "wrong_unit_key.toml": "unknown key 'energy.e_synop_pJ'; neurosim uses SI base units: did you mean 'e_synop_J'?",
    "wrong_unit_value.toml": "'energy.e_synop_J' = 23.6 J is above 1e-06 J, implausible here; neurosim uses SI "
                             "base units: write 23.6 pJ as 23.6e-12",
    "misplaced_key.toml": "unknown key 'core.e_synop_J'; 'e_synop_J' belongs in [energy]",
    "top_level_after_header.toml": "unknown key 'chip.unpublished'; 'unpublished' is a top-level key: move it above "
                                   "the first [section] header",
    "wrong_type.toml": "'core.neurons_per_core' must be an integer, got string '1024'",
    "bad_choice.toml": "'chip.routing' = 'xy_dimension_ordr' is not one of xy_dimension_order, multicast_table, none; "
                       "did you mean 'xy_dimension_order'?",
    "negative_energy.toml": "'energy.e_hop_x_J' = -3e-12 must be >= 0 J",
    "negative_latency.toml": "'latency.t_hop_x_s' = -4.1e-09 must be >= 0 s",
    "zero_capacity.toml": "'core.neurons_per_core' = 0 must be >= 1",
    "barrier_order.toml": "'timing.barrier_s_by_tiles': tile counts must increase strictly, but entry 1 has 1 "
                          "after 32",
    "unknown_unpublished.toml": "unpublished entry 'e_synop_pJ' is not a field name; neurosim uses SI base units: "
                                "did you mean 'e_synop_J'?",
    "unpublished_with_value.toml": "unpublished entry 'e_synop_J': 'energy.e_synop_J' also has a value; remove one "
                                   "of the two",
    "missing_source.toml": "'energy.e_synop_J' has no [sources] entry; add \"energy.e_synop_J\" = "
                           "\"<paper, table, page>\" under [sources]",
    "extra_source.toml": "[sources] entry 'energy.e_hop_x_J' has no value in the profile; remove the entry or add "
                         "the value",
    "assumed_unexplained.toml": "assumed entry 'mesh_x': the source of 'chip.mesh_x' must say how the value was "
                                "assumed or derived (include the word 'assumed' or 'derived' and the reasoning)",
    "mesh_too_small.toml": "the mesh cannot hold the cores: chip.mesh_x * chip.mesh_y * chip.cores_per_tile = "
                           "8 * 4 * 2 = 64 < chip.cores_per_chip = 128; enlarge the mesh or cores_per_tile",
    "fixed_tick_without_tick.toml": "timestep_mode = 'fixed_tick' needs 'timing.tick_s' (period of the global tick); "
                                    "give it, or list 'tick_s' in unpublished = [...] if no source gives it",
    "not_applicable.toml": "'timing.tick_s' applies only when timestep_mode is 'fixed_tick', not when "
                           "timestep_mode = 'barrier'; remove it",
    "synop_total_mixed.toml": "'energy.e_synop_total_J' (all-inclusive, used alone) and 'energy.e_synop_J' (one "
                              "component of a sum) cannot both be set; keep the one the source publishes (list "
                              "e_synop_J in unpublished, or leave e_synop_total_J out)",
    "delay_order.toml": "core.delay_min_ticks = 5 > core.delay_max_ticks = 3; the smallest delay cannot exceed "
                        "the largest",
    "missing_required.toml": "missing required key 'source_kind' (how the cost numbers were obtained: on silicon, by "
                             "pre-silicon simulation, derived from other published figures, or assumed (borrowed "
                             "from another chip or a convention))",
    "missing_published.toml": "missing key 'chip.process_nm': give its value with a [sources] entry, or list "
                              "'process_nm' in unpublished = [...] if no source gives it",
}


@pytest.mark.parametrize("filename", sorted(BAD_FILES))
def test_bad_profile_is_refused_naming_file_key_and_rule(filename):
    path = BAD / filename
    with pytest.raises(ProfileError) as err:
        load_chip(path)
    assert str(err.value).startswith(f"{path}: {BAD_FILES[filename]}")  # the TOML parser adds its column


def test_every_bad_file_has_an_expected_message():
    assert sorted(p.name for p in BAD.glob("*.toml")) == sorted(BAD_FILES)


def test_profile_error_is_a_neurosim_error_and_a_value_error():
    assert issubclass(ProfileError, NeurosimError) and issubclass(ProfileError, ValueError)


def test_unknown_chip_name_suggests_the_closest():
    with pytest.raises(ProfileError, match=r"unknown chip 'lohi'; did you mean 'loihi'\? \(known: generic_45nm, "):
        load_chip("lohi")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ProfileError, match=r"chip profile file '.*nowhere\.toml' does not exist"):
        load_chip(tmp_path / "nowhere.toml")


# -- replace, require, lookup ----------------------------------------------------------------------


def test_replace_returns_a_new_profile_marked_user_set():
    chip = load_chip("loihi")
    got = chip.replace(e_synop_J=30e-12, mesh_x=16)
    assert (got.e_synop_J, got.mesh_x) == (30e-12, 16)
    assert got.sources["energy.e_synop_J"] == USER_SET_SOURCE
    assert got.lookup("mesh_x").status == "user-set" and "mesh_x" not in got.assumed
    assert chip.e_synop_J == 23.6e-12


def test_replace_revalidates():
    with pytest.raises(ProfileError, match=r"after replace\(mesh_x\): the mesh cannot hold the cores"):
        load_chip("loihi").replace(mesh_x=2)
    with pytest.raises(ProfileError, match=r"'energy.e_synop_J' = -1e-12 must be >= 0 J"):
        load_chip("loihi").replace(e_synop_J=-1e-12)


def test_every_number_of_a_time_energy_power_or_voltage_has_a_finite_upper_bound():
    unbounded = [f.key for f in FIELDS_BY_KEY.values() if f.kind in ("float", "pairs") and f.high is None]
    assert unbounded == []


def test_a_tick_too_long_to_cost_is_refused():
    with pytest.raises(ProfileError, match=r"'timing.tick_s' = 1e\+308 s is above 1 s, implausible here"):
        dataclasses.replace(load_chip("spinnaker2"), tick_s=1e308)


def test_replace_unknown_field_suggests_the_closest():
    with pytest.raises(ProfileError, match=r"replace\(\) cannot set 'e_synop_pJ'; did you mean 'e_synop_J'\?"):
        load_chip("loihi").replace(e_synop_pJ=1.0)


def test_replace_with_none_makes_a_value_unpublished():
    got = load_chip("loihi").replace(e_synop_J=None, e_synop_total_J=30e-12)
    assert got.e_synop_J is None and "e_synop_J" in got.unpublished
    assert got.e_synop_total_J == 30e-12


def test_replace_can_switch_the_timestep_mode():
    got = load_chip("loihi").replace(timestep_mode="fixed_tick", tick_s=1e-3, barrier_s_by_tiles=None)
    assert got.tick_s == 1e-3 and got.barrier_s_by_tiles is None
    assert "barrier_s_by_tiles" not in got.unpublished


def test_dataclasses_replace_revalidates_too():
    with pytest.raises(ProfileError, match="the mesh cannot hold the cores"):
        dataclasses.replace(load_chip("loihi"), mesh_x=1)


def test_require_unpublished_raises_naming_key_and_profile():
    with pytest.raises(ProfileError, match=r"'energy.e_spike_J' is unpublished for chip profile 'loihi'; pass an "
                                           r"explicit fallback"):
        load_chip("loihi").require("e_spike_J")


def test_require_not_applicable_and_optional_values_raise():
    with pytest.raises(ProfileError, match=r"'energy.e_hop_x_J' does not apply to chip profile 'generic_45nm' "
                                           r"\(routing = 'none'\)"):
        load_chip("generic_45nm").require("e_hop_x_J")
    with pytest.raises(ProfileError, match=r"'energy.e_synop_total_J' is not given by chip profile 'loihi'"):
        load_chip("loihi").require("e_synop_total_J")


def test_fallback_is_returned_and_marked_estimated():
    chip = load_chip("loihi")
    got = chip.lookup("e_spike_J", fallback=0.0)
    assert (got.value, got.status, got.estimated) == (0.0, "fallback", True)
    assert "'energy.e_spike_J' is unpublished" in got.source
    assert chip.require("e_spike_J", fallback=5e-12) == 5e-12


def test_fallback_is_validated_like_a_value():
    with pytest.raises(ProfileError, match=r"\(fallback\): 'energy.e_spike_J' = -1.0 must be >= 0 J"):
        load_chip("loihi").require("e_spike_J", fallback=-1.0)


def test_published_value_is_not_estimated():
    got = load_chip("loihi").lookup("e_synop_J", fallback=1.0)
    assert (got.value, got.status, got.estimated) == (23.6e-12, "published", False)


def test_require_unknown_key_suggests_the_closest():
    with pytest.raises(ProfileError, match=r"'e_synop_pj' is not a hardware value of a chip profile; did you mean "
                                           r"'e_synop_J'\?"):
        load_chip("loihi").require("e_synop_pj")


# -- helpers and round trips -----------------------------------------------------------------------


def test_barrier_is_interpolated_linearly_and_clamped():
    chip = load_chip("loihi_sanafe")  # 4 tiles: 1.4 us, 29 tiles: 1.8 us
    assert chip.barrier_s(9) == pytest.approx(1.4e-6 + 0.4e-6 * 5 / 25)
    assert chip.barrier_s(64) == pytest.approx(1.8e-6)
    assert list(chip.barrier_s([1, 2])) == pytest.approx([0.6e-6, 1.0e-6])


def test_barrier_of_a_fixed_tick_chip_raises():
    with pytest.raises(ProfileError, match=r"'timing\.barrier_s_by_tiles' does not apply"):
        load_chip("truenorth").barrier_s(4)


def test_barrier_needs_at_least_one_tile():
    with pytest.raises(ValueError, match="tiles must be >= 1"):
        load_chip("loihi").barrier_s(0)


def test_n_cores_counts_every_chip_of_the_mesh():
    assert load_chip("truenorth").n_cores == 4096
    assert load_chip("loihi").replace(chips_x=4, chips_y=2).n_cores == 8 * 128


@pytest.mark.parametrize("name", SHIPPED)
def test_to_dict_round_trips_through_json(name):
    chip = load_chip(name)
    got = ChipProfile.from_dict(json.loads(json.dumps(chip.to_dict())))
    assert got == chip and hash(got) == hash(chip)


@pytest.mark.parametrize("name", SHIPPED)
def test_profile_pickles_for_sweep_workers(name):
    chip = load_chip(name).replace(e_learning_J=1e-12)
    got = pickle.loads(pickle.dumps(chip))
    assert got == chip and got.path == chip.path and got.sources == chip.sources


def test_profile_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        load_chip("loihi").e_synop_J = 1.0


# -- docs and packaging stay in step with the code -------------------------------------------------


def _between(text: str, marker: str) -> str:
    start, end = f"<!-- {marker}:begin -->\n", f"\n<!-- {marker}:end -->"
    return text[text.index(start) + len(start):text.index(end)]


def test_docs_show_the_schema_table():
    docs = (ROOT / "docs" / "hardware.md").read_text(encoding="utf-8")
    assert _between(docs, "schema") == markdown_table(), "regenerate with neurosim.chip.schema.markdown_table()"


def test_docs_show_every_shipped_value_with_its_source():
    docs = (ROOT / "docs" / "hardware.md").read_text(encoding="utf-8")
    expected = values_table(load_chip(name) for name in SHIPPED)
    assert _between(docs, "values") == expected, "regenerate with neurosim.chip.profile.values_table()"


def test_docs_name_every_key_of_the_schema():
    docs = (ROOT / "docs" / "hardware.md").read_text(encoding="utf-8")
    assert all(f"`{key}`" in docs for key in FIELDS_BY_KEY)


def test_setup_cfg_ships_every_package_and_the_chip_profiles():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "neurosim").rglob("__init__.py")}
    assert listed == found | {"neurosim.chips"}, "list every package under [options] packages in setup.cfg"
    assert "neurosim.chips = chips" in cfg["options"]["package_dir"]
    assert "*.toml" in cfg["options.package_data"]["neurosim.chips"]


def test_a_system_too_large_for_memory_is_refused_before_its_arrays_are_made():
    """2**31 cores would need about 150 GB of per-core and per-link arrays: one-line ProfileError, no MemoryError."""
    from neurosim.chip import Mesh

    profile = load_chip("spinnaker2").replace(cores_per_chip=2**31)
    with pytest.raises(ProfileError, match=r"2147483648 cores .* above the memory limit"):
        Mesh.of(profile)
    assert Mesh.of(load_chip("spinnaker2")).n_cores == load_chip("spinnaker2").cores_per_chip
