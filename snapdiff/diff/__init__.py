"""Diff two snapshots: resources, role assignments, CIA tags, group membership, management
groups. ``diff_snapshots`` returns a ``Diff``; ``render_*`` turn it into text, JSON, Markdown."""

from .api import diff_snapshots
from .model import SCHEMA, SCHEMA_VERSION, Diff
from .noise import DEFAULT_RULES, IGNORE_FILE, IgnoreSet, Rule, read_ignore_file

__all__ = [
    "DEFAULT_RULES",
    "Diff",
    "IGNORE_FILE",
    "IgnoreSet",
    "Rule",
    "SCHEMA",
    "SCHEMA_VERSION",
    "diff_snapshots",
    "read_ignore_file",
]
