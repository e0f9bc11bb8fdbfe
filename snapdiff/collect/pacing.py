"""Pacing shared by every source: one bounded budget of requests in flight, and ARM's read
quota kept before 429s arrive.

ARM meters reads with a token bucket per subscription and security principal (250 reads,
refilled at 25 a second), and the tenant scope (paths outside ``/subscriptions/{id}``) the
same. ``Pacer`` keeps a copy of each bucket the run draws from: a request takes its token here
before it is sent (every inner request of a ``/batch`` too: ARM does not publish how it counts
them, so they are counted as if sent alone), and waits when the copy is empty. Each answer's
``x-ms-ratelimit-remaining-subscription-reads`` (or ``-tenant-reads``) brings the copy down
when someone else draws from the same bucket; a 429 empties it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

_SUBSCRIPTION = re.compile(r"/subscriptions/([^/?#]+)", re.IGNORECASE)
TENANT = "tenant"


@dataclass(frozen=True)
class ReadQuota:
    """An ARM read bucket: ``size`` tokens, refilled at ``refill`` a second."""

    size: float = 250.0
    refill: float = 25.0

    @property
    def reserve(self) -> float:
        """Tokens left unused: ARM counts a read when it arrives, a moment after it was
        counted here, and its refill may not be as smooth as this copy's."""
        return self.size / 10


AZURE_READS = ReadQuota()  # Azure's published figures (2024 token-bucket model)


def bucket_of(url: str) -> str:
    """The read bucket an ARM request draws from: ``subscription:<id>`` or ``tenant``."""
    m = _SUBSCRIPTION.match(urlsplit(url).path)
    return f"subscription:{m.group(1).lower()}" if m else TENANT


def reads_left(headers: Mapping[str, str], bucket: str) -> int | None:
    """What ARM says is left in ``bucket`` (only that bucket's header: a resource provider's
    own windows and the all-principals global count are other limits)."""
    want = "x-ms-ratelimit-remaining-" + (
        "tenant-reads" if bucket == TENANT else "subscription-reads"
    )
    for k, v in headers.items():
        if k.lower() == want:
            try:
                return int(str(v).strip())
            except ValueError:
                return None
    return None


class _Bucket:
    def __init__(self, q: ReadQuota, now: float):
        self.q, self.tokens, self.at = q, q.size, now

    def refill(self, now: float) -> None:
        self.tokens = min(self.q.size, self.tokens + (now - self.at) * self.q.refill)
        self.at = now


class Pacer:
    """``budget`` requests in flight at most, and ARM reads held to ``quota`` per bucket
    (None: never wait; for a host whose quota is raised, and for tests that show why)."""

    def __init__(
        self,
        budget: int = 8,
        quota: ReadQuota | None = AZURE_READS,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.budget = max(1, budget)
        self.quota = quota
        self.sleep = sleep
        self.clock = clock
        self._slots = threading.BoundedSemaphore(self.budget)
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.slowed = 0  # requests (or batches) that waited for a bucket
        self.waited = 0.0  # seconds they waited, summed

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            yield

    def _bucket(self, key: str, now: float) -> _Bucket:
        assert self.quota is not None
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = _Bucket(self.quota, now)
        b.refill(now)
        return b

    def take(self, counts: Mapping[str, int]) -> float:
        """Take ``counts[bucket]`` tokens from each bucket, waiting until the emptiest has
        them (and ``reserve`` more); returns the seconds waited. Tokens are taken at once (a
        bucket may go below zero), so requests waiting together are served in turn, not all
        at the same moment."""
        if self.quota is None or not counts:
            return 0.0
        with self._lock:
            now = self.clock()
            delay = 0.0
            for key, n in counts.items():
                b = self._bucket(key, now)
                b.tokens -= n
                if b.tokens < self.quota.reserve:
                    delay = max(delay, (self.quota.reserve - b.tokens) / self.quota.refill)
            if delay > 0:
                self.slowed += 1
                self.waited += delay
        if delay > 0:
            self.sleep(delay)
        return delay

    def take_for(self, url: str) -> float:
        return self.take({bucket_of(url): 1})

    def observe(self, url: str, status: int | None, headers: Mapping[str, str]) -> None:
        """An answer to a request to ``url``: ARM's count (never raised here: tokens taken
        for requests still in flight are not in it yet), or an empty bucket on a 429."""
        if self.quota is None:
            return
        key = bucket_of(url)
        left = reads_left(headers, key)
        if status == 429:
            left = 0 if left is None else min(left, 0)
        if left is None:
            return
        with self._lock:
            b = self._bucket(key, self.clock())
            b.tokens = min(b.tokens, float(left))


def _is_batch(url: str) -> bool:
    return urlsplit(url).path.rstrip("/").lower().endswith("/batch")


class PacingPolicy(SansIOHTTPPolicy):
    """Every attempt of a single ARM GET takes its token first (a retry is a read too), and
    its answer corrects the pacer's copy of the bucket. ``/batch`` is paced item by item by
    ``ArmBatcher`` instead."""

    def __init__(self, pacer: Pacer):
        self.pacer = pacer

    @staticmethod
    def _paced(request: PipelineRequest) -> bool:
        http = request.http_request
        return http.method == "GET" and not _is_batch(http.url)

    def on_request(self, request: PipelineRequest) -> None:
        if self._paced(request):
            self.pacer.take_for(request.http_request.url)

    def on_response(
        self,
        request: PipelineRequest,
        response: PipelineResponse,
    ) -> None:
        if self._paced(request):
            http = response.http_response
            self.pacer.observe(request.http_request.url, http.status_code, http.headers)
