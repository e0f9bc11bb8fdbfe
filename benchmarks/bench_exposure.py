"""Benchmark: ``snapdiff exposure`` and the exposure diff at scale.

Two synthetic snapshots (``fakeazure.synthetic``, week 0 and week 1 with 1% churn) of N
resources (default 100,000: 20,000 NICs, 13,000 VMs, 10,000 public IPs, 4,000 virtual networks
and 10,000 NSG rows of which 2,000 are attached, with 5 to 12 inbound rules each; see
``wire_exposure``), with the SQL firewall and App Service config listings. Measures
``exposure.compute`` on one snapshot and ``diff_exposure`` on the pair, peak RSS, and the
baseline: loading one snapshot's resource rows (``SnapshotView`` + ``resources()``), in the
same run. Not a timed test: run it by hand.

    python benchmarks/bench_exposure.py --n 100000
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.synthetic import _responses, synthetic_arg_rows, wire_exposure  # noqa: E402
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot  # noqa: E402
from snapdiff.exposure import compute  # noqa: E402
from snapdiff.exposure.diff import diff_exposure  # noqa: E402
from snapdiff.snapshot import SnapshotView  # noqa: E402
from snapdiff.store import Store  # noqa: E402


def _write(store: Store, n: int, week: int) -> int:
    rows = synthetic_arg_rows(n, churn_week=week)
    wire_exposure(rows)
    fetches = [FakeFetch("resourcegraph:resources", "batch-0", arg_pages(rows))]
    for path, body in sorted(_responses(rows).items()):
        for call, suffix in (
            ("sql:firewallRules", "/firewallrules"),
            ("web:config", "/config/web"),
        ):
            if path.endswith(suffix):
                pages = [{"value": body}] if isinstance(body, list) else [body]
                fetches.append(FakeFetch(call, path[: -len(suffix)], pages))
    return write_snapshot(store, fetches, label=f"w{week}")


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "bench.db")
        t0 = time.perf_counter()
        a, b = _write(store, args.n, 0), _write(store, args.n, 1)
        print(f"wrote 2 snapshots of {args.n:,} resources in {time.perf_counter() - t0:.1f} s")
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        view = SnapshotView(store, b)
        rows = view.resources()
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = compute(view)
        one = time.perf_counter() - t0
        nics = sum(r["type"] == "microsoft.network/networkinterfaces" for r in rows.values())
        print(f"baseline: load {len(rows):,} rows: {base:.2f} s ({nics:,} NICs)")
        print(
            f"exposure: {one:.2f} s after the load ({(base + one):.2f} s in all, "
            f"{one / base:.2f}x the load); {len(report.findings):,} openings, "
            f"{len(report.unknown):,} unknown, {report.resources_checked:,} checked"
        )
        t0 = time.perf_counter()
        d_ = diff_exposure(SnapshotView(store, a), SnapshotView(store, b))
        two = time.perf_counter() - t0
        print(f"diff_exposure (both loads included): {two:.2f} s; counts {d_.counts()}")
        print(f"peak RSS: {_rss_mb():.0f} MB (after writing: {rss0:.0f} MB)")
        store.close()


if __name__ == "__main__":
    main()
