"""How bodies are kept: content-addressed, compressed, and delta-encoded between snapshots.

A body is stored under the SHA-256 of its (redacted) bytes with one of three codecs:

- ``zlib``: the first schema's codec, still read;
- ``zstd``: zstandard, standalone;
- ``zstd-delta``: zstandard with the content of another body (``base``) as a raw dictionary.

A Resource Graph page of 1,000 rows changes every week even at 1% churn, so whole-body dedup
alone stores it again each time; as a delta against the same page of the previous snapshot it
costs a few kilobytes. Chains are at most ``MAX_DEPTH`` deep, and a delta is kept only when it
is clearly smaller than the standalone frame. Bases stay as long as a body needs them
(``LIVE_BODIES``, used by prune and verify).
"""

from __future__ import annotations

import sqlite3
import threading
import zlib

import zstandard

LEVEL = 9
MAX_DEPTH = 32
DELTA_MIN_SIZE = 4096  # smaller bodies are not worth a base lookup

# zstandard's (de)compressors must not be used by two threads at once (the collector's
# workers and Store.bodies read and write bodies concurrently): one of each per thread. A
# shared decompressor made a resumed collection read a stored page as "Data corruption
# detected" now and then, and fetch it again.
_LOCAL = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    got: zstandard.ZstdCompressor | None = getattr(_LOCAL, "compressor", None)
    if got is None:
        got = _LOCAL.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return got


def _decompressor() -> zstandard.ZstdDecompressor:
    got: zstandard.ZstdDecompressor | None = getattr(_LOCAL, "decompressor", None)
    if got is None:
        got = _LOCAL.decompressor = zstandard.ZstdDecompressor()
    return got


# Every body some exchange uses, plus (transitively) the bases those are encoded against.
LIVE_BODIES = """
WITH RECURSIVE live(h) AS (
    SELECT body_hash FROM exchanges WHERE body_hash IS NOT NULL
    UNION
    SELECT b.base FROM bodies b JOIN live ON b.hash = live.h WHERE b.base IS NOT NULL
)
"""


class BodyError(Exception):
    """A body (or a base it needs) is missing or does not decode."""


def compress(data: bytes) -> tuple[str, bytes]:
    """Standalone encoding: (codec, blob)."""
    return "zstd", _compressor().compress(data)


def compress_delta(data: bytes, base: bytes) -> bytes:
    d = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=d).compress(data)


def decompress(codec: str, blob: bytes, base: bytes | None = None) -> bytes:
    try:
        if codec == "zlib":
            return zlib.decompress(blob)
        if codec == "zstd":
            return _decompressor().decompress(blob)
        if codec == "zstd-delta" and base is not None:
            d = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            return zstandard.ZstdDecompressor(dict_data=d).decompress(blob)
    except (zlib.error, zstandard.ZstdError) as e:
        raise BodyError(f"does not decompress ({e})") from None
    raise BodyError(f"unknown codec {codec!r}")


def has_codec_columns(conn: sqlite3.Connection) -> bool:
    """Stores and bundles of schema v3 and older have neither ``codec`` nor ``base``."""
    return "codec" in {r[1] for r in conn.execute("PRAGMA table_info(bodies)")}


def _encoded(conn: sqlite3.Connection, h: str) -> tuple[str, bytes, str | None] | None:
    """(codec, blob, base) of body ``h``. The schema is asked only when the current query
    fails (a v3 store or bundle): asking first cost a PRAGMA per body, as much as the read."""
    try:
        return conn.execute("SELECT codec, data, base FROM bodies WHERE hash = ?", (h,)).fetchone()
    except sqlite3.OperationalError:
        if has_codec_columns(conn):
            raise  # not the old schema: a real error
    return conn.execute("SELECT 'zlib', data, NULL FROM bodies WHERE hash = ?", (h,)).fetchone()


def encoded(conn: sqlite3.Connection, h: str) -> tuple[str, bytes, str | None]:
    """(codec, blob, base) of body ``h``; BodyError when it is missing."""
    row = _encoded(conn, h)
    if row is None:
        raise BodyError(f"body {h[:12]} is missing")
    return row


def read(
    conn: sqlite3.Connection, h: str, _depth: int = 0, *, bases: dict[str, bytes] | None = None
) -> bytes:
    """The bytes of body ``h``, following its delta bases; ``bases``: bodies already read (by
    hash), taken instead of decoding them again (a page of one week is often the base of the
    same page the next week)."""
    row = _encoded(conn, h)
    if row is None:
        raise BodyError(f"body {h[:12]} is missing" if _depth == 0 else f"base {h[:12]} is missing")
    codec, blob, base = row
    if base is not None and _depth > MAX_DEPTH:
        raise BodyError("delta chain too deep (a cycle?)")
    if base is None:
        return decompress(codec, blob)
    known = bases.get(base) if bases is not None else None
    return decompress(codec, blob, known if known is not None else read(conn, base, _depth + 1))


def depth(conn: sqlite3.Connection, h: str) -> int:
    row = conn.execute("SELECT depth FROM bodies WHERE hash = ?", (h,)).fetchone()
    return int(row[0]) if row else MAX_DEPTH


def encode(
    conn: sqlite3.Connection, data: bytes, base_hash: str | None
) -> tuple[str, bytes, str | None, int]:
    """(codec, blob, base, depth) for ``data``; a delta against ``base_hash`` when that pays."""
    codec, blob = compress(data)
    if base_hash is None or len(data) < DELTA_MIN_SIZE:
        return codec, blob, None, 0
    base_depth = depth(conn, base_hash)
    if base_depth >= MAX_DEPTH:
        return codec, blob, None, 0
    try:
        base = read(conn, base_hash)
    except BodyError:
        return codec, blob, None, 0
    delta = compress_delta(data, base)
    if len(delta) * 2 > len(blob):
        return codec, blob, None, 0
    return "zstd-delta", delta, base_hash, base_depth + 1
