"""Effective access: the access scenario (recorded cassette and store-writer weeks: MG
inheritance, nested groups, a deny assignment, custom roles, PIM eligibility, a 403 on
eligibility) and the demo tenant, through the library and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import _offline
from fakeazure import access_tenant as at
from fakeazure.demo import SUB_PROD, _guid
from fakeazure.writer import tenant_fetches, write_snapshot
from snapdiff.access import Access, diff_access
from snapdiff.access.capabilities import Permissions, allowed_ops, capabilities_of
from snapdiff.access.diff import SCHEMA
from snapdiff.cli import main
from snapdiff.diff.model import schema_errors
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    store, result = _offline(tmp_path_factory.mktemp("acc"), ("access", "acc"))
    return store, result.snapshot_id


@pytest.fixture(scope="module")
def weeks(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("accw") / "w.db")
    ids = [
        write_snapshot(store, tenant_fetches(at.access_tenant(w)), label=f"w{w}") for w in (0, 1)
    ]
    return store, ids


def _caps(report, who):
    return {
        e.resource.rsplit("/", 1)[-1]: e
        for e in report.entries
        if e.principal.lower() == at.IDS[who]
    }


def test_capabilities_honour_wildcards_and_not_actions():
    contributor = Permissions(
        ("*",),
        ("microsoft.authorization/*/write", "microsoft.authorization/elevateaccess/action"),
        (),
        (),
    )
    vm = "microsoft.compute/virtualmachines"
    caps = capabilities_of(allowed_ops(contributor, vm), vm)
    assert "run" in caps and "write" in caps and "grant" not in caps
    op = Permissions(
        ("microsoft.storage/*",),
        ("microsoft.storage/storageaccounts/list*", "*/regeneratekey/action"),
        (),
        (),
    )
    st = "microsoft.storage/storageaccounts"
    assert "secrets" not in capabilities_of(allowed_ops(op, st), st)
    reader = Permissions(("*/read",), (), (), ())
    assert capabilities_of(allowed_ops(reader, st), st) == {"read"}


def test_recorded_collection_holds_denies_and_eligibility(recorded):
    store, sid = recorded
    view = SnapshotView(store, sid)
    assert view.meta.status == "complete"  # a 403 on eligibility does not make it partial
    mg = view.fetch("authorization:roleEligibilityScheduleInstances", f"{at.MG}mg-prod".lower())
    assert mg is not None and mg.status == "forbidden"
    assert view.fetch("authorization:denyAssignments", f"/subscriptions/{at.SUB}").ok


def test_resource_query_paths_denies_and_eligible(recorded):
    store, sid = recorded
    x = Access.of(SnapshotView(store, sid))
    r = x.resource(at.VM)
    bob = _caps(r, "bob")["vm-app"]
    # member listings now carry names ($select=id,displayName,...): the nested group is named;
    # the role-holding group's own name comes from getByIds (snapdiff.read.principals), not read here
    assert bob.paths[0].how == f"via group {at.IDS['g-ops']}, nested via G-Oncall"
    assert bob.paths[0].inherited and bob.paths[0].scope.endswith("mg-prod")
    assert "delete" not in bob.capabilities  # denied to everyone but ann
    # runCommand is denied, but extensions/write still runs code: run stays
    assert "run" in bob.capabilities and bob.denied == ["Protect rg-secure: run, delete"]
    ann = _caps(r, "ann")["vm-app"]  # excluded from the deny assignment
    assert {"run", "delete", "write"} <= set(ann.capabilities)
    erin = _caps(r, "erin")["vm-app"]
    assert erin.capabilities == [] and "grant" in erin.eligible and erin.paths[0].eligible
    carl = _caps(r, "carl")["vm-app"]
    assert carl.capabilities == ["read"]  # week 0: VM Runner has no runCommand yet
    assert any("PIM-eligible" in c and "forbidden" in c for c in r.coverage)


def test_principal_query_by_name_and_min_c(recorded):
    store, sid = recorded
    x = Access.of(SnapshotView(store, sid))
    rep = x.principal(at.IDS["dina"])
    st = _caps(rep, "dina")["stlogs01"]
    assert "write" in st.capabilities and "secrets" not in st.capabilities  # notActions
    assert [e.resource for e in x.principal(at.IDS["bob"], (9, 0, 0)).entries] == [at.VM]


def test_diff_causes_and_thresholds(weeks):
    store, (w0, w1) = weeks
    d = diff_access(SnapshotView(store, w0), SnapshotView(store, w1))
    assert schema_errors(d.to_dict(), SCHEMA) == []
    by = {(c.principal.lower(), c.change): c for c in d.changes}
    fred = by[(at.IDS["fred"], "gained")]
    # the nested group is named by the member listing that holds it (displayName is $selected)
    nested = "new member of group "
    assert any(c.startswith(nested) and " > G-Oncall " in c for c in fred.causes), fred.causes
    carl = by[(at.IDS["carl"], "gained")]
    assert carl.capabilities == ["run"] and carl.causes == ["role definition changed: VM Runner"]
    bob = by[(at.IDS["bob"], "gained")]  # the deny assignment went away
    assert any(c.startswith("deny assignment removed") for c in bob.causes)
    assert by[(at.IDS["ann"], "raised")].resources[0].cia == [10, 9, 5]
    assert d.changes[0].top[0] == 10  # sorted by the highest CIA value reached
    assert d.fails("access") and d.fails("access:c>=10") and not d.fails("access:i>9")


def test_forbidden_graph_is_not_compared(weeks, tmp_path):
    store, (w0, _) = weeks
    fetches = tenant_fetches(at.access_tenant(1))
    for f in fetches:
        if f.call.startswith("graph:"):
            f.pages, f.status, f.http_status = [], "forbidden", 403
    other = write_snapshot(store, fetches, label="nograph")
    d = diff_access(SnapshotView(store, w0), SnapshotView(store, other))
    lost = {c.principal.lower() for c in d.changes if c.change == "lost"}
    assert at.IDS["ann"] not in lost and at.IDS["bob"] not in lost  # not "removed"
    assert any("not readable" in n["reason"] or "forbidden" in n["reason"] for n in d.not_compared)


@pytest.mark.parametrize(("status", "http"), [("forbidden", 403), ("notfound", 404)])
def test_unreadable_deny_assignments_give_an_upper_bound(weeks, status, http):
    """Deny assignments only take access away: with B's deny listing unreadable, B's access is
    an upper bound. Gains are still reported (marked), never hidden as "not compared"."""
    store, (w0, _) = weeks
    fetches = tenant_fetches(at.access_tenant(1))
    for f in fetches:
        if f.call == "authorization:denyAssignments":
            f.pages, f.status, f.http_status = [], status, http
    nodeny = write_snapshot(store, fetches, label=f"nodeny-{status}")
    d = diff_access(SnapshotView(store, w0), SnapshotView(store, nodeny))
    assert not [n for n in d.not_compared if n["subject"].startswith("access on")]
    by = {(c.principal.lower(), c.change): c for c in d.changes}
    fred = by[(at.IDS["fred"], "gained")]  # joined G-Oncall: a real gain, whatever B denies
    assert {"run", "write"} <= set(fred.capabilities)
    assert fred.upper_bound == f"deny assignments {status} in B"
    carl = by[(at.IDS["carl"], "gained")]
    assert carl.capabilities == ["run"] and carl.upper_bound == f"deny assignments {status} in B"
    # the deny seen in A is not "removed": B could not say
    bob = by[(at.IDS["bob"], "gained")]
    assert bob.causes == ["deny assignment Protect rg-secure in A, not readable in B"]
    [ub] = d.upper_bound
    assert ub["reason"].startswith(f"deny assignments {status} in B: access is an upper bound")
    # the other way round, losses are reported, bounded by A
    back = diff_access(SnapshotView(store, nodeny), SnapshotView(store, w0))
    lost = {c.principal.lower(): c for c in back.changes if c.change == "lost"}
    assert lost[at.IDS["fred"]].upper_bound == f"deny assignments {status} in A"
    assert not [c for c in back.changes if c.change == "gained"]
    assert schema_errors(d.to_dict(), SCHEMA) == []
    # the report says it next to each change, and once for the section
    run = CliRunner().invoke(
        main, ["diff", "w0", f"nodeny-{status}", "--store", str(store.path), "--section", "access"]
    )
    assert run.exit_code == 1, run.output
    assert (
        f"! deny assignments unknown (deny assignments {status} in B): access is an upper bound"
        in run.output
    )
    assert "not compared: access on" not in run.output
    assert f"! access on 3 resource(s): deny assignments {status} in B: access is an upper" in (
        run.output
    )


def _change(pid, name, caps, causes, resources, via=None, change="gained"):
    from snapdiff.access.diff import AccessChange, Reached

    return AccessChange(
        pid,
        f"{name} ({name.lower().replace(' ', '')}@contoso.com)",
        change,
        caps,
        False,
        causes,
        [
            Reached(rid, "microsoft.compute/virtualmachines", cia, caps, rid.rsplit("/", 1)[-1])
            for rid, cia in resources
        ],
        principal_type="User",
        via_group=via,
        principal_display=name,
        principal_upn=f"{name.lower().replace(' ', '')}@contoso.com",
    )


VM1 = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app-01"
VM2 = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app-02"


def test_members_of_one_group_changing_alike_are_one_entry():
    """149 staff gaining read through sg-all-staff read as one entry; a principal with two
    changes as one entry with both; the C9 resource's entry first."""
    from snapdiff.access.diff import AccessDiff, entries
    from snapdiff.diff.sections.access import Access as AccessSection
    from snapdiff.diff.textout import TextOut
    from snapdiff.naming.labels import VERBOSE

    staff = [
        _change(
            f"{i:08d}-0000-0000-0000-000000000000",
            f"Staff {i:03d}",
            ["read"],
            ["new assignment: Reader at /subscriptions/11111111-2222-3333-4444-555555555555"],
            [(VM1, [9, 5, 5])],
            via="sg-all-staff",
        )
        for i in range(149)
    ]
    eng = "339e0f9b-0000-4000-8000-000000000149"
    engineer = [
        _change(
            eng,
            "Engineer 149",
            ["grant", "write"],
            ["new assignment: Owner at /subscriptions/11111111-2222-3333-4444-555555555555"],
            [(VM1, [9, 5, 5]), (VM2, None)],
        ),
        _change(
            eng,
            "Engineer 149",
            ["read"],
            [
                "new member of group sg-all-staff (Reader at /subscriptions/11111111-2222-3333-4444-555555555555)"
            ],
            [(VM2, None)],
            via="sg-all-staff",
        ),
    ]
    d = AccessDiff(changes=staff + engineer)
    es = entries(d)
    assert len(es) == 2
    first, group = es
    assert first.via_group is None and len(first.changes) == 2  # privileged first at C9
    assert group.via_group == "sg-all-staff" and len(group.members) == 149

    out = TextOut(False)
    AccessSection().render_text(d, out)
    text = "\n".join(out.lines)
    assert text.splitlines()[0] == "  Engineer 149 <engineer149@contoso.com> (User 339e0f9b…)"
    assert "  149 principals via sg-all-staff" in text
    assert "    + gained read on 1 resource, highest C9 I5 A5" in text
    assert "rg-app/vm-app-01 (virtualMachines)  C9 I5 A5: read" in text
    assert "Staff 000" not in text and "(-v lists them)" in text
    assert text.count("because") == 3  # the engineer's two causes, the group's one
    token = VERBOSE.set(True)
    try:
        out = TextOut(False)
        AccessSection().render_text(d, out)
    finally:
        VERBOSE.reset(token)
    text = "\n".join(out.lines)
    assert (
        "member Staff 000 <staff000@contoso.com> (User 00000000-0000-0000-0000-000000000000)"
        in text
    )
    assert VM1 in text
    # five members only: below the threshold, each keeps its own entry
    few = entries(AccessDiff(changes=staff[:5]))
    assert [e.via_group for e in few] == [None] * 5


def test_resource_report_collapses_staff_read_through_one_group(demo_store):
    """web01 in week 1: 158 principals, most of them staff reading through sg-all-staff at
    mg-landingzones; those read as one entry, named principals keep theirs, names first."""
    store, _, _ = demo_store
    web01 = f"/subscriptions/{SUB_PROD}/resourceGroups/rg-app-prod/providers/Microsoft.Compute/virtualMachines/web01"
    args = ["access", "week-1", "--store", str(store.path), "--resource", web01]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    text = run.output
    assert text.startswith("who can reach rg-app-prod/web01 (virtualMachines) (snapshot #")
    assert "CIA: C9 I9 A7; 158 principal(s)" in text
    assert "principals via sg-all-staff: read\n" in text and "(-v lists them)" in text
    assert "staff001" not in text.lower()
    assert (
        "  Eve Contractor <eve.contractor@fabrikamdemo.onmicrosoft.com> (User 259e0f9b…): grant,"
        in text
    )
    assert "Owner direct, inherited from subscription " in text
    assert len(text.splitlines()) < 60  # it was 324 lines, 140 of them "StaffNNN: read"
    full = CliRunner().invoke(main, [*args, "-v"]).output
    assert "    member Bob Ops <bob.ops@fabrikamdemo.onmicrosoft.com> (User 433db9df-3394-" in full
    assert web01 in full


def test_demo_weeks(demo_store):
    store, r0, r1 = demo_store
    d = diff_access(SnapshotView(store, r0.snapshot_id), SnapshotView(store, r1.snapshot_id))
    eve = _guid("principal", "eve.contractor")
    gained = next(c for c in d.changes if c.principal == eve)
    assert "grant" in gained.capabilities and gained.causes[0].startswith("new assignment: Owner")
    dave = _guid("principal", "dave.ops")
    runs = [
        c for c in d.changes if c.principal == dave and "role definition changed" in c.causes[0]
    ]
    assert runs and runs[0].capabilities == ["run"]  # custom role gained runCommand


def test_cli_access_and_diff(demo_store):
    store, r0, r1 = demo_store
    kv = f"/subscriptions/{SUB_PROD}/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-fab-prod-app"
    run = CliRunner().invoke(
        main, ["access", "week-1", "--store", str(store.path), "--resource", kv, "--format", "json"]
    )
    assert run.exit_code == 0, run.output
    entries = json.loads(run.output)["entries"]
    assert any(e["capabilities"] == ["secrets"] for e in entries)  # Key Vault Secrets User
    base = ["diff", "week-0", "week-1", "--store", str(store.path), "--section", "access"]
    run = CliRunner().invoke(main, [*base, "--fail-on", "access:c>=9"])
    assert run.exit_code == 1 and "gained" in run.output
    assert CliRunner().invoke(main, [*base, "--fail-on", "access:c>=10"]).exit_code == 0
    assert CliRunner().invoke(main, [*base, "--fail-on", "access:c>10"]).exit_code == 2
    run = CliRunner().invoke(main, [*base, "--format", "json"])
    assert schema_errors(json.loads(run.output)["access"], SCHEMA) == []
    run = CliRunner().invoke(main, ["access", "--store", str(store.path), "--principal", "nobody"])
    assert run.exit_code == 2 and "Traceback" not in run.output


def test_docs_table_lists_every_probe():
    from pathlib import Path

    from snapdiff.access.capabilities import PROBES

    doc = (Path(__file__).parents[1] / "docs" / "access.md").read_text()
    missing = [p.op for probes in PROBES.values() for p in probes if f"`{p.op}`" not in doc]
    assert missing == []
