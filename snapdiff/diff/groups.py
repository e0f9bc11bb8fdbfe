"""Direct and transitive members of every group that holds a role assignment."""

from __future__ import annotations

from ..read import MemberListing, member_listings
from ..read.principals import PrincipalName, name_label, principal_names
from ..snapshot import Fetch, SnapshotView
from .coverage import fetch_reason, source_reason
from .model import GroupChange, GroupsSection, Member, NotCompared
from .rbac import Assignments

_LISTINGS = (("direct", False), ("transitive", True))


def _only(
    listing: MemberListing, other: MemberListing, names: dict[str, PrincipalName]
) -> list[Member]:
    """Members of ``listing`` that ``other`` lacks (by lower id), sorted; named only these."""
    theirs = {m.id.lower() for m in other.members}
    mine = {m.id.lower(): m for m in listing.members}
    return [
        Member(m.id, m.type or "unknown", name_label(names, m.id))
        for k, m in sorted(mine.items())
        if k not in theirs
    ]


def _group_roles(s: Assignments) -> dict[str, list[tuple[str, bool]]]:
    out: dict[str, list[tuple[str, bool]]] = {}
    for rec in s.records.values():
        if rec.principal_type.lower() == "group" and rec.principal_id:
            out.setdefault(rec.principal_id.lower(), []).append(
                (f"{rec.role_name} on {rec.scope}", rec.privileged)
            )
    return out


def diff_groups(
    a: SnapshotView,
    b: SnapshotView,
    assignments_a: Assignments,
    assignments_b: Assignments,
    not_compared: list[NotCompared],
) -> GroupsSection:
    roles_a, roles_b = _group_roles(assignments_a), _group_roles(assignments_b)
    fetched = {
        side: {label: member_listings(v, transitive=t) for label, t in _LISTINGS}
        for side, v in (("A", a), ("B", b))
    }
    names_a, names_b = principal_names(a), principal_names(b)
    out = GroupsSection()
    for gid in sorted(roles_a.keys() | roles_b.keys()):
        diffs: dict[str, tuple[list[Member], list[Member]]] = {}
        why = None
        for label, _ in _LISTINGS:
            fa, fb = fetched["A"][label].get(gid), fetched["B"][label].get(gid)
            why = _why(a, "A", fa.fetch if fa else None, gid in roles_a) or _why(
                b, "B", fb.fetch if fb else None, gid in roles_b
            )
            if why:
                break
            assert fa is not None and fb is not None
            diffs[label] = (_only(fb, fa, names_b), _only(fa, fb, names_a))
        if why:
            not_compared.append(NotCompared("groups", f"members of group {gid}", why))
            continue
        if not any(added or removed for added, removed in diffs.values()):
            continue
        roles = roles_b.get(gid) or roles_a.get(gid) or []
        out.changed.append(
            GroupChange(
                gid,
                sorted(r for r, _ in roles),
                any(p for _, p in roles_a.get(gid, []) + roles_b.get(gid, [])),
                *diffs["direct"],
                *diffs["transitive"],
                name_label(names_b, gid) or name_label(names_a, gid),
            )
        )
    return out


def _why(view: SnapshotView, side: str, f: Fetch | None, holds_role: bool) -> str | None:
    if f is None:
        if not holds_role:
            return f"the group held no role assignment in {side}, so its members were not collected"
        return source_reason(view, side, "graph") or f"members not collected in {side}"
    return fetch_reason(f, side, "member listing")
