"""Container kinds: registries (§2.26) and AKS managed clusters (§2.27), both read entirely from
the Resource Graph row."""

from __future__ import annotations

from typing import Any

from ..common import as_dict, common, get, identity_triplet, props
from ..context import BuildContext
from ..registry import kind
from .databases import dicts, public_network_access

_OLD_K8S_VERSION = "1.18.14"


@kind("containerRegistries", "microsoft.containerregistry/registries")
def container_registry(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``containerRegistries[]`` object; a null ``networkRuleSet`` or ``sku`` (which crashed
    the old collector) counts as absent."""
    p = props(row)
    rules = p.get("networkRuleSet")
    ip_rules = rules.get("ipRules") if isinstance(rules, dict) else None
    return {
        **common(row),
        "adminUserEnabled": bool(p.get("adminUserEnabled")),
        "publicNetworkEnabled": public_network_access(p, ctx),
        "privateEndpoints": p.get("privateEndpointConnections") or [],
        "firewallRules": [
            r["value"]
            for r in dicts(ip_rules if isinstance(ip_rules, list) else [])
            if r.get("value") is not None
        ],
        "virtualNetworkRules": get(rules, "virtualNetworkRules", default=[]),
        "networkBypassOptions": p.get("networkRuleBypassOptions") or "None",
        "defaultAction": get(rules, "defaultAction", default="Deny")
        if isinstance(rules, dict)
        else "Allow",
        "tier": get(row, "sku", "tier", default="Basic"),
        **identity_triplet(row),
    }


def _node_pools(
    p: dict[str, Any], version: str, ctx: BuildContext, rid: str
) -> list[dict[str, Any]]:
    pools = p.get("agentPoolProfiles")
    if not isinstance(pools, list):
        ctx.warn(rid, "AKS cluster without agentPoolProfiles: placeholder node pool 'testPool'")
        type_key = "type" if ctx.bug_compatible else "nodeType"  # §9 #19
        return [
            {
                "name": "testPool",
                type_key: "VirtualMachineScaleSets",
                "osType": "Linux",
                "count": 1,
                "kubernetesVersion": version,
            }
        ]
    out = []
    for pool in dicts(pools):
        if ctx.bug_compatible:
            node_type, pool_version = pool.get("type"), pool.get("orchestratorVersion")
        else:
            node_type = pool.get("type") or "VirtualMachineScaleSets"  # Azure's default
            pool_version = (
                pool.get("orchestratorVersion") or pool.get("currentOrchestratorVersion") or version
            )
        out.append(
            {
                "name": pool.get("name"),
                "count": pool.get("count"),
                "nodeType": node_type,
                "osType": pool.get("osType"),
                "kubernetesVersion": pool_version,
            }
        )
    return out


@kind("kubernetesClusters", "microsoft.containerservice/managedclusters")
def kubernetes_cluster(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``kubernetesClusters[]`` object from the Resource Graph row (no REST call)."""
    p = row.get("properties")
    if not isinstance(p, dict) or not p:
        ctx.warn(row["id"], "AKS cluster without properties: skipped")
        return None
    bug = ctx.bug_compatible
    version = p.get("kubernetesVersion") or (None if bug else p.get("currentKubernetesVersion"))
    version = version or _OLD_K8S_VERSION
    access = p.get("apiServerAccessProfile")
    ranges = get(access, "authorizedIPRanges", default=[])
    if (
        bug
        and isinstance(access, dict)
        and "authorizedIPRanges" in access
        and access["authorizedIPRanges"] is None
    ):
        ranges = None
    aad = p.get("aadProfile")
    if aad:
        aad_out: Any = {
            "adminGroups": get(aad, "adminGroupObjectIDs", default=[]),
            "tenantId": get(aad, "tenantID"),
        }
    else:
        aad_out = aad if bug else None  # the old collector passed a falsy value through
    ident = as_dict(row.get("identity"))
    return {
        **common(row),
        "kubernetesVersion": version,
        "nodePools": _node_pools(p, version, ctx, row["id"]),
        "enableRBAC": bool(p.get("enableRBAC")),
        "firewallRules": ranges,
        "privateCluster": bool(get(access, "enablePrivateCluster", default=False)),
        "tier": get(row, "sku", "tier", default="Basic" if bug else "Free"),
        "aadProfile": aad_out,
        "principalId": ident.get("principalId"),
        "principalType": ident.get("type"),
    }
