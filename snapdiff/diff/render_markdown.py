"""Markdown rendering, for a ticket or a pull request. Each section renders its own part
(``snapdiff.diff.sections``) under its heading."""

from __future__ import annotations

from ..naming.labels import VERBOSE
from .model import Diff
from .render_text import summary_lines, top_notes
from .textout import md_cell, snapshot_line


def render_markdown(d: Diff, *, verbose: bool = False) -> str:
    """The Markdown report; ``verbose``: full ids, every member of a collapsed group."""
    token = VERBOSE.set(verbose)
    try:
        return _render(d)
    finally:
        VERBOSE.reset(token)


def _render(d: Diff) -> str:
    L: list[str] = [
        "# snapdiff",
        "",
        f"- **A**: {snapshot_line(d.a)}",
        f"- **B**: {snapshot_line(d.b)}",
    ]
    top, notes = top_notes(d)
    L += ["", *(f"> **Warning**: {n}" for n in top)] if top else []
    L += ["", "## Summary", ""]
    L += [f"- {line}" for line in summary_lines(d)]
    if notes:
        L += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    if d.not_compared:
        L += ["", "## Not compared", "", "| section | what | why |", "|---|---|---|"]
        L += [
            f"| {n.section} | {md_cell(n.subject)} | {md_cell(n.reason)} |" for n in d.not_compared
        ]
    for s, result in d.computed():
        if s.has_changes(result):
            L += ["", f"## {s.title}", ""]
            L += s.render_markdown(result)
    if d.total("any") == 0:
        L += ["", "No changes."]
    return "\n".join(L).rstrip("\n") + "\n"
