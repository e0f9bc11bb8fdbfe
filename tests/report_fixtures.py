"""Hand-built snapshots for the report tests: a principal whose display name is hostile markup
gains Owner on a resource group holding a C9 key vault."""

from __future__ import annotations

from typing import Any

from fakeazure.shapes import role_definition
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff.store import Store

SUB = "11111111-2222-3333-4444-555555555555"
RG = "rg-crown"
KV = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv-crown"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
EVIL_ID = "66666666-7777-8888-9999-000000000001"
CAROL_ID = "66666666-7777-8888-9999-000000000002"
# What an attacker who may set a display name in the directory would try.
EVIL = '<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>&amp;'


def _kv(scad: str) -> dict[str, Any]:
    return {
        "id": KV,
        "name": "kv-crown",
        "type": "microsoft.keyvault/vaults",
        "tenantId": "00000000-0000-0000-0000-0000000000t0",
        "kind": "",
        "location": "westeurope",
        "resourceGroup": RG,
        "subscriptionId": SUB,
        "managedBy": "",
        "sku": {"name": "standard"},
        "plan": None,
        "identity": None,
        "zones": None,
        "tags": {"scad": scad},
        "properties": {"enableRbacAuthorization": True},
    }


def _ra(n: int, principal: str, role: str, scope: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/ra-{n}",
        "name": f"ra-{n}",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principalId": principal,
            "principalType": "User",
            "scope": scope,
        },
    }


def _snapshot(store: Store, label: str, assignments: list[dict[str, Any]]) -> int:
    users = [
        {
            "@odata.type": "#microsoft.graph.user",
            "id": EVIL_ID,
            "displayName": EVIL,
            "userPrincipalName": "evil@example.com",
        },
        {
            "@odata.type": "#microsoft.graph.user",
            "id": CAROL_ID,
            "displayName": "Carol Reader",
            "userPrincipalName": "carol@example.com",
        },
    ]
    fetches = [
        FakeFetch("resourcegraph:resources", "batch-0", arg_pages([_kv("C:9,I:8,A:7")])),
        FakeFetch(
            "authorization:roleAssignments", f"/subscriptions/{SUB}", [{"value": assignments}]
        ),
        FakeFetch(
            "authorization:roleDefinition", OWNER, [role_definition(OWNER, "Owner", "Owner", ["*"])]
        ),
        FakeFetch(
            "authorization:roleDefinition",
            READER,
            [role_definition(READER, "Reader", "Reader", ["*/read"])],
        ),
        FakeFetch("principals:getByIds", "ids-0000", [{"value": users}]),
        FakeFetch("managementgroups:list", "", [{"value": []}]),
    ]
    return write_snapshot(store, fetches, label=label)


def hostile_store(path: Any) -> Store:
    """Week a: Carol reads the vault. Week b: the hostile principal is made Owner on the group."""
    store = Store(path)
    rg_scope = f"/subscriptions/{SUB}/resourceGroups/{RG}"
    carol = _ra(1, CAROL_ID, READER, rg_scope)
    _snapshot(store, "week-a", [carol])
    _snapshot(store, "week-b", [carol, _ra(2, EVIL_ID, OWNER, rg_scope)])
    return store
