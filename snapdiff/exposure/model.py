"""What ``snapdiff exposure`` reports: findings, each with the path the Internet takes.

A finding's ``path`` is a list of hops, from the Internet inwards, each a ``Hop`` with
``kind``, ``name``, ``id`` and ``detail``. Kinds:

- ``public-ip``: the public IP address resource (detail: its address, SKU);
- ``load-balancer-rule``, ``inbound-nat-rule``, ``inbound-nat-pool``: a public load balancer's
  rule forwarding to the resource (detail: protocol, frontend and backend port);
- ``nsg-rule``: the rule that allowed the traffic at one level (detail: ``subnet`` or ``nic``
  level, priority, what it allows), or ``no-nsg`` when that level has no NSG;
- ``nic``, ``subnet``: where the traffic lands;
- ``setting``: a PaaS resource's own network setting (publicNetworkAccess, networkAcls,
  apiServerAccessProfile, ...), ``firewall-rule`` and ``ip-rule``: the firewall entry that lets
  a source in, ``access-restriction``: an App Service access restriction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..naming.ids import last_segment, resource_group_of
from .intervals import Intervals, format_ports
from .sources import Sources


@dataclass(frozen=True)
class Hop:
    kind: str
    name: str
    id: str | None
    detail: str


@dataclass
class Finding:
    resource: str  # ARM id as stored
    type: str  # lower-case
    cia: tuple[int, int, int] | None
    kind: str  # "compute" or "paas"
    protocol: str  # Tcp, Udp, Icmp
    ports: Intervals  # what the Internet connects to (frontend ports behind a load balancer)
    sources: Sources
    via: str  # one line: "public IP pip-web (20.1.2.3)", "load balancer lb-web rule http"
    path: list[Hop]
    flags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return last_segment(self.resource)

    @property
    def short(self) -> str:
        return short_form(self.resource, self.type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "short": self.short,
            "name": self.name,
            "type": self.type,
            "resource_group": resource_group_of(self.resource),
            "cia": list(self.cia) if self.cia else None,
            "kind": self.kind,
            "protocol": self.protocol,
            "ports": format_ports(self.ports) if self.protocol != "Icmp" else "",
            "port_ranges": [list(s) for s in self.ports.spans] if self.protocol != "Icmp" else [],
            "sources": self.sources.labels(),
            "via": self.via,
            "path": [h.__dict__.copy() for h in self.path],
            "flags": list(self.flags),
        }


@dataclass
class Unknown:
    """A resource whose exposure could not be computed, and why."""

    resource: str
    type: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "short": short_form(self.resource, self.type),
            "type": self.type,
            "reason": self.reason,
        }


def short_form(rid: str, rtype: str) -> str:
    """``rg-app-prod/web01 (virtualMachines)``: resource group, name and the type's last part."""
    rg = resource_group_of(rid) or "-"
    kind = rtype.rsplit("/", 1)[-1] if rtype else "?"
    return f"{rg}/{last_segment(rid)} ({_CAMEL.get(kind, kind)})"


_CAMEL = {
    "virtualmachines": "virtualMachines",
    "virtualmachinescalesets": "virtualMachineScaleSets",
    "networkinterfaces": "networkInterfaces",
    "storageaccounts": "storageAccounts",
    "vaults": "vaults",
    "servers": "servers",
    "databaseaccounts": "databaseAccounts",
    "sites": "sites",
    "managedclusters": "managedClusters",
}


def cia_rank(cia: tuple[int, int, int] | None) -> tuple[int, int, int, int]:
    """Sort key: highest CIA value first, then C, I, A; untagged last."""
    if cia is None:
        return (1, 0, 0, 0)
    return (0, -max(cia), -cia[0], -cia[1] - cia[2])


def cia_text(cia: tuple[int, int, int] | list[int] | None) -> str:
    return f"C{cia[0]} I{cia[1]} A{cia[2]}" if cia else "untagged"
