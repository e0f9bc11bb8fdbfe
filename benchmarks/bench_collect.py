"""Collection benchmark: a synthetic tenant of N resources served by the fake Azure on loopback,
collected with the real collector; prints requests by source, the request budget, and wall time.

    python benchmarks/bench_collect.py --n 10000

Budget (issue 2): inventory pages <= ceil(N / 1000) (+ resource containers), plus one call per
per-resource listing the securiCAD format needs, plus a constant (subscriptions, management
groups, role assignments and definitions, Graph).
"""

from __future__ import annotations

import argparse
import math
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.server import serve  # noqa: E402
from fakeazure.synthetic import synthetic_tenant  # noqa: E402
from snapdiff.collect import CollectOptions, collect  # noqa: E402
from snapdiff.collect.clouds import resolve_cloud  # noqa: E402
from snapdiff.collect.credentials import StaticTokenCredential  # noqa: E402
from snapdiff.collect.scope import Scope  # noqa: E402
from snapdiff.naming.calls import PER_RESOURCE  # noqa: E402
from snapdiff.store import Store  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    tenant = synthetic_tenant(args.n, base=base)
    tenant.page_size = 1000
    gen = time.perf_counter() - t0
    per_resource = sum(len(PER_RESOURCE.get(r["type"], ())) for r in tenant.resources)
    with tempfile.TemporaryDirectory() as tmp, serve(tenant, port=port) as (_, app):
        store = Store(Path(tmp) / "bench.db")
        t1 = time.perf_counter()
        result = collect(
            store,
            StaticTokenCredential(),
            CollectOptions(
                cloud=resolve_cloud("custom", arm=base, graph=base),
                scope=Scope.from_env(environ={}),
                concurrency=args.concurrency,
            ),
        )
        wall = time.perf_counter() - t1
        by_source = Counter({s["name"]: s["requests"] for s in result.sources})
        arg_pages = store.conn.execute(
            "SELECT count(*) FROM exchanges WHERE snapshot_id = ? AND source = 'resourcegraph' AND page IS NOT NULL",
            (result.snapshot_id,),
        ).fetchone()[0]
        size = (Path(tmp) / "bench.db").stat().st_size
    total = sum(by_source.values())
    budget_inventory = math.ceil(args.n / 1000) + math.ceil(len(tenant.subscriptions) / 300)
    constant = total - arg_pages - per_resource
    print(
        f"N = {args.n} resources, {len(tenant.subscriptions)} subscriptions (tenant generated in {gen:.1f}s)"
    )
    print(f"snapshot {result.status} in {wall:.1f}s wall, store {size / 1e6:.1f} MB")
    for name, n in sorted(by_source.items()):
        print(f"  {name:18} {n:>7} requests")
    print(f"  {'total':18} {total:>7} requests")
    print(f"inventory pages (Resource Graph): {arg_pages} (budget {budget_inventory})")
    print(f"per-resource calls needed: {per_resource}; everything else (constant-ish): {constant}")
    print(f"server saw {len(app.requests)} requests; requests per resource: {total / args.n:.3f}")


if __name__ == "__main__":
    main()
