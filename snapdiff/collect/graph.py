"""Microsoft Graph through msgraph-sdk's request adapter, raw bytes parsed with ``json``.

The adapter (msgraph-core: credentials, retry, redirect and telemetry middleware, national
clouds) sends each request; a native response handler hands back the httpx response, so no
kiota model is built and msgraph's model modules (seconds to import) are never loaded.
The adapter is async; the collector drives it from one ``asyncio.Runner``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import httpx
from kiota_abstractions.method import Method
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import ResponseHandlerOption, RetryHandlerOption
from msgraph_core import APIVersion, BaseGraphRequestAdapter, GraphClientFactory
from msgraph_core.middleware.options import GraphTelemetryHandlerOption

from ..naming.calls import GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS
from .capture import CapturingTransport, Recorder, current, host_of
from .clouds import Cloud
from .fetcher import MAX_RESTARTS, Fetch, Fetcher, _Restart
from .guard import RunGuard
from .retry import RetryingTransport

PAGE_SIZE = 999
# Every field a reader uses: member kind and id, and the principal's name (snapdiff.read.principals).
MEMBER_FIELDS = "id,displayName,userPrincipalName,appId"


def _sdk_version() -> str:
    try:
        return version("msgraph-sdk")
    except PackageNotFoundError:  # pragma: no cover - msgraph-core alone
        return "0"


@dataclass
class GraphResponse:
    status: int
    body: Any  # parsed JSON, or None
    exchange_id: int | None = None  # the stored exchange of this answer
    started: float = 0.0  # when the request was sent (time.time())

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> str:
        err = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(err, dict):
            return f"HTTP {self.status} {err.get('code', '')}: {err.get('message', '')}".strip()
        return f"HTTP {self.status}"


class GraphClient:
    """Raw Graph requests through msgraph-core's adapter and middleware."""

    def __init__(
        self,
        credential: Any,
        cloud: Cloud,
        recorder: Recorder,
        guard: RunGuard,
        *,
        retries: int = 6,
        backoff: float = 0.8,
    ):
        host = urlsplit(cloud.graph).hostname or ""
        auth = AzureIdentityAuthenticationProvider(
            credential, scopes=[cloud.graph_scope], allowed_hosts=[host]
        )
        # Every attempt is captured and retried by RetryingTransport (kiota's retry handler is
        # off: it would retry 429s a fixed 3 times and drops never).
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
        options = {
            GraphTelemetryHandlerOption.get_key(): GraphTelemetryHandlerOption(
                api_version=APIVersion.v1, sdk_version=_sdk_version()
            ),
            no_retry.get_key(): no_retry,
        }
        http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
        self.recorder = recorder
        self.guard = guard
        self.adapter = BaseGraphRequestAdapter(auth, http_client=http)
        self.root = cloud.graph.rstrip("/") + "/v1.0"
        self.adapter.base_url = self.root

    async def send(self, method: str, url: str, body: Any = None) -> GraphResponse:
        """One request (``url`` absolute or relative to /v1.0); the JSON body parsed."""
        ri = RequestInformation(Method[method.upper()])
        ri.url = url if url.startswith(("http://", "https://")) else self.root + url
        self.guard.check_host(host_of(ri.url))  # a host that stopped answering: fail at once
        ri.headers.try_add("Accept", "application/json")
        if body is not None:
            ri.set_stream_content(json.dumps(body).encode(), "application/json")
            ri.headers.try_add("Content-Type", "application/json")
        ri.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
        started = time.time()
        resp: httpx.Response = await self.adapter.send_primitive_async(ri, "bytes", None)
        try:
            parsed = json.loads(resp.content) if resp.content else None
        except ValueError:
            parsed = None
        return GraphResponse(
            resp.status_code, parsed, resp.extensions.get("snapdiff_exchange_id"), started
        )


def make_client(
    credential: Any,
    cloud: Cloud,
    recorder: Recorder,
    guard: RunGuard,
    *,
    retries: int = 6,
    backoff: float = 0.8,
) -> GraphClient:
    return GraphClient(credential, cloud, recorder, guard, retries=retries, backoff=backoff)


def members_url(group_id: str, *, transitive: bool) -> str:
    rel = "transitiveMembers" if transitive else "members"
    return f"/groups/{group_id}/{rel}?$select={MEMBER_FIELDS}&$top={PAGE_SIZE}"


async def list_members(
    client: GraphClient,
    fetcher: Fetcher,
    group_id: str,
    *,
    transitive: bool,
    first: tuple[Fetch, GraphResponse] | None = None,
) -> list[tuple[str, str]]:
    """Every member (id, @odata.type) of a group, following @odata.nextLink. ``first``: the
    fetch and answer of page 1 when it already came inside a $batch."""
    call = GRAPH_TRANSITIVE_MEMBERS if transitive else GRAPH_MEMBERS
    for attempt in range(MAX_RESTARTS + 1):
        handle = first[0] if first is not None and attempt == 0 else None
        try:
            with fetcher.fetch(call, group_id, handle=handle) as f:
                f.listing, f.may_restart = True, attempt < MAX_RESTARTS
                members: list[tuple[str, str]] = []
                url: str | None = members_url(group_id, transitive=transitive)
                while url:
                    token = current.set(f.next_page())
                    try:
                        if f.page == 1 and handle is not None and first is not None:
                            resp = first[1]  # page 1 came inside a $batch
                        else:
                            resp = await client.send("GET", url)
                    finally:
                        current.reset(token)
                    value, url = f.page_items(f.check(resp.status, resp.body))
                    for m in value:
                        if isinstance(m, dict) and m.get("id"):
                            members.append((str(m["id"]), str(m.get("@odata.type") or "")))
                return members
        except _Restart:
            continue
    raise AssertionError("unreachable")
