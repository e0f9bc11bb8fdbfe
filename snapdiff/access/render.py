"""Text, Markdown and JSON for access reports; the lines of one access-diff change (the diff
section renders them)."""

from __future__ import annotations

import json

from .diff import AccessChange, AccessDiff
from .query import AccessReport, Entry


def _cia(cia: list[int] | None) -> str:
    return f"C{cia[0]} I{cia[1]} A{cia[2]}" if cia else "untagged"


def _who(pid: str, label: str | None) -> str:
    """``display name (UPN or appId) [id]``, or the id alone."""
    return f"{label} [{pid}]" if label else pid


def to_json(obj: AccessReport | AccessDiff) -> str:
    return json.dumps(obj.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _caps(e: Entry) -> str:
    out = ", ".join(e.capabilities) or "-"
    if e.eligible:
        out += f" (eligible: {', '.join(e.eligible)})"
    return out


def _entry_lines(e: Entry, subject: str, md: bool) -> list[str]:
    bullet = "- " if md else "  "
    lines = [f"{bullet}{subject}: {_caps(e)}"]
    for v in e.paths:
        where = f"inherited from {v.scope}" if v.inherited else "at the resource"
        kind = "eligible " if v.eligible else ""
        lines.append(
            f"    {'- ' if md else ''}{kind}{v.role} {v.how}, {where} ({', '.join(v.capabilities)})"
        )
    for d in e.denied:
        lines.append(f"    {'- ' if md else ''}denied by {d}")
    return lines


def render_report(r: AccessReport, *, md: bool = False) -> str:
    h = "## " if md else ""
    lines: list[str] = []
    if "resource" in r.query:
        lines.append(f"{h}who can reach {r.query['resource']} (snapshot #{r.snapshot})")
        cia = r.entries[0].cia if r.entries else None
        lines.append(f"CIA: {_cia(cia)}; {len(r.entries)} principal(s)")
        for e in r.entries:
            lines += _entry_lines(e, _who(e.principal, e.principal_name), md)
    else:
        title = (
            f"what {r.query['principal']} can reach"
            if "principal" in r.query
            else "privileged access"
        )
        lines.append(f"{h}{title} (snapshot #{r.snapshot})")
        current: object = object()
        for e in r.entries:
            top = max(e.cia) if e.cia else None
            if top != current:
                current = top
                label = f"highest CIA value {top}" if top is not None else "untagged"
                lines.append(f"{'### ' if md else ''}{label}")
            who = "" if "principal" in r.query else f"{e.principal_name or e.principal}: "
            subject = f"{who}{e.resource} ({_cia(e.cia)})"
            lines += (
                _entry_lines(e, subject, md)
                if "principal" in r.query
                else [f"{'- ' if md else '  '}{subject}: {_caps(e)}"]
            )
        if not r.entries:
            lines.append("nothing")
    if r.coverage:
        lines.append(f"{h}coverage" if md else "coverage:")
        lines += [f"{'- ' if md else '  '}{c}" for c in r.coverage]
    return "\n".join(lines) + "\n"


def change_lines(c: AccessChange, md: bool, limit: int = 5) -> list[str]:
    sign = {"gained": "+", "lost": "-", "raised": "^"}[c.change]
    kind = " eligible" if c.eligible else ""
    top = c.top
    reach = (
        f"{len(c.resources)} resource(s), highest C{top[0]} I{top[1]} A{top[2]}"
        if top[0] >= 0
        else f"{len(c.resources)} untagged resource(s)"
    )
    who = _who(c.principal, c.principal_name)
    bullet = "- " if md else ""
    lines = [f"{bullet}{sign} {who} {c.change}{kind} {', '.join(c.capabilities)} on {reach}"]
    lines += [f"    {'- ' if md else ''}because {cause}" for cause in c.causes]
    for r in c.resources[:limit]:
        lines.append(f"    {'- ' if md else ''}{r.id} ({_cia(r.cia)}): {', '.join(r.capabilities)}")
    if len(c.resources) > limit:
        lines.append(f"    {'- ' if md else ''}... {len(c.resources) - limit} more")
    return lines
