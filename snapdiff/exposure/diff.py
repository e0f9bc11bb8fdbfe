"""What became reachable from the Internet between two snapshots, what stopped being
reachable, and why: the rule, public IP, NSG attachment or CIA tag that changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..naming.cia_rule import require_cia_rule, valid_cia_rule
from ..snapshot import SnapshotView
from .incremental import partial_report, plan
from .intervals import Intervals, format_ports
from .model import Finding, Hop, cia_rank, cia_text, short_form
from .network import Network, ref, refs
from .nsg import _matches
from .query import ExposureReport, compute
from .sources import NOWHERE, OTHER_TAGS, Sources

_ORDER = {"reachable": 0, "raised": 1, "unreachable": 2}


@dataclass
class ExposureChange:
    change: str  # reachable, unreachable, raised
    resource: str
    type: str
    cia: tuple[int, int, int] | None  # after (before for unreachable)
    cia_before: tuple[int, int, int] | None
    protocol: str
    ports: Intervals
    sources: Sources
    via: str
    path: list[Hop]
    causes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        return short_form(self.resource, self.type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "resource": self.resource,
            "short": self.short,
            "type": self.type,
            "cia": list(self.cia) if self.cia else None,
            "cia_before": list(self.cia_before) if self.cia_before else None,
            "protocol": self.protocol,
            "ports": format_ports(self.ports) if self.protocol != "Icmp" else "",
            "port_ranges": [list(s) for s in self.ports.spans] if self.protocol != "Icmp" else [],
            "sources": self.sources.labels(),
            "via": self.via,
            "path": [h.__dict__.copy() for h in self.path],
            "causes": list(self.causes),
            "flags": list(self.flags),
        }


@dataclass
class ExposureDiff:
    changes: list[ExposureChange] = field(default_factory=list)
    not_compared: list[dict[str, str]] = field(default_factory=list)
    resources_compared: int = 0

    def counts(self) -> dict[str, int]:
        return {k: sum(c.change == k for c in self.changes) for k in _ORDER}

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "not_compared": [dict(n) for n in self.not_compared],
            "resources_compared": self.resources_compared,
            "counts": self.counts(),
        }

    def fails(self, rule: str) -> bool:
        """Whether ``--fail-on`` ``exposure`` or ``exposure:c>=8`` (c, i, a) matches: a change
        on a resource whose CIA value (after; before for unreachable) meets it."""
        if rule == "exposure":
            return bool(self.changes)
        r = require_cia_rule("exposure", rule)
        return any(r.meets(c.cia) for c in self.changes)


def valid_rule(rule: str) -> bool:
    return valid_cia_rule("exposure", rule)


_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}
_CIA = {"type": ["array", "null"], "items": {"type": "integer"}}
_HOP = {
    "type": "object",
    "required": ["kind", "name", "id", "detail"],
    "properties": {"kind": _STR, "name": _STR, "id": {"type": ["string", "null"]}, "detail": _STR},
}
_CHANGE = {
    "type": "object",
    "required": [
        "change", "resource", "short", "type", "cia", "cia_before", "protocol", "ports",
        "port_ranges", "sources", "via", "path", "causes", "flags",
    ],
    "properties": {
        "change": {"type": "string", "enum": list(_ORDER)},
        "resource": _STR,
        "short": _STR,
        "type": _STR,
        "cia": _CIA,
        "cia_before": _CIA,
        "protocol": {"type": "string", "enum": ["Tcp", "Udp", "Icmp"]},
        "ports": _STR,
        "port_ranges": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "sources": _STRS,
        "via": _STR,
        "path": {"type": "array", "items": _HOP},
        "causes": _STRS,
        "flags": _STRS,
    },
    "additionalProperties": False,
}  # fmt: skip
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["changes", "not_compared", "resources_compared", "counts"],
    "properties": {
        "changes": {"type": "array", "items": _CHANGE},
        "not_compared": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["subject", "resource", "reason"],
                "properties": {"subject": _STR, "resource": _STR, "reason": _STR},
            },
        },
        "resources_compared": {"type": "integer"},
        "counts": {
            "type": "object",
            "required": list(_ORDER),
            "properties": {k: {"type": "integer"} for k in _ORDER},
        },
    },
    "additionalProperties": False,
}


def _minus(new: list[Finding], old: list[Finding]) -> list[tuple[Finding, Intervals, Sources]]:
    """The parts of ``new`` findings not covered by ``old`` ones (same protocol)."""
    out = []
    for f in new:
        same = [o for o in old if o.protocol == f.protocol]
        cuts = f.ports.cuts()
        for o in same:
            cuts |= o.ports.cuts()
        pts = sorted(cuts)
        groups: dict[Sources, list[tuple[int, int]]] = {}
        for lo, nxt in zip(pts, pts[1:], strict=False):
            if lo not in f.ports:
                continue
            covered = NOWHERE
            for o in same:
                if lo in o.ports:
                    covered = covered | o.sources
            rest = f.sources - covered
            if OTHER_TAGS in covered.tags:
                # A tag no rule named on the other side went the way of all other tags there.
                rest = Sources(rest.ips, frozenset())
            if rest:
                groups.setdefault(rest, []).append((lo, nxt - 1))
        for src, spans in groups.items():
            out.append((f, Intervals(spans), src))
    return out


class _Side:
    def __init__(
        self, view: SnapshotView, report: ExposureReport, rows: dict[str, Any] | None = None
    ):
        self.rows = view.resources() if rows is None else rows
        self.net = report.network or Network(self.rows)
        self.report = report
        self.rg_complete = not report.coverage
        self.by_res: dict[str, list[Finding]] = {}
        for f in report.findings:
            self.by_res.setdefault(f.resource.lower(), []).append(f)
        self.unknown = {u.resource.lower(): u.reason for u in report.unknown}

    def rule(self, rid: str) -> dict[str, Any] | None:
        nsg = rid.lower().split("/securityrules/")[0].split("/defaultsecurityrules/")[0]
        n = self.net.nsg(nsg)
        return None if n is None else n.bodies.get(rid.lower())


_FIELDS = (
    "access",
    "priority",
    "protocol",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "sourceApplicationSecurityGroups",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "destinationApplicationSecurityGroups",
    "destinationPortRange",
    "destinationPortRanges",
    "direction",
)


def _rule_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = []
    for k in _FIELDS:
        a, b = old.get(k), new.get(k)
        if (a or None) != (b or None):
            parts.append(f"{k} {_v(a)} -> {_v(b)}")
    return "; ".join(parts)


def _v(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(str(i.get("id", i)).rsplit("/", 1)[-1] if isinstance(i, dict)
                               else str(i) for i in x) + "]"  # fmt: skip
    return "-" if x in (None, "") else str(x)


def _causes(f: Finding, now: _Side, then: _Side, gained: bool) -> list[str]:
    """Why ``f`` (a path in ``now``) is new compared with ``then``; ``gained`` False reads
    the same comparison backwards (a path of A that B no longer has)."""
    rid = f.resource.lower()
    if rid not in then.rows:
        return [f"{f.short} {'added' if gained else 'removed'}"]
    out: list[str] = []
    nic_hop = next((h for h in f.path if h.kind == "nic"), None)
    subnet_hop = next((h for h in f.path if h.kind == "subnet"), None)
    then_nic = then.rows.get((nic_hop.id or "").lower()) if nic_hop else None
    for h in f.path:
        if h.kind == "public-ip" and h.id and nic_hop and nic_hop.id:
            cfgs = ((then_nic or {}).get("properties") or {}).get("ipConfigurations") or []
            pips = {ref((c.get("properties") or {}).get("publicIPAddress")) for c in cfgs}
            if h.id.lower() not in pips:
                verb = "attached to" if gained else "detached from"
                out.append(f"public IP {h.name} ({h.detail.split(' ')[0]}) {verb} {nic_hop.name}")
        elif h.kind in ("load-balancer-rule", "inbound-nat-rule", "inbound-nat-pool") and h.id:
            old = then.net.lb_rules.get(h.id.lower())
            if old is None:
                out.append(
                    f"{h.kind.replace('-', ' ')} {h.name} {'added' if gained else 'removed'}"
                )
            elif old != now.net.lb_rules.get(h.id.lower()):
                out.append(f"{h.kind.replace('-', ' ')} {h.name} changed")
            elif nic_hop and nic_hop.id and then_nic is not None:
                pools = {p for c in (then_nic.get("properties") or {}).get("ipConfigurations") or []
                         for p in refs((c.get("properties") or {}).get("loadBalancerBackendAddressPools"))}  # fmt: skip
                lb_pool = ref(now.net.lb_rules[h.id.lower()].get("backendAddressPool"))
                if lb_pool and lb_pool not in pools:
                    verb = "joined" if gained else "left"
                    out.append(f"{nic_hop.name} {verb} backend pool {lb_pool.rsplit('/', 1)[-1]}")
        elif h.kind in ("nsg-rule", "no-nsg"):
            out += _level_causes(h, f, now, then, gained, nic_hop, subnet_hop)
        elif h.kind in _PAAS_HOPS:
            out += _paas_cause(h, then.by_res.get(rid, []), gained)
    return _merge_levels(out) or ["the path changed (see path)"]


def _merge_levels(causes: list[str]) -> list[str]:
    """One cause for a rule of the NSG that is on both the subnet and the NIC."""
    out: list[str] = []
    for c in causes:
        twin = c.replace("(nic level, ", "(subnet level, ")
        if c != twin and twin in out:
            out[out.index(twin)] = twin.replace("(subnet level, ", "(subnet and nic level, ")
        elif c not in out:
            out.append(c)
    return out


_PAAS_HOPS = ("setting", "ip-rule", "firewall-rule", "access-restriction")


def _paas_cause(h: Hop, other: list[Finding], gained: bool) -> list[str]:
    """A PaaS setting or rule on this side's path that the other side lacks or spells
    differently: ``firewall rule everyone (0.0.0.0-255.255.255.255) added``."""
    hops = [x for f in other for x in f.path if x.kind == h.kind]
    if any(x.name == h.name and x.detail == h.detail for x in hops):
        return []
    kind = h.kind.replace("-", " ")
    before = next((x.detail for x in hops if x.name == h.name), None)
    if before is not None:
        old, new = (before, h.detail) if gained else (h.detail, before)
        return [f"{kind} {h.name} changed: {old} -> {new}"]
    what = f"{kind} {h.name} ({h.detail})" if h.detail else f"{kind} {h.name}"
    return [f"{what} {'added' if gained else 'removed'}"]


def _level(h: Hop) -> str:
    return "subnet" if h.detail.startswith("subnet") else "nic"


def _attached(side: _Side, level: str, nic: Hop | None, subnet: Hop | None) -> str | None:
    if level == "subnet":
        s = side.net.subnets.get((subnet.id or "").lower()) if subnet else None
        return s.nsg if s else None
    row = side.rows.get((nic.id or "").lower()) if nic and nic.id else None
    return ref((row or {}).get("properties", {}).get("networkSecurityGroup")) if row else None


def _level_causes(
    h: Hop, f: Finding, now: _Side, then: _Side, gained: bool, nic: Hop | None, subnet: Hop | None
) -> list[str]:
    level = _level(h)
    where = (subnet.name if subnet else "?") if level == "subnet" else (nic.name if nic else "?")
    before = _attached(then, level, nic, subnet)
    after = _attached(now, level, nic, subnet)
    name = lambda x: x.rsplit("/", 1)[-1] if x else "none"  # noqa: E731
    if h.kind == "no-nsg":
        if before:
            verb = "detached from" if gained else "attached to"
            return [f"NSG {name(before)} {verb} {level} {where}"]
        return []
    if (before or "") != (after or "") and not (subnet is None and nic is None):
        verb = "attached to" if gained else "detached from"
        return [f"NSG {name(after)} {verb} {level} {where} (was {name(before)})"]
    out = []
    old = then.rule(h.id or "")
    new = now.rule(h.id or "")
    if h.id and old is None and new is not None:
        out.append(f"rule {h.name} {'added' if gained else 'removed'} ({h.detail})")
    elif old is not None and new is not None and (change := _rule_change(old, new)):
        out.append(f"rule {h.name} changed: {change}" if gained else f"rule {h.name} changed")
    # A rule of higher priority that decided otherwise on the other side.
    nsg_id = (h.id or "").lower().split("/securityrules/")[0].split("/defaultsecurityrules/")[0]
    then_nsg, now_nsg = then.net.nsg(nsg_id), now.net.nsg(nsg_id)
    if then_nsg and now_nsg and f.ports.spans:
        port = f.ports.spans[0][0]
        atom: Any = (
            (f.sources.ips.spans[0][0],) * 2 if f.sources.ips else next(iter(f.sources.tags))
        )
        now_ids = {r.id.lower(): r for r in now_nsg.rules}
        allow = next((r for r in now_nsg.rules if r.id.lower() == (h.id or "").lower()), None)
        for r in then_nsg.rules:
            if allow is not None and r.priority >= allow.priority:
                break
            if (
                r.default
                or r.allow
                or not _matches(r, f.protocol, port, f.protocol == "Icmp", atom)
            ):
                continue
            other = now_ids.get(r.id.lower())
            if other is None:
                out.append(f"rule {r.label()} {'removed' if gained else 'added'}")
            elif _rule_change(r.props, other.props):
                out.append(f"rule {r.label()} changed: {_rule_change(r.props, other.props)}")
    return out


def diff_exposure(a: SnapshotView, b: SnapshotView, *, incremental: bool = True) -> ExposureDiff:
    """What changed in Internet exposure from ``a`` to ``b``. With both row indexes (written
    by this code), only the targets whose inputs changed are computed again
    (``snapdiff.exposure.incremental``); ``incremental=False``, a missing index or a broad
    change computes both snapshots in full. Both give the same result."""
    p = plan(a, b) if incremental else None
    out = ExposureDiff()
    if p is None:
        sa, sb = _Side(a, compute(a)), _Side(b, compute(b))
        for k in sorted(set(sa.by_res) | set(sb.by_res) | set(sa.unknown) | set(sb.unknown)):
            _compare(out, k, sa, sb)
    else:
        sa = _Side(a, partial_report(a, p.rows[0], p.affected), p.rows[0])
        sb = _Side(b, partial_report(b, p.rows[1], p.affected), p.rows[1])
        keys = set(sa.by_res) | set(sb.by_res) | set(sa.unknown) | set(sb.unknown)
        for k in sorted(keys | p.unknown.keys()):
            h = p.unknown.get(k)
            if h is None:
                _compare(out, k, sa, sb)
            else:  # not known on either side, listed on both
                out.not_compared.append({"subject": short_form(h.id, h.type), "resource": h.id,
                                         "reason": f"A: {h.reason}"})  # fmt: skip
        out.resources_compared += p.compared  # with the same findings on both sides
    out.changes.sort(key=lambda c: (_ORDER[c.change], cia_rank(c.cia), c.resource.lower(),
                                    c.protocol, c.ports.spans))  # fmt: skip
    return out


def _compare(out: ExposureDiff, k: str, sa: _Side, sb: _Side) -> None:
    """The changes of one resource (lower-cased id) between two sides, added to ``out``."""
    unknown = sa.unknown.get(k) or sb.unknown.get(k)
    fa, fb = sa.by_res.get(k, []), sb.by_res.get(k, [])
    any_f = (fb or fa)[0] if (fa or fb) else None
    rtype = (
        any_f.type
        if any_f
        else str((sb.rows.get(k) or sa.rows.get(k) or {}).get("type", "")).lower()
    )
    rid = any_f.resource if any_f else str((sb.rows.get(k) or sa.rows.get(k) or {}).get("id", k))
    if unknown:
        side = "A" if k in sa.unknown else "B"
        out.not_compared.append(
            {"subject": short_form(rid, rtype), "resource": rid, "reason": f"{side}: {unknown}"}
        )
        return
    missing_b = k not in sb.rows and not sb.rg_complete
    missing_a = k not in sa.rows and not sa.rg_complete
    if missing_a or missing_b:
        out.not_compared.append({"subject": short_form(rid, rtype), "resource": rid,
                                 "reason": f"{'A' if missing_a else 'B'}: not listed (Resource Graph incomplete)"})  # fmt: skip
        return
    out.resources_compared += 1
    cia_a = fa[0].cia if fa else None
    cia_b = fb[0].cia if fb else None
    for f, ports, src in _minus(fb, fa):
        out.changes.append(ExposureChange("reachable", f.resource, f.type, f.cia, cia_a,
                           f.protocol, ports, src, f.via, f.path, _causes(f, sb, sa, True), f.flags))  # fmt: skip
    for f, ports, src in _minus(fa, fb):
        out.changes.append(ExposureChange("unreachable", f.resource, f.type, f.cia, cia_b,
                           f.protocol, ports, src, f.via, f.path, _causes(f, sa, sb, False), f.flags))  # fmt: skip
    if (
        fa
        and fb
        and cia_b
        and (cia_a is None or any(y > x for x, y in zip(cia_a, cia_b, strict=True)))
    ):
        f = fb[0]
        allp = Intervals()
        for x in fb:
            allp = allp | x.ports
        out.changes.append(ExposureChange("raised", f.resource, f.type, cia_b, cia_a, f.protocol,
                           allp, f.sources, f.via, f.path,
                           [f"CIA tag raised {cia_text(cia_a)} -> {cia_text(cia_b)}"], f.flags))  # fmt: skip
