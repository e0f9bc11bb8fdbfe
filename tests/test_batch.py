"""ARM /batch through the real azure-core pipeline, replayed from cassettes: per-item 429 and
5xx retried alone, per-item 404, paging inside batches, the fallback when /batch answers 404,
and byte-identical builds from batched and unbatched snapshots of one tenant."""

from __future__ import annotations

import json

import pytest

from conftest import _offline, copy_store
from fakeazure.server import MAX_BATCH, FakeAzure
from fakeazure.tenant import Tenant
from snapdiff.securicad import build, render
from snapdiff.snapshot import SnapshotView


@pytest.fixture(scope="module")
def stores(tmp_path_factory, demo_store):
    """The session's demo weeks (week 0 is the batched collection) plus three more replays."""
    demo, batched, _ = demo_store
    folder = tmp_path_factory.mktemp("batch")
    store, single, faults, unsupported = _offline(
        folder,
        ("demo-week0-nobatch", "single"),
        ("batch-faults", "faults"),
        ("batch-unsupported", "unsupported"),
        into=copy_store(demo, folder / "s.db"),
    )
    return store, {
        "batched": batched,
        "single": single,
        "faults": faults,
        "unsupported": unsupported,
    }


def _exchanges(store, sid, where="1", args=()):
    return store.conn.execute(
        "SELECT e.id, e.method, e.url, e.status, e.batch_id, e.page, e.fetch_id, f.call, f.status"
        f" FROM exchanges e LEFT JOIN fetches f ON f.id = e.fetch_id WHERE e.snapshot_id = ? AND {where}"
        " ORDER BY e.id",
        (sid, *args),
    ).fetchall()


def _files(store, sid):
    result = build(SnapshotView(store, sid))
    return render(result.active_directory), render(result.insights)


def test_batched_and_unbatched_snapshots_build_byte_identical_json(stores):
    store, r = stores
    batched = _files(store, r["batched"].snapshot_id)
    assert batched == _files(store, r["single"].snapshot_id)
    assert batched == _files(store, r["unsupported"].snapshot_id)  # the fallback too
    c_b = store.counts(r["batched"].snapshot_id)
    c_s = store.counts(r["single"].snapshot_id)
    assert c_s["batched"] == 0 and c_b["batched"] > 0
    assert c_b["requests"] < c_s["requests"]
    assert c_b["requests"] + c_b["batched"] > c_s["requests"]  # every inner answer is stored


def test_inner_responses_are_exchanges_of_their_fetches(stores):
    store, r = stores
    sid = r["batched"].snapshot_id
    carriers = _exchanges(store, sid, "e.url LIKE '%/batch?api-version=2020-06-01'")
    assert carriers and all(c[1] == "POST" and c[6] is None for c in carriers)
    inner = _exchanges(store, sid, "e.batch_id IS NOT NULL AND e.url NOT LIKE '%/v1.0/%'")
    assert {i[4] for i in inner} <= {c[0] for c in carriers}
    assert all(i[1] == "GET" and i[6] is not None and i[5] == 1 for i in inner)
    per_carrier: dict[int, int] = {}
    for i in inner:
        per_carrier[i[4]] = per_carrier.get(i[4], 0) + 1
    assert max(per_carrier.values()) <= MAX_BATCH
    # An inner exchange carries what a single GET would have: URL, status, body.
    single = {
        (row[2], row[3])
        for row in _exchanges(store, r["single"].snapshot_id, "e.url NOT LIKE '%/batch%'")
    }
    assert {(i[2], i[3]) for i in inner} <= single


def test_per_item_429_and_503_are_retried_alone(stores):
    store, r = stores
    sid = r["faults"].snapshot_id
    for path, code in (
        ("/blobServices/default/containers", 429),
        ("/fileServices/default/shares", 503),
    ):
        rows = _exchanges(
            store, sid, "e.url LIKE ? AND e.url LIKE '%stfabprodapp01%'", (f"%{path}?%",)
        )
        statuses = [row[3] for row in rows if row[5] in (None, 1)]
        assert statuses[:2] == [code, 200], (path, rows)
        assert all(row[4] is not None for row in rows)  # both inside batches
        assert rows[0][6] == rows[1][6] and rows[1][8] == "ok"  # one fetch, retried
        assert rows[0][4] != rows[1][4]  # in a later batch
    throttled = store.conn.execute(
        "SELECT headers FROM exchanges WHERE snapshot_id = ? AND status = 429", (sid,)
    ).fetchone()
    assert json.loads(throttled[0])["retry-after"] == "1"


def test_per_item_404_is_notfound_and_the_run_goes_on(stores):
    store, r = stores
    sid = r["faults"].snapshot_id
    view = SnapshotView(store, sid)
    gone = [f for f in view.fetches("storage:containers") if f.status == "notfound"]
    assert len(gone) == 1 and gone[0].http_status == 404
    assert r["faults"].status == "complete"
    assert any(f.ok for f in view.fetches("storage:containers"))


def test_paging_inside_batches(stores):
    store, r = stores
    sid = r["faults"].snapshot_id
    rows = _exchanges(store, sid, "e.batch_id IS NOT NULL AND e.page > 1")
    assert rows, "no listing paged inside a batch"
    view = SnapshotView(store, sid)
    for row in rows:
        [f] = [f for f in view.fetches(row[7]) if f.id == row[6]]
        assert f.ok and len(f.page_hashes) >= row[5]
    # Same items as the unpaged, unbatched collection of the same tenant.
    single = SnapshotView(store, r["single"].snapshot_id)
    for call in ("apim:apis", "apim:productApis", "sql:databases"):
        got = {f.target: f.items() for f in view.fetches(call) if f.ok}
        want = {f.target: f.items() for f in single.fetches(call) if f.ok}
        assert got == want and got, call


def test_batch_endpoint_404_falls_back_to_single_gets(stores):
    store, r = stores
    sid = r["unsupported"].snapshot_id
    [carrier] = _exchanges(store, sid, "e.url LIKE '%/batch?%'")
    assert carrier[3] == 404 and carrier[6] is None
    assert not _exchanges(store, sid, "e.batch_id IS NOT NULL AND e.url NOT LIKE '%/v1.0/%'")
    superseded = store.conn.execute(
        "SELECT count(*) FROM fetches WHERE snapshot_id = ? AND status = 'superseded'", (sid,)
    ).fetchone()[0]
    assert 0 < superseded <= MAX_BATCH  # only the first batch had started
    assert r["unsupported"].status == "complete"


def test_fake_batch_limits_and_per_item_routing():
    app = FakeAzure(Tenant("t", subscriptions=[{"subscriptionId": "s1"}]), "http://fake")
    many = {
        "requests": [
            {"name": str(i), "httpMethod": "GET", "url": "/subscriptions"}
            for i in range(MAX_BATCH + 1)
        ]
    }
    status, _, body = app.handle("POST", "/batch?api-version=2020-06-01", json.dumps(many).encode())
    assert status == 400 and body["error"]["code"] == "BatchRequestTooLarge"
    two = {"requests": [
        {"name": "a", "httpMethod": "GET", "url": "http://fake/subscriptions/s1?api-version=x"},
        {"name": "b", "httpMethod": "GET", "url": "/subscriptions/nope?api-version=x"},
    ]}  # fmt: skip
    status, _, body = app.handle("POST", "/batch?api-version=2020-06-01", json.dumps(two).encode())
    codes = {x["name"]: x["httpStatusCode"] for x in body["responses"]}
    assert status == 200 and codes == {"a": 200, "b": 404}
    assert len(app.requests) == 2 and len(app.batched) == 2  # inner items are not on the wire


def test_graph_batch_carries_first_member_pages(stores):
    store, r = stores
    sid = r["batched"].snapshot_id
    carriers = _exchanges(store, sid, "e.url LIKE '%/v1.0/$batch'")
    assert carriers and all(c[1] == "POST" and c[6] is None for c in carriers)
    ids = tuple(c[0] for c in carriers)
    inner = _exchanges(store, sid, f"e.batch_id IN ({','.join('?' * len(ids))})", ids)
    assert inner and all(i[7].startswith("graph:") and i[5] == 1 for i in inner)
    # The same members as the unbatched snapshot of the same tenant, group by group.
    a, b = SnapshotView(store, sid), SnapshotView(store, r["single"].snapshot_id)
    for call in ("graph:members", "graph:transitiveMembers"):
        got = {f.target: sorted(m["id"] for m in f.items()) for f in a.fetches(call) if f.ok}
        want = {f.target: sorted(m["id"] for m in f.items()) for f in b.fetches(call) if f.ok}
        assert got == want and got, call


def test_graph_batch_item_429_is_listed_alone(stores):
    from fakeazure.demo import _Groups

    store, r = stores
    sid = r["faults"].snapshot_id
    gid = _Groups.id("sg-app-devs")
    rows = _exchanges(store, sid, "e.url LIKE ?", (f"%/groups/{gid}/members?%",))
    assert [row[3] for row in rows][:2] == [429, 200]
    assert rows[0][4] is not None and rows[1][4] is None  # in the batch, then alone
    assert rows[0][8] == "superseded" and rows[1][8] == "ok"
    view = SnapshotView(store, sid)
    assert view.fetch("graph:members", gid).ok and view.source_status("graph") == "ok"
