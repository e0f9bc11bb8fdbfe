"""Re-record the cassettes under ``cassettes/`` from the fake tenant (opt-in, needs no Azure).

    python -m snapdiff.fake.record [NAME ...]

Each cassette is recorded into a throwaway store; tests and the demo replay them offline.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..store import Store
from .cassettes import run_cassette
from .tenant import Tenant

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def _demo(week: int) -> Callable[[], Tenant]:
    def make() -> Tenant:
        from .cassettes import RECORD_BASE
        from .demo import demo_tenant

        return demo_tenant(week, base=RECORD_BASE)

    return make


def _faults() -> Tenant:
    from .scenarios import faults_tenant

    return faults_tenant()


# name -> (tenant factory, collector options)
RECORDINGS: dict[str, tuple[Callable[[], Tenant], dict[str, Any]]] = {
    "faults": (_faults, {"arg_page_size": 50, "retry_total": 3}),
    "demo-week0": (_demo(0), {}),
    "demo-week1": (_demo(1), {}),
}


def record(name: str, directory: Path = CASSETTES) -> Path:
    factory, options = RECORDINGS[name]
    path = directory / f"{name}.json"
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "record.db")
        result = run_cassette(store, path, tenant=factory, **options)
        print(
            f"{name}: snapshot {result.status}, {store.counts(result.snapshot_id)['requests']} requests -> {path}"
        )
        store.close()
    return path


def main(argv: list[str]) -> None:
    for name in argv or list(RECORDINGS):
        record(name)


if __name__ == "__main__":
    main(sys.argv[1:])
