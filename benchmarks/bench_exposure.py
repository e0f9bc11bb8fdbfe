"""Benchmark: ``snapdiff exposure`` and the exposure diff at scale.

Two synthetic snapshots (``fakeazure.synthetic``, week 0 and week 1 with 1% churn) of N
resources (default 100,000: 20,000 NICs, 13,000 VMs, 10,000 public IPs, 4,000 virtual networks
and 10,000 NSG rows of which 2,000 are attached, with 5 to 12 inbound rules each; see
``wire_exposure``), with the SQL firewall and App Service config listings. Measures
``exposure.compute`` on one snapshot and ``diff_exposure`` on the pair, peak RSS, and the
baseline: loading one snapshot's resource rows (``SnapshotView`` + ``resources()``), in the
same run. Not a timed test: run it by hand.

    python benchmarks/bench_exposure.py --n 100000
    python benchmarks/bench_exposure.py --incremental 20000 100000

``--incremental N...`` writes the two weeks at each N, builds their row indexes (with the
exposure rows, timed), then times ``diff_exposure`` through the index (only the targets whose
inputs changed) against the full computation (``incremental=False``), each on fresh views,
interleaved, best of ``--repeat``; it checks both give the same result and prints the ratio.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from fakeazure.synthetic import _responses, synthetic_arg_rows, wire_exposure  # noqa: E402
from fakeazure.writer import FakeFetch, arg_pages, write_snapshot  # noqa: E402
from snapdiff import rowindex  # noqa: E402
from snapdiff.exposure import compute, incremental  # noqa: E402
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


def _query(path: str, sid: int) -> None:
    """One snapshot's exposure in this (fresh) process: times and peak RSS."""
    store = Store(Path(path))
    t0, c0 = time.perf_counter(), time.process_time()
    view = SnapshotView(store, sid)
    rows = view.resources()
    base, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    report = compute(view)
    one, one_cpu = time.perf_counter() - t0, time.process_time() - c0
    nics = sum(r["type"] == "microsoft.network/networkinterfaces" for r in rows.values())
    nsgs = sum(r["type"] == "microsoft.network/networksecuritygroups" for r in rows.values())
    print(f"baseline: load {len(rows):,} rows: {base:.2f} s ({nics:,} NICs, {nsgs:,} NSG rows)")
    print(
        f"exposure: {one:.2f} s after the load, {base + one:.2f} s in all ({one / base:.2f}x the"
        f" load); {len(report.findings):,} openings, {len(report.unknown):,} unknown,"
        f" {report.resources_checked:,} checked; peak RSS {_rss_mb():.0f} MB"
    )
    print(  # CPU time: what other jobs on a shared machine do not inflate
        f"CPU time: load {base_cpu:.2f} s, exposure {one_cpu:.2f} s, {base_cpu + one_cpu:.2f} s in all"
    )
    store.close()


def _diff(path: str, a: int, b: int) -> None:
    store = Store(Path(path))
    t0, c0 = time.perf_counter(), time.process_time()
    d = diff_exposure(SnapshotView(store, a), SnapshotView(store, b))
    print(
        f"diff_exposure (both loads included): {time.perf_counter() - t0:.2f} s"
        f" ({time.process_time() - c0:.2f} s CPU); {d.counts()}; peak RSS {_rss_mb():.0f} MB"
    )
    store.close()


def _warm(store: Store, a: SnapshotView, b: SnapshotView) -> None:
    """Read what the resources section reads through the index first (the rows that differ,
    every page decoded), into the views' shared caches (``rowindex.differing_resources``,
    ``rowindex.page_text``)."""
    rowindex.differing_resources(a, b)
    for v in (a, b):
        for (h,) in store.conn.execute(
            "SELECT DISTINCT body FROM index_rows WHERE snapshot_id = ? AND kind = ?",
            (v.id, rowindex.RESOURCE),
        ):
            rowindex.page_text(v, h)


def _incremental(sizes: list[int], repeat: int) -> None:
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "bench.db"
            store = Store(path)
            a, b = _write(store, n, 0), _write(store, n, 1)
            t0 = time.perf_counter()
            for sid in (a, b):
                rowindex.write_index(store, sid)
            t_index = (time.perf_counter() - t0) / 2
            store.close()
            store = Store(path, readonly=True)
            modes = ("incremental", "warm", "full")
            best = dict.fromkeys(modes, float("inf"))
            results = {}
            for _ in range(repeat):
                for mode in modes:
                    va, vb = SnapshotView(store, a), SnapshotView(store, b)
                    if mode == "warm":  # what another section may have read through the index
                        _warm(store, va, vb)
                    t0 = time.perf_counter()
                    results[mode] = diff_exposure(va, vb, incremental=mode != "full")
                    best[mode] = min(best[mode], time.perf_counter() - t0)
            va, vb = SnapshotView(store, a), SnapshotView(store, b)
            p = incremental.plan(va, vb)
            assert p is not None, "the incremental path fell back to the full one"
            same = results["incremental"].to_dict() == results["full"].to_dict()
            same = same and results["warm"].to_dict() == results["full"].to_dict()
            t_in, t_warm, t_full = best["incremental"], best["warm"], best["full"]
            print(
                f"N = {n:,}, 1% churn: diff_exposure full {t_full:.3f} s, incremental"
                f" {t_in:.3f} s = {t_in / t_full:.3f} x full ({t_full / t_in:.0f}x faster);"
                f" {len(p.affected):,} targets computed again, {p.parsed:,} rows parsed;"
                f" results equal: {same}; {results['full'].counts()}"
            )
            print(
                f"  incremental after the differing rows and pages were read into the views'"
                f" shared caches (by another section): {t_warm:.3f} s = {t_warm / t_full:.3f} x full"
            )
            print(f"  row index with the exposure rows, per snapshot: {t_index:.2f} s")
            store.close()
            if not same:
                raise SystemExit("incremental and full results differ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--incremental", type=int, nargs="+", metavar="N")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--query", nargs=2, metavar=("STORE", "ID"), help=argparse.SUPPRESS)
    ap.add_argument("--diff", nargs=3, metavar=("STORE", "A", "B"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.query:
        return _query(args.query[0], int(args.query[1]))
    if args.diff:
        return _diff(args.diff[0], int(args.diff[1]), int(args.diff[2]))
    if args.incremental:
        return _incremental(args.incremental, args.repeat)
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "bench.db")
        store = Store(Path(path))
        t0 = time.perf_counter()
        a, b = _write(store, args.n, 0), _write(store, args.n, 1)
        store.close()
        print(f"wrote 2 snapshots of {args.n:,} resources in {time.perf_counter() - t0:.1f} s")
        # each measurement in a fresh process: its peak RSS is its own
        subprocess.run([sys.executable, __file__, "--query", path, str(b)], check=True)
        subprocess.run([sys.executable, __file__, "--diff", path, str(a), str(b)], check=True)


if __name__ == "__main__":
    main()
