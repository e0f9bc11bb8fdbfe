"""Who holds a store's SQLite lock, and a bounded wait for it with a message.

SQLite locks with POSIX advisory locks: on the ``.db`` file (a rollback journal, or a writer in
``locking_mode=EXCLUSIVE``) and on the ``-shm`` file (WAL mode). On Linux ``/proc/locks`` names
the process holding them; elsewhere the message says "another process".
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from .errors import StoreError, StoreLocked

log = logging.getLogger(__name__)

LOCK_WAIT_ENV = "SNAPDIFF_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 60.0  # seconds a writer queues behind another process before giving up
POLL_MS = 250


def lock_wait(default: float = DEFAULT_LOCK_WAIT) -> float:
    """Seconds to wait for a store's write lock: ``$SNAPDIFF_LOCK_WAIT`` or ``default``."""
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise StoreError(f"{LOCK_WAIT_ENV}={raw!r} is not a number of seconds") from None
    if not 0 <= value <= 86400:
        raise StoreError(f"{LOCK_WAIT_ENV}={raw!r}: give 0 to 86400 seconds")
    return value


def holders(path: Path) -> list[int]:
    """Pids of other processes holding a lock on the store ``path`` (its ``-shm`` and
    ``-wal`` too); empty when unknown (no ``/proc/locks``)."""
    inodes = set()
    for p in (path, Path(f"{path}-shm"), Path(f"{path}-wal")):
        try:
            st = p.stat()
        except OSError:
            continue
        inodes.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids: set[int] = set()
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter, not a holder
            continue
        try:
            pid, dev = int(fields[4]), fields[5]
            major, minor, ino = dev.split(":")
            key = (int(major, 16), int(minor, 16), int(ino))
        except (IndexError, ValueError):
            continue
        if key in inodes and pid != os.getpid():
            pids.add(pid)
    return sorted(pids)


def held_by(path: Path) -> str:
    pids = holders(path)
    if not pids:
        return "another process"
    return ("pid " if len(pids) == 1 else "pids ") + ", ".join(map(str, pids))


def busy(e: sqlite3.Error) -> bool:
    text = str(e).lower()
    return "database is locked" in text or "database is busy" in text


def begin_within(
    conn: sqlite3.Connection,
    path: Path,
    seconds: float,
    *,
    restore_ms: int,
    say_after: float = 0.0,
    hint: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """``BEGIN IMMEDIATE`` on ``conn``, waiting at most ``seconds`` for another process's lock;
    one "waiting" line once ``say_after`` seconds went by (brief contention says nothing), a
    one-line ``StoreLocked`` naming the holder at the end (``hint``: and $SNAPDIFF_LOCK_WAIT)."""
    start = clock()
    deadline = start + seconds
    said = False
    try:
        conn.execute(f"PRAGMA busy_timeout = {min(POLL_MS, int(seconds * 1000))}")
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                if not busy(e):
                    raise
                left = deadline - clock()
                if left <= 0:
                    raise StoreLocked(
                        f"{path} is still locked by {held_by(path)} after {seconds:g}s; this"
                        " write was not made: try again when it is done"
                        + (f" (or set {LOCK_WAIT_ENV})" if hint else "")
                    ) from None
                if not said and clock() - start >= say_after:
                    log.warning(
                        "waiting for the write lock on %s, held by %s (up to %ds more)",
                        path,
                        held_by(path),
                        round(left),
                    )
                    said = True
                conn.execute(f"PRAGMA busy_timeout = {max(1, min(POLL_MS, int(left * 1000)))}")
    finally:
        conn.execute(f"PRAGMA busy_timeout = {restore_ms}")
