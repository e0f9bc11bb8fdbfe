"""Text, Markdown and JSON for access reports; the lines of one access-diff change (the diff
section renders them)."""

from __future__ import annotations

import json

from ..naming import labels
from .diff import COLLAPSE_AT, AccessChange, AccessDiff, AccessEntry
from .query import AccessReport, Entry


def _cia(cia: list[int] | None) -> str:
    return f"C{cia[0]} I{cia[1]} A{cia[2]}" if cia else "untagged"


def to_json(obj: AccessReport | AccessDiff) -> str:
    return json.dumps(obj.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _caps(e: Entry) -> str:
    out = ", ".join(e.capabilities) or "-"
    if e.eligible:
        out += f" (eligible: {', '.join(e.eligible)})"
    return out


def entry_who(e: Entry) -> str:
    """``Alice Admin <alice@contoso.com> (User 685f896a…)``: name first, id second."""
    return labels.principal(e.principal, e.principal_display, e.principal_upn, e.principal_type)


def _path_lines(e: Entry, md: bool) -> list[str]:
    lines = []
    for v in e.paths:
        where = f"inherited from {labels.resource(v.scope)}" if v.inherited else "at the resource"
        kind = "eligible " if v.eligible else ""
        lines.append(
            f"    {'- ' if md else ''}{kind}{v.role} {v.how}, {where} ({', '.join(v.capabilities)})"
        )
    for d in e.denied:
        lines.append(f"    {'- ' if md else ''}denied by {d}")
    return lines


def _entry_lines(e: Entry, subject: str, md: bool) -> list[str]:
    bullet = "- " if md else "  "
    return [f"{bullet}{subject}: {_caps(e)}", *_path_lines(e, md)]


def _alike(e: Entry) -> tuple[object, ...] | None:
    """What members of one group holding the same access through it share; None when some
    path does not go through a group."""
    if not e.paths or any(not v.how.startswith("via group ") for v in e.paths):
        return None
    return (
        tuple(
            (v.role, v.scope, v.how, v.inherited, v.eligible, tuple(v.capabilities))
            for v in e.paths
        ),
        tuple(e.capabilities),
        tuple(e.eligible),
        tuple(e.denied),
    )


def _group_of(e: Entry) -> str:
    how = e.paths[0].how[len("via group ") :]
    return how.split(", nested via ", 1)[0]


def _resource_lines(r: AccessReport, md: bool, collapse_at: int) -> list[str]:
    """One entry per principal; members of one group holding the same access only through it
    collapse into one entry from ``collapse_at`` members ("149 principals via sg-all-staff:
    read"; -v lists them). The order stays: most capabilities first."""
    alike: dict[tuple[object, ...], list[Entry]] = {}
    for e in r.entries:
        key = _alike(e)
        if key is not None:
            alike.setdefault(key, []).append(e)
    big = {id(e): k for k, es in alike.items() if len(es) >= collapse_at for e in es}
    lines: list[str] = []
    done: set[tuple[object, ...]] = set()
    for e in r.entries:
        key = big.get(id(e))
        if key is None:
            lines += _entry_lines(e, entry_who(e), md)
            continue
        if key in done:
            continue
        done.add(key)
        members = alike[key]
        head = f"{len(members)} principals via {_group_of(e)}"
        lines += _entry_lines(e, head, md)
        if labels.verbose():
            lines += [f"    {'- ' if md else ''}member {entry_who(m)}" for m in members]
        else:
            lines.append(f"    {'- ' if md else ''}(-v lists them)")
    return lines


def render_report(r: AccessReport, *, md: bool = False, verbose: bool = False) -> str:
    token = labels.VERBOSE.set(verbose)
    try:
        return _report(r, md)
    finally:
        labels.VERBOSE.reset(token)


def _report(r: AccessReport, md: bool) -> str:
    h = "## " if md else ""
    lines: list[str] = []
    if "resource" in r.query:
        lines.append(
            f"{h}who can reach {labels.resource(r.query['resource'])} (snapshot #{r.snapshot})"
        )
        cia = r.entries[0].cia if r.entries else None
        lines.append(f"CIA: {_cia(cia)}; {len(r.entries)} principal(s)")
        lines += _resource_lines(r, md, COLLAPSE_AT)
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
            who = "" if "principal" in r.query else f"{entry_who(e)}: "
            subject = f"{who}{labels.resource(e.resource)} ({_cia(e.cia)})"
            lines += (
                _entry_lines(e, subject, md)
                if "principal" in r.query
                else [f"{'- ' if md else '  '}{subject}: {_caps(e)}"]
            )
        if not r.entries:
            lines.append("nothing")
    if r.coverage:
        lines.append(f"{h}coverage" if md else "coverage:")
        lines += [f"{'- ' if md else '  '}{labels.shorten_ids(c)}" for c in r.coverage]
    return "\n".join(lines) + "\n"


SIGNS = {"gained": "+", "lost": "-", "raised": "^"}
Line = tuple[int, str, str]  # (depth, sign or "", text)


def who(c: AccessChange) -> str:
    """``Eve Contractor <eve@contoso.com> (User 259e0f9b…)``: name first, id second."""
    return labels.principal(c.principal, c.principal_display, c.principal_upn, c.principal_type)


def _reach(c: AccessChange) -> str:
    top = c.top
    n = len(c.resources)
    res = "resource" if n == 1 else "resources"
    if top[0] < 0:
        return f"{n} untagged {res}"
    return f"{n} {res}, highest C{top[0]} I{top[1]} A{top[2]}"


def change_lines(c: AccessChange, limit: int = 5) -> list[Line]:
    """One change under its principal: what, why, which resources (the first ``limit``,
    highest CIA first; all under -v)."""
    kind = " eligible" if c.eligible else ""
    head = f"{c.change}{kind} {', '.join(c.capabilities)} on {_reach(c)}"
    if c.privileged:
        head += "  [privileged]"
    lines: list[Line] = [(1, SIGNS[c.change], head)]
    if c.upper_bound:
        lines.append(
            (2, "!", f"deny assignments unknown ({c.upper_bound}): access is an upper bound")
        )
    lines += [(2, "", "because " + labels.shorten_ids(cause)) for cause in c.causes]
    shown = c.resources if labels.verbose() else c.resources[:limit]
    for r in shown:
        lines.append(
            (2, "", f"{labels.resource(r.id)}  {_cia(r.cia)}: {', '.join(r.capabilities)}")
        )
    if len(c.resources) > len(shown):
        lines.append((2, "", f"... {len(c.resources) - len(shown)} more (-v lists them)"))
    return lines


def entry_lines(e: AccessEntry) -> list[Line]:
    """A principal and its changes, or a collapsed group's members and their shared change."""
    if e.via_group is None:
        lines: list[Line] = [(0, "", who(e.members[0]))]
        for c in e.changes:
            lines += change_lines(c)
        return lines
    lines = [(0, "", f"{len(e.members)} principals via {e.via_group}")]
    if labels.verbose():
        lines += [(1, "", "member " + who(c)) for c in e.members]
    else:
        lines.append((1, "", "(-v lists them)"))
    return lines + change_lines(e.changes[0])
