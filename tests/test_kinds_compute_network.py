"""Builders of the compute and network kinds (spec §2.6-§2.17), in both modes.

Fixture rows are real Azure sample bodies in Resource Graph row shape; each fixture file says
where its bodies come from and what was changed (``_source``, ``_notes``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff.securicad.context import BuildContext
from snapdiff.securicad.kinds import load_builtin_kinds
from snapdiff.securicad.registry import BY_TYPE, REGISTRY
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

FIX = Path(__file__).parent / "fixtures" / "kinds"
load_builtin_kinds()


def fixture_rows(name: str) -> list[dict[str, Any]]:
    return json.loads((FIX / f"{name}.json").read_text())["rows"]


class Env:
    """One stored snapshot of ``rows`` and a context per mode."""

    def __init__(self, view: SnapshotView):
        self.view = view
        self.default = BuildContext(view)
        self.bug = BuildContext(view, bug_compatible=True)

    def row(self, name: str, rg: str | None = None) -> dict[str, Any]:
        """The stored row named ``name`` (and in ``rg``, when given)."""
        found = [
            r
            for r in self.view.resources().values()
            if r["name"] == name and (rg is None or r["resourceGroup"] == rg)
        ]
        assert len(found) == 1, (name, rg, len(found))
        return found[0]

    def build(self, key: str, name: str, *, bug: bool = False, rg: str | None = None) -> Any:
        return REGISTRY[key].func(self.row(name, rg), self.bug if bug else self.default)

    def both(self, key: str, name: str, rg: str | None = None) -> tuple[Any, Any]:
        """(default, bug-compatible) objects of one resource."""
        return self.build(key, name, rg=rg), self.build(key, name, bug=True, rg=rg)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Any]:
    stores: list[Store] = []

    def make(*names: str, extra: list[dict[str, Any]] | None = None) -> Env:
        rows = [r for n in names for r in fixture_rows(n)] + (extra or [])
        store = Store(tmp_path / f"s{len(stores)}.db")
        stores.append(store)
        sid = write_snapshot(
            store, [FakeFetch("resourcegraph:resources", "batch-0", arg_pages(rows))]
        )
        return Env(SnapshotView(store, sid))

    yield make
    for s in stores:
        s.close()


def test_registration() -> None:
    keys = {
        "virtualMachines": "microsoft.compute/virtualmachines",
        "virtualMachineScaleSets": "microsoft.compute/virtualmachinescalesets",
        "disks": "microsoft.compute/disks",
        "sshKeys": "microsoft.compute/sshpublickeys",
        "networkInterfaces": "microsoft.network/networkinterfaces",
        "networkSecurityGroups": "microsoft.network/networksecuritygroups",
        "publicIpAddresses": "microsoft.network/publicipaddresses",
        "vnets": "microsoft.network/virtualnetworks",
        "vnetGateways": "microsoft.network/virtualnetworkgateways",
        "localNetworkGateways": "microsoft.network/localnetworkgateways",
        "connections": "microsoft.network/connections",
        "routeTables": "microsoft.network/routetables",
    }
    for key, arm_type in keys.items():
        assert REGISTRY[key].types == (arm_type,)
        assert BY_TYPE[arm_type].key == key


# ---------------------------------------------------------------------------- compute


REAL_KEY_PREFIX = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDIa+Nm+Bgj3hO22NwS0c"


def test_linux_vm_with_ssh_keys(env: Any) -> None:
    e = env("compute_vms")
    vm, old = e.both("virtualMachines", "cctestvm")
    assert vm["id"] == (
        "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups/TEST_VM"
        "/providers/Microsoft.Compute/virtualMachines/cctestvm"
    )
    assert vm["resourceGroup"] == "TEST_VM"
    assert vm["provider"] == "microsoft.compute/virtualmachines"
    assert vm["os"] == "Linux"
    assert vm["osDisk"] == "cctestvm_OsDisk_1_517889dc284d4327990247d6d933e390"
    assert vm["dataDisks"] == ["cctestvm_disk2_c891bbcef098417b9c9eaed9b8af5e86"]
    assert vm["managedBy"] is None  # ARG's "" is ARM's absent managedBy
    assert vm["networkInterfaces"] == [
        {
            "id": "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups/test_vm"
            "/providers/Microsoft.Network/networkInterfaces/myVMNic"
        }
    ]
    assert (vm["principalId"], vm["principalType"], vm["userAssignedIdentities"]) == (
        None,
        None,
        [],
    )
    # Default: the key without keyData is skipped; upstream stopped collecting there.
    assert len(vm["sshKeys"]) == 2
    assert vm["sshKeys"][0].startswith(REAL_KEY_PREFIX)
    assert vm["sshKeys"][1].startswith("ssh-ed25519 ")
    assert old["sshKeys"] == vm["sshKeys"][:1]
    assert {k: v for k, v in old.items() if k != "sshKeys"} == {
        k: v for k, v in vm.items() if k != "sshKeys"
    }
    assert set(vm) == {
        "id",
        "name",
        "os",
        "osDisk",
        "dataDisks",
        "managedBy",
        "resourceGroup",
        "sshKeys",
        "networkInterfaces",
        "provider",
        "principalId",
        "principalType",
        "userAssignedIdentities",
    }


def test_windows_vm(env: Any) -> None:
    e = env("compute_vms")
    vm, old = e.both("virtualMachines", "myVM")
    assert vm == old
    assert vm["os"] == "Windows"
    assert vm["osDisk"] == "myOsDisk"
    assert vm["dataDisks"] == ["myDataDisk0", "myDataDisk1"]
    assert vm["sshKeys"] == []
    assert vm["managedBy"] == (
        "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers"
        "/Microsoft.Compute/virtualMachineScaleSets/{MyVmss}"
    )
    assert vm["networkInterfaces"] == [
        {
            "id": "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers"
            "/Microsoft.Network/networkInterfaces/{myNIC}"
        }
    ]


def test_vm_user_assigned_identities_one_incomplete(env: Any) -> None:
    e = env("compute_vms")
    vm = e.build("virtualMachines", "{virtualMachineName}")
    old = e.build("virtualMachines", "{virtualMachineName}", bug=True)
    assert vm["principalId"] == old["principalId"] == "aaaaaaaaaaaaaaaa"
    assert vm["principalType"] == "SystemAssigned, UserAssigned"
    assert vm["userAssignedIdentities"] == [
        {"identityId": "key5688", "clientId": "aaaaaaaaaaa", "principalId": "aaaaaaaaaaaaaaa"}
    ]
    assert old["userAssignedIdentities"] == []
    assert any("half-created" in w and "left out" in w for w in e.default.warnings)
    assert any("half-created" in w and "emptied" in w for w in e.bug.warnings)
    # Windows by osType, so the linuxConfiguration keys of this generated sample are ignored.
    assert vm["os"] == "Windows" and vm["sshKeys"] == [] and old["sshKeys"] == []
    assert vm["dataDisks"] == [] and vm["osDisk"] == "test"


def test_vm_crash_shapes(env: Any) -> None:
    e = env("compute_vms")
    for bug in (False, True):
        broken = e.build("virtualMachines", "cctestvm-broken", bug=bug)
        assert broken["networkInterfaces"] == []  # no networkProfile
        assert broken["sshKeys"] == []  # linuxConfiguration null
        assert broken["os"] == "Linux"
        empty = e.build("virtualMachines", "cctestvm-empty", bug=bug)
        assert empty["name"] == "cctestvm-empty"
        assert empty["resourceGroup"] == "TEST_VM"
        assert (empty["os"], empty["osDisk"], empty["dataDisks"]) == (None, None, [])
        assert (empty["sshKeys"], empty["networkInterfaces"]) == ([], [])
        assert (empty["principalId"], empty["userAssignedIdentities"]) == (None, [])


def test_vm_data_disk_without_name(env: Any) -> None:
    e = env("compute_vms")
    row = copy.deepcopy(e.row("myVM"))
    del row["properties"]["storageProfile"]["dataDisks"][1]["name"]
    f = REGISTRY["virtualMachines"].func
    assert f(row, e.default)["dataDisks"] == ["myDataDisk0"]
    assert f(row, e.bug)["dataDisks"] == []  # upstream: any failure gives []


def test_vm_os_type_case(env: Any) -> None:
    e = env("compute_vms")
    row = copy.deepcopy(e.row("cctestvm"))
    row["properties"]["storageProfile"]["osDisk"]["osType"] = "linux"
    f = REGISTRY["virtualMachines"].func
    assert len(f(row, e.default)["sshKeys"]) == 2
    assert f(row, e.bug)["sshKeys"] == []  # upstream compared with "Linux" exactly
    assert f(row, e.default)["os"] == f(row, e.bug)["os"] == "linux"


def test_vmss_with_nic_configs(env: Any) -> None:
    e = env("compute_vmss")
    ss, old = e.both("virtualMachineScaleSets", "myVirtualMachineScaleSet")
    rid = (
        "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers"
        "/Microsoft.Compute/virtualMachineScaleSets/myVirtualMachineScaleSet"
    )
    assert ss["id"] == rid
    assert ss["provider"] == "microsoft.compute/virtualmachinescalesets"
    assert ss["osDisk"] == old["osDisk"] == f"{rid}-OSDisk"
    nics = [
        {
            "name": "myIPConfig",
            "subnetId": "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers"
            "/Microsoft.Network/virtualNetworks/myVNet/subnets/mySubnet",
            "publicIpName": None,
            "secondaryNsg": "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup"
            "/providers/Microsoft.Network/networkSecurityGroups/myNetworkSecurityGroup",
        }
    ]
    assert ss["networkInterfaces"] == old["networkInterfaces"] == nics
    # dataDisks is [] here: upstream still named a data disk; default mode does not.
    assert old["dataDisk"] == f"{rid}-DataDisk"
    assert ss["dataDisk"] is None
    # No osType in the model: upstream gave null; default infers it from linuxConfiguration.
    assert old["os"] is None and ss["os"] == "Linux"
    assert ss["sshKeys"] == old["sshKeys"] == []  # linuxConfiguration without ssh
    assert ss["identityIds"] == [] and "userAssignedIdentities" not in ss
    assert set(ss) == set(old)


def test_vmss_ssh_keys_and_public_ip_config(env: Any) -> None:
    e = env("compute_vmss")
    ss, old = e.both("virtualMachineScaleSets", "cctestvmss")
    assert ss["os"] == "Linux" and len(ss["sshKeys"]) == 1
    assert ss["sshKeys"][0].startswith(REAL_KEY_PREFIX)
    assert old["os"] is None and old["sshKeys"] == []
    assert ss["dataDisk"] is None and old["dataDisk"] is None  # no dataDisks key at all
    assert ss["networkInterfaces"] == [
        {
            "name": "cctestvmssIpConfig",
            "subnetId": "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups"
            "/test_vmss/providers/Microsoft.Network/virtualNetworks/cctestvmssVnet/subnets/default",
            "publicIpName": None,
            "secondaryNsg": None,
        }
    ]
    gen, gen_old = e.both("virtualMachineScaleSets", "{virtualMachineScaleSetName}")
    assert gen["networkInterfaces"][0]["publicIpName"] == "aaaaaaaaaaaaaaaaaa"
    assert gen["os"] == "Windows" and gen["sshKeys"] == []
    assert (
        gen["identityIds"]
        == gen_old["identityIds"]
        == [
            {
                "identityId": "key3951",
                "clientId": "aaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "principalId": "aaaa",
            }
        ]
    )
    assert gen["principalType"] == "SystemAssigned"


def test_flex_vmss_is_skipped(env: Any) -> None:
    e = env("compute_vmss")
    assert e.build("virtualMachineScaleSets", "myFlexScaleSet") is None
    assert e.build("virtualMachineScaleSets", "myFlexScaleSet", bug=True) is None
    assert any("myFlexScaleSet" in w and "virtualMachineProfile" in w for w in e.default.warnings)


def test_vmss_crash_shapes(env: Any) -> None:
    e = env("compute_vmss")
    for bug in (False, True):
        nonic = e.build("virtualMachineScaleSets", "cctestvmss-nonics", bug=bug)
        assert nonic["networkInterfaces"] == []
        nosub = e.build("virtualMachineScaleSets", "cctestvmss-nosubnet", bug=bug)
        assert [n["name"] for n in nosub["networkInterfaces"]] == ["cctestvmssIpConfig"]


def _disk(env: Any, **vm_disks: str) -> Any:
    """Disks plus cctestvm pointing its OS/data disk at the given disk names."""
    vm = copy.deepcopy(fixture_rows("compute_vms")[0])
    disks = {r["name"]: r for r in fixture_rows("compute_disks")}
    storage = vm["properties"]["storageProfile"]
    storage["osDisk"]["managedDisk"]["id"] = disks[vm_disks["os"]]["id"].lower()
    storage["dataDisks"][0]["managedDisk"]["id"] = disks[vm_disks["data"]]["id"]
    return env("compute_disks", extra=[vm])


def test_disks(env: Any) -> None:
    e = env("compute_disks")
    d, old = e.both("disks", "myManagedDisk")
    assert d == old
    assert d["type"] == "OsDisk" and d["os"] == "Windows"
    assert d["provider"] == "microsoft.compute/disks"
    assert d["managedBy"].endswith("/virtualMachines/TestVM414689371c88843d65ec")
    data, data_old = e.both("disks", "cctestvm_disk2_977a393608a8458f960a28f8000151d7")
    assert data == data_old
    assert (data["type"], data["os"]) == ("DataDisk", None)
    assert data["managedBy"].endswith(
        "/resourceGroups/test_vm/providers/Microsoft.Compute/virtualMachines/cctestvm"
    )
    unattached, _ = e.both("disks", "cctestvm_disk2_a9097edcfa664ff48c8e88e87d72003e")
    assert (unattached["type"], unattached["managedBy"]) == ("DataDisk", None)
    exact, exact_old = e.both("disks", "OsDisk")
    assert exact["type"] == exact_old["type"] == "OsDisk" and exact["os"] is None


def test_disk_os_heuristic(env: Any) -> None:
    os_name = "cctestvm_OsDisk_1_a9f308a2eb4a47d288b5ea13757ebfe2"
    data_name = "cctestvm_disk2_977a393608a8458f960a28f8000151d7"
    e = _disk(env, os=os_name, data=data_name)
    f = REGISTRY["disks"].func
    # An OS disk without osType, attached as the VM's OS disk.
    row = copy.deepcopy(e.row(os_name))
    del row["properties"]["osType"]
    assert f(row, e.default)["type"] == "OsDisk"
    assert f(row, e.bug)["type"] == "DataDisk"  # name is not exactly "osdisk"
    # A data disk carrying osType (e.g. copied from an OS disk), attached as a data disk.
    row = copy.deepcopy(e.row(data_name))
    row["properties"]["osType"] = "Linux"
    assert f(row, e.default)["type"] == "DataDisk"
    assert f(row, e.bug)["type"] == "OsDisk"
    # Unattached, no osType: default falls back to the "osdisk" substring.
    row = copy.deepcopy(e.row("cctestvm_OsDisk_1_81338ced63fa4855b8a5f3e2bab5213c"))
    del row["properties"]["osType"]
    assert f(row, e.default)["type"] == "OsDisk"
    assert f(row, e.bug)["type"] == "DataDisk"


def test_ssh_keys(env: Any) -> None:
    e = env("compute_sshkeys")
    k, old = e.both("sshKeys", "mySshPublicKeyName")
    assert (
        k
        == old
        == {
            "id": "/subscriptions/{subscription-id}/resourceGroups/myResourceGroup/providers"
            "/Microsoft.Compute/SshPublicKeys/mySshPublicKeyName",
            "name": "mySshPublicKeyName",
            "resourceGroup": "myResourceGroup",
            "provider": "microsoft.compute/sshpublickeys",
            "publicKey": "{ssh-rsa public key}",
        }
    )
    for bug in (False, True):
        assert e.build("sshKeys", "keyWithoutPublicKey", bug=bug)["publicKey"] == ""
    assert any("keyWithoutPublicKey" in w for w in e.default.warnings)


# ---------------------------------------------------------------------------- network


def test_same_name_nics_in_two_resource_groups(env: Any) -> None:
    e = env("network_nics")
    a, a_old = e.both("networkInterfaces", "test-nic", rg="rg1")
    b, b_old = e.both("networkInterfaces", "test-nic", rg="rg2")
    assert a == a_old and b == b_old
    assert (a["resourceGroup"], b["resourceGroup"]) == ("rg1", "rg2")
    assert a["networkSecurityGroupId"].endswith("/networkSecurityGroups/nsg")
    assert b["networkSecurityGroupId"] is None
    assert a["ipConfigs"] == [
        {
            "id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
            "/networkInterfaces/test-nic/ipConfigurations/ipconfig1",
            "name": "ipconfig1",
            "privateIpAddress": "172.20.2.4",
            "publicIpAddressId": "/subscriptions/subid/resourceGroups/rg1/providers"
            "/Microsoft.Network/publicIPAddresses/test-ip",
            "subnetId": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
            "/virtualNetworks/rg1-vnet/subnets/default",
        },
        {
            "id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
            "/networkInterfaces/test-nic/ipConfigurations/ipconfig2",
            "name": "ipconfig2",
            "privateIpAddress": "172.20.2.16/28",
            "publicIpAddressId": None,
            "subnetId": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
            "/virtualNetworks/rg1-vnet/subnets/default",
        },
    ]
    assert [c["publicIpAddressId"].rsplit("/", 1)[1] for c in b["ipConfigs"][:1]] == ["test-ip2"]
    assert b["ipConfigs"][0]["subnetId"].endswith("/virtualNetworks/rg1-vnet2/subnets/default")


def test_nic_crash_shapes(env: Any) -> None:
    e = env("network_nics")
    for bug in (False, True):
        nic = e.build("networkInterfaces", "test-nic-noprivateip", bug=bug)
        assert [c["privateIpAddress"] for c in nic["ipConfigs"]] == ["172.20.2.4", ""]
        bare = e.build("networkInterfaces", "cctestnic-noipconfigs", bug=bug)
        assert bare["ipConfigs"] == [] and bare["networkSecurityGroupId"] is None
    assert any("ipconfig2" in w and "privateIPAddress" in w for w in e.default.warnings)


def _rules(nsg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in nsg["inboundSecurityRules"] + nsg["outboundSecurityRules"]}


def test_nsg_rules(env: Any) -> None:
    e = env("network_nsgs")
    nsg, old = e.both("networkSecurityGroups", "c7n-nsg")
    inbound = [r["name"] for r in nsg["inboundSecurityRules"]]
    outbound = [r["name"] for r in nsg["outboundSecurityRules"]]
    # Default rules first, then custom rules, each in stored order.
    assert inbound == [
        "AllowVnetInBound",
        "AllowAzureLoadBalancerInBound",
        "DenyAllInBound",
        "test1",
        "test2",
        "test3",
        "test4",
        "test6",
        "asg-web",
    ]
    assert outbound == [
        "AllowVnetOutBound",
        "AllowInternetOutBound",
        "DenyAllOutBound",
        "test5",
        "multi-src",
    ]
    assert nsg["subnetIds"] == [
        "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups/test_networksecuritygroup"
        "/providers/Microsoft.Network/virtualNetworks/c7n-vnet/subnets/default"
    ]
    rules, rules_old = _rules(nsg), _rules(old)
    assert rules["test2"] == {
        "id": "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups"
        "/test_networksecuritygroup/providers/Microsoft.Network/networkSecurityGroups/c7n-nsg"
        "/securityRules/test2",
        "name": "test2",
        "sourcePort": "*",
        "destPort": ["8080-8084", "8086"],
        "protocol": "*",
        "source": "*",
        "destination": "*",
        "action": "Allow",
        "direction": "Inbound",
        "resourceGroup": "test_networksecuritygroup",
    }
    assert rules["test4"]["protocol"] == "TCP" and rules["test4"]["action"] == "Deny"
    # Port and prefix lists, and a service tag.
    multi = rules["multi-src"]
    assert multi["sourcePort"] == ["1000-2000", "3000"]
    assert multi["source"] == ["10.0.0.0/8", "192.168.1.0/24"]
    assert multi["destination"] == "Storage.WestUS"
    assert rules["AllowAzureLoadBalancerInBound"]["source"] == "AzureLoadBalancer"
    assert rules["AllowInternetOutBound"]["destination"] == "Internet"
    # ASGs: upstream lost them; default mode names them.
    asg = "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups/test_networksecuritygroup/providers/Microsoft.Network/applicationSecurityGroups/"
    assert rules["asg-web"]["source"] == [asg + "web"]
    assert rules["asg-web"]["destination"] == [asg + "db", asg + "cache"]
    assert rules_old["asg-web"]["source"] == [] and rules_old["asg-web"]["destination"] == []
    # Everything else is the same in both modes.
    assert {n: r for n, r in rules.items() if n != "asg-web"} == {
        n: r for n, r in rules_old.items() if n != "asg-web"
    }


def test_nsg_crash_shapes(env: Any) -> None:
    e = env("network_nsgs")
    for bug in (False, True):
        nsg = e.build("networkSecurityGroups", "testnsg-broken", bug=bug)
        assert nsg["outboundSecurityRules"] == [] and nsg["subnetIds"] == []
        [half] = nsg["inboundSecurityRules"]
        assert (half["sourcePort"], half["destPort"]) == ([], [])
        assert (half["source"], half["destination"]) == ([], [])
        assert (half["protocol"], half["action"], half["direction"]) == ("*", "Allow", "Inbound")
        assert half["resourceGroup"] == "rg1"


def test_public_ip_addresses(env: Any) -> None:
    e = env("network_publicips")
    ip, ip_old = e.both("publicIpAddresses", "myPublicIP")
    assert ip == ip_old
    assert ip["address"] == "23.102.173.223"
    assert ip["interfaceId"].endswith("/networkInterfaces/myVMNic/ipConfigurations/ipconfig1")
    assert ip["provider"] == "microsoft.network/publicipaddresses"
    # Without ipAddress: "" by default, the allocation method when bug-compatible.
    for name in ("testDNS-ip", "cctestloadbalancer_public_ip"):
        none, none_old = e.both("publicIpAddresses", name)
        assert none["address"] == ""
        assert none_old["address"] == "Dynamic"
        assert none["interfaceId"] == none_old["interfaceId"] is not None


def test_vnets(env: Any) -> None:
    e = env("network_vnets")
    v, old = e.both("vnets", "vnet1")
    vid = (
        "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"
    )
    assert v["addressSpace"] == ["10.0.0.0/8"]
    assert (
        v["vnetPeerings"]
        == old["vnetPeerings"]
        == [
            {
                "id": vid + "/virtualNetworkPeerings/peer",
                "peering_name": "peer",
                "remote_network": "/subscriptions/subid/resourceGroups/rg1/providers"
                "/Microsoft.Network/virtualNetworks/vnet2",
            }
        ]
    )
    single, multi = v["subnets"]
    assert single == {
        "id": vid + "/subnets/test-1",
        "name": "test-1",
        "ipConfigs": [],
        "addressPrefix": "10.0.0.0/24",
        "vnetId": vid,
        "networkSecurityGroup": None,
    }
    assert old["subnets"][0] == single
    # Multi-prefix subnet: upstream gave []; default mode keeps the prefixes.
    assert multi["addressPrefix"] == ["10.1.0.0/24", "10.2.0.0/24"]
    assert old["subnets"][1]["addressPrefix"] == []
    assert multi["networkSecurityGroup"].endswith("/networkSecurityGroups/nsg")
    tv, _ = e.both("vnets", "test-vnet")
    assert tv["subnets"][0]["ipConfigs"] == [
        {
            "id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurations/fe"
        }
    ]
    empty, _ = e.both("vnets", "vnet2")
    assert (empty["subnets"], empty["vnetPeerings"]) == ([], [])


def test_vnet_crash_shape(env: Any) -> None:
    e = env("network_vnets")
    for bug in (False, True):
        v = e.build("vnets", "vnet2-hollow", bug=bug)
        assert (v["addressSpace"], v["subnets"], v["vnetPeerings"]) == ([], [], [])


def test_vnet_gateway_bgp_peering_addresses(env: Any) -> None:
    e = env("network_gateways")
    gw, old = e.both("vnetGateways", "vpngw")
    assert gw["bgpSettings"] == {
        "asn": 65514,
        "bgpPeeringAddress": "10.0.1.30",
        "bgpPeeringAddresses": [
            {
                "ipConfigId": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
                "/virtualNetworkGateways/vpngw/ipConfigurations/gwipconfig1",
                "tunnelIpAddress": ["52.161.10.135"],
                "customBgpIpAddresses": ["169.254.21.10"],
                "defaultBgpIpAddresses": ["10.3.1.254"],
            }
        ],
    }
    assert old["bgpSettings"] == {**gw["bgpSettings"], "bgpPeeringAddresses": []}
    assert (
        gw["ipConfigs"]
        == old["ipConfigs"]
        == [
            {
                "id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
                "/virtualNetworkGateways/vpngw/ipConfigurations/gwipconfig1",
                "name": "gwipconfig1",
                "publicIpAddress": "/subscriptions/subid/resourceGroups/rg1/providers"
                "/Microsoft.Network/publicIPAddresses/gwpip",
                "subnet": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
                "/virtualNetworks/vnet1/subnets/GatewaySubnet",
            }
        ]
    )
    assert gw["capacity"] == old["capacity"] == 0  # present, so no default
    assert gw["provider"] == "microsoft.network/virtualnetworkgateways"


def test_vnet_gateway_crash_shapes(env: Any) -> None:
    e = env("network_gateways")
    for bug in (False, True):
        er = e.build("vnetGateways", "ergw", bug=bug)  # bgpSettings null
        assert er["bgpSettings"] == {
            "bgpPeeringAddresses": [],
            "asn": None,
            "bgpPeeringAddress": None,
        }
        assert er["capacity"] == 2
        nosku = e.build("vnetGateways", "vpngw-nosku", bug=bug)  # sku null
        assert nosku["capacity"] == 1
        assert nosku["bgpSettings"]["asn"] == 65514


def test_local_network_gateways(env: Any) -> None:
    e = env("network_gateways")
    lg, old = e.both("localNetworkGateways", "localgw")
    assert lg == old
    assert lg["localNetworkAddressSpace"] == ["10.1.0.0/16", "10.2.0.0/16"]
    assert lg["gatewayIp"] == "11.12.13.14"
    assert lg["bgpSettings"] == {"asn": 65050, "bgpPeeringAddress": "10.1.255.254", "peerWeight": 0}
    assert lg["provider"] == "microsoft.network/localnetworkgateways"
    fq, fq_old = e.both("localNetworkGateways", "localgw-fqdn")
    assert fq == fq_old
    assert (fq["localNetworkAddressSpace"], fq["gatewayIp"], fq["bgpSettings"]) == ([], None, None)


def test_connections(env: Any) -> None:
    e = env("network_connections")
    c, old = e.both("connections", "connV2V")
    assert (
        c
        == old
        == {
            "id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/connections/connV2V",
            "name": "connV2V",
            "resourceGroup": "rg1",
            "provider": "microsoft.network/connections",
            "connectionType": "Vnet2Vnet",
            "source": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
            "/virtualNetworkGateways/vpngw",
            "target": "/subscriptions/subid/resourceGroups/rg2/providers/Microsoft.Network"
            "/virtualNetworkGateways/vpngw2",
        }
    )
    # Site-to-site and half-defined connections are skipped, with a warning, in both modes.
    for bug in (False, True):
        assert e.build("connections", "connS2S", bug=bug) is None
        assert e.build("connections", "connV2V-half", bug=bug) is None
    assert any("connS2S" in w and "'IPsec'" in w for w in e.default.warnings)
    assert any("connV2V-half" in w for w in e.bug.warnings)


def test_route_tables(env: Any) -> None:
    e = env("network_routetables")
    rt, old = e.both("routeTables", "testrt")
    assert rt == old
    assert rt["subnets"] == []
    assert rt["routes"] == [
        {
            "id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network"
            "/routeTables/testrt/routes/route1",
            "name": "route1",
            "addressPrefix": "10.0.3.0/24",
            "nextHopType": "VirtualNetworkGateway",
        }
    ]
    k8s, _ = e.both("routeTables", "k8s-master-C02B7042-routetable")
    assert [r["addressPrefix"] for r in k8s["routes"]] == [
        "10.244.1.0/24",
        "10.244.0.0/24",
        "10.244.2.0/24",
        "10.244.3.0/24",
    ]
    assert {r["nextHopType"] for r in k8s["routes"]} == {"VirtualAppliance"}
    assert k8s["subnets"] == [
        "/subscriptions/ea42f556-5106-4743-99b0-c129bfa71a47/resourceGroups/test_containerservice"
        "/providers/Microsoft.Network/virtualNetworks/k8s-vnet-C02B7042/subnets/k8s-subnet"
    ]
    for bug in (False, True):
        empty = e.build("routeTables", "testrt-empty", bug=bug)
        assert (empty["subnets"], empty["routes"]) == ([], [])
