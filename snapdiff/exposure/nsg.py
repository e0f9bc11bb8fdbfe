"""Network security group rules, and Azure's inbound evaluation of Internet traffic.

Azure's rules (learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works):
inbound traffic meets the subnet's NSG first, then the NIC's; both must allow it. Within one
NSG the rules are taken by priority (lowest number first) and the first rule that matches
decides. The default rules (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001,
DenyAllInBound 65500) come last. A level without an NSG allows everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .intervals import ALL_PORTS, INTERNET, Intervals, ipv4_interval, parse_ports
from .sources import ANY_WORDS, OTHER_TAGS, Sources

PROTOCOLS = ("Tcp", "Udp", "Icmp")
_PROTO = {"*": frozenset(PROTOCOLS), "tcp": frozenset({"Tcp"}), "udp": frozenset({"Udp"})}
_PROTO["icmp"] = frozenset({"Icmp"})
_PROTO["all"] = _PROTO["*"]

# Service tags that never carry Internet traffic to a NIC.
_PRIVATE_TAGS = frozenset({"virtualnetwork", "azureloadbalancer", "gatewaymanager"})

_DEFAULT_INBOUND = (
    ("AllowVnetInBound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Deny", "*", "*"),
)


@dataclass(frozen=True)
class Target:
    """The destination of inbound traffic: one IP configuration of a NIC (or a scale set's)."""

    ips: Intervals  # its private address (a scale set: its subnet's prefixes)
    asgs: frozenset[str]  # lower-cased application security group ids


@dataclass(eq=False)
class Rule:
    nsg_id: str
    nsg_name: str
    name: str
    id: str
    priority: int
    allow: bool
    default: bool
    protocols: frozenset[str]
    ports: Intervals
    src_all: bool
    src_ips: Intervals  # the part of its sources that is Internet
    src_tags: frozenset[str]  # service tags (public ones), as spelled
    dst_all: bool
    dst_ips: Intervals
    dst_asgs: frozenset[str]
    props: dict[str, Any] = field(repr=False)

    @property
    def internet(self) -> bool:
        """Whether some Internet traffic can match this rule at all."""
        return self.src_all or bool(self.src_ips) or bool(self.src_tags)

    def reaches(self, t: Target) -> bool:
        return self.dst_all or bool(self.dst_ips & t.ips) or bool(self.dst_asgs & t.asgs)

    def label(self) -> str:
        """``nsg-web/allow-ssh (priority 130, Allow)``."""
        return f"{self.nsg_name}/{self.name} (priority {self.priority}, {self.access})"

    @property
    def access(self) -> str:
        return "Allow" if self.allow else "Deny"


def _values(p: dict[str, Any], single: str, plural: str) -> list[str]:
    vals = [str(v) for v in p.get(plural) or [] if v not in (None, "")]
    if p.get(single) not in (None, ""):
        vals.append(str(p[single]))
    return vals


def parse_rule(nsg_id: str, nsg_name: str, body: dict[str, Any], default: bool) -> Rule | None:
    """An inbound rule as the evaluator reads it; None for outbound rules and rules that do
    not parse (reported by the caller)."""
    p = body.get("properties") or {}
    if str(p.get("direction", "")).lower() != "inbound":
        return None
    ports = parse_ports(_values(p, "destinationPortRange", "destinationPortRanges") or ["*"])
    protocols = _PROTO.get(str(p.get("protocol", "*")).lower(), frozenset())  # Esp/Ah: none
    if ports is None or not isinstance(p.get("priority"), int):
        return None
    src_all, src_ips, src_tags = _src(
        tuple(_values(p, "sourceAddressPrefix", "sourceAddressPrefixes"))
    )
    # Source application security groups hold NICs: private addresses, never the Internet.
    dst_all, dst_ips = _dst(
        tuple(_values(p, "destinationAddressPrefix", "destinationAddressPrefixes"))
    )
    dst_asgs = frozenset(
        str(g["id"]).lower()
        for g in p.get("destinationApplicationSecurityGroups") or []
        if isinstance(g, dict) and g.get("id")
    )
    return Rule(
        nsg_id,
        nsg_name,
        str(body.get("name", "")),
        str(body.get("id", "")),
        p["priority"],
        str(p.get("access", "")).lower() == "allow",
        default,
        protocols,
        ports,
        src_all,
        src_ips,
        src_tags,
        dst_all,
        dst_ips,
        dst_asgs,
        p,
    )


@lru_cache(maxsize=16384)
def _src(values: tuple[str, ...]) -> tuple[bool, Intervals, frozenset[str]]:
    """(matches all Internet traffic, the Internet part of its prefixes, public service tags)."""
    src_all, spans, tags = False, [], set()
    for s in values:
        low = s.lower()
        if low in ANY_WORDS:
            src_all = True
        elif (iv := ipv4_interval(s)) is not None:
            spans.append(iv)
        elif "/" in s or ":" in s:
            continue  # IPv6: not modelled
        elif low not in _PRIVATE_TAGS and not low.startswith("virtualnetwork"):
            tags.add(s)
    return src_all, Intervals(spans) & INTERNET, frozenset(tags)


@lru_cache(maxsize=16384)
def _dst(values: tuple[str, ...]) -> tuple[bool, Intervals]:
    dst_all, spans = False, []
    for d in values:
        if d.lower() in ("*", "any", "virtualnetwork", "0.0.0.0/0"):
            dst_all = True
        elif (iv := ipv4_interval(d)) is not None:
            spans.append(iv)
    return dst_all, Intervals(spans)


def default_rule_bodies(nsg_id: str) -> list[dict[str, Any]]:
    """The inbound default rules, for an NSG body that does not list them."""
    return [
        {
            "name": name,
            "id": f"{nsg_id}/defaultSecurityRules/{name}",
            "properties": {
                "protocol": "*",
                "sourcePortRange": "*",
                "destinationPortRange": "*",
                "sourceAddressPrefix": src,
                "destinationAddressPrefix": dst,
                "access": access,
                "priority": prio,
                "direction": "Inbound",
            },
        }
        for name, prio, access, src, dst in _DEFAULT_INBOUND
    ]


@dataclass
class Nsg:
    id: str
    name: str
    resource_group: str
    rules: list[Rule]  # inbound, custom by priority then default by priority
    unreadable: list[str]  # names of rules that did not parse
    bodies: dict[str, dict[str, Any]]  # lower rule id -> properties (custom and default)


def parse_nsg(row: dict[str, Any]) -> Nsg:
    nid, name = str(row.get("id", "")), str(row.get("name", ""))
    p = row.get("properties") or {}
    custom = [r for r in p.get("securityRules") or [] if isinstance(r, dict)]
    defaults = [r for r in p.get("defaultSecurityRules") or [] if isinstance(r, dict)]
    if not defaults:
        defaults = default_rule_bodies(nid)
    rules: list[Rule] = []
    bad: list[str] = []
    bodies: dict[str, dict[str, Any]] = {}
    for group, is_default in ((custom, False), (defaults, True)):
        parsed = []
        for body in group:
            bodies[str(body.get("id", "")).lower()] = body.get("properties") or {}
            r = parse_rule(nid, name, body, is_default)
            if r is not None:
                parsed.append(r)
            elif str((body.get("properties") or {}).get("direction", "")).lower() == "inbound":
                bad.append(str(body.get("name", "")))
        rules += sorted(parsed, key=lambda r: r.priority)
    return Nsg(nid, name, str(row.get("resourceGroup", "")), rules, bad, bodies)


# -- evaluation --------------------------------------------------------------------------------
SrcAtom = tuple[int, int] | str  # an address interval inside INTERNET, or a service tag


def _matches(r: Rule, proto: str, port: int, icmp_all: bool, atom: SrcAtom) -> bool:
    if proto not in r.protocols:
        return False
    if icmp_all:
        if r.ports != ALL_PORTS:  # ICMP has no ports: only port-less rules match it
            return False
    elif port not in r.ports:
        return False
    if r.src_all:
        return True
    if isinstance(atom, str):
        return atom in r.src_tags
    return any(lo <= atom[0] and atom[1] <= hi for lo, hi in r.src_ips.spans)


def _src_classes(rules: list[Rule]) -> list[list[SrcAtom]]:
    """The Internet cut into classes that every rule treats alike: address intervals (and
    service tags) matched by the same rules. One member of a class decides for all of it."""
    cuts = set(INTERNET.cuts())
    tags: set[str] = {OTHER_TAGS}
    for r in rules:
        cuts |= r.src_ips.cuts()
        tags |= r.src_tags
    points = sorted(cuts)
    classes: dict[tuple[bool, ...], list[SrcAtom]] = {}
    for lo, nxt in zip(points, points[1:], strict=False):
        if lo in INTERNET:
            sig = tuple(r.src_all or lo in r.src_ips for r in rules)
            classes.setdefault(sig, []).append((lo, nxt - 1))
    for t in sorted(tags):
        sig = tuple(r.src_all or t in r.src_tags for r in rules)
        classes.setdefault((True, *sig), []).append(t)  # tags never share a class with addresses
    return list(classes.values())


def _sources(atoms: list[SrcAtom]) -> Sources:
    return Sources(
        Intervals(a for a in atoms if isinstance(a, tuple)),
        frozenset(a for a in atoms if isinstance(a, str)),
    )


Decider = Rule | None  # the deciding rule of a level; None: no NSG at that level


@dataclass(frozen=True)
class Opening:
    """Internet traffic allowed through both levels, and the rules that allowed it."""

    protocol: str
    ports: Intervals
    sources: Sources
    subnet_rule: Rule | None  # None: no NSG on the subnet
    nic_rule: Rule | None  # None: no NSG on the NIC


def openings(
    subnet: list[Rule] | None, nic: list[Rule] | None, want: dict[str, Intervals]
) -> list[Opening]:
    """Every (protocol, ports, sources) that both levels allow, grouped by the two deciding
    rules; ``want`` limits protocols and ports (what the entry forwards). Rules must already be
    limited to those reaching the target and matching some Internet traffic."""
    everything = [r for lv in (subnet, nic) if lv is not None for r in lv]
    src_classes = _src_classes(everything)
    out: list[Opening] = []
    for proto, wanted in want.items():
        if not wanted:
            continue
        levels = [
            None if lv is None else [r for r in lv if proto in r.protocols] for lv in (subnet, nic)
        ]
        rel = [r for lv in levels if lv is not None for r in lv]
        n0 = len(levels[0] or [])
        level_masks = [(1 << n0) - 1, ((1 << len(rel)) - 1) ^ ((1 << n0) - 1)]
        # Bit i of a mask: rule rel[i] matches that class of sources / of ports.
        src_masks = [
            _mask(
                r.src_all or (t in r.src_tags if isinstance(t, str) else t[0] in r.src_ips)
                for r in rel
            )
            for t in (cls[0] for cls in src_classes)
        ]
        port_classes = _port_classes(proto, wanted, rel)
        groups: dict[tuple[Rule | None, Rule | None, frozenset[SrcAtom]], list[tuple[int, int]]]
        groups = {}
        for pmask, spans_of_class in port_classes.items():
            by_pair: dict[tuple[Rule | None, Rule | None], list[SrcAtom]] = {}
            for cls, smask in zip(src_classes, src_masks, strict=True):
                pair = _deciding_pair(pmask & smask, levels, level_masks, rel)
                if pair is not None:
                    by_pair.setdefault(pair, []).extend(cls)
            for (r1, r2), found in by_pair.items():
                groups.setdefault((r1, r2, frozenset(found)), []).extend(spans_of_class)
        for (r1, r2, atoms_allowed), spans in groups.items():
            out.append(Opening(proto, Intervals(spans), _sources(list(atoms_allowed)), r1, r2))
    out.sort(key=lambda o: (PROTOCOLS.index(o.protocol), o.ports.spans, o.sources.key()))
    return out


def _port_classes(
    proto: str, wanted: Intervals, rel: list[Rule]
) -> dict[int, list[tuple[int, int]]]:
    """Port spans of ``wanted`` grouped by the mask of rules (bit i: ``rel[i]``) holding them."""
    port_classes: dict[int, list[tuple[int, int]]] = {}
    if proto == "Icmp":  # ICMP has no ports: only port-less rules match it
        port_classes[_mask(r.ports == ALL_PORTS for r in rel)] = [(0, 0)]
        return port_classes
    cuts = wanted.cuts()
    for r in rel:
        cuts |= r.ports.cuts()
    pts = sorted(cuts)
    index = {p: k for k, p in enumerate(pts)}
    masks = [0] * len(pts)  # masks[k]: the rules whose ports hold [pts[k], pts[k+1])
    for i, r in enumerate(rel):
        bit = 1 << i
        for lo, hi in r.ports.spans:
            for k in range(index[lo], index[hi + 1]):
                masks[k] |= bit
    for k, (a, b) in enumerate(zip(pts, pts[1:], strict=False)):
        if a in wanted:
            port_classes.setdefault(masks[k], []).append((a, b - 1))
    return port_classes


def _deciding_pair(
    both: int, levels: list[list[Rule] | None], level_masks: list[int], rel: list[Rule]
) -> tuple[Rule | None, Rule | None] | None:
    """The first matching rule at the subnet and at the NIC level when both allow (None for a
    level without an NSG); None when either level denies or no rule matches."""
    pair: list[Rule | None] = []
    for k in (0, 1):
        if levels[k] is None:
            pair.append(None)  # no NSG at this level: allowed
            continue
        m = both & level_masks[k]
        if not m:
            return None  # no rule matches (an NSG body without its default rules)
        hit = rel[(m & -m).bit_length() - 1]  # the lowest bit: the first rule
        if not hit.allow:
            return None
        pair.append(hit)
    return pair[0], pair[1]


def _mask(bits: Any) -> int:
    out = 0
    for i, b in enumerate(bits):
        if b:
            out |= 1 << i
    return out
