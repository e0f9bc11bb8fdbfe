"""Role assignments (at every listed scope) and role definitions whose permissions changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ..naming.calls import ROLE_DEFINITION
from ..naming.ids import role_guid
from ..naming.rbac import assignment_listings, read_assignments
from ..principals import name_label, principal_names
from ..snapshot import SnapshotView
from .coverage import fetch_reason
from .model import (
    Assignment,
    AssignmentChange,
    FieldChange,
    NotCompared,
    RbacSection,
    RoleDefinitionChange,
)

PRIVILEGED_NAMES = frozenset({"owner", "contributor", "user access administrator"})
# Built-in role GUIDs are the same in every tenant: used when a definition could not be read.
PRIVILEGED_BUILTINS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}
_PERMISSION_KINDS = ("actions", "notActions", "dataActions", "notDataActions")
_GRANTS_RBAC_WRITE = "microsoft.authorization/roleassignments/write"


@dataclass
class RoleDef:
    guid: str
    name: str
    permissions: dict[str, list[str]]
    assignable_scopes: list[str]
    body: dict[str, Any] = field(repr=False, default_factory=dict)
    privileged: bool = field(init=False)

    def __post_init__(self) -> None:
        self.privileged = is_privileged(self.name, self.permissions.get("actions", []))


def is_privileged(role_name: str, actions: list[str]) -> bool:
    """Owner, Contributor, User Access Administrator, or actions holding ``*`` or any wildcard
    that covers ``Microsoft.Authorization/roleAssignments/write`` (such as
    ``Microsoft.Authorization/*/write`` or ``Microsoft.Authorization/*``). notActions are not
    subtracted: the flag errs on the side of showing a change."""
    if role_name.strip().lower() in PRIVILEGED_NAMES:
        return True
    for act in actions:
        a = str(act).strip().lower()
        if a == "*" or a == "microsoft.authorization/*/write" or fnmatchcase(_GRANTS_RBAC_WRITE, a):
            return True
    return False


def role_definitions(view: SnapshotView) -> dict[str, RoleDef | None]:
    """Role GUID → definition (None when its fetch was not ok). Read once per view (rbac,
    groups and access share it): treat it as read-only."""
    cached: dict[str, RoleDef | None] | None = view._cache.get("role_definitions")
    if cached is None:
        cached = view._cache["role_definitions"] = _role_definitions(view)
    return cached


def _role_definitions(view: SnapshotView) -> dict[str, RoleDef | None]:
    out: dict[str, RoleDef | None] = {}
    for f in view.fetches(ROLE_DEFINITION):
        body = f.body() if f.ok else None
        if not isinstance(body, dict):
            out[f.target.lower()] = None
            continue
        props = body.get("properties") or {}
        perms: dict[str, list[str]] = {k: [] for k in _PERMISSION_KINDS}
        for p in props.get("permissions") or []:
            for k in _PERMISSION_KINDS:
                perms[k].extend(str(x) for x in p.get(k) or [])
        out[f.target.lower()] = RoleDef(
            f.target.lower(),
            str(props.get("roleName") or f.target),
            {k: sorted(set(v), key=str.lower) for k, v in perms.items()},
            sorted(str(s) for s in props.get("assignableScopes") or []),
            body,
        )
    return out


@dataclass
class Assignments:
    """Role assignments of one snapshot, deduplicated by lower id, with where each was seen."""

    records: dict[str, Assignment]
    seen_in: dict[str, set[str]]  # assignment id -> lower listing targets
    listings: dict[str, Any]  # lower target -> Fetch


def load_assignments(view: SnapshotView, defs: dict[str, RoleDef | None]) -> Assignments:
    """The assignments of ``view`` named by ``defs``; read once per view and ``defs`` (rbac,
    groups and access share them): treat them as read-only."""
    cached = view._cache.get("assignments")
    if cached is not None and cached[0] is defs:
        result: Assignments = cached[1]
        return result
    out = _load_assignments(view, defs)
    view._cache["assignments"] = (defs, out)
    return out


def _load_assignments(view: SnapshotView, defs: dict[str, RoleDef | None]) -> Assignments:
    records: dict[str, Assignment] = {}
    names = principal_names(view)
    seen: dict[str, set[str]] = {}
    listings = {}
    for target, f in assignment_listings(view):
        listings[target] = f
        if not f.ok:
            continue
        for item in read_assignments(f.items()):
            if not item.id:
                continue
            key = item.id.lower()
            seen.setdefault(key, set()).add(target)
            if key in records:
                continue
            guid = item.role_guid
            d = defs.get(guid)
            if d is not None:
                name, priv = d.name, d.privileged
            else:
                name = PRIVILEGED_BUILTINS.get(guid, guid)
                priv = guid in PRIVILEGED_BUILTINS
            records[key] = Assignment(
                id=item.id,
                scope=item.scope,
                principal_id=item.principal_id,
                principal_type=item.principal_type,
                role_definition_id=item.role_definition_id,
                role_name=name,
                privileged=priv,
                principal_name=name_label(names, item.principal_id),
            )
    return Assignments(records, seen, listings)


def _assignment_changes(x: Assignment, y: Assignment) -> list[FieldChange]:
    out = []
    if x.principal_id.lower() != y.principal_id.lower():
        out.append(FieldChange("principal_id", "changed", x.principal_id, y.principal_id))
    if x.principal_type != y.principal_type:
        out.append(FieldChange("principal_type", "changed", x.principal_type, y.principal_type))
    if (
        role_guid(x.role_definition_id) != role_guid(y.role_definition_id)
        or x.role_name != y.role_name
    ):
        out.append(FieldChange("role_name", "changed", x.role_name, y.role_name))
    if x.scope.lower() != y.scope.lower():
        out.append(FieldChange("scope", "changed", x.scope, y.scope))
    return out


def _comparable(key: str, mine: Assignments, other: Assignments) -> str | None:
    """None if the other snapshot listed a scope where this assignment was seen; else why not."""
    reasons = []
    for target in sorted(mine.seen_in.get(key, ())):
        f = other.listings.get(target)
        if f is not None and f.ok:
            return None
        reasons.append(target)
    return ", ".join(reasons)


def diff_rbac(
    defs_a: dict[str, RoleDef | None],
    defs_b: dict[str, RoleDef | None],
    sa: Assignments,
    sb: Assignments,
    not_compared: list[NotCompared],
) -> RbacSection:
    """Assignments added, removed, changed; definitions changed. Inputs from
    ``role_definitions`` and ``load_assignments`` of each snapshot."""
    out = RbacSection()
    for target in sorted(sa.listings.keys() | sb.listings.keys()):
        why = fetch_reason(sa.listings.get(target), "A", "listing") or fetch_reason(
            sb.listings.get(target), "B", "listing"
        )
        if why:
            not_compared.append(
                NotCompared(
                    "rbac",
                    f"role assignments at {target}",
                    why + "; none reported as added or removed there",
                )
            )
    if not sa.listings and not sb.listings:
        why = "no role assignment listing in A or B"
        not_compared.append(NotCompared("rbac", "role assignments", why))
    skipped = 0
    for key in sorted(sa.records.keys() | sb.records.keys()):
        x, y = sa.records.get(key), sb.records.get(key)
        if x is not None and y is not None:
            changes = _assignment_changes(x, y)
            if changes:
                out.changed.append(
                    AssignmentChange(
                        y.id, y.role_name, y.scope, x.privileged or y.privileged, changes
                    )
                )
        elif x is not None:
            if _comparable(key, sa, sb) is None:
                out.removed.append(x)
            else:
                skipped += 1
        elif y is not None:
            if _comparable(key, sb, sa) is None:
                out.added.append(y)
            else:
                skipped += 1
    if skipped:
        not_compared.append(
            NotCompared(
                "rbac",
                f"{skipped} role assignments seen in only one snapshot",
                "their scope was not listed successfully in the other",
            )
        )
    out.definitions_changed = _definitions_changed(defs_a, defs_b, not_compared)
    return out


def _definitions_changed(
    defs_a: dict[str, RoleDef | None],
    defs_b: dict[str, RoleDef | None],
    not_compared: list[NotCompared],
) -> list[RoleDefinitionChange]:
    """Definitions read in both snapshots whose name, permissions or scopes changed."""
    out = []
    for guid in sorted(defs_a.keys() | defs_b.keys()):
        if guid not in defs_a or guid not in defs_b:
            continue  # a role used in only one snapshot: its assignments tell the story
        da, db = defs_a[guid], defs_b[guid]
        if da is None or db is None:
            side = "A" if da is None else "B"
            not_compared.append(
                NotCompared("rbac", f"role definition {guid}", f"definition not readable in {side}")
            )
            continue
        changes = _definition_changes(da, db)
        if changes:
            out.append(RoleDefinitionChange(guid, db.name, da.privileged, db.privileged, changes))
    return out


def _definition_changes(da: RoleDef, db: RoleDef) -> list[FieldChange]:
    out = []
    if da.name != db.name:
        out.append(FieldChange("roleName", "changed", da.name, db.name))
    for kind in _PERMISSION_KINDS:
        old = {x.lower(): x for x in da.permissions.get(kind, [])}
        new = {x.lower(): x for x in db.permissions.get(kind, [])}
        for k in sorted(new.keys() - old.keys()):
            out.append(FieldChange(f"permissions.{kind}", "added", None, new[k]))
        for k in sorted(old.keys() - new.keys()):
            out.append(FieldChange(f"permissions.{kind}", "removed", old[k], None))
    old_s = {s.lower(): s for s in da.assignable_scopes}
    new_s = {s.lower(): s for s in db.assignable_scopes}
    for k in sorted(new_s.keys() - old_s.keys()):
        out.append(FieldChange("assignableScopes", "added", None, new_s[k]))
    for k in sorted(old_s.keys() - new_s.keys()):
        out.append(FieldChange("assignableScopes", "removed", old_s[k], None))
    return out
