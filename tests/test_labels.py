"""Short forms a person reads (snapdiff.diff.labels): hand-written expectations."""

from __future__ import annotations

from snapdiff.diff.nsg import rule, rule_changes, rule_line
from snapdiff.naming import labels

SUB = "3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71"
VM = f"/subscriptions/{SUB}/resourceGroups/rg-app-compute/providers/Microsoft.Compute/virtualMachines/vm-app-01"


def test_resources_and_scopes():
    assert labels.resource(VM) == "rg-app-compute/vm-app-01 (virtualMachines)"
    subnet = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/default"
    assert labels.resource(subnet) == "rg-net/vnet-hub/default (virtualNetworks/subnets)"
    assert labels.resource(f"/subscriptions/{SUB}") == "subscription 3f2b7c1e…"
    assert labels.resource(f"/subscriptions/{SUB}/resourceGroups/rg-app") == "resource group rg-app"
    mg = "/providers/Microsoft.Management/managementGroups/mg-platform"
    assert labels.resource(mg) == "management group mg-platform"
    assert labels.resource("/") == "/"
    assert labels.resource("not-an-id") == "not-an-id"
    token = labels.VERBOSE.set(True)
    try:
        assert labels.resource(VM) == VM and labels.short_id(SUB) == SUB
    finally:
        labels.VERBOSE.reset(token)


def test_principals_name_first():
    pid = "339e0f9b-1111-2222-3333-444444444444"
    assert (
        labels.principal(pid, "Engineer 149", "eng149@contoso.com", "user")
        == "Engineer 149 <eng149@contoso.com> (User 339e0f9b…)"
    )
    assert (
        labels.principal(
            pid, "sp-terraform", "b79ed38d-0b3d-5805-809f-083f8466ea65", "ServicePrincipal"
        )
        == "sp-terraform (ServicePrincipal 339e0f9b…, app b79ed38d…)"
    )
    assert labels.principal(pid, None, None, "Group") == f"Group {pid}"  # nothing names it
    assert labels.principal(pid) == pid


def test_ids_inside_messages_and_clipping():
    cause = f"new assignment: Owner at /subscriptions/{SUB} (via /providers/Microsoft.Management/managementGroups/mg-x)"
    assert labels.shorten_ids(cause) == (
        "new assignment: Owner at subscription 3f2b7c1e… (via management group mg-x)"
    )
    assert labels.clip("x" * 130) == "x" * 119 + "…"


def test_nsg_rules_as_lines():
    """Rule bodies shaped like ARM's securityRules (samples: network/networkSecurityGroups)."""
    before = {
        "properties": {
            "securityRules": [
                {
                    "name": "AllowRDP",
                    "properties": {
                        "priority": 300,
                        "direction": "Inbound",
                        "access": "Allow",
                        "protocol": "Tcp",
                        "sourceAddressPrefix": "10.0.0.0/8",
                        "sourcePortRange": "*",
                        "destinationAddressPrefix": "*",
                        "destinationPortRange": "3389",
                    },
                }
            ]
        }
    }
    after = {
        "properties": {
            "securityRules": [
                {
                    "name": "AllowRDP",
                    "properties": dict(
                        before["properties"]["securityRules"][0]["properties"],
                        sourceAddressPrefix="*",
                    ),
                },
                {
                    "name": "AllowWeb",
                    "properties": {
                        "priority": 110,
                        "direction": "Inbound",
                        "access": "Allow",
                        "protocol": "Tcp",
                        "sourceAddressPrefixes": ["203.0.113.0/24", "198.51.100.7"],
                        "destinationAddressPrefix": "*",
                        "destinationPortRanges": ["80", "443"],
                    },
                },
            ]
        }
    }
    web, rdp = rule_changes(before, after)  # by priority
    assert web.change == "added" and web.before is None
    assert rule_line(web.after) == (
        "AllowWeb 110 Inbound Allow Tcp from 203.0.113.0/24,198.51.100.7 to * port 80,443"
    )
    assert rdp.change == "changed"
    assert rule_line(rdp.before) == "AllowRDP 300 Inbound Allow Tcp from 10.0.0.0/8 to * port 3389"
    assert rdp.after.source == "*"
    asg = rule(
        {
            "name": "r",
            "properties": {
                "priority": 200,
                "direction": "Inbound",
                "access": "Deny",
                "protocol": "*",
                "sourceApplicationSecurityGroups": [
                    {
                        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg-web"
                    }
                ],
                "destinationAddressPrefix": "*",
                "destinationPortRange": "*",
            },
        }
    )
    assert rule_line(asg) == "r 200 Inbound Deny * from asg-web to * any port"
