"""README: the set-up commands are the two documented ones, and "First five minutes" shows what
`neurosim run` prints today, and points to files that exist."""
from __future__ import annotations

import pathlib
import re

from neurosim.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def test_set_up_keeps_its_two_commands():
    setup = _section("Set up")
    assert "```bash\npip install . && neurosim run\n```" in setup
    assert "```bash\npip install \".[test]\" && pytest\n```" in setup
    assert README.index("## Set up") < README.index("## First five minutes") < README.index("## Command line")


def test_first_five_minutes_shows_the_output_of_neurosim_run(capsys):
    shown = re.search(r"```\n\$ neurosim run\n(.*?)```", _section("First five minutes"), re.S).group(1)
    assert main(["run"]) == 0
    assert capsys.readouterr().out == shown, "README's 'First five minutes' differs from what `neurosim run` prints"


def test_first_five_minutes_points_to_files_that_exist():
    section = _section("First five minutes")
    paths = set(re.findall(r"`(?:python )?((?:examples|docs)/[\w./-]+)`", section))
    assert {"examples/energy_on_three_chips.py", "examples/design_space_sweep.py", "examples/traffic_hotspot.py",
            "docs/notebooks.md", "docs/images/"} <= paths
    assert all((ROOT / p).exists() for p in paths), [p for p in paths if not (ROOT / p).exists()]
