"""Storage accounts (spec §2.18): network ACLs from the Resource Graph row, services from the
four management-plane listings (storage:containers, shares, tables, queues)."""

from __future__ import annotations

from typing import Any

from ..common import common, get, props
from ..context import BuildContext
from ..registry import kind

# (call, serviceType) in the order the old collector emitted them.
_SERVICES = (
    ("storage:containers", "blob"),
    ("storage:shares", "fileShare"),
    ("storage:tables", "table"),
    ("storage:queues", "queue"),
)


def _services(row: dict[str, Any], ctx: BuildContext) -> list[dict[str, Any]]:
    """Every service item; a listing that was not readable contributes nothing (both modes)."""
    out: list[dict[str, Any]] = []
    for call, service_type in _SERVICES:
        for item in ctx.items(call, row["id"]) or []:
            if not isinstance(item, dict):
                continue
            public: bool | None = None
            if service_type == "blob":
                access = get(item, "properties", "publicAccess")
                if access is None and ctx.bug_compatible:
                    continue  # the old collector dropped it (§9 #8)
                public = (
                    str(access).lower() in ("blob", "container") if access is not None else False
                )
            out.append(
                {
                    "name": item.get("name"),
                    "id": item.get("id"),
                    "serviceType": service_type,
                    "allowBlobPublicAccess": public,
                }
            )
    return out


def _bypasses_azure_services(bypass: Any, bug_compatible: bool) -> bool:
    if bug_compatible:
        return bypass == "AzureServices"
    if not isinstance(bypass, str):
        return False
    return "azureservices" in {p.strip().lower() for p in bypass.split(",")}


@kind("storageAccounts", "microsoft.storage/storageaccounts")
def storage_account(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``storageAccounts[]`` object."""
    p = props(row)
    acls = p.get("networkAcls")
    if not isinstance(acls, dict):
        ctx.warn(row["id"], "storage account without networkAcls: treated as open (Allow)")
        acls = {}
    endpoints = p.get("primaryEndpoints")
    if not isinstance(endpoints, dict):
        ctx.warn(row["id"], "storage account without primaryEndpoints: emitted as {}")
        endpoints = {}
    ip_rules = [r for r in acls.get("ipRules") or [] if isinstance(r, dict)]
    # The old collector read `id` from IP rules, which carry only `value`/`action` (§9 #6).
    ip_key = "id" if ctx.bug_compatible else "value"
    return {
        **common(row),
        "kind": row.get("kind"),
        "primaryEndpoints": endpoints,
        "services": _services(row, ctx),
        "httpsOnly": p.get("supportsHttpsTrafficOnly"),
        "restrictedAccess": acls.get("defaultAction") == "Deny",
        "privateEndpoints": p.get("privateEndpointConnections"),
        "virtualNetworkRules": [
            r["id"]
            for r in acls.get("virtualNetworkRules") or []
            if isinstance(r, dict) and r.get("id")
        ],
        "ipRangeFilter": [r[ip_key] for r in ip_rules if r.get(ip_key)],
        "bypassServices": _bypasses_azure_services(acls.get("bypass"), ctx.bug_compatible),
    }
