"""Names of principals (users, groups, service principals, managed identities) in a snapshot.

One reader for every consumer (diff, ``history``, ``show``): Graph ``getByIds`` answers first,
then the objects of the group member listings (which carry the same fields) for ids that
getByIds did not return or could not be asked (Directory.Read.All refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .naming.calls import (
    GRAPH_MEMBERS,
    GRAPH_TRANSITIVE_MEMBERS,
    PRINCIPALS_GET_BY_IDS,
    ROLE_ASSIGNMENTS,
)
from .naming.rbac import read_assignments
from .snapshot import SnapshotView

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
    if not isinstance(obj, dict) or not obj.get("id") or not obj.get("displayName"):
        return None
    return PrincipalName(
        id=str(obj["id"]),
        display_name=str(obj["displayName"]),
        upn_or_app_id=str(obj.get("userPrincipalName") or obj.get("appId") or ""),
        type=str(obj.get("@odata.type") or "").rsplit(".", 1)[-1],
    )


def principal_names(view: SnapshotView) -> dict[str, PrincipalName]:
    """Lower-cased object id → name, for every principal the snapshot names (cached)."""
    key = "principal_names"
    if key in view._cache:
        return view._cache[key]
    out: dict[str, PrincipalName] = {}
    for call in _MEMBER_CALLS:
        for f in view.fetches(call):
            if f.ok:
                for item in f.items():
                    n = _name(item)
                    if n is not None:
                        out.setdefault(n.id.lower(), n)
    for f in view.fetches(GET_BY_IDS):  # the directory's own answer wins
        if f.ok:
            for item in f.items():
                n = _name(item)
                if n is not None:
                    out[n.id.lower()] = n
    view._cache[key] = out
    return out


def role_holders(view: SnapshotView) -> dict[str, str]:
    """Principal id → principalType of every role assignment's principal, sorted by id."""
    out: dict[str, str] = {}
    for f in view.fetches(ROLE_ASSIGNMENTS):
        if f.ok:
            for a in read_assignments(f.items()):
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
