"""Network kinds (spec §2.10-§2.17): NICs, NSGs, public IPs, VNets, gateways, connections and
route tables.

Each builder reads only its Resource Graph row. Where upstream crashed on a missing value, a
field the spec types as a plain string becomes ``""`` and a list becomes ``[]`` (both modes);
fields typed "or null" become null. Mode differences are listed in
docs/compatibility.md ("Compute and network kinds"); field names are identical in both modes.
"""

from __future__ import annotations

from typing import Any

from ..common import as_dict, common, get, props
from ..context import BuildContext
from ..registry import kind


def _list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[]``."""
    return value if isinstance(value, list) else []


def _s(value: Any) -> str:
    """A plain-string field: ``value`` if it is a string, else ``""``."""
    return value if isinstance(value, str) else ""


def _rid(row: dict[str, Any]) -> str:
    """The row's id for warnings."""
    return str(row.get("id") or "<row without id>")


def _ref(value: Any) -> Any:
    """The ``id`` of an ``{"id": ...}`` reference (``get(value, "id")``)."""
    return value.get("id") if value.__class__ is dict else None


def _ids(items: Any) -> list[str]:
    """The ``id`` of every ``{"id": ...}`` reference in ``items``."""
    return [i["id"] for i in _list(items) if isinstance(i, dict) and isinstance(i.get("id"), str)]


@kind("networkInterfaces", "microsoft.network/networkinterfaces")
def network_interface(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A NetworkInterface (§2.10); an IP config without ``privateIPAddress`` gets ``""``."""
    p = props(row)
    ip_configs = []
    for ipc in _list(p.get("ipConfigurations")):
        if not isinstance(ipc, dict):
            continue
        ip = props(ipc)
        address = ip.get("privateIPAddress")
        if address is None:
            ctx.warn(_rid(row), f"IP configuration {ipc.get('name')!r} has no privateIPAddress")
        ipc_id, name, subnet = ipc.get("id"), ipc.get("name"), _ref(ip.get("subnet"))
        ip_configs.append(
            {
                "id": ipc_id if isinstance(ipc_id, str) else "",
                "name": name if isinstance(name, str) else "",
                "privateIpAddress": address if isinstance(address, str) else "",
                "publicIpAddressId": _ref(ip.get("publicIPAddress")),
                "subnetId": subnet if isinstance(subnet, str) else "",
            }
        )
    out = common(row)
    out["ipConfigs"] = ip_configs
    out["networkSecurityGroupId"] = _ref(p.get("networkSecurityGroup"))
    return out


def _endpoint(p: dict[str, Any], keys: tuple[str, str, str], ctx: BuildContext) -> Any:
    """``source``/``destination`` of a rule; ``keys`` are that side's address prefix, address
    prefixes and application security groups (``_SOURCE``, ``_DESTINATION``).

    Upstream read only the address prefix(es), so ASG-based rules got ``[]`` (kept in
    bug-compatible mode). Default mode falls back to the ASG ids.
    """
    value = p.get(keys[0]) or _list(p.get(keys[1]))
    if value or ctx.bug_compatible:
        return value
    return _ids(p.get(keys[2]))


_SOURCE = ("sourceAddressPrefix", "sourceAddressPrefixes", "sourceApplicationSecurityGroups")
_DESTINATION = (
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "destinationApplicationSecurityGroups",
)


def _security_rule(rule: dict[str, Any], rg: Any, ctx: BuildContext) -> dict[str, Any]:
    """A SecurityRule of §2.11; missing strings give ``""`` and missing ranges ``[]``. (The
    hottest builder code: an NSG has a dozen rules, so helpers are inlined.)"""
    p = props(rule)
    rid, name = rule.get("id"), rule.get("name")
    protocol, access, direction = p.get("protocol"), p.get("access"), p.get("direction")
    return {
        "id": rid if isinstance(rid, str) else "",
        "name": name if isinstance(name, str) else "",
        "sourcePort": p.get("sourcePortRange") or _list(p.get("sourcePortRanges")),
        "destPort": p.get("destinationPortRange") or _list(p.get("destinationPortRanges")),
        "protocol": protocol if isinstance(protocol, str) else "",
        "source": _endpoint(p, _SOURCE, ctx),
        "destination": _endpoint(p, _DESTINATION, ctx),
        "action": access if isinstance(access, str) else "",
        "direction": direction if isinstance(direction, str) else "",
        "resourceGroup": rg,
    }


@kind("networkSecurityGroups", "microsoft.network/networksecuritygroups")
def network_security_group(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A NetworkSecurityGroup (§2.11): default rules first, then custom rules, split by
    direction (``"Inbound"`` exactly, everything else outbound)."""
    base = common(row)
    p = props(row)
    inbound: list[dict[str, Any]] = []
    outbound: list[dict[str, Any]] = []
    for rule in _list(p.get("defaultSecurityRules")) + _list(p.get("securityRules")):
        if not isinstance(rule, dict):
            continue
        sr = _security_rule(rule, base["resourceGroup"], ctx)
        (inbound if sr["direction"] == "Inbound" else outbound).append(sr)
    return {
        **base,
        "inboundSecurityRules": inbound,
        "outboundSecurityRules": outbound,
        "subnetIds": _ids(p.get("subnets")),
    }


@kind("publicIpAddresses", "microsoft.network/publicipaddresses")
def public_ip_address(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """An IpAddress (§2.12).

    ``address`` is ``properties.ipAddress``; without one, default mode gives ``""`` while
    bug-compatible mode falls back to the allocation method (``"Dynamic"``/``"Static"``).
    """
    p = props(row)
    address = p.get("ipAddress")
    if not address:
        address = p.get("publicIPAllocationMethod") if ctx.bug_compatible else None
    return {
        **common(row),
        "address": _s(address),
        "interfaceId": get(p, "ipConfiguration", "id"),
    }


def _subnet(subnet: dict[str, Any], vnet_id: Any, ctx: BuildContext) -> dict[str, Any]:
    """A Subnet of §2.13.

    ``addressPrefix`` is the single prefix string, or a list. Upstream gave ``[]`` for
    multi-prefix subnets (bug-compatible); default mode lists ``addressPrefixes`` instead.
    """
    p = props(subnet)
    prefix = p.get("addressPrefix")
    if not isinstance(prefix, str) or not prefix:
        prefix = [] if ctx.bug_compatible else _list(p.get("addressPrefixes"))
    return {
        "id": _s(subnet.get("id")),
        "name": _s(subnet.get("name")),
        "ipConfigs": _list(p.get("ipConfigurations")),
        "addressPrefix": prefix,
        "vnetId": vnet_id,
        "networkSecurityGroup": get(p, "networkSecurityGroup", "id"),
    }


@kind("vnets", "microsoft.network/virtualnetworks")
def virtual_network(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A Vnet (§2.13); a missing address space or subnet list (upstream crash) gives ``[]``."""
    base = common(row)
    p = props(row)
    return {
        **base,
        "addressSpace": _list(get(p, "addressSpace", "addressPrefixes")),
        "subnets": [
            _subnet(s, base["id"], ctx) for s in _list(p.get("subnets")) if isinstance(s, dict)
        ],
        "vnetPeerings": [
            {
                "id": _s(peer.get("id")),
                "peering_name": _s(peer.get("name")),
                "remote_network": get(peer, "properties", "remoteVirtualNetwork", "id"),
            }
            for peer in _list(p.get("virtualNetworkPeerings"))
            if isinstance(peer, dict)
        ],
    }


def _bgp_peering_addresses(bgp: dict[str, Any], ctx: BuildContext) -> list[dict[str, Any]]:
    """``bgpSettings.bgpPeeringAddresses``; always ``[]`` in bug-compatible mode (the
    ``bgpPeeringAddreses`` key typo upstream)."""
    if ctx.bug_compatible:
        return []
    return [
        {
            "ipConfigId": a.get("ipconfigurationId"),
            "tunnelIpAddress": _list(a.get("tunnelIpAddresses")),
            "customBgpIpAddresses": _list(a.get("customBgpIpAddresses")),
            "defaultBgpIpAddresses": _list(a.get("defaultBgpIpAddresses")),
        }
        for a in _list(bgp.get("bgpPeeringAddresses"))
        if isinstance(a, dict)
    ]


@kind("vnetGateways", "microsoft.network/virtualnetworkgateways")
def virtual_network_gateway(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A VnetGateway (§2.14); null ``bgpSettings`` or ``sku`` (upstream crash) give the
    defaults: asn and peering address null, capacity 1."""
    p = props(row)
    bgp = as_dict(p.get("bgpSettings"))
    return {
        **common(row),
        "ipConfigs": [
            {
                "id": ipc.get("id"),
                "name": ipc.get("name"),
                "publicIpAddress": get(ipc, "properties", "publicIPAddress", "id"),
                "subnet": get(ipc, "properties", "subnet", "id"),
            }
            for ipc in _list(p.get("ipConfigurations"))
            if isinstance(ipc, dict)
        ],
        "bgpSettings": {
            "bgpPeeringAddresses": _bgp_peering_addresses(bgp, ctx),
            "asn": bgp.get("asn"),
            "bgpPeeringAddress": bgp.get("bgpPeeringAddress"),
        },
        "capacity": get(p, "sku", "capacity", default=1),
    }


@kind("localNetworkGateways", "microsoft.network/localnetworkgateways")
def local_network_gateway(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A LocalNetworkGateway (§2.15); ``bgpSettings`` is passed through raw."""
    p = props(row)
    return {
        **common(row),
        "localNetworkAddressSpace": _list(get(p, "localNetworkAddressSpace", "addressPrefixes")),
        "gatewayIp": p.get("gatewayIpAddress"),
        "bgpSettings": p.get("bgpSettings"),
    }


@kind("connections", "microsoft.network/connections")
def connection(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """A Connection (§2.16), in both modes only for ``Vnet2Vnet``: the format has no way to
    say what a site-to-site or ExpressRoute target is, so those are skipped with a warning."""
    p = props(row)
    ctype = p.get("connectionType")
    if ctype != "Vnet2Vnet":
        ctx.warn(
            _rid(row), f"connection type {ctype!r} is not emitted (the format has Vnet2Vnet only)"
        )
        return None
    source = get(p, "virtualNetworkGateway1", "id")
    target = get(p, "virtualNetworkGateway2", "id")
    if not isinstance(source, str) or not isinstance(target, str):
        ctx.warn(_rid(row), "Vnet2Vnet connection without both gateway ids; skipped")
        return None
    return {**common(row), "connectionType": "Vnet2Vnet", "source": source, "target": target}


@kind("routeTables", "microsoft.network/routetables")
def route_table(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any]:
    """A RouteTable (§2.17); the next-hop IP address is not part of the format."""
    p = props(row)
    return {
        **common(row),
        "subnets": _ids(p.get("subnets")),
        "routes": [
            {
                "id": _s(r.get("id")),
                "name": _s(r.get("name")),
                "addressPrefix": _s(get(r, "properties", "addressPrefix")),
                "nextHopType": _s(get(r, "properties", "nextHopType")),
            }
            for r in _list(p.get("routes"))
            if isinstance(r, dict)
        ],
    }
