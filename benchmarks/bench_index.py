"""Benchmark: the row index (issue 19). Every ratio comes from one run.

    python benchmarks/bench_index.py diff --n 20000      # 1% churn: diff vs the parse floor
    python benchmarks/bench_index.py diff --n 100000     # the default diff after the index exists
    python benchmarks/bench_index.py collect --n 2000    # index build vs collection wall time

``diff`` writes two snapshots of N resources with 1% churn (``bench_diff``'s generator and
role assignments), then times, each on fresh views of a freshly opened store: decoding and
parsing every stored body once (the parse floor), the default ``diff_snapshots`` read in full
(no index), the same read through the row index, every registered section through the index,
and the CLI (``snapdiff diff``, a new process: imports included) with and without the index.

``collect`` collects a synthetic tenant from the fake Azure on loopback (20 ms a request) with
the real collector, then builds the row index of that snapshot.
Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_diff  # noqa: E402

from snapdiff import rowindex  # noqa: E402
from snapdiff.diff import diff_snapshots  # noqa: E402
from snapdiff.diff.registry import section_names  # noqa: E402
from snapdiff.gcpause import paused_gc  # noqa: E402
from snapdiff.snapshot import SnapshotView  # noqa: E402
from snapdiff.store import Store  # noqa: E402


def interleaved(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The fastest of ``repeat`` rounds of each run, the runs interleaved round by round (the
    machine is shared: a busy spell then slows every measurement, not one)."""
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for k, f in runs.items():
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    return {k: min(v) for k, v in times.items()}


def parse_floor(path: Path) -> None:
    with Store(path, readonly=True) as s, paused_gc():  # as the readers parse
        for (h,) in s.conn.execute(
            "SELECT DISTINCT body_hash FROM exchanges WHERE body_hash IS NOT NULL"
        ):
            json.loads(s.body(h))


def lib_diff(path: Path, a: int, b: int, sections: list[str] | None = None) -> None:
    with Store(path, readonly=True) as s:
        diff_snapshots(SnapshotView(s, a), SnapshotView(s, b), sections=sections)


def cli_diff(path: Path, a: int, b: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "snapdiff", "diff", str(a), str(b), "--store", str(path)],
        check=False,
        stdout=subprocess.DEVNULL,
    )


def bench_diff_cmd(n: int, repeat: int) -> None:
    rows_a, source = bench_diff.base_rows(n, 0)
    rows_b = bench_diff.churn(rows_a, 0.01, 0)
    with tempfile.TemporaryDirectory() as tmp:
        full, indexed = Path(tmp) / "full.db", Path(tmp) / "indexed.db"
        store = Store(full)
        groups = sorted({(str(r["subscriptionId"]), str(r["resourceGroup"])) for r in rows_a})
        ra = bench_diff.assignments(5000, 0.01, 0, after=False, groups=groups)
        rb = bench_diff.assignments(5000, 0.01, 0, after=True, groups=groups)
        a = bench_diff.write(store, rows_a, ra)
        b = bench_diff.write(store, rows_b, rb)
        store.close()
        shutil.copy(full, indexed)
        store = Store(indexed)
        t = time.perf_counter()
        for sid in (a, b):
            rowindex.write_index(store, sid)
        t_index = (time.perf_counter() - t) / 2
        store.close()
        print(f"N = {n:,} resources ({source}), 1% churn, 5,000 role assignments")
        every = list(section_names())
        runs = {
            "floor": lambda: parse_floor(full),
            "full": lambda: lib_diff(full, a, b),
            "idx": lambda: lib_diff(indexed, a, b),
            "all": lambda: lib_diff(indexed, a, b, every),
            "c_full": lambda: cli_diff(full, a, b),
            "c_idx": lambda: cli_diff(indexed, a, b),
            "c_none": lambda: subprocess.run(
                [sys.executable, "-m", "snapdiff", "--version"],
                check=False,
                stdout=subprocess.DEVNULL,
            ),
        }
        for name in section_names():  # each section alone, shared passes included
            runs[f"s_{name}"] = lambda name=name: lib_diff(indexed, a, b, [name])
        m = interleaved(runs, repeat)
        floor, t_full, t_idx, t_all = m["floor"], m["full"], m["idx"], m["all"]
        c_full, c_idx, c_none = m["c_full"], m["c_idx"], m["c_none"]
        print(f"  decode + parse every stored body once (parse floor): {floor:.3f}s")
        print(f"  build the row index, per snapshot:                   {t_index:.3f}s")
        print(f"  diff_snapshots, default sections, read in full:      {t_full:.3f}s")
        print(
            f"  diff_snapshots, default sections, row index:         {t_idx:.3f}s"
            f"  = {t_idx / floor:.2f} x the parse floor, {t_full / t_idx:.1f}x faster than in full"
        )
        print(
            f"  diff_snapshots, every section ({', '.join(section_names())}), row index:"
            f" {t_all:.3f}s = {t_all / floor:.2f} x the parse floor"
        )
        for name in section_names():
            t = m[f"s_{name}"]
            print(
                f"    section {name:<10} alone, row index:  {t:.3f}s = {t / floor:.2f} x the floor"
            )
        print(f"  CLI snapdiff diff, read in full:                     {c_full:.3f}s")
        print(f"  CLI snapdiff diff, row index:                        {c_idx:.3f}s")
        print(f"  CLI start-up alone (snapdiff --version):             {c_none:.3f}s")


def bench_collect_cmd(n: int, latency: float, paced: bool, keep: Path | None) -> None:
    import bench_scale

    from snapdiff.collect import CollectOptions, collect
    from snapdiff.collect.clouds import resolve_cloud
    from snapdiff.collect.credentials import StaticTokenCredential
    from snapdiff.collect.scope import Scope

    port = bench_scale.free_port()
    base = f"http://127.0.0.1:{port}"
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(
        target=bench_scale._serve_forever,
        args=("resources", n, port, latency, ready),
        daemon=True,
    )
    server.start()
    ready.wait(600)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.db")
            t = time.perf_counter()
            result = collect(
                store,
                StaticTokenCredential(),
                CollectOptions(
                    cloud=resolve_cloud("custom", arm=base, graph=base),
                    scope=Scope.from_env(environ={}),
                    **({} if paced else {"read_quota": None}),
                ),
            )
            wall = time.perf_counter() - t
            t = time.perf_counter()
            rows = rowindex.write_index(store, result.snapshot_id)
            t_index = time.perf_counter() - t
            store.close()
            if keep is not None:
                shutil.copy(Path(tmp) / "bench.db", keep)
    finally:
        server.kill()
    print(f"N = {n:,} resources, fake Azure at {latency * 1000:.0f} ms a request")
    print(f"  collection ({result.status}): {wall:.2f}s wall")
    print(
        f"  row index ({rows:,} rows): {t_index:.2f}s = {100 * t_index / wall:.1f}% of the"
        " collection's wall time"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diff")
    d.add_argument("--n", type=int, default=20_000)
    d.add_argument("--repeat", type=int, default=3)
    c = sub.add_parser("collect")
    c.add_argument("--n", type=int, default=2000)
    c.add_argument("--latency", type=float, default=0.02)
    c.add_argument("--paced", action="store_true", help="pace to Azure's read quotas")
    c.add_argument("--keep", type=Path, help="copy the indexed store there")
    args = p.parse_args()
    if args.cmd == "diff":
        bench_diff_cmd(args.n, args.repeat)
    else:
        bench_collect_cmd(args.n, args.latency, args.paced, args.keep)


if __name__ == "__main__":
    main()
