"""Resolve snapshot references: id, label, ``latest``, ``latest~N``, a date, ``PATH.db:REF``."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from .errors import SnapshotNotFound
from .status import SnapshotStatus, usable
from .store import Store

_LATEST = re.compile(r"^latest(?:~(\d+))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def text_arg(text: str) -> str:
    """A command-line word as the text the user typed. Under ``LANG=C`` (no UTF-8 mode) Python
    decodes argv as ASCII and keeps other bytes as surrogates: read those bytes as UTF-8, so a
    label such as ``wöche-47`` names the same snapshot whatever the locale."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    try:
        return os.fsencode(text).decode("utf-8")
    except (UnicodeError, ValueError):
        return text


def split_ref(ref: str) -> tuple[Path | None, str]:
    """``other.db:latest`` → (Path('other.db'), 'latest'); a plain ref → (None, ref).

    A path alone (``bundle.snapdiff``) means that file's latest snapshot.
    """
    if ":" in ref:
        path, _, rest = ref.rpartition(":")
        if path and (Path(path).suffix or "/" in path) and not _DATE.match(ref):
            return Path(path), rest or "latest"
    if Path(ref).suffix in (".db", ".snapdiff", ".sqlite") and Path(ref).exists():
        return Path(ref), "latest"
    return None, ref


def looks_like_ref(name: str) -> bool:
    """Whether ``name`` reads as a ref other than a label: an id, ``latest[~N]`` or a date."""
    return name.isdigit() or bool(_LATEST.match(name) or _DATE.match(name))


def resolve(store: Store, ref: str | int | None, *, complete_only: bool = False) -> int:
    """Return the snapshot id that ``ref`` names in ``store``."""
    snaps = store.snapshots()
    # a failed snapshot read nothing: only its id or label names it
    pool = [s for s in snaps if usable(s.status, complete_only=complete_only)]
    ref = "latest" if ref is None else text_arg(str(ref)).strip()
    if not ref:
        raise SnapshotNotFound("an empty snapshot reference: give an id, a label or latest")
    m = _LATEST.match(ref)
    if m:
        back = int(m.group(1) or 0)
        if back >= len(pool):
            what = ("complete snapshot" if complete_only else "snapshot") + (
                "" if len(pool) == 1 else "s"
            )
            failed = sum(s.status == SnapshotStatus.FAILED for s in snaps)
            hint = f" ({failed} failed, named only by id or label)" if failed else ""
            raise SnapshotNotFound(f"{ref!r}: the store holds only {len(pool)} {what}{hint}")
        return pool[-1 - back].id
    if ref.isascii() and ref.isdigit():  # not "²", which isdigit() accepts
        for s in snaps:
            if s.id == int(ref):
                return s.id
    for s in snaps:
        if s.label == ref or s.uid == ref:
            return s.id
    if _DATE.match(ref):
        try:
            day = date.fromisoformat(ref).isoformat()
        except ValueError as e:
            raise SnapshotNotFound(f"{ref!r} is not a valid date ({e})") from None
        done = [
            s for s in snaps if usable(s.status, complete_only=True) and s.started_at[:10] <= day
        ]
        if done:
            return done[-1].id
        raise SnapshotNotFound(f"no complete snapshot on or before {ref}")
    raise SnapshotNotFound(f"no snapshot {ref!r} in {store.path}")
