"""What a new user met trying the installed wheel: each test is a case that printed a
misleading or repeated error, or accepted an option that could never work."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys

import pytest
from azure.core.exceptions import ClientAuthenticationError
from click.testing import CliRunner

import snapdiff.collect.credentials as credentials
from snapdiff.cli import main

ENV = {"AZURE_SUBSCRIPTION_ID": "", "AZURE_RESOURCE_GROUP_NAMES": "", "APP_INSIGHTS_INTERVAL": ""}


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env={**ENV, **(env or {})})


def _one_error_line(res, code: int = 2) -> str:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "origin"),
    [
        ((), {"AZURE_SUBSCRIPTION_ID": '["a",'}, "AZURE_SUBSCRIPTION_ID"),
        ((), {"AZURE_RESOURCE_GROUP_NAMES": "[rg"}, "AZURE_RESOURCE_GROUP_NAMES"),
        (("--subscriptions", '["a" "b"]'), {}, "--subscriptions"),
        (("--resource-groups", '{"rg": [1]}'), {}, "--resource-groups"),
    ],
)
def test_a_broken_json_list_names_its_variable(tmp_path, args, env, origin):
    res = run("collect", "--store", str(tmp_path / "s.db"), *args, env=env)
    line = _one_error_line(res)
    assert line.startswith(f"snapdiff: error: {origin}: ") and "is not a JSON list" in line
    assert not (tmp_path / "s.db").exists()


def test_azure_authority_host_is_honoured_and_named(tmp_path, monkeypatch):
    """azure-identity's own variable picks the sign-in host; the error names that host."""
    seen = {}

    class Refused:
        def get_token(self, *scopes, **kw):
            raise ClientAuthenticationError("no route to the authority")

    def fake_credential(cloud):
        seen["authority"] = cloud.authority
        return Refused()

    monkeypatch.setattr(credentials, "make_credential", fake_credential)
    authority = "https://login.example.test"
    res = run("collect", "--store", str(tmp_path / "s.db"), env={"AZURE_AUTHORITY_HOST": authority})
    line = _one_error_line(res)
    assert seen["authority"] == authority
    assert f"cannot sign in to {authority} " in line and "no snapshot was started" in line
    assert not (tmp_path / "s.db").exists()


@pytest.mark.parametrize(
    "how", [("--authority", "http://127.0.0.1:9"), ("env", "http://login.example.test")]
)
def test_a_plain_http_authority_is_refused_by_us(tmp_path, how):
    """azure-identity refuses http authorities even on loopback; say so before it does."""
    option, url = how
    args = ("--authority", url) if option == "--authority" else ()
    env = {"AZURE_AUTHORITY_HOST": url} if option == "env" else {}
    res = run("collect", "--store", str(tmp_path / "s.db"), *args, env=env)
    line = _one_error_line(res)
    assert "AZURE_AUTHORITY_HOST" in line and url in line and "not an https URL" in line
    assert not (tmp_path / "s.db").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.loopback
def test_unreachable_azure_ends_in_a_short_report_and_a_failed_snapshot(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}"
    store = str(tmp_path / "s.db")
    res = CliRunner().invoke(
        main,
        ["collect", "--store", store, "--cloud", "custom", "--arm-endpoint", url]
        + ["--graph-endpoint", url, "--connect-timeout", "1", "--unreachable-after", "2"],
        env={**ENV, "SNAPDIFF_ACCESS_TOKEN": "fake"},
    )
    assert res.exit_code == 2, res.stderr
    err = res.stderr
    assert "RuntimeError" not in err and "Traceback" not in err
    assert err.count("snapdiff: collection stopped: ") == 1
    never = [ln for ln in err.splitlines() if "never reached" in ln]
    assert len(never) == 1 and never[0].startswith("  never reached: "), err
    assert "graph" in never[0] and "resourcegraph" in never[0]

    listing = run("snapshots", "--store", store)
    row = listing.output.splitlines()[1].split()
    assert row[1:3] == ["failed", "-"], listing.output  # read nothing: coverage unknown
    assert "  coverage -" in run("show", "1", "--store", store).output


@pytest.mark.parametrize("rule", ["access:c>=11", "access:i>10", "access:a=12"])
def test_fail_on_a_cia_value_that_cannot_exist_is_refused(demo_store, rule):
    res = run("diff", "--store", str(demo_store[0].path), "--fail-on", rule)
    assert res.exit_code == 2 and "CIA values are 0..10" in res.output, res.output


@pytest.mark.parametrize("rule", ["access:c>=10", "access:c>9", "access:a=0"])
def test_fail_on_edge_cia_values_still_work(demo_store, rule):
    res = run("diff", "--store", str(demo_store[0].path), "--fail-on", rule)
    assert res.exit_code in (0, 1), res.output


def _closed(fds: tuple[int, ...]):
    def close() -> None:
        for fd in fds:
            os.close(fd)

    return close


@pytest.mark.parametrize("fds", [(1,), (0, 1), (1, 2)])
def test_a_closed_stdout_at_start_is_a_normal_end(demo_store, tmp_path, fds):
    """``snapdiff diff >&-`` (cron with no stdout): the decided exit code, no internal error,
    and nothing written into the store that took descriptor 1."""
    copy = tmp_path / "s.db"
    with sqlite3.connect(demo_store[0].path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)  # the session store may still hold rows in its -wal
    dst.close()
    before = copy.read_bytes()
    err = tmp_path / "err.txt"
    with err.open("w") as e:
        proc = subprocess.run(
            [sys.executable, "-m", "snapdiff", "diff", "--store", str(copy)],
            stderr=e if 2 not in fds else subprocess.DEVNULL,
            preexec_fn=_closed(fds),
            timeout=120,
        )
    assert proc.returncode == 1, err.read_text()  # the demo weeks differ
    assert err.read_text() == ""
    assert copy.read_bytes() == before


def test_default_diff_on_a_one_snapshot_store_says_what_to_do(demo_store, tmp_path):
    store = demo_store[0]
    bundle = tmp_path / "w1.snapdiff"
    assert run("export", "2", "-o", str(bundle), "--store", str(store.path)).exit_code == 0
    res = run("diff", "--store", str(bundle))
    line = _one_error_line(res)
    assert "nothing to compare" in line and "holds only 1 complete snapshot)" in line
    assert "snapdiff diff A B" in line


@pytest.mark.parametrize("option", ["--resource", "--principal"])
def test_access_with_an_empty_filter_is_refused_not_widened(demo_store, option):
    """``--principal "$WHO"`` with WHO unset listed every privileged holder instead."""
    res = run("access", "--store", str(demo_store[0].path), option, " ")
    line = _one_error_line(res)
    assert f"{option} is empty" in line


@pytest.mark.parametrize("n", ["0", "-3"])
def test_collect_refuses_a_concurrency_below_one(tmp_path, n):
    res = run("collect", "--store", str(tmp_path / "s.db"), "--concurrency", n)
    assert res.exit_code == 2 and "--concurrency" in res.output and "x>=1" in res.output
    assert not (tmp_path / "s.db").exists()
