"""Principal display names, from whatever the snapshot holds.

Today: Graph member listings (``displayName``, ``userPrincipalName``, ``appId``) and the
``expandedProperties.principal`` of PIM eligibility instances. A later collection of
``directoryObjects/getByIds`` plugs in here, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..naming.calls import GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS, ROLE_ELIGIBILITY
from ..snapshot import SnapshotView

_MEMBER_CALLS = (GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS)
ELIGIBILITY_CALL = ROLE_ELIGIBILITY


@dataclass(frozen=True)
class Name:
    id: str
    display: str | None = None
    upn: str | None = None  # userPrincipalName of users, appId of service principals
    kind: str | None = None  # user, group, servicePrincipal, device, ...

    @property
    def label(self) -> str:
        """What a reader should see: "Display (upn)", the display name, or the id."""
        if self.display and self.upn and self.upn != self.display:
            return f"{self.display} ({self.upn})"
        return self.display or self.upn or self.id


def _kind(obj: dict[str, Any]) -> str | None:
    t = str(obj.get("@odata.type") or obj.get("type") or "")
    return t.rsplit(".", 1)[-1] or None


def _merge(out: dict[str, Name], obj: dict[str, Any]) -> None:
    if "displayName" not in obj and "userPrincipalName" not in obj and "appId" not in obj:
        return  # an id-only listing ($select=id) names nobody
    pid = str(obj.get("id") or "").lower()
    if not pid:
        return
    display = obj.get("displayName")
    upn = obj.get("userPrincipalName") or obj.get("appId") or obj.get("email")
    old = out.get(pid)
    out[pid] = Name(
        str(obj["id"]),
        (old.display if old else None) or (str(display) if display else None),
        (old.upn if old else None) or (str(upn) if upn else None),
        (old.kind if old else None) or _kind(obj),
    )


def principal_names(view: SnapshotView) -> dict[str, Name]:
    """Lower-cased principal id -> Name, for every principal the snapshot names."""
    out: dict[str, Name] = {}
    for call in _MEMBER_CALLS:
        for f in view.fetches(call):
            if f.ok:
                for item in f.items():
                    if isinstance(item, dict):
                        _merge(out, item)
    for f in view.fetches(ELIGIBILITY_CALL):
        if f.ok:
            for item in f.items():
                props = item.get("properties") if isinstance(item, dict) else None
                principal = ((props or {}).get("expandedProperties") or {}).get("principal")
                if isinstance(principal, dict):
                    _merge(out, principal)
    return out


def find_principal(names: dict[str, Name], query: str) -> list[str]:
    """Lower ids matching ``query``: an id, a UPN/appId, or a display name (case-insensitive)."""
    q = query.strip().lower()
    if q in names:
        return [q]
    exact = [k for k, n in names.items() if q in ((n.upn or "").lower(), (n.display or "").lower())]
    return sorted(exact) or ([q] if len(q) == 36 and q.count("-") == 4 else [])
