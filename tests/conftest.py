"""Shared fixtures. Sockets are disabled for every test unless it is marked ``loopback``
(then only 127.0.0.1 is allowed): cassette replays, builds and diffs run fully offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_socket

from snapdiff.fake.cassettes import run_cassette
from snapdiff.fake.record import RECORDINGS
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


@pytest.fixture(scope="session")
def faults_snapshot(tmp_path_factory: pytest.TempPathFactory):
    """The fault-scenario cassette replayed once into a session store."""
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        store = Store(tmp_path_factory.mktemp("faults") / "s.db")
        result = replay(store, "faults")
    finally:
        pytest_socket.enable_socket()
    return store, result


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory):
    """Both demo weeks replayed into one store: snapshot ids 1 (week 0) and 2 (week 1)."""
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        store = Store(tmp_path_factory.mktemp("demo") / "demo.db")
        r0 = replay(store, "demo-week0", label="week-0")
        r1 = replay(store, "demo-week1", label="week-1")
    finally:
        pytest_socket.enable_socket()
    return store, r0, r1


@pytest.fixture(scope="session")
def edge_snapshot(tmp_path_factory: pytest.TempPathFactory):
    """Demo week 0 with a forbidden Key Vault data plane and an unreadable App Service config."""
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        store = Store(tmp_path_factory.mktemp("edge") / "edge.db")
        result = replay(store, "edge")
    finally:
        pytest_socket.enable_socket()
    return store, result
