"""Which resource of A is which of B: the same id, or a move (same type, name and
subscription under another id)."""

from __future__ import annotations

from collections.abc import Iterable

from .model import Resource


def moves(
    ra: dict[str, Resource], gone: Iterable[str], rb: dict[str, Resource], new: Iterable[str]
) -> list[tuple[Resource, Resource, bool]]:
    """Resources gone from A (``gone``, keys of ``ra``) that reappear in B under another id
    (``new``, keys of ``rb``) with the same type, name and subscription, unique on each side."""

    def by_name(
        src: dict[str, Resource], keys: Iterable[str]
    ) -> dict[tuple[str, str, str], Resource]:
        seen: dict[tuple[str, str, str], list[Resource]] = {}
        for k in keys:
            r = src[k]
            seen.setdefault((r.type, r.name.lower(), r.subscription), []).append(r)
        return {k: v[0] for k, v in seen.items() if len(v) == 1}

    was, now = by_name(ra, gone), by_name(rb, new)
    return [(was[k], now[k], True) for k in sorted(was.keys() & now.keys())]
