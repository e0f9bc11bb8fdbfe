"""Benchmark: ``diff_snapshots`` against DeepDiff over the two whole documents.

Two synthetic snapshots of N resources (default 100,000) with 1% changed (properties, ``scad``
tags, added and removed resources) plus role assignments with 1% churn, written with
``fakeazure.writer``. Both timings come from the same run.

    python benchmarks/bench_diff.py --n 20000
    python benchmarks/bench_diff.py --n 100000 --baseline-n 20000   # cap the slow baseline

DeepDiff over 100,000 resources can take minutes. ``--baseline-n M`` runs the baseline on the
first M resources of each document only, reports that time and its linear extrapolation to N
(an underestimate: DeepDiff is at least linear), and labels the ratio as extrapolated.
Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from deepdiff import DeepDiff  # noqa: E402

from fakeazure.shapes import role_definition  # noqa: E402
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot  # noqa: E402
from snapdiff.diff import diff_snapshots  # noqa: E402
from snapdiff.diff.registry import section_names  # noqa: E402
from snapdiff.snapshot import SnapshotView  # noqa: E402
from snapdiff.store import Store  # noqa: E402

TYPES = (
    "microsoft.compute/virtualmachines",
    "microsoft.network/networksecuritygroups",
    "microsoft.storage/storageaccounts",
    "microsoft.keyvault/vaults",
    "microsoft.web/sites",
)
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _own_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """ARG-shaped rows: 20 subscriptions, 50 resource groups each, a few resource types."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        sub = f"00000000-0000-0000-0000-{i % 20:012d}"
        rg = f"rg-{(i // 20) % 50:03d}"
        rtype = TYPES[i % len(TYPES)]
        prov, kind = rtype.split("/")
        name = f"res{i:06d}"
        rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{prov}/{kind}/{name}"
        rows.append(
            {
                "id": rid,
                "name": name,
                "type": rtype,
                "tenantId": "00000000-0000-0000-0000-0000000000t0",
                "kind": "",
                "location": rnd.choice(["westeurope", "northeurope", "eastus"]),
                "resourceGroup": rg,
                "subscriptionId": sub,
                "managedBy": "",
                "sku": {"name": "Standard_LRS", "tier": "Standard"},
                "plan": None,
                "identity": None,
                "zones": None,
                "tags": {
                    "env": rnd.choice(["prod", "dev"]),
                    "scad": f"c:{rnd.randint(0, 10)},i:3,a:2",
                },
                "properties": {
                    "provisioningState": "Succeeded",
                    "creationTime": "2024-01-01T00:00:00Z",
                    "networkAcls": {
                        "defaultAction": "Deny",
                        "ipRules": [{"value": f"10.{i % 250}.0.0/16"}],
                    },
                    "securityRules": [
                        {
                            "name": f"rule{j}",
                            "id": f"{rid}/securityRules/rule{j}",
                            "etag": f'W/"{rnd.getrandbits(64):x}"',
                            "properties": {
                                "access": "Allow",
                                "priority": 100 + j,
                                "destinationPortRange": str(1000 + j),
                            },
                        }
                        for j in range(3)
                    ],
                },
            }
        )
    return rows


def base_rows(n: int, seed: int) -> tuple[list[dict[str, Any]], str]:
    try:
        from fakeazure.synthetic import synthetic_arg_rows  # type: ignore[import-not-found]
    except ImportError:
        return _own_rows(n, seed), "benchmark's own generator"
    return list(synthetic_arg_rows(n, seed=seed)), "fakeazure.synthetic.synthetic_arg_rows"


def churn(rows: list[dict[str, Any]], rate: float, seed: int) -> list[dict[str, Any]]:
    """A copy with ``rate`` of the resources changed: 40% property edits, 30% scad tag edits,
    15% removed and 15% added."""
    rnd = random.Random(seed + 1)
    out = [r for r in rows]
    k = max(1, int(len(rows) * rate))
    picked = rnd.sample(range(len(rows)), k)
    removed = set()
    for n, i in enumerate(picked):
        r = copy.deepcopy(rows[i])
        slot = n % 20
        if slot < 8:
            r.setdefault("properties", {})["publicNetworkAccess"] = "Enabled"
            r["properties"]["provisioningState"] = "Updating"
        elif slot < 14:
            r["tags"] = dict(r.get("tags") or {}, scad="c:10,i:10,a:10,group:crown-jewels")
        elif slot < 17:
            removed.add(i)
            continue
        else:
            added = copy.deepcopy(r)
            added["id"] += "-new"
            added["name"] += "-new"
            out.append(added)
            continue
        out[i] = r
    return [r for i, r in enumerate(out) if i not in removed]


def assignments(
    n: int, rate: float, seed: int, *, after: bool, groups: list[tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """``n`` role assignments where the rows live, so that the access section has work to do:
    one in a hundred at a subscription, the rest at a resource group (``groups``: the rows'
    (subscription, resource group) pairs); one in ten Owner, the rest Reader. Listed per
    subscription, as the collector stores them. ``after``: 1% removed, 1% added."""
    rnd = random.Random(seed)
    by_sub: dict[str, list[dict[str, Any]]] = {}
    drop = set(rnd.sample(range(n), max(1, int(n * rate)))) if after else set()
    for i in range(n + (max(1, int(n * rate)) if after else 0)):
        if i in drop:
            continue
        sub_id, rg = groups[i % len(groups)]
        sub = f"/subscriptions/{sub_id}"
        scope = sub if i % 100 == 0 else f"{sub}/resourceGroups/{rg}"
        role = OWNER if i % 10 == 0 else READER
        by_sub.setdefault(sub, []).append(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/ra-{i:06d}",
                "name": f"ra-{i:06d}",
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                    "principalId": f"p-{i:06d}",
                    "principalType": "User",
                    "scope": scope,
                },
            }
        )
    return by_sub


def write(store: Store, rows: list[dict[str, Any]], ras: dict[str, list[dict[str, Any]]]) -> int:
    fetches = [FakeFetch("resourcegraph:resources", "batch-0", arg_pages(rows))]
    fetches += [
        FakeFetch("authorization:roleAssignments", sub.lower(), [{"value": items}])
        for sub, items in sorted(ras.items())
    ]
    fetches.append(
        FakeFetch(
            "authorization:roleDefinition", OWNER, [role_definition(OWNER, "Owner", "Owner", ["*"])]
        )
    )
    fetches.append(
        FakeFetch(
            "authorization:roleDefinition",
            READER,
            [role_definition(READER, "Reader", "Reader", ["*/read"])],
        )
    )
    fetches.append(FakeFetch("managementgroups:list", "", [{"value": []}]))
    return write_snapshot(store, fetches)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="resources per snapshot")
    p.add_argument(
        "--baseline-n", type=int, default=None, help="run DeepDiff on this many resources only"
    )
    p.add_argument("--churn", type=float, default=0.01)
    p.add_argument("--assignments", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    rows_a, source = base_rows(args.n, args.seed)
    rows_b = churn(rows_a, args.churn, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        t = time.perf_counter()
        groups = sorted({(str(r["subscriptionId"]), str(r["resourceGroup"])) for r in rows_a})
        ra = assignments(args.assignments, args.churn, args.seed, after=False, groups=groups)
        rb = assignments(args.assignments, args.churn, args.seed, after=True, groups=groups)
        ia, ib = write(store, rows_a, ra), write(store, rows_b, rb)
        print(
            f"rows from {source}; wrote 2 snapshots of {args.n:,} resources in {time.perf_counter() - t:.1f}s"
        )

        t = time.perf_counter()
        va, vb = SnapshotView(store, ia), SnapshotView(store, ib)
        doc_a, doc_b = va.resources(), vb.resources()  # all rows of each snapshot as one dict
        t_load = time.perf_counter() - t
        # The sections that were the default before access joined it, on fresh loaded views.
        light = [n for n in section_names() if n not in ("access", "exposure")]
        la, lb = SnapshotView(store, ia), SnapshotView(store, ib)
        la.resources(), lb.resources()
        t = time.perf_counter()
        diff_snapshots(la, lb, sections=light)
        t_light = time.perf_counter() - t
        t = time.perf_counter()
        d = diff_snapshots(va, vb)
        t_diff = time.perf_counter() - t
        c = d.counts()
        print(f"load both snapshots from SQLite (shared by both sides): {t_load:.2f}s")
        print(f"diff_snapshots, sections {', '.join(light)}: {t_light:.2f}s")
        print(
            f"diff_snapshots, every section (the default: {', '.join(d.sections)}): "
            f"{t_diff:.2f}s = {t_diff / t_light:.1f}x the run without access"
        )
        print(f"load + default diff: {t_load + t_diff:.2f}s (target <= 10 s)")
        print(f"  resources {c['resources']}")
        print(f"  rbac {c['rbac']}  cia {c['cia']}")
        if "access" in c:
            print(f"  access {c['access']}")
        print(f"  noise: {d.noise.ignored_changes} ignored field changes")

        m = min(args.baseline_n or args.n, args.n)
        sub_a = {k: doc_a[k] for k in list(doc_a)[:m]}
        sub_b = {k: doc_b[k] for k in list(doc_b)[:m]}
        t = time.perf_counter()
        DeepDiff(sub_a, sub_b)
        t_base = time.perf_counter() - t
        label = "measured"
        if m < args.n:
            print(f"baseline DeepDiff on the first {m:,} resources of each document: {t_base:.2f}s")
            t_base = t_base * args.n / m
            label = "extrapolated linearly (a lower bound)"
        print(
            f"baseline DeepDiff(all rows of A as one dict, all rows of B): {t_base:.2f}s ({label})"
        )
        print(f"ratio, diff only:            {t_base / t_diff:.1f}x faster")
        print(f"ratio, including the load:   {(t_load + t_base) / (t_load + t_diff):.1f}x faster")
        store.close()


if __name__ == "__main__":
    main()
