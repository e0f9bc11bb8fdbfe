"""Benchmark: ``snapdiff access`` and the access diff at scale.

Two synthetic snapshots written with ``fakeazure.writer``: N resources (default 100,000)
in 20 subscriptions under 3 management groups, 1,000 resource groups, 5,000 role assignments
(management groups, subscriptions, resource groups, single resources; a fifth to groups),
500 groups with 50,000 memberships (some nested), a deny assignment per subscription. Week B
changes 1% of assignments, 1% of memberships, one custom role (gains runCommand) and 1% of
``scad`` tags. Baseline: loading one snapshot (``SnapshotView`` + its resource rows), measured
in the same run. Not a timed test: run it by hand.

    python benchmarks/bench_access.py --n 100000
    python benchmarks/bench_access.py --incremental                # 20,000 and 100,000
    python benchmarks/bench_access.py --incremental --sizes 20000  # one size

``--incremental`` compares, from one run, the access diff recomputing only what changed rows
reach (both snapshots indexed) with the full computation (``diff_access(...,
incremental=False)``), on ``bench_diff``'s rows and role assignments (the tenant of
``bench_index.py diff``): 1% of resources churned (edits, ``scad`` tags, additions, removals)
and, week B, either 1% of the 5,000 role assignments replaced (a new Owner at a subscription
among them) or only ten replaced, all at resource groups (``local``). Each timing is the
fastest of ``--repeat`` interleaved rounds on fresh views; both answers are checked equal.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_diff

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot  # noqa: E402
from snapdiff.access import Access, diff_access  # noqa: E402
from snapdiff.snapshot import SnapshotView  # noqa: E402
from snapdiff.store import Store  # noqa: E402

MG = "/providers/Microsoft.Management/managementGroups/"
TYPES = (
    ("Microsoft.Compute", "virtualMachines"),
    ("Microsoft.Storage", "storageAccounts"),
    ("Microsoft.KeyVault", "vaults"),
    ("Microsoft.Web", "sites"),
    ("Microsoft.Network", "networkInterfaces"),
)
ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": ("Owner", ["*"], []),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": (
        "Contributor",
        ["*"],
        ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/*/Delete"],
    ),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": ("Reader", ["*/read"], []),
    "00000000-0000-4000-8000-00000000c0de": (
        "VM Operator",
        [
            "Microsoft.Compute/virtualMachines/read",
            "Microsoft.Compute/virtualMachines/start/action",
        ],
        [],
    ),
}
CUSTOM = "00000000-0000-4000-8000-00000000c0de"


def _id(prefix: str, n: int) -> str:
    return f"{prefix}-0000-4000-8000-{n:012d}"


def snapshot(n: int, week: int) -> list[FakeFetch]:
    rnd = random.Random(7)
    subs = [_id("5ab00000", i) for i in range(20)]
    rows: list[dict[str, Any]] = []
    for i in range(n):
        sub, rg = subs[i % 20], f"rg-{(i // 20) % 50:03d}"
        prov, kind = TYPES[i % len(TYPES)]
        name = f"res{i:06d}"
        c = rnd.randint(0, 10)
        if week and i % 100 == 0:
            c = min(10, c + 2)
        rows.append({
            "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{prov}/{kind}/{name}",
            "name": name, "type": f"{prov}/{kind}".lower(), "subscriptionId": sub,
            "resourceGroup": rg, "tags": {"scad": f"C:{c},I:5,A:3"}, "properties": {},
        })  # fmt: skip
    users = [_id("05e40000", i) for i in range(20000)]
    groups = [_id("06400000", i) for i in range(500)]
    members: dict[str, list[dict[str, Any]]] = {g: [] for g in groups}
    for k in range(50000):
        g = groups[k % 500]
        if k % 1000 == 999:  # some nesting
            members[g].append(
                {"@odata.type": "#microsoft.graph.group", "id": groups[(k + 7) % 500]}
            )
        elif not (week and k % 100 == 1):
            members[g].append(
                {"@odata.type": "#microsoft.graph.user", "id": users[(k * 7919) % 20000]}
            )
    if week:
        for k in range(500):
            members[groups[k]].append({"@odata.type": "#microsoft.graph.user", "id": users[k]})
    mgs = [f"{MG}mg-{i}" for i in range(3)]
    scopes = (
        mgs
        + [f"/subscriptions/{s}" for s in subs]
        + [f"/subscriptions/{s}/resourceGroups/rg-{r:03d}" for s in subs for r in range(50)]
    )
    assignments = []
    for k in range(5000):
        if week and k % 100 == 3:
            continue  # 1% removed, replaced below
        scope = scopes[k % len(scopes)] if k % 3 else rows[(k * 13) % n]["id"]
        group = k % 5 == 0
        principal = groups[k % 500] if group else users[(k * 31) % 20000]
        role = list(ROLES)[k % 4] if k % 10 else "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
        if k % 100 == 3 and week:
            principal = users[k]
        assignments.append(
            (
                f"{scope}/providers/Microsoft.Authorization/roleAssignments/{_id('0a5a0000', k + week * 100000)}",
                scope,
                role,
                principal,
                "Group" if group else "User",
            )
        )
    by_sub: dict[str, list[dict[str, Any]]] = {f"/subscriptions/{s}".lower(): [] for s in subs}
    for aid, scope, role, principal, ptype in assignments:
        body = {"id": aid, "properties": {"scope": scope, "principalId": principal, "principalType": ptype,
                                          "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{role}"}}  # fmt: skip
        for sub in by_sub:
            if scope.lower().startswith(MG.lower()) or scope.lower().startswith(sub):
                by_sub[sub].append(body)
    out = [
        FakeFetch("resourcegraph:resources", "batch-0", arg_pages(rows)),
        FakeFetch("managementgroups:list", "", [{"value": [{"id": m} for m in mgs]}]),
    ]
    for i, m in enumerate(mgs):
        kids = [{"id": f"/subscriptions/{s}"} for j, s in enumerate(subs) if j % 3 == i]
        out.append(
            FakeFetch(
                "managementgroups:get",
                m.lower(),
                [{"id": m, "properties": {"children": kids, "details": {"parent": None}}}],
            )
        )
    for sub, items in by_sub.items():
        out.append(FakeFetch("authorization:roleAssignments", sub, [{"value": items}]))
        deny = {"id": f"{sub}/providers/Microsoft.Authorization/denyAssignments/d", "properties": {
            "scope": sub, "denyAssignmentName": "lock", "principals": [{"id": users[0]}], "excludePrincipals": [],
            "permissions": [{"actions": ["*/delete"]}], "doNotApplyToChildScopes": False}}  # fmt: skip
        out.append(FakeFetch("authorization:denyAssignments", sub, [{"value": [deny]}]))
        out.append(
            FakeFetch("authorization:roleEligibilityScheduleInstances", sub, [{"value": []}])
        )
    for guid, (name, actions, not_actions) in ROLES.items():
        if week and guid == CUSTOM:
            actions = [*actions, "Microsoft.Compute/virtualMachines/runCommand/action"]
        out.append(FakeFetch("authorization:roleDefinition", guid, [{"id": guid, "properties": {
            "roleName": name, "permissions": [{"actions": actions, "notActions": not_actions}]}}]))  # fmt: skip
    for g, ms in members.items():
        out.append(FakeFetch("graph:members", g, [{"value": ms}]))
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _local(ras: dict[str, list[dict[str, Any]]], k: int) -> dict[str, list[dict[str, Any]]]:
    """``ras`` with ``k`` role assignments at resource groups replaced: each dropped, and a new
    one for another principal at the same resource group."""
    out = {sub: list(items) for sub, items in ras.items()}
    done = 0
    for items in out.values():
        for n, item in enumerate(items):
            if done < k and "/resourceGroups/" in item["properties"]["scope"] and n % 7 == 3:
                new = json.loads(json.dumps(item))
                new["id"] += "-new"
                new["name"] += "-new"
                new["properties"]["principalId"] += "-new"
                items[n] = new
                done += 1
    return out


def incremental(sizes: list[int], repeat: int) -> None:
    """Access diff: incremental (row index) against full, at each size, ratios from one run."""
    import bench_diff

    from snapdiff import rowindex

    for n in sizes:
        rows_a, source = bench_diff.base_rows(n, 0)
        rows_b = bench_diff.churn(rows_a, 0.01, 0)
        groups = sorted({(str(r["subscriptionId"]), str(r["resourceGroup"])) for r in rows_a})
        ra = bench_diff.assignments(5000, 0.01, 0, after=False, groups=groups)
        rb = bench_diff.assignments(5000, 0.01, 0, after=True, groups=groups)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.db")
            a = bench_diff.write(store, rows_a, ra)
            b = bench_diff.write(store, rows_b, rb)
            local = bench_diff.write(store, rows_b, _local(ra, 10))
            for sid in (a, b, local):
                rowindex.write_index(store, sid)
            print(f"N = {n:,} resources ({source}), 1% churn, 5,000 role assignments")
            for label, other in (("1% of assignments", b), ("10 assignments at groups", local)):
                times: dict[bool, list[float]] = {True: [], False: []}
                got = {}
                for _ in range(repeat):
                    for inc in (False, True):
                        t = time.perf_counter()
                        va, vb = SnapshotView(store, a), SnapshotView(store, other)
                        got[inc] = diff_access(va, vb, incremental=inc)
                        times[inc].append(time.perf_counter() - t)
                assert got[True].to_dict() == got[False].to_dict()
                t_full, t_inc = min(times[False]), min(times[True])
                reached = len({r.id for c in got[True].changes for r in c.resources})
                print(
                    f"  {label + ':':26s} full {t_full:6.3f} s, incremental {t_inc:6.3f} s"
                    f": speed-up {t_full / t_inc:4.1f}x ({len(got[True].changes)} changes"
                    f" reaching {reached:,} resources)"
                )
            store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--incremental", action="store_true", help="incremental against full")
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.incremental:
        incremental(args.sizes, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        a = write_snapshot(store, snapshot(args.n, 0), label="a")
        b = write_snapshot(store, snapshot(args.n, 1), label="b")
        t = time.perf_counter()
        SnapshotView(store, b).resources()
        base = time.perf_counter() - t
        t = time.perf_counter()
        x = Access.of(SnapshotView(store, b))
        top = x.principal(_id("05e40000", 0), (8, 0, 0))
        some = next(iter(x.x.resources.values()))
        who = x.resource(some.id)
        t_access = time.perf_counter() - t
        t = time.perf_counter()
        d = diff_access(SnapshotView(store, a), SnapshotView(store, b))
        t_diff = time.perf_counter() - t
        print(f"resources {args.n}, assignments 5,000, memberships 50,000")
        print(f"baseline: load one snapshot        {base:6.2f} s")
        print(f"access (load, --principal, --resource) {t_access:6.2f} s = {t_access / base:.1f}x baseline"
              f" ({len(top.entries)} resources reached, {len(who.entries)} holders)")  # fmt: skip
        print(f"access diff (load both, compare)   {t_diff:6.2f} s = {t_diff / base:.1f}x baseline"
              f" ({len(d.changes)} changes, {d.resources_compared} resources)")  # fmt: skip
        print(f"peak memory                        {_peak_mb():6.0f} MB")
        store.close()


if __name__ == "__main__":
    main()
