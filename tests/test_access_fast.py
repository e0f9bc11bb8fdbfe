"""The access diff's fast path (grouping by profile pair, candidate principals, capability
combinations, per-pair privileged holders) against a straightforward reference that expands
every principal on every resource, on small tenants: the access weeks, the demo weeks and the
benchmark's synthetic tenant at a few hundred resources."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict
from pathlib import Path

import pytest

from fakeazure import access_tenant as at
from fakeazure.writer import tenant_fetches, write_snapshot
from snapdiff.access import Access, diff_access
from snapdiff.access.capabilities import PRIVILEGED
from snapdiff.access.diff import (
    _Agg,
    _certain,
    _deny_unknown,
    _Differ,
    _elig_decides,
    _pairs,
    _unread_deny,
    _via,
)
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

NONE: frozenset[str] = frozenset()


def reference(a: SnapshotView, b: SnapshotView) -> tuple[list[dict], int]:
    """Every resource pair, every principal, full profiles with paths: no shortcuts."""
    xa, xb = Access.of(a), Access.of(b)
    d, agg, compared = _Differ(xa, xb), _Agg(), 0
    for ra, rb, moved in _pairs(xa, xb):
        sa, sb = f"/subscriptions/{ra.subscription}", f"/subscriptions/{rb.subscription}"
        sta, stb = xa.x.coverage.get(sa, {}), xb.x.coverage.get(sb, {})
        if sta.get("assignments") != "ok" or stb.get("assignments") != "ok":
            continue
        compared += 1
        pa = xa.expander._compute(*xa.expander.key(ra))
        pb = xb.expander._compute(*xb.expander.key(rb))
        unsure = {"gained": _certain(xa, pa), "lost": _certain(xb, pb)}
        upper = {"gained": _deny_unknown(xb, sb, "B"), "lost": _deny_unknown(xa, sa, "A")}
        for pid in sorted(pa.holders.keys() | pb.holders.keys()):
            ha, hb = pa.holders.get(pid), pb.holders.get(pid)
            for eligible in (False, True):
                ca = (ha.eligible if eligible else ha.caps) if ha else NONE
                cb = (hb.eligible if eligible else hb.caps) if hb else NONE
                for change, caps, side, h, other in (
                    ("gained", cb - ca, 1, hb, ha),
                    ("lost", ca - cb, 0, ha, hb),
                ):
                    if not caps or h is None or unsure[change]:
                        continue
                    if eligible and not _elig_decides(change, sta, stb):
                        continue
                    by_cause: dict[tuple[str, ...], set[str]] = {}
                    for cap in caps:
                        why = tuple(d.cause(side, h, other, cap, rb.type, moved))
                        by_cause.setdefault(why, set()).add(cap)
                    for causes, cs in sorted(by_cause.items()):
                        x = xa if change == "lost" else xb
                        via = _via(h, cs, eligible)
                        if upper[change]:
                            causes = tuple(_unread_deny(c, change) for c in causes)
                        agg.add(
                            x,
                            pid,
                            change,
                            frozenset(cs),
                            eligible,
                            list(causes),
                            [rb],
                            upper[change],
                            via,
                        )
        if ra.cia and rb.cia and any(y > x for x, y in zip(ra.cia, rb.cia, strict=False)):
            cause = (
                f"CIA tag raised: C{ra.cia[0]} I{ra.cia[1]} A{ra.cia[2]} -> "
                f"C{rb.cia[0]} I{rb.cia[1]} A{rb.cia[2]}"
            )
            for pid, h in pb.holders.items():
                before = pa.holders[pid].caps if pid in pa.holders else NONE
                kept = h.caps & before & PRIVILEGED
                if kept:
                    up = _deny_unknown(xb, sb, "B")
                    agg.add(xb, pid, "raised", kept, False, [cause], [rb], up)
    return [asdict(c) for c in agg.sorted()], compared


def _same(store: Store, a: int, b: int) -> int:
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    fast = diff_access(va, vb)
    ref, compared = reference(SnapshotView(store, a), SnapshotView(store, b))
    assert fast.resources_compared == compared
    assert [asdict(c) for c in fast.changes] == ref
    return len(ref)


def test_fast_path_matches_reference_on_access_weeks(tmp_path):
    store = Store(tmp_path / "w.db")
    w0, w1 = (write_snapshot(store, tenant_fetches(at.access_tenant(w))) for w in (0, 1))
    assert _same(store, w0, w1) > 0 and _same(store, w1, w0) > 0


def test_fast_path_matches_reference_on_demo_weeks(demo_store):
    store, r0, r1 = demo_store
    assert _same(store, r0.snapshot_id, r1.snapshot_id) > 0


@pytest.fixture(scope="module")
def bench():
    path = Path(__file__).parents[1] / "benchmarks" / "bench_access.py"
    spec = importlib.util.spec_from_file_location("bench_access", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_fast_path_matches_reference_on_synthetic_tenant(bench, tmp_path):
    store = Store(tmp_path / "s.db")
    a = write_snapshot(store, bench.snapshot(600, 0), label="a")
    b = write_snapshot(store, bench.snapshot(600, 1), label="b")
    assert _same(store, a, b) > 0
