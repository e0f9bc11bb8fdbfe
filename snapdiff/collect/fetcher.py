"""Logical fetches (a GET, a paged listing, a Resource Graph query) over the SDK pipelines.

Every fetch gets a row in ``fetches`` with its outcome, so a failure is stored as a failure and
never as an empty list. Pages are numbered on the exchanges that carried them.
"""

from __future__ import annotations

import builtins
import json
import logging
import re
import sqlite3
import threading
from collections import Counter, defaultdict
from typing import Any

import httpx
from azure.core.exceptions import AzureError, HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from .. import status as st
from ..errors import StoreError
from ..naming.calls import source_of
from ..store import Store
from .capture import FetchContext, current, host_of
from .guard import CollectionStopped, HostDown, RunGuard, describe
from .paging import MAX_PAGES, PageGuard, PagingError

_EXPIRED = re.compile(r"expired|invalidskiptoken|skiptoken.*(invalid|expired)", re.I)
MAX_RESTARTS = 2
log = logging.getLogger(__name__)
# Not a fetch outcome: a store that cannot be written stops the run (the CLI says so).
STORE_FAILURES = (sqlite3.Error, StoreError)
_RETRY_METHODS = frozenset(["HEAD", "GET", "OPTIONS", "POST"])
# Not a failed fetch but the end of the run: a full disk, a stop. They pass through.
FATAL = (*STORE_FAILURES, CollectionStopped)
# How a fetch can fail below us: the SDKs' errors (azure-core wraps requests' transport errors
# in AzureError), httpx's transport errors (Graph), the OS, a host that stopped answering.
# Anything else is a bug of ours: it stops the run and is never stored as an Azure answer.
FETCH_ERRORS = (AzureError, httpx.TransportError, OSError, HostDown)


class _Restart(Exception):
    """A listing's page token expired: start it again."""


class FetchFailed(Exception):
    """A fetch ended without data; ``status`` is an outcome of ``snapdiff.status``."""

    def __init__(self, status: str, http_status: int | None, message: str):
        super().__init__(message)
        self.status = status
        self.http_status = http_status


def classify(http_status: int | None, call: str = "", body: Any = None) -> str:
    """The outcome of an error answer (see ``snapdiff.status.fetch_outcome``)."""
    return st.fetch_outcome(call, http_status, st.error_code(body))


class Fetcher:
    """Runs fetches for one snapshot and keeps per-source tallies."""

    def __init__(
        self,
        store: Store,
        snapshot_id: int,
        *,
        rg: Any,
        arm: Any,
        vault: Any,
        guard: RunGuard | None = None,
    ):
        self.store = store
        self.guard = guard or RunGuard()
        self._deadlines: dict[int, float] = {}
        self.snapshot_id = snapshot_id
        self.rg = rg
        self.arm = arm
        self.vault = vault
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        self.pages: dict[str, int] = defaultdict(int)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self.arg_page_size = 1000
        self.optional_calls: frozenset[str] = frozenset()  # their 403 does not taint the source
        self._optional: set[int] = set()
        self.max_pages = MAX_PAGES

    def pages_guard(self) -> PageGuard:
        """The checks for one listing (a loop, too many pages, an id listed twice)."""
        return PageGuard(self.max_pages)

    # -- bookkeeping ---------------------------------------------------------------------
    def _start(self, call: str, target: str) -> tuple[str, int]:
        """A new fetch row; raises ``CollectionStopped`` once the run has been stopped."""
        self.guard.check()
        source = source_of(call)
        fid = self.store.start_fetch(self.snapshot_id, source, call, target)
        if call in self.optional_calls:
            self._optional.add(fid)
        with self._lock:
            self._deadlines[fid] = self.guard.deadline()
        return source, fid

    def absent(self, call: str, target: str, why: str) -> None:
        """Record a fetch that was not made because the service does not exist for the target."""
        source, fid = self._start(call, target)
        self._finish(source, fid, st.NOT_APPLICABLE, error=why)

    def deadline_of(self, fid: int | None) -> float:
        """The end of fetch ``fid``'s retry budget (a new budget for an unknown fetch)."""
        with self._lock:
            found = self._deadlines.get(fid) if fid is not None else None
        return found if found is not None else self.guard.deadline()

    def context(self, source: str, fid: int, page: int) -> FetchContext:
        """What the capture and retry layers need to know about a request of fetch ``fid``."""
        return FetchContext(fid, source, page, self._deadlines.get(fid))

    def _finish(
        self,
        source: str,
        fid: int,
        status: str,
        *,
        http_status: int | None = None,
        pages: int = 0,
        error: str | None = None,
    ) -> None:
        self.store.finish_fetch(fid, status, http_status=http_status, pages=pages, error=error)
        if status not in ("ok", "superseded"):
            log.info("%s fetch %d %s: %s", source, fid, status, error or http_status)
        with self._lock:
            self._deadlines.pop(fid, None)
            if status == "forbidden" and fid in self._optional:
                self.outcomes[source]["optional_forbidden"] += 1
                return
            if status != "superseded":
                self.outcomes[source][status] += 1
            self.pages[source] += pages
            if error and status in (st.FAILED, st.FORBIDDEN):
                self.errors[source].append(error)

    def _send(self, client: Any, url: str, params: dict[str, str] | None, ctx: FetchContext) -> Any:
        token = current.set(ctx)
        try:
            if not url.startswith(("http://", "https://")):
                url = client.format_url(url)
            self.guard.check_host(host_of(url))  # a host that stopped answering: fail at once
            return client.send_request(HttpRequest("GET", url, params=params or {}))
        finally:
            current.reset(token)

    # -- fetch kinds -------------------------------------------------------------------------
    def get(
        self,
        call: str,
        target: str,
        url: str,
        params: dict[str, str] | None = None,
        *,
        vault: bool = False,
    ) -> Any:
        """One GET; returns the parsed body or raises FetchFailed."""
        source, fid = self._start(call, target)
        client = self.vault if vault else self.arm
        try:
            resp = self._send(client, url, params, self.context(source, fid, 1))
        except FATAL:
            raise
        except FETCH_ERRORS as e:  # transport errors after retries
            self._finish(source, fid, "failed", error=describe(e))
            raise FetchFailed("failed", None, describe(e)) from None
        body = _json(resp)
        if 200 <= resp.status_code < 300 and not isinstance(body, dict):
            msg = "response is not a JSON object (invalid or truncated body)"
            self._finish(source, fid, st.FAILED, http_status=resp.status_code, error=msg)
            raise FetchFailed(st.FAILED, resp.status_code, msg)
        if 200 <= resp.status_code < 300:
            self._finish(source, fid, "ok", http_status=resp.status_code, pages=1)
            return body
        status = classify(resp.status_code, call, body)
        msg = st.error_message(resp.status_code, body)
        self._finish(source, fid, status, http_status=resp.status_code, error=msg)
        raise FetchFailed(status, resp.status_code, msg)

    def list(
        self,
        call: str,
        target: str,
        url: str,
        params: dict[str, str] | None = None,
        *,
        vault: bool = False,
    ) -> list[Any]:
        """A listing with every ``nextLink`` page; restarts when a page token expires."""
        client = self.vault if vault else self.arm
        for attempt in range(MAX_RESTARTS + 1):
            source, fid = self._start(call, target)
            items: list[Any] = []
            next_url: str | None = url
            next_params = params
            page = 0
            restart = False
            guard = self.pages_guard()
            while next_url:
                page += 1
                try:
                    resp = self._send(
                        client, next_url, next_params, self.context(source, fid, page)
                    )
                except FATAL:
                    raise
                except FETCH_ERRORS as e:  # transport errors after retries
                    msg = f"page {page}: {describe(e)}"
                    self._finish(source, fid, "failed", pages=page - 1, error=msg)
                    raise FetchFailed("failed", None, msg) from None
                body = _json(resp)
                if not 200 <= resp.status_code < 300:
                    msg = st.error_message(resp.status_code, body)
                    expired = (
                        page > 1 and resp.status_code in (400, 404, 410) and _EXPIRED.search(msg)
                    )
                    if expired and attempt < MAX_RESTARTS:
                        self._finish(source, fid, "superseded", pages=page - 1, error=msg)
                        restart = True
                        break
                    status = classify(resp.status_code, call, body)
                    if page > 1:
                        status = "failed"  # half a listing is a failed listing
                        msg = f"page {page}: {msg}"
                    self._finish(
                        source, fid, status, http_status=resp.status_code, pages=page - 1, error=msg
                    )
                    raise FetchFailed(status, resp.status_code, msg)
                if not isinstance(body, dict):
                    msg = f"page {page}: response is not a JSON object"
                    self._finish(
                        source, fid, "failed", http_status=resp.status_code, pages=page, error=msg
                    )
                    raise FetchFailed("failed", resp.status_code, msg)
                value = body.get("value") or []
                next_url = body.get("nextLink") or body.get("@odata.nextLink")
                try:
                    if not isinstance(value, builtins.list):
                        raise PagingError(f"page {page}: 'value' is not a list")
                    guard.items(page, value)
                    guard.next(page, next_url)
                except PagingError as e:
                    self._finish(
                        source,
                        fid,
                        st.FAILED,
                        http_status=resp.status_code,
                        pages=page,
                        error=str(e),
                    )
                    raise FetchFailed(st.FAILED, resp.status_code, str(e)) from None
                items.extend(value)
                next_params = None  # nextLink already carries the query
            if restart:
                continue
            self._finish(source, fid, "ok", http_status=200, pages=page)
            return items
        raise AssertionError("unreachable")

    def arg(
        self, call: str, target: str, subscriptions: builtins.list[str], query: str
    ) -> builtins.list[dict[str, Any]]:
        """A Resource Graph query, every ``$skipToken`` page, 1,000 rows a page. The rows
        received must add up to the ``totalRecords`` Resource Graph announced; an expired
        skip token restarts the query (at most ``MAX_RESTARTS`` times)."""
        for attempt in range(MAX_RESTARTS + 1):
            try:
                return self._arg_once(call, target, subscriptions, query, attempt < MAX_RESTARTS)
            except _Restart:
                continue
        raise AssertionError("unreachable")

    def _arg_once(
        self,
        call: str,
        target: str,
        subscriptions: builtins.list[str],
        query: str,
        may_restart: bool,
    ) -> builtins.list[dict[str, Any]]:
        source, fid = self._start(call, target)
        rows: list[dict[str, Any]] = []
        skip: str | None = None
        page = 0
        total: int | None = None
        guard = self.pages_guard()
        while True:
            page += 1
            req = QueryRequest(
                subscriptions=subscriptions,
                query=query,
                options=QueryRequestOptions(
                    skip_token=skip, top=self.arg_page_size, result_format="objectArray"
                ),
            )
            token = current.set(self.context(source, fid, page))
            try:
                # Resource Graph queries are read-only POSTs: let them retry like GETs.
                resp = self.rg.resources(req, retry_on_methods=_RETRY_METHODS)
            except HttpResponseError as e:
                code = getattr(getattr(e, "error", None), "code", None)
                first = e.message.splitlines()[0] if e.message else ""
                msg = f"page {page}: HTTP {e.status_code} {e.reason or ''}: {first}"
                expired = e.status_code in (400, 404, 410) and _EXPIRED.search(str(e))
                if page > 1 and expired and may_restart:  # the skip token expired: run again
                    self._finish(source, fid, st.SUPERSEDED, pages=page - 1, error=msg)
                    raise _Restart() from None
                status = st.fetch_outcome(call, e.status_code, code) if page == 1 else "failed"
                self._finish(
                    source, fid, status, http_status=e.status_code, pages=page - 1, error=msg
                )
                raise FetchFailed(status, e.status_code, msg) from None
            except FATAL:
                raise
            except FETCH_ERRORS as e:  # transport errors after retries
                msg = f"page {page}: {describe(e)}"
                self._finish(source, fid, "failed", pages=page - 1, error=msg)
                raise FetchFailed("failed", None, msg) from None
            finally:
                current.reset(token)
            data = resp.data or []
            skip = resp.skip_token
            try:
                if not isinstance(data, builtins.list):
                    raise PagingError(f"page {page}: 'data' is not a list of rows")
                if total is None:
                    total = resp.total_records
                elif resp.total_records is not None and resp.total_records != total:
                    raise PagingError(
                        f"page {page}: totalRecords changed from {total} to {resp.total_records}"
                    )
                guard.items(page, data)
                guard.next(page, skip)
                rows.extend(data)
                if not skip and total is not None and len(rows) != total:
                    raise PagingError(
                        f"{len(rows)} rows received, Resource Graph announced {total}"
                        " (totalRecords): a page was lost or repeated"
                    )
            except PagingError as e:
                self._finish(source, fid, st.FAILED, http_status=200, pages=page, error=str(e))
                raise FetchFailed(st.FAILED, 200, str(e)) from None
            if not skip:
                break
        self._finish(source, fid, "ok", http_status=200, pages=page)
        return rows

    # -- tallies ---------------------------------------------------------------------------
    def source_status(self, source: str, **kw: Any) -> str:
        return st.source_status(self.outcomes.get(source, Counter()), **kw)


def _json(resp: Any) -> Any:
    try:
        return json.loads(resp.text() if callable(getattr(resp, "text", None)) else resp.text)
    except (ValueError, TypeError):
        return None
