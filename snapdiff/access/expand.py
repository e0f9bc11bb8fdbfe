"""Effective access, computed once per distinct *scope profile* rather than per resource.

A resource's profile is its type and the scopes above it that hold grants or deny assignments;
resources sharing a profile share the answer. Group membership is expanded once per group.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..naming.ids import resource_group_scope
from .capabilities import allowed_ops, capabilities_of
from .model import EVERYONE, AccessInputs, Deny, Grant, Resource


@dataclass(frozen=True)
class Path:
    """How a principal holds a role on a resource."""

    grant: Grant
    via: tuple[str, ...]  # group ids, outermost first; () for a direct assignment
    caps: frozenset[str]  # what this role gives on the resource's type (before denies)


@dataclass
class Holder:
    """One principal's effective access to one resource."""

    caps: frozenset[str] = frozenset()  # active, after deny assignments
    eligible: frozenset[str] = frozenset()  # only through PIM activation (not already active)
    paths: list[Path] = field(default_factory=list)
    denied: list[tuple[Deny, frozenset[str]]] = field(default_factory=list)


@dataclass
class Profile:
    holders: dict[str, Holder]  # lower principal id -> access
    unknown_groups: frozenset[str]  # groups in the chain whose members could not be read
    unknown_roles: frozenset[str]  # role GUIDs in the chain whose definition was not readable
    scopes: tuple[str, ...]


ProfileKey = tuple[str, tuple[str, ...], bool]


class Expander:
    """Answers ``access(resource)`` for one snapshot, caching per profile and per group."""

    def __init__(self, inputs: AccessInputs):
        self.x = inputs
        self._scopes = inputs.grants.keys() | inputs.denies.keys()
        self._rg_chains: dict[str, tuple[str, ...]] = {}
        self._keys: dict[tuple[str, str], ProfileKey] = {}
        self._combos: dict[tuple[frozenset[str], frozenset[str], str], frozenset[str]] = {}
        # resource group -> scopes below it holding grants or denies, shortest (outermost) first
        self._deep_rgs: dict[str, list[str]] = {}
        for s in sorted(self._scopes, key=lambda s: (len(s), s)):
            if s.count("/") > 4:
                self._deep_rgs.setdefault(resource_group_scope(s), []).append(s)
        self._profiles: dict[tuple[ProfileKey, bool], Profile] = {}
        self._groups: dict[str, tuple[dict[str, tuple[tuple[str, ...], str]], bool]] = {}
        self._ops: dict[tuple[str, str], frozenset[str]] = {}
        self._deny_ops: dict[tuple[str, str], frozenset[str]] = {}
        # (id of a grant, only) -> (what it reaches, whether a group was unreadable); the grants
        # live as long as the inputs this expander holds
        self._by_grant: dict[
            tuple[int, frozenset[str]], tuple[list[tuple[str, tuple[str, ...]]], bool]
        ] = {}
        self._by_chain: dict[
            tuple[tuple[str, ...], frozenset[str]],
            tuple[
                list[tuple[Grant, list[tuple[str, tuple[str, ...]]]]], frozenset[str], list[Grant]
            ],
        ] = {}
        self._by_role: dict[
            tuple[tuple[str, ...], frozenset[str]], dict[tuple[str, bool], set[str]]
        ] = {}

    # -- keys --------------------------------------------------------------------------------
    def plain_group(self, rg: str) -> bool:
        """Whether every resource below resource group scope ``rg`` (lower-cased) has the key
        of its type in that group: no grant or deny sits on a single resource there."""
        return rg not in self._deep_rgs

    def key(self, r: Resource) -> ProfileKey:
        rid, rg = r.scope_key
        if rg not in self._deep_rgs:  # the common case: one key per group and type
            got = self._keys.get((rg, r.type))
            if got is None:
                chain = self._rg_chain(rg, r.subscription)
                got = self._keys[(rg, r.type)] = (r.type, chain, False)
            return got if not got[1] or got[1][-1] != rid else (r.type, got[1], True)
        base = self._rg_chain(rg, r.subscription)
        # grants or denies on single resources in this group: those at or above this one
        deeper = tuple(s for s in self._deep_rgs[rg] if rid == s or rid.startswith(s + "/"))
        chain = base + deeper
        return (r.type, chain, bool(chain) and chain[-1] == rid)

    def _rg_chain(self, rg: str, sub: str) -> tuple[str, ...]:
        base = self._rg_chains.get(rg)
        if base is None:
            above = self.x.scope_chain(rg, sub)
            base = self._rg_chains[rg] = tuple(s for s in above if s in self._scopes)
        return base

    def access(
        self, r: Resource, only: frozenset[str] | None = None, paths: bool = True
    ) -> Profile:
        """Who holds what on ``r``; ``only``: just these principals (much cheaper);
        ``paths=False``: capabilities without how they are held (cheaper)."""
        k = self.key(r)
        if only is not None:
            return self._compute(*k, only=only, paths=paths)
        p = self._profiles.get((k, paths))
        if p is None:
            p = self._profiles[(k, paths)] = self._compute(*k, paths=paths)
        return p

    # -- groups ------------------------------------------------------------------------------
    def members(self, gid: str) -> tuple[dict[str, tuple[tuple[str, ...], str]], bool]:
        """Transitive members of a group: id -> (via groups below ``gid``, kind); and whether
        the whole closure was readable."""
        got = self._groups.get(gid)
        if got is not None:
            return got
        direct, trans = self.x.members.direct, self.x.members.transitive
        out: dict[str, tuple[tuple[str, ...], str]] = {}
        known = True
        if direct.get(gid) is None and trans.get(gid) is not None:
            for mid, kind in trans[gid] or ():
                out.setdefault(mid, ((), kind))
        else:
            queue: deque[tuple[str, tuple[str, ...]]] = deque([(gid, ())])
            seen = {gid}
            while queue:
                g, via = queue.popleft()
                listed = direct.get(g)
                if listed is None:
                    known = False
                    continue
                for mid, kind in listed:
                    out.setdefault(mid, (via, kind))
                    if kind.lower() == "group" and mid not in seen:
                        seen.add(mid)
                        queue.append((mid, via + (mid,)))
        out.pop(gid, None)
        self._groups[gid] = (out, known)
        return out, known

    # -- the computation ---------------------------------------------------------------------
    def _role_ops(self, role: str, rtype: str) -> frozenset[str] | None:
        perms = self.x.roles.get(role)
        if perms is None:
            return None
        k = (role, rtype)
        if k not in self._ops:
            self._ops[k] = allowed_ops(perms, rtype)
        return self._ops[k]

    def _compute(
        self,
        rtype: str,
        chain: tuple[str, ...],
        self_scoped: bool,
        only: frozenset[str] | None = None,
        paths: bool = True,
    ) -> Profile:
        holders: dict[str, Holder] = {}
        active: dict[str, set[str]] = {}
        eligible: dict[str, set[str]] = {}
        unknown_groups: set[str] = set()
        reaching, unknown_roles, unreadable = self._chain_grants(chain, only)
        for g in unreadable:
            if self._role_ops(g.role, rtype):
                unknown_groups.add(g.principal)
        for g, reached in reaching:
            ops = self._role_ops(g.role, rtype)
            if not ops:  # nothing on this type, or a role not readable (in unknown_roles)
                continue
            caps = capabilities_of(ops, rtype)
            into = eligible if g.eligible else active
            for pid, via in reached:
                h = holders.setdefault(pid, Holder())
                if paths:
                    h.paths.append(Path(g, via, caps))
                into.setdefault(pid, set()).update(ops)
        for d in self.denies_in_force(chain, self_scoped):
            self._apply_deny(d, rtype, holders, active, eligible)
        for pid, h in holders.items():
            h.caps = capabilities_of(frozenset(active.get(pid, ())), rtype)
            h.eligible = capabilities_of(frozenset(eligible.get(pid, ())), rtype) - h.caps
        holders = {k: v for k, v in holders.items() if v.caps or v.eligible or v.denied}
        return Profile(holders, frozenset(unknown_groups), unknown_roles, chain)

    def _chain_grants(
        self, chain: tuple[str, ...], only: frozenset[str] | None
    ) -> tuple[list[tuple[Grant, list[tuple[str, tuple[str, ...]]]]], frozenset[str], list[Grant]]:
        """The grants along the chain that reach someone, in order, with whom they reach;
        the roles of its grants whose definition is not readable; its grants to groups whose
        members are not readable. Whatever the resource type: with ``only`` given, cached per
        chain (bounded by the candidates)."""
        got = self._by_chain.get((chain, only)) if only is not None else None
        if got is None:
            reaching, roles, unreadable = [], set(), []
            for g, reached, unknown in self._grants_reaching(chain, only):
                if self.x.roles.get(g.role) is None:
                    roles.add(g.role)
                if unknown:
                    unreadable.append(g)
                if reached:
                    reaching.append((g, reached))
            got = (reaching, frozenset(roles), unreadable)
            if only is not None:
                self._by_chain[(chain, only)] = got
        return got

    def _grants_reaching(
        self, chain: tuple[str, ...], only: frozenset[str] | None
    ) -> Iterator[tuple[Grant, list[tuple[str, tuple[str, ...]]], bool]]:
        """Every grant along the chain, in order, with the (principal, via groups) it reaches
        and whether its group's members were unreadable. What a grant reaches does not depend
        on the resource type or the chain: with ``only`` given it is cached per grant, so the
        profiles sharing grants expand their groups once."""
        for scope in chain:
            for g in self.x.grants.get(scope, ()):
                if only is None:
                    unknown: set[str] = set()
                    yield g, self._reached(g, only, unknown), bool(unknown)
                    continue
                k = (id(g), only)
                got = self._by_grant.get(k)
                if got is None:
                    unknown = set()
                    got = self._by_grant[k] = (self._reached(g, only, unknown), bool(unknown))
                yield g, got[0], got[1]

    def is_group(self, g: Grant) -> bool:
        """Whether a grant's principal is a group (by type, or by its stored members)."""
        return g.principal_type.lower() == "group" or g.principal in self.x.members.direct

    def picked_members(
        self, gid: str, only: frozenset[str] | None
    ) -> tuple[Iterable[tuple[str, tuple[tuple[str, ...], str]]], bool]:
        """A group's transitive members (restricted to ``only``), and whether all were read."""
        members, known = self.members(gid)
        picked: Iterable[tuple[str, tuple[tuple[str, ...], str]]]
        if only is None:
            picked = members.items()
        elif len(only) < len(members):
            picked = [(m, members[m]) for m in only if m in members]
        else:
            picked = [(m, v) for m, v in members.items() if m in only]
        return picked, known

    def _reached(
        self, g: Grant, only: frozenset[str] | None, unknown_groups: set[str]
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(principal, via groups) the grant reaches: its principal and, for a group, every
        member that is not itself a group; unreadable groups go to ``unknown_groups``."""
        reached: list[tuple[str, tuple[str, ...]]] = []
        if only is None or g.principal in only:
            reached.append((g.principal, ()))
        if self.is_group(g):
            picked, known = self.picked_members(g.principal, only)
            if not known:
                unknown_groups.add(g.principal)
            reached += [
                (m, (g.principal,) + via) for m, (via, kind) in picked if kind.lower() != "group"
            ]
        return reached

    def denies_in_force(self, chain: tuple[str, ...], self_scoped: bool) -> Iterator[Deny]:
        """Deny assignments along the chain that reach its end (child scopes, or the resource
        itself when the chain ends at it)."""
        for n, scope in enumerate(chain):
            for d in self.x.denies.get(scope, ()):
                if d.child_scopes or (self_scoped and n == len(chain) - 1):
                    yield d

    def deny_ops(self, d: Deny, rtype: str) -> frozenset[str]:
        """The operations on ``rtype`` a deny assignment takes away (cached)."""
        k = (d.id, rtype)
        if k not in self._deny_ops:
            self._deny_ops[k] = allowed_ops(d.perms, rtype)
        return self._deny_ops[k]

    def deny_principals(self, d: Deny) -> tuple[set[str], set[str]]:
        """(principals named, with the members of named groups; principals excluded, with
        the members of excluded groups)."""
        excluded = set(d.excluded)
        for e in d.excluded:
            excluded |= self.members(e)[0].keys()
        named: set[str] = set(d.principals)
        for p in d.principals:
            if p in self.x.members.direct:
                named |= self.members(p)[0].keys()
        return named, excluded

    def _apply_deny(
        self,
        d: Deny,
        rtype: str,
        holders: dict[str, Holder],
        active: dict[str, set[str]],
        eligible: dict[str, set[str]],
    ) -> None:
        denied = self.deny_ops(d, rtype)
        if not denied:
            return
        named, excluded = self.deny_principals(d)
        targets = set(holders) if EVERYONE in d.principals else named
        for pid in sorted(targets - excluded):
            h = holders.get(pid)
            if h is None:
                continue
            lost = (active.get(pid, set()) | eligible.get(pid, set())) & denied
            if lost:
                h.denied.append((d, capabilities_of(frozenset(lost), rtype)))
                active.get(pid, set()).difference_update(denied)
                eligible.get(pid, set()).difference_update(denied)


def fast_caps(
    e: Expander, key: ProfileKey, only: frozenset[str] | None
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Principal -> (active, eligible-only) capabilities on a profile, without paths: the
    cheap first pass of the diff. Same rules as ``Expander._compute``, but a principal is
    reduced to the roles and deny assignments reaching it, and capabilities are computed
    once per such combination."""
    rtype, chain, self_scoped = key
    roles = _roles_reaching(e, rtype, chain, only)
    denied: dict[str, set[str]] = {}
    deny_ops: dict[str, frozenset[str]] = {}
    for d in e.denies_in_force(chain, self_scoped):
        ops = e.deny_ops(d, rtype)
        if not ops:
            continue
        deny_ops[d.id] = ops
        named, excluded = e.deny_principals(d)
        everyone = EVERYONE in d.principals
        for pid in roles[0].keys() | roles[1].keys():
            if (everyone or pid in named) and pid not in excluded:
                denied.setdefault(pid, set()).add(d.id)
    out = {}
    none: frozenset[str] = frozenset()
    for pid in roles[0].keys() | roles[1].keys():
        dn = frozenset(denied.get(pid, none))
        act = _combo(e, frozenset(roles[0].get(pid, none)), dn, deny_ops, rtype)
        elig = _combo(e, frozenset(roles[1].get(pid, none)), dn, deny_ops, rtype) - act
        if act or elig:
            out[pid] = (act, elig)
    return out


def _roles_reaching(
    e: Expander, rtype: str, chain: tuple[str, ...], only: frozenset[str] | None
) -> list[dict[str, set[str]]]:
    """[active, eligible]: principal -> GUIDs of the roles along the chain that reach it
    (directly or as a member of a group) and grant something on ``rtype``."""
    by_role = _principals_by_role(e, chain, only)
    roles: list[dict[str, set[str]]] = [{}, {}]
    for (role, eligible), pids in by_role.items():
        if not e._role_ops(role, rtype):
            continue
        into = roles[eligible]
        for pid in pids:
            into.setdefault(pid, set()).add(role)
    return roles


def _principals_by_role(
    e: Expander, chain: tuple[str, ...], only: frozenset[str] | None
) -> dict[tuple[str, bool], set[str]]:
    """(role GUID, eligible) -> principals a grant of it along the chain reaches (directly or
    as a member of a group), whatever the resource type: cached per chain and ``only``, so
    the resource types sharing a chain expand its groups once."""
    got = e._by_role.get((chain, only)) if only is not None else None
    if got is None:
        got = {}
        for g, reached, _ in e._grants_reaching(chain, only):
            into = got.setdefault((g.role, g.eligible), set())
            into.update(pid for pid, _ in reached)
        if only is not None:  # bounded by the candidates; everyone would be every chain's
            e._by_role[(chain, only)] = got
    return got


def _combo(
    e: Expander,
    roles: frozenset[str],
    denies: frozenset[str],
    deny_ops: dict[str, frozenset[str]],
    rtype: str,
) -> frozenset[str]:
    k = (roles, denies, rtype)
    got = e._combos.get(k)
    if got is None:
        ops: set[str] = set()
        for r in roles:
            ops |= e._role_ops(r, rtype) or set()
        for d in denies:
            ops -= deny_ops[d]
        got = e._combos[k] = capabilities_of(frozenset(ops), rtype)
    return got
