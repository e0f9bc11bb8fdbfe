"""Synthetic tenant generator (any N): write it as JSON, or serve it on loopback as a fake Azure.

    python benchmarks/fake_tenant.py --n 10000 --out tenant.json
    python benchmarks/fake_tenant.py --n 10000 --serve --port 18080      # Ctrl-C to stop
    python benchmarks/fake_tenant.py --demo 0 --serve --port 18080       # the demo tenant instead

then, in another shell (the token is only for the fake; it is never stored):

    SNAPDIFF_ACCESS_TOKEN=fake snapdiff collect --store /tmp/fake.db --cloud custom \\
        --arm-endpoint http://127.0.0.1:18080 --graph-endpoint http://127.0.0.1:18080
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.demo import demo_tenant  # noqa: E402
from fakeazure.server import serve  # noqa: E402
from fakeazure.synthetic import synthetic_tenant  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="resources (synthetic tenant)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--week", type=int, default=0, help="apply this many weeks of 1%% churn")
    ap.add_argument("--demo", type=int, choices=[0, 1], help="serve the demo tenant (week 0 or 1)")
    ap.add_argument("--out", type=Path, help="write the tenant as JSON here")
    ap.add_argument("--serve", action="store_true", help="serve it on 127.0.0.1")
    ap.add_argument("--port", type=int, default=18080)
    args = ap.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    if args.demo is not None:
        tenant = demo_tenant(args.demo, base=base)
    else:
        tenant = synthetic_tenant(args.n, seed=args.seed, base=base, churn_week=args.week)
        tenant.page_size = 1000
    if args.out:
        data = dataclasses.asdict(tenant)
        data["forbidden"] = sorted(data["forbidden"])
        args.out.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
        print(f"wrote {len(tenant.resources)} resources to {args.out}")
    if args.serve:
        with serve(tenant, port=args.port) as (url, app):
            print(f"fake Azure with {len(tenant.resources)} resources on {url}; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print(f"\nserved {len(app.requests)} requests")
    if not (args.out or args.serve):
        ap.error("give --out FILE and/or --serve")


if __name__ == "__main__":
    main()
