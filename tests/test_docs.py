"""Documentation matches the code: every command has help text and a README section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from snapdiff.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
HEADINGS = [h.strip() for h in re.findall(r"^### (.+)$", README, flags=re.M)]
DOCUMENTED = {name.strip() for h in HEADINGS for name in h.split(",")}


@pytest.mark.parametrize("name", sorted(main.commands))
def test_command_has_help_and_readme_section(name):
    cmd = main.commands[name]
    assert (cmd.help or "").strip(), f"`snapdiff {name}` has no help text"
    assert "Example" in cmd.help, f"`snapdiff {name}` help has no example"
    assert name in DOCUMENTED, f"README has no '### {name}' section"


def test_readme_quick_start_has_the_two_commands():
    assert "snapdiff demo" in README
    assert "pip install -e '.[test]' && pytest -q" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && pytest -q" in ci
