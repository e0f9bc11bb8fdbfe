"""Call names (``<source>:<what>``) and the per-resource calls securiCAD needs.

Pure data (no azure import): the collector stores fetches under these names, the builder and
the differ read them back, and the fake tenant serves exactly these paths. For per-resource
calls the fetch target is the lower-cased ARM id of the resource. Types not listed in
``PER_RESOURCE`` (VMs, NICs, AKS, Cosmos DB, ...) are fully described by their Resource Graph row.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tenant-wide calls: the name each fetch is stored under, and (in a comment) its target.
SUBSCRIPTIONS_LIST = "subscriptions:list"  # target ""
SUBSCRIPTIONS_GET = "subscriptions:get"  # lower subscription id
ARG_RESOURCES = "resourcegraph:resources"  # "batch-N"
ARG_CONTAINERS = "resourcegraph:resourcecontainers"  # "batch-N"
MANAGEMENT_GROUPS_LIST = "managementgroups:list"  # target ""
MANAGEMENT_GROUP_GET = "managementgroups:get"  # lower management group id
ROLE_ASSIGNMENTS = "authorization:roleAssignments"  # lower listing scope
ROLE_DEFINITION = "authorization:roleDefinition"  # lower role GUID
DENY_ASSIGNMENTS = "authorization:denyAssignments"  # lower listing scope
ROLE_ELIGIBILITY = "authorization:roleEligibilityScheduleInstances"  # lower listing scope
GRAPH_MEMBERS = "graph:members"  # group object id
GRAPH_TRANSITIVE_MEMBERS = "graph:transitiveMembers"  # group object id
PRINCIPALS_GET_BY_IDS = "principals:getByIds"  # "ids-NNNN": a request of up to 1,000 ids
INSIGHTS_TOPOLOGY = "insights:topology"  # lower App Insights component id


def source_of(call: str) -> str:
    """The source a call belongs to: ``"graph:members"`` -> ``"graph"``."""
    return call.partition(":")[0]


@dataclass(frozen=True)
class Call:
    call: str
    suffix: str  # appended to the resource id (or to vaultUri for the data plane)
    api_version: str
    paged: bool = True
    data_plane: bool = False  # Key Vault data plane: relative to properties.vaultUri
    extra: tuple[tuple[str, str], ...] = ()
    absent_on: tuple[str, ...] = ()  # lower-cased SKU tiers that do not offer this service


def absent_for(row: dict[str, object], call: Call) -> str | None:
    """Why ``call`` does not exist for the resource of Resource Graph ``row`` (its SKU tier is
    documented not to offer it), or None. Such a call is recorded ``not_applicable`` unasked."""
    sku = row.get("sku")
    tier = sku.get("tier") or sku.get("name") if isinstance(sku, dict) else None
    if isinstance(tier, str) and tier.lower() in call.absent_on:
        return f"not offered on the {tier} tier: not called"
    return None


_SQL = "2021-11-01"
_DB = "2017-12-01"
_APIM = "2022-08-01"

PER_RESOURCE: dict[str, tuple[Call, ...]] = {
    "microsoft.keyvault/vaults": (
        Call("keyvault:keys", "keys", "7.4", data_plane=True),
        Call("keyvault:secrets", "secrets", "7.4", data_plane=True),
        Call("keyvault:certificates", "certificates", "7.4", data_plane=True),
    ),
    "microsoft.storage/storageaccounts": (
        Call("storage:containers", "/blobServices/default/containers", "2023-05-01"),
        Call("storage:shares", "/fileServices/default/shares", "2023-05-01"),
        Call("storage:tables", "/tableServices/default/tables", "2023-05-01"),
        Call("storage:queues", "/queueServices/default/queues", "2023-05-01"),
    ),
    "microsoft.web/sites": (
        Call("web:config", "/config/web", "2023-12-01", paged=False),
        Call("web:authsettingsV2", "/config/authsettingsV2", "2023-12-01", paged=False),
    ),
    "microsoft.servicebus/namespaces": (
        Call("servicebus:authorizationRules", "/authorizationRules", "2021-11-01"),
        Call("servicebus:queues", "/queues", "2021-11-01"),
        # "Topics/subscriptions aren't supported in the Basic pricing tier" (learn.microsoft.com
        # service-bus-messaging quickstart and service-bus-premium-messaging; MicrosoftDocs/
        # azure-docs#111485). Azure's answer when asked has no specific code (a generic 400
        # SubCode=40000), so the tier decides and the call is not made.
        Call("servicebus:topics", "/topics", "2021-11-01", absent_on=("basic",)),
    ),
    "microsoft.sql/servers": (
        Call("sql:databases", "/databases", _SQL),
        Call("sql:virtualNetworkRules", "/virtualNetworkRules", _SQL),
        Call("sql:firewallRules", "/firewallRules", _SQL),
        Call("sql:administrators", "/administrators", _SQL),
    ),
    "microsoft.dbformysql/servers": (
        Call("dbservers:firewallRules", "/firewallRules", _DB),
        Call("dbservers:administrators", "/administrators", _DB),
    ),
    "microsoft.dbforpostgresql/servers": (
        Call("dbservers:firewallRules", "/firewallRules", _DB),
        Call("dbservers:administrators", "/administrators", _DB),
    ),
    "microsoft.dbformariadb/servers": (
        Call("dbservers:firewallRules", "/firewallRules", "2018-06-01"),
    ),
    "microsoft.apimanagement/service": (
        Call("apim:apis", "/apis", _APIM),
        Call("apim:certificates", "/certificates", _APIM),
        Call("apim:products", "/products", _APIM),
        Call("apim:users", "/users", _APIM),
        Call("apim:subscriptions", "/subscriptions", _APIM),
    ),
    "microsoft.insights/components": (
        Call(
            "insights:topology",
            "/providers/microsoft.insights/topology",
            "2019-10-17-preview",
            paged=False,
            extra=(("depth", "1"),),
        ),
    ),
}

# Follow-up listings: for each item of the first call, list the second under the item's id.
FOLLOW_UPS: dict[str, Call] = {
    "apim:products": Call("apim:productApis", "/apis", _APIM),
}

API = {
    "subscriptions": "2022-12-01",
    "managementgroups": "2021-04-01",
    "authorization": "2022-04-01",
    "pim": "2020-10-01",  # roleEligibilityScheduleInstances
}

# Listings whose 403 is normal (an extra permission): recorded as forbidden on the fetch, and
# reported as coverage, without making the source (and the snapshot) forbidden/partial.
OPTIONAL_CALLS = frozenset({ROLE_ELIGIBILITY})
