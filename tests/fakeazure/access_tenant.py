"""A small tenant for effective-access tests: management-group inheritance, nested groups, a
deny assignment, custom roles (one gains ``runCommand`` in week 1, one with ``notActions``), a
PIM-eligible Owner, and eligibility unreadable (403) at the management group.

Bodies follow the samples of real responses (azure-rest-api-specs deny assignment and
roleEligibilityScheduleInstances examples; Graph member listings).
"""

from __future__ import annotations

from typing import Any

from .tenant import Tenant, assignment_listings

TENANT_ID = "6a0c3b1e-5d4f-4e2a-9b8c-7d6e5f4a3b2c"
SUB = "c0ffee00-1111-4222-8333-444455556666"
MG = "/providers/Microsoft.Management/managementGroups/"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
VM_RUNNER = "7a1d0c2b-0000-4000-8000-00000000a001"
STORAGE_OP = "7a1d0c2b-0000-4000-8000-00000000a002"
IDS = {
    name: f"0000a11c-0000-4000-8000-{n:012d}"
    for n, name in enumerate(("ann", "bob", "carl", "dina", "erin", "fred", "g-ops", "g-oncall"), 1)
}
RG = f"/subscriptions/{SUB}/resourceGroups/rg-secure"
VM = f"{RG}/providers/Microsoft.Compute/virtualMachines/vm-app"
ST = f"{RG}/providers/Microsoft.Storage/storageAccounts/stlogs01"
VM_TEST = f"/subscriptions/{SUB}/resourceGroups/rg-test/providers/Microsoft.Compute/virtualMachines/vm-test"
DENY = (
    f"{RG}/providers/Microsoft.Authorization/denyAssignments/5d1c0e2a-0000-4000-8000-00000000de01"
)


def _row(rid: str, rtype: str, tags: dict[str, str] | None) -> dict[str, Any]:
    rg = rid.split("/")[4]
    return {
        "id": rid, "name": rid.rsplit("/", 1)[-1], "type": rtype, "tenantId": TENANT_ID,
        "kind": "", "location": "westeurope", "resourceGroup": rg, "subscriptionId": SUB,
        "managedBy": "", "sku": None, "plan": None, "properties": {"provisioningState": "Succeeded"},
        "tags": tags, "identity": None, "zones": None, "extendedLocation": None,
    }  # fmt: skip


def _role(
    guid: str, name: str, actions: list[str], not_actions: list[str], custom: bool
) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": guid,
        "properties": {
            "roleName": name, "type": "CustomRole" if custom else "BuiltInRole", "description": name,
            "assignableScopes": [f"/subscriptions/{SUB}"] if custom else ["/"],
            "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": [], "notDataActions": []}],
            "createdOn": "2025-01-01T00:00:00.0000000Z", "updatedOn": "2025-01-01T00:00:00.0000000Z",
        },
    }  # fmt: skip


def _member(name: str) -> dict[str, Any]:
    kind = "group" if name.startswith("g-") else "user"
    out = {"@odata.type": f"#microsoft.graph.{kind}", "id": IDS[name], "displayName": name.title()}
    if kind == "user":
        out["userPrincipalName"] = f"{name}@access.example"
    return out


def assignment_body(a: dict[str, Any], listing: str) -> dict[str, Any]:
    """A role assignment as the listing under ``listing`` returns it (``a``: guid, scope, role,
    principal, type)."""
    return {
        "id": f"{a['scope']}/providers/Microsoft.Authorization/roleAssignments/{a['guid']}",
        "type": "Microsoft.Authorization/roleAssignments", "name": a["guid"],
        "properties": {
            "roleDefinitionId": f"{listing}/providers/Microsoft.Authorization/roleDefinitions/{a['role']}",
            "principalId": a["principal"], "principalType": a["type"], "scope": a["scope"],
            "condition": None, "conditionVersion": None,
        },
    }  # fmt: skip


def access_tenant(week: int = 0) -> Tenant:
    """Week 0, or week 1: fred joins g-oncall (nested in g-ops), VM Runner gains runCommand,
    vm-app's tag goes from C:9 to C:10, and the deny assignment is removed."""
    w1 = week >= 1
    t = Tenant(TENANT_ID)
    t.subscriptions = [{
        "id": f"/subscriptions/{SUB}", "authorizationSource": "RoleBased", "managedByTenants": [],
        "subscriptionId": SUB, "tenantId": TENANT_ID, "displayName": "Access sub", "state": "Enabled",
    }]  # fmt: skip
    for rg in ("rg-secure", "rg-test"):
        t.containers.append({
            "id": f"/subscriptions/{SUB}/resourceGroups/{rg}", "name": rg, "subscriptionId": SUB,
            "type": "microsoft.resources/subscriptions/resourcegroups", "resourceGroup": rg,
            "location": "westeurope", "managedBy": None, "tags": {}, "properties": {"provisioningState": "Succeeded"},
        })  # fmt: skip
    t.resources = [
        _row(
            VM,
            "microsoft.compute/virtualmachines",
            {"scad": "C:10,I:9,A:5" if w1 else "C:9,I:9,A:5"},
        ),
        _row(ST, "microsoft.storage/storageaccounts", {"scad": "C:3,I:3,A:3"}),
        _row(VM_TEST, "microsoft.compute/virtualmachines", None),
    ]
    for suffix in ("blobServices/default/containers", "fileServices/default/shares",
                   "tableServices/default/tables", "queueServices/default/queues"):  # fmt: skip
        t.responses[f"{ST}/{suffix}".lower()] = []
    mgs = {"root": (TENANT_ID, None), "prod": ("mg-prod", TENANT_ID)}
    for _, (name, parent) in mgs.items():
        t.management_groups.append({
            "id": f"{MG}{name}", "type": "Microsoft.Management/managementGroups", "name": name,
            "properties": {"tenantId": TENANT_ID, "displayName": name},
        })  # fmt: skip
        children = [
            {
                "id": f"{MG}mg-prod",
                "type": "Microsoft.Management/managementGroups",
                "name": "mg-prod",
            }
        ]
        if name == "mg-prod":
            children = [{"id": f"/subscriptions/{SUB}", "type": "/subscriptions", "name": SUB}]
        t.mg_details[f"{MG}{name}".lower()] = {
            "id": f"{MG}{name}", "type": "Microsoft.Management/managementGroups", "name": name,
            "properties": {
                "tenantId": TENANT_ID, "displayName": name, "children": children,
                "details": {"parent": {"id": f"{MG}{parent}", "name": parent} if parent else None},
            },
        }  # fmt: skip
    runner = [
        "Microsoft.Compute/virtualMachines/read",
        "Microsoft.Compute/virtualMachines/start/action",
    ]
    if w1:
        runner.append("Microsoft.Compute/virtualMachines/runCommand/action")
    roles = [
        _role(OWNER, "Owner", ["*"], [], False),
        _role(CONTRIBUTOR, "Contributor", ["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action"], False),
        _role(VM_RUNNER, "VM Runner", runner, [], True),
        _role(STORAGE_OP, "Storage Operator", ["Microsoft.Storage/*"], ["Microsoft.Storage/storageAccounts/list*", "Microsoft.Storage/storageAccounts/regenerateKey/action"], True),
    ]  # fmt: skip
    t.role_definitions = {r["name"]: r for r in roles}
    specs = [
        ("ra-ops", f"{MG}mg-prod", CONTRIBUTOR, "g-ops", "Group"),
        ("ra-carl", RG, VM_RUNNER, "carl", "User"),
        ("ra-dina", ST, STORAGE_OP, "dina", "User"),
    ]
    assignments = [
        {"guid": f"0000aa00-0000-4000-8000-{n:012d}", "scope": scope, "role": role, "principal": IDS[p], "type": ptype}
        for n, (_, scope, role, p, ptype) in enumerate(specs, 1)
    ]  # fmt: skip

    t.role_assignments = assignment_listings(
        assignments,
        {SUB: [f"{MG}{TENANT_ID}", f"{MG}mg-prod"]},
        [f"{MG}{TENANT_ID}", f"{MG}mg-prod"],
        assignment_body,
    )
    members = {"g-ops": ["ann", "g-oncall"], "g-oncall": ["bob"] + (["fred"] if w1 else [])}
    t.groups = {IDS[g]: [_member(m) for m in ms] for g, ms in members.items()}
    if not w1:
        t.deny_assignments[RG.lower()] = [{
            "id": DENY, "type": "Microsoft.Authorization/denyAssignments", "name": DENY.rsplit("/", 1)[-1],
            "properties": {
                "denyAssignmentName": "Protect rg-secure", "description": "Managed application lock",
                "permissions": [{"actions": ["*/delete", "Microsoft.Compute/virtualMachines/runCommand/action"],
                                 "notActions": [], "dataActions": [], "notDataActions": []}],
                "scope": RG, "doNotApplyToChildScopes": False,
                "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
                "excludePrincipals": [{"id": IDS["ann"], "type": "User"}],
                "isSystemProtected": True,
            },
        }]  # fmt: skip
        t.deny_assignments[f"/subscriptions/{SUB}".lower()] = t.deny_assignments[RG.lower()]
    elig = {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/0000e119-0000-4000-8000-000000000001",
        "name": "0000e119-0000-4000-8000-000000000001",
        "type": "Microsoft.Authorization/roleEligibilityScheduleInstances",
        "properties": {
            "principalId": IDS["erin"], "principalType": "User",
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
            "scope": f"/subscriptions/{SUB}", "status": "Provisioned", "memberType": "Direct",
            "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": None,
            "expandedProperties": {
                "principal": {"id": IDS["erin"], "displayName": "Erin", "email": "erin@access.example", "type": "User"},
                "roleDefinition": {"id": OWNER, "displayName": "Owner", "type": "BuiltInRole"},
                "scope": {"id": f"/subscriptions/{SUB}", "displayName": "Access sub", "type": "subscription"},
            },
        },
    }  # fmt: skip
    t.eligibility[f"/subscriptions/{SUB}".lower()] = [elig]
    t.forbidden.add(
        f"{MG}mg-prod/providers/microsoft.authorization/roleeligibilityscheduleinstances".lower()
    )
    return t
