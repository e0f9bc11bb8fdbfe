"""Plain-text rendering, grouped like a plan: ``+`` added, ``-`` removed, ``~`` changed,
``>`` moved. Colour only when asked (the CLI asks on a terminal without NO_COLOR). Each
section renders its own part (``snapdiff.diff.sections``)."""

from __future__ import annotations

from .model import TENANTS_NOTE, Diff, Noise
from .textout import MAX_VALUE, TextOut, snapshot_line, value

__all__ = ["MAX_VALUE", "render_text", "snapshot_line", "summary_lines", "value"]


def noise_line(n: Noise) -> str:
    rules = ", ".join(f"{k} x{v}" for k, v in sorted(n.by_rule.items()))
    return (
        f"noise: {n.ignored_changes} field changes ignored"
        + (f" ({rules})" if rules else "")
        + f"; {n.resources_only_noise} resources changed only in ignored fields"
        + ("" if n.default_ignores else "; default ignores off")
    )


def summary_lines(d: Diff) -> list[str]:
    """One line per computed section, then noise; shared with the Markdown renderer."""
    counts = d.counts()
    return [s.summary(counts[s.name]) for s, _ in d.computed()] + [noise_line(d.noise)]


def top_notes(d: Diff) -> tuple[list[str], list[str]]:
    """(notes shown right under A and B, the other notes): two tenants changes how everything
    below reads, so it comes first."""
    top = [n for n in d.notes if n.startswith(TENANTS_NOTE)]
    return top, [n for n in d.notes if n not in top]


def render_text(d: Diff, *, color: bool = False) -> str:
    o = TextOut(color)
    o.lines.append(o.style(f"A: {snapshot_line(d.a)}", bold=True))
    o.lines.append(o.style(f"B: {snapshot_line(d.b)}", bold=True))
    top, notes = top_notes(d)
    for note in top:
        o.item("!", note, indent=0)
    o.head("Summary")
    for line in summary_lines(d):
        o.lines.append("  " + line)
    if notes:
        o.head("Notes")
        for note in notes:
            o.item("!", note)
    if d.not_compared:
        o.head("Not compared")
        for nc in d.not_compared:
            o.item("?", f"{nc.section}: {nc.subject}: {nc.reason}")
    for s, result in d.computed():
        if s.has_changes(result):
            o.head(s.title)
            s.render_text(result, o)
    if d.total("any") == 0:
        o.lines.append("")
        o.lines.append("No changes.")
    return "\n".join(o.lines) + "\n"
