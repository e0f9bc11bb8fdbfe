"""Plain-text rendering, grouped like a plan: ``+`` added, ``-`` removed, ``~`` changed,
``>`` moved. Colour only when asked (the CLI asks on a terminal without NO_COLOR). Each
section renders its own part (``snapdiff.diff.sections``)."""

from __future__ import annotations

import textwrap

from ..naming.labels import VERBOSE, WIDTH
from .model import TENANTS_NOTE, Diff, Noise
from .textout import MAX_VALUE, TextOut, snapshot_line, value

__all__ = ["MAX_VALUE", "render_text", "snapshot_line", "summary_lines", "value"]


def noise_line(n: Noise) -> str:
    return (
        f"noise: {n.ignored_changes} field changes ignored"
        + f"; {n.resources_only_noise} resources changed only in ignored fields"
        + ("" if n.default_ignores else "; default ignores off")
    )


def noise_rules_line(n: Noise) -> str | None:
    """Which ignore rules hid how many field changes, or None when none did."""
    rules = ", ".join(f"{k} x{v}" for k, v in sorted(n.by_rule.items()))
    return f"ignored by rule: {rules}" if rules else None


def summary_lines(d: Diff) -> list[str]:
    """One line per computed section, then noise; shared with the Markdown renderer."""
    counts = d.counts()
    rules = noise_rules_line(d.noise)
    return (
        [s.summary(counts[s.name]) for s, _ in d.computed()]
        + [noise_line(d.noise)]
        + ([rules] if rules else [])
    )


def top_notes(d: Diff) -> tuple[list[str], list[str]]:
    """(notes shown right under A and B, the other notes): two tenants changes how everything
    below reads, so it comes first."""
    top = [n for n in d.notes if n.startswith(TENANTS_NOTE)]
    return top, [n for n in d.notes if n not in top]


def render_text(d: Diff, *, color: bool = False, verbose: bool = False) -> str:
    """The text report; ``verbose``: full ids, every member of a collapsed group."""
    token = VERBOSE.set(verbose)
    try:
        return _render(d, color)
    finally:
        VERBOSE.reset(token)


def _render(d: Diff, color: bool) -> str:
    o = TextOut(color)
    o.lines.append(o.style(f"A: {snapshot_line(d.a)}", bold=True))
    o.lines.append(o.style(f"B: {snapshot_line(d.b)}", bold=True))
    top, notes = top_notes(d)
    for note in top:
        o.item("!", note, indent=0)
    o.head("Summary")
    for line in summary_lines(d):
        o.lines += textwrap.wrap(
            line, WIDTH, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
        )
    if notes:
        o.head("Notes")
        for note in notes:
            o.wrapped("!", note)
    if d.not_compared:
        o.head("Not compared")
        for nc in d.not_compared:
            o.wrapped("?", f"{nc.section}: {nc.subject}: {nc.reason}")
    for s, result in d.computed():
        if s.has_changes(result):
            o.head(s.title)
            s.render_text(result, o)
    if d.total("any") == 0:
        o.lines.append("")
        o.lines.append("No changes.")
    return "\n".join(o.lines) + "\n"
