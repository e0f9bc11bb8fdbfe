"""Management groups: added, removed, moved (parent changed), display name changed."""

from __future__ import annotations

from typing import Any

from ..naming.calls import MANAGEMENT_GROUP_GET, MANAGEMENT_GROUPS_LIST
from ..snapshot import SnapshotView
from .coverage import fetch_reason, fetches_by_lower_target
from .model import (
    FieldChange,
    ManagementGroup,
    ManagementGroupChange,
    ManagementGroupMove,
    MgmtSection,
    NotCompared,
)


def _parent(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    parent = ((body.get("properties") or {}).get("details") or {}).get("parent") or {}
    return str(parent["id"]) if parent.get("id") else None


def _load(view: SnapshotView) -> tuple[dict[str, ManagementGroup], dict[str, bool]]:
    """Management groups by lower id, and whether each one's parent is known."""
    listing = view.fetch(MANAGEMENT_GROUPS_LIST, "")
    gets = fetches_by_lower_target(view, MANAGEMENT_GROUP_GET)
    groups: dict[str, ManagementGroup] = {}
    known: dict[str, bool] = {}
    items = listing.items() if listing is not None and listing.ok else []
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        key = str(item["id"]).lower()
        f = gets.get(key)
        body = f.body() if f is not None and f.ok else None
        src = body if isinstance(body, dict) else item
        props = src.get("properties") or {}
        groups[key] = ManagementGroup(
            str(src.get("id") or item["id"]),
            str(src.get("name") or item.get("name") or ""),
            str(props.get("displayName") or ""),
            _parent(body) or _parent(item),
        )
        known[key] = isinstance(body, dict) or _parent(item) is not None
    return groups, known


def diff_mgmt(a: SnapshotView, b: SnapshotView, not_compared: list[NotCompared]) -> MgmtSection:
    out = MgmtSection()
    what = "management group listing"
    why = fetch_reason(a.fetch(MANAGEMENT_GROUPS_LIST, ""), "A", what)
    why = why or fetch_reason(b.fetch(MANAGEMENT_GROUPS_LIST, ""), "B", what)
    ga, ka = _load(a)
    gb, kb = _load(b)
    if why:
        not_compared.append(NotCompared("mgmt", "added/removed management groups", why))
    else:
        out.added = [gb[k] for k in sorted(gb.keys() - ga.keys())]
        out.removed = [ga[k] for k in sorted(ga.keys() - gb.keys())]
    for key in sorted(ga.keys() & gb.keys()):
        x, y = ga[key], gb[key]
        if x.display_name != y.display_name:
            out.changed.append(
                ManagementGroupChange(
                    y.id,
                    y.display_name,
                    [FieldChange("displayName", "changed", x.display_name, y.display_name)],
                )
            )
        if not (ka[key] and kb[key]):
            not_compared.append(
                NotCompared(
                    "mgmt",
                    f"parent of {y.id}",
                    f"details not readable in {'A' if not ka[key] else 'B'}",
                )
            )
            continue
        if (x.parent_id or "").lower() != (y.parent_id or "").lower():
            out.moved.append(ManagementGroupMove(y.id, y.display_name, x.parent_id, y.parent_id))
    return out
