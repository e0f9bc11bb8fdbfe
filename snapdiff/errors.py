"""Exceptions that the CLI turns into one-line errors."""

import sqlite3


class SnapdiffError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


class StoreError(SnapdiffError):
    """The store file is missing, unreadable, too new or damaged."""


class StoreLocked(StoreError, sqlite3.OperationalError):
    """Another process held the store's write lock for longer than this one would wait. Also a
    ``sqlite3.OperationalError``, as SQLite's own "database is locked" was, so callers that
    treat a store they cannot write as fatal still do."""


class BodyMismatch(StoreError):
    """A stored body decompressed but its bytes do not hash to its SHA-256 (bit rot, tampering)."""


class SnapshotNotFound(SnapdiffError):
    """A snapshot reference did not resolve."""


class ImmutableSnapshot(SnapdiffError):
    """Someone tried to change a finished snapshot."""


class DiskFull(StoreError):
    """A write failed because the disk (or the store's size limit) is full."""
