"""CLI: thin layer, one-line errors, no azure imports outside collect, collect on loopback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from fakeazure.scenarios import faults_tenant
from fakeazure.server import serve
from snapdiff.cli import main


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def collect_args(base: str, store, *extra: str) -> list[str]:
    """``snapdiff collect`` arguments for a loopback endpoint (ARM and Graph on one server)."""
    return [
        "collect",
        "--store",
        str(store),
        "--cloud",
        "custom",
        "--arm-endpoint",
        base,
        "--graph-endpoint",
        base,
        "-q",
        *extra,
    ]


def collect_cli(base: str, store, *extra: str):
    """``snapdiff collect`` against a loopback endpoint with a static token."""
    return run(
        *collect_args(base, store, *extra),
        env={
            "SNAPDIFF_ACCESS_TOKEN": "fake-token",
            "AZURE_SUBSCRIPTION_ID": "",
            "AZURE_RESOURCE_GROUP_NAMES": "",
        },
    )


def clean_tenant():
    """The fault scenario's tenant without its faults: every source answers."""
    tenant = faults_tenant()
    tenant.faults.clear()
    tenant.forbidden.clear()
    return tenant


def test_build_and_diff_never_import_azure_or_msgraph():
    code = (
        "import sys, snapdiff.cli, snapdiff.securicad, snapdiff.snapshot; import snapdiff.securicad.api as a;"
        "a.load_builtin_kinds();"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('azure','msgraph','kiota_abstractions','httpx')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["show", "--store", "nope/missing.db"], "no store at"),
        (["build", "--store", "nope/missing.db"], "no store at"),
        (
            ["collect", "--store", "x.db", "--app-insights-interval", "2020-13-45/bad"],
            "APP_INSIGHTS_INTERVAL",
        ),
        (["collect", "--store", "x.db", "--cloud", "custom"], "needs --arm-endpoint"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_snapshot_reference(faults_snapshot, tmp_path):
    store, _ = faults_snapshot
    result = run("build", "no-such-label", "--store", str(store.path), "-o", str(tmp_path))
    assert result.exit_code == 2 and "no snapshot 'no-such-label'" in result.output


def test_snapshots_and_show(faults_snapshot):
    store, res = faults_snapshot
    out = run("snapshots", "--store", str(store.path))
    assert out.exit_code == 0 and "partial" in out.output
    listing = json.loads(run("snapshots", "--store", str(store.path), "--json").output)
    assert listing[0]["status"] == "partial"
    shown = run("show", str(res.snapshot_id), "--store", str(store.path))
    assert shown.exit_code == 0
    assert (
        "authorization" in shown.output and "failed" in shown.output and "forbidden" in shown.output
    )


@pytest.mark.loopback
def test_collect_command_against_the_fake_tenant(tmp_path):
    with serve(clean_tenant()) as (base, _):
        result = collect_cli(base, tmp_path / "s.db", "--label", "cli")
    assert result.exit_code == 0, result.output
    assert "snapshot 1 complete" in result.output
    shown = run("show", "cli", "--store", str(tmp_path / "s.db"))
    assert "complete" in shown.output and "graph" in shown.output
    assert b"fake-token" not in (tmp_path / "s.db").read_bytes()


@pytest.mark.loopback
def test_dropped_connection_is_retried_and_recorded(tmp_path):
    from fakeazure.server import DROP
    from fakeazure.tenant import Fault

    tenant = clean_tenant()
    tenant.faults["/subscriptions"] = [Fault(DROP)]
    with serve(tenant) as (base, _):
        result = collect_cli(base, tmp_path / "s.db")
    assert result.exit_code == 0, result.output
    import sqlite3

    rows = (
        sqlite3.connect(tmp_path / "s.db")
        .execute(
            "SELECT status, error FROM exchanges WHERE url LIKE '%/subscriptions?%' ORDER BY id"
        )
        .fetchall()
    )
    assert rows[0][0] is None and rows[0][1]  # the dropped attempt, with its error
    assert rows[-1][0] == 200


@pytest.mark.loopback
def test_unreachable_endpoint_fails_cleanly(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = collect_cli(f"http://127.0.0.1:{port}", tmp_path / "s.db")
    assert result.exit_code == 2
    assert "snapshot 1 failed" in result.output and "Traceback" not in result.output
    shown = run("show", "1", "--store", str(tmp_path / "s.db"))
    assert "subscriptions" in shown.output and "failed" in shown.output


def test_collect_refuses_a_label_that_reads_as_a_reference(tmp_path):
    result = run("collect", "--store", str(tmp_path / "s.db"), "--label", "latest~1")
    assert result.exit_code == 2 and "reads as a snapshot id" in result.output
    assert not (tmp_path / "s.db").exists()
