"""What import-linter cannot say: every package and module of snapdiff has a place in the layers
of ``pyproject.toml`` (``lint-imports`` checks the imports themselves, in CI's own step)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "snapdiff"
# Modules outside the layers: shared helpers with no snapdiff import (or only errors/store),
# and the store's own parts; each named so that a new package is placed on purpose.
UNLAYERED = {
    "bodies",
    "bundle",
    "demo",
    "errors",
    "explain",
    "gcpause",
    "logs",
    "maintenance",
    "manifest",
    "migrations",
    "owner",
    "redact",
    "refs",
    "demo_data",
    # being added on other branches (issue 16's siblings): placed when they land
    "digest",
    "exchanges",
    "locks",
    "rowindex",
    "signing",
    "sqlfuncs",
}


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _layered() -> set[str]:
    (layers,) = [c for c in _config()["contracts"] if c["type"] == "layers"]
    return {m for layer in layers["layers"] for m in re.findall(r"[a-z_]+", layer)}


def test_every_top_level_module_is_layered_or_named_as_a_helper():
    here = {p.stem for p in PKG.glob("*.py") if p.stem != "__init__"}
    here |= {p.name for p in PKG.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert here - _layered() - UNLAYERED == set()


def test_the_analyses_are_one_layer_of_independent_siblings():
    (layers,) = [c for c in _config()["contracts"] if c["type"] == "layers"]
    analyses = [layer for layer in layers["layers"] if "diff" in layer]
    assert analyses == ["diff | access | (exposure) | securicad | collect"]


def test_the_sdks_are_protected():
    protected = {
        m
        for c in _config()["contracts"]
        if c["type"] == "protected"
        for m in c["protected_modules"]
    }
    assert {"azure", "msgraph_core", "kiota_abstractions", "snapdiff.collect", "click"} <= protected


def test_the_differ_colours_like_click_without_importing_it():
    """diff/textout.py writes its own ANSI codes (click lives only in the CLI): the same bytes
    click.style wrote for every colour and weight the reports use."""
    import click

    from snapdiff.diff.textout import _ANSI, TextOut

    out = TextOut(color=True)
    for fg in (None, *_ANSI):
        for bold in (False, True):
            if fg or bold:  # the reports always ask for a colour or bold (None: click's default)
                want = click.style("x", fg=fg, bold=bold or None)
                assert out.style("x", fg=fg, bold=bold) == want
    assert TextOut(color=False).style("x", fg="red", bold=True) == "x"
