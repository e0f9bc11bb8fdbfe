"""A snapshot travels by file and builds identically: from the bundle itself and after import."""

from __future__ import annotations

from click.testing import CliRunner

from snapdiff.bundle import export_snapshot, import_bundle
from snapdiff.cli import main
from snapdiff.securicad import build, render
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store


def _files(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_build_from_bundle_and_after_import_is_byte_identical(demo_store, tmp_path):
    store, _, r1 = demo_store
    bundle = tmp_path / "week-1.snapdiff"
    export_snapshot(store, r1.snapshot_id, bundle)
    runner = CliRunner()
    outs = {}
    for name, ref in (
        ("source", ["week-1", "--store", str(store.path)]),
        ("bundle", [f"{bundle}:latest"]),
    ):
        out = tmp_path / name
        result = runner.invoke(main, ["build", *ref, "-o", str(out), "-q"])
        assert result.exit_code == 0, result.output
        outs[name] = _files(out)
    other = Store(tmp_path / "airgap.db")
    sid = import_bundle(other, bundle)
    out = tmp_path / "imported"
    assert (
        runner.invoke(
            main, ["build", str(sid), "--store", str(other.path), "-o", str(out), "-q"]
        ).exit_code
        == 0
    )
    outs["imported"] = _files(out)
    assert outs["source"] == outs["bundle"] == outs["imported"]
    for mode in (False, True):  # and in both modes, through the library
        a = build(SnapshotView(store, r1.snapshot_id), bug_compatible=mode).active_directory
        b = build(SnapshotView(other, sid), bug_compatible=mode).active_directory
        assert render(a) == render(b)


def test_diff_between_a_store_and_a_bundle(demo_store, tmp_path):
    store, r0, _ = demo_store
    bundle = tmp_path / "week-0.snapdiff"
    export_snapshot(store, r0.snapshot_id, bundle)
    result = CliRunner().invoke(
        main, ["diff", f"{bundle}:latest", "week-1", "--store", str(store.path)]
    )
    assert result.exit_code == 1, result.output
    assert "stfabstagingtmp01" in result.output
