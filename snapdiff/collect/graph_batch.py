"""Graph JSON batching: the first member page of many groups through ``POST /v1.0/$batch``.

At most 20 requests a batch. Each inner answer is stored as its own exchange of its group's
fetch (URL, status, kept headers, body) with ``batch_id`` naming the carrier, so readers see
the same fetches and pages as without batching. A group whose item was throttled (429), failed
(5xx) or went unanswered is marked ``superseded`` and listed alone, where the SDK's retry
middleware honours Retry-After; further pages (nextLink) are always fetched alone.
"""

from __future__ import annotations

import json
from typing import Any

from .. import status as st
from ..naming.calls import GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS, source_of
from .capture import FetchContext, current
from .fetcher import FETCH_ERRORS, Fetch, Fetcher
from .graph import GraphClient, GraphResponse, members_url
from .guard import describe

MAX_REQUESTS = 20
RETRY_ALONE = frozenset({408, 429, 500, 502, 503, 504})

First = tuple[Fetch, GraphResponse]  # (the fetch, begun, and the answer of its page 1)


async def first_pages(
    client: GraphClient, fetcher: Fetcher, group_ids: list[str], *, transitive: bool
) -> dict[str, First]:
    """Page 1 of the (transitive) members of each group, keyed by group id; groups left out
    are to be listed alone."""
    call = GRAPH_TRANSITIVE_MEMBERS if transitive else GRAPH_MEMBERS
    out: dict[str, First] = {}
    for i in range(0, len(group_ids), MAX_REQUESTS):
        chunk = group_ids[i : i + MAX_REQUESTS]
        out.update(await _one_batch(client, fetcher, call, chunk, transitive))
    return out


async def _one_batch(
    client: GraphClient, fetcher: Fetcher, call: str, gids: list[str], transitive: bool
) -> dict[str, First]:
    source = source_of(call)
    fetches = {gid: fetcher.begin(call, gid) for gid in gids}
    urls = {gid: members_url(gid, transitive=transitive) for gid in gids}
    body = {
        "requests": [
            {"id": str(n), "method": "GET", "url": urls[gid]} for n, gid in enumerate(gids)
        ]
    }
    token = current.set(FetchContext(None, source, split_body=True))
    try:
        resp = await client.send("POST", "/$batch", body)
    except FETCH_ERRORS as e:  # transport errors after the middleware's retries: list alone
        return _alone(fetches, f"$batch: {describe(e)}")
    finally:
        current.reset(token)
    if not resp.ok or not isinstance(resp.body, dict):
        return _alone(fetches, f"$batch: {resp.error()}")
    answers = {str(r.get("id")): r for r in resp.body.get("responses") or [] if isinstance(r, dict)}
    out: dict[str, First] = {}
    for n, gid in enumerate(gids):
        a = answers.get(str(n))
        status = int(a.get("status") or 0) if a else 0
        item = a.get("body") if a else None
        headers = {str(k): str(v) for k, v in ((a or {}).get("headers") or {}).items()}
        token = current.set(fetches[gid].context(1))
        try:
            client.recorder.record(
                method="GET",
                url=client.root + urls[gid],
                request_body=None,
                status=status or None,
                headers=headers,
                body=None if item is None else json.dumps(item).encode(),
                started=resp.started,
                error=None if status else _no_status(a),
                batch_id=resp.exchange_id,
            )
        finally:
            current.reset(token)
        if not status or status in RETRY_ALONE:
            why = f"HTTP {status} inside $batch; listed alone" if status else "no answer"
            fetches[gid].finish(st.SUPERSEDED, error=why)
            continue
        out[gid] = (fetches[gid], GraphResponse(status, item))
    return out


def _no_status(answer: dict[str, Any] | None) -> str:
    if answer is None:
        return "$batch item: no answer for this item"
    return f"$batch item: no HTTP status ({answer.get('status')!r})"


def _alone(fetches: dict[str, Fetch], why: str) -> dict[str, First]:
    for f in fetches.values():
        f.finish(st.SUPERSEDED, error=f"{why}; listed alone")
    return {}


__all__ = ["MAX_REQUESTS", "First", "first_pages"]
