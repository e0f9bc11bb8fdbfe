"""Diff two snapshots: resources, role assignments, CIA tags, group membership, management
groups. ``diff_snapshots`` returns a ``Diff``; ``render_*`` turn it into text, JSON, Markdown."""

from typing import Any

from ..naming.noise import DEFAULT_RULES, IGNORE_FILE, IgnoreSet, Rule, read_ignore_file
from . import sections as _builtin_sections  # noqa: F401  (they register themselves)
from .api import diff_snapshots
from .model import SCHEMA_VERSION, Diff
from .registry import Section, section

__all__ = [
    "DEFAULT_RULES",
    "Diff",
    "IGNORE_FILE",
    "IgnoreSet",
    "Rule",
    "SCHEMA",
    "Section",
    "SCHEMA_VERSION",
    "diff_snapshots",
    "read_ignore_file",
    "section",
]


def __getattr__(name: str) -> Any:
    """``SCHEMA`` loads on first use (so ``python -m snapdiff.diff.schema`` runs cleanly)."""
    if name == "SCHEMA":
        from .schema import SCHEMA

        return SCHEMA
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
