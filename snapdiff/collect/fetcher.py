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
from collections.abc import Iterator
from contextlib import contextmanager
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


class Fetch:
    """One fetch in progress: its row, its page count, and the one place that classifies an
    answer, finishes the row and makes the ``FetchFailed`` to raise."""

    def __init__(self, fetcher: Fetcher, call: str, target: str, fid: int):
        self.fetcher = fetcher
        self.call = call
        self.target = target
        self.fid = fid
        self.source = source_of(call)
        self.page = 0  # the page being fetched (1-based); 0 before the first request
        self.listing = False  # a paged listing: messages name the page
        self.may_restart = False  # an expired page token may restart the listing
        self.done = False
        self.guard = fetcher.pages_guard()

    def next_page(self) -> FetchContext:
        """The next page's request context (for ``capture.current``)."""
        self.page += 1
        return self.context()

    def context(self, page: int | None = None) -> FetchContext:
        return self.fetcher.context(self.source, self.fid, page or max(self.page, 1))

    def finish(
        self,
        status: str,
        *,
        http_status: int | None = None,
        pages: int | None = None,
        error: str | None = None,
    ) -> None:
        """Store the outcome once; ``pages`` defaults to the pages received."""
        if self.done:
            return
        self.done = True
        if pages is None:
            pages = self.page if status == st.OK else max(self.page - 1, 0)
        self.fetcher._tally(
            self.source, self.fid, status, http_status=http_status, pages=pages, error=error
        )

    def ok(self, http_status: int = 200) -> None:
        self.finish(st.OK, http_status=http_status)

    def fail(
        self, status: str, msg: str, *, http_status: int | None = None, pages: int | None = None
    ) -> FetchFailed:
        """Finish as ``status`` and return the exception to raise."""
        self.finish(status, http_status=http_status, pages=pages, error=msg)
        return FetchFailed(status, http_status, msg)

    def check(self, http_status: int | None, body: Any) -> dict[str, Any]:
        """The page's body when the answer is a 2xx JSON object; otherwise finish the fetch
        (classified on page 1, ``failed`` later: half a listing is a failed listing, and a
        truncated 2xx body is never data) and raise ``FetchFailed``. An expired page token on
        a later page restarts the listing when ``may_restart``."""
        ok = http_status is not None and 200 <= http_status < 300
        if ok and isinstance(body, dict):
            return body
        status: str
        if ok:
            msg = "response is not a JSON object (invalid or truncated body)"
            status = st.FAILED
        else:
            msg = st.error_message(http_status, body)
            expired = http_status in (400, 404, 410) and _EXPIRED.search(msg)
            if self.page > 1 and expired and self.may_restart:
                self.finish(st.SUPERSEDED, error=msg)
                raise _Restart()
            status = classify(http_status, self.call, body) if self.page <= 1 else st.FAILED
        if self.page > 1:
            msg = f"page {self.page}: {msg}"
        raise self.fail(status, msg, http_status=http_status)

    def refused(self, e: HttpResponseError) -> FetchFailed | _Restart:
        """What an SDK's ``HttpResponseError`` on this page means (Resource Graph)."""
        code = getattr(getattr(e, "error", None), "code", None)
        first = e.message.splitlines()[0] if e.message else ""
        msg = f"page {self.page}: HTTP {e.status_code} {e.reason or ''}: {first}"
        expired = e.status_code in (400, 404, 410) and _EXPIRED.search(str(e))
        if self.page > 1 and expired and self.may_restart:  # the skip token expired
            self.finish(st.SUPERSEDED, error=msg)
            return _Restart()
        status = st.fetch_outcome(self.call, e.status_code, code) if self.page == 1 else "failed"
        return self.fail(status, msg, http_status=e.status_code)

    def page_items(self, body: dict[str, Any]) -> tuple[list[Any], str | None]:
        """A listing page's items and next link, checked: a next link seen before, too many
        pages or an id already listed end the fetch ``failed``."""
        value = body.get("value") or []
        next_link = body.get("nextLink") or body.get("@odata.nextLink")
        try:
            if not isinstance(value, list):
                raise PagingError(f"page {self.page}: 'value' is not a list")
            self.guard.items(self.page, value)
            self.guard.next(self.page, next_link)
        except PagingError as e:
            raise self.fail(st.FAILED, str(e), http_status=200, pages=self.page) from None
        return value, next_link


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
    def begin(self, call: str, target: str) -> Fetch:
        """A new fetch (its row is ``running``); raises ``CollectionStopped`` once the run has
        been stopped. Finish it through the handle, or use ``fetch``."""
        self.guard.check()
        fid = self.store.start_fetch(self.snapshot_id, source_of(call), call, target)
        if call in self.optional_calls:
            self._optional.add(fid)
        with self._lock:
            self._deadlines[fid] = self.guard.deadline()
        return Fetch(self, call, target, fid)

    @contextmanager
    def fetch(self, call: str, target: str, *, handle: Fetch | None = None) -> Iterator[Fetch]:
        """``with fetcher.fetch(call, target) as f:`` the one way to make a fetch. Inside, send
        each page with ``f.next_page()`` as its context and pass each answer through
        ``f.check`` (and a listing's through ``f.page_items``). The block ending normally
        finishes the fetch ``ok``; a transport error after retries finishes it ``failed``;
        either way a failure leaves as ``FetchFailed``. A stop or a full disk passes through
        (the run records what it cut off). ``handle``: a fetch begun earlier (a batch's)."""
        f = handle if handle is not None else self.begin(call, target)
        try:
            yield f
        except (FetchFailed, _Restart):
            raise
        except FATAL:
            raise
        except FETCH_ERRORS as e:  # transport errors after retries, a host that is down
            msg = describe(e) if f.page <= 1 and not f.listing else f"page {f.page}: {describe(e)}"
            raise f.fail(st.FAILED, msg, pages=max(f.page - 1, 0)) from None
        if not f.done:
            f.ok()

    def absent(self, call: str, target: str, why: str) -> None:
        """Record a fetch that was not made because the service does not exist for the target."""
        self.begin(call, target).finish(st.NOT_APPLICABLE, error=why)

    def deadline_of(self, fid: int | None) -> float:
        """The end of fetch ``fid``'s retry budget (a new budget for an unknown fetch)."""
        with self._lock:
            found = self._deadlines.get(fid) if fid is not None else None
        return found if found is not None else self.guard.deadline()

    def context(self, source: str, fid: int, page: int) -> FetchContext:
        """What the capture and retry layers need to know about a request of fetch ``fid``."""
        return FetchContext(fid, source, page, self._deadlines.get(fid))

    def _tally(
        self,
        source: str,
        fid: int,
        status: str,
        *,
        http_status: int | None = None,
        pages: int = 0,
        error: str | None = None,
    ) -> None:
        """Store a fetch's outcome and count it (only ``Fetch.finish`` calls this)."""
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
        client = self.vault if vault else self.arm
        with self.fetch(call, target) as f:
            resp = self._send(client, url, params, f.next_page())
            return f.check(resp.status_code, _json(resp))

    def list(
        self,
        call: str,
        target: str,
        url: str,
        params: dict[str, str] | None = None,
        *,
        vault: bool = False,
    ) -> builtins.list[Any]:
        """A listing with every ``nextLink`` page; restarts when a page token expires."""
        client = self.vault if vault else self.arm
        for attempt in range(MAX_RESTARTS + 1):
            try:
                with self.fetch(call, target) as f:
                    f.listing, f.may_restart = True, attempt < MAX_RESTARTS
                    items: builtins.list[Any] = []
                    next_url: str | None = url
                    next_params = params
                    while next_url:
                        resp = self._send(client, next_url, next_params, f.next_page())
                        value, next_url = f.page_items(f.check(resp.status_code, _json(resp)))
                        items.extend(value)
                        next_params = None  # nextLink already carries the query
                    return items
            except _Restart:
                continue
        raise AssertionError("unreachable")

    def arg(
        self, call: str, target: str, subscriptions: builtins.list[str], query: str
    ) -> builtins.list[dict[str, Any]]:
        """A Resource Graph query, every ``$skipToken`` page, 1,000 rows a page. The rows
        received must add up to the ``totalRecords`` Resource Graph announced; an expired
        skip token restarts the query (at most ``MAX_RESTARTS`` times)."""
        for attempt in range(MAX_RESTARTS + 1):
            try:
                with self.fetch(call, target) as f:
                    f.listing, f.may_restart = True, attempt < MAX_RESTARTS
                    return self._arg_pages(f, subscriptions, query)
            except _Restart:
                continue
        raise AssertionError("unreachable")

    def _arg_pages(
        self, f: Fetch, subscriptions: builtins.list[str], query: str
    ) -> builtins.list[dict[str, Any]]:
        rows: builtins.list[dict[str, Any]] = []
        skip: str | None = None
        total: int | None = None
        while True:
            req = QueryRequest(
                subscriptions=subscriptions,
                query=query,
                options=QueryRequestOptions(
                    skip_token=skip, top=self.arg_page_size, result_format="objectArray"
                ),
            )
            token = current.set(f.next_page())
            try:
                # Resource Graph queries are read-only POSTs: let them retry like GETs.
                resp = self.rg.resources(req, retry_on_methods=_RETRY_METHODS)
            except HttpResponseError as e:
                raise f.refused(e) from None
            finally:
                current.reset(token)
            data = resp.data or []
            skip = resp.skip_token
            try:
                if not isinstance(data, builtins.list):
                    raise PagingError(f"page {f.page}: 'data' is not a list of rows")
                if total is None:
                    total = resp.total_records
                elif resp.total_records is not None and resp.total_records != total:
                    raise PagingError(
                        f"page {f.page}: totalRecords changed from {total} to {resp.total_records}"
                    )
                f.guard.items(f.page, data)
                f.guard.next(f.page, skip)
                rows.extend(data)
                if not skip and total is not None and len(rows) != total:
                    raise PagingError(
                        f"{len(rows)} rows received, Resource Graph announced {total}"
                        " (totalRecords): a page was lost or repeated"
                    )
            except PagingError as e:
                raise f.fail(st.FAILED, str(e), http_status=200, pages=f.page) from None
            if not skip:
                return rows

    # -- tallies ---------------------------------------------------------------------------
    def source_status(self, source: str, **kw: Any) -> str:
        return st.source_status(self.outcomes.get(source, Counter()), **kw)


def _json(resp: Any) -> Any:
    try:
        return json.loads(resp.text() if callable(getattr(resp, "text", None)) else resp.text)
    except (ValueError, TypeError):
        return None
