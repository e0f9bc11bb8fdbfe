"""Build benchmark: a synthetic snapshot of N resources (default 100,000); prints build time and
peak memory against the "parse floor" (read, decompress and json.loads each distinct body the
build reads, once, with the GC paused as the build pauses it), and the cost of the reading
checks: the snapshot digest checked when the build opens the snapshot, and each body's SHA-256
as it is read (build with the checks vs without), each phase measured in its own child process
in the same run, interleaved.

    python benchmarks/bench_build.py --n 100000
    python benchmarks/bench_build.py --n 100000 --against /path/to/a/checkout/of/main
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # fakeazure


def make_store(path: Path, n: int) -> None:
    from fakeazure.synthetic import synthetic_tenant
    from fakeazure.writer import tenant_fetches, write_snapshot
    from snapdiff.store import Store

    store = Store(path)
    write_snapshot(store, tenant_fetches(synthetic_tenant(n)))
    store.close()


def bodies_read(path: Path) -> list[str]:
    """The hashes of the bodies a build of snapshot 1 reads, in the order it first reads them."""
    from snapdiff.securicad import build
    from snapdiff.snapshot import SnapshotView
    from snapdiff.store import Store

    read: dict[str, None] = {}

    class Recording(SnapshotView):
        def json_body(self, h: str) -> object:
            read[h] = None
            return super().json_body(h)

    build(Recording(Store(path, readonly=True), 1))
    return list(read)


def phase(path: Path, which: str, reads: Path) -> dict[str, float]:
    """Run one phase in this process; return seconds and peak RSS (MB)."""
    import snapdiff.snapshot as snapshot_module
    from snapdiff.gcpause import paused_gc
    from snapdiff.securicad import build, render
    from snapdiff.securicad.api import render_stdlib
    from snapdiff.snapshot import SnapshotView
    from snapdiff.store import Store

    store = Store(path, readonly=True)
    store.check_hashes = which != "nocheck" and which != "floor"
    check = snapshot_module.check_snapshot
    digest_seconds = digest_cpu = 0.0

    def timed_check(*a: object, **kw: object) -> None:
        nonlocal digest_seconds, digest_cpu
        t, c = time.perf_counter(), time.process_time()
        check(*a, **kw)  # type: ignore[arg-type]
        digest_seconds += time.perf_counter() - t
        digest_cpu += time.process_time() - c

    snapshot_module.check_snapshot = (  # type: ignore[assignment]
        (lambda *a, **kw: None) if which == "nocheck" else timed_check
    )
    t0, c0 = time.perf_counter(), time.process_time()
    if which == "floor":
        hashes = json.loads(reads.read_text())
        with paused_gc():  # as the build's
            raws = [store.body(h) for h in hashes]
            count = sum(1 for raw in raws if json.loads(raw) is not None)
        parsed = time.perf_counter()
        parsed_cpu = time.process_time()
        for raw in raws:  # what the check adds to each read, timed on its own
            hashlib.sha256(raw).hexdigest()
        hash_seconds = time.perf_counter() - parsed
        t0 += hash_seconds
        c0 += time.process_time() - parsed_cpu
        cpu = time.process_time() - c0
        extra = {"bodies": count, "mb": sum(map(len, raws)) / 1e6, "hash_seconds": hash_seconds}
    else:
        result = build(SnapshotView(store, 1))
        cpu = time.process_time() - c0
        built = time.perf_counter()
        fast = render(result.active_directory)
        render_seconds = time.perf_counter() - built
        t = time.perf_counter()
        # The json.dumps writer (an older tree's build is compared by its bytes' hash only).
        same = which == "against" or render_stdlib(result.active_directory) == fast
        stdlib_seconds = time.perf_counter() - t
        extra = {
            "digest_seconds": digest_seconds,
            "digest_cpu": digest_cpu,
            "json_mb": len(fast) / 1e6,
            "json_sha256": hashlib.sha256(fast).hexdigest(),
            "warnings": len(result.warnings),
            "render_seconds": render_seconds,
            "stdlib_seconds": stdlib_seconds,
            "identical": float(same),
        }
        t0 += render_seconds + stdlib_seconds  # "seconds" is the build proper
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak, **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="Runs of each phase (the best counts).")
    ap.add_argument(
        "--phase",
        choices=["write", "reads", "floor", "build", "nocheck", "against"],
        help=argparse.SUPPRESS,
    )
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--reads", type=Path, help=argparse.SUPPRESS)
    ap.add_argument(
        "--against",
        type=Path,
        help="Also build with the snapdiff source tree in this directory (say, a checkout of"
        " main), interleaved with the other phases: its time, and whether its JSON is the same.",
    )
    ap.add_argument(
        "--keep", type=Path, help="Write the synthetic store here and reuse it when it exists."
    )
    args = ap.parse_args()
    if args.phase == "against":
        sys.path.insert(0, str(args.against.resolve()))  # its snapdiff, not this tree's
    # Every phase runs in a child of this small process: a child's peak RSS starts at its
    # parent's (Linux carries it across exec), so nothing big is ever loaded in the parent.
    if args.phase == "write":
        make_store(args.store, args.n)
        return
    if args.phase == "reads":
        args.reads.write_text(json.dumps(bodies_read(args.store)))
        return
    if args.phase:
        print(json.dumps(phase(args.store, args.phase, args.reads)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        if not path.exists():
            child = [sys.executable, __file__, "--phase", "write", "--store", str(path)]
            subprocess.run([*child, "--n", str(args.n)], check=True)
        print(
            f"N = {args.n}: synthetic snapshot written in {time.perf_counter() - t0:.1f}s, "
            f"{path.stat().st_size / 1e6:.1f} MB"
        )
        reads = Path(tmp) / "reads.json"
        subprocess.run(
            [sys.executable, __file__, "--phase", "reads", "--store", str(path)]
            + ["--reads", str(reads)],
            check=True,
        )
        out: dict[str, dict[str, float]] = {}
        cpu: dict[str, float] = {}
        phases = ("floor", "build", "nocheck") + (("against",) if args.against else ())
        for which in phases * args.repeat:  # interleaved: noisy machines
            against = ["--against", str(args.against)] if args.against else []
            res = subprocess.run(
                [sys.executable, __file__, "--phase", which, "--store", str(path)]
                + ["--reads", str(reads), *against],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(res.stdout)
            prev = out.get(which)
            out[which] = r if prev is None or r["seconds"] < prev["seconds"] else prev
            cpu[which] = min(cpu.get(which, r["cpu"]), r["cpu"])
    floor, build, nocheck = out["floor"], out["build"], out["nocheck"]
    print(
        f"parse floor: {floor['seconds']:.2f}s ({floor['bodies']} distinct bodies the build reads,"
        f" {floor['mb']:.0f} MB), peak {floor['peak_mb']:.0f} MB"
    )
    print(
        f"build:       {build['seconds']:.2f}s, peak {build['peak_mb']:.0f} MB, {build['warnings']} warnings;"
        f" then rendering {build['json_mb']:.1f} MB of JSON (indent 4, sorted keys): orjson"
        f" {build['render_seconds']:.2f}s, json.dumps {build['stdlib_seconds']:.2f}s"
        f" ({build['stdlib_seconds'] / build['render_seconds']:.1f}x),"
        f" bytes {'identical' if build['identical'] else 'DIFFERENT'}"
    )
    print(
        f"build / floor = {build['seconds'] / floor['seconds']:.2f}x (target <= 1.5x); "
        f"CPU time {cpu['build']:.2f}s / {cpu['floor']:.2f}s = {cpu['build'] / cpu['floor']:.2f}x"
        f" (best of each); peak {build['peak_mb']:.0f} MB (target < 1024 MB)"
    )
    print(
        f"snapshot digest check: {build['digest_seconds']:.2f}s"
        f" = {build['digest_seconds'] / build['seconds']:.1%} of the build"
        f" (CPU time: {build['digest_cpu']:.2f}s of {build['cpu']:.2f}s"
        f" = {build['digest_cpu'] / build['cpu']:.1%});"
        f" all reading checks (digest + every body's SHA-256): build {build['seconds']:.2f}s"
        f" with them, {nocheck['seconds']:.2f}s without"
        f" = {build['seconds'] / nocheck['seconds'] - 1:+.1%} (target < 5%)"
    )
    if args.against:
        old = out["against"]
        print(
            f"build with {args.against}: {old['seconds']:.2f}s"
            f" = {old['seconds'] / floor['seconds']:.2f}x the floor"
            f" (CPU time {cpu['against']:.2f}s = {cpu['against'] / cpu['floor']:.2f}x);"
            f" this tree's build is {old['seconds'] / build['seconds']:.2f}x faster"
            f" (CPU time {cpu['against'] / cpu['build']:.2f}x), its JSON"
            f" {'identical' if old['json_sha256'] == build['json_sha256'] else 'DIFFERENT'}"
        )
    print(
        f"SHA-256 check of every body read: build {build['seconds']:.2f}s with it,"
        f" {nocheck['seconds']:.2f}s without = {build['seconds'] / nocheck['seconds']:.3f}x;"
        f" hashing the {floor['mb']:.0f} MB alone takes {floor['hash_seconds']:.2f}s"
        f" = {floor['hash_seconds'] / nocheck['seconds']:.1%} of the build without it"
    )


if __name__ == "__main__":
    main()
