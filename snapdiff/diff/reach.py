"""CIA values (``scad`` tags) of resources and the highest under each scope: what the reports
sort by ("the highest CIA value reached first")."""

from __future__ import annotations

from typing import Any

from .. import rowindex
from ..naming.ids import resource_group_of, subscription_of
from ..read.resources import cia_tag, parse_cia
from ..snapshot import SnapshotView

CIA = tuple[int, int, int]


def row_cia(row: dict[str, Any] | None) -> CIA | None:
    """C, I, A of a Resource Graph row's ``scad`` tag; None when untagged."""
    tag = cia_tag(row or {})
    return None if tag is None else (tag.c, tag.i, tag.a)


def top(cia: list[int] | tuple[int, ...] | None) -> int:
    """The highest of C, I and A; -1 for untagged."""
    return max(cia) if cia else -1


def _max(x: CIA | None, y: CIA) -> CIA:
    return y if x is None else (max(x[0], y[0]), max(x[1], y[1]), max(x[2], y[2]))


class Reach:
    """Highest C, I, A per resource, resource group, subscription and overall of one snapshot
    (per scope computed on first use)."""

    def __init__(self, view: SnapshotView):
        self.by_id: dict[str, CIA] = dict(_tagged(view))
        self._by_scope: dict[str, CIA] | None = None
        self._overall: CIA | None = None

    def _scopes(self) -> dict[str, CIA]:
        if self._by_scope is None:
            by_group: dict[tuple[str, str], CIA] = {}
            for key, cia in self.by_id.items():
                parts = key.split("/", 5)
                if len(parts) > 4 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
                    where = (parts[2], parts[4])  # the usual id: what the lookups below find
                else:
                    where = (subscription_of(key) or "", resource_group_of(key) or "")
                got = by_group.get(where)
                by_group[where] = cia if got is None else _max(got, cia)
            self._by_scope = {}
            for (sub, rg), cia in by_group.items():
                sub, rg = sub.lower(), rg.lower()
                self._overall = _max(self._overall, cia)
                for scope in (f"/subscriptions/{sub}", f"/subscriptions/{sub}/resourcegroups/{rg}"):
                    self._by_scope[scope] = _max(self._by_scope.get(scope), cia)
        return self._by_scope

    @property
    def by_scope(self) -> dict[str, CIA]:
        return self._scopes()

    @property
    def overall(self) -> CIA | None:
        self._scopes()
        return self._overall

    def resource(self, rid: str) -> list[int] | None:
        got = self.by_id.get(rid.lower())
        return list(got) if got else None

    def scope(self, scope: str) -> list[int] | None:
        """The highest C, I, A under a scope: a resource (its own tag), a resource group,
        a subscription; management groups and the root take the snapshot's highest."""
        s = scope.lower().rstrip("/")
        low = s.split("/")
        if len(low) > 5 and low[1] == "subscriptions" and "providers" in low:
            got = self.by_id.get(s)
            return list(got) if got else None
        if s.startswith("/subscriptions/"):
            v = self.by_scope.get(s)
            return list(v) if v else None
        return list(self.overall) if self.overall else None


def _tagged(view: SnapshotView) -> list[tuple[str, CIA]]:
    """(lower id, C/I/A) of every tagged resource: from the row index's ``scad`` column when
    the snapshot has one (no body parsed), else from the parsed rows."""
    tags = rowindex.resource_tags(view)
    if tags is None:
        rows = ((key, row_cia(row)) for key, row in view.resources().items())
        return [(k, c) for k, c in rows if c is not None]
    out = []
    for key, raw in tags:
        tag = parse_cia(raw)
        out.append((key, (tag.c, tag.i, tag.a)))
    return out
