"""Re-record the cassettes under ``cassettes/`` from the fake tenant (opt-in, needs no Azure).

    PYTHONPATH=tests python -m fakeazure.record [NAME ...]

Each cassette is recorded into a throwaway store; tests and the demo replay them offline.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from snapdiff.store import Store

from .cassettes import run_cassette
from .tenant import Tenant

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def _demo(week: int) -> Callable[[], Tenant]:
    """The demo weeks, with every permission granted: both snapshots are complete."""

    def make() -> Tenant:
        from .cassettes import RECORD_BASE
        from .demo import demo_tenant

        tenant = demo_tenant(week, base=RECORD_BASE)
        tenant.forbidden.clear()
        for r in tenant.resources:  # the formerly forbidden vault is simply empty
            if r["type"] == "microsoft.keyvault/vaults":
                for coll in ("keys", "secrets", "certificates"):
                    tenant.responses.setdefault(f"/kv/{r['name'].lower()}/{coll}", [])
        return tenant

    return make


def _edge() -> Tenant:
    """Demo week 0 as a Reader without data-plane rights: one vault's listings answer 403 and
    an App Service's config cannot be read (500 after every retry)."""
    from .cassettes import RECORD_BASE
    from .demo import demo_tenant
    from .tenant import Fault

    tenant = demo_tenant(0, base=RECORD_BASE)
    site = next(r["id"].lower() for r in tenant.resources if r["name"] == "app-fab-portal")
    tenant.faults[f"{site}/config/web"] = [
        Fault(500, {}, {"error": {"code": "InternalServerError", "message": "fake outage"}})
        for _ in range(3)
    ]
    return tenant


def _faults() -> Tenant:
    from .scenarios import faults_tenant

    return faults_tenant()


def _no_graph() -> Tenant:
    """Demo week 1 collected without GroupMember.Read.All: every Graph call answers 403."""
    tenant = _demo(1)()
    tenant.forbidden.add("/v1.0/groups/")
    return tenant


def _reader(week: int) -> Callable[[], Tenant]:
    """The demo week as the recommended Reader identity sees it (fakeazure.reader)."""

    def make() -> Tenant:
        from .cassettes import RECORD_BASE
        from .reader import reader_tenant

        return reader_tenant(week, RECORD_BASE)

    return make


def _scoped_options() -> dict[str, Any]:
    from snapdiff.collect.scope import Scope

    from .cassettes import FIXED_INTERVAL

    return {"scope": Scope([], ["rg-app-prod", "rg-aks-prod"], FIXED_INTERVAL)}


def _access() -> Tenant:
    from .access_tenant import access_tenant

    return access_tenant(0)


# name -> (tenant factory, collector options)
RECORDINGS: dict[str, tuple[Callable[[], Tenant], dict[str, Any]]] = {
    "faults": (_faults, {"arg_page_size": 50, "retry_total": 3}),
    "demo-week0": (_demo(0), {}),
    "demo-week1": (_demo(1), {}),
    "edge": (_edge, {"retry_total": 2}),
    "demo-week1-nograph": (_no_graph, {}),
    "demo-week1-scoped": (_demo(1), _scoped_options()),
    "reader-week0": (_reader(0), {}),
    "reader-week1": (_reader(1), {}),
    "access": (_access, {}),
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
