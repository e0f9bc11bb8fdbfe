"""Virtual machines and scale sets reachable from the Internet: a public IP on the NIC's IP
configuration, or a public load balancer's rule to it, and every NSG on the way allowing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .intervals import ALL_PORTS, Intervals, ipv4_interval
from .model import Finding, Hop, Unknown
from .network import LbEntry, Network, Subnet, ref, refs
from .nsg import PROTOCOLS, Opening, Rule, Target, openings

VM = "microsoft.compute/virtualmachines"
VMSS = "microsoft.compute/virtualmachinescalesets"
EVERYTHING = {p: ALL_PORTS for p in PROTOCOLS}


class Missing(Exception):
    """A row the path needs is not in the snapshot."""


@dataclass
class Entry:
    """One way in: a public IP on the IP configuration, or a load balancer rule."""

    hops: list[Hop]
    want: dict[str, Intervals]  # protocols and (backend) ports it forwards
    standard: bool  # Standard SKU: closed to inbound unless an NSG allows it
    lb: LbEntry | None = None
    flags: tuple[str, ...] = ()


class Computer:
    def __init__(self, net: Network):
        self.net = net
        self._internet: dict[str, list[Rule]] = {}
        self._memo: dict[Any, list[Opening]] = {}

    # -- reading ------------------------------------------------------------------------------
    def _nsg_rules(self, nsg_id: str | None, what: str) -> list[Rule] | None:
        if nsg_id is None:
            return None
        nsg = self.net.nsg(nsg_id)  # every time: a tracking network records what each reads
        if nsg is None:
            raise Missing(f"{what} NSG {nsg_id.rsplit('/', 1)[-1]} is not in the snapshot")
        if nsg.unreadable:
            raise Missing(f"{what} NSG {nsg.name}: rules not readable: {nsg.unreadable}")
        if nsg_id not in self._internet:
            self._internet[nsg_id] = [r for r in nsg.rules if r.internet]
        return self._internet[nsg_id]

    def _subnet(self, sid: str | None) -> Subnet:
        if sid is None or sid not in self.net.subnets:
            raise Missing(f"subnet {sid} is not in the snapshot (its virtual network row)")
        return self.net.subnets[sid]

    def _pip_hop(self, pid: str) -> tuple[Hop, bool, tuple[str, ...]]:
        row = self.net.pips.get(pid)
        if row is None:
            raise Missing(f"public IP {pid.rsplit('/', 1)[-1]} is not in the snapshot")
        p = row.get("properties") or {}
        sku = str((row.get("sku") or {}).get("name") or "Basic")
        addr = p.get("ipAddress")
        flags = () if addr else ("public IP has no address allocated (dynamic, resource stopped)",)
        hop = Hop("public-ip", str(row.get("name", "")), str(row["id"]), f"{addr or '-'} ({sku})")
        return hop, sku.lower() != "basic", flags

    def _lb_entry(self, e: LbEntry) -> Entry:
        pip_hop, _, flags = self._pip_hop(e.pip)
        fr = (
            f"{e.frontend[0]}"
            if e.frontend[0] == e.frontend[1]
            else f"{e.frontend[0]}-{e.frontend[1]}"
        )
        hop = Hop(
            e.kind,
            f"{e.lb_name}/{e.name}",
            e.id,
            f"{'/'.join(e.protocols) or '-'} frontend {fr} -> backend {e.backend}",
        )
        want = {p: Intervals([(e.backend, e.backend)]) for p in e.protocols}
        return Entry([pip_hop, hop], want, e.standard, e, flags)

    def _entries(self, cfg_id: str, p: dict[str, Any], vmss: bool) -> list[Entry]:
        out = []
        pid = ref(p.get("publicIPAddress"))
        if pid:
            hop, std, flags = self._pip_hop(pid)
            out.append(Entry([hop], EVERYTHING, std, flags=flags))
        pcfg = p.get("publicIPAddressConfiguration")
        if vmss and isinstance(pcfg, dict):
            sku = str(((pcfg.get("sku") or {}).get("name")) or "Basic")
            hop = Hop("public-ip", str(pcfg.get("name", "")), None, f"one per instance ({sku})")
            out.append(Entry([hop], EVERYTHING, sku.lower() != "basic"))
        seen: set[str] = set()
        pools = refs(p.get("loadBalancerBackendAddressPools"))
        pools += self.net.pools_of_ipconfig.get(cfg_id, [])
        lb_entries = [e for pool in dict.fromkeys(pools) for e in self.net.by_pool.get(pool, [])]
        for nat in refs(p.get("loadBalancerInboundNatRules")) + refs(
            p.get("loadBalancerInboundNatPools")
        ):
            if nat in self.net.by_nat:
                lb_entries.append(self.net.by_nat[nat])
        lb_entries += self.net.nat_by_ipconfig.get(cfg_id, [])
        for e in lb_entries:
            if e.id.lower() not in seen:
                seen.add(e.id.lower())
                out.append(self._lb_entry(e))
        return out

    # -- evaluating ---------------------------------------------------------------------------
    def _openings(
        self, sub: list[Rule] | None, nic: list[Rule] | None, t: Target, want: dict[str, Intervals]
    ) -> list[Opening]:
        s = None if sub is None else [r for r in sub if r.reaches(t)]
        n = None if nic is None else [r for r in nic if r.reaches(t)]
        key = (
            None if s is None else tuple(map(id, s)),
            None if n is None else tuple(map(id, n)),
            tuple((k, v.spans) for k, v in sorted(want.items())),
        )
        if key not in self._memo:
            self._memo[key] = openings(s, n, want)
        return self._memo[key]

    def _findings(
        self, row: dict[str, Any], cia: Any, nic_name: str, nic_id: str | None,
        nic_nsg: str | None, cfgs: list[tuple[str, dict[str, Any], Target]], vmss: bool,
        flags: list[str],
    ) -> Iterator[Finding]:  # fmt: skip
        for cfg_id, p, t in cfgs:
            entries = self._entries(cfg_id, p, vmss)
            if not entries:
                continue  # no way in from the Internet: its NSGs do not matter
            nic_rules = self._nsg_rules(nic_nsg, "NIC")
            subnet = self._subnet(ref(p.get("subnet")))
            sub_rules = self._nsg_rules(subnet.nsg, "subnet")
            route = self.net.route_flag(subnet)
            for entry in entries:
                if sub_rules is None and nic_rules is None and entry.standard:
                    continue  # Standard SKU public IPs and load balancers are secure by default
                for o in self._openings(sub_rules, nic_rules, t, entry.want):
                    ports = o.ports
                    if entry.lb is not None:
                        ports = Intervals([entry.lb.frontend])
                    path = list(entry.hops)
                    path.append(_nsg_hop(o.subnet_rule, subnet.nsg, "subnet", subnet.name))
                    path.append(_nsg_hop(o.nic_rule, nic_nsg, "nic", nic_name))
                    path.append(Hop("nic", nic_name, nic_id, cfg_id.rsplit("/", 1)[-1]))
                    path.append(Hop("subnet", subnet.name, subnet.id, ""))
                    fl = [*flags, *entry.flags, *([route] if route else [])]
                    yield Finding(
                        str(row["id"]), str(row.get("type", "")).lower(), cia, "compute",
                        o.protocol, ports, o.sources, _via(entry), path, fl,
                    )  # fmt: skip

    def vm(self, row: dict[str, Any], cia: Any) -> tuple[list[Finding], Unknown | None]:
        p = row.get("properties") or {}
        flags = []
        power = ((p.get("extended") or {}).get("instanceView") or {}).get("powerState") or {}
        if "deallocated" in str(power.get("code", "")).lower():
            flags.append("deallocated: reachable when started")
        out: list[Finding] = []
        try:
            for nid in refs((p.get("networkProfile") or {}).get("networkInterfaces")):
                nic = self.net.nics.get(nid)
                if nic is None:
                    raise Missing(f"NIC {nid.rsplit('/', 1)[-1]} is not in the snapshot")
                np = nic.get("properties") or {}
                cfgs = []
                for c in np.get("ipConfigurations") or []:
                    cp = c.get("properties") or {}
                    iv = ipv4_interval(str(cp.get("privateIPAddress") or ""))
                    t = Target(
                        Intervals([iv] if iv else []),
                        frozenset(refs(cp.get("applicationSecurityGroups"))),
                    )
                    cfgs.append((str(c.get("id", "")).lower(), cp, t))
                out += self._findings(row, cia, str(nic.get("name", "")), str(nic["id"]),
                                      ref(np.get("networkSecurityGroup")), cfgs, False, flags)  # fmt: skip
        except Missing as e:
            return [], Unknown(str(row["id"]), VM, str(e))
        return out, None

    def vmss(self, row: dict[str, Any], cia: Any) -> tuple[list[Finding], Unknown | None]:
        prof = ((row.get("properties") or {}).get("virtualMachineProfile") or {}).get(
            "networkProfile"
        ) or {}
        out: list[Finding] = []
        try:
            for nc in prof.get("networkInterfaceConfigurations") or []:
                ncp = nc.get("properties") or {}
                cfgs = []
                for c in ncp.get("ipConfigurations") or []:
                    cp = c.get("properties") or {}
                    subnet = self._subnet(ref(cp.get("subnet")))
                    # Instances take addresses in the subnet: a rule for part of it may apply.
                    t = Target(
                        subnet.prefixes, frozenset(refs(cp.get("applicationSecurityGroups")))
                    )
                    cfgs.append(
                        (f"{str(row['id']).lower()}/{nc.get('name')}/{c.get('name')}", cp, t)
                    )
                name = f"{row.get('name')}/{nc.get('name')}"
                out += self._findings(row, cia, name, None, ref(ncp.get("networkSecurityGroup")),
                                      cfgs, True, [])  # fmt: skip
        except Missing as e:
            return [], Unknown(str(row["id"]), VMSS, str(e))
        return out, None


def _via(e: Entry) -> str:
    pip = e.hops[0]
    addr = pip.detail.split(" ", 1)[0]
    head = f"public IP {pip.name} ({addr})" if addr != "one" else f"instance public IP {pip.name}"
    if e.lb is not None:
        return f"{head}, {e.hops[1].kind.replace('-', ' ')} {e.hops[1].name}"
    return head


def _nsg_hop(rule: Rule | None, nsg_id: str | None, level: str, where: str) -> Hop:
    if rule is None:
        return Hop("no-nsg", f"no NSG on {level}", None, f"{level} level: {where} has no NSG")
    p = rule.props
    src = p.get("sourceAddressPrefixes") or p.get("sourceAddressPrefix") or "*"
    ports = p.get("destinationPortRanges") or p.get("destinationPortRange") or "*"
    what = (
        f"{level} level, priority {rule.priority}, {rule.access} {p.get('protocol', '*')}"
        f" {_join(ports)} from {_join(src)}"
    )
    return Hop("nsg-rule", f"{rule.nsg_name}/{rule.name}", rule.id or None, what)


def _join(v: Any) -> str:
    return ", ".join(map(str, v)) if isinstance(v, list) else str(v)
