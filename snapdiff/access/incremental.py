"""What the access diff recomputes when both snapshots have a row index (issue 19).

A resource's access is a function of its type, its subscription and the scopes above it (the
management groups above the subscription, the subscription, the resource group, parent
resources, itself), and of what those scopes hold: role assignments (active and PIM-eligible),
deny assignments, the definitions of the roles assigned there, the members of the groups
assigned or named there. Scopes whose holdings differ between A and B are *dirty*; so are
subscriptions whose management groups moved. A resource pair is recomputed when its row
differs beyond the default noise rules (type, name, subscription, ``scad`` tag, moves), when
one side lacks it, or when a dirty scope lies above it. Every other pair has the same profile
on both sides, so nobody's access to it changed: it only counts (compared, not compared, upper
bound), per subscription, from the index's counts.

The caller (``snapdiff.access.diff``) runs the full computation when there is no plan (either
snapshot has no index).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

from .. import rowindex
from ..read.resources import parse_cia
from ..snapshot import SnapshotView
from .model import AccessInputs, Members, Resource, load_inputs
from .pairs import moves
from .query import Access


@dataclass
class Plan:
    """Both sides' access inputs (holding only the resources recomputed), the pairs to
    recompute in the full computation's order, and how many same-id pairs per subscription
    (lower GUID) are not recomputed."""

    xa: Access
    xb: Access
    pairs: list[tuple[Resource, Resource, bool]]
    untouched: dict[str, int]


@dataclass(frozen=True)
class Dirty:
    """Where access may differ: lower scopes whose holdings differ (or that assign a changed
    role or group), and lower subscription GUIDs wholly affected (a dirty scope at or above
    them, or their management groups moved)."""

    scopes: frozenset[str]
    subs: frozenset[str]


def resource(row: rowindex.AccessRow | rowindex.AccessCols) -> Resource:
    """A resource record from its index columns, as ``snapdiff.read.resource_records``
    builds it from the same columns."""
    rid, rtype, name, sub, cia = row[:5]
    tag = None if cia is None else parse_cia(cia)
    return Resource(rid, rtype, name, sub.lower(), None if tag is None else (tag.c, tag.i, tag.a))


def changed_groups(ma: Members, mb: Members) -> set[str]:
    """Groups whose transitive members may differ: a listing that differs, appeared or went
    (which also decides whether a principal counts as a group), and every group nesting one
    of those, on either side."""
    out: set[str] = set()
    for da, db in ((ma.direct, mb.direct), (ma.transitive, mb.transitive)):
        for g in da.keys() | db.keys():
            if (g in da) != (g in db) or da.get(g) != db.get(g):
                out.add(g)
    parents: dict[str, set[str]] = {}
    for m in (ma, mb):
        for g, listed in m.direct.items():
            for mid, kind in listed or ():
                if kind.lower() == "group":
                    parents.setdefault(mid, set()).add(g)
    todo = list(out)
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in out:
                out.add(p)
                todo.append(p)
    return out


def dirty(xa: AccessInputs, xb: AccessInputs) -> Dirty:
    """The scopes and subscriptions above which access may differ between A and B."""
    scopes = {
        s for s in xa.grants.keys() | xb.grants.keys() if xa.grants.get(s) != xb.grants.get(s)
    }
    scopes |= {
        s for s in xa.denies.keys() | xb.denies.keys() if xa.denies.get(s) != xb.denies.get(s)
    }
    roles = {g for g in xa.roles.keys() | xb.roles.keys() if xa.roles.get(g) != xb.roles.get(g)}
    groups = changed_groups(xa.members, xb.members)
    for x in (xa, xb):
        for s, gs in x.grants.items():
            if s not in scopes and any(g.role in roles or g.principal in groups for g in gs):
                scopes.add(s)
        for s, ds in x.denies.items():
            if s not in scopes and any(d.principals & groups or d.excluded & groups for d in ds):
                scopes.add(s)
    ta, tb = xa.tree, xb.tree
    subs = {
        s
        for s in ta.sub_parent.keys() | tb.sub_parent.keys()
        if ta.groups_above(s) != tb.groups_above(s)
    }
    for s in scopes:
        if not s.startswith("/subscriptions/"):  # a management group: the subscriptions below
            subs |= {sub for sub in ta.sub_parent.keys() | tb.sub_parent.keys()
                     if s in ta.groups_above(sub) or s in tb.groups_above(sub)}  # fmt: skip
        elif s.count("/") == 2:
            subs.add(s)
    return Dirty(frozenset(scopes), frozenset(s[len("/subscriptions/") :] for s in subs))


def _under(key: str, scopes: frozenset[str], depth: int) -> bool:
    """Whether ``key`` is one of ``scopes`` or lies below one (``depth``: the most slashes in
    a scope)."""
    if key in scopes:
        return True
    prefix = ""
    for part in key.split("/", depth + 1)[1 : depth + 1]:
        prefix += "/" + part
        if prefix in scopes:
            return True
    return False


def _below(view: SnapshotView, d: Dirty) -> dict[str, rowindex.AccessCols]:
    """B's rows a dirty scope or subscription lies above, by lower id. A's are not read: a row
    of A outside the changed buckets is in B as the same text (so this read finds it), and
    one in them is among A's changed rows already."""
    groups: set[str] = set()
    subs = set(d.subs)
    odd = False
    for s in d.scopes:
        parts = s.split("/")
        if parts[1:2] != ["subscriptions"]:
            odd = True  # a resource whose id lies outside any subscription (never in Azure)
        elif len(parts) >= 5 and parts[3] == "resourcegroups":
            groups.add(parts[4])
        else:  # a subscription, or a scope below it outside resource groups
            subs.add(parts[2])
    depth = max((s.count("/") for s in d.scopes), default=0)
    below = {}
    for row in rowindex.rows_maybe_in(view, subs, groups, odd_ids=odd):
        key = row[0].lower()
        if row[3].lower() in d.subs or _under(key, d.scopes, depth):
            below[key] = row
    return below


def _subscriptions(view: SnapshotView) -> dict[str, int]:
    """Resources per lower subscription GUID, from the index."""
    out: dict[str, int] = {}
    for sub, n in rowindex.resources_per_subscription(view).items():
        out[sub.lower()] = out.get(sub.lower(), 0) + n
    return out


def plan(a: SnapshotView, b: SnapshotView) -> Plan | None:
    """What to recompute, or None when the index cannot say (run the full computation)."""
    buckets = rowindex.changed_buckets(a, b)
    if buckets is None:
        return None
    counts_a = _subscriptions(a)
    in_a, in_b = rowindex.rows_in_buckets(a, b, buckets)
    rows_a, rows_b = {r[0].lower(): r for r in in_a}, {r[0].lower(): r for r in in_b}
    # B's subscriptions with resources: A's (rows outside the changed buckets are in both)
    # and those of B's changed rows; a subscription whose resources all went has a listing
    # status nobody asks for
    subs_b = counts_a.keys() | {r[3].lower() for r in rows_b.values()}
    # the inputs without resources first: they say which scopes are dirty
    ia, ib = load_inputs(a, {}, counts_a), load_inputs(b, {}, subs_b)
    d = dirty(ia, ib)
    below = _below(b, d)
    same_hash = {k for k, r in rows_a.items() if k in rows_b and rows_b[k][5] == r[5]}
    gone, new = rows_a.keys() - rows_b.keys(), rows_b.keys() - rows_a.keys()
    ra = {k: resource(r) for k, r in rows_a.items() if k not in same_hash}
    rb = {k: resource(r) for k, r in rows_b.items() if k not in same_hash}
    for k in [k for k in ra.keys() & rb.keys() if ra[k] == rb[k]]:
        del ra[k], rb[k]  # changed in fields access does not read
    # below a dirty scope: in both snapshots, the same record unless changed (already there)
    for k, row in below.items():
        if k not in new and (k not in ra or k not in rb):
            r = resource(row)
            ra.setdefault(k, r)
            rb.setdefault(k, r)
    same = sorted(ra.keys() & rb.keys())
    pairs = [(ra[k], rb[k], False) for k in same] + moves(ra, gone, rb, new)
    untouched = dict(counts_a)
    for k in chain(same, gone):
        untouched[ra[k].subscription] -= 1
    ia.resources, ib.resources = ra, rb
    return Plan(Access(ia), Access(ib), pairs, {s: n for s, n in untouched.items() if n})
