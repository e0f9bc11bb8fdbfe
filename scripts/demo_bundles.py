"""Regenerate the demo's snapshot bundles (snapdiff/demo_data/) from the demo cassettes.

    python scripts/demo_bundles.py

Replays cassettes/demo-week0.json and demo-week1.json through the real collector (offline,
as the tests do) and exports each snapshot with ``snapdiff export``'s writer. Run it after
re-recording the cassettes; tests/test_demo.py fails while the bundles are stale.

The two weeks are dated a week apart (``DATES``): the store's clock is replaced while each is
replayed, so that ``snapdiff diff 2026-11-23 2026-11-30`` compares week 0 with week 1.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
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
# When each week was "collected": Mondays at 06:00 UTC, a week apart.
DATES = {
    "week-0": datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc),
    "week-1": datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc),
}


@contextmanager
def dated(start: datetime) -> Iterator[None]:
    """The store's and the capture's clock read ``start``, advancing 1 ms a reading."""
    import snapdiff.collect.capture as capture
    import snapdiff.store as store_mod

    ticks = iter(range(10**9))

    def clock() -> str:
        t = start + timedelta(milliseconds=next(ticks))
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    saved = store_mod.utcnow, capture.utcnow
    store_mod.utcnow = capture.utcnow = clock
    try:
        yield
    finally:
        store_mod.utcnow, capture.utcnow = saved


def regenerate(out_dir: Path = ROOT / "snapdiff" / "demo_data") -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.db")
        for label in WEEKS:
            name = CASSETTES[label]
            _, options = RECORDINGS[name]
            with dated(DATES[label]):
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
