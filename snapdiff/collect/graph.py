"""Microsoft Graph through msgraph-sdk: direct and transitive members of groups, every page.

msgraph-sdk is async-only; the collector drives it from one ``asyncio.Runner`` (a client must
not outlive its event loop).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.groups.item.members.members_request_builder import MembersRequestBuilder
from msgraph.generated.groups.item.transitive_members.transitive_members_request_builder import (
    TransitiveMembersRequestBuilder,
)
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph_core import GraphClientFactory

from ..naming.calls import GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS
from .capture import CapturingTransport, Recorder, current
from .clouds import Cloud
from .fetcher import FATAL, MAX_RESTARTS, Fetcher, FetchFailed, classify
from .guard import RunGuard, describe
from .retry import RetryingTransport

PAGE_SIZE = 999


def make_client(
    credential: Any,
    cloud: Cloud,
    recorder: Recorder,
    guard: RunGuard,
    *,
    retries: int = 6,
    backoff: float = 0.8,
) -> GraphServiceClient:
    """A Graph client whose every attempt is captured and retried by ``RetryingTransport``
    (kiota's retry handler is off: it would retry 429s a fixed 3 times and drops never)."""
    host = urlsplit(cloud.graph).hostname or ""
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[cloud.graph_scope], allowed_hosts=[host]
    )
    lim = guard.limits
    transport = RetryingTransport(
        CapturingTransport(httpx.AsyncHTTPTransport(), recorder),
        guard,
        retries=retries,
        backoff=backoff,
    )
    timeout = httpx.Timeout(lim.read_timeout, connect=lim.connect_timeout)
    http = httpx.AsyncClient(transport=transport, timeout=timeout)
    no_retry = RetryHandlerOption(delay=0, max_retries=0, should_retry=False)
    http = GraphClientFactory.create_with_default_middleware(
        client=http, options={**graph_default_options, no_retry.get_key(): no_retry}
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = cloud.graph + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def _odata_type(obj: Any) -> str:
    return str(getattr(obj, "odata_type", "") or "")


async def list_members(
    client: GraphServiceClient, fetcher: Fetcher, group_id: str, *, transitive: bool
) -> list[tuple[str, str]]:
    """Every member (id, @odata.type) of a group, following @odata.nextLink."""
    call = GRAPH_TRANSITIVE_MEMBERS if transitive else GRAPH_MEMBERS
    group = client.groups.by_group_id(group_id)
    builder: Any = group.transitive_members if transitive else group.members
    params_cls: Any = (
        TransitiveMembersRequestBuilder.TransitiveMembersRequestBuilderGetQueryParameters
        if transitive
        else MembersRequestBuilder.MembersRequestBuilderGetQueryParameters
    )
    config = RequestConfiguration(query_parameters=params_cls(select=["id"], top=PAGE_SIZE))
    for attempt in range(MAX_RESTARTS + 1):
        source, fid = fetcher._start(call, group_id)
        members: list[tuple[str, str]] = []
        page_no = 0
        next_link: str | None = None
        restart = False
        while True:
            page_no += 1
            token = current.set(fetcher.context(source, fid, page_no))
            try:
                if next_link is None:
                    page = await builder.get(request_configuration=config)
                else:
                    page = await builder.with_url(next_link).get()
            except APIError as e:
                code = getattr(e, "response_status_code", None)
                text = str(getattr(getattr(e, "error", None), "code", "") or e.message or e)
                if page_no > 1 and "expired" in text.lower() and attempt < MAX_RESTARTS:
                    fetcher._finish(source, fid, "superseded", pages=page_no - 1, error=text)
                    restart = True
                    break
                status = classify(code) if page_no == 1 else "failed"
                msg = f"page {page_no}: HTTP {code} {text}"
                fetcher._finish(source, fid, status, http_status=code, pages=page_no - 1, error=msg)
                raise FetchFailed(status, code, msg) from None
            except FATAL:
                raise
            except Exception as e:  # transport errors after retries, or anything below
                msg = f"page {page_no}: {describe(e)}"
                fetcher._finish(source, fid, "failed", pages=page_no - 1, error=msg)
                raise FetchFailed("failed", None, msg) from None
            finally:
                current.reset(token)
            for m in (page.value if page else None) or []:
                if getattr(m, "id", None):
                    members.append((m.id, _odata_type(m)))
            next_link = page.odata_next_link if page else None
            if not next_link:
                break
        if restart:
            continue
        fetcher._finish(source, fid, "ok", http_status=200, pages=page_no)
        return members
    raise AssertionError("unreachable")


async def collect_groups(
    client: GraphServiceClient,
    fetcher: Fetcher,
    group_ids: list[str],
    progress: Any,
    concurrency: int = 8,
) -> dict[str, str]:
    """Direct members of every group reached (nested groups followed, cycles safe) and the
    transitive members of each group that holds a role assignment, ``concurrency`` groups at a
    time, breadth-first. Returns failures by group id."""
    failures: dict[str, str] = {}
    limit = asyncio.Semaphore(max(1, concurrency))

    async def fetch(gid: str, transitive: bool) -> list[tuple[str, str]] | None:
        async with limit:
            try:
                return await list_members(client, fetcher, gid, transitive=transitive)
            except FetchFailed as e:
                failures.setdefault(gid, e.status)
                what = "transitive members of" if transitive else "group"
                progress(f"graph: {what} {gid}: {e}")
                return None

    seen: set[str] = set()
    level = list(dict.fromkeys(group_ids))
    while level:
        seen.update(level)
        results = await asyncio.gather(*(fetch(gid, False) for gid in level))
        nested = [
            mid
            for members in results
            for mid, otype in members or ()
            if otype.lower().endswith(".group") and mid not in seen
        ]
        level = list(dict.fromkeys(nested))
    # Forbidden groups are not asked again: the refusal is already recorded.
    roots = [g for g in dict.fromkeys(group_ids) if failures.get(g) != "forbidden"]
    await asyncio.gather(*(fetch(gid, True) for gid in roots))
    return failures
