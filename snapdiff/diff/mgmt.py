"""Management groups: added, removed, moved (parent changed), display name changed."""

from __future__ import annotations

from ..naming.calls import MANAGEMENT_GROUPS_LIST
from ..read import management_groups
from ..snapshot import SnapshotView
from .coverage import fetch_reason
from .model import (
    FieldChange,
    ManagementGroup,
    ManagementGroupChange,
    ManagementGroupMove,
    MgmtSection,
    NotCompared,
)


def load_management_groups(
    view: SnapshotView,
) -> tuple[dict[str, ManagementGroup], dict[str, bool]]:
    """Management groups by lower id (``snapdiff.read``), and whether each one's parent is
    known."""
    groups = management_groups(view).groups
    return (
        {
            k: ManagementGroup(g.id, g.name or "", g.display_name, g.parent_id)
            for k, g in groups.items()
        },
        {k: g.parent_known for k, g in groups.items()},
    )


def diff_mgmt(a: SnapshotView, b: SnapshotView, not_compared: list[NotCompared]) -> MgmtSection:
    out = MgmtSection()
    what = "management group listing"
    why = fetch_reason(a.fetch(MANAGEMENT_GROUPS_LIST, ""), "A", what)
    why = why or fetch_reason(b.fetch(MANAGEMENT_GROUPS_LIST, ""), "B", what)
    ga, ka = load_management_groups(a)
    gb, kb = load_management_groups(b)
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
