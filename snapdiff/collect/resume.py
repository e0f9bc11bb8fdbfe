"""``collect --resume``: a new snapshot that reuses the definitive answers of an unfinished one.

A fetch of the snapshot being resumed that ended ``ok``, ``notfound``, ``not_applicable`` or
``forbidden`` is reused: its fetch row and its exchange rows (bodies are content-addressed, so
only the hash is copied) and their redactions are written into the new snapshot, and the
request is never sent. Anything else (failed, interrupted, superseded, never started) is
fetched again; a listing is reused whole or read again from page 1, never stitched.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .. import status as st
from ..errors import SnapdiffError, StoreError
from ..resumes import age_text, parse_time
from ..store import Store, inserted_id

REUSABLE = (st.OK, st.NOTFOUND, st.NOT_APPLICABLE, st.FORBIDDEN)
RESUMABLE = (st.PARTIAL, st.SnapshotStatus.FAILED)
DEFAULT_MAX_AGE = timedelta(hours=24)
INTERVAL = "app_insights_interval"
log = logging.getLogger(__name__)


class NothingToResume(SnapdiffError):
    """No partial, interrupted or failed snapshot of this scope (or it is too old)."""


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(text: str) -> timedelta:
    """``90m``, ``24h``, ``2d``, ``3600s`` (a bare number is hours)."""
    t = text.strip().lower()
    unit = t[-1] if t and t[-1] in _UNITS else "h"
    try:
        n = float(t[:-1] if t and t[-1] in _UNITS else t)
    except ValueError:
        raise ValueError(f"--max-age {text!r}: not an age such as 90m, 24h or 2d") from None
    if not 0 <= n * _UNITS[unit] <= 100 * 365 * 86400:  # NaN, negative, beyond a century
        raise ValueError(f"--max-age {text!r}: not an age such as 90m, 24h or 2d")
    return timedelta(seconds=n * _UNITS[unit])


@dataclass
class Reused:
    """A fetch answered from an earlier snapshot: its outcome and the bodies of its pages."""

    status: str
    http_status: int | None
    pages: int
    error: str | None
    bodies: list[Any]  # parsed body of each page, page order (``ok`` fetches)

    def items(self, key: str) -> list[Any]:
        """Every page's ``key`` list (``value`` of a listing, ``data`` of Resource Graph)."""
        out: list[Any] = []
        for body in self.bodies:
            value = body.get(key) if isinstance(body, dict) else None
            out.extend(value or [])
        return out


def _fetch_keys(conn: sqlite3.Connection, sid: int) -> dict[tuple[str, str], int]:
    """(call, target) -> the id of the last fetch of it in snapshot ``sid``, when definitive."""
    last: dict[tuple[str, str], tuple[int, str]] = {}
    for fid, call, target, status in conn.execute(
        "SELECT id, call, target, status FROM fetches WHERE snapshot_id = ? ORDER BY id", (sid,)
    ):
        last[(call, target)] = (fid, status)
    return {k: fid for k, (fid, status) in last.items() if status in REUSABLE}


def _scope_key(scope: dict[str, Any]) -> str:
    """What must match for a resume: all of the scope but the App Insights interval (its
    default moves with the clock; the resumed snapshot keeps the one it continues)."""
    return json.dumps({k: v for k, v in scope.items() if k != INTERVAL}, sort_keys=True)


def find_resumable(
    store: Store,
    *,
    cloud: str,
    scope: dict[str, Any],
    tenant_id: str | None,
    snapshot_id: int | None = None,
) -> int:
    """The snapshot to resume: ``snapshot_id`` (checked), else the latest unfinished one of
    the same cloud, tenant and scope. Raises ``NothingToResume``."""
    store.recover_stale()  # a killed collector's snapshot is partial from here on
    want = _scope_key(scope)
    if snapshot_id is not None:
        snap = store.snapshot(snapshot_id)
        if snap.status not in RESUMABLE:
            raise NothingToResume(
                f"snapshot {snapshot_id} is {snap.status}: only a partial or failed snapshot"
                " can be resumed"
            )
        if snap.cloud != cloud or _scope_key(snap.scope) != want:
            raise NothingToResume(
                f"snapshot {snapshot_id} was collected over another cloud or scope"
                " (tenant, subscriptions, resource groups): run collect with its scope"
            )
        if tenant_id and snap.tenant_id and snap.tenant_id != tenant_id:
            raise NothingToResume(f"snapshot {snapshot_id} is of tenant {snap.tenant_id}")
        return snapshot_id
    for snap in reversed(store.snapshots()):
        if snap.cloud != cloud or _scope_key(snap.scope) != want:
            continue
        if tenant_id and snap.tenant_id and snap.tenant_id != tenant_id:
            continue
        if snap.status == st.COMPLETE:
            break  # the latest collection of this scope finished: nothing left to resume
        if snap.status in RESUMABLE:
            return snap.id
    raise NothingToResume(
        "nothing to resume: no partial, interrupted or failed snapshot of this scope since its"
        " last complete one"
    )


class Reuser:
    """Answers fetches of a new snapshot from the definitive fetches of ``from_id``."""

    def __init__(self, store: Store, from_id: int, new_id: int | None = None):
        self.store = store
        self.from_id = from_id
        self.new_id = new_id
        self.origin = store.snapshot(from_id)
        self._keys = _fetch_keys(store.conn, from_id)
        self._taken: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.exchanges = 0  # exchange rows copied

    def oldest_answer(self) -> str:
        """When the oldest answer that would be reused was received."""
        row = self.store.conn.execute(
            "SELECT min(e.started_at) FROM exchanges e JOIN fetches f ON f.id = e.fetch_id"
            f" WHERE f.snapshot_id = ? AND f.status IN ({', '.join('?' * len(REUSABLE))})",
            (self.from_id, *REUSABLE),
        ).fetchone()
        stamps = [t for t in (row[0] if row else None, self.origin.started_at) if t]
        return min(stamps, key=parse_time)

    def check_age(self, max_age: timedelta, now: datetime | None = None) -> None:
        """Refuse (``NothingToResume``) when an answer to reuse is older than ``max_age``."""
        now = now or datetime.now(timezone.utc)
        age = (now - parse_time(self.oldest_answer())).total_seconds()
        if age > max_age.total_seconds():
            raise NothingToResume(
                f"snapshot {self.from_id} holds answers {age_text(age)} old, older than"
                f" --max-age {age_text(max_age.total_seconds())}: collect afresh, or raise"
                " --max-age"
            )

    def reusable(self, call: str, target: str) -> bool:
        with self._lock:
            return (call, target) in self._keys and (call, target) not in self._taken

    def take(self, call: str, target: str) -> Reused | None:
        """Copy the fetch (call, target) into the new snapshot and return its answer, or None
        when it must be fetched. Each (call, target) is reused at most once."""
        with self._lock:
            old = self._keys.get((call, target))
            if old is None or (call, target) in self._taken:
                return None
            self._taken.add((call, target))
        assert self.new_id is not None, "Reuser.new_id is set when the snapshot begins"
        found = self._read(old)
        if found is None:
            return None
        reused, source = found
        copied = self._copy(old)
        with self._lock:
            self.counts[source] += 1
            self.exchanges += copied
        return reused

    def _read(self, old: int) -> tuple[Reused, str] | None:
        """The old fetch's outcome and parsed pages; None when a body cannot be read back
        (damaged, or not JSON): then it is fetched again."""
        conn = self.store.conn
        source, status, http_status, pages, error = conn.execute(
            "SELECT source, status, http_status, pages, error FROM fetches WHERE id = ?", (old,)
        ).fetchone()
        hashes: dict[int, str | None] = {}
        for page, xstatus, body_hash in conn.execute(
            "SELECT page, status, body_hash FROM exchanges WHERE fetch_id = ? ORDER BY id", (old,)
        ):
            if xstatus is not None and 200 <= xstatus < 300:
                hashes[page or 1] = body_hash  # the last good answer of each page
        parsed: list[Any] = []
        if status == st.OK:
            try:
                for page in sorted(hashes):
                    h = hashes[page]
                    parsed.append(json.loads(self.store.body(h)) if h else None)
            except (StoreError, ValueError) as e:
                log.info("resume: fetch %d is asked again: %s", old, e)
                return None
        return Reused(status, http_status, pages, error, parsed), source

    def _copy(self, old: int) -> int:
        """Copy fetch ``old`` with its exchanges and redactions into the new snapshot; returns
        how many exchanges were copied."""
        with self.store.transaction() as c:
            fid = inserted_id(
                c.execute(
                    "INSERT INTO fetches (snapshot_id, source, call, target, status, http_status,"
                    " pages, error) SELECT ?, source, call, target, status, http_status, pages,"
                    " error FROM fetches WHERE id = ?",
                    (self.new_id, old),
                )
            )
            rows = c.execute(
                "SELECT id, source, page, method, url, request_body, status, headers, body_hash,"
                " started_at, elapsed_ms, error FROM exchanges WHERE fetch_id = ? ORDER BY id",
                (old,),
            ).fetchall()
            for xid, *cols in rows:
                # An inner answer of a batch keeps no carrier: the carrier was another run's.
                new_x = inserted_id(
                    c.execute(
                        "INSERT INTO exchanges (snapshot_id, fetch_id, source, page, method, url,"
                        " request_body, status, headers, body_hash, started_at, elapsed_ms,"
                        " error, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        (self.new_id, fid, *cols),
                    )
                )
                c.execute(
                    "INSERT INTO redactions (snapshot_id, exchange_id, url, path, reason)"
                    " SELECT ?, ?, url, path, reason FROM redactions WHERE exchange_id = ?"
                    " ORDER BY rowid",
                    (self.new_id, new_x, xid),
                )
        return len(rows)

    def record(self) -> None:
        """Write what was reused, and from where, into the new snapshot's ``resumes`` row."""
        with self.store.transaction() as c:
            c.execute(
                "INSERT OR REPLACE INTO resumes (snapshot_id, from_snapshot_id, from_uid,"
                " from_started_at, oldest_answer, reused, exchanges) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    self.new_id,
                    self.from_id,
                    self.origin.uid,
                    self.origin.started_at,
                    self.oldest_answer(),
                    json.dumps(dict(sorted(self.counts.items())), sort_keys=True),
                    self.exchanges,
                ),
            )
