"""Queries over one snapshot's effective access: by resource, by principal, or everything."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import SnapdiffError
from ..gcpause import paused_gc
from ..read.principals import find_principal
from ..snapshot import SnapshotView
from ..status import Outcome
from .capabilities import PRIVILEGED, ordered
from .expand import Expander, Holder, Path
from .model import AccessInputs, Resource, load_inputs


@dataclass
class Via:
    role: str
    scope: str
    how: str  # "direct", "via group G", "via group G, nested via H"
    inherited: bool  # the assignment is at a scope above the resource
    eligible: bool
    capabilities: list[str]
    groups: list[str] = field(default_factory=list)  # the "how" groups' names, outermost first


@dataclass
class Entry:
    """One principal's access to one resource."""

    resource: str
    type: str
    cia: list[int] | None
    principal: str
    principal_name: str | None  # "display name (UPN or appId)"; None when the snapshot has none
    capabilities: list[str]
    eligible: list[str]
    paths: list[Via] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)  # "<deny name>: <capabilities>"
    principal_display: str | None = None  # the display name alone
    principal_upn: str | None = None  # userPrincipalName, or appId of a service principal
    principal_type: str = ""  # User, Group, ServicePrincipal, ... ("" when unknown)
    name: str = ""  # the resource's name


@dataclass
class AccessReport:
    snapshot: int
    query: dict[str, Any]
    entries: list[Entry]
    coverage: list[str]  # what could not be read, and what that means

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _filter(r: Resource, mins: tuple[int, int, int]) -> bool:
    if not any(mins):
        return True
    if r.cia is None:
        return False
    return all(v >= m for v, m in zip(r.cia, mins, strict=False))


class Access:
    """Effective access of one snapshot; build with ``Access.of(view)``."""

    def __init__(self, inputs: AccessInputs):
        self.x = inputs
        self.expander = Expander(inputs)
        self._kinds: dict[str, str] = {}

    @classmethod
    def of(cls, view: SnapshotView) -> Access:
        """The access of ``view``, computed once per view (the access diff and the report that
        draws its paths share it)."""
        got = view._cache.get("access")
        if got is None:
            with paused_gc():
                got = view._cache["access"] = cls(load_inputs(view))
        return got

    def name(self, pid: str) -> str:
        """``display name (UPN or appId)``, or the id when the snapshot names nobody."""
        n = self.x.names.get(pid)
        return n.label if n else pid

    def kind(self, pid: str) -> str:
        """The principal's type as role assignments spell it (User, Group, ServicePrincipal),
        from its name or a grant it holds; "" when the snapshot says neither."""
        if not self._kinds:
            for gs in self.x.grants.values():
                for g in gs:
                    if g.principal_type:
                        self._kinds.setdefault(g.principal, g.principal_type)
        n = self.x.names.get(pid)
        t = self._kinds.get(pid) or (n.type if n else "")
        return t[:1].upper() + t[1:]

    def who(self, pid: str) -> tuple[str, str | None]:
        """(object id as Azure spells it, its label or None) of a lower-cased id."""
        n = self.x.names.get(pid)
        return (n.id, n.label) if n else (pid, None)

    def describe(self, p: Path, rid: str) -> Via:
        groups = [self.name(g) for g in p.via]
        how = "direct"
        if groups:
            how = f"via group {groups[0]}" + "".join(f", nested via {g}" for g in groups[1:])
        return Via(
            p.grant.role_name,
            p.grant.scope,
            how,
            p.grant.scope.lower().rstrip("/") != rid,
            p.grant.eligible,
            ordered(p.caps),
            groups,
        )

    def entry(self, r: Resource, pid: str, h: Holder, *, detail: bool = True) -> Entry:
        rid = r.id.lower()
        paths = sorted(
            (self.describe(p, rid) for p in h.paths) if detail else (),
            key=lambda v: (v.eligible, v.inherited, v.scope.lower(), v.role, v.how),
        )
        e = Entry(
            r.id,
            r.type,
            list(r.cia) if r.cia else None,
            *self.who(pid),
            ordered(h.caps),
            ordered(h.eligible),
            paths,
            [f"{d.name}: {', '.join(ordered(c))}" for d, c in h.denied],
        )
        n = self.x.names.get(pid)
        if n is not None:
            e.principal_display, e.principal_upn = n.display_name, n.upn_or_app_id or None
        e.principal_type, e.name = self.kind(pid), r.name
        return e

    def coverage(self) -> list[str]:
        out = []
        for scope, st in sorted(self.x.coverage.items()):
            if st["assignments"] != Outcome.OK:
                out.append(
                    f"role assignments at {scope}: {st['assignments']}; access there is unknown"
                )
            if st["denies"] == Outcome.MISSING:
                out.append(f"deny assignments at {scope}: not collected; computed without them")
            elif st["denies"] != Outcome.OK:
                out.append(
                    f"deny assignments at {scope}: {st['denies']}; access shown may be denied"
                )
            if st["eligible"] == Outcome.MISSING:
                out.append(f"PIM-eligible assignments at {scope}: not collected")
            elif st["eligible"] != Outcome.OK:
                out.append(
                    f"PIM-eligible assignments at {scope}: {st['eligible']} (needs read on "
                    "roleEligibilityScheduleInstances); eligible access unknown, not none"
                )
        for what, scope, status in self.x.unreadable:
            out.append(f"{what} at {scope}: {status}; unknown there, not none")
        if self.x.names_from != "directory":
            out.append(
                f"principal names: {self.x.names_from} (directory getByIds not collected or "
                "refused); principals without a name are shown by object id"
            )
        if self.x.graph_status not in (Outcome.OK, Outcome.MISSING):
            out.append(f"Microsoft Graph {self.x.graph_status}: members of groups are unknown")
        bad_groups = sorted(g for g, m in self.x.members.direct.items() if m is None)
        if bad_groups:
            out.append(
                f"members of {len(bad_groups)} group(s) not readable: "
                + ", ".join(self.name(g) for g in bad_groups[:5])
            )
        bad_roles = sorted(g for g, p in self.x.roles.items() if p is None)
        if bad_roles:
            out.append(
                f"{len(bad_roles)} role definition(s) not readable: {', '.join(bad_roles[:5])}"
            )
        return out

    # -- queries -----------------------------------------------------------------------------
    def resource(self, rid: str) -> AccessReport:
        r = self.x.resources.get(rid.lower().rstrip("/"))
        if r is None:
            raise SnapdiffError(f"no resource {rid} in snapshot #{self.x.view_id}")
        prof = self.expander.access(r)
        entries = [self.entry(r, pid, h) for pid, h in prof.holders.items()]
        entries.sort(key=lambda e: (-_rank(e), _label(e).lower(), e.principal))
        return AccessReport(self.x.view_id, {"resource": r.id}, entries, self.coverage())

    def principal(self, query: str, mins: tuple[int, int, int] = (0, 0, 0)) -> AccessReport:
        ids = find_principal(self.x.names, query)
        if not ids:
            raise SnapdiffError(f"no principal named {query!r} in snapshot #{self.x.view_id}")
        if len(ids) > 1:
            raise SnapdiffError(
                f"{query!r} names {len(ids)} principals; use an id: {', '.join(ids)}"
            )
        pid = ids[0]
        entries = []
        only = frozenset({pid})
        by_key: dict[Any, Any] = {}
        for r in self.x.resources.values():
            if not _filter(r, mins):
                continue
            k = self.expander.key(r)
            if k not in by_key:
                by_key[k] = self.expander._compute(*k, only=only)
            h = by_key[k].holders.get(pid)
            if h is not None and (h.caps or h.eligible):
                entries.append(self.entry(r, pid, h))
        entries.sort(key=lambda e: (-max(e.cia or [-1]), e.resource.lower()))
        q = {"principal": query, "min": list(mins)}
        return AccessReport(self.x.view_id, q, entries, self.coverage())

    def overview(self, mins: tuple[int, int, int] = (0, 0, 0)) -> AccessReport:
        """Every principal holding a privileged capability on each resource."""
        entries = []
        for r in self.x.resources.values():
            if not _filter(r, mins):
                continue
            for pid, h in self.expander.access(r).holders.items():
                if (h.caps | h.eligible) & PRIVILEGED:
                    entries.append(self.entry(r, pid, h, detail=False))
        entries.sort(
            key=lambda e: (-max(e.cia or [-1]), e.resource.lower(), -_rank(e), _label(e).lower())
        )
        return AccessReport(self.x.view_id, {"min": list(mins)}, entries, self.coverage())


def _rank(e: Entry) -> int:
    return len(set(e.capabilities) & PRIVILEGED) * 2 + bool(e.eligible)


def _label(e: Entry) -> str:
    return e.principal_name or e.principal
