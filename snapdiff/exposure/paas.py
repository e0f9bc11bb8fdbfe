"""PaaS endpoints open to the Internet: public network access and each service's firewall.

One function per resource type, registered with ``@paas(type)``; each gets the Resource Graph
row and a ``fetch(call)`` that returns the stored per-resource response (or raises
``Missing`` when it failed or was forbidden) and yields findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..snapshot import Fetch as SnapshotFetch
from .compute import Missing
from .intervals import INTERNET, Intervals, ipv4_interval, ipv4_range
from .model import Finding, Hop
from .sources import ANYWHERE, NOWHERE, Sources

Fetch = Callable[[str], Any]
Check = Callable[[dict[str, Any], Fetch], Iterator[tuple[Intervals, Sources, str, list[Hop]]]]
REGISTRY: dict[str, Check] = {}
AZURE_SERVICES = "Azure services (any tenant's)"


def paas(rtype: str) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        REGISTRY[rtype] = fn
        return fn

    return deco


def _p(row: dict[str, Any]) -> dict[str, Any]:
    return row.get("properties") or {}


def _disabled(p: dict[str, Any]) -> bool:
    return str(p.get("publicNetworkAccess") or "").lower() == "disabled"


def _ips(values: list[str]) -> Sources:
    spans = [iv for iv in (ipv4_interval(v) for v in values) if iv]
    return Sources(Intervals(spans) & INTERNET)


def _setting(rid: str, what: str) -> Hop:
    key, _, value = what.partition(": ")
    return Hop("setting", key, rid, value)


def _acls(row: dict[str, Any], port: int, label: str) -> Iterator[Any]:
    """Storage accounts and Key Vaults: publicNetworkAccess, then networkAcls."""
    p, rid = _p(row), str(row["id"])
    if _disabled(p):
        return
    acls = p.get("networkAcls") or {}
    ports = Intervals([(port, port)])
    default = str(acls.get("defaultAction") or "Allow")
    if default.lower() == "allow":
        yield ports, ANYWHERE, label, [_setting(rid, "networkAcls.defaultAction: Allow")]
        return
    values = [str(r.get("value", "")) for r in acls.get("ipRules") or []
              if str(r.get("action", "Allow")).lower() == "allow"]  # fmt: skip
    src = _ips(values)
    if src:
        hops = [_setting(rid, "networkAcls.defaultAction: Deny")]
        hops += [Hop("ip-rule", v, None, "networkAcls.ipRules") for v in values]
        yield ports, src, label, hops


@paas("microsoft.storage/storageaccounts")
def storage(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
    yield from _acls(row, 443, "blob, file, queue, table, dfs, web endpoints")


@paas("microsoft.keyvault/vaults")
def keyvault(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
    yield from _acls(row, 443, "vault endpoint")


def _firewall(row: dict[str, Any], items: list[Any], port: int, label: str) -> Iterator[Any]:
    """SQL and database servers: publicNetworkAccess, then the firewall rules (none: closed)."""
    if _disabled(_p(row)):
        return
    src, hops = NOWHERE, []
    for r in items:
        rp = r.get("properties") or {}
        a, b = rp.get("startIpAddress"), rp.get("endIpAddress")
        if a == "0.0.0.0" and b == "0.0.0.0":  # "Allow Azure services and resources"
            part = Sources(Intervals(), frozenset({AZURE_SERVICES}))
        else:
            iv = ipv4_range(str(a), str(b))
            part = Sources(Intervals([iv] if iv else []) & INTERNET)
        if part:
            src = src | part
            hops.append(Hop("firewall-rule", str(r.get("name", "")), r.get("id"), f"{a}-{b}"))
    if src:
        yield Intervals([(port, port)]), src, label, hops


@paas("microsoft.sql/servers")
def sql(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
    yield from _firewall(row, fetch("sql:firewallRules"), 1433, "SQL endpoint")


def _dbserver(port: int) -> Check:
    def check(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
        yield from _firewall(row, fetch("dbservers:firewallRules"), port, "server endpoint")

    return check


paas("microsoft.dbformysql/servers")(_dbserver(3306))
paas("microsoft.dbformariadb/servers")(_dbserver(3306))
paas("microsoft.dbforpostgresql/servers")(_dbserver(5432))


@paas("microsoft.documentdb/databaseaccounts")
def cosmos(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
    p, rid = _p(row), str(row["id"])
    if _disabled(p):
        return
    rules = [str(r.get("ipAddressOrRange", "")) for r in p.get("ipRules") or []]
    ports = Intervals([(443, 443)])
    if not rules:
        if not p.get("isVirtualNetworkFilterEnabled"):
            yield ports, ANYWHERE, "account endpoint", [_setting(rid, "ipRules: none")]
        return
    src = _ips([r for r in rules if r != "0.0.0.0"])
    if "0.0.0.0" in rules:  # "Accept connections from within public Azure datacenters"
        src = src | Sources(Intervals(), frozenset({AZURE_SERVICES}))
    if src:
        yield ports, src, "account endpoint", [Hop("ip-rule", r, None, "ipRules") for r in rules]


def _restrictions(rules: Any, default: Any) -> tuple[Sources, list[Hop]]:
    """App Service access restrictions: by priority, first match decides; without rules,
    everything is allowed; with rules and no default action, an implicit Deny all."""
    if not rules:
        return ANYWHERE, [Hop("access-restriction", "none", None, "no access restrictions")]
    ordered = sorted(rules, key=lambda r: int(r.get("priority") or 0))
    named = frozenset(
        str(r.get("ipAddress") or "")
        for r in rules
        if str(r.get("tag") or "").lower() == "servicetag"
    )
    everywhere = Sources(ANYWHERE.ips, ANYWHERE.tags | named)  # the tags are Internet too
    remaining, allowed, hops = everywhere, NOWHERE, []
    for r in ordered:
        if r.get("vnetSubnetResourceId"):
            continue  # a subnet of a virtual network: private traffic
        addr = str(r.get("ipAddress") or "")
        if str(r.get("tag") or "").lower() == "servicetag":
            match = Sources(Intervals(), frozenset({addr}))
        elif addr.lower() == "any":
            match = everywhere
        else:
            match = _ips([addr])
        hit = match & remaining
        remaining = remaining - match
        if str(r.get("action", "Allow")).lower() == "allow" and hit:
            allowed = allowed | hit
            hops.append(Hop("access-restriction", str(r.get("name", addr)), None,
                            f"priority {r.get('priority')}, Allow {addr}"))  # fmt: skip
    if default is None:
        default = "Deny" if any(str(r.get("action")).lower() == "allow" for r in rules) else "Allow"
    if str(default).lower() == "allow" and remaining:
        allowed = allowed | remaining
        hops.append(Hop("access-restriction", "default", None, "default action Allow"))
    return allowed, hops


@paas("microsoft.web/sites")
def web(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
    if _disabled(_p(row)):
        return
    body = fetch("web:config")
    c = body.get("properties", body) if isinstance(body, dict) else {}
    if _disabled(c):
        return
    ports = Intervals([(80, 80), (443, 443)])
    main = _restrictions(
        c.get("ipSecurityRestrictions"), c.get("ipSecurityRestrictionsDefaultAction")
    )
    if main[0]:
        yield ports, main[0], "site", main[1]
    if c.get("scmIpSecurityRestrictionsUseMain"):
        scm = main
    else:
        scm = _restrictions(
            c.get("scmIpSecurityRestrictions"), c.get("scmIpSecurityRestrictionsDefaultAction")
        )
    if scm[0]:
        yield Intervals([(443, 443)]), scm[0], "scm (Kudu) site", scm[1]


@paas("microsoft.containerservice/managedclusters")
def aks(row: dict[str, Any], fetch: Fetch) -> Iterator[Any]:
    p, rid = _p(row), str(row["id"])
    prof = p.get("apiServerAccessProfile") or {}
    if prof.get("enablePrivateCluster"):
        return
    ranges = [str(r) for r in prof.get("authorizedIPRanges") or []]
    ports = Intervals([(443, 443)])
    if not ranges:
        hop = _setting(rid, "apiServerAccessProfile.authorizedIPRanges: none")
        yield ports, ANYWHERE, "API server", [hop]
        return
    src = _ips(ranges)
    if src:
        hops = [
            Hop("ip-rule", r, None, "apiServerAccessProfile.authorizedIPRanges") for r in ranges
        ]
        yield ports, src, "API server", hops


class Fetches(Protocol):
    """What ``paas_findings`` reads of a snapshot: a ``SnapshotView``, or one that records."""

    def fetch(self, call: str, target: str) -> SnapshotFetch | None: ...


def paas_findings(view: Fetches, row: dict[str, Any], check: Check, cia: Any) -> list[Finding]:
    rid = str(row["id"])

    def fetch(call: str) -> Any:
        f = view.fetch(call, rid.lower())
        if f is None:
            raise Missing(f"{call} was not collected")
        if f.absent:
            return []
        if not f.ok:
            raise Missing(f"{call}: {f.status}")
        return f.items() if call != "web:config" else f.body()

    p = _p(row)
    flags = []
    if p.get("allowBlobPublicAccess") is True:
        flags.append("allowBlobPublicAccess: containers may allow anonymous read")
    bypass = str((p.get("networkAcls") or {}).get("bypass") or "")
    if "azureservices" in bypass.lower().replace(" ", ""):
        flags.append("trusted Azure services bypass the network rules")
    out = []
    for ports, src, label, hops in check(row, fetch):
        out.append(
            Finding(
                rid,
                str(row.get("type", "")).lower(),
                cia,
                "paas",
                "Tcp",
                ports,
                src,
                label,
                hops,
                list(flags),
            )  # fmt: skip
        )
    return out
