"""One snapshot's access inputs: resources and their scopes, role assignments (active and
PIM-eligible), deny assignments, role permissions, group membership, and what was unreadable.

Read only through ``snapdiff.read``; nothing here knows about HTTP or the builder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..naming.calls import DENY_ASSIGNMENTS, ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY
from ..naming.ids import is_subscription_scope
from ..read import (
    PRIVILEGED_BUILTINS,
    Resource,
    ScopeTree,
    deny_assignments,
    eligible_assignments,
    member_listings,
    resource_records,
    role_assignments,
    role_definitions,
    scope_tree,
)
from ..read.principals import PrincipalName, principal_names
from ..read.principals import coverage as names_coverage
from ..snapshot import Fetch, SnapshotView
from ..status import Outcome
from .capabilities import Permissions

DENY_CALL, ASSIGN_CALL, ELIGIBILITY_CALL = DENY_ASSIGNMENTS, ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY
EVERYONE = "00000000-0000-0000-0000-000000000000"  # SystemDefined principal of deny assignments
__all__ = ["AccessInputs", "Deny", "Grant", "Members", "Resource", "load_inputs"]


@dataclass(frozen=True)
class Grant:
    """A role assignment, active or eligible (PIM), at one scope."""

    id: str
    scope: str  # as listed
    principal: str  # lower id
    principal_type: str
    role: str  # role GUID
    role_name: str
    eligible: bool = False


@dataclass(frozen=True)
class Deny:
    id: str
    name: str
    scope: str
    principals: frozenset[str]  # lower ids; EVERYONE for all principals
    excluded: frozenset[str]
    perms: Permissions
    child_scopes: bool  # applies below its scope too (not doNotApplyToChildScopes)


@dataclass
class Members:
    """Direct members of a group: (lower id, kind); None when they could not be read."""

    direct: dict[str, list[tuple[str, str]] | None] = field(default_factory=dict)
    transitive: dict[str, list[tuple[str, str]] | None] = field(default_factory=dict)


@dataclass
class AccessInputs:
    view_id: int
    resources: dict[str, Resource]  # lower id -> resource
    tree: ScopeTree  # management groups above each subscription
    grants: dict[str, list[Grant]]  # lower scope -> grants there
    denies: dict[str, list[Deny]]  # lower scope -> deny assignments there
    roles: dict[str, Permissions | None]  # role GUID -> permissions (None: unreadable)
    role_names: dict[str, str]
    members: Members
    names: dict[str, PrincipalName]  # lower id -> name (snapdiff.read.principals)
    # lower subscription scope -> fetch status of each listing ("missing" when never asked)
    coverage: dict[str, dict[str, str]]
    graph_status: str
    names_from: str  # where principal names came from (snapdiff.read.principals.coverage)
    # (what, lower scope, status) of deny/eligibility listings that failed at any scope
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)

    def scope_chain(self, rid: str, sub: str) -> list[str]:
        """Lower scopes above and at ``rid``, root first: MGs, subscription, group, parents."""
        return self.tree.chain(rid, sub)


def _perms(p: dict[str, list[str]]) -> Permissions:
    return Permissions(
        *(
            tuple(x.lower() for x in p.get(k, []))
            for k in ("actions", "notActions", "dataActions", "notDataActions")
        )
    )


def _members(view: SnapshotView) -> Members:
    out = Members()
    for transitive, into in ((False, out.direct), (True, out.transitive)):
        for gid, listing in member_listings(view, transitive=transitive).items():
            into[gid] = [(m.id.lower(), m.type) for m in listing.members] if listing.ok else None
    return out


def _status(f: Fetch | None) -> str:
    return Outcome.MISSING if f is None else f.status


def _grants(view: SnapshotView, role_names: dict[str, str]) -> dict[str, list[Grant]]:
    """Lower scope -> active then eligible grants there."""
    defs = role_definitions(view)
    grants: dict[str, list[Grant]] = {}
    for a in role_assignments(view).records.values():
        if a.scope and a.principal_id:
            d = defs.get(a.role_guid)
            name = d.name if d is not None else PRIVILEGED_BUILTINS.get(a.role_guid, a.role_guid)
            g = Grant(a.id, a.scope, a.principal_id.lower(), a.principal_type, a.role_guid, name)
            grants.setdefault(a.scope.lower().rstrip("/"), []).append(g)
    for e in eligible_assignments(view):
        g = Grant(
            e.id,
            e.scope,
            e.principal_id,
            e.principal_type,
            e.role_guid,
            role_names.get(e.role_guid) or e.role_display_name or e.role_guid,
            eligible=True,
        )
        grants.setdefault(g.scope.lower().rstrip("/"), []).append(g)
    return grants


def load_inputs(
    view: SnapshotView,
    resources: dict[str, Resource] | None = None,
    subscriptions: Iterable[str] | None = None,
) -> AccessInputs:
    """Everything the access computation needs from one snapshot. ``resources``: only these
    (the incremental diff passes the ones it recomputes), with listing coverage for
    ``subscriptions`` (lower GUIDs; default: those of the resources)."""
    defs = role_definitions(view)
    roles = {g: (_perms(d.permissions) if d is not None else None) for g, d in defs.items()}
    role_names = {g: d.name for g, d in defs.items() if d is not None}
    grants = _grants(view, role_names)
    for e in eligible_assignments(view):
        roles.setdefault(e.role_guid, None)
    denies: dict[str, list[Deny]] = {}
    for d in deny_assignments(view):
        deny = Deny(
            d.id, d.name, d.scope, d.principals, d.excluded, _perms(d.permissions), d.child_scopes
        )
        denies.setdefault(d.scope.lower().rstrip("/"), []).append(deny)
    if resources is None:
        resources = resource_records(view)
    if subscriptions is None:
        subscriptions = {r.subscription for r in resources.values()}
    coverage: dict[str, dict[str, str]] = {}
    for s in sorted(subscriptions):
        scope = f"/subscriptions/{s}"
        coverage[scope] = {
            "assignments": _status(view.fetch(ASSIGN_CALL, scope)),
            "denies": _status(view.fetch(DENY_CALL, scope)),
            "eligible": _status(view.fetch(ELIGIBILITY_CALL, scope)),
        }
    unreadable = [
        (
            "deny assignments" if call == DENY_CALL else "PIM-eligible assignments",
            f.target,
            f.status,
        )
        for call in (DENY_CALL, ELIGIBILITY_CALL)
        for f in view.fetches(call)
        if not f.ok and not is_subscription_scope(f.target)
    ]
    return AccessInputs(
        view.id,
        resources,
        scope_tree(view),
        grants,
        denies,
        roles,
        role_names,
        _members(view),
        principal_names(view),
        coverage,
        view.source_status("graph"),
        names_coverage(view),
        unreadable,
    )
