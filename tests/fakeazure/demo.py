"""The demo tenant: a small company's Azure estate ("Fabrikam"), as week 0 and a week later.

Pure data, no clock: week 0 is observed at ``WEEK0``, week 1 at ``WEEK1``. Bodies follow the
shapes of real Azure responses (ARG rows with lower-cased ``type``, properties in Azure's own
casing, nested sub-resources with etags, back-references with upper-cased resource-group names,
nulls and extra fields) so that the collector, the builder and the differ meet what Azure sends.

Every securiCAD kind is present (tests/test_fake_tenant.py checks the list), plus types
securiCAD does not know.
``demo_tenant(1)`` applies the changes listed in ``WEEK1_CHANGES``.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from typing import Any

from .shapes import (
    management_group_details,
    management_group_item,
    role_assignment,
    role_definition,
)
from .tenant import Tenant, assignment_listings

TENANT_ID = "5f1c2d3e-8a7b-4c6d-9e0f-1a2b3c4d5e6f"
SUB_PROD = "3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71"
SUB_SHARED = "a81c4e5d-2b7f-4d93-8e16-5c0f9b2a7d38"
WEEK0 = "2026-11-20T08:00:00Z"
WEEK1 = "2026-11-27T08:00:00Z"
DOMAIN = "fabrikamdemo.onmicrosoft.com"


# What demo_tenant(1) changes, for tests and documentation.
WEEK1_CHANGES = {
    "vm_added": ("rg-app-prod", "web03"),
    "storage_removed": ("rg-app-staging", "stfabstagingtmp01"),
    "moved": (
        "microsoft.dbformariadb/servers",
        "mariadb-fab-legacy",
        "rg-data-prod",
        "rg-app-staging",
    ),
    "renamed": ("microsoft.compute/disks", "disk-orphan-backup", "disk-backup-2026-11"),
    "nsg_rule": ("rg-app-prod", "nsg-web", "allow-ssh-from-hub"),
    "noise": ("vnet-hub", "nsg-mgmt", "vmss-batch", "app-fab-portal", "cn-hub-to-onprem"),
    "role_added": ("Owner", "eve.contractor"),
    "role_removed": ("Contributor", "heidi.contractor"),
    "custom_role_changed": "Fabrikam VM Operator",
    "group_member_added": ("sg-platform-admins", "dave.ops"),
    "nested_member_removed": ("sg-app-devs", "sg-app-contractors"),
    "scad_changed": "web01",
    "scad_added": "vm-jumpbox",
    "scad_removed": "cosmos-fab-prod",
    "scad_malformed_added": "func-fab-orders",
    "mg_moved": ("mg-sandbox", TENANT_ID, "mg-landingzones"),
}

_NS = uuid.UUID("0b9c6a52-3f1e-4b8a-9d27-6c5e4f3a2b10")
_MG = "/providers/Microsoft.Management/managementGroups/"
_CREATED = "2025-03-14T10:21:07.4411863Z"


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "/".join(str(p) for p in parts)))


def _hex(*parts: object, n: int = 32) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()[:n]


def _b64ish(*parts: object, n: int = 300) -> str:
    """Deterministic base64-looking filler (for fake SSH keys)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    out: list[str] = []
    i = 0
    while len(out) < n:
        for b in hashlib.sha256(f"{i}/{parts}".encode()).digest():
            out.append(alphabet[b % 64])
        i += 1
    return "".join(out[:n])


def _ssh_key(user: str) -> str:
    return f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{_b64ish('ssh', user)} {user}"


def _upper_rg(rid: str) -> str:
    """ARM back-references often carry the resource group upper-cased."""
    parts = rid.split("/")
    if len(parts) > 4 and parts[3].lower() == "resourcegroups":
        parts[3] = "resourceGroups"
        parts[4] = parts[4].upper()
    return "/".join(parts)


def _sub_of(rid: str) -> str:
    return rid.split("/")[2]


class _Demo:
    def __init__(self, week: int, base: str):
        self.week = week
        self.base = base.rstrip("/")
        self.now = WEEK1 if week else WEEK0
        self.rows: list[dict[str, Any]] = []
        self.responses: dict[str, Any] = {}
        self.forbidden: set[str] = set()

    # -- helpers --------------------------------------------------------------------------------
    @staticmethod
    def rid(sub: str, rg: str, rtype: str, name: str) -> str:
        return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"

    def etag(self, *parts: object, noisy: bool = False) -> str:
        return f'W/"{_guid("etag", *parts, self.week if noisy else 0)}"'

    def add(
        self,
        sub: str,
        rg: str,
        rtype: str,
        name: str,
        props: dict[str, Any],
        *,
        kind: str = "",
        location: str = "westeurope",
        sku: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        identity: dict[str, Any] | None = None,
        zones: list[str] | None = None,
        managed_by: str = "",
    ) -> dict[str, Any]:
        row = {
            "id": self.rid(sub, rg, rtype, name),
            "name": name,
            "type": rtype.lower(),
            "tenantId": TENANT_ID,
            "kind": kind,
            "location": location,
            "resourceGroup": rg.lower(),
            "subscriptionId": sub,
            "managedBy": managed_by,
            "sku": sku,
            "plan": None,
            "properties": props,
            "tags": tags,
            "identity": identity,
            "zones": zones,
            "extendedLocation": None,
        }
        self.rows.append(row)
        return row

    def respond(self, path: str, body: Any) -> None:
        self.responses[path.lower()] = body

    def principal(self, name: str) -> str:
        return _guid("principal", name)

    def msi(self, name: str) -> dict[str, Any]:
        return {
            "type": "SystemAssigned",
            "principalId": self.principal(f"msi:{name}"),
            "tenantId": TENANT_ID,
        }

    def uami(self, uami_id: str) -> dict[str, Any]:
        name = uami_id.rsplit("/", 1)[-1]
        return {
            uami_id: {
                "principalId": self.principal(f"uami:{name}"),
                "clientId": _guid("client", name),
            }
        }

    # -- network --------------------------------------------------------------------------------
    def default_rules(self, nsg_id: str) -> list[dict[str, Any]]:
        specs = [
            ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork",
             "Allow inbound traffic from all VMs in VNET"),
            ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*",
             "Allow inbound traffic from azure load balancer"),
            ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
            ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork",
             "Allow outbound traffic from all VMs to all VMs in VNET"),
            ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet",
             "Allow outbound traffic from all VMs to Internet"),
            ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
        ]  # fmt: skip
        out = []
        for name, prio, direction, access, src, dst, desc in specs:
            out.append(
                {
                    "name": name,
                    "id": f"{nsg_id}/defaultSecurityRules/{name}",
                    "etag": self.etag(nsg_id, name),
                    "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "description": desc,
                        "protocol": "*",
                        "sourcePortRange": "*",
                        "destinationPortRange": "*",
                        "sourceAddressPrefix": src,
                        "destinationAddressPrefix": dst,
                        "access": access,
                        "priority": prio,
                        "direction": direction,
                        "sourcePortRanges": [],
                        "destinationPortRanges": [],
                        "sourceAddressPrefixes": [],
                        "destinationAddressPrefixes": [],
                    },
                }
            )
        return out

    def rule(
        self,
        nsg_id: str,
        name: str,
        prio: int,
        direction: str,
        access: str,
        protocol: str,
        src: str | list[str],
        dst: str | list[str],
        dport: str | list[str],
        *,
        src_asg: str | None = None,
        noisy: bool = False,
    ) -> dict[str, Any]:
        p: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "protocol": protocol,
            "sourcePortRange": "*",
        }
        for single, plural, val in (
            ("destinationPortRange", "destinationPortRanges", dport),
            ("sourceAddressPrefix", "sourceAddressPrefixes", src),
            ("destinationAddressPrefix", "destinationAddressPrefixes", dst),
        ):
            if single == "sourceAddressPrefix" and src_asg:
                p["sourceApplicationSecurityGroups"] = [{"id": src_asg}]
                p[plural] = []
            elif isinstance(val, list):
                p[plural] = val
            else:
                p[single] = val
                p[plural] = []
        p |= {"access": access, "priority": prio, "direction": direction, "sourcePortRanges": []}
        return {
            "name": name,
            "id": f"{nsg_id}/securityRules/{name}",
            "etag": self.etag(nsg_id, name, noisy=noisy),
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": p,
        }

    def nsg(
        self, sub: str, rg: str, name: str, rules: list[tuple[Any, ...]], *, tags: Any = None,
        noisy: bool = False, location: str = "westeurope",
    ) -> str:  # fmt: skip
        nsg_id = self.rid(sub, rg, "Microsoft.Network/networkSecurityGroups", name)
        built = []
        for r in rules:
            *args, kw = r if isinstance(r[-1], dict) else (*r, {})
            built.append(self.rule(nsg_id, *args, noisy=noisy, **kw))
        self.add(
            sub,
            rg,
            "Microsoft.Network/networkSecurityGroups",
            name,
            {
                "provisioningState": "Succeeded",
                "resourceGuid": _guid(nsg_id),
                "securityRules": built,
                "defaultSecurityRules": self.default_rules(nsg_id),
            },
            tags=tags,
            location=location,
        )
        return nsg_id

    def pip(
        self, sub: str, rg: str, name: str, address: str | None, *, dynamic: bool = False,
        tags: Any = None, location: str = "westeurope", zones: list[str] | None = None,
    ) -> str:  # fmt: skip
        pip_id = self.rid(sub, rg, "Microsoft.Network/publicIPAddresses", name)
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "resourceGuid": _guid(pip_id),
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": "Dynamic" if dynamic else "Static",
            "idleTimeoutInMinutes": 4,
            "ipTags": [],
        }
        if address:
            props["ipAddress"] = address
        if not dynamic:
            props["ddosSettings"] = {"protectionMode": "VirtualNetworkInherited"}
        sku = (
            {"name": "Basic", "tier": "Regional"}
            if dynamic
            else {"name": "Standard", "tier": "Regional"}
        )
        self.add(sub, rg, "Microsoft.Network/publicIPAddresses", name, props, sku=sku, tags=tags,
                 location=location, zones=zones)  # fmt: skip
        return pip_id

    def nic(
        self, sub: str, rg: str, name: str, *, subnet: str, ip: str, pip: str | None = None,
        nsg: str | None = None, asgs: tuple[str, ...] = (), tags: Any = None,
        ipconfig: str = "ipconfig1", extra: dict[str, Any] | None = None,
    ) -> str:  # fmt: skip
        nic_id = self.rid(sub, rg, "Microsoft.Network/networkInterfaces", name)
        cfg: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "privateIPAddress": ip,
            "privateIPAllocationMethod": "Dynamic",
            "subnet": {"id": subnet},
            "primary": True,
            "privateIPAddressVersion": "IPv4",
        }
        if pip:
            cfg["publicIPAddress"] = {"id": pip}
        if asgs:
            cfg["applicationSecurityGroups"] = [{"id": a} for a in asgs]
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "resourceGuid": _guid(nic_id),
            "ipConfigurations": [
                {
                    "name": ipconfig,
                    "id": f"{nic_id}/ipConfigurations/{ipconfig}",
                    "etag": self.etag(nic_id),
                    "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                    "properties": cfg,
                }
            ],
            "dnsSettings": {
                "dnsServers": [],
                "appliedDnsServers": [],
                "internalDomainNameSuffix": f"{_hex(sub, n=26)}.ax.internal.cloudapp.net",
            },
            "macAddress": "00-0D-3A-"
            + "-".join(_hex(nic_id, n=6)[i : i + 2].upper() for i in (0, 2, 4)),
            "vnetEncryptionSupported": False,
            "enableIPForwarding": False,
            "disableTcpStateTracking": False,
            "primary": True,
            "hostedWorkloads": [],
            "tapConfigurations": [],
            "nicType": "Standard",
            "allowPort25Out": False,
            "auxiliaryMode": "None",
            "auxiliarySku": "None",
            "enableAcceleratedNetworking": False,
        }
        if nsg:
            props["networkSecurityGroup"] = {"id": nsg}
        props |= extra or {}
        self.add(sub, rg, "Microsoft.Network/networkInterfaces", name, props, tags=tags)
        return nic_id

    def subnet(
        self, vnet_id: str, name: str, prefix: str | list[str], *, nsg: str | None = None,
        rt: str | None = None, endpoints: tuple[str, ...] = (), delegation: str | None = None,
        noisy: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        p: dict[str, Any] = {"provisioningState": "Succeeded"}
        if isinstance(prefix, list):
            p["addressPrefixes"] = prefix
        else:
            p["addressPrefix"] = prefix
        if nsg:
            p["networkSecurityGroup"] = {"id": nsg}
        if rt:
            p["routeTable"] = {"id": rt}
        if endpoints:
            p["serviceEndpoints"] = [
                {"provisioningState": "Succeeded", "service": s, "locations": ["westeurope"]}
                for s in endpoints
            ]
        p["delegations"] = []
        if delegation:
            p["delegations"] = [
                {
                    "name": "delegation",
                    "id": f"{vnet_id}/subnets/{name}/delegations/delegation",
                    "etag": self.etag(vnet_id, name, "delegation"),
                    "properties": {
                        "provisioningState": "Succeeded",
                        "serviceName": delegation,
                        "actions": ["Microsoft.Network/virtualNetworks/subnets/action"],
                    },
                    "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
                }
            ]
        p["privateEndpointNetworkPolicies"] = "Disabled"
        p["privateLinkServiceNetworkPolicies"] = "Enabled"
        return {
            "name": name,
            "id": f"{vnet_id}/subnets/{name}",
            "etag": self.etag(vnet_id, name, noisy=noisy),
            "properties": p,
            "type": "Microsoft.Network/virtualNetworks/subnets",
        }

    def peering(self, vnet_id: str, name: str, remote: str, remote_space: list[str], *,
                gateway_transit: bool, use_remote: bool) -> dict[str, Any]:  # fmt: skip
        return {
            "name": name,
            "id": f"{vnet_id}/virtualNetworkPeerings/{name}",
            "etag": self.etag(vnet_id, name),
            "properties": {
                "provisioningState": "Succeeded",
                "resourceGuid": _guid(vnet_id, name),
                "peeringState": "Connected",
                "peeringSyncLevel": "FullyInSync",
                "remoteVirtualNetwork": {"id": remote},
                "allowVirtualNetworkAccess": True,
                "allowForwardedTraffic": True,
                "allowGatewayTransit": gateway_transit,
                "useRemoteGateways": use_remote,
                "doNotVerifyRemoteGateways": False,
                "peerCompleteVnets": True,
                "remoteAddressSpace": {"addressPrefixes": remote_space},
                "remoteVirtualNetworkAddressSpace": {"addressPrefixes": remote_space},
                "routeServiceVips": {},
            },
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        }

    def vnet(self, sub: str, rg: str, name: str, space: list[str], subnets: list[dict[str, Any]],
             peerings: list[dict[str, Any]], *, location: str = "westeurope", tags: Any = None) -> None:  # fmt: skip
        vnet_id = self.rid(sub, rg, "Microsoft.Network/virtualNetworks", name)
        self.add(
            sub,
            rg,
            "Microsoft.Network/virtualNetworks",
            name,
            {
                "provisioningState": "Succeeded",
                "resourceGuid": _guid(vnet_id),
                "addressSpace": {"addressPrefixes": space},
                "dhcpOptions": {"dnsServers": []},
                "subnets": subnets,
                "virtualNetworkPeerings": peerings,
                "enableDdosProtection": False,
                "privateEndpointVNetPolicies": "Disabled",
            },
            location=location,
            tags=tags,
        )

    # -- compute --------------------------------------------------------------------------------
    def disk(
        self, sub: str, rg: str, name: str, *, size: int, os: str | None, vm: str | None,
        sku: str = "Premium_LRS", zones: list[str] | None = None, tags: Any = None,
    ) -> str:  # fmt: skip
        disk_id = self.rid(sub, rg, "Microsoft.Compute/disks", name)
        props: dict[str, Any] = {}
        if os:
            props["osType"] = os
            props["hyperVGeneration"] = "V2"
            props["creationData"] = {
                "createOption": "FromImage",
                "imageReference": {
                    "id": f"/Subscriptions/{sub}/Providers/Microsoft.Compute/Locations/westeurope/"
                    + (
                        "Publishers/canonical/ArtifactTypes/VMImage/Offers/0001-com-ubuntu-server-jammy/Skus/22_04-lts-gen2/Versions/22.04.202410020"
                        if os == "Linux"
                        else "Publishers/MicrosoftWindowsServer/ArtifactTypes/VMImage/Offers/WindowsServer/Skus/2022-datacenter-azure-edition/Versions/20348.2762.241009"
                    )
                },
            }
        else:
            props["creationData"] = {"createOption": "Empty"}
        props |= {
            "diskSizeGB": size,
            "diskIOPSReadWrite": 120 if size <= 32 else 500,
            "diskMBpsReadWrite": 25 if size <= 32 else 100,
            "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
            "timeCreated": _CREATED,
            "provisioningState": "Succeeded",
            "diskState": "Attached" if vm else "Unattached",
            "diskSizeBytes": size * 1024**3,
            "uniqueId": _guid(disk_id),
            "tier": "P4" if size <= 32 else "P10",
        }
        tier = sku.split("_")[0]
        self.add(sub, rg, "Microsoft.Compute/disks", name, props, sku={"name": sku, "tier": tier},
                 managed_by=vm or "", zones=zones, tags=tags)  # fmt: skip
        return disk_id

    def vm(
        self, sub: str, rg: str, name: str, *, os: str, size: str, nics: list[str],
        ssh_keys: tuple[str, ...] = (), data_disks: tuple[tuple[str, int], ...] = (),
        identity: dict[str, Any] | None = None, tags: Any = None, power: str = "running",
        zone: str | None = None,
    ) -> str:  # fmt: skip
        vm_id = self.rid(sub, rg, "Microsoft.Compute/virtualMachines", name)
        zones = [zone] if zone else None
        os_disk = f"{name}_OsDisk_1_{_hex(vm_id, 'os')}"
        os_disk_id = self.disk(sub, rg, os_disk, size=30 if os == "Linux" else 127, os=os, vm=vm_id,
                               zones=zones)  # fmt: skip
        data = []
        for lun, (dname, dsize) in enumerate(data_disks):
            did = self.disk(sub, rg, dname, size=dsize, os=None, vm=vm_id, zones=zones)
            data.append(
                {
                    "lun": lun,
                    "name": dname,
                    "createOption": "Attach",
                    "caching": "ReadOnly",
                    "writeAcceleratorEnabled": False,
                    "managedDisk": {"storageAccountType": "Premium_LRS", "id": _upper_rg(did)},
                    "deleteOption": "Detach",
                    "diskSizeGB": dsize,
                    "toBeDetached": False,
                }
            )
        if os == "Linux":
            image = {"publisher": "canonical", "offer": "0001-com-ubuntu-server-jammy",
                     "sku": "22_04-lts-gen2", "version": "latest", "exactVersion": "22.04.202410020"}  # fmt: skip
            os_profile: dict[str, Any] = {
                "computerName": name,
                "adminUsername": "azureuser",
                "linuxConfiguration": {
                    "disablePasswordAuthentication": bool(ssh_keys),
                    "ssh": {
                        "publicKeys": [
                            {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": k}
                            for k in ssh_keys
                        ]
                    },
                    "provisionVMAgent": True,
                    "patchSettings": {
                        "patchMode": "ImageDefault",
                        "assessmentMode": "ImageDefault",
                    },
                    "enableVMAgentPlatformUpdates": False,
                },
                "secrets": [],
                "allowExtensionOperations": True,
                "requireGuestProvisionSignal": True,
            }
            os_name, os_version = "ubuntu", "22.04"
        else:
            image = {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                     "sku": "2022-datacenter-azure-edition", "version": "latest",
                     "exactVersion": "20348.2762.241009"}  # fmt: skip
            os_profile = {
                "computerName": name[:15],
                "adminUsername": "fabadmin",
                "windowsConfiguration": {
                    "provisionVMAgent": True,
                    "enableAutomaticUpdates": True,
                    "patchSettings": {
                        "patchMode": "AutomaticByOS",
                        "assessmentMode": "ImageDefault",
                        "enableHotpatching": False,
                    },
                    "enableVMAgentPlatformUpdates": False,
                },
                "secrets": [],
                "allowExtensionOperations": True,
                "requireGuestProvisionSignal": True,
            }
            os_name, os_version = "Windows Server 2022 Datacenter Azure Edition", "10.0.20348.2762"
        display = {"running": "VM running", "deallocated": "VM deallocated"}[power]
        props = {
            "vmId": _guid(vm_id, "vmId"),
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {
                "imageReference": image,
                "osDisk": {
                    "osType": os,
                    "name": os_disk,
                    "createOption": "FromImage",
                    "caching": "ReadWrite",
                    "managedDisk": {
                        "storageAccountType": "Premium_LRS",
                        "id": _upper_rg(os_disk_id),
                    },
                    "deleteOption": "Delete",
                    "diskSizeGB": 30 if os == "Linux" else 127,
                },
                "dataDisks": data,
                "diskControllerType": "SCSI",
            },
            "osProfile": os_profile,
            "networkProfile": {
                "networkInterfaces": [
                    {"id": n, "properties": {"primary": i == 0, "deleteOption": "Detach"}}
                    for i, n in enumerate(nics)
                ]
            },
            "securityProfile": {
                "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
                "securityType": "TrustedLaunch",
            },
            "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
            "provisioningState": "Succeeded",
            "timeCreated": _CREATED,
            "extended": {
                "instanceView": {
                    "computerName": name,
                    "osName": os_name,
                    "osVersion": os_version,
                    "hyperVGeneration": "V2",
                    "powerState": {
                        "code": f"PowerState/{power}",
                        "level": "Info",
                        "displayStatus": display,
                    },
                }
            },
        }
        self.add(sub, rg, "Microsoft.Compute/virtualMachines", name, props, identity=identity,
                 tags=tags, zones=zones)  # fmt: skip
        return vm_id

    def vmss(
        self, sub: str, rg: str, name: str, *, sku: str, capacity: int, ssh_keys: tuple[str, ...],
        nic_configs: list[dict[str, Any]], data_disks: list[Any] | None, identity: dict[str, Any] | None,
        tags: Any = None, image: dict[str, Any] | None = None, provisioning: str = "Succeeded",
    ) -> str:  # fmt: skip
        vmss_id = self.rid(sub, rg, "Microsoft.Compute/virtualMachineScaleSets", name)
        storage: dict[str, Any] = {
            "osDisk": {
                "osType": "Linux",
                "createOption": "FromImage",
                "caching": "ReadOnly",
                "managedDisk": {"storageAccountType": "Premium_LRS"},
                "diskSizeGB": 128,
            },
            "imageReference": image
            or {
                "publisher": "canonical",
                "offer": "0001-com-ubuntu-server-jammy",
                "sku": "22_04-lts-gen2",
                "version": "latest",
            },
            "diskControllerType": "SCSI",
        }
        if data_disks is not None:
            storage["dataDisks"] = data_disks
        props = {
            "singlePlacementGroup": False,
            "orchestrationMode": "Uniform",
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {
                    "computerNamePrefix": name[:9],
                    "adminUsername": "azureuser",
                    "linuxConfiguration": {
                        "disablePasswordAuthentication": True,
                        "ssh": {
                            "publicKeys": [
                                {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": k}
                                for k in ssh_keys
                            ]
                        },
                        "provisionVMAgent": True,
                        "enableVMAgentPlatformUpdates": False,
                    },
                    "secrets": [],
                    "allowExtensionOperations": True,
                    "requireGuestProvisionSignal": True,
                },
                "storageProfile": storage,
                "networkProfile": {"networkInterfaceConfigurations": nic_configs},
                "timeCreated": _CREATED,
            },
            "provisioningState": provisioning,
            "overprovision": False,
            "doNotRunExtensionsOnOverprovisionedVMs": False,
            "platformFaultDomainCount": 1,
            "timeCreated": _CREATED,
            "uniqueId": _guid(vmss_id),
        }
        self.add(sub, rg, "Microsoft.Compute/virtualMachineScaleSets", name, props,
                 sku={"name": sku, "tier": "Standard", "capacity": capacity}, identity=identity,
                 tags=tags)  # fmt: skip
        return vmss_id

    # -- per-resource bodies ------------------------------------------------------------------
    def storage(
        self, sub: str, rg: str, name: str, *, kind: str, acls: dict[str, Any], https: bool = True,
        public_blob: bool = False, containers: tuple[tuple[str, Any], ...] = (),
        shares: tuple[str, ...] = (), tables: tuple[str, ...] = (), queues: tuple[str, ...] = (),
        tags: Any = None, pe: list[dict[str, Any]] | None = None, sku: str = "Standard_LRS",
    ) -> str:  # fmt: skip
        sid = self.rid(sub, rg, "Microsoft.Storage/storageAccounts", name)
        endpoints = {
            s: f"https://{name}.{s}.core.windows.net/"
            for s in ("dfs", "web", "blob", "queue", "table", "file")
        }
        if kind == "Storage":
            endpoints = {s: endpoints[s] for s in ("blob", "queue", "table", "file")}
        props = {
            "keyCreationTime": {"key1": _CREATED, "key2": _CREATED},
            "allowCrossTenantReplication": False,
            "privateEndpointConnections": pe or [],
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": public_blob,
            "allowSharedKeyAccess": True,
            "isHnsEnabled": False,
            "networkAcls": acls,
            "supportsHttpsTrafficOnly": https,
            "encryption": {
                "requireInfrastructureEncryption": False,
                "services": {
                    "file": {"keyType": "Account", "enabled": True, "lastEnabledTime": _CREATED},
                    "blob": {"keyType": "Account", "enabled": True, "lastEnabledTime": _CREATED},
                },
                "keySource": "Microsoft.Storage",
            },
            "accessTier": None if kind == "Storage" else "Hot",
            "provisioningState": "Succeeded",
            "creationTime": _CREATED,
            "primaryEndpoints": endpoints,
            "primaryLocation": "westeurope",
            "statusOfPrimary": "available",
        }
        if kind == "Storage":
            del props["accessTier"]
        self.add(sub, rg, "Microsoft.Storage/storageAccounts", name, props, kind=kind,
                 sku={"name": sku, "tier": "Standard"}, tags=tags)  # fmt: skip
        self.respond(
            f"{sid}/blobServices/default/containers",
            [
                {
                    "id": f"{sid}/blobServices/default/containers/{c}",
                    "name": c,
                    "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
                    "etag": f'"0x8DC{_hex(sid, c, n=11).upper()}"',
                    "properties": {
                        "immutableStorageWithVersioning": {"enabled": False},
                        "deleted": False,
                        "remainingRetentionDays": 0,
                        "defaultEncryptionScope": "$account-encryption-key",
                        "denyEncryptionScopeOverride": False,
                        "publicAccess": access,
                        "leaseStatus": "Unlocked",
                        "leaseState": "Available",
                        "lastModifiedTime": "2025-06-02T12:40:31.0000000Z",
                        "hasImmutabilityPolicy": False,
                        "hasLegalHold": False,
                    },
                }
                for c, access in containers
            ],
        )
        self.respond(
            f"{sid}/fileServices/default/shares",
            [
                {
                    "id": f"{sid}/fileServices/default/shares/{s}",
                    "name": s,
                    "type": "Microsoft.Storage/storageAccounts/fileServices/shares",
                    "etag": f'"0x8DC{_hex(sid, s, n=11).upper()}"',
                    "properties": {
                        "leaseStatus": "unlocked",
                        "leaseState": "available",
                        "signedIdentifiers": [],
                        "accessTier": "TransactionOptimized",
                        "lastModifiedTime": "2025-06-02T12:41:02.0000000Z",
                        "shareQuota": 5120,
                        "enabledProtocols": "SMB",
                    },
                }
                for s in shares
            ],
        )
        self.respond(
            f"{sid}/tableServices/default/tables",
            [
                {
                    "id": f"{sid}/tableServices/default/tables/{t}",
                    "name": t,
                    "type": "Microsoft.Storage/storageAccounts/tableServices/tables",
                    "properties": {"tableName": t},
                }
                for t in tables
            ],
        )
        self.respond(
            f"{sid}/queueServices/default/queues",
            [
                {
                    "id": f"{sid}/queueServices/default/queues/{q}",
                    "name": q,
                    "type": "Microsoft.Storage/storageAccounts/queueServices/queues",
                    "properties": {"metadata": None},
                }
                for q in queues
            ],
        )
        return sid

    def db_server(
        self, sub: str, rg: str, kind: str, name: str, *, public: str, firewall: list[tuple[str, str, str]],
        admins: list[tuple[str, str]] | None, pe: list[dict[str, Any]] | None = None, tags: Any = None,
    ) -> str:  # fmt: skip
        """A MySQL / PostgreSQL / MariaDB single server (``kind`` is the provider namespace)."""
        rtype = f"Microsoft.{kind}/servers"
        srv = self.rid(sub, rg, rtype, name)
        host = {"DBforMySQL": "mysql", "DBforPostgreSQL": "postgres", "DBforMariaDB": "mariadb"}[
            kind
        ]
        version = {"DBforMySQL": "8.0", "DBforPostgreSQL": "11", "DBforMariaDB": "10.3"}[kind]
        props = {
            "administratorLogin": "fabdbadmin",
            "storageProfile": {
                "storageMB": 102400,
                "backupRetentionDays": 7,
                "geoRedundantBackup": "Disabled",
                "storageAutogrow": "Enabled",
            },
            "version": version,
            "sslEnforcement": "Enabled",
            "minimalTlsVersion": "TLS1_2",
            "userVisibleState": "Ready",
            "fullyQualifiedDomainName": f"{name}.{host}.database.azure.com",
            "earliestRestoreDate": "2026-11-13T07:00:00+00:00"
            if not self.week
            else "2026-11-20T07:00:00+00:00",
            "replicationRole": "None",
            "masterServerId": "",
            "replicaCapacity": 5,
            "infrastructureEncryption": "Disabled",
            "privateEndpointConnections": pe or [],
            "publicNetworkAccess": public,
        }
        self.add(sub, rg, rtype, name, props, sku={"name": "GP_Gen5_2", "tier": "GeneralPurpose",
                 "family": "Gen5", "capacity": 2}, tags=tags)  # fmt: skip
        self.respond(
            f"{srv}/firewallRules",
            [
                {
                    "id": f"{srv}/firewallRules/{n}",
                    "name": n,
                    "type": f"Microsoft.{kind}/servers/firewallRules",
                    "properties": {"startIpAddress": a, "endIpAddress": b},
                }
                for n, a, b in firewall
            ],
        )
        if admins is not None:
            self.respond(
                f"{srv}/administrators",
                [
                    {
                        "id": f"{srv}/administrators/activeDirectory",
                        "name": "activeDirectory",
                        "type": f"Microsoft.{kind}/servers/administrators",
                        "properties": {
                            "administratorType": "ActiveDirectory",
                            "login": login,
                            "sid": sid,
                            "tenantId": TENANT_ID,
                        },
                    }
                    for login, sid in admins
                ],
            )
        return srv


def _scad_tags(week: int) -> dict[str, dict[str, str]]:
    """Per-resource extra tags: ``scad`` values, well- and ill-formed, and their week-1 changes."""
    t = {
        "web01@rg-app-prod": {"scad": "c:8,i:9,a:7,group:frontend"},
        "web02": {"scad": "C:7,I:x"},
        "sql-fab-prod": {"scad": "group:[Prod,PCI],A:12"},
        "kv-fab-prod-app": {"SCAD": "c:9,i:9,a:5"},
        "stfabprodapp01": {"scad": "c: 5, i:3"},
        "cosmos-fab-prod": {"scad": "c:6,i:6,a:6,group:data"},
        "aks-fab-prod": {"scad": "a:9,group:platform,group:Prod"},
        "stfabstagingtmp01": {"scad": ""},
        "app-fab-portal": {"scad": "i:8,a:8,group:frontend"},
    }
    if week:
        t["web01@rg-app-prod"] = {"scad": "c:9,i:9,a:7,group:frontend"}  # value changed
        t["vm-jumpbox"] = {"scad": "c:4,i:8,a:2"}  # tag added
        del t["cosmos-fab-prod"]  # tag removed
        t["func-fab-orders"] = {"scad": "c:,i:5,,group:"}  # new malformed one
    return t


def _tags(base: dict[str, str] | None, key: str, week: int) -> dict[str, str] | None:
    extra = _scad_tags(week).get(key)
    if extra is None:
        return base
    return {**(base or {}), **extra}


def demo_tenant(week: int = 0, base: str = "http://127.0.0.1:18080") -> Tenant:
    """The demo tenant as it is in ``week`` (0 or 1); ``base`` is the fake server's root URL."""
    d = _Demo(week, base)
    w1 = week >= 1
    P, S = SUB_PROD, SUB_SHARED
    env_prod = {"environment": "prod", "costCenter": "CC-1042", "owner": "platform-team"}
    env_stg = {"environment": "staging", "costCenter": "CC-1042"}
    env_shared = {"environment": "shared", "costCenter": "CC-1000", "owner": "platform-team"}

    def T(base_tags: dict[str, str] | None, key: str) -> dict[str, str] | None:
        return _tags(base_tags, key, week)

    # ---- ids used across the estate ---------------------------------------------------------
    net = "Microsoft.Network"
    vnet_hub = d.rid(S, "rg-network-hub", f"{net}/virtualNetworks", "vnet-hub")
    vnet_dr = d.rid(S, "rg-network-hub", f"{net}/virtualNetworks", "vnet-dr")
    vnet_prod = d.rid(P, "rg-app-prod", f"{net}/virtualNetworks", "vnet-spoke-prod")
    vnet_stg = d.rid(P, "rg-app-staging", f"{net}/virtualNetworks", "vnet-staging")
    snet_gw = f"{vnet_hub}/subnets/GatewaySubnet"
    snet_gw_dr = f"{vnet_dr}/subnets/GatewaySubnet"
    snet_mgmt = f"{vnet_hub}/subnets/snet-mgmt"
    snet_web = f"{vnet_prod}/subnets/snet-web"
    snet_data = f"{vnet_prod}/subnets/snet-data"
    snet_aks = f"{vnet_prod}/subnets/snet-aks"
    snet_apim = f"{vnet_prod}/subnets/snet-apim"
    snet_pe = f"{vnet_prod}/subnets/snet-pe"
    snet_func = f"{vnet_prod}/subnets/snet-func"
    snet_stg = f"{vnet_stg}/subnets/snet-web"
    asg_appgw = d.rid(P, "rg-app-prod", f"{net}/applicationSecurityGroups", "asg-appgw")
    rt_spoke = d.rid(P, "rg-app-prod", f"{net}/routeTables", "rt-spoke-prod")
    uami_app = d.rid(
        P, "rg-app-prod", "Microsoft.ManagedIdentity/userAssignedIdentities", "id-app-prod"
    )
    mc_rg = "MC_rg-aks-prod_aks-fab-prod_westeurope"
    aks_id = d.rid(P, "rg-aks-prod", "Microsoft.ContainerService/managedClusters", "aks-fab-prod")
    uami_kubelet = d.rid(
        P, mc_rg, "Microsoft.ManagedIdentity/userAssignedIdentities", "aks-fab-prod-agentpool"
    )
    sql_id = d.rid(P, "rg-data-prod", "Microsoft.Sql/servers", "sql-fab-prod")
    pe_sql = d.rid(P, "rg-data-prod", f"{net}/privateEndpoints", "pe-sql-fab-prod")
    pe_psql = d.rid(P, "rg-data-prod", f"{net}/privateEndpoints", "pe-psql-fab-prod")
    g = _Groups(week)

    # ---- shared subscription: hub network ---------------------------------------------------
    nsg_mgmt = d.nsg(
        S, "rg-network-hub", "nsg-mgmt",
        [
            ("allow-rdp-from-office", 100, "Inbound", "Allow", "Tcp", ["203.0.113.0/24", "198.51.100.17"], "*", "3389"),
            ("allow-ssh-from-office", 110, "Inbound", "Allow", "Tcp", ["203.0.113.0/24", "198.51.100.17"], "*", "22"),
            ("allow-monitor-out", 100, "Outbound", "Allow", "Tcp", "*", "AzureMonitor", "443"),
        ],
        tags=env_shared, noisy=True,
    )  # fmt: skip
    d.add(S, "rg-network-hub", f"{net}/routeTables", "rt-gateway",
          {"provisioningState": "Succeeded", "resourceGuid": _guid("rt-gateway"),
           "disableBgpRoutePropagation": False, "routes": [
               {"name": "to-spoke-prod-via-fw", "id": d.rid(S, "rg-network-hub", f"{net}/routeTables", "rt-gateway") + "/routes/to-spoke-prod-via-fw",
                "etag": d.etag("rt-gateway", "r1"), "type": "Microsoft.Network/routeTables/routes",
                "properties": {"provisioningState": "Succeeded", "addressPrefix": "10.1.0.0/16",
                               "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.2.4", "hasBgpOverride": False}}]},
          tags=env_shared)  # fmt: skip
    rt_gw = d.rid(S, "rg-network-hub", f"{net}/routeTables", "rt-gateway")
    d.vnet(
        S, "rg-network-hub", "vnet-hub", ["10.0.0.0/16"],
        [
            d.subnet(vnet_hub, "GatewaySubnet", "10.0.255.0/27", rt=rt_gw, noisy=True),
            d.subnet(vnet_hub, "snet-mgmt", "10.0.1.0/24", nsg=nsg_mgmt, noisy=True),
            d.subnet(vnet_hub, "snet-nva", "10.0.2.0/24", noisy=True),
        ],
        [d.peering(vnet_hub, "peer-hub-to-spoke-prod", vnet_prod, ["10.1.0.0/16"], gateway_transit=True, use_remote=False)],
        tags=env_shared,
    )  # fmt: skip
    d.vnet(S, "rg-network-hub", "vnet-dr", ["10.50.0.0/16"],
           [d.subnet(vnet_dr, "GatewaySubnet", "10.50.255.0/27"), d.subnet(vnet_dr, "snet-dr-app", "10.50.1.0/24")],
           [], location="northeurope", tags=env_shared)  # fmt: skip
    pip_vgw = d.pip(
        S, "rg-network-hub", "pip-vgw-hub", "20.103.41.18", zones=["1", "2", "3"], tags=env_shared
    )
    pip_vgw_dr = d.pip(S, "rg-network-hub", "pip-vgw-dr", "20.166.12.201", location="northeurope",
                       zones=["1", "2", "3"], tags=env_shared)  # fmt: skip

    def gateway(name: str, pip: str, subnet: str, asn: int, bgp_ip: str, tunnel: str, enable_bgp: bool,
                location: str) -> str:  # fmt: skip
        gid = d.rid(S, "rg-network-hub", f"{net}/virtualNetworkGateways", name)
        d.add(S, "rg-network-hub", f"{net}/virtualNetworkGateways", name, {
            "provisioningState": "Succeeded",
            "resourceGuid": _guid(gid),
            "packetCaptureDiagnosticState": "None",
            "enablePrivateIpAddress": False,
            "isMigrateToCSES": False,
            "ipConfigurations": [{
                "name": "default", "id": f"{gid}/ipConfigurations/default", "etag": d.etag(gid),
                "type": "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
                "properties": {"provisioningState": "Succeeded", "privateIPAllocationMethod": "Dynamic",
                               "publicIPAddress": {"id": pip}, "subnet": {"id": subnet}},
            }],
            "natRules": [],
            "virtualNetworkGatewayPolicyGroups": [],
            "enableBgpRouteTranslationForNat": False,
            "disableIPSecReplayProtection": False,
            "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ", "capacity": 2},
            "gatewayType": "Vpn",
            "vpnType": "RouteBased",
            "enableBgp": enable_bgp,
            "activeActive": False,
            "vpnGatewayGeneration": "Generation2",
            "bgpSettings": {
                "asn": asn, "bgpPeeringAddress": bgp_ip, "peerWeight": 0,
                "bgpPeeringAddresses": [{
                    "ipconfigurationId": f"{gid}/ipConfigurations/default",
                    "defaultBgpIpAddresses": [bgp_ip], "customBgpIpAddresses": [],
                    "tunnelIpAddresses": [tunnel],
                }],
            },
            "allowRemoteVnetTraffic": False,
            "allowVirtualWanTraffic": False,
        }, location=location, tags=env_shared)  # fmt: skip
        return gid

    vgw_hub = gateway(
        "vgw-hub", pip_vgw, snet_gw, 65515, "10.0.255.30", "20.103.41.18", True, "westeurope"
    )
    vgw_dr = gateway(
        "vgw-dr",
        pip_vgw_dr,
        snet_gw_dr,
        65516,
        "10.50.255.30",
        "20.166.12.201",
        False,
        "northeurope",
    )
    lgw = d.rid(S, "rg-network-hub", f"{net}/localNetworkGateways", "lgw-onprem-hq")
    d.add(S, "rg-network-hub", f"{net}/localNetworkGateways", "lgw-onprem-hq", {
        "provisioningState": "Succeeded", "resourceGuid": _guid(lgw),
        "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16", "172.16.10.0/24"]},
        "gatewayIpAddress": "198.51.100.1",
        "bgpSettings": {"asn": 65010, "bgpPeeringAddress": "192.168.255.1", "peerWeight": 0},
    }, tags=env_shared)  # fmt: skip

    def connection(
        name: str, ctype: str, other: dict[str, Any], traffic: int, location: str
    ) -> None:
        cid = d.rid(S, "rg-network-hub", f"{net}/connections", name)
        d.add(S, "rg-network-hub", f"{net}/connections", name, {
            "provisioningState": "Succeeded", "resourceGuid": _guid(cid),
            "packetCaptureDiagnosticState": "None",
            "virtualNetworkGateway1": {"id": vgw_hub if location == "westeurope" else vgw_dr},
            **other,
            "connectionType": ctype,
            "connectionProtocol": "IKEv2",
            "routingWeight": 0,
            "dpdTimeoutSeconds": 45,
            "connectionMode": "Default",
            "enableBgp": False,
            "useLocalAzureIpAddress": False,
            "usePolicyBasedTrafficSelectors": False,
            "ipsecPolicies": [],
            "trafficSelectorPolicies": [],
            "connectionStatus": "Connected",
            "ingressBytesTransferred": traffic * (3 if w1 else 1),
            "egressBytesTransferred": traffic * (5 if w1 else 2),
            "expressRouteGatewayBypass": False,
            "enablePrivateLinkFastPath": False,
        }, location=location, tags=env_shared)  # fmt: skip

    connection(
        "cn-hub-to-dr",
        "Vnet2Vnet",
        {"virtualNetworkGateway2": {"id": vgw_dr}},
        18_221_904,
        "westeurope",
    )
    connection(
        "cn-dr-to-hub",
        "Vnet2Vnet",
        {"virtualNetworkGateway2": {"id": vgw_hub}},
        17_004_113,
        "northeurope",
    )
    connection(
        "cn-hub-to-onprem",
        "IPsec",
        {"localNetworkGateway2": {"id": lgw}},
        982_114_530,
        "westeurope",
    )
    d.add(S, "NetworkWatcherRG", f"{net}/networkWatchers", "NetworkWatcher_westeurope",
          {"provisioningState": "Succeeded", "runningOperationIds": []})  # fmt: skip
    d.add(S, "NetworkWatcherRG", f"{net}/networkWatchers", "NetworkWatcher_northeurope",
          {"provisioningState": "Succeeded", "runningOperationIds": []}, location="northeurope")  # fmt: skip

    # ---- shared subscription: management ----------------------------------------------------
    pip_jump = d.pip(S, "rg-mgmt", "pip-jumpbox", "20.86.200.14", tags=env_shared)
    nsg_jump = d.nsg(S, "rg-mgmt", "vm-jumpbox-nsg", [
        ("RDP", 300, "Inbound", "Allow", "Tcp", "*", "*", "3389"),
    ], tags=env_shared)  # fmt: skip
    nic_jump = d.nic(
        S, "rg-mgmt", "nic-jumpbox", subnet=snet_mgmt, ip="10.0.1.4", pip=pip_jump, nsg=nsg_jump
    )
    d.vm(S, "rg-mgmt", "vm-jumpbox", os="Windows", size="Standard_B2ms", nics=[nic_jump],
         data_disks=(("vm-jumpbox-data-01", 64),), tags=T(env_shared, "vm-jumpbox"))  # fmt: skip
    d.add(S, "rg-mgmt", "Microsoft.Compute/sshPublicKeys", "sshkey-ops",
          {"publicKey": _ssh_key("ops@fabrikam")}, tags=env_shared)  # fmt: skip
    d.storage(
        S, "rg-mgmt", "stfabsharedlogs01", kind="StorageV2",
        acls={"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
        containers=(("insights-logs-networksecuritygroupflowevent", "None"), ("bootdiagnostics-vmjumpbo-" + _hex("bd", n=8), "None")),
        tags=env_shared,
    )  # fmt: skip
    d.add(S, "rg-mgmt", "Microsoft.KeyVault/vaults", "kv-fab-shared-ops", {
        "sku": {"family": "A", "name": "standard"},
        "tenantId": TENANT_ID,
        "accessPolicies": [],
        "enabledForDeployment": True,
        "enabledForDiskEncryption": False,
        "enabledForTemplateDeployment": False,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "enableRbacAuthorization": True,
        "vaultUri": f"{d.base}/kv/kv-fab-shared-ops/",
        "provisioningState": "Succeeded",
        "publicNetworkAccess": "Enabled",
    }, tags=env_shared)  # fmt: skip
    d.forbidden.add("/kv/kv-fab-shared-ops/")  # the data plane answers 403 (no data-plane role)

    # ---- prod: spoke network and app tier ------------------------------------------------------
    nsg_web = d.nsg(
        P, "rg-app-prod", "nsg-web",
        [
            ("allow-https-inbound", 100, "Inbound", "Allow", "Tcp", "Internet", "*", "443"),
            ("allow-http-ranges", 110, "Inbound", "Allow", "Tcp", "AzureFrontDoor.Backend", "VirtualNetwork", ["80", "8080-8090"]),
            ("allow-from-appgw", 120, "Inbound", "Allow", "Tcp", None, "*", ["443", "8443"], {"src_asg": asg_appgw}),
            ("allow-ssh-from-hub", 130, "Inbound", "Allow", "Tcp", "Internet" if w1 else "10.0.1.0/24", "*", "22"),
            ("deny-all-inbound", 4096, "Inbound", "Deny", "*", "*", "*", "*"),
            ("allow-sql-out", 100, "Outbound", "Allow", "Tcp", "VirtualNetwork", "Sql.WestEurope", "1433"),
            ("allow-storage-out", 110, "Outbound", "Allow", "*", "VirtualNetwork", "Storage", ["443", "445"]),
        ],
        tags=env_prod,
    )  # fmt: skip
    nsg_data = d.nsg(P, "rg-app-prod", "nsg-data", [
        ("allow-sql-from-web", 100, "Inbound", "Allow", "Tcp", "10.1.1.0/24", "10.1.2.0/24", ["1433", "3306", "5432"]),
        ("deny-internet-in", 200, "Inbound", "Deny", "*", "Internet", "*", "*"),
    ], tags=env_prod)  # fmt: skip
    d.add(P, "rg-app-prod", f"{net}/applicationSecurityGroups", "asg-appgw",
          {"provisioningState": "Succeeded", "resourceGuid": _guid(asg_appgw)}, tags=env_prod)  # fmt: skip
    d.add(P, "rg-app-prod", f"{net}/routeTables", "rt-spoke-prod", {
        "provisioningState": "Succeeded", "resourceGuid": _guid(rt_spoke), "disableBgpRoutePropagation": True,
        "routes": [
            {"name": "default-via-nva", "id": f"{rt_spoke}/routes/default-via-nva", "etag": d.etag(rt_spoke, 1),
             "type": "Microsoft.Network/routeTables/routes",
             "properties": {"provisioningState": "Succeeded", "addressPrefix": "0.0.0.0/0",
                            "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.2.4", "hasBgpOverride": False}},
            {"name": "onprem-via-gateway", "id": f"{rt_spoke}/routes/onprem-via-gateway", "etag": d.etag(rt_spoke, 2),
             "type": "Microsoft.Network/routeTables/routes",
             "properties": {"provisioningState": "Succeeded", "addressPrefix": "192.168.0.0/16",
                            "nextHopType": "VirtualNetworkGateway", "hasBgpOverride": False}},
        ],
    }, tags=env_prod)  # fmt: skip
    d.vnet(
        P, "rg-app-prod", "vnet-spoke-prod", ["10.1.0.0/16"],
        [
            d.subnet(vnet_prod, "snet-web", "10.1.1.0/24", nsg=nsg_web, rt=rt_spoke, endpoints=("Microsoft.Storage",)),
            d.subnet(vnet_prod, "snet-data", "10.1.2.0/24", nsg=nsg_data, rt=rt_spoke,
                     endpoints=("Microsoft.Sql", "Microsoft.Storage", "Microsoft.AzureCosmosDB")),
            d.subnet(vnet_prod, "snet-apim", "10.1.3.0/24"),
            d.subnet(vnet_prod, "snet-pe", "10.1.4.0/24"),
            d.subnet(vnet_prod, "snet-func", "10.1.5.0/26", delegation="Microsoft.Web/serverFarms"),
            d.subnet(vnet_prod, "snet-aks", ["10.1.16.0/20", "10.1.32.0/20"], rt=rt_spoke),
        ],
        [d.peering(vnet_prod, "peer-spoke-prod-to-hub", vnet_hub, ["10.0.0.0/16"], gateway_transit=False, use_remote=True)],
        tags=env_prod,
    )  # fmt: skip
    d.add(P, "rg-app-prod", "Microsoft.ManagedIdentity/userAssignedIdentities", "id-app-prod", {
        "tenantId": TENANT_ID, "principalId": d.principal("uami:id-app-prod"), "clientId": _guid("client", "id-app-prod"),
    }, tags=env_prod)  # fmt: skip
    keys_web = (_ssh_key("alice@fabrikam-laptop"), _ssh_key("deploy@fabrikam-ci"))
    web_ident = {"type": "SystemAssigned, UserAssigned", "principalId": d.principal("msi:web01"),
                 "tenantId": TENANT_ID, "userAssignedIdentities": d.uami(uami_app)}  # fmt: skip
    for n, ip in (("web01", "10.1.1.4"), ("web02", "10.1.1.5")) + (
        (("web03", "10.1.1.6"),) if w1 else ()
    ):
        nic = d.nic(
            P, "rg-app-prod", f"nic-{n}", subnet=snet_web, ip=ip, asgs=(asg_appgw,), tags=env_prod
        )
        d.vm(
            P, "rg-app-prod", n, os="Linux", size="Standard_D2s_v5", nics=[nic],
            ssh_keys=keys_web if n == "web01" else keys_web[1:],
            data_disks=((f"{n}-data-01", 128),) if n == "web01" else (),
            identity=web_ident if n == "web01" else d.msi(n) if n == "web02" else None,
            tags=T(env_prod, f"{n}@rg-app-prod" if n == "web01" else n), zone="1" if n != "web02" else "2",
        )  # fmt: skip
    d.disk(P, "rg-app-prod", "disk-backup-2026-11" if w1 else "disk-orphan-backup", size=256, os=None, vm=None,
           sku="StandardSSD_LRS", tags={"purpose": "manual backup"})  # fmt: skip
    d.vmss(
        P, "rg-app-prod", "vmss-batch", sku="Standard_D4s_v5", capacity=2, ssh_keys=(_ssh_key("batch@fabrikam-ci"),),
        nic_configs=[{"name": "vmss-batch-nic", "properties": {
            "primary": True, "enableAcceleratedNetworking": False, "disableTcpStateTracking": False,
            "networkSecurityGroup": {"id": nsg_web}, "dnsSettings": {"dnsServers": []}, "enableIPForwarding": False,
            "ipConfigurations": [
                {"name": "vmss-batch-ipcfg", "properties": {
                    "primary": True, "subnet": {"id": snet_web}, "privateIPAddressVersion": "IPv4",
                    "publicIPAddressConfiguration": {"name": "vmss-batch-pip", "properties": {"idleTimeoutInMinutes": 15, "ipTags": []}},
                }},
            ]}}],
        data_disks=[], identity={"type": "UserAssigned", "userAssignedIdentities": d.uami(uami_app)},
        tags=env_prod, provisioning="Updating" if w1 else "Succeeded",
    )  # fmt: skip
    d.add(P, "rg-app-prod", "Microsoft.KeyVault/vaults", "kv-fab-prod-app", {
        "sku": {"family": "A", "name": "premium"},
        "tenantId": TENANT_ID,
        "networkAcls": {
            "bypass": "AzureServices", "defaultAction": "Deny",
            "ipRules": [{"value": "203.0.113.0/24"}, {"value": "198.51.100.17/32"}],
            "virtualNetworkRules": [{"id": _upper_rg(snet_web).lower(), "ignoreMissingVnetServiceEndpoint": False}],
        },
        "accessPolicies": [
            {"tenantId": TENANT_ID, "objectId": g.id("sg-platform-admins"), "permissions": {
                "keys": ["Get", "List", "Update", "Create", "Import", "Delete", "Recover", "Backup", "Restore", "Purge"],
                "secrets": ["Get", "List", "Set", "Delete", "Recover", "Backup", "Restore", "Purge"],
                "certificates": ["Get", "List", "Update", "Create", "Import", "Delete", "Recover", "ManageContacts",
                                 "ManageIssuers", "GetIssuers", "ListIssuers", "SetIssuers", "DeleteIssuers"],
                "storage": ["get", "list", "regeneratekey"]}},
            {"tenantId": TENANT_ID, "objectId": d.principal("msi:web01"),
             "permissions": {"secrets": ["get", "list"], "keys": ["get", "unwrapKey", "wrapKey"]}},
        ],
        "enabledForDeployment": False,
        "enabledForDiskEncryption": True,
        "enabledForTemplateDeployment": False,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "enableRbacAuthorization": False,
        "enablePurgeProtection": True,
        "vaultUri": f"{d.base}/kv/kv-fab-prod-app/",
        "provisioningState": "Succeeded",
        "publicNetworkAccess": "Enabled",
    }, tags=T(env_prod, "kv-fab-prod-app"))  # fmt: skip
    kv_uri = f"{d.base}/kv/kv-fab-prod-app"

    def kv_attrs(created: int, enabled: bool = True, exp: int | None = None) -> dict[str, Any]:
        a: dict[str, Any] = {"enabled": enabled, "created": created, "updated": created,
                             "recoveryLevel": "Recoverable", "recoverableDays": 90}  # fmt: skip
        if exp:
            a["exp"] = exp
        return a

    d.respond("/kv/kv-fab-prod-app/keys", [
        {"kid": f"{kv_uri}/keys/cmk-storage", "attributes": kv_attrs(1741947667), "tags": {"purpose": "cmk"}},
        {"kid": f"{kv_uri}/keys/signing-key", "attributes": kv_attrs(1741947700, exp=1805019700)},
        {"kid": f"{kv_uri}/keys/tls-portal", "attributes": kv_attrs(1741948000, exp=1773484000), "managed": True},
        {"kid": f"{kv_uri}/keys/old-signing-key", "attributes": kv_attrs(1710411667, enabled=False)},
    ])  # fmt: skip
    d.respond("/kv/kv-fab-prod-app/secrets", [
        {"id": f"{kv_uri}/secrets/sql-admin-password", "attributes": kv_attrs(1741947800), "contentType": "",
         "tags": {"rotation": "90d"}},
        {"id": f"{kv_uri}/secrets/storage-connection", "attributes": kv_attrs(1741947810), "contentType": "text/plain"},
        {"id": f"{kv_uri}/secrets/tls-portal", "attributes": kv_attrs(1741948000, exp=1773484000),
         "contentType": "application/x-pkcs12", "managed": True},
    ])  # fmt: skip
    d.respond("/kv/kv-fab-prod-app/certificates", [
        {"id": f"{kv_uri}/certificates/tls-portal", "x5t": "fT3bXq0fakeThumbprint0Vv5oJ4k", "attributes": kv_attrs(1741948000, exp=1773484000),
         "subject": "CN=portal.fabrikam.example"},
    ])  # fmt: skip

    # ---- prod: staging (same names as prod) --------------------------------------------------
    nsg_web_stg = d.nsg(P, "rg-app-staging", "nsg-web", [
        ("allow-rdp-any", 100, "Inbound", "Allow", "Tcp", "*", "*", "3389"),
        ("allow-http", 110, "Inbound", "Allow", "Tcp", "Internet", "*", ["80", "443"]),
    ], tags=env_stg)  # fmt: skip
    d.vnet(P, "rg-app-staging", "vnet-staging", ["10.2.0.0/16"],
           [d.subnet(vnet_stg, "snet-web", "10.2.1.0/24", nsg=nsg_web_stg)], [], tags=env_stg)  # fmt: skip
    pip_stg = d.pip(P, "rg-app-staging", "pip-web01", None, dynamic=True, tags=env_stg)
    nic_stg = d.nic(
        P, "rg-app-staging", "nic-web01", subnet=snet_stg, ip="10.2.1.4", pip=pip_stg, tags=env_stg
    )
    d.vm(P, "rg-app-staging", "web01", os="Windows", size="Standard_B2s", nics=[nic_stg], power="deallocated",
         tags=env_stg)  # fmt: skip
    if not w1:
        d.storage(
            P, "rg-app-staging", "stfabstagingtmp01", kind="Storage", https=False,
            acls={"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
            containers=(("tmp", "None"),), tags=T(env_stg, "stfabstagingtmp01"),
        )  # fmt: skip

    # ---- prod: app platform (App Service) ----------------------------------------------------
    asp = d.rid(P, "rg-app-prod", "Microsoft.Web/serverfarms", "asp-fab-prod")
    d.add(P, "rg-app-prod", "Microsoft.Web/serverfarms", "asp-fab-prod", {
        "serverFarmId": 4312, "name": "asp-fab-prod", "workerSize": "D1", "workerSizeId": 3,
        "currentWorkerSize": "D1", "currentWorkerSizeId": 3, "currentNumberOfWorkers": 2, "status": "Ready",
        "webSpace": "rg-app-prod-WestEuropewebspace-Linux", "subscription": P, "maximumNumberOfWorkers": 30,
        "geoRegion": "West Europe", "numberOfSites": 1, "reserved": True, "isXenon": False, "hyperV": False,
        "perSiteScaling": False, "elasticScaleEnabled": False, "isSpot": False, "kind": "linux",
        "resourceGroup": "rg-app-prod", "provisioningState": "Succeeded", "zoneRedundant": False,
    }, kind="linux", sku={"name": "P1v3", "tier": "PremiumV3", "size": "P1v3", "family": "Pv3", "capacity": 2},
        tags=env_prod)  # fmt: skip
    d.storage(
        P, "rg-app-prod", "stfabprodapp01", kind="StorageV2", public_blob=True, sku="Standard_ZRS",
        acls={
            "resourceAccessRules": [],
            "bypass": "Logging, Metrics, AzureServices",
            "virtualNetworkRules": [
                {"id": _upper_rg(snet_web), "action": "Allow", "state": "Succeeded"},
                {"id": snet_data, "action": "Allow", "state": "Succeeded"},
            ],
            "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}, {"value": "198.51.100.17", "action": "Allow"}],
            "defaultAction": "Deny",
        },
        containers=(("app-data", "None"), ("public-assets", "Blob"), ("logs", "None"), ("$web", "None")),
        shares=("fileshare-app",), tables=("sessions", "auditlog"), queues=("orders", "thumbnails"),
        tags=T(env_prod, "stfabprodapp01"),
    )  # fmt: skip
    portal = d.rid(P, "rg-app-prod", "Microsoft.Web/sites", "app-fab-portal")

    def site(rg: str, name: str, kind: str, plan: str, *, https: bool, identity: dict[str, Any], tags: Any,
             noisy: bool = False) -> str:  # fmt: skip
        sid = d.rid(P, rg, "Microsoft.Web/sites", name)
        d.add(P, rg, "Microsoft.Web/sites", name, {
            "name": name, "state": "Running",
            "hostNames": [f"{name}.azurewebsites.net"] + (["portal.fabrikam.example"] if name == "app-fab-portal" else []),
            "webSpace": f"{rg}-WestEuropewebspace-Linux", "selfLink": f"https://waws-prod-am2-555.api.azurewebsites.windows.net:454/subscriptions/{P}/webspaces/{rg}-WestEuropewebspace-Linux/sites/{name}",
            "repositorySiteName": name, "owner": None, "usageState": "Normal", "enabled": True, "adminEnabled": True,
            "enabledHostNames": [f"{name}.azurewebsites.net", f"{name}.scm.azurewebsites.net"],
            "siteProperties": {"metadata": None, "properties": [{"name": "LinuxFxVersion", "value": "PYTHON|3.11" if "func" in name else "NODE|20-lts"}, {"name": "WindowsFxVersion", "value": None}], "appSettings": None},
            "availabilityState": "Normal", "sslCertificates": None, "csrs": [], "cers": None, "siteMode": None,
            "hostNameSslStates": [
                {"name": f"{name}.azurewebsites.net", "sslState": "Disabled", "ipBasedSslResult": None, "virtualIP": None,
                 "thumbprint": None, "toUpdate": None, "toUpdateIpBasedSsl": None, "ipBasedSslState": "NotConfigured", "hostType": "Standard"},
                {"name": f"{name}.scm.azurewebsites.net", "sslState": "Disabled", "ipBasedSslResult": None, "virtualIP": None,
                 "thumbprint": None, "toUpdate": None, "toUpdateIpBasedSsl": None, "ipBasedSslState": "NotConfigured", "hostType": "Repository"},
            ],
            "computeMode": None, "serverFarm": None, "serverFarmId": plan, "reserved": True, "isXenon": False,
            "hyperV": False,
            "lastModifiedTimeUtc": "2026-11-24T16:02:11.12" if (noisy and w1) else "2026-10-30T09:12:45.7733333",
            "storageRecoveryDefaultState": "Running", "contentAvailabilityState": "Normal",
            "runtimeAvailabilityState": "Normal", "dnsConfiguration": {}, "vnetRouteAllEnabled": True,
            "containerAllocationSubnet": None, "useContainerLocalhostBindings": None,
            "vnetImagePullEnabled": False, "vnetContentShareEnabled": False,
            "siteConfig": {"numberOfWorkers": 1, "defaultDocuments": None, "netFrameworkVersion": None,
                           "linuxFxVersion": "NODE|20-lts", "windowsFxVersion": None, "ftpsState": None,
                           "ipSecurityRestrictions": None, "scmIpSecurityRestrictions": None,
                           "minTlsVersion": None, "http20Enabled": False, "functionAppScaleLimit": 0,
                           "minimumElasticInstanceCount": 1, "azureStorageAccounts": None},
            "deploymentId": name, "slotName": None, "trafficManagerHostNames": None, "sku": "PremiumV3" if kind.startswith("app") else "Dynamic",
            "scmSiteAlsoStopped": False, "targetSwapSlot": None, "hostingEnvironment": None,
            "hostingEnvironmentProfile": None, "clientAffinityEnabled": False, "clientCertEnabled": False,
            "clientCertMode": "Required", "clientCertExclusionPaths": None, "hostNamesDisabled": False,
            "ipMode": "IPv4", "vnetBackupRestoreEnabled": False, "domainVerificationIdentifiers": None,
            "customDomainVerificationId": _hex(name, "cdv", n=64).upper(),
            "kind": kind,
            "managedEnvironmentId": None,
            "inboundIpAddress": "20.105.224.38",
            "possibleInboundIpAddresses": "20.105.224.38",
            "ftpUsername": f"{name}\\${name}", "ftpsHostName": "ftps://waws-prod-am2-555.ftp.azurewebsites.windows.net/site/wwwroot",
            "outboundIpAddresses": "20.105.224.38,20.103.131.1,20.103.131.43,20.103.131.90",
            "possibleOutboundIpAddresses": "20.105.224.38,20.103.131.1,20.103.131.43,20.103.131.90,20.103.131.131,20.103.131.141",
            "containerSize": 1536 if "func" in name else 0, "dailyMemoryTimeQuota": 0, "suspendedTill": None,
            "siteDisabledReason": 0, "functionExecutionUnitsCache": None, "maxNumberOfWorkers": None,
            "homeStamp": "waws-prod-am2-555", "cloningInfo": None, "hostingEnvironmentId": None,
            "resourceGroup": rg, "defaultHostName": f"{name}.azurewebsites.net",
            "slotSwapStatus": None, "httpsOnly": https, "endToEndEncryptionEnabled": False,
            "functionsRuntimeAdminIsolationEnabled": False, "redundancyMode": "None", "inProgressOperationId": None,
            "geoDistributions": None, "privateEndpointConnections": [], "publicNetworkAccess": None,
            "buildVersion": None, "targetBuildVersion": None, "migrationState": None, "eligibleLogCategories": "AppServiceAppLogs,AppServiceAuditLogs,AppServiceConsoleLogs,AppServiceHTTPLogs,AppServiceIPSecAuditLogs,AppServicePlatformLogs,ScanLogs",
            "inFlightFeatures": ["SiteContainers"], "storageAccountRequired": False,
            "virtualNetworkSubnetId": snet_web if name == "app-fab-portal" else snet_func,
            "keyVaultReferenceIdentity": "SystemAssigned", "autoGeneratedDomainNameLabelScope": None,
            "defaultHostNameScope": "Global", "privateLinkIdentifiers": None, "sshEnabled": None,
        }, kind=kind, identity=identity, tags=tags)  # fmt: skip
        return sid

    site("rg-app-prod", "app-fab-portal", "app,linux", asp, https=True, identity=d.msi("app-fab-portal"),
         tags=T(env_prod, "app-fab-portal"), noisy=True)  # fmt: skip
    d.respond(f"{portal}/config/web", {
        "id": f"{portal}/config/web", "name": "app-fab-portal", "type": "Microsoft.Web/sites/config",
        "location": "West Europe", "tags": env_prod,
        "properties": {
            "numberOfWorkers": 1, "defaultDocuments": ["Default.htm", "Default.html", "index.html", "hostingstart.html"],
            "netFrameworkVersion": "v4.0", "phpVersion": "", "pythonVersion": "", "nodeVersion": "",
            "powerShellVersion": "", "linuxFxVersion": "NODE|20-lts", "windowsFxVersion": None,
            "requestTracingEnabled": False, "remoteDebuggingEnabled": False, "remoteDebuggingVersion": None,
            "httpLoggingEnabled": True, "acrUseManagedIdentityCreds": False, "acrUserManagedIdentityID": None,
            "logsDirectorySizeLimit": 35, "detailedErrorLoggingEnabled": False, "publishingUsername": "$app-fab-portal",
            "publishingPassword": None,
            "appSettings": [
                {"name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "value": "InstrumentationKey=" + _guid("ikey", "portal") + ";IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"},
                {"name": "ASSET_UPLOAD_URL", "value": "https://stfabprodapp01.blob.core.windows.net/public-assets?sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2027-01-01T00:00:00Z&spr=https&sig=fakeSASsignature0000fake%3D"},
                {"name": "WEBSITE_RUN_FROM_PACKAGE", "value": "1"},
            ],
            "metadata": None,
            "connectionStrings": [
                {"name": "AppStorage", "connectionString": "DefaultEndpointsProtocol=https;AccountName=stfabprodapp01;AccountKey=fakeAccountKey0000000000fake0000000000000000000000fake==;EndpointSuffix=core.windows.net", "type": "Custom"},
                {"name": "AppDb", "connectionString": "Server=tcp:sql-fab-prod.database.windows.net,1433;Database=fabdb;User ID=fabsqladmin;Password=fake-P@ssw0rd-fake;Encrypt=True;", "type": "SQLAzure"},
            ],
            "machineKey": None, "handlerMappings": None, "documentRoot": None, "scmType": "None",
            "use32BitWorkerProcess": True, "webSocketsEnabled": False, "alwaysOn": True, "javaVersion": None,
            "javaContainer": None, "javaContainerVersion": None, "appCommandLine": "", "managedPipelineMode": "Integrated",
            "virtualApplications": [{"virtualPath": "/", "physicalPath": "site\\wwwroot", "preloadEnabled": True, "virtualDirectories": None}],
            "winAuthAdminState": 0, "winAuthTenantState": 0, "customAppPoolIdentityAdminState": False,
            "customAppPoolIdentityTenantState": False, "runtimeADUser": None, "runtimeADUserPassword": None,
            "loadBalancing": "LeastRequests", "routingRules": [], "experiments": {"rampUpRules": []}, "limits": None,
            "autoHealEnabled": False, "autoHealRules": None, "tracingOptions": None, "vnetName": _guid("vnetname", "portal") + "_snet-web",
            "vnetRouteAllEnabled": True, "vnetPrivatePortsCount": 0, "publicNetworkAccess": None, "siteAuthEnabled": True,
            "siteAuthSettings": {"enabled": None, "unauthenticatedClientAction": None, "tokenStoreEnabled": None,
                                 "allowedExternalRedirectUrls": None, "defaultProvider": None, "clientId": None,
                                 "clientSecret": None, "clientSecretSettingName": None, "issuer": None,
                                 "allowedAudiences": None, "isAadAutoProvisioned": False, "aadClaimsAuthorization": None},
            "cors": None, "push": None, "apiDefinition": None, "apiManagementConfig": None, "autoSwapSlotName": None,
            "localMySqlEnabled": False, "managedServiceIdentityId": None, "xManagedServiceIdentityId": None,
            "keyVaultReferenceIdentity": None,
            "ipSecurityRestrictions": [
                {"ipAddress": "203.0.113.0/24", "action": "Allow", "tag": "Default", "priority": 100, "name": "office",
                 "description": "Head office"},
                {"vnetSubnetResourceId": snet_web, "action": "Allow", "tag": "Default", "priority": 200, "name": "from-snet-web"},
                {"ipAddress": "AzureFrontDoor.Backend", "action": "Allow", "tag": "ServiceTag", "priority": 300,
                 "name": "frontdoor", "headers": {"x-azure-fdid": [_guid("fdid")]}},
                {"ipAddress": "198.51.100.66/32", "action": "Deny", "tag": "Default", "priority": 50, "name": "blocked-scanner"},
                {"ipAddress": "Any", "action": "Deny", "priority": 2147483647, "name": "Deny all", "description": "Deny all access"},
            ],
            "ipSecurityRestrictionsDefaultAction": "Deny",
            "scmIpSecurityRestrictions": [{"ipAddress": "Any", "action": "Allow", "priority": 2147483647, "name": "Allow all",
                                           "description": "Allow all access"}],
            "scmIpSecurityRestrictionsDefaultAction": "Allow", "scmIpSecurityRestrictionsUseMain": False,
            "http20Enabled": True, "minTlsVersion": "1.2", "minTlsCipherSuite": None, "scmMinTlsVersion": "1.2",
            "supportedTlsCipherSuites": None, "ftpsState": "FtpsOnly", "preWarmedInstanceCount": 0,
            "functionAppScaleLimit": 0, "elasticWebAppScaleLimit": 0, "healthCheckPath": "/healthz",
            "fileChangeAuditEnabled": False, "functionsRuntimeScaleMonitoringEnabled": False,
            "websiteTimeZone": None, "minimumElasticInstanceCount": 1, "azureStorageAccounts": {},
            "http20ProxyFlag": 0, "sitePort": None, "antivirusScanEnabled": False, "storageType": None,
            "sitePrivateLinkHostEnabled": False, "clusteringEnabled": False,
        },
    })  # fmt: skip
    d.respond(f"{portal}/config/authsettingsV2", {
        "id": f"{portal}/config/authsettingsV2", "name": "authsettingsV2", "type": "Microsoft.Web/sites/config",
        "location": "West Europe", "tags": env_prod,
        "properties": {
            "platform": {"enabled": True, "runtimeVersion": "~1"},
            "globalValidation": {"requireAuthentication": True, "unauthenticatedClientAction": "RedirectToLoginPage",
                                 "redirectToProvider": "azureactivedirectory", "excludedPaths": ["/healthz"]},
            "identityProviders": {
                "azureActiveDirectory": {
                    "enabled": True,
                    "registration": {"openIdIssuer": f"https://sts.windows.net/{TENANT_ID}/v2.0",
                                     "clientId": _guid("app", "portal"),
                                     "clientSecretSettingName": "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET"},
                    "login": {"disableWWWAuthenticate": False},
                    "validation": {"jwtClaimChecks": {}, "allowedAudiences": [f"api://{_guid('app', 'portal')}"],
                                   "defaultAuthorizationPolicy": {"allowedPrincipals": {}}},
                    "isAutoProvisioned": False,
                },
                "customOpenIdConnectProviders": {
                    "partner-idp": {
                        "enabled": True,
                        "registration": {"clientId": "partner-portal-client",
                                         "clientCredential": {"method": "ClientSecretPost",
                                                              "clientSecret": "fake-client-secret-0000-fake"},
                                         "openIdConnectConfiguration": {"wellKnownOpenIdConfiguration": "https://login.partner-acme.example/.well-known/openid-configuration"}},
                        "login": {"nameClaimType": "email", "scopes": ["openid", "email"]},
                    }
                },
            },
            "login": {"routes": {}, "tokenStore": {"enabled": True, "tokenRefreshExtensionHours": 72.0,
                                                   "fileSystem": {}, "azureBlobStorage": {}},
                      "preserveUrlFragmentsForLogins": False, "cookieExpiration": {"convention": "FixedTime", "timeToExpiration": "08:00:00"},
                      "nonce": {"validateNonce": True, "nonceExpirationInterval": "00:05:00"}},
            "httpSettings": {"requireHttps": True, "routes": {"apiPrefix": "/.auth"},
                             "forwardProxy": {"convention": "NoProxy"}},
        },
    })  # fmt: skip

    # ---- prod: integration (APIM, Service Bus, Functions, App Insights) ----------------------
    IP = "rg-integration-prod"
    asp_func = d.rid(P, IP, "Microsoft.Web/serverfarms", "asp-fab-func")
    d.add(P, IP, "Microsoft.Web/serverfarms", "asp-fab-func", {
        "serverFarmId": 4313, "name": "asp-fab-func", "workerSize": "Default", "workerSizeId": 0,
        "currentWorkerSize": "Default", "currentWorkerSizeId": 0, "currentNumberOfWorkers": 0, "status": "Ready",
        "webSpace": f"{IP}-WestEuropewebspace-Linux", "subscription": P, "maximumNumberOfWorkers": 200,
        "geoRegion": "West Europe", "numberOfSites": 1, "reserved": True, "isSpot": False, "kind": "functionapp",
        "resourceGroup": IP, "provisioningState": "Succeeded", "zoneRedundant": False,
    }, kind="functionapp", sku={"name": "Y1", "tier": "Dynamic", "size": "Y1", "family": "Y", "capacity": 0})  # fmt: skip
    d.storage(
        P, IP, "stfabfuncprod01", kind="StorageV2",
        acls={"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [], "defaultAction": "Allow"},
        containers=(("azure-webjobs-hosts", "None"), ("azure-webjobs-secrets", None)),
        shares=("func-fab-orders-content",), tables=("AzureFunctionsDiagnosticEvents202611",), tags=env_prod,
    )  # fmt: skip
    func = site(IP, "func-fab-orders", "functionapp,linux", asp_func, https=False,
                identity={"type": "UserAssigned", "userAssignedIdentities": d.uami(uami_app)},
                tags=T(env_prod, "func-fab-orders"))  # fmt: skip
    d.respond(f"{func}/config/web", {
        "id": f"{func}/config/web", "name": "func-fab-orders", "type": "Microsoft.Web/sites/config",
        "location": "West Europe", "tags": env_prod,
        "properties": {
            "numberOfWorkers": 1, "netFrameworkVersion": "v4.0", "linuxFxVersion": "PYTHON|3.11",
            "requestTracingEnabled": False, "remoteDebuggingEnabled": False, "httpLoggingEnabled": False,
            "logsDirectorySizeLimit": 35, "detailedErrorLoggingEnabled": False, "publishingUsername": "$func-fab-orders",
            "appSettings": [
                {"name": "FUNCTIONS_EXTENSION_VERSION", "value": "~4"},
                {"name": "FUNCTIONS_WORKER_RUNTIME", "value": "python"},
                {"name": "AzureWebJobsStorage", "value": "DefaultEndpointsProtocol=https;AccountName=stfabfuncprod01;AccountKey=fakeFuncStorageKey0000fake0000000000000000fake==;EndpointSuffix=core.windows.net"},
            ],
            "connectionStrings": [
                {"name": "ServiceBus", "connectionString": "Endpoint=sb://sb-fab-prod.servicebus.windows.net/;SharedAccessKeyName=orders-sender;SharedAccessKey=fakeSharedAccessKey000fake000=", "type": "Custom"},
            ],
            "scmType": "None", "use32BitWorkerProcess": False, "webSocketsEnabled": False, "alwaysOn": False,
            "appCommandLine": "", "managedPipelineMode": "Integrated",
            "virtualApplications": [{"virtualPath": "/", "physicalPath": "site\\wwwroot", "preloadEnabled": False, "virtualDirectories": None}],
            "loadBalancing": "LeastRequests", "experiments": {"rampUpRules": []}, "autoHealEnabled": False,
            "vnetRouteAllEnabled": False, "vnetPrivatePortsCount": 0,
            "cors": {"allowedOrigins": ["https://portal.azure.com"], "supportCredentials": False},
            "localMySqlEnabled": False,
            "ipSecurityRestrictions": [{"ipAddress": "Any", "action": "Allow", "priority": 2147483647, "name": "Allow all", "description": "Allow all access"}],
            "ipSecurityRestrictionsDefaultAction": None,
            "scmIpSecurityRestrictions": [{"ipAddress": "Any", "action": "Allow", "priority": 2147483647, "name": "Allow all", "description": "Allow all access"}],
            "scmIpSecurityRestrictionsUseMain": False, "http20Enabled": False, "minTlsVersion": "1.2",
            "scmMinTlsVersion": "1.2", "ftpsState": "AllAllowed", "preWarmedInstanceCount": 0,
            "functionAppScaleLimit": 200, "functionsRuntimeScaleMonitoringEnabled": False,
            "minimumElasticInstanceCount": 0, "azureStorageAccounts": {},
        },
    })  # fmt: skip
    d.respond(f"{func}/config/authsettingsV2", {
        "id": f"{func}/config/authsettingsV2", "name": "authsettingsV2", "type": "Microsoft.Web/sites/config",
        "location": "West Europe", "tags": env_prod,
        "properties": {
            "platform": {"enabled": False},
            "globalValidation": {"requireAuthentication": False, "unauthenticatedClientAction": "AllowAnonymous"},
            "identityProviders": None, "login": None, "httpSettings": None,
        },
    })  # fmt: skip
    sb = d.rid(P, IP, "Microsoft.ServiceBus/namespaces", "sb-fab-prod")
    d.add(P, IP, "Microsoft.ServiceBus/namespaces", "sb-fab-prod", {
        "minimumTlsVersion": "1.2", "publicNetworkAccess": "Enabled", "disableLocalAuth": False,
        "zoneRedundant": False, "provisioningState": "Succeeded", "metricId": f"{P}:sb-fab-prod",
        "createdAt": "2025-03-14T10:30:02.21Z", "updatedAt": "2026-09-01T07:44:10.03Z",
        "serviceBusEndpoint": "https://sb-fab-prod.servicebus.windows.net:443/", "status": "Active",
    }, sku={"name": "Standard", "tier": "Standard"}, tags=env_prod)  # fmt: skip
    sb_sys = {"lastModifiedAt": "2026-11-25T03:12:44.5Z" if w1 else "2026-11-02T11:20:00.1Z",
              "lastModifiedBy": "func-fab-orders", "lastModifiedByType": "Application"}  # fmt: skip
    d.respond(f"{sb}/authorizationRules", [
        {"id": f"{sb}/authorizationRules/RootManageSharedAccessKey", "name": "RootManageSharedAccessKey",
         "type": "Microsoft.ServiceBus/Namespaces/AuthorizationRules", "location": "West Europe",
         "properties": {"rights": ["Listen", "Manage", "Send"]}},
        {"id": f"{sb}/authorizationRules/orders-sender", "name": "orders-sender",
         "type": "Microsoft.ServiceBus/Namespaces/AuthorizationRules", "location": "West Europe",
         "properties": {"rights": ["Send"]}},
    ])  # fmt: skip
    d.respond(f"{sb}/queues", [
        {"id": f"{sb}/queues/{q}", "name": q, "type": "Microsoft.ServiceBus/Namespaces/Queues",
         "location": "westeurope", "systemData": sb_sys,
         "properties": {"maxMessageSizeInKilobytes": 256, "lockDuration": "PT1M", "maxSizeInMegabytes": 1024,
                        "requiresDuplicateDetection": False, "requiresSession": False,
                        "defaultMessageTimeToLive": "P14D", "deadLetteringOnMessageExpiration": True,
                        "duplicateDetectionHistoryTimeWindow": "PT10M", "maxDeliveryCount": 10, "sizeInBytes": 0,
                        "messageCount": 0, "status": "Active", "enableBatchedOperations": True,
                        "autoDeleteOnIdle": "P10675199DT2H48M5.4775807S", "enablePartitioning": False,
                        "enableExpress": False, "createdAt": "2025-03-14T10:31:00Z",
                        "updatedAt": sb_sys["lastModifiedAt"], "accessedAt": sb_sys["lastModifiedAt"]}}
        for q in ("orders", "orders-replay")
    ])  # fmt: skip
    d.respond(f"{sb}/topics", [
        {"id": f"{sb}/topics/events", "name": "events", "type": "Microsoft.ServiceBus/Namespaces/Topics",
         "location": "westeurope", "systemData": sb_sys,
         "properties": {"maxMessageSizeInKilobytes": 256, "defaultMessageTimeToLive": "P14D", "maxSizeInMegabytes": 1024,
                        "requiresDuplicateDetection": False, "enableBatchedOperations": True, "sizeInBytes": 0,
                        "status": "Active", "supportOrdering": True, "enablePartitioning": False,
                        "enableExpress": False, "subscriptionCount": 2, "createdAt": "2025-03-14T10:31:30Z",
                        "updatedAt": sb_sys["lastModifiedAt"], "accessedAt": sb_sys["lastModifiedAt"]}},
    ])  # fmt: skip
    apim = d.rid(P, IP, "Microsoft.ApiManagement/service", "apim-fab-prod")
    d.add(P, IP, "Microsoft.ApiManagement/service", "apim-fab-prod", {
        "publisherEmail": "api@fabrikam.example", "publisherName": "Fabrikam", "notificationSenderEmail": "apimgmt-noreply@mail.windowsazure.com",
        "provisioningState": "Succeeded", "targetProvisioningState": "", "createdAtUtc": "2025-03-14T11:02:10.1234567Z",
        "gatewayUrl": "https://apim-fab-prod.azure-api.net", "gatewayRegionalUrl": "https://apim-fab-prod-westeurope-01.regional.azure-api.net",
        "portalUrl": "https://apim-fab-prod.portal.azure-api.net", "developerPortalUrl": "https://apim-fab-prod.developer.azure-api.net",
        "managementApiUrl": "https://apim-fab-prod.management.azure-api.net", "scmUrl": "https://apim-fab-prod.scm.azure-api.net",
        "hostnameConfigurations": [{"type": "Proxy", "hostName": "apim-fab-prod.azure-api.net", "negotiateClientCertificate": False,
                                    "defaultSslBinding": True, "certificateSource": "BuiltIn"}],
        "publicIPAddresses": ["20.50.110.12"], "privateIPAddresses": None,
        "additionalLocations": None,
        "virtualNetworkConfiguration": {"subnetResourceId": snet_apim},
        "customProperties": {"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "False",
                             "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11": "False"},
        "virtualNetworkType": "External", "certificates": None, "disableGateway": False, "natGatewayState": "Disabled",
        "apiVersionConstraint": {"minApiVersion": None}, "publicIpAddressId": None, "publicNetworkAccess": "Enabled",
        "platformVersion": "stv2",
    }, sku={"name": "Developer", "capacity": 1}, identity=d.msi("apim-fab-prod"), tags=env_prod)  # fmt: skip
    api_names = {"echo-api": "Echo API", "orders-api": "Orders API"}
    d.respond(f"{apim}/apis", [
        {"id": f"{apim}/apis/{a}", "type": "Microsoft.ApiManagement/service/apis", "name": a,
         "properties": {"displayName": dn, "apiRevision": "1", "description": None, "subscriptionRequired": True,
                        "serviceUrl": "https://func-fab-orders.azurewebsites.net/api" if a == "orders-api" else "http://echoapi.cloudapp.net/api",
                        "path": a.removesuffix("-api"), "protocols": ["https"], "authenticationSettings": {"oAuth2": None, "openid": None},
                        "subscriptionKeyParameterNames": {"header": "Ocp-Apim-Subscription-Key", "query": "subscription-key"},
                        "isCurrent": True}}
        for a, dn in api_names.items()
    ])  # fmt: skip
    d.respond(f"{apim}/certificates", [
        {"id": f"{apim}/certificates/backend-mtls", "type": "Microsoft.ApiManagement/service/certificates",
         "name": "backend-mtls", "properties": {"subject": "CN=orders-backend.fabrikam.example",
                                                "thumbprint": "9A1C4B0D5E2F7A3B6C8D1E4F0A2B5C7D9E1F3A4B",
                                                "expirationDate": "2027-03-14T00:00:00Z", "keyVault": None}},
    ])  # fmt: skip
    products = {
        "starter": ("Starter", ["echo-api"]),
        "unlimited": ("Unlimited", ["echo-api", "orders-api"]),
    }
    d.respond(f"{apim}/products", [
        {"id": f"{apim}/products/{p}", "type": "Microsoft.ApiManagement/service/products", "name": p,
         "properties": {"displayName": dn, "description": f"{dn} tier", "subscriptionRequired": True,
                        "approvalRequired": p == "unlimited", "subscriptionsLimit": 1 if p == "starter" else None,
                        "state": "published"}}
        for p, (dn, _) in products.items()
    ])  # fmt: skip
    for p, (_, apis) in products.items():
        d.respond(f"{apim}/products/{p}/apis", [
            {"id": f"{apim}/products/{p}/apis/{a}", "type": "Microsoft.ApiManagement/service/products/apis", "name": a,
             "properties": {"displayName": api_names[a], "apiRevision": "1", "path": a.removesuffix("-api"),
                            "protocols": ["https"], "isCurrent": True}}
            for a in apis
        ])  # fmt: skip
    d.respond(f"{apim}/users", [
        {"id": f"{apim}/users/1", "type": "Microsoft.ApiManagement/service/users", "name": "1",
         "properties": {"firstName": "Administrator", "lastName": "", "email": "api@fabrikam.example", "state": "active",
                        "registrationDate": "2025-03-14T11:02:10.18Z", "note": None, "identities": [{"provider": "Azure", "id": "api@fabrikam.example"}]}},
        {"id": f"{apim}/users/partner-acme", "type": "Microsoft.ApiManagement/service/users", "name": "partner-acme",
         "properties": {"firstName": "Acme", "lastName": "Integrations", "email": "dev@partner-acme.example", "state": "active",
                        "registrationDate": "2025-05-02T09:00:00Z", "note": None, "identities": [{"provider": "Basic", "id": "dev@partner-acme.example"}]}},
    ])  # fmt: skip
    d.respond(f"{apim}/subscriptions", [
        {"id": f"{apim}/subscriptions/master", "type": "Microsoft.ApiManagement/service/subscriptions", "name": "master",
         "properties": {"ownerId": None, "scope": f"{apim}/", "displayName": "Built-in all-access subscription",
                        "state": "active", "createdDate": "2025-03-14T11:02:10.2Z", "allowTracing": False}},
        {"id": f"{apim}/subscriptions/acme-starter", "type": "Microsoft.ApiManagement/service/subscriptions", "name": "acme-starter",
         "properties": {"ownerId": f"{apim}/users/partner-acme", "scope": f"{apim}/products/starter",
                        "displayName": "Acme starter", "state": "active", "createdDate": "2025-05-02T09:05:00Z",
                        "allowTracing": False}},
    ])  # fmt: skip
    law = d.rid(P, IP, "Microsoft.OperationalInsights/workspaces", "log-fab-prod")
    d.add(P, IP, "Microsoft.OperationalInsights/workspaces", "log-fab-prod", {
        "customerId": _guid("law"), "provisioningState": "Succeeded", "sku": {"name": "PerGB2018", "lastSkuUpdate": "2025-03-14T10:20:00Z"},
        "retentionInDays": 30, "features": {"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": True},
        "workspaceCapping": {"dailyQuotaGb": -1.0, "quotaNextResetTime": "2026-11-20T17:00:00Z", "dataIngestionStatus": "RespectQuota"},
        "publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Enabled",
        "createdDate": "2025-03-14T10:20:00Z", "modifiedDate": "2025-03-14T10:20:00Z",
    }, tags=env_prod)  # fmt: skip
    appi = d.rid(P, IP, "microsoft.insights/components", "appi-fab-portal")
    app_id = _guid("appi", "appId")
    d.add(P, IP, "microsoft.insights/components", "appi-fab-portal", {
        "ApplicationId": "appi-fab-portal", "AppId": app_id, "Application_Type": "web", "Flow_Type": "Redfield",
        "Request_Source": "IbizaAIExtension", "InstrumentationKey": _guid("ikey", "portal"),
        "ConnectionString": f"InstrumentationKey={_guid('ikey', 'portal')};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId={app_id}",
        "Name": "appi-fab-portal", "CreationDate": "2025-03-14T10:25:31.0000000+00:00", "TenantId": P,
        "provisioningState": "Succeeded", "SamplingPercentage": None, "RetentionInDays": 90,
        "WorkspaceResourceId": law, "IngestionMode": "LogAnalytics",
        "publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Enabled", "Ver": "v2",
    }, kind="web", tags={**env_prod, f"hidden-link:{portal}": "Resource"})  # fmt: skip
    d.respond(
        f"{appi}/providers/microsoft.insights/topology", _topology(week, portal, func, app_id)
    )

    # ---- prod: data ---------------------------------------------------------------------------
    DP = "rg-data-prod"
    d.storage(
        P, DP, "stfabproddata01", kind="StorageV2", sku="Standard_GRS",
        acls={"bypass": "AzureServices", "virtualNetworkRules": [{"id": snet_data, "action": "Allow", "state": "Succeeded"}],
              "ipRules": [], "defaultAction": "Allow"},
        containers=(("backups", "Container"), ("exports", "None"), ("raw", None)),
        shares=(), tables=(), queues=(), tags=env_prod,
    )  # fmt: skip
    d.add(P, DP, "Microsoft.DocumentDB/databaseAccounts", "cosmos-fab-prod", {
        "provisioningState": "Succeeded", "documentEndpoint": "https://cosmos-fab-prod.documents.azure.com:443/",
        "sqlEndpoint": "https://cosmos-fab-prod.documents.azure.com:443/", "publicNetworkAccess": "Enabled",
        "enableAutomaticFailover": True, "enableMultipleWriteLocations": False, "enablePartitionKeyMonitor": False,
        "isVirtualNetworkFilterEnabled": True,
        "virtualNetworkRules": [{"id": _upper_rg(snet_data), "ignoreMissingVNetServiceEndpoint": False}],
        "EnabledApiTypes": "Sql", "disableKeyBasedMetadataWriteAccess": False, "enableFreeTier": False,
        "enableAnalyticalStorage": False, "analyticalStorageConfiguration": {"schemaType": "WellDefined"},
        "instanceId": _guid("cosmos"), "databaseAccountOfferType": "Standard", "defaultIdentity": "FirstPartyIdentity",
        "networkAclBypass": "None", "disableLocalAuth": False, "minimalTlsVersion": "Tls12",
        "consistencyPolicy": {"defaultConsistencyLevel": "Session", "maxIntervalInSeconds": 5, "maxStalenessPrefix": 100},
        "configurationOverrides": {}, "writeLocations": [{"id": "cosmos-fab-prod-westeurope", "locationName": "West Europe",
            "documentEndpoint": "https://cosmos-fab-prod-westeurope.documents.azure.com:443/", "provisioningState": "Succeeded",
            "failoverPriority": 0, "isZoneRedundant": False}],
        "readLocations": [{"id": "cosmos-fab-prod-westeurope", "locationName": "West Europe", "failoverPriority": 0}],
        "locations": [{"id": "cosmos-fab-prod-westeurope", "locationName": "West Europe", "failoverPriority": 0}],
        "failoverPolicies": [{"id": "cosmos-fab-prod-westeurope", "locationName": "West Europe", "failoverPriority": 0}],
        "cors": [], "capabilities": [], "ipRules": [{"ipAddressOrRange": "203.0.113.0/24"}, {"ipAddressOrRange": "104.42.195.92"}],
        "backupPolicy": {"type": "Periodic", "periodicModeProperties": {"backupIntervalInMinutes": 240,
                         "backupRetentionIntervalInHours": 8, "backupStorageRedundancy": "Geo"}},
        "networkAclBypassResourceIds": [], "keysMetadata": {"primaryMasterKey": {"generationTime": "2025-03-14T10:40:00Z"}},
    }, kind="GlobalDocumentDB", tags=T({**env_prod, "defaultExperience": "Core (SQL)"}, "cosmos-fab-prod"))  # fmt: skip

    def pe_conn(target: str, pe: str, group: str) -> dict[str, Any]:
        return {"id": f"{target}/privateEndpointConnections/{pe.rsplit('/', 1)[-1]}-{_guid(pe)}",
                "properties": {"privateEndpoint": {"id": pe}, "groupIds": [group],
                               "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-approved",
                                                                     "actionsRequired": "None"},
                               "provisioningState": "Ready"}}  # fmt: skip

    d.add(P, DP, "Microsoft.Sql/servers", "sql-fab-prod", {
        "administratorLogin": "fabsqladmin", "version": "12.0", "state": "Ready",
        "fullyQualifiedDomainName": "sql-fab-prod.database.windows.net",
        "privateEndpointConnections": [pe_conn(sql_id, pe_sql, "sqlServer")],
        "minimalTlsVersion": "1.2", "publicNetworkAccess": "Enabled", "restrictOutboundNetworkAccess": "Disabled",
        "administrators": {"administratorType": "ActiveDirectory", "principalType": "Group", "login": "sg-dba",
                           "sid": g.id("sg-dba"), "tenantId": TENANT_ID, "azureADOnlyAuthentication": False},
    }, kind="v12.0", identity=d.msi("sql-fab-prod"), tags=T(env_prod, "sql-fab-prod"))  # fmt: skip
    dbs = [("master", "System0", "System", 0, "v12.0,system"), ("fabdb", "GP_Gen5", "GeneralPurpose", 2, "v12.0,user,vcore"),
           ("fabdb-reporting", "Standard", "Standard", 10, "v12.0,user")]  # fmt: skip
    restore = "2026-11-13T08:00:00Z" if not w1 else "2026-11-20T08:00:00Z"
    db_bodies = []
    for n, skuname, tier, cap, kind in dbs:
        body: dict[str, Any] = {
            "sku": {"name": skuname, "tier": tier, "capacity": cap}, "kind": kind,
            "properties": {"collation": "SQL_Latin1_General_CP1_CI_AS", "maxSizeBytes": 34359738368,
                           "status": "Online", "databaseId": _guid(sql_id, n), "creationDate": "2025-03-14T10:45:00Z",
                           "currentServiceObjectiveName": f"{skuname}_{cap}" if tier == "GeneralPurpose" else ("S2" if tier == "Standard" else "System0"),
                           "defaultSecondaryLocation": "northeurope", "catalogCollation": "SQL_Latin1_General_CP1_CI_AS",
                           "zoneRedundant": False, "readScale": "Disabled", "isLedgerOn": False,
                           "currentBackupStorageRedundancy": "Geo", "requestedBackupStorageRedundancy": "Geo"}
            | ({"earliestRestoreDate": restore} if tier != "System" else {}),
            "location": "westeurope", "id": f"{sql_id}/databases/{n}", "name": n, "type": "Microsoft.Sql/servers/databases",
        }  # fmt: skip
        db_bodies.append(body)
        row = d.add(P, DP, "Microsoft.Sql/servers/databases", f"sql-fab-prod/{n}", copy.deepcopy(body["properties"]),
                    kind=kind, sku=body["sku"], tags=None if n == "master" else env_prod, managed_by="")  # fmt: skip
        row["id"] = f"{sql_id}/databases/{n}"
    d.respond(f"{sql_id}/databases", db_bodies)
    d.respond(f"{sql_id}/virtualNetworkRules", [
        {"id": f"{sql_id}/virtualNetworkRules/allow-snet-data", "name": "allow-snet-data",
         "type": "Microsoft.Sql/servers/virtualNetworkRules",
         "properties": {"virtualNetworkSubnetId": _upper_rg(snet_data), "ignoreMissingVnetServiceEndpoint": False, "state": "Ready"}},
    ])  # fmt: skip
    d.respond(f"{sql_id}/firewallRules", [
        {"id": f"{sql_id}/firewallRules/{n}", "name": n, "type": "Microsoft.Sql/servers/firewallRules",
         "properties": {"startIpAddress": a, "endIpAddress": b}}
        for n, a, b in (("AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0"), ("office", "203.0.113.10", "203.0.113.14"),
                        ("vpn-range", "198.51.100.0", "198.51.100.255"), ("consultant-home", "192.0.2.77", "192.0.2.77"))
    ])  # fmt: skip
    d.respond(f"{sql_id}/administrators", [
        {"id": f"{sql_id}/administrators/ActiveDirectory", "name": "ActiveDirectory",
         "type": "Microsoft.Sql/servers/administrators",
         "properties": {"administratorType": "ActiveDirectory", "login": "sg-dba", "sid": g.id("sg-dba"),
                        "tenantId": TENANT_ID, "azureADOnlyAuthentication": False}},
    ])  # fmt: skip
    psql = d.rid(P, DP, "Microsoft.DBforPostgreSQL/servers", "psql-fab-prod")
    d.db_server(P, DP, "DBforMySQL", "mysql-fab-prod", public="Enabled",
                firewall=[("AllowAllAzureIps", "0.0.0.0", "0.0.0.0"), ("office", "203.0.113.0", "203.0.113.255")],
                admins=[("sg-dba", g.id("sg-dba"))], tags=env_prod)  # fmt: skip
    d.db_server(P, DP, "DBforPostgreSQL", "psql-fab-prod", public="Disabled",
                firewall=[("reporting-vm", "10.1.2.20", "10.1.2.24")], admins=[],
                pe=[pe_conn(psql, pe_psql, "postgresqlServer")], tags=env_prod)  # fmt: skip
    maria_rg = "rg-app-staging" if w1 else DP
    d.db_server(P, maria_rg, "DBforMariaDB", "mariadb-fab-legacy", public="Enabled",
                firewall=[("legacy-app", "10.1.2.4", "10.1.2.8"), ("reversed", "10.1.2.9", "10.1.2.5")],
                admins=None, tags={"environment": "legacy"})  # fmt: skip

    def private_endpoint(name: str, target: str, group: str, ip: str, fqdn: str) -> None:
        pe = d.rid(P, DP, f"{net}/privateEndpoints", name)
        nic_name = f"{name}.nic.{_guid(pe, 'nic')}"
        nic_id = d.nic(P, DP, nic_name, subnet=snet_pe, ip=ip, ipconfig=f"privateEndpointIpConfig.{_guid(pe, 'cfg')}",
                       extra={"privateEndpoint": {"id": pe}})  # fmt: skip
        d.add(P, DP, f"{net}/privateEndpoints", name, {
            "provisioningState": "Succeeded", "resourceGuid": _guid(pe), "subnet": {"id": snet_pe},
            "networkInterfaces": [{"id": nic_id}], "ipConfigurations": [], "customNetworkInterfaceName": "",
            "privateLinkServiceConnections": [{
                "name": name, "id": f"{pe}/privateLinkServiceConnections/{name}", "etag": d.etag(pe),
                "type": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
                "properties": {"provisioningState": "Succeeded", "privateLinkServiceId": target, "groupIds": [group],
                               "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-approved",
                                                                     "actionsRequired": "None"}}}],
            "manualPrivateLinkServiceConnections": [],
            "customDnsConfigs": [{"fqdn": fqdn, "ipAddresses": [ip]}],
        }, tags=env_prod)  # fmt: skip

    private_endpoint(
        "pe-sql-fab-prod", sql_id, "sqlServer", "10.1.4.4", "sql-fab-prod.database.windows.net"
    )
    private_endpoint(
        "pe-psql-fab-prod",
        psql,
        "postgresqlServer",
        "10.1.4.5",
        "psql-fab-prod.postgres.database.azure.com",
    )

    # ---- prod: AKS and registry ----------------------------------------------------------------
    AK = "rg-aks-prod"
    d.add(P, AK, "Microsoft.ContainerRegistry/registries", "crfabprod", {
        "loginServer": "crfabprod.azurecr.io", "creationDate": "2025-03-14T11:10:00.1234567Z",
        "provisioningState": "Succeeded", "adminUserEnabled": True,
        "networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}],
                           "virtualNetworkRules": []},
        "policies": {"quarantinePolicy": {"status": "disabled"}, "trustPolicy": {"type": "Notary", "status": "disabled"},
                     "retentionPolicy": {"days": 7, "lastUpdatedTime": "2025-03-14T11:10:03.0+00:00", "status": "disabled"},
                     "exportPolicy": {"status": "enabled"}, "azureADAuthenticationAsArmPolicy": {"status": "enabled"}},
        "encryption": {"status": "disabled"}, "status": None, "dataEndpointEnabled": False, "dataEndpointHostNames": [],
        "privateEndpointConnections": [], "publicNetworkAccess": "Enabled", "networkRuleBypassOptions": "AzureServices",
        "zoneRedundancy": "Disabled", "anonymousPullEnabled": False,
    }, sku={"name": "Premium", "tier": "Premium"}, identity=d.msi("crfabprod"), tags=env_prod)  # fmt: skip
    aks_ssh = _ssh_key("azureuser@aks-fab-prod")
    pip_aks = d.pip(P, mc_rg, _guid("aks", "outbound"), "20.67.150.9", zones=["1", "2", "3"],
                    tags={"aks-managed-cluster-name": "aks-fab-prod", "aks-managed-cluster-rg": AK,
                          "aks-managed-type": "aks-slb-managed-outbound-ip"})  # fmt: skip
    lb = d.rid(P, mc_rg, f"{net}/loadBalancers", "kubernetes")
    d.add(P, mc_rg, "Microsoft.Network/loadBalancers", "kubernetes", {
        "provisioningState": "Succeeded", "resourceGuid": _guid(lb),
        "frontendIPConfigurations": [{"name": _guid("aks", "fe"), "id": f"{lb}/frontendIPConfigurations/{_guid('aks', 'fe')}",
                                      "etag": d.etag(lb, "fe"), "type": "Microsoft.Network/loadBalancers/frontendIPConfigurations",
                                      "properties": {"provisioningState": "Succeeded", "publicIPAddress": {"id": pip_aks},
                                                     "outboundRules": [{"id": f"{lb}/outboundRules/aksOutboundRule"}]}}],
        "backendAddressPools": [{"name": "kubernetes", "id": f"{lb}/backendAddressPools/kubernetes", "etag": d.etag(lb, "pool"),
                                 "type": "Microsoft.Network/loadBalancers/backendAddressPools",
                                 "properties": {"provisioningState": "Succeeded", "loadBalancerBackendAddresses": []}}],
        "loadBalancingRules": [], "probes": [], "inboundNatRules": [], "inboundNatPools": [],
        "outboundRules": [{"name": "aksOutboundRule", "id": f"{lb}/outboundRules/aksOutboundRule", "etag": d.etag(lb, "or"),
                           "type": "Microsoft.Network/loadBalancers/outboundRules",
                           "properties": {"provisioningState": "Succeeded", "allocatedOutboundPorts": 0, "protocol": "All",
                                          "enableTcpReset": True, "idleTimeoutInMinutes": 30,
                                          "backendAddressPool": {"id": f"{lb}/backendAddressPools/kubernetes"},
                                          "frontendIPConfigurations": [{"id": f"{lb}/frontendIPConfigurations/{_guid('aks', 'fe')}"}]}}],
    }, sku={"name": "Standard", "tier": "Regional"}, tags={"aks-managed-cluster-name": "aks-fab-prod", "aks-managed-cluster-rg": AK})  # fmt: skip
    d.add(P, mc_rg, "Microsoft.ManagedIdentity/userAssignedIdentities", "aks-fab-prod-agentpool", {
        "tenantId": TENANT_ID, "principalId": d.principal("uami:aks-fab-prod-agentpool"),
        "clientId": _guid("client", "aks-fab-prod-agentpool"),
    })  # fmt: skip
    nsg_aks = d.nsg(
        P,
        mc_rg,
        "aks-agentpool-11223344-nsg",
        [],
        tags={"aks-managed-cluster-name": "aks-fab-prod"},
    )
    aks_tags = {"aks-managed-cluster-name": "aks-fab-prod", "aks-managed-cluster-rg": AK,
                "aks-managed-orchestrator": "Kubernetes:1.29.7", "aks-managed-poolName": "system",
                "aks-managed-resourceNameSuffix": "11223344"}  # fmt: skip
    d.vmss(
        P, mc_rg, "aks-system-11223344-vmss", sku="Standard_D4s_v5", capacity=3, ssh_keys=(aks_ssh,),
        nic_configs=[{"name": "aks-system-11223344-vmss", "properties": {
            "primary": True, "enableAcceleratedNetworking": True, "disableTcpStateTracking": False,
            "networkSecurityGroup": {"id": _upper_rg(nsg_aks)}, "dnsSettings": {"dnsServers": []}, "enableIPForwarding": True,
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "primary": True, "subnet": {"id": _upper_rg(snet_aks)}, "privateIPAddressVersion": "IPv4",
                "loadBalancerBackendAddressPools": [{"id": f"{_upper_rg(lb)}/backendAddressPools/kubernetes"}]}}]}}],
        data_disks=None, identity={"type": "UserAssigned", "userAssignedIdentities": d.uami(uami_kubelet)},
        image={"id": "/subscriptions/109a5e88-712a-48ae-9078-9ca8b3c81345/resourceGroups/AKS-Ubuntu/providers/Microsoft.Compute/galleries/AKSUbuntu/images/2204gen2containerd/versions/202410.15.0"},
        tags=aks_tags,
    )  # fmt: skip
    d.add(P, AK, "Microsoft.ContainerService/managedClusters", "aks-fab-prod", {
        "provisioningState": "Succeeded", "powerState": {"code": "Running"}, "kubernetesVersion": "1.29.7",
        "currentKubernetesVersion": "1.29.7", "dnsPrefix": "aks-fab-prod-dns",
        "fqdn": "aks-fab-prod-dns-x7k2q9pd.hcp.westeurope.azmk8s.io",
        "azurePortalFQDN": "aks-fab-prod-dns-x7k2q9pd.portal.hcp.westeurope.azmk8s.io",
        "agentPoolProfiles": [
            {"name": "system", "count": 3, "vmSize": "Standard_D4s_v5", "osDiskSizeGB": 128, "osDiskType": "Managed",
             "kubeletDiskType": "OS", "vnetSubnetID": _upper_rg(snet_aks), "maxPods": 30, "type": "VirtualMachineScaleSets",
             "enableAutoScaling": False, "provisioningState": "Succeeded", "powerState": {"code": "Running"},
             "orchestratorVersion": "1.29.7", "currentOrchestratorVersion": "1.29.7", "enableNodePublicIP": False,
             "mode": "System", "osType": "Linux", "osSKU": "Ubuntu", "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202410.15.0",
             "upgradeSettings": {"maxSurge": "10%"}, "enableFIPS": False},
            {"name": "user", "count": 2, "vmSize": "Standard_D8s_v5", "osDiskSizeGB": 128, "osDiskType": "Managed",
             "kubeletDiskType": "OS", "vnetSubnetID": _upper_rg(snet_aks), "maxPods": 30, "type": "VirtualMachineScaleSets",
             "enableAutoScaling": True, "minCount": 2, "maxCount": 6, "provisioningState": "Succeeded",
             "powerState": {"code": "Running"}, "orchestratorVersion": "1.28.12", "currentOrchestratorVersion": "1.28.12",
             "enableNodePublicIP": False, "mode": "User", "osType": "Linux", "osSKU": "Ubuntu", "enableFIPS": False},
        ],
        "linuxProfile": {"adminUsername": "azureuser", "ssh": {"publicKeys": [{"keyData": aks_ssh}]}},
        "servicePrincipalProfile": {"clientId": "msi"},
        "addonProfiles": {"azureKeyvaultSecretsProvider": {"enabled": True, "config": {"enableSecretRotation": "false"}},
                          "azurepolicy": {"enabled": False, "config": None},
                          "omsagent": {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": law}}},
        "nodeResourceGroup": mc_rg, "enableRBAC": True, "supportPlan": "KubernetesOfficial",
        "networkProfile": {"networkPlugin": "azure", "networkPolicy": "calico", "loadBalancerSku": "standard",
                           "loadBalancerProfile": {"managedOutboundIPs": {"count": 1}, "effectiveOutboundIPs": [{"id": pip_aks}],
                                                   "backendPoolType": "nodeIPConfiguration"},
                           "serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.10", "outboundType": "loadBalancer",
                           "serviceCidrs": ["172.16.0.0/16"], "ipFamilies": ["IPv4"]},
        "aadProfile": {"managed": True, "adminGroupObjectIDs": [g.id("sg-aks-admins")], "adminUsers": None,
                       "enableAzureRBAC": True, "tenantID": TENANT_ID},
        "maxAgentPools": 100,
        "apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24", "198.51.100.17/32"], "enablePrivateCluster": False},
        "identityProfile": {"kubeletidentity": {"resourceId": uami_kubelet, "clientId": _guid("client", "aks-fab-prod-agentpool"),
                                                "objectId": d.principal("uami:aks-fab-prod-agentpool")}},
        "autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"},
        "disableLocalAccounts": True, "securityProfile": {}, "storageProfile": {"diskCSIDriver": {"enabled": True},
            "fileCSIDriver": {"enabled": True}, "snapshotController": {"enabled": True}},
        "oidcIssuerProfile": {"enabled": False}, "workloadAutoScalerProfile": {}, "resourceUID": _hex("aks", n=24),
    }, sku={"name": "Base", "tier": "Standard"}, identity=d.msi("aks-fab-prod"), tags=T(env_prod, "aks-fab-prod"))  # fmt: skip

    _backrefs(d.rows)
    d.rows.sort(key=lambda r: r["id"].lower())

    # ---- containers, subscriptions, management groups, RBAC, groups -----------------------------
    rgs = [
        (P, "rg-app-prod", "westeurope", env_prod, ""),
        (P, "rg-app-staging", "westeurope", env_stg, ""),
        (P, "rg-data-prod", "westeurope", env_prod, ""),
        (P, "rg-integration-prod", "westeurope", env_prod, ""),
        (P, "rg-aks-prod", "westeurope", env_prod, ""),
        (
            P,
            mc_rg,
            "westeurope",
            {"aks-managed-cluster-name": "aks-fab-prod", "aks-managed-cluster-rg": AK},
            aks_id,
        ),
        (S, "rg-network-hub", "westeurope", env_shared, ""),
        (S, "rg-mgmt", "westeurope", env_shared, ""),
        (S, "NetworkWatcherRG", "westeurope", None, ""),
    ]
    mgs = _MgTree(week)
    subs_meta = [
        (P, "fabrikam-prod", "mg-corp", env_prod),
        (S, "fabrikam-shared", "mg-platform", env_shared),
    ]
    subscriptions = [
        {
            "id": f"/subscriptions/{sid}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "tags": tags,
            "subscriptionId": sid,
            "tenantId": TENANT_ID,
            "displayName": name,
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "EnterpriseAgreement_2014-09-01",
                "spendingLimit": "Off",
            },
        }
        for sid, name, _, tags in subs_meta
    ]
    containers: list[dict[str, Any]] = []
    for sid, name, mg, tags in subs_meta:
        containers.append(
            {
                "id": f"/subscriptions/{sid}",
                "name": name,
                "type": "microsoft.resources/subscriptions",
                "tenantId": TENANT_ID,
                "kind": "",
                "location": "",
                "resourceGroup": "",
                "subscriptionId": sid,
                "managedBy": "",
                "sku": None,
                "plan": None,
                "properties": {
                    "subscriptionPolicies": {
                        "locationPlacementId": "Public_2014-09-01",
                        "quotaId": "EnterpriseAgreement_2014-09-01",
                        "spendingLimit": "Off",
                    },
                    "managementGroupAncestorsChain": [
                        {"displayName": mgs.display[m], "name": m}
                        for m in mgs.ancestors(mg, include_self=True)
                    ],
                    "state": "Enabled",
                },
                "tags": tags,
                "identity": None,
                "zones": None,
                "extendedLocation": None,
            }
        )
    for sid, rg, loc, rg_tags, managed_by in rgs:
        containers.append(
            {
                "id": f"/subscriptions/{sid}/resourceGroups/{rg}",
                "name": rg,
                "type": "microsoft.resources/subscriptions/resourcegroups",
                "tenantId": TENANT_ID,
                "kind": "",
                "location": loc,
                "resourceGroup": rg.lower(),
                "subscriptionId": sid,
                "managedBy": managed_by,
                "sku": None,
                "plan": None,
                "properties": {"provisioningState": "Succeeded"},
                "tags": rg_tags,
                "identity": None,
                "zones": None,
                "extendedLocation": None,
            }
        )
    containers.sort(key=lambda r: r["id"].lower())

    role_defs, assignments = _rbac(week, g, P, S, mc_rg)
    by_scope = assignment_listings(
        assignments,
        {
            sid: [f"{_MG}{m}" for m in mgs.ancestors(mg, include_self=True)]
            for sid, _, mg, _ in subs_meta
        },
        [f"{_MG}{m}" for m in mgs.names()],
        _assignment,
    )

    return Tenant(
        tenant_id=TENANT_ID,
        subscriptions=subscriptions,
        containers=containers,
        resources=d.rows,
        management_groups=mgs.list_items(),
        mg_details=mgs.details(subs_meta),
        role_assignments=by_scope,
        role_definitions=role_defs,
        groups=g.members(),
        directory=g.directory(),
        responses=d.responses,
        forbidden=d.forbidden,
    )


# ---- back-references ---------------------------------------------------------------------------


def _backrefs(rows: list[dict[str, Any]]) -> None:
    """Fill the references Azure maintains on the other side: subnet ipConfigurations, NSG and
    route-table subnets / NICs, public IP ipConfiguration, NIC virtualMachine."""
    by_id = {r["id"].lower(): r for r in rows}

    def subnet(sid: str) -> dict[str, Any] | None:
        vnet_id, _, name = sid.lower().partition("/subnets/")
        vnet = by_id.get(vnet_id)
        for s in (vnet or {}).get("properties", {}).get("subnets", []):
            if s["name"].lower() == name:
                return s
        return None

    def push(target: str, key: str, ref: str) -> None:
        row = by_id.get(target.lower())
        if row is not None:
            row["properties"].setdefault(key, []).append({"id": ref})

    for r in rows:
        t, p = r["type"], r["properties"]
        if t == "microsoft.network/networkinterfaces":
            for cfg in p["ipConfigurations"]:
                s = subnet(cfg["properties"]["subnet"]["id"])
                if s is not None:
                    s["properties"].setdefault("ipConfigurations", []).append(
                        {"id": _upper_rg(cfg["id"])}
                    )
                pip = (cfg["properties"].get("publicIPAddress") or {}).get("id")
                if pip and pip.lower() in by_id:
                    by_id[pip.lower()]["properties"]["ipConfiguration"] = {
                        "id": _upper_rg(cfg["id"])
                    }
            if p.get("networkSecurityGroup"):
                push(p["networkSecurityGroup"]["id"], "networkInterfaces", _upper_rg(r["id"]))
        elif t == "microsoft.network/virtualnetworkgateways":
            for cfg in p["ipConfigurations"]:
                s = subnet(cfg["properties"]["subnet"]["id"])
                if s is not None:
                    s["properties"].setdefault("ipConfigurations", []).append(
                        {"id": _upper_rg(cfg["id"])}
                    )
                pip = cfg["properties"]["publicIPAddress"]["id"].lower()
                if pip in by_id:
                    by_id[pip]["properties"]["ipConfiguration"] = {"id": _upper_rg(cfg["id"])}
        elif t == "microsoft.network/loadbalancers":
            for fe in p["frontendIPConfigurations"]:
                pip = fe["properties"]["publicIPAddress"]["id"].lower()
                if pip in by_id:
                    by_id[pip]["properties"]["ipConfiguration"] = {"id": _upper_rg(fe["id"])}
        elif t == "microsoft.compute/virtualmachines":
            for n in p["networkProfile"]["networkInterfaces"]:
                nic = by_id.get(n["id"].lower())
                if nic is not None:
                    nic["properties"]["virtualMachine"] = {"id": _upper_rg(r["id"])}
        elif t == "microsoft.network/virtualnetworks":
            for s in p["subnets"]:
                sp = s["properties"]
                if sp.get("networkSecurityGroup"):
                    push(sp["networkSecurityGroup"]["id"], "subnets", _upper_rg(s["id"]))
                if sp.get("routeTable"):
                    push(sp["routeTable"]["id"], "subnets", _upper_rg(s["id"]))


# ---- App Insights application map ----------------------------------------------------------------


def _topology(week: int, portal: str, func: str, app_id: str) -> dict[str, Any]:
    """An application-map body: nodes (apps, their dependencies) and links (calls between them).

    No public sample exists; the shape follows the Application Map documentation: one node per
    cloud role or dependency target, one link per caller→callee edge, each with call counts,
    failures and mean duration over the requested timespan.
    """
    k = 1.07 if week else 1.0

    def stats(count: int, failed: int, ms: float) -> dict[str, Any]:
        return {
            "count": round(count * k),
            "failedCount": round(failed * k),
            "averageDurationMs": round(ms * k, 1),
        }

    nodes: list[dict[str, Any]] = [
        {"id": f"{app_id}|app-fab-portal", "nodeType": "application", "name": "app-fab-portal",
         "cloudRoleName": "app-fab-portal", "cloudRoleInstances": ["lw0sdlwk0000MC", "lw0sdlwk0001QF"],
         "appId": app_id, "resourceId": portal, "requests": stats(182734, 312, 143.2)},
        {"id": f"{app_id}|func-fab-orders", "nodeType": "application", "name": "func-fab-orders",
         "cloudRoleName": "func-fab-orders", "cloudRoleInstances": ["a1b2c3d4e5"], "appId": app_id,
         "resourceId": func, "requests": stats(40211, 57, 88.9)},
        {"id": "dependency|SQL|sql-fab-prod.database.windows.net|fabdb", "nodeType": "dependency",
         "dependencyType": "SQL", "name": "sql-fab-prod.database.windows.net | fabdb",
         "target": "sql-fab-prod.database.windows.net | fabdb", "isExternal": False},
        {"id": "dependency|Azure Service Bus|sb-fab-prod.servicebus.windows.net", "nodeType": "dependency",
         "dependencyType": "Azure Service Bus", "name": "sb-fab-prod", "target": "sb-fab-prod.servicebus.windows.net",
         "isExternal": False},
        {"id": "dependency|Azure blob|stfabprodapp01.blob.core.windows.net", "nodeType": "dependency",
         "dependencyType": "Azure blob", "name": "stfabprodapp01", "target": "stfabprodapp01.blob.core.windows.net",
         "isExternal": False},
        {"id": "dependency|HTTP|api.partner-acme.example", "nodeType": "dependency", "dependencyType": "HTTP",
         "name": "api.partner-acme.example", "target": "api.partner-acme.example", "isExternal": True},
        {"id": "client|browser", "nodeType": "client", "name": "Browser", "cloudRoleName": None},
    ]  # fmt: skip
    links = [
        ("client|browser", f"{app_id}|app-fab-portal", "HTTP", stats(182734, 312, 143.2)),
        (f"{app_id}|app-fab-portal", nodes[2]["id"], "SQL", stats(401122, 21, 12.4)),
        (f"{app_id}|app-fab-portal", nodes[4]["id"], "Azure blob", stats(91002, 4, 31.7)),
        (f"{app_id}|app-fab-portal", nodes[3]["id"], "Azure Service Bus", stats(40211, 0, 9.8)),
        (nodes[3]["id"], f"{app_id}|func-fab-orders", "Azure Service Bus", stats(40211, 57, 88.9)),
        (f"{app_id}|func-fab-orders", nodes[5]["id"], "HTTP", stats(38870, 912, 410.3)),
        (f"{app_id}|func-fab-orders", nodes[2]["id"], "SQL", stats(80422, 3, 15.1)),
    ]
    return {
        "nodes": nodes,
        "links": [
            {"id": f"{s}->{t}", "source": s, "target": t, "dependencyType": dt, "calls": st}
            for s, t, dt, st in links
        ],
    }


# ---- management groups ---------------------------------------------------------------------------


class _MgTree:
    def __init__(self, week: int):
        self.parent: dict[str, str | None] = {
            TENANT_ID: None,
            "mg-platform": TENANT_ID,
            "mg-landingzones": TENANT_ID,
            "mg-corp": "mg-landingzones",
            "mg-sandbox": "mg-landingzones" if week else TENANT_ID,
        }
        self.display = {
            TENANT_ID: "Tenant Root Group",
            "mg-platform": "Platform",
            "mg-landingzones": "Landing Zones",
            "mg-corp": "Corp",
            "mg-sandbox": "Sandbox",
        }
        self.updated = {m: _CREATED for m in self.parent}
        if week:
            self.updated["mg-sandbox"] = "2026-11-24T13:05:22.0000000Z"

    def names(self) -> list[str]:
        return list(self.parent)

    def ancestors(self, mg: str, include_self: bool = False) -> list[str]:
        out = [mg] if include_self else []
        p = self.parent[mg]
        while p:
            out.append(p)
            p = self.parent[p]
        return out

    def list_items(self) -> list[dict[str, Any]]:
        return [management_group_item(m, TENANT_ID, self.display[m]) for m in self.parent]

    def details(self, subs: list[tuple[str, str, str, Any]]) -> dict[str, dict[str, Any]]:
        return management_group_details(
            self.parent,
            self.display,
            [(sid, name, mg) for sid, name, mg, _ in subs],
            TENANT_ID,
            updated={m: (2 if t != _CREATED else 1, t) for m, t in self.updated.items()},
            by=_guid("principal", "alice.admin"),
        )


# ---- groups and principals -------------------------------------------------------------------------


class _Groups:
    """Users, service principals, devices and groups (Graph directory objects)."""

    USERS = (
        "alice.admin", "bob.ops", "carol.dev", "dan.dev", "dave.ops", "erin.data", "frank.analyst",
        "grace.sec", "heidi.contractor", "ivan.contractor", "breakglass01", "eve.contractor", "olga.dba",
    )  # fmt: skip
    SPS = ("sp-terraform", "sp-github-actions", "sp-backup-agent")
    DEVICES = ("dev-build-agent-01", "laptop-ivan-contractor")
    STAFF = 140

    def __init__(self, week: int):
        self.week = week

    @staticmethod
    def id(name: str) -> str:
        return _guid("principal", name)

    def user(self, name: str) -> dict[str, Any]:
        first, _, last = name.partition(".")
        return {
            "@odata.type": "#microsoft.graph.user",
            "id": self.id(name),
            "displayName": f"{first.title()} {last.title()}".strip(),
            "userPrincipalName": f"{name}@{DOMAIN}",
            "mail": None
            if name.startswith(("breakglass", "staff"))
            else f"{name}@fabrikam.example",
        }

    def sp(self, name: str) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": self.id(name),
            "displayName": name,
            "appId": _guid("app", name),
            "servicePrincipalType": "Application",
        }

    def device(self, name: str) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.device",
            "id": self.id(name),
            "displayName": name,
            "deviceId": _guid("device", name),
            "operatingSystem": "Windows",
        }

    def group(self, name: str) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.group",
            "id": self.id(name),
            "displayName": name,
            "securityEnabled": True,
            "mailEnabled": False,
        }

    def members(self) -> dict[str, list[dict[str, Any]]]:
        u, s, dv, gr = self.user, self.sp, self.device, self.group
        w1 = self.week >= 1
        m: dict[str, list[dict[str, Any]]] = {
            "sg-platform-admins": [
                u("alice.admin"),
                u("bob.ops"),
                gr("sg-breakglass"),
                s("sp-terraform"),
            ]
            + ([u("dave.ops")] if w1 else []),
            "sg-breakglass": [u("breakglass01")],
            "sg-app-devs": [u("carol.dev"), u("dan.dev"), s("sp-github-actions")]
            + ([] if w1 else [gr("sg-app-contractors")]),
            "sg-app-contractors": [
                u("heidi.contractor"),
                u("ivan.contractor"),
                dv("laptop-ivan-contractor"),
            ],
            "sg-data-engineers": [u("erin.data"), gr("sg-data-analysts"), gr("sg-dba")],
            "sg-data-analysts": [u("frank.analyst"), gr("sg-data-engineers")],  # cycle
            "sg-dba": [u("olga.dba"), u("erin.data")],
            "sg-aks-admins": [
                u("bob.ops"),
                u("dave.ops"),
                gr("sg-platform-admins"),
                dv("dev-build-agent-01"),
            ],
            "sg-sandbox-devs": [
                u("carol.dev"),
                u("dan.dev"),
                u("ivan.contractor"),
                gr("sg-all-staff"),
            ],
            "sg-all-staff": [u(f"staff{i:03d}.fabrikam") for i in range(1, self.STAFF + 1)]
            + [u(n) for n in self.USERS if not n.startswith(("breakglass", "eve"))]
            + [gr("sg-app-contractors")],
        }
        return {self.id(k): v for k, v in m.items()}

    IDENTITIES = ("msi:aks-fab-prod", "uami:id-app-prod", "msi:web01")

    def directory(self) -> dict[str, dict[str, Any]]:
        """Every user, group and service principal (managed identities included) by id."""
        objs = [self.user(n) for n in self.USERS] + [self.sp(n) for n in self.SPS]
        objs += [self.group(self.name_of(gid)) for gid in self.members()]
        for name in self.IDENTITIES:
            mi = self.sp(name.split(":", 1)[1])
            mi.update(id=self.id(name), servicePrincipalType="ManagedIdentity")
            objs.append(mi)
        return {o["id"]: o for o in objs}

    def name_of(self, gid: str) -> str:
        return next(n for n in self.GROUP_NAMES if self.id(n) == gid)

    GROUP_NAMES = (
        "sg-platform-admins", "sg-breakglass", "sg-app-devs", "sg-app-contractors",
        "sg-data-engineers", "sg-data-analysts", "sg-dba", "sg-aks-admins", "sg-sandbox-devs",
        "sg-all-staff",
    )  # fmt: skip


# ---- RBAC -------------------------------------------------------------------------------------------------

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
AKS_CLUSTER_USER = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
CUSTOM_BREAK_GLASS = _guid("role", "Fabrikam Break Glass")
CUSTOM_VM_OPERATOR = _guid("role", "Fabrikam VM Operator")


def role_def(guid: str, name: str, desc: str, actions: list[str], not_actions: list[str] | None = None,
             data: list[str] | None = None, *, custom: bool = False, scopes: list[str] | None = None,
             updated: str = "2021-11-11T20:13:47.8628684Z") -> dict[str, Any]:  # fmt: skip
    """A role definition; custom roles were made by Alice (the demo's admin) in March 2025."""
    if not custom:
        return role_definition(
            guid, name, desc, actions, not_actions, data, scopes=scopes, updated=updated
        )
    return role_definition(
        guid, name, desc, actions, not_actions, data, custom=True, scopes=scopes, created=_CREATED,
        updated=updated, by=_guid("principal", "alice.admin"),
    )  # fmt: skip


def _rbac(
    week: int, g: _Groups, P: str, S: str, mc_rg: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    w1 = week >= 1
    vm_actions = [
        "Microsoft.Compute/virtualMachines/read",
        "Microsoft.Compute/virtualMachines/start/action",
        "Microsoft.Compute/virtualMachines/restart/action",
        "Microsoft.Compute/virtualMachines/deallocate/action",
        "Microsoft.Network/networkInterfaces/read",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
    ] + (
        [
            "Microsoft.Compute/virtualMachines/runCommand/action",
            "Microsoft.Compute/virtualMachines/extensions/write",
        ]
        if w1
        else []
    )
    defs = [
        role_def(OWNER, "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", ["*"]),
        role_def(CONTRIBUTOR, "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
                  ["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
                          "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete",
                          "Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete"]),
        role_def(READER, "Reader", "View all resources, but does not allow you to make any changes.", ["*/read"]),
        role_def(USER_ACCESS_ADMIN, "User Access Administrator", "Lets you manage user access to Azure resources.",
                  ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"]),
        role_def(KV_SECRETS_USER, "Key Vault Secrets User", "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
                  [], data=["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"]),
        role_def(BLOB_DATA_READER, "Storage Blob Data Reader", "Allows for read access to Azure Storage blob containers and data",
                  ["Microsoft.Storage/storageAccounts/blobServices/containers/read", "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action"],
                  data=["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]),
        role_def(AKS_CLUSTER_USER, "Azure Kubernetes Service Cluster User Role", "List cluster user credential action.",
                  ["Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", "Microsoft.ContainerService/managedClusters/read"]),
        role_def(CUSTOM_BREAK_GLASS, "Fabrikam Break Glass", "Emergency access: everything, including data planes.",
                  ["*"], data=["*"], custom=True, scopes=[f"{_MG}mg-landingzones"]),
        role_def(CUSTOM_VM_OPERATOR, "Fabrikam VM Operator", "Start, stop and restart virtual machines.",
                  vm_actions, custom=True, scopes=[f"/subscriptions/{P}", f"/subscriptions/{S}"],
                  updated="2026-11-23T10:00:00.0000000Z" if w1 else _CREATED),
    ]  # fmt: skip
    role_defs = {r["name"].lower(): r for r in defs}

    def rg(sub: str, name: str) -> str:
        return f"/subscriptions/{sub}/resourceGroups/{name}"

    kv = f"{rg(P, 'rg-app-prod')}/providers/Microsoft.KeyVault/vaults/kv-fab-prod-app"
    st = f"{rg(P, 'rg-app-prod')}/providers/Microsoft.Storage/storageAccounts/stfabprodapp01"
    cosmos = (
        f"{rg(P, 'rg-data-prod')}/providers/Microsoft.DocumentDB/databaseAccounts/cosmos-fab-prod"
    )
    aks = (
        f"{rg(P, 'rg-aks-prod')}/providers/Microsoft.ContainerService/managedClusters/aks-fab-prod"
    )
    specs: list[tuple[str, str, str, str, str]] = [
        # key, scope, role, principal, principalType
        ("root-uaa-grace", f"{_MG}{TENANT_ID}", USER_ACCESS_ADMIN, "grace.sec", "User"),
        ("platform-owner-admins", f"{_MG}mg-platform", OWNER, "sg-platform-admins", "Group"),
        ("lz-reader-staff", f"{_MG}mg-landingzones", READER, "sg-all-staff", "Group"),
        ("lz-breakglass", f"{_MG}mg-landingzones", CUSTOM_BREAK_GLASS, "breakglass01", "User"),
        (
            "corp-contrib-terraform",
            f"{_MG}mg-corp",
            CONTRIBUTOR,
            "sp-terraform",
            "ServicePrincipal",
        ),
        ("sandbox-contrib-devs", f"{_MG}mg-sandbox", CONTRIBUTOR, "sg-sandbox-devs", "Group"),
        ("prod-owner-alice", f"/subscriptions/{P}", OWNER, "alice.admin", "User"),
        (
            "prod-contrib-gha",
            f"/subscriptions/{P}",
            CONTRIBUTOR,
            "sp-github-actions",
            "ServicePrincipal",
        ),
        ("prod-vmop-dave", f"/subscriptions/{P}", CUSTOM_VM_OPERATOR, "dave.ops", "User"),
        ("shared-contrib-bob", f"/subscriptions/{S}", CONTRIBUTOR, "bob.ops", "User"),
        (
            "shared-reader-backup",
            f"/subscriptions/{S}",
            READER,
            "sp-backup-agent",
            "ServicePrincipal",
        ),
        ("mgmt-vmop-dan", rg(S, "rg-mgmt"), CUSTOM_VM_OPERATOR, "dan.dev", "User"),
        ("app-contrib-devs", rg(P, "rg-app-prod"), CONTRIBUTOR, "sg-app-devs", "Group"),
        ("stg-contrib-heidi", rg(P, "rg-app-staging"), CONTRIBUTOR, "heidi.contractor", "User"),
        ("data-contrib-eng", rg(P, "rg-data-prod"), CONTRIBUTOR, "sg-data-engineers", "Group"),
        ("aks-user-admins", rg(P, "rg-aks-prod"), AKS_CLUSTER_USER, "sg-aks-admins", "Group"),
        ("aks-kubelet-mc", rg(P, mc_rg), CONTRIBUTOR, "msi:aks-fab-prod", "ServicePrincipal"),
        ("cosmos-reader-analysts", cosmos, READER, "sg-data-analysts", "Group"),
        ("kv-secrets-func", kv, KV_SECRETS_USER, "uami:id-app-prod", "ServicePrincipal"),
        ("st-blob-web01", st, BLOB_DATA_READER, "msi:web01", "ServicePrincipal"),
        ("aks-uaa-grace", aks, USER_ACCESS_ADMIN, "grace.sec", "User"),
    ]
    if w1:
        specs.remove(
            ("stg-contrib-heidi", rg(P, "rg-app-staging"), CONTRIBUTOR, "heidi.contractor", "User")
        )
        specs.append(("prod-owner-eve", f"/subscriptions/{P}", OWNER, "eve.contractor", "User"))
    out = []
    for key, scope, role, principal, ptype in specs:
        created = "2026-11-25T14:31:09.5130000Z" if key == "prod-owner-eve" else _CREATED
        out.append(
            {
                "guid": _guid("ra", key),
                "scope": scope,
                "role": role,
                "principalId": g.id(principal),
                "principalType": ptype,
                "created": created,
            }
        )
    return role_defs, out


def _assignment(a: dict[str, Any], listing_sub: str) -> dict[str, Any]:
    """A role assignment as listed under ``listing_sub`` ("" for a management-group listing)."""
    alice = _guid("principal", "alice.admin")
    audit = {"createdBy": alice, "updatedBy": alice, "delegatedManagedIdentityResourceId": None,
             "description": None}  # fmt: skip
    return role_assignment(a, listing_sub, audit)
