"""Principal names: getByIds through the real Graph client, the member-listing fallback when
Directory.Read.All is refused, and the readers (diff, history, show)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import _offline
from fakeazure.demo import _Groups
from fakeazure.server import FakeAzure
from fakeazure.tenant import Tenant
from snapdiff.cli import main
from snapdiff.collect.directory import MAX_IDS, chunks
from snapdiff.read.principals import coverage, principal_names, role_holders
from snapdiff.snapshot import SnapshotView

EVE = _Groups.id("eve.contractor")
WEB01_MSI = _Groups.id("msi:web01")
TERRAFORM = _Groups.id("sp-terraform")


@pytest.fixture(scope="module")
def nodirectory(tmp_path_factory):
    return _offline(tmp_path_factory.mktemp("nodir"), ("demo-week1-nodirectory", None))


def test_names_from_get_by_ids(demo_store):
    store, _, r1 = demo_store
    view = SnapshotView(store, r1.snapshot_id)
    names = principal_names(view)
    held = role_holders(view)
    assert held and all(pid.lower() in names for pid in held)  # every role holder named
    eve = names[EVE]
    assert (eve.display_name, eve.type) == ("Eve Contractor", "user")
    assert eve.label == "Eve Contractor (eve.contractor@fabrikamdemo.onmicrosoft.com)"
    assert names[TERRAFORM].upn_or_app_id and names[TERRAFORM].type == "servicePrincipal"
    assert names[WEB01_MSI].display_name == "web01"  # a managed identity, not in any group
    assert coverage(view) == "directory"
    [fetch] = view.fetches("principals:getByIds")
    assert fetch.ok and view.source_status("principals") == "ok"
    body = json.loads(
        store.conn.execute(
            "SELECT request_body FROM exchanges WHERE fetch_id = ?", (fetch.id,)
        ).fetchone()[0]
    )
    assert body["types"] == ["user", "group", "servicePrincipal"]
    assert sorted(body["ids"]) == sorted(p.lower() for p in held)


def test_forbidden_get_by_ids_falls_back_to_member_listings(nodirectory):
    store, result = nodirectory
    view = SnapshotView(store, result.snapshot_id)
    status = {s["name"]: s["status"] for s in result.sources}
    assert status["principals"] == "forbidden" and status["graph"] == "ok"
    # Complete with limited coverage: the refusal is definitive and says what it hides.
    assert result.status == "complete"
    [src] = [s for s in result.sources if s["name"] == "principals"]
    assert "Directory.Read.All" in src["coverage"]
    [fetch] = view.fetches("principals:getByIds")
    assert (fetch.status, fetch.http_status) == ("forbidden", 403)
    names = principal_names(view)
    dave = _Groups.id("dave.ops")  # holds a role himself and is a member of a listed group
    assert names[dave].label == "Dave Ops (dave.ops@fabrikamdemo.onmicrosoft.com)"
    assert WEB01_MSI not in names  # no listing names it
    assert coverage(view) == "member listings only"
    # The rest of the snapshot is whole: resources and role assignments were collected.
    assert view.resources() and role_holders(view)


def test_show_reports_name_coverage(nodirectory, demo_store):
    store, result = nodirectory
    out = CliRunner().invoke(
        main, ["show", str(result.snapshot_id), "--store", str(store.path), "--principals"]
    )
    assert out.exit_code == 0, out.output
    assert "role holders named (names from member listings only)" in out.output
    assert f"{WEB01_MSI}  (no name)" in out.output
    dstore, _, r1 = demo_store
    out = CliRunner().invoke(main, ["show", str(r1.snapshot_id), "--store", str(dstore.path)])
    held = len(role_holders(SnapshotView(dstore, r1.snapshot_id)))
    assert f"principals: {held} of {held} role holders named (names from directory)" in out.output


def test_history_names_group_and_members(demo_store):
    store, _, _ = demo_store
    gid = _Groups.id("sg-platform-admins")
    out = CliRunner().invoke(main, ["history", gid, "--store", str(store.path)])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0].endswith("[sg-platform-admins]")
    dave = _Groups.id("dave.ops")
    assert f'+ direct: "{dave}" [Dave Ops (dave.ops@' in out.output
    js = json.loads(
        CliRunner()
        .invoke(main, ["history", gid, "--store", str(store.path), "--format", "json"])
        .output
    )
    assert js["principal_names"][gid] == "sg-platform-admins"


def test_diff_json_has_principal_names(demo_store):
    store, _, _ = demo_store
    out = CliRunner().invoke(
        main, ["diff", "week-0", "week-1", "--store", str(store.path), "--format", "json"]
    )
    d = json.loads(out.output)
    [added] = d["rbac"]["added"]
    assert added["principal_id"] == EVE
    assert added["principal_name"] == "Eve Contractor (eve.contractor@fabrikamdemo.onmicrosoft.com)"
    assert all(g["group_name"] for g in d["groups"]["changed"])


def test_chunks_and_fake_limit():
    ids = [f"ID-{i:05d}" for i in range(2 * MAX_IDS + 500)] + ["id-00001"]
    parts = chunks(ids)
    assert [len(p) for p in parts] == [MAX_IDS, MAX_IDS, 500]
    assert parts[0][1] == "id-00001"  # lower-cased, de-duplicated, sorted
    app = FakeAzure(Tenant("t"), "http://fake")
    status, _, body = app.handle(
        "POST", "/v1.0/directoryObjects/getByIds", json.dumps({"ids": ids}).encode()
    )
    assert status == 400 and body["error"]["code"] == "Request_BadRequest"
