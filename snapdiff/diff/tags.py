"""CIA (``scad``) tags: C/I/A values and groups before and after, per resource."""

from __future__ import annotations

from typing import Any

from ..read import cia_tag
from .model import CiaChange, CiaSection, CiaValue
from .resources import Pair, ref


def cia_value(row: dict[str, Any]) -> CiaValue | None:
    """The parsed ``scad`` tag of a resource row, or None without one."""
    t = cia_tag(row)
    if t is None:
        return None
    return CiaValue(t.raw, t.c, t.i, t.a, list(t.groups), list(t.problems))


def _same(x: CiaValue, y: CiaValue) -> bool:
    return (x.c, x.i, x.a, x.groups, x.problems) == (y.c, y.i, y.a, y.groups, y.problems)


def diff_cia(pairs: list[Pair]) -> CiaSection:
    """Tag changes of resources present in both snapshots (moves included).

    A change of the raw value that parses to the same values and problems (spacing, key case)
    is not a CIA change; it still shows under resources as a tag change.
    """
    out = CiaSection()
    for old, new in pairs:
        x, y = cia_value(old), cia_value(new)
        if x is None and y is None:
            continue
        if x is not None and y is not None and _same(x, y):
            continue
        kind = "added" if x is None else "removed" if y is None else "changed"
        r = ref(new)
        out.changed.append(CiaChange(r.id, r.type, r.name, kind, bool(y and y.problems), x, y))
    out.changed.sort(key=lambda c: c.id.lower())
    return out
