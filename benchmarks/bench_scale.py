"""Collection at scale (issue 11): batched against unbatched in the same run, Graph members with
names, and the demo's two replayed collections.

    python benchmarks/bench_scale.py resources --n 2000 --latency 0.02
    python benchmarks/bench_scale.py resources --n 100000 --latency 0.02 --quota azure
    python benchmarks/bench_scale.py graph --users 20000
    python benchmarks/bench_scale.py demo
    python benchmarks/bench_scale.py resume --n 2000 --latency 0.02

The fake Azure runs in a child process, so CPU time and peak memory are the collector's own.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.cassettes import FIXED_INTERVAL  # noqa: E402
from fakeazure.tenant import Tenant  # noqa: E402
from snapdiff.collect import CollectOptions  # noqa: E402
from snapdiff.collect.clouds import resolve_cloud  # noqa: E402
from snapdiff.collect.credentials import StaticTokenCredential  # noqa: E402
from snapdiff.collect.scope import Scope  # noqa: E402
from snapdiff.store import Store  # noqa: E402

SUB = "11111111-1111-4111-8111-111111111111"
TENANT = "22222222-2222-4222-8222-222222222222"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_forever(
    kind: str, arg: int, port: int, latency: float, ready: Any, quota: float | None = None
) -> None:
    """``quota``: None, or the scale of Azure's read quotas to enforce (1 = the real ones)."""
    from fakeazure.quota import AZURE
    from fakeazure.server import serve

    tenant = make_tenant(kind, arg, f"http://127.0.0.1:{port}")
    limits = None if quota is None else AZURE if quota == 1 else AZURE.scaled(quota)
    with serve(tenant, port=port, latency=latency, quota=limits):
        ready.set()
        while True:
            time.sleep(3600)


def make_tenant(kind: str, arg: int, base: str) -> Tenant:
    if kind == "resources":
        from fakeazure.synthetic import synthetic_tenant

        t = synthetic_tenant(arg, base=base)
        t.page_size = 1000
        return t
    return nested_groups_tenant(arg)


def nested_groups_tenant(users: int, groups: int = 20) -> Tenant:
    """``users`` users spread over ``groups`` groups nested two deep under one group that holds
    Reader on the subscription: every user is a transitive member of the role holder."""

    def oid(kind: str, i: int) -> str:
        return f"{kind}0000-0000-4000-8000-{i:012d}"[-36:]

    def user(i: int) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.user",
            "id": f"{i:08x}-0000-4000-8000-000000000000",
            "displayName": f"User {i:06d}",
            "userPrincipalName": f"user{i:06d}@bench.example",
            "mail": f"user{i:06d}@bench.example",
            "jobTitle": "Engineer",
        }

    def group(i: int) -> dict[str, Any]:
        gid = f"00000000-0000-4000-9000-{i:012d}"
        return {"@odata.type": "#microsoft.graph.group", "id": gid, "displayName": f"sg-bench-{i}"}

    root, mids = group(0), [group(i) for i in range(1, groups + 1)]
    members: dict[str, list[dict[str, Any]]] = {root["id"]: list(mids[:4])}
    per = users // groups
    for n, g in enumerate(mids):
        members[g["id"]] = [user(n * per + k) for k in range(per)]
        if n >= 4:  # the rest nest under the first four: two levels below the role holder
            members[mids[n % 4]["id"]].append(g)
    assignment = {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/ra-all-staff",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": "ra-all-staff",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
            "principalId": root["id"],
            "principalType": "Group",
            "scope": f"/subscriptions/{SUB}",
        },
    }
    return Tenant(
        tenant_id=TENANT,
        subscriptions=[{"id": f"/subscriptions/{SUB}", "subscriptionId": SUB, "tenantId": TENANT}],
        role_assignments={f"/subscriptions/{SUB}": [assignment]},
        role_definitions={
            READER: {"id": READER, "properties": {"roleName": "Reader", "permissions": []}}
        },
        groups=members,
        directory={root["id"]: root},
        page_size=1000,
        graph_page_size=999,
    )


def run(
    kind: str, arg: int, latency: float, quota: float | None = None, **options: Any
) -> dict[str, Any]:
    from snapdiff.collect.collector import Collector

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(
        target=_serve_forever, args=(kind, arg, port, latency, ready, quota), daemon=True
    )
    server.start()
    ready.wait(600)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.db")
            cpu0, t0 = time.process_time(), time.perf_counter()
            collector = Collector(
                store,
                StaticTokenCredential(),
                CollectOptions(
                    cloud=resolve_cloud("custom", arm=base, graph=base),
                    scope=Scope.from_env(environ={}),
                    **options,
                ),
            )
            result = collector.run()
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            throttled = store.conn.execute(
                "SELECT count(*) FROM exchanges WHERE snapshot_id = ? AND status = 429",
                (result.snapshot_id,),
            ).fetchone()[0]
            sid = result.snapshot_id
            kinds = Counter(
                dict(
                    store.conn.execute(
                        "SELECT CASE WHEN url LIKE '%/batch?%' THEN 'arm-batch'"
                        " ELSE source END, count(*) FROM exchanges"
                        " WHERE snapshot_id = ? AND batch_id IS NULL GROUP BY 1",
                        (sid,),
                    ).fetchall()
                )
            )
            members = sum(len(v.get("value") or []) for v in _bodies(store, sid, "graph:%"))
            counts = store.counts(sid)
            store.close()
    finally:
        server.kill()
    return {
        "status": result.status,
        "wall": wall,
        "cpu": cpu,
        "kinds": kinds,
        "requests": counts["requests"],
        "batched": counts["batched"],
        "members": members,
        "throttled": throttled,  # 429s received, on the wire or inside a batch
        "paced": collector.pacer.waited,  # seconds requests waited for the read bucket
        "slowed": collector.pacer.slowed,
    }


def _bodies(store: Store, sid: int, call: str) -> list[Any]:
    import json

    rows = store.conn.execute(
        "SELECT e.body_hash FROM exchanges e JOIN fetches f ON f.id = e.fetch_id"
        " WHERE e.snapshot_id = ? AND f.call LIKE ? AND e.page IS NOT NULL",
        (sid, call),
    ).fetchall()
    return [json.loads(store.body(h)) for (h,) in rows]


def _kinds(k: Counter[str]) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(k.items(), key=lambda x: -x[1]))


def bench_quota(n: int, latency: float, concurrency: int, scale: float) -> None:
    """Batched collections in one run: without quotas and without pacing (the baseline), then
    against the fake enforcing Azure's read quotas (``scale`` 1: the published figures), paced
    as ``collect`` is, and the same with pacing off (what the pacing saves)."""
    from snapdiff.collect.pacing import AZURE_READS, ReadQuota

    paced = AZURE_READS if scale == 1 else ReadQuota(AZURE_READS.size // scale, 25.0 * scale)
    what = "Azure's quotas" + ("" if scale == 1 else f" / {scale:g}")
    runs = (
        ("no quota, no pacing", None, None),
        (f"{what}, paced", scale, paced),
        (f"{what}, pacing off", scale, None),
    )
    out = [
        (name, run("resources", n, latency, quota=q, concurrency=concurrency, read_quota=r))
        for name, q, r in runs
    ]
    print(f"N = {n} resources, {latency * 1000:.0f} ms latency, concurrency {concurrency}, batched")
    for name, r in out:
        print(
            f"  {name:32} {r['status']:8} {r['wall']:6.1f}s wall {r['cpu']:6.1f}s CPU"
            f"  {r['requests']:>6} wire requests ({r['batched']} answers inside batches),"
            f" {r['throttled']} 429s received; {r['slowed']} requests or batches waited"
            f" for the bucket, {r['paced']:.0f}s summed over the workers"
        )
    base = out[0][1]
    for name, r in out[1:]:
        print(
            f"  {name} / baseline: wall {r['wall'] / base['wall']:.2f},"
            f" wire requests {r['requests'] / base['requests']:.3f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  peak RSS of the collector process (all runs; the fake Azure is a child): {peak:.0f} MB"
    )


def bench_resources(n: int, latency: float, concurrency: int) -> None:
    base = run("resources", n, latency, concurrency=concurrency, batch=False)
    new = run("resources", n, latency, concurrency=concurrency, batch=True)
    print(f"N = {n} resources, {latency * 1000:.0f} ms latency, concurrency {concurrency}")
    for name, r in (("unbatched (--no-batch)", base), ("batched", new)):
        print(
            f"  {name:24} {r['status']:8} {r['wall']:6.1f}s wall {r['cpu']:6.1f}s CPU"
            f"  {r['requests']:>6} requests: {_kinds(r['kinds'])}"
        )
    print(
        f"  batched/unbatched: requests {new['requests'] / base['requests']:.3f},"
        f" wall {new['wall'] / base['wall']:.3f}; {new['batched']} responses arrived in batches"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  peak RSS of the collector process (both runs; the fake Azure is a child): {peak:.0f} MB"
    )


def _start_server(kind: str, arg: int, latency: float) -> tuple[str, Any]:
    port = free_port()
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=_serve_forever, args=(kind, arg, port, latency, ready), daemon=True)
    server.start()
    ready.wait(600)
    return f"http://127.0.0.1:{port}", server


def _collect_stopping(store: Store, base: str, stop_at: int | None, **options: Any) -> Any:
    """One collection; ``stop_at``: stop the run (as a kill or a watchdog would) once this many
    requests went on the wire."""
    from snapdiff.collect.collector import Collector

    opts = CollectOptions(
        cloud=resolve_cloud("custom", arm=base, graph=base),
        scope=Scope.from_env(environ={"APP_INSIGHTS_INTERVAL": FIXED_INTERVAL}),
        **options,
    )
    collector = Collector(store, StaticTokenCredential(), opts)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.002):
            rec = getattr(collector, "recorder", None)
            if rec is not None and sum(rec.requests.values()) >= (stop_at or 0):
                collector.guard.stop("benchmark: stopped halfway")
                return

    watcher = threading.Thread(target=watch, daemon=True)
    if stop_at is not None:
        watcher.start()
    try:
        return collector.run()
    finally:
        done.set()


def _json_of(store: Store, sid: int) -> bytes:
    from snapdiff.securicad.api import build, render
    from snapdiff.snapshot import SnapshotView

    result = build(SnapshotView(store, sid))
    return render(result.active_directory)


def bench_resume(n: int, latency: float, concurrency: int) -> None:
    """A clean run, then a run stopped after half of the clean run's requests and resumed
    (``collect --resume``): the resumed run's wire requests against the clean run's."""
    base, server = _start_server("resources", n, latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            clean_store = Store(Path(tmp) / "clean.db")
            t0 = time.perf_counter()
            clean = _collect_stopping(clean_store, base, None, concurrency=concurrency)
            clean_wall = time.perf_counter() - t0
            clean_reqs = clean_store.counts(clean.snapshot_id)["requests"]
            expected = _json_of(clean_store, clean.snapshot_id)
            store = Store(Path(tmp) / "resume.db")
            cut = _collect_stopping(store, base, clean_reqs // 2, concurrency=concurrency)
            cut_reqs = store.counts(cut.snapshot_id)["requests"]
            t1 = time.perf_counter()
            resumed = _collect_stopping(store, base, None, concurrency=concurrency, resume="latest")
            resumed_wall = time.perf_counter() - t1
            resumed_reqs = store.counts(resumed.snapshot_id)["requests"]
            same = _json_of(store, resumed.snapshot_id) == expected
            reused = store.conn.execute(
                "SELECT reused FROM resumes WHERE snapshot_id = ?", (resumed.snapshot_id,)
            ).fetchone()[0]
    finally:
        server.kill()
    print(f"N = {n} resources, {latency * 1000:.0f} ms latency, concurrency {concurrency}")
    print(f"  clean run        {clean.status:8} {clean_reqs:>5} requests {clean_wall:5.1f}s wall")
    print(f"  stopped halfway  {cut.status:8} {cut_reqs:>5} requests")
    print(
        f"  resumed          {resumed.status:8} {resumed_reqs:>5} requests {resumed_wall:5.1f}s wall;"
        f" reused fetches {reused}"
    )
    print(
        f"  resumed/clean: requests {resumed_reqs / clean_reqs:.3f} (target <= 0.60),"
        f" wall {resumed_wall / clean_wall:.3f}; same securiCAD JSON as the clean run: {same}"
    )


def bench_graph(users: int) -> None:
    r = run("graph", users, 0.0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{users} users in nested role-holding groups, 0 ms latency")
    print(
        f"  {r['status']} in {r['wall']:.1f}s wall, {r['cpu']:.1f}s CPU, peak RSS {peak:.0f} MB,"
        f" {r['requests']} requests ({_kinds(r['kinds'])})"
    )
    print(
        f"  {r['members']} member objects stored (direct + transitive):"
        f" {r['cpu'] / max(1, r['members']) * 1000:.3f} ms CPU per member, end to end"
    )


def bench_demo() -> None:
    from fakeazure.cassettes import run_cassette
    from fakeazure.record import CASSETTES

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.db")
        t0 = time.perf_counter()
        for week in (0, 1):
            run_cassette(store, CASSETTES / f"demo-week{week}.json", label=f"week-{week}")
        wall = time.perf_counter() - t0
        reqs = sum(store.counts(s.id)["requests"] for s in store.snapshots())
    print(f"demo: both weekly collections replayed in {wall:.1f}s ({reqs} requests)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("resources")
    r.add_argument("--n", type=int, default=2000)
    r.add_argument("--latency", type=float, default=0.02)
    r.add_argument("--concurrency", type=int, default=8)
    r.add_argument(
        "--quota",
        choices=["azure"],
        help="against the fake enforcing Azure's read quotas, with a run without as baseline",
    )
    r.add_argument("--quota-scale", type=float, default=1.0, help="buckets K times smaller")
    g = sub.add_parser("graph")
    g.add_argument("--users", type=int, default=20_000)
    sub.add_parser("demo")
    rs = sub.add_parser("resume")
    rs.add_argument("--n", type=int, default=2000)
    rs.add_argument("--latency", type=float, default=0.02)
    rs.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    if args.what == "resources" and args.quota:
        bench_quota(args.n, args.latency, args.concurrency, args.quota_scale)
    elif args.what == "resources":
        bench_resources(args.n, args.latency, args.concurrency)
    elif args.what == "resume":
        bench_resume(args.n, args.latency, args.concurrency)
    elif args.what == "graph":
        bench_graph(args.users)
    else:
        bench_demo()


if __name__ == "__main__":
    main()
