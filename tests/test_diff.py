"""The differ: each section, noise and ignore rules, honesty about sources and scope, the JSON
schema, CLI exit codes and golden renderings. Sockets are disabled throughout."""

from __future__ import annotations

import copy
import itertools
import json
import os
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_socket
from click.testing import CliRunner

import snapdiff.store as store_module
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff.cli import main
from snapdiff.diff import diff_snapshots
from snapdiff.diff.history import history
from snapdiff.diff.model import Diff
from snapdiff.diff.render_json import render_json
from snapdiff.diff.render_markdown import render_markdown
from snapdiff.diff.render_text import render_text
from snapdiff.diff.schema import SCHEMA, schema_errors
from snapdiff.naming.noise import IgnoreSet, format_path, read_ignore_file
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

HERE = Path(__file__).parent
FIX = json.loads((HERE / "fixtures" / "diff" / "samples.json").read_text())
GOLDEN = HERE / "golden" / "diff"
SUB = "ea42f556-5106-4743-99b0-c129bfa71a47"
SUB2 = "11111111-0000-0000-0000-000000000002"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BLOB = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
G1 = "aaaaaaaa-0000-0000-0000-00000000000a"
G2 = "bbbbbbbb-0000-0000-0000-00000000000b"
MG = "/providers/Microsoft.Management/managementGroups/"
ROOT, MG1, MG4 = (MG + f"20000000-000{n}-0000-0000-000000000000" for n in (0, 1, 4))
STORAGE, VM, NSG, KV = (r["id"] for r in FIX["arg_rows"])


@pytest.fixture(autouse=True)
def _offline_and_frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No sockets; deterministic snapshot timestamps and uids for golden files."""
    pytest_socket.disable_socket()
    days = itertools.count(13)
    uids = itertools.count(1)
    monkeypatch.setattr(
        store_module, "utcnow", lambda: f"2026-11-{next(days):02d}T08:00:00.000000Z"
    )
    monkeypatch.setattr(
        store_module,
        "uuid",
        types.SimpleNamespace(uuid4=lambda: types.SimpleNamespace(hex=f"uid{next(uids):04d}")),
    )
    yield
    pytest_socket.enable_socket()


# -- a small tenant built from the samples -----------------------------------------------------
def user(n: int) -> dict[str, str]:
    return dict(FIX["graph_member"], id=f"00000000-0000-0000-0000-0000000000u{n}")


def assignment(name: str, role: str, principal: str, ptype: str, scope: str) -> dict[str, Any]:
    a = copy.deepcopy(FIX["role_assignments"][0])
    a["id"] = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
    a["name"] = name
    a["properties"].update(
        roleDefinitionId=f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        principalId=principal,
        principalType=ptype,
        scope=scope,
    )
    return a


def mg_body(mg_id: str, name: str, parent: str | None) -> dict[str, Any]:
    body = copy.deepcopy(FIX["mg_get"])
    body.update(id=mg_id, name=mg_id.rsplit("/", 1)[-1])
    body["properties"]["displayName"] = name
    body["properties"]["children"] = []
    if parent:
        body["properties"]["details"]["parent"] = {"id": parent, "name": parent.rsplit("/", 1)[-1]}
    else:
        body["properties"]["details"].pop("parent", None)
    return body


def base() -> dict[str, Any]:
    rows = copy.deepcopy(FIX["arg_rows"])
    rows[0]["tags"] = {"scad": "c:5,i:3,a:2,group:finance"}
    sub_scope = f"/subscriptions/{SUB}"
    return {
        "rows": rows,
        "assignments": copy.deepcopy(FIX["role_assignments"])
        + [
            assignment("0000000a-ra00-0000-0000-000000000001", READER, G1, "Group", sub_scope),
            assignment("0000000b-ra00-0000-0000-000000000002", BLOB, G2, "Group", STORAGE),
        ],
        "defs": copy.deepcopy(FIX["role_definitions"]),
        "members": {G1: [user(1), user(2)], G2: [user(4)]},
        "transitive": {G1: [user(1), user(2), user(3)], G2: [user(4)]},
        "mgs": [
            mg_body(ROOT, "Tenant Root Group", None),
            mg_body(MG1, "Group 1", ROOT),
            mg_body(MG4, "Group 4", ROOT),
        ],
    }


def rg_of(row: dict[str, Any]) -> tuple[str, str]:
    return row["subscriptionId"], row["resourceGroup"]


def fetches(
    state: dict[str, Any], *, graph: str = "ok", arg_batches: int = 1, fail_batch: int | None = None
) -> list[FakeFetch]:
    out: list[FakeFetch] = []
    rows = sorted(state["rows"], key=lambda r: r["id"].lower())
    rgs = sorted({rg_of(r) for r in rows})
    containers = [
        {
            "id": f"/subscriptions/{s}/resourceGroups/{g}",
            "type": "microsoft.resources/subscriptions/resourcegroups",
            "name": g,
            "subscriptionId": s,
            "managedBy": "",
        }
        for s, g in rgs
    ]
    out.append(FakeFetch("resourcegraph:resourcecontainers", "batch-0", arg_pages(containers)))
    size = -(-len(rows) // arg_batches) if rows else 1
    for n in range(arg_batches):
        chunk = rows[n * size : (n + 1) * size]
        if n == fail_batch:
            out.append(FakeFetch("resourcegraph:resources", f"batch-{n}", [], "failed", 500))
        else:
            out.append(FakeFetch("resourcegraph:resources", f"batch-{n}", arg_pages(chunk)))
    out.append(
        FakeFetch(
            "managementgroups:list",
            "",
            [{"value": [{k: m[k] for k in ("id", "name", "type")} for m in state["mgs"]]}],
        )
    )
    for m in state["mgs"]:
        out.append(FakeFetch("managementgroups:get", m["id"].lower(), [m]))
    subs = sorted({r["subscriptionId"] for r in state["rows"]} | {SUB})
    for s in subs:
        items = [
            a
            for a in state["assignments"]
            if a["id"].lower().startswith(f"/subscriptions/{s}".lower())
        ]
        out.append(
            FakeFetch(
                "authorization:roleAssignments", f"/subscriptions/{s}".lower(), [{"value": items}]
            )
        )
    used = {
        a["properties"]["roleDefinitionId"].rsplit("/", 1)[-1].lower() for a in state["assignments"]
    }
    for guid in sorted(used):
        out.append(FakeFetch("authorization:roleDefinition", guid, [state["defs"][guid]]))
    groups = sorted(
        {
            a["properties"]["principalId"]
            for a in state["assignments"]
            if a["properties"]["principalType"] == "Group"
        }
    )
    for g in groups:
        for call, key in (("graph:members", "members"), ("graph:transitiveMembers", "transitive")):
            if graph == "ok":
                out.append(FakeFetch(call, g, [{"value": state[key].get(g, [])}]))
            else:
                out.append(FakeFetch(call, g, [], graph, 403))
    return out


def snap(
    store: Store,
    state: dict[str, Any],
    *,
    label: str | None = None,
    scope: dict[str, Any] | None = None,
    status: str = "complete",
    **kw: Any,
) -> int:
    return write_snapshot(store, fetches(state, **kw), label=label, scope=scope, status=status)


def changed_state() -> dict[str, Any]:
    """Changes in every section, on top of ``base()``."""
    s = base()
    rows = {r["id"]: r for r in s["rows"]}
    nsg = rows[NSG]
    nsg["etag"] = 'W/"changed"'
    nsg["properties"]["securityRules"][0]["properties"]["access"] = "Deny"
    nsg["properties"]["securityRules"][0]["etag"] = 'W/"changed"'
    vm = rows[VM]
    vm["properties"]["provisioningState"] = "Updating"  # noise only
    vm["tags"]["scad"] = "c:high,i:2"  # malformed tag added
    rows[STORAGE]["tags"]["scad"] = "c:9,i:3,a:2,group:[finance,payroll]"
    rows[STORAGE]["properties"]["networkAcls"]["defaultAction"] = "Deny"
    kv = s["rows"].pop(s["rows"].index(rows[KV]))
    vm2 = copy.deepcopy(vm)
    vm2["id"], vm2["name"] = VM + "2", "cctestvm2"
    s["rows"].append(vm2)
    del kv
    s["assignments"].pop(1)  # an Owner (User) assignment removed
    s["assignments"].append(
        assignment(
            "0000000c-ra00-0000-0000-000000000003", OWNER, G2, "Group", f"/subscriptions/{SUB}"
        )
    )
    s["defs"][READER]["properties"]["permissions"][0]["actions"].append(
        "Microsoft.Authorization/*/write"
    )
    s["members"][G1].append(user(5))
    s["transitive"][G1] = [user(1), user(2), user(5)]
    s["mgs"][2] = mg_body(MG4, "Group 4", MG1)
    s["mgs"].append(mg_body(MG + "new-mg", "New MG", ROOT))
    return s


def run_diff(
    tmp_path: Path,
    a: dict[str, Any],
    b: dict[str, Any],
    akw: dict | None = None,
    bkw: dict | None = None,
    **kw: Any,
) -> Diff:
    store = Store(tmp_path / "s.db")
    ia = snap(store, a, label="week-46", **(akw or {}))
    ib = snap(store, b, label="week-47", **(bkw or {}))
    return diff_snapshots(SnapshotView(store, ia), SnapshotView(store, ib), **kw)


# -- sections ------------------------------------------------------------------------------------
def test_identical_snapshots_have_no_changes(tmp_path: Path) -> None:
    d = run_diff(tmp_path, base(), base())
    assert d.total() == 0 and not d.not_compared and not d.notes
    assert "No changes." in render_text(d)


def test_every_section(tmp_path: Path) -> None:
    d = run_diff(tmp_path, base(), changed_state())
    r = d.resources
    assert [x.id for x in r.added] == [VM + "2"]
    assert [x.id for x in r.removed] == [KV]
    changed = {c.id: c for c in r.changed}
    assert set(changed) == {NSG, STORAGE, VM}
    nsg_paths = {c.path: c for c in changed[NSG].changes}
    assert nsg_paths["properties.securityRules[0].properties.access"].new == "Deny"
    assert not any("etag" in p for p in nsg_paths)
    assert changed[NSG].ignored == 2
    assert "properties.provisioningState" not in {c.path for c in changed[VM].changes}

    b = d.rbac
    assert [a.role_name for a in b.added] == ["Owner"] and b.added[0].privileged
    assert b.added[0].principal_type == "Group"
    assert [a.role_name for a in b.removed] == ["Owner"]
    (rd,) = b.definitions_changed
    assert rd.role_name == "Reader" and not rd.privileged_before and rd.privileged_after
    assert rd.changes[0].new == "Microsoft.Authorization/*/write"

    cia = {c.id: c for c in d.cia.changed}
    assert cia[STORAGE].change == "changed" and cia[STORAGE].after.c == 9
    assert cia[STORAGE].after.groups == ["finance", "payroll"]
    assert cia[VM].change == "added" and cia[VM].malformed and cia[VM].after.problems

    (g,) = d.groups.changed
    assert g.group_id == G1 and [m.id for m in g.direct_added] == [user(5)["id"]]
    assert [m.id for m in g.transitive_removed] == [user(3)["id"]]
    assert g.roles == [f"Reader on /subscriptions/{SUB}"]
    assert g.privileged  # Reader now holds Microsoft.Authorization/*/write

    m = d.mgmt
    assert [x.display_name for x in m.added] == ["New MG"] and not m.removed
    (mv,) = m.moved
    assert mv.id == MG4 and mv.old_parent_id == ROOT and mv.new_parent_id == MG1
    # Owner added, Owner removed, Reader definition, group G1; access changes (computed by
    # default now) count for --fail-on access, not for privileged
    acc = d.results["access"]
    assert acc is not None and acc.counts()["privileged"] > 0
    assert d.privileged_count() == 4


def test_noise_ignored_by_default_and_shown_without_defaults(tmp_path: Path) -> None:
    b = base()
    nsg = next(r for r in b["rows"] if r["id"] == NSG)
    nsg["etag"] = 'W/"other"'
    nsg["properties"]["provisioningState"] = "Updating"
    d = run_diff(tmp_path, base(), b)
    assert d.total() == 0
    assert d.noise.ignored_changes == 2 and d.noise.resources_only_noise == 1
    assert d.noise.by_rule == {"* **.etag": 1, "* **.provisioningState": 1}
    assert "2 field changes ignored" in render_text(d)

    d2 = (
        run_diff(tmp_path / "x", base(), b, default_ignores=False)
        if (tmp_path / "x").mkdir() is None
        else None
    )
    assert d2 is not None
    assert {c.path for c in d2.resources.changed[0].changes} == {
        "etag",
        "properties.provisioningState",
    }
    assert d2.noise.ignored_changes == 0 and not d2.noise.default_ignores


def test_ignore_file_and_rules(tmp_path: Path) -> None:
    f = tmp_path / ".snapdiffignore"
    f.write_text(
        "# tolerate rule tweaks on NSGs\n"
        "microsoft.network/networksecuritygroups  properties.securityRules[*].properties.access\n"
        "\n*  tags.owner   # any type\n"
    )
    rules = read_ignore_file(f)
    assert [str(r) for r in rules] == [
        "microsoft.network/networksecuritygroups properties.securityRules[*].properties.access",
        "* tags.owner",
    ]
    b = base()
    nsg = next(r for r in b["rows"] if r["id"] == NSG)
    nsg["properties"]["securityRules"][1]["properties"]["access"] = "Deny"
    nsg["tags"]["owner"] = "bob"
    d = run_diff(tmp_path, base(), b, ignore=rules)
    assert (
        d.total() == 0
        and d.noise.by_rule[str(rules[0])] == 1
        and d.noise.by_rule["* tags.owner"] == 1
    )


def test_path_globs() -> None:
    ig = IgnoreSet(
        ["microsoft.web/* properties.siteConfig.**.ipSecurityRestrictions"], defaults=True
    )
    assert ig.match(
        "microsoft.web/sites", ["properties", "siteConfig", "a", "ipSecurityRestrictions", 0]
    )
    assert ig.match(
        "microsoft.compute/virtualmachines",
        ["properties", "extended", "instanceView", "powerState"],
    )
    assert ig.match("x", ["systemData", "lastModifiedAt"]) is not None
    assert ig.match("x", ["properties", "timeCreated"]) is None  # creation times are kept
    assert ig.match("x", ["properties", "targetProvisioningState"]) is None
    assert format_path(["tags", "hidden-link:/a.b", "x", 0]) == 'tags["hidden-link:/a.b"].x[0]'
    assert IgnoreSet(['* tags["hidden-link:/a.b"]'], defaults=False).match(
        "t", ["tags", "hidden-link:/a.b"]
    )


def test_resource_moved_between_groups(tmp_path: Path) -> None:
    b = base()
    st = next(r for r in b["rows"] if r["id"] == STORAGE)
    st["id"] = STORAGE.replace("/test_storage/", "/test_storage_moved/")
    st["resourceGroup"] = "test_storage_moved"
    d = run_diff(tmp_path, base(), b)
    (mv,) = d.resources.moved
    assert (mv.from_resource_group, mv.to_resource_group) == ("test_storage", "test_storage_moved")
    assert mv.changes == [] and not d.resources.added and not d.resources.removed
    text = render_text(d)
    assert (
        "> test_storage/cctstoragey6akyqpagdt3o (storageAccounts) moved to resource group "
        "test_storage_moved" in text
    )
    assert STORAGE.replace("/test_storage/", "/test_storage_moved/") in render_text(d, verbose=True)


def test_renamed_heuristic(tmp_path: Path) -> None:
    b = base()
    i = next(n for n, r in enumerate(b["rows"]) if r["id"] == NSG)
    text = json.dumps(b["rows"][i]).replace("/c7n-nsg", "/c7n-nsg-renamed")
    row = json.loads(text)
    row["name"] = "c7n-nsg-renamed"
    row["etag"] = 'W/"new"'
    b["rows"][i] = row
    d = run_diff(tmp_path, base(), b)
    (rn,) = d.resources.renamed
    assert (rn.old_name, rn.new_name) == ("c7n-nsg", "c7n-nsg-renamed")
    assert not d.resources.added and not d.resources.removed


# -- honesty -------------------------------------------------------------------------------------
def test_forbidden_graph_in_one_snapshot(tmp_path: Path) -> None:
    b = changed_state()
    d = run_diff(tmp_path, base(), b, bkw={"graph": "forbidden"})
    assert d.groups.changed == []
    ncs = [n for n in d.not_compared if n.section == "groups"]
    assert {n.subject for n in ncs} == {f"members of group {G1}", f"members of group {G2}"}
    assert all("forbidden in B" in n.reason for n in ncs)
    assert "Not compared" in render_text(d)


def test_partial_snapshot_does_not_report_missing_as_removed(tmp_path: Path) -> None:
    b = base()
    next(r for r in b["rows"] if r["id"] == STORAGE)["properties"]["supportsHttpsTrafficOnly"] = (
        True
    )
    # Rows sorted by id: batch 0 = keyvault, NSG; batch 1 = storage, VM (lost in B).
    d = run_diff(
        tmp_path,
        base(),
        b,
        akw={"arg_batches": 2},
        bkw={"arg_batches": 2, "fail_batch": 0, "status": "partial"},
    )
    assert d.resources.removed == [] and d.resources.added == []
    assert [c.id for c in d.resources.changed] == [STORAGE]
    (nc,) = [n for n in d.not_compared if n.section == "resources"]
    assert "2 only in A" in nc.subject and "failed in B" in nc.reason
    assert any("is partial" in n for n in d.notes)
    assert d.total() == 1


def test_failed_assignment_listing_reports_no_added_or_removed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    ia = snap(store, base())
    bf = [f for f in fetches(changed_state()) if f.call != "authorization:roleAssignments"]
    bf.append(
        FakeFetch("authorization:roleAssignments", f"/subscriptions/{SUB}", [], "forbidden", 403)
    )
    ib = write_snapshot(store, bf, status="partial")
    d = diff_snapshots(SnapshotView(store, ia), SnapshotView(store, ib), sections=["rbac"])
    assert d.rbac.added == [] and d.rbac.removed == []
    assert any(n.subject == f"role assignments at /subscriptions/{SUB}" for n in d.not_compared)


def test_different_scopes_compare_only_the_common_part(tmp_path: Path) -> None:
    a = base()
    extra = copy.deepcopy(a["rows"][0])
    extra["id"] = extra["id"].replace(SUB, SUB2)
    extra["subscriptionId"] = SUB2
    a["rows"].append(extra)
    b = base()
    next(r for r in b["rows"] if r["id"] == KV)["properties"]["enableSoftDelete"] = True
    d = run_diff(
        tmp_path,
        a,
        b,
        akw={"scope": {"subscriptions": [SUB, SUB2], "resource_groups": []}},
        bkw={"scope": {"subscriptions": [SUB.upper()], "resource_groups": []}},
    )
    assert d.resources.removed == []
    assert [c.id for c in d.resources.changed] == [KV]
    assert any("different scopes" in n for n in d.notes)
    assert any("1 resources of A and 0 of B lie outside" in n for n in d.notes)


def test_resource_group_scope_difference(tmp_path: Path) -> None:
    d = run_diff(
        tmp_path,
        base(),
        {**base(), "rows": [r for r in base()["rows"] if r["resourceGroup"] != "test_vm"]},
        akw={"scope": {"subscriptions": [SUB], "resource_groups": []}},
        bkw={
            "scope": {
                "subscriptions": [SUB],
                "resource_groups": ["test_storage", "TEST_KEYVAULT", "test_networksecuritygroup"],
            }
        },
    )
    assert d.resources.removed == [] and d.total("resources") == 0


# -- output ---------------------------------------------------------------------------------------
def test_json_matches_schema(tmp_path: Path) -> None:
    d = run_diff(tmp_path, base(), changed_state(), bkw={"graph": "forbidden"})
    doc = json.loads(render_json(d))
    assert doc["schema_version"] == 1
    assert schema_errors(doc, SCHEMA) == []
    assert doc["summary"]["counts"]["resources"]["added"] == 1
    broken = copy.deepcopy(doc)
    del broken["rbac"]["added"][0]["privileged"]
    broken["resources"]["changed"][0]["changes"][0]["kind"] = "mutated"
    errs = schema_errors(broken, SCHEMA)
    assert any("missing 'privileged'" in e for e in errs) and any("mutated" in e for e in errs)


def test_sections_limit(tmp_path: Path) -> None:
    d = run_diff(tmp_path, base(), changed_state(), sections=["cia"])
    assert d.resources is None and d.rbac is None and d.cia is not None
    assert set(json.loads(render_json(d))["summary"]["counts"]) == {"cia"}


@pytest.mark.parametrize(
    ("fmt", "name"), [("text", "full.txt"), ("json", "full.json"), ("markdown", "full.md")]
)
def test_golden(tmp_path: Path, fmt: str, name: str) -> None:
    d = run_diff(tmp_path, base(), changed_state())
    out = {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt](d)
    path = GOLDEN / name
    if os.environ.get("SNAPDIFF_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
    assert out == path.read_text(), f"golden {name} differs; SNAPDIFF_UPDATE_GOLDEN=1 to regenerate"


def test_golden_facts() -> None:
    """Facts the full.* goldens must hold, written from changed_state() (not read from the
    output): c7n-nsg's rule test1 turned Deny, the storage tag raised to C9, an Owner given to
    group G2 and one taken from a user, Reader gaining Microsoft.Authorization/*/write."""
    text = (GOLDEN / "full.txt").read_text()
    assert "  ~ test_networksecuritygroup/c7n-nsg (networkSecurityGroups)  (2 ignored)" in text
    assert "      - rule test1 300 Inbound Allow * from * to * port 80" in text
    assert "      + rule test1 300 Inbound Deny * from * to * port 80" in text
    assert "securityRules[" not in text  # the rule line replaces the field path
    # highest CIA value first: the storage account (C9) leads resources and CIA tags
    assert text.split("\nResources\n")[1].split("  ~ ")[1].startswith("test_storage/")
    assert text.split("\nCIA tags\n")[1].startswith("  ~ test_storage/cctstoragey6akyqpagdt3o")
    assert "  + Owner for Group bbbbbbbb-0000-0000-0000-00000000000b  [privileged]\n" in text
    assert "      on subscription ea42f556…; reaches C9 I3 A2" in text
    assert "  ~ role definition Reader (acdd72a7…)  (now privileged)  [privileged]" in text
    assert "\nAccess\n" in text and "  access: 6 gained, 1 lost, 4 raised" in text
    assert "  > Group 4 (20000000-0004-0000-0000-000000000000) moved from" in text
    assert "/subscriptions/" not in text and "/providers/" not in text
    assert max(len(line) for line in text.splitlines()) <= 120
    md = (GOLDEN / "full.md").read_text()
    assert "  - `+ rule test1 300 Inbound Deny * from * to * port 80`" in md
    assert (
        "| added | Owner | Group bbbbbbbb-0000-0000-0000-00000000000b | `subscription ea42f556…`"
        in md
    )
    assert "/subscriptions/" not in md
    doc = json.loads((GOLDEN / "full.json").read_text())
    nsg = next(c for c in doc["resources"]["changed"] if c["name"] == "c7n-nsg")
    [rule] = nsg["rules"]
    assert (rule["before"]["access"], rule["after"]["access"]) == ("Allow", "Deny")
    assert rule["after"]["priority"] == 300 and rule["after"]["ports"] == "80"
    storage = next(c for c in doc["resources"]["changed"] if c["type"].endswith("storageaccounts"))
    assert storage["cia"] == [9, 3, 2] and storage["id"].startswith("/subscriptions/ea42f556-")
    [added] = doc["rbac"]["added"]
    assert added["reach"] == [9, 3, 2] and added["principal_type"] == "Group"
    gained = [c for c in doc["access"]["changes"] if c["change"] == "gained"]
    assert any(c["causes"] == ["new assignment: Owner at /subscriptions/" + SUB] for c in gained)


def test_text_colour_only_when_asked(tmp_path: Path) -> None:
    d = run_diff(tmp_path, base(), changed_state())
    assert "\x1b[" not in render_text(d)
    assert "\x1b[" in render_text(d, color=True)


# -- CLI ------------------------------------------------------------------------------------------
def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    store = Store(db)
    snap(store, base(), label="w1")
    snap(store, base(), label="w2")
    snap(store, changed_state(), label="w3")
    store.close()
    same = cli("diff", "w1", "w2", "--store", str(db))
    assert same.exit_code == 0, same.output
    assert "No changes." in same.output
    changed = cli("diff", "--store", str(db))  # default: the two latest complete ones, w2 -> w3
    assert changed.exit_code == 1
    assert "A: #2 'w2'" in changed.output and "B: #3 'w3'" in changed.output
    assert "\x1b[" not in changed.output
    assert cli("diff", "w2", "w3", "--store", str(db), "--fail-on", "mgmt").exit_code == 1
    # --fail-on privileged is judged even when --section leaves its sections out (an Owner
    # assignment changed between w2 and w3): it used to exit 0, a false negative in CI
    narrowed = cli(
        "diff", "w2", "w3", "--store", str(db), "--section", "resources", "--fail-on", "privileged"
    )
    assert narrowed.exit_code == 1
    assert "section rbac computed for --fail-on privileged" in narrowed.output
    bad = cli("diff", "w1", "nope", "--store", str(db))
    assert bad.exit_code == 2 and "snapdiff: error: no snapshot 'nope'" in bad.output
    assert cli("diff", "w1", "w2", "--store", str(db), "--ignore", "a b c").exit_code == 2
    assert cli("diff", "--store", str(tmp_path / "missing.db")).exit_code == 2
    js = cli("diff", "w2", "w3", "--store", str(db), "--format", "json")
    assert js.exit_code == 1 and schema_errors(json.loads(js.output)) == []
    md = cli("diff", "w2", "w3", "--store", str(db), "--format", "markdown")
    assert md.output.startswith("# snapdiff") and "## Role assignments" in md.output


def test_cli_ignore_file_and_no_default_ignores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    store = Store(db)
    b = base()
    nsg = next(r for r in b["rows"] if r["id"] == NSG)
    nsg["etag"] = 'W/"other"'
    nsg["tags"]["owner"] = "bob"
    snap(store, base(), label="w1")
    snap(store, b, label="w2")
    store.close()
    assert cli("diff", "w1", "w2", "--store", str(db)).exit_code == 1
    (tmp_path / ".snapdiffignore").write_text("* tags.owner\n")
    assert cli("diff", "w1", "w2", "--store", str(db)).exit_code == 0
    shown = cli("diff", "w1", "w2", "--store", str(db), "--no-default-ignores")
    assert shown.exit_code == 1 and "~ etag:" in shown.output
    other = tmp_path / "other.ignore"
    other.write_text("microsoft.network/* etag\n")
    res = cli(
        "diff", "w1", "w2", "--store", str(db), "--ignore-file", str(other), "--no-default-ignores"
    )
    assert res.exit_code == 1 and "tags.owner" in res.output and "~ etag" not in res.output


def test_cli_store_against_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, state in (("a.db", base()), ("b.db", changed_state())):
        s = Store(tmp_path / name)
        snap(s, state)
        s.close()
    res = cli("diff", "a.db:latest", "b.db:latest", "--section", "mgmt")
    assert res.exit_code == 1 and "(a.db)" in res.output and "(b.db)" in res.output
    assert "New MG" in res.output


def test_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "s.db"
    store = Store(db)
    snap(store, base(), label="w1")
    snap(store, changed_state(), label="w2")
    snap(store, base(), label="w3", graph="forbidden")
    gone = base()
    gone["rows"] = [r for r in gone["rows"] if r["id"] != NSG]
    snap(store, gone, label="w4")
    h = history(store, NSG)
    assert h.kind == "resource"
    assert [e.event for e in h.entries] == ["present", "changed", "changed", "removed"]
    assert h.entries[1].changes[0].path == "properties.securityRules[0].properties.access"
    g = history(store, G1)
    assert [e.event for e in g.entries] == [
        "present",
        "changed",
        "unknown",
        "changed",
    ]  # w4 is compared with w2, the last known
    ra = history(store, FIX["role_assignments"][1]["id"])
    assert [e.event for e in ra.entries] == ["present", "removed", "added", "unchanged"]
    assert [e.event for e in history(store, MG4).entries] == [
        "present",
        "changed",
        "changed",
        "unchanged",
    ]
    store.close()
    res = cli("history", NSG.upper(), "--store", str(db))
    assert (
        res.exit_code == 0
        and "removed" in res.output
        and "~ properties.securityRules[0]" in res.output
    )
    js = cli("history", G1, "--store", str(db), "--format", "json")
    assert json.loads(js.output)["kind"] == "group"
