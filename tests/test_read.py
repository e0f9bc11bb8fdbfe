"""The one reader of stored snapshots (snapdiff.read): facts written by hand for hand-built
snapshots (one deduplication key, one principal-type rule, the scope chain) and for the demo."""

from __future__ import annotations

import pytest

from fakeazure.writer import FakeFetch, write_snapshot
from snapdiff.naming.calls import (
    DENY_ASSIGNMENTS,
    GRAPH_MEMBERS,
    MANAGEMENT_GROUP_GET,
    MANAGEMENT_GROUPS_LIST,
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITION,
    ROLE_ELIGIBILITY,
)
from snapdiff.naming.ids import id_scopes, resource_group_scope
from snapdiff.read import (
    deny_assignments,
    eligible_assignments,
    management_groups,
    member_listings,
    principal_type,
    role_assignments,
    role_definitions,
    scope_tree,
)
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

SUB = "/subscriptions/11111111-1111-1111-1111-111111111111"
MG = "/providers/Microsoft.Management/managementGroups"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _ra(scope: str, guid: str, principal: str, ptype: str = "User", role: str = OWNER) -> dict:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}",
        "name": guid,
        "properties": {
            "scope": scope,
            "principalId": principal,
            "principalType": ptype,
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        },
    }


@pytest.fixture
def view(tmp_path) -> SnapshotView:
    store = Store(tmp_path / "s.db")
    inherited = _ra(f"{MG}/root", "a1", "u1")
    fetches = [
        # the subscription's listing repeats the management group's assignment, id case changed
        FakeFetch(ROLE_ASSIGNMENTS, f"{MG}/root".lower(), [{"value": [inherited]}]),
        FakeFetch(
            ROLE_ASSIGNMENTS,
            SUB,
            [
                {
                    "value": [
                        {**inherited, "id": inherited["id"].upper()},
                        _ra(SUB, "a2", "g1", "Group", READER),
                        {"properties": {"scope": SUB}},  # no id: names no assignment
                    ]
                }
            ],
        ),
        FakeFetch(
            ROLE_DEFINITION,
            OWNER,
            [
                {
                    "properties": {
                        "roleName": "Owner",
                        "permissions": [{"actions": ["*"]}, {"actions": ["*", "b/read"]}],
                    }
                }
            ],
        ),
        FakeFetch(ROLE_DEFINITION, READER, [], status="forbidden", http_status=403),
        FakeFetch(
            GRAPH_MEMBERS,
            "g1",
            [
                {
                    "value": [
                        {"@odata.type": "#microsoft.graph.user", "id": "U2"},
                        {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp1"},
                        {"id": "x1"},  # Graph gave no type
                        {"@odata.type": "#microsoft.graph.group"},  # no id: left out
                    ]
                }
            ],
        ),
        FakeFetch(GRAPH_MEMBERS, "g2", [], status="failed", http_status=500),
        FakeFetch(
            MANAGEMENT_GROUPS_LIST,
            "",
            [
                {
                    "value": [
                        {"id": f"{MG}/root", "name": "root"},
                        {"id": f"{MG}/child", "name": "child"},
                    ]
                }
            ],
        ),  # fmt: skip
        FakeFetch(
            MANAGEMENT_GROUP_GET,
            f"{MG}/child".lower(),
            [
                {
                    "id": f"{MG}/child",
                    "name": "child",
                    "properties": {
                        "displayName": "Child",
                        "details": {"parent": {"id": f"{MG}/root"}},
                        "children": [{"id": SUB, "type": "/subscriptions", "name": "s"}],
                    },
                }
            ],
        ),
        FakeFetch(
            DENY_ASSIGNMENTS,
            SUB,
            [
                {
                    "value": [
                        {
                            "id": f"{SUB}/providers/Microsoft.Authorization/denyAssignments/d1",
                            "properties": {
                                "scope": SUB,
                                "denyAssignmentName": "blueprint",
                                "principals": [{"id": "00000000-0000-0000-0000-000000000000"}],
                                "excludePrincipals": [{"id": "U1"}],
                                "permissions": [
                                    {"actions": ["*/delete"]},
                                    {"actions": ["a/write"]},
                                ],
                                "doNotApplyToChildScopes": True,
                            },
                        }
                    ]
                }
            ],
        ),
        FakeFetch(
            ROLE_ELIGIBILITY,
            SUB,
            [
                {
                    "value": [
                        {
                            "id": "e1",
                            "properties": {
                                "scope": SUB,
                                "principalId": "U3",
                                "roleDefinitionId": f"/x/{OWNER.upper()}",
                                "status": "Provisioned",
                            },
                        },  # fmt: skip
                        {
                            "id": "e2",
                            "properties": {
                                "scope": SUB,
                                "principalId": "U4",
                                "roleDefinitionId": f"/x/{OWNER}",
                                "status": "Revoked",
                            },
                        },  # fmt: skip
                    ]
                }
            ],
        ),
    ]
    return SnapshotView(store, write_snapshot(store, fetches))


def test_one_principal_type_rule():
    assert principal_type("#microsoft.graph.servicePrincipal") == "servicePrincipal"
    assert principal_type("#microsoft.graph.group") == "group"
    assert principal_type("ServicePrincipal") == "servicePrincipal"  # PIM's expanded principal
    assert principal_type("User") == "user"
    assert principal_type(None) == "" and principal_type("") == ""


def test_assignments_one_record_per_lower_id_first_stored(view):
    ra = role_assignments(view)
    key = f"{MG}/root/providers/Microsoft.Authorization/roleAssignments/a1".lower()
    assert list(ra.records) == [key, f"{SUB}/providers/Microsoft.Authorization/roleAssignments/a2".lower()]  # fmt: skip
    assert ra.records[key].id == f"{MG}/root/providers/Microsoft.Authorization/roleAssignments/a1"
    assert ra.seen_in[key] == {f"{MG}/root".lower(), SUB.lower()}
    assert set(ra.listings) == {f"{MG}/root".lower(), SUB.lower()}
    assert ra.records[
        f"{SUB}/providers/Microsoft.Authorization/roleAssignments/a2".lower()
    ].is_group


def test_role_definitions_merge_blocks_and_keep_unreadable_as_none(view):
    defs = role_definitions(view)
    assert defs[READER] is None
    owner = defs[OWNER]
    assert owner is not None and owner.name == "Owner" and owner.privileged
    assert owner.permissions["actions"] == ["*", "b/read"]  # merged, distinct, sorted
    assert [b["actions"] for b in owner.blocks] == [["*"], ["*", "b/read"]]  # as stored
    assert owner.blocks[0]["notActions"] is None


def test_members_typed_by_the_rule_and_failures_kept(view):
    listings = member_listings(view)
    g1 = listings["g1"]
    assert g1.ok and [(m.id, m.type) for m in g1.members] == [
        ("U2", "user"),
        ("sp1", "servicePrincipal"),
        ("x1", ""),
    ]
    assert not listings["g2"].ok and listings["g2"].members == ()
    assert member_listings(view, transitive=True) == {}


def test_management_groups_and_scope_chain(view):
    mgs = management_groups(view)
    root, child = mgs.groups[f"{MG}/root".lower()], mgs.groups[f"{MG}/child".lower()]
    assert (root.details_ok, root.parent_known, root.children) == (False, False, ())
    assert (child.display_name, child.parent_id, child.details_ok) == ("Child", f"{MG}/root", True)
    assert [c.id for c in child.children] == [SUB]
    vm = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1".lower()
    assert scope_tree(view).chain(vm) == [
        f"{MG}/root".lower(),
        f"{MG}/child".lower(),
        SUB.lower(),
        f"{SUB}/resourcegroups/rg".lower(),
        f"{SUB}/resourcegroups/rg/providers/microsoft.compute".lower(),
        f"{SUB}/resourcegroups/rg/providers/microsoft.compute/virtualmachines".lower(),
        vm,
    ]


def test_id_scopes_and_resource_group_scope():
    rid = f"{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/app"
    assert id_scopes(rid)[:2] == [SUB, f"{SUB}/resourceGroups/rg"]
    assert id_scopes(rid)[-1] == rid and f"{SUB}/resourceGroups" not in id_scopes(rid)
    assert resource_group_scope(rid) == f"{SUB}/resourceGroups/rg"


def test_deny_and_eligible(view):
    (d,) = deny_assignments(view)
    assert (d.name, d.scope, d.child_scopes) == ("blueprint", SUB, False)
    assert d.principals == {"00000000-0000-0000-0000-000000000000"} and d.excluded == {"u1"}
    assert d.permissions["actions"] == ["*/delete", "a/write"]
    (e,) = eligible_assignments(view)  # the revoked one grants nothing
    assert (e.id, e.principal_id, e.role_guid) == ("e1", "u3", OWNER)


def test_readers_are_read_once_per_view(view):
    assert role_assignments(view) is role_assignments(view)
    assert member_listings(view) is member_listings(view)
