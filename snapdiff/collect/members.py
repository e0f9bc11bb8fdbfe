"""Members of the groups that hold role assignments: nested groups level by level, first pages
20 to a ``$batch`` request (``graph_batch``), the rest page by page (``graph``)."""

from __future__ import annotations

import asyncio
from typing import Any

from .fetcher import Fetcher, FetchFailed
from .graph import GraphClient, list_members
from .graph_batch import first_pages


async def collect_groups(
    client: GraphClient,
    fetcher: Fetcher,
    group_ids: list[str],
    progress: Any,
    concurrency: int = 8,
    batch: bool = True,
) -> dict[str, str]:
    """Direct members of every group reached (nested groups followed, cycles safe) and the
    transitive members of each group that holds a role assignment, ``concurrency`` groups at a
    time, breadth-first. Returns failures by group id."""
    failures: dict[str, str] = {}
    limit = asyncio.Semaphore(max(1, concurrency))

    async def level_of(gids: list[str], transitive: bool) -> list[list[tuple[str, str]] | None]:
        firsts: dict[str, Any] = {}
        if batch and len(gids) > 1:  # many groups: their first pages 20 to a request
            firsts = await first_pages(client, fetcher, gids, transitive=transitive)
        return list(await asyncio.gather(*(fetch(g, transitive, firsts.get(g)) for g in gids)))

    async def fetch(gid: str, transitive: bool, first: Any) -> list[tuple[str, str]] | None:
        async with limit:
            try:
                return await list_members(client, fetcher, gid, transitive=transitive, first=first)
            except FetchFailed as e:
                failures.setdefault(gid, e.status)
                what = "transitive members of" if transitive else "group"
                progress(f"graph: {what} {gid}: {e}")
                return None

    seen: set[str] = set()
    level = list(dict.fromkeys(group_ids))
    while level:
        seen.update(level)
        results = await level_of(level, False)
        nested = [
            mid
            for members in results
            for mid, otype in members or ()
            if otype.lower().endswith(".group") and mid not in seen
        ]
        level = list(dict.fromkeys(nested))
    # Forbidden groups are not asked again: the refusal is already recorded.
    roots = [g for g in dict.fromkeys(group_ids) if failures.get(g) != "forbidden"]
    await level_of(roots, True)
    return failures
