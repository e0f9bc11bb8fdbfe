"""Issue 8 from the user's side: collect exit codes and warnings, snapshots/show/build/diff
naming coverage and interrupted sources. Collections run against the fake Azure on loopback."""

from __future__ import annotations

import socket

import pytest

from fakeazure.reader import reader_tenant
from fakeazure.server import serve
from fakeazure.tenant import Fault
from snapdiff.collect import CollectOptions, collect
from snapdiff.collect.clouds import resolve_cloud
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.fetcher import Fetcher
from snapdiff.store import Store
from test_cli import clean_tenant, collect_cli, run

pytestmark = pytest.mark.loopback
MG_LIST = "/providers/microsoft.management/managementgroups"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _collect_reader(week: int, store, *extra: str):
    port = _free_port()
    tenant = reader_tenant(week, f"http://127.0.0.1:{port}")
    with serve(tenant, port=port) as (base, _):
        return collect_cli(base, store, "--label", f"week-{week}", *extra)


def test_reader_weekly_collections_are_complete_and_diff_runs(tmp_path):
    store = tmp_path / "s.db"
    for week in (0, 1):
        result = _collect_reader(week, store)
        assert result.exit_code == 0, result.output
        assert f"snapshot {week + 1} complete" in result.output
        warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1  # one line per forbidden area, naming the permission
        assert warnings[0].startswith("warning: keyvault: Key Vault keys, secrets and certificates")
        assert "Key Vault Reader role" in warnings[0]
    listing = run("snapshots", "--store", str(store)).output.splitlines()
    assert "coverage" in listing[0]
    for line in listing[1:]:
        assert " complete " in line and "limited: keyvault" in line
    shown = run("show", "latest", "--store", str(store)).output
    assert "coverage limited" in shown and "not visible: Key Vault keys" in shown
    assert "not_applicable 9" in shown  # storage: the services BlobStorage & co. lack
    diff = run("diff", "--store", str(store))
    assert diff.exit_code == 1, diff.output  # the week's changes, not a refusal
    assert "#1" in diff.output and "#2" in diff.output
    assert "limited coverage (keyvault" in diff.output
    built = run("build", "--store", str(store), "-o", str(tmp_path / "out"))
    assert built.exit_code == 0 and "coverage: not visible" in built.output
    assert "Missing" not in built.output


def test_collect_strict_exits_1_when_coverage_is_incomplete(tmp_path):
    result = _collect_reader(0, tmp_path / "s.db", "--strict")
    assert result.exit_code == 1
    assert (
        "complete" in result.output and "--strict: coverage incomplete (keyvault)" in result.output
    )


def test_interrupted_run_is_named_by_show_and_build_and_refused_by_strict(tmp_path, monkeypatch):
    store = tmp_path / "s.db"
    with serve(clean_tenant()) as (base, _):
        assert collect_cli(base, store, "--label", "good").exit_code == 0
        real_list = Fetcher.list
        seen = []

        def list_then_ctrl_c(self, call, *a, **kw):
            if call == "authorization:roleAssignments":
                seen.append(call)
                if len(seen) == 2:  # Ctrl-C after the first subscription's assignments
                    raise KeyboardInterrupt
            return real_list(self, call, *a, **kw)

        monkeypatch.setattr(Fetcher, "list", list_then_ctrl_c)
        cut = collect_cli(base, store, "--label", "cut")
    assert cut.exit_code == 130
    shown = run("show", "cut", "--store", str(store)).output
    assert "snapshot 2" in shown and "partial" in shown
    assert "cut off after 1 fetches" in shown  # authorization, half-way
    assert "never reached" in shown  # graph and the per-resource sources
    interrupted = next(line for line in shown.splitlines() if line.startswith("  interrupted:"))
    assert "authorization" in interrupted and "graph" in interrupted
    assert "coverage" in run("snapshots", "--store", str(store)).output
    latest = run("build", "latest", "--store", str(store), "-o", str(tmp_path / "a"))
    assert latest.exit_code == 0
    assert "snapshot 2 is partial" in latest.output
    assert (
        "authorization interrupted (cut off" in latest.output
        and "graph interrupted" in latest.output
    )
    strict = run("build", "latest", "--strict", "--store", str(store), "-o", str(tmp_path / "b"))
    assert strict.exit_code == 2 and "snapshot 2 is partial" in strict.output
    assert "authorization interrupted" in strict.output
    default = run("build", "--strict", "--store", str(store), "-o", str(tmp_path / "c"))
    assert default.exit_code == 0, default.output  # no reference: the latest complete one
    assert "Missing" not in default.output
    assert any(p.name.startswith("active_directory_") for p in (tmp_path / "c").iterdir())


def test_forbidden_management_groups_say_role_assignment_coverage_is_missing(tmp_path):
    tenant = clean_tenant()
    tenant.forbidden.add(MG_LIST)
    store = tmp_path / "s.db"
    with serve(tenant) as (base, _):
        result = collect_cli(base, store)
    assert result.exit_code == 0, result.output  # definitive: complete, coverage limited
    assert "warning: managementgroups: management groups forbidden" in result.output
    assert (
        "warning: authorization: role assignments at management-group scopes not listed:"
        " the management-group listing was forbidden; needs Reader" in result.output
    )
    listing = run("snapshots", "--store", str(store)).output
    assert "limited: authorization,managementgroups" in listing


def test_failed_management_group_listing_fails_authorization_too(tmp_path):
    tenant = clean_tenant()
    tenant.faults[MG_LIST] = [
        Fault(503, {}, {"error": {"code": "ServiceUnavailable", "message": "try later"}})
        for _ in range(3)
    ]
    store = Store(tmp_path / "s.db")
    with serve(tenant) as (base, _):
        opts = CollectOptions(
            cloud=resolve_cloud("custom", arm=base, graph=base), retry_total=1, retry_backoff=0
        )
        result = collect(store, StaticTokenCredential(), opts)
    assert result.status == "partial"
    auth = next(s for s in result.sources if s["name"] == "authorization")
    assert auth["status"] == "failed" and auth["outcomes"].get("failed") is None
    assert "management-group scopes not listed" in auth["detail"]
    assert "listing was failed" in auth["coverage"]


def test_a_2xx_answer_that_is_not_json_is_failed_not_ok(tmp_path):
    from fakeazure.scenarios import SUBS
    from snapdiff.collect.scope import Scope

    tenant = clean_tenant()
    tenant.faults[f"/subscriptions/{SUBS[1]}"] = [Fault(200, {}, "truncated")]
    store = Store(tmp_path / "s.db")
    with serve(tenant) as (base, _):
        opts = CollectOptions(
            cloud=resolve_cloud("custom", arm=base, graph=base),
            scope=Scope(list(SUBS)),
            retry_total=0,
        )
        result = collect(store, StaticTokenCredential(), opts)
    assert result.status == "partial"
    subs = next(s for s in result.sources if s["name"] == "subscriptions")
    assert subs["status"] == "failed" and "not a JSON object" in subs["detail"]
