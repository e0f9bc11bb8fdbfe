"""The digest of a finished snapshot: one SHA-256 over every row it holds.

Recorded when the snapshot finishes (``Store.finish_snapshot``), carried by bundles, and
checked by every reader when it opens the snapshot (``SnapshotView``), so deleted, changed or
lost rows are refused instead of read as "nothing there". The reader computes the digest from
the very rows it then uses (``SnapshotRows``): a damaged index that hides rows from the reader
hides them from the digest too, and the digest no longer matches.

The order and encoding (version 1), documented in docs/store.md:

1. every fetch of the snapshot in ``id`` order, as the JSON array ``[ordinal, source, call,
   target, status, http_status, pages, error]`` (``ordinal``: the fetch's 0-based position
   among the fetches of its source in that order, so local ids, which an import renumbers,
   never count);
2. every exchange in ``id`` order, in two parts: the *core* a reader uses, ``[ordinal, fetch,
   page, body_hash]``, and the rest, ``[ordinal, method, url, request_body, status, headers,
   started_at, elapsed_ms, error, batch]`` (``ordinal`` among the exchanges of its own
   ``source``; ``fetch`` and ``batch`` as ``[source, ordinal]`` of the fetch and of the
   exchange that carried it, or null); each body is checked against its hash when read;
3. per source, two SHA-256 of compact JSON (no spaces, UTF-8): *core* of ``[fetch rows,
   exchange cores]`` and *extra* of the list of exchange rests;
4. the digest is the SHA-256 of the canonical JSON (sorted keys, no spaces, ASCII) of
   ``{"version": 1, "snapshot": [uid, started_at, finished_at, status, tenant_id, cloud,
   scope, tool_version, error, host, pid, boot_id, owner_lock], "sources": {name: [status,
   pages, requests, errors, detail, outcomes, coverage]}, "rows": {source: [core, extra]},
   "redactions": hex}`` where ``redactions`` is the SHA-256 of the compact JSON list of
   ``[exchange as [source, ordinal], url, path, reason]`` in rowid order.

A reader (``SnapshotView``) reads only the core columns and recomputes everything but the
extra hashes, which it takes as recorded (``digest_sources``): every row and column it uses is
proven, at a third of the cost. ``verify``, export and import recompute all of it.

The label is not covered: it is the one thing a finished snapshot may change (a bundle's
label is checked against its manifest). Readers also check that the recorded per-source parts
and origin are the ones the rows give (they travel in exports).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import orjson

VERSION = 1
AT_FINISH = "recorded when the snapshot finished"
AT_MIGRATION = "computed at migration (the snapshot is older than digests)"
AT_IMPORT = "computed at import (the bundle had no digest; its manifest hashes were checked)"
ORIGINS = (AT_FINISH, AT_MIGRATION, AT_IMPORT)

FETCH_COLUMNS = ("id", "source", "call", "target", "status", "http_status", "pages", "error")
# What readers use of an exchange (the page a fetch returned, and its body) comes first.
CORE_EXCHANGE_COLUMNS = ("id", "fetch_id", "source", "page", "body_hash")
EXCHANGE_COLUMNS = (
    *CORE_EXCHANGE_COLUMNS,
    "method",
    "url",
    "request_body",
    "status",
    "headers",
    "started_at",
    "elapsed_ms",
    "error",
    "batch_id",
)
SNAPSHOT_COLUMNS = (
    "uid",
    "started_at",
    "finished_at",
    "status",
    "tenant_id",
    "cloud",
    "scope",
    "tool_version",
    "error",
    "host",
    "pid",
    "boot_id",
    "owner_lock",
)
SOURCE_COLUMNS = ("name", "status", "pages", "requests", "errors", "detail", "outcomes", "coverage")


def _bytes_as_hex(v: Any) -> Any:
    if isinstance(v, bytes):  # a column that holds a BLOB (damage, or a hand edit)
        return {"hex": v.hex()}
    raise TypeError(type(v))


# Compact JSON, non-ASCII as UTF-8 (several times faster than \u escapes: this runs on every read).
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_bytes_as_hex).encode


def _dumps(obj: Any, *, floats: bool = True) -> bytes:
    """Compact JSON of ``obj`` in UTF-8 (lone surrogates kept), as ``_encode`` writes it.

    ``floats=False`` (the caller checked that ``obj`` holds none) lets orjson write it, several
    times faster and byte for byte the same for what rows hold: None, ints, strings, lists and
    the hex dict of a BLOB (tests/test_digest_encoding.py). A float, which orjson spells its
    own way (``1e16`` for ``1e+16``), never goes there; what orjson refuses (an int beyond 64
    bits, a lone surrogate) goes to json as before."""
    if not floats:
        try:
            return orjson.dumps(obj, default=_bytes_as_hex)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return _encode(obj).encode("utf-8", "surrogatepass")


def has_floats(rows: Iterable[Iterable[Any]]) -> bool:
    """Whether any row (a tuple of column values, as SQLite returns them) holds a float."""
    return float in set(map(type, chain.from_iterable(rows)))


def _canonical(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_bytes_as_hex
    ).encode()


@dataclass
class Digest:
    """A snapshot's digest and its parts (one SHA-256 per source, to name what is damaged)."""

    sha256: str
    sources: dict[str, list[str]]  # source -> [core SHA-256, extra SHA-256]

    def parts_json(self) -> str:
        return json.dumps(self.sources, sort_keys=True, separators=(",", ":"))


@dataclass
class SnapshotRows:
    """Every fetch and exchange row of one snapshot, as read for its digest (and for the view)."""

    fetches: list[tuple[Any, ...]] = field(default_factory=list)
    exchanges: list[tuple[Any, ...]] = field(default_factory=list)


def read_rows(conn: sqlite3.Connection, snapshot_id: int, *, core: bool = False) -> SnapshotRows:
    """The snapshot's fetch rows (``FETCH_COLUMNS``) and exchange rows (``EXCHANGE_COLUMNS``,
    or with ``core`` only ``CORE_EXCHANGE_COLUMNS``), each in id order."""
    columns = CORE_EXCHANGE_COLUMNS if core else EXCHANGE_COLUMNS
    # Fetches are read in rowid order between the snapshot's first and last id (both from the
    # index): the only index on their snapshot also sorts them by call, so reading through it
    # visits the table out of order and sorts the rows again, about twice the time.
    return SnapshotRows(
        conn.execute(
            f"SELECT {', '.join(FETCH_COLUMNS)} FROM fetches WHERE id BETWEEN"
            " (SELECT min(id) FROM fetches WHERE snapshot_id = ?1)"
            " AND (SELECT max(id) FROM fetches WHERE snapshot_id = ?1)"
            " AND +snapshot_id = ?1 ORDER BY id",
            (snapshot_id,),
        ).fetchall(),
        conn.execute(
            f"SELECT {', '.join(columns)} FROM exchanges WHERE snapshot_id = ? ORDER BY id",
            (snapshot_id,),
        ).fetchall(),
    )


def has_columns(conn: sqlite3.Connection) -> bool:
    """Whether the file has digest columns (a bundle older than digests has none)."""
    return any(r[1] == "digest" for r in conn.execute("PRAGMA table_info(snapshots)"))


def source_rows(conn: sqlite3.Connection, snapshot_id: int) -> list[tuple[Any, ...]]:
    return conn.execute(
        f"SELECT {', '.join(SOURCE_COLUMNS)} FROM sources WHERE snapshot_id = ? ORDER BY name",
        (snapshot_id,),
    ).fetchall()


def compute(
    conn: sqlite3.Connection,
    snapshot_id: int,
    rows: SnapshotRows | None = None,
    sources: Iterable[tuple[Any, ...]] | None = None,
    *,
    extras: dict[str, Any] | None = None,
) -> Digest:
    """The digest of a snapshot as stored now (``rows``/``sources``: already read, reuse them).

    ``extras`` (a reader's check): ``rows`` hold only the core exchange columns, and each
    source's extra SHA-256 is taken from these recorded parts instead of recomputed. The
    digest then proves every row a reader uses; ``verify``, export and import check all."""
    snap = conn.execute(
        f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM snapshots WHERE id = ?", (snapshot_id,)
    ).fetchone()
    if snap is None:
        raise LookupError(snapshot_id)
    rows = rows if rows is not None else read_rows(conn, snapshot_id)
    srcs = list(sources) if sources is not None else source_rows(conn, snapshot_id)
    # Ordinals count within a source, so rows lost from one source change only its hash.
    fetch_rows: dict[str, list[list[Any]]] = {}
    extra_rows: dict[str, list[list[Any]]] = {}
    fetch_ord: dict[int, tuple[Any, int]] = {}
    for f in rows.fetches:
        mine = fetch_rows.setdefault(f[1], [])
        fetch_ord[f[0]] = (f[1], len(mine))
        r = list(f)
        r[0] = len(mine)
        mine.append(r)
    ex_ord: dict[int, tuple[Any, int]] = {}
    core_rows: dict[str, list[list[Any]]] = {}
    full = extras is None
    for x in rows.exchanges:
        mine = core_rows.setdefault(x[2], [])
        n = len(mine)
        ex_ord[x[0]] = (x[2], n)
        # (A tuple is never empty: "or" writes the message only for a missing row.)
        fetch = None if x[1] is None else fetch_ord.get(x[1]) or f"missing fetch {x[1]}"
        mine.append([n, fetch, x[3], x[4]])
        if full:
            r = list(x[4:])
            r[0] = n
            if r[-1] is not None:
                r[-1] = ex_ord.get(r[-1]) or f"missing exchange {r[-1]}"
            extra_rows.setdefault(x[2], []).append(r)
    # Ordinals and the [source, ordinal] references added above are ints and strings.
    floats = has_floats(rows.fetches) or has_floats(rows.exchanges)
    parts: dict[str, list[str]] = {}
    for name in sorted(set(fetch_rows) | set(core_rows), key=str):
        core = hashlib.sha256(
            _dumps([fetch_rows.get(name, []), core_rows.get(name, [])], floats=floats)
        )
        if extras is None:
            extra = hashlib.sha256(_dumps(extra_rows.get(name, []), floats=floats)).hexdigest()
        else:
            was = extras.get(name)
            extra = was[1] if isinstance(was, list) and len(was) == 2 else "missing"
        parts[name] = [core.hexdigest(), str(extra)]
    redactions = [
        [None if xid is None else ex_ord.get(xid, f"missing exchange {xid}"), url, path, reason]
        for xid, url, path, reason in conn.execute(
            "SELECT exchange_id, url, path, reason FROM redactions WHERE snapshot_id = ?"
            " ORDER BY rowid",
            (snapshot_id,),
        )
    ]
    doc = {
        "version": VERSION,
        "snapshot": list(snap),
        "sources": {r[0]: list(r[1:]) for r in srcs},
        "rows": parts,
        "redactions": hashlib.sha256(_dumps(redactions)).hexdigest(),
    }
    return Digest(hashlib.sha256(_canonical(doc)).hexdigest(), parts)


def record(conn: sqlite3.Connection, snapshot_id: int, origin: str) -> Digest:
    """Compute and store a snapshot's digest (inside the caller's transaction)."""
    d = compute(conn, snapshot_id)
    conn.execute(
        "UPDATE snapshots SET digest = ?, digest_sources = ?, digest_origin = ? WHERE id = ?",
        (d.sha256, d.parts_json(), origin, snapshot_id),
    )
    return d


def stored(conn: sqlite3.Connection, snapshot_id: int) -> tuple[str | None, dict[str, Any], str]:
    """(digest, per-source parts, origin) as recorded for a snapshot."""
    row = conn.execute(
        "SELECT digest, digest_sources, digest_origin FROM snapshots WHERE id = ?", (snapshot_id,)
    ).fetchone()
    if row is None:
        raise LookupError(snapshot_id)
    try:
        parts = json.loads(row[1]) if row[1] else {}
    except ValueError:
        parts = {}
    return row[0], parts if isinstance(parts, dict) else {}, row[2] or ""


def damaged_sources(recorded: dict[str, Any], now: Digest) -> list[str]:
    """The sources whose rows differ from what was recorded (added, changed or deleted)."""
    return sorted(
        n for n in set(recorded) | set(now.sources) if recorded.get(n) != now.sources.get(n)
    )


def migrate(conn: sqlite3.Connection) -> None:
    """Schema migration: digest columns, then a digest for every finished snapshot, marked as
    computed at migration (it proves nothing about what happened to the rows before)."""
    for stmt in (
        "ALTER TABLE snapshots ADD COLUMN digest TEXT",
        "ALTER TABLE snapshots ADD COLUMN digest_sources TEXT",
        "ALTER TABLE snapshots ADD COLUMN digest_origin TEXT",
    ):
        conn.execute(stmt)
    for (sid,) in conn.execute("SELECT id FROM snapshots WHERE status != 'running'").fetchall():
        record(conn, sid, AT_MIGRATION)
