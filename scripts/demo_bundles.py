"""Regenerate the demo's snapshot bundles (snapdiff/demo_data/) from the demo cassettes.

    python scripts/demo_bundles.py

Replays cassettes/demo-week0.json and demo-week1.json through the real collector (offline,
as the tests do) and exports each snapshot with ``snapdiff export``'s writer. Run it after
re-recording the cassettes; tests/test_demo.py fails while the bundles are stale.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.cassettes import run_cassette  # noqa: E402
from fakeazure.record import RECORDINGS  # noqa: E402
from snapdiff.bundle import export_snapshot  # noqa: E402
from snapdiff.demo import WEEKS  # noqa: E402
from snapdiff.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = {"week-0": "demo-week0", "week-1": "demo-week1"}  # bundle label -> cassette


def regenerate(out_dir: Path = ROOT / "snapdiff" / "demo_data") -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.db")
        for label in WEEKS:
            name = CASSETTES[label]
            _, options = RECORDINGS[name]
            result = run_cassette(
                store, ROOT / "cassettes" / f"{name}.json", label=label, **options
            )
            if result.status != "complete":
                raise SystemExit(f"{name}: replay ended {result.status}; re-record the cassette")
            path = out_dir / f"{label}.snapdiff"
            export_snapshot(store, result.snapshot_id, path)
            written.append(path)
            print(f"{name} -> {path} ({path.stat().st_size:,} bytes)")
        store.close()
    return written


if __name__ == "__main__":
    regenerate()
    sys.exit(0)
