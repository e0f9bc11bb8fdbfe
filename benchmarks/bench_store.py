"""Store growth benchmark (not a timed test): ten weekly snapshots of a synthetic tenant.

Writes ten weekly snapshots of a 10,000-resource tenant at 1% weekly churn with
``fakeazure.writer`` and prints the store size against the size of one snapshot (target:
at most 1.5x) and the export size of one snapshot. Whole-page dedup cannot help when 1% churn
touches nearly every 1,000-row page; the store keeps such a page as a zstd delta against the
same page of the previous snapshot (``snapdiff.bodies``), which the breakdown by codec shows.

    python benchmarks/bench_store.py [--resources 10000] [--weeks 10] [--churn 0.01]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot  # noqa: E402
from snapdiff.bundle import export_snapshot  # noqa: E402
from snapdiff.maintenance import index_snapshot, store_size  # noqa: E402
from snapdiff.store import Store  # noqa: E402

TYPES = [
    ("microsoft.compute/virtualmachines", "vm"),
    ("microsoft.network/networkinterfaces", "nic"),
    ("microsoft.network/networksecuritygroups", "nsg"),
    ("microsoft.storage/storageaccounts", "st"),
    ("microsoft.web/sites", "app"),
    ("microsoft.keyvault/vaults", "kv"),
    ("microsoft.sql/servers/databases", "sqldb"),
    ("microsoft.network/publicipaddresses", "pip"),
    ("microsoft.compute/disks", "disk"),
    ("microsoft.insights/components", "appi"),
]
LOCATIONS = ["westeurope", "northeurope", "swedencentral", "eastus2"]


def _guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _row(rng: random.Random, n: int, subs: list[str]) -> dict[str, Any]:
    rtype, prefix = TYPES[n % len(TYPES)]
    sub = subs[n % len(subs)]
    rg = f"rg-{['app', 'data', 'net', 'shared', 'ops'][n % 5]}-{n % 37:02d}"
    name = f"{prefix}-{n:06d}"
    provider, kind = rtype.split("/", 1)
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{kind}/{name}",
        "name": name,
        "type": rtype,
        "tenantId": "00000000-0000-0000-0000-0000000000t0",
        "kind": "",
        "location": LOCATIONS[n % len(LOCATIONS)],
        "resourceGroup": rg,
        "subscriptionId": sub,
        "managedBy": "",
        "sku": {"name": "Standard"} if n % 3 else None,
        "plan": None,
        "identity": {"type": "SystemAssigned", "principalId": _guid(rng)} if n % 4 == 0 else None,
        "zones": None,
        "extendedLocation": None,
        "tags": {"env": ["prod", "test", "dev"][n % 3], "owner": f"team-{n % 23}", "scad": "true"}
        if n % 2
        else {"env": "prod"},
        "properties": {
            "provisioningState": "Succeeded",
            "createdTime": f"2023-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z",
            "uniqueId": _guid(rng),
            "httpsOnly": n % 5 != 0,
            "minimumTlsVersion": "TLS1_2",
            "networkAcls": {"defaultAction": "Deny" if n % 3 else "Allow", "ipRules": []},
        },
    }


def fallback_rows(
    n: int, seed: int = 0, churn_week: int = 0, churn: float = 0.01
) -> list[dict[str, Any]]:
    """Rows of week ``churn_week``: each week ``churn`` of the estate is modified, added or removed."""
    rng = random.Random(seed)
    subs = [_guid(rng) for _ in range(8)]
    rows = {i: _row(rng, i, subs) for i in range(n)}
    next_id = n
    for week in range(1, churn_week + 1):
        wr = random.Random(seed * 1000 + week)
        k = max(1, int(n * churn))
        keys = sorted(rows)
        for key in wr.sample(keys, k * 6 // 10):  # modified
            row = json.loads(json.dumps(rows[key]))
            row["tags"]["reviewed"] = f"week-{week}"
            row["properties"]["provisioningState"] = wr.choice(["Succeeded", "Updating"])
            rows[key] = row
        for key in wr.sample(keys, k * 2 // 10):  # removed
            rows.pop(key, None)
        for _ in range(k * 2 // 10):  # added
            rows[next_id] = _row(wr, next_id, subs)
            next_id += 1
    return list(rows.values())


def rows_for(n: int, week: int, churn: float) -> list[dict[str, Any]]:
    try:
        from fakeazure.synthetic import synthetic_arg_rows  # another helper's generator
    except ImportError:
        return fallback_rows(n, seed=0, churn_week=week, churn=churn)
    return synthetic_arg_rows(n, seed=0, churn_week=week, churn=churn)


def generator_name() -> str:
    try:
        from fakeazure.synthetic import synthetic_arg_rows  # noqa: F401
    except ImportError:
        return "benchmarks/bench_store.py fallback generator"
    return "fakeazure.synthetic.synthetic_arg_rows"


def snapshot_fetches(n: int, week: int, churn: float) -> list[FakeFetch]:
    return [FakeFetch("resourcegraph:resources", "batch0", arg_pages(rows_for(n, week, churn)))]


def settled_size(store: Store) -> int:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store_size(store.path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=10_000)
    ap.add_argument("--weeks", type=int, default=10)
    ap.add_argument("--churn", type=float, default=0.01)
    args = ap.parse_args()
    mib = 1048576
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t0 = time.perf_counter()
        one = Store(d / "one.db")
        write_snapshot(one, snapshot_fetches(args.resources, 0, args.churn))
        one_size = settled_size(one)
        one.close()

        many = Store(d / "ten.db")
        ids = []
        for week in range(args.weeks):
            ids.append(write_snapshot(many, snapshot_fetches(args.resources, week, args.churn)))
        many_size = settled_size(many)
        bodies = many.conn.execute(
            "SELECT count(*), sum(size), sum(length(data)) FROM bodies"
        ).fetchone()
        codecs = many.conn.execute(
            "SELECT codec, count(*), sum(length(data)) FROM bodies GROUP BY codec ORDER BY codec"
        ).fetchall()
        t_write = time.perf_counter() - t0

        export_snapshot(many, ids[-1], d / "week.snapdiff")
        export_size = (d / "week.snapdiff").stat().st_size
        index_snapshot(many, ids[-1])
        explore_size = settled_size(many) - many_size

        per_week = []
        for sid in ids:
            hashes = [
                r[0]
                for r in many.conn.execute(
                    "SELECT body_hash FROM exchanges WHERE snapshot_id = ? ORDER BY id", (sid,)
                )
            ]
            per_week.append([many.body(h) for h in hashes])
        many.close()
        raw_week = sum(len(b) for b in per_week[0])
        shared = sum(1 for b in per_week[1] if b in set(per_week[0]))
        print(f"generator: {generator_name()}")
        print(
            f"tenant: {args.resources:,} resources, {args.weeks} weekly snapshots,"
            f" {args.churn:.0%} weekly churn; ARG pages of 1,000 rows, each one body"
        )
        print(f"one snapshot: {len(per_week[0])} bodies, {raw_week / mib:.1f} MiB of JSON")
        print(f"store with one snapshot:          {one_size / mib:7.2f} MiB")
        print(
            f"store with {args.weeks} snapshots:        {many_size / mib:7.2f} MiB"
            f"  = {many_size / one_size:.2f}x one snapshot (target <= 1.5x)"
        )
        print(
            f"  bodies stored: {bodies[0]} ({bodies[1] / mib:.1f} MiB raw, {bodies[2] / mib:.2f} MiB"
            f" compressed); pages unchanged week 1 vs week 0: {shared} of {len(per_week[1])}"
        )
        for codec, count, size in codecs:
            print(f"    {codec:11} {count:4} bodies {size / mib:6.2f} MiB")
        print(f"export of one snapshot (bundle):  {export_size / mib:7.2f} MiB")
        print(f"explore rows of one snapshot (index_snapshot): {explore_size / mib:.2f} MiB more")
        print(f"write time: {t_write:.1f}s")


if __name__ == "__main__":
    sqlite3.enable_callback_tracebacks(True)
    main()
