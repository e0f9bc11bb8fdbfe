"""Exceptions that the CLI turns into one-line errors."""


class SnapdiffError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


class StoreError(SnapdiffError):
    """The store file is missing, unreadable, too new or damaged."""


class BodyMismatch(StoreError):
    """A stored body decompressed but its bytes do not hash to its SHA-256 (bit rot, tampering)."""


class SnapshotNotFound(SnapdiffError):
    """A snapshot reference did not resolve."""


class ImmutableSnapshot(SnapdiffError):
    """Someone tried to change a finished snapshot."""


class DiskFull(StoreError):
    """A write failed because the disk (or the store's size limit) is full."""
