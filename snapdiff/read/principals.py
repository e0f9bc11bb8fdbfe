"""Names of principals (users, groups, service principals, managed identities) in a snapshot.

One reader for every consumer (diff, ``history``, ``show``, ``access``): Graph ``getByIds``
answers first, then the objects of the group member listings (which carry the same fields), then
the ``expandedProperties.principal`` of PIM eligibility instances, for ids that getByIds did not
return or could not be asked (Directory.Read.All refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..naming.calls import (
    GRAPH_MEMBERS,
    GRAPH_TRANSITIVE_MEMBERS,
    PRINCIPALS_GET_BY_IDS,
    ROLE_ELIGIBILITY,
)
from ..snapshot import SnapshotView
from .groups import principal_type
from .rbac import role_assignments

GET_BY_IDS = PRINCIPALS_GET_BY_IDS
_MEMBER_CALLS = (GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS)


@dataclass(frozen=True)
class PrincipalName:
    id: str
    display_name: str
    upn_or_app_id: str  # userPrincipalName of users, appId of service principals, or ""
    type: str  # user, group, servicePrincipal, ...

    @property
    def label(self) -> str:
        """``display name (UPN or appId)``, or the display name alone."""
        if self.upn_or_app_id and self.upn_or_app_id != self.display_name:
            return f"{self.display_name} ({self.upn_or_app_id})"
        return self.display_name


def _name(obj: Any) -> PrincipalName | None:
    """A Graph directory object, or a PIM ``expandedProperties.principal`` (``type``, ``email``)."""
    if not isinstance(obj, dict) or not obj.get("id") or not obj.get("displayName"):
        return None
    return PrincipalName(
        id=str(obj["id"]),
        display_name=str(obj["displayName"]),
        upn_or_app_id=str(
            obj.get("userPrincipalName") or obj.get("appId") or obj.get("email") or ""
        ),
        type=principal_type(obj.get("@odata.type") or obj.get("type")),
    )


def _eligible_principals(view: SnapshotView) -> list[Any]:
    out = []
    for f in view.fetches(ROLE_ELIGIBILITY):
        if f.ok:
            for item in f.items():
                props = (item.get("properties") if isinstance(item, dict) else None) or {}
                out.append((props.get("expandedProperties") or {}).get("principal"))
    return out


def _add(into: dict[str, PrincipalName], n: PrincipalName | None, *, first: bool) -> None:
    if n is not None and not (first and n.id.lower() in into):
        into[n.id.lower()] = n


def principal_names(view: SnapshotView) -> dict[str, PrincipalName]:
    """Lower-cased object id → name, for every principal the snapshot names (cached)."""
    result: dict[str, PrincipalName] = view.memo("read.principal_names", lambda: _names(view))
    return result


def _names(view: SnapshotView) -> dict[str, PrincipalName]:
    pim: dict[str, PrincipalName] = {}
    listed: dict[str, PrincipalName] = {}
    found: dict[str, PrincipalName] = {}
    for obj in _eligible_principals(view):
        _add(pim, _name(obj), first=True)
    for call in _MEMBER_CALLS:
        for f in view.fetches(call):
            if f.ok:
                for item in f.items():
                    _add(listed, _name(item), first=True)
    for f in view.fetches(GET_BY_IDS):
        if f.ok:
            for item in f.items():
                _add(found, _name(item), first=False)
    return {**pim, **listed, **found}  # the directory's own answer wins, PIM's copy is last


def role_holders(view: SnapshotView) -> dict[str, str]:
    """Principal id → principalType of every role assignment's principal, sorted by id."""
    out: dict[str, str] = {}
    for a in role_assignments(view).records.values():
        if a.principal_id:
            out.setdefault(a.principal_id, a.principal_type)
    return dict(sorted(out.items()))


def coverage(view: SnapshotView) -> str:
    """How names were obtained: ``directory``, ``member listings only`` or ``none``."""
    fetches = view.fetches(GET_BY_IDS)
    if fetches and all(f.ok for f in fetches):
        return "directory"
    if any(view.fetches(c) for c in _MEMBER_CALLS):
        return "member listings only"
    return "none"


def name_label(names: dict[str, PrincipalName], principal_id: str) -> str | None:
    n = names.get(principal_id.lower())
    return n.label if n else None


def find_principal(names: dict[str, PrincipalName], query: str) -> list[str]:
    """Lower ids matching ``query``: an object id, a UPN or appId, or a display name
    (case-insensitive); an unnamed GUID matches itself."""
    q = query.strip().lower()
    if q in names:
        return [q]
    hits = [k for k, n in names.items() if q in (n.upn_or_app_id.lower(), n.display_name.lower())]
    return sorted(hits) or ([q] if len(q) == 36 and q.count("-") == 4 else [])
