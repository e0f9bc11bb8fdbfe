"""Role assignments, role definitions, deny assignments and PIM-eligible assignments.

Listings overlap (a subscription's listing repeats the management-group assignments it
inherits): an assignment is one record per lower-cased id, the first one stored. Items without
an id name no assignment and are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ..naming.calls import DENY_ASSIGNMENTS, ROLE_ASSIGNMENTS, ROLE_DEFINITION, ROLE_ELIGIBILITY
from ..naming.ids import role_guid
from ..naming.rbac import AssignmentItem, read_assignments
from ..snapshot import Fetch, SnapshotView

PERMISSION_KINDS = ("actions", "notActions", "dataActions", "notDataActions")
PRIVILEGED_NAMES = frozenset({"owner", "contributor", "user access administrator"})
# Built-in role GUIDs are the same in every tenant: used when a definition could not be read.
PRIVILEGED_BUILTINS = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}
_GRANTS_RBAC_WRITE = "microsoft.authorization/roleassignments/write"
# Eligibility instances in force (PIM): others (expired, revoked, pending) grant nothing.
_ELIGIBLE_STATES = ("provisioned", "accepted", "active")


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


@dataclass
class RoleDefinition:
    """A stored role definition. ``permissions``: every block merged, each kind sorted and
    distinct; ``blocks``: the permission blocks as stored (a missing kind is None)."""

    guid: str
    name: str  # roleName, or the GUID without one
    permissions: dict[str, list[str]]
    assignable_scopes: list[str]
    role_name: str | None = None  # roleName as stored
    blocks: list[dict[str, Any]] = field(default_factory=list, repr=False)
    privileged: bool = field(init=False)

    def __post_init__(self) -> None:
        self.privileged = is_privileged(self.name, self.permissions.get("actions", []))


def _memo(view: SnapshotView, key: str, make: Callable[[SnapshotView], Any]) -> Any:
    """``make(view)`` once per view."""
    return view.memo(f"read.{key}", lambda: make(view))


def _role_definition(guid: str, fallback: str, body: Any) -> RoleDefinition | None:
    if not isinstance(body, dict):
        return None
    props = body.get("properties") or {}
    blocks = [b if isinstance(b, dict) else {} for b in props.get("permissions") or []]
    perms: dict[str, list[str]] = {k: [] for k in PERMISSION_KINDS}
    for b in blocks:
        for k in PERMISSION_KINDS:
            perms[k].extend(str(x) for x in b.get(k) or [])
    name = props.get("roleName")
    return RoleDefinition(
        guid,
        str(name or fallback),
        {k: sorted(set(v), key=str.lower) for k, v in perms.items()},
        sorted(str(s) for s in props.get("assignableScopes") or []),
        None if name is None else str(name),
        [{k: b.get(k) for k in PERMISSION_KINDS} for b in blocks],
    )


def _read_definitions(view: SnapshotView) -> dict[str, RoleDefinition | None]:
    out: dict[str, RoleDefinition | None] = {}
    for f in view.fetches(ROLE_DEFINITION):
        out[f.target.lower()] = _role_definition(
            f.target.lower(), f.target, f.body() if f.ok else None
        )
    return out


def role_definitions(view: SnapshotView) -> dict[str, RoleDefinition | None]:
    """Role GUID (lower) -> definition; None when its fetch was not ok or not an object."""
    result: dict[str, RoleDefinition | None] = _memo(view, "role_definitions", _read_definitions)
    return result


@dataclass
class RoleAssignments:
    """Role assignments of one snapshot, one record per lower-cased id in stored order, with
    the listings each was seen in."""

    records: dict[str, AssignmentItem]
    seen_in: dict[str, set[str]]  # lower id -> lower listing scopes
    listings: dict[str, Fetch]  # lower listing scope -> its fetch, ok or not


def _read_assignments(view: SnapshotView) -> RoleAssignments:
    out = RoleAssignments({}, {}, {})
    for f in view.fetches(ROLE_ASSIGNMENTS):
        target = f.target.lower()
        out.listings[target] = f
        if not f.ok:
            continue
        for item in read_assignments(f.items()):
            if not item.id:
                continue
            key = item.id.lower()
            out.seen_in.setdefault(key, set()).add(target)
            out.records.setdefault(key, item)
    return out


def role_assignments(view: SnapshotView) -> RoleAssignments:
    """Every stored role assignment once, and every listing (read once per view)."""
    result: RoleAssignments = _memo(view, "role_assignments", _read_assignments)
    return result


@dataclass(frozen=True)
class DenyAssignment:
    id: str
    name: str
    scope: str
    principals: frozenset[str]  # lower ids; the all-zero SystemDefined id for everyone
    excluded: frozenset[str]
    permissions: dict[str, list[str]]  # every block's entries, in stored order
    child_scopes: bool  # applies below its scope too (not doNotApplyToChildScopes)


def _flat_permissions(blocks: Any) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {k: [] for k in PERMISSION_KINDS}
    for block in blocks or []:
        for k in flat:
            flat[k] += [str(x) for x in (block or {}).get(k) or []]
    return flat


def _read_denies(view: SnapshotView) -> list[DenyAssignment]:
    out: dict[str, DenyAssignment] = {}
    for f in view.fetches(DENY_ASSIGNMENTS):
        if not f.ok:
            continue
        for item in f.items():
            p = (item or {}).get("properties") or {}
            if not item.get("id") or not p.get("scope"):
                continue
            out.setdefault(
                str(item["id"]).lower(),
                DenyAssignment(
                    str(item["id"]),
                    str(p.get("denyAssignmentName") or item.get("name") or item["id"]),
                    str(p["scope"]),
                    frozenset(str(x.get("id", "")).lower() for x in p.get("principals") or []),
                    frozenset(
                        str(x.get("id", "")).lower() for x in p.get("excludePrincipals") or []
                    ),
                    _flat_permissions(p.get("permissions")),
                    not p.get("doNotApplyToChildScopes"),
                ),
            )
    return list(out.values())


def deny_assignments(view: SnapshotView) -> list[DenyAssignment]:
    """Deny assignments of every ok listing, once per lower-cased id, in stored order."""
    result: list[DenyAssignment] = _memo(view, "deny_assignments", _read_denies)
    return result


@dataclass(frozen=True)
class EligibleAssignment:
    """A PIM eligibility in force: the principal may activate the role at the scope."""

    id: str  # the instance's id, or scope/eligible/principal/role when it has none
    scope: str
    principal_id: str  # lower
    principal_type: str
    role_guid: str
    role_display_name: str  # from expandedProperties, "" when absent


def _eligible(item: Any) -> EligibleAssignment | None:
    p = (item or {}).get("properties") or {}
    if not p.get("principalId") or not p.get("roleDefinitionId") or not p.get("scope"):
        return None
    if str(p.get("status") or "Provisioned").lower() not in _ELIGIBLE_STATES:
        return None
    guid = role_guid(str(p["roleDefinitionId"]))
    exp = (p.get("expandedProperties") or {}).get("roleDefinition") or {}
    return EligibleAssignment(
        str(item.get("id") or f"{p['scope']}/eligible/{p['principalId']}/{guid}"),
        str(p["scope"]),
        str(p["principalId"]).lower(),
        str(p.get("principalType") or ""),
        guid,
        str(exp.get("displayName") or ""),
    )


def _read_eligible(view: SnapshotView) -> list[EligibleAssignment]:
    out: dict[str, EligibleAssignment] = {}
    for f in view.fetches(ROLE_ELIGIBILITY):
        if f.ok:
            for item in f.items():
                e = _eligible(item)
                if e is not None:
                    out.setdefault(e.id.lower(), e)
    return list(out.values())


def eligible_assignments(view: SnapshotView) -> list[EligibleAssignment]:
    """PIM-eligible assignments in force, once per lower-cased id, in stored order."""
    result: list[EligibleAssignment] = _memo(view, "eligible_assignments", _read_eligible)
    return result
