"""Key Vaults (spec §2.29): data-plane key/secret/certificate listings, access policies and
network ACLs from the Resource Graph row."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..common import as_dict, common, get, props
from ..context import BuildContext
from ..registry import kind
from .databases import dicts

_COLLECTIONS = (
    ("keys", "keyvault:keys"),
    ("secrets", "keyvault:secrets"),
    ("certificates", "keyvault:certificates"),
)


def _component(item: dict[str, Any], vault_uri: str) -> dict[str, Any] | None:
    """A KeyVaultComponent from a listing item (``kid`` for keys, ``id`` otherwise).

    The collection and name are the two path segments after the vault URI's own path
    (``https://<vault>/keys/<name>[/<version>]``; a vault behind a path prefix works too).
    """
    url = item.get("kid") or item.get("id")
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url)
    prefix = urlsplit(vault_uri).path.rstrip("/") if vault_uri else ""
    path = parts.path
    if prefix and path.lower().startswith(prefix.lower() + "/"):
        path = path[len(prefix) :]
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2:
        return None
    collection, name = segments[0], segments[1]
    return {
        "id": f"{parts.scheme}://{parts.netloc}{prefix}/{collection}/{name}",  # without version
        "name": name,
        "enabled": get(item, "attributes", "enabled"),
        "collection": collection,
    }


def _vault_base(row: dict[str, Any], bug_compatible: bool) -> str:
    """``https://<host>`` for placeholders: always vault.azure.net in the old collector."""
    uri = get(row, "properties", "vaultUri")
    if not bug_compatible and isinstance(uri, str) and urlsplit(uri).netloc:
        parts = urlsplit(uri)
        return f"{parts.scheme or 'https'}://{parts.netloc}{parts.path.rstrip('/')}"
    return f"https://{row.get('name')}.vault.azure.net"


def _collection(
    row: dict[str, Any], ctx: BuildContext, collection: str, call: str
) -> list[dict[str, Any]]:
    """One collection. Placeholder ``test-component`` when the listing was not readable, and in
    bug-compatible mode also when it is genuinely empty."""
    items = ctx.items(call, row["id"])
    uri = get(row, "properties", "vaultUri")
    base = uri if isinstance(uri, str) else ""
    out = [c for c in (_component(i, base) for i in dicts(items)) if c is not None]
    if out or (items is not None and not ctx.bug_compatible):
        return out
    if items is None:
        f = ctx.fetch(call, row["id"])
        ctx.warn(
            row["id"], f"{call} {f.status if f else 'not fetched'}: placeholder test-component"
        )
    return [
        {
            "collection": collection,
            "enabled": True,
            "id": f"{_vault_base(row, ctx.bug_compatible)}/{collection}/default",
            "name": "test-component",
        }
    ]


def _access_policies(p: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for policy in dicts(p.get("accessPolicies")):
        perms = as_dict(policy.get("permissions"))
        out.append(
            {
                "objectId": policy.get("objectId"),
                "tenantId": policy.get("tenantId"),
                "permissions": {c: perms.get(c) for c in ("certificates", "secrets", "keys")},
            }
        )
    return out


@kind("keyVaults", "microsoft.keyvault/vaults")
def key_vault(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``keyVaults[]`` object."""
    p = props(row)
    acls = as_dict(p.get("networkAcls"))
    if ctx.bug_compatible:
        purge = get(p, "enableSoftDelete", default=True)  # §9 #4
        rbac = get(p, "enabledForDeployment", default=False)
    else:
        purge = get(p, "enablePurgeProtection", default=False)
        rbac = get(p, "enableRbacAuthorization", default=False)
    return {
        **common(row),
        **{c: _collection(row, ctx, c, call) for c, call in _COLLECTIONS},
        "restrictedAccess": acls.get("defaultAction") == "Deny",
        "ipRules": [r["value"] for r in dicts(acls.get("ipRules")) if r.get("value")],
        "virtualNetworkRules": [
            r["id"] for r in dicts(acls.get("virtualNetworkRules")) if r.get("id")
        ],
        "purgeProtection": bool(purge),
        "accessPolicies": _access_policies(p),
        "enableRbacAuthorization": bool(rbac),
    }
