"""Collector tests: the fault-scenario cassette replayed through the real SDK clients."""

from __future__ import annotations

import json

from fakeazure.scenarios import SUBS
from snapdiff.snapshot import SnapshotView


def _view(faults_snapshot):
    store, result = faults_snapshot
    return store, result, SnapshotView(store, result.snapshot_id)


def test_run_goes_on_and_records_each_source(faults_snapshot):
    store, result, view = _view(faults_snapshot)
    assert result.status == "partial"
    status = {s["name"]: s["status"] for s in result.sources}
    assert status == {
        "subscriptions": "ok",
        "resourcegraph": "ok",
        "managementgroups": "ok",
        "authorization": "failed",  # sub 2's listing failed on page 2
        "graph": "forbidden",  # one group answered 403
        "principals": "ok",
        "storage": "ok",
    }
    assert store.snapshot(result.snapshot_id).status == "partial"


def test_resource_graph_pages_with_skip_token(faults_snapshot):
    store, result, view = _view(faults_snapshot)
    assert len(view.resources()) == 130
    [fetch] = view.fetches("resourcegraph:resources")
    assert fetch.ok and len(fetch.page_hashes) == 3  # 130 rows at 50 a page
    bodies = [
        json.loads(r[0])
        for r in store.conn.execute(
            "SELECT request_body FROM exchanges WHERE url LIKE '%Microsoft.ResourceGraph%' AND status = 200"
            " AND snapshot_id = ? ORDER BY id",
            (result.snapshot_id,),
        )
    ]
    queries = [b for b in bodies if b["query"].startswith("resources")]
    assert [("$skipToken" in b["options"]) for b in queries] == [False, True, True]
    assert all(
        b["options"]["$top"] == 50 and b["query"].endswith("order by id asc") for b in queries
    )
    assert sorted(queries[0]["subscriptions"]) == sorted(SUBS)


def test_resource_graph_429_waits_on_quota_headers_and_is_stored(faults_snapshot):
    store, result, _ = _view(faults_snapshot)
    rows = store.conn.execute(
        "SELECT status, headers FROM exchanges WHERE snapshot_id = ? AND url LIKE '%ResourceGraph%' ORDER BY id",
        (result.snapshot_id,),
    ).fetchall()
    assert rows[0][0] == 429 and rows[1][0] == 200
    assert json.loads(rows[0][1])["x-ms-user-quota-resets-after"] == "00:00:01"


def test_429_then_success_on_arm_and_graph(faults_snapshot):
    store, result, _ = _view(faults_snapshot)

    def statuses(like):
        return [
            r[0]
            for r in store.conn.execute(
                "SELECT status FROM exchanges WHERE snapshot_id = ? AND url LIKE ? ORDER BY id",
                (result.snapshot_id, like),
            )
        ]

    assert statuses("%/subscriptions?api-version%") == [429, 200]  # with Retry-After
    ra1 = statuses(f"%/subscriptions/{SUBS[0]}/providers/Microsoft.Authorization/roleAssignments%")
    assert ra1[:2] == [429, 200] and ra1.count(200) == 2  # no Retry-After: backoff
    big = statuses("%/groups/g-big/members%")
    assert big == [200, 429, 200, 200]


def test_graph_paging_nested_and_cyclic_groups(faults_snapshot):
    _, _, view = _view(faults_snapshot)
    members = {f.target: f for f in view.fetches("graph:members")}
    assert set(members) == {"g-admins", "g-ops", "g-nested", "g-forbidden", "g-big"}
    assert len(members["g-big"].page_hashes) == 3
    assert len(members["g-big"].items()) == 230
    assert members["g-forbidden"].status == "forbidden"
    assert members["g-forbidden"].items() == [] and not members["g-forbidden"].ok
    transitive = {f.target: f for f in view.fetches("graph:transitiveMembers")}
    # Transitive members only for groups that hold assignments (and were not forbidden).
    assert set(transitive) == {"g-admins", "g-ops", "g-big"}
    ids = {m["id"] for m in transitive["g-admins"].items()}
    assert {"dev-1", "sp-1", "g-nested"} <= ids  # reached through the cycle g-admins ⊃ g-ops


def test_half_failed_listing_is_failed_not_empty(faults_snapshot):
    store, _, view = _view(faults_snapshot)
    f = view.fetch("authorization:roleAssignments", f"/subscriptions/{SUBS[1]}")
    assert f is not None and f.status == "failed" and not f.ok
    assert "page 2" in (f.error or "") and "500" in f.error
    ok = view.fetch("authorization:roleAssignments", f"/subscriptions/{SUBS[0]}")
    assert ok.ok and len(ok.items()) == 150
    # Each role definition is fetched once, not once per assignment.
    assert sorted(f.target for f in view.fetches("authorization:roleDefinition")) == [
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    ]


def test_expired_page_token_restarts_the_listing(faults_snapshot):
    store, result, view = _view(faults_snapshot)
    target = view.resources()
    sa = sorted(k for k in target if "/storageaccounts/stbulk000" in k)[0]
    f = view.fetch("storage:containers", sa)
    assert f.ok and len(f.items()) == 130
    superseded = store.conn.execute(
        "SELECT count(*) FROM fetches WHERE snapshot_id = ? AND status = 'superseded'",
        (result.snapshot_id,),
    ).fetchone()[0]
    assert superseded == 1


def test_every_exchange_is_attributed_and_timed(faults_snapshot):
    store, result, _ = _view(faults_snapshot)
    rows = store.conn.execute(
        "SELECT source, fetch_id, elapsed_ms, headers, id, url FROM exchanges WHERE snapshot_id = ?",
        (result.snapshot_id,),
    ).fetchall()
    # Every exchange belongs to a fetch, except an ARM batch carrier: its items do.
    carriers = {
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT batch_id FROM exchanges WHERE snapshot_id = ? AND batch_id IS NOT NULL",
            (result.snapshot_id,),
        )
    }
    assert carriers
    assert all(r[5].split("?")[0].endswith(("/batch", "/$batch")) for r in rows if r[4] in carriers)
    assert rows and all(
        r[0] != "unattributed" and (r[1] is not None or r[4] in carriers) for r in rows
    )
    assert all(r[2] is not None for r in rows)
    assert all("authorization" not in json.loads(r[3]) for r in rows)


def test_demo_tenant_every_kind_and_every_per_resource_call(demo_store):
    from snapdiff.naming.calls import FOLLOW_UPS, PER_RESOURCE

    store, r0, _ = demo_store
    assert r0.status == "complete"
    view = SnapshotView(store, r0.snapshot_id)
    rows = view.resources()
    types = {r["type"] for r in rows.values()}
    assert set(PER_RESOURCE) <= types
    for rid, row in rows.items():
        for call in PER_RESOURCE.get(row["type"], ()):
            f = view.fetch(call.call, rid)
            assert f is not None and f.ok, f"{call.call} of {rid}: {f and f.status}"
    products = [p for f in view.fetches("apim:products") for p in f.items()]
    assert products and all(
        view.fetch(FOLLOW_UPS["apim:products"].call, p["id"].lower()) for p in products
    )
    # Nothing is interpreted at collection: unknown types are stored like the rest.
    assert {
        "microsoft.network/loadbalancers",
        "microsoft.managedidentity/userassignedidentities",
    } <= types
    # Each page of every listing is stored once per attempt, every body once per store.
    counts = store.counts(r0.snapshot_id)
    assert counts["requests"] + counts["batched"] >= counts["bodies"] > 50


def test_replay_waits_through_the_injected_clock_not_sleep(faults_waits):
    """Retry-After 1 on the subscription list and the Resource Graph quota reset (00:00:01)
    were asked of the clock; the replay slept for neither."""
    assert 1.0 in faults_waits  # Retry-After: 1 (ARM)
    assert any(0.0 < w < 1.0 for w in faults_waits)  # quota reset, less the time elapsed since
