"""One-line messages for the OS and SQLite errors a user can cause: say what is wrong.

``explain`` maps any OSError or sqlite3 error; ``store_problem`` first looks at the store file
itself (missing, a folder, unreadable, not SQLite, in a read-only folder), which SQLite's own
messages ("unable to open database file") do not tell apart.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"

_ERRNO = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EEXIST: "already exists",
    errno.ENAMETOOLONG: "file name too long",
    errno.EIO: "input/output error (disk failing or removed?)",
}

# Substrings of SQLite's messages, in the order they are tried.
_SQLITE = [
    ("database or disk is full", "disk full"),
    ("disk i/o error", "disk input/output error (disk full, failing or removed?)"),
    ("readonly database", "the store is read-only (file or its folder not writable)"),
    ("file is not a database", "not a SQLite file"),
    ("file is encrypted or is not a database", "not a SQLite file"),
    ("database disk image is malformed", "the store is damaged; run snapdiff verify"),
    ("database is locked", "the store is busy (another snapdiff is writing it); try again"),
    ("unable to open database file", "cannot open the file (missing folder or no permission)"),
]


def explain(e: BaseException) -> str:
    """A one-line description of an OSError or sqlite3 error, naming the file when known."""
    if isinstance(e, sqlite3.Error):
        text = str(e)
        low = text.lower()
        return next((msg for key, msg in _SQLITE if key in low), f"SQLite error: {text}")
    if isinstance(e, OSError):
        what = _ERRNO.get(e.errno or 0) or e.strerror or str(e) or type(e).__name__
        name = e.filename
        return f"{name}: {what}" if name is not None else what
    return str(e) or type(e).__name__


def store_problem(path: Path, *, writing: bool) -> str | None:
    """Why ``path`` cannot be opened as a store, judged from the file system; None if no
    reason is visible (then SQLite's own error, through ``explain``, is the best we have)."""
    if not path.exists():
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            return f"no store at {path} (folder {parent} does not exist)"
        return f"no store at {path}"
    if path.is_dir():
        return f"{path} is a folder, not a store file"
    if not os.access(path, os.R_OK):
        return f"{path}: permission denied (cannot read the file)"
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as e:
        return f"{path}: {explain(e).split(': ', 1)[-1]}"
    if head and head != SQLITE_HEADER:
        return f"{path} is not a SQLite file, so not a snapdiff store"
    if writing and not os.access(path, os.W_OK):
        return f"{path} is read-only (no write permission on the file)"
    for side in ("-wal", "-shm"):
        other = Path(f"{path}{side}")
        if writing and other.exists() and not os.access(other, os.R_OK | os.W_OK):
            return (
                f"{other} is not writable (left by another user or a copy): delete it while no"
                f" snapdiff uses {path.name}, or give it back write permission"
            )
    folder = path.parent if str(path.parent) else Path(".")
    if writing and not os.access(folder, os.W_OK):
        return (
            f"folder {folder} is read-only: SQLite needs to create {path.name}-wal next to the "
            "store (make the folder writable, or copy the store elsewhere)"
        )
    return None
