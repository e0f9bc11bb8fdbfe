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
log = logging.getLogger(__name__)


class DiskReserve:
    def __init__(self, store_path: Path, size: int = SIZE):
        self.path = Path(f"{store_path}.snapdiff-reserve")
        self.size = size
        self.held = False

    def __enter__(self) -> DiskReserve:
        try:
            with open(self.path, "wb") as f:
                f.write(b"\0" * self.size)
                f.flush()
                os.fsync(f.fileno())
            self.held = True
        except OSError as e:  # no room even for this, or a read-only folder: run without it
            log.info("no disk reserve at %s: %s", self.path, e)
            self._remove()
        return self

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
