"""The bundled demo: two weekly snapshots of a fake tenant, shipped as snapshot bundles.

The bundles (``snapdiff/demo_data/week-N.snapdiff``, the ``snapdiff export`` format) are read
with importlib.resources, so the demo works from an installed wheel in an empty folder and
needs neither the cassettes nor vcrpy. ``python scripts/demo_bundles.py`` regenerates them by
replaying the demo cassettes through the real collector.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from .bundle import import_bundle
from .errors import SnapdiffError
from .store import Store

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


def load_demo(store_path: Path) -> DemoRun:
    """Rebuild the demo store at ``store_path`` from the two packaged bundles (verified)."""
    bundles = [demo_bundle(label) for label in WEEKS]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store_path}{suffix}").unlink(missing_ok=True)  # the demo store is ours to rebuild
    store = Store(store_path)
    ids = []
    for res in bundles:
        with as_file(res) as path:
            ids.append(import_bundle(store, path))
    s0, s1 = (store.snapshot(i).status for i in ids)
    return DemoRun(store, ids[0], ids[1], (s0, s1))
