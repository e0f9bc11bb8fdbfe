"""The demo tenant as a real estate looks to the Reader identity the README recommends.

Every Key Vault's data plane answers 403 (listing needs an access policy or a data role);
storage accounts of kinds BlobStorage, FileStorage and BlockBlobStorage answer 400
``FeatureNotSupportedForAccount`` for the services they lack; a SQL server was deleted between
the Resource Graph inventory and its per-resource reads (404 ``ResourceNotFound``); and Resource
Graph still lists a storage account in a resource group ARM no longer has (404
``ResourceGroupNotFound``). Error bodies are the ones Azure sends (see the scenario docs).
"""

from __future__ import annotations

import copy
from typing import Any

from .demo import SUB_PROD, demo_tenant
from .tenant import Tenant

_CLIENT = "d2c5e8f1-4a3b-4c6d-8e9f-0a1b2c3d4e5f"
_OID = "6b1e9c4a-2d7f-4a8b-9c3e-5f0a1d2b3c4e"
_SERVICES = {  # suffix -> the service name Azure's 400 message uses
    "/blobservices/default/containers": "Blob",
    "/fileservices/default/shares": "File",
    "/tableservices/default/tables": "Table",
    "/queueservices/default/queues": "Queue",
}
_SUPPORTED = {  # account kind -> the services it has
    "BlobStorage": {"Blob"},
    "BlockBlobStorage": {"Blob"},
    "FileStorage": {"File"},
}
RETIRED_SQL = "sql-fab-retired"
STALE_STORAGE = "stfablegacy01"
BASIC_SERVICEBUS = "sb-fab-basic"
FIREWALLED_VAULT = "kv-fab-prod-app"
PRIVATE_VAULT = "kv-fab-private"


def _error(code: str, message: str, inner: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if inner:
        err["innerError"] = {"code": inner}
    return {"error": err}


def vault_forbidden(tenant_id: str, vault: str, collection: str) -> dict[str, Any]:
    """Key Vault's 403 for a list call without an access policy (access-policy vaults)."""
    return _error(
        "Forbidden",
        f"The user, group or application 'appid={_CLIENT};oid={_OID};"
        f"iss=https://sts.windows.net/{tenant_id}/' does not have {collection} list permission on key"
        f" vault '{vault};location=westeurope'. For help resolving this issue, please see"
        " https://go.microsoft.com/fwlink/?linkid=2125287",
        "AccessDenied",
    )


def vault_network_refused(vault: str, inner: str) -> dict[str, Any]:
    """Key Vault's 403 from its network rules (``ForbiddenByFirewall``: the caller's address is
    not allowed; ``ForbiddenByConnection``: public access is disabled, private endpoint only).
    Message as Key Vault writes it (MicrosoftDocs/azure-docs#52649,
    hashicorp/terraform-provider-azurerm#4553; learn.microsoft.com key-vault rest-error-codes)."""
    if inner == "ForbiddenByFirewall":
        message = (
            "Client address is not authorized and caller is not a trusted service.\r\n"
            "Client address: 203.0.113.24\r\n"
            f"Caller: appid={_CLIENT};oid={_OID}\r\n"
            f"Vault: {vault};location=westeurope"
        )
    else:
        message = (
            "Public network access is disabled and request is not from a trusted service nor"
            " via an approved private link.\r\n"
            f"Caller: appid={_CLIENT};oid={_OID}\r\n"
            f"Vault: {vault};location=westeurope"
        )
    return {"error": {"code": "Forbidden", "message": message, "innererror": {"code": inner}}}


def not_supported(service: str) -> dict[str, Any]:
    return _error("FeatureNotSupportedForAccount", f"{service} is not supported for the account.")


def _storage_row(template: dict[str, Any], rg: str, name: str, kind: str, sku: str) -> dict:
    row = copy.deepcopy(template)
    row["id"] = (
        f"/subscriptions/{SUB_PROD}/resourceGroups/{rg}/providers/"
        f"Microsoft.Storage/storageAccounts/{name}"
    )
    row.update(name=name, kind=kind, resourceGroup=rg.lower(), tags={})
    row["sku"] = {"name": sku, "tier": "Premium" if sku.startswith("Premium") else "Standard"}
    props = row["properties"]
    have = {s.lower() for s in _SUPPORTED.get(kind, set(_SERVICES.values()))}
    props["primaryEndpoints"] = {s: f"https://{name}.{s}.core.windows.net/" for s in sorted(have)}
    props["privateEndpointConnections"] = []
    if kind == "FileStorage":
        props.pop("accessTier", None)
    return row


def reader_tenant(week: int, base: str) -> Tenant:
    t = demo_tenant(week, base=base)
    t.forbidden = {f for f in t.forbidden if not f.startswith("/kv/")}
    answers: dict[str, tuple[int, Any]] = {}
    for r in t.resources:
        if r["type"] == "microsoft.keyvault/vaults":
            for coll in ("keys", "secrets", "certificates"):
                path = f"/kv/{r['name'].lower()}/{coll}"
                t.responses.pop(path, None)
                answers[path] = (403, vault_forbidden(t.tenant_id, r["name"], coll))
    template = next(r for r in t.resources if r["type"] == "microsoft.storage/storageaccounts")
    extra = [
        _storage_row(template, "rg-data-prod", "stfabarchive01", "BlobStorage", "Standard_LRS"),
        _storage_row(template, "rg-data-prod", "stfabfiles01", "FileStorage", "Premium_LRS"),
        _storage_row(template, "rg-data-prod", "stfabblocks01", "BlockBlobStorage", "Premium_LRS"),
    ]
    for row in extra:
        rid = row["id"].lower()
        for suffix, service in _SERVICES.items():
            if service in _SUPPORTED[row["kind"]]:
                item = "containers" if service == "Blob" else "shares"
                t.responses[rid + suffix] = [
                    {
                        "id": f"{row['id']}{suffix}/{item}01",
                        "name": f"{item}01",
                        "type": f"Microsoft.Storage/storageAccounts/{suffix.split('/')[1]}/{item}",
                        "properties": {"publicAccess": "None"} if service == "Blob" else {},
                    }
                ]
            else:
                answers[rid + suffix] = (400, not_supported(service))
    # Resource Graph still lists a storage account whose resource group ARM has deleted.
    stale = _storage_row(template, "rg-legacy", STALE_STORAGE, "StorageV2", "Standard_LRS")
    for suffix in _SERVICES:
        answers[stale["id"].lower() + suffix] = (
            404,
            _error("ResourceGroupNotFound", "Resource group 'rg-legacy' could not be found."),
        )
    # A SQL server deleted between the inventory and its per-resource reads.
    sql = next(r for r in t.resources if r["type"] == "microsoft.sql/servers")
    retired = copy.deepcopy(sql)
    retired["id"] = sql["id"].rsplit("/", 1)[0] + f"/{RETIRED_SQL}"
    retired.update(name=RETIRED_SQL, tags={})
    retired["properties"]["privateEndpointConnections"] = []
    gone = _error(
        "ResourceNotFound",
        f"The Resource 'Microsoft.Sql/servers/{RETIRED_SQL}' under resource group"
        f" '{sql['resourceGroup']}' was not found. For more details please go to"
        " https://aka.ms/ARMResourceNotFoundFix",
    )
    for suffix in ("/databases", "/virtualnetworkrules", "/firewallrules", "/administrators"):
        answers[retired["id"].lower() + suffix] = (404, gone)
    t.resources += [*extra, stale, retired]
    t.answers.update(answers)
    return t


def firewalled_tenant(week: int, base: str) -> Tenant:
    """The Reader tenant where one vault's firewall refuses the collector's address and a
    second vault (public access disabled) admits only its private endpoint: 403s that no RBAC
    role would lift. The other vault still refuses for want of an access policy. A Basic-tier
    Service Bus namespace has no topics."""
    t = reader_tenant(week, base)
    kv = next(r for r in t.resources if r["name"] == FIREWALLED_VAULT)
    private = copy.deepcopy(kv)
    private["id"] = kv["id"].rsplit("/", 1)[0] + f"/{PRIVATE_VAULT}"
    private.update(name=PRIVATE_VAULT, tags={})
    props = private["properties"]
    props["vaultUri"] = f"{base}/kv/{PRIVATE_VAULT}/"
    props["publicNetworkAccess"] = "Disabled"
    kv["properties"]["networkAcls"] = {
        "bypass": "AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"value": "198.51.100.0/24"}],
        "virtualNetworkRules": [],
    }
    t.resources.append(private)
    # A Basic-tier Service Bus namespace: queues only. Asked for topics, Service Bus answers only
    # its generic 400 (no code of its own), so the collector must not ask.
    sb = next(r for r in t.resources if r["type"] == "microsoft.servicebus/namespaces")
    basic = copy.deepcopy(sb)
    basic["id"] = sb["id"].rsplit("/", 1)[0] + f"/{BASIC_SERVICEBUS}"
    basic.update(name=BASIC_SERVICEBUS, tags={}, sku={"name": "Basic", "tier": "Basic"})
    bid = basic["id"].lower()
    t.responses[bid + "/authorizationrules"] = [
        {
            "id": f"{basic['id']}/AuthorizationRules/RootManageSharedAccessKey",
            "name": "RootManageSharedAccessKey",
            "type": "Microsoft.ServiceBus/Namespaces/AuthorizationRules",
            "location": "West Europe",
            "properties": {"rights": ["Listen", "Manage", "Send"]},
        }
    ]
    t.responses[bid + "/queues"] = [
        {
            "id": f"{basic['id']}/queues/orders",
            "name": "orders",
            "type": "Microsoft.ServiceBus/Namespaces/Queues",
            "location": "West Europe",
            "properties": {"status": "Active"},
        }
    ]
    t.answers[bid + "/topics"] = (
        400,
        _error(
            "MessagingGatewayBadRequest",
            "SubCode=40000. Bad Request. To know more visit https://aka.ms/sbResourceMgrExceptions.",
        ),
    )
    t.resources.append(basic)
    for name, inner in (
        (FIREWALLED_VAULT, "ForbiddenByFirewall"),
        (PRIVATE_VAULT, "ForbiddenByConnection"),
    ):
        for coll in ("keys", "secrets", "certificates"):
            t.responses.pop(f"/kv/{name}/{coll}", None)
            t.answers[f"/kv/{name}/{coll}"] = (403, vault_network_refused(name, inner))
    return t
