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


def _no_directory() -> Tenant:
    """Demo week 1 without Directory.Read.All: getByIds answers 403, member listings work."""
    tenant = _demo(1)()
    tenant.forbidden.add("/v1.0/directoryobjects/getbyids")
    return tenant


def _batch_faults() -> Tenant:
    """Demo week 0 through ARM /batch and Graph $batch with per-item faults: a 429 with
    Retry-After and a 503 on two storage listings, a storage account whose sub-services answer
    404, a throttled Graph member page, and page size 2 so listings page inside batches."""
    from .tenant import Fault

    tenant = _demo(0)()
    tenant.page_size = 2
    accounts = sorted(
        r["id"].lower()
        for r in tenant.resources
        if r["type"] == "microsoft.storage/storageaccounts"
    )
    busy = {"error": {"code": "TooManyRequests", "message": "fake throttle"}}
    tenant.faults[f"{accounts[0]}/blobservices/default/containers"] = [
        Fault(429, {"Retry-After": "1"}, busy)
    ]
    tenant.faults[f"{accounts[0]}/fileservices/default/shares"] = [
        Fault(503, {}, {"error": {"code": "ServiceUnavailable", "message": "fake outage"}})
    ]
    for path in [p for p in tenant.responses if p.startswith(accounts[-1] + "/")]:
        del tenant.responses[path]  # the account vanished between Resource Graph and the GETs
    # Graph $batch: one group's first member page is throttled inside the batch.
    from .demo import _Groups

    throttled = {"error": {"code": "TooManyRequests", "message": "fake throttle"}}
    tenant.faults[f"/v1.0/groups/{_Groups.id('sg-app-devs')}/members"] = [
        Fault(429, {"Retry-After": "1"}, throttled)
    ]
    return tenant


def _batch_unsupported() -> Tenant:
    """Demo week 0 on a cloud without ARM /batch: it answers 404, single GETs follow."""
    tenant = _demo(0)()
    tenant.arm_batch = False
    return tenant


def _reader(week: int) -> Callable[[], Tenant]:
    """The demo week as the recommended Reader identity sees it (fakeazure.reader)."""

    def make() -> Tenant:
        from .cassettes import RECORD_BASE
        from .reader import reader_tenant

        return reader_tenant(week, RECORD_BASE)

    return make


def _firewalled() -> Tenant:
    """Reader week 0 with vaults refused by their network rules (fakeazure.reader)."""
    from .cassettes import RECORD_BASE
    from .reader import firewalled_tenant

    return firewalled_tenant(0, RECORD_BASE)


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
    "demo-week1-nodirectory": (_no_directory, {}),
    # The same tenant as demo-week0 with single GETs: both must build byte-identical JSON.
    "demo-week0-nobatch": (_demo(0), {"batch": False}),
    "batch-faults": (_batch_faults, {"retry_total": 3}),
    "batch-unsupported": (_batch_unsupported, {}),
    "reader-week0": (_reader(0), {}),
    "reader-week1": (_reader(1), {}),
    "reader-firewall": (_firewalled, {}),
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
