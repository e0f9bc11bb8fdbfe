"""Errors: a store that cannot be written stops a collection (it is not a failed fetch), a
builder bug fails tests but only warns users, --debug prints tracebacks, -v/-vv log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import snapdiff.securicad.api as build_api
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff.cli import main
from snapdiff.collect.fetcher import Fetcher, FetchFailed
from snapdiff.demo import demo_bundle
from snapdiff.errors import StoreError
from snapdiff.securicad import build
from snapdiff.securicad.registry import BY_TYPE, Kind
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

VAULT = "microsoft.keyvault/vaults"


class _Client:
    """An SDK client whose every request raises ``exc``."""

    def __init__(self, exc: BaseException):
        self.exc = exc

    def send_request(self, request):
        raise self.exc


def _fetcher(tmp_path: Path, exc: BaseException) -> tuple[Store, Fetcher]:
    store = Store(tmp_path / "s.db")
    sid = store.begin_snapshot(tenant_id="t", cloud="AzureCloud", scope={})
    return store, Fetcher(store, sid, rg=None, arm=_Client(exc), vault=None)


def test_transport_error_is_a_failed_fetch(tmp_path):
    store, f = _fetcher(tmp_path, ConnectionError("reset by peer"))
    with pytest.raises(FetchFailed) as e:
        f.get("subscriptions:list", "tenant", "https://management.azure.com/subscriptions")
    assert e.value.status == "failed"
    row = store.conn.execute("SELECT status, error FROM fetches").fetchone()
    assert row[0] == "failed" and "reset by peer" in row[1]


@pytest.mark.parametrize("method", ["get", "list"])
def test_failed_database_write_is_a_crash_not_a_failed_fetch(tmp_path, method):
    store, f = _fetcher(tmp_path, sqlite3.OperationalError("disk I/O error"))
    with pytest.raises(sqlite3.OperationalError):
        getattr(f, method)("subscriptions:list", "tenant", "https://management.azure.com/x")
    assert f.outcomes["subscriptions"]["failed"] == 0


def _one_vault_snapshot(store: Store) -> int:
    row = {
        "id": "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
        "name": "kv1",
        "type": VAULT,
        "resourceGroup": "rg",
        "subscriptionId": "s1",
        "location": "westeurope",
        "properties": {"vaultUri": "https://kv1.vault.azure.net/"},
    }
    return write_snapshot(
        store, [FakeFetch("resourcegraph:resources", "batch-0", arg_pages([row]))]
    )


def test_builder_crash_fails_tests_and_warns_users(tmp_path, monkeypatch):
    build_api.load_builtin_kinds()
    store = Store(tmp_path / "s.db")
    view = SnapshotView(store, _one_vault_snapshot(store))

    def boom(row, ctx):
        raise KeyError("properties")

    original = BY_TYPE[VAULT]
    monkeypatch.setitem(BY_TYPE, VAULT, Kind(original.key, original.types, boom))
    with pytest.raises(KeyError):
        build(view, on_builder_error="raise")
    result = build(view)  # the default: a warning naming the resource
    assert any("keyVaults builder failed (KeyError" in w for w in result.warnings)
    assert original.key not in result.active_directory


def test_a_damaged_store_page_read_by_a_builder_is_refused_not_skipped(tmp_path, monkeypatch):
    """SQLite finding a malformed page while a builder reads a side listing is damage, not a
    builder bug: the build stops (StoreError, exit 2) instead of leaving the resource out."""
    build_api.load_builtin_kinds()
    store = Store(tmp_path / "s.db")
    view = SnapshotView(store, _one_vault_snapshot(store))

    def malformed(row, ctx):
        raise sqlite3.DatabaseError("database disk image is malformed")

    original = BY_TYPE[VAULT]
    monkeypatch.setitem(BY_TYPE, VAULT, Kind(original.key, original.types, malformed))
    with pytest.raises(StoreError, match="is unreadable .database disk image is malformed"):
        build(view)


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_errors_are_one_line_and_debug_adds_the_traceback(tmp_path):
    missing = str(tmp_path / "nope.db")
    plain = _cli("show", "1", "--store", missing)
    assert plain.exit_code == 2 and "Traceback" not in plain.output
    assert plain.output.count("\n") == 1 and plain.output.startswith("snapdiff: error:")
    debug = _cli("--debug", "show", "1", "--store", missing)
    assert debug.exit_code == 2 and "Traceback (most recent call last)" in debug.output
    assert debug.output.rstrip().splitlines()[-1] == plain.output.rstrip()


def test_a_bug_is_an_internal_error_line_not_a_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("something odd")

    monkeypatch.setattr(Store, "__init__", broken)
    res = _cli("snapshots", "--store", str(tmp_path / "s.db"))
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "internal error: RuntimeError: something odd (run with --debug" in res.output
    assert "Traceback" in _cli("--debug", "snapshots", "--store", str(tmp_path / "s.db")).output


def test_verbosity_levels(tmp_path):
    bundle = demo_bundle("week-0")
    quiet = _cli("import", str(bundle), "--store", str(tmp_path / "a.db"))
    assert quiet.exit_code == 0 and "INFO" not in quiet.output
    info = _cli("-v", "import", str(bundle), "--store", str(tmp_path / "b.db"))
    assert "snapdiff: INFO: snapdiff.bundle: imported" in info.output
    again = _cli("-vv", "import", str(bundle), "--store", str(tmp_path / "b.db"))
    assert "is already snapshot 1 here" in again.output
