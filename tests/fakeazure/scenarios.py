"""Fault scenarios for cassettes: paging everywhere, throttling, 403s, half-failed sources.

Small on purpose (a few hundred resources) so that the cassette stays reviewable; page sizes
are lowered instead so that every listing spans several pages.
"""

from __future__ import annotations

from typing import Any

from .tenant import Fault, Tenant

TENANT_ID = "72f988bf-0000-4000-8000-0000000fa017"
SUBS = ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"]
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
ARG_PAGE = 50  # the collector's arg_page_size for this scenario


def _user(i: int) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.user", "id": f"00000000-0000-4000-8000-{i:012d}"}


def _group_ref(gid: str) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.group", "id": gid}


def faults_tenant() -> Tenant:
    """Two subscriptions, 130 resources (three Resource Graph pages of 50), 150 assignments
    (two pages), groups nested in a cycle and one of 230 members (three Graph pages), plus:
    429 with Retry-After on the subscription list, a Resource Graph 429 that carries only the
    quota headers, a 429 without Retry-After on a role-assignment page, a Graph 429, a Graph 403
    on one group, a listing whose second page keeps failing (500), and an expired page token."""
    t = Tenant(TENANT_ID, page_size=100, graph_page_size=100)
    t.subscriptions = [
        {
            "id": f"/subscriptions/{s}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": s,
            "tenantId": TENANT_ID,
            "displayName": f"Fault sub {n}",
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
        }
        for n, s in enumerate(SUBS, 1)
    ]
    for s in SUBS:
        t.containers.append(
            {
                "id": f"/subscriptions/{s}/resourceGroups/rg-bulk",
                "name": "rg-bulk",
                "type": "microsoft.resources/subscriptions/resourcegroups",
                "subscriptionId": s,
                "resourceGroup": "rg-bulk",
                "location": "westeurope",
                "managedBy": None,
                "properties": {"provisioningState": "Succeeded"},
                "tags": {},
            }
        )
    for i in range(130):
        s = SUBS[i % 2]
        name = f"stbulk{i:03d}" if i < 4 else f"nic-bulk-{i:03d}"
        rtype = (
            "microsoft.storage/storageaccounts" if i < 4 else "microsoft.network/networkinterfaces"
        )
        provider = (
            "Microsoft.Storage/storageAccounts" if i < 4 else "Microsoft.Network/networkInterfaces"
        )
        t.resources.append(
            {
                "id": f"/subscriptions/{s}/resourceGroups/rg-bulk/providers/{provider}/{name}",
                "name": name,
                "type": rtype,
                "tenantId": TENANT_ID,
                "kind": "StorageV2" if i < 4 else "",
                "location": "westeurope",
                "resourceGroup": "rg-bulk",
                "subscriptionId": s,
                "managedBy": "",
                "sku": {"name": "Standard_LRS", "tier": "Standard"} if i < 4 else None,
                "plan": None,
                "properties": {
                    "provisioningState": "Succeeded",
                    "networkAcls": {
                        "defaultAction": "Allow",
                        "bypass": "AzureServices",
                        "ipRules": [],
                        "virtualNetworkRules": [],
                    },
                }
                if i < 4
                else {"provisioningState": "Succeeded", "ipConfigurations": []},
                "tags": {"scad": f"C:{i % 11},I:2"} if i % 10 == 0 else {},
                "identity": None,
                "zones": None,
                "extendedLocation": None,
            }
        )
    # Storage listings: every account answers; one listing's token expires on page 2.
    for r in t.resources[:4]:
        rid = r["id"].lower()
        for suffix in (
            "/blobservices/default/containers",
            "/fileservices/default/shares",
            "/tableservices/default/tables",
            "/queueservices/default/queues",
        ):
            t.responses[rid + suffix] = [
                {
                    "id": f"{r['id']}{suffix}/item{j}",
                    "name": f"item{j}",
                    "type": "x",
                    "properties": {"publicAccess": "None"},
                }
                for j in range(3 if "containers" not in suffix else 130)
            ]
    expired = t.resources[0]["id"].lower() + "/blobservices/default/containers"
    t.faults[expired] = [
        Fault(
            400,
            {},
            {"error": {"code": "InvalidSkipToken", "message": "The skip token has expired."}},
            page=2,
        )
    ]
    # Role assignments: 150 on sub 1 (two pages), 3 on sub 2 whose second page keeps failing.
    sub1, sub2 = (f"/subscriptions/{s}" for s in SUBS)
    ras: list[dict[str, Any]] = []
    for i in range(150):
        principal_type = "Group" if i < 4 else "User"
        principal = ["g-admins", "g-ops", "g-forbidden", "g-big"][i] if i < 4 else f"u-{i}"
        ras.append(_assignment(sub1, i, OWNER if i % 3 == 0 else READER, principal, principal_type))
    t.role_assignments[sub1.lower()] = ras
    t.role_assignments[sub2.lower()] = [
        _assignment(sub2, 900 + i, READER, f"u-x{i}", "User") for i in range(130)
    ]
    ra2 = f"{sub2}/providers/microsoft.authorization/roleassignments".lower()
    t.faults[ra2] = [  # a 500 on every attempt (503 would be throttling: retried on)
        Fault(500, {}, {"error": {"code": "InternalServerError", "message": "try later"}}, page=2)
        for _ in range(4)
    ]
    ra1 = f"{sub1}/providers/microsoft.authorization/roleassignments".lower()
    t.faults[ra1] = [
        Fault(429, {}, {"error": {"code": "TooManyRequests", "message": "Rate limit"}}, page=1)
    ]
    for guid, name, actions in ((OWNER, "Owner", ["*"]), (READER, "Reader", ["*/read"])):
        t.role_definitions[guid] = {
            "id": f"/subscriptions/{SUBS[0]}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
            "name": guid,
            "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": name,
                "type": "BuiltInRole",
                "description": f"{name} role",
                "assignableScopes": ["/"],
                "permissions": [
                    {"actions": actions, "notActions": [], "dataActions": [], "notDataActions": []}
                ],
                "createdOn": "2015-02-02T21:55:09.8806423Z",
                "updatedOn": "2021-11-11T20:13:47.8628684Z",
                "createdBy": None,
                "updatedBy": None,
            },
        }
    # Groups: admins ⊃ ops ⊃ admins (a cycle); big has 230 members; forbidden answers 403.
    t.groups = {
        "g-admins": [
            _user(1),
            _group_ref("g-ops"),
            {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp-1"},
        ],
        "g-ops": [_user(2), _group_ref("g-admins"), _group_ref("g-nested")],
        "g-nested": [_user(3), {"@odata.type": "#microsoft.graph.device", "id": "dev-1"}],
        "g-forbidden": [_user(4)],
        "g-big": [_user(100 + i) for i in range(230)],
    }
    t.forbidden.add("/v1.0/groups/g-forbidden/members")
    t.forbidden.add("/v1.0/groups/g-forbidden/transitivemembers")
    t.faults["/v1.0/groups/g-big/members"] = [
        Fault(
            429,
            {"Retry-After": "1"},
            {"error": {"code": "TooManyRequests", "message": "throttled"}},
            page=2,
        )
    ]
    t.faults["/subscriptions"] = [
        Fault(
            429,
            {"Retry-After": "1"},
            {"error": {"code": "TooManyRequests", "message": "throttled"}},
        )
    ]
    t.faults["/providers/microsoft.resourcegraph/resources"] = [
        Fault(
            429,
            {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:01"},
            {
                "error": {
                    "code": "RateLimiting",
                    "message": "Please provide below info when asking for support",
                }
            },
        )
    ]
    return t


def _assignment(scope: str, i: int, role: str, principal: str, ptype: str) -> dict[str, Any]:
    name = f"{i:08d}-0000-4000-8000-00000000a55e"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principalId": principal,
            "principalType": ptype,
            "scope": scope,
            "condition": None,
            "conditionVersion": None,
            "createdOn": "2026-01-01T00:00:00.0000000Z",
            "updatedOn": "2026-01-01T00:00:00.0000000Z",
            "createdBy": None,
            "updatedBy": "00000000-0000-0000-0000-000000000000",
            "delegatedManagedIdentityResourceId": None,
            "description": None,
        },
    }
