"""Facts every golden file must hold, written by hand from the demo tenant's story
(tests/fakeazure/demo.py) and the diff fixtures, not read from the code under test.

``SNAPDIFF_UPDATE_GOLDEN=1`` rewrites the golden files from the current output; a rewrite
that drops one of these facts (a resource, a role assignment, a warning, a diff line) fails
here. Every golden file must have an entry, so a new golden file comes with its facts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden"
SUB_PROD = "3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71"
SUB_MGMT = "a81c4e5d-2b7f-4d93-8e16-5c0f9b2a7d38"
EVE = "259e0f9b-0faf-5172-8346-5107130e0a67"  # Eve Contractor, made Owner in week 1

# -- build: the names (last id segment) each key lists in week 0 -----------------------------
WEEK0: dict[str, set[str]] = {
    "apiManagements": {"apim-fab-prod"},
    "appServicePlans": {"asp-fab-func", "asp-fab-prod"},
    "appServices": {"app-fab-portal", "func-fab-orders"},
    "connections": {"cn-dr-to-hub", "cn-hub-to-dr"},  # cn-hub-to-onprem is IPsec: a warning
    "containerRegistries": {"crfabprod"},
    "cosmosDBs": {"cosmos-fab-prod"},
    "disks": {
        "disk-orphan-backup",
        "vm-jumpbox-data-01",
        "vm-jumpbox_OsDisk_1_718a48be5e2bb9eae4130f57b88e0b4a",
        "web01-data-01",
        "web01_OsDisk_1_40c1a81b7d16c51d1c5f535a7a36dfc9",
        "web01_OsDisk_1_fc53a14c0a3076771f2146caffd2c896",
        "web02_OsDisk_1_00025e9be7d05901abab0be1b2e28cee",
    },
    "keyVaults": {"kv-fab-prod-app", "kv-fab-shared-ops"},
    "kubernetesClusters": {"aks-fab-prod"},
    "localNetworkGateways": {"lgw-onprem-hq"},
    "managementGroups": {
        "5f1c2d3e-8a7b-4c6d-9e0f-1a2b3c4d5e6f",  # the tenant root group
        "mg-corp",
        "mg-landingzones",
        "mg-platform",
        "mg-sandbox",
    },
    "mariaDBDatabases": {"mariadb-fab-legacy"},
    "mySQLDatabases": {"mysql-fab-prod"},
    "networkInterfaces": {
        "nic-jumpbox",
        "nic-web01",
        "nic-web02",
        "pe-psql-fab-prod.nic.b1fc53aa-4d90-55a6-b62e-ebb6690f2a9e",
        "pe-sql-fab-prod.nic.42a97e89-6bfb-5224-9b15-0a239c765db0",
    },
    "networkSecurityGroups": {
        "aks-agentpool-11223344-nsg",
        "nsg-data",
        "nsg-mgmt",
        "nsg-web",
        "vm-jumpbox-nsg",
    },
    "postgreSQLDatabases": {"psql-fab-prod"},
    "publicIpAddresses": {
        "3b83d819-c0e7-5948-8770-6160d33e9216",  # the AKS outbound IP (named by a GUID)
        "pip-jumpbox",
        "pip-vgw-dr",
        "pip-vgw-hub",
        "pip-web01",
    },
    "resourceGroups": {
        "MC_rg-aks-prod_aks-fab-prod_westeurope",
        "NetworkWatcherRG",
        "rg-aks-prod",
        "rg-app-prod",
        "rg-app-staging",
        "rg-data-prod",
        "rg-integration-prod",
        "rg-mgmt",
        "rg-network-hub",
    },
    "routeTables": {"rt-gateway", "rt-spoke-prod"},
    "serviceBuses": {"sb-fab-prod"},
    "sqlServers": {"sql-fab-prod"},
    "sshKeys": {"sshkey-ops"},
    "storageAccounts": {
        "stfabfuncprod01",
        "stfabprodapp01",
        "stfabproddata01",
        "stfabsharedlogs01",
        "stfabstagingtmp01",
    },
    "subscriptions": {SUB_PROD, SUB_MGMT},
    "virtualMachineScaleSets": {"aks-system-11223344-vmss", "vmss-batch"},
    "virtualMachines": {"vm-jumpbox", "web01", "web02"},
    "vnetGateways": {"vgw-dr", "vgw-hub"},
    "vnets": {"vnet-dr", "vnet-hub", "vnet-spoke-prod", "vnet-staging"},
    # groups holding a role, and the groups nested in them (10)
    "groups": {
        "3b6a5007-0d05-544b-ac22-06f36731be5e",
        "3d0d7163-4570-5847-b42a-d666115ac121",
        "76dbb8b4-7609-546b-ba0b-39abce7a3de0",
        "ccdf5f4d-b15b-5d38-9cfd-6d5ad91f7509",
        "cd4b842d-1546-5358-b14e-cd57fded36f0",
        "ce2f1aca-061d-5cb9-bb91-6cd06a940ed6",
        "d1c7434d-be7f-5ad7-b09c-194285824b21",
        "d3b3d335-8111-57d5-bf9b-d40062c15c93",
        "ef785072-1c55-5c26-a439-a187e34443ee",
        "f7e650ac-6b34-5e32-9280-04cd0486c652",
    },
    # resources with a scad tag (the Key Vault's tag key is spelled so that only the default
    # mode finds it: see BUG_ONLY_MISSING)
    "hva_tags": {
        "aks-fab-prod",
        "app-fab-portal",
        "cosmos-fab-prod",
        "kv-fab-prod-app",
        "sql-fab-prod",
        "stfabprodapp01",
        "web01",
        "web02",
    },
}
ROLE_ASSIGNMENTS_WEEK0 = 21
# Week 1: web03 arrives with its NIC and disk, a disk is renamed, a staging account goes,
# Eve becomes Owner, Heidi loses Contributor, tags change (demo.py, week 1).
WEEK1_ADDED = {
    "virtualMachines": {"web03"},
    "networkInterfaces": {"nic-web03"},
    "disks": {"web03_OsDisk_1_9647695aae2dff7faafdf6dc46fd53fe", "disk-backup-2026-11"},
    "hva_tags": {"func-fab-orders", "vm-jumpbox"},
}
WEEK1_REMOVED = {
    "disks": {"disk-orphan-backup"},
    "storageAccounts": {"stfabstagingtmp01"},
    "hva_tags": {"cosmos-fab-prod"},
}
BUG_ONLY_MISSING = {"hva_tags": {"kv-fab-prod-app"}}

WARNINGS = {  # (snapshot, mode) -> substrings some warning must contain
    ("week0", "default"): ["cn-hub-to-onprem: connection type 'IPsec' is not emitted"],
    ("week1", "default"): [
        "cn-hub-to-onprem: connection type 'IPsec' is not emitted",
        "web02: scad tag: 'I:x' is not an integer",
        "sql-fab-prod: scad tag: 'A:12' clamped to 10",
        "func-fab-orders: scad tag: 'group:' names an empty group",
    ],
    ("edge", "default"): [
        "app-fab-portal: web config unreadable",
        "kv-fab-shared-ops: keyvault:keys forbidden: placeholder",
        "source web is failed (HTTP 500 InternalServerError: fake outage)",
        "source keyvault coverage: Key Vault keys, secrets and certificates forbidden",
    ],
}
WARNINGS[("week0", "bug-compatible")] = WARNINGS[("week0", "default")]
WARNINGS[("week1", "bug-compatible")] = WARNINGS[("week1", "default")][:1]  # no scad checks
WARNINGS[("edge", "bug-compatible")] = WARNINGS[("edge", "default")]


def _names(value: Any) -> set[str]:
    out = set()
    for e in value:
        ident = e.get("id") or e.get("groupId") or e.get("subscriptionId")
        out.add(str(ident).rstrip("/").rsplit("/", 1)[-1])
    return out


def expected_names(which: str, mode: str, key: str) -> set[str]:
    names = set(WEEK0[key])
    if which == "week1":
        names = (names | WEEK1_ADDED.get(key, set())) - WEEK1_REMOVED.get(key, set())
    if mode == "bug-compatible":
        names -= BUG_ONLY_MISSING.get(key, set())
    return names


def _one(items: list[dict[str, Any]], tail: str) -> dict[str, Any]:
    """The one entry whose id ends with ``tail`` (e.g. ``rg-app-prod/.../web01``)."""
    (hit,) = [e for e in items if str(e.get("id", "")).lower().endswith("/" + tail.lower())]
    return hit


PROD_VM = "rg-app-prod/providers/Microsoft.Compute/virtualMachines/"
PROD_NSG = "rg-app-prod/providers/Microsoft.Network/networkSecurityGroups/"


def value_facts(which: str, key: str, value: Any) -> None:
    """Field values the demo's story fixes, for the keys it changes."""
    if key == "hva_tags":
        web01 = _one(value, PROD_VM + "web01")
        assert web01["confValue"] == (9 if which == "week1" else 8)  # raised C in week 1
        assert (web01["integrityValue"], web01["availValue"]) == (9, 7)
        assert web01["scadGrps"] == ["frontend"]
    elif key == "roleAssignments":
        eve = [a for a in value if a["principalId"] == EVE]
        if which == "week1":
            assert [(a["roleName"], a["scope"]) for a in eve] == [
                ("Owner", f"/subscriptions/{SUB_PROD}")
            ]
            assert eve[0]["permissions"][0]["actions"] == ["*"]
        else:
            assert eve == []
        assert len(value) == ROLE_ASSIGNMENTS_WEEK0
    elif key == "networkSecurityGroups":
        nsg = _one(value, PROD_NSG + "nsg-web")
        rules = {r["name"]: r["source"] for r in nsg["inboundSecurityRules"]}
        assert rules["allow-https-inbound"] == "Internet"
        # week 1 opens SSH to the Internet
        assert rules["allow-ssh-from-hub"] == ("Internet" if which == "week1" else "10.0.1.0/24")
    elif key == "groups":
        kinds = {m["memberType"] for g in value for m in g["members"]}
        assert {"user", "group", "servicePrincipal"} <= kinds  # nested groups and apps
    elif key == "managementGroups":
        children = {g["name"]: {c["name"] for c in g["scope"]} for g in value}
        root = children["5f1c2d3e-8a7b-4c6d-9e0f-1a2b3c4d5e6f"]
        if which == "week1":  # mg-sandbox moved under mg-landingzones
            assert root == {"mg-platform", "mg-landingzones"}
            assert children["mg-landingzones"] == {"mg-corp", "mg-sandbox"}
        else:
            assert root == {"mg-platform", "mg-landingzones", "mg-sandbox"}
        assert SUB_PROD in children["mg-corp"] and SUB_MGMT in children["mg-platform"]
    elif key == "virtualMachines":
        web01 = _one(value, PROD_VM + "web01")
        assert (web01["os"], web01["dataDisks"]) == ("Linux", ["web01-data-01"])
        assert web01["networkInterfaces"][0]["id"].endswith("/nic-web01")


BUILD_FILES = sorted(GOLDEN.glob("build/*/*/*.json"))


@pytest.mark.parametrize("path", BUILD_FILES, ids=lambda p: "/".join(p.parts[-3:]))
def test_build_golden_holds_its_facts(path: Path) -> None:
    check_build(path.parts[-3], path.parts[-2], path.stem, json.loads(path.read_text()))


def check_build(which: str, mode: str, key: str, value: Any) -> None:
    path = f"build/{which}/{mode}/{key}.json"
    if key == "name":
        assert value == "Scanned_Azure_Active_Directory"
    elif key == "parser_version":
        assert value == 2
    elif key == "_warnings":
        for fact in WARNINGS[(which, mode)]:
            assert any(fact in w for w in value), f"{path}: no warning {fact!r}"
    elif key == "_insights":
        assert value and all({"nodes", "links"} <= set(t) for t in value)
    elif key == "roleAssignments":
        value_facts(which, key, value)
    else:
        assert key in WEEK0, f"{path}: a golden file without facts in tests/test_golden_facts.py"
        missing = expected_names(which, mode, key) - _names(value)
        assert not missing, f"{path} lost {sorted(missing)}"
        value_facts(which, key, value)


def test_a_regenerated_golden_that_drops_a_fact_fails() -> None:
    vms = json.loads((GOLDEN / "build/week1/default/virtualMachines.json").read_text())
    check_build("week1", "default", "virtualMachines", vms)
    without_web03 = [v for v in vms if v["name"] != "web03"]
    with pytest.raises(AssertionError, match="web03"):
        check_build("week1", "default", "virtualMachines", without_web03)
    ras = json.loads((GOLDEN / "build/week1/default/roleAssignments.json").read_text())
    with pytest.raises(AssertionError):
        check_build(
            "week1", "default", "roleAssignments", [a for a in ras if a["principalId"] != EVE]
        )


def test_every_build_key_has_its_facts() -> None:
    keys = {p.stem for p in BUILD_FILES}
    assert keys - set(WEEK0) == {
        "name",
        "parser_version",
        "_warnings",
        "_insights",
        "roleAssignments",
    }
    assert len(BUILD_FILES) == 210


# -- diff: the recorded demo weeks (demo.*) and the hand-built fixture pair (full.*) -----------
DIFF_FACTS = {  # in every format
    "demo": [
        "web03",
        "stfabstagingtmp01",
        "mariadb-fab-legacy",
        "disk-orphan-backup",
        "disk-backup-2026-11",
        EVE[:8],
        "eve.contractor@fabrikamdemo.onmicrosoft.com",
        "Microsoft.Compute/virtualMachines/runCommand/action",
        "Fabrikam VM Operator",
        "c:9,i:9,a:7,group:frontend",
        "cosmos-fab-prod",
        "vmss-batch",
        "allow-ssh-from-hub",
    ],
    "full": [
        "cctestvm2",
        "sample-vault",
        "Microsoft.Authorization/*/write",
        "bbbbbbbb-0000-0000-0000-00000000000b",
        "11be1c9d-1c07-40af-932e-f8c7dee8f067",
        "c:9,i:3,a:2,group:[finance,payroll]",
        "c:high,i:2",
        "properties.networkAcls.defaultAction",
    ],
}
SUMMARY = {  # the text and Markdown reports' summary lines
    "demo": [
        "resources: 3 added, 1 removed, 6 changed, 1 moved, 1 renamed?",
        "rbac: 1 assignments added, 1 removed, 0 changed, 1 role definitions changed",
        "mgmt: 0 added, 0 removed, 1 moved, 0 changed",
        # week 1 opens nsg-web/allow-ssh-from-hub to Internet: vmss-batch (instance public IP)
        "exposure: 1 newly reachable, 1 no longer reachable, 2 CIA raised",
    ],
    "full": [
        "resources: 1 added, 1 removed, 3 changed, 0 moved, 0 renamed?",
        "mgmt: 1 added, 0 removed, 1 moved, 0 changed",
        # the storage account's networkAcls.defaultAction goes Allow -> Deny; the vault is removed
        "exposure: 0 newly reachable, 2 no longer reachable, 0 CIA raised",
    ],
}
ONLY = {  # facts each format spells its own way
    ("demo", ".txt"): [
        "> rg-data-prod/mariadb-fab-legacy (servers) moved to resource group rg-app-staging",
        "+ rg-app-prod/web03 (virtualMachines)",
        "- rg-app-staging/stfabstagingtmp01 (storageAccounts)",
        "+ Owner for Eve Contractor <eve.contractor@fabrikamdemo.onmicrosoft.com> (User 259e0f9b…)",
    ],
    ("demo", ".md"): [
        "from `rg-data-prod` to `rg-app-staging`",
        "| added | Owner | Eve Contractor <eve.contractor@fabrikamdemo.onmicrosoft.com>",
        "**added** `rg-app-prod/web03 (virtualMachines)`",
    ],
    ("demo", ".json"): [
        '"added": 3',
        "994b0436-720d-584b-9242-922618fa239d",  # Heidi's Contributor, removed
        "virtualMachines/web03",
        "storageAccounts/stfabstagingtmp01",
        EVE,
    ],
    ("full", ".txt"): [
        'properties.networkAcls.defaultAction: "Allow" -> "Deny"',
        "+ test_vm/cctestvm2 (virtualMachines)  C0 I2 A0",
        "- test_keyvault/sample-vault (vaults)",
    ],
    ("full", ".md"): [
        "**added** `test_vm/cctestvm2 (virtualMachines)` (C0 I2 A0)",
        "**removed** `test_keyvault/sample-vault (vaults)`",
    ],
    ("full", ".json"): ["virtualMachines/cctestvm2", "vaults/sample-vault"],
}
DIFF_FILES = sorted(GOLDEN.glob("diff/*"))


@pytest.mark.parametrize("path", DIFF_FILES, ids=lambda p: p.name)
def test_diff_golden_holds_its_facts(path: Path) -> None:
    text = path.read_text()
    facts = DIFF_FACTS[path.stem] + ONLY[(path.stem, path.suffix)]
    if path.suffix != ".json":
        facts += SUMMARY[path.stem]
    if path.suffix == ".json":
        json.loads(text)
        text = text.replace("\\/", "/")
    missing = [f for f in facts if f not in text]
    assert not missing, f"{path} lost {missing}"


def test_golden_files_are_all_checked() -> None:
    assert len(BUILD_FILES) + len(DIFF_FILES) == len([p for p in GOLDEN.rglob("*") if p.is_file()])
    assert {p.name for p in DIFF_FILES} == {
        f"{s}.{x}" for s in DIFF_FACTS for x in ("json", "md", "txt")
    }
