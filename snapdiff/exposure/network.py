"""The network of one snapshot, read from its Resource Graph rows: NSGs, subnets, route
tables, public IPs, NICs and load balancers, indexed by lower-cased id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .intervals import Intervals, ipv4_interval
from .nsg import Nsg, parse_nsg

NET = "microsoft.network/"


def ref(obj: Any) -> str | None:
    """The lower-cased ``id`` of an ARM reference ``{"id": ...}``."""
    if isinstance(obj, dict) and obj.get("id"):
        return str(obj["id"]).lower()
    return None


def refs(objs: Any) -> list[str]:
    return [r for r in (ref(o) for o in objs or []) if r]


@dataclass
class Subnet:
    id: str
    name: str  # vnet/subnet
    nsg: str | None
    route_table: str | None
    raw_prefixes: list[str]

    @property
    def prefixes(self) -> Intervals:
        return Intervals(iv for iv in (ipv4_interval(x) for x in self.raw_prefixes) if iv)


@dataclass
class LbEntry:
    """One way a public load balancer forwards Internet traffic to its backends."""

    kind: str  # load-balancer-rule, inbound-nat-rule, inbound-nat-pool
    lb_id: str
    lb_name: str
    name: str
    id: str
    protocols: tuple[str, ...]
    frontend: tuple[int, int]  # frontend port range
    backend: int  # backend port
    pip: str  # lower public IP id of the frontend
    standard: bool  # Standard SKU: closed unless an NSG allows
    props: dict[str, Any] = field(repr=False, default_factory=dict)


_LB_PROTO = {"tcp": ("Tcp",), "udp": ("Udp",), "all": ("Tcp", "Udp")}


class Network:
    def __init__(self, rows: dict[str, dict[str, Any]]):
        self.rows = rows
        self._nsg_rows: dict[str, dict[str, Any]] = {}
        self._nsgs: dict[str, Nsg] = {}
        self.subnets: dict[str, Subnet] = {}
        self.pips: dict[str, dict[str, Any]] = {}
        self.nics: dict[str, dict[str, Any]] = {}
        self.route_tables: dict[str, dict[str, Any]] = {}
        self.by_pool: dict[str, list[LbEntry]] = {}  # backend pool id -> rules
        self.by_nat: dict[str, LbEntry] = {}  # NAT rule or pool id -> entry
        self.nat_by_ipconfig: dict[str, list[LbEntry]] = {}
        self.lb_rules: dict[str, dict[str, Any]] = {}  # any LB rule id -> properties
        self.pools_of_ipconfig: dict[str, list[str]] = {}  # from the pools' member lists
        lbs = []
        for lid, row in rows.items():
            t = str(row.get("type", "")).lower()
            if not t.startswith(NET):
                continue
            t = t[len(NET) :]
            if t == "networksecuritygroups":
                self._nsg_rows[lid] = row
            elif t == "publicipaddresses":
                self.pips[lid] = row
            elif t == "networkinterfaces":
                self.nics[lid] = row
            elif t == "routetables":
                self.route_tables[lid] = row
            elif t == "virtualnetworks":
                self._vnet(row)
            elif t == "loadbalancers":
                lbs.append(row)
        for row in lbs:
            self._lb(row)

    def _vnet(self, row: dict[str, Any]) -> None:
        for s in (row.get("properties") or {}).get("subnets") or []:
            p = s.get("properties") or {}
            raw = [str(x) for x in [p.get("addressPrefix"), *(p.get("addressPrefixes") or [])] if x]
            sid = str(s.get("id", "")).lower()
            self.subnets[sid] = Subnet(
                sid,
                f"{row.get('name')}/{s.get('name')}",
                ref(p.get("networkSecurityGroup")),
                ref(p.get("routeTable")),
                raw,
            )

    def _lb(self, row: dict[str, Any]) -> None:
        p = row.get("properties") or {}
        sku = str((row.get("sku") or {}).get("name", "")).lower()
        standard = sku != "basic"
        fe_pip = {}
        for fe in p.get("frontendIPConfigurations") or []:
            pip = ref((fe.get("properties") or {}).get("publicIPAddress"))
            if pip:
                fe_pip[str(fe.get("id", "")).lower()] = pip
        lb_id, lb_name = str(row.get("id", "")), str(row.get("name", ""))
        for pool in p.get("backendAddressPools") or []:
            for cfg in refs((pool.get("properties") or {}).get("backendIPConfigurations")):
                self.pools_of_ipconfig.setdefault(cfg, []).append(str(pool.get("id", "")).lower())
        for kind, key in (
            ("load-balancer-rule", "loadBalancingRules"),
            ("inbound-nat-rule", "inboundNatRules"),
            ("inbound-nat-pool", "inboundNatPools"),
        ):
            for r in p.get(key) or []:
                rp = r.get("properties") or {}
                rid = str(r.get("id", "")).lower()
                self.lb_rules[rid] = rp
                pip = fe_pip.get(ref(rp.get("frontendIPConfiguration")) or "")
                if pip is None:
                    continue  # an internal frontend: not reachable from the Internet
                protos = _LB_PROTO.get(str(rp.get("protocol", "")).lower(), ())
                if "frontendPortRangeStart" in rp:
                    fr = (int(rp["frontendPortRangeStart"]), int(rp["frontendPortRangeEnd"]))
                else:
                    fr = (int(rp.get("frontendPort") or 0),) * 2
                e = LbEntry(
                    kind,
                    lb_id,
                    lb_name,
                    str(r.get("name", "")),
                    str(r.get("id", "")),
                    protos,
                    fr,
                    int(rp.get("backendPort") or 0),
                    pip,
                    standard,
                    rp,
                )
                if kind == "load-balancer-rule":
                    pools = refs(rp.get("backendAddressPools")) or [
                        x for x in [ref(rp.get("backendAddressPool"))] if x
                    ]
                    for pool in pools:
                        self.by_pool.setdefault(pool, []).append(e)
                else:
                    self.by_nat[rid] = e
                    nat_cfg = ref(rp.get("backendIPConfiguration"))
                    if nat_cfg:
                        self.nat_by_ipconfig.setdefault(nat_cfg, []).append(e)
                    v2_pool = ref(rp.get("backendAddressPool"))  # NAT rule V2: per member
                    if v2_pool:
                        self.by_pool.setdefault(v2_pool, []).append(e)

    def nsg(self, nid: str) -> Nsg | None:
        """The parsed NSG of a lower-cased id (parsed on first use), or None."""
        if nid not in self._nsgs:
            row = self._nsg_rows.get(nid)
            if row is None:
                return None
            self._nsgs[nid] = parse_nsg(row)
        return self._nsgs[nid]

    def route_flag(self, subnet: Subnet) -> str | None:
        """ "behind a route we do not model: ..." when the subnet's route table sends the
        default route to a virtual appliance (Azure Firewall or an NVA)."""
        if subnet.route_table is None:
            return None
        rt = self.route_tables.get(subnet.route_table)
        if rt is None:
            return (
                f"behind a route we do not model: route table {subnet.route_table.rsplit('/', 1)[-1]}"
                " is not in the snapshot"
            )
        for r in (rt.get("properties") or {}).get("routes") or []:
            rp = r.get("properties") or {}
            hop = str(rp.get("nextHopType", ""))
            if rp.get("addressPrefix") == "0.0.0.0/0" and hop.lower() == "virtualappliance":
                return (
                    f"behind a route we do not model: {rt.get('name')}/{r.get('name')} sends"
                    f" 0.0.0.0/0 to {hop} {rp.get('nextHopIpAddress', '')}".rstrip()
                )
        return None
