"""Keeping a store tidy: prune old snapshots, label them, and index rows for SQL exploring.

``prune`` deletes snapshots (their sources, fetches, exchanges and redactions cascade), then the
bodies no remaining exchange uses, then VACUUMs so the file shrinks. The newest complete
snapshot is never deleted unless asked explicitly: it is what the next diff compares against.

``index_snapshot`` fills ``resource_rows`` and ``role_assignment_rows`` (derived from the
compressed bodies) behind the ``resources_by_snapshot`` and ``role_assignments_by_snapshot``
views, for sqlite-utils and Datasette, and the row index diffs read (``snapdiff.rowindex``).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import rowindex
from .errors import SnapdiffError, StoreError
from .read import role_assignments
from .refs import looks_like_ref, text_arg
from .snapshot import SnapshotView
from .status import FINISHED, SnapshotStatus, usable
from .store import Snapshot, Store


# -- derived rows ------------------------------------------------------------------------------
def index_snapshot(store: Store, snapshot_id: int) -> tuple[int, int]:
    """(Re)build the explore rows of one snapshot; idempotent. Returns (resources, assignments)."""
    view = SnapshotView(store, snapshot_id)
    resources = []
    for row in view.resources().values():
        tags = row.get("tags")
        resources.append(
            (
                snapshot_id,
                row["id"],
                row.get("type"),
                row.get("name"),
                row.get("resourceGroup"),
                row.get("subscriptionId"),
                row.get("location"),
                json.dumps(tags, sort_keys=True) if tags else None,
            )
        )
    assignments: dict[str, tuple[object, ...]] = {}
    for a in role_assignments(view).records.values():
        fields = (a.scope, a.principal_id, a.principal_type, a.role_definition_id)
        # absent fields stay NULL in the explore rows
        assignments.setdefault(a.id.lower(), (snapshot_id, a.id, *(v or None for v in fields)))
    store.write_explore_rows(snapshot_id, resources, list(assignments.values()))
    write_row_index(store, snapshot_id)
    return len(resources), len(assignments)


def index_missing(store: Store) -> list[int]:
    """Index every finished snapshot that has no explore rows or no row index yet (e.g. taken
    before v3, or before v9). Returns the snapshots indexed."""
    ids = store.unindexed_snapshots()
    for sid in ids:
        index_snapshot(store, sid)
    missing = rowindex.unindexed(store)
    for sid in missing:
        write_row_index(store, sid)
    return sorted(set(ids) | set(missing))


def write_row_index(store: Store, snapshot_id: int) -> int | None:
    """Write the row index of a finished snapshot; None when its pages cannot be indexed row
    by row (then diffs read it in full)."""
    try:
        return rowindex.write_index(store, snapshot_id)
    except rowindex.IndexUnavailable:
        return None


# -- label -------------------------------------------------------------------------------------
_BAD_LABEL = re.compile(r"[:\s/\\]")
_UID = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)
_FILE_SUFFIX = re.compile(r"\.(db|snapdiff|sqlite)$", re.IGNORECASE)
MAX_LABEL = 64


def check_label(name: str) -> str:
    """A label must be addressable: not read as another kind of reference (id, uid, latest~N,
    a date, PATH:REF, a store file), printable, and at most ``MAX_LABEL`` characters."""
    name = text_arg(name).strip()
    if not name:
        raise SnapdiffError("a label cannot be empty")
    if len(name) > MAX_LABEL:
        raise SnapdiffError(f"a label has at most {MAX_LABEL} characters (this one {len(name)})")
    if not name.isprintable():
        raise SnapdiffError(f"{name!r}: a label cannot hold control characters")
    if looks_like_ref(name):
        raise SnapdiffError(f"'{name}' reads as a snapshot id, 'latest' or a date; choose another")
    if _UID.match(name):
        raise SnapdiffError(f"'{name}' reads as a snapshot uid (32 hex digits); choose another")
    if _FILE_SUFFIX.search(name):
        raise SnapdiffError(f"'{name}' reads as a store or bundle file name; choose another")
    if _BAD_LABEL.search(name):
        raise SnapdiffError(f"'{name}': a label cannot contain spaces, ':', '/' or '\\'")
    return name


class LabelTaken(SnapdiffError):
    """The label names another snapshot and moving it was not asked for."""


def refuse_taken_label(store: Store, name: str, snapshot_id: int | None) -> None:
    """Raise ``LabelTaken`` when ``name`` is another snapshot's label (``snapshot_id``: the
    snapshot about to get it, ``None`` for one not taken yet)."""
    holder = store.label_holder(name, other_than=-1 if snapshot_id is None else snapshot_id)
    if holder is not None:
        to = "the new snapshot" if snapshot_id is None else f"snapshot {snapshot_id}"
        raise LabelTaken(
            f"'{name}' is snapshot {holder}'s label; add --move to move it to {to}"
            " (nothing changed)"
        )


def label(store: Store, snapshot_id: int, name: str | None, *, move: bool = False) -> int | None:
    """Name a snapshot (``None`` removes its label). Returns the snapshot that lost the label;
    without ``move``, a label held by another snapshot is refused (``LabelTaken``)."""
    _refuse_bundle(store)
    store.snapshot(snapshot_id)  # raises SnapshotNotFound
    if name is not None:
        name = check_label(name)
    previous = None
    if name is not None:
        if not move:
            refuse_taken_label(store, name, snapshot_id)
        previous = store.label_holder(name, other_than=snapshot_id)
    store.set_label(snapshot_id, name)
    return previous


# -- prune -------------------------------------------------------------------------------------
@dataclass
class PruneReport:
    """What prune deleted (or, with ``dry_run``, would delete)."""

    dry_run: bool
    deleted: list[Snapshot] = field(default_factory=list)
    protected: list[Snapshot] = field(default_factory=list)  # matched, kept as newest complete
    bodies_deleted: int = 0
    body_bytes_deleted: int = 0  # compressed bytes of those bodies
    size_before: int = 0
    size_after: int = 0
    vacuumed: bool = False
    note: str | None = None


_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
MAX_AGE_DAYS = 36525


def parse_duration(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h`` → timedelta."""
    m = _DURATION.match(text.lower())
    if not m:
        raise SnapdiffError(f"{text!r} is not a duration like 90d, 12w or 36h")
    n, unit = int(m.group(1)), m.group(2)
    hours = n * {"h": 1, "d": 24, "w": 24 * 7}[unit]
    if hours > MAX_AGE_DAYS * 24:
        raise SnapdiffError(f"{text!r} is too long: at most {MAX_AGE_DAYS}d (100 years)")
    return timedelta(hours=hours)


def store_size(path: Path) -> int:
    """Bytes on disk of a store, its WAL included."""
    total = 0
    for p in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(OSError):
            total += p.stat().st_size
    return total


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def select_prunable(
    snaps: list[Snapshot],
    keep_last: int | None,
    older_than: timedelta | None,
    *,
    now: datetime | None = None,
    failed: bool = False,
) -> set[int]:
    """Ids of finished snapshots matching every given rule (running ones are never chosen);
    ``failed``: only snapshots whose collection read nothing."""
    if keep_last is None and older_than is None and not failed:
        raise SnapdiffError("say what to prune: --keep-last N, --older-than 90d and/or --failed")
    if keep_last is not None and keep_last < 0:
        raise SnapdiffError("--keep-last must be 0 or more")
    finished = sorted(
        (s for s in snaps if s.status in ((SnapshotStatus.FAILED,) if failed else FINISHED)),
        key=lambda s: (s.started_at, s.id),
    )
    chosen = {s.id for s in finished}
    if keep_last is not None:
        chosen &= {s.id for s in finished[: max(len(finished) - keep_last, 0)]}
    if older_than is not None:
        cutoff = (now or datetime.now(timezone.utc)) - older_than
        chosen &= {s.id for s in finished if _parse_time(s.started_at) < cutoff}
    return chosen


def prune(
    store: Store,
    keep_last: int | None = None,
    older_than: timedelta | None = None,
    dry_run: bool = False,
    *,
    allow_last_complete: bool = False,
    vacuum: bool = True,
    failed: bool = False,
) -> PruneReport:
    """Delete snapshots by age/count (``failed``: only failed ones), then unused bodies, then
    VACUUM to give space back."""
    _refuse_bundle(store)
    if store.readonly and not dry_run:
        raise StoreError(f"{store.path} is open read-only; cannot prune")
    report = PruneReport(dry_run=dry_run, size_before=store_size(store.path))
    if not dry_run:
        store.recover_stale()
    snaps = store.snapshots()
    chosen = select_prunable(snaps, keep_last, older_than, failed=failed)
    complete = sorted(
        (s for s in snaps if usable(s.status, complete_only=True)),
        key=lambda s: (s.started_at, s.id),
    )
    if complete and complete[-1].id in chosen and not allow_last_complete:
        chosen.discard(complete[-1].id)
        report.protected.append(complete[-1])
    report.deleted = [s for s in snaps if s.id in chosen]
    ids = sorted(chosen)
    n, size = store.unused_bodies(dropping=ids)
    report.bodies_deleted, report.body_bytes_deleted = n, size
    if dry_run:
        report.size_after = report.size_before
        return report
    try:
        store.delete_snapshots(ids)
    except sqlite3.Error as e:
        raise StoreError(f"prune failed, nothing deleted: {e}") from None
    if vacuum and (ids or n):
        try:
            store.vacuum()
            report.vacuumed = True
        except sqlite3.Error as e:
            report.note = f"space not reclaimed yet ({e}); run prune again when the store is idle"
    report.size_after = store_size(store.path)
    return report


def _refuse_bundle(store: Store) -> None:
    if store.is_bundle():
        raise StoreError(f"{store.path} is a bundle; bundles are read-only (import it first)")
