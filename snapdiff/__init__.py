"""snapdiff: offline-first Azure snapshots, securiCAD builds and diffs.

The library API (the CLI is a thin layer over it)::

    from snapdiff import Store, SnapshotView, diff_snapshots, resolve
    from snapdiff.securicad import build          # ``snapdiff.securicad`` is the builder package
    store = Store("snapshots/snapdiff.db", readonly=True)
    view = SnapshotView(store, resolve(store, "latest"))
    result = build(view)                      # result.active_directory, result.insights
    d = diff_snapshots(SnapshotView(store, resolve(store, "latest~1")), view)

``snapdiff.collect.collect`` (the only part that imports the Azure SDKs) fills a store.
Names load on first use, so ``import snapdiff`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Store": "snapdiff.store",
    "SnapshotView": "snapdiff.snapshot",
    "resolve": "snapdiff.refs",
    "write_files": "snapdiff.securicad",
    "diff_snapshots": "snapdiff.diff",
    "export_snapshot": "snapdiff.bundle",
    "import_bundle": "snapdiff.bundle",
    "verify": "snapdiff.bundle",
    "prune": "snapdiff.maintenance",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
