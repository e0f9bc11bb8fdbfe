"""Carrying snapshots: one-snapshot bundle files, their import, and verification.

A bundle is itself a snapdiff store file holding exactly one snapshot, plus a ``manifest``
table with one row: the manifest JSON (tool and schema versions, tenant, scope, source
statuses, counts, the redaction report, a SHA-256 of every body, one over every other row, and
one over the manifest itself). Build and diff read a bundle directly (``FILE.snapdiff`` or
``FILE.snapdiff:REF``). Bundles use the rollback journal, not WAL, so they are one file that
can be opened read-only (``immutable=1``) from read-only media.
The explore rows (``resource_rows`` ...) are not carried: import rebuilds them.

The hashes detect damage and tampering in transit; they are not a signature.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import __version__, bodies, digest, signing
from .errors import SnapdiffError, StoreError
from .locks import lock_wait
from .manifest import (
    FORMAT,
    ROW_ORDER,
    BundleError,
    canonical,
    columns,
    manifest_hash,
    rows_hash,
    signature_problem,
)
from .migrations import SCHEMA_VERSION, readable_without_migrating
from .owner import owner_alive
from .status import SnapshotStatus
from .store import (
    FINISHED,
    WAL_UNREADABLE,
    Store,
    body_hash,
    has_side_files,
    inserted_id,
    tidy_side_files,
    utcnow,
    wal_has_data,
)

FORMAT_VERSION = 1
SUFFIX = ".snapdiff"


log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass
class Manifest:
    """The manifest of a bundle; ``data`` is the JSON object stored in the bundle."""

    data: dict[str, Any]

    @property
    def snapshot(self) -> dict[str, Any]:
        return self.data["snapshot"]

    @property
    def uid(self) -> str:
        return self.data["snapshot"]["uid"]

    @property
    def schema_version(self) -> int:
        return int(self.data["schema_version"])

    @property
    def counts(self) -> dict[str, int]:
        return self.data["counts"]

    @property
    def bodies(self) -> dict[str, int]:
        """SHA-256 → uncompressed size of every body."""
        return self.data["bodies"]

    @property
    def manifest_sha256(self) -> str:
        return self.data["manifest_sha256"]

    def to_json(self) -> str:
        return json.dumps(self.data, sort_keys=True, indent=1)


@dataclass
class Problem:
    """One thing ``verify`` found wrong."""

    kind: str  # header, schema, manifest, rows, body, missing-body, orphan-body, running, sqlite,
    # index
    detail: str
    snapshot_id: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


# -- opening files read-only -----------------------------------------------------------------
def _uri(path: Path, immutable: bool) -> str:
    return f"file:{quote(str(path.absolute()))}?mode=ro" + ("&immutable=1" if immutable else "")


@contextlib.contextmanager
def _open_ro(path: Path, *, immutable: bool) -> Iterator[sqlite3.Connection]:
    try:
        conn = sqlite3.connect(_uri(path, immutable), uri=True, isolation_level=None)
    except sqlite3.Error as e:
        raise StoreError(f"cannot open {path}: {e}") from None
    try:
        yield conn
    finally:
        conn.close()


def _header_problem(path: Path, *, strict: bool) -> str | None:
    """Why ``path`` is not a whole SQLite file, or None. ``strict``: size must match exactly."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as e:
        return f"cannot read {path}: {e.strerror}"
    if not head.startswith(b"SQLite format 3\x00"):
        if size == 0 or (len(head) < 16 and b"SQLite format 3\x00".startswith(head)):
            return "truncated (empty or shorter than a SQLite header)"
        return "not a snapdiff file (not a SQLite database)"
    if len(head) < 100:
        return "truncated (shorter than a SQLite header)"
    (page_size,) = struct.unpack(">H", head[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change, pages = struct.unpack(">II", head[24:32])
    (valid_for,) = struct.unpack(">I", head[92:96])
    if pages and change == valid_for:
        expected = page_size * pages
        if size < expected:
            return f"truncated ({size} of {expected} bytes)"
        if strict and size != expected:
            return f"damaged ({size} bytes, the header says {expected})"
    return None


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return int(row[0]) if row else 0
    except (TypeError, ValueError):
        return -1  # garbled: the callers say "damaged"


def is_bundle(path: Path) -> bool:
    with contextlib.suppress(StoreError, sqlite3.Error), _open_ro(path, immutable=True) as conn:
        return "manifest" in _tables(conn)
    return False


# -- export -----------------------------------------------------------------------------------
def export_snapshot(
    store: Store,
    snapshot_id: int,
    out_path: str | os.PathLike[str],
    *,
    sign_key: Ed25519PrivateKey | None = None,
) -> Manifest:
    """Write one finished snapshot to a bundle file at ``out_path`` (atomically) and return its
    manifest; ``sign_key``: sign the manifest (SSHSIG, ``snapdiff.signing``)."""
    from .snapshot import SnapshotView

    out = Path(out_path)
    refuse_store_target(store, out)
    snap = store.snapshot(snapshot_id)
    if snap.status not in FINISHED:
        raise SnapdiffError(f"snapshot {snapshot_id} is still running; finish or prune it first")
    view = SnapshotView(store, snapshot_id)  # refuses rows that do not match the digest
    if digest.compute(store.conn, snapshot_id).sha256 != digest.stored(store.conn, snapshot_id)[0]:
        raise StoreError(  # a column readers do not use (URLs, headers...) changed
            f"{view.name()} in {store.path} does not match its digest: rows were changed since"
            f" it was taken; run snapdiff verify {store.path}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    _remove(tmp)
    try:
        manifest = _write_bundle(store, snapshot_id, tmp, sign_key)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
        log.info("exported snapshot %d to %s (%d bodies)", snapshot_id, out, len(manifest.bodies))
    except sqlite3.Error as e:
        raise StoreError(f"cannot write bundle {out}: {e}") from None
    finally:
        _remove(tmp)
    return manifest


def refuse_store_target(store: Store, out: Path) -> None:
    """Refuse writing a bundle onto the store being read (or its WAL/SHM/journal), by any path:
    symbolic links and hard links included."""
    for p in (store.path, *(store.path.with_name(store.path.name + s) for s in _SIDE_FILES)):
        try:
            same = os.path.samefile(out, p)
        except OSError:  # one of them does not exist
            same = out.resolve() == p.resolve()
        if same:
            raise SnapdiffError(f"{out} is the store {store.path} itself; export to another file")


_SIDE_FILES = ("-wal", "-shm", "-journal")


def _remove(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _write_bundle(
    store: Store, snapshot_id: int, tmp: Path, sign_key: Ed25519PrivateKey | None
) -> Manifest:
    src = store.conn
    hashes = store.body_hashes(snapshot_id)
    bundle = Store(tmp)
    try:
        c = bundle.conn
        with bundle.transaction():
            body_sizes: dict[str, int] = {}
            stored = 0
            for h in hashes:
                try:
                    raw = bodies.read(src, h)
                except bodies.BodyError as e:
                    raise StoreError(
                        f"body {h[:12]} of snapshot {snapshot_id} is damaged ({e});"
                        " run snapdiff verify"
                    ) from None
                if body_hash(raw) != h:
                    raise StoreError(
                        f"body {h[:12]} of snapshot {snapshot_id} is damaged; run snapdiff verify"
                    )
                # Bundles carry every body standalone: no delta base outside the bundle.
                codec, blob = bodies.compress(raw)
                c.execute(
                    "INSERT INTO bodies (hash, size, data, codec) VALUES (?, ?, ?, ?)",
                    (h, len(raw), blob, codec),
                )
                body_sizes[h] = len(raw)
                stored += len(blob)
            new_id = _copy_rows(src, snapshot_id, c)
            if digest.compute(c, new_id).sha256 != digest.stored(c, new_id)[0]:
                raise StoreError(
                    f"snapshot {snapshot_id} changed while it was exported; run snapdiff verify"
                )
            c.execute(
                "CREATE TABLE manifest (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)"
            )
            snap = bundle.snapshot(new_id)
            counts = bundle.counts(new_id)
            data: dict[str, Any] = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "tool_version": __version__,
                "schema_version": SCHEMA_VERSION,
                "exported_at": utcnow(),
                "exported_from": socket.gethostname(),
                "snapshot": {
                    "uid": snap.uid,
                    "label": snap.label,
                    "started_at": snap.started_at,
                    "finished_at": snap.finished_at,
                    "status": snap.status,
                    "error": snap.error,
                    "tool_version": snap.tool_version,
                    "digest": digest.stored(c, new_id)[0],
                },
                "tenant": snap.tenant_id,
                "cloud": snap.cloud,
                "scope": snap.scope,
                "sources": {s.pop("name"): s for s in bundle.sources(new_id)},
                "counts": {
                    "fetches": c.execute("SELECT count(*) FROM fetches").fetchone()[0],
                    "requests": counts["requests"],
                    "error_responses": counts["error_responses"],
                    "bodies": len(body_sizes),
                    "bytes": sum(body_sizes.values()),
                    "stored_bytes": stored,
                },
                "redactions": [
                    {"url": r["url"], "path": r["path"], "reason": r["reason"]}
                    for r in bundle.redactions(new_id)
                ],
                "bodies": dict(sorted(body_sizes.items())),
                "rows_sha256": rows_hash(c),
            }
            data["manifest_sha256"] = manifest_hash(data)
            text = canonical(data).decode()
            c.execute("INSERT INTO manifest (id, json) VALUES (1, ?)", (text,))
            if sign_key is not None:
                c.execute(
                    "CREATE TABLE signature (id INTEGER PRIMARY KEY CHECK (id = 1),"
                    " sshsig TEXT NOT NULL)"
                )
                c.execute(
                    "INSERT INTO signature (id, sshsig) VALUES (1, ?)",
                    (signing.sign(text.encode(), sign_key),),
                )
        c.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        bundle.close()
    return Manifest(data)


_LIVE_V3 = "WITH live(h) AS (SELECT body_hash FROM exchanges WHERE body_hash IS NOT NULL)"


def _body_problem(conn: sqlite3.Connection, h: str) -> str | None:
    try:
        raw = bodies.read(conn, h)
    except bodies.BodyError as e:
        return str(e)
    if body_hash(raw) != h:
        return "content does not match its SHA-256"
    return None


def _copy_rows(src: sqlite3.Connection, snapshot_id: int, dst: sqlite3.Connection) -> int:
    """Copy one snapshot's rows from ``src`` to ``dst`` (inside the caller's transaction).

    The snapshot is inserted ``running`` so the immutability triggers let its rows in, then
    given its real status. Returns the new snapshot id.
    """
    snap_cols = [
        c for c in columns(src, "snapshots") if c in columns(dst, "snapshots") and c != "id"
    ]
    row = src.execute(
        f"SELECT {', '.join(snap_cols)} FROM snapshots WHERE id = ?", (snapshot_id,)
    ).fetchone()
    snap = dict(zip(snap_cols, row, strict=True))
    final = (snap["status"], snap["finished_at"], snap.get("error"))
    snap.update(status=SnapshotStatus.RUNNING, finished_at=None)
    cur = dst.execute(
        f"INSERT INTO snapshots ({', '.join(snap)}) VALUES ({', '.join('?' * len(snap))})",
        list(snap.values()),
    )
    new_id = inserted_id(cur)

    def copy(table: str, remap: dict[str, dict[Any, Any]]) -> dict[Any, Any]:
        cols = [c for c in columns(src, table) if c in columns(dst, table)]
        keep = [c for c in cols if c not in ("id", "snapshot_id")]
        has_id = "id" in cols
        ids: dict[Any, Any] = {}
        sql = f"INSERT INTO {table} (snapshot_id, {', '.join(keep)}) VALUES (?{', ?' * len(keep)})"
        select = ", ".join((["id"] if has_id else []) + keep)
        for r in src.execute(
            f"SELECT {select} FROM {table} WHERE snapshot_id = ? ORDER BY {ROW_ORDER[table]}",
            (snapshot_id,),
        ).fetchall():
            old_id, values = (r[0], list(r[1:])) if has_id else (None, list(r))
            for i, col in enumerate(keep):
                try:
                    if col in remap and values[i] is not None:
                        values[i] = remap[col][values[i]]
                    elif col == "batch_id" and values[i] is not None:  # an earlier row's new id
                        values[i] = ids[values[i]]
                except KeyError:
                    raise StoreError(
                        f"snapshot {snapshot_id}: a {table} row names {col} {values[i]}, which"
                        " is missing (rows were deleted); run snapdiff verify"
                    ) from None
            cur = dst.execute(sql, [new_id, *values])
            if has_id:
                ids[old_id] = cur.lastrowid
        return ids

    copy("sources", {})
    fetch_ids = copy("fetches", {})
    exchange_ids = copy("exchanges", {"fetch_id": fetch_ids})
    copy("redactions", {"exchange_id": exchange_ids})
    dst.execute(
        "UPDATE snapshots SET status = ?, finished_at = ?, error = ? WHERE id = ?", (*final, new_id)
    )
    return new_id


# -- checking a bundle --------------------------------------------------------------------------
def check_bundle(
    path: str | os.PathLike[str], trusted: list[signing.TrustedKey] | None = None
) -> Manifest:
    """Verify a bundle completely (header, schema, manifest, rows, digest, every body, and
    with ``trusted`` its signature) or raise BundleError."""
    p = Path(path)
    problems = _bundle_problems(p, trusted)
    if problems:
        raise BundleError(f"refusing {p.name}: {problems[0].detail}")
    with _open_ro(p, immutable=True) as conn:
        row = conn.execute("SELECT json FROM manifest WHERE id = 1").fetchone()
    return Manifest(json.loads(row[0]))


def _bundle_problems(
    p: Path, trusted: list[signing.TrustedKey] | None = None, *, quick: bool = True
) -> list[Problem]:
    if not p.is_file():
        return [Problem("header", f"no such file {p}")]
    why = _header_problem(p, strict=True)
    if why:
        return [Problem("header", why)]
    try:
        with _open_ro(p, immutable=True) as conn:
            return _check_bundle_conn(conn, trusted, quick=quick)
    except sqlite3.DatabaseError as e:
        return [Problem("sqlite", f"damaged ({e})")]


def _check_bundle_conn(
    conn: sqlite3.Connection, trusted: list[signing.TrustedKey] | None, *, quick: bool = True
) -> list[Problem]:
    problem = _container_problem(conn, quick=quick)
    if problem is not None:
        return [problem]
    data, text, problem = _read_manifest(conn)
    if problem is not None:
        return [problem]
    problem, sid = _manifest_problem(conn, data)
    if problem is not None:
        return [problem]
    problems: list[Problem] = _digest_problems(conn, sid, data)
    if trusted is not None:
        why = signature_problem(conn, text, trusted)
        if why:
            problems.append(Problem("signature", why))
    return problems + _body_problems(conn, data)


def _container_problem(conn: sqlite3.Connection, *, quick: bool) -> Problem | None:
    """What makes the file no readable bundle: not snapdiff's, too new, a store, damaged."""
    tables = _tables(conn)
    if "meta" not in tables or "snapshots" not in tables:
        return Problem("header", "not a snapdiff file (a SQLite database without snapdiff tables)")
    version = _schema_version(conn)
    if version > SCHEMA_VERSION:
        return Problem(
            "schema",
            f"written with schema v{version}, newer than this snapdiff (v{SCHEMA_VERSION});"
            " upgrade snapdiff",
        )
    if "manifest" not in tables:
        return Problem("manifest", "a snapdiff store, not a bundle (export a snapshot first)")
    check = "PRAGMA quick_check" if quick else "PRAGMA integrity_check"
    if conn.execute(check).fetchone()[0] != "ok":
        return Problem("sqlite", "damaged (SQLite integrity check failed)")
    return None


def _read_manifest(conn: sqlite3.Connection) -> tuple[dict[str, Any], str, Problem | None]:
    """The manifest as data, and as the exact text that was signed."""
    rows = conn.execute("SELECT json FROM manifest").fetchall()
    try:
        if len(rows) != 1:
            raise ValueError("expected one manifest row")
        data = json.loads(rows[0][0])
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a snapdiff bundle manifest")
    except ValueError as e:
        return {}, "", Problem("manifest", f"unreadable manifest ({e})")
    return data, rows[0][0], None


def _manifest_problem(conn: sqlite3.Connection, data: dict[str, Any]) -> tuple[Problem | None, int]:
    """The manifest is too new, altered, or does not describe the rows it came with; else the
    bundle's snapshot id."""
    if (
        int(data.get("format_version", 0)) > FORMAT_VERSION
        or int(data.get("schema_version", 0)) > SCHEMA_VERSION
    ):
        return Problem(
            "schema",
            f"written by snapdiff {data.get('tool_version')} (bundle format"
            f" v{data.get('format_version')}, schema v{data.get('schema_version')}), newer than"
            f" this snapdiff {__version__}; upgrade snapdiff",
        ), 0
    if data.get("manifest_sha256") != manifest_hash(data):
        return Problem("manifest", "manifest SHA-256 does not match (tampered or damaged)"), 0
    snaps = conn.execute("SELECT id, uid, status, label FROM snapshots").fetchall()
    if (
        len(snaps) != 1
        or snaps[0][1] != data["snapshot"]["uid"]
        or snaps[0][3] != data["snapshot"].get("label")
    ):
        return Problem("rows", "the snapshot does not match the manifest"), 0
    if snaps[0][2] not in FINISHED:
        return Problem("running", "the snapshot is not finished"), 0
    if rows_hash(conn) != data.get("rows_sha256"):
        return Problem(
            "rows", "exchange/fetch rows do not match the manifest SHA-256 (tampered)"
        ), 0
    return None, snaps[0][0]


def _body_problems(conn: sqlite3.Connection, data: dict[str, Any]) -> list[Problem]:
    """Every body damaged, unlisted, of another size than listed, or listed but missing."""
    problems: list[Problem] = []
    expected: dict[str, int] = dict(data.get("bodies", {}))
    for h, size in conn.execute("SELECT hash, size FROM bodies").fetchall():
        listed = expected.pop(h, None)
        why = _body_problem(conn, h)
        if why:
            problems.append(Problem("body", f"body {h[:12]} {why} (tampered or damaged)"))
        elif listed is None:
            problems.append(Problem("body", f"body {h[:12]} is not in the manifest"))
        elif listed != size:
            problems.append(Problem("body", f"body {h[:12]} size differs from the manifest"))
    for h in expected:
        problems.append(Problem("missing-body", f"body {h[:12]} listed in the manifest is missing"))
    problems += _missing_bodies(conn, None)
    return problems


def _digest_problems(conn: sqlite3.Connection, sid: int, data: dict[str, Any]) -> list[Problem]:
    """The bundle's snapshot rows against the digest in its row and in the manifest."""
    if not digest.has_columns(conn):
        if data["snapshot"].get("digest") is not None:
            return [Problem("digest", "the manifest has a digest but the snapshot has none")]
        return []  # a bundle older than digests: the rows hash stands for it
    recorded, parts, origin = digest.stored(conn, sid)
    if recorded is None or recorded != data["snapshot"].get("digest"):
        return [Problem("digest", "the snapshot's digest does not match the manifest")]
    now = digest.compute(conn, sid)
    if now.sha256 != recorded or parts != now.sources or origin not in digest.ORIGINS:
        where = ", ".join(digest.damaged_sources(parts, now)) or "snapshot row"
        return [Problem("digest", f"rows do not match the snapshot's digest ({where})", sid)]
    return []


def bundle_signer(path: Path) -> str | None:
    """The fingerprint of the key that signed a bundle (not checked), or None if unsigned."""
    with (
        contextlib.suppress(StoreError, sqlite3.Error, signing.SignatureError, TypeError),
        _open_ro(path, immutable=True) as conn,
    ):
        if "signature" in _tables(conn):
            (sig,) = conn.execute("SELECT sshsig FROM signature").fetchone()
            return signing.TrustedKey(signing.signer(sig), "").fingerprint
    return None


def _store_digest_problems(conn: sqlite3.Connection, only: int | None) -> list[Problem]:
    """Every finished snapshot's rows against its digest, naming the damaged sources."""
    problems: list[Problem] = []
    for sid, label in conn.execute(
        "SELECT id, label FROM snapshots WHERE status != 'running'"
        + (" AND id = ?" if only is not None else "")
        + " ORDER BY id",
        (only,) if only is not None else (),
    ).fetchall():
        name = f"snapshot {sid}" + (f" ({label})" if label else "")
        recorded, parts, origin = digest.stored(conn, sid)
        if not recorded:
            problems.append(Problem("digest", f"{name} has no digest (damaged)", sid))
            continue
        now = digest.compute(conn, sid)
        if now.sha256 == recorded and parts == now.sources and origin in digest.ORIGINS:
            continue
        where = digest.damaged_sources(parts, now)
        what = f"rows of source {', '.join(where)}" if where else "its snapshot or source rows"
        problems.append(
            Problem(
                "digest",
                f"{name}: {what} changed or were deleted since the digest was {origin or 'recorded'}"
                "; restore the store from a backup or re-import the snapshot's bundle",
                sid,
            )
        )
    return problems


def _missing_bodies(conn: sqlite3.Connection, snapshot_id: int | None) -> list[Problem]:
    where = "AND e.snapshot_id = ?" if snapshot_id is not None else ""
    args = (snapshot_id,) if snapshot_id is not None else ()
    return [
        Problem("missing-body", f"snapshot {sid} ({source}): body {h[:12]} is missing", sid)
        for sid, source, h in conn.execute(
            "SELECT DISTINCT e.snapshot_id, e.source, e.body_hash FROM exchanges e LEFT JOIN bodies b"
            f" ON b.hash = e.body_hash WHERE e.body_hash IS NOT NULL AND b.hash IS NULL {where}",
            args,
        )
    ]


# -- import -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Imported:
    """Where a bundle's snapshot is in the store, and whether this import added it."""

    snapshot_id: int
    added: bool


def import_bundle(store: Store, bundle_path: str | os.PathLike[str], *, index: bool = False) -> int:
    """Add a bundle's snapshot to ``store``; return its id there. Idempotent by snapshot uid."""
    return import_snapshot(store, bundle_path, index=index).snapshot_id


def import_snapshot(
    store: Store,
    bundle_path: str | os.PathLike[str],
    *,
    index: bool = False,
    trusted: list[signing.TrustedKey] | None = None,
) -> Imported:
    """Add a bundle's snapshot to ``store`` unless its uid is already there.

    Everything is verified before the store is touched; the insert (with the explore rows,
    unless ``index`` is false) is one transaction, and the uid is checked again inside it, so
    of several processes importing one bundle at once exactly one adds it.
    """
    path = Path(bundle_path)
    manifest = check_bundle(path, trusted)
    existing = store.snapshot_by_uid(manifest.uid)
    if existing is not None:
        log.info("%s: snapshot %s is already snapshot %d here", path, manifest.uid, existing)
        return Imported(existing, added=False)
    _check_writable(store)
    from .maintenance import index_snapshot, write_row_index

    try:
        with (
            _open_ro(path, immutable=True) as src,
            store.transaction(wait=lock_wait()) as c,
        ):
            existing = store.snapshot_by_uid(manifest.uid)
            if existing is not None:  # another import won the race
                return Imported(existing, added=False)
            (bundle_sid,) = src.execute("SELECT id FROM snapshots").fetchone()
            for (h,) in src.execute("SELECT hash FROM bodies").fetchall():
                store.put_body(bodies.read(src, h), c)
            label = manifest.snapshot.get("label")
            new_id = _copy_rows(src, bundle_sid, c)
            if not digest.has_columns(src):  # a bundle older than digests, checked just now
                digest.record(c, new_id, digest.AT_IMPORT)
            elif digest.compute(c, new_id).sha256 != digest.stored(c, new_id)[0]:
                raise BundleError(f"refusing {path.name}: its rows changed while importing")
            if label and store.label_holder(label, other_than=new_id) is not None:
                c.execute("UPDATE snapshots SET label = NULL WHERE id = ?", (new_id,))
            if index:
                index_snapshot(store, new_id)
    except sqlite3.Error as e:
        raise StoreError(f"import into {store.path} failed, store unchanged: {e}") from None
    write_row_index(store, new_id)  # derived: a failure here leaves the import whole
    log.info("imported %s as snapshot %d of %s", path, new_id, store.path)
    return Imported(new_id, added=True)


def _check_writable(store: Store) -> None:
    if store.readonly:
        raise StoreError(f"cannot import into {store.path}: it is open read-only; store unchanged")
    check_writable(store.path)


def check_writable(path: Path) -> None:
    """Raise StoreError unless a store at ``path`` (existing or not) can be written."""
    why = None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if path.exists() and not os.access(path, os.W_OK):
        why = "the file is read-only"
    elif not os.access(parent, os.W_OK):
        why = f"{parent} is read-only"
    if why:
        raise StoreError(f"cannot import into {path}: {why}; store unchanged")


# -- verify -----------------------------------------------------------------------------------
def verify(
    path: str | os.PathLike[str],
    snapshot: int | str | None = None,
    *,
    quick: bool = False,
    trusted: list[signing.TrustedKey] | None = None,
) -> list[Problem]:
    """Check a store or a bundle; an empty list means all is well.

    Bundles: header, schema, SQLite integrity, manifest hash, rows hash, the digest, every
    body, and with ``trusted`` the signature. Stores: SQLite integrity (``quick``: the
    faster ``quick_check``, which skips index contents), schema version, every finished
    snapshot's digest, body hashes, missing and orphan bodies, snapshots left ``running`` by a
    crash. ``snapshot`` (a reference) limits the digest and body checks to that snapshot.
    """
    p = Path(path)
    if not p.is_file():
        return [Problem("header", f"no such file {p}")]
    if is_bundle(p):
        return _bundle_problems(p, trusted, quick=quick)
    if trusted is not None:
        return [Problem("signature", f"{p} is a store, not a bundle: only bundles are signed")]
    why = _header_problem(p, strict=False)
    if why and not (wal_has_data(p) and "truncated" in why):
        return [Problem("header", why)]  # a short file with a WAL: SQLite reads the WAL
    immutable = not os.access(p.parent, os.W_OK)
    if immutable and wal_has_data(p):
        return [Problem("wal", WAL_UNREADABLE.format(path=p))]
    tidy = not immutable and not has_side_files(p)
    try:
        with _open_ro(p, immutable=immutable) as conn:
            return _check_store_conn(conn, p, snapshot, quick=quick)
    except sqlite3.DatabaseError as e:
        return [Problem("sqlite", f"damaged ({e})")]
    finally:
        if tidy:
            tidy_side_files(p)


def _check_store_conn(
    conn: sqlite3.Connection, path: Path, ref: int | str | None, *, quick: bool = False
) -> list[Problem]:
    tables = _tables(conn)
    if "meta" not in tables:
        return [
            Problem("header", "not a snapdiff store (a SQLite database without snapdiff tables)")
        ]
    version = _schema_version(conn)
    if version < 0 or (version == 0 and len(tables) > 1):
        return [
            Problem("schema", "the meta table has no readable schema_version (damaged metadata)")
        ]
    if version > SCHEMA_VERSION:
        return [
            Problem("schema", f"schema v{version} is newer than this snapdiff (v{SCHEMA_VERSION})")
        ]
    missing = [
        t for t in ("snapshots", "sources", "fetches", "exchanges", "bodies") if t not in tables
    ]
    if missing:
        return [Problem("schema", f"table {', '.join(missing)} is missing (damaged)")]
    problems: list[Problem] = []
    if version < SCHEMA_VERSION and not readable_without_migrating(version):
        problems.append(
            Problem(
                "schema",
                f"schema v{version}, older than v{SCHEMA_VERSION}; open it writable to migrate",
            )
        )
    check = [
        r[0] for r in conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check")
    ]
    if check != ["ok"]:
        problems += [Problem("sqlite", line) for line in check[:5]]
    snapshot_id = None
    if ref is not None:
        from .refs import resolve

        with Store(path, readonly=True) as store:
            snapshot_id = resolve(store, ref)
    problems += _running_problems(conn, path, snapshot_id)
    if digest.has_columns(conn):
        problems += _store_digest_problems(conn, snapshot_id)
    if snapshot_id is None:
        hashes = conn.execute("SELECT hash FROM bodies").fetchall()
    else:
        hashes = conn.execute(
            "SELECT hash FROM bodies WHERE hash IN"
            " (SELECT body_hash FROM exchanges WHERE snapshot_id = ?)",
            (snapshot_id,),
        ).fetchall()
    for (h,) in hashes:
        why = _body_problem(conn, h)
        if why:
            problems.append(Problem("body", f"body {h[:12]} {why}{_users(conn, h)}"))
    problems += _missing_bodies(conn, snapshot_id)
    if snapshot_id is None:
        problems += _orphan_problems(conn, any(p.kind == "digest" for p in problems))
    if all(p.kind in ("orphan-body", "running") for p in problems):  # bodies and rows sound
        problems += index_problems(path, snapshot_id)
    return problems


def _running_problems(
    conn: sqlite3.Connection, path: Path, snapshot_id: int | None
) -> list[Problem]:
    """Snapshots still 'running' whose collector is gone."""
    problems: list[Problem] = []
    host = socket.gethostname()
    conn.row_factory = sqlite3.Row
    running = conn.execute(
        "SELECT * FROM snapshots WHERE status = 'running'"
        + (" AND id = ?" if snapshot_id is not None else ""),
        (snapshot_id,) if snapshot_id is not None else (),
    ).fetchall()
    conn.row_factory = None
    for row in map(dict, running):
        if owner_alive(path, row):
            continue  # a collector is taking it right now
        where = "" if row["host"] == host else f" on {row['host']}"
        problems.append(
            Problem(
                "running",
                f"snapshot {row['id']} (started {row['started_at']}{where}) is still 'running':"
                " its collector crashed or was killed",
                row["id"],
            )
        )
    return problems


def _orphan_problems(conn: sqlite3.Connection, rows_damaged: bool) -> list[Problem]:
    """Bodies no snapshot uses (after deleted rows: evidence to restore, not to prune)."""
    problems: list[Problem] = []
    live = bodies.LIVE_BODIES if bodies.has_codec_columns(conn) else _LIVE_V3
    for (h,) in conn.execute(
        f"{live} SELECT hash FROM bodies WHERE hash NOT IN (SELECT h FROM live)"
    ):
        problems.append(
            Problem(
                "orphan-body",
                f"body {h[:12]} is used by no snapshot"
                + (
                    " (left by the deleted rows above: restore before any prune)"
                    if rows_damaged
                    else " (prune removes it)"
                ),
            )
        )
    return problems


def index_problems(path: Path, snapshot_id: int | None) -> list[Problem]:
    """The row index of each indexed snapshot (or of one) checked against its bodies."""
    from .rowindex import check_index, has_tables

    out: list[Problem] = []
    with Store(path, readonly=True) as store:
        if not has_tables(store):
            return out
        ids = [snapshot_id] if snapshot_id is not None else [s.id for s in store.snapshots()]
        for sid in ids:
            out += [Problem("index", line, sid) for line in check_index(store, sid)]
    return out


def _users(conn: sqlite3.Connection, h: str) -> str:
    """``; used by snapshot 3 (resourcegraph)``: who reads a damaged body."""
    users: dict[int, set[str]] = {}
    for sid, source in conn.execute(
        "SELECT DISTINCT snapshot_id, source FROM exchanges WHERE body_hash = ?", (h,)
    ):
        users.setdefault(sid, set()).add(str(source))
    return "".join(
        f"; used by snapshot {sid} ({', '.join(sorted(src))})" for sid, src in sorted(users.items())
    )
