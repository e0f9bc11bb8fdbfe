"""Internet exposure (snapdiff.exposure): NSG arithmetic, the traps tenant, the demo, the CLI.

Every expectation below is written by hand from the tenant models (tests/fakeazure/
exposure_tenant.py and demo.py), not taken from the code's output.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fakeazure import exposure_tenant as et
from snapdiff.cli import main
from snapdiff.diff.schema import schema_errors
from snapdiff.exposure import compute
from snapdiff.exposure.diff import SCHEMA, diff_exposure
from snapdiff.exposure.intervals import Intervals, format_ports, parse_ports
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store


def test_port_intervals():
    a = parse_ports(["80", "443", "8000-8100"])
    assert a == Intervals([(80, 80), (443, 443), (8000, 8100)])
    assert format_ports(a - Intervals([(8050, 8050)])) == "80, 443, 8000-8049, 8051-8100"
    assert parse_ports(["*"]) == Intervals([(0, 65535)])
    assert parse_ports(["22-x"]) is None and parse_ports(["70000"]) is None
    assert format_ports(Intervals([(1, 5)]) & Intervals([(3, 9)])) == "3-5"


def _table(report):
    rows = (f.to_dict() for f in report.findings)
    return {(d["short"], d["protocol"], d["ports"], tuple(d["sources"])) for d in rows}


@pytest.fixture(scope="module")
def traps(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("exp") / "exp.db")
    a, b = et.write(store, 0), et.write(store, 1)
    yield store, a, b
    store.close()


def test_traps_week0_reachable_exactly(traps):
    store, a, _ = traps
    r = compute(SnapshotView(store, a))
    assert _table(r) == {
        # same NSG on subnet and NIC; Deny 3389 (100) hides Allow 3389 (200); 22 only from
        # 10.0.0.0/8; Deny 8050 cuts the 8000-8100 range; Udp 53 from one prefix
        ("rg-exp/vm-a1 (virtualMachines)", "Tcp", "80, 443, 8000-8049, 8051-8100", ("any",)),
        ("rg-exp/vm-a1 (virtualMachines)", "Udp", "53", ("203.0.113.0/24",)),
        # same-named VM in another resource group: its own NIC NSG opens 22
        ("rg-other/vm-a1 (virtualMachines)", "Tcp", "22", ("any",)),
        # load balancer rule 80 -> 8080 and NAT 50001 -> 22 (NSG allows 22 from one /24)
        ("rg-exp/vm-b1 (virtualMachines)", "Tcp", "80", ("any",)),
        ("rg-exp/vm-b1 (virtualMachines)", "Tcp", "50001", ("198.51.100.0/24",)),
        # everything open, but behind a firewall route (flagged)
        ("rg-exp/vm-c1 (virtualMachines)", "Tcp", "all", ("any",)),
        ("rg-exp/vm-c1 (virtualMachines)", "Udp", "all", ("any",)),
        ("rg-exp/vm-c1 (virtualMachines)", "Icmp", "", ("any",)),
        ("rg-exp/sql-open (servers)", "Tcp", "1433", ("any",)),
        ("rg-exp/sql-wk (servers)", "Tcp", "1433", ("203.0.113.0/24",)),
    }
    # vm-a2 (no public IP) and vm-d1 (Standard public IP, no NSG) are not reachable;
    # sql-hidden is unknown, never closed
    assert [(u.to_dict()["short"], u.reason) for u in r.unknown] == [
        ("rg-exp/sql-hidden (servers)", "sql:firewallRules: forbidden")
    ]
    a1 = next(f for f in r.findings if f.short.startswith("rg-exp/vm-a1") and f.protocol == "Tcp")
    assert a1.cia == (8, 5, 3)
    hops = [(h.kind, h.name, h.detail.split(",")[0]) for h in a1.path]
    assert hops == [
        ("public-ip", "pip-a1", "20.30.0.1 (Standard)"),
        ("nsg-rule", "nsg-a/allow-web", "subnet level"),
        ("nsg-rule", "nsg-a/allow-web", "nic level"),
        ("nic", "nic-a1", "ipconfig1"),
        ("subnet", "vnet-exp/snet-a", ""),
    ]
    c1 = next(f for f in r.findings if "vm-c1" in f.short)
    assert c1.flags == [
        "behind a route we do not model: rt-fw/default-via-fw sends 0.0.0.0/0 to"
        " VirtualAppliance 10.20.9.4"
    ]
    b1 = next(f for f in r.findings if "vm-b1" in f.short and "50001" in format_ports(f.ports))
    assert [h.kind for h in b1.path[:4]] == ["public-ip", "inbound-nat-rule", "no-nsg", "nsg-rule"]


def test_traps_diff_names_rule_and_not_compared(traps):
    store, a, b = traps
    d = diff_exposure(SnapshotView(store, a), SnapshotView(store, b))
    got = [
        (c.change, c.short, c.protocol, format_ports(c.ports), c.sources.labels())
        for c in d.changes
    ]
    assert got == [
        ("reachable", "rg-exp/vm-a1 (virtualMachines)", "Tcp", "3389", ["any"]),
        ("reachable", "rg-exp/sql-wk (servers)", "Tcp", "1433", ["any except 203.0.113.0/24"]),
        ("unreachable", "rg-other/vm-a1 (virtualMachines)", "Tcp", "22", ["any"]),
    ]
    new, sql, gone = d.changes
    assert sql.causes == [
        "firewall rule office changed: 203.0.113.0-203.0.113.255 -> 0.0.0.0-255.255.255.255"
    ]
    assert new.causes == [  # the same NSG on subnet and NIC: one cause
        "rule nsg-a/allow-rdp-any added (subnet and nic level, priority 90, Allow Tcp 3389 from *)"
    ]
    assert new.via == "public IP pip-a1 (20.30.0.1)"
    assert gone.causes == [
        "rule nsg-o/allow-ssh removed (nic level, priority 100, Allow Tcp 22 from *)"
    ]
    assert [n["subject"] for n in d.not_compared] == ["rg-exp/sql-hidden (servers)"]
    assert d.fails("exposure:c>=8") and not d.fails("exposure:c>=9")


def test_cli_diff_names_vm_port_ip_and_rule(traps):
    store, a, b = traps
    base = ["diff", str(a), str(b), "--store", str(store.path)]
    run = CliRunner().invoke(main, [*base, "--section", "exposure"])
    assert run.exit_code == 1, run.output
    out = run.output
    assert "+ rg-exp/vm-a1 (virtualMachines) newly reachable: Tcp 3389 from any (C8 I5 A3)" in out
    assert "via public IP pip-a1 (20.30.0.1)" in out and "nsg-a/allow-rdp-any" in out
    assert "- rg-other/vm-a1 (virtualMachines) no longer reachable: Tcp 22 from any" in out
    assert "? not compared: rg-exp/sql-hidden (servers)" in out
    section = out[out.index("\nInternet exposure\n") :]  # the notes above are the differ's
    assert max(len(line) for line in section.splitlines()) <= 120
    runs = {
        rule: CliRunner()
        .invoke(main, [*base, "--section", "resources", "--fail-on", rule])
        .exit_code
        for rule in ("exposure", "exposure:c>=8", "exposure:c>=9")
    }
    assert runs == {"exposure": 1, "exposure:c>=8": 1, "exposure:c>=9": 0}
    run = CliRunner().invoke(main, [*base, "--section", "exposure", "--format", "json"])
    doc = json.loads(run.output)["exposure"]
    assert schema_errors(doc, SCHEMA) == []
    assert doc["counts"] == {"reachable": 2, "unreachable": 1, "raised": 0}
    assert doc["changes"][0]["resource"].endswith(
        "/resourceGroups/rg-exp/providers/Microsoft.Compute/virtualMachines/vm-a1"
    )


def test_cli_exposure_filters_and_formats(traps):
    store, a, b = traps
    base = ["exposure", str(b), "--store", str(store.path)]
    run = CliRunner().invoke(main, [*base, "--port", "3389", "--format", "json"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.output)
    assert [(f["short"], f["protocol"], f["ports"]) for f in doc["findings"]] == [
        ("rg-exp/vm-a1 (virtualMachines)", "Tcp", "3389"),
        ("rg-exp/vm-c1 (virtualMachines)", "Tcp", "all"),
        ("rg-exp/vm-c1 (virtualMachines)", "Udp", "all"),  # Udp 3389 is open there too
    ]
    assert doc["findings"][0]["path"][1] == {
        "kind": "nsg-rule",
        "name": "nsg-a/allow-rdp-any",
        "id": doc["findings"][0]["path"][1]["id"],
        "detail": "subnet level, priority 90, Allow Tcp 3389 from *",
    }
    run = CliRunner().invoke(main, [*base, "--min-c", "7"])
    assert [line for line in run.output.splitlines() if not line.startswith(" ")][1:] == [
        "C8 I5 A3  rg-exp/vm-a1 (virtualMachines)",
        "C7 I0 A0  rg-exp/sql-open (servers)",
        "C7 I0 A0  rg-exp/sql-wk (servers)",
        "not known (never read as closed):",
    ]
    run = CliRunner().invoke(main, [*base, "--format", "markdown", "-v"])
    assert (
        run.exit_code == 0
        and "## Internet exposure" in run.output
        and "/subscriptions/" in run.output
    )
    vm = f"/subscriptions/{et.SUB}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachines/vm-a1"
    run = CliRunner().invoke(main, [*base, "--resource", vm.upper(), "--format", "json"])
    assert [f["short"] for f in json.loads(run.output)["findings"]] == []  # 22 closed in week 1
    run = CliRunner().invoke(
        main, ["exposure", str(a), "--store", str(store.path), "--resource", vm]
    )
    assert run.output.splitlines()[1:3] == [
        "C2 I0 A0  rg-other/vm-a1 (virtualMachines)",
        "  Tcp 22 from any via public IP pip-o1 (20.30.0.2)",
    ]
    run = CliRunner().invoke(main, [*base, "--resource", "/subscriptions/x/nothing"])
    assert run.exit_code == 2 and "no resource" in run.output


def test_demo_exposure_week1(demo_store):
    store, _, r1 = demo_store
    r = compute(SnapshotView(store, r1.snapshot_id))
    any_ = ("any",)
    office = ("198.51.100.17", "203.0.113.0/24")
    assert _table(r) == {
        ("rg-mgmt/vm-jumpbox (virtualMachines)", "Tcp", "3389", office),  # subnet NSG: office only
        ("rg-app-staging/web01 (virtualMachines)", "Tcp", "3389", any_),  # allow-rdp-any
        ("rg-app-staging/web01 (virtualMachines)", "Tcp", "80, 443", any_),
        ("rg-app-prod/vmss-batch (virtualMachineScaleSets)", "Tcp", "22", any_),  # week 1 rule
        ("rg-app-prod/vmss-batch (virtualMachineScaleSets)", "Tcp", "443", any_),
        ("rg-app-prod/vmss-batch (virtualMachineScaleSets)", "Tcp", "80, 8080-8090",
         ("service tag AzureFrontDoor.Backend",)),
        ("rg-app-prod/kv-fab-prod-app (vaults)", "Tcp", "443", office),
        ("rg-mgmt/kv-fab-shared-ops (vaults)", "Tcp", "443", any_),
        ("rg-app-prod/stfabprodapp01 (storageAccounts)", "Tcp", "443", office),
        ("rg-data-prod/stfabproddata01 (storageAccounts)", "Tcp", "443", any_),
        ("rg-integration-prod/stfabfuncprod01 (storageAccounts)", "Tcp", "443", any_),
        ("rg-mgmt/stfabsharedlogs01 (storageAccounts)", "Tcp", "443", any_),
        ("rg-aks-prod/aks-fab-prod (managedClusters)", "Tcp", "443", office),
        ("rg-app-prod/app-fab-portal (sites)", "Tcp", "80, 443",
         ("203.0.113.0/24", "service tag AzureFrontDoor.Backend")),  # office, frontdoor; Deny all
        ("rg-app-prod/app-fab-portal (sites)", "Tcp", "443", any_),  # scm site: Allow all
        ("rg-integration-prod/func-fab-orders (sites)", "Tcp", "80, 443", any_),
        ("rg-integration-prod/func-fab-orders (sites)", "Tcp", "443", any_),
        ("rg-data-prod/cosmos-fab-prod (databaseAccounts)", "Tcp", "443",
         ("104.42.195.92", "203.0.113.0/24")),
        ("rg-data-prod/sql-fab-prod (servers)", "Tcp", "1433",
         ("192.0.2.77", "198.51.100.0/24", "203.0.113.10-203.0.113.14",
          "Azure services (any tenant's)")),
        ("rg-data-prod/mysql-fab-prod (servers)", "Tcp", "3306",
         ("203.0.113.0/24", "Azure services (any tenant's)")),
    }  # fmt: skip
    # web01/web02/web03 in rg-app-prod have no public IP; psql is publicNetworkAccess Disabled
    assert r.unknown == []


def test_demo_diff_vmss_newly_reachable_on_22(demo_store):
    store, r0, r1 = demo_store
    d = diff_exposure(SnapshotView(store, r0.snapshot_id), SnapshotView(store, r1.snapshot_id))
    new = [c for c in d.changes if c.change == "reachable"]
    assert [(c.short, c.protocol, format_ports(c.ports), c.sources.labels()) for c in new] == [
        ("rg-app-prod/vmss-batch (virtualMachineScaleSets)", "Tcp", "22", ["any"])
    ]
    assert new[0].causes[0] == (
        "rule nsg-web/allow-ssh-from-hub changed: sourceAddressPrefix 10.0.1.0/24 -> Internet"
    )
    assert any(f.startswith("behind a route we do not model") for f in new[0].flags)
    gone = [(c.short, c.causes) for c in d.changes if c.change == "unreachable"]
    assert gone == [
        ("rg-app-staging/stfabstagingtmp01 (storageAccounts)",
         ["rg-app-staging/stfabstagingtmp01 (storageAccounts) removed"])
    ]  # fmt: skip


def _without(name: str):
    return lambda rows: [r for r in rows if r["name"] != name]


def test_missing_nsg_is_unknown_and_not_compared_never_closed(tmp_path):
    store = Store(tmp_path / "x.db")
    a = et.write(store, 0)
    b = et.write(store, 0, "no-nsg-a", edit=_without("nsg-a"))
    r = compute(SnapshotView(store, b))
    assert ("rg-exp/vm-a1 (virtualMachines)", "NIC NSG nsg-a is not in the snapshot") in [
        (u.to_dict()["short"], u.reason) for u in r.unknown
    ]
    assert not [f for f in r.findings if f.short == "rg-exp/vm-a1 (virtualMachines)"]
    d = diff_exposure(SnapshotView(store, a), SnapshotView(store, b))
    assert [c.short for c in d.changes] == []  # not "no longer reachable"
    assert {n["subject"] for n in d.not_compared} == {
        "rg-exp/vm-a1 (virtualMachines)",
        "rg-exp/sql-hidden (servers)",
    }
    store.close()


def test_failed_resource_graph_batch_leaves_missing_rows_not_compared(tmp_path):
    store = Store(tmp_path / "x.db")
    a = et.write(store, 0)
    b = et.write(store, 0, "partial", edit=_without("vm-c1"), failed_batch=True)
    r = compute(SnapshotView(store, b))
    assert r.coverage == [
        "Resource Graph: failed; exposure is not known for resources (and network rows) it did"
        " not list",
        "Resource Graph batch-1: failed; rows of that batch are missing",
    ]
    d = diff_exposure(SnapshotView(store, a), SnapshotView(store, b))
    assert [c.short for c in d.changes] == []
    assert ("rg-exp/vm-c1 (virtualMachines)", "B: not listed (Resource Graph incomplete)") in [
        (n["subject"], n["reason"]) for n in d.not_compared
    ]
    store.close()


def test_destination_asg_and_nsg_without_default_rules(tmp_path):
    asg = f"/subscriptions/{et.SUB}/resourceGroups/rg-other/providers/Microsoft.Network/applicationSecurityGroups/asg-web"

    def edit(rows):
        for r in rows:
            if r["name"] == "nsg-o":
                nsg = r["id"]
                for name, prio, port, group in (
                    ("to-asg-web", 110, "443", asg),
                    ("to-asg-x", 120, "8443", asg + "x"),
                ):
                    r["properties"]["securityRules"].append({
                        "name": name, "id": f"{nsg}/securityRules/{name}",
                        "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": port,
                                       "sourceAddressPrefix": "*", "destinationApplicationSecurityGroups": [{"id": group}],
                                       "access": "Allow", "priority": prio, "direction": "Inbound"}})  # fmt: skip
                del r["properties"]["defaultSecurityRules"]  # Azure's defaults still apply
            if r["name"] == "nic-o1":
                cfg = r["properties"]["ipConfigurations"][0]["properties"]
                cfg["applicationSecurityGroups"] = [{"id": asg}]
        return rows

    store = Store(tmp_path / "x.db")
    sid = et.write(store, 0, edit=edit)
    got = _table(compute(SnapshotView(store, sid)))
    other = {t for t in got if t[0] == "rg-other/vm-a1 (virtualMachines)"}
    assert other == {
        ("rg-other/vm-a1 (virtualMachines)", "Tcp", "22", ("any",)),
        ("rg-other/vm-a1 (virtualMachines)", "Tcp", "443", ("any",)),  # 8443: another ASG
    }
    store.close()


def test_nsg_body_from_the_azure_rest_spec_example():
    """Azure's own example body (azure-rest-api-specs, NetworkSecurityGroupGet 2024-01-01):
    rule1 allows protocol * port 80 from * at priority 130, then the defaults."""
    from pathlib import Path

    from snapdiff.exposure.compute import EVERYTHING
    from snapdiff.exposure.nsg import Target, openings, parse_nsg

    body = json.loads(
        (
            Path(__file__).parent / "fixtures/exposure/NetworkSecurityGroupGet-2024-01-01.json"
        ).read_text()
    )
    nsg = parse_nsg(body)
    assert [(r.name, r.priority, r.access) for r in nsg.rules] == [
        ("rule1", 130, "Allow"),
        ("AllowVnetInBound", 65000, "Allow"),
        ("AllowAzureLoadBalancerInBound", 65001, "Allow"),
        ("DenyAllInBound", 65500, "Deny"),
    ]
    internet = [r for r in nsg.rules if r.internet]  # VirtualNetwork, AzureLoadBalancer: never
    assert [r.name for r in internet] == ["rule1", "DenyAllInBound"]
    t = Target(Intervals([(167772164, 167772164)]), frozenset())  # 10.0.0.4
    got = [(o.protocol, format_ports(o.ports), o.sources.labels(), o.nic_rule.name) for o in openings(None, internet, EVERYTHING)]  # fmt: skip
    assert all(r.reaches(t) for r in internet)
    # ICMP has no port 80: DenyAllInBound decides it
    assert got == [("Tcp", "80", ["any"], "rule1"), ("Udp", "80", ["any"], "rule1")]


def test_cidr_formatting_agrees_with_the_standard_library():
    import ipaddress
    import random

    from snapdiff.exposure.intervals import cidrs, format_addresses, ipv4_interval

    rng = random.Random(7)
    for _ in range(500):
        lo = rng.randrange(2**32)
        hi = min(2**32 - 1, lo + rng.choice([0, 1, 2, 255, 256, 1000, 2**20, 2**31]))
        nets = ipaddress.summarize_address_range(
            ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)
        )
        assert cidrs(lo, hi) == [
            str(n.network_address) if n.prefixlen == 32 else str(n) for n in nets
        ]
        text = f"{lo >> 24}.{(lo >> 16) & 255}.{(lo >> 8) & 255}.{lo & 255}/{rng.randint(0, 32)}"
        net = ipaddress.ip_network(text, strict=False)
        assert ipv4_interval(text) == (int(net.network_address), int(net.broadcast_address))
    assert format_addresses(Intervals([(3405803786, 3405803790)])) == ["203.0.113.10-203.0.113.14"]
    assert ipv4_interval("::/0") is None and ipv4_interval("10.0.0.256") is None
