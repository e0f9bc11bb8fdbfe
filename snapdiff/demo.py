"""The bundled demo: two weekly snapshots of a fake tenant, collected offline from cassettes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import SnapdiffError
from .store import Store

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"


@dataclass
class DemoRun:
    store: Store
    week0: int
    week1: int
    statuses: tuple[str, str]


def collect_demo(store_path: Path, cassettes: Path = CASSETTES) -> DemoRun:
    """Replay the two demo cassettes through the real collector into a fresh store."""
    from .fake.cassettes import run_cassette  # the collector: azure SDKs, vcrpy

    missing = [n for n in ("demo-week0", "demo-week1") if not (cassettes / f"{n}.json").exists()]
    if missing:
        raise SnapdiffError(
            f"demo cassettes not found in {cassettes}: run from a snapdiff checkout"
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store_path}{suffix}").unlink(missing_ok=True)  # the demo store is ours to rebuild
    store = Store(store_path)
    r0 = run_cassette(store, cassettes / "demo-week0.json", label="week-0")
    r1 = run_cassette(store, cassettes / "demo-week1.json", label="week-1")
    return DemoRun(store, r0.snapshot_id, r1.snapshot_id, (r0.status, r1.status))
