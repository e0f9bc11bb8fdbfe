"""Nothing lost, nothing silently wrong: damaged bodies, refused commands that change no file,
clean closes, concurrent imports and collections that read nothing (issue 9), all via the CLI."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fakeazure.server import serve
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff import bodies
from snapdiff.bundle import import_snapshot
from snapdiff.cli import main
from snapdiff.store import Store
from test_cli import clean_tenant, collect_cli

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
RID = f"{SUB}/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st0"


def rows(week: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st{i}",
            "name": f"st{i}",
            "type": "microsoft.storage/storageaccounts",
            "resourceGroup": "rg",
            "subscriptionId": SUB.rsplit("/", 1)[1],
            "location": "westeurope",
            "tags": {"week": str(week)},
            "properties": {"supportsHttpsTrafficOnly": True},
        }
        for i in range(30)
    ]


def add_week(store: Store, week: int, **kw: Any) -> int:
    pages = arg_pages(rows(week), 10)
    return write_snapshot(
        store, [FakeFetch("resourcegraph:resources", "batch-0", pages)], label=f"week-{week}", **kw
    )


def run(*args: str | Path, **kw: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


def one_line_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    for n in needles:
        assert n in result.output, result.output


def state(*paths: Path) -> dict[str, object]:
    """Bytes and mtime of each file, whether its -wal holds data and whether a -journal exists.
    (A read-only reader of a WAL store may leave an empty -wal and a -shm index: no data.)"""
    out: dict[str, object] = {}
    for p in paths:
        wal, journal = Path(f"{p}-wal"), Path(f"{p}-journal")
        out[str(p)] = (p.read_bytes(), p.stat().st_mtime_ns) if p.exists() else None
        out[str(wal)] = wal.exists() and wal.stat().st_size > 0
        out[str(journal)] = journal.exists()
    return out


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    with Store(path) as store:
        add_week(store, 0)
        add_week(store, 1)
    return path


def flip_body(path: Path, snapshot_id: int) -> str:
    """Change one body of a snapshot so that it still decompresses (and parses) but no longer
    matches its SHA-256, as bit rot or a careless edit would."""
    conn = sqlite3.connect(path)
    try:
        (h,) = conn.execute(
            "SELECT body_hash FROM exchanges WHERE snapshot_id = ? ORDER BY id LIMIT 1",
            (snapshot_id,),
        ).fetchone()
        raw = bodies.read(conn, h)
        changed = raw.replace(b"westeurope", b"eastus0000", 1)
        assert changed != raw
        conn.execute(
            "UPDATE bodies SET data = ?, codec = 'zstd', base = NULL, depth = 0 WHERE hash = ?",
            (bodies.compress(changed)[1], h),
        )
        conn.commit()
    finally:
        conn.close()
    return h


# -- damaged bodies -----------------------------------------------------------------------------
def test_damaged_body_stops_build_diff_history_export(store_path: Path, tmp_path: Path) -> None:
    h = flip_body(store_path, 2)
    out = tmp_path / "out"
    result = run("build", "week-1", "--store", store_path, "-o", out)
    one_line_error(result, "snapshot 2 (week-1)", h[:12], "SHA-256", "snapdiff verify")
    assert not out.exists() or not any(out.iterdir())  # no wrong JSON written
    one_line_error(run("diff", "1", "2", "--store", store_path), "snapshot 2", "snapdiff verify")
    one_line_error(run("history", RID, "--store", store_path), "snapshot 2", "snapdiff verify")
    result = run("export", "2", "-o", tmp_path / "b.snapdiff", "--store", store_path)
    one_line_error(result, "snapshot 2", "snapdiff verify")
    assert not (tmp_path / "b.snapdiff").exists()
    # The undamaged snapshot still builds, and verify names the damage.
    assert run("build", "week-0", "--store", store_path, "-o", out).exit_code == 0
    result = run("verify", "--store", store_path)
    assert result.exit_code == 1 and h[:12] in result.output


# -- export onto the store ----------------------------------------------------------------------
def test_export_onto_the_store_is_refused(store_path: Path, tmp_path: Path) -> None:
    (tmp_path / "link.db").symlink_to(store_path)
    os.link(store_path, tmp_path / "hard.db")
    before = state(store_path)
    targets = [
        store_path,
        tmp_path / "link.db",
        tmp_path / "hard.db",
        tmp_path / "sub" / ".." / "s.db",
        Path(f"{store_path}-wal"),
    ]
    (tmp_path / "sub").mkdir()
    for target in targets:
        for force in ([], ["--force"]):
            result = run("export", "latest", "-o", target, "--store", store_path, *force)
            one_line_error(result, "is the store", "itself")
    assert state(store_path) == before
    shown = run("snapshots", "--store", store_path)
    assert "week-0" in shown.output and "week-1" in shown.output


# -- refusals change no file ------------------------------------------------------------------
@pytest.fixture
def bundle(store_path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "week-1.snapdiff"
    assert run("export", "week-1", "-o", out, "--store", store_path).exit_code == 0
    return out


@pytest.mark.parametrize(
    "args",
    [
        ["label", "latest", "x"],
        ["label", "latest", "--clear"],
        ["prune", "--keep-last", "0"],
        ["prune", "--failed"],
        ["index"],
        ["index", "latest"],
    ],
)
def test_upkeep_on_a_bundle_changes_no_byte(bundle: Path, args: list[str]) -> None:
    before = state(bundle)
    one_line_error(run(*args, "--store", bundle), "is a bundle")
    assert state(bundle) == before  # journal mode, content and mtime untouched
    assert run("verify", bundle).exit_code == 0


def test_refused_import_leaves_a_foreign_sqlite_file_alone(bundle: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = state(other)
    for args in (["import", bundle], ["label", "latest", "x"], ["prune", "--failed"], ["index"]):
        one_line_error(run(*args, "--store", other), "not a snapdiff store")
        assert state(other) == before


def test_refused_label_leaves_the_store_alone(store_path: Path) -> None:
    before = state(store_path)
    one_line_error(run("label", "latest", "latest~1", "--store", store_path), "reads as")
    one_line_error(run("label", "latest", "a b", "--store", store_path), "cannot contain")
    assert state(store_path) == before


# -- clean closes ---------------------------------------------------------------------------------
def assert_closed_cleanly(path: Path, tmp_path: Path, expect: str) -> None:
    """No WAL left holding data, and the .db copied alone lists the right statuses."""
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal}: {wal.stat().st_size} bytes"
    copy = tmp_path / "copy" / "only.db"
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(path, copy)
    shown = run("snapshots", "--store", copy)
    assert shown.exit_code == 0, shown.output
    assert expect in shown.output and "running" not in shown.output, shown.output
    shutil.rmtree(copy.parent)


def test_demo_leaves_no_wal(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run("demo", "--store", db, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert_closed_cleanly(db, tmp_path, "week-1")
    assert "complete" in run("snapshots", "--store", db).output


@pytest.mark.loopback
def test_every_writing_command_closes_cleanly(tmp_path: Path, bundle: Path) -> None:
    db = tmp_path / "w.db"
    with serve(clean_tenant()) as (base, _):
        assert collect_cli(base, db, "--label", "c1").exit_code == 0
    assert_closed_cleanly(db, tmp_path, "complete")
    steps = [
        ["import", bundle],
        ["label", "c1", "first"],
        ["index"],
        ["prune", "--keep-last", "1", "--include-last-complete"],
        ["prune", "--failed"],
    ]
    for step in steps:
        result = run(*step, "--store", db)
        assert result.exit_code == 0, (step, result.output)
        assert_closed_cleanly(db, tmp_path, "complete")


TESTS = str(Path(__file__).resolve().parent)  # where fakeazure lives


@pytest.fixture
def crashed(tmp_path: Path) -> Path:
    """A store whose collector died before a checkpoint: every row is still in its -wal."""
    db = tmp_path / "crash.db"
    code = (
        "import os; from snapdiff.store import Store;"
        "from fakeazure.writer import FakeFetch, arg_pages, write_snapshot;"
        f"rows = [{{'id': f'/x/{{i}}', 'type': 't'}} for i in range(200)];"
        "f = FakeFetch('resourcegraph:resources', 'batch-0', arg_pages(rows, 50));"
        f"write_snapshot(Store({str(db)!r}), [f], label='week-0'); os._exit(0)"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [TESTS, os.environ.get("PYTHONPATH")])),
    }
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert Path(f"{db}-wal").stat().st_size > 4096
    return db


def test_verify_reads_data_still_in_the_wal(crashed: Path) -> None:
    """Killed (or out of disk) before a checkpoint: the rows are in the -wal, and the main
    file's header may already claim pages it does not hold yet."""
    db = crashed
    with db.open("r+b") as f:  # a checkpoint that wrote page 1, then hit a full disk
        head = bytearray(f.read(100))
        struct.pack_into(">I", head, 28, 64)
        head[92:96] = head[24:28]
        f.seek(0)
        f.write(head)
    result = run("verify", "--store", db)
    assert result.exit_code == 0 and result.output.strip().endswith(": ok"), result.output
    assert "week-0" in run("snapshots", "--store", db).output


def test_wal_in_a_read_only_folder_is_not_silently_ignored(
    crashed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's immutable mode (used for read-only folders) would read the file without its
    -wal, i.e. an older or empty store: say so instead."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: m != os.W_OK and real(p, m))
    result = run("verify", "--store", crashed)
    assert result.exit_code == 1 and "read-only folder" in result.output, result.output
    one_line_error(run("snapshots", "--store", crashed), "-wal holds rows", "read-only folder")


# -- concurrent imports ---------------------------------------------------------------------------
def test_concurrent_imports_of_one_bundle(bundle: Path, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with Store(db):
        pass
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "snapdiff", "import", str(bundle), "--store", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [(p.wait(timeout=120), p.stdout.read() if p.stdout else "") for p in procs]
    assert all(rc == 0 for rc, _ in outs), outs
    assert sum("imported snapshot" in o for _, o in outs) == 1, outs
    assert sum("already in" in o for _, o in outs) == 3, outs
    with Store(db, readonly=True) as store:
        assert len(store.snapshots()) == 1


def test_import_that_loses_the_race_says_already_there(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Force the race: the uid is not there when checked, but is once the write lock is held."""
    db = tmp_path / "t.db"
    with Store(db) as first:
        won = import_snapshot(first, bundle)
    assert won.added
    calls: list[str] = []
    original = Store.snapshot_by_uid

    def late(self: Store, uid: str) -> int | None:
        calls.append(uid)
        return None if len(calls) == 1 else original(self, uid)

    monkeypatch.setattr(Store, "snapshot_by_uid", late)
    result = run("import", bundle, "--store", db)
    assert result.exit_code == 0, result.output
    assert f"already in {db} as snapshot {won.snapshot_id}" in result.output
    assert len(calls) == 2


# -- collections that read nothing ------------------------------------------------------------
def test_malformed_subscription_id_starts_no_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    env = {"AZURE_SUBSCRIPTION_ID": "my-prod-sub", "SNAPDIFF_ACCESS_TOKEN": "t"}
    result = run("collect", "--store", db, env=env)
    one_line_error(result, "AZURE_SUBSCRIPTION_ID", "'my-prod-sub' is not a subscription id")
    assert not db.exists()


def test_bad_credentials_start_no_snapshot(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure.core.exceptions import ClientAuthenticationError

    class Refused:
        def get_token(self, *scopes: str, **kw: Any) -> Any:
            raise ClientAuthenticationError(
                "ClientSecretCredential authentication failed: AADSTS7000215: Invalid client"
                " secret provided.\nTrace ID: 0000\nCorrelation ID: 1111"
            )

    monkeypatch.setattr("snapdiff.collect.credentials.make_credential", lambda cloud: Refused())
    before = state(store_path)
    result = run("collect", "--store", store_path, env={"AZURE_SUBSCRIPTION_ID": ""})
    one_line_error(result, "cannot sign in", "AADSTS7000215", "no snapshot was started")
    assert state(store_path) == before


@pytest.mark.loopback
def test_failed_collection_is_visible_and_prune_failed_clears_it(
    store_path: Path, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on: the token is fine, ARM is not there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert collect_cli(f"http://127.0.0.1:{port}", store_path).exit_code == 2
    listed = run("snapshots", "--store", store_path).output
    assert "failed" in listed
    dry = run("prune", "--failed", "--dry-run", "--store", store_path)
    assert dry.exit_code == 0 and "would delete snapshot 3" in dry.output
    result = run("prune", "--failed", "--store", store_path)
    assert result.exit_code == 0 and "deleted snapshot 3" in result.output, result.output
    assert "deleted 1 snapshot(s)" in result.output
    listed = run("snapshots", "--store", store_path).output
    assert "failed" not in listed and "week-0" in listed and "week-1" in listed
    again = run("prune", "--failed", "--store", store_path)
    assert again.exit_code == 0 and "deleted 0 snapshot(s)" in again.output
