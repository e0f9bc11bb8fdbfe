"""Role assignments (at every listed scope) and role definitions whose permissions changed."""

from __future__ import annotations

from dataclasses import dataclass

from ..naming.ids import role_guid
from ..read import PRIVILEGED_BUILTINS, RoleDefinition, role_assignments
from ..read.principals import name_label, principal_names
from ..read.rbac import PERMISSION_KINDS
from ..snapshot import Fetch, SnapshotView
from .coverage import fetch_reason
from .model import (
    Assignment,
    AssignmentChange,
    FieldChange,
    NotCompared,
    RbacSection,
    RoleDefinitionChange,
)


@dataclass
class Assignments:
    """Role assignments of one snapshot, deduplicated by lower id, with where each was seen."""

    records: dict[str, Assignment]
    seen_in: dict[str, set[str]]  # assignment id -> lower listing targets
    listings: dict[str, Fetch]  # lower target -> its fetch


def load_assignments(view: SnapshotView, defs: dict[str, RoleDefinition | None]) -> Assignments:
    """The snapshot's role assignments (``snapdiff.read``) with role and principal names; built
    once per view and definitions (rbac, groups and access all ask)."""
    got = view.memo(f"diff.load_assignments:{id(defs)}", lambda: (defs, _named(view, defs)))
    if got[0] is not defs:  # a reused id of another definitions object
        got = (defs, _named(view, defs))
    result: Assignments = got[1]
    return result


def _named(view: SnapshotView, defs: dict[str, RoleDefinition | None]) -> Assignments:
    names = principal_names(view)
    read = role_assignments(view)
    records: dict[str, Assignment] = {}
    for key, item in read.records.items():
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
    return Assignments(records, read.seen_in, read.listings)


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
    defs_a: dict[str, RoleDefinition | None],
    defs_b: dict[str, RoleDefinition | None],
    sa: Assignments,
    sb: Assignments,
    not_compared: list[NotCompared],
) -> RbacSection:
    """Assignments added, removed, changed; definitions changed. Inputs from
    ``snapdiff.read.role_definitions`` and ``load_assignments`` of each snapshot."""
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
    defs_a: dict[str, RoleDefinition | None],
    defs_b: dict[str, RoleDefinition | None],
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


def _definition_changes(da: RoleDefinition, db: RoleDefinition) -> list[FieldChange]:
    out = []
    if da.name != db.name:
        out.append(FieldChange("roleName", "changed", da.name, db.name))
    for kind in PERMISSION_KINDS:
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
