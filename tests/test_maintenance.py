"""Store upkeep: prune, label, verify of a store, and the explore views."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff import bodies, owner
from snapdiff.bundle import verify
from snapdiff.cli import main
from snapdiff.errors import SnapdiffError, StoreError
from snapdiff.maintenance import (
    LabelTaken,
    index_missing,
    index_snapshot,
    label,
    parse_duration,
    prune,
    select_prunable,
)
from snapdiff.refs import resolve
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"


def resources(week: int, n: int = 300) -> list[dict[str, Any]]:
    """``n`` resources; each week a different tenth of them gets a new tag value."""
    return [
        {
            "id": f"{SUB}/resourceGroups/rg{i % 4}/providers/Microsoft.Storage/storageAccounts/sa{i:04d}",
            "name": f"sa{i:04d}",
            "type": "microsoft.storage/storageaccounts",
            "resourceGroup": f"rg{i % 4}",
            "subscriptionId": SUB.rsplit("/", 1)[1],
            "location": "northeurope",
            "tags": {"scad": "true", "rev": str(week if i % 10 == week % 10 else 0)},
            "properties": {"note": f"resource {i} " * 8},
        }
        for i in range(n)
    ]


def assignments(week: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{SUB}/providers/Microsoft.Authorization/roleAssignments/ra{i}",
            "properties": {
                "scope": SUB,
                "principalId": f"p{i}",
                "principalType": "ServicePrincipal",
                "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/reader",
            },
        }
        for i in range(2 + week)
    ]


def add_snapshot(
    store: Store, week: int, status: str = "complete", label: str | None = None
) -> int:
    fetches = [
        FakeFetch("resourcegraph:resources", "batch0", arg_pages(resources(week), 50)),
        FakeFetch("authorization:roleAssignments", SUB.lower(), [{"value": assignments(week)}]),
        FakeFetch(
            "authorization:roleAssignments",
            "/providers/microsoft.management/mg1",
            [{"value": assignments(0)[:1]}],
        ),
    ]
    sid = write_snapshot(store, fetches, status=status, label=label)
    index_snapshot(store, sid)
    return sid


def view(store: Store, sid: int) -> dict[str, Any]:
    v = SnapshotView(store, sid)
    return {call: [(f.target, f.status, f.bodies()) for f in v.fetches(call)] for call in v.calls()}


def digest(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.db")
    yield s
    s.close()


# -- prune ------------------------------------------------------------------------------------
def test_prune_keeps_what_remaining_snapshots_need_and_shrinks(store: Store) -> None:
    ids = [add_snapshot(store, w) for w in range(6)]
    keep = ids[-2:]
    before = {sid: view(store, sid) for sid in keep}
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = store.path.stat().st_size
    report = prune(store, keep_last=2)
    assert [s.id for s in report.deleted] == ids[:-2]
    assert report.bodies_deleted > 0 and report.vacuumed
    assert [s.id for s in store.snapshots()] == keep
    assert {sid: view(store, sid) for sid in keep} == before
    assert verify(store.path) == []  # no missing and no orphan body
    assert report.size_after < report.size_before
    assert store.path.stat().st_size < size
    n = store.conn.execute("SELECT count(*) FROM resource_rows").fetchone()[0]
    assert n == 2 * 300  # explore rows of deleted snapshots went with them


def test_prune_dry_run_changes_nothing(store: Store) -> None:
    ids = [add_snapshot(store, w) for w in range(3)]
    before = digest(store.path)
    report = prune(store, keep_last=1, dry_run=True)
    assert [s.id for s in report.deleted] == ids[:2]
    assert report.bodies_deleted > 0
    assert digest(store.path) == before
    real = prune(store, keep_last=1)
    assert [s.id for s in real.deleted] == ids[:2]
    assert real.bodies_deleted == report.bodies_deleted


def test_prune_never_deletes_the_newest_complete_snapshot_unless_asked(store: Store) -> None:
    a = add_snapshot(store, 0)
    b = add_snapshot(store, 1)
    c = add_snapshot(store, 2, status="failed")
    report = prune(store, keep_last=1)
    assert [s.id for s in report.deleted] == [a]
    assert [s.id for s in report.protected] == [b]
    assert [s.id for s in store.snapshots()] == [b, c]
    report = prune(store, keep_last=0, allow_last_complete=True)
    assert {s.id for s in report.deleted} == {b, c}
    assert store.snapshots() == []
    assert store.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 0


def test_prune_older_than(store: Store) -> None:
    ids = [add_snapshot(store, w) for w in range(3)]
    assert prune(store, older_than=timedelta(days=90)).deleted == []
    report = prune(store, older_than=timedelta(0))
    assert [s.id for s in report.deleted] == ids[:2]  # the newest complete one stays
    assert [s.id for s in store.snapshots()] == ids[2:]


def test_select_prunable_rules() -> None:
    from snapdiff.store import Snapshot

    def snap(i: int, day: int, status: str = "complete") -> Snapshot:
        started = f"2024-01-{day:02d}T00:00:00.000000Z"
        return Snapshot(i, f"u{i}", None, started, started, status, None, None, {}, None, None)

    snaps = [snap(1, 1), snap(2, 8), snap(3, 15), snap(4, 22, "running"), snap(5, 29)]
    now = datetime(2024, 2, 1, tzinfo=timezone.utc)
    assert select_prunable(snaps, 2, None, now=now) == {1, 2}
    assert select_prunable(snaps, None, timedelta(days=20), now=now) == {1, 2}
    assert select_prunable(snaps, 3, timedelta(days=20), now=now) == {1}
    assert select_prunable(snaps, 0, None, now=now) == {1, 2, 3, 5}  # never a running one
    with pytest.raises(SnapdiffError):
        select_prunable(snaps, None, None)
    with pytest.raises(SnapdiffError):
        select_prunable(snaps, -1, None)


def test_prune_leaves_running_snapshot_alone(store: Store) -> None:
    add_snapshot(store, 0)
    done = add_snapshot(store, 1)
    running = store.begin_snapshot(tenant_id="t", cloud="AzureCloud", scope={})
    prune(store, keep_last=0)
    assert [s.id for s in store.snapshots()] == [done, running]


def test_parse_duration() -> None:
    assert parse_duration("90d") == timedelta(days=90)
    assert parse_duration("12w") == timedelta(weeks=12)
    assert parse_duration("36h") == timedelta(hours=36)
    with pytest.raises(SnapdiffError, match="not a duration"):
        parse_duration("3 months")


def test_cli_prune(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Store(path) as s:
        for w in range(4):
            add_snapshot(s, w)
    runner = CliRunner()
    r = runner.invoke(main, ["prune", "--keep-last", "1", "--dry-run", "--store", str(path)])
    assert r.exit_code == 0, r.output
    assert "would delete 3 snapshot(s)" in r.output
    r = runner.invoke(main, ["prune", "--older-than", "0d", "--store", str(path)])
    assert r.exit_code == 0, r.output
    assert "deleted 3 snapshot(s)" in r.output and "MiB ->" in r.output
    r = runner.invoke(main, ["prune", "--store", str(path)])
    assert r.exit_code == 2 and "--keep-last" in r.output
    r = runner.invoke(main, ["prune", "--older-than", "soon", "--store", str(path)])
    assert r.exit_code == 2


# -- label ------------------------------------------------------------------------------------
def test_label(store: Store) -> None:
    a = add_snapshot(store, 0)
    b = add_snapshot(store, 1)
    assert label(store, a, "week-47") is None
    assert resolve(store, "week-47") == a
    with pytest.raises(LabelTaken):  # a label names one snapshot: moving it is asked for
        label(store, b, "week-47")
    assert store.snapshot(b).label is None and resolve(store, "week-47") == a
    assert label(store, b, "week-47", move=True) == a
    assert store.snapshot(a).label is None and resolve(store, "week-47") == b
    label(store, b, None)
    assert store.snapshot(b).label is None
    for bad in ("", "12", "latest", "latest~2", "2024-01-01", "a:b", "two words"):
        with pytest.raises(SnapdiffError):
            label(store, a, bad)
    with pytest.raises(SnapdiffError):
        label(store, 99, "nope")


def test_cli_label(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Store(path) as s:
        add_snapshot(s, 0)
        add_snapshot(s, 1)
    runner = CliRunner()
    r = runner.invoke(main, ["label", "latest", "before-migration", "--store", str(path)])
    assert r.exit_code == 0 and "snapshot 2 is now 'before-migration'" in r.output
    r = runner.invoke(main, ["label", "1", "latest", "--store", str(path)])
    assert r.exit_code == 2
    r = runner.invoke(main, ["label", "before-migration", "--clear", "--store", str(path)])
    assert r.exit_code == 0
    with Store(path) as s:
        assert [x.label for x in s.snapshots()] == [None, None]


# -- verify a store ---------------------------------------------------------------------------
def test_verify_finds_running_orphan_and_corrupt(store: Store) -> None:
    sid = add_snapshot(store, 0)
    assert verify(store.path) == []
    running = store.begin_snapshot(tenant_id="t", cloud="AzureCloud", scope={})
    owner.release(store.path, running)  # as if its collector had died
    store.conn.execute("UPDATE snapshots SET pid = 999999999 WHERE id = ?", (running,))
    store.put_body(b'{"orphan": true}')
    h = store.conn.execute(
        "SELECT body_hash FROM exchanges WHERE snapshot_id = ?", (sid,)
    ).fetchone()[0]
    raw = store.body(h).replace(b"northeurope", b"southeurope", 1)
    store.conn.execute(
        "UPDATE bodies SET data = ?, codec = 'zstd', base = NULL WHERE hash = ?",
        (bodies.compress(raw)[1], h),
    )
    problems = verify(store.path)
    kinds = sorted(p.kind for p in problems)
    assert kinds == ["body", "orphan-body", "running"]
    running_problem = next(p for p in problems if p.kind == "running")
    assert running_problem.snapshot_id == running
    assert "does not match" in next(p for p in problems if p.kind == "body").detail
    # one snapshot only: its bodies, no orphan check
    assert [p.kind for p in verify(store.path, str(sid))] == ["body"]


def test_verify_missing_body_and_cli_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    with Store(path) as s:
        add_snapshot(s, 0)
        s.conn.execute("PRAGMA foreign_keys = OFF")
        s.conn.execute("DELETE FROM bodies WHERE hash = (SELECT max(body_hash) FROM exchanges)")
    problems = verify(path)
    assert [p.kind for p in problems] == ["missing-body"]
    r = CliRunner().invoke(main, ["verify", "--store", str(path)])
    assert r.exit_code == 1 and "missing" in r.output


def test_verify_newer_schema_and_foreign(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    with Store(path) as s:
        s.conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    assert [p.kind for p in verify(path)] == ["schema"]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00" * 4096)
    assert "not a snapdiff file" in verify(junk)[0].detail
    assert CliRunner().invoke(main, ["verify", str(junk)]).exit_code == 1


# -- explore views ----------------------------------------------------------------------------
def test_views_return_rows(store: Store) -> None:
    a = add_snapshot(store, 0, label="week-1")
    b = add_snapshot(store, 1, label="week-2")
    rows = list(
        store.db.query(
            "SELECT * FROM resources_by_snapshot WHERE snapshot_label = 'week-2' ORDER BY id LIMIT 2"
        )
    )
    assert rows[0]["snapshot_id"] == b
    assert rows[0]["type"] == "microsoft.storage/storageaccounts"
    assert rows[0]["resource_group"] == "rg0" and rows[0]["location"] == "northeurope"
    assert rows[0]["subscription_id"] == SUB.rsplit("/", 1)[1]
    assert '"scad": "true"' in rows[0]["tags"]
    counts = dict(
        store.conn.execute(
            "SELECT snapshot_label, count(*) FROM role_assignments_by_snapshot GROUP BY 1"
        ).fetchall()
    )
    assert counts == {"week-1": 2, "week-2": 3}  # the MG listing's duplicate counted once
    ra = next(iter(store.db.query("SELECT * FROM role_assignments_by_snapshot LIMIT 1")))
    assert ra["principal_type"] == "ServicePrincipal" and ra["scope"] == SUB
    # changed tags between two snapshots, in plain SQL
    changed = store.conn.execute(
        "SELECT count(*) FROM resource_rows x JOIN resource_rows y ON x.id = y.id"
        " WHERE x.snapshot_id = ? AND y.snapshot_id = ? AND x.tags != y.tags",
        (a, b),
    ).fetchone()[0]
    assert changed == 30


def test_index_is_idempotent_and_allowed_on_finished_snapshots(store: Store) -> None:
    sid = add_snapshot(store, 0)
    assert store.snapshot(sid).status == "complete"
    assert index_snapshot(store, sid) == (300, 2)
    assert index_snapshot(store, sid) == (300, 2)
    assert store.conn.execute("SELECT count(*) FROM resource_rows").fetchone()[0] == 300
    store.conn.execute("DELETE FROM row_index")
    assert index_missing(store) == [sid]
    assert index_missing(store) == []


def test_bundles_refuse_upkeep(tmp_path: Path, store: Store) -> None:
    from snapdiff.bundle import export_snapshot

    sid = add_snapshot(store, 0)
    export_snapshot(store, sid, tmp_path / "b.snapdiff")
    with Store(tmp_path / "b.snapdiff", readonly=True) as b:
        with pytest.raises(StoreError, match="bundle"):
            label(b, 1, "x")
        with pytest.raises(StoreError, match="bundle"):
            prune(b, keep_last=0)
