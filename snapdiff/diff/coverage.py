"""What two snapshots can honestly be compared on: source and fetch outcomes, and scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..naming.ids import scoped_resource_groups
from ..snapshot import OK, Fetch, SnapshotView

Covers = Callable[[str, str], bool]  # (subscription, resource group) -> in the common scope


def source_reason(view: SnapshotView, side: str, source: str) -> str | None:
    """Why ``source`` is not usable in the snapshot on ``side`` ("A"/"B"), or None if it is."""
    src = view.sources.get(source)
    if src is None:
        return f"{source} not collected in {side}"
    if src["status"] == OK:
        return None
    detail = f": {src['detail']}" if src.get("detail") else ""
    return f"{source} {src['status']} in {side}{detail}"


def fetch_reason(f: Fetch | None, side: str, what: str) -> str | None:
    """Why a fetch cannot be used, or None when it is ok."""
    if f is None:
        return f"{what} not collected in {side}"
    if f.ok:
        return None
    detail = f" (HTTP {f.http_status})" if f.http_status else ""
    return f"{what} {f.status} in {side}{detail}"


def fetches_by_lower_target(view: SnapshotView, call: str) -> dict[str, Fetch]:
    return {f.target.lower(): f for f in view.fetches(call)}


def _norm_scope(scope: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    subs = frozenset(str(s).lower() for s in scope.get("subscriptions") or [])
    rgs = frozenset(str(g).lower() for g in scope.get("resource_groups") or [])
    return subs, rgs


def _managed_rgs(view: SnapshotView, rgs: frozenset[str]) -> set[tuple[str, str]]:
    """(subscription, group) of the groups a scope takes in: named ones and those managed by a
    resource in one (AKS ``MC_*``), which the collector includes as it does."""
    return {
        (str(c.get("subscriptionId", "")).lower(), str(c.get("name", "")).lower())
        for c in scoped_resource_groups(view.arg_rows("resourcecontainers"), rgs)
    }


def _covers(view: SnapshotView) -> Covers:
    subs, rgs = _norm_scope(view.meta.scope)
    managed = _managed_rgs(view, rgs) if rgs else set()

    def covers(sub: str, rg: str) -> bool:
        if subs and sub not in subs:
            return False
        return not rgs or rg in rgs or (sub, rg) in managed

    return covers


def common_scope(a: SnapshotView, b: SnapshotView) -> tuple[Covers | None, str | None]:
    """A predicate for what both snapshots cover (None when their scopes are equal), and a note."""
    sa, sb = _norm_scope(a.meta.scope), _norm_scope(b.meta.scope)
    if sa == sb:
        return None, None
    ca, cb = _covers(a), _covers(b)

    def describe(s: tuple[frozenset[str], frozenset[str]]) -> str:
        subs = ", ".join(sorted(s[0])) or "all subscriptions"
        rgs = ", ".join(sorted(s[1])) or "all resource groups"
        return f"{subs}; {rgs}"

    note = (
        f"the snapshots have different scopes (A: {describe(sa)} / B: {describe(sb)}); "
        "only resources in subscriptions and resource groups that both cover are compared"
    )
    return (lambda sub, rg: ca(sub, rg) and cb(sub, rg)), note
