"""A large synthetic tenant for scale tests and benchmarks: seeded, deterministic and fast.

About 5% of the resources are types that need per-resource calls (storage accounts, key
vaults, web sites, SQL servers); the rest are Resource-Graph-only types. ``churn_week=k``
applies ``k`` rounds of churn, each touching about ``churn * n`` resources (property and tag
changes, removals, additions) and about ``churn`` of the role assignments.
"""

from __future__ import annotations

import copy
import random
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from .demo import (
    CONTRIBUTOR,
    OWNER,
    READER,
    USER_ACCESS_ADMIN,
    role_def,
)
from .shapes import management_group_details, management_group_item, role_assignment
from .tenant import Tenant, assignment_listings

_MG = "/providers/Microsoft.Management/managementGroups/"
_TS = "2026-11-20T08:00:00Z"
RESOURCES_PER_RG = 250

# (ARM type, name prefix, weight); the first four need per-resource calls (5% in all).
MIX: tuple[tuple[str, str, float], ...] = (
    ("Microsoft.Storage/storageAccounts", "st", 0.02),
    ("Microsoft.KeyVault/vaults", "kv", 0.01),
    ("Microsoft.Web/sites", "app", 0.01),
    ("Microsoft.Sql/servers", "sql", 0.01),
    ("Microsoft.Compute/virtualMachines", "vm", 0.13),
    ("Microsoft.Network/networkInterfaces", "nic", 0.20),
    ("Microsoft.Compute/disks", "disk", 0.22),
    ("Microsoft.Network/virtualNetworks", "vnet", 0.04),
    ("Microsoft.Network/networkSecurityGroups", "nsg", 0.10),
    ("Microsoft.Network/publicIPAddresses", "pip", 0.10),
    ("Microsoft.Network/routeTables", "rt", 0.02),
    ("Microsoft.Compute/sshPublicKeys", "sshkey", 0.02),
    ("Microsoft.ManagedIdentity/userAssignedIdentities", "id", 0.04),
    ("Microsoft.Network/privateEndpoints", "pe", 0.02),
    ("Microsoft.Network/loadBalancers", "lb", 0.06),
)
PER_RESOURCE_TYPES = frozenset(t.lower() for t, _, _ in MIX[:4])
_LOCATIONS = ("westeurope", "westeurope", "westeurope", "northeurope", "swedencentral")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Ctx:
    """Everything the row builders share: subscriptions, resource groups, the tenant id."""

    def __init__(self, n: int, seed: int, subscriptions: int):
        rng = random.Random(f"synthetic:{seed}")
        self.seed = seed
        self.tenant_id = _uuid(rng)
        self.subs = [_uuid(rng) for _ in range(max(1, subscriptions))]
        self.n_rg = max(len(self.subs), -(-n // RESOURCES_PER_RG))
        self.rgs = [(self.subs[k % len(self.subs)], f"rg-syn-{k:04d}") for k in range(self.n_rg)]
        self.counts = _counts(n)

    def rid(self, rtype: str, seq: int, name: str) -> str:
        sub, rg = self.rgs[seq % self.n_rg]
        return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"

    def vnet_of(self, seq: int) -> str:
        v = seq % max(1, self.counts["Microsoft.Network/virtualNetworks"])
        return self.rid("Microsoft.Network/virtualNetworks", v, f"vnet-{v:06d}")


def _counts(n: int) -> dict[str, int]:
    counts = {t: int(n * w) for t, _, w in MIX}
    rest = n - sum(counts.values())
    i = 0
    order = sorted(MIX, key=lambda m: -m[2])
    while rest > 0:
        counts[order[i % len(order)][0]] += 1
        rest -= 1
        i += 1
    return counts


def _tags(rng: random.Random, seq: int) -> dict[str, str] | None:
    r = rng.random()
    if r < 0.15:
        return None
    tags = {"environment": ("prod", "dev", "test")[seq % 3], "costCenter": f"CC-{1000 + seq % 40}"}
    if r > 0.93:
        tags["scad"] = f"c:{rng.randint(0, 10)},i:{rng.randint(0, 10)},a:{rng.randint(0, 10)}"
    elif r > 0.92:
        tags["scad"] = rng.choice(("C:7,I:x", "group:[Prod,PCI],A:12", "c: 5, i:3", ""))
    return tags


def _row(ctx: _Ctx, rtype: str, seq: int, name: str, props: dict[str, Any], rng: random.Random, **kw: Any) -> dict[str, Any]:  # fmt: skip
    sub, rg = ctx.rgs[seq % ctx.n_rg]
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}",
        "name": name,
        "type": rtype.lower(),
        "tenantId": ctx.tenant_id,
        "kind": kw.get("kind", ""),
        "location": _LOCATIONS[seq % len(_LOCATIONS)],
        "resourceGroup": rg,
        "subscriptionId": sub,
        "managedBy": kw.get("managed_by", ""),
        "sku": kw.get("sku"),
        "plan": None,
        "properties": props,
        "tags": _tags(rng, seq),
        "identity": kw.get("identity"),
        "zones": kw.get("zones"),
        "extendedLocation": None,
    }


def _ip(seq: int) -> str:
    return f"10.{(seq >> 16) & 255}.{(seq >> 8) & 255}.{seq & 255 or 4}"


def _vm(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    linux = seq % 4 != 0
    nic = ctx.rid("Microsoft.Network/networkInterfaces", seq, f"nic-{seq:06d}")
    disk = ctx.rid("Microsoft.Compute/disks", seq, f"disk-{seq:06d}")
    osp: dict[str, Any] = {"computerName": name, "adminUsername": "azureuser", "secrets": []}
    if linux:
        osp["linuxConfiguration"] = {
            "disablePasswordAuthentication": True,
            "ssh": {
                "publicKeys": [
                    {
                        "path": "/home/azureuser/.ssh/authorized_keys",
                        "keyData": f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABsyn{seq:08d} ops@syn",
                    }
                ]
            },  # fmt: skip
        }
    else:
        osp["windowsConfiguration"] = {"provisionVMAgent": True, "enableAutomaticUpdates": True}
    props = {
        "vmId": _uuid(rng),
        "hardwareProfile": {
            "vmSize": rng.choice(("Standard_B2s", "Standard_D2s_v5", "Standard_D4s_v5"))
        },
        "storageProfile": {
            "osDisk": {
                "osType": "Linux" if linux else "Windows",
                "name": f"disk-{seq:06d}",
                "createOption": "FromImage",
                "managedDisk": {"id": disk, "storageAccountType": "Premium_LRS"},
            },  # fmt: skip
            "dataDisks": [],
        },
        "osProfile": osp,
        "networkProfile": {"networkInterfaces": [{"id": nic}]},
        "provisioningState": "Succeeded",
    }
    identity = (
        {"type": "SystemAssigned", "principalId": _uuid(rng), "tenantId": ctx.tenant_id}
        if seq % 3 == 0
        else None
    )
    return _row(ctx, "Microsoft.Compute/virtualMachines", seq, name, props, rng, identity=identity)


def _nic(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    rid = ctx.rid("Microsoft.Network/networkInterfaces", seq, name)
    cfg: dict[str, Any] = {
        "privateIPAddress": _ip(seq),
        "privateIPAllocationMethod": "Dynamic",
        "subnet": {"id": f"{ctx.vnet_of(seq)}/subnets/default"},
        "primary": True,
    }
    if seq % 5 == 0:
        cfg["publicIPAddress"] = {
            "id": ctx.rid("Microsoft.Network/publicIPAddresses", seq, f"pip-{seq:06d}")
        }
    props: dict[str, Any] = {
        "provisioningState": "Succeeded",
        "ipConfigurations": [
            {"name": "ipconfig1", "id": f"{rid}/ipConfigurations/ipconfig1", "properties": cfg}
        ],
        "enableIPForwarding": False,
    }
    if seq % 7 == 0:
        props["networkSecurityGroup"] = {
            "id": ctx.rid("Microsoft.Network/networkSecurityGroups", seq, f"nsg-{seq:06d}")
        }
    return _row(ctx, "Microsoft.Network/networkInterfaces", seq, name, props, rng)


def _disk(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    attached = seq < ctx.counts["Microsoft.Compute/virtualMachines"]
    props: dict[str, Any] = {"diskSizeGB": rng.choice((32, 64, 128, 256)), "provisioningState": "Succeeded",
                             "diskState": "Attached" if attached else "Unattached"}  # fmt: skip
    if attached:
        props["osType"] = "Windows" if seq % 4 == 0 else "Linux"
    vm = ctx.rid("Microsoft.Compute/virtualMachines", seq, f"vm-{seq:06d}") if attached else ""
    return _row(ctx, "Microsoft.Compute/disks", seq, name, props, rng, managed_by=vm,
                sku={"name": "Premium_LRS", "tier": "Premium"})  # fmt: skip


def _vnet(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    rid = ctx.rid("Microsoft.Network/virtualNetworks", seq, name)
    a, b = (seq >> 8) & 255, seq & 255
    props = {
        "provisioningState": "Succeeded",
        "addressSpace": {"addressPrefixes": [f"10.{a}.{b}.0/24"]},
        "subnets": [
            {
                "name": s,
                "id": f"{rid}/subnets/{s}",
                "properties": {"addressPrefix": f"10.{a}.{b}.{k * 128}/25"},
            }
            for k, s in enumerate(("default", "data"))
        ],
        "virtualNetworkPeerings": [],
    }
    return _row(ctx, "Microsoft.Network/virtualNetworks", seq, name, props, rng)


def _rule(nsg: str, name: str, prio: int, port: str, src: str) -> dict[str, Any]:
    return {
        "name": name,
        "id": f"{nsg}/securityRules/{name}",
        "properties": {
            "protocol": "Tcp",
            "sourcePortRange": "*",
            "destinationPortRange": port,
            "sourceAddressPrefix": src,
            "destinationAddressPrefix": "*",
            "access": "Allow",
            "priority": prio,
            "direction": "Inbound",
        },  # fmt: skip
    }


def _nsg(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    rid = ctx.rid("Microsoft.Network/networkSecurityGroups", seq, name)
    rules = [_rule(rid, "allow-https", 100, "443", "Internet")]
    if rng.random() < 0.3:
        rules.append(
            _rule(rid, "allow-ssh", 110, "22", rng.choice(("10.0.0.0/8", "VirtualNetwork", "*")))
        )
    props = {
        "provisioningState": "Succeeded",
        "securityRules": rules,
        "defaultSecurityRules": [
            _rule(rid, "AllowVnetInBound", 65000, "*", "VirtualNetwork"),
            _rule(rid, "AllowAzureLoadBalancerInBound", 65001, "*", "AzureLoadBalancer"),
        ],
    }
    return _row(ctx, "Microsoft.Network/networkSecurityGroups", seq, name, props, rng)


def _pip(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    dynamic = seq % 10 == 0
    props: dict[str, Any] = {"provisioningState": "Succeeded",
                             "publicIPAllocationMethod": "Dynamic" if dynamic else "Static"}  # fmt: skip
    if not dynamic:
        props["ipAddress"] = f"20.{rng.randint(0, 255)}.{(seq >> 8) & 255}.{seq & 255}"
    return _row(ctx, "Microsoft.Network/publicIPAddresses", seq, name, props, rng,
                sku={"name": "Basic" if dynamic else "Standard", "tier": "Regional"})  # fmt: skip


_Builder = Callable[[_Ctx, int, str, random.Random], dict[str, Any]]


def _simple(props: _Builder, rtype: str, **kw: Any) -> _Builder:
    def build(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
        return _row(ctx, rtype, seq, name, props(ctx, seq, name, rng), rng, **kw)

    return build


def _storage(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    deny = rng.random() < 0.5
    props = {
        "provisioningState": "Succeeded",
        "supportsHttpsTrafficOnly": rng.random() < 0.9,
        "allowBlobPublicAccess": rng.random() < 0.2,
        "networkAcls": {
            "bypass": "AzureServices",
            "defaultAction": "Deny" if deny else "Allow",
            "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}] if deny else [],
            "virtualNetworkRules": [],
        },  # fmt: skip
        "primaryEndpoints": {
            s: f"https://{name}.{s}.core.windows.net/" for s in ("blob", "file", "queue", "table")
        },
        "privateEndpointConnections": [],
    }
    return _row(ctx, "Microsoft.Storage/storageAccounts", seq, name, props, rng, kind="StorageV2",
                sku={"name": "Standard_LRS", "tier": "Standard"})  # fmt: skip


def _make_vault(base: str) -> Callable[[_Ctx, int, str, random.Random], dict[str, Any]]:
    def vault(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
        props = {
            "tenantId": ctx.tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "accessPolicies": [],
            "enableSoftDelete": True,
            "enabledForDeployment": False,
            "enableRbacAuthorization": rng.random() < 0.5,
            "vaultUri": f"{base}/kv/{name}/",
            "provisioningState": "Succeeded",
        }
        return _row(ctx, "Microsoft.KeyVault/vaults", seq, name, props, rng)

    return vault


def _site(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    props = {
        "state": "Running",
        "httpsOnly": rng.random() < 0.7,
        "serverFarmId": ctx.rid("Microsoft.Web/serverfarms", seq, f"asp-{seq:06d}"),
        "outboundIpAddresses": "20.105.224.38,20.103.131.1",
        "privateEndpointConnections": [],
        "defaultHostName": f"{name}.azurewebsites.net",
    }
    return _row(
        ctx,
        "Microsoft.Web/sites",
        seq,
        name,
        props,
        rng,
        kind="functionapp" if seq % 3 == 0 else "app",
    )


def _sql(ctx: _Ctx, seq: int, name: str, rng: random.Random) -> dict[str, Any]:
    props: dict[str, Any] = {
        "administratorLogin": "sqladmin",
        "version": "12.0",
        "state": "Ready",
        "fullyQualifiedDomainName": f"{name}.database.windows.net",
        "publicNetworkAccess": rng.choice(("Enabled", "Disabled")),
        "privateEndpointConnections": [],
    }
    return _row(ctx, "Microsoft.Sql/servers", seq, name, props, rng, kind="v12.0")


def _builders(base: str) -> dict[str, Callable[[_Ctx, int, str, random.Random], dict[str, Any]]]:
    return {
        "Microsoft.Storage/storageAccounts": _storage,
        "Microsoft.KeyVault/vaults": _make_vault(base),
        "Microsoft.Web/sites": _site,
        "Microsoft.Sql/servers": _sql,
        "Microsoft.Compute/virtualMachines": _vm,
        "Microsoft.Network/networkInterfaces": _nic,
        "Microsoft.Compute/disks": _disk,
        "Microsoft.Network/virtualNetworks": _vnet,
        "Microsoft.Network/networkSecurityGroups": _nsg,
        "Microsoft.Network/publicIPAddresses": _pip,
        "Microsoft.Network/routeTables": _simple(
            lambda c, s, n, r: {
                "provisioningState": "Succeeded",
                "routes": [],
                "disableBgpRoutePropagation": False,
            },
            "Microsoft.Network/routeTables",
        ),
        "Microsoft.Compute/sshPublicKeys": _simple(
            lambda c, s, n, r: {"publicKey": f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABsyn{s:08d} {n}@syn"},
            "Microsoft.Compute/sshPublicKeys",
        ),
        "Microsoft.ManagedIdentity/userAssignedIdentities": _simple(
            lambda c, s, n, r: {
                "tenantId": c.tenant_id,
                "principalId": _uuid(r),
                "clientId": _uuid(r),
            },
            "Microsoft.ManagedIdentity/userAssignedIdentities",
        ),
        "Microsoft.Network/privateEndpoints": _simple(
            lambda c, s, n, r: {
                "provisioningState": "Succeeded",
                "subnet": {"id": f"{c.vnet_of(s)}/subnets/data"},
            },
            "Microsoft.Network/privateEndpoints",
        ),
        "Microsoft.Network/loadBalancers": _simple(
            lambda c, s, n, r: {
                "provisioningState": "Succeeded",
                "frontendIPConfigurations": [],
                "backendAddressPools": [],
                "loadBalancingRules": [],
            },  # fmt: skip
            "Microsoft.Network/loadBalancers",
            sku={"name": "Standard", "tier": "Regional"},
        ),
    }


def _name(prefix: str, rtype: str, seq: int, ctx: _Ctx, tag: str = "") -> str:
    if rtype in ("Microsoft.Storage/storageAccounts",):
        # globally unique, 3-24 lower-case alphanumerics
        return f"st{ctx.seed % 1000:03d}{tag}{seq:07d}"[:24]
    if rtype in ("Microsoft.KeyVault/vaults", "Microsoft.Web/sites", "Microsoft.Sql/servers"):
        return f"{prefix}-s{ctx.seed % 1000:03d}-{tag}{seq:06d}"
    return f"{prefix}-{tag}{seq:06d}"


def _base_rows(
    n: int, seed: int, subscriptions: int, base: str
) -> tuple[_Ctx, list[dict[str, Any]]]:
    ctx = _Ctx(n, seed, subscriptions)
    rng = random.Random(f"rows:{seed}")
    builders = _builders(base)
    rows = []
    for rtype, prefix, _ in MIX:
        build = builders[rtype]
        for seq in range(ctx.counts[rtype]):
            rows.append(build(ctx, seq, _name(prefix, rtype, seq, ctx), rng))
    return ctx, rows


def _modify(row: dict[str, Any], rng: random.Random, round_no: int) -> dict[str, Any]:
    """A copy of ``row`` with one meaningful property changed."""
    row = copy.deepcopy(row)
    p, t = row["properties"], row["type"]
    if t == "microsoft.compute/virtualmachines":
        p["hardwareProfile"]["vmSize"] = f"Standard_D{2 ** rng.randint(1, 4)}s_v{round_no % 3 + 6}"
    elif t == "microsoft.network/networksecuritygroups":
        p["securityRules"].append(
            _rule(row["id"], f"allow-ssh-r{round_no}", 200 + round_no, "22", "Internet")
        )
    elif t == "microsoft.storage/storageaccounts":
        acls = p["networkAcls"]
        acls["defaultAction"] = "Allow" if acls["defaultAction"] == "Deny" else "Deny"
        p["allowBlobPublicAccess"] = not p["allowBlobPublicAccess"]
    elif t == "microsoft.network/publicipaddresses":
        p["ipAddress"] = f"20.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    elif t == "microsoft.compute/disks":
        p["diskSizeGB"] = p["diskSizeGB"] * 2
    elif t == "microsoft.web/sites":
        p["httpsOnly"] = not p["httpsOnly"]
    elif t == "microsoft.sql/servers":
        p["publicNetworkAccess"] = (
            "Disabled" if p["publicNetworkAccess"] == "Enabled" else "Enabled"
        )
    elif t == "microsoft.keyvault/vaults":
        p["enableRbacAuthorization"] = not p["enableRbacAuthorization"]
    else:
        p["provisioningState"] = "Succeeded"
        p["syntheticRevision"] = round_no
    return row


def _retag(row: dict[str, Any], rng: random.Random, round_no: int) -> dict[str, Any]:
    """A copy of ``row`` with its tags changed: a scad value set, changed, removed or malformed."""
    row = dict(row)
    tags = dict(row["tags"] or {})
    choice = rng.random()
    if "scad" in tags and choice < 0.4:
        del tags["scad"]
    elif choice < 0.9:
        tags["scad"] = (
            f"c:{rng.randint(0, 10)},i:{rng.randint(0, 10)},a:{rng.randint(0, 10)},group:r{round_no}"
        )
    else:
        tags["scad"] = rng.choice(
            ("C:7,I:x", "group:[Prod,PCI],A:12", "c: 5, i:3", "c:,i:5,,group:")
        )
    tags["lastReviewed"] = f"round-{round_no}"
    row["tags"] = tags
    return row


def _churn(
    ctx: _Ctx, rows: list[dict[str, Any]], rounds: int, churn: float, base: str
) -> list[dict[str, Any]]:
    builders = _builders(base)
    for r in range(1, rounds + 1):
        rng = random.Random(f"churn:{ctx.seed}:{r}")
        k = round(churn * len(rows))
        if k <= 0:
            continue
        picked = rng.sample(range(len(rows)), min(k, len(rows)))
        n_mod, n_tag, n_del = k // 2, k // 4, k // 8
        n_add = k - n_mod - n_tag - n_del
        removed = set(picked[n_mod + n_tag : n_mod + n_tag + n_del])
        for i in picked[:n_mod]:
            rows[i] = _modify(rows[i], rng, r)
        for i in picked[n_mod : n_mod + n_tag]:
            rows[i] = _retag(rows[i], rng, r)
        rows = [row for i, row in enumerate(rows) if i not in removed]
        for j in range(n_add):
            rtype, prefix, _ = MIX[4 + j % (len(MIX) - 4)] if j % 20 else MIX[j // 20 % 4]
            seq = rng.randrange(ctx.n_rg * 1000)
            rows.append(
                builders[rtype](ctx, seq, _name(prefix, rtype, seq, ctx, tag=f"c{r}x{j}"), rng)
            )
    return rows


def synthetic_arg_rows(n: int, seed: int = 0, churn_week: int = 0, churn: float = 0.01, *,
                       subscriptions: int = 3, base: str = "http://127.0.0.1:18080") -> list[dict[str, Any]]:  # fmt: skip
    """``n`` Resource Graph rows (before churn), sorted by id, after ``churn_week`` rounds of churn."""
    ctx, rows = _base_rows(n, seed, subscriptions, base.rstrip("/"))
    rows = _churn(ctx, rows, churn_week, churn, base.rstrip("/"))
    rows.sort(key=lambda r: r["id"].lower())
    return rows


# ---- the rest of the tenant ---------------------------------------------------------------------


def _responses(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in rows:
        t = row["type"]
        if t not in PER_RESOURCE_TYPES:
            continue
        rid, name, p = row["id"], row["name"], row["properties"]
        lid = rid.lower()
        if t == "microsoft.storage/storageaccounts":
            public = "Blob" if p["allowBlobPublicAccess"] else "None"
            out[f"{lid}/blobservices/default/containers"] = [
                {"id": f"{rid}/blobServices/default/containers/{c}", "name": c,
                 "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
                 "properties": {"publicAccess": public if c == "assets" else "None"}}
                for c in ("data", "assets")
            ]  # fmt: skip
            out[f"{lid}/fileservices/default/shares"] = []
            out[f"{lid}/tableservices/default/tables"] = []
            out[f"{lid}/queueservices/default/queues"] = [
                {"id": f"{rid}/queueServices/default/queues/jobs", "name": "jobs",
                 "type": "Microsoft.Storage/storageAccounts/queueServices/queues", "properties": {"metadata": None}}
            ]  # fmt: skip
        elif t == "microsoft.keyvault/vaults":
            uri = p["vaultUri"].rstrip("/")
            out[f"/kv/{name}/keys".lower()] = [
                {"kid": f"{uri}/keys/key1", "attributes": {"enabled": True}}
            ]
            out[f"/kv/{name}/secrets".lower()] = [
                {"id": f"{uri}/secrets/secret1", "attributes": {"enabled": True}, "contentType": ""}
            ]
            out[f"/kv/{name}/certificates".lower()] = []
        elif t == "microsoft.web/sites":
            out[f"{lid}/config/web"] = {
                "id": f"{rid}/config/web", "name": name, "type": "Microsoft.Web/sites/config",
                "properties": {"ftpsState": "FtpsOnly" if p["httpsOnly"] else "AllAllowed",
                               "minTlsVersion": "1.2", "http20Enabled": False,
                               "ipSecurityRestrictions": [{"ipAddress": "Any", "action": "Allow",
                                                           "priority": 2147483647, "name": "Allow all"}]},
            }  # fmt: skip
            out[f"{lid}/config/authsettingsv2"] = {
                "id": f"{rid}/config/authsettingsV2", "name": "authsettingsV2", "type": "Microsoft.Web/sites/config",
                "properties": {"platform": {"enabled": False},
                               "globalValidation": {"unauthenticatedClientAction": "AllowAnonymous"}},
            }  # fmt: skip
        elif t == "microsoft.sql/servers":
            out[f"{lid}/databases"] = [
                {"id": f"{rid}/databases/{db}", "name": db, "type": "Microsoft.Sql/servers/databases",
                 "sku": {"name": sku, "tier": tier}, "properties": {"status": "Online"}}
                for db, sku, tier in (("master", "System", "System"), ("appdb", "GP_Gen5", "GeneralPurpose"))
            ]  # fmt: skip
            out[f"{lid}/virtualnetworkrules"] = []
            out[f"{lid}/firewallrules"] = [
                {"id": f"{rid}/firewallRules/AllowAllWindowsAzureIps", "name": "AllowAllWindowsAzureIps",
                 "type": "Microsoft.Sql/servers/firewallRules",
                 "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}}
            ]  # fmt: skip
            out[f"{lid}/administrators"] = []
    return out


def _principals(ctx: _Ctx, n: int) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(f"principals:{ctx.seed}")
    users = [_uuid(rng) for _ in range(max(200, n // 50))]
    sps = [_uuid(rng) for _ in range(max(5, n // 500))]
    groups = [_uuid(rng) for _ in range(max(4, n // 1000))]
    return users, sps, groups


def _groups(
    ctx: _Ctx, users: list[str], sps: list[str], groups: list[str]
) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(f"groups:{ctx.seed}")

    def member(kind: str, oid: str) -> dict[str, Any]:
        return {"@odata.type": f"#microsoft.graph.{kind}", "id": oid}

    out: dict[str, list[dict[str, Any]]] = {}
    for i, gid in enumerate(groups):
        size = 150 if i == 0 else rng.randint(3, 40)  # the first one pages (> 100 members)
        ms = [member("user", u) for u in rng.sample(users, min(size, len(users)))]
        ms += [member("servicePrincipal", s) for s in rng.sample(sps, min(2, len(sps)))]
        if i + 1 < len(groups) and i % 3 == 0:
            ms.append(member("group", groups[i + 1]))  # nesting
        out[gid] = ms
    if len(groups) > 2:  # a membership cycle: groups[1] contains groups[2] and the reverse
        out[groups[1]].append(member("group", groups[2]))
        out[groups[2]].append(member("group", groups[1]))
    return out


def _assignments(ctx: _Ctx, rows: list[dict[str, Any]], users: list[str], sps: list[str],
                 groups: list[str], custom: str, churn_week: int, churn: float) -> list[dict[str, Any]]:  # fmt: skip
    rng = random.Random(f"rbac:{ctx.seed}")
    roles = (OWNER, CONTRIBUTOR, READER, READER, CONTRIBUTOR, USER_ACCESS_ADMIN, custom)
    n_ra = max(10, len(rows) // 100)
    targets = sorted(r["id"] for r in rows)

    def make(i: int, rng: random.Random, tag: str) -> dict[str, Any]:
        kind = rng.random()
        if kind < 0.05:
            scope = f"{_MG}mg-syn-{rng.choice(('platform', 'landingzones'))}"
        elif kind < 0.25:
            scope = f"/subscriptions/{rng.choice(ctx.subs)}"
        elif kind < 0.7:
            sub, rg = rng.choice(ctx.rgs)
            scope = f"/subscriptions/{sub}/resourceGroups/{rg}"
        else:
            scope = rng.choice(targets)
        p = rng.random()
        ptype, pid = (
            ("Group", rng.choice(groups)) if p < 0.3 else ("ServicePrincipal", rng.choice(sps)) if p < 0.5 else ("User", rng.choice(users))
        )  # fmt: skip
        return {"guid": _uuid(rng), "scope": scope, "role": rng.choice(roles), "principalId": pid,
                "principalType": ptype, "created": _TS, "key": f"{tag}{i}"}  # fmt: skip

    out = [make(i, rng, "") for i in range(n_ra)]
    for r in range(1, churn_week + 1):
        crng = random.Random(f"rbac-churn:{ctx.seed}:{r}")
        k = max(1, round(churn * len(out)))
        drop = set(crng.sample(range(len(out)), min(k // 2 or 1, len(out))))
        out = [a for i, a in enumerate(out) if i not in drop]
        out += [make(i, crng, f"c{r}-") for i in range(k - len(drop) or 1)]
    return out


def synthetic_tenant(
    n_resources: int,
    *,
    seed: int = 0,
    base: str = "http://127.0.0.1:18080",
    subscriptions: int = 3,
    churn_week: int = 0,
    churn: float = 0.01,
) -> Tenant:
    """A tenant of about ``n_resources`` resources; the same arguments give the same tenant."""
    base = base.rstrip("/")
    ctx, rows = _base_rows(n_resources, seed, subscriptions, base)
    rows = _churn(ctx, rows, churn_week, churn, base)
    rows.sort(key=lambda r: r["id"].lower())
    t = ctx.tenant_id
    subs_items = [
        {"id": f"/subscriptions/{s}", "subscriptionId": s, "tenantId": t, "displayName": f"syn-sub-{i:02d}",
         "state": "Enabled", "authorizationSource": "RoleBased", "managedByTenants": [],
         "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                  "spendingLimit": "Off"}}
        for i, s in enumerate(ctx.subs)
    ]  # fmt: skip
    mg_parent = {t: None, "mg-syn-platform": t, "mg-syn-landingzones": t}
    sub_mg = {
        s: ("mg-syn-platform" if i == 0 else "mg-syn-landingzones") for i, s in enumerate(ctx.subs)
    }
    containers: list[dict[str, Any]] = [
        {"id": f"/subscriptions/{s}", "name": f"syn-sub-{i:02d}", "type": "microsoft.resources/subscriptions",
         "tenantId": t, "kind": "", "location": "", "resourceGroup": "", "subscriptionId": s, "managedBy": "",
         "sku": None, "plan": None, "properties": {"state": "Enabled", "managementGroupAncestorsChain": [
             {"name": sub_mg[s], "displayName": sub_mg[s]}, {"name": t, "displayName": "Tenant Root Group"}]},
         "tags": None, "identity": None, "zones": None, "extendedLocation": None}
        for i, s in enumerate(ctx.subs)
    ] + [
        {"id": f"/subscriptions/{s}/resourceGroups/{rg}", "name": rg,
         "type": "microsoft.resources/subscriptions/resourcegroups", "tenantId": t, "kind": "",
         "location": "westeurope", "resourceGroup": rg, "subscriptionId": s, "managedBy": "", "sku": None,
         "plan": None, "properties": {"provisioningState": "Succeeded"}, "tags": None, "identity": None,
         "zones": None, "extendedLocation": None}
        for s, rg in ctx.rgs
    ]  # fmt: skip
    containers.sort(key=lambda r: r["id"].lower())
    display = {m: "Tenant Root Group" if m == t else m for m in mg_parent}
    mgs = [management_group_item(m, t, display[m]) for m in mg_parent]
    mg_details = management_group_details(
        mg_parent,
        {m: m for m in mg_parent},
        [(s, s, sub_mg[s]) for s in ctx.subs],
        t,
        updated={m: (1, _TS) for m in mg_parent},
        by=None,
    )
    users, sps, groups = _principals(ctx, n_resources)
    custom = str(uuid.UUID(int=random.Random(f"custom:{seed}").getrandbits(128), version=4))
    defs = [
        role_def(OWNER, "Owner", "Grants full access to manage all resources.", ["*"]),
        role_def(CONTRIBUTOR, "Contributor", "Grants full access to manage all resources, without role assignment.",
                  ["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                          "Microsoft.Authorization/elevateAccess/Action"]),
        role_def(READER, "Reader", "View all resources.", ["*/read"]),
        role_def(USER_ACCESS_ADMIN, "User Access Administrator", "Lets you manage user access to Azure resources.",
                  ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"]),
        role_def(custom, "Synthetic Operator", "Synthetic custom role.",
                  ["*/read", "Microsoft.Compute/virtualMachines/*"] + (["*"] if churn_week % 2 else []), custom=True),
    ]  # fmt: skip
    assignments = _assignments(ctx, rows, users, sps, groups, custom, churn_week, churn)
    by_scope = assignment_listings(
        assignments,
        {s: [f"{_MG}{sub_mg[s]}", f"{_MG}{t}"] for s in ctx.subs},
        [f"{_MG}{m}" for m in mg_parent],
        _listed,
    )
    return Tenant(
        tenant_id=t,
        subscriptions=subs_items,
        containers=containers,
        resources=rows,
        management_groups=mgs,
        mg_details=mg_details,
        role_assignments=by_scope,
        role_definitions={d["name"].lower(): d for d in defs},
        groups=_groups(ctx, users, sps, groups),
        responses=_responses(rows),
    )


def _listed(a: dict[str, Any], prefix: str) -> dict[str, Any]:
    return role_assignment(a, prefix)


# ---- Internet exposure: a wired network ----------------------------------------------------


def _exposure_rules(nsg: str, rng: random.Random) -> list[dict[str, Any]]:
    """5 to 12 inbound rules in the shapes NSGs really have: Internet, *, office prefixes,
    private ranges, port ranges and lists, a Deny above a later Allow, a UDP rule."""
    pool = [
        ("allow-https", "Allow", "Tcp", "Internet", ["443"]),
        ("deny-rdp", "Deny", "Tcp", "*", ["3389"]),
        ("allow-rdp", "Allow", "Tcp", "*", ["3389"]),
        ("allow-ssh-office", "Allow", "Tcp", ["203.0.113.0/24", "198.51.100.17"], ["22"]),
        ("allow-ssh-internal", "Allow", "Tcp", "10.0.0.0/8", ["22"]),
        ("deny-8050", "Deny", "Tcp", "*", ["8050"]),
        ("allow-apps", "Allow", "Tcp", "Internet", ["80", "8000-8100"]),
        ("allow-ipsec", "Allow", "Udp", "*", ["500", "4500"]),
        ("allow-frontdoor", "Allow", "Tcp", "AzureFrontDoor.Backend", ["443", "8443"]),
        ("allow-vnet-db", "Allow", "Tcp", "VirtualNetwork", ["1433", "5432"]),
        ("allow-ping", "Allow", "Icmp", "*", ["*"]),
        ("deny-internet", "Deny", "*", "Internet", ["*"]),
    ]
    picked = sorted(rng.sample(range(len(pool)), rng.randint(5, len(pool))))
    out = []
    for k, i in enumerate(picked):
        name, access, proto, src, ports = pool[i]
        p: dict[str, Any] = {"protocol": proto, "sourcePortRange": "*", "access": access,
                             "destinationAddressPrefix": "*", "priority": 100 + 10 * k,
                             "direction": "Inbound", "sourceAddressPrefixes": [],
                             "destinationPortRanges": []}  # fmt: skip
        if isinstance(src, list):
            p["sourceAddressPrefixes"] = src
        else:
            p["sourceAddressPrefix"] = src
        if len(ports) > 1:
            p["destinationPortRanges"] = ports
        else:
            p["destinationPortRange"] = ports[0]
        out.append({"name": name, "id": f"{nsg}/securityRules/{name}", "properties": p})
    return out


def wire_exposure(rows: list[dict[str, Any]], *, nsgs: int = 2000, seed: int = 0) -> None:
    """Make the synthetic network hang together for ``snapdiff exposure`` (in place): NSGs
    ``nsg-000000`` .. ``nsgs - 1`` get realistic inbound rules and are the only ones attached;
    every subnet gets one, half of the NICs one; a NIC keeps its public IP only where that
    public IP exists. Choices hash the row's id, so churned weeks are wired alike."""

    def pick(key: str, n: int) -> int:
        return zlib.crc32(f"{seed}:{key}".encode()) % n

    rng = random.Random()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_type.setdefault(r["type"], []).append(r)
    attached = {
        r["name"]: r
        for r in by_type.get("microsoft.network/networksecuritygroups", [])
        if r["name"].startswith("nsg-") and r["name"][4:].isdigit() and int(r["name"][4:]) < nsgs
    }
    for r in attached.values():
        rng.seed(f"exposure:{seed}:{r['id']}")
        r["properties"]["securityRules"] = _exposure_rules(r["id"], rng)
        r["properties"].pop("defaultSecurityRules", None)  # Azure's defaults apply

    def nsg_for(key: str) -> dict[str, str] | None:
        row = attached.get(f"nsg-{pick(key, nsgs):06d}")
        return {"id": row["id"]} if row else None

    pips = {r["id"].lower() for r in by_type.get("microsoft.network/publicipaddresses", [])}
    for v in by_type.get("microsoft.network/virtualnetworks", []):
        for s in v["properties"]["subnets"]:
            ref = nsg_for(s["id"])
            if ref:
                s["properties"]["networkSecurityGroup"] = ref
    for nic in by_type.get("microsoft.network/networkinterfaces", []):
        p = nic["properties"]
        cfg = p["ipConfigurations"][0]["properties"]
        pip = (cfg.get("publicIPAddress") or {}).get("id", "")
        if pip and pip.lower() not in pips:
            del cfg["publicIPAddress"]
        ref = nsg_for("nic:" + nic["id"]) if pick("has:" + nic["id"], 2) else None
        if ref:
            p["networkSecurityGroup"] = ref
        else:
            p.pop("networkSecurityGroup", None)
