"""The SQLite snapshot store: snapshots, per-source status, fetches, HTTP exchanges, bodies.

Bodies are content-addressed (SHA-256 of the redacted bytes), compressed, and shared by every
snapshot that saw the same bytes; a page that changed a little since the previous snapshot is
stored as a delta against it (``snapdiff.bodies``). Each write is its own transaction, so a crash leaves
everything captured so far and never a half-written row.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import socket
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from . import __version__, bodies, digest, owner
from . import status as st
from .errors import BodyMismatch, DiskFull, StoreError
from .explain import explain, store_problem
from .locks import begin_within, busy, held_by
from .migrations import MIGRATIONS, SCHEMA_VERSION, readable_without_migrating

DEFAULT_STORE = Path("snapshots") / "snapdiff.db"
FINISHED = st.FINISHED
SQLITE_FULL = 13  # sqlite3.SQLITE_FULL, which typeshed does not know
STALE_ERROR = "collector ended without finishing (crash, kill or reboot)"
BUSY_TIMEOUT_MS = 5000
# Bundles written at this schema or later are read as they are (a newer snapdiff adds columns).
BUNDLE_READABLE_FROM = 7
# Tables every store at the current schema holds (a missing one is damage, not an old store).
CORE_TABLES = ("snapshots", "sources", "fetches", "exchanges", "bodies", "redactions")


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_store_path() -> Path:
    return Path(os.environ.get("SNAPDIFF_STORE") or DEFAULT_STORE)


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid of the row an INSERT just added (``Cursor.lastrowid`` is typed optional)."""
    rowid = cur.lastrowid
    assert rowid is not None, "no row was inserted"
    return rowid


def body_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sqlite_uri(path: Path, mode: str, *, immutable: bool = False) -> str:
    """A ``file:`` URI for ``path`` (quoted: ``?`` and ``#`` are legal in file names)."""
    return f"file:{quote(os.fsencode(path.absolute()))}?mode={mode}" + (
        "&immutable=1" if immutable else ""
    )


def read_schema_version(conn: sqlite3.Connection, path: Path, tables: set[str]) -> int:
    """The schema version in ``meta``; 0 for a file without tables. A store whose ``meta``
    lost or garbled its version is refused (migrating it would fail halfway)."""
    if "meta" not in tables:
        return 0
    rows = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if not rows:
        if tables - {"meta"}:
            raise StoreError(
                f"store {path} is damaged: its meta table has no schema_version but it holds"
                " snapdiff tables; restore the store from a backup (snapdiff verify says what is left)"
            )
        return 0
    value = rows[0][0]
    try:
        version = int(str(value).strip())
    except ValueError:
        version = -1
    if version < 0 or len(rows) != 1:
        raise StoreError(
            f"store {path} is damaged: its schema_version {str(value)[:40]!r} is not a version"
            " number; restore the store from a backup (snapdiff verify says what is left)"
        )
    return version


def has_side_files(path: Path) -> bool:
    return any(Path(f"{path}{side}").exists() for side in ("-wal", "-shm"))


def tidy_side_files(path: Path) -> None:
    """Leave no -wal/-shm behind a read-only command: a brief writable connection that
    reads nothing is, when it closes as the last one, what makes SQLite checkpoint (an
    empty WAL: no byte of the store changes) and delete both. Another process still
    using the store keeps them, as it should."""
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return
    if not has_side_files(path):
        return
    try:
        conn = sqlite3.connect(sqlite_uri(path, "rw"), uri=True, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as e:  # busy or damaged: the files stay, and harm nothing
        logging.getLogger(__name__).debug("leaving %s-wal/-shm: %s", path, e)


def wal_has_data(path: Path) -> bool:
    """Whether ``path``'s write-ahead log holds frames not yet copied into the file (a crash,
    a full disk): SQLite reads them, so the main file's header alone may look truncated."""
    try:
        return Path(f"{path}-wal").stat().st_size > 32  # the WAL header alone
    except OSError:
        return False


WAL_UNREADABLE = (
    "{path}-wal holds rows not yet copied into {path}, and SQLite cannot read it from a"
    " read-only folder: copy both files to a writable folder (or open it writable once)"
)

_OPEN: weakref.WeakSet[Store] = weakref.WeakSet()
# Read-only handles open per store path in this process, and whether the store had no
# -wal/-shm when the first of them opened (then the last to close removes them).
_READERS: dict[str, tuple[int, bool]] = {}
_READERS_LOCK = threading.Lock()


@atexit.register
def _close_open_stores() -> None:
    """A store someone forgot to close still ends checkpointed (no WAL left holding data)."""
    for store in list(_OPEN):
        store.close()


@dataclass(frozen=True)
class Snapshot:
    """One row of the snapshots table."""

    id: int
    uid: str
    label: str | None
    started_at: str
    finished_at: str | None
    status: str
    tenant_id: str | None
    cloud: str | None
    scope: dict[str, Any]
    tool_version: str | None
    error: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Snapshot:
        return cls(
            id=row["id"],
            uid=row["uid"],
            label=row["label"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            status=row["status"],
            tenant_id=row["tenant_id"],
            cloud=row["cloud"],
            scope=json.loads(row["scope"] or "{}"),
            tool_version=row["tool_version"],
            error=row["error"],
        )


def _decoded(job: tuple[str, str, bytes, bytes | None]) -> tuple[bytes, str] | bodies.BodyError:
    """A body's bytes and SHA-256 (what ``Store.bodies`` runs on its threads), or why it
    does not decode."""
    _, codec, blob, base = job
    try:
        data = bodies.decompress(codec, blob, base)
    except bodies.BodyError as e:
        return e
    return data, body_hash(data)


KEPT_BYTES = 256 << 20  # at most this much of the bodies read with keep=True is kept


class Store:
    """A snapshot store file. Thread-safe for the collector's worker threads."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        create: bool = True,
        immutable: bool = False,
    ):
        self.path = Path(path)
        self.readonly = readonly or immutable
        # immutable: the file cannot change while open (a bundle, read-only media); SQLite then
        # takes no locks and needs no journal or -shm file. Implied for a read-only directory.
        self.immutable = immutable or (readonly and not os.access(self.path.parent, os.W_OK))
        if self.immutable and wal_has_data(self.path):  # immutable=1 would ignore those rows
            raise StoreError(WAL_UNREADABLE.format(path=self.path))
        self.check_hashes = True  # body() checks each body's SHA-256 as it reads it
        self._kept: dict[str, bytes] = {}  # bodies read with keep=True, checked, by hash
        self._kept_bytes = 0
        # A reader of a WAL store makes -wal and -shm files it cannot delete itself; if none
        # were there before, close() has SQLite remove them (see _tidy_side_files).
        self._tidy = self.readonly and not self.immutable
        no_side_files = not has_side_files(self.path)
        self._lock = threading.RLock()
        self._closed = False
        if not self.path.exists() and not (self.readonly or not create):
            self._create_file()
        else:
            problem = store_problem(self.path, writing=not self.readonly)
            if problem is None and (self.readonly or not create) and self.path.stat().st_size == 0:
                problem = f"{self.path} is an empty file, not a snapdiff store"
            if problem:
                raise StoreError(problem)
            if not self.readonly:
                self._refuse_foreign()
        self.conn = self._connect()
        self.db = sqlite_utils.Database(self.conn)
        try:
            self._migrate()
        except BaseException:
            self.conn.close()
            raise
        if not self.readonly:
            _OPEN.add(self)
        if self._tidy:
            with _READERS_LOCK:
                key = str(self.path.absolute())
                n, tidy = _READERS.get(key, (0, no_side_files))
                _READERS[key] = (n + 1, tidy)
        # Snapshots whose collector was found dead on opening, now ``partial``.
        self.recovered: list[int] = [] if self.immutable else self.recover_stale()

    # -- opening -------------------------------------------------------------------------
    def _create_file(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only from the first byte: SQLite would create it with the umask.
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except OSError as e:
            raise StoreError(f"cannot create store {self.path}: {explain(e)}") from None

    def _refuse_foreign(self) -> None:
        """Before opening ``path`` writable (which switches it to WAL and migrates it), look at
        it read-only: a bundle, a foreign SQLite file or a too-new store is refused unchanged."""
        try:
            conn = sqlite3.connect(sqlite_uri(self.path, "ro"), uri=True, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open {self.path}: {e}") from None
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            version = read_schema_version(conn, self.path, tables)
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and busy(e):
                raise StoreError(
                    f"{self.path} is locked by {held_by(self.path)}; try again when it is done"
                ) from None
            raise StoreError(f"{self.path} is not a snapdiff store ({e}); left unchanged") from None
        finally:
            conn.close()
        if "manifest" in tables:
            raise StoreError(
                f"{self.path} is a bundle; bundles are read-only (snapdiff import it into a store)"
            )
        if tables and "meta" not in tables:
            raise StoreError(
                f"{self.path} is a SQLite file but not a snapdiff store; left unchanged"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema v{version}, newer than this snapdiff "
                f"(v{SCHEMA_VERSION}); upgrade snapdiff"
            )

    def _connect(self) -> sqlite3.Connection:
        uri = sqlite_uri(self.path, "ro" if self.readonly else "rw", immutable=self.immutable)
        old_umask = os.umask(0o077)  # WAL and SHM files are owner-only too
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open store {self.path}: {explain(e)}") from None
        finally:
            os.umask(old_umask)
        return conn

    def schema_version(self) -> int:
        tables = {
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "meta" not in tables:
            if tables:
                raise StoreError(f"{self.path} is a SQLite file but not a snapdiff store")
            return 0
        return read_schema_version(self.conn, self.path, tables)

    def _tables(self) -> set[str]:
        return {
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema v{current}, newer than this snapdiff "
                f"(v{SCHEMA_VERSION}); upgrade snapdiff"
            )
        if current == SCHEMA_VERSION:
            missing = [t for t in CORE_TABLES if t not in self._tables()]
            if missing:
                raise StoreError(
                    f"store {self.path} is damaged: table {', '.join(missing)} is missing;"
                    " restore the store from a backup (or import its bundles into a new store)"
                )
            return
        if self.readonly and readable_without_migrating(current):
            return  # what is missing is derived data (the row index): read without it
        if self.readonly and current >= BUNDLE_READABLE_FROM and "manifest" in self._tables():
            return  # a bundle from before digests: readers check its manifest's rows hash
        if self.readonly:
            raise StoreError(
                f"store {self.path} has schema v{current}, this snapdiff v{SCHEMA_VERSION}: "
                "a command that writes (collect, import, label, prune, index) migrates it once; "
                "reading commands never change a store"
            )
        with self._lock:
            for version in range(current, SCHEMA_VERSION):
                step = MIGRATIONS[version]
                bump = (
                    "INSERT OR REPLACE INTO meta (key, value)"
                    f" VALUES ('schema_version', '{version + 1}')"
                )
                try:
                    if isinstance(step, str):
                        self.conn.executescript(f"BEGIN IMMEDIATE;\n{step}\n{bump};\nCOMMIT;")
                    else:
                        self.conn.execute("BEGIN IMMEDIATE")
                        step(self.conn)
                        self.conn.execute(bump)
                        self.conn.execute("COMMIT")
                except sqlite3.Error as e:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise StoreError(f"migration to schema v{version + 1} failed: {e}") from None

    @contextlib.contextmanager
    def transaction(self, *, wait: float | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction; ``wait``: seconds to queue behind another process's write lock
        (default 5), with a "waiting ... held by pid N" line after the first second and one
        line naming the holder at the end. A full disk becomes ``DiskFull`` (nothing
        half-written)."""
        with self._lock:
            try:
                begin_within(
                    self.conn,
                    self.path,
                    BUSY_TIMEOUT_MS / 1000 if wait is None else wait,
                    restore_ms=BUSY_TIMEOUT_MS,
                    say_after=1.0 if wait is None else 0.0,
                    hint=wait is not None,
                )
                try:
                    yield self.conn
                    self.conn.execute("COMMIT")
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                if is_disk_full(e):
                    raise DiskFull(f"disk full: cannot write to {self.path}") from None
                raise

    def close(self) -> None:
        """Close; a writable store is checkpointed first, so the ``.db`` alone holds every row."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            _OPEN.discard(self)
            if not self.readonly:
                self.checkpoint()
            self.conn.close()
            if self._tidy:
                with _READERS_LOCK:
                    key = str(self.path.absolute())
                    n, tidy = _READERS.pop(key, (1, False))
                    if n > 1:
                        _READERS[key] = (n - 1, tidy)
                if n == 1 and tidy:  # this process's last reader of a store that had none
                    self._tidy_side_files()

    def _tidy_side_files(self) -> None:
        tidy_side_files(self.path)

    def checkpoint(self) -> bool:
        """Copy the WAL into the main file and empty it; False if a reader kept it busy (the
        last connection to close then does it) or the disk refused."""
        with self._lock:
            try:
                busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.OperationalError:  # e.g. disk full: the WAL stays valid and is read
                return False
            return not busy

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- bodies ----------------------------------------------------------------------------
    def put_body(
        self, data: bytes, conn: sqlite3.Connection | None = None, base_hint: str | None = None
    ) -> str:
        """Store ``data`` once; ``base_hint`` names a similar body to delta-encode against."""
        c = conn or self.conn
        h = body_hash(data)
        if c.execute("SELECT 1 FROM bodies WHERE hash = ?", (h,)).fetchone():
            return h
        codec, blob, base, depth = bodies.encode(c, data, base_hint if base_hint != h else None)
        c.execute(
            "INSERT INTO bodies (hash, size, data, codec, base, depth) VALUES (?, ?, ?, ?, ?, ?)",
            (h, len(data), blob, codec, base, depth),
        )
        return h

    def body(self, h: str, *, keep: bool = False) -> bytes:
        """The bytes of body ``h``; raises BodyMismatch if they do not hash to ``h``. ``keep``:
        the caller holds on to the bytes anyway (a page the row index reads), so later bodies
        delta-coded against this one start from them rather than decoding it again."""
        try:
            data = bodies.read(self.conn, h, bases=self._kept)
        except bodies.BodyError as e:
            raise StoreError(f"body {h[:12]}: {e}") from None
        if self.check_hashes and body_hash(data) != h:
            raise BodyMismatch(f"body {h[:12]} does not match its SHA-256")
        if keep and self.check_hashes:
            self._keep(h, data)
        return data

    def bodies(self, hashes: Iterable[str], *, keep: bool = False) -> dict[str, bytes]:
        """Several bodies by hash, each as ``body`` reads it (with the same errors), the
        decompression and SHA-256 checks on a few threads: both let go of the GIL, and a
        diff of large snapshots reads a hundred pages of a megabyte from each side."""
        todo = list(dict.fromkeys(hashes))
        workers = min(4, os.cpu_count() or 1)
        if len(todo) < 4 or workers < 2:
            return {h: self.body(h, keep=keep) for h in todo}
        jobs: list[tuple[str, str, bytes, bytes | None]] = []
        failed: dict[str, bodies.BodyError] = {}
        for h in todo:  # SQLite and delta bases here, in this thread
            try:
                codec, blob, base = bodies.encoded(self.conn, h)
                known = None if base is None else self._kept.get(base)
                if base is not None and known is None:
                    known = bodies.read(self.conn, base, 1, bases=self._kept)
            except bodies.BodyError as e:
                failed[h] = e  # reported in order, as reading one by one would
                continue
            jobs.append((h, codec, blob, known))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = dict(zip([j[0] for j in jobs], pool.map(_decoded, jobs), strict=True))
        out = {}
        for h in todo:
            got = failed.get(h) or done[h]
            if isinstance(got, bodies.BodyError):
                raise StoreError(f"body {h[:12]}: {got}")
            data, sha = got
            if self.check_hashes and sha != h:
                raise BodyMismatch(f"body {h[:12]} does not match its SHA-256")
            if keep and self.check_hashes:
                self._keep(h, data)
            out[h] = data
        return out

    def _keep(self, h: str, data: bytes) -> None:
        """Remember a checked body, the oldest forgotten beyond ``KEPT_BYTES``."""
        if h in self._kept:  # read again (another view of the snapshot): counted once
            return
        self._kept[h] = data
        self._kept_bytes += len(data)
        while self._kept_bytes > KEPT_BYTES and len(self._kept) > 1:
            self._kept_bytes -= len(self._kept.pop(next(iter(self._kept))))

    def _previous_page(self, c: sqlite3.Connection, fetch_id: int, page: int) -> str | None:
        """The body of the same page of the same fetch in the latest earlier snapshot."""
        row = c.execute(
            "SELECT e.body_hash FROM fetches f0 JOIN fetches f ON f.call = f0.call"
            " AND f.target = f0.target AND f.snapshot_id < f0.snapshot_id"
            " JOIN exchanges e ON e.fetch_id = f.id AND e.page = ?"
            " WHERE f0.id = ? AND e.body_hash IS NOT NULL"
            " ORDER BY f.snapshot_id DESC, e.id DESC LIMIT 1",
            (page, fetch_id),
        ).fetchone()
        return row[0] if row else None

    # -- snapshots ---------------------------------------------------------------------------
    def begin_snapshot(
        self,
        *,
        tenant_id: str | None,
        cloud: str,
        scope: dict[str, Any],
        label: str | None = None,
    ) -> int:
        """A new ``running`` snapshot owned by this process (see ``snapdiff.owner``)."""
        self.recover_stale()
        with self.transaction() as c:
            if label is not None:  # a label names one snapshot: the newest takes it
                c.execute("UPDATE snapshots SET label = NULL WHERE label = ?", (label,))
            cur = c.execute(
                "INSERT INTO snapshots (uid, label, started_at, status, tenant_id, cloud, scope,"
                " tool_version, host, pid, boot_id) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    uuid.uuid4().hex,
                    label,
                    utcnow(),
                    tenant_id,
                    cloud,
                    json.dumps(scope, sort_keys=True),
                    __version__,
                    socket.gethostname(),
                    os.getpid(),
                    owner.boot_id(),
                ),
            )
            sid = inserted_id(cur)
            # Locked inside the transaction, so nobody sees the row without its lock.
            if owner.hold(self.path, sid):
                c.execute("UPDATE snapshots SET owner_lock = 1 WHERE id = ?", (sid,))
            return sid

    def finish_snapshot(self, snapshot_id: int, status: str, error: str | None = None) -> None:
        if status not in FINISHED:
            raise ValueError(status)
        with self.transaction() as c:
            cur = c.execute(
                "UPDATE snapshots SET status = ?, finished_at = ?, error = ? WHERE id = ?"
                " AND status = 'running'",
                (status, utcnow(), error, snapshot_id),
            )
            if cur.rowcount:  # the digest of the finished rows, in the same transaction
                digest.record(c, snapshot_id, digest.AT_FINISH)
        owner.release(self.path, snapshot_id)

    def set_tenant(self, snapshot_id: int, tenant_id: str | None) -> None:
        with self.transaction() as c:
            c.execute("UPDATE snapshots SET tenant_id = ? WHERE id = ?", (tenant_id, snapshot_id))

    def recover_stale(self) -> list[int]:
        """Mark snapshots left ``running`` by a dead collector (any host) as ``partial``,
        naming the sources it cut off or never reached.

        A read-only handle recovers through a short writable connection when the file allows
        it, so any command that finds a dead owner's snapshot finishes it.
        """
        stale = [
            r["id"]
            for r in self.db.query("SELECT * FROM snapshots WHERE status = 'running'")
            if not owner.owner_alive(self.path, r)
        ]
        if not stale:
            return []
        if self.readonly:
            return self._recover_through_writer(stale)
        for sid in stale:
            self.mark_interrupted(sid, "collector ended without finishing")
            self.finish_snapshot(sid, st.PARTIAL, STALE_ERROR)
        return stale

    def _recover_through_writer(self, stale: list[int]) -> list[int]:
        if self.immutable or not os.access(self.path, os.W_OK):
            return []
        try:
            with Store(self.path, create=False) as writer:
                return [s for s in stale if writer.snapshot(s).status == st.PARTIAL]
        except StoreError:
            return []  # a full disk or a locked file: the next command tries again

    def mark_interrupted(
        self, snapshot_id: int, why: str, *, skip: frozenset[str] = frozenset()
    ) -> list[str]:
        """Record fetches still running as ``interrupted``, and every source without a row
        (but those in ``skip``, known to have nothing to fetch) as ``interrupted``: cut off when
        it has fetches, else never reached. Returns their names."""
        with self.transaction() as c:
            c.execute(
                "UPDATE fetches SET status = ?, error = ? WHERE snapshot_id = ? AND status = 'running'",
                (st.INTERRUPTED, why, snapshot_id),
            )
            have = {
                r[0]
                for r in c.execute("SELECT name FROM sources WHERE snapshot_id = ?", (snapshot_id,))
            }
            started = dict(
                c.execute(
                    "SELECT source, count(*) FROM fetches WHERE snapshot_id = ? GROUP BY source",
                    (snapshot_id,),
                ).fetchall()
            )
            missing = [
                n for n in (*st.SOURCES, *sorted(started)) if n not in have and n not in skip
            ]
            for name in dict.fromkeys(missing):
                n = started.get(name, 0)
                detail = f"cut off after {n} fetches: {why}" if n else f"never reached: {why}"
                c.execute(
                    "INSERT INTO sources (snapshot_id, name, status, detail) VALUES (?, ?, ?, ?)",
                    (snapshot_id, name, st.INTERRUPTED, detail),
                )
        return list(dict.fromkeys(missing))

    def set_label(self, snapshot_id: int, label: str | None) -> None:
        with self.transaction() as c:
            if label is not None:
                c.execute(
                    "UPDATE snapshots SET label = NULL WHERE label = ? AND id != ?",
                    (label, snapshot_id),
                )
            c.execute("UPDATE snapshots SET label = ? WHERE id = ?", (label, snapshot_id))

    def snapshot_by_uid(self, uid: str) -> int | None:
        row = self.conn.execute("SELECT id FROM snapshots WHERE uid = ?", (uid,)).fetchone()
        return int(row[0]) if row else None

    def snapshots(self) -> list[Snapshot]:
        """Every snapshot in collection order (start time; an import keeps its own)."""
        rows = self.db.query("SELECT * FROM snapshots ORDER BY started_at, id")
        return [Snapshot.from_row(r) for r in rows]

    def snapshot(self, snapshot_id: int) -> Snapshot:
        rows = list(self.db.query("SELECT * FROM snapshots WHERE id = ?", [snapshot_id]))
        if not rows:
            from .errors import SnapshotNotFound

            raise SnapshotNotFound(f"no snapshot {snapshot_id} in {self.path}")
        return Snapshot.from_row(rows[0])

    # -- sources, fetches, exchanges ------------------------------------------------------
    def set_source(
        self,
        snapshot_id: int,
        name: str,
        *,
        status: str,
        pages: int = 0,
        requests: int = 0,
        errors: int = 0,
        detail: str | None = None,
        outcomes: dict[str, int] | None = None,
        coverage: str | None = None,
    ) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO sources (snapshot_id, name, status, pages, requests, errors, detail,"
                " outcomes, coverage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (snapshot_id, name) DO UPDATE SET"
                " status = excluded.status, pages = excluded.pages, requests = excluded.requests,"
                " errors = excluded.errors, detail = excluded.detail,"
                " outcomes = excluded.outcomes, coverage = excluded.coverage",
                (
                    snapshot_id,
                    name,
                    status,
                    pages,
                    requests,
                    errors,
                    detail,
                    json.dumps(outcomes, sort_keys=True) if outcomes is not None else None,
                    coverage,
                ),
            )

    def sources(self, snapshot_id: int) -> list[dict[str, Any]]:
        """Per source: name, status, pages, requests, errors, detail, outcomes (a dict of
        fetch outcome counts, None in stores older than that column) and coverage (what was forbidden)."""
        rows = list(
            self.db.query(
                "SELECT name, status, pages, requests, errors, detail, outcomes, coverage"
                " FROM sources WHERE snapshot_id = ? ORDER BY name",
                [snapshot_id],
            )
        )
        for r in rows:
            r["outcomes"] = json.loads(r["outcomes"]) if r["outcomes"] else None
        return rows

    def forbidden_fetches(self, snapshot_id: int, source: str) -> list[tuple[str, str, str | None]]:
        """(call, target, error) of every fetch of ``source`` that was forbidden."""
        return [
            (r[0], r[1], r[2])
            for r in self.conn.execute(
                "SELECT call, target, error FROM fetches WHERE snapshot_id = ? AND source = ?"
                " AND status = ? ORDER BY id",
                (snapshot_id, source, st.FORBIDDEN),
            )
        ]

    def start_fetch(self, snapshot_id: int, source: str, call: str, target: str) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO fetches (snapshot_id, source, call, target, status)"
                " VALUES (?, ?, ?, ?, 'running')",
                (snapshot_id, source, call, target),
            )
            return inserted_id(cur)

    def finish_fetch(
        self,
        fetch_id: int,
        status: str,
        *,
        http_status: int | None = None,
        pages: int = 0,
        error: str | None = None,
    ) -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE fetches SET status = ?, http_status = ?, pages = ?, error = ? WHERE id = ?",
                (status, http_status, pages, error, fetch_id),
            )

    def add_exchange(
        self,
        *,
        snapshot_id: int,
        fetch_id: int | None,
        source: str,
        method: str,
        url: str,
        request_body: str | None,
        status: int | None,
        headers: dict[str, str],
        body: bytes | None,
        started_at: str,
        elapsed_ms: float,
        error: str | None = None,
        page: int | None = None,
        redactions: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
        batch_id: int | None = None,
    ) -> int:
        with self.transaction() as c:
            h = None
            if body is not None:
                hint = None
                if page is not None and fetch_id is not None and len(body) >= bodies.DELTA_MIN_SIZE:
                    hint = self._previous_page(c, fetch_id, page)
                h = self.put_body(body, c, hint)
            cur = c.execute(
                "INSERT INTO exchanges (snapshot_id, fetch_id, source, page, method, url,"
                " request_body, status, headers, body_hash, started_at, elapsed_ms, error, batch_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    snapshot_id,
                    fetch_id,
                    source,
                    page,
                    method,
                    url,
                    request_body,
                    status,
                    json.dumps(headers, sort_keys=True),
                    h,
                    started_at,
                    elapsed_ms,
                    error,
                    batch_id,
                ),
            )
            xid = inserted_id(cur)
            c.executemany(
                "INSERT INTO redactions (snapshot_id, exchange_id, url, path, reason)"
                " VALUES (?, ?, ?, ?, ?)",
                [(snapshot_id, xid, url, path, reason) for path, reason in redactions],
            )
            return xid

    # -- upkeep: labels, explore rows, prune ---------------------------------------------------
    def is_bundle(self) -> bool:
        return bool(
            self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'manifest'"
            ).fetchone()
        )

    def label_holder(self, name: str, *, other_than: int) -> int | None:
        """The snapshot (other than ``other_than``) that has label ``name`` now."""
        row = self.conn.execute(
            "SELECT id FROM snapshots WHERE label = ? AND id != ?", (name, other_than)
        ).fetchone()
        return int(row[0]) if row else None

    def unindexed_snapshots(self) -> list[int]:
        """Finished snapshots without explore rows, oldest first."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM snapshots WHERE status != 'running'"
                " AND id NOT IN (SELECT snapshot_id FROM row_index) ORDER BY id"
            ).fetchall()
        ]

    def write_explore_rows(
        self,
        snapshot_id: int,
        resources: Sequence[tuple[object, ...]],
        assignments: Sequence[tuple[object, ...]],
    ) -> None:
        """Replace a snapshot's explore rows (inside the caller's transaction if one is open)."""
        with contextlib.ExitStack() as stack:
            c = self.conn if self.conn.in_transaction else stack.enter_context(self.transaction())
            c.execute("DELETE FROM resource_rows WHERE snapshot_id = ?", (snapshot_id,))
            c.execute("DELETE FROM role_assignment_rows WHERE snapshot_id = ?", (snapshot_id,))
            c.executemany("INSERT INTO resource_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)", resources)
            c.executemany("INSERT INTO role_assignment_rows VALUES (?, ?, ?, ?, ?, ?)", assignments)
            c.execute(
                "INSERT OR REPLACE INTO row_index (snapshot_id, indexed_at, resources,"
                " role_assignments) VALUES (?, ?, ?, ?)",
                (snapshot_id, utcnow(), len(resources), len(assignments)),
            )

    def unused_bodies(self, *, dropping: list[int]) -> tuple[int, int]:
        """(count, compressed bytes) of the bodies no snapshot but those in ``dropping`` needs,
        directly or as a delta base of one it needs."""
        marks = ",".join("?" * len(dropping))
        live = bodies.LIVE_BODIES.replace(
            "WHERE body_hash IS NOT NULL",
            "WHERE body_hash IS NOT NULL"
            + (f" AND snapshot_id NOT IN ({marks})" if dropping else ""),
        )
        n, size = self.conn.execute(
            f"{live} SELECT count(*), coalesce(sum(length(data)), 0) FROM bodies"
            " WHERE hash NOT IN (SELECT h FROM live)",
            dropping,
        ).fetchone()
        return int(n), int(size)

    def delete_snapshots(self, ids: list[int]) -> None:
        """Delete snapshots (their rows cascade), then every body nothing needs any more."""
        with self.transaction() as c:
            if ids:
                c.execute(f"DELETE FROM snapshots WHERE id IN ({','.join('?' * len(ids))})", ids)
            # Delete from the top of each delta chain down: a base is deleted only after the
            # bodies encoded against it (the foreign key on bodies.base would refuse otherwise).
            while True:
                before = c.total_changes  # rowcount is -1 for a statement starting with WITH
                c.execute(
                    f"{bodies.LIVE_BODIES} DELETE FROM bodies WHERE hash NOT IN"
                    " (SELECT h FROM live)"
                    " AND hash NOT IN (SELECT base FROM bodies WHERE base IS NOT NULL)"
                )
                if c.total_changes == before:
                    break

    def vacuum(self) -> None:
        """Give freed pages back to the file system, then empty the WAL."""
        with self._lock:
            self.conn.execute("VACUUM")
            self.checkpoint()

    def body_hashes(self, snapshot_id: int) -> list[str]:
        """The distinct bodies a snapshot's exchanges carry, sorted."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT body_hash FROM exchanges WHERE snapshot_id = ?"
                " AND body_hash IS NOT NULL ORDER BY body_hash",
                (snapshot_id,),
            )
        ]

    def redactions(self, snapshot_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT url, path, reason FROM redactions WHERE snapshot_id = ? ORDER BY rowid",
                [snapshot_id],
            )
        )

    def _copied_exchanges(self, snapshot_id: int) -> int:
        """Exchanges ``collect --resume`` copied from an earlier run: not requests of this one."""
        try:
            row = self.conn.execute(
                "SELECT exchanges FROM resumes WHERE snapshot_id = ?", (snapshot_id,)
            ).fetchone()
        except sqlite3.OperationalError:  # a store from before resumes
            return 0
        return int(row[0]) if row else 0

    def counts(self, snapshot_id: int) -> dict[str, int]:
        """Requests on the wire, distinct bodies, error responses (inner ones included) and
        responses that arrived inside a batch."""
        row = self.conn.execute(
            "SELECT count(*) - count(batch_id), count(DISTINCT body_hash),"
            " coalesce(sum(status >= 400), 0), count(batch_id)"
            " FROM exchanges WHERE snapshot_id = ?",
            (snapshot_id,),
        ).fetchone()
        return {
            "requests": row[0] - self._copied_exchanges(snapshot_id),
            "bodies": row[1],
            "error_responses": row[2],
            "batched": row[3],
        }


def is_disk_full(e: BaseException) -> bool:
    """SQLITE_FULL (or ENOSPC underneath): the disk or the store's page limit is full."""
    if getattr(e, "sqlite_errorcode", None) == SQLITE_FULL:
        return True
    return "disk is full" in str(e) or "No space left" in str(e)
