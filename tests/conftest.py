"""Shared fixtures. Sockets are disabled for every test unless it is marked ``loopback``
(then only 127.0.0.1 is allowed): cassette replays, builds and diffs run fully offline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import pytest_socket

from fakeazure.cassettes import ReplayClock, run_cassette
from fakeazure.record import RECORDINGS
from snapdiff.store import Store

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "loopback: may open sockets to 127.0.0.1 only")


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest):
    if request.node.get_closest_marker("loopback"):
        pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    else:
        pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


def replay(store: Store, name: str, **kw):
    """Replay cassette ``name`` with the options it was recorded with."""
    _, options = RECORDINGS[name]
    return run_cassette(store, CASSETTES / f"{name}.json", **{**options, **kw})


def copy_store(store: Store, path: Path) -> Store:
    """A private, writable copy of a (session) store at ``path``: replay once, copy to write."""
    with sqlite3.connect(store.path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    dst.close()
    return Store(path)


def _offline(store_dir, *names_and_labels, into: Store | None = None, **kw):
    """Replay cassettes with sockets disabled into ``into`` or a new store; one result per
    cassette."""
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        store = into or Store(store_dir / "s.db")
        results = [replay(store, name, label=label, **kw) for name, label in names_and_labels]
    finally:
        pytest_socket.enable_socket()
    return store, *results


@pytest.fixture(scope="session")
def faults_snapshot(tmp_path_factory: pytest.TempPathFactory):
    """The fault-scenario cassette replayed once into a session store."""
    return _offline(tmp_path_factory.mktemp("faults"), ("faults", None), **FAULTS_CLOCK.options())


FAULTS_CLOCK = ReplayClock()  # what the faults replay asked to wait, instead of sleeping


@pytest.fixture(scope="session")
def faults_waits(faults_snapshot) -> list[float]:
    """Every wait the collector asked for while replaying the fault scenario."""
    return FAULTS_CLOCK.waits


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    """Both demo weeks replayed into one store: snapshot ids 1 (week 0) and 2 (week 1)."""
    return _offline(
        tmp_path_factory.mktemp("demo"), ("demo-week0", "week-0"), ("demo-week1", "week-1")
    )


@pytest.fixture(scope="session")
def edge_snapshot(tmp_path_factory: pytest.TempPathFactory):
    """Demo week 0 with a forbidden Key Vault data plane and an unreadable App Service config."""
    return _offline(tmp_path_factory.mktemp("edge"), ("edge", None))
