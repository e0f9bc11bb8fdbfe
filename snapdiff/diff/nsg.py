"""Network security group rules as a person reads them: the rule changes behind the field
changes under ``properties.securityRules`` (matched by rule name), for the resources section."""

from __future__ import annotations

from typing import Any

from ..naming.ids import last_segment
from .model import RuleChange, SecurityRule

NSG_TYPE = "microsoft.network/networksecuritygroups"


def _join(props: dict[str, Any], one: str, many: str, asgs: str | None = None) -> str:
    values = [str(v) for v in props.get(many) or []]
    if props.get(one):
        values.insert(0, str(props[one]))
    if asgs:
        values += [last_segment(str((g or {}).get("id", ""))) for g in props.get(asgs) or []]
    return ",".join(values) or "-"


def rule(body: dict[str, Any]) -> SecurityRule:
    """A rule of an NSG body (``{"name", "properties": {...}}``)."""
    p = body.get("properties") or {}
    prio = p.get("priority")
    return SecurityRule(
        name=str(body.get("name") or last_segment(str(body.get("id", "")))),
        priority=int(prio) if isinstance(prio, int | str) and str(prio).isdigit() else None,
        direction=str(p.get("direction") or "-"),
        access=str(p.get("access") or "-"),
        protocol=str(p.get("protocol") or "-"),
        source=_join(
            p, "sourceAddressPrefix", "sourceAddressPrefixes", "sourceApplicationSecurityGroups"
        ),
        destination=_join(
            p,
            "destinationAddressPrefix",
            "destinationAddressPrefixes",
            "destinationApplicationSecurityGroups",
        ),
        ports=_join(p, "destinationPortRange", "destinationPortRanges"),
    )


def _rules(row: dict[str, Any] | None) -> dict[str, SecurityRule]:
    props = (row or {}).get("properties") or {}
    out = {}
    for body in props.get("securityRules") or []:
        if isinstance(body, dict):
            r = rule(body)
            out[r.name.lower()] = r
    return out


def rule_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[RuleChange]:
    """Rules added, removed or changed between two rows of one NSG, by priority then name."""
    a, b = _rules(old), _rules(new)
    out = [
        RuleChange(
            "added" if k not in a else "removed" if k not in b else "changed", a.get(k), b.get(k)
        )
        for k in a.keys() | b.keys()
        if a.get(k) != b.get(k)
    ]
    return sorted(
        out,
        key=lambda c: (
            (c.after or c.before).priority or 0,  # type: ignore[union-attr]
            (c.after or c.before).name.lower(),  # type: ignore[union-attr]
        ),
    )


def rule_line(r: SecurityRule) -> str:
    """``AllowRDP 110 Inbound Allow Tcp from * to * port 3389``."""
    ports = "any port" if r.ports == "*" else f"port {r.ports}"
    prio = "" if r.priority is None else f" {r.priority}"
    return (
        f"{r.name}{prio} {r.direction} {r.access} {r.protocol} from {r.source} "
        f"to {r.destination} {ports}"
    )
