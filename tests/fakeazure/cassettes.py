"""Record the collector against the fake tenant into vcrpy cassettes, and replay them offline.

Replay runs the real collector through the real SDK clients (azure-core over requests,
msgraph-sdk over httpx); vcrpy answers every request from the cassette and refuses anything
that was not recorded, so a replay never reaches the network. Cassettes pass through the same
redaction as the store before they are written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import vcr
import vcr.matchers

from snapdiff.collect import CollectOptions, collect
from snapdiff.collect.clouds import resolve_cloud
from snapdiff.collect.collector import CollectResult
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.scope import Scope
from snapdiff.redact import redact_body, redact_url
from snapdiff.store import Store

from .server import serve
from .tenant import Tenant

RECORD_PORT = 18080
RECORD_BASE = f"http://127.0.0.1:{RECORD_PORT}"
# A fixed interval so that App Insights URLs match between recording and replay.
FIXED_INTERVAL = "2026-08-22T08:00:00/2026-11-20T08:00:00"


def fake_options(base: str, **options: Any) -> CollectOptions:
    """Options for collecting from the fake Azure at ``base`` (ARM and Graph both there): the
    fixed App Insights interval, pages of 50, retries without waiting."""
    return CollectOptions(
        cloud=resolve_cloud("custom", arm=base, graph=base),
        scope=Scope([], [], FIXED_INTERVAL),
        arg_page_size=50,
        retry_backoff=0.01,
        **options,
    )


def _scrub_request(request: Any) -> Any:
    request.uri = redact_url(request.uri)
    if request.body:
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        request.body, _ = redact_body(body)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if body:
        raw = body if isinstance(body, bytes) else body.encode()
        new, found = redact_body(raw)
        if found:
            response["body"]["string"] = new
    response["headers"] = {
        k: v for k, v in response.get("headers", {}).items() if k.lower() not in ("set-cookie",)
    }
    return response


@dataclass
class ReplayClock:
    """The collector's injected time for replays: ``pause`` waits for nothing but moves
    ``time`` on and remembers each wait (Retry-After, backoff, Resource Graph quota), so that
    budgets still add up and tests can check the waits."""

    waits: list[float] = field(default_factory=list)
    start: float = field(default_factory=time.monotonic)

    def time(self) -> float:
        return self.start + sum(self.waits)

    def pause(self, seconds: float) -> None:
        self.waits.append(seconds)

    def options(self) -> dict[str, Any]:
        """The ``CollectOptions`` that make a collection use this clock."""
        return {"clock": self.time, "pause": self.pause}


# vcrpy's own matchers, most telling first: a replay compares each request with every recorded
# one, and vcrpy evaluates every matcher of the list for each pair.
_MATCHERS = (
    vcr.matchers.path,
    vcr.matchers.query,
    vcr.matchers.method,
    vcr.matchers.host,
    vcr.matchers.port,
    vcr.matchers.scheme,
    vcr.matchers.body,
)


def same_request(r1: Any, r2: Any) -> None:
    """All of method, scheme, host, port, path, query and body match; stops at the first that
    differs (raising its AssertionError), so a replay costs one path comparison per pair."""
    for matcher in _MATCHERS:
        matcher(r1, r2)


def make_vcr(record: bool) -> vcr.VCR:
    v = vcr.VCR(
        record_mode="all" if record else "none",
        match_on=("same_request",),
        filter_headers=["authorization", "x-ms-client-request-id", "client-request-id", "cookie"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
        serializer="json",
    )
    v.register_matcher("same_request", same_request)
    return v


def run_cassette(
    store: Store,
    cassette: Path,
    *,
    tenant: Callable[[], Tenant] | None = None,
    label: str | None = None,
    scope: Scope | None = None,
    **options: Any,
) -> CollectResult:
    """Collect into ``store`` through ``cassette``: recording against ``tenant()`` on loopback
    when a tenant factory is given, replaying offline otherwise."""
    record = tenant is not None
    if not record and not cassette.exists():
        raise FileNotFoundError(f"no cassette {cassette}")
    cassette.parent.mkdir(parents=True, exist_ok=True)
    if record and cassette.exists():
        cassette.unlink()
    opts = CollectOptions(
        cloud=resolve_cloud("custom", arm=RECORD_BASE, graph=RECORD_BASE),
        scope=scope or Scope(app_insights_interval=FIXED_INTERVAL),
        label=label,
        # vcrpy's cassette is not thread-safe: record and replay one request at a time.
        # A replay never sleeps: the recorded answers are already there.
        **{
            "retry_backoff": 0.05,
            "concurrency": 1,
            **({} if record else ReplayClock().options()),
            **options,
        },
    )
    with make_vcr(record).use_cassette(str(cassette)):
        if record:
            assert tenant is not None
            with serve(tenant(), port=RECORD_PORT):
                result = collect(store, StaticTokenCredential(), opts)
        else:
            result = collect(store, StaticTokenCredential(), opts)
    if record:
        _tidy(cassette)
    return result


def _tidy(cassette: Path) -> None:
    """Sort keys so re-recording an unchanged tenant gives a small git diff."""
    data = json.loads(cassette.read_text())
    cassette.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
