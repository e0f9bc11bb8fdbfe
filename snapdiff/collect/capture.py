"""Capture every HTTP attempt (retries and errors included) into the store, redacted.

azure-core clients get ``CapturePolicy`` as a per-retry policy, which sits outside the auth
policy and so never sees the Authorization header. msgraph-sdk (httpx) gets
``CapturingTransport`` as its innermost transport, because kiota's retry handler runs inside
the httpx client and an event hook would miss the retried attempts.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

from ..errors import DiskFull
from ..redact import keep_headers, redact_body, redact_url
from ..store import Store, utcnow
from .guard import RunGuard, describe


@dataclass
class FetchContext:
    """What the current request belongs to; set by the fetcher around each page."""

    fetch_id: int | None
    source: str
    page: int | None = None
    deadline: float | None = None  # end of the fetch's retry budget (guard clock)
    # A batch carrier: its answer is stored split into one exchange per inner response.
    split_body: bool = False


current: contextvars.ContextVar[FetchContext | None] = contextvars.ContextVar(
    "snapdiff_fetch", default=None
)


class Recorder:
    """Writes exchanges for one snapshot and counts requests per source."""

    def __init__(self, store: Store, snapshot_id: int, guard: RunGuard | None = None):
        self.store = store
        self.snapshot_id = snapshot_id
        self.guard = guard or RunGuard()
        self.requests: dict[str, int] = defaultdict(int)
        self.error_responses: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def record(
        self,
        *,
        method: str,
        url: str,
        request_body: bytes | str | None,
        status: int | None,
        headers: dict[str, str],
        body: bytes | None,
        started: float,
        error: str | None = None,
        batch_id: int | None = None,
    ) -> int:
        """Store one exchange and return its id. ``batch_id`` marks an inner response of a
        batch (stored, but not a request on the wire)."""
        ctx = current.get() or FetchContext(None, "unattributed")
        if isinstance(request_body, str):
            request_body = request_body.encode()
        req_body, req_red = redact_body(request_body)
        if ctx.split_body and status is not None and 200 <= status < 300:
            body = None
        body, red = redact_body(body)
        with self._lock:
            if batch_id is None:
                self.requests[ctx.source] += 1
            if status is None or status >= 400:
                self.error_responses[ctx.source] += 1
        if batch_id is not None:
            pass  # an inner response: its carrier told the guard already
        elif status is None:
            self.guard.transport_failed(error or "no response", host_of(url))
        else:
            self.guard.answered(host_of(url))
        try:
            return self.store.add_exchange(
                snapshot_id=self.snapshot_id,
                fetch_id=ctx.fetch_id,
                source=ctx.source,
                method=method,
                url=redact_url(url),
                request_body=req_body.decode("utf-8", "replace") if req_body else None,
                status=status,
                headers=keep_headers(headers),
                body=body,
                started_at=datetime.fromtimestamp(started, timezone.utc).isoformat(),
                elapsed_ms=round((time.time() - started) * 1000, 1),
                error=error,
                page=ctx.page if status is not None and 200 <= status < 300 else None,
                redactions=[(f"request{p[1:]}", r) for p, r in req_red] + red,
                batch_id=batch_id,
            )
        except DiskFull as e:  # stop the whole run: every later write would fail too
            self.guard.stop(str(e))
            raise


def host_of(url: str) -> str:
    """``host:port`` of a URL (lower case): the unit that failures are counted by."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()


def _request_body(req: Any) -> bytes | str | None:
    v = getattr(req, "content", None)
    if v is None:
        v = getattr(req, "body", None)
    return v if isinstance(v, (bytes, str)) else None


class CapturePolicy(SansIOHTTPPolicy):
    """azure-core per-retry policy: one exchange row per attempt."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    def on_request(self, request: PipelineRequest) -> None:
        request.context["snapdiff_started"] = time.time()

    def on_response(self, request: PipelineRequest, response: PipelineResponse) -> None:
        req, resp = request.http_request, response.http_response
        err: str | None
        try:
            body = resp.body()
        except AzureError as e:  # a streamed body we must not consume (ResponseNotRead)
            body, err = None, f"body not captured: {e}"
        else:
            err = None
        # The id lets a batch link its inner responses to the exchange that carried them.
        request.context["snapdiff_exchange_id"] = self.recorder.record(
            method=req.method,
            url=req.url,
            request_body=_request_body(req),
            status=resp.status_code,
            headers=dict(resp.headers),
            body=body,
            started=request.context.get("snapdiff_started", time.time()),
            error=err,
        )

    def on_exception(self, request: PipelineRequest) -> None:
        import sys

        exc = sys.exc_info()[1]
        req = request.http_request
        self.recorder.record(
            method=req.method,
            url=req.url,
            request_body=_request_body(req),
            status=None,
            headers={},
            body=None,
            started=request.context.get("snapdiff_started", time.time()),
            error=describe(exc) if exc else "unknown transport error",
        )


class ArgQuotaPolicy(SansIOHTTPPolicy):
    """Resource Graph quota: when ``x-ms-user-quota-remaining`` hits 0, wait for the reset.

    A 429 from Resource Graph may carry only ``x-ms-user-quota-resets-after`` (hh:mm:ss) and no
    Retry-After, so the wait is taken before the next attempt here.
    """

    def __init__(self, sleep: Any = time.sleep, max_wait: float = 60.0):
        self._not_before = 0.0
        self._lock = threading.Lock()
        self.sleep = sleep
        self.max_wait = max_wait
        self.waited = 0.0

    def on_request(self, request: PipelineRequest) -> None:
        if "Microsoft.ResourceGraph" not in request.http_request.url:
            return
        with self._lock:
            delay = self._not_before - time.time()
        if delay > 0:
            self.waited += delay
            self.sleep(delay)

    def on_response(self, request: PipelineRequest, response: PipelineResponse) -> None:
        h = response.http_response.headers
        remaining = h.get("x-ms-user-quota-remaining")
        resets = h.get("x-ms-user-quota-resets-after")
        if resets and (response.http_response.status_code == 429 or remaining == "0"):
            with self._lock:
                self._not_before = max(self._not_before, time.time() + _hms(resets, self.max_wait))


def _hms(value: str, cap: float) -> float:
    try:
        parts = [float(p) for p in value.split(":")]
    except ValueError:
        return 1.0
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return min(max(secs, 0.0), cap)


class CapturingTransport(httpx.AsyncBaseTransport):
    """Innermost httpx transport for msgraph-sdk: sees every attempt, 429s included."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder):
        self.inner = inner
        self.recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.time()
        try:
            resp = await self.inner.handle_async_request(request)
            body = await resp.aread()
        except (httpx.TransportError, OSError) as e:  # no answer: stored, then retried
            self.recorder.record(
                method=request.method,
                url=str(request.url),
                request_body=request.content or None,
                status=None,
                headers={},
                body=None,
                started=started,
                error=describe(e),
            )
            raise
        xid = self.recorder.record(
            method=request.method,
            url=str(request.url),
            request_body=request.content or None,
            status=resp.status_code,
            headers=dict(resp.headers),
            body=body,
            started=started,
        )
        headers = [
            (k, v)
            for k, v in resp.headers.items()
            if k.lower() not in ("content-encoding", "content-length")
        ]
        return httpx.Response(
            resp.status_code,
            headers=headers,
            content=body,
            request=request,
            # The exchange id lets a $batch link its inner responses to their carrier.
            extensions={**resp.extensions, "snapdiff_exchange_id": xid},
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


__all__ = [
    "ArgQuotaPolicy",
    "CapturePolicy",
    "CapturingTransport",
    "FetchContext",
    "Recorder",
    "current",
    "utcnow",
]
