"""Benchmark: the row index (issue 19). Every ratio comes from one run.

    python benchmarks/bench_index.py diff --n 20000      # 1% churn: diff vs the parse floor
    python benchmarks/bench_index.py diff --n 100000     # the default diff after the index exists
    python benchmarks/bench_index.py diff --against ../old  # and an earlier checkout's, same run
    python benchmarks/bench_index.py collect --n 2000 100000   # index build vs collection wall time
    python benchmarks/bench_index.py index STORE         # rebuild a kept store's index, timed
    python benchmarks/bench_index.py index STORE --baseline DIR   # ... and with older code, in turn

``diff`` writes two snapshots of N resources with 1% churn (``bench_diff``'s generator and
role assignments), then times, each on fresh views of a freshly opened store: decoding and
parsing every stored body once (the parse floor), the default ``diff_snapshots`` read in full
(no index), the same read through the row index, every registered section through the index,
and the CLI (``snapdiff diff``, a new process: imports included) with and without the index.

``collect`` collects a synthetic tenant from the fake Azure on loopback (20 ms a request) with
the real collector, not paced to Azure's read quotas (``--paced``: paced, as ``snapdiff
collect`` is), then builds the row index of that snapshot and prints its share of the
collection's wall time, measured in the same run; then rebuilds it ``--repeat`` times, and
times its parts apart. ``index`` does the rebuilds on a store kept with ``--keep``.
Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
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


# The default diff timed in a fresh process importing snapdiff from a given source tree (this
# one, or a checkout of an earlier commit: ``--against``), as the same run measures both.
_TIMED = """
import sys, time
sys.path.insert(0, {src!r})
from snapdiff.diff import diff_snapshots
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
with Store({path!r}, readonly=True) as s:
    t = time.perf_counter()
    diff_snapshots(SnapshotView(s, {a}), SnapshotView(s, {b}))
    print(time.perf_counter() - t)
"""


_INDEXED = """
import sys
sys.path.insert(0, {src!r})
from snapdiff import rowindex
from snapdiff.store import Store
with Store({path!r}) as s:
    for sid in ({a}, {b}):
        rowindex.write_index(s, sid)
"""


def indexed_by(src: Path, path: Path, a: int, b: int) -> None:
    """Write the row index of ``a`` and ``b`` with the code under ``src`` (an index holds rows
    of a version of the code: exposure's rows, say, are stale for another)."""
    code = _INDEXED.format(src=str(src), path=str(path), a=a, b=b)
    subprocess.run([sys.executable, "-c", code], check=True)


def timed_in(src: Path, path: Path, a: int, b: int) -> float:
    """Seconds the default diff took in a new process running the code under ``src``."""
    code = _TIMED.format(src=str(src), path=str(path), a=a, b=b)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


def bench_diff_cmd(n: int, repeat: int, against: Path | None = None) -> None:
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
        times: dict[str, list[float]] = {"ours": [], "theirs": []}
        if against is not None:  # each in its own process (the times printed from inside)
            here = Path(__file__).resolve().parents[1]
            theirs = Path(tmp) / "theirs.db"  # the same bodies, indexed by the other tree
            shutil.copy(full, theirs)
            indexed_by(against, theirs, a, b)
        m = interleaved(runs, repeat)
        if against is not None:
            # After the in-process runs, in turns whose order alternates: a new process
            # started right after the in-process diffs of 100,000 resources ran up to 2.7x
            # slower than the same diff started later, whichever tree it ran (the cause is
            # not pinned down); the first of the pair always paid it.
            pair = [
                lambda: times["ours"].append(timed_in(here, indexed, a, b)),
                lambda: times["theirs"].append(timed_in(against, theirs, a, b)),
            ]
            for r in range(2 * repeat):
                for f in pair if r % 2 == 0 else pair[::-1]:
                    f()
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
        if against is not None:
            ours, theirs = min(times["ours"]), min(times["theirs"])
            print(
                f"  default diff with the index, in a new process: this tree {ours:.3f}s,"
                f" {against} {theirs:.3f}s = {theirs / ours:.2f}x"
            )


def timed(f: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``f()``."""
    w, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - w, time.process_time() - c


def index_runs(path: Path, sid: int, repeat: int) -> list[tuple[float, float]]:
    """Wall and CPU time of ``repeat`` more builds of a snapshot's row index, each after
    dropping it."""
    out = []
    with Store(path) as store:
        for _ in range(repeat):
            rowindex.drop_index(store, sid)
            store.checkpoint()
            out.append(timed(partial(rowindex.write_index, store, sid)))
    return out


def index_phases(path: Path, sid: int) -> dict[str, tuple[float, float]]:
    """Wall and CPU time of the parts of ``write_index``, on one view as it builds them: the
    resource rows, the other kinds, the derived kinds (exposure), bucket digests."""
    with Store(path, readonly=True) as store, paused_gc():
        view = SnapshotView(store, sid)
        got: dict[str, object] = {}
        phases = {
            "resource rows (parse, spans, noise strip, hashes)": lambda: got.update(
                r=rowindex.resource_entries(view)
            ),
            "role assignments, members, management groups": lambda: list(
                rowindex.other_entries(view)
            ),
            "derived rows (exposure)": lambda: rowindex.derived_entries(view),
            "buckets and bucket digests": lambda: [
                rowindex.bucket_digests(got["r"].values())  # type: ignore[attr-defined]
            ],
        }
        return {k: timed(f) for k, f in phases.items()}


def bench_collect_cmd(
    ns: list[int], latency: float, paced: bool, repeat: int, keep: Path | None
) -> None:
    for n in ns:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            wall, status, sid = collect_fake(path, n, latency, paced)
            with Store(path) as store:
                t_index, c_index = timed(partial(rowindex.write_index, store, sid))
                rows = rowindex.kind_count(SnapshotView(store, sid), rowindex.RESOURCE)
                (total,) = store.conn.execute(
                    "SELECT rows FROM index_state WHERE snapshot_id = ?", (sid,)
                ).fetchone()
            again = index_runs(path, sid, repeat)
            phases = index_phases(path, sid)
            if keep is not None:
                shutil.copy(path, keep)
        load = os.getloadavg()[0]
        pace = "paced to Azure's read quotas" if paced else "not paced"
        print(f"N = {n:,} resources, fake Azure at {latency * 1000:.0f} ms a request, {pace}")
        print(f"  collection ({status}): {wall:.2f}s wall")
        print(
            f"  row index ({total:,} rows, {rows:,} of them resources), built after the"
            f" collection: {t_index:.2f}s wall ({c_index:.2f}s CPU)"
            f" = {100 * t_index / wall:.1f}% of the collection's wall time (target <= 10%)"
        )
        if again:
            best, cpu = min(again)
            print(
                f"  the same, best of {len(again)} rebuilds: {best:.2f}s wall ({cpu:.2f}s CPU)"
                f" = {100 * best / wall:.1f}% of the collection"
            )
        print("  its parts, timed apart on one view (wall / CPU):")
        for k, (w, c) in phases.items():
            print(f"    {k:52} {w:6.2f}s / {c:.2f}s")
        print(f"  load average (1 min) at the end: {load:.2f} on {os.cpu_count()} CPUs")


def collect_fake(path: Path, n: int, latency: float, paced: bool) -> tuple[float, str, int]:
    """Collect a synthetic tenant of ``n`` resources from the fake Azure (in a child process,
    ``latency`` seconds a request) into a new store; (wall seconds, status, snapshot id)."""
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
        with Store(path) as store:
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
    finally:
        server.kill()
    return wall, result.status, result.snapshot_id


_REBUILD = """
import sys, time
from snapdiff import rowindex
from snapdiff.store import Store
with Store(sys.argv[1]) as s:
    sid = s.conn.execute("SELECT max(id) FROM snapshots").fetchone()[0]
    rowindex.drop_index(s, sid)
    s.checkpoint()
    w, c = time.perf_counter(), time.process_time()
    rowindex.write_index(s, sid)
    print(time.perf_counter() - w, time.process_time() - c)
"""


def rebuild_with(code: Path, path: Path) -> tuple[float, float]:
    """Wall and CPU time of ``write_index`` of the latest snapshot of ``path``, by the snapdiff
    package under ``code`` (a checkout), in a new process."""
    out = subprocess.run(
        [sys.executable, "-P", "-c", _REBUILD, str(path)],
        env={**os.environ, "PYTHONPATH": str(code)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def bench_index_cmd(path: Path, repeat: int, baseline: Path | None) -> None:
    """Rebuild the row index of the latest snapshot of a kept store (``collect --keep``); with
    ``baseline`` (a checkout of older code, e.g. ``git archive REV snapdiff | tar -x -C DIR``),
    each round rebuilds it with that code too, in turn, in new processes."""
    if baseline is None:
        with Store(path, readonly=True) as store:
            (sid,) = store.conn.execute("SELECT max(id) FROM snapshots").fetchone()
        for w, c in index_runs(path, sid, repeat):
            print(f"  write_index, snapshot {sid}: {w:.2f}s wall ({c:.2f}s CPU)")
        for k, (w, c) in index_phases(path, sid).items():
            print(f"    {k:52} {w:6.2f}s / {c:.2f}s")
        return
    here = Path(__file__).resolve().parents[1]
    runs: dict[str, list[tuple[float, float]]] = {"this code": [], "baseline": []}
    for _ in range(repeat):
        runs["this code"].append(rebuild_with(here, path))
        runs["baseline"].append(rebuild_with(baseline, path))
    for name, got in runs.items():
        print(f"  {name:9}: " + ", ".join(f"{w:.2f}s wall ({c:.2f}s CPU)" for w, c in got))
    (bw, _), (ow, _) = min(runs["this code"]), min(runs["baseline"])
    bc, oc = min(c for _, c in runs["this code"]), min(c for _, c in runs["baseline"])
    print(f"  best of {repeat}: {bw:.2f}s against {ow:.2f}s = {bw / ow:.2f}x the baseline's wall")
    print(f"  least CPU: {bc:.2f}s against {oc:.2f}s = {bc / oc:.2f}x")
    print(f"  load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diff")
    d.add_argument("--n", type=int, default=20_000)
    d.add_argument("--repeat", type=int, default=3)
    d.add_argument(
        "--against",
        type=Path,
        help="a source tree (a checkout of an earlier commit) whose default diff is timed in"
        " the same run, each in its own process",
    )
    c = sub.add_parser("collect")
    c.add_argument("--n", type=int, nargs="+", default=[2000])
    c.add_argument("--latency", type=float, default=0.02)
    c.add_argument("--paced", action="store_true", help="pace to Azure's read quotas")
    c.add_argument("--repeat", type=int, default=2, help="rebuilds of the index after the first")
    c.add_argument("--keep", type=Path, help="copy the (last) indexed store there")
    i = sub.add_parser("index")
    i.add_argument("store", type=Path, help="a store kept by collect --keep")
    i.add_argument("--repeat", type=int, default=3)
    i.add_argument("--baseline", type=Path, help="a checkout of older code to time in turn")
    args = p.parse_args()
    if args.cmd == "diff":
        bench_diff_cmd(args.n, args.repeat, args.against)
    elif args.cmd == "index":
        bench_index_cmd(args.store, args.repeat, args.baseline)
    else:
        bench_collect_cmd(args.n, args.latency, args.paced, args.repeat, args.keep)


if __name__ == "__main__":
    main()
