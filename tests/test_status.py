"""Issue 8: fetch outcomes, snapshot status, coverage, interrupted runs and snapshot order."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from conftest import _offline
from fakeazure.reader import RETIRED_SQL, STALE_STORAGE
from fakeazure.writer import FakeFetch, write_snapshot
from snapdiff import status as st
from snapdiff.bundle import export_snapshot, import_bundle
from snapdiff.collect.fetcher import Fetcher
from snapdiff.refs import resolve
from snapdiff.securicad import build
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store


@pytest.mark.parametrize(
    "call, http, code, outcome",
    [
        ("keyvault:keys", 403, "Forbidden", "forbidden"),
        ("graph:members", 401, None, "forbidden"),
        ("sql:databases", 404, "ResourceNotFound", "notfound"),
        ("storage:shares", 400, "FeatureNotSupportedForAccount", "not_applicable"),
        ("storage:containers", 409, "FeatureNotSupportedForAccount", "not_applicable"),
        ("apim:users", 400, "MethodNotAllowedInPricingTier", "not_applicable"),
        ("web:config", 400, "FeatureNotSupportedForAccount", "failed"),  # not a storage answer
        ("storage:shares", 400, "InvalidApiVersionParameter", "failed"),
        ("storage:shares", 500, None, "failed"),
        ("storage:shares", None, None, "failed"),  # no answer at all
    ],
)
def test_fetch_outcomes(call, http, code, outcome):
    assert st.fetch_outcome(call, http, code) == outcome


def test_snapshot_is_complete_iff_every_fetch_was_definitive():
    assert st.snapshot_status(["ok", "forbidden"], stopped=False, got_data=True) == "complete"
    assert st.snapshot_status(["ok", "failed"], stopped=False, got_data=True) == "partial"
    assert st.snapshot_status(["ok", "interrupted"], stopped=False, got_data=True) == "partial"
    assert st.snapshot_status(["ok"], stopped=True, got_data=True) == "partial"
    assert st.snapshot_status([], stopped=True, got_data=False) == "failed"
    counts = {"ok": 3, "notfound": 1, "not_applicable": 2}
    assert st.source_status(counts) == "ok"
    assert st.source_status(counts | {"forbidden": 1}) == "forbidden"
    assert st.source_status(counts, missing="failed") == "failed"
    assert st.source_status(counts | {"forbidden": 1}, cut_off=True) == "interrupted"


def test_one_coverage_line_per_area_names_the_permission():
    lines = st.coverage_lines(
        [
            ("keyvault:keys", "/subscriptions/s/.../vaults/kv-a"),
            ("keyvault:secrets", "/subscriptions/s/.../vaults/kv-a"),
            ("keyvault:keys", "/subscriptions/s/.../vaults/kv-b"),
            ("graph:members", "g-1"),
        ]
    )
    assert lines == [
        "Key Vault keys, secrets and certificates forbidden for 2 (kv-a, kv-b): needs a vault"
        " access policy with List on keys, secrets and certificates, or the Key Vault Reader role",
        "group members forbidden for 1 (g-1): needs Microsoft Graph application permission"
        " GroupMember.Read.All",
    ]


# -- the Reader-limited tenant, replayed from its cassettes -------------------------------------
@pytest.fixture(scope="module")
def reader_store(tmp_path_factory):
    return _offline(
        tmp_path_factory.mktemp("reader"), ("reader-week0", "week-0"), ("reader-week1", "week-1")
    )


def test_reader_weeks_are_complete_with_limited_coverage(reader_store):
    store, w0, w1 = reader_store
    for r in (w0, w1):
        assert r.status == "complete"
        status = {s["name"]: s["status"] for s in r.sources}
        assert status["keyvault"] == "forbidden"
        assert {n for n, s in status.items() if s != "ok"} == {"keyvault"}
        view = SnapshotView(store, r.snapshot_id)
        assert set(view.coverage()) == {"keyvault"}
        assert "Key Vault Reader role" in view.coverage()["keyvault"]
        storage = next(s for s in r.sources if s["name"] == "storage")
        assert storage["outcomes"]["not_applicable"] == 9  # 3 accounts x 3 missing services
        assert storage["outcomes"]["notfound"] == 4  # the stale Resource Graph row
        sql = next(s for s in r.sources if s["name"] == "sql")
        assert sql["outcomes"]["notfound"] == 4 and sql["errors"] == 0


def test_reader_storage_kinds_answer_400_and_build_reads_them_as_absent(reader_store):
    store, w0, _ = reader_store
    view = SnapshotView(store, w0.snapshot_id)
    rows = {r["name"]: r for r in view.resources().values()}
    blob_only = rows["stfabarchive01"]["id"].lower()
    f = view.fetch("storage:shares", blob_only)
    assert f.status == "not_applicable" and f.http_status == 400
    assert "FeatureNotSupportedForAccount" in f.error
    assert view.fetch("storage:containers", blob_only).ok
    files = rows["stfabfiles01"]["id"].lower()
    assert view.fetch("storage:containers", files).status == "not_applicable"
    assert view.fetch("storage:shares", files).ok
    gone = view.fetch("sql:databases", rows[RETIRED_SQL]["id"].lower())
    assert gone.status == "notfound" and "ResourceNotFound" in gone.error
    stale = view.fetch("storage:containers", rows[STALE_STORAGE]["id"].lower())
    assert stale.status == "notfound" and "ResourceGroupNotFound" in stale.error
    result = build(view)
    accounts = {a["name"]: a for a in result.active_directory["storageAccounts"]}
    assert {s["serviceType"] for s in accounts["stfabarchive01"]["services"]} == {"blob"}
    assert {s["serviceType"] for s in accounts["stfabfiles01"]["services"]} == {"fileShare"}
    assert not [w for w in result.warnings if "stfabarchive01" in w or "stfabfiles01" in w]
    assert result.incomplete == {} and set(result.coverage) == {"keyvault"}


# -- build treats not_applicable as an absent service, never as a failure ---------------------
def test_not_applicable_listing_is_an_empty_service_without_warning(tmp_path):
    store = Store(tmp_path / "s.db")
    rid = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1"
    row = {
        "id": rid,
        "name": "st1",
        "type": "microsoft.storage/storageaccounts",
        "kind": "BlobStorage",
        "resourceGroup": "rg",
        "subscriptionId": "s1",
        "properties": {
            "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
            "primaryEndpoints": {"blob": "https://st1.blob.core.windows.net/"},
        },
        "tags": {},
    }
    fetches = [
        FakeFetch("resourcegraph:resources", "batch-0", [{"data": [row]}]),
        FakeFetch("storage:containers", rid.lower(), [{"value": [{"name": "c1", "id": rid}]}]),
        *[
            FakeFetch(call, rid.lower(), [], status="not_applicable", http_status=400)
            for call in ("storage:shares", "storage:tables", "storage:queues")
        ],
    ]
    sid = write_snapshot(store, fetches)
    result = build(SnapshotView(store, sid), strict=True)
    [account] = result.active_directory["storageAccounts"]
    assert [s["serviceType"] for s in account["services"]] == ["blob"]
    assert result.warnings == []


# -- order: collection start time, not row id -----------------------------------------------
def test_latest_and_default_diff_follow_start_time_not_import_order(tmp_path, demo_store):
    src, r0, r1 = demo_store
    w0, w1 = tmp_path / "w0.snapdiff", tmp_path / "w1.snapdiff"
    export_snapshot(src, r0.snapshot_id, w0)
    export_snapshot(src, r1.snapshot_id, w1)
    store = Store(tmp_path / "air-gapped.db")
    later = import_bundle(store, w1)  # week 1 arrives first
    earlier = import_bundle(store, w0)
    assert earlier > later  # row ids say week 0 is newer ...
    assert resolve(store, "latest") == later  # ... start times say it is not
    assert resolve(store, "latest~1") == earlier
    assert resolve(store, "latest", complete_only=True) == later
    assert [s.id for s in store.snapshots()] == [earlier, later]


# -- interrupted runs ---------------------------------------------------------------------------
def test_crashed_collector_names_cut_off_and_never_reached_sources(tmp_path):
    store = Store(tmp_path / "s.db")
    code = (  # a collector that read subscriptions, started Resource Graph and was SIGKILLed
        "import os, signal, sys; from snapdiff.store import Store;"
        "s = Store(sys.argv[1]); sid = s.begin_snapshot(tenant_id='t', cloud='c', scope={});"
        "s.set_source(sid, 'subscriptions', status='ok', outcomes={'ok': 1});"
        "s.start_fetch(sid, 'resourcegraph', 'resourcegraph:resources', 'batch-0');"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(store.path)])
    assert proc.returncode == -signal.SIGKILL
    [sid] = store.recover_stale()
    view = SnapshotView(store, sid)
    assert view.meta.status == "partial"
    unfinished = view.unfinished_sources()
    assert unfinished["resourcegraph"] == unfinished["authorization"] == "interrupted"
    assert "subscriptions" not in unfinished
    assert view.describe_source("resourcegraph").startswith("interrupted (cut off after 1 fetches")
    assert view.describe_source("authorization").startswith("interrupted (never reached")
    [f] = view.fetches("resourcegraph:resources")
    assert f.status == "interrupted"


def test_fetcher_tallies_keep_not_applicable_out_of_errors(tmp_path):
    store = Store(tmp_path / "s.db")
    sid = store.begin_snapshot(tenant_id="t", cloud="AzureCloud", scope={})
    f = Fetcher(store, sid, rg=None, arm=None, vault=None)
    for status in ("ok", "not_applicable", "notfound", "forbidden"):
        f.begin("storage:shares", status).finish(
            status, error=None if status == "ok" else f"HTTP {status}"
        )
    assert f.source_status("storage") == "forbidden"
    assert f.errors["storage"] == ["HTTP forbidden"]


def test_stores_before_coverage_was_recorded_fall_back_to_forbidden_sources():
    old_rows = [
        {
            "name": "keyvault",
            "status": "forbidden",
            "detail": "HTTP 403 Forbidden",
            "coverage": None,
        },
        {"name": "graph", "status": "forbidden", "detail": None},
        {"name": "storage", "status": "ok", "detail": None, "coverage": None},
    ]
    assert st.coverage_of(old_rows) == {"keyvault": "HTTP 403 Forbidden", "graph": "forbidden"}
