"""Room to close a snapshot on a full disk: a small file written when the run starts and
deleted when it ends, or earlier, when a write fails for lack of space, so that the snapshot
can still be finished ``partial`` with "disk full" as its reason instead of staying
``running``. The file is ours (``<store>.snapdiff-reserve``), made and removed by one run.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

SIZE = 4 * 1024 * 1024  # SQLite needs a few pages and WAL frames to close a snapshot
MAGIC = b"snapdiff disk reserve: removed when its collection ends\n"
log = logging.getLogger(__name__)


class DiskReserve:
    def __init__(self, store_path: Path, size: int = SIZE):
        self.path = Path(f"{store_path}.snapdiff-reserve")
        self.size = size
        self.held = False

    def __enter__(self) -> DiskReserve:
        if self.path.exists() and not self._ours():
            log.info("%s exists and is not a snapdiff reserve: left alone", self.path)
            return self  # not ours: never overwritten, never removed
        try:
            with open(self.path, "wb") as f:
                f.write(MAGIC + b"\0" * (self.size - len(MAGIC)))
                f.flush()
                os.fsync(f.fileno())
            self.held = True
        except OSError as e:  # no room even for this, or a read-only folder: run without it
            log.info("no disk reserve at %s: %s", self.path, e)
            if self._ours():
                self._remove()
        return self

    def _ours(self) -> bool:
        """A reserve a killed run left behind (it starts with ``MAGIC``)."""
        try:
            with open(self.path, "rb") as f:
                return f.read(len(MAGIC)) == MAGIC
        except OSError:
            return False

    def release(self) -> bool:
        """Free the reserved space; True if there was any to free."""
        held, self.held = self.held, False
        if held:
            self._remove()
        return held

    def _remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("cannot remove %s: %s", self.path, e)

    def __exit__(self, *exc: object) -> None:
        self.release()
