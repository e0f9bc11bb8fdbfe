"""Store tests: dedup across snapshots, immutability, interrupted runs, migrations, permissions."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import copy_store, replay
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff import owner
from snapdiff.cli import main
from snapdiff.errors import StoreError
from snapdiff.migrations import MIGRATIONS, SCHEMA_VERSION
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store


def _bodies(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM bodies").fetchone()[0]


def test_second_snapshot_of_unchanged_tenant_shares_bodies(tmp_path, faults_snapshot):
    session_store, first = faults_snapshot  # the session's replay, copied: one replay here
    store = copy_store(session_store, tmp_path / "s.db")
    after_first = _bodies(store)
    second = replay(store, "faults")
    assert first.snapshot_id != second.snapshot_id
    assert (
        store.counts(second.snapshot_id)["requests"] == store.counts(first.snapshot_id)["requests"]
    )
    assert _bodies(store) == after_first  # every body of the second run was already stored
    a = SnapshotView(store, first.snapshot_id).resources()
    b = SnapshotView(store, second.snapshot_id).resources()
    assert a == b


def test_finished_snapshot_is_immutable(tmp_path):
    store = Store(tmp_path / "s.db")
    sid = write_snapshot(store, [FakeFetch("resourcegraph:resources", "batch-0", arg_pages([]))])
    for sql in (
        "UPDATE exchanges SET url = 'x'",
        "UPDATE fetches SET status = 'failed'",
        "UPDATE snapshots SET status = 'partial'",
        "UPDATE sources SET status = 'failed'",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            store.conn.execute(sql)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        store.start_fetch(sid, "x", "x:y", "t")
    store.set_label(sid, "week-47")  # labels may change
    assert store.snapshot(sid).label == "week-47"


def test_interrupted_run_leaves_a_partial_snapshot_with_what_it_captured(tmp_path):
    store = Store(tmp_path / "s.db")

    def progress(msg: str) -> None:
        if msg.startswith("authorization"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay(store, "faults", progress=progress)
    [snap] = store.snapshots()
    assert snap.status == "partial" and snap.error == "interrupted"
    view = SnapshotView(store, snap.id)
    assert len(view.resources()) == 130  # captured before the interruption, kept
    assert view.source_status("resourcegraph") == "ok"
    # never reached: recorded as interrupted, never as an empty source
    assert view.sources["graph"]["status"] == "interrupted"
    assert view.sources["graph"]["detail"] == "never reached: interrupted"
    assert view.unfinished_sources()["storage"] == "interrupted"


def _killed_collector(path, host=None):
    """A real process that begins a snapshot and dies by SIGKILL; optionally another host."""
    code = (
        "import os, signal, sys; from snapdiff.store import Store;"
        "s = Store(sys.argv[1]); sid = s.begin_snapshot(tenant_id='t', cloud='c', scope={});"
        "h = sys.argv[2]; h and s.conn.execute('UPDATE snapshots SET host = ? WHERE id = ?', (h, sid));"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path), host or ""])
    assert proc.returncode == -signal.SIGKILL


def test_crashed_collector_is_recovered_as_partial(tmp_path):
    store = Store(tmp_path / "s.db")
    _killed_collector(store.path)
    [sid] = store.recover_stale()
    snap = store.snapshot(sid)
    assert snap.status == "partial" and "without finishing" in snap.error


def test_a_live_collector_is_left_running(tmp_path):
    store = Store(tmp_path / "s.db")
    sid = store.begin_snapshot(tenant_id="t", cloud="c", scope={})
    other = Store(tmp_path / "s.db", readonly=True)  # another command, same process
    assert other.recover_stale() == [] and other.snapshot(sid).status == "running"
    store.finish_snapshot(sid, "complete")


def test_any_command_recovers_a_dead_collector_from_another_container(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    _killed_collector(path, host="container-of-yesterday")  # a host name never seen again
    runner = CliRunner()
    verified = runner.invoke(main, ["verify", "--store", str(path)])
    assert verified.exit_code == 0, verified.output + verified.stderr
    assert "snapshot 1 was left running by a collector that is gone" in verified.stderr
    shown = runner.invoke(main, ["snapshots", "--store", str(path), "--json"])
    assert shown.exit_code == 0, shown.output
    [snap] = json.loads(shown.output)
    assert snap["status"] == "partial"
    pruned = runner.invoke(main, ["prune", "--keep-last", "0", "--store", str(path)])
    assert pruned.exit_code == 0, pruned.output


def test_an_old_running_row_without_a_lock_falls_back_on_the_boot_id(tmp_path):
    store = Store(tmp_path / "s.db")
    store.conn.execute(
        "INSERT INTO snapshots (uid, started_at, status, scope, host, pid, boot_id)"
        " VALUES ('u', '2026-01-01T00:00:00Z', 'running', '{}', 'elsewhere', 1, 'an-old-boot')"
    )
    assert len(store.recover_stale()) == (1 if owner.boot_id() else 0)


def test_migrates_an_older_file_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])  # a v1 store, as the first release wrote it
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.execute(
        "INSERT INTO snapshots (uid, started_at, status, scope) VALUES ('u1', '2025-01-01T00:00:00Z', 'complete', '{}')"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert [s.uid for s in store.snapshots()] == ["u1"]
    with pytest.raises(sqlite3.IntegrityError):  # v2's immutability applies to old snapshots
        store.conn.execute("UPDATE snapshots SET status = 'failed'")


def test_newer_schema_and_foreign_files_are_refused(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this snapdiff"):
        Store(path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="not a snapdiff store"):
        Store(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(StoreError, match="not a snapdiff store"):
        Store(other)
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "missing.db", readonly=True)


def test_store_file_is_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        Store(tmp_path / "sub" / "s.db").close()
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "sub" / "s.db").st_mode)
    assert mode == 0o600


def test_a_label_names_one_snapshot(tmp_path):
    store = Store(tmp_path / "s.db")
    fetches = [FakeFetch("resourcegraph:resources", "batch-0", arg_pages([]))]
    first = write_snapshot(store, fetches, label="week-47")
    second = write_snapshot(store, fetches, label="week-47")  # e.g. a re-run of the same week
    assert store.snapshot(first).label is None and store.snapshot(second).label == "week-47"


def test_without_posix_locks_owners_fall_back_on_host_and_pid(tmp_path, monkeypatch):
    """Windows has no fcntl: no lock is taken, and a dead pid on this host still means dead."""
    import os
    import socket

    from snapdiff import owner

    monkeypatch.setattr(owner, "LOCKS", False)
    path = tmp_path / "s.db"
    assert owner.hold(path, 1) is False
    owner.release(path, 1)  # a no-op, not an error
    row = {"id": 1, "host": socket.gethostname(), "pid": os.getpid(), "owner_lock": 1}
    assert owner.owner_alive(path, row) is False  # this process never held it
    assert owner.owner_alive(path, {**row, "pid": 999999999}) is False  # a dead pid
