"""A bundle's manifest and the checks a reader makes of a bundle it opens directly.

Below the snapshot reader (``SnapshotView`` calls ``check_bundle_for_reader`` for
``FILE.snapdiff:REF``); ``snapdiff.bundle`` writes, imports and verifies bundles with the same
hashes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any, NoReturn

from . import digest, signing
from .errors import StoreError
from .store import Store

FORMAT = "snapdiff-bundle"
# Tables copied with a snapshot; their columns are read from the schema, so a later migration's
# new columns travel too. (snapshot_id and local ids are rewritten.)
ROW_TABLES = ("snapshots", "sources", "fetches", "exchanges", "redactions")
ROW_ORDER = {
    "snapshots": "id",
    "sources": "name",
    "fetches": "id",
    "exchanges": "id",
    "redactions": "rowid",
}


class BundleError(StoreError):
    """A bundle is truncated, tampered with, foreign or too new."""


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical manifest JSON without its own ``manifest_sha256`` field."""
    return hashlib.sha256(
        canonical({k: v for k, v in data.items() if k != "manifest_sha256"})
    ).hexdigest()


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _json_default(v: Any) -> Any:
    if isinstance(v, bytes):
        return {"hex": v.hex()}
    raise TypeError(type(v))


def rows_hash(conn: sqlite3.Connection) -> str:
    """SHA-256 over every non-body row of a bundle, in a fixed order."""
    return rows_hash_counts(conn)[0]


def rows_hash_counts(conn: sqlite3.Connection) -> tuple[str, dict[str, int]]:
    """``rows_hash`` and how many rows of each table it covered."""
    h = hashlib.sha256()
    counts: dict[str, int] = {}
    for table in ROW_TABLES:
        cols = sorted(columns(conn, table))
        h.update(f"{table}:{','.join(cols)}\n".encode())
        n = 0
        for row in conn.execute(
            f"SELECT {', '.join(cols)} FROM {table} ORDER BY {ROW_ORDER[table]}"
        ):
            h.update(json.dumps(list(row), default=_json_default).encode() + b"\n")
            n += 1
        counts[table] = n
    return h.hexdigest(), counts


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def signature_problem(
    conn: sqlite3.Connection, manifest_text: str, trusted: list[signing.TrustedKey]
) -> str | None:
    """Why the manifest is not signed by a trusted key, or None."""
    if "signature" not in tables(conn):
        return "the bundle is not signed, and a signature by a trusted key is required"
    rows = conn.execute("SELECT sshsig FROM signature").fetchall()
    if len(rows) != 1 or not isinstance(rows[0][0], str):
        return "unreadable signature"
    try:
        signing.verify(rows[0][0], manifest_text.encode(), trusted)
    except signing.SignatureError as e:
        return str(e)
    return None


def check_bundle_for_reader(
    store: Store,
    meta: Any,
    rows: digest.SnapshotRows,
    source_rows: list[tuple[Any, ...]],
) -> None:
    """What a reader checks of a bundle it reads directly (``FILE.snapdiff:REF``), cheaply:
    the manifest's own hash, that it names this snapshot and its digest (or, for a bundle
    older than digests, the rows hash), and the signature when ``$SNAPDIFF_TRUSTED_KEYS`` is
    set. Bodies are checked against their SHA-256 as they are read."""
    conn = store.conn

    def refuse(why: str) -> NoReturn:
        raise BundleError(f"refusing {store.path}: {why}; run snapdiff verify {store.path}")

    try:
        texts = conn.execute("SELECT json FROM manifest").fetchall()
        data = json.loads(texts[0][0]) if len(texts) == 1 else None
        nsnaps = conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    except (sqlite3.DatabaseError, ValueError, TypeError):
        data, nsnaps = None, 0
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        refuse("unreadable manifest")
    if data.get("manifest_sha256") != manifest_hash(data):
        refuse("manifest SHA-256 does not match (tampered or damaged)")
    snap: dict[str, Any] = data["snapshot"] if isinstance(data.get("snapshot"), dict) else {}
    if nsnaps != 1 or snap.get("uid") != meta.uid or snap.get("label") != meta.label:
        refuse("the snapshot does not match the manifest")
    if digest.has_columns(conn):
        if snap.get("digest") is None or snap.get("digest") != digest.stored(conn, meta.id)[0]:
            refuse("the snapshot's digest does not match the manifest")
    else:
        got, counts = rows_hash_counts(conn)
        if (
            got != data.get("rows_sha256")
            or counts["fetches"] != len(rows.fetches)
            or counts["exchanges"] != len(rows.exchanges)
            or counts["sources"] != len(source_rows)
        ):
            refuse("exchange/fetch rows do not match the manifest SHA-256 (tampered or damaged)")
    trusted = signing.trusted_keys(())
    if trusted is not None:
        why = signature_problem(conn, texts[0][0], trusted)
        if why:
            raise BundleError(f"refusing {store.path}: {why} (${signing.TRUSTED_KEYS_ENV} is set)")
