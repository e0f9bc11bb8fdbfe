"""Body storage: zstd, deltas against the previous snapshot's page, prune and export safety."""

from __future__ import annotations

import sqlite3

import pytest

from fakeazure.synthetic import synthetic_arg_rows
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff import bodies
from snapdiff.bundle import export_snapshot, import_bundle, verify
from snapdiff.errors import StoreError
from snapdiff.maintenance import prune
from snapdiff.migrations import MIGRATIONS
from snapdiff.securicad import build, render
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store, body_hash


def _weeks(store: Store, weeks: int, n: int = 3000) -> list[int]:
    return [
        write_snapshot(
            store,
            [
                FakeFetch(
                    "resourcegraph:resources",
                    "batch-0",
                    arg_pages(synthetic_arg_rows(n, churn_week=w)),
                )
            ],
            label=f"w{w}",
        )
        for w in range(weeks)
    ]


def _codecs(store: Store, sid: int) -> list[tuple[str, str | None]]:
    return store.conn.execute(
        "SELECT b.codec, b.base FROM exchanges e JOIN bodies b ON b.hash = e.body_hash"
        " WHERE e.snapshot_id = ? AND e.page IS NOT NULL ORDER BY e.page",
        (sid,),
    ).fetchall()


def test_changed_pages_are_deltas_against_the_previous_snapshot(tmp_path):
    store = Store(tmp_path / "s.db")
    w0, w1 = _weeks(store, 2)
    assert {c for c, _ in _codecs(store, w0)} == {"zstd"}
    deltas = _codecs(store, w1)
    # Every page that existed last week is a delta (a new last page has no previous version).
    assert len(deltas) >= 3 and all(c == "zstd-delta" and b for c, b in deltas[:3])
    sizes = dict(
        store.conn.execute("SELECT codec, sum(length(data)) FROM bodies GROUP BY codec").fetchall()
    )
    assert sizes["zstd-delta"] * 5 < sizes["zstd"]  # a week of 1% churn costs a fraction
    for page in SnapshotView(store, w1).fetches("resourcegraph:resources")[0].page_hashes:
        assert body_hash(store.body(page)) == page  # byte-exact through the chain
    assert verify(store.path) == []


def test_a_kept_base_is_used_and_the_delta_still_checked(tmp_path, monkeypatch):
    """A page read with keep=True serves as the base of next week's page (not decoded again);
    the delta's own SHA-256 is still checked, and a body read without keep is not kept."""
    store = Store(tmp_path / "s.db")
    w0, w1 = _weeks(store, 2)
    (base_page, base), *_ = [(p, b) for p, (c, b) in zip(
        SnapshotView(store, w1).fetches("resourcegraph:resources")[0].page_hashes,
        _codecs(store, w1), strict=False) if c == "zstd-delta"]  # fmt: skip
    expected = store.body(base_page)
    assert store._kept == {}
    store.body(base, keep=True)
    assert list(store._kept) == [base]
    reads: list[str] = []
    real = bodies._encoded
    monkeypatch.setattr(bodies, "_encoded", lambda conn, h: reads.append(h) or real(conn, h))
    assert store.body(base_page) == expected
    assert reads == [base_page]  # the base came from what was kept
    store._kept[base] = b"not the base"  # a wrong base gives bytes that fail the page's hash
    with pytest.raises(Exception, match="does not match its SHA-256|does not decompress"):
        store.body(base_page)


def test_kept_bodies_are_bounded_oldest_first(tmp_path, monkeypatch):
    from snapdiff import store as store_module

    store = Store(tmp_path / "s.db")
    (w0,) = _weeks(store, 1)
    pages = SnapshotView(store, w0).fetches("resourcegraph:resources")[0].page_hashes
    sizes = [len(store.body(p)) for p in pages[:3]]
    monkeypatch.setattr(store_module, "KEPT_BYTES", sizes[1] + sizes[2])
    for p in pages[:3]:
        store.body(p, keep=True)
    assert list(store._kept) == pages[1:3]
    assert store._kept_bytes == sizes[1] + sizes[2]
    store.body(pages[2], keep=True)  # read again: kept once, counted once
    assert list(store._kept) == pages[1:3] and store._kept_bytes == sizes[1] + sizes[2]


def test_chains_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(bodies, "MAX_DEPTH", 2)
    store = Store(tmp_path / "s.db")
    sids = _weeks(store, 5, n=1500)
    depths = [
        store.conn.execute(
            "SELECT max(b.depth) FROM exchanges e JOIN bodies b ON b.hash = e.body_hash WHERE e.snapshot_id = ?",
            (sid,),
        ).fetchone()[0]
        for sid in sids
    ]
    assert depths == [0, 1, 2, 0, 1]


def test_prune_keeps_the_bases_a_remaining_snapshot_needs(tmp_path):
    store = Store(tmp_path / "s.db")
    w0, w1, w2 = _weeks(store, 3)
    before = render(build(SnapshotView(store, w2), on_builder_error="raise").active_directory)
    report = prune(store, keep_last=1)
    assert [s.id for s in report.deleted] == [w0, w1]
    assert verify(store.path) == []  # no missing base, no orphan
    assert (
        render(build(SnapshotView(store, w2), on_builder_error="raise").active_directory) == before
    )
    assert (
        store.conn.execute("SELECT count(*) FROM bodies WHERE base IS NOT NULL").fetchone()[0] > 0
    )


def test_bundles_carry_standalone_bodies_and_import_anywhere(tmp_path):
    store = Store(tmp_path / "s.db")
    _, w1 = _weeks(store, 2)
    bundle = tmp_path / "w1.snapdiff"
    export_snapshot(store, w1, bundle)
    conn = sqlite3.connect(bundle)
    assert {r[0] for r in conn.execute("SELECT DISTINCT codec FROM bodies")} == {"zstd"}
    assert conn.execute("SELECT count(*) FROM bodies WHERE base IS NOT NULL").fetchone()[0] == 0
    conn.close()
    other = Store(tmp_path / "o.db")
    sid = import_bundle(other, bundle)
    assert SnapshotView(other, sid).resources() == SnapshotView(store, w1).resources()


def test_zlib_bodies_of_older_stores_still_read(tmp_path):
    import json
    import zlib

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        conn.executescript(script)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '3')")
    raw = json.dumps({"value": [{"id": "x"}]}).encode()
    conn.execute(
        "INSERT INTO bodies (hash, size, data) VALUES (?, ?, ?)",
        (body_hash(raw), len(raw), zlib.compress(raw)),
    )
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.body(body_hash(raw)) == raw
    assert store.conn.execute("SELECT codec FROM bodies").fetchone()[0] == "zlib"


def test_bodies_of_a_v3_schema_read_without_migrating(tmp_path):
    """A v3 store or bundle opened as it is (no ``codec``/``base`` columns): read as zlib."""
    import json
    import zlib

    conn = sqlite3.connect(tmp_path / "v3.db")
    for script in MIGRATIONS[:3]:
        conn.executescript(script)
    raw = json.dumps({"value": [{"id": "y"}]}).encode()
    conn.execute(
        "INSERT INTO bodies (hash, size, data) VALUES (?, ?, ?)",
        (body_hash(raw), len(raw), zlib.compress(raw)),
    )
    assert not bodies.has_codec_columns(conn)
    assert bodies.read(conn, body_hash(raw)) == raw
    with pytest.raises(bodies.BodyError, match="missing"):
        bodies.read(conn, "0" * 64)
    conn.execute("DROP TABLE bodies")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        bodies.read(conn, body_hash(raw))  # an error other than the old schema is raised


def _fail(f):
    try:
        f()
    except Exception as e:  # the error and its text, to compare two ways of reading
        return type(e), str(e)
    return None


def test_bodies_read_together_are_what_body_reads_with_the_same_errors(tmp_path):
    store = Store(tmp_path / "s.db")
    w0, w1 = _weeks(store, 2)
    pages = [
        p
        for sid in (w0, w1)
        for p in SnapshotView(store, sid).fetches("resourcegraph:resources")[0].page_hashes
    ]
    assert len(pages) >= 4  # Store.bodies reads four or more on threads
    together = Store(tmp_path / "s.db").bodies(pages, keep=True)
    assert together == {p: store.body(p) for p in pages}
    # a page that is gone, then a page whose stored blob lost a byte (and the pages of the
    # next week stored as deltas against it): each fails as body() fails, naming the page
    blob = store.conn.execute("SELECT data FROM bodies WHERE hash = ?", (pages[1],)).fetchone()[0]
    cases = [([*pages[:3], "f" * 64, *pages[3:]], "f" * 64, None), (pages, pages[1], blob[:-1])]
    for asked, named, damage in cases:
        if damage is not None:
            with store.conn:
                store.conn.execute("UPDATE bodies SET data = ? WHERE hash = ?", (damage, named))
        fresh = Store(tmp_path / "s.db")
        got = _fail(lambda fresh=fresh, asked=asked: fresh.bodies(asked))
        want = _fail(lambda asked=asked: [Store(tmp_path / "s.db").body(p) for p in asked])
        assert got is not None and got == want
        assert got[0] is StoreError and named[:12] in got[1]


def test_bodies_checks_each_sha256(tmp_path, monkeypatch):
    store = Store(tmp_path / "s.db")
    pages = [
        p
        for sid in _weeks(store, 2)
        for p in SnapshotView(store, sid).fetches("resourcegraph:resources")[0].page_hashes
    ]
    real = bodies.decompress
    monkeypatch.setattr(bodies, "decompress", lambda c, b, base=None: real(c, b, base) + b" ")
    got = _fail(lambda: store.bodies(pages))
    assert got is not None and "does not match its SHA-256" in got[1] and pages[0][:12] in got[1]


def _decompress_from_threads() -> list[bool]:
    """Eight threads decompressing different bodies at once: is each what was compressed?"""
    import threading

    data = [bytes(f'{{"n": {n}, "pad": "{"x" * (n * 997 % 50000)}"}}', "ascii") for n in range(64)]
    blobs = [bodies.compress(d)[1] for d in data]
    ok: list[bool] = []

    def work(k: int) -> None:
        for _ in range(160):
            for n in range(k, len(data), 8):
                try:
                    ok.append(bodies.decompress("zstd", blobs[n]) == data[n])
                except bodies.BodyError:
                    ok.append(False)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok


def test_bodies_decompress_from_several_threads_at_once():
    """The collector's workers and Store.bodies decompress concurrently: a decompressor shared
    by threads returned "Data corruption detected" now and then (a resumed collection then
    fetched a stored page again)."""
    ok = _decompress_from_threads()
    assert len(ok) == 64 * 160 and all(ok)
