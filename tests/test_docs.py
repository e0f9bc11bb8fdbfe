"""Documentation matches the code: every command has help text and a README section, the CLI
reference is current, and README's test command is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from snapdiff import clidoc
from snapdiff.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# README quick start, second command; .ci/run runs exactly this (each tool its own step).
TEST_COMMAND = (
    "pip install -e '.[test]' && ruff check . && ruff format --check . && mypy && lint-imports"
    " && pytest -q"
)
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
    assert TEST_COMMAND in README
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()


def test_cli_reference_is_current():
    """docs/cli.md is generated from --help; regenerate with ``python -m snapdiff.clidoc``."""
    assert clidoc.DOC.read_text() == clidoc.render(), "run: python -m snapdiff.clidoc"


def test_cli_reference_covers_every_command():
    text = clidoc.DOC.read_text()
    for name in main.commands:
        assert f"## snapdiff {name}\n" in text
        assert f"Usage: snapdiff {name} [OPTIONS]" in text
