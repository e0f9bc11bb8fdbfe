"""What a resumed snapshot (``collect --resume``) reused, and from where: read for ``show``."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any

from .store import Store


def parse_time(stamp: str) -> datetime:
    """A stored UTC time (``2026-12-03T14:30:05.123456Z``) as an aware datetime."""
    t = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def age_text(seconds: float) -> str:
    """``5 min``, ``3.2 h``, ``2.0 days``."""
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def resumed_from(store: Store, snapshot_id: int) -> dict[str, Any] | None:
    """What snapshot ``snapshot_id`` reused and from where; None when it was not a resume (or
    the store predates resumes)."""
    try:
        row = store.conn.execute(
            "SELECT from_snapshot_id, from_uid, from_started_at, oldest_answer, reused"
            " FROM resumes WHERE snapshot_id = ?",
            (snapshot_id,),
        ).fetchone()
    except sqlite3.OperationalError:  # no resumes table: an older store
        return None
    if row is None:
        return None
    return {  # show --json's ``resumed_from``
        "from_snapshot_id": row[0],
        "from_uid": row[1],
        "from_started_at": row[2],
        "oldest_answer": row[3],
        "reused": json.loads(row[4]),
    }


def describe(store: Store, snapshot_id: int) -> list[str]:
    """``show``'s lines about a resume: the snapshot continued, the fetches reused per source
    and the age of the oldest reused answer when this snapshot began."""
    info = resumed_from(store, snapshot_id)
    if info is None:
        return []
    started = parse_time(store.snapshot(snapshot_id).started_at)
    age = (started - parse_time(info["oldest_answer"])).total_seconds()
    reused = info["reused"]
    per = ", ".join(f"{k} {v}" for k, v in reused.items()) or "nothing"
    return [
        f"  resumed from snapshot {info['from_snapshot_id']} ({info['from_uid']}, started"
        f" {info['from_started_at']})",
        f"  reused {sum(reused.values())} fetches from that run: {per}",
        f"  oldest reused answer {age_text(age)} old when this snapshot began"
        f" ({info['oldest_answer']})",
    ]
