"""How one resource, role assignment, group or management group changed across every snapshot."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..naming.calls import MANAGEMENT_GROUPS_LIST
from ..naming.ids import is_management_group, row_parts
from ..naming.noise import IgnoreSet
from ..read import member_listings, role_definitions
from ..read.principals import principal_names
from ..snapshot import SnapshotView
from ..status import SnapshotStatus
from ..store import Store
from .api import snapshot_info
from .coverage import fetch_reason
from .mgmt import load_management_groups
from .model import FieldChange, Noise, ResourceMove, ResourcesSection, SnapshotInfo
from .rbac import load_assignments
from .resources import ResourceSide, field_changes, find_moves, listing_reason

_UNKNOWN = object()


@dataclass
class HistoryEntry:
    snapshot: SnapshotInfo
    event: str  # present, absent, added, removed, moved, changed, unchanged, unknown
    reason: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    id: str | None = None  # the object's id in this snapshot when it differs (after a move)


@dataclass
class History:
    id: str
    kind: str  # resource, role_assignment, group, management_group
    entries: list[HistoryEntry]
    # principal id (as shown) -> "display name (UPN or appId)", from the newest snapshot naming it
    principal_names: dict[str, str] = field(default_factory=dict)

    @property
    def seen(self) -> bool:
        """Whether any snapshot held the object (else the id is probably mistyped)."""
        return any(e.event not in ("absent", "unknown") for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kind_of(ident: str) -> str:
    low = ident.lower()
    if "/providers/microsoft.authorization/roleassignments/" in low:
        return "role_assignment"
    if is_management_group(low):
        return "management_group"
    if low.startswith("/"):
        return "resource"
    return "group"


def _state(view: SnapshotView, kind: str, key: str) -> tuple[Any, str | None, str]:
    """(state or None when absent or _UNKNOWN, why unknown, resource type for ignore rules)."""
    if kind == "resource":
        row = view.resources().get(key)
        if row is not None:
            return row, None, row_parts(row)[0]
        why = listing_reason(view, "this snapshot")
        return (_UNKNOWN, why, "") if why else (None, None, "")
    if kind == "role_assignment":
        s = load_assignments(view, role_definitions(view))
        rec = s.records.get(key)
        if rec is not None:  # a renamed principal is not a changed assignment
            return {k: v for k, v in asdict(rec).items() if k != "principal_name"}, None, ""
        bad = [f for f in s.listings.values() if not f.ok]
        if bad or not s.listings:
            return _UNKNOWN, f"{len(bad)} role assignment listings not ok", ""
        return None, None, ""
    if kind == "management_group":
        groups, _ = load_management_groups(view)
        if key in groups:
            return asdict(groups[key]), None, ""
        why = fetch_reason(view.fetch(MANAGEMENT_GROUPS_LIST, ""), "this snapshot", "listing")
        return (_UNKNOWN, why, "") if why else (None, None, "")
    state: dict[str, list[str]] = {}
    for label, transitive in (("direct", False), ("transitive", True)):
        listing = member_listings(view, transitive=transitive).get(key)
        if listing is None:
            return None, None, ""
        if not listing.ok:
            return _UNKNOWN, fetch_reason(listing.fetch, "this snapshot", "member listing"), ""
        state[label] = sorted(m.id.lower() for m in listing.members)
    return state, None, ""


def _changes(kind: str, old: Any, new: Any, rtype: str, ignores: IgnoreSet) -> list[FieldChange]:
    if kind == "group":
        out = []
        for label in ("direct", "transitive"):
            a, b = set(old.get(label, [])), set(new.get(label, []))
            out += [FieldChange(label, "added", None, m) for m in sorted(b - a)]
            out += [FieldChange(label, "removed", m, None) for m in sorted(a - b)]
        return out
    return field_changes(old, new, rtype, ignores)[0]


def _move(
    prev: SnapshotView, cur: SnapshotView, key: str, ignores: IgnoreSet, *, arrived: bool
) -> ResourceMove | None:
    """The move between resource groups that diff would report for resource ``key`` (its
    old id when it left ``prev``, its new id when it ``arrived`` in ``cur``), or None."""
    sa, sb = ResourceSide.pair(prev, cur)
    removed = {k: sa.part(k) for k in sa.keys() - sb.keys()}
    added = {k: sb.part(k) for k in sb.keys() - sa.keys()}
    section = ResourcesSection()
    find_moves(sa, sb, removed, added, ignores, Noise(True, []), section, [])
    side = "new_id" if arrived else "old_id"
    return next((m for m in section.moved if getattr(m, side).lower() == key), None)


def history(store: Store, ident: str, ignores: IgnoreSet | None = None) -> History:
    """Every finished snapshot of ``store``, oldest first, with what happened to ``ident``."""
    ignores = ignores or IgnoreSet()
    kind = kind_of(ident)
    key = ident.strip().lower().rstrip("/")
    entries: list[HistoryEntry] = []
    names: dict[str, str] = {}
    last: Any = _UNKNOWN
    last_view: SnapshotView | None = None  # the last snapshot whose state was known
    current_id: str | None = None  # the id after a move, shown on the entries that follow
    for snap in store.snapshots():
        if snap.status == SnapshotStatus.RUNNING:
            continue
        view = SnapshotView(store, snap.id)
        info = snapshot_info(view)
        state, why, rtype = _state(view, kind, key)
        if kind in ("role_assignment", "group"):
            _name_principals(view, kind, key, state, names)
        if state is _UNKNOWN:
            entries.append(HistoryEntry(info, "unknown", why, id=current_id))
            continue
        moved = None
        if kind == "resource" and last_view is not None and (last is None) != (state is None):
            moved = _move(last_view, view, key, ignores, arrived=last is None)
        if moved is not None and state is None:  # it left: follow it under its new id
            key, current_id = moved.new_id.lower(), moved.new_id
            state = view.resources()[key]
            reason = f"to resource group {moved.to_resource_group}"
            entries.append(HistoryEntry(info, "moved", reason, moved.changes, current_id))
        elif moved is not None:
            reason = f"here from {moved.old_id}"
            entries.append(HistoryEntry(info, "moved", reason, moved.changes))
        elif last is _UNKNOWN:
            event = "present" if state is not None else "absent"
            entries.append(HistoryEntry(info, event, id=current_id))
        elif last is None and state is None:
            entries.append(HistoryEntry(info, "absent", id=current_id))
        elif last is None:
            entries.append(HistoryEntry(info, "added", id=current_id))
        elif state is None:
            entries.append(HistoryEntry(info, "removed", id=current_id))
        else:
            changes = _changes(kind, last, state, rtype, ignores)
            event = "changed" if changes else "unchanged"
            entries.append(HistoryEntry(info, event, None, changes, current_id))
        last, last_view = state, view
    return History(ident, kind, entries, principal_names=dict(sorted(names.items())))


def _name_principals(
    view: SnapshotView, kind: str, key: str, state: Any, out: dict[str, str]
) -> None:
    """Names of the principals ``state`` mentions (the group and its members, or the
    assignment's principal); later snapshots overwrite earlier ones."""
    known = principal_names(view)
    if kind == "group":
        ids = [key]
        if isinstance(state, dict):
            ids += [m for members in state.values() for m in members]
    else:
        ids = [str(state.get("principal_id", ""))] if isinstance(state, dict) else []
    for pid in ids:
        n = known.get(pid.lower())
        if n is not None:
            out[pid.lower()] = n.label
