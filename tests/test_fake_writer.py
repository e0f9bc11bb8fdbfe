"""The fake store writer (tests/fakeazure/writer.py) against a real replay: for the demo tenant it
stores what the collector stores, so unit fixtures and benchmarks built with it are honest."""

from __future__ import annotations

from typing import Any

import pytest

from fakeazure.record import RECORDINGS
from fakeazure.writer import tenant_fetches, write_snapshot
from snapdiff.demo import load_demo
from snapdiff.securicad import build
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

# What the writer does not produce (yet): transitive members, which the collector fetches for
# each group holding a role assignment. Tests that need them write them explicitly.
WRITER_OMITS = {"graph:transitiveMembers"}


@pytest.fixture(scope="module")
def views(tmp_path_factory) -> tuple[SnapshotView, SnapshotView]:
    tmp = tmp_path_factory.mktemp("writer")
    run = load_demo(tmp / "demo.db")  # the shipped bundles are a replay (tests/test_demo.py)
    real = SnapshotView(run.store, run.week0)
    store = Store(tmp / "written.db")
    tenant = RECORDINGS["demo-week0"][0]()  # the tenant the cassette was recorded from
    sid = write_snapshot(store, tenant_fetches(tenant), tenant_id=real.meta.tenant_id)
    return real, SnapshotView(store, sid)


def test_the_writer_makes_the_fetches_the_collector_makes(views):
    real, written = views
    assert set(real.calls()) - set(written.calls()) == WRITER_OMITS
    assert set(written.calls()) <= set(real.calls())
    for call in sorted(written.calls()):
        got = {f.target.lower(): f for f in written.fetches(call)}
        want = {f.target.lower(): f for f in real.fetches(call)}
        assert sorted(got) == sorted(want), call
        for target, f in got.items():
            assert f.status == want[target].status, (call, target)
            if f.ok:  # the items the builder and differ read, redacted the same way
                assert f.items() == want[target].items(), (call, target)


def test_source_statuses_match(views):
    real, written = views
    assert written.incomplete_sources() == real.incomplete_sources() == {}


def _by_id(doc: dict[str, Any]) -> dict[str, Any]:
    """Lists of objects with ids compared as sets: fetch order is the collector's business."""
    return {
        k: sorted(v, key=lambda o: str(o.get("id") if isinstance(o, dict) else o))
        if isinstance(v, list)
        else v
        for k, v in doc.items()
    }


def test_a_written_snapshot_builds_like_the_replay(views):
    real, written = views
    a, b = build(real), build(written)
    assert _by_id(b.active_directory) == _by_id(a.active_directory)
    assert b.insights == a.insights
    assert b.warnings == a.warnings
