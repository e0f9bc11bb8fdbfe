"""One snapshot's access inputs: resources and their scopes, role assignments (active and
PIM-eligible), deny assignments, role permissions, group membership, and what was unreadable.

Read only through ``SnapshotView``; nothing here knows about HTTP or the builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import rowindex
from ..diff.rbac import load_assignments, role_definitions
from ..naming.calls import (
    DENY_ASSIGNMENTS,
    GRAPH_MEMBERS,
    GRAPH_TRANSITIVE_MEMBERS,
    MANAGEMENT_GROUP_GET,
    ROLE_ASSIGNMENTS,
    ROLE_ELIGIBILITY,
)
from ..naming.ids import role_guid
from ..naming.scad import find_scad_tag, parse_scad
from ..principals import PrincipalName, principal_names
from ..principals import coverage as names_coverage
from ..snapshot import Fetch, SnapshotView
from .capabilities import Permissions

DENY_CALL, ASSIGN_CALL, ELIGIBILITY_CALL = DENY_ASSIGNMENTS, ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY
EVERYONE = "00000000-0000-0000-0000-000000000000"  # SystemDefined principal of deny assignments
_MG_PREFIX = "/providers/microsoft.management/managementgroups/"


@dataclass(frozen=True)
class Resource:
    id: str
    type: str
    name: str
    subscription: str  # lower
    cia: tuple[int, int, int] | None  # C, I, A of the scad tag

    @property
    def top(self) -> int:
        return max(self.cia) if self.cia else -1


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
    sub_parent: dict[str, str]  # lower subscription scope -> lower MG scope
    mg_parent: dict[str, str | None]  # lower MG scope -> lower parent MG scope
    grants: dict[str, list[Grant]]  # lower scope -> grants there
    denies: dict[str, list[Deny]]  # lower scope -> deny assignments there
    roles: dict[str, Permissions | None]  # role GUID -> permissions (None: unreadable)
    role_names: dict[str, str]
    members: Members
    names: dict[str, PrincipalName]  # lower id -> name (snapdiff.principals)
    # lower subscription scope -> fetch status of each listing ("missing" when never asked)
    coverage: dict[str, dict[str, str]]
    graph_status: str
    names_from: str  # where principal names came from (snapdiff.principals.coverage)
    # (what, lower scope, status) of deny/eligibility listings that failed at any scope
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)

    def scope_chain(self, rid: str, sub: str) -> list[str]:
        """Lower scopes above and at ``rid``, root first: MGs, subscription, group, parents."""
        sub_scope = f"/subscriptions/{sub}"
        up: list[str] = []
        mg = self.sub_parent.get(sub_scope)
        seen: set[str] = set()
        while mg and mg not in seen:
            seen.add(mg)
            up.append(mg)
            mg = self.mg_parent.get(mg)
        chain = up[::-1]
        parts = rid.split("/")
        for n in range(3, len(parts) + 1):
            prefix = "/".join(parts[:n])
            if prefix.startswith(sub_scope) and not prefix.endswith(
                ("/resourcegroups", "/providers")
            ):
                chain.append(prefix)
        return chain


def _perms(body_perms: dict[str, list[str]] | list[dict[str, Any]]) -> Permissions:
    if isinstance(body_perms, dict):
        get = body_perms.get
        return Permissions(
            *(
                tuple(x.lower() for x in get(k, []))
                for k in ("actions", "notActions", "dataActions", "notDataActions")
            )
        )
    flat: dict[str, list[str]] = {
        k: [] for k in ("actions", "notActions", "dataActions", "notDataActions")
    }
    for block in body_perms:
        for k in flat:
            flat[k] += [str(x) for x in (block or {}).get(k) or []]
    return _perms(flat)


def _cia(row: dict[str, Any]) -> tuple[int, int, int] | None:
    raw = find_scad_tag(row.get("tags"))
    return None if raw is None else _parse_cia(str(raw))


@lru_cache(maxsize=4096)
def _parse_cia(raw: str) -> tuple[int, int, int]:
    s = parse_scad(raw)
    return (s.confValue, s.integrityValue, s.availValue)


def _mg_tree(view: SnapshotView) -> tuple[dict[str, str], dict[str, str | None]]:
    subs: dict[str, str] = {}
    mgs: dict[str, str | None] = {}
    for f in view.fetches(MANAGEMENT_GROUP_GET):
        body = f.body() if f.ok else None
        if not isinstance(body, dict) or not body.get("id"):
            continue
        me = str(body["id"]).lower()
        props = body.get("properties") or {}
        parent = ((props.get("details") or {}).get("parent") or {}).get("id")
        mgs[me] = str(parent).lower() if parent else None
        for child in props.get("children") or []:
            cid = str((child or {}).get("id") or "").lower()
            if cid.startswith("/subscriptions/"):
                subs[cid] = me
            elif cid.startswith(_MG_PREFIX):
                mgs.setdefault(cid, me)
    return subs, mgs


def _members(view: SnapshotView) -> Members:
    out = Members()
    for call, into in ((GRAPH_MEMBERS, out.direct), (GRAPH_TRANSITIVE_MEMBERS, out.transitive)):
        for f in view.fetches(call):
            key = f.target.lower()
            if not f.ok:
                into[key] = None
                continue
            into[key] = [
                (str(m["id"]).lower(), str(m.get("@odata.type") or "").rsplit(".", 1)[-1])
                for m in f.items()
                if isinstance(m, dict) and m.get("id")
            ]
    return out


def _status(f: Fetch | None) -> str:
    return "missing" if f is None else f.status


def _eligible(view: SnapshotView, role_names: dict[str, str]) -> list[Grant]:
    out: dict[str, Grant] = {}
    for f in view.fetches(ELIGIBILITY_CALL):
        if not f.ok:
            continue
        for item in f.items():
            p = (item or {}).get("properties") or {}
            if not p.get("principalId") or not p.get("roleDefinitionId") or not p.get("scope"):
                continue
            if str(p.get("status") or "Provisioned").lower() not in (
                "provisioned",
                "accepted",
                "active",
            ):
                continue
            guid = role_guid(str(p["roleDefinitionId"]))
            exp = (p.get("expandedProperties") or {}).get("roleDefinition") or {}
            gid = str(item.get("id") or f"{p['scope']}/eligible/{p['principalId']}/{guid}")
            out.setdefault(
                gid.lower(),
                Grant(
                    gid,
                    str(p["scope"]),
                    str(p["principalId"]).lower(),
                    str(p.get("principalType") or ""),
                    guid,
                    role_names.get(guid) or str(exp.get("displayName") or guid),
                    eligible=True,
                ),
            )
    return list(out.values())


def _denies(view: SnapshotView) -> list[Deny]:
    out: dict[str, Deny] = {}
    for f in view.fetches(DENY_CALL):
        if not f.ok:
            continue
        for item in f.items():
            p = (item or {}).get("properties") or {}
            if not item.get("id") or not p.get("scope"):
                continue
            out.setdefault(
                str(item["id"]).lower(),
                Deny(
                    str(item["id"]),
                    str(p.get("denyAssignmentName") or item.get("name") or item["id"]),
                    str(p["scope"]),
                    frozenset(str(x.get("id", "")).lower() for x in p.get("principals") or []),
                    frozenset(
                        str(x.get("id", "")).lower() for x in p.get("excludePrincipals") or []
                    ),
                    _perms(p.get("permissions") or []),
                    not p.get("doNotApplyToChildScopes"),
                ),
            )
    return list(out.values())


def _resource(key: str, row: dict[str, Any]) -> Resource:
    return Resource(
        str(row["id"]),
        str(row.get("type") or "").lower(),
        str(row.get("name") or ""),
        str(row.get("subscriptionId") or key.split("/")[2]).lower(),
        _cia(row),
    )


_FROM_INDEX = rowindex.COLS_TYPE | rowindex.COLS_NAME | rowindex.COLS_SUB


def _resources(view: SnapshotView) -> dict[str, Resource]:
    """Every resource by lower-cased id, sorted; from the row index when the snapshot has one
    (no body parsed but those of rows lacking a column ``_resource`` reads)."""
    cols = rowindex.resource_columns(view)
    if cols is None:
        return {key: _resource(key, row) for key, row in view.resources().items()}
    lacking = [k for k, c in cols.items() if c[5] & _FROM_INDEX != _FROM_INDEX]
    rows = rowindex.ResourceIndex.load(view).rows(lacking) if lacking else {}
    out = {}
    for key, (rid, rtype, name, sub, cia, bits) in cols.items():
        if bits & _FROM_INDEX != _FROM_INDEX:
            out[key] = _resource(key, rows[key])
        else:
            out[key] = Resource(
                rid, rtype, name, sub.lower(), None if cia is None else _parse_cia(cia)
            )
    return out


def load_inputs(view: SnapshotView) -> AccessInputs:
    """Everything the access computation needs from one snapshot."""
    defs = role_definitions(view)
    roles = {g: (_perms(d.permissions) if d is not None else None) for g, d in defs.items()}
    role_names = {g: d.name for g, d in defs.items() if d is not None}
    grants: dict[str, list[Grant]] = {}
    for a in load_assignments(view, defs).records.values():
        if a.scope and a.principal_id:
            g = Grant(
                a.id,
                a.scope,
                a.principal_id.lower(),
                a.principal_type,
                role_guid(a.role_definition_id),
                a.role_name,
            )
            grants.setdefault(a.scope.lower().rstrip("/"), []).append(g)
    for g in _eligible(view, role_names):
        roles.setdefault(g.role, None)
        grants.setdefault(g.scope.lower().rstrip("/"), []).append(g)
    denies: dict[str, list[Deny]] = {}
    for d in _denies(view):
        denies.setdefault(d.scope.lower().rstrip("/"), []).append(d)
    resources = _resources(view)
    sub_parent, mg_parent = _mg_tree(view)
    coverage: dict[str, dict[str, str]] = {}
    subs = {r.subscription for r in resources.values()}
    for s in sorted(subs):
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
        if not f.ok and not f.target.startswith("/subscriptions/")
    ]
    return AccessInputs(
        view.id,
        resources,
        sub_parent,
        mg_parent,
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
