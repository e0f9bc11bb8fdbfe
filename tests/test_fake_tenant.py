"""The fake tenants' content: the demo (week 0 and week 1) and the synthetic scale tenant."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakeazure.demo import (
    SUB_PROD,
    TENANT_ID,
    WEEK1_CHANGES,
    _Groups,
    demo_tenant,
)
from fakeazure.synthetic import PER_RESOURCE_TYPES, synthetic_arg_rows, synthetic_tenant
from fakeazure.tenant import Tenant
from snapdiff.naming.calls import FOLLOW_UPS, PER_RESOURCE
from snapdiff.redact import redact_obj

# Format spec §1 table (plus App Insights, which feeds the second file), written out here so
# that this test does not trust the module's own constant.
SPEC_TYPES = {
    "microsoft.compute/virtualmachines",
    "microsoft.compute/virtualmachinescalesets",
    "microsoft.keyvault/vaults",
    "microsoft.compute/disks",
    "microsoft.compute/sshpublickeys",
    "microsoft.network/networkinterfaces",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworks",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/localnetworkgateways",
    "microsoft.network/connections",
    "microsoft.network/routetables",
    "microsoft.storage/storageaccounts",
    "microsoft.documentdb/databaseaccounts",
    "microsoft.web/sites",
    "microsoft.web/serverfarms",
    "microsoft.servicebus/namespaces",
    "microsoft.sql/servers",
    "microsoft.dbformysql/servers",
    "microsoft.dbforpostgresql/servers",
    "microsoft.dbformariadb/servers",
    "microsoft.containerregistry/registries",
    "microsoft.containerservice/managedclusters",
    "microsoft.apimanagement/service",
    "microsoft.insights/components",
}
MG = "/providers/microsoft.management/managementgroups/"


@pytest.fixture(scope="module")
def w0() -> Tenant:
    return demo_tenant(0)


@pytest.fixture(scope="module")
def w1() -> Tenant:
    return demo_tenant(1)


def _by(t: Tenant, rtype: str, name: str) -> list[dict[str, Any]]:
    return [r for r in t.resources if r["type"] == rtype and r["name"] == name]


def _one(t: Tenant, rtype: str, name: str) -> dict[str, Any]:
    rows = _by(t, rtype, name)
    assert len(rows) == 1, (rtype, name, len(rows))
    return rows[0]


def _all_assignments(t: Tenant) -> dict[str, dict[str, Any]]:
    return {a["id"].lower(): a for v in t.role_assignments.values() for a in v}


# ---- demo, week 0 ---------------------------------------------------------------------------------


def test_demo_is_deterministic_and_json(w0: Tenant) -> None:
    again = demo_tenant(0)
    assert json.dumps(again.__dict__, sort_keys=True, default=sorted) == json.dumps(
        w0.__dict__, sort_keys=True, default=sorted
    )
    assert w0.tenant_id == TENANT_ID
    assert len(w0.subscriptions) == 2


def test_demo_covers_every_securicad_kind(w0: Tenant) -> None:
    types = {r["type"] for r in w0.resources}
    assert types >= SPEC_TYPES, SPEC_TYPES - types
    unknown = types - SPEC_TYPES
    for t in (
        "microsoft.network/loadbalancers",
        "microsoft.managedidentity/userassignedidentities",
        "microsoft.network/privateendpoints",
    ):
        assert t in unknown
    assert all(r["type"] == r["type"].lower() for r in w0.resources)


def test_demo_rows_look_like_resource_graph(w0: Tenant) -> None:
    cols = {"id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
            "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"}  # fmt: skip
    ids = [r["id"].lower() for r in w0.resources]
    assert len(ids) == len(set(ids))
    for r in w0.resources + w0.containers:
        assert set(r) == cols, r["id"]
        assert (
            f"/resourcegroups/{r['resourceGroup']}/" in r["id"].lower() + "/"
            or not r["resourceGroup"]
        )
    rgs = [
        c for c in w0.containers if c["type"] == "microsoft.resources/subscriptions/resourcegroups"
    ]
    assert len(rgs) >= 6
    mc = [c for c in rgs if c["name"].startswith("MC_")]
    assert len(mc) == 1 and mc[0]["managedBy"].lower().endswith("/managedclusters/aks-fab-prod")


def test_every_per_resource_call_has_an_answer(w0: Tenant, w1: Tenant) -> None:
    for t in (w0, w1):
        for row in t.resources:
            for call in PER_RESOURCE.get(row["type"], ()):
                if call.data_plane:
                    uri = row["properties"]["vaultUri"]
                    assert uri.startswith("http://127.0.0.1:18080/kv/")
                    path = "/" + uri.split("/", 3)[3] + call.suffix
                    assert path in t.responses or any(path.startswith(f) for f in t.forbidden), path
                    continue
                path = (row["id"] + call.suffix).lower()
                assert path in t.responses, path
                follow = FOLLOW_UPS.get(call.call)
                for item in t.responses[path] if follow else ():
                    assert (item["id"] + follow.suffix).lower() in t.responses
    assert (
        demo_tenant(0, base="http://127.0.0.1:9").resources != w0.resources
    )  # vaultUri follows base


def test_one_vault_is_forbidden_the_other_lists(w0: Tenant) -> None:
    assert w0.forbidden == {"/kv/kv-fab-shared-ops/"}
    assert len(w0.responses["/kv/kv-fab-prod-app/keys"]) >= 2
    assert w0.responses["/kv/kv-fab-prod-app/secrets"]
    assert w0.responses["/kv/kv-fab-prod-app/certificates"]


def test_same_name_pair(w0: Tenant) -> None:
    vms = _by(w0, "microsoft.compute/virtualmachines", "web01")
    assert {v["resourceGroup"] for v in vms} == {"rg-app-prod", "rg-app-staging"}
    assert {v["properties"]["storageProfile"]["osDisk"]["osType"] for v in vms} == {
        "Linux",
        "Windows",
    }
    assert {v["subscriptionId"] for v in vms} == {SUB_PROD}
    nics = _by(w0, "microsoft.network/networkinterfaces", "nic-web01")
    assert len(nics) == 2 and nics[0]["properties"] != nics[1]["properties"]
    assert len(_by(w0, "microsoft.network/networksecuritygroups", "nsg-web")) == 2


def test_network_details(w0: Tenant) -> None:
    rules = [
        r["properties"]
        for n in w0.resources
        if n["type"] == "microsoft.network/networksecuritygroups"
        for r in n["properties"]["securityRules"]
    ]
    assert any(
        r.get("destinationPortRanges") and "-" in "".join(r["destinationPortRanges"]) for r in rules
    )
    assert any(r.get("sourceApplicationSecurityGroups") for r in rules)
    assert any(
        "." in str(r.get("destinationAddressPrefix")) and r["destinationAddressPrefix"][0].isalpha()
        for r in rules
    )
    pips = [r for r in w0.resources if r["type"] == "microsoft.network/publicipaddresses"]
    assert any(
        p["properties"]["publicIPAllocationMethod"] == "Dynamic"
        and "ipAddress" not in p["properties"]
        for p in pips
    )
    hub = _one(w0, "microsoft.network/virtualnetworkgateways", "vgw-hub")
    assert hub["properties"]["bgpSettings"]["bgpPeeringAddresses"]
    kinds = {
        c["properties"]["connectionType"]
        for c in w0.resources
        if c["type"] == "microsoft.network/connections"
    }
    assert kinds == {"Vnet2Vnet", "IPsec"}
    vnets = [r for r in w0.resources if r["type"] == "microsoft.network/virtualnetworks"]
    assert any(v["properties"]["virtualNetworkPeerings"] for v in vnets)
    st = _one(w0, "microsoft.storage/storageaccounts", "stfabprodapp01")["properties"][
        "networkAcls"
    ]
    assert (
        st["bypass"] == "Logging, Metrics, AzureServices"
        and st["ipRules"]
        and st["virtualNetworkRules"]
    )


def test_storage_containers_include_a_public_one(w0: Tenant) -> None:
    access = [
        c["properties"]["publicAccess"]
        for k, v in w0.responses.items()
        if k.endswith("/blobservices/default/containers")
        for c in v
    ]
    assert {"Blob", "Container", "None", None} <= set(access)


def test_secrets_are_there_for_redaction_to_catch(w0: Tenant) -> None:
    text = json.dumps(w0.responses)
    for needle in ("AccountKey=fake", "sig=fake", '"clientSecret": "fake', "SharedAccessKey=fake"):
        assert needle in text
    _, found = redact_obj(w0.responses)
    reasons = {r for _, r in found}
    assert {"connection-string", "sas-signature", "secret-key"} <= reasons
    redacted, _ = redact_obj(w0.responses)
    for key in ("AccountKey=fake", "sig=fake", "fake-client-secret"):
        assert key not in json.dumps(redacted)


def test_scad_tags_include_malformed_ones(w0: Tenant) -> None:
    tags = [r["tags"] or {} for r in w0.resources]
    values = {v for t in tags for k, v in t.items() if k == "scad"}
    assert {"C:7,I:x", "group:[Prod,PCI],A:12", "c: 5, i:3"} <= values
    assert any("SCAD" in t for t in tags)


def test_management_group_tree(w0: Tenant) -> None:
    assert len(w0.management_groups) == 5
    details = w0.mg_details
    corp = details[f"{MG}mg-corp"]["properties"]
    assert corp["details"]["parent"]["name"] == "mg-landingzones"
    lz = details[f"{MG}mg-landingzones"]["properties"]
    assert lz["details"]["parent"]["name"] == TENANT_ID
    assert details[f"{MG}{TENANT_ID}"]["properties"]["details"]["parent"] is None
    assert any(c["type"] == "/subscriptions" for c in corp["children"])
    assert details[f"{MG}mg-sandbox"]["properties"]["children"] is None


def test_role_assignments(w0: Tenant) -> None:
    prod = w0.role_assignments[f"/subscriptions/{SUB_PROD}".lower()]
    scopes = {a["properties"]["scope"].lower() for a in prod}
    assert f"{MG}mg-corp" in scopes and f"{MG}{TENANT_ID}" in scopes  # inherited
    assert f"{MG}mg-platform" not in scopes  # not an ancestor of prod
    assert any("/resourcegroups/" in s and "/providers/" not in s for s in scopes)
    assert any("/providers/microsoft." in s and s.startswith("/subscriptions/") for s in scopes)
    for scope, items in w0.role_assignments.items():
        if scope.startswith(MG):
            assert all(a["properties"]["scope"].lower() == scope for a in items)
    every = _all_assignments(w0).values()
    assert {a["properties"]["principalType"] for a in every} == {
        "User",
        "Group",
        "ServicePrincipal",
    }
    guids = {a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1] for a in every}
    assert guids <= set(w0.role_definitions)
    names = {w0.role_definitions[g]["properties"]["roleName"] for g in guids}
    assert {"Owner", "Contributor", "Reader", "User Access Administrator"} <= names
    assert any(
        d["properties"]["type"] == "CustomRole"
        and "*" in d["properties"]["permissions"][0]["actions"]
        for d in w0.role_definitions.values()
    )


def test_groups(w0: Tenant) -> None:
    g = w0.groups
    holders = {
        a["properties"]["principalId"]
        for a in _all_assignments(w0).values()
        if a["properties"]["principalType"] == "Group"
    }
    assert holders <= set(g)
    nested = {m["id"] for ms in g.values() for m in ms if m["@odata.type"].endswith(".group")}
    assert nested <= set(g)
    assert max(len(ms) for ms in g.values()) > w0.graph_page_size
    types = {m["@odata.type"].rsplit(".", 1)[-1] for ms in g.values() for m in ms}
    assert types == {"user", "group", "servicePrincipal", "device"}
    edges = {(a, m["id"]) for a, ms in g.items() for m in ms if m["@odata.type"].endswith(".group")}
    assert any((b, a) in edges for a, b in edges), "a membership cycle"


def test_topology_is_an_application_map(w0: Tenant) -> None:
    (key,) = [k for k in w0.responses if k.endswith("/providers/microsoft.insights/topology")]
    body = w0.responses[key]
    ids = {n["id"] for n in body["nodes"]}
    assert body["links"] and all(
        link["source"] in ids and link["target"] in ids for link in body["links"]
    )


# ---- demo, week 1 -------------------------------------------------------------------------------------


def test_week1_resource_changes(w0: Tenant, w1: Tenant) -> None:
    ids0 = {r["id"].lower() for r in w0.resources}
    ids1 = {r["id"].lower() for r in w1.resources}
    rg, vm = WEEK1_CHANGES["vm_added"]
    assert not _by(w0, "microsoft.compute/virtualmachines", vm)
    assert _one(w1, "microsoft.compute/virtualmachines", vm)["resourceGroup"] == rg
    _, st = WEEK1_CHANGES["storage_removed"]
    assert _by(w0, "microsoft.storage/storageaccounts", st) and not _by(
        w1, "microsoft.storage/storageaccounts", st
    )
    assert not any(st in k for k in w1.responses)
    rtype, name, old_rg, new_rg = WEEK1_CHANGES["moved"]
    a, b = _one(w0, rtype, name), _one(w1, rtype, name)
    assert (a["resourceGroup"], b["resourceGroup"]) == (old_rg, new_rg) and a["id"] != b["id"]
    assert a["id"].lower() not in ids1 and b["id"].lower() not in ids0
    rtype, old, new = WEEK1_CHANGES["renamed"]
    assert (
        _by(w0, rtype, old)
        and not _by(w1, rtype, old)
        and _by(w1, rtype, new)
        and not _by(w0, rtype, new)
    )


def test_week1_nsg_rule_opens_ssh_to_internet(w0: Tenant, w1: Tenant) -> None:
    rg, nsg, rule = WEEK1_CHANGES["nsg_rule"]

    def get(t: Tenant) -> dict[str, Any]:
        (n,) = [
            r
            for r in _by(t, "microsoft.network/networksecuritygroups", nsg)
            if r["resourceGroup"] == rg
        ]
        (x,) = [r for r in n["properties"]["securityRules"] if r["name"] == rule]
        return x["properties"]

    assert get(w0)["destinationPortRange"] == "22" and get(w0)["sourceAddressPrefix"] != "Internet"
    assert get(w1)["sourceAddressPrefix"] == "Internet"


def test_week1_noise_on_unchanged_resources(w0: Tenant, w1: Tenant) -> None:
    changed = 0
    for name in WEEK1_CHANGES["noise"]:
        a = [r for r in w0.resources if r["name"] == name]
        b = [r for r in w1.resources if r["name"] == name]
        assert len(a) == len(b) == 1 and a[0]["id"] == b[0]["id"]
        changed += a[0] != b[0]
    assert changed == len(WEEK1_CHANGES["noise"])
    assert (
        _one(w1, "microsoft.compute/virtualmachinescalesets", "vmss-batch")["properties"][
            "provisioningState"
        ]
        == "Updating"
    )


def test_week1_rbac_changes(w0: Tenant, w1: Tenant) -> None:
    a0, a1 = _all_assignments(w0), _all_assignments(w1)
    added = [a1[k] for k in a1.keys() - a0.keys()]
    removed = [a0[k] for k in a0.keys() - a1.keys()]
    assert len(added) == 1 and len(removed) == 1
    owner = w1.role_definitions[added[0]["properties"]["roleDefinitionId"].rsplit("/", 1)[-1]]
    assert owner["properties"]["roleName"] == WEEK1_CHANGES["role_added"][0]
    contrib = w0.role_definitions[removed[0]["properties"]["roleDefinitionId"].rsplit("/", 1)[-1]]
    assert contrib["properties"]["roleName"] == WEEK1_CHANGES["role_removed"][0]
    changed = [g for g in w0.role_definitions if w0.role_definitions[g] != w1.role_definitions[g]]
    assert [w0.role_definitions[g]["properties"]["roleName"] for g in changed] == [
        WEEK1_CHANGES["custom_role_changed"]
    ]
    (g,) = changed
    assert (
        w0.role_definitions[g]["properties"]["permissions"][0]["actions"]
        != w1.role_definitions[g]["properties"]["permissions"][0]["actions"]
    )


def test_week1_group_changes(w0: Tenant, w1: Tenant) -> None:
    def names(t: Tenant) -> dict[str, set[str]]:
        return {gid: {m["displayName"] for m in ms} for gid, ms in t.groups.items()}

    n0, n1 = names(w0), names(w1)
    group, user = WEEK1_CHANGES["group_member_added"]
    gid = _Groups.id(group)
    assert n1[gid] - n0[gid] == {"Dave Ops"} and user == "dave.ops"
    parent, child = WEEK1_CHANGES["nested_member_removed"]
    pid = _Groups.id(parent)
    assert n0[pid] - n1[pid] == {child} and not n1[pid] - n0[pid]
    others = [g for g in n0 if g not in (gid, pid) and n0[g] != n1[g]]
    assert others == []


def test_week1_scad_changes(w0: Tenant, w1: Tenant) -> None:
    def scad(t: Tenant) -> dict[str, str]:
        return {
            r["id"]: (r["tags"] or {}).get("scad")
            for r in t.resources
            if (r["tags"] or {}).get("scad") is not None
        }

    s0, s1 = scad(w0), scad(w1)
    common = s0.keys() & s1.keys()
    assert any(s0[k] != s1[k] for k in common)  # a value changed
    added_names = {k.rsplit("/", 1)[-1] for k in s1.keys() - s0.keys()}
    removed_names = {k.rsplit("/", 1)[-1] for k in s0.keys() - s1.keys()}
    assert (
        WEEK1_CHANGES["scad_added"] in added_names
        and WEEK1_CHANGES["scad_malformed_added"] in added_names
    )
    assert WEEK1_CHANGES["scad_removed"] in removed_names


def test_week1_management_group_moved(w0: Tenant, w1: Tenant) -> None:
    mg, old, new = WEEK1_CHANGES["mg_moved"]
    p0 = w0.mg_details[f"{MG}{mg}"]["properties"]["details"]["parent"]["name"]
    p1 = w1.mg_details[f"{MG}{mg}"]["properties"]["details"]["parent"]["name"]
    assert (p0, p1) == (old, new)

    def kids(t: Tenant, m: str) -> set[str]:
        return {c["name"] for c in t.mg_details[f"{MG}{m}"]["properties"]["children"] or []}

    assert mg in kids(w0, old) and mg not in kids(w1, old) and mg in kids(w1, new)


# ---- synthetic ------------------------------------------------------------------------------------------


def test_synthetic_is_deterministic_and_sized() -> None:
    a = synthetic_tenant(3000, seed=7)
    b = synthetic_tenant(3000, seed=7)
    c = synthetic_tenant(3000, seed=8)
    assert a == b
    assert a.resources != c.resources and a.tenant_id != c.tenant_id
    assert len(a.resources) == 3000
    assert len({r["id"].lower() for r in a.resources}) == 3000
    per = sum(r["type"] in PER_RESOURCE_TYPES for r in a.resources)
    assert 0.04 <= per / 3000 <= 0.06
    assert synthetic_arg_rows(3000, seed=7) == a.resources
    n_ra = len(_all_assignments(a))
    assert 20 <= n_ra <= 45
    assert max(len(v) for v in a.groups.values()) > a.graph_page_size


def test_synthetic_serves_every_per_resource_call() -> None:
    t = synthetic_tenant(2000, seed=1)
    for row in t.resources:
        for call in PER_RESOURCE.get(row["type"], ()):
            if call.data_plane:
                path = "/" + row["properties"]["vaultUri"].split("/", 3)[3] + call.suffix
            else:
                path = (row["id"] + call.suffix).lower()
            assert path in t.responses, path
    guids = {
        a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1] for a in _all_assignments(t).values()
    }
    assert guids <= set(t.role_definitions)
    nested = {
        m["id"] for ms in t.groups.values() for m in ms if m["@odata.type"].endswith(".group")
    }
    assert nested <= set(t.groups)


@pytest.mark.parametrize("churn", [0.01, 0.05])
def test_synthetic_churn_touches_about_churn_times_n(churn: float) -> None:
    n = 10_000
    a = {r["id"]: r for r in synthetic_arg_rows(n, seed=3)}
    b = {r["id"]: r for r in synthetic_arg_rows(n, seed=3, churn_week=1, churn=churn)}
    touched = len(a.keys() ^ b.keys()) + sum(a[k] != b[k] for k in a.keys() & b.keys())
    assert 0.8 * churn * n <= touched <= 1.2 * churn * n
    kinds = {"scad": 0, "other": 0}
    for k in a.keys() & b.keys():
        if a[k] != b[k]:
            kinds[
                "scad"
                if (a[k]["tags"] or {}).get("scad") != (b[k]["tags"] or {}).get("scad")
                else "other"
            ] += 1
    assert kinds["scad"] and kinds["other"]
    assert a.keys() - b.keys() and b.keys() - a.keys()
    two = {r["id"]: r for r in synthetic_arg_rows(n, seed=3, churn_week=2, churn=churn)}
    touched2 = len(a.keys() ^ two.keys()) + sum(a[k] != two[k] for k in a.keys() & two.keys())
    assert touched2 > touched


def test_synthetic_churn_changes_role_assignments() -> None:
    a = _all_assignments(synthetic_tenant(5000, seed=2))
    b = _all_assignments(synthetic_tenant(5000, seed=2, churn_week=1, churn=0.1))
    assert a.keys() - b.keys() and b.keys() - a.keys()


def test_synthetic_100k_is_sized() -> None:
    """The generator's speed is benchmarks/fake_tenant.py's business, never a timed assertion."""
    t = synthetic_tenant(100_000, churn_week=1)
    assert abs(len(t.resources) - 100_000) < 100
