"""The incremental access diff (only what changed rows reach is recomputed, issue 19) against
the full computation, on seeded random churn of small tenants: role assignments at every kind
of scope, group memberships (nested), role definitions, deny assignments, PIM eligibility, the
management-group tree, listings that fail, and resource rows (tags, moves, additions, removals,
noise). Plus cases written by hand, checked on the incremental path, and checks that the
incremental path is the one taken and recomputes only what it must."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fakeazure.access_tenant import assignment_body
from fakeazure.shapes import MG, role_definition
from fakeazure.tenant import Tenant, assignment_listings
from fakeazure.writer import FakeFetch, tenant_fetches, write_snapshot
from snapdiff import rowindex
from snapdiff.access import diff_access, incremental
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

TENANT = "6a0c3b1e-5d4f-4e2a-9b8c-7d6e5f4a3b2c"
SUBS = [f"5ab00000-0000-4000-8000-00000000000{n}" for n in range(3)]
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
RUNNER = "7a1d0c2b-0000-4000-8000-00000000a001"
TYPES = (
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Web/sites",
)
RGS = ("rg-app", "rg-data", "RG-Ünï")
USERS = [f"0000a11c-0000-4000-8000-{n:012d}" for n in range(8)]
GROUPS = [f"0000a6a6-0000-4000-8000-{n:012d}" for n in range(4)]
EVERYONE = "00000000-0000-0000-0000-000000000000"
LISTINGS = (
    "authorization:roleAssignments",
    "authorization:denyAssignments",
    "authorization:roleEligibilityScheduleInstances",
)


@dataclass
class World:
    """One week of a small tenant, in the terms churn changes; ``tenant()`` renders it."""

    mg_of: dict[str, str]  # subscription -> management group (mg-a or mg-b, under the root)
    rows: list[dict[str, Any]]
    assignments: list[dict[str, Any]]  # guid, scope, role, principal, type
    roles: dict[str, list[str]]  # guid -> actions
    members: dict[str, list[str]]  # group -> direct members (users and groups)
    denies: list[dict[str, Any]]  # id, scope, principals, excluded, actions, children
    eligible: list[dict[str, Any]]  # guid, scope, role, principal
    # (call, lower target) -> status of listings that did not answer ok
    failed: dict[tuple[str, str], str] = field(default_factory=dict)

    def tenant(self) -> Tenant:
        t = Tenant(TENANT)
        t.subscriptions = [
            {"id": f"/subscriptions/{s}", "subscriptionId": s, "tenantId": TENANT,
             "displayName": f"sub {n}", "state": "Enabled", "authorizationSource": "RoleBased",
             "managedByTenants": []}
            for n, s in enumerate(SUBS)
        ]  # fmt: skip
        t.resources = self.rows
        parents = {TENANT: None, "mg-a": TENANT, "mg-b": TENANT}
        for name, parent in parents.items():
            t.management_groups.append(
                {"id": f"{MG}{name}", "type": "Microsoft.Management/managementGroups",
                 "name": name, "properties": {"tenantId": TENANT, "displayName": name}}
            )  # fmt: skip
            children = [
                {"id": f"{MG}{c}", "type": "Microsoft.Management/managementGroups", "name": c}
                for c, p in parents.items()
                if p == name
            ] + [
                {"id": f"/subscriptions/{s}", "type": "/subscriptions", "name": s}
                for s, m in self.mg_of.items()
                if m == name
            ]
            t.mg_details[f"{MG}{name}".lower()] = {
                "id": f"{MG}{name}", "type": "Microsoft.Management/managementGroups",
                "name": name,
                "properties": {
                    "tenantId": TENANT, "displayName": name, "children": children,
                    "details": {"parent": {"id": f"{MG}{parent}"} if parent else None},
                },
            }  # fmt: skip
        t.role_definitions = {
            g: role_definition(g, _ROLE_NAMES[g], _ROLE_NAMES[g], acts, custom=g == RUNNER)
            for g, acts in self.roles.items()
        }

        mgs = [f"{MG}{m}" for m in parents]
        above = {s: [f"{MG}{TENANT}", f"{MG}{m}"] for s, m in self.mg_of.items()}
        t.role_assignments = assignment_listings(self.assignments, above, mgs, assignment_body)
        t.groups = {
            g: [
                {"@odata.type": "#microsoft.graph." + ("group" if m in GROUPS else "user"),
                 "id": m, "displayName": _name(m)}
                for m in ms
            ]
            for g, ms in self.members.items()
        }  # fmt: skip
        for d in self.denies:
            t.deny_assignments.setdefault(_listing_scope(d["scope"]), []).append(_deny(d))
        for e in self.eligible:
            t.eligibility.setdefault(_listing_scope(e["scope"]), []).append(_eligibility(e))
        for u in USERS:
            t.directory[u] = {"@odata.type": "#microsoft.graph.user", "id": u,
                              "displayName": _name(u), "userPrincipalName": f"{_name(u)}@x.example"}  # fmt: skip
        return t

    def fetches(self) -> list[FakeFetch]:
        out = []
        for f in tenant_fetches(self.tenant()):
            status = self.failed.get((f.call, f.target.lower()))
            if status is not None:
                f = FakeFetch(f.call, f.target, [], status=status, http_status=403)
            out.append(f)
        return out


_ROLE_NAMES = {OWNER: "Owner", CONTRIBUTOR: "Contributor", READER: "Reader", RUNNER: "VM Runner"}


def _name(pid: str) -> str:
    return ("group-" if pid in GROUPS else "user-") + pid[-2:]


def _listing_scope(scope: str) -> str:
    """Where the fake tenant lists a deny or eligibility: its subscription, else the scope."""
    parts = scope.split("/")
    return (
        "/".join(parts[:3]).lower()
        if scope.lower().startswith("/subscriptions/")
        else scope.lower()
    )


def _deny(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{d['scope']}/providers/Microsoft.Authorization/denyAssignments/{d['id']}",
        "type": "Microsoft.Authorization/denyAssignments", "name": d["id"],
        "properties": {
            "denyAssignmentName": f"deny {d['id'][-4:]}", "description": "lock",
            "permissions": [{"actions": d["actions"], "notActions": [], "dataActions": [],
                             "notDataActions": []}],
            "scope": d["scope"], "doNotApplyToChildScopes": not d["children"],
            "principals": [{"id": p, "type": "SystemDefined" if p == EVERYONE else "User"}
                           for p in d["principals"]],
            "excludePrincipals": [{"id": p, "type": "Group" if p in GROUPS else "User"}
                                  for p in d["excluded"]],
            "isSystemProtected": True,
        },
    }  # fmt: skip


def _eligibility(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{e['scope']}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{e['guid']}",
        "name": e["guid"], "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
        "properties": {
            "principalId": e["principal"], "principalType": "Group" if e["principal"] in GROUPS else "User",
            "roleDefinitionId": f"/subscriptions/{SUBS[0]}/providers/Microsoft.Authorization/roleDefinitions/{e['role']}",
            "scope": e["scope"], "status": "Provisioned", "memberType": "Direct",
            "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": None,
            "expandedProperties": {"roleDefinition": {"id": e["role"], "displayName": _ROLE_NAMES[e["role"]], "type": "BuiltInRole"}},
        },
    }  # fmt: skip


def _row(n: int, sub: str, rg: str, rtype: str, rnd: random.Random) -> dict[str, Any]:
    name = f"res{n:03d}"
    rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"
    tags = (
        {"scad": f"C:{rnd.randint(0, 9)},I:{rnd.randint(0, 9)},A:3"} if rnd.random() < 0.7 else {}
    )
    return {
        "id": rid, "name": name, "type": rtype.lower(), "tenantId": TENANT, "kind": "",
        "location": "westeurope", "resourceGroup": rg.lower(), "subscriptionId": sub,
        "managedBy": "", "sku": None, "plan": None, "identity": None, "zones": None,
        "tags": tags, "properties": {"provisioningState": "Succeeded"},
    }  # fmt: skip


def _scopes(w: World) -> list[str]:
    """Every scope an assignment may sit at: groups, subscriptions, resource groups, resources
    (and a slot below a site)."""
    out = [f"{MG}{m}" for m in (TENANT, "mg-a", "mg-b")]
    out += [f"/subscriptions/{s}" for s in SUBS]
    out += sorted({r["id"].rsplit("/providers/", 1)[0] for r in w.rows})
    out += [r["id"] for r in w.rows]
    return out


def world(rnd: random.Random, n: int = 30) -> World:
    rows = [_row(i, rnd.choice(SUBS), rnd.choice(RGS), rnd.choice(TYPES), rnd) for i in range(n)]
    site = next((r for r in rows if r["type"] == "microsoft.web/sites"), None)
    if site is not None:  # a child resource: a slot below a site
        slot = copy.deepcopy(site)
        slot["id"] += "/slots/staging"
        slot["name"] = site["name"] + "/staging"
        slot["type"] = "microsoft.web/sites/slots"
        rows.append(slot)
    w = World(
        {SUBS[0]: "mg-a", SUBS[1]: "mg-a", SUBS[2]: "mg-b"},
        rows,
        [],
        {
            OWNER: ["*"],
            CONTRIBUTOR: ["*"],
            READER: ["*/read"],
            RUNNER: [
                "Microsoft.Compute/virtualMachines/read",
                "Microsoft.Compute/virtualMachines/start/action",
            ],
        },  # fmt: skip
        {
            GROUPS[0]: [USERS[0], USERS[1], GROUPS[1]],
            GROUPS[1]: [USERS[2], USERS[3]],
            GROUPS[2]: [USERS[4], GROUPS[3]],
            GROUPS[3]: [USERS[5]],
        },
        [],
        [],
    )
    for _ in range(12):
        add_assignment(rnd, w)
    for _ in range(2):
        add_deny(rnd, w)
    add_eligible(rnd, w)
    return w


def _guid(rnd: random.Random) -> str:
    return f"{rnd.getrandbits(32):08x}-0000-4000-8000-{rnd.getrandbits(48):012x}"


def add_assignment(rnd: random.Random, w: World, scope: str | None = None) -> None:
    principal = rnd.choice(USERS + GROUPS)
    w.assignments.append(
        {
            "guid": _guid(rnd),
            "scope": scope or rnd.choice(_scopes(w)),
            "role": rnd.choice(list(_ROLE_NAMES)),
            "principal": principal,
            "type": "Group" if principal in GROUPS else "User",
        }
    )


def add_deny(rnd: random.Random, w: World) -> None:
    scope = rnd.choice([s for s in _scopes(w) if s.startswith("/subscriptions/")])
    w.denies.append(
        {
            "id": _guid(rnd),
            "scope": scope,
            "principals": [rnd.choice([EVERYONE, *USERS, *GROUPS])],
            "excluded": rnd.sample(USERS + GROUPS, rnd.randint(0, 2)),
            "actions": rnd.choice([["*/delete"], ["Microsoft.Compute/virtualMachines/start/action"], ["*"]]),
            "children": rnd.random() < 0.7,
        }
    )  # fmt: skip


def add_eligible(rnd: random.Random, w: World) -> None:
    w.eligible.append(
        {
            "guid": _guid(rnd),
            "scope": rnd.choice([s for s in _scopes(w) if s.startswith("/subscriptions/")]),
            "role": rnd.choice([OWNER, CONTRIBUTOR]),
            "principal": rnd.choice(USERS + GROUPS),
        }
    )


def churn(rnd: random.Random, w: World, ops: int) -> World:
    """A copy of ``w`` with ``ops`` random changes, every kind the access diff reads."""
    w = copy.deepcopy(w)
    for _ in range(ops):
        op = rnd.randrange(22)
        if op == 0:
            add_assignment(rnd, w)
        elif op == 1 and w.assignments:
            w.assignments.pop(rnd.randrange(len(w.assignments)))
        elif op == 2:  # an assignment at a management group: every subscription below
            add_assignment(rnd, w, rnd.choice([f"{MG}mg-a", f"{MG}mg-b", f"{MG}{TENANT}"]))
        elif op == 3:  # a custom role gains or loses an action
            acts = w.roles[RUNNER]
            extra = "Microsoft.Compute/virtualMachines/runCommand/action"
            w.roles[RUNNER] = [a for a in acts if a != extra] if extra in acts else acts + [extra]
        elif op == 4:  # membership: join or leave, possibly a nested group
            g = rnd.choice(GROUPS)
            m = rnd.choice(USERS + [x for x in GROUPS if x != g])
            ms = w.members.setdefault(g, [])
            ms.remove(m) if m in ms else ms.append(m)
        elif op == 5:
            add_deny(rnd, w)
        elif op == 6 and w.denies:
            w.denies.pop(rnd.randrange(len(w.denies)))
        elif op == 7:
            add_eligible(rnd, w)
        elif op == 8 and w.eligible:
            w.eligible.pop(rnd.randrange(len(w.eligible)))
        elif op == 9:  # a subscription moves to the other management group
            s = rnd.choice(SUBS)
            w.mg_of[s] = "mg-b" if w.mg_of[s] == "mg-a" else "mg-a"
        elif op == 10:  # a listing fails, or answers again
            call = rnd.choice(LISTINGS)
            key = (call, f"/subscriptions/{rnd.choice(SUBS)}")
            if key in w.failed:
                del w.failed[key]
            else:
                w.failed[key] = rnd.choice(["forbidden", "failed"])
        elif op == 11:  # a group's members cannot be read
            key = ("graph:members", rnd.choice(GROUPS))
            if key in w.failed:
                del w.failed[key]
            else:
                w.failed[key] = "failed"
        elif op == 12:  # a CIA tag raised or lowered
            r = rnd.choice(w.rows)
            r["tags"] = {
                "scad": f"C:{rnd.randint(0, 10)},I:{rnd.randint(0, 10)},A:{rnd.randint(0, 10)}"
            }
        elif op == 13:  # removed
            w.rows.pop(rnd.randrange(len(w.rows)))
        elif op == 14:  # added
            w.rows.append(
                _row(100 + len(w.rows), rnd.choice(SUBS), rnd.choice(RGS), rnd.choice(TYPES), rnd)
            )
        elif op == 15:  # moved to another resource group (same name and type: a move)
            r = rnd.choice(w.rows)
            old = r["id"].split("/")[4]
            new = rnd.choice([g for g in RGS if g != old])
            r["id"] = r["id"].replace(f"/resourceGroups/{old}/", f"/resourceGroups/{new}/")
            r["resourceGroup"] = new.lower()
        elif op == 16:  # noise only
            rnd.choice(w.rows)["properties"]["provisioningState"] = "Updating"
        elif op == 17:  # type changed under the same id (a rebuilt resource)
            r = rnd.choice(w.rows)
            r["type"] = rnd.choice(TYPES).lower()
        elif op == 18:  # a role assignment of one principal swaps to another role
            if w.assignments:
                a = rnd.choice(w.assignments)
                a["role"] = rnd.choice(list(_ROLE_NAMES))
        elif op == 19:  # a role definition cannot be read, or can again
            key = ("authorization:roleDefinition", rnd.choice(list(_ROLE_NAMES)))
            if key in w.failed:
                del w.failed[key]
            else:
                w.failed[key] = "failed"
        elif op == 20:  # the id's casing drifts (Resource Graph does this): the same resource
            r = rnd.choice(w.rows)
            r["id"] = r["id"].replace("/resourceGroups/", "/resourcegroups/")
        else:  # a group's membership: a user joins a group assigned somewhere
            g = rnd.choice(GROUPS)
            if rnd.choice(USERS) not in w.members.get(g, []):
                w.members.setdefault(g, []).append(rnd.choice(USERS))
    return w


def _store(tmp_path: Path, *worlds: World) -> tuple[Store, list[int]]:
    store = Store(tmp_path / "s.db")
    ids = [write_snapshot(store, w.fetches()) for w in worlds]
    for sid in ids:
        rowindex.write_index(store, sid)
    return store, ids


def _both(store: Store, a: int, b: int) -> tuple[dict[str, Any], dict[str, Any]]:
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    assert incremental.plan(va, vb) is not None  # the index path is the one taken
    inc = diff_access(va, vb).to_dict()
    full = diff_access(SnapshotView(store, a), SnapshotView(store, b), incremental=False)
    return inc, full.to_dict()


@pytest.mark.parametrize("seed", range(40))
def test_incremental_equals_full_on_random_churn(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    w0 = world(rnd)
    w1 = churn(rnd, w0, rnd.randint(1, 6))
    w2 = churn(rnd, w1, rnd.randint(1, 3))
    store, (a, b, c) = _store(tmp_path, w0, w1, w2)
    for x, y in ((a, b), (b, a), (b, c), (a, c), (a, a)):
        inc, full = _both(store, x, y)
        assert inc == full, (seed, x, y)


def test_random_churn_covers_every_kind_of_change(tmp_path: Path) -> None:
    """The seeds above change access in every way the diff reports: gained, lost, raised,
    eligible, not compared, upper bound (so the equality they check is not vacuous)."""
    seen: set[str] = set()
    for seed in range(40):
        rnd = random.Random(seed)
        w0 = world(rnd)
        w1 = churn(rnd, w0, rnd.randint(1, 6))
        store, (a, b) = _store(tmp_path / str(seed), w0, w1)
        d = diff_access(SnapshotView(store, a), SnapshotView(store, b))
        seen |= {c.change for c in d.changes}
        seen |= {"eligible" for c in d.changes if c.eligible}
        seen |= {"moved" for c in d.changes if any("moved" in x for x in c.causes)}
        seen |= {"group" for c in d.changes if any("member" in x for x in c.causes)}
        seen |= {"role" for c in d.changes if any("role definition" in x for x in c.causes)}
        seen |= {"deny" for c in d.changes if any("deny" in x for x in c.causes)}
        seen |= {"not_compared"} if d.not_compared else set()
        seen |= {"upper_bound"} if d.upper_bound else set()
        store.close()
    want = {"gained", "lost", "raised", "eligible", "moved", "group", "role", "deny"}
    assert want | {"not_compared", "upper_bound"} <= seen


# -- by hand -------------------------------------------------------------------------------------
def _fixed() -> World:
    """Two subscriptions' worth of resources in known places, no grants but one Reader."""
    rnd = random.Random(1)
    rows = [
        _row(0, SUBS[0], "rg-app", TYPES[0], rnd),
        _row(1, SUBS[0], "rg-app", TYPES[1], rnd),
        _row(2, SUBS[0], "rg-data", TYPES[1], rnd),
        _row(3, SUBS[1], "rg-app", TYPES[0], rnd),
        _row(4, SUBS[2], "rg-app", TYPES[2], rnd),
    ]
    for r in rows:
        r["tags"] = {"scad": "C:5,I:5,A:5"}
    reader = {"guid": "0000aa00-0000-4000-8000-000000000001", "scope": f"/subscriptions/{SUBS[0]}",
              "role": READER, "principal": USERS[0], "type": "User"}  # fmt: skip
    roles = {OWNER: ["*"], READER: ["*/read"], CONTRIBUTOR: ["*"], RUNNER: ["*/read"]}
    mg_of = {SUBS[0]: "mg-a", SUBS[1]: "mg-a", SUBS[2]: "mg-b"}
    return World(mg_of, rows, [reader], roles, {GROUPS[0]: [USERS[1], USERS[2]]}, [], [])


def test_new_owner_on_a_resource_group(tmp_path: Path) -> None:
    """One new Owner at rg-app of the first subscription: exactly that user gains exactly the
    privileged capabilities on exactly its two resources, and only they are recomputed."""
    w0 = _fixed()
    w1 = copy.deepcopy(w0)
    rg = f"/subscriptions/{SUBS[0]}/resourceGroups/rg-app"
    w1.assignments.append({"guid": "0000aa00-0000-4000-8000-000000000002", "scope": rg,
                           "role": OWNER, "principal": USERS[3], "type": "User"})  # fmt: skip
    store, (a, b) = _store(tmp_path, w0, w1)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    p = incremental.plan(va, vb)
    assert p is not None
    want = {w0.rows[0]["id"].lower(), w0.rows[1]["id"].lower()}
    assert {rb.id.lower() for _, rb, _ in p.pairs} == want
    assert p.untouched == {SUBS[0]: 1, SUBS[1]: 1, SUBS[2]: 1}
    d = diff_access(va, vb)
    for v in (va, vb):  # no side read every resource record, nor built the full access
        assert "read.resource_records" not in v._cache and "access" not in v._cache
    assert d.resources_compared == 5
    assert [(c.principal, c.change, c.causes) for c in d.changes] == [
        (USERS[3], "gained", [f"new assignment: Owner at {rg}"])
    ]
    assert {r.id for r in d.changes[0].resources} == {w0.rows[0]["id"], w0.rows[1]["id"]}
    # Owner ("*") on a VM: every capability; on a storage account: no "run" (its probes are
    # Compute operations)
    caps = {r.type: r.capabilities for r in d.changes[0].resources}
    assert caps == {
        "microsoft.compute/virtualmachines": ["grant", "run", "secrets", "write", "delete", "read"],
        "microsoft.storage/storageaccounts": ["grant", "secrets", "write", "delete", "read"],
    }
    assert d.not_compared == [] and d.upper_bound == []


def test_member_joins_a_group_assigned_at_a_subscription(tmp_path: Path) -> None:
    """A user joins a group that holds Contributor on the second subscription: they gain it
    on that subscription's one resource, through the group, and nothing else is recomputed."""
    w0 = _fixed()
    w0.assignments.append({"guid": "0000aa00-0000-4000-8000-000000000003",
                           "scope": f"/subscriptions/{SUBS[1]}", "role": CONTRIBUTOR,
                           "principal": GROUPS[0], "type": "Group"})  # fmt: skip
    w1 = copy.deepcopy(w0)
    w1.members[GROUPS[0]].append(USERS[5])
    store, (a, b) = _store(tmp_path, w0, w1)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    p = incremental.plan(va, vb)
    assert p is not None and [rb.id for _, rb, _ in p.pairs] == [w0.rows[3]["id"]]
    d = diff_access(va, vb)
    assert [(c.principal, c.change, c.via_group) for c in d.changes] == [
        (USERS[5], "gained", GROUPS[0])  # the directory does not name the group
    ]
    assert d.changes[0].causes == [
        f"new member of group {GROUPS[0]} (Contributor at /subscriptions/{SUBS[1]})"
    ]
    assert [r.id for r in d.changes[0].resources] == [w0.rows[3]["id"]]
    assert d.resources_compared == 5


def test_nothing_changed_recomputes_nothing(tmp_path: Path) -> None:
    """Noise only (provisioningState): no pair is recomputed, every resource still counts."""
    w0 = _fixed()
    w1 = copy.deepcopy(w0)
    w1.rows[2]["properties"]["provisioningState"] = "Updating"
    store, (a, b) = _store(tmp_path, w0, w1)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    p = incremental.plan(va, vb)
    assert p is not None and p.pairs == []
    assert sum(p.untouched.values()) == 5
    d = diff_access(va, vb)
    assert d.changes == [] and d.resources_compared == 5


def test_unlisted_subscription_counts_without_recomputing(tmp_path: Path) -> None:
    """Role assignments of the third subscription forbidden in B: its resource is not
    compared (said with its count), though nothing there was recomputed."""
    w0 = _fixed()
    w1 = copy.deepcopy(w0)
    w1.failed[("authorization:roleAssignments", f"/subscriptions/{SUBS[2]}")] = "forbidden"
    store, (a, b) = _store(tmp_path, w0, w1)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    p = incremental.plan(va, vb)
    assert p is not None and p.pairs == []
    d = diff_access(va, vb)
    assert d.resources_compared == 4
    assert d.not_compared == [
        {
            "subject": "access on 1 resource(s)",
            "reason": f"role assignments at /subscriptions/{SUBS[2]} forbidden in B",
        }
    ]


def test_management_group_move_recomputes_the_subscription(tmp_path: Path) -> None:
    """An Owner at mg-b; the second subscription moves from mg-a to mg-b: its resource is
    recomputed (and gained), the others are not."""
    w0 = _fixed()
    w0.assignments.append({"guid": "0000aa00-0000-4000-8000-000000000004", "scope": f"{MG}mg-b",
                           "role": OWNER, "principal": USERS[6], "type": "User"})  # fmt: skip
    w1 = copy.deepcopy(w0)
    w1.mg_of[SUBS[1]] = "mg-b"
    store, (a, b) = _store(tmp_path, w0, w1)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    p = incremental.plan(va, vb)
    assert p is not None and [rb.id for _, rb, _ in p.pairs] == [w0.rows[3]["id"]]
    d = diff_access(va, vb)
    assert [(c.principal, c.change, [r.id for r in c.resources]) for c in d.changes] == [
        (USERS[6], "gained", [w0.rows[3]["id"]])
    ]
    # the assignment is in both snapshots, its path only in B: the full computation's wording
    # for it is the generic one
    assert d.changes[0].causes == ["changed"]
    assert d.resources_compared == 5


def test_without_an_index_the_full_computation_runs(tmp_path: Path) -> None:
    w0 = _fixed()
    w1 = copy.deepcopy(w0)
    w1.assignments.clear()
    store = Store(tmp_path / "s.db")
    a, b = (write_snapshot(store, w.fetches()) for w in (w0, w1))
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    assert incremental.plan(va, vb) is None
    d = diff_access(va, vb)
    assert [(c.principal, c.change) for c in d.changes] == [(USERS[0], "lost")]
    assert {r.id for r in d.changes[0].resources} == {r["id"] for r in w0.rows[:3]}


def test_snapshots_in_two_stores(tmp_path: Path) -> None:
    """The CLI opens each side's store on its own: the same file twice, or two files."""
    rnd = random.Random(7)
    w0 = world(rnd)
    w1 = churn(rnd, w0, 4)
    store, (a, b) = _store(tmp_path, w0, w1)
    other = Store(tmp_path / "s.db", readonly=True)
    va, vb = SnapshotView(store, a), SnapshotView(other, b)
    assert incremental.plan(va, vb) is not None
    full = diff_access(SnapshotView(store, a), SnapshotView(store, b), incremental=False)
    assert diff_access(va, vb).to_dict() == full.to_dict()
    second, (b2,) = _store(tmp_path / "two", w1)
    va, vb = SnapshotView(store, a), SnapshotView(second, b2)
    assert incremental.plan(va, vb) is not None
    assert diff_access(va, vb).to_dict() == full.to_dict()


def test_under_a_dirty_scope() -> None:
    scopes = frozenset(
        {
            "/subscriptions/x",
            "/subscriptions/y/resourcegroups/g",
            "/subscriptions/y/resourcegroups/h/providers/t/n",
        }
    )
    depth = max(s.count("/") for s in scopes)
    for key, want in [
        ("/subscriptions/x/resourcegroups/a/providers/t/n", True),
        ("/subscriptions/x", True),
        ("/subscriptions/xx/resourcegroups/a", False),
        ("/subscriptions/y/resourcegroups/g/providers/a/b", True),
        ("/subscriptions/y/resourcegroups/gg/providers/a/b", False),
        ("/subscriptions/y/resourcegroups/h/providers/t/n", True),
        ("/subscriptions/y/resourcegroups/h/providers/t/n/slots/s", True),  # a child resource
        ("/subscriptions/y/resourcegroups/h/providers/t/nn", False),
        ("/subscriptions", False),
    ]:
        assert incremental._under(key, scopes, depth) is want, key


def test_eligibility_note_that_resources_not_recomputed_decide(tmp_path: Path) -> None:
    """PIM eligibility unreadable differently in two subscriptions: the note names the one of
    the last resource in id order, which the plan does not know, so the full computation
    runs (and says what it always said)."""
    w0 = _fixed()
    elig = "authorization:roleEligibilityScheduleInstances"
    w0.failed[(elig, f"/subscriptions/{SUBS[0]}")] = "forbidden"
    w1 = copy.deepcopy(w0)
    w1.failed[(elig, f"/subscriptions/{SUBS[1]}")] = "forbidden"
    store, (a, b) = _store(tmp_path, w0, w1)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    inc = diff_access(va, vb)
    assert "access" in va._cache  # the full computation's Access: the plan was not used
    full = diff_access(SnapshotView(store, a), SnapshotView(store, b), incremental=False)
    assert inc.to_dict() == full.to_dict()
    # the resource of the second subscription sorts after those of the first
    assert inc.not_compared[-1] == {
        "subject": "PIM-eligible access",
        "reason": "PIM-eligible assignments: ok in A, forbidden in B; eligible changes the"
        " unreadable side decides are not compared",
    }
