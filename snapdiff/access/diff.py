"""The ``access`` diff section: who gained or lost a capability on a resource, and why.

Changes are aggregated per principal, direction, capabilities and cause, each listing the
resources reached (highest CIA first); the list is sorted by the highest CIA value reached.
A change that depends on something unreadable that decides it (the members of a group, a role
definition, the other side's PIM eligibility) is counted as not compared. Deny assignments only
take access away: when they could not be read on the side that holds the access, the change is
still reported, marked as an upper bound (``upper_bound``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from ..gcpause import paused_gc
from ..naming.cia_rule import require_cia_rule, valid_cia_rule
from ..snapshot import SnapshotView
from ..status import Outcome
from .capabilities import PRIVILEGED, ordered
from .expand import Holder, Profile, ProfileKey, fast_caps
from .incremental import plan
from .model import Resource
from .pairs import moves
from .query import Access

log = logging.getLogger(__name__)


@dataclass
class Reached:
    id: str
    type: str
    cia: list[int] | None
    capabilities: list[str]
    name: str = ""


@dataclass
class AccessChange:
    principal: str
    principal_name: str | None  # "display name (UPN or appId)"; None when the snapshot has none
    change: str  # gained, lost, or raised (same access, CIA tag raised)
    capabilities: list[str]
    eligible: bool  # PIM-eligible access, not active
    causes: list[str]
    resources: list[Reached] = field(default_factory=list)
    # why the access may be less than computed ("deny assignments forbidden in B"), or None
    upper_bound: str | None = None
    principal_type: str = ""  # User, Group, ServicePrincipal, ... ("" when unknown)
    # the group (name, else id) every cause of the change goes through, or None
    via_group: str | None = None
    principal_display: str | None = None  # the display name alone
    principal_upn: str | None = None  # userPrincipalName, or appId of a service principal

    @property
    def top(self) -> tuple[int, int, int]:
        cias = [r.cia for r in self.resources if r.cia]
        return tuple(max(c[i] for c in cias) for i in range(3)) if cias else (-1, -1, -1)  # type: ignore[return-value]

    @property
    def privileged(self) -> bool:
        return bool(set(self.capabilities) & PRIVILEGED)


@dataclass
class AccessDiff:
    changes: list[AccessChange] = field(default_factory=list)
    not_compared: list[dict[str, str]] = field(default_factory=list)  # subject, reason
    resources_compared: int = 0
    # compared, but as an upper bound (deny assignments unreadable): subject, reason
    upper_bound: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {k: sum(c.change == k for c in self.changes) for k in ("gained", "lost", "raised")}
        out["privileged"] = sum(c.privileged for c in self.changes)
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for c, raw in zip(self.changes, d["changes"], strict=False):
            raw["top_cia"] = list(c.top) if c.top[0] >= 0 else None
        d["counts"] = self.counts()
        return d

    def fails(self, rule: str) -> bool:
        """Whether ``--fail-on`` ``access`` or ``access:c>=8`` (c, i, a; >=, >, =) matches."""
        if rule == "access":
            return bool(self.changes)
        r = require_cia_rule("access", rule)
        return any(r.meets(res.cia) for ch in self.changes for res in ch.resources)


def valid_rule(rule: str) -> bool:
    """``access``, or a CIA rule that some value in 0..10 can meet (``c>=11`` never could)."""
    return valid_cia_rule("access", rule)


def _pairs(xa: Access, xb: Access) -> list[tuple[Resource, Resource, bool]]:
    """Resources in both snapshots (by id), plus moves (same type, name and subscription,
    unique on each side); the flag says the resource moved."""
    ra, rb = xa.x.resources, xb.x.resources
    out = [(ra[k], rb[k], False) for k in sorted(ra.keys() & rb.keys())]
    return out + moves(ra, ra.keys() - rb.keys(), rb, rb.keys() - ra.keys())


class _Differ:
    def __init__(self, xa: Access, xb: Access):
        self.xa, self.xb = xa, xb
        self.grants = [{g.id.lower() for gs in x.x.grants.values() for g in gs} for x in (xa, xb)]
        self._delta: dict[Any, Any] = {}
        self._members: dict[str, set[str]] = {}
        self._full: dict[Any, dict[str, Any]] = {}
        self._kept: dict[Any, list[tuple[str, frozenset[str]]]] = {}
        # roles whose permissions differ (or are unreadable) between A and B: only a grant of
        # one of these can give different operations on the same resource type
        ra, rb = xa.x.roles, xb.x.roles
        self.roles_changed = frozenset(
            g for g in ra.keys() | rb.keys() if ra.get(g) != rb.get(g) or ra.get(g) is None
        )
        # scopes holding a grant of such a role: only through them do candidates depend on
        # the resource type when both sides' types agree
        self._typed = {
            s
            for x in (xa, xb)
            for s, gs in x.x.grants.items()
            if any(g.role in self.roles_changed for g in gs)
        }
        self._candidates: dict[Any, frozenset[str] | None] = {}

    def cause(
        self, side: int, h: Holder, other: Holder | None, cap: str, rtype: str, moved: bool
    ) -> list[str]:
        """Why a capability is held on ``side`` (0 = A, 1 = B) and not on the other."""
        mine, theirs = (self.xa, self.xb) if side == 0 else (self.xb, self.xa)
        other_grants = self.grants[1 - side]
        other_paths = {p.grant.id.lower() for p in (other.paths if other else [])}
        out = []
        for p in h.paths:
            if cap not in p.caps:
                continue
            gid = p.grant.id.lower()
            at = f"{p.grant.role_name} at {p.grant.scope}"
            if gid not in other_grants:
                out.append(f"{'new' if side == 1 else 'removed'} assignment: {at}")
            elif p.via and gid not in other_paths:
                chain = " > ".join(mine.name(g) for g in p.via)
                verb = "new member of" if side == 1 else "no longer a member of"
                out.append(f"{verb} group {chain} ({at})")
            elif moved:
                out.append(f"resource moved under another scope ({at})")
            elif theirs.expander._role_ops(p.grant.role, rtype) != mine.expander._role_ops(
                p.grant.role, rtype
            ):
                out.append(f"role definition changed: {p.grant.role_name}")
            elif other is not None and other.denied:
                out.append(
                    f"deny assignment {'removed' if side == 1 else 'added'}: "
                    + ", ".join(sorted({d.name for d, _ in other.denied}))
                )
            elif gid in other_paths:
                out.append(f"scope changed above the resource ({at})")
        if not out and h.denied:
            out.append("deny assignment " + ("removed" if side == 0 else "added"))
        return sorted(set(out)) or ["changed"]

    def candidates(self, ka: Any, kb: Any) -> frozenset[str] | None:
        """Principals whose access may differ between profile ``ka`` (A) and ``kb`` (B): those
        of grants on only one side or whose role changed, and membership changes of groups
        granted on both; None (everyone) when deny assignments differ."""
        (ta, ca, _), (tb, cb, _) = ka, kb
        typed = ta != tb or any(s in self._typed for s in ca + cb)
        k = (ta, ca, tb, cb) if typed else (ca, cb)
        if k not in self._candidates:
            self._candidates[k] = self._candidates_of(ka, kb)
        return self._candidates[k]

    def _candidates_of(self, ka: Any, kb: Any) -> frozenset[str] | None:
        ea, eb = self.xa.expander, self.xb.expander
        (ta, ca, _), (tb, cb, _) = ka, kb
        da = {d for s in ca for d in self.xa.x.denies.get(s, ())}
        db = {d for s in cb for d in self.xb.x.denies.get(s, ())}
        if da != db:
            return None
        ga = {g.id.lower(): g for s in ca for g in self.xa.x.grants.get(s, ())}
        gb = {g.id.lower(): g for s in cb for g in self.xb.x.grants.get(s, ())}
        out: set[str] = set()
        for gid in ga.keys() | gb.keys():
            x, y = ga.get(gid), gb.get(gid)
            same = (
                x is not None
                and y is not None
                and x == y
                and (
                    x.role not in self.roles_changed
                    or ea._role_ops(x.role, ta) == eb._role_ops(y.role, tb)
                )
                and (ta == tb or ea._role_ops(x.role, ta) == eb._role_ops(y.role, tb))
            )
            for side, g, e in ((0, x, ea), (1, y, eb)):
                if g is None:
                    continue
                if not same:
                    out.add(g.principal)
                    out.update(e.members(g.principal)[0])
                elif side == 0:
                    out.update(self.member_delta(g.principal))
        return frozenset(out)

    def kept(self, ka: ProfileKey, kb: ProfileKey) -> list[tuple[str, frozenset[str]]]:
        """Principals holding a privileged capability on both profiles, and which: those a
        raised CIA tag concerns. Computed once per profile pair."""
        got = self._kept.get((ka, kb))
        if got is None:
            fa, fb = self._all(0, ka), self._all(1, kb)
            none: frozenset[str] = frozenset()
            got = [
                (pid, kept)
                for pid, (caps, _) in fb.items()
                if (kept := caps & fa.get(pid, (none, none))[0] & PRIVILEGED)
            ]
            self._kept[(ka, kb)] = got
        return got

    def _all(self, side: int, k: ProfileKey) -> dict[str, Any]:
        """Capabilities of every principal on profile ``k`` (no paths), cached."""
        got = self._full.get((side, k))
        if got is None:
            e = (self.xa if side == 0 else self.xb).expander
            got = self._full[(side, k)] = fast_caps(e, k, None)
        return got

    def member_delta(self, gid: str) -> set[str]:
        got = self._members.get(gid)
        if got is None:
            ma, mb = self.xa.expander.members(gid)[0], self.xb.expander.members(gid)[0]
            got = self._members[gid] = set(ma.keys() ^ mb.keys())
        return got

    def delta(self, ka: ProfileKey, kb: ProfileKey, moved: bool, subs: tuple[str, str]) -> Any:
        """Profiles ``ka`` (A) and ``kb`` (B) limited to the candidates, and their differences:
        (why A or B is not fully known, [(principal, change, caps, eligible, causes)])."""
        ea, eb = self.xa.expander, self.xb.expander
        k = (ka, kb, moved, subs)
        got = self._delta.get(k)
        if got is not None:
            return got
        only = self.candidates(ka, kb)
        qa, qb = fast_caps(ea, ka, only), fast_caps(eb, kb, only)
        changed = frozenset(p for p in qa.keys() | qb.keys() if qa.get(p) != qb.get(p))
        if not changed:  # nobody's access differs: nothing to explain
            self._delta[k] = ((None, None), [])
            return self._delta[k]
        pa, pb = ea._compute(*ka, only=changed), eb._compute(*kb, only=changed)
        unsure = (_certain(self.xa, pa), _certain(self.xb, pb))
        rtype = kb[0]
        out = []
        for pid in sorted(pa.holders.keys() | pb.holders.keys()):
            ha, hb = pa.holders.get(pid), pb.holders.get(pid)
            for eligible in (False, True):
                ca = (ha.eligible if eligible else ha.caps) if ha else frozenset()
                cb = (hb.eligible if eligible else hb.caps) if hb else frozenset()
                for change, caps, side, h, other in (
                    ("gained", cb - ca, 1, hb, ha),
                    ("lost", ca - cb, 0, ha, hb),
                ):
                    if not caps or h is None:
                        continue
                    by_cause: dict[tuple[str, ...], set[str]] = {}
                    for cap in caps:
                        by_cause.setdefault(
                            tuple(self.cause(side, h, other, cap, rtype, moved)), set()
                        ).add(cap)
                    for causes, cs in sorted(by_cause.items()):
                        via = _via(h, cs, eligible)
                        out.append((pid, change, frozenset(cs), eligible, list(causes), via))
        self._delta[k] = (unsure, out)
        return unsure, out


def _via(h: Holder, caps: set[str], eligible: bool) -> str | None:
    """The group (id) holding the assignment of every path that gives ``caps``, or None."""
    groups = {
        p.via[0] if p.via else None
        for p in h.paths
        if p.grant.eligible == eligible and p.caps & caps
    }
    return next(iter(groups)) if len(groups) == 1 else None


def _certain(x: Access, prof: Profile) -> str | None:
    """Why this side's access on a resource is not fully known (a lower bound), or None."""
    if prof.unknown_groups:
        return (
            "members of "
            + ", ".join(sorted(x.name(g) for g in prof.unknown_groups))
            + " not readable"
        )
    if prof.unknown_roles:
        return "role definition " + ", ".join(sorted(prof.unknown_roles)) + " not readable"
    return None


def _deny_unknown(x: Access, sub_scope: str, side: str) -> str | None:
    """Why deny assignments over a subscription are unknown on one side (its access is then
    an upper bound), or None: the subscription's listing, or one of a management group above
    it, did not answer ``ok`` (a listing never asked, ``missing``, is computed without)."""
    st = x.x.coverage.get(sub_scope, {}).get("denies", Outcome.MISSING)
    if st not in (Outcome.OK, Outcome.MISSING):
        return f"deny assignments {st} in {side}"
    above = set(x.x.tree.groups_above(sub_scope))
    for what, scope, status in x.x.unreadable:
        if what == "deny assignments" and scope.lower() in above:
            return f"deny assignments {status} in {side} (at {scope})"
    return None


def _unread_deny(cause: str, change: str) -> str:
    """A deny-assignment cause when the side that lacks the deny could not list its denies:
    the deny was not seen there, which is not the same as removed."""
    verb = "deny assignment removed" if change == "gained" else "deny assignment added"
    if not cause.startswith(verb):
        return cause
    seen, unread = ("A", "B") if change == "gained" else ("B", "A")
    what = cause[len(verb) :].lstrip(": ")
    return f"deny assignment {what + ' ' if what else ''}in {seen}, not readable in {unread}"


def _elig_decides(change: str, sta: dict[str, str], stb: dict[str, str]) -> bool:
    """Whether an eligible (PIM) change is decided: the side that lacks the access must have
    listed eligibility (``ok``); both never asked (``missing``) compares like with like."""
    a, b = sta.get("eligible"), stb.get("eligible")
    if a == b == Outcome.MISSING:
        return True
    return (a if change == "gained" else b) == Outcome.OK


def _elig_note(sta: dict[str, str], stb: dict[str, str]) -> str:
    return f"PIM-eligible assignments: {sta.get('eligible')} in A, {stb.get('eligible')} in B"


def diff_access(a: SnapshotView, b: SnapshotView, *, incremental: bool = True) -> AccessDiff:
    """Effective access of ``a`` (before) against ``b`` (after). With both snapshots indexed,
    only the resources that changed rows reach are recomputed
    (``snapdiff.access.incremental``); ``incremental=False``, or without an index, every
    resource is (the reference computation: both give the same answer)."""
    with paused_gc():  # millions of small acyclic objects: reference counting frees them
        if incremental:
            p = plan(a, b)
            if p is not None:
                try:
                    return _compare(p.xa, p.xb, p.pairs, p.untouched)
                except _Undecided:  # the full computation below decides it
                    log.debug("access: the PIM note needs every resource; computing in full")
        xa, xb = Access.of(a), Access.of(b)
        return _compare(xa, xb, _pairs(xa, xb), {})


class _Undecided(Exception):
    """Resources not recomputed would decide the PIM-eligibility note: they do when its text
    differs between subscriptions (the last resource in id order wins), and the incremental
    plan does not know their ids."""


def _compare(
    xa: Access,
    xb: Access,
    pairs: list[tuple[Resource, Resource, bool]],
    untouched: dict[str, int],
) -> AccessDiff:
    """The access diff over ``pairs`` (in the full computation's order), plus, for
    ``untouched`` (lower subscription GUID -> resources in both, unchanged, not in ``pairs``),
    what they count: compared, not compared, upper bound."""
    d = _Differ(xa, xb)
    out = AccessDiff()
    agg = _Agg()
    skipped: dict[str, int] = {}
    out.not_compared += _graph_notes(xa, xb)
    groups, raised, elig_note = _group(xa, xb, pairs, out, skipped)
    bounded: dict[str, int] = {}  # upper-bound reason -> resources
    notes = _count_untouched(xa, xb, untouched, out, skipped, bounded)
    if elig_note:
        notes.add(elig_note)
    if len(notes) > 1:
        raise _Undecided
    elig_note = next(iter(notes), None)
    for (ka, kb, moved, sa, sb), rbs in groups.items():
        sta, stb = xa.x.coverage.get(sa, {}), xb.x.coverage.get(sb, {})
        (unsure_a, unsure_b), delta = d.delta(ka, kb, moved, (sa, sb))
        # a gain is as sure as A's lower bound and B's upper bound; a loss the other way round
        upper = {"gained": _deny_unknown(xb, sb, "B"), "lost": _deny_unknown(xa, sa, "A")}
        for why in {u for u in upper.values() if u}:
            bounded[why] = bounded.get(why, 0) + len(rbs)
        for pid, change, caps, eligible, causes, via in delta:
            unsure = unsure_a if change == "gained" else unsure_b
            if unsure or (eligible and not _elig_decides(change, sta, stb)):
                why = unsure or _elig_note(sta, stb)
                skipped[why] = skipped.get(why, 0) + len(rbs)
                continue
            x = xa if change == "lost" else xb
            if upper[change]:
                causes = [_unread_deny(c, change) for c in causes]
            agg.add(x, pid, change, caps, eligible, causes, rbs, upper[change], via)
    for (ka, kb, cause, sb), rbs in raised.items():
        for pid, kept in d.kept(ka, kb):
            agg.add(xb, pid, "raised", kept, False, [cause], rbs, _deny_unknown(xb, sb, "B"))
    _add_notes(out, skipped, bounded, elig_note)
    out.changes = agg.sorted()
    return out


def _group(
    xa: Access,
    xb: Access,
    pairs: list[tuple[Resource, Resource, bool]],
    out: AccessDiff,
    skipped: dict[str, int],
) -> tuple[dict[Any, list[Resource]], dict[Any, list[Resource]], str | None]:
    """Resources sharing both profiles, the move flag and their subscriptions share the
    answer: the pairs grouped so (in first-seen order), to compare once per group; the pairs
    whose CIA tag was raised, grouped by profiles, cause and subscription; the PIM note the
    last pair raises. Counts what is compared (``out``) and what not (``skipped``)."""
    groups: dict[Any, list[Resource]] = {}
    raised: dict[Any, list[Resource]] = {}
    elig_note = None
    cover: dict[tuple[str, str], tuple[str, str, str | None, str | None]] = {}
    key_a, key_b = xa.expander.key, xb.expander.key
    plain_a, plain_b = xa.expander.plain_group, xb.expander.plain_group
    # (resource group scope, type, subscription) -> the group and PIM note of the resources
    # there that are the same record on both sides (most of those recomputed): every one of
    # them has the same keys, as ``key`` would find them one by one
    same: dict[tuple[str, str, str], tuple[list[Resource], str | None]] = {}
    for ra, rb, moved in pairs:
        if ra is rb:
            rid, rg = ra.scope_key
            hit = same.get((rg, ra.type, ra.subscription)) if rid != rg else None
            if hit is not None:
                out.resources_compared += 1
                hit[0].append(rb)
                if hit[1] is not None:
                    elig_note = hit[1]
                continue
        c = cover.get((ra.subscription, rb.subscription))
        if c is None:
            c = cover[(ra.subscription, rb.subscription)] = _cover(xa, xb, ra, rb)
        sa, sb, why, note = c
        if why is not None:
            skipped[why] = skipped.get(why, 0) + 1
            continue
        out.resources_compared += 1
        ka, kb = key_a(ra), key_b(rb)
        got = groups.get((ka, kb, moved, sa, sb))
        if got is None:
            got = groups[(ka, kb, moved, sa, sb)] = [rb]
        else:
            got.append(rb)
        if note is not None:
            elig_note = note
        if ra is rb and not moved:
            rid, rg = ra.scope_key
            if rid != rg and plain_a(rg) and plain_b(rg):
                same[(rg, ra.type, ra.subscription)] = (got, note)
        if ra.cia and rb.cia and ra.cia != rb.cia and _raised(ra.cia, rb.cia):
            cause = f"CIA tag raised: C{ra.cia[0]} I{ra.cia[1]} A{ra.cia[2]} -> C{rb.cia[0]} I{rb.cia[1]} A{rb.cia[2]}"
            raised.setdefault((ka, kb, cause, sb), []).append(rb)
    return groups, raised, elig_note


def _cover(
    xa: Access, xb: Access, ra: Resource, rb: Resource
) -> tuple[str, str, str | None, str | None]:
    """What a pair's subscriptions decide, the same for every pair in them (the loop asks
    once per pair of subscriptions): their scopes, why the pair is not compared (role
    assignments not listed) or None, and the PIM-eligibility note it raises or None."""
    sa, sb = f"/subscriptions/{ra.subscription}", f"/subscriptions/{rb.subscription}"
    sta, stb = xa.x.coverage.get(sa, {}), xb.x.coverage.get(sb, {})
    if sta.get("assignments") != Outcome.OK or stb.get("assignments") != Outcome.OK:
        return sa, sb, _not_listed(sa, sb, sta, stb), None
    decided = _elig_decides("gained", sta, stb) and _elig_decides("lost", sta, stb)
    return sa, sb, None, None if decided else _elig_note(sta, stb)


def _raised(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return any(y > x for x, y in zip(a, b, strict=False))


def _count_untouched(
    xa: Access,
    xb: Access,
    untouched: dict[str, int],
    out: AccessDiff,
    skipped: dict[str, int],
    bounded: dict[str, int],
) -> set[str]:
    """Count the resources not recomputed as the loop over pairs counts them (each in the
    same subscription on both sides); returns the PIM-eligibility notes they raise."""
    notes = set()
    for sub, n in sorted(untouched.items()):
        s = f"/subscriptions/{sub}"
        sta, stb = xa.x.coverage.get(s, {}), xb.x.coverage.get(s, {})
        if sta.get("assignments") != Outcome.OK or stb.get("assignments") != Outcome.OK:
            why = _not_listed(s, s, sta, stb)
            skipped[why] = skipped.get(why, 0) + n
            continue
        out.resources_compared += n
        if not (_elig_decides("gained", sta, stb) and _elig_decides("lost", sta, stb)):
            notes.add(_elig_note(sta, stb))
        for why in {u for u in (_deny_unknown(xb, s, "B"), _deny_unknown(xa, s, "A")) if u}:
            bounded[why] = bounded.get(why, 0) + n
    return notes


def _not_listed(sa: str, sb: str, sta: dict[str, str], stb: dict[str, str]) -> str:
    """Why a pair is not compared: its role assignments were not listed on one side."""
    return f"role assignments at {sa if sta.get('assignments') != 'ok' else sb} " + (
        f"{sta.get('assignments')} in A"
        if sta.get("assignments") != Outcome.OK
        else f"{stb.get('assignments')} in B"
    )


def _graph_notes(xa: Access, xb: Access) -> list[dict[str, str]]:
    """Access through groups is not compared on a side whose Graph listing failed."""
    return [
        {
            "subject": "access through groups",
            "reason": f"Microsoft Graph {x.x.graph_status} in {side}",
        }
        for side, x in (("A", xa), ("B", xb))
        if x.x.graph_status not in (Outcome.OK, Outcome.MISSING)
    ]


def _add_notes(
    out: AccessDiff, skipped: dict[str, int], bounded: dict[str, int], elig_note: str | None
) -> None:
    """What was not compared, and what is an upper bound, with how many resources each."""
    for why, n in sorted(skipped.items()):
        out.not_compared.append({"subject": f"access on {n} resource(s)", "reason": why})
    for why, n in sorted(bounded.items()):
        out.upper_bound.append(
            {
                "subject": f"access on {n} resource(s)",
                "reason": f"{why}: access is an upper bound (deny assignments only take "
                "access away)",
            }
        )
    if elig_note:
        out.not_compared.append(
            {
                "subject": "PIM-eligible access",
                "reason": elig_note + "; eligible changes the unreadable side decides are not"
                " compared",
            }
        )


class _Agg:
    """Changes aggregated per principal, direction, eligibility and causes."""

    def __init__(self) -> None:
        self.changes: dict[Any, AccessChange] = {}
        self.caps: dict[Any, frozenset[str]] = {}
        self.reached: dict[tuple[str, frozenset[str]], Reached] = {}
        self.order: dict[int, tuple[int, str]] = {}  # id(reached) -> its place in a list

    def add(
        self,
        x: Access,
        pid: str,
        change: str,
        caps: frozenset[str],
        eligible: bool,
        causes: list[str],
        rs: list[Resource],
        upper: str | None = None,
        via: str | None = None,
    ) -> None:
        """Record one change reaching every resource of ``rs``."""
        key = (pid, change, eligible, tuple(causes), upper, via)
        ch = self.changes.get(key)
        if ch is None:
            ch = AccessChange(*x.who(pid), change, [], eligible, causes, upper_bound=upper)
            ch.principal_type = x.kind(pid)
            n = x.x.names.get(pid)
            if n is not None:
                ch.principal_display, ch.principal_upn = n.display_name, n.upn_or_app_id or None
            ch.via_group = x.name(via) if via else None
            self.changes[key], self.caps[key] = ch, frozenset()
        if not caps <= self.caps[key]:
            self.caps[key] |= caps
            ch.capabilities = ordered(self.caps[key])
        shown = ordered(caps)
        for r in rs:
            rk = (r.id, caps)
            got = self.reached.get(rk)
            if got is None:
                got = self.reached[rk] = Reached(
                    r.id, r.type, list(r.cia) if r.cia else None, shown, r.name
                )
                self.order[id(got)] = (-r.top, r.scope_key[0])
            ch.resources.append(got)

    def sorted(self) -> list[AccessChange]:
        """Each change's resources by highest CIA value; changes by the highest reached."""
        order = self.order
        for ch in self.changes.values():
            ch.resources.sort(key=lambda r: order[id(r)])
        top = {id(c): max(c.top) for c in self.changes.values()}
        return sorted(
            self.changes.values(),
            key=lambda c: (
                -top[id(c)],
                -c.privileged,
                c.change,
                (c.principal_name or c.principal).lower(),
                c.principal,
                c.capabilities,
                c.causes,
            ),
        )


COLLAPSE_AT = 6  # members of one group changing alike are listed as one entry from this many


@dataclass
class AccessEntry:
    """What a report lists: one principal with every change it had, or (``via_group`` set)
    the members of one group whose change was the same, collapsed into one entry."""

    changes: list[AccessChange]  # a principal's changes; a collapsed group's shared change
    members: list[AccessChange]  # one change per principal: a collapsed group's members
    via_group: str | None = None

    @property
    def top(self) -> int:
        return max((max(c.top) for c in self.changes), default=-1)

    @property
    def privileged(self) -> bool:
        return any(c.privileged for c in self.changes)

    @property
    def label(self) -> str:
        c = self.members[0]
        return c.principal_display or c.principal_name or c.principal


def entries(d: AccessDiff, collapse_at: int = COLLAPSE_AT) -> list[AccessEntry]:
    """The changes as a person reads them: one entry per principal with every cause under
    it; members of one group whose change is the same (capabilities, causes, resources) as
    one entry when there are ``collapse_at`` or more. Highest CIA value reached first, then
    privileged, then by name."""
    alike: dict[Any, list[AccessChange]] = {}
    for c in d.changes:
        if c.via_group:
            key = (
                c.via_group,
                c.change,
                tuple(c.capabilities),
                c.eligible,
                tuple(c.causes),
                c.upper_bound,
                tuple(r.id for r in c.resources),
            )
            alike.setdefault(key, []).append(c)
    groups = [cs for cs in alike.values() if len({c.principal for c in cs}) >= collapse_at]
    collapsed = {id(c) for cs in groups for c in cs}
    out = [AccessEntry([cs[0]], cs, cs[0].via_group) for cs in groups]
    by_principal: dict[str, list[AccessChange]] = {}
    for c in d.changes:
        if id(c) not in collapsed:
            by_principal.setdefault(c.principal, []).append(c)
    out += [AccessEntry(cs, [cs[0]]) for cs in by_principal.values()]
    return sorted(
        out,
        key=lambda e: (
            -e.top,
            not e.privileged,
            e.via_group is not None,
            e.label.lower(),
            e.members[0].principal,
        ),
    )


def _o(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": sorted(props),
        "additionalProperties": False,
    }


_S, _I, _B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_L = {"type": "array", "items": _S}
_CIA = {"type": ["array", "null"], "items": _I}
# JSON schema of AccessDiff.to_dict(), the "access" member of `snapdiff diff --format json`.
SCHEMA: dict[str, Any] = _o(
    {
        "changes": {
            "type": "array",
            "items": _o(
                {
                    "principal": _S,
                    "principal_name": {"type": ["string", "null"]},
                    "change": {"type": "string", "enum": ["gained", "lost", "raised"]},
                    "capabilities": _L,
                    "eligible": _B,
                    "causes": _L,
                    "top_cia": _CIA,
                    "upper_bound": {"type": ["string", "null"]},
                    "principal_type": _S,
                    "via_group": {"type": ["string", "null"]},
                    "principal_display": {"type": ["string", "null"]},
                    "principal_upn": {"type": ["string", "null"]},
                    "resources": {
                        "type": "array",
                        "items": _o(
                            {"id": _S, "type": _S, "cia": _CIA, "capabilities": _L, "name": _S}
                        ),
                    },
                }
            ),
        },
        "not_compared": {"type": "array", "items": _o({"subject": _S, "reason": _S})},
        "upper_bound": {"type": "array", "items": _o({"subject": _S, "reason": _S})},
        "resources_compared": _I,
        "counts": {"type": "object", "additionalProperties": _I},
    }
)
