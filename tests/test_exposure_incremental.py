"""The exposure diff through the row index (snapdiff.exposure.incremental) against the full
computation: random churn over a tenant with every kind of input, hand-written cases checked
on the incremental path, and a count of the rows it parses.

The tenant is the demo's week 0 (scale sets, ASG, storage, Key Vault, App Service with its
config, SQL, MySQL, Cosmos, AKS, ...) plus the exposure traps tenant (a Standard load balancer
with a rule and a NAT rule, the same NSG on a subnet and a NIC, a route table sending
0.0.0.0/0 to an appliance, a SQL server whose firewall listing was refused).
"""

from __future__ import annotations

import copy
import random
import subprocess
import sys
from typing import Any

import pytest

from fakeazure import exposure_tenant as et
from fakeazure.demo import demo_tenant
from fakeazure.writer import FakeFetch, tenant_fetches, write_snapshot
from snapdiff import rowindex
from snapdiff.exposure import incremental
from snapdiff.exposure.diff import diff_exposure
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

NET = "microsoft.network/"


def _tenant() -> Any:
    t = demo_tenant(0)
    rows, responses = et.rows(0)
    t.resources = t.resources + rows
    for sid, rules in responses.items():
        path = f"{sid}/firewallrules"
        if rules is None:
            t.forbidden.add(path)
            t.responses[path] = []
        else:
            t.responses[path] = rules
    return t


BASE = _tenant()


def _write(store: Store, t: Any, *, failed_batch: bool = False) -> int:
    fetches = tenant_fetches(t)
    if failed_batch:
        fetches.append(FakeFetch("resourcegraph:resources", "batch-9", [], "failed", 500))
    sid = write_snapshot(store, fetches)
    rowindex.write_index(store, sid)
    return sid


def _of(rows: list[dict[str, Any]], rtype: str) -> list[dict[str, Any]]:
    return [r for r in rows if str(r["type"]).lower() == rtype]


def _props(r: dict[str, Any]) -> dict[str, Any]:
    return r.setdefault("properties", {})


# -- churn: each operation edits the tenant in place ------------------------------------------
def _edit_rule(t: Any, rng: random.Random) -> None:
    nsgs = [
        r for r in _of(t.resources, NET + "networksecuritygroups") if _props(r).get("securityRules")
    ]
    rule = rng.choice(_props(rng.choice(nsgs))["securityRules"])["properties"]
    what = rng.randrange(4)
    if what == 0:
        rule["sourceAddressPrefix"] = rng.choice(["*", "Internet", "203.0.113.0/24", "10.0.0.0/8"])
        rule.pop("sourceAddressPrefixes", None)
    elif what == 1:
        rule["access"] = "Deny" if rule.get("access") == "Allow" else "Allow"
    elif what == 2:
        rule["destinationPortRange"] = rng.choice(["22", "3389", "*", "8000-8100"])
        rule.pop("destinationPortRanges", None)
    else:
        rule["priority"] = rng.randrange(90, 400)


def _add_rule(t: Any, rng: random.Random) -> None:
    nsg = rng.choice(_of(t.resources, NET + "networksecuritygroups"))
    name = f"added-{rng.randrange(10**6)}"
    _props(nsg).setdefault("securityRules", []).append({
        "name": name, "id": f"{nsg['id']}/securityRules/{name}",
        "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "properties": {"protocol": rng.choice(["Tcp", "Udp", "*"]), "sourcePortRange": "*",
                       "destinationPortRange": rng.choice(["22", "443", "*", "5000-6000"]),
                       "sourceAddressPrefix": rng.choice(["*", "Internet", "198.51.100.0/24"]),
                       "destinationAddressPrefix": "*", "access": "Allow",
                       "priority": rng.randrange(90, 300), "direction": "Inbound"}})  # fmt: skip


def _remove_rule(t: Any, rng: random.Random) -> None:
    nsgs = [
        r for r in _of(t.resources, NET + "networksecuritygroups") if _props(r).get("securityRules")
    ]
    rules = _props(rng.choice(nsgs))["securityRules"]
    rules.pop(rng.randrange(len(rules)))


def _reattach_nsg(t: Any, rng: random.Random) -> None:
    nsgs = [r["id"] for r in _of(t.resources, NET + "networksecuritygroups")]
    ref = rng.choice([None, *nsgs])
    if rng.random() < 0.5:
        subnets = [
            s
            for v in _of(t.resources, NET + "virtualnetworks")
            for s in _props(v).get("subnets") or []
        ]
        p = _props(rng.choice(subnets))
    else:
        p = _props(rng.choice(_of(t.resources, NET + "networkinterfaces")))
    if ref is None:
        p.pop("networkSecurityGroup", None)
    else:
        p["networkSecurityGroup"] = {"id": ref.upper() if rng.random() < 0.2 else ref}


def _remove_row(t: Any, rng: random.Random) -> None:
    kinds = ["networkinterfaces", "publicipaddresses", "networksecuritygroups", "loadbalancers",
             "virtualnetworks", "routetables", "applicationsecuritygroups"]  # fmt: skip
    rows = _of(t.resources, NET + rng.choice(kinds)) or t.resources
    t.resources.remove(rng.choice(rows))


def _add_row(t: Any, rng: random.Random) -> None:
    """A copy of a VM, scale set or PaaS resource under a new name (sharing its NIC, ...)."""
    types = ("microsoft.compute/virtualmachines", "microsoft.compute/virtualmachinescalesets",
             "microsoft.storage/storageaccounts", "microsoft.sql/servers", "microsoft.web/sites")  # fmt: skip
    src = rng.choice([r for r in t.resources if str(r["type"]).lower() in types])
    new = copy.deepcopy(src)
    n = rng.randrange(10**6)
    new["id"] += f"-x{n}"
    new["name"] += f"-x{n}"
    t.resources.append(new)
    for suffix in ("/firewallrules", "/config/web"):
        if (src["id"] + suffix).lower() in t.responses and rng.random() < 0.7:
            t.responses[(new["id"] + suffix).lower()] = t.responses[(src["id"] + suffix).lower()]


def _edit_pip(t: Any, rng: random.Random) -> None:
    p = rng.choice(_of(t.resources, NET + "publicipaddresses"))
    if rng.random() < 0.5:
        _props(p)["ipAddress"] = rng.choice([None, "20.30.40.50"])
    else:
        p["sku"] = {"name": rng.choice(["Basic", "Standard"]), "tier": "Regional"}


def _edit_nic(t: Any, rng: random.Random) -> None:
    nic = rng.choice(_of(t.resources, NET + "networkinterfaces"))
    cfg = _props(nic)["ipConfigurations"][0].setdefault("properties", {})
    what = rng.randrange(3)
    if what == 0:  # public IP attached / detached
        pips = [r["id"] for r in _of(t.resources, NET + "publicipaddresses")]
        if cfg.get("publicIPAddress") or not pips:
            cfg.pop("publicIPAddress", None)
        else:
            cfg["publicIPAddress"] = {"id": rng.choice(pips)}
    elif what == 1:  # application security group
        asgs = [r["id"] for r in _of(t.resources, NET + "applicationsecuritygroups")]
        cfg["applicationSecurityGroups"] = [{"id": a} for a in asgs[: rng.randrange(2)]]
    else:
        cfg["privateIPAddress"] = f"10.{rng.randrange(256)}.{rng.randrange(256)}.4"


def _edit_lb(t: Any, rng: random.Random) -> None:
    lb = _props(rng.choice(_of(t.resources, NET + "loadbalancers")))
    what = rng.randrange(3)
    if what == 0 and lb.get("loadBalancingRules"):
        lb["loadBalancingRules"][0]["properties"]["frontendPort"] = rng.choice([80, 443, 8443])
    elif what == 1 and lb.get("backendAddressPools"):
        pool = lb["backendAddressPools"][0].setdefault("properties", {})
        nics = _of(t.resources, NET + "networkinterfaces")
        cfgs = [c["id"] for n in nics for c in _props(n).get("ipConfigurations") or []]
        pool["backendIPConfigurations"] = [{"id": c} for c in rng.sample(cfgs, rng.randrange(3))]
    elif lb.get("inboundNatRules"):
        lb["inboundNatRules"][0]["properties"]["backendPort"] = rng.choice([22, 3389])


def _edit_route(t: Any, rng: random.Random) -> None:
    rt = _props(rng.choice(_of(t.resources, NET + "routetables")))
    routes = rt.setdefault("routes", [])
    if routes:
        routes[0].setdefault("properties", {})["nextHopType"] = rng.choice(
            ["Internet", "VirtualAppliance"]
        )
        routes[0]["properties"]["addressPrefix"] = "0.0.0.0/0"
    else:
        routes.append({"name": "r0", "id": "x/routes/r0", "properties": {
            "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.9.9.9"}})  # fmt: skip


def _edit_paas(t: Any, rng: random.Random) -> None:
    types = ("microsoft.storage/storageaccounts", "microsoft.keyvault/vaults",
             "microsoft.documentdb/databaseaccounts", "microsoft.containerservice/managedclusters",
             "microsoft.sql/servers", "microsoft.web/sites")  # fmt: skip
    r = rng.choice([r for r in t.resources if str(r["type"]).lower() in types])
    p = _props(r)
    what = rng.randrange(4)
    if what == 0:
        p["publicNetworkAccess"] = rng.choice(["Enabled", "Disabled"])
    elif what == 1:
        p["networkAcls"] = {"defaultAction": rng.choice(["Allow", "Deny"]), "bypass": "AzureServices",
                            "ipRules": [{"value": "198.51.100.0/24", "action": "Allow"}]}  # fmt: skip
    elif what == 2:
        p["ipRules"] = [{"ipAddressOrRange": rng.choice(["0.0.0.0", "203.0.113.9"])}]
        p["apiServerAccessProfile"] = {"authorizedIPRanges": ["192.0.2.0/24"][: rng.randrange(2)]}
    else:
        r["tags"] = dict(r.get("tags") or {}, scad=f"c:{rng.randrange(11)},i:3,a:3")


def _edit_listing(t: Any, rng: random.Random) -> None:
    """A side listing changes, fails (forbidden) or comes back."""
    path = rng.choice(
        sorted(k for k in t.responses if k.endswith(("/firewallrules", "/config/web")))
    )
    if path in t.forbidden or rng.random() < 0.3:
        t.forbidden ^= {path}
        return
    body = copy.deepcopy(t.responses[path])
    if isinstance(body, list):
        body.append({"id": f"{path[: -len('/firewallrules')]}/firewallRules/x{rng.randrange(99)}",
                     "name": "x", "properties": {"startIpAddress": "0.0.0.0", "endIpAddress": rng.choice(["0.0.0.0", "255.255.255.255"])}})  # fmt: skip
    else:
        props = body.setdefault("properties", {})
        props["ipSecurityRestrictions"] = [{"ipAddress": rng.choice(["Any", "203.0.113.0/24"]),
                                            "action": "Allow", "priority": 100, "name": "r"}]  # fmt: skip
    t.responses[path] = body


def _noise(t: Any, rng: random.Random) -> None:
    r = rng.choice(t.resources)
    r["etag"] = f'W/"{rng.randrange(10**9)}"'


OPS = [_edit_rule, _add_rule, _remove_rule, _reattach_nsg, _remove_row, _add_row, _edit_pip,
       _edit_nic, _edit_lb, _edit_route, _edit_paas, _edit_listing, _noise]  # fmt: skip


def _churned(rng: random.Random, ops: int) -> Any:
    t = copy.deepcopy(BASE)
    for _ in range(ops):
        rng.choice(OPS)(t, rng)
    return t


def _both(store: Store, a: int, b: int) -> tuple[dict[str, Any], dict[str, Any], Any]:
    full = diff_exposure(SnapshotView(store, a), SnapshotView(store, b), incremental=False)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    p = incremental.plan(va, vb)
    inc = diff_exposure(va, vb)
    return inc.to_dict(), full.to_dict(), p


@pytest.mark.parametrize("seed", range(36))
def test_random_churn_incremental_equals_full(tmp_path, seed):
    rng = random.Random(seed)
    store = Store(tmp_path / "x.db")
    a = _write(store, _churned(rng, rng.randrange(2)))
    b = _write(store, _churned(rng, 1 + rng.randrange(4)), failed_batch=seed % 9 == 4)
    inc, full, p = _both(store, a, b)
    assert p is not None  # the incremental path was taken
    assert inc == full
    store.close()


# -- hand-written cases, on the incremental path ------------------------------------------------
def _two(tmp_path, edit_b):
    store = Store(tmp_path / "x.db")
    a = _write(store, copy.deepcopy(BASE))
    t = copy.deepcopy(BASE)
    edit_b(t)
    b = _write(store, t)
    inc, full, p = _both(store, a, b)
    assert p is not None and inc == full
    return store, inc, p


def _row(t: Any, name: str, rtype: str = "") -> dict[str, Any]:
    return next(r for r in t.resources if r["name"] == name and rtype in str(r["type"]).lower())


def test_rule_added_makes_vm_reachable_and_only_its_readers_are_computed(tmp_path):
    def edit(t):
        nsg = _row(t, "nsg-a")
        rules = _props(nsg)["securityRules"]
        rules.insert(0, {"name": "allow-rdp-any", "id": f"{nsg['id']}/securityRules/allow-rdp-any",
                         "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "3389",
                                        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                                        "access": "Allow", "priority": 90, "direction": "Inbound"}})  # fmt: skip

    store, d, p = _two(tmp_path, edit)
    # nsg-a sits on snet-a and on nic-a1: vm-a1 reads it; vm-a2 (same subnet) has no way in
    # from the Internet, so it never reads an NSG and is not computed again
    assert sorted(k.rsplit("/", 1)[-1] for k in p.affected) == ["vm-a1"]
    got = [(c["change"], c["short"], c["protocol"], c["ports"], c["sources"]) for c in d["changes"]]
    assert got == [("reachable", "rg-exp/vm-a1 (virtualMachines)", "Tcp", "3389", ["any"])]
    assert d["changes"][0]["causes"] == [
        "rule nsg-a/allow-rdp-any added (subnet and nic level, priority 90, Allow Tcp 3389 from *)"
    ]
    # the other targets keep their stored status: the refused SQL listing stays not compared
    assert "rg-exp/sql-hidden (servers)" in [n["subject"] for n in d["not_compared"]]
    store.close()


def test_nic_leaves_backend_pool_closes_lb_rule(tmp_path):
    def edit(t):
        lb = _props(_row(t, "lb-pub"))
        lb["backendAddressPools"][0]["properties"]["backendIPConfigurations"] = []

    store, d, p = _two(tmp_path, edit)
    assert [k.rsplit("/", 1)[-1] for k in p.affected] == ["vm-b1"]  # the NIC in the pool
    got = [(c["change"], c["short"], c["ports"], c["via"]) for c in d["changes"]]
    assert got == [
        ("unreachable", "rg-exp/vm-b1 (virtualMachines)", "80",
         "public IP pip-lb (20.30.0.3), load balancer rule lb-pub/http")
    ]  # fmt: skip
    assert "nic-b1 left backend pool be" in d["changes"][0]["causes"]
    store.close()


def test_firewall_listing_refused_on_one_side_is_not_compared(tmp_path):
    path = next(k for k in BASE.responses if k.endswith("sql-wk/firewallrules"))
    store, d, p = _two(tmp_path, lambda t: t.forbidden.add(path))
    assert [k.rsplit("/", 1)[-1] for k in p.affected] == ["sql-wk"]
    assert d["changes"] == []
    assert {(n["subject"], n["reason"]) for n in d["not_compared"]} == {
        ("rg-exp/sql-hidden (servers)", "A: sql:firewallRules: forbidden"),
        ("rg-exp/sql-wk (servers)", "B: sql:firewallRules: forbidden"),
    }
    store.close()


def test_subnet_nsg_replaced_behind_nva_route(tmp_path):
    def edit(t):
        vnet = _row(t, "vnet-exp")
        snet = next(s for s in _props(vnet)["subnets"] if s["name"] == "snet-fw")
        snet["properties"]["networkSecurityGroup"] = {"id": _row(t, "nsg-b")["id"]}

    store, d, p = _two(tmp_path, edit)
    # snet-fw: nsg-open (allow all) replaced by nsg-b (Tcp 8080 from Internet, 22 from
    # 198.51.100.0/24): vm-c1 keeps Tcp 8080, loses the rest; 22 stays open to that /24 only
    got = {(c["change"], c["short"], c["protocol"], c["ports"]) for c in d["changes"]}
    vm = "rg-exp/vm-c1 (virtualMachines)"
    assert got == {
        ("unreachable", vm, "Tcp", "0-21, 23-8079, 8081-65535"),
        ("unreachable", vm, "Tcp", "22"),
        ("unreachable", vm, "Udp", "all"),
        ("unreachable", vm, "Icmp", ""),
    }
    ssh = next(c for c in d["changes"] if c["ports"] == "22")
    assert ssh["sources"] == ["any except 198.51.100.0/24"]
    for c in d["changes"]:
        assert c["causes"] == ["NSG nsg-open detached from subnet vnet-exp/snet-fw (was nsg-b)"]
        assert c["flags"][0].startswith("behind a route we do not model: rt-fw/default-via-fw")
    store.close()


def test_parses_only_the_rows_the_changed_targets_read(tmp_path):
    def edit(t):
        _row(t, "pip-a1")["properties"]["ipAddress"] = "20.30.0.99"

    store, d, p = _two(tmp_path, edit)
    assert [k.rsplit("/", 1)[-1] for k in p.affected] == ["vm-a1"]
    names = {k.rsplit("/", 1)[-1] for k in p.rows[1]}
    # vm-a1, its NIC, NSG, public IP and virtual network (its subnet), on each side
    assert names == {"vm-a1", "nic-a1", "nsg-a", "pip-a1", "vnet-exp"}
    assert p.parsed == 2 * len(names) == 10  # of 109 rows a side
    assert [(c["change"], c["ports"]) for c in d["changes"]] == []  # same rules, new address
    store.close()


def test_full_path_without_index_or_with_an_index_of_other_code(tmp_path):
    store = Store(tmp_path / "x.db")
    a = _write(store, copy.deepcopy(BASE))
    t = copy.deepcopy(BASE)
    _props(_row(t, "nsg-o"))["securityRules"] = []
    b = write_snapshot(store, tenant_fetches(t))  # not indexed
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    assert incremental.plan(va, vb) is None
    d = diff_exposure(va, vb)
    assert [(c["short"], c["ports"]) for c in d.to_dict()["changes"]] == [
        ("rg-other/vm-a1 (virtualMachines)", "22")
    ]
    rowindex.write_index(store, b)
    assert incremental.plan(SnapshotView(store, a), SnapshotView(store, b)) is not None
    # an index written by other exposure code (before an upgrade): its version differs
    with pytest.MonkeyPatch.context() as mp:
        kinds, derive, _ = rowindex._DERIVED["exposure"]
        mp.setattr(incremental, "VERSION", "other")
        mp.setitem(rowindex._DERIVED, "exposure", (kinds, derive, "other"))
        rowindex.write_index(store, b)
    assert incremental.plan(SnapshotView(store, a), SnapshotView(store, b)) is None
    # rows of other code (an index written before an upgrade) are unused, not damage: verify
    # leaves them alone, and the diff (full path) gives the same answer
    assert rowindex.stale_kinds(store, b) == (
        incremental.KIND,
        incremental.DEPS,
        incremental.CONTRIB,
    )
    assert rowindex.check_index(store, b) == []
    again = diff_exposure(SnapshotView(store, a), SnapshotView(store, b))
    assert again.to_dict() == d.to_dict()
    store.close()


def test_verify_names_a_changed_exposure_row_of_the_current_code(tmp_path):
    store = Store(tmp_path / "x.db")
    a = _write(store, copy.deepcopy(BASE))
    assert rowindex.check_index(store, a) == []
    store.conn.execute(
        "UPDATE index_rows SET name = 'f' WHERE snapshot_id = ?1 AND kind = ?2 AND id = (SELECT"
        " min(id) FROM index_rows WHERE snapshot_id = ?1 AND kind = ?2 AND id != '')",
        (a, incremental.KIND),
    )
    problems = rowindex.check_index(store, a)
    assert problems and "index rows wrong: 1" in problems[0]
    store.close()


def test_the_index_holds_exposure_rows_whatever_the_caller_imported(tmp_path):
    """A library caller that never imports snapdiff.exposure writes the same index as the CLI
    (the built-in derivations load by name), so verify never sees rows it cannot explain."""
    store = Store(tmp_path / "x.db")
    a = _write(store, copy.deepcopy(BASE))
    store.close()
    code = (
        "import sys; from snapdiff.store import Store; from snapdiff import rowindex\n"
        "assert 'snapdiff.exposure' not in sys.modules\n"
        f"s = Store({str(tmp_path / 'x.db')!r}); rowindex.write_index(s, {a})\n"
        "print(s.conn.execute(\"SELECT count(*) FROM index_rows WHERE kind = 'exposure'\""
        ").fetchone()[0], len(rowindex.check_index(s, " + str(a) + ")))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows, problems = out.stdout.split()
    assert int(rows) > 0 and problems == "0"


def test_vmss_rule_widened(tmp_path):
    def edit(t):
        for r in _props(_row(t, "nsg-web"))["securityRules"]:
            if r["name"] == "allow-ssh-from-hub":
                r["properties"]["sourceAddressPrefix"] = "Internet"

    store, d, p = _two(tmp_path, edit)
    new = [
        (c["short"], c["protocol"], c["ports"]) for c in d["changes"] if c["change"] == "reachable"
    ]
    assert ("rg-app-prod/vmss-batch (virtualMachineScaleSets)", "Tcp", "22") in new
    store.close()


def test_snapshot_whose_exposure_cannot_be_computed_is_indexed_without_exposure_rows(tmp_path):
    t = copy.deepcopy(BASE)
    rule = _props(_row(t, "lb-pub"))["loadBalancingRules"][0]["properties"]
    rule["frontendPortRangeStart"], rule["frontendPortRangeEnd"] = "eighty", "81"
    store = Store(tmp_path / "x.db")
    a = _write(store, copy.deepcopy(BASE))
    b = _write(store, t)  # the index is written all the same
    assert rowindex.is_indexed(store, b)
    assert rowindex.kind_entries(SnapshotView(store, b), incremental.KIND) == {}
    assert incremental.plan(SnapshotView(store, a), SnapshotView(store, b)) is None
    assert rowindex.check_index(store, b) == []
    store.close()
