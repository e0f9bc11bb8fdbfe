"""Faults against the fake Azure: throttling, drops, stalls, a dying server, SIGTERM, a full disk.

Each run uses short timeouts and budgets so that it takes seconds; a stop is one clear line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakeazure.cassettes import FIXED_INTERVAL, fake_options
from fakeazure.server import DROP, STALL, serve
from fakeazure.tenant import LOOP, REPEAT, SKIP, Every, Fault, Raw, Tenant
from snapdiff.cli import main
from snapdiff.collect import CollectOptions, collect
from snapdiff.collect.clouds import resolve_cloud
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.scope import Scope
from snapdiff.securicad.api import build, render
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
from test_cli import clean_tenant as cli_clean_tenant
from test_cli import collect_args

pytestmark = pytest.mark.loopback

THROTTLED = {"error": {"code": "TooManyRequests", "message": "Rate limit is exceeded."}}
UNAVAILABLE = {"error": {"code": "ServiceUnavailable", "message": "The service is unavailable."}}


def clean_tenant() -> Tenant:
    """The fault scenario's tenant without its faults, its big group cut to 45 members on pages
    of 20: small, but still paged."""
    tenant = cli_clean_tenant()
    tenant.groups["g-big"] = tenant.groups["g-big"][:45]
    tenant.graph_page_size = 20
    return tenant


def _collect(tenant: Tenant, path: Path, **options):
    with serve(tenant) as (base, app):
        store = Store(path)
        opts = fake_options(base, **options)
        result = collect(store, StaticTokenCredential(), opts)
    return store, result, app


def _built(store: Store, sid: int) -> bytes:
    return render(build(SnapshotView(store, sid)).active_directory)


def _statuses(store: Store, sid: int) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for source, status in store.conn.execute(
        "SELECT source, status FROM exchanges WHERE snapshot_id = ?", (sid,)
    ):
        out.setdefault(source, []).append(status)
    return out


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    store, result, _ = _collect(clean_tenant(), tmp_path_factory.mktemp("clean") / "s.db")
    assert result.status == "complete"
    return _built(store, result.snapshot_id)


def test_throttling_every_4th_and_7th_request_still_builds_the_same_json(tmp_path, clean_build):
    tenant = clean_tenant()
    tenant.every = [
        Every(4, Fault(429, {"Retry-After": "0.05"}, THROTTLED)),
        Every(7, Fault(503, {}, UNAVAILABLE)),
    ]
    store, result, app = _collect(tenant, tmp_path / "s.db")
    assert result.status == "complete", result.sources
    assert _built(store, result.snapshot_id) == clean_build
    seen = _statuses(store, result.snapshot_id)
    every = [s for statuses in seen.values() for s in statuses]
    assert every.count(429) >= app.served // 4 - 1 and every.count(503) >= 1
    assert 429 in seen["graph"] and 429 in seen["resourcegraph"]


def test_one_dropped_connection_in_ten_still_builds_the_same_json(tmp_path, clean_build):
    tenant = clean_tenant()
    tenant.every = [Every(10, Fault(DROP))]
    store, result, _ = _collect(tenant, tmp_path / "s.db")
    assert result.status == "complete", result.sources
    assert _built(store, result.snapshot_id) == clean_build
    seen = _statuses(store, result.snapshot_id)
    assert None in seen["graph"]  # Graph retried its dropped connections too
    assert any(None in seen[s] for s in seen if s != "graph")
    errors = [
        e
        for (e,) in store.conn.execute(
            "SELECT error FROM exchanges WHERE status IS NULL AND source = 'graph'"
        )
    ]
    assert errors and all(e.split(": ", 1)[1].strip() for e in errors)  # never "ReadError: "


def test_sustained_throttling_fails_the_fetch_after_its_budget(tmp_path):
    tenant = clean_tenant()
    path = "/v1.0/groups/g-big/members"
    tenant.faults[path] = [Fault(429, {"Retry-After": "0.1"}, THROTTLED) for _ in range(1000)]
    sub = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001"
    ras = f"{sub}/providers/microsoft.authorization/roleassignments"
    tenant.faults[ras] = [Fault(503, {"Retry-After": "0.05"}, UNAVAILABLE) for _ in range(8)]
    now = [0.0]  # a fake clock that only retry waits advance: the budget is exact

    def pause(seconds: float) -> None:
        now[0] += seconds

    store, result, _ = _collect(
        tenant, tmp_path / "s.db", fetch_budget=1.0, clock=lambda: now[0], pause=pause
    )
    assert result.status == "partial"
    row = store.conn.execute(
        "SELECT status, error FROM fetches WHERE call = 'graph:members' AND target = 'g-big'"
        " ORDER BY id DESC"  # the first page's $batch item (throttled) is superseded by it
    ).fetchone()
    assert row[0] == "failed" and "429" in row[1]
    tries = store.conn.execute(
        "SELECT count(*) FROM exchanges WHERE url LIKE '%g-big/members%' AND status = 429"
        " AND batch_id IS NULL"
    ).fetchone()[0]
    assert tries == 10  # Retry-After (0.1 s) honoured for the 1 s budget, not 3 tries
    # Eight 503s in a row on ARM (azure-core's own status count would give up after 3): ok.
    ok = store.conn.execute(
        "SELECT status FROM fetches WHERE call = 'authorization:roleAssignments' AND target = ?",
        (sub,),
    ).fetchone()
    assert ok[0] == "ok"


def test_stalled_response_is_cut_by_the_read_timeout_and_retried(tmp_path):
    tenant = clean_tenant()
    tenant.faults["/subscriptions"] = [Fault(STALL, delay=3.0)]
    # A later page: the first Graph answers load msgraph's models, which holds the loop.
    tenant.faults["/v1.0/groups/g-big/members"] = [Fault(STALL, delay=3.0, page=2)]
    store, result, _ = _collect(tenant, tmp_path / "s.db", read_timeout=0.5)
    assert result.status == "complete", result.sources
    timeouts = store.conn.execute(
        "SELECT source, error FROM exchanges WHERE status IS NULL ORDER BY id"
    ).fetchall()
    assert {s for s, _ in timeouts} == {"subscriptions", "graph"}
    assert all("timed out" in e.lower() or "timeout" in e.lower() for _, e in timeouts)


def test_watchdog_stops_a_run_that_gets_no_answer(tmp_path):
    tenant = clean_tenant()
    stall = Fault(STALL, delay=4.0)
    tenant.faults["/providers/microsoft.management/managementgroups"] = [stall] * 20
    store, result, _ = _collect(
        tenant, tmp_path / "s.db", read_timeout=3.0, watchdog=1.0, max_transport_failures=100
    )
    # Stopped by the watchdog (its own error), not by 20 stalls running out one by one.
    assert result.status == "partial" and "watchdog" in (result.error or "")
    assert store.snapshot(result.snapshot_id).error == result.error


# -- the command line ----------------------------------------------------------------------------
ENV = {"SNAPDIFF_ACCESS_TOKEN": "fake-token", "AZURE_SUBSCRIPTION_ID": ""}


def _snapshot(path: Path) -> tuple[str, str | None]:
    with Store(path, readonly=True) as store:
        [snap] = store.snapshots()
        return snap.status, snap.error


def test_a_server_that_dies_ends_partial_with_one_line_within_seconds(tmp_path):
    tenant = clean_tenant()
    tenant.die_after = 10  # while reading role assignments
    with serve(tenant) as (base, _):
        result = CliRunner().invoke(
            main, collect_args(base, tmp_path / "s.db", "--unreachable-after", "5"), env=ENV
        )
    # Stopped by the run of failures (the line below says so), not by retrying every fetch.
    assert result.exit_code == 1, result.output
    stopped = [line for line in result.output.splitlines() if line.startswith("snapdiff:")]
    assert len(stopped) == 1 and "Azure unreachable: 5 attempts in a row" in stopped[0]
    assert "Traceback" not in result.output
    status, error = _snapshot(tmp_path / "s.db")
    assert status == "partial" and "unreachable" in (error or "")


def test_a_full_disk_says_so_in_one_line_and_ends_partial(tmp_path, monkeypatch):
    real_begin = Store.begin_snapshot

    def then_the_disk_fills(self: Store, **kw: object) -> int:
        sid = real_begin(self, **kw)  # type: ignore[arg-type]
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        return sid

    monkeypatch.setattr(Store, "begin_snapshot", then_the_disk_fills)
    with serve(clean_tenant()) as (base, _):
        result = CliRunner().invoke(main, collect_args(base, tmp_path / "s.db"), env=ENV)
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    full = [line for line in result.output.splitlines() if line.startswith("snapdiff:")]
    assert len(full) == 1 and "disk full" in full[0], result.output
    monkeypatch.undo()  # space again: the snapshot is (or is now) partial, never running
    status, error = _snapshot(tmp_path / "s.db")
    assert status == "partial" and error
    with Store(tmp_path / "s.db", readonly=True) as store:  # cut off: interrupted, never ok
        cut = [s for s in store.sources(1) if "disk full" in (s["detail"] or "")]
    assert cut and all(s["status"] == "interrupted" for s in cut)


def test_sigterm_ends_a_collection_partial_with_one_line(tmp_path):
    tenant = clean_tenant()
    tenant.every = [Every(1, Fault(STALL, delay=0.2))]  # slow enough to be caught mid-run
    path = tmp_path / "s.db"
    with serve(tenant) as (base, app):
        proc = subprocess.Popen(
            [sys.executable, "-m", "snapdiff", *collect_args(base, path)],
            env={**os.environ, **ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while app.served < 8 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)  # a guard against a hang, not a measurement
    assert proc.returncode == 128 + signal.SIGTERM, out + err
    assert err.strip().splitlines() == ["snapdiff: interrupted (SIGTERM); snapshot 1 is partial"]
    status, error = _snapshot(path)
    assert status == "partial" and error == "interrupted (SIGTERM)"


def test_sighup_is_handled_as_sigterm(tmp_path):
    from snapdiff.collect.collector import Interrupted, _signals_as_interrupts

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers need the main thread")
    with pytest.raises(Interrupted) as caught, _signals_as_interrupts():
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(1)
    assert caught.value.signum == signal.SIGHUP
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


def test_an_exception_without_a_message_is_described_by_its_cause():
    import httpx

    from snapdiff.collect.guard import describe

    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as e:
            raise httpx.ReadError("") from e
    except httpx.ReadError as e:
        assert describe(e) == "ReadError: [Errno 104] Connection reset by peer"
    assert describe(httpx.ReadError("")) == "ReadError: no message (ReadError)"


# -- paging and bodies you can trust ------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fetches(store: Store, sid: int, call: str) -> list[tuple[str, str, str | None]]:
    return store.conn.execute(
        "SELECT target, status, error FROM fetches WHERE snapshot_id = ? AND call = ?"
        " AND status != 'superseded' ORDER BY id",
        (sid, call),
    ).fetchall()


def _truncated(body: object) -> Raw:
    """A real body cut half-way, as a connection closed mid-answer leaves it."""
    data = json.dumps(body).encode()
    return Raw(data[: len(data) // 2])


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "single"])
def test_a_truncated_200_answer_fails_its_fetch_never_reads_as_data(tmp_path, batch):
    from fakeazure.demo import demo_tenant

    port = _free_port()
    tenant = demo_tenant(0, base=f"http://127.0.0.1:{port}")
    config = next(p for p in tenant.responses if p.endswith("/app-fab-portal/config/web"))
    topology = next(p for p in tenant.responses if p.endswith("/microsoft.insights/topology"))
    for path in (config, topology):
        tenant.faults[path] = [Fault(200, {}, _truncated(tenant.responses[path]))]
    with serve(tenant, port=port) as (base, _):
        opts = CollectOptions(
            cloud=resolve_cloud("custom", arm=base, graph=base),
            scope=Scope([], [], FIXED_INTERVAL),
            retry_backoff=0.01,
            batch=batch,
        )
        store = Store(tmp_path / "s.db")
        result = collect(store, StaticTokenCredential(), opts)
    assert result.status == "partial", result.sources
    sid = result.snapshot_id
    [web] = [f for f in _fetches(store, sid, "web:config") if f[0] + "/config/web" == config]
    [topo] = _fetches(store, sid, "insights:topology")
    for target, status, error in (web, topo):
        assert status == "failed" and "not a JSON object" in (error or ""), (target, error)
    sources = {s["name"]: s["status"] for s in store.sources(sid)}
    assert sources["web"] == "failed" and sources["insights"] == "failed"


def _paging_tenant(mode: str, path: str) -> Tenant:
    tenant = clean_tenant()
    tenant.paging[path] = mode
    return tenant


SUB1 = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001"
ROLE_ASSIGNMENTS = f"{SUB1}/providers/microsoft.authorization/roleassignments"
ARG = "/providers/microsoft.resourcegraph/resources"
MEMBERS = "/v1.0/groups/g-big/members"


@pytest.mark.parametrize(
    "mode, path, call, says",
    [
        (REPEAT, ROLE_ASSIGNMENTS, "authorization:roleAssignments", "repeats"),
        (LOOP, ROLE_ASSIGNMENTS, "authorization:roleAssignments", "repeats"),
        (REPEAT, ARG, "resourcegraph:resources", "repeats"),
        (LOOP, ARG, "resourcegraph:resources", "repeats"),
        (SKIP, ARG, "resourcegraph:resources", "totalRecords"),
        (REPEAT, MEMBERS, "graph:members", "repeats"),
        (LOOP, MEMBERS, "graph:members", "repeats"),
    ],
)
def test_a_listing_whose_pages_repeat_or_loop_ends_failed(tmp_path, mode, path, call, says):
    tenant = _paging_tenant(mode, path)
    if path == ROLE_ASSIGNMENTS:
        tenant.page_size = 20  # the subscription's 75 assignments on four pages
    store, result, _ = _collect(tenant, tmp_path / "s.db")  # a loop would never return
    assert result.status == "partial", result.sources
    failed = [f for f in _fetches(store, result.snapshot_id, call) if f[1] == "failed"]
    assert failed and says in (failed[0][2] or ""), _fetches(store, result.snapshot_id, call)
    source = call.split(":")[0]
    assert {s["name"]: s["status"] for s in store.sources(result.snapshot_id)}[source] == "failed"


def test_a_next_link_seen_before_ends_the_listing_even_on_empty_pages():
    from snapdiff.collect.paging import PageGuard, PagingError

    guard = PageGuard(max_pages=1000)
    guard.next(1, "https://management.azure.com/x?$skiptoken=a")
    with pytest.raises(PagingError, match="loops"):
        guard.next(2, "https://management.azure.com/x?$skiptoken=a")
    capped = PageGuard(max_pages=3)
    capped.next(1, "a")
    capped.next(2, "b")
    with pytest.raises(PagingError, match="more than 3 pages"):
        capped.next(3, "c")


def test_an_expired_resource_graph_skip_token_restarts_the_query(tmp_path, clean_build):
    tenant = clean_tenant()
    # Resource Graph's error envelope (code, message, details); the code names the token.
    expired = {
        "error": {
            "code": "BadRequest",
            "message": "Please provide below info when asking for support: timestamp = "
            "2026-11-20T08:00:00.0000000Z, correlationId = 00000000-0000-0000-0000-000000000000.",
            "details": [{"code": "InvalidSkipToken", "message": "The skip token has expired."}],
        }
    }
    tenant.faults[ARG] = [Fault(400, {}, expired, page=2)]
    store, result, _ = _collect(tenant, tmp_path / "s.db")
    assert result.status == "complete", result.sources
    assert _built(store, result.snapshot_id) == clean_build
    restarted = store.conn.execute(
        "SELECT status, error FROM fetches WHERE status = 'superseded' AND source = 'resourcegraph'"
    ).fetchall()
    assert len(restarted) == 1 and "400" in restarted[0][1]


def _storage_path(tenant: Tenant) -> str:
    rid = next(r["id"] for r in tenant.resources if "storageAccounts" in r["id"])
    return rid.lower() + "/blobservices/default/containers"


def test_a_batch_item_throttled_past_its_retry_count_keeps_trying_within_the_budget(tmp_path):
    tenant = clean_tenant()
    path = _storage_path(tenant)
    # 12 throttled answers: twice azure-core's retry count, well inside the 600 s budget.
    tenant.faults[path] = [Fault(429, {"Retry-After": "5"}, THROTTLED) for _ in range(12)]
    now = [0.0]

    def pause(seconds: float) -> None:
        now[0] += seconds

    store, result, app = _collect(tenant, tmp_path / "s.db", clock=lambda: now[0], pause=pause)
    assert result.status == "complete", result.sources
    throttled = store.conn.execute(
        "SELECT count(*) FROM exchanges WHERE status = 429 AND lower(url) LIKE ?", (f"%{path}%",)
    ).fetchone()[0]
    assert throttled == 12
    assert now[0] >= 60  # twelve Retry-After waits of 5 s, on the fake clock


def test_a_batch_item_throttled_past_its_budget_fails(tmp_path):
    tenant = clean_tenant()
    path = _storage_path(tenant)
    tenant.faults[path] = [Fault(429, {"Retry-After": "5"}, THROTTLED) for _ in range(100)]
    now = [0.0]

    def pause(seconds: float) -> None:
        now[0] += seconds

    store, result, _ = _collect(
        tenant, tmp_path / "s.db", clock=lambda: now[0], pause=pause, fetch_budget=30.0
    )
    assert result.status == "partial"
    [row] = [f for f in _fetches(store, result.snapshot_id, "storage:containers") if f[1] != "ok"]
    assert row[1] == "failed" and "429" in (row[2] or "")


def test_a_batch_endpoint_that_keeps_failing_falls_back_to_single_gets(tmp_path, clean_build):
    tenant = clean_tenant()
    tenant.faults["/batch"] = [Fault(500, {}, UNAVAILABLE) for _ in range(200)]
    store, result, app = _collect(tenant, tmp_path / "s.db", retry_total=1)
    assert result.status == "complete", result.sources
    assert _built(store, result.snapshot_id) == clean_build
    path = _storage_path(tenant)
    assert any(url.lower().startswith(path) for _, url in app.requests)  # sent alone


# -- stops and honesty ----------------------------------------------------------------------------
def test_graph_unreachable_does_not_stop_arm(tmp_path):
    arm_tenant = clean_tenant()
    graph_tenant = clean_tenant()
    graph_tenant.every = [Every(1, Fault(DROP))]  # Graph's host answers nothing at all
    with serve(arm_tenant) as (arm, _), serve(graph_tenant) as (graph, _):
        opts = CollectOptions(
            cloud=resolve_cloud("custom", arm=arm, graph=graph),
            scope=Scope([], [], FIXED_INTERVAL),
            arg_page_size=50,
            retry_backoff=0.01,
            max_transport_failures=5,
        )
        store = Store(tmp_path / "s.db")
        result = collect(store, StaticTokenCredential(), opts)
    assert result.status == "partial" and result.error is None, result.error
    sources = {s["name"]: s for s in store.sources(result.snapshot_id)}
    assert sources["graph"]["status"] == "failed"
    assert "unreachable" in (sources["graph"]["detail"] or "")
    # ARM went on: every ARM source read after Graph gave up.
    for name in ("authorization", "storage"):
        assert sources[name]["status"] == "ok", sources[name]


def test_a_stop_in_the_per_resource_phase_names_every_job_and_source_it_cut_off(tmp_path):
    from fakeazure.demo import demo_tenant

    port = _free_port()
    tenant = demo_tenant(0, base=f"http://127.0.0.1:{port}")
    for path in tenant.responses:  # every per-resource request: the connection drops
        tenant.faults[path] = [Fault(DROP) for _ in range(20)]
    with serve(tenant, port=port) as (base, _):
        opts = CollectOptions(
            cloud=resolve_cloud("custom", arm=base, graph=base),
            scope=Scope([], [], FIXED_INTERVAL),
            retry_backoff=0.01,
            max_transport_failures=6,
            concurrency=2,
            batch=False,
        )
        store = Store(tmp_path / "s.db")
        result = collect(store, StaticTokenCredential(), opts)
    sid = result.snapshot_id
    assert result.status == "partial"
    assert "Azure unreachable: 6 attempts in a row" in (result.error or "")
    assert store.snapshot(sid).error == result.error  # the stop reason is kept
    sources = {s["name"]: s for s in store.sources(sid)}
    for name in ("web", "keyvault", "apim", "dbservers", "sql", "storage", "insights"):
        assert sources[name]["status"] == "interrupted", (name, sources[name])
    never_reached = [n for n, r in sources.items() if (r["detail"] or "").startswith("never")]
    assert never_reached and all("unreachable" in sources[n]["detail"] for n in never_reached)
    for name in never_reached:  # none of their fetches ran: none counted as cut off
        ran = store.conn.execute(
            "SELECT count(*) FROM fetches WHERE source = ? AND (error IS NULL OR error NOT LIKE"
            " 'never started%')",
            (name,),
        ).fetchone()[0]
        assert ran == 0, name
    statuses = dict(
        store.conn.execute(
            "SELECT status, count(*) FROM fetches WHERE snapshot_id = ? GROUP BY status", (sid,)
        ).fetchall()
    )
    assert "running" not in statuses and statuses["interrupted"] > 0
    never = store.conn.execute(
        "SELECT count(*) FROM fetches WHERE status = 'interrupted' AND error LIKE 'never started%'"
    ).fetchone()[0]
    assert never > 0
    store.close()
    shown = CliRunner().invoke(main, ["show", "1", "--store", str(tmp_path / "s.db")]).output
    assert "  coverage incomplete" in shown and "coverage full" not in shown, shown
    listed = CliRunner().invoke(main, ["snapshots", "--store", str(tmp_path / "s.db")]).output
    assert "incomplete: " in listed and " full " not in listed, listed


def test_default_limits_end_a_silent_run_within_60_seconds():
    """A silent server: nothing starts after the watchdog's stop, and an attempt already sent
    gives up after the read timeout; the CLI's defaults are these limits."""
    from snapdiff.collect.guard import Limits
    from snapdiff.commands.collect import collect as command

    limits = Limits()
    assert limits.watchdog + limits.read_timeout <= 60
    assert limits.waiting == 15
    defaults = {p.name: p.default for p in command.params}
    assert defaults["read_timeout"] == limits.read_timeout
    assert defaults["watchdog"] * 60 == pytest.approx(limits.watchdog)
    opts = CollectOptions(cloud=resolve_cloud("AzureCloud"))
    assert (opts.read_timeout, opts.watchdog) == (limits.read_timeout, limits.watchdog)


def test_the_watchdog_says_what_it_waits_on_once_per_silence():
    from snapdiff.collect.guard import Limits, RunGuard, Watchdog

    now = [0.0]
    guard = RunGuard(Limits(), clock=lambda: now[0])
    guard.check_host("management.azure.com")
    lines: list[str] = []
    seen = threading.Event()

    def say(msg: str) -> None:
        lines.append(msg)
        seen.set()

    with Watchdog(guard, tick=0.01, say=say):
        now[0] = 14.0
        time.sleep(0.1)  # several ticks: nothing to say yet
        assert lines == []
        now[0] = 16.0
        assert seen.wait(30)  # a hang guard, not a measurement
        time.sleep(0.1)  # more ticks in the same silence: said once
    assert lines == ["waiting on management.azure.com: no answer for 16 s; stopping at 35 s"]
    assert not guard.stopped


def test_a_disk_that_stays_full_still_closes_the_snapshot_with_its_reason(tmp_path, monkeypatch):
    """A real full disk: once full, every write fails (journal and WAL included), until the
    run frees the room it reserved when it started."""
    from contextlib import contextmanager

    from snapdiff.errors import DiskFull

    real_transaction = Store.transaction
    writes = [0]
    path = tmp_path / "s.db"
    reserve = Path(f"{path}.snapdiff-reserve")

    @contextmanager
    def filling(self: Store, **kw: object):  # type: ignore[no-untyped-def]
        writes[0] += 1
        if writes[0] > 40 and reserve.exists():
            raise DiskFull(f"disk full: cannot write to {self.path}")
        with real_transaction(self, **kw) as c:  # type: ignore[arg-type]
            yield c

    monkeypatch.setattr(Store, "transaction", filling)
    with serve(clean_tenant()) as (base, _):
        result = CliRunner().invoke(main, collect_args(base, path), env=ENV)
    monkeypatch.undo()
    full = [line for line in result.output.splitlines() if line.startswith("snapdiff:")]
    assert len(full) == 1 and "disk full" in full[0], result.output
    assert not reserve.exists()  # ours, and gone
    with Store(path, readonly=True) as store:  # closed by the run itself, not recovered later
        [snap] = store.snapshots()
        assert snap.status == "partial" and "disk full" in (snap.error or "")
        cut = [s for s in store.sources(1) if s["status"] == "interrupted"]
    assert cut and all("disk full" in (s["detail"] or "") for s in cut)


def test_an_ignored_sighup_stays_ignored_as_under_nohup():
    from snapdiff.collect.collector import _signals_as_interrupts

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
        pytest.skip("signal handlers need the main thread and SIGHUP")
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # what nohup does before exec
    try:
        with _signals_as_interrupts():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)  # ignored: nothing raised
            time.sleep(0.05)
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # still handled
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old)


@pytest.mark.skipif(shutil.which("nohup") is None, reason="needs nohup")
def test_nohup_collect_survives_a_hangup(tmp_path):
    tenant = clean_tenant()
    tenant.every = [Every(1, Fault(STALL, delay=0.05))]
    path = tmp_path / "s.db"
    with serve(tenant) as (base, app):
        proc = subprocess.Popen(
            ["nohup", sys.executable, "-m", "snapdiff", *collect_args(base, path)],
            env={**os.environ, **ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 60
        while app.served < 8 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=120)  # a guard against a hang, not a measurement
    assert proc.returncode == 0, out + err
    assert _snapshot(path)[0] == "complete"


@pytest.mark.parametrize("at", [1, 10, 25])
def test_sigterm_between_begin_and_commit_still_closes_the_snapshot(tmp_path, monkeypatch, at):
    """The signal lands just after a write transaction began (the moment that gave "cannot
    start a transaction within a transaction"): the snapshot still ends partial."""
    from snapdiff.collect.collector import Interrupted

    real_start = Store.start_fetch
    calls = [0]

    def start_fetch(self: Store, *args: object) -> int:
        calls[0] += 1
        if calls[0] == at:
            self.conn.execute("BEGIN IMMEDIATE")
            raise Interrupted(signal.SIGTERM)
        return real_start(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "start_fetch", start_fetch)
    with pytest.raises(Interrupted):
        _collect(clean_tenant(), tmp_path / "s.db")
    monkeypatch.undo()
    with Store(tmp_path / "s.db", readonly=True) as store:
        [snap] = store.snapshots()
        assert (snap.status, snap.error) == ("partial", "interrupted (SIGTERM)")
        running = store.conn.execute("SELECT count(*) FROM fetches WHERE status = 'running'")
        assert running.fetchone()[0] == 0


# -- collect-side defects -----------------------------------------------------------------------
def test_a_resource_group_scope_that_matches_nothing_is_an_error(tmp_path):
    with serve(clean_tenant()) as (base, _):
        result = CliRunner().invoke(
            main,
            collect_args(base, tmp_path / "s.db", "--resource-groups", "nosuchrg"),
            env=ENV,
        )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        "snapdiff: error: --resource-groups matches nothing: no resource group named nosuchrg"
        " in 2 subscriptions"
    ], result.output
    status, error = _snapshot(tmp_path / "s.db")
    assert status == "failed" and "matches nothing" in (error or "")


def test_a_resource_group_scope_partly_missing_warns_and_collects_the_rest(tmp_path):
    with serve(clean_tenant()) as (base, _):
        args = collect_args(base, tmp_path / "s.db", "--resource-groups", "rg-bulk,nosuchrg")
        args.remove("-q")  # the warning is a progress line
        result = CliRunner().invoke(main, args, env=ENV)
    assert result.exit_code == 0, result.output
    assert "warning: no resource group named nosuchrg in 2 subscriptions" in result.output
    assert _snapshot(tmp_path / "s.db")[0] == "complete"


SIGNIN = Path(__file__).parent / "fixtures" / "signin"


@pytest.mark.parametrize(
    "recorded, cause",
    [
        (
            "dns.txt",
            "EnvironmentCredential: DNS cannot resolve login.nosuch-host.invalid"
            " ([Errno -2] Name or service not known)",
        ),
        (
            "bad-tenant.txt",
            "EnvironmentCredential: unknown tenant: https://login.microsoftonline.com/contoso-typo"
            " does not exist (check AZURE_TENANT_ID)",
        ),
        ("bad-secret.txt", "EnvironmentCredential: AADSTS7000215: Invalid client secret provided."),
    ],
)
def test_a_sign_in_failure_says_its_cause_in_one_line(tmp_path, monkeypatch, recorded, cause):
    from azure.core.exceptions import ClientAuthenticationError

    from snapdiff.collect import credentials

    message = (SIGNIN / recorded).read_text()

    class Refused:  # raises what DefaultAzureCredential raised (tests/fixtures/signin)
        def get_token(self, *scopes: str, **kw: object) -> None:
            raise ClientAuthenticationError(message=message)

    monkeypatch.setattr(credentials, "make_credential", lambda cloud: Refused())
    result = CliRunner().invoke(
        main, ["collect", "--store", str(tmp_path / "s.db")], env={"AZURE_SUBSCRIPTION_ID": ""}
    )
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("snapdiff: error: cannot sign in to ") and cause in line, line
    assert "DefaultAzureCredential failed" not in line and "no snapshot was started" in line
    assert not (tmp_path / "s.db").exists()


# -- our own bugs --------------------------------------------------------------------------------
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_a_bug_of_ours_stops_the_run_and_is_never_stored_as_an_azure_failure(
    tmp_path, monkeypatch, debug
):
    from snapdiff.collect import capture

    real = capture.redact_body
    calls = [0]

    def buggy(body: bytes | None) -> object:
        calls[0] += 1
        if calls[0] == 30:
            raise RuntimeError("redaction bug")
        return real(body)

    monkeypatch.setattr(capture, "redact_body", buggy)
    with serve(clean_tenant()) as (base, _):
        args = collect_args(base, tmp_path / "s.db")
        result = CliRunner().invoke(main, ["--debug", *args] if debug else args, env=ENV)
    assert result.exit_code == 1, result.output
    stopped = [line for line in result.output.splitlines() if line.startswith("snapdiff:")]
    assert stopped[-1].startswith("snapdiff: collection stopped: internal error: RuntimeError:")
    assert ("Traceback" in result.output) is debug
    if not debug:
        assert len(stopped) == 1
    status, error = _snapshot(tmp_path / "s.db")
    assert status == "partial" and "redaction bug" in (error or "")
    with Store(tmp_path / "s.db", readonly=True) as store:
        failed = store.conn.execute("SELECT error FROM fetches WHERE status = 'failed'").fetchall()
    assert not any("redaction bug" in (e or "") for (e,) in failed)  # not an Azure answer


def test_the_disk_reserve_never_touches_a_file_it_did_not_make(tmp_path):
    from snapdiff.collect.reserve import MAGIC, DiskReserve

    theirs = tmp_path / "s.db.snapdiff-reserve"
    theirs.write_bytes(b"someone else's file")
    with DiskReserve(tmp_path / "s.db") as reserve:
        assert not reserve.release()
    assert theirs.read_bytes() == b"someone else's file"
    theirs.write_bytes(MAGIC + b"\0" * 10)  # left behind by a killed run: ours
    with DiskReserve(tmp_path / "s.db", size=1024) as reserve:
        assert theirs.stat().st_size == 1024
    assert not theirs.exists()
