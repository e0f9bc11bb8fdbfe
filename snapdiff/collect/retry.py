"""Retries for both SDKs: transport errors a few times, throttling for as long as the budget.

azure-core's ``RetryPolicy`` stops a 429/503 run after ``retry_status`` attempts (3 unless set),
whatever ``retry_total`` says. ``BudgetRetryPolicy`` instead honours Retry-After on 429 and 503
until the fetch's time budget (``FetchContext.deadline``) would be passed, and counts other
retries as azure-core does. ``RetryingTransport`` gives msgraph-sdk (httpx) the same rules:
kiota's own retry handler never retries a dropped connection or a failed read.
"""

from __future__ import annotations

import random
from typing import Any

import httpx
from azure.core.pipeline.policies import RetryPolicy

from .capture import current
from .guard import RunGuard

THROTTLED = frozenset([429, 503])
TRANSPORT_RETRIES = 3  # a refused or dropped connection: azure-core's default
RETRY_STATUS = frozenset([408, 429, 500, 502, 503, 504])


def _deadline(guard: RunGuard) -> float:
    ctx = current.get()
    return ctx.deadline if ctx is not None and ctx.deadline is not None else guard.deadline()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds only; Azure sends no dates)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.split(",")[0].strip()))
    except ValueError:
        return None


class BudgetRetryPolicy(RetryPolicy):
    """azure-core retry policy bounded by a per-fetch time budget and the run's guard."""

    def __init__(self, guard: RunGuard, *, retries: int, backoff: float):
        super().__init__(
            retry_total=retries,
            retry_connect=min(retries, TRANSPORT_RETRIES),
            retry_read=min(retries, TRANSPORT_RETRIES),
            retry_status=retries,
            retry_backoff_factor=backoff,
            retry_backoff_max=30,
        )
        self.guard = guard

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings = super().configure_retries(options)
        settings["throttled"] = 0
        settings["deadline"] = _deadline(self.guard)
        return settings

    def increment(
        self, settings: dict[str, Any], response: Any = None, error: Exception | None = None
    ) -> bool:
        resp = getattr(response, "http_response", None)
        settings["retry_after"] = None
        if error is None and resp is not None:
            settings["retry_after"] = parse_retry_after(resp.headers.get("Retry-After"))
            if resp.status_code in THROTTLED:
                settings["throttled"] += 1  # not counted against retry_total / retry_status
        return super().increment(settings, response=response, error=error)

    def is_exhausted(self, settings: dict[str, Any]) -> bool:
        if self.guard.stopped:
            return True
        wait = settings.get("retry_after")  # what ``sleep`` will wait before the next attempt
        if not wait:
            wait = self.get_backoff_time(settings)
        if self.guard.clock() + wait > settings["deadline"]:
            return True
        t = settings["throttled"]
        counts = (
            settings["total"] + t,
            settings["connect"],
            settings["read"],
            settings["status"] + t,
        )
        return min(counts) < 0

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        wait = self.get_retry_after(response) if response is not None else None
        if not wait:
            wait = self.get_backoff_time(settings)
        self.guard.wait(wait or 0.0)


class RetryingTransport(httpx.AsyncBaseTransport):
    """httpx transport for Graph: retries transport errors and 429/5xx like the ARM policy.

    Wraps the capturing transport, so every attempt is still stored.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, guard: RunGuard, *, retries: int, backoff: float
    ):
        self.inner = inner
        self.guard = guard
        self.retries = retries
        self.backoff = backoff

    def _backoff(self, failures: int) -> float:
        if failures <= 1:
            return 0.0
        return min(30.0, self.backoff * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        deadline = _deadline(self.guard)
        errors = 0  # transport errors (at most TRANSPORT_RETRIES retries)
        failures = 0  # those and non-throttling 5xx (at most ``retries`` retries)
        while True:
            try:
                resp = await self.inner.handle_async_request(request)
            except httpx.TransportError:
                errors += 1
                failures += 1
                wait = self._backoff(failures)
                if errors > TRANSPORT_RETRIES or self._give_up(failures, wait, deadline):
                    raise
                await self.guard.async_wait(wait)
                continue
            if resp.status_code not in RETRY_STATUS:
                return resp
            if resp.status_code in THROTTLED:
                after = parse_retry_after(resp.headers.get("Retry-After"))
                wait = self._backoff(failures + 2) if after is None else after
                if self._give_up(0, wait, deadline):
                    return resp
            else:
                failures += 1
                wait = self._backoff(failures)
                if self._give_up(failures, wait, deadline):
                    return resp
            await resp.aclose()
            await self.guard.async_wait(wait)

    def _give_up(self, failures: int, wait: float, deadline: float) -> bool:
        return self.guard.stopped or failures > self.retries or self.guard.clock() + wait > deadline

    async def aclose(self) -> None:
        await self.inner.aclose()
