"""Effective access: who can do what on which resource, offline from one snapshot, and what
changed in it between two. Reads snapshots only through ``SnapshotView``."""

from .diff import AccessDiff, diff_access
from .query import Access, AccessReport

__all__ = ["Access", "AccessDiff", "AccessReport", "diff_access"]
