"""The stored HTTP exchanges of a snapshot, with their bodies decoded: what ``snapdiff raw``
prints. Bodies are read through ``Store.body`` (delta bases followed, SHA-256 checked)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

from .store import Store


@dataclass
class Exchange:
    id: int
    source: str
    call: str | None  # the fetch it belongs to (None for an exchange outside any fetch)
    target: str | None
    method: str
    url: str
    status: int | None  # None: no answer (dropped connection, timeout)
    attempt: int  # 1 for the first try of this URL within its fetch, 2 for the first retry...
    page: int | None
    size: int | None  # body bytes (decoded), None without a body
    outcome: str  # the fetch's outcome (ok, forbidden, failed, ...), or the exchange's error
    error: str | None
    started_at: str | None
    elapsed_ms: float | None
    headers: dict[str, Any]
    body_hash: str | None

    def to_dict(self, body: Any = None) -> dict[str, Any]:
        d = asdict(self)
        d["body"] = body
        return d


def exchanges(
    store: Store,
    snapshot_id: int,
    *,
    source: str | None = None,
    url: str | None = None,
    status: int | None = None,
) -> list[Exchange]:
    """The exchanges of a snapshot in the order they were stored; ``url`` is a glob
    (``*roleAssignments*``, case-insensitive), ``status`` an HTTP status."""
    rows = store.conn.execute(
        "SELECT e.id, e.source, f.call, f.target, e.method, e.url, e.status, e.page, b.size,"
        " f.status, e.error, e.started_at, e.elapsed_ms, e.headers, e.body_hash, e.fetch_id"
        " FROM exchanges e LEFT JOIN fetches f ON f.id = e.fetch_id"
        " LEFT JOIN bodies b ON b.hash = e.body_hash"
        " WHERE e.snapshot_id = ? ORDER BY e.id",
        (snapshot_id,),
    ).fetchall()
    tries: dict[tuple[Any, str, Any], int] = {}
    out = []
    pattern = url.lower() if url else None
    for r in rows:
        key = (r[15], r[5], r[7])
        tries[key] = attempt = tries.get(key, 0) + 1
        if source is not None and r[1] != source:
            continue
        if pattern is not None and not fnmatchcase(r[5].lower(), pattern):
            continue
        if status is not None and r[6] != status:
            continue
        try:
            headers = json.loads(r[13]) if r[13] else {}
        except ValueError:
            headers = {"unreadable": r[13]}
        outcome = r[9] or ("error" if r[10] else "-")
        out.append(
            Exchange(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                attempt,
                r[7],
                r[8],
                outcome,
                r[10],
                r[11],
                r[12],
                headers,
                r[14],
            )
        )
    return out


def decoded_body(store: Store, e: Exchange) -> Any:
    """The body as JSON (or text when it is not JSON), None without one."""
    if e.body_hash is None:
        return None
    data = store.body(e.body_hash)
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", errors="replace")
