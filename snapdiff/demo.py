"""The bundled demo: two weekly snapshots of a fake tenant, shipped as snapshot bundles.

The bundles (``snapdiff/demo_data/week-N.snapdiff``, the ``snapdiff export`` format) are read
with importlib.resources, so the demo works from an installed wheel in an empty folder and
needs neither the cassettes nor vcrpy. ``python scripts/demo_bundles.py`` regenerates them by
replaying the demo cassettes through the real collector.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from .bundle import import_bundle
from .errors import SnapdiffError
from .store import Store, sqlite_uri, wal_has_data

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

WEEKS = ("week-0", "week-1")  # labels; bundle file names are f"{label}.snapdiff"


@dataclass
class DemoRun:
    store: Store
    week0: int
    week1: int
    statuses: tuple[str, str]


def demo_bundle(label: str) -> Traversable:
    """The packaged bundle of one demo week."""
    res = files(__package__) / "demo_data" / f"{label}.snapdiff"
    if not res.is_file():
        raise SnapdiffError(f"demo bundle {label}.snapdiff is missing from the installed package")
    return res


MADE_BY = "snapdiff demo"  # meta 'made_by' of a store the demo created (and may rebuild)


def is_demo_store(path: Path) -> bool:
    """Whether ``path`` is a store that ``snapdiff demo`` made (read without changing it)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro", immutable=True), uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'made_by'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    if row is not None:
        return bool(row[0] == MADE_BY)
    return _holds_only_demo_snapshots(path)


def _uids(path: Path) -> set[str] | None:
    """The snapshot uids of a snapdiff file that is not a bundle, read without changing it."""
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro", immutable=True), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "manifest" in tables or "snapshots" not in tables:
                return None
            return {str(r[0]) for r in conn.execute("SELECT uid FROM snapshots")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _holds_only_demo_snapshots(path: Path) -> bool:
    """A store made by the demo of an older snapdiff (no ``made_by``): every snapshot in it is
    one of the packaged demo weeks, so rebuilding it loses nothing. Rows still in its -wal are
    unknown, so such a store is never taken for a demo store."""
    if wal_has_data(path):
        return False
    uids = _uids(path)
    if not uids:
        return False
    demo: set[str] = set()
    for label in WEEKS:
        with as_file(demo_bundle(label)) as bundle:
            conn = sqlite3.connect(sqlite_uri(bundle, "ro", immutable=True), uri=True)
            try:
                demo |= {str(r[0]) for r in conn.execute("SELECT uid FROM snapshots")}
            finally:
                conn.close()
    return uids <= demo


def claim_demo_store(store_path: Path) -> None:
    """Refuse, changing nothing, unless ``store_path`` is new or a store the demo made."""
    if not (store_path.exists() or store_path.is_symlink()):
        return
    if not is_demo_store(store_path):
        what = "a folder" if store_path.is_dir() else "not a store made by snapdiff demo"
        raise SnapdiffError(
            f"{store_path} exists and is {what}; the demo writes only into a new file or its"
            " own store: give --store a new path"
        )


def load_demo(store_path: Path) -> DemoRun:
    """Rebuild the demo store at ``store_path`` from the two packaged bundles (verified):
    only a new file or a store an earlier demo made (meta ``made_by``) is written."""
    bundles = [demo_bundle(label) for label in WEEKS]
    claim_demo_store(store_path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store_path}{suffix}").unlink(missing_ok=True)  # our own demo store
    store = Store(store_path)
    with store.transaction() as c:
        c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('made_by', ?)", (MADE_BY,))
    ids = []
    for res in bundles:
        with as_file(res) as path:
            ids.append(import_bundle(store, path))
    s0, s1 = (store.snapshot(i).status for i in ids)
    return DemoRun(store, ids[0], ids[1], (s0, s1))
