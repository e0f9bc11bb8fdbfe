"""``snapdiff collect --resume``: a cut-off collection continued into a new snapshot builds the
same JSON as a clean run, without asking again what was answered definitively."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakeazure.cassettes import FIXED_INTERVAL, fake_options
from fakeazure.server import serve
from fakeazure.tenant import Every, Fault, Tenant
from snapdiff.cli import main
from snapdiff.collect import CollectOptions, collect
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.resume import NothingToResume, parse_age
from snapdiff.resumes import resumed_from
from snapdiff.securicad.api import build, render
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
from test_cli import collect_args
from test_faults import ENV, clean_tenant

pytestmark = pytest.mark.loopback

CLI_ENV = {**ENV, "APP_INSIGHTS_INTERVAL": FIXED_INTERVAL}
FAILING = {"error": {"code": "InternalServerError", "message": "Something went wrong."}}
SUB = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001"
DENIES = f"{SUB}/providers/microsoft.authorization/denyassignments"
MEMBERS = "/v1.0/groups/g-big/members"


def _opts(base: str, **options) -> CollectOptions:
    return fake_options(base, retry_total=1, **options)


def _built(store: Store, sid: int) -> bytes:
    result = build(SnapshotView(store, sid))
    insights = render(result.insights) if result.insights is not None else b""
    return render(result.active_directory) + b"\n--\n" + insights


def _wire(store: Store, sid: int) -> int:
    """Requests this snapshot's own run sent (the sources' request counts)."""
    return sum(s["requests"] for s in store.sources(sid))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, int]:
    with serve(clean_tenant()) as (base, _):
        store = Store(tmp_path_factory.mktemp("clean") / "s.db")
        result = collect(store, StaticTokenCredential(), _opts(base))
    assert result.status == "complete"
    return _built(store, result.snapshot_id), _wire(store, result.snapshot_id)


def _failing(tenant: Tenant) -> None:
    """Deny assignments of one subscription fail (5xx past the retries), and the big group's
    member listing fails on its page 2: half a listing, which must never be reused."""
    tenant.faults[DENIES] = [Fault(500, {}, FAILING) for _ in range(20)]
    tenant.faults[MEMBERS] = [Fault(500, {}, FAILING, page=2) for _ in range(20)]


@pytest.mark.parametrize("batch", [True, False], ids=["batched", "single-gets"])
def test_a_failed_run_resumed_builds_what_a_clean_run_builds(tmp_path, clean, batch):
    tenant = clean_tenant()
    _failing(tenant)
    store = Store(tmp_path / "s.db")
    with serve(tenant) as (base, app):
        first = collect(store, StaticTokenCredential(), _opts(base, batch=batch))
        assert first.status == "partial", first.sources
        tenant.faults.clear()
        served = app.served
        second = collect(store, StaticTokenCredential(), _opts(base, resume="latest", batch=batch))
        resumed_requests = app.served - served
    assert second.status == "complete", second.sources
    assert second.snapshot_id != first.snapshot_id
    assert _built(store, second.snapshot_id) == clean[0]
    # Only what failed was asked again: one deny-assignment listing, g-big's three member
    # pages from page 1 (never stitched to the page 1 of the first run), and getByIds (its
    # request depends on what was listed, so it is never reused).
    # On a loaded machine run 1 may also lose fetches the faults did not aim at (cut off by a
    # stop, or timed out): each is asked again once, and nothing definitive is.
    extra = dict(
        store.conn.execute(
            "SELECT source, count(*) FROM fetches WHERE snapshot_id = ? AND status IN"
            " ('failed', 'interrupted') AND call != 'authorization:denyAssignments'"
            " AND NOT (call = 'graph:members' AND target = 'g-big') GROUP BY source",
            (first.snapshot_id,),
        ).fetchall()
    )
    # ... and an attempt of run 2 that got no answer in time there is sent again (retried):
    # the fake injects no fault in run 2, so every such attempt is the machine's load
    again = dict(
        store.conn.execute(
            "SELECT source, count(*) FROM exchanges WHERE snapshot_id = ? AND (status IS NULL"
            " OR status >= 500 OR status = 429) GROUP BY source",
            (second.snapshot_id,),
        ).fetchall()
    )
    retried = sum(again.values())
    wire = _wire(store, second.snapshot_id) - retried
    assert wire == 5 + sum(extra.values()), (second.sources, extra, retried)
    # the fake counts $batch's inner request
    assert resumed_requests <= 6 + sum(extra.values()) + retried
    asked = {
        s["name"]: s["requests"] - extra.get(s["name"], 0) - again.get(s["name"], 0)
        for s in second.sources
    }
    assert asked["resourcegraph"] == asked["storage"] == asked["subscriptions"] == 0
    assert asked["authorization"] == 1 and asked["graph"] == 3
    rows = store.conn.execute(
        "SELECT e.page, e.status FROM exchanges e JOIN fetches f ON f.id = e.fetch_id"
        " WHERE f.snapshot_id = ? AND f.call = 'graph:members' AND f.target = 'g-big'"
        " AND f.status = 'ok' ORDER BY e.id",
        (second.snapshot_id,),
    ).fetchall()
    assert [p for p, s in rows if s == 200] == [1, 2, 3]  # 45 members on pages of 20
    info = resumed_from(store, second.snapshot_id)
    assert info is not None and info["from_snapshot_id"] == first.snapshot_id
    reused = store.conn.execute(
        "SELECT count(*) FROM fetches WHERE snapshot_id = ?", (second.snapshot_id,)
    ).fetchone()[0]
    assert 0 < sum(info["reused"].values()) < reused
    assert info["reused"]["resourcegraph"] >= 2  # containers and resources, never re-asked
    # Bodies are shared, not copied: the resumed run added no body the first run had.
    bodies = store.conn.execute("SELECT count(*) FROM bodies").fetchone()[0]
    assert bodies == len(
        set(store.body_hashes(first.snapshot_id) + store.body_hashes(second.snapshot_id))
    )
    store.close()
    verify = CliRunner().invoke(main, ["verify", "--store", str(tmp_path / "s.db")])
    assert verify.exit_code == 0, verify.output
    show = CliRunner().invoke(
        main, ["show", "--store", str(tmp_path / "s.db"), str(second.snapshot_id)]
    )
    assert show.exit_code == 0, show.output
    assert f"resumed from snapshot {first.snapshot_id}" in show.output
    assert "oldest reused answer" in show.output
    shown = CliRunner().invoke(
        main, ["show", "--store", str(tmp_path / "s.db"), str(second.snapshot_id), "--json"]
    )
    doc = json.loads(shown.output)["resumed_from"]
    assert doc["from_snapshot_id"] == first.snapshot_id and doc["reused"] == info["reused"]


def test_forbidden_answers_are_reused_not_asked_again(tmp_path):
    """A 403 is a definitive answer: the resumed snapshot carries it (same coverage, same
    build as a run that saw it) without asking again."""
    tenant = clean_tenant()
    tenant.forbidden.add("/v1.0/groups/g-forbidden/members")
    tenant.forbidden.add("/v1.0/groups/g-forbidden/transitivemembers")
    store = Store(tmp_path / "s.db")
    with serve(tenant) as (base, app):
        clean = collect(store, StaticTokenCredential(), _opts(base))
        _failing(tenant)
        first = collect(store, StaticTokenCredential(), _opts(base))
        assert first.status == "partial"
        tenant.faults.clear()
        second = collect(store, StaticTokenCredential(), _opts(base, resume="latest"))
    assert second.status == clean.status == "complete"
    assert _built(store, second.snapshot_id) == _built(store, clean.snapshot_id)
    rows = store.conn.execute(
        "SELECT f.status, f.http_status, count(e.id) FROM fetches f"
        " LEFT JOIN exchanges e ON e.fetch_id = f.id"
        " WHERE f.snapshot_id = ? AND f.target = 'g-forbidden' GROUP BY f.id ORDER BY f.call",
        (second.snapshot_id,),
    ).fetchall()
    assert rows == [("forbidden", 403, 1)]  # its transitive members are not asked after a 403
    assert resumed_from(store, second.snapshot_id)["reused"]["graph"] >= 1
    graph = {s["name"]: s for s in second.sources}["graph"]
    assert graph["requests"] == 3  # g-big's three pages only, never g-forbidden again
    assert graph["coverage"] == {s["name"]: s for s in clean.sources}["graph"]["coverage"]


def test_nothing_to_resume_is_one_line_and_exit_2(tmp_path):
    with serve(clean_tenant()) as (base, app):
        args = collect_args(base, tmp_path / "s.db", "--resume")
        result = CliRunner().invoke(main, args, env=CLI_ENV)
        assert app.served == 0
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "nothing to resume" in lines[0], result.output
    assert not (tmp_path / "s.db").exists()  # no store created for it
    # After a complete run there is nothing to resume either.
    store = Store(tmp_path / "s.db")
    with serve(clean_tenant()) as (base, _):
        assert collect(store, StaticTokenCredential(), _opts(base)).status == "complete"
        with pytest.raises(NothingToResume):
            collect(store, StaticTokenCredential(), _opts(base, resume="latest"))
    assert [s.status for s in store.snapshots()] == ["complete"]


def test_max_age_refuses_old_answers_and_writes_nothing(tmp_path):
    tenant = clean_tenant()
    _failing(tenant)
    path = tmp_path / "s.db"
    with serve(tenant) as (base, app):
        with Store(path) as store:
            assert collect(store, StaticTokenCredential(), _opts(base)).status == "partial"
        tenant.faults.clear()
        time.sleep(1.2)
        served = app.served
        result = CliRunner().invoke(
            main, collect_args(base, path, "--resume", "--max-age", "1s"), env=CLI_ENV
        )
        assert app.served == served  # nothing asked
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--max-age" in lines[0], result.output
    with Store(path, readonly=True) as store:
        assert len(store.snapshots()) == 1  # nothing written


def test_max_age_parses_units():
    assert parse_age("90m") == timedelta(minutes=90)
    assert parse_age("24h") == parse_age("24") == timedelta(hours=24)
    assert parse_age("2d") == timedelta(days=2)
    for bad in ("", "soon", "-1h", "nanh", "1e300d", "infm"):
        with pytest.raises(ValueError):
            parse_age(bad)


def _sigterm_after(base: str, path: Path, app, requests: int) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "snapdiff", *collect_args(base, path)],
        env={**os.environ, **CLI_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    start = app.served
    while app.served - start < requests and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)  # a guard against a hang, not a measurement
    assert proc.returncode in (0, 128 + signal.SIGTERM), out + err


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_resume_after_sigterm_at_a_random_point_builds_the_clean_json(tmp_path, seed):
    """Property (bounded, seeded): wherever SIGTERM lands, one resume gives the clean build."""
    rng = random.Random(seed)
    tenant = clean_tenant()
    tenant.every = [Every(1, Fault(-1, delay=0.01))]  # slow enough to be caught mid-run
    with serve(clean_tenant()) as (base, _), Store(tmp_path / "clean.db") as store:
        result = collect(store, StaticTokenCredential(), _opts(base))
        expected = _built(store, result.snapshot_id)
        total = _wire(store, result.snapshot_id)
    path = tmp_path / "s.db"
    with serve(tenant) as (base, app):
        _sigterm_after(base, path, app, max(1, int(total * rng.uniform(0.05, 0.95))))
        tenant.every = []
        args = collect_args(base, path, "--resume")
        resumed = CliRunner().invoke(main, args, env=CLI_ENV)
    with Store(path, readonly=True) as store:
        snaps = store.snapshots()
        if snaps[0].status == "complete":  # the signal came after the run had finished
            assert resumed.exit_code == 2 and "nothing to resume" in resumed.output
            return
        assert resumed.exit_code == 0, resumed.output
        assert snaps[-1].status == "complete" and len(snaps) == 2
        assert _built(store, snaps[-1].id) == expected
        info = resumed_from(store, snaps[-1].id)
        assert info is not None and info["from_snapshot_id"] == snaps[0].id
    verify = CliRunner().invoke(main, ["verify", "--store", str(path)])
    assert verify.exit_code == 0, verify.output  # digest and row index of the resumed one
