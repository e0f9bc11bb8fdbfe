"""Pacing shared by every source: one bounded budget of requests in flight, and slowing down
when ARM's ``x-ms-ratelimit-remaining-*`` headers run low, before 429s arrive."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_NUMBER = re.compile(r"(?:^|[;:,\s])(\d+)(?=$|[,\s])")


def remaining(headers: dict[str, str]) -> int | None:
    """The smallest ``x-ms-ratelimit-remaining-*`` count in ``headers`` (the resource
    provider form ``Name3Min;197,Name30Min;1297`` included), or None."""
    low: int | None = None
    for k, v in headers.items():
        if not k.lower().startswith("x-ms-ratelimit-remaining-"):
            continue
        for m in _NUMBER.finditer(str(v)):
            n = int(m.group(1))
            low = n if low is None else min(low, n)
    return low


class Pacer:
    """``budget`` requests in flight at most; below ``low`` remaining reads, wait for the
    bucket to refill (ARM refills 25 reads a second) before the next request."""

    def __init__(
        self,
        budget: int = 8,
        low: int = 25,
        refill_per_s: float = 25.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.budget = max(1, budget)
        self.low = low
        self.refill = refill_per_s
        self.sleep = sleep
        self._slots = threading.BoundedSemaphore(self.budget)
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.slowed = 0  # times a request waited for the bucket
        self.waited = 0.0

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            yield

    def observe(self, headers: dict[str, str]) -> None:
        left = remaining(headers)
        if left is not None and left < self.low:
            delay = (self.low - left) / self.refill
            with self._lock:
                self._not_before = max(self._not_before, time.time() + delay)

    def wait(self) -> None:
        with self._lock:
            delay = self._not_before - time.time()
            if delay > 0:
                self.slowed += 1
                self.waited += delay
        if delay > 0:
            self.sleep(delay)
