"""Bundles: export, import, verify, and refusal of damaged or foreign files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff import bodies
from snapdiff.bundle import (
    BundleError,
    check_bundle,
    export_snapshot,
    import_bundle,
    manifest_hash,
    verify,
)
from snapdiff.cli import main
from snapdiff.commands.common import open_ref
from snapdiff.errors import SnapdiffError, StoreError
from snapdiff.migrations import SCHEMA_VERSION
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store, utcnow

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"


def resources(week: int, n: int = 60) -> list[dict[str, Any]]:
    out = []
    for i in range(n + week):  # a new resource each week
        out.append(
            {
                "id": f"{SUB}/resourceGroups/rg{i % 3}/providers/Microsoft.Web/sites/app{i:03d}",
                "name": f"app{i:03d}",
                "type": "microsoft.web/sites",
                "resourceGroup": f"rg{i % 3}",
                "subscriptionId": SUB.rsplit("/", 1)[1],
                "location": "westeurope",
                "tags": {"scad": "yes", "week": str(week)} if i == 5 else {"owner": f"team{i % 4}"},
                "properties": {"httpsOnly": i % 2 == 0},
            }
        )
    return out


def assignments(week: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{SUB}/providers/Microsoft.Authorization/roleAssignments/ra{i}",
            "name": f"ra{i}",
            "properties": {
                "scope": SUB,
                "principalId": f"principal-{i}",
                "principalType": "User" if i % 2 else "Group",
                "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/rd{i % 2}",
            },
        }
        for i in range(3 + week % 2)
    ]


def fixture_fetches(week: int) -> list[FakeFetch]:
    return [
        FakeFetch("resourcegraph:resources", "batch0", arg_pages(resources(week), 25)),
        FakeFetch("authorization:roleAssignments", SUB.lower(), [{"value": assignments(week)}]),
        FakeFetch("authorization:roleDefinitions", SUB.lower(), [{"value": [{"id": "rd0"}]}]),
        FakeFetch("keyvault:secrets", "kv1", [], status="forbidden", http_status=403),
    ]


def add_snapshot(store: Store, week: int, **kw: Any) -> int:
    return write_snapshot(store, fixture_fetches(week), label=kw.pop("label", f"week-{week}"), **kw)


def add_redacted_snapshot(store: Store) -> int:
    """A snapshot with a redaction, written the way the collector does."""
    sid = store.begin_snapshot(tenant_id="t0", cloud="AzureCloud", scope={"subscriptions": [SUB]})
    fid = store.start_fetch(sid, "web", "web:appSettings", "app1")
    store.add_exchange(
        snapshot_id=sid,
        fetch_id=fid,
        source="web",
        method="POST",
        url="https://management.invalid/app1/config/appsettings/list",
        request_body=None,
        status=200,
        headers={"content-type": "application/json"},
        body=b'{"properties":{"DB_PASSWORD":"REDACTED"}}',
        started_at=utcnow(),
        elapsed_ms=12.5,
        page=1,
        redactions=[("$.properties.DB_PASSWORD", "secret-key")],
    )
    store.finish_fetch(fid, "ok", http_status=200, pages=1)
    store.set_source(sid, "web", status="ok", pages=1, requests=1)
    store.finish_snapshot(sid, "complete")
    return sid


def content(store: Store, sid: int) -> dict[str, Any]:
    """Everything the builder and differ can see of a snapshot, without local ids."""
    v = SnapshotView(store, sid)
    m = v.meta
    fetches = {
        call: [
            (f.source, f.target, f.status, f.http_status, f.error, f.page_hashes, f.bodies())
            for f in v.fetches(call)
        ]
        for call in v.calls()
    }
    return {
        "meta": (
            m.uid,
            m.started_at,
            m.finished_at,
            m.status,
            m.tenant_id,
            m.cloud,
            m.scope,
            m.error,
        ),
        "sources": v.sources,
        "fetches": fetches,
        "resources": v.resources(),
        "redactions": [(r["url"], r["path"], r["reason"]) for r in store.redactions(sid)],
        "counts": store.counts(sid),
    }


def digest(path: Path) -> str:
    """A checksum of a store's whole content (schema and rows), independent of WAL layout."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        h = hashlib.sha256()
        for line in conn.iterdump():
            h.update(line.encode())
        return h.hexdigest()
    finally:
        conn.close()


@pytest.fixture
def source(tmp_path: Path) -> tuple[Store, int]:
    store = Store(tmp_path / "source.db")
    add_snapshot(store, 0)
    sid = add_snapshot(store, 1)
    yield store, sid
    store.close()


@pytest.fixture
def bundle(tmp_path: Path, source: tuple[Store, int]) -> Path:
    store, sid = source
    out = tmp_path / "out" / "week-1.snapdiff"
    export_snapshot(store, sid, out)
    return out


# -- round trips ------------------------------------------------------------------------------
def test_round_trip_into_empty_store(
    tmp_path: Path, source: tuple[Store, int], bundle: Path
) -> None:
    store, sid = source
    with Store(tmp_path / "empty.db") as target:
        new = import_bundle(target, bundle)
        assert content(target, new) == content(store, sid)
        assert target.snapshot(new).label == "week-1"
        assert verify(target.path) == []


def test_round_trip_into_store_with_other_snapshots(
    tmp_path: Path, source: tuple[Store, int], bundle: Path
) -> None:
    store, sid = source
    with Store(tmp_path / "site-b.db") as target:
        others = [add_snapshot(target, w, label=f"b-{w}") for w in (0, 1, 2)]
        bodies_before = target.conn.execute("SELECT count(*) FROM bodies").fetchone()[0]
        before = {o: content(target, o) for o in others}
        new = import_bundle(target, bundle)
        assert new not in others
        assert content(target, new) == content(store, sid)
        assert {o: content(target, o) for o in others} == before
        # week 1 was already taken here too (same bytes): bodies are shared, not duplicated
        assert target.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == bodies_before
        assert verify(target.path) == []


def test_redactions_and_labels_travel(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as a:
        sid = add_redacted_snapshot(a)
        a.set_label(sid, "before-migration")
        m = export_snapshot(a, sid, tmp_path / "r.snapdiff")
        assert m.data["redactions"] == [
            {
                "url": "https://management.invalid/app1/config/appsettings/list",
                "path": "$.properties.DB_PASSWORD",
                "reason": "secret-key",
            }
        ]
        with Store(tmp_path / "b.db") as b:
            add_snapshot(b, 0, label="before-migration")  # label taken here
            new = import_bundle(b, tmp_path / "r.snapdiff")
            assert content(b, new) == content(a, sid)
            assert b.snapshot(new).label is None  # the existing label stays where it is


def test_import_is_idempotent(tmp_path: Path, bundle: Path) -> None:
    path = tmp_path / "t.db"
    with Store(path) as target:
        first = import_bundle(target, bundle)
    before = digest(path)
    with Store(path) as target:
        assert import_bundle(target, bundle) == first
        assert len(target.snapshots()) == 1
    assert digest(path) == before


def test_bundle_is_one_self_contained_file(source: tuple[Store, int], bundle: Path) -> None:
    store, sid = source
    assert sorted(p.name for p in bundle.parent.iterdir()) == [bundle.name]  # no temp, no -wal
    conn = sqlite3.connect(bundle)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 1
        data = json.loads(conn.execute("SELECT json FROM manifest").fetchone()[0])
    finally:
        conn.close()
    snap = store.snapshot(sid)
    assert data["format"] == "snapdiff-bundle"
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["tool_version"]
    assert data["snapshot"]["uid"] == snap.uid
    assert data["snapshot"]["label"] == "week-1"
    assert data["tenant"] == snap.tenant_id
    assert data["scope"] == snap.scope
    assert data["sources"]["keyvault"]["status"] == "forbidden"
    assert data["counts"]["requests"] == store.counts(sid)["requests"]
    hashes = {
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT body_hash FROM exchanges WHERE snapshot_id = ?", (sid,)
        )
    }
    assert set(data["bodies"]) == hashes
    assert data["counts"]["bodies"] == len(hashes)
    assert data["manifest_sha256"] == manifest_hash(data)
    assert verify(bundle) == []


def test_build_and_diff_can_read_a_bundle_directly(source: tuple[Store, int], bundle: Path) -> None:
    store, sid = source
    for ref in (str(bundle), f"{bundle}:latest", f"{bundle}:week-1"):
        b, bid = open_ref(None, ref)
        with b:
            assert content(b, bid) == content(store, sid)
    # read-only media: immutable open needs no lock, journal or -shm file
    with Store(bundle, immutable=True) as b:
        assert content(b, b.snapshots()[0].id) == content(store, sid)


def test_export_refuses_running_snapshot_and_leaves_no_file(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as s:
        sid = s.begin_snapshot(tenant_id="t", cloud="AzureCloud", scope={})
        with pytest.raises(SnapdiffError, match="still running"):
            export_snapshot(s, sid, tmp_path / "x" / "r.snapdiff")
    assert not (tmp_path / "x" / "r.snapdiff").exists()


def test_export_failure_leaves_no_half_file(tmp_path: Path, source: tuple[Store, int]) -> None:
    store, sid = source
    h = store.conn.execute(
        "SELECT body_hash FROM exchanges WHERE snapshot_id = ?", (sid,)
    ).fetchone()[0]
    store.conn.execute("UPDATE bodies SET data = ? WHERE hash = ?", (bodies.compress(b"x")[1], h))
    out = tmp_path / "o" / "bad.snapdiff"
    with pytest.raises(StoreError, match="damaged"):
        export_snapshot(store, sid, out)
    assert list(out.parent.iterdir()) == []


# -- refusals ---------------------------------------------------------------------------------
def refused(tmp_path: Path, file: Path, match: str) -> None:
    """Import ``file`` into a store with a snapshot: refused with ``match``, store unchanged."""
    path = tmp_path / "target.db"
    if not path.exists():
        with Store(path) as s:
            add_snapshot(s, 3)
    before = digest(path)
    with Store(path) as target, pytest.raises(BundleError, match=match) as info:
        import_bundle(target, file)
    assert "\n" not in str(info.value)
    assert digest(path) == before
    result = CliRunner().invoke(main, ["import", str(file), "--store", str(path)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "error: refusing" in result.output
    assert digest(path) == before


def unfreeze(conn: sqlite3.Connection) -> None:
    """What a tamperer would do first: drop the immutability triggers."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


def tamper(bundle: Path, sql: str, *args: Any) -> None:
    conn = sqlite3.connect(bundle)
    try:
        unfreeze(conn)
        conn.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def test_tampered_body_refused(tmp_path: Path, bundle: Path) -> None:
    conn = sqlite3.connect(bundle)
    h, data = conn.execute("SELECT hash, data FROM bodies ORDER BY size DESC").fetchone()
    conn.close()
    changed = bodies.decompress("zstd", data).replace(b"westeurope", b"eastus0000", 1)
    tamper(bundle, "UPDATE bodies SET data = ? WHERE hash = ?", bodies.compress(changed)[1], h)
    refused(tmp_path, bundle, "does not match its SHA-256")


def test_tampered_body_with_rehash_refused(tmp_path: Path, bundle: Path) -> None:
    conn = sqlite3.connect(bundle)
    h, data = conn.execute("SELECT hash, data FROM bodies ORDER BY size DESC").fetchone()
    conn.close()
    changed = bodies.decompress("zstd", data).replace(b"westeurope", b"eastus0000", 1)
    new = hashlib.sha256(changed).hexdigest()
    conn = sqlite3.connect(bundle)
    unfreeze(conn)
    conn.execute(
        "UPDATE bodies SET hash = ?, data = ? WHERE hash = ?", (new, bodies.compress(changed)[1], h)
    )
    conn.execute("UPDATE exchanges SET body_hash = ? WHERE body_hash = ?", (new, h))
    conn.commit()
    conn.close()
    refused(tmp_path, bundle, "tampered")


def test_tampered_row_refused(tmp_path: Path, bundle: Path) -> None:
    tamper(bundle, "UPDATE fetches SET status = 'ok' WHERE status = 'forbidden'")
    refused(tmp_path, bundle, "rows do not match")


def test_tampered_manifest_refused(tmp_path: Path, bundle: Path) -> None:
    conn = sqlite3.connect(bundle)
    data = json.loads(conn.execute("SELECT json FROM manifest").fetchone()[0])
    conn.close()
    data["tenant"] = "someone-else"
    tamper(bundle, "UPDATE manifest SET json = ?", json.dumps(data))
    refused(tmp_path, bundle, "manifest SHA-256 does not match")


def test_truncated_bundle_refused(tmp_path: Path, bundle: Path) -> None:
    size = bundle.stat().st_size
    with bundle.open("r+b") as f:
        f.truncate(size // 2)
    refused(tmp_path, bundle, "truncated")
    with bundle.open("r+b") as f:
        f.truncate(40)
    refused(tmp_path, bundle, "truncated")


def test_newer_schema_refused(tmp_path: Path, bundle: Path) -> None:
    tamper(
        bundle, "UPDATE meta SET value = ? WHERE key = 'schema_version'", str(SCHEMA_VERSION + 1)
    )
    refused(tmp_path, bundle, f"schema v{SCHEMA_VERSION + 1}, newer than this snapdiff")


def test_newer_bundle_format_refused(tmp_path: Path, bundle: Path) -> None:
    conn = sqlite3.connect(bundle)
    data = json.loads(conn.execute("SELECT json FROM manifest").fetchone()[0])
    conn.close()
    data["format_version"] = 99
    data["manifest_sha256"] = manifest_hash(data)
    tamper(bundle, "UPDATE manifest SET json = ?", json.dumps(data))
    refused(tmp_path, bundle, "newer than this snapdiff")


def test_foreign_files_refused(tmp_path: Path, source: tuple[Store, int]) -> None:
    text = tmp_path / "notes.snapdiff"
    text.write_text("hello, this is not a bundle\n" * 10)
    refused(tmp_path, text, "not a snapdiff file")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    refused(tmp_path, other, "not a snapdiff file")
    store, _ = source
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    refused(tmp_path, store.path, "a snapdiff store, not a bundle")
    refused(tmp_path, tmp_path / "missing.snapdiff", "no such file")


def test_import_into_readonly_store_refused(tmp_path: Path, bundle: Path) -> None:
    path = tmp_path / "ro.db"
    with Store(path) as s:
        add_snapshot(s, 3)
    before = digest(path)
    with Store(path, readonly=True) as s, pytest.raises(StoreError, match="read-only"):
        import_bundle(s, bundle)
    assert digest(path) == before


@contextlib.contextmanager
def read_only_dir(path: Path):
    """Make ``path`` really unwritable: chmod as a normal user, ``chattr +i`` as root."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)
        return
    if not shutil.which("chattr"):
        pytest.skip("running as root without chattr: cannot make a directory read-only")
    files = [path, *path.iterdir()]
    if subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True).returncode:
        pytest.skip("running as root and chattr +i is not permitted here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)


def test_import_into_readonly_location_refused(tmp_path: Path, bundle: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    path = site / "store.db"
    with Store(path) as s:
        add_snapshot(s, 3)
    before = digest(path)
    files = sorted(p.name for p in site.iterdir())
    with read_only_dir(site):
        assert not os.access(site, os.W_OK)
        result = CliRunner().invoke(main, ["import", str(bundle), "--store", str(path)])
        assert result.exit_code == 2, result.output
        assert "read-only" in result.output and result.output.count("\n") == 1
        fresh = CliRunner().invoke(main, ["import", str(bundle), "--store", str(site / "new.db")])
        assert fresh.exit_code == 2 and "read-only" in fresh.output
        assert sorted(p.name for p in site.iterdir()) == files
        assert digest(path) == before
    assert digest(path) == before


def test_bundle_on_read_only_media(tmp_path: Path, bundle: Path, source: tuple[Store, int]) -> None:
    media = tmp_path / "media"
    media.mkdir()
    copy = media / bundle.name
    shutil.copyfile(bundle, copy)
    with read_only_dir(media):
        assert verify(copy) == []
        b, bid = open_ref(None, str(copy))
        with b:
            assert content(b, bid) == content(source[0], source[1])
        with Store(tmp_path / "elsewhere.db") as target:
            import_bundle(target, copy)
        assert sorted(p.name for p in media.iterdir()) == [copy.name]


# -- verify and the CLI -----------------------------------------------------------------------
def test_verify_reports_bundle_damage(bundle: Path) -> None:
    conn = sqlite3.connect(bundle)
    h = conn.execute("SELECT hash FROM bodies").fetchone()[0]
    conn.close()
    tamper(bundle, "UPDATE bodies SET data = ? WHERE hash = ?", b"not compressed", h)
    problems = verify(bundle)
    assert [p.kind for p in problems] == ["body"]
    assert "does not decompress" in problems[0].detail
    with pytest.raises(BundleError):
        check_bundle(bundle)


def test_cli_export_import_verify(tmp_path: Path, source: tuple[Store, int]) -> None:
    store, sid = source
    runner = CliRunner()
    out = tmp_path / "cli.snapdiff"
    r = runner.invoke(main, ["export", "week-1", "-o", str(out), "--store", str(store.path)])
    assert r.exit_code == 0, r.output
    assert "exported snapshot" in r.output
    r = runner.invoke(main, ["export", "week-1", "-o", str(out), "--store", str(store.path)])
    assert r.exit_code == 2 and "--force" in r.output
    assert runner.invoke(main, ["verify", str(out)]).exit_code == 0
    target = tmp_path / "t" / "t.db"
    r = runner.invoke(main, ["import", str(out), "--store", str(target)])
    assert r.exit_code == 0, r.output
    assert "imported snapshot 1" in r.output
    r = runner.invoke(main, ["import", str(out), "--store", str(target)])
    assert r.exit_code == 0 and "nothing changed" in r.output
    r = runner.invoke(main, ["verify", "--store", str(target)])
    assert r.exit_code == 0 and r.output.strip().endswith("ok")
    r = runner.invoke(main, ["verify", "week-1", "--store", str(target)])
    assert r.exit_code == 0, r.output
    with Store(target) as t:
        assert content(t, 1) == content(store, sid)
