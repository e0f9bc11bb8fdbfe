"""A new user's misuse of every command: one clear line and exit 2, never a traceback, never a
changed file; a closed stdout is a normal end."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from fakeazure.writer import write_snapshot
from snapdiff.cli import main
from snapdiff.collect.scope import validate_interval
from snapdiff.errors import SnapdiffError, SnapshotNotFound
from snapdiff.explain import explain
from snapdiff.maintenance import parse_duration
from snapdiff.refs import resolve, split_ref
from snapdiff.store import Store

MOVED_FROM = (
    "/subscriptions/3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71/resourceGroups/rg-data-prod"
    "/providers/Microsoft.DBforMariaDB/servers/mariadb-fab-legacy"
)
MOVED_TO = MOVED_FROM.replace("rg-data-prod", "rg-app-staging")


def run(*args: str):
    """The CLI in-process; a traceback would raise here (catch_exceptions=False)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def demo_copy(demo_store, tmp_path):
    """A private copy of the two demo weeks, for commands that write."""
    store, _, _ = demo_store
    path = tmp_path / "demo.db"
    with sqlite3.connect(store.path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return path


# -- parsers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, needle",
    [
        ("99999999999d", "too long"),
        ("99999999999999999999w", "too long"),
        ("36526d", "too long"),
        ("-1d", "not a duration"),
        ("1y", "not a duration"),
        ("", "not a duration"),
        ("d", "not a duration"),
        ("1.5d", "not a duration"),
    ],
)
def test_prune_bad_durations_are_one_line_errors(demo_copy, value, needle):
    before = demo_copy.read_bytes()
    one_line_error(run("prune", "--older-than", value, "--store", str(demo_copy)), needle)
    assert demo_copy.read_bytes() == before


def test_the_longest_duration_still_works(demo_copy):
    result = run("prune", "--older-than", "36525d", "--store", str(demo_copy), "--dry-run")
    assert result.exit_code == 0 and "would delete 0 snapshot(s)" in result.output


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30) | st.from_regex(r"\s*\d{1,25}\s*[hdwHDWy]?\s*", fullmatch=True))
def test_parse_duration_returns_or_says_why(text):
    try:
        assert parse_duration(text) >= timedelta(0)
    except SnapdiffError as e:
        assert str(e) and "\n" not in str(e)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40)
    | st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True)
    | st.from_regex(r"latest(~-?\d{0,30})?", fullmatch=True)
    | st.from_regex(r"[a-z./]{0,12}\.(db|snapdiff|sqlite):[a-z0-9~-]{0,10}", fullmatch=True)
)
def test_snapshot_references_resolve_or_say_why(demo_store, text):
    store, _, _ = demo_store
    try:
        sid = resolve(store, split_ref(text)[1])
    except SnapshotNotFound as e:
        assert str(e) and "\n" not in str(e)
    else:
        assert sid in {s.id for s in store.snapshots()}


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=50)
    | st.from_regex(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?/\d{4}-\d{2}-\d{2}", fullmatch=True)
)
def test_app_insights_interval_is_valid_or_named_in_the_error(text):
    try:
        assert validate_interval(text) == text
    except ValueError as e:
        assert "APP_INSIGHTS_INTERVAL" in str(e)


@pytest.mark.parametrize(
    "ref, needle",
    [
        ("2026-02-30", "not a valid date"),
        ("9999-99-99", "not a valid date"),
        ("latest~99999999999999999999", "holds only 2 snapshots"),
        ("latest~-1", "no snapshot 'latest~-1'"),
        ("nope.db:latest", "no store at nope.db"),
    ],
)
def test_bad_references_in_every_reading_command(demo_store, tmp_path, ref, needle):
    store, _, _ = demo_store
    s = str(store.path)
    for args in (
        ["show", ref, "--store", s],
        ["build", ref, "--store", s, "-o", str(tmp_path)],
        ["diff", ref, "1", "--store", s],
        ["export", ref, "-o", str(tmp_path / "x.snapdiff"), "--store", s],
    ):
        one_line_error(run(*args), needle)
    assert not list(tmp_path.iterdir())


# -- a closed stdout ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, code",
    [
        (["show", "latest"], 0),
        (["show", "latest", "--json"], 0),
        (["snapshots"], 0),
        (["diff"], 1),  # the status diff decided on (changes) survives the closed pipe
        (["history", MOVED_FROM], 0),
    ],
)
def test_a_closed_stdout_is_a_normal_end(demo_store, args, code):
    store, _, _ = demo_store
    p = subprocess.Popen(
        [sys.executable, "-m", "snapdiff", *args, "--store", str(store.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader is gone before the first write, as with `| head -0`
    err = p.stderr.read()
    assert p.wait(timeout=120) == code
    assert err == b""


def test_head_of_a_pipe_in_a_shell(demo_store):
    store, _, _ = demo_store
    cmd = f"set -o pipefail; {sys.executable} -m snapdiff show latest --store '{store.path}' | head -1"
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.startswith("snapshot 2 ")


# -- history -----------------------------------------------------------------------------------
def test_history_of_an_id_never_seen(demo_store):
    store, _, _ = demo_store
    ident = MOVED_FROM.replace("mariadb-fab-legacy", "no-such-server")
    one_line_error(run("history", ident, "--store", str(store.path)), "never seen", "2 finished")
    one_line_error(run("history", " ", "--store", str(store.path)), "give an ID")


def test_history_follows_a_moved_resource(demo_store):
    store, _, _ = demo_store
    out = run("history", MOVED_FROM, "--store", str(store.path), "--format", "json")
    assert out.exit_code == 0
    entries = json.loads(out.output)["entries"]
    assert [e["event"] for e in entries] == ["present", "moved"]
    assert entries[1]["id"] == MOVED_TO and "rg-app-staging" in entries[1]["reason"]
    text = run("history", MOVED_FROM, "--store", str(store.path)).output
    assert "moved: to resource group rg-app-staging" in text and "removed" not in text
    arrived = json.loads(
        run("history", MOVED_TO, "--store", str(store.path), "--format", "json").output
    )
    assert [e["event"] for e in arrived["entries"]] == ["absent", "moved"]
    assert arrived["entries"][1]["reason"] == f"here from {MOVED_FROM}"


# -- build file names --------------------------------------------------------------------------
def _two_in_one_minute(path: Path) -> tuple[int, int]:
    store = Store(path)
    ids = [write_snapshot(store, [], label="first"), write_snapshot(store, [], label="second")]
    snaps = {s.id: s.started_at[:16] for s in store.snapshots()}
    if snaps[ids[0]] != snaps[ids[1]]:  # crossed a minute boundary: one more
        ids = [ids[1], write_snapshot(store, [], label="third")]
    store.close()
    return ids[0], ids[1]


def test_build_never_overwrites_a_file_from_another_snapshot(tmp_path):
    db, out = tmp_path / "s.db", tmp_path / "out"
    first, second = _two_in_one_minute(db)
    built = run("build", str(first), "--store", str(db), "-o", str(out), "-q")
    assert built.exit_code == 0
    [ad] = list(out.glob("active_directory_*.json"))
    before = ad.read_bytes()
    again = run("build", str(first), "--store", str(db), "-o", str(out), "-q")
    assert again.exit_code == 0  # the same snapshot may be rebuilt
    refused = run("build", str(second), "--store", str(db), "-o", str(out), "-q")
    one_line_error(refused, str(ad), "--force", "was built from snapshot")
    assert ad.read_bytes() == before
    forced = run("build", str(second), "--store", str(db), "-o", str(out), "-q", "--force")
    assert forced.exit_code == 0
    record = json.loads((out / ".snapdiff-builds.json").read_text())
    assert record[ad.name]["uid"] == Store(db, readonly=True).snapshot(second).uid


def test_build_refuses_a_foreign_file_of_the_same_name(tmp_path):
    db, out = tmp_path / "s.db", tmp_path / "out"
    first, _ = _two_in_one_minute(db)
    run("build", str(first), "--store", str(db), "-o", str(out), "-q")
    [ad] = list(out.glob("active_directory_*.json"))
    (out / ".snapdiff-builds.json").unlink()
    ad.write_text("{}")  # say, the old collector's file
    one_line_error(run("build", str(first), "--store", str(db), "-o", str(out)), "--force")
    assert ad.read_text() == "{}"


def test_build_into_something_that_is_not_a_folder(demo_store):
    store, _, _ = demo_store
    one_line_error(run("build", "1", "--store", str(store.path), "-o", os.devnull), "not a folder")


# -- show --------------------------------------------------------------------------------------
def test_show_reads_path_ref_and_prints_json(demo_store, tmp_path, monkeypatch):
    store, _, r1 = demo_store
    monkeypatch.chdir(tmp_path)  # no default store here
    text = run("show", f"{store.path}:week-1")
    assert text.exit_code == 0 and text.output.startswith("snapshot 2 ")
    out = run("show", f"{store.path}:week-1", "--json")
    assert out.exit_code == 0
    doc = json.loads(out.output)
    assert set(doc) == {"summary_version", "store", "snapshot", "counts", "sources", "redactions"}
    assert doc["summary_version"] == 1 and doc["store"] == str(store.path)
    assert {
        "id",
        "uid",
        "label",
        "status",
        "started_at",
        "finished_at",
        "tenant_id",
        "cloud",
        "scope",
        "tool_version",
        "error",
    } <= set(doc["snapshot"])
    assert doc["snapshot"]["label"] == "week-1" and doc["snapshot"]["id"] == r1.snapshot_id
    assert set(doc["counts"]) == {"requests", "bodies", "error_responses", "batched"}
    assert {s["name"] for s in doc["sources"]} >= {"resourcegraph", "authorization", "graph"}
    assert all(
        set(s)
        == {"name", "status", "pages", "requests", "errors", "detail", "outcomes", "coverage"}
        for s in doc["sources"]
    )
    assert all(set(r) == {"url", "path", "reason"} for r in doc["redactions"])
    assert out.output == run("show", "--store", str(store.path), "2", "--json").output


# -- diff A A ----------------------------------------------------------------------------------
def test_diff_of_a_snapshot_with_itself_says_so(demo_store):
    store, _, _ = demo_store
    out = run("diff", "week-1", "latest", "--store", str(store.path))
    assert out.exit_code == 0
    assert "A and B are the same snapshot (#2)" in out.output
    js = json.loads(run("diff", "2", "2", "--store", str(store.path), "--format", "json").output)
    assert any("same snapshot" in n for n in js["notes"]) and js["summary"]["total"] == 0


# -- messages that say what is wrong -----------------------------------------------------------
def test_store_problems_are_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("folder.db").mkdir()
    Path("text.db").write_text("hello, not a database\n")
    Path("empty.db").touch()
    sqlite3.connect("foreign.db").execute("CREATE TABLE t (a)").connection.close()
    cases = [
        (["show", "folder.db:latest"], "is a folder"),
        (["snapshots", "--store", "folder.db"], "is a folder"),
        (["prune", "--keep-last", "1", "--store", "folder.db"], "is a folder"),
        (["show", "--store", "text.db"], "not a SQLite file"),
        (["prune", "--keep-last", "1", "--store", "text.db"], "not a SQLite file"),
        (["show", "--store", "empty.db"], "empty file"),
        (["prune", "--keep-last", "1", "--store", "empty.db"], "empty file"),
        (["label", "1", "x", "--store", "empty.db"], "empty file"),
        (["index", "--store", "empty.db"], "empty file"),
        (["show", "--store", "foreign.db"], "not a snapdiff store"),
        (["show", "--store", "missing/x.db"], "folder missing does not exist"),
        (["verify", "folder.db"], "is a folder"),
        (["verify", "nope.snapdiff"], "no store or bundle at nope.snapdiff"),
        (["history", "/x", "--store", "missing.db"], "no store at missing.db"),
    ]
    for args, needle in cases:
        one_line_error(run(*args), needle)
    assert Path("empty.db").stat().st_size == 0  # refused, so unchanged


class _Access:
    """``os`` as snapdiff.explain sees it, with ``access`` denying one (path, mode)."""

    def __init__(self, path: Path, mode: int):
        self.denied = (str(path), mode)

    def __getattr__(self, name: str):
        return getattr(os, name)

    def access(self, path, mode: int) -> bool:
        return (str(path), mode) != self.denied and os.access(path, mode)


def test_permission_and_read_only_folder_are_named(demo_copy, monkeypatch):
    monkeypatch.setattr("snapdiff.explain.os", _Access(demo_copy, os.R_OK))
    one_line_error(run("show", "--store", str(demo_copy)), "permission denied")
    monkeypatch.setattr("snapdiff.explain.os", _Access(demo_copy.parent, os.W_OK))
    one_line_error(run("label", "1", "x", "--store", str(demo_copy)), "folder", "read-only")
    assert run("show", "1", "--store", str(demo_copy)).exit_code == 0  # reading still works


def _drop_read_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so
    that root, after exec, is refused a file without read permission like anyone else."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_real_permission_denied(demo_copy):
    """chmod 0 denies nothing to root (CI runs as root): there the command runs in a child
    without root's override of file permissions."""
    demo_copy.chmod(0)
    try:
        if os.geteuid() != 0:
            one_line_error(run("show", "--store", str(demo_copy)), "permission denied")
            return
        if sys.platform != "linux":
            pytest.skip("dropping root's file-permission override needs Linux")
        try:
            out = subprocess.run(
                [sys.executable, "-m", "snapdiff", "show", "--store", str(demo_copy)],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                preexec_fn=_drop_read_override,
                timeout=120,
            )
        except subprocess.SubprocessError as e:  # a container without CAP_SETPCAP
            pytest.skip(f"cannot drop capabilities here: {e}")
    finally:
        demo_copy.chmod(0o600)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    [line] = out.stderr.strip().splitlines()
    assert "permission denied" in line, line


def test_disk_full_and_other_os_errors_are_one_line(demo_copy, monkeypatch):
    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "set_label", full)
    one_line_error(run("label", "1", "x", "--store", str(demo_copy)), "disk full")
    monkeypatch.undo()

    def nospace(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", "out/file.json")

    monkeypatch.setattr("snapdiff.securicad.files._atomic_write", nospace)
    one_line_error(
        run("build", "1", "--store", str(demo_copy), "-o", str(demo_copy.parent / "o")),
        "out/file.json: disk full",
    )


@pytest.mark.parametrize(
    "exc, text",
    [
        (sqlite3.OperationalError("database or disk is full"), "disk full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (sqlite3.DatabaseError("file is not a database"), "not a SQLite file"),
        (sqlite3.OperationalError("unable to open database file"), "cannot open the file"),
        (sqlite3.OperationalError("database is locked"), "busy"),
        (PermissionError(errno.EACCES, "Permission denied", "a.db"), "a.db: permission denied"),
        (OSError(errno.EROFS, "Read-only file system", "/m/a.db"), "read-only file system"),
        (OSError(errno.ENOSPC, "No space left on device"), "disk full"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "x"), "x: no such file"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "d"), "d: is a folder"),
    ],
)
def test_explain_maps_errors(exc, text):
    msg = explain(exc)
    assert text in msg and "\n" not in msg


def test_missing_everything_never_tracebacks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (
        ["show"],
        ["snapshots"],
        ["build"],
        ["diff"],
        ["history", "/x"],
        ["prune", "--keep-last", "1"],
        ["label", "latest", "x"],
        ["index"],
        ["export", "latest", "-o", "x.snapdiff"],
        ["verify"],
    ):
        result = run(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, (args, result.output)
        assert "snapshots/snapdiff.db" in result.output, (args, result.output)
    assert not Path("snapshots").exists()  # refused: nothing created
    shutil.rmtree(tmp_path / "x.snapdiff", ignore_errors=True)


# -- privileged counts -------------------------------------------------------------------------
def test_privileged_changes_are_counted_in_their_own_section(demo_store):
    store, _, _ = demo_store
    s = str(store.path)

    def counts(*sections: str) -> dict:
        args = ["diff", "week-0", "week-1", "--store", s, "--format", "json"]
        for sec in sections:
            args += ["--section", sec]
        return json.loads(run(*args).output)["summary"]["counts"]

    every = counts()
    assert every["rbac"]["privileged"] == counts("rbac")["rbac"]["privileged"] == 2
    assert every["groups"]["privileged"] == counts("groups")["groups"]["privileged"] == 2
    text = run("diff", "week-0", "week-1", "--store", s).output
    assert "(2 privileged)" in text and "(4 privileged)" not in text
    # --fail-on privileged still sees both: groups alone fail, so do rbac alone
    for section in ("rbac", "groups"):
        r = run(
            "diff",
            "week-0",
            "week-1",
            "--store",
            s,
            "--section",
            section,
            "--fail-on",
            "privileged",
        )
        assert r.exit_code == 1


# -- managedBy ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [[], ["--bug-compatible"]])
def test_unmanaged_resource_groups_have_null_managed_by(demo_store, tmp_path, mode):
    store, _, _ = demo_store
    out = run("build", "week-1", "--store", str(store.path), "-o", str(tmp_path), "-q", *mode)
    assert out.exit_code == 0
    [ad] = tmp_path.glob("active_directory_*.json")
    groups = json.loads(ad.read_text())["resourceGroups"]
    assert groups and all(g["managedBy"] != "" for g in groups)
    assert any(g["managedBy"] is None for g in groups)


# -- redaction ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, secret",
    [
        ("Server=db;User Id=sa;Password = hunter2-x;", "hunter2-x"),
        ("Password\t=\thunter2-x", "hunter2-x"),
        ("pwd= hunter2-x;", "hunter2-x"),
        ("mongodb://app:hunter2-x@db.example.com:27017/prod", "hunter2-x"),
        ("https://deploy:hunter2-x@git.example.com/repo.git", "hunter2-x"),
        ("postgresql+psycopg://u:hunter2-x@h/db?sslmode=require", "hunter2-x"),
    ],
)
def test_redaction_of_spaced_passwords_and_url_credentials(text, secret):
    from snapdiff.redact import redact_body

    out, found = redact_body(json.dumps({"properties": {"note": text}}).encode())
    assert secret not in out.decode() and found
    assert "REDACTED" in json.loads(out)["properties"]["note"]


def test_redaction_keeps_urls_without_credentials():
    from snapdiff.redact import redact_body

    raw = json.dumps({"u": "https://example.com:443/a@b", "m": "mailto:a@b.c"}).encode()
    assert redact_body(raw) == (raw, [])


SETTING_NAMES = st.sampled_from(["DB", "SMTP", "REDIS", "App", "my-service", "Stripe__Live"])
SECRET_SUFFIX = st.sampled_from(["PASS", "PWD", "TOKEN", "APIKEY", "Password", "secret", "PASSWD"])
SEP = st.sampled_from(["_", "-", "__", ".", ":"])


@settings(max_examples=200, deadline=None)
@given(prefix=SETTING_NAMES, sep=SEP, suffix=SECRET_SUFFIX, n=st.integers(1000, 99999))
def test_environment_style_secret_settings_are_redacted(prefix, sep, suffix, n):
    """As app settings ({name, value} pairs) and as keys (appsettings/list properties)."""
    from snapdiff.redact import redact_body

    name, secret = f"{prefix}{sep}{suffix}", f"s3cr3t-{n}"
    doc = {
        "properties": {name: secret},
        "siteConfig": {"appSettings": [{"name": name, "value": secret}]},
    }
    out, found = redact_body(json.dumps(doc).encode())
    assert secret not in out.decode()
    assert len(found) == 2 and all(secret not in p for p, _ in found)


@pytest.mark.parametrize(
    "name", ["DB_HOST", "PASSTHROUGH_MODE", "BYPASS", "COMPASS_URL", "WEBSITE_NODE_DEFAULT_VERSION"]
)
def test_ordinary_settings_stay(name):
    from snapdiff.redact import redact_body

    raw = json.dumps({"properties": {name: "v1"}, "s": [{"name": name, "value": "v1"}]}).encode()
    assert redact_body(raw) == (raw, [])


def test_an_old_store_opened_to_read_says_how_to_migrate(demo_copy):
    from snapdiff.migrations import SCHEMA_VERSION, readable_without_migrating

    # pretend the last migration that is not derived data only (the row index) has not run
    old = max(v for v in range(1, SCHEMA_VERSION) if not readable_without_migrating(v))
    c = sqlite3.connect(demo_copy)
    with c:
        c.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (old,))
    c.close()
    before = demo_copy.read_bytes()
    one_line_error(run("show", "--store", str(demo_copy)), "a command that writes", "migrates")
    assert demo_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["diff", "--section", "nope"], "Invalid value for '--section'"),
        (["build", "--bogus"], "No such option '--bogus'"),
        (["nosuchcmd"], "No such command 'nosuchcmd'"),
        (["prune", "--keep-last", "x"], "'x' is not a valid integer"),
    ],
)
def test_usage_errors_are_one_line_naming_the_help(tmp_path, args, says):
    result = CliRunner().invoke(main, [*args, "--store", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("snapdiff: error: ") and says in line
    assert line.endswith("--help')")
    assert not (tmp_path / "none.db").exists()
