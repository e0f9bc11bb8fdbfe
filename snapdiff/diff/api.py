"""``diff_snapshots``: the library entry point; the CLI only renders what it returns."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import SnapdiffError
from ..gcpause import paused_gc
from ..naming.noise import IgnoreSet, Rule
from ..snapshot import SnapshotView
from ..status import SnapshotStatus
from .context import DiffContext
from .model import TENANTS_NOTE, Diff, Noise, SnapshotInfo
from .registry import sections as all_sections


def snapshot_info(view: SnapshotView) -> SnapshotInfo:
    m = view.meta
    return SnapshotInfo(
        m.id, m.uid, m.label, m.started_at, m.status, m.tenant_id, view.store.path.name, m.scope
    )


def other_tenants(a: SnapshotView, b: SnapshotView) -> bool:
    """Whether A and B were collected from two different (known) tenants."""
    ta, tb = a.meta.tenant_id, b.meta.tenant_id
    return bool(ta and tb and ta.lower() != tb.lower())


def diff_snapshots(
    a: SnapshotView,
    b: SnapshotView,
    *,
    ignore: Iterable[Rule | str] = (),
    default_ignores: bool = True,
    sections: Iterable[str] | None = None,
) -> Diff:
    """Compare snapshot ``a`` (before) with ``b`` (after).

    ``ignore``: extra rules (``"<type glob> <path glob>"`` strings or ``Rule``); ``sections``:
    a subset of the registered sections (default: every registered section), computed in
    registry order.
    """
    with paused_gc():
        return _diff(a, b, ignore, default_ignores, sections)


def _diff(
    a: SnapshotView,
    b: SnapshotView,
    ignore: Iterable[Rule | str],
    default_ignores: bool,
    sections: Iterable[str] | None,
) -> Diff:
    registered = all_sections()
    names = [s.name for s in registered]
    chosen = list(names) if sections is None else [n for n in names if n in set(sections)]
    unknown = set(sections or ()) - set(names)
    if unknown:
        raise SnapdiffError(f"unknown section(s): {', '.join(sorted(unknown))}")
    ignores = IgnoreSet(ignore, defaults=default_ignores)
    d = Diff(
        snapshot_info(a),
        snapshot_info(b),
        chosen,
        noise=Noise(default_ignores, [str(r) for r in ignores.rules]),
    )
    if a.meta.uid == b.meta.uid:
        d.notes.append(
            f"A and B are the same snapshot (#{a.id} in {a.store.path.name}, #{b.id} in "
            f"{b.store.path.name}, uid {a.meta.uid}): there is nothing to compare"
            if a.store.path.resolve() != b.store.path.resolve()
            else f"A and B are the same snapshot (#{a.id}): there is nothing to compare"
        )
    for side, v in (("A", a), ("B", b)):
        if v.meta.status != SnapshotStatus.COMPLETE:
            d.notes.append(
                f"snapshot {side} (#{v.id}) is {v.meta.status}"
                + (f": {v.meta.error}" if v.meta.error else "")
                + "; only what it holds is compared"
            )
        limited = v.coverage()
        if limited:
            d.notes.append(
                f"snapshot {side} (#{v.id}) has limited coverage ({', '.join(sorted(limited))}"
                " forbidden to the collecting identity); what it could not see is not compared"
            )
    if other_tenants(a, b):  # first: it changes how every other line reads
        d.notes.insert(
            0,
            f"{TENANTS_NOTE} (A: {a.meta.tenant_id}, B: {b.meta.tenant_id}): what one tenant has and the other lacks shows as added or"
            " removed",
        )

    ctx = DiffContext(a, b, ignores, d, chosen)
    for s in registered:
        if s.name in chosen:
            d.results[s.name] = s.compute(ctx)
    return d
