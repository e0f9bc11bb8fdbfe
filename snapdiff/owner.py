"""Who owns a ``running`` snapshot, and whether that owner is still alive.

A collector records its host, pid and the kernel's boot id, and holds an exclusive lock on byte
``snapshot id`` of ``<store>-owners`` (an empty side file) until it finishes. The kernel drops
the lock when the process dies, however it dies, so any process that can take the lock knows
the owner is gone, even from another container with another host name. Snapshots recorded
without the lock (older stores, a read-only folder) fall back on boot id, host and pid.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

try:
    import fcntl

    LOCKS: bool = True
except ImportError:  # Windows: no POSIX record locks; owners fall back on boot id, host and pid
    LOCKS = False

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
_fds: dict[str, int] = {}  # one descriptor per lock file and process: closing another would
_held: set[tuple[str, int]] = set()  # drop this process's POSIX locks on that file
_lock = threading.Lock()


def boot_id() -> str | None:
    try:
        return BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + "-owners")


def _fd(store_path: Path, create: bool) -> int | None:
    key = str(lock_path(store_path).resolve())
    fd = _fds.get(key)
    if fd is None:
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        try:
            fd = os.open(key, flags, 0o600)
        except OSError:
            return None
        _fds[key] = fd
    return fd


def hold(store_path: Path, snapshot_id: int) -> bool:
    """Take the owner lock of a new snapshot; False if the side file cannot be written."""
    if not LOCKS:
        return False
    with _lock:
        fd = _fd(store_path, create=True)
        if fd is None:
            return False
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, snapshot_id)
        except OSError:
            return False
        _held.add((str(lock_path(store_path).resolve()), snapshot_id))
        return True


def release(store_path: Path, snapshot_id: int) -> None:
    if not LOCKS:
        return
    key = str(lock_path(store_path).resolve())
    with _lock:
        fd = _fds.get(key)
        if fd is not None and (key, snapshot_id) in _held:
            _held.discard((key, snapshot_id))
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, snapshot_id)


def _lock_free(store_path: Path, snapshot_id: int) -> bool | None:
    """True if nobody holds the snapshot's lock, False if someone does, None if unknown."""
    if not LOCKS:
        return None
    key = str(lock_path(store_path).resolve())
    with _lock:
        if (key, snapshot_id) in _held:
            return False
        fd = _fd(store_path, create=False)
        if fd is None:
            return None
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, snapshot_id)
        except (BlockingIOError, PermissionError):
            return False
        except OSError:
            return None
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, snapshot_id)
        return True


def owner_alive(store_path: Path, row: dict[str, Any]) -> bool:
    """Whether the collector that owns a ``running`` snapshot row may still be running.

    ``row`` has ``id``, ``host``, ``pid`` and, in current stores, ``boot_id`` and ``owner_lock``.
    """
    if row.get("owner_lock"):
        free = _lock_free(store_path, row["id"])
        if free is not None:
            return not free
    here = boot_id()
    if row.get("boot_id") and here and row["boot_id"] != here:
        return False  # the machine has rebooted since
    if row.get("host") != socket.gethostname():
        return True  # another machine: nothing more can be known without the lock
    pid = row.get("pid")
    if pid == os.getpid():
        return (str(lock_path(store_path).resolve()), row["id"]) in _held
    return _pid_alive(pid)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if os.name == "nt":  # os.kill(pid, 0) there sends CTRL_C_EVENT: assume the owner lives
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
