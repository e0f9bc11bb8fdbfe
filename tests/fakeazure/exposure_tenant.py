"""A small tenant with the traps of Internet exposure, in two weeks, built from the demo's
real-shaped rows (NSG, NIC, public IP, virtual network, VM) and written straight to a store.

Week 1 adds "allow-rdp-any" (Allow Tcp 3389 from *, priority 90) to nsg-a, making rg-exp/vm-a1
newly reachable on 3389, removes nsg-o's "allow-ssh", closing rg-other/vm-a1's port 22, and
widens sql-wk's firewall rule "office" from 203.0.113.0/24 to everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .demo import _Demo
from .writer import FakeFetch, arg_pages, write_snapshot

SUB = "7d0c4b9a-1e2f-4a3b-8c5d-6e7f8a9b0c1d"
RG, OTHER = "rg-exp", "rg-other"
NET = "Microsoft.Network"


def rows(week: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    d = _Demo(week, "http://127.0.0.1:1")
    vnet = d.rid(SUB, RG, f"{NET}/virtualNetworks", "vnet-exp")
    snet_a, snet_b, snet_fw = (f"{vnet}/subnets/{n}" for n in ("snet-a", "snet-b", "snet-fw"))
    rules_a = [
        ("deny-rdp", 100, "Inbound", "Deny", "Tcp", "*", "*", "3389"),
        ("allow-ssh-internal", 110, "Inbound", "Allow", "Tcp", "10.0.0.0/8", "*", "22"),
        ("deny-8050", 115, "Inbound", "Deny", "Tcp", "*", "*", "8050"),
        ("allow-web", 120, "Inbound", "Allow", "Tcp", "Internet", "*", ["80", "443", "8000-8100"]),
        ("allow-dns", 130, "Inbound", "Allow", "Udp", ["203.0.113.0/24"], "*", "53"),
        ("allow-rdp", 200, "Inbound", "Allow", "Tcp", "*", "*", "3389"),
        ("allow-out", 100, "Outbound", "Allow", "*", "*", "*", "*"),
    ]
    if week:
        rules_a.insert(0, ("allow-rdp-any", 90, "Inbound", "Allow", "Tcp", "*", "*", "3389"))
    nsg_a = d.nsg(SUB, RG, "nsg-a", rules_a)
    nsg_o = d.nsg(SUB, OTHER, "nsg-o", [] if week else [
        ("allow-ssh", 100, "Inbound", "Allow", "Tcp", "*", "*", "22"),
    ])  # fmt: skip
    nsg_b = d.nsg(SUB, RG, "nsg-b", [
        ("allow-8080", 100, "Inbound", "Allow", "Tcp", "Internet", "*", "8080"),
        ("allow-ssh-partner", 110, "Inbound", "Allow", "Tcp", "198.51.100.0/24", "*", "22"),
    ])  # fmt: skip
    nsg_open = d.nsg(SUB, RG, "nsg-open", [
        ("allow-all", 100, "Inbound", "Allow", "*", "*", "*", "*"),
    ])  # fmt: skip
    rt = d.rid(SUB, RG, f"{NET}/routeTables", "rt-fw")
    d.add(SUB, RG, f"{NET}/routeTables", "rt-fw", {"provisioningState": "Succeeded", "routes": [
        {"name": "default-via-fw", "id": f"{rt}/routes/default-via-fw",
         "type": "Microsoft.Network/routeTables/routes",
         "properties": {"provisioningState": "Succeeded", "addressPrefix": "0.0.0.0/0",
                        "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.20.9.4"}}]})  # fmt: skip
    d.vnet(SUB, RG, "vnet-exp", ["10.20.0.0/16"], [
        d.subnet(vnet, "snet-a", "10.20.1.0/24", nsg=nsg_a),
        d.subnet(vnet, "snet-b", "10.20.2.0/24"),
        d.subnet(vnet, "snet-fw", "10.20.3.0/24", nsg=nsg_open, rt=rt),
    ], [])  # fmt: skip
    # vm-a1: public IP, the same NSG on its subnet and on its NIC.
    pip_a1 = d.pip(SUB, RG, "pip-a1", "20.30.0.1")
    nic = d.nic(SUB, RG, "nic-a1", subnet=snet_a, ip="10.20.1.4", pip=pip_a1, nsg=nsg_a)
    d.vm(
        SUB, RG, "vm-a1", os="Linux", size="Standard_B2s", nics=[nic], tags={"scad": "c:8,i:5,a:3"}
    )
    # vm-a2: no public IP.
    nic = d.nic(SUB, RG, "nic-a2", subnet=snet_a, ip="10.20.1.5")
    d.vm(SUB, RG, "vm-a2", os="Linux", size="Standard_B2s", nics=[nic], tags={"scad": "c:9"})
    # vm-a1 in another resource group: subnet without NSG, its NIC's NSG opens 22 (week 0).
    pip_o = d.pip(SUB, OTHER, "pip-o1", "20.30.0.2", dynamic=True)
    nic = d.nic(SUB, OTHER, "nic-o1", subnet=snet_b, ip="10.20.2.4", pip=pip_o, nsg=nsg_o)
    d.vm(SUB, OTHER, "vm-a1", os="Linux", size="Standard_B2s", nics=[nic], tags={"scad": "c:2"})
    # vm-b1: behind a Standard public load balancer (rule 80 -> 8080, NAT 50001 -> 22).
    lb = d.rid(SUB, RG, f"{NET}/loadBalancers", "lb-pub")
    pip_lb = d.pip(SUB, RG, "pip-lb", "20.30.0.3")
    nic_b1 = d.rid(SUB, RG, f"{NET}/networkInterfaces", "nic-b1")
    fe, pool, nat = (
        f"{lb}/frontendIPConfigurations/fe",
        f"{lb}/backendAddressPools/be",
        f"{lb}/inboundNatRules/ssh-b1",
    )
    d.add(SUB, RG, f"{NET}/loadBalancers", "lb-pub", {
        "provisioningState": "Succeeded",
        "frontendIPConfigurations": [{"name": "fe", "id": fe, "properties": {
            "privateIPAllocationMethod": "Dynamic", "publicIPAddress": {"id": pip_lb}}}],
        "backendAddressPools": [{"name": "be", "id": pool, "properties": {
            "backendIPConfigurations": [{"id": f"{nic_b1}/ipConfigurations/ipconfig1"}]}}],
        "loadBalancingRules": [{"name": "http", "id": f"{lb}/loadBalancingRules/http", "properties": {
            "frontendIPConfiguration": {"id": fe}, "backendAddressPool": {"id": pool},
            "protocol": "Tcp", "frontendPort": 80, "backendPort": 8080, "enableFloatingIP": False,
            "idleTimeoutInMinutes": 4, "loadDistribution": "Default"}}],
        "inboundNatRules": [{"name": "ssh-b1", "id": nat, "properties": {
            "frontendIPConfiguration": {"id": fe}, "backendIPConfiguration": {"id": f"{nic_b1}/ipConfigurations/ipconfig1"},
            "protocol": "Tcp", "frontendPort": 50001, "backendPort": 22, "enableFloatingIP": False}}],
        "probes": [], "outboundRules": [], "inboundNatPools": [],
    }, sku={"name": "Standard", "tier": "Regional"})  # fmt: skip
    nic = d.nic(SUB, RG, "nic-b1", subnet=snet_b, ip="10.20.2.5", nsg=nsg_b, extra=None)
    d.vm(
        SUB, RG, "vm-b1", os="Linux", size="Standard_B2s", nics=[nic], tags={"scad": "c:5,i:5,a:5"}
    )
    # vm-c1: everything open, but its subnet sends 0.0.0.0/0 to a firewall.
    pip_c1 = d.pip(SUB, RG, "pip-c1", "20.30.0.4")
    nic = d.nic(SUB, RG, "nic-c1", subnet=snet_fw, ip="10.20.3.4", pip=pip_c1)
    d.vm(SUB, RG, "vm-c1", os="Linux", size="Standard_B2s", nics=[nic])
    # vm-d1: Standard public IP and no NSG anywhere: closed (secure by default).
    pip_d1 = d.pip(SUB, RG, "pip-d1", "20.30.0.5")
    nic = d.nic(SUB, RG, "nic-d1", subnet=snet_b, ip="10.20.2.6", pip=pip_d1)
    d.vm(SUB, RG, "vm-d1", os="Linux", size="Standard_B2s", nics=[nic])
    # SQL servers: one open to everyone, one whose firewall listing was refused.
    responses: dict[str, Any] = {}
    for name, rules in (
        ("sql-open", [("AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0"), ("everyone", "0.0.0.0", "255.255.255.255")]),
        ("sql-hidden", None),
        ("sql-wk", [("office", "0.0.0.0" if week else "203.0.113.0", "255.255.255.255" if week else "203.0.113.255")]),
    ):  # fmt: skip
        sid = d.rid(SUB, RG, "Microsoft.Sql/servers", name)
        d.add(SUB, RG, "Microsoft.Sql/servers", name, {"publicNetworkAccess": "Enabled",
              "fullyQualifiedDomainName": f"{name}.database.windows.net"}, tags={"scad": "c:7"})  # fmt: skip
        responses[sid.lower()] = rules and [
            {"id": f"{sid}/firewallRules/{n}", "name": n, "type": "Microsoft.Sql/servers/firewallRules",
             "properties": {"startIpAddress": a, "endIpAddress": b}}
            for n, a, b in rules
        ]  # fmt: skip
    return d.rows, responses


def write(
    store: Any,
    week: int,
    label: str | None = None,
    *,
    edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
    failed_batch: bool = False,
) -> int:
    """Week ``week`` as a snapshot; ``edit`` changes the rows first; ``failed_batch`` adds a
    Resource Graph batch that failed (its rows unknown)."""
    rows_, responses = rows(week)
    if edit is not None:
        rows_ = edit(rows_)
    fetches = [
        FakeFetch("subscriptions:list", "", [{"value": [{"subscriptionId": SUB}]}]),
        FakeFetch("resourcegraph:resources", "batch-0", arg_pages(rows_)),
    ]
    if failed_batch:
        fetches.append(FakeFetch("resourcegraph:resources", "batch-1", [], "failed", 500))
    for sid, rules in sorted(responses.items()):
        if rules is None:
            fetches.append(
                FakeFetch("sql:firewallRules", sid, [], status="forbidden", http_status=403)
            )
        else:
            fetches.append(FakeFetch("sql:firewallRules", sid, [{"value": rules}]))
    return write_snapshot(store, fetches, label=label or f"exp-week-{week}")
