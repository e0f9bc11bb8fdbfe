"""Resources (Resource Graph rows) with their CIA (``scad``) tags."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import rowindex
from ..naming.ids import resource_group_scope, row_parts
from ..naming.scad import find_scad_tag, parse_scad
from ..snapshot import SnapshotView


@dataclass(frozen=True)
class CiaTag:
    """A parsed ``scad`` tag: the raw value, C/I/A, sorted groups and what was wrong in it."""

    raw: str
    c: int
    i: int
    a: int
    groups: tuple[str, ...]
    problems: tuple[str, ...]


@lru_cache(maxsize=4096)
def parse_cia(raw: str) -> CiaTag:
    """A ``scad`` tag's value, parsed (cached: a tenant has few distinct values)."""
    s = parse_scad(raw)
    return CiaTag(
        raw,
        s.confValue,
        s.integrityValue,
        s.availValue,
        tuple(sorted(s.groups)),
        tuple(s.problems),
    )


def cia_tag(row: dict[str, Any]) -> CiaTag | None:
    """The parsed ``scad`` tag of a resource row, or None without one."""
    raw = find_scad_tag(row.get("tags"))
    return None if raw is None else parse_cia(str(raw))


class _ScopeKey:
    """``Resource.scope_key``, cached in the record's ``__dict__`` on first use (a
    non-data descriptor: later reads find the value without calling it)."""

    def __get__(self, obj: Resource, owner: type | None = None) -> tuple[str, str]:
        rid = obj.id.lower()
        value = obj.__dict__["scope_key"] = (rid, resource_group_scope(rid))
        return value


@dataclass(frozen=True)
class Resource:
    id: str  # as stored
    type: str  # lower
    name: str
    subscription: str  # lower GUID
    cia: tuple[int, int, int] | None  # C, I, A of the scad tag

    @property
    def top(self) -> int:
        return max(self.cia) if self.cia else -1

    # (lower-cased id, its first four segments: the resource group's scope), computed once
    # per record: access keys every resource by them, on both sides of a diff
    scope_key = _ScopeKey()


def _record(row: dict[str, Any]) -> Resource:
    rtype, name, sub, _ = row_parts(row)
    tag = cia_tag(row)
    return Resource(
        str(row["id"]), rtype, name, sub.lower(), None if tag is None else (tag.c, tag.i, tag.a)
    )


def resource_records(view: SnapshotView) -> dict[str, Resource]:
    """Lower id -> resource record, sorted by key (read once per view)."""

    def read() -> dict[str, Resource]:
        cols = rowindex.resource_columns(view)  # from the row index: no body parsed
        if cols is None:
            return {key: _record(row) for key, row in view.resources().items()}
        out = {}
        for key, (rid, rtype, name, sub, cia, _) in cols.items():
            tag = None if cia is None else parse_cia(cia)
            out[key] = Resource(
                rid, rtype, name, sub.lower(), None if tag is None else (tag.c, tag.i, tag.a)
            )
        return out

    result: dict[str, Resource] = view.memo("read.resource_records", read)
    return result
