"""Databases: Cosmos DB (§2.19), SQL servers (§2.23), MySQL / PostgreSQL single servers
(§2.24) and MariaDB (§2.25). Also holds the listing helpers the other data/web kinds share."""

from __future__ import annotations

from typing import Any

from ..common import common, expand_ip_range, get, props
from ..context import BuildContext
from ..registry import kind


def listing(
    ctx: BuildContext, call: str, resource_id: str, *, unpaged: bool = True
) -> list[Any] | None:
    """Items of a per-resource listing: ``[]`` when the service does not exist for the
    resource (not_applicable), None when unreadable.

    ``unpaged`` marks the calls the old collector made without following ``nextLink`` (§9 #29):
    in bug-compatible mode only the first stored page is used for those.
    """
    f = ctx.fetch(call, resource_id)
    if f is not None and f.absent:
        return []
    if f is None or not f.ok:
        return None
    if not (unpaged and ctx.bug_compatible):
        return f.items()
    bodies = f.bodies()
    first = bodies[0] if bodies else None
    rows = first.get("value") if isinstance(first, dict) else None
    return list(rows) if isinstance(rows, list) else []


def dicts(items: list[Any] | None) -> list[dict[str, Any]]:
    """The dict items of a listing (an unreadable listing counts as empty)."""
    return [i for i in items or [] if isinstance(i, dict)]


def public_network_access(p: dict[str, Any], ctx: BuildContext) -> str:
    """``publicNetworkAccess``: the old default was "Disabled"; Azure's is "Enabled" (§9 #20)."""
    value = p.get("publicNetworkAccess")
    if isinstance(value, str) and value:
        return value
    return "Disabled" if ctx.bug_compatible else "Enabled"


def firewall_rules(ctx: BuildContext, call: str, rid: str) -> list[str]:
    """Firewall rules expanded as in §2.0, in rule order; rules without a range are skipped."""
    out: list[str] = []
    for rule in dicts(listing(ctx, call, rid)):
        start = get(rule, "properties", "startIpAddress")
        end = get(rule, "properties", "endIpAddress")
        if not start or not end:
            ctx.warn(rid, f"firewall rule {rule.get('name')!r} without start/end address skipped")
            continue
        out.extend(expand_ip_range(start, end))
    return out


# -- Cosmos DB -------------------------------------------------------------------------------

_COSMOS_CAPABILITIES = {
    "enablecassandra": "Cassandra",
    "enabletable": "Table",
    "enablegremlin": "Gremlin",
    "enablemongo": "MongoDB",
}


def _cosmos_api_types(row: dict[str, Any], ctx: BuildContext) -> list[str]:
    p = props(row)
    raw = p.get("EnabledApiTypes")
    if ctx.bug_compatible:
        return str(raw).replace(" ", "").split(",") if "EnabledApiTypes" in p else ["None"]
    if isinstance(raw, str) and raw.strip():
        return [t.strip() for t in raw.split(",") if t.strip()]
    # Derive from the account kind and capabilities when Resource Graph omits the field.
    found: list[str] = []
    if str(row.get("kind") or "").lower() == "mongodb":
        found.append("MongoDB")
    for cap in p.get("capabilities") or []:
        name = _COSMOS_CAPABILITIES.get(str(get(cap, "name", default="")).lower())
        if name and name not in found:
            found.append(name)
    return found or ["Sql"]


def _cosmos_ip_filter(p: dict[str, Any], ctx: BuildContext) -> list[str]:
    legacy = p.get("ipRangeFilter")
    if ctx.bug_compatible:
        return legacy.split(",") if isinstance(legacy, str) else []
    out: list[str] = []
    for rule in p.get("ipRules") or []:
        value = get(rule, "ipAddressOrRange")
        if isinstance(value, str) and value.strip() and value.strip() not in out:
            out.append(value.strip())
    for value in legacy.split(",") if isinstance(legacy, str) else []:
        if value.strip() and value.strip() not in out:
            out.append(value.strip())
    return out


@kind("cosmosDBs", "microsoft.documentdb/databaseaccounts")
def cosmos_db(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``cosmosDBs[]`` object."""
    p = props(row)
    ip_filter = _cosmos_ip_filter(p, ctx)
    if ctx.bug_compatible:
        restricted = p.get("isVirtualNetworkFilterEnabled") is not False
        no_key_writes = p.get("disableKeyBasedMetadataWriteAccess") is not False
    else:
        restricted = (
            p.get("isVirtualNetworkFilterEnabled") is True
            or bool(ip_filter)
            or p.get("publicNetworkAccess") == "Disabled"
        )
        no_key_writes = p.get("disableKeyBasedMetadataWriteAccess") is True
    return {
        **common(row),
        "restrictedAccess": restricted,
        "virtualNetworkRules": [
            r["id"] for r in dicts(p.get("virtualNetworkRules")) if r.get("id")
        ],
        "ipRangeFilter": ip_filter,
        "apiTypes": _cosmos_api_types(row, ctx),
        "disableKeyBasedMetadataWriteAccess": no_key_writes,
    }


# -- SQL servers -----------------------------------------------------------------------------


def _sql_databases(row: dict[str, Any], ctx: BuildContext) -> list[dict[str, Any]]:
    out = []
    for db in dicts(listing(ctx, "sql:databases", row["id"])):
        tier = get(db, "sku", "tier")
        if tier is None:
            tier = get(db, "properties", "currentSku", "tier")
            if tier is None:
                ctx.warn(row["id"], f"database {db.get('name')!r} without sku: tier null")
        out.append(
            {"id": db.get("id"), "name": db.get("name"), "tier": tier, "provider": db.get("type")}
        )
    return out


@kind("sqlServers", "microsoft.sql/servers")
def sql_server(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``sqlServers[]`` object."""
    p = props(row)
    rid = row["id"]
    return {
        **common(row),
        "databases": _sql_databases(row, ctx),
        "privateEndpoints": p.get("privateEndpointConnections") or [],
        "publicNetworkAccess": public_network_access(p, ctx),
        "virtualNetworkRules": [
            s
            for r in dicts(listing(ctx, "sql:virtualNetworkRules", rid))
            if (s := get(r, "properties", "virtualNetworkSubnetId"))
        ],
        "firewallRules": firewall_rules(ctx, "sql:firewallRules", rid),
    }


# -- MySQL / PostgreSQL / MariaDB single servers ---------------------------------------------


def _ad_admins(row: dict[str, Any], ctx: BuildContext) -> list[dict[str, Any]]:
    out = []
    for admin in dicts(listing(ctx, "dbservers:administrators", row["id"])):
        if ctx.bug_compatible:
            principal_type = admin.get("type")  # the ARM resource type (§9 #17)
        else:
            principal_type = get(
                admin, "properties", "administratorType", default="ActiveDirectory"
            )
        out.append(
            {
                "id": admin.get("id"),
                "name": admin.get("name"),
                "principalType": principal_type,
                "principalId": get(admin, "properties", "sid"),
            }
        )
    return out


def _db_server(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    p = props(row)
    return {
        **common(row),
        "privateEndpoints": p.get("privateEndpointConnections") or [],
        "publicNetworkAccess": public_network_access(p, ctx),
        "firewallRules": firewall_rules(ctx, "dbservers:firewallRules", row["id"]),
    }


@kind("mySQLDatabases", "microsoft.dbformysql/servers")
def mysql_server(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``mySQLDatabases[]`` object."""
    return {**_db_server(row, ctx), "adAdmins": _ad_admins(row, ctx)}


@kind("postgreSQLDatabases", "microsoft.dbforpostgresql/servers")
def postgresql_server(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``postgreSQLDatabases[]`` object."""
    return {**_db_server(row, ctx), "adAdmins": _ad_admins(row, ctx)}


@kind("mariaDBDatabases", "microsoft.dbformariadb/servers")
def mariadb_server(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``mariaDBDatabases[]`` object (no ``adAdmins``)."""
    return _db_server(row, ctx)
