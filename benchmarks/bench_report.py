"""Benchmark: ``snapdiff report`` on two synthetic snapshots of N resources (default 100,000).

The snapshots are bench_diff.py's (1% churn of resources, CIA tags and role assignments).
Baseline from the same run: the same diff (the report's sections: the defaults plus access)
rendered as ``--format json``. Prints the report's size (goal: one file under 10 MB) and its
time (goal: under 10 s at 100,000 resources), and the ratio report / JSON.

    python benchmarks/bench_report.py --n 100000 [-o /tmp/bench-report.html]

Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure

from bench_diff import assignments, base_rows, churn, write  # noqa: E402

from snapdiff.diff import diff_snapshots  # noqa: E402
from snapdiff.diff.render_json import render_json  # noqa: E402
from snapdiff.report import render_diff, report_sections  # noqa: E402
from snapdiff.snapshot import SnapshotView  # noqa: E402
from snapdiff.store import Store  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="resources per snapshot")
    p.add_argument("--churn", type=float, default=0.01)
    p.add_argument("--assignments", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", type=Path, default=None, help="keep the page here")
    args = p.parse_args()

    rows_a, source = base_rows(args.n, args.seed)
    rows_b = churn(rows_a, args.churn, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        t = time.perf_counter()
        ia = write(store, rows_a, assignments(args.assignments, args.churn, args.seed, after=False))
        ib = write(store, rows_b, assignments(args.assignments, args.churn, args.seed, after=True))
        print(
            f"rows from {source}; wrote 2 snapshots of {args.n:,} resources in "
            f"{time.perf_counter() - t:.1f}s"
        )
        sections = report_sections()

        t = time.perf_counter()
        va, vb = SnapshotView(store, ia), SnapshotView(store, ib)
        d = diff_snapshots(va, vb, sections=sections)
        js = render_json(d)
        t_json = time.perf_counter() - t
        print(
            f"baseline: diff ({', '.join(sections)}) + JSON: {t_json:.2f}s, "
            f"{len(js.encode()) / 1e6:.2f} MB"
        )

        t = time.perf_counter()
        va, vb = SnapshotView(store, ia), SnapshotView(store, ib)
        d = diff_snapshots(va, vb, sections=sections)
        t_diff = time.perf_counter() - t
        page = render_diff(d, va, vb, trend_store=store)
        t_report = time.perf_counter() - t
        size = len(page.encode())
        print(
            f"report: diff {t_diff:.2f}s + page {t_report - t_diff:.2f}s = {t_report:.2f}s "
            f"(goal < 10 s), {size / 1e6:.2f} MB (goal < 10 MB)"
        )
        print(f"  counts {d.counts()}")
        print(
            f"ratio report / JSON: time {t_report / t_json:.2f}x, size "
            f"{size / len(js.encode()):.2f}x"
        )
        if args.output:
            args.output.write_text(page, encoding="utf-8")
            print(f"wrote {args.output}")
        store.close()


if __name__ == "__main__":
    main()
