"""The row index of a snapshot: one row per resource, role assignment, group membership and
management group, with a hash of its stored JSON, so that a diff compares hashes first and
parses only the rows that differ.

A resource row holds the ARM id and its parts (type, name, subscription, resource group), two
hashes, the ``scad`` tag and where its JSON sits in the stored Resource Graph page (body hash,
character span in the decoded page). ``raw`` hashes the row's text as stored: equal raw hashes
mean equal rows, so a diff may skip them without parsing. ``hash`` hashes the row after the
default noise rules (``snapdiff.naming.noise``): rows whose ``hash`` agrees differ in noise
only, which is what access and exposure need to know (``changed_keys``).

The index is derived data (tables ``index_state`` and ``index_rows``): written when a
collection ends, when a snapshot is imported, or by ``snapdiff index`` (reading commands never
change a store, so a snapshot without an index is read in full);
``check_index`` (called by ``verify``) rebuilds it in memory and compares; ``drop_index``
deletes it. A snapshot without an index (a read-only store, a bundle) is read in full.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import marshal
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from json.scanner import make_scanner
from operator import attrgetter
from typing import Any, NamedTuple

from .errors import StoreError
from .naming.calls import (
    ARG_RESOURCES,
    GRAPH_MEMBERS,
    GRAPH_TRANSITIVE_MEMBERS,
    MANAGEMENT_GROUPS_LIST,
    ROLE_ASSIGNMENTS,
)
from .naming.ids import row_parts
from .naming.noise import IgnoreSet
from .naming.rbac import read_assignments
from .naming.scad import find_scad_tag
from .snapshot import SnapshotView
from .store import Store, utcnow

# Bump when what a row holds or how it is hashed changes: older indexes are then rebuilt.
# 2: rows fall in buckets, with one digest per bucket (``index_buckets``).
# 3: the derived kinds (``register_derived``: exposure's rows).
# 4: 16,384 buckets instead of 4,096 (a tenth of the rows read at 100,000 resources).
# 5: a check per row (``cols`` above its COLS_* bits), bucket digests of the derived kinds and a
#    summary row (``SUMMARY``): readers verify every column they take without parsing.
INDEX_VERSION = 5
# About sqrt(changed rows x rows) at 100,000 rows and 1% churn; the digests of one kind are
# NBUCKETS x 8 bytes (128 KiB).
NBUCKETS = 16384
RESOURCE, ASSIGNMENT, MEMBER, SCOPE = "resource", "assignment", "member", "scope"
KINDS = (RESOURCE, ASSIGNMENT, MEMBER, SCOPE)


class Entry(NamedTuple):
    """One indexed row. ``body``/``start``/``end`` locate a resource's JSON; other kinds have
    none (their listings are small and read whole)."""

    key: str  # lower-cased id
    id: str  # as stored; call|group id|member id for memberships
    type: str
    name: str
    sub: str
    rg: str
    raw: bytes
    hash: bytes
    cia: str | None
    body: str | None
    start: int | None
    end: int | None
    cols: int  # COLS_* bits: which of its own columns the row holds as non-empty strings


class IndexUnavailable(Exception):
    """The stored pages cannot be indexed row by row (not JSON objects as Resource Graph and
    ARM write them); the reader falls back to parsing every body."""


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def canonical_hash(obj: Any) -> bytes:
    """Hash of a parsed JSON value, insensitive to key order."""
    return _digest(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode())


def _fast_hash(obj: Any) -> bytes:
    """Hash of a parsed JSON value via ``marshal`` (key order counts: a reordered row only costs
    a comparison that finds nothing). marshal flags the objects that something else refers to
    as well, so the bytes depend on what is alive: the index hashes a row's stripped copy, new
    containers holding the row's own strings and numbers, through this function, while the
    row itself is alive. Keep it so (tests/test_rowindex_pages.py holds a reference)."""
    try:
        return _digest(marshal.dumps(obj))
    except ValueError:
        return canonical_hash(obj)


# -- reading a page row by row -----------------------------------------------------------------
_scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_WS = re.compile(r"[ \t\n\r]*")
_NOT_LIST = object()


def _ws(text: str, i: int) -> int:
    m = _WS.match(text, i)
    return m.end() if m else i


def page_rows(text: str) -> list[tuple[Any, int, int]]:
    """The items of a stored page (``value``, else ``data``, as ``Fetch.items`` reads them)
    with the character span of each in ``text``. Raises IndexUnavailable when ``text`` is not
    one JSON object."""
    try:
        return _page_rows(text)
    except (StopIteration, IndexError, ValueError):
        raise IndexUnavailable("a page is not a JSON object") from None


def _page_rows(text: str) -> list[tuple[Any, int, int]]:
    found: dict[str, Any] = {}
    i = _ws(text, 0)
    if text[i] != "{":
        raise ValueError
    i = _ws(text, i + 1)
    if text[i] == "}":
        i += 1
    else:
        while True:
            key, i = _scan(text, i)
            if not isinstance(key, str):
                raise ValueError
            i = _ws(text, i)
            if text[i] != ":":
                raise ValueError
            i = _ws(text, i + 1)
            if key in ("value", "data") and text[i] == "[":
                rows: list[tuple[Any, int, int]] = []
                i = _ws(text, i + 1)
                if text[i] == "]":
                    i += 1
                else:
                    while True:
                        obj, end = _scan(text, i)
                        rows.append((obj, i, end))
                        i = _ws(text, end)
                        if text[i] == ",":
                            i = _ws(text, i + 1)
                            continue
                        if text[i] != "]":
                            raise ValueError
                        i += 1
                        break
                found[key] = rows
            else:
                _, i = _scan(text, i)
                if key in ("value", "data"):
                    found[key] = _NOT_LIST
            i = _ws(text, i)
            if text[i] == ",":
                i = _ws(text, i + 1)
                continue
            if text[i] != "}":
                raise ValueError
            i += 1
            break
    if _ws(text, i) != len(text):
        raise ValueError
    items = found.get("value", found.get("data"))
    return items if isinstance(items, list) else []


def decode_page(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise IndexUnavailable("a page is not UTF-8") from None


# -- building ----------------------------------------------------------------------------------
_DEFAULTS = IgnoreSet()
COLS_TYPE, COLS_NAME, COLS_SUB, COLS_RG = 1, 2, 4, 8
# The key under which ``SnapshotView.resources`` keeps its rows (see ``resource_entries``).
_RESOURCES_MEMO = "resources_by_id"
_COLS = (
    ("type", COLS_TYPE),
    ("name", COLS_NAME),
    ("subscriptionId", COLS_SUB),
    ("resourceGroup", COLS_RG),
)


def resource_entries(view: SnapshotView) -> dict[str, Entry]:
    """Index entries of every resource, keyed by lower-cased id; the last row of an id wins,
    as in ``SnapshotView.resources``. The rows parsed on the way are handed to the view as
    its ``resources()`` when they are exactly what it would read (the derived kinds read
    them next: each page is parsed once)."""
    out: dict[str, Entry] = {}
    rows: dict[str, dict[str, Any]] | None = {}
    strip = _DEFAULTS.strip
    for f in view.fetches(ARG_RESOURCES):
        if not f.ok:
            continue
        for h in f.page_hashes:
            data = view.store.body(h)
            text = decode_page(data)
            # ASCII pages (most): a character span is the byte span, hashed without a copy
            whole = memoryview(data) if len(text) == len(data) else None
            for row, start, end in page_rows(text):
                if type(row) is not dict:
                    rows = None  # SnapshotView.resources refuses such a page: let it
                    continue
                rid = row.get("id")
                if not rid or type(rid) is not str:
                    if rid:
                        rows = None
                    continue
                key = rid.lower()
                if rows is not None:
                    rows[key] = row
                t, n, s, g = row_parts(row)
                tags = row.get("tags")
                cia = None if tags is None else find_scad_tag(tags)
                span = (
                    whole[start:end]
                    if whole is not None
                    else text[start:end].encode("utf-8", "surrogatepass")
                )
                cols = 0
                for col, bit in _COLS:
                    v = row.get(col)
                    if type(v) is str and v:
                        cols |= bit
                out[key] = Entry(
                    key,
                    rid,
                    t,
                    n,
                    s,
                    g,
                    _digest(span),
                    _fast_hash(strip(t, row)),
                    None if cia is None else str(cia),
                    h,
                    start,
                    end,
                    cols,
                )
    if rows is not None:
        view.memo(_RESOURCES_MEMO, lambda: dict(sorted(rows.items())))
    return out


def _plain(key: str, id_: str, type_: str, obj: Any) -> Entry:
    h = canonical_hash(obj)
    return Entry(key, id_, type_, "", "", "", h, h, None, None, None, None, 0)


def other_entries(view: SnapshotView) -> Iterator[tuple[str, Entry]]:
    """(kind, entry) of role assignments, group memberships and management groups."""
    seen: set[str] = set()
    items = (a for f in view.fetches(ROLE_ASSIGNMENTS) if f.ok for a in read_assignments(f.items()))
    for a in items:
        if not a.id or a.id.lower() in seen:
            continue
        seen.add(a.id.lower())
        fields = (a.scope, a.principal_id, a.principal_type, a.role_definition_id)
        yield ASSIGNMENT, _plain(a.id.lower(), a.id, a.role_guid, fields)
    for call in (GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS):
        for f in view.fetches(call):
            if not f.ok:
                continue
            for item in f.items():
                if isinstance(item, dict) and item.get("id"):
                    key = f"{call}|{f.target}|{item['id']}".lower()
                    t = str(item.get("@odata.type", ""))
                    yield MEMBER, _plain(key, key, t, item)
    listing = view.fetch(MANAGEMENT_GROUPS_LIST, "")
    if listing is not None and listing.ok:
        for item in listing.items():
            if isinstance(item, dict) and item.get("id"):
                key = str(item["id"]).lower()
                yield SCOPE, _plain(key, str(item["id"]), str(item.get("type", "")), item)


def build_entries(view: SnapshotView) -> list[tuple[str, Entry]]:
    """Every (kind, entry) of a snapshot, computed from its bodies."""
    rows = [(RESOURCE, e) for e in resource_entries(view).values()]
    others: dict[tuple[str, str], Entry] = {}
    for kind, e in other_entries(view):
        others.setdefault((kind, e.key), e)
    return rows + [(k, e) for (k, _), e in others.items()] + derived_entries(view)


# -- storing -----------------------------------------------------------------------------------
def has_tables(store: Store) -> bool:
    return bool(
        store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='index_state'"
        ).fetchone()
    )


def is_indexed(store: Store, snapshot_id: int) -> bool:
    if not has_tables(store):
        return False
    row = store.conn.execute(
        "SELECT version FROM index_state WHERE snapshot_id = ?", (snapshot_id,)
    ).fetchone()
    return bool(row) and row[0] == INDEX_VERSION


def bucket_of(key: str) -> int:
    """The bucket of a lower-cased key."""
    return int.from_bytes(_blake2b(key.encode(), digest_size=4).digest(), "big") % NBUCKETS


_blake2b = hashlib.blake2b


def bucket_digests(entries: Iterable[Entry]) -> tuple[bytes, bytes]:
    """Per bucket, 8 bytes of a digest of its rows' (key, raw) and of their (key, hash), in
    bucket order (an empty bucket's digest is zeros); the index of one kind."""
    return _bucket_digests((bucket_of(e.key), e) for e in entries)


def _bucket_digests(filed: Iterable[tuple[int, Entry]]) -> tuple[bytes, bytes]:
    """``bucket_digests`` of entries whose buckets are known."""
    raw: dict[int, list[bytes]] = {}
    norm: dict[int, list[bytes]] = {}
    for b, e in filed:
        k = e.key.encode("utf-8", "surrogatepass") + b"\0"
        if b in raw:
            raw[b].append(k + e.raw)
            norm[b].append(k + e.hash)
        else:
            raw[b] = [k + e.raw]
            norm[b] = [k + e.hash]

    def digests(parts: dict[int, list[bytes]]) -> bytes:
        out = bytearray(8 * NBUCKETS)  # an empty bucket's digest is zeros
        for b, p in parts.items():
            p.sort()
            out[8 * b : 8 * b + 8] = _blake2b(b"\1".join(p), digest_size=8).digest()
        return bytes(out)

    return digests(raw), digests(norm)


@contextmanager
def _gc_off() -> Iterator[None]:
    """The cyclic GC paused, without freezing what survives (a view with cycles is dropped
    after indexing)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# Page cache while the index is written (KiB): at 100,000 resources the rows fill about 160 MB
# of pages; with SQLite's default 2 MB, pages evicted in the middle of the transaction are
# written out and read back (a second of system time at that size).
WRITE_CACHE_KIB = 65536


@contextmanager
def _page_cache(conn: Any, kib: int) -> Iterator[None]:
    (was,) = conn.execute("PRAGMA cache_size").fetchone()
    conn.execute(f"PRAGMA cache_size = {-kib}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(was)}")


def write_index(store: Store, snapshot_id: int) -> int:
    """(Re)build and store the index of a finished snapshot; returns the number of rows."""
    if store.snapshot(snapshot_id).status == "running":
        raise StoreError(f"snapshot {snapshot_id} is still running: it is indexed once finished")
    with _gc_off():  # hundreds of thousands of small acyclic objects, written out too
        view = SnapshotView(store, snapshot_id)
        entries = build_entries(view)
        # the view (cyclic) is dropped: its parsed rows are freed now, not by a later collection
        view.memo(_RESOURCES_MEMO, dict).clear()
        del view
        filed = [(bucket_of(e.key), kind, e) for kind, e in entries]
        digests = _kind_digests(filed)
        _store_index(store, snapshot_id, filed, digests, summary(filed, digests))
    return len(filed)


def _kind_digests(filed: list[tuple[int, str, Entry]]) -> list[tuple[str, bytes, bytes]]:
    """(kind, raw digests, hash digests) of every kind, base or registered (none of its rows
    may have been written), and of every other kind in ``filed``."""
    by_kind: dict[str, list[tuple[int, Entry]]] = {k: [] for k in KINDS + derived_kinds()}
    for b, kind, e in filed:
        if kind in by_kind:
            by_kind[kind].append((b, e))
        else:
            by_kind[kind] = [(b, e)]
    return [(kind, *_bucket_digests(by_kind.pop(kind))) for kind in sorted(by_kind)]


# -- checks: what readers compare before they take a column without parsing --------------------
# ``cols`` holds a row's COLS_* bits, and above them a CRC-32 of every column of the row (kind
# included); derived rows carry none (their ``raw`` is a digest of their columns). The summary
# row (``index_buckets`` under SUMMARY) holds counts a reader compares with what it selected,
# and a digest of each kind's bucket digests; its ``hash`` is a digest of its ``raw``.
FLAGS = 15
SUMMARY = "@summary"
_crc = zlib.crc32
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _packed_cols(kind: str, e: Entry, bucket: int) -> int:
    """The ``cols`` a row is stored with: its COLS_* bits and, for the base kinds, a CRC of
    every column (it finds damage, it does not authenticate; ``_checked`` computes it again)."""
    if kind not in KINDS:
        return e.cols
    c = "" if e.cia is None else " " + e.cia
    text = f"{kind}\0{e.id}\0{e.type}\0{e.name}\0{e.sub}\0{e.rg}\0{e.body}\0{e.start}\0{e.end}\0{c}\0{bucket}\0{e.cols}"
    return e.cols | _crc(e.raw + e.hash, _crc(text.encode("utf-8", "surrogatepass"))) << 4


def rg_outside_id(id_: str, rg: str) -> bool:
    """Whether a row's resource-group column is not the group named in its id: what
    ``rows_maybe_in`` selects, in Python (SQLite's ``lower`` and ``LIKE`` fold ASCII only)."""
    return f"/resourceGroups/{rg}/" not in id_ and (
        f"/resourcegroups/{rg.translate(_ASCII_LOWER)}/" not in id_.translate(_ASCII_LOWER)
    )


def odd_id(id_: str) -> bool:
    """Whether an id does not start with ``/subscriptions/`` (ASCII case folded, as LIKE)."""
    return id_[:15].translate(_ASCII_LOWER) != "/subscriptions/"


def summary(
    filed: list[tuple[int, str, Entry]], digests: list[tuple[str, bytes, bytes]]
) -> dict[str, Any]:
    """What the summary row of an index holds (see FLAGS). Digests of lines are taken in id
    order, the order of the table's primary key, so a reader checks what it selected in the
    order SQLite returns it."""
    resources = sorted((e for _, kind, e in filed if kind == RESOURCE), key=attrgetter("id"))
    subs: Counter[str] = Counter()
    by_pair: dict[str, list[str]] = {}
    tags = []
    for e in resources:  # a resource's access columns, as _whole_groups reads them
        line = f"{e.id}\0{e.type}\0{e.name}\0{e.sub}\0{e.rg}\0{'' if e.cia is None else ' ' + e.cia}\0{e.cols}"
        subs[e.sub] += 1
        by_pair.setdefault(f"{e.sub}\0{e.rg}", []).append(line)
        if e.cia is not None:
            tags.append(f"{e.id}\0{e.cia}")
    named: dict[str, list[str]] = {}
    heads = sorted(((k, e) for _, k, e in filed if k not in KINDS and e.name), key=_second_id)
    for kind, e in heads:
        named.setdefault(kind, []).append(f"{e.id}\0{e.rg}\0{e.type}\0{e.name}\0{e.sub}")
    return {
        "rows": dict(Counter(kind for _, kind, _ in filed)),
        "named": {k: lines_digest(v) for k, v in named.items()},
        "subs": dict(subs),
        "groups": {k: lines_digest(v) for k, v in by_pair.items()},
        "tags": lines_digest(tags),
        # the first test of each is the common case, inline
        "rg_outside_id": sum(
            1
            for e in resources
            if f"/resourceGroups/{e.rg}/" not in e.id and rg_outside_id(e.id, e.rg)
        ),
        "odd_ids": sum(
            1 for e in resources if not e.id.startswith("/subscriptions/") and odd_id(e.id)
        ),
        "buckets": {k: [_blob_digest(r), _blob_digest(h)] for k, r, h in digests},
    }


def _second_id(ke: tuple[str, Entry]) -> str:
    return ke[1].id


def lines_digest(lines: list[str]) -> str:
    return _blake2b("\1".join(lines).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _blob_digest(blob: bytes) -> str:
    return _blake2b(blob, digest_size=8).hexdigest()


def _summary_bytes(s: dict[str, Any]) -> bytes:
    return json.dumps(s, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )


def _store_index(
    store: Store,
    snapshot_id: int,
    filed: list[tuple[int, str, Entry]],
    digests: list[tuple[str, bytes, bytes]],
    seal: dict[str, Any],
) -> None:
    """Write the rows (bucket, kind, entry), bucket digests and summary of a snapshot in one
    transaction, replacing what it had."""
    data = _summary_bytes(seal)
    with _page_cache(store.conn, WRITE_CACHE_KIB), store.transaction() as c:
        # computed first: the write lock is held for writing only
        c.execute("DELETE FROM index_rows WHERE snapshot_id = ?", (snapshot_id,))
        c.execute("DELETE FROM index_buckets WHERE snapshot_id = ?", (snapshot_id,))
        c.executemany(
            "INSERT INTO index_rows (snapshot_id, kind, id, type, name, sub, rg, raw, hash,"
            " cia, body, span_start, span_end, cols, bucket)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((snapshot_id, kind, *e[1:12], _packed_cols(kind, e, b), b) for b, kind, e in filed),
        )
        c.executemany(
            "INSERT INTO index_buckets (snapshot_id, kind, raw, hash) VALUES (?, ?, ?, ?)",
            [(snapshot_id, *d) for d in digests] + [(snapshot_id, SUMMARY, data, _digest(data))],
        )
        c.execute(
            "INSERT OR REPLACE INTO index_state (snapshot_id, version, built_at, rows)"
            " VALUES (?, ?, ?, ?)",
            (snapshot_id, INDEX_VERSION, utcnow(), len(filed)),
        )


def unindexed(store: Store) -> list[int]:
    """Finished snapshots without a row index of this version, oldest first."""
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT id FROM snapshots WHERE status != 'running' AND id NOT IN"
            " (SELECT snapshot_id FROM index_state WHERE version = ?) ORDER BY id",
            (INDEX_VERSION,),
        )
    ]


def drop_index(store: Store, snapshot_id: int | None = None) -> None:
    """Delete the index of one snapshot, or of all; it is rebuilt on next use."""
    where, args = ("WHERE snapshot_id = ?", (snapshot_id,)) if snapshot_id is not None else ("", ())
    with store.transaction() as c:
        c.execute(f"DELETE FROM index_rows {where}", args)
        c.execute(f"DELETE FROM index_buckets {where}", args)
        c.execute(f"DELETE FROM index_state {where}", args)


def stored_entries(
    store: Store, snapshot_id: int, kind: str, *, packed: bool = False
) -> dict[str, Entry]:
    """The stored rows of ``kind``, as entries (``cols``: the COLS_* bits, or as stored)."""
    rows = store.conn.execute(
        "SELECT id, type, name, sub, rg, raw, hash, cia, body, span_start, span_end, cols"
        " FROM index_rows WHERE snapshot_id = ? AND kind = ?",
        (snapshot_id, kind),
    )
    out = {}
    for r in rows:
        key = r[0].lower()
        e = Entry(key, *r)
        out[key] = e if packed or kind not in KINDS else e._replace(cols=e.cols & FLAGS)
    return out


def check_index(store: Store, snapshot_id: int) -> list[str]:
    """Problems of a snapshot's stored index against its bodies ([] when absent or right)."""
    if not is_indexed(store, snapshot_id):
        return []
    try:
        built = build_entries(SnapshotView(store, snapshot_id))
    except IndexUnavailable as e:
        return [f"snapshot {snapshot_id}: has an index but its pages cannot be indexed ({e})"]
    stale = stale_kinds(store, snapshot_id)  # written by other code: unused, not damage
    filed = [(bucket_of(e.key), k, e) for k, e in built]
    want: dict[tuple[str, str], Entry] = {
        (k, e.key): e._replace(cols=_packed_cols(k, e, b)) for b, k, e in filed if k not in stale
    }
    have: dict[tuple[str, str], Entry] = {}
    for kind in KINDS + tuple(k for k in derived_kinds() if k not in stale):
        stored = stored_entries(store, snapshot_id, kind, packed=True)
        have.update({(kind, k): e for k, e in stored.items()})
    problems = []
    missing = want.keys() - have.keys()
    extra = have.keys() - want.keys()
    wrong = sorted(k for k in want.keys() & have.keys() if tuple(want[k]) != tuple(have[k]))
    for what, keys in (("missing", missing), ("not in the bodies", extra), ("wrong", wrong)):
        if keys:
            first = sorted(keys)[0]
            problems.append(
                f"snapshot {snapshot_id}: index rows {what}: {len(keys)} (first: {first[0]}"
                f" {first[1]}); rebuild with snapdiff index --rebuild {snapshot_id}"
            )
    return problems + _bucket_problems(store, snapshot_id, filed, stale)


def _bucket_problems(
    store: Store, snapshot_id: int, filed: list[tuple[int, str, Entry]], stale: tuple[str, ...]
) -> list[str]:
    """Rows filed in the wrong bucket, bucket digests and the summary that disagree with the
    bodies."""
    fix = f"rebuild with snapdiff index --rebuild {snapshot_id}"
    misfiled = [
        i
        for i, b in store.conn.execute(
            "SELECT id, bucket FROM index_rows WHERE snapshot_id = ?", (snapshot_id,)
        )
        if b != bucket_of(i.lower())
    ]
    out = []
    if misfiled:
        out.append(
            f"snapshot {snapshot_id}: index rows in the wrong bucket: {len(misfiled)} (first:"
            f" {sorted(misfiled)[0]}); {fix}"
        )
    stored = {
        k: (r, h)
        for k, r, h in store.conn.execute(
            "SELECT kind, raw, hash FROM index_buckets WHERE snapshot_id = ?", (snapshot_id,)
        )
    }
    digests = _kind_digests(filed)
    for kind, r, h in digests:
        if kind not in stale and stored.get(kind) != (r, h):
            out.append(f"snapshot {snapshot_id}: index bucket digests wrong ({kind}); {fix}")
    data, check = stored.get(SUMMARY, (b"", b""))
    try:
        have = json.loads(data) if _digest(data) == check else None
    except ValueError:
        have = None
    want = summary(filed, digests)
    if isinstance(have, dict):
        for part in ("rows", "named", "buckets"):
            for s in (have, want):
                if isinstance(s.get(part), dict):
                    s[part] = {k: v for k, v in s[part].items() if k not in stale}
    if have != want:
        out.append(f"snapshot {snapshot_id}: index summary wrong or missing; {fix}")
    return out


# -- reading -----------------------------------------------------------------------------------
# A stored resource row as loaded: (id, type, name, sub, rg, raw, body, start, end).
Stored = tuple[str, str, str, str, str, bytes, str, int, int]
# Every column of a row: what ``Stored`` holds, then cia, hash, bucket and cols. Readers take
# rows through ``_checked`` and what they select through a count or bucket digest: a column
# taken without parsing is one ``write_index`` wrote.
_ALL_COLS = "id, type, name, sub, rg, raw, body, span_start, span_end, cia, hash, bucket, cols"
_RAW, _HASH = 5, 10


def damaged(view: SnapshotView, what: str) -> StoreError:
    """The refusal of a reader that finds a snapshot's index altered since it was written."""
    return StoreError(
        f"the row index of {view.name()} in {view.store.path} is damaged ({what}); run"
        f" snapdiff verify, then snapdiff index --rebuild {view.id}"
    )


def _summary_of(view: SnapshotView) -> dict[str, Any]:
    """The summary row of an indexed snapshot, checked (once per view)."""

    def read() -> dict[str, Any]:
        row = view.store.conn.execute(
            "SELECT raw, hash FROM index_buckets WHERE snapshot_id = ? AND kind = ?",
            (view.id, SUMMARY),
        ).fetchone()
        try:
            got = json.loads(row[0]) if row is not None and _digest(row[0]) == row[1] else None
        except ValueError:
            got = None
        parts = ("rows", "named", "subs", "groups", "buckets")
        if (
            not isinstance(got, dict)
            or any(not isinstance(got.get(p), dict) for p in parts)
            or not isinstance(got.get("tags"), str)
        ):
            raise damaged(view, "its summary row is missing or altered")
        return got

    result: dict[str, Any] = view.memo("rowindex:index-summary", read)
    return result


def _blobs(view: SnapshotView, kind: str) -> tuple[bytes, bytes]:
    """The bucket digests (of ``raw``, of ``hash``) of ``kind``, checked against the summary."""

    def read() -> tuple[bytes, bytes]:
        row = view.store.conn.execute(
            "SELECT raw, hash FROM index_buckets WHERE snapshot_id = ? AND kind = ?",
            (view.id, kind),
        ).fetchone()
        seal = _summary_of(view)
        want = seal["buckets"].get(kind)
        if row is None and want is None and not seal["rows"].get(kind):
            return bytes(8 * NBUCKETS), bytes(8 * NBUCKETS)  # a kind its writer did not know
        if row is None or want != [_blob_digest(row[0]), _blob_digest(row[1])]:
            raise damaged(view, f"the bucket digests of {kind}")
        if not len(row[0]) == len(row[1]) == 8 * NBUCKETS:
            raise damaged(view, f"the bucket digests of {kind}")
        return bytes(row[0]), bytes(row[1])

    result: tuple[bytes, bytes] = view.memo(f"rowindex:blobs:{kind}", read)
    return result


def _plain_digest(key: str, type_: str, name: str, sub: str, rg: str, body: str) -> bytes:
    return _digest(f"{key}\0{type_}\0{name}\0{sub}\0{rg}\0{body}".encode("utf-8", "surrogatepass"))


def _checked(view: SnapshotView, kind: str, rows: list[Any]) -> list[Any]:
    """``rows`` (``_ALL_COLS``) after checking each against its check (derived rows: their
    ``raw``, a digest of their columns); refused when one was altered."""
    if kind in KINDS:
        crc = zlib.crc32
        for r in rows:  # as _packed_cols computes it
            c = "" if r[9] is None else " " + r[9]
            text = f"{kind}\0{r[0]}\0{r[1]}\0{r[2]}\0{r[3]}\0{r[4]}\0{r[6]}\0{r[7]}\0{r[8]}\0{c}\0{r[11]}\0{r[12] & 15}"
            if r[12] >> 4 != crc(r[5] + r[10], crc(text.encode("utf-8", "surrogatepass"))):
                raise damaged(view, f"{kind} row {r[0]}")
    else:
        for r in rows:
            if not _plain_ok(r):
                raise damaged(view, f"{kind} row {r[0]}")
    return rows


def _plain_ok(r: Any) -> bool:
    """Whether a derived row (``_ALL_COLS``) is the one ``plain_entry`` made."""
    return bool(
        r[5] == r[10] == _plain_digest(r[0], r[1], r[2], r[3], r[4], r[6] or "")
        and r[6] is not None
        and r[7] is r[8] is r[9] is None
        and r[12] == 0
    )


def _complete(
    view: SnapshotView,
    kind: str,
    rows: list[Any],
    buckets: Iterable[int],
    col: int,
    *,
    raw: bool = True,
    bucket_col: int = 11,
) -> None:
    """Refuse unless ``rows`` (id first) are every row of ``buckets``: their digests (of
    ``rows[col]``: ``raw``, else ``hash``) are the stored ones."""
    blob = _blobs(view, kind)[0 if raw else 1]
    parts: dict[int, list[bytes]] = {b: [] for b in buckets}
    for r in rows:
        parts.setdefault(r[bucket_col], []).append(
            r[0].lower().encode("utf-8", "surrogatepass") + b"\0" + r[col]
        )
    for b, p in parts.items():
        p.sort()
        got = _blake2b(b"\1".join(p), digest_size=8).digest() if p else bytes(8)
        if not 0 <= b < NBUCKETS or blob[8 * b : 8 * b + 8] != got:
            raise damaged(view, f"{kind} rows of bucket {b}")


def _checked_in_buckets(view: SnapshotView, kind: str, buckets: list[int], col: int) -> list[Any]:
    """Every row of ``kind`` in ``buckets``, checked, and checked to be all of them."""
    rows = _checked(view, kind, _in_buckets(view, kind, _ALL_COLS, buckets))
    _complete(view, kind, rows, buckets, col, raw=col == _RAW)
    return rows


def _counted(view: SnapshotView, what: str, rows: list[Any], want: Any) -> list[Any]:
    if len(rows) != want:
        raise damaged(view, f"{len(rows)} {what} where its summary counts {want}")
    return rows


def _all_rows(view: SnapshotView, kind: str) -> list[Any]:
    """Every row of ``kind``, checked, and counted against the summary."""
    rows = view.store.conn.execute(
        f"SELECT {_ALL_COLS} FROM index_rows WHERE snapshot_id = ? AND kind = ?", (view.id, kind)
    ).fetchall()
    return _counted(
        view, f"{kind} rows", _checked(view, kind, rows), _summary_of(view)["rows"].get(kind, 0)
    )


def _by_ids(view: SnapshotView, kind: str, ids: Iterable[str]) -> list[Any]:
    """The rows of ``kind`` stored under ``ids`` (exactly), checked; the buckets of the ids
    not found are read whole and checked, so an absent row is one the index never held."""
    want = set(ids)
    found = _checked(
        view,
        kind,
        view.store.conn.execute(
            f"SELECT {_ALL_COLS} FROM index_rows WHERE snapshot_id = ? AND kind = ? AND id IN"
            " (SELECT value FROM json_each(?))",
            (view.id, kind, json.dumps(sorted(want))),
        ).fetchall(),
    )
    missing = want - {r[0] for r in found}
    if missing:  # their buckets' ids and raw hashes, against the buckets' digests
        buckets = sorted({bucket_of(i.lower()) for i in missing})
        near = _in_buckets(view, kind, "id, raw, bucket", buckets)
        _complete(view, kind, near, buckets, 1, bucket_col=2)
        if any(r[0] in missing for r in near):
            raise damaged(view, f"{kind} rows read twice differ")
    return found


@dataclass
class ResourceIndex:
    """The stored resource rows of one snapshot by lower-cased id, and the parsed rows
    themselves on demand."""

    view: SnapshotView
    entries: dict[str, Stored]

    @classmethod
    def load(cls, view: SnapshotView) -> ResourceIndex:
        return cls(view, {r[0].lower(): r[:9] for r in _all_rows(view, RESOURCE)})

    def rows(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The parsed rows of ``keys``: each page is decoded once, only the rows asked for are
        parsed."""
        by_body: dict[str, list[tuple[str, int, int]]] = {}
        for k in keys:
            e = self.entries[k]
            by_body.setdefault(e[6], []).append((k, e[7], e[8]))
        out: dict[str, dict[str, Any]] = {}
        prefetch_pages(self.view, by_body)
        for h, spans in by_body.items():
            text = page_text(self.view, h)  # decoded once per view: exposure reads it too
            for k, start, end in spans:
                out[k] = span_row(self.view, self.entries[k], text[start:end])
        return out


def span_row(view: SnapshotView, stored: Stored, text: str | bytes) -> dict[str, Any]:
    """The row an index entry points at (its text, or its ASCII bytes), parsed, after checking
    that it is the row the entry describes (its text's hash, its id): an index that no longer
    matches its bodies is refused, never read as another row (verify names it; index
    --rebuild writes it again)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    row = json.loads(data) if _digest(data) == stored[5] else None
    if not isinstance(row, dict) or row.get("id") != stored[0]:
        raise StoreError(
            f"the row index of {view.name()} in {view.store.path} does not match its bodies"
            f" (at {stored[0]}); run snapdiff verify, then snapdiff index --rebuild {view.id}"
        )
    return row


def differing_buckets(x: SnapshotView, y: SnapshotView, kind: str, *, raw: bool) -> list[int]:
    """The buckets of ``kind`` whose rows differ between two indexed snapshots of one store:
    by stored text (``raw``), else after the default noise rules."""
    dx, dy = (_blobs(v, kind)[0 if raw else 1] for v in (x, y))
    return [b for b in range(NBUCKETS) if dx[b * 8 : b * 8 + 8] != dy[b * 8 : b * 8 + 8]]


def _in_buckets(view: SnapshotView, kind: str, cols: str, buckets: list[int]) -> list[Any]:
    """Index rows of ``kind`` in ``buckets`` (read in chunks under SQLite's variable limit)."""
    out: list[Any] = []
    for i in range(0, len(buckets), 500):
        chunk = buckets[i : i + 500]
        out += view.store.conn.execute(
            # the planner would scan every row of the kind by primary key instead
            f"SELECT {cols} FROM index_rows INDEXED BY index_rows_bucket WHERE snapshot_id = ?"
            f" AND kind = ? AND bucket IN ({','.join('?' * len(chunk))})",
            (view.id, kind, *chunk),
        ).fetchall()
    return out


def _bucket_rows(x: SnapshotView, y: SnapshotView) -> tuple[list[Any], list[Any]]:
    """Every column of the resource rows of ``x`` and ``y`` (one store) in the buckets whose
    stored text differs, read once per pair of views: the resources, access and exposure
    passes all start from them."""

    def read() -> tuple[list[Any], list[Any]]:
        buckets = differing_buckets(x, y, RESOURCE, raw=True)
        return tuple(_checked_in_buckets(v, RESOURCE, buckets, _RAW) for v in (x, y))  # type: ignore[return-value]

    result: tuple[list[Any], list[Any]] = x.memo(f"rowindex:bucket-rows:{y.id}", read)
    return result


def _differing(x: SnapshotView, y: SnapshotView) -> tuple[dict[str, Stored], dict[str, Stored]]:
    """Resource rows of ``x`` that ``y`` does not hold as the same text under the same id, and
    the other way round: rows are compared only in buckets whose digests differ."""
    all_x, all_y = _bucket_rows(x, y)
    rx = {r[0].lower(): r[:9] for r in all_x}
    ry = {r[0].lower(): r[:9] for r in all_y}
    same = {k for k, r in rx.items() if k in ry and ry[k][0] == r[0] and ry[k][5] == r[5]}
    return (
        {k: r for k, r in rx.items() if k not in same},
        {k: r for k, r in ry.items() if k not in same},
    )


def resource_indexes(
    a: SnapshotView, b: SnapshotView, *, whole: bool = False
) -> tuple[ResourceIndex, ResourceIndex] | None:
    """The resource indexes of two snapshots, or None when either has none (then read both in
    full). Unless ``whole`` is asked for, and when both sit in one store, each holds only the
    rows the other does not hold as the same text under the same id (compared in SQL): rows
    that are not there are unchanged."""
    if not (is_indexed(a.store, a.id) and is_indexed(b.store, b.id)):
        return None
    if whole or a.store is not b.store:
        return ResourceIndex.load(a), ResourceIndex.load(b)
    da, db = differing_resources(a, b)  # shared with exposure
    return ResourceIndex(a, da), ResourceIndex(b, db)


def resource_columns(
    view: SnapshotView,
) -> dict[str, tuple[str, str, str, str, str | None, int]] | None:
    """(id, type, name, subscription, scad tag, COLS_* bits) of every resource by lower-cased
    id, sorted, from the index alone; None without an index. A reader whose rules for a
    missing column differ from ``row_parts`` parses the rows lacking a bit (``ResourceIndex``).
    """
    if not is_indexed(view.store, view.id):
        return None
    rows = view.store.conn.execute(
        f"SELECT {_ACCESS_COLS} FROM index_rows WHERE snapshot_id = ? AND kind = ? ORDER BY id",
        (view.id, RESOURCE),
    ).fetchall()
    _whole_groups(view, rows, None, None)
    return dict(sorted((r[0].lower(), (r[0], r[1], r[2], r[3], r[5], r[6])) for r in rows))


def resource_tags(view: SnapshotView) -> list[tuple[str, str]] | None:
    """(lower-cased id, raw ``scad`` value) of every resource that has one, from the index
    alone; None without an index."""
    if not is_indexed(view.store, view.id):
        return None
    rows = view.store.conn.execute(
        "SELECT id, cia FROM index_rows WHERE snapshot_id = ? AND kind = ?"
        " AND cia IS NOT NULL ORDER BY id",
        (view.id, RESOURCE),
    ).fetchall()
    if lines_digest([f"{i}\0{c}" for i, c in rows]) != _summary_of(view)["tags"]:
        raise damaged(view, "its scad tags are not the ones it was written with")
    return [(i.lower(), c) for i, c in rows]


@dataclass(frozen=True)
class Changes:
    """Which rows of one kind differ between two snapshots, by lower-cased id."""

    changed: frozenset[str]  # in both, different beyond the default noise rules
    removed: frozenset[str]  # only in A
    added: frozenset[str]  # only in B

    @property
    def touched(self) -> frozenset[str]:
        return self.changed | self.removed | self.added


def changes(a: SnapshotView, b: SnapshotView, kind: str = RESOURCE) -> Changes | None:
    """What changed between two indexed snapshots, from the hashes alone (None when either has
    no index): the hook with which access and exposure recompute only what changed rows
    touch."""
    if not (is_indexed(a.store, a.id) and is_indexed(b.store, b.id)):
        return None
    if a.store is b.store:  # only the buckets whose digests differ
        buckets = differing_buckets(a, b, kind, raw=False)
        ha = {r[0].lower(): r[10] for r in _checked_in_buckets(a, kind, buckets, _HASH)}
        hb = {r[0].lower(): r[10] for r in _checked_in_buckets(b, kind, buckets, _HASH)}
    else:
        ha, hb = _hashes(a, kind), _hashes(b, kind)
    both = ha.keys() & hb.keys()
    return Changes(
        frozenset(k for k in both if ha[k] != hb[k]),
        frozenset(ha.keys() - hb.keys()),
        frozenset(hb.keys() - ha.keys()),
    )


def _hashes(view: SnapshotView, kind: str) -> dict[str, bytes]:
    return {r[0].lower(): r[10] for r in _all_rows(view, kind)}


# -- what access recomputes (snapdiff.access.incremental) --------------------------------------
# A resource's access columns, as the index holds them: id as stored, type, name, subscription
# column, ``scad`` tag; then the row's hash (after the default noise rules) and its bucket.
AccessRow = tuple[str, str, str, str, str | None, bytes, int]
AccessCols = tuple[str, str, str, str, str | None]  # the same without hash and bucket


def changed_buckets(a: SnapshotView, b: SnapshotView) -> list[int] | None:
    """The resource buckets whose digests (after the default noise rules) differ between two
    indexed snapshots, which may sit in different stores; None when either has no index."""
    if not (is_indexed(a.store, a.id) and is_indexed(b.store, b.id)):
        return None
    da, db = (_blobs(v, RESOURCE)[1] for v in (a, b))
    return [n for n in range(NBUCKETS) if da[n * 8 : n * 8 + 8] != db[n * 8 : n * 8 + 8]]


def resources_per_subscription(view: SnapshotView) -> dict[str, int]:
    """How many resources each subscription column (as stored) holds, from the index's
    summary."""
    return dict(_summary_of(view)["subs"])


def rows_in_buckets(
    a: SnapshotView, b: SnapshotView, buckets: Iterable[int]
) -> tuple[list[AccessRow], list[AccessRow]]:
    """Access columns, hash and bucket of both snapshots' resource rows in ``buckets``: taken
    from the rows the resources pass read when both sit in one store (the buckets whose noise
    hashes differ are among those whose text does), else from each snapshot's rows through
    the bucket index."""
    want = set(buckets)
    if a.store is b.store:
        ra, rb = _bucket_rows(a, b)
        return _access_cols(ra, want), _access_cols(rb, want)
    listed = sorted(want)
    return tuple(  # type: ignore[return-value]
        _access_cols(_checked_in_buckets(v, RESOURCE, listed, _HASH), want) for v in (a, b)
    )


def _access_cols(rows: list[Any], buckets: set[int]) -> list[AccessRow]:
    return [(r[0], r[1], r[2], r[3], r[9], r[10], r[11]) for r in rows if r[11] in buckets]


def rows_maybe_in(
    view: SnapshotView, subs: Iterable[str], groups: Iterable[str], *, odd_ids: bool = False
) -> list[AccessCols]:
    """Access columns (``AccessCols``) of every resource row whose
    subscription column is one
    of ``subs`` (lower-cased) or whose resource group is named in ``groups`` (lower-cased, in
    any subscription); ``odd_ids``: also every row whose id does not start with
    ``/subscriptions/``. A superset, for the caller to sift: SQLite lowers ASCII only, so rows
    whose subscription or resource-group column is not plain ASCII come too, and, when
    ``groups`` is asked for, rows whose resource-group column is not the group in their id."""
    subs, groups = sorted(set(subs)), sorted(set(groups))
    if not (subs or groups or odd_ids):
        return []
    where = [
        "lower(sub) IN (SELECT value FROM json_each(?))",
        "length(CAST(sub AS BLOB)) != length(sub)",
    ]
    args: list[Any] = [view.id, RESOURCE, json.dumps(subs)]
    if groups:
        where += [
            "lower(rg) IN (SELECT value FROM json_each(?))",
            "length(CAST(rg AS BLOB)) != length(rg)",
            "(instr(id, '/resourceGroups/' || rg || '/') = 0"
            " AND instr(lower(id), '/resourcegroups/' || lower(rg) || '/') = 0)",
        ]
        args.append(json.dumps(groups))
    if odd_ids:
        where.append("NOT (id LIKE '/subscriptions/%')")
    rows = view.store.conn.execute(
        f"SELECT {_ACCESS_COLS} FROM index_rows WHERE snapshot_id = ?"
        " AND kind = ? AND (" + " OR ".join(where) + ") ORDER BY id",
        args,
    ).fetchall()
    _selected_all(view, rows, set(subs), set(groups), odd_ids)
    return [(r[0], r[1], r[2], r[3], r[5]) for r in rows]


# A resource's access columns, whose lines the summary digests per (subscription, group).
_ACCESS_COLS = "id, type, name, sub, rg, cia, cols & 15"


def _whole_groups(
    view: SnapshotView, rows: list[Any], subs: set[str] | None, groups: set[str] | None
) -> set[tuple[str, str]]:
    """The (subscription, resource group) columns whose every row the
    selection ``rows`` (``_ACCESS_COLS``, in id order) must hold: the subscription is in
    ``subs`` or the group in ``groups`` (lower-cased ASCII, or not ASCII; every pair when
    ``subs`` is None), after checking that it does: the lines of their rows' access columns
    have the summary's digest."""
    digests: dict[str, str] = _summary_of(view)["groups"]

    def asked(v: str, names: set[str] | None) -> bool:
        return names is not None and (not v.isascii() or v.translate(_ASCII_LOWER) in names)

    grouped: dict[tuple[str, str], list[str]] = {}
    for r in rows:  # as summary() writes them
        line = (
            f"{r[0]}\0{r[1]}\0{r[2]}\0{r[3]}\0{r[4]}\0{'' if r[5] is None else ' ' + r[5]}\0{r[6]}"
        )
        got = grouped.get((r[3], r[4]))
        if got is None:
            grouped[r[3], r[4]] = [line]
        else:
            got.append(line)
    whole = set()
    for sub, rg in grouped.keys() | {_pair(p) for p in digests}:
        # rows_maybe_in selects every non-ASCII subscription column, and every non-ASCII
        # group column when it is asked for groups at all
        if subs is None or asked(sub, subs) or (bool(groups) and asked(rg, groups)):
            whole.add((sub, rg))
            if lines_digest(grouped.get((sub, rg), [])) != digests.get(f"{sub}\0{rg}"):
                raise damaged(view, f"the rows of {sub} {rg} are not the ones it was written with")
    return whole


def _pair(key: str) -> tuple[str, str]:
    sub, _, rg = key.partition("\0")
    return sub, rg


def _selected_all(
    view: SnapshotView, rows: list[Any], subs: set[str], groups: set[str], odd_ids: bool
) -> None:
    """Refuse unless ``rows_maybe_in`` selected every row it selects by rule, each as
    written: every subscription and resource-group column it asks for holds the rows the
    summary's digests say; a row taken for its id alone is checked itself, and so many rows
    are taken for it as the summary counts."""
    whole = _whole_groups(view, rows, subs, groups)
    alone = [r[0] for r in rows if (r[3], r[4]) not in whole]
    if alone:
        full = {r[0]: r for r in _by_ids(view, RESOURCE, alone)}
        for r in rows:
            f = full.get(r[0])
            if f is not None and (f[0], f[1], f[2], f[3], f[4], f[9], f[12] & FLAGS) != tuple(r):
                raise damaged(view, f"resource row {r[0]} read twice differs")
        if len(full) != len(set(alone)):
            raise damaged(view, "a resource row read twice is missing")
    s = _summary_of(view)
    if groups and sum(rg_outside_id(r[0], r[4]) for r in rows) != s.get("rg_outside_id"):
        raise damaged(view, "rows whose resource group is not in their id")
    if odd_ids and sum(odd_id(r[0]) for r in rows) != s.get("odd_ids"):
        raise damaged(view, "rows outside any subscription")


# -- derived kinds -----------------------------------------------------------------------------
# An analysis above this layer (exposure) registers kinds of its own, computed from the whole
# snapshot when the index is written and checked by ``check_index`` like the others. The
# built-in ones are loaded by module name (``BUILTIN_DERIVED``, as the builder loads its kinds),
# so what an index holds never depends on what its caller happened to import. A derivation's
# first kind holds a head row under the empty id whose ``type`` is the version of the code
# that wrote it: rows of another version are stale (their readers take their full path), and
# ``check_index`` leaves them alone rather than calling them damage. A derived row is
# ``plain_entry``: ``type``, ``name``, ``sub`` and ``body`` hold what the analysis puts there
# (``body``: text, not a body hash).
Deriver = Callable[[SnapshotView], Iterable[tuple[str, Entry]]]
_DERIVED: dict[str, tuple[tuple[str, ...], Deriver, str]] = {}
BUILTIN_DERIVED = ("snapdiff.exposure.incremental",)


def register_derived(name: str, kinds: tuple[str, ...], derive: Deriver, version: str) -> None:
    """Have ``write_index`` store the rows ``derive(view)`` yields, of ``kinds``; ``version``
    is what the head row (``kinds[0]``, empty id) carries in ``type``. Keys are lower-case:
    a row's bucket comes from its lower-cased id, and ``verify`` files it by the same rule."""
    _DERIVED[name] = (kinds, derive, version)


def _registered() -> dict[str, tuple[tuple[str, ...], Deriver, str]]:
    for module in BUILTIN_DERIVED:
        importlib.import_module(module)
    return _DERIVED


def derived_kinds() -> tuple[str, ...]:
    return tuple(k for kinds, _, _ in _registered().values() for k in kinds)


def stale_kinds(store: Store, snapshot_id: int) -> tuple[str, ...]:
    """Derived kinds a snapshot's index holds from another version of their code."""
    out: list[str] = []
    for kinds, _, version in _registered().values():
        head = store.conn.execute(
            f"SELECT {_ALL_COLS} FROM index_rows WHERE snapshot_id = ? AND kind = ? AND id = ''",
            (snapshot_id, kinds[0]),
        ).fetchone()
        # a head altered by hand is damage, not rows of other code
        if head is not None and head[1] != version and _plain_ok(head):
            out += kinds
    return tuple(out)


def derived_entries(view: SnapshotView) -> list[tuple[str, Entry]]:
    out: dict[tuple[str, str], Entry] = {}
    for kinds, derive, _ in _registered().values():
        for kind, e in derive(view):
            if kind not in kinds:
                raise ValueError(f"derived row of kind {kind} not registered ({kinds})")
            out.setdefault((kind, e.key), e)
    return [(k, e) for (k, _), e in out.items()]


def plain_entry(key: str, type_: str, name: str, sub: str, rg: str, body: str) -> Entry:
    """A derived row under ``key`` (its stored id too: lower-case it to find it again)."""
    h = _plain_digest(key, type_, name, sub, rg, body)
    return Entry(key, key, type_, name, sub, rg, h, h, None, body, None, None, 0)


def kind_entries(
    view: SnapshotView, kind: str, keys: Iterable[str] | None = None
) -> dict[str, Entry]:
    """The stored rows of ``kind`` (only those whose stored id is in ``keys``, if given), by
    lower-cased id, checked."""
    rows = _all_rows(view, kind) if keys is None else _by_ids(view, kind, keys)
    flags = FLAGS if kind in KINDS else -1
    return {
        r[0].lower(): Entry._make(
            (r[0].lower(), *r[:6], r[10], r[9], r[6], r[7], r[8], r[12] & flags)
        )
        for r in rows
    }


def differing_resources(
    a: SnapshotView, b: SnapshotView
) -> tuple[dict[str, Stored], dict[str, Stored]]:
    """``_differing(a, b)`` (two indexed snapshots of one store), read once per pair of views:
    every section that asks shares the read."""
    return a.memo(f"rowindex:differing:{b.id}", lambda: _differing(a, b))


def page_text(view: SnapshotView, h: str) -> str | bytes:
    """A stored page, once per view (the readers of single rows share it): its bytes when
    they are ASCII (offsets in the text are offsets in the bytes: no page is decoded whole
    for the few rows read from it), else its decoded text."""
    pages = _pages(view)
    got = pages.get(h)
    if got is None:
        got = pages[h] = _ascii_or_text(view.store.body(h, keep=True))
    return got


def prefetch_pages(view: SnapshotView, hashes: Iterable[str]) -> None:
    """Read the pages ``page_text`` will be asked for, several at once (``Store.bodies``)."""
    pages = _pages(view)
    for h, data in view.store.bodies([h for h in hashes if h not in pages], keep=True).items():
        pages[h] = _ascii_or_text(data)


def _pages(view: SnapshotView) -> dict[str, str | bytes]:
    result: dict[str, str | bytes] = view.memo("rowindex:page-texts", dict)
    return result


def _ascii_or_text(data: bytes) -> str | bytes:
    return data if data.isascii() else decode_page(data)


class RowReader:
    """Parses chosen resource rows of one indexed snapshot; each stored page is decoded once
    per view (``page_text``)."""

    def __init__(self, view: SnapshotView):
        self.view = view
        self.parsed = 0  # rows parsed so far

    def rows(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The rows stored under ``ids`` (exactly as stored; absent ones left out), by
        lower-cased id, read by primary key."""
        return self.parse(r[:9] for r in _by_ids(self.view, RESOURCE, ids))

    def parse(self, stored: Iterable[Stored]) -> dict[str, dict[str, Any]]:
        """The rows of index rows already read (``Stored``), by lower-cased id."""
        out: dict[str, dict[str, Any]] = {}
        stored = list(stored)
        prefetch_pages(self.view, (r[6] for r in stored))
        for r in stored:
            out[r[0].lower()] = span_row(self.view, r, page_text(self.view, r[6])[r[7] : r[8]])
            self.parsed += 1
        return out


def derived_heads(view: SnapshotView, kind: str) -> dict[str, tuple[str, str, str, str]]:
    """(rg, type, name, sub) of the stored rows of ``kind`` whose ``name`` is not empty, by
    lower-cased id: a derived kind's short facts, without its bodies."""
    rows = view.store.conn.execute(
        "SELECT id, rg, type, name, sub FROM index_rows WHERE snapshot_id = ? AND kind = ?"
        " AND name != '' ORDER BY id",
        (view.id, kind),
    ).fetchall()
    got = lines_digest(["\0".join(r) for r in rows])
    if got != _summary_of(view)["named"].get(kind, lines_digest([])):
        raise damaged(view, f"its {kind} rows with a name are not the ones it was written with")
    return {r[0].lower(): r[1:] for r in rows}


def kind_count(view: SnapshotView, kind: str) -> int:
    """How many rows of ``kind`` the index holds (its summary)."""
    return int(_summary_of(view)["rows"].get(kind, 0))
