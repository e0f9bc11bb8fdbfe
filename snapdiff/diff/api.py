"""``diff_snapshots``: the library entry point; the CLI only renders what it returns."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import SnapdiffError
from ..gcpause import paused_gc
from ..snapshot import SnapshotView
from .coverage import common_scope
from .groups import diff_groups
from .mgmt import diff_mgmt
from .model import SECTIONS, Diff, Noise, SnapshotInfo
from .noise import IgnoreSet, Rule
from .rbac import diff_rbac, load_assignments, role_definitions
from .resources import diff_resources
from .tags import diff_cia


def snapshot_info(view: SnapshotView) -> SnapshotInfo:
    m = view.meta
    return SnapshotInfo(
        m.id, m.uid, m.label, m.started_at, m.status, m.tenant_id, view.store.path.name, m.scope
    )


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
    a subset of resources, rbac, cia, groups, mgmt (default all).
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
    chosen = list(SECTIONS) if sections is None else [s for s in SECTIONS if s in set(sections)]
    unknown = set(sections or ()) - set(SECTIONS)
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
        if v.meta.status != "complete":
            d.notes.append(
                f"snapshot {side} (#{v.id}) is {v.meta.status}"
                + (f": {v.meta.error}" if v.meta.error else "")
                + "; only what it holds is compared"
            )
    if (
        a.meta.tenant_id
        and b.meta.tenant_id
        and a.meta.tenant_id.lower() != b.meta.tenant_id.lower()
    ):
        d.notes.append(
            f"the snapshots are of different tenants ({a.meta.tenant_id}, {b.meta.tenant_id})"
        )

    if "resources" in chosen or "cia" in chosen:
        covers, note = common_scope(a, b)
        if note:
            d.notes.append(note)
        res, pairs = diff_resources(a, b, ignores, d.noise, d.not_compared, d.notes, covers)
        if "resources" in chosen:
            d.resources = res
        else:  # cia only: resource noise is not part of this report
            d.noise = Noise(default_ignores, d.noise.rules)
            d.not_compared = [n for n in d.not_compared if n.section != "resources"]
        if "cia" in chosen:
            d.cia = diff_cia(pairs)
    if "rbac" in chosen or "groups" in chosen:
        defs_a, defs_b = role_definitions(a), role_definitions(b)
        sa, sb = load_assignments(a, defs_a), load_assignments(b, defs_b)
        if "rbac" in chosen:
            d.rbac = diff_rbac(defs_a, defs_b, sa, sb, d.not_compared)
        if "groups" in chosen:
            d.groups = diff_groups(a, b, sa, sb, d.not_compared)
    if "mgmt" in chosen:
        d.mgmt = diff_mgmt(a, b, d.not_compared)
    return d
