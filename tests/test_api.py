"""The library API that the CLI is a thin layer over."""

from __future__ import annotations

import snapdiff
from snapdiff.securicad import build


def test_library_round_trip(demo_store, tmp_path):
    store, _, _ = demo_store
    view = snapdiff.SnapshotView(store, snapdiff.resolve(store, "latest"))
    before = snapdiff.SnapshotView(store, snapdiff.resolve(store, "latest~1"))
    result = build(view)
    assert result.active_directory["parser_version"] == 2 and result.insights
    d = snapdiff.diff_snapshots(before, view)
    assert d.resources.removed and d.rbac.added
    paths = snapdiff.write_files(result, tmp_path)
    assert [p.name.split("_")[0] for p in paths] == ["active", "application"]
    assert snapdiff.verify(store.path) == []
