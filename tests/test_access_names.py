"""Principal names in effective access: the demo weeks (getByIds names every role holder) and
the no-directory cassette (getByIds forbidden: member-listing names, else object ids)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import _offline
from fakeazure.demo import _Groups
from snapdiff.access import Access, diff_access
from snapdiff.cli import main
from snapdiff.errors import SnapdiffError
from snapdiff.read.principals import principal_names, role_holders
from snapdiff.snapshot import SnapshotView

EVE = _Groups.id("eve.contractor")
DAVE = _Groups.id("dave.ops")
WEB01_MSI = _Groups.id("msi:web01")
EVE_LABEL = "Eve Contractor (eve.contractor@fabrikamdemo.onmicrosoft.com)"
DAVE_LABEL = "Dave Ops (dave.ops@fabrikamdemo.onmicrosoft.com)"


@pytest.fixture(scope="module")
def nodirectory(tmp_path_factory):
    store, result = _offline(tmp_path_factory.mktemp("nodir"), ("demo-week1-nodirectory", None))
    return store, result.snapshot_id


def test_demo_access_names_every_role_holder(demo_store):
    store, _, r1 = demo_store
    view = SnapshotView(store, r1.snapshot_id)
    x = Access.of(view)
    assert x.x.names is principal_names(view)  # one reader, shared with diff/history/show
    rep = x.overview()
    held = {p.lower() for p in role_holders(view)}
    direct = [e for e in rep.entries if e.principal.lower() in held]
    assert direct and all(e.principal_name for e in direct)
    assert not any("principal names" in c for c in rep.coverage)
    assert x.name(EVE) == EVE_LABEL


def test_demo_principal_query_by_upn_and_display_name(demo_store):
    store, _, r1 = demo_store
    x = Access.of(SnapshotView(store, r1.snapshot_id))
    by_id = x.principal(EVE)
    assert by_id.entries and {e.principal_name for e in by_id.entries} == {EVE_LABEL}
    for q in ("eve.contractor@fabrikamdemo.onmicrosoft.com", "EVE CONTRACTOR"):
        got = x.principal(q)
        assert [e.resource for e in got.entries] == [e.resource for e in by_id.entries]


def test_demo_diff_access_names(demo_store):
    store, r0, r1 = demo_store
    d = diff_access(SnapshotView(store, r0.snapshot_id), SnapshotView(store, r1.snapshot_id))
    eve = next(c for c in d.changes if c.principal == EVE)
    assert eve.principal_name == EVE_LABEL
    assert d.to_dict()["changes"][d.changes.index(eve)]["principal_name"] == EVE_LABEL
    base = ["diff", "week-0", "week-1", "--store", str(store.path), "--section", "access"]
    out = CliRunner().invoke(main, base)
    # the name first, then the type and the short id; the full id under -v
    head = "Eve Contractor <eve.contractor@fabrikamdemo.onmicrosoft.com> (User 259e0f9b…)"
    assert f"\n  {head}\n    + gained grant" in out.output
    full = CliRunner().invoke(main, [*base, "-v"]).output
    assert f"(User {EVE})\n    + gained grant" in full
    js = json.loads(CliRunner().invoke(main, [*base, "--format", "json"]).output)
    assert any(c["principal_name"] == DAVE_LABEL for c in js["access"]["changes"])


def test_cli_access_text_and_json_names(demo_store):
    store, _, _ = demo_store
    args = ["access", "week-1", "--store", str(store.path), "--principal", "Eve Contractor"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("what Eve Contractor can reach")
    js = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    assert js["entries"] and all(e["principal_name"] == EVE_LABEL for e in js["entries"])


def test_forbidden_get_by_ids_listing_names_or_guids(nodirectory):
    store, sid = nodirectory
    x = Access.of(SnapshotView(store, sid))
    assert x.name(DAVE) == DAVE_LABEL  # named by a group member listing
    rep = x.principal(WEB01_MSI)  # no listing names the managed identity: its GUID
    assert rep.entries
    assert all(e.principal == WEB01_MSI and e.principal_name is None for e in rep.entries)
    assert any("principal names: member listings only" in c for c in rep.coverage)
    out = CliRunner().invoke(
        main, ["access", str(sid), "--store", str(store.path), "--principal", WEB01_MSI]
    )
    assert out.exit_code == 0, out.output
    assert "principal names: member listings only" in out.output
    with pytest.raises(SnapdiffError, match="no principal named"):
        x.principal("web01")  # its name is not in this snapshot: no guessing
