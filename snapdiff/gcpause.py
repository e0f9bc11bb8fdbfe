"""Pause Python's cyclic garbage collector around bulk JSON work.

Parsing a snapshot creates millions of small acyclic objects; each allocation threshold then
triggers a collection that re-walks everything alive. Reference counting frees them anyway.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # What survived is mostly the parsed snapshot, kept for the caller: move it out of
            # the collector's sight rather than have the next allocation walk all of it.
            gc.freeze()
            gc.enable()
