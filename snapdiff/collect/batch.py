"""ARM batching: per-resource GETs through ``POST {arm}/batch?api-version=2020-06-01``.

At most 20 requests a batch, one source per batch. Support is detected on first use: a batch
endpoint answering 400/404/405 sends every job back to single GETs. Items that answer 429 or
5xx are retried (alone, in a later batch) after their own Retry-After; listings follow each
item's nextLink. Every inner response is stored as its own exchange of its fetch (URL, status,
kept headers, body) with ``batch_id`` naming the exchange that carried it, so readers see the
same fetches and pages as with single GETs.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from azure.core.rest import HttpRequest

from .. import status as st
from .capture import FetchContext, Recorder, current
from .fetcher import (
    _RETRY_METHODS,
    FETCH_ERRORS,
    MAX_RESTARTS,
    Fetch,
    Fetcher,
    FetchFailed,
    _Restart,
)
from .guard import describe
from .pacing import Pacer, bucket_of

API_VERSION = "2020-06-01"
MAX_ITEMS = 20
UNSUPPORTED = frozenset({400, 404, 405})
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
THROTTLED = frozenset({429, 503})  # retried until the fetch's budget, like single GETs
MAX_BATCH_FAILURES = 3  # /batch itself failing this many times in a row: single GETs


@dataclass
class Job:
    """One logical fetch to run: a GET (``paged`` False) or a listing with every page."""

    call: str
    target: str
    path: str  # ARM path without host
    params: dict[str, str]
    paged: bool
    then: Callable[[Any], list[Job]] | None = None  # follow-up jobs from the items or body

    @property
    def source(self) -> str:
        return self.call.split(":", 1)[0]


@dataclass
class _Item:
    """One page of one job, waiting for a batch."""

    job: Job
    url: str
    fetch: Fetch | None = None  # begun with the item's first batch
    page: int = 1
    attempt: int = 0
    restarts: int = 0
    values: list[Any] = field(default_factory=list)
    not_before: float = 0.0  # on the run guard's clock


class ArmBatcher:
    """Runs jobs through ARM's batch endpoint; ``supported`` is None until the first batch."""

    def __init__(
        self,
        fetcher: Fetcher,
        recorder: Recorder,
        client: Any,
        base_url: str,
        *,
        retry_total: int = 6,
        retry_backoff: float = 0.8,
        concurrency: int = 8,
        pacer: Pacer | None = None,
        note: Callable[[str], None] = lambda msg: None,
        sleep: Callable[[float], None] | None = None,
    ):
        self.fetcher = fetcher
        self.recorder = recorder
        self.client = client
        self.base = base_url.rstrip("/")
        self.retry_total = retry_total
        self.retry_backoff = retry_backoff
        self.concurrency = max(1, concurrency)
        self.pacer = pacer or Pacer()
        self.note = note
        self.sleep = sleep or fetcher.guard.wait  # a stop cuts the wait short
        self.supported: bool | None = None
        self.batches = 0
        self.failures = 0  # /batch requests in a row that got no usable answer
        self.alone: list[Job] = []  # jobs handed back to single GETs after /batch failed
        self._lock = threading.Lock()

    # -- public ------------------------------------------------------------------------------
    def run(self, jobs: list[Job]) -> list[Job]:
        """Run ``jobs``; returns those that must go through single GETs instead (all of them
        when the endpoint turns out not to exist)."""
        jobs = self._not_reused(jobs)
        pending = [_Item(j, self._url(j)) for j in jobs]
        if not pending:
            return []
        if self.supported is None:  # the first batch alone: it tells us whether /batch exists
            first = self._batches(pending)[0]
            rest = [i for i in pending if all(i is not f for f in first)]
            more = self._send(first)
            if self.unsupported():
                return jobs
            pending = more + rest
        while pending:
            if self.failing():  # /batch keeps failing: the rest go alone
                for it in pending:
                    self._alone(it, "ARM batch keeps failing; sent alone")
                break
            wait = max(i.not_before for i in pending) - self.fetcher.guard.clock()
            if wait > 0:
                self.sleep(wait)
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                results = list(pool.map(self._send, _by_turns(self._batches(pending))))
            pending = [i for more in results for i in more]
        return list(self.alone)

    def _not_reused(self, jobs: list[Job]) -> list[Job]:
        """The jobs (and follow-ups of reused ones) that ``collect --resume`` cannot answer
        from the snapshot it resumes."""
        todo, out = deque(jobs), []
        while todo:
            job = todo.popleft()
            try:
                reused = self.fetcher.reuse(job.call, job.target)
            except FetchFailed:  # a definitive refusal, reused as it was
                continue
            if reused is None:
                out.append(job)
            elif job.then is not None:
                body = reused.bodies[0] if reused.bodies else {}
                todo += job.then(reused.items("value") if job.paged else body)
        return out

    def failing(self) -> bool:
        return self.failures >= MAX_BATCH_FAILURES

    def unsupported(self) -> bool:
        return self.supported is False

    # -- internals ---------------------------------------------------------------------------
    def _url(self, job: Job) -> str:
        qs = urlencode(job.params, safe=":/")  # as azure-core writes single GETs
        return f"{self.base}{job.path}" + (f"?{qs}" if qs else "")

    @staticmethod
    def _batches(items: list[_Item]) -> list[list[_Item]]:
        by_source: dict[str, list[_Item]] = {}
        for it in items:
            by_source.setdefault(it.job.source, []).append(it)
        return [
            group[i : i + MAX_ITEMS]
            for group in by_source.values()
            for i in range(0, len(group), MAX_ITEMS)
        ]

    def _start(self, it: _Item) -> Fetch:
        if it.fetch is None:
            it.fetch = self.fetcher.begin(it.job.call, it.job.target)
        it.fetch.page = it.page
        it.fetch.listing = it.job.paged
        it.fetch.may_restart = it.restarts < MAX_RESTARTS
        return it.fetch

    def _send(self, batch: list[_Item]) -> list[_Item]:
        """One batch on the wire; returns the items to send again (next pages, retries)."""
        for it in batch:
            self._start(it)
        source = batch[0].job.source
        body = {
            "requests": [
                {"name": str(n), "httpMethod": "GET", "url": it.url} for n, it in enumerate(batch)
            ]
        }
        self.pacer.take(Counter(bucket_of(it.url) for it in batch))  # each item is a read
        started = time.time()
        token = current.set(FetchContext(None, source, split_body=True))
        try:
            req = HttpRequest(
                "POST", f"{self.base}/batch", params={"api-version": API_VERSION}, json=body
            )
            resp = self.client.send_request(
                req, _return_pipeline_response=True, retry_on_methods=_RETRY_METHODS
            )
        except FETCH_ERRORS as e:  # transport errors after the pipeline's retries
            return self._batch_failed(batch, f"batch: {describe(e)}")
        finally:
            current.reset(token)
        with self._lock:
            self.batches += 1
        http = resp.http_response
        self.pacer.observe(f"{self.base}/batch", http.status_code, http.headers)
        carrier = resp.context.get("snapdiff_exchange_id")
        if not 200 <= http.status_code < 300:
            if self.supported is None and http.status_code in UNSUPPORTED:
                self.supported = False
                self.note(f"ARM batch not available (HTTP {http.status_code}): single GETs")
                for it in batch:
                    self._start(it).finish(st.SUPERSEDED, error="batch unsupported; sent alone")
                return []
            return self._batch_failed(batch, f"batch: HTTP {http.status_code}")
        self.supported = True
        try:
            answers = {str(r.get("name")): r for r in json.loads(http.text())["responses"]}
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._batch_failed(batch, "batch: response is not a batch answer")
        with self._lock:
            self.failures = 0
        out: list[_Item] = []
        for n, it in enumerate(batch):
            out += self._item(it, answers.get(str(n)), started, carrier)
        return out

    def _batch_failed(self, batch: list[_Item], msg: str) -> list[_Item]:
        """/batch gave no usable answer: its items go again in a later batch, or alone once
        /batch has failed ``MAX_BATCH_FAILURES`` times in a row."""
        with self._lock:
            self.failures += 1
        if not self.failing():
            return batch
        self.note(f"{msg}; {len(batch)} requests sent alone")
        for it in batch:
            self._alone(it, f"{msg}; sent alone")
        return []

    def _alone(self, it: _Item, why: str) -> None:
        """Hand ``it``'s job back to single GETs (a listing starts again from page 1)."""
        self._start(it).finish(st.SUPERSEDED, error=why)
        with self._lock:
            self.alone.append(it.job)

    def _item(
        self, it: _Item, answer: dict[str, Any] | None, started: float, carrier: int | None
    ) -> list[_Item]:
        if answer is None:
            status, headers, content = None, {}, None
        else:
            status = int(answer.get("httpStatusCode") or 0) or None
            headers = {str(k): str(v) for k, v in (answer.get("headers") or {}).items()}
            content = answer.get("content")
        self.pacer.observe(it.url, status, headers)
        f = self._start(it)
        token = current.set(f.context())
        try:
            self.recorder.record(
                method="GET",
                url=it.url,
                request_body=None,
                status=status,
                headers=headers,
                body=None if content is None else json.dumps(content).encode(),
                started=started,
                error=None if status else _no_status(answer),
                batch_id=carrier,
            )
        finally:
            current.reset(token)
        if status is None or status in RETRYABLE:
            throttled = status in THROTTLED
            wait = self._retry_after(headers, it.attempt + 1)
            within = self.fetcher.guard.clock() + wait <= self.fetcher.deadline_of(f.fid)
            if within and (throttled or it.attempt < self.retry_total):
                it.attempt += 0 if throttled else 1
                it.not_before = self.fetcher.guard.clock() + wait
                return [it]
            msg = _message(status, content)
            self._failed(
                it,
                f.fail(
                    st.FAILED, f"page {it.page}: {msg}" if it.page > 1 else msg, http_status=status
                ),
            )
            return []
        try:
            body = f.check(status, content)  # as a single GET: classified, truncation failed
            if not it.job.paged:
                f.ok(status)
                return self._follow(it.job, body)
            value, next_link = f.page_items(body)
        except FetchFailed as e:
            self._failed(it, e)
            return []
        except _Restart:  # the page token expired: list again
            return [_Item(it.job, self._url(it.job), restarts=it.restarts + 1)]
        it.values.extend(value)
        if next_link:
            return [_Item(it.job, str(next_link), f, it.page + 1, 0, it.restarts, it.values)]
        f.ok(200)
        return self._follow(it.job, it.values)

    def _failed(self, it: _Item, e: FetchFailed) -> None:
        self.note(f"{it.job.call} {it.job.target}: {e}")

    def _follow(self, job: Job, data: Any) -> list[_Item]:
        if job.then is None:
            return []
        return [_Item(j, self._url(j)) for j in job.then(data)]

    def _retry_after(self, headers: dict[str, str], attempt: int) -> float:
        for k, v in headers.items():
            if k.lower() == "retry-after":
                try:
                    return min(max(float(v), 0.0), 60.0)
                except ValueError:
                    break
        return min(self.retry_backoff * (2 ** (attempt - 1)), 60.0)


def _by_turns(batches: list[list[_Item]]) -> list[list[_Item]]:
    """``batches`` reordered to take turns between the read buckets they draw from (the
    subscription of their first item): listed in id order, a subscription's batches come
    together, and the workers would all wait on one bucket while the others stay full."""
    turns: dict[str, deque[list[_Item]]] = {}
    for b in batches:
        turns.setdefault(bucket_of(b[0].url), deque()).append(b)
    out: list[list[_Item]] = []
    while turns:
        for key in list(turns):
            out.append(turns[key].popleft())
            if not turns[key]:
                del turns[key]
    return out


def _no_status(answer: dict[str, Any] | None) -> str:
    if answer is None:
        return "batch item: no answer for this item"
    return f"batch item: no HTTP status ({answer.get('httpStatusCode')!r})"


def _message(status: int | None, content: Any) -> str:
    if status is None and not (isinstance(content, dict) and "error" in content):
        return "no answer"
    return st.error_message(status, content)
