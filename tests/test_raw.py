"""``snapdiff raw`` and the ``snapdiff_body`` SQL function: stored exchanges read decoded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils.cli import cli as sqlite_utils_cli

from snapdiff.cli import main
from snapdiff.demo import load_demo
from snapdiff.sqlfuncs import register
from snapdiff.store import Store

UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"  # User Access Administrator, the same in every tenant


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("raw") / "demo.db"
    load_demo(path).store.close()
    return path


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_table_of_every_exchange(demo_db):
    r = _run("raw", "week-1", "--store", str(demo_db))
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split() == ["status", "try", "size", "outcome", "url"]
    # the collector's first request lists the subscriptions
    assert lines[1].split()[:2] == ["200", "1"]
    assert lines[1].endswith("GET http://127.0.0.1:18080/subscriptions?api-version=2022-12-01")
    assert lines[-1] == f"{len(lines) - 2} exchanges (filter with --source, --url, --status)"


def test_filtered_exchange_prints_its_decoded_body(demo_db):
    r = _run("raw", "week-1", "--store", str(demo_db), "--url", f"*roleDefinitions/{UAA}*")
    assert r.exit_code == 0
    assert r.output.startswith("## GET ")
    body = json.loads(r.output.split("\n", 1)[1])
    assert body["properties"]["roleName"] == "User Access Administrator"


def test_json_and_no_match(demo_db):
    r = _run("raw", "week-1", "--store", str(demo_db), "--source", "principals", "--json")
    assert r.exit_code == 0
    [ex] = json.loads(r.output)
    assert ex["method"] == "POST" and ex["url"].endswith("/v1.0/directoryObjects/getByIds")
    assert ex["call"] == "principals:getByIds" and ex["attempt"] == 1 and ex["status"] == 200
    names = {o["displayName"] for o in ex["body"]["value"]}
    assert "Eve Contractor" in names
    r = _run("raw", "week-1", "--store", str(demo_db), "--status", "599")
    assert r.exit_code == 2 and "no exchange of snapshot #2 matches" in r.output


def test_sql_function_decodes_bodies(demo_db):
    with Store(demo_db, readonly=True) as store:
        [(h,)] = store.conn.execute(
            "SELECT e.body_hash FROM exchanges e JOIN fetches f ON f.id = e.fetch_id"
            " WHERE f.call = 'authorization:roleDefinition' AND f.target = ? AND e.snapshot_id = 2",
            (UAA,),
        ).fetchall()
    conn = sqlite3.connect(demo_db)
    register(conn)
    [(text,)] = conn.execute("SELECT snapdiff_body(?)", (h,)).fetchall()
    conn.close()
    assert json.loads(text)["properties"]["roleName"] == "User Access Administrator"


def test_sqlite_utils_loads_the_function(demo_db):
    """Through the installed entry point, as a user of sqlite-utils (or Datasette) would."""
    sql = (
        "select snapdiff_body(body_hash) as body from exchanges"
        " where snapshot_id = 2 order by id limit 1"  # the subscriptions listing
    )
    r = CliRunner().invoke(sqlite_utils_cli, ["query", str(demo_db), sql])
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.output)
    subs = json.loads(row["body"])["value"]
    assert subs[0]["subscriptionId"] == "3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71"
