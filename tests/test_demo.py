"""The demo runs from packaged snapshot bundles, and those bundles match the demo cassettes."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from snapdiff.cli import main
from snapdiff.demo import WEEKS, demo_bundle, load_demo
from snapdiff.store import Store

ROOT = Path(__file__).resolve().parents[1]
# What a replay decides: every request, its answer and the body stored for it.
EXCHANGE = "SELECT source, page, method, url, request_body, status, body_hash, error FROM exchanges"


def _exchanges(store: Store, sid: int) -> list[tuple[object, ...]]:
    return store.conn.execute(f"{EXCHANGE} WHERE snapshot_id = ? ORDER BY id", (sid,)).fetchall()


def _sources(store: Store, sid: int) -> list[tuple[str, str]]:
    return sorted((s["name"], s["status"]) for s in store.sources(sid))


def test_packaged_bundles_match_a_fresh_replay_of_the_cassettes(demo_store, tmp_path):
    """Fails while snapdiff/demo_data is stale: run ``python scripts/demo_bundles.py``."""
    replayed, *results = demo_store
    run = load_demo(tmp_path / "demo.db")
    for label, result, sid in zip(WEEKS, results, (run.week0, run.week1), strict=True):
        assert run.store.snapshot(sid).label == label
        assert _sources(run.store, sid) == _sources(replayed, result.snapshot_id), label
        shipped, fresh = _exchanges(run.store, sid), _exchanges(replayed, result.snapshot_id)
        assert len(shipped) == len(fresh), f"{label}: regenerate with scripts/demo_bundles.py"
        assert shipped == fresh, f"{label}: regenerate with scripts/demo_bundles.py"
    assert run.statuses == ("complete", "complete")


def test_load_demo_replaces_an_old_demo_store(tmp_path):
    first = load_demo(tmp_path / "demo.db")
    first.store.close()
    again = load_demo(tmp_path / "demo.db")
    labels = [r[0] for r in again.store.conn.execute("SELECT label FROM snapshots ORDER BY id")]
    assert labels == list(WEEKS)


def test_demo_command_in_an_empty_folder():
    runner = CliRunner()
    with runner.isolated_filesystem():
        res = runner.invoke(main, ["demo"])
        assert res.exit_code == 0, res.output
        assert "imported snapshots 1 (week-0, complete) and 2 (week-1, complete)" in res.stderr
        assert Path("snapshots/demo.db").is_file()
        built = sorted(p.name for p in Path("out/demo").iterdir())
        assert built and all(n.endswith(".json") for n in built)
        assert "web03" in res.stdout  # the VM added in week 1


def test_bundles_are_package_data():
    for label in WEEKS:
        assert demo_bundle(label).read_bytes()[:16] == b"SQLite format 3\x00"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or lazily inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_fake_azure_imports_vcr():
    users = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "snapdiff").rglob("*.py")
        if "vcr" in _imports(p)
    ]
    assert users == [], "vcrpy is a test dependency; the runtime must not import it"
