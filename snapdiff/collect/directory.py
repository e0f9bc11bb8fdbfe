"""Display names of every principal holding a role assignment, via Graph ``getByIds``.

``POST /v1.0/directoryObjects/getByIds`` takes up to 1,000 ids a request and returns the
objects it found (missing ids are simply absent). It needs Directory.Read.All: when refused,
the fetch is recorded ``forbidden`` and readers fall back to the names in member listings.
"""

from __future__ import annotations

from typing import Any

from ..naming.calls import PRINCIPALS_GET_BY_IDS
from .capture import current
from .fetcher import Fetcher
from .graph import GraphClient

MAX_IDS = 1000
TYPES = ["user", "group", "servicePrincipal"]
CALL = PRINCIPALS_GET_BY_IDS


def chunks(ids: list[str], size: int = MAX_IDS) -> list[list[str]]:
    """Sorted, de-duplicated ids in requests of at most ``size``."""
    uniq = sorted({i.lower() for i in ids if i})
    return [uniq[i : i + size] for i in range(0, len(uniq), size)]


async def fetch_names(client: GraphClient, fetcher: Fetcher, ids: list[str]) -> int:
    """Ask getByIds for every id; returns how many objects came back. A refused or failed
    request is recorded on its fetch row and stops the rest (they would fail alike)."""
    found = 0
    for n, batch in enumerate(chunks(ids)):
        with fetcher.fetch(CALL, f"ids-{n:04d}") as f:
            token = current.set(f.next_page())
            try:
                resp = await client.send("POST", "/directoryObjects/getByIds", _body(batch))
            finally:
                current.reset(token)
            found += len(f.check(resp.status, resp.body).get("value") or ())
            f.ok(resp.status)
    return found


def _body(ids: list[str]) -> dict[str, Any]:
    return {"ids": ids, "types": TYPES}
