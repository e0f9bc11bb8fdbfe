"""A fake Azure (ARM, Resource Graph, Microsoft Graph, Key Vault data plane) on loopback.

It serves a ``Tenant``: paged listings with absolute next links, Resource Graph queries with
``$skipToken`` and quota headers, Graph members and transitive members, 403s and queued
faults (429 with or without Retry-After, 5xx, expired page tokens, dropped connections,
stalled responses) and periodic ones (every n-th request). Used to record cassettes
and by the collection benchmark. Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .quota import Limits, Quota, principal_of
from .shapes import arg_page, objects_by_ids, select
from .tenant import LOOP, REPEAT, SKIP, Fault, Raw, Tenant

DROP = 0  # Fault(status=DROP): close the connection without answering
STALL = -1  # Fault(status=STALL, delay=s): send nothing for s seconds, then the real answer
_RG_FILTER = re.compile(r"resourceGroup in~ \(([^)]*)\)")


def _token(n: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{n}".encode()).decode().rstrip("=")


def _window(mode: str | None, start: int, size: int, n: int) -> tuple[int, int | None]:
    """(first item served, offset of the next page or None) for a page starting at ``start``,
    misbehaving as ``mode`` (``Tenant.paging``) says."""
    nxt: int | None = start + size if start + size < n else None
    if mode == REPEAT and start == size:
        return 0, nxt
    if mode == LOOP and start == size:
        return start, 0
    if mode == SKIP and start == 0 and 2 * size < n:
        return 0, 2 * size
    return start, nxt


def _encoded(payload: Any) -> bytes:
    if isinstance(payload, Raw):
        return payload.data
    return b"" if payload is None else json.dumps(payload).encode()


def _in_batch(payload: Any) -> Any:
    """An item's content inside a batch: a raw (truncated) body travels as a string."""
    return payload.data.decode("utf-8", "replace") if isinstance(payload, Raw) else payload


def _offset(token: str | None) -> int:
    if not token:
        return 0
    pad = "=" * (-len(token) % 4)
    return int(base64.urlsafe_b64decode(token + pad).decode().split(":")[1])


class FakeAzure:
    """The request router; independent of the HTTP plumbing so it is easy to test."""

    def __init__(self, tenant: Tenant, base: str):
        self.t = tenant
        self.base = base.rstrip("/")
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []  # on the wire
        self.batched: list[tuple[str, str]] = []  # inside ARM batches
        self.quota = 15
        self.latency = 0.0  # seconds added to every request on the wire (benchmarks)
        self.served = 0  # ARM, Resource Graph and Graph requests (not token requests)
        self.dead = False
        self.on_death: Any = None  # set by ``serve``: closes the listening socket
        self.throttle: Quota | None = None  # Azure's read quotas, when asked (``serve(quota=)``)

    def _fault(self, path: str, page: int) -> Fault | None:
        with self.lock:
            queue = self.t.faults.get(path)
            if queue and (queue[0].page is None or queue[0].page == page):
                return queue.pop(0)
        return None

    def _periodic(self) -> tuple[int, dict[str, str], Any] | None:
        """The first ``Tenant.every`` fault whose turn it is (a stall then answers normally)."""
        with self.lock:
            self.served += 1
            n = self.served
            dying = self.t.die_after is not None and n > self.t.die_after and not self.dead
            self.dead = self.dead or dying
        if dying and self.on_death is not None:
            threading.Thread(target=self.on_death, daemon=True).start()
        if self.dead:  # connections already open are cut, new ones are refused
            return DROP, {}, None
        for every in self.t.every:
            if n % every.n == 0:
                return self._serve_fault(every.fault)
        return None

    @staticmethod
    def _serve_fault(fault: Fault) -> tuple[int, dict[str, str], Any] | None:
        if fault.status == STALL:
            time.sleep(fault.delay)
            return None
        return fault.status, fault.headers, fault.body

    def _forbidden(self, path: str) -> bool:
        return any(path == f or (f.endswith("/") and path.startswith(f)) for f in self.t.forbidden)

    def handle(
        self, method: str, raw_path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        path = unquote(urlsplit(raw_path).path).lower().rstrip("/")
        auth = {k.lower(): v for k, v in (headers or {}).items()}.get("authorization")
        principal = principal_of(auth)
        with self.lock:
            self.requests.append((method, raw_path))
        if method == "POST" and path == "/batch":
            return self._batch(body, principal)
        return self._route(method, raw_path, body, principal)

    def _route(
        self, method: str, raw_path: str, body: bytes, principal: str = "anonymous"
    ) -> tuple[int, dict[str, str], Any]:
        """One request, under Azure's quotas when ``throttle`` is set: a refused one answers
        429 as Azure would, an admitted one carries what is left of its quota."""
        q = self.throttle
        path = unquote(urlsplit(raw_path).path).lower().rstrip("/")
        if q is None or path.endswith("/oauth2/v2.0/token"):
            return self._serve(method, raw_path, body)
        if path.startswith("/v1.0/"):
            if method == "POST" and path == "/v1.0/$batch":  # its items are counted one by one
                return self._serve(method, raw_path, body, principal)
            v = q.graph_request(method, raw_path, principal)
        elif method == "POST" and path.endswith("/providers/microsoft.resourcegraph/resources"):
            v = q.arg_query(principal)
        elif method == "GET" and path.startswith(("/subscriptions", "/providers")):
            v = q.arm_read(path, principal)
        else:  # Key Vault's data plane: its own limits, not modelled
            return self._serve(method, raw_path, body)
        if v.status is not None:
            return v.status, v.headers, v.body
        status, headers, payload = self._serve(method, raw_path, body, principal)
        return status, {**headers, **v.headers}, payload

    def _serve(
        self, method: str, raw_path: str, body: bytes, principal: str = "anonymous"
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path = unquote(parts.path).lower().rstrip("/")
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if path.endswith("/oauth2/v2.0/token"):
            return (
                200,
                {},
                {"token_type": "Bearer", "expires_in": 3600, "access_token": "fake-token"},
            )
        periodic = self._periodic()
        if periodic is not None:
            return periodic
        if path.startswith("/v1.0/"):
            if method == "POST" and path == "/v1.0/$batch":
                return self._graph_batch(body, principal)
            if method == "POST" and path == "/v1.0/directoryobjects/getbyids":
                return self._get_by_ids(json.loads(body or b"{}"))
            return self._graph(path[len("/v1.0") :], query)
        if method == "POST" and path.endswith("/providers/microsoft.resourcegraph/resources"):
            return self._arg(json.loads(body or b"{}"))
        page = _offset(query.get("$skiptoken")) // self.t.page_size + 1
        fault = self._fault(path, page)
        if fault and self._serve_fault(fault) is not None:
            return fault.status, fault.headers, fault.body
        if path in self.t.answers:
            status, answer = self.t.answers[path]
            return status, {}, answer
        if self._forbidden(path):
            return (
                403,
                {},
                _error(
                    "AuthorizationFailed", f"The client does not have authorization over '{path}'."
                ),
            )
        return self._arm(path, query)

    # -- ARM ----------------------------------------------------------------------------------
    def _arm(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        t = self.t
        if path == "/subscriptions":
            return self._page(path, t.subscriptions, query)
        m = re.fullmatch(r"/subscriptions/([^/]+)", path)
        if m:
            for s in t.subscriptions:
                if s["subscriptionId"].lower() == m.group(1):
                    return 200, {}, s
            return (
                404,
                {},
                _error(
                    "SubscriptionNotFound", f"The subscription '{m.group(1)}' could not be found."
                ),
            )
        if path == "/providers/microsoft.management/managementgroups":
            return self._page(path, t.management_groups, query)
        if path in t.mg_details:
            return 200, {}, t.mg_details[path]
        if path.endswith("/providers/microsoft.authorization/roleassignments"):
            scope = path[: -len("/providers/microsoft.authorization/roleassignments")]
            if scope in t.role_assignments:
                return self._page(path, t.role_assignments[scope], query)
            return 404, {}, _error("ScopeNotFound", scope)
        for suffix, listed in (
            ("/providers/microsoft.authorization/denyassignments", t.deny_assignments),
            ("/providers/microsoft.authorization/roleeligibilityscheduleinstances", t.eligibility),
        ):
            if path.endswith(suffix):
                return self._page(path, listed.get(path[: -len(suffix)], []), query)
        m = re.search(r"/providers/microsoft.authorization/roledefinitions/([^/]+)$", path)
        if m:
            if m.group(1) in t.role_definitions:
                return 200, {}, t.role_definitions[m.group(1)]
            return 404, {}, _error("RoleDefinitionDoesNotExist", m.group(1))
        if path in t.responses:
            r = t.responses[path]
            return self._page(path, r, query) if isinstance(r, list) else (200, {}, r)
        return 404, {}, _error("ResourceNotFound", f"The resource '{path}' was not found.")

    def _batch(self, body: bytes, principal: str) -> tuple[int, dict[str, str], Any]:
        """ARM's batch endpoint: at most 20 GETs; each answered as it would be alone, its own
        faults (429 with Retry-After, 5xx, 404) included."""
        fault = self._fault("/batch", 1)
        if fault:
            return fault.status, fault.headers, fault.body
        if not self.t.arm_batch:
            return 404, {}, _error("NotFound", "The requested resource does not exist.")
        try:
            reqs = json.loads(body or b"{}")["requests"]
        except (ValueError, KeyError, TypeError):
            return 400, {}, _error("InvalidBatchRequest", "The batch request is malformed.")
        if not isinstance(reqs, list) or not 0 < len(reqs) <= MAX_BATCH:
            return 400, {}, _error("BatchRequestTooLarge", f"1 to {MAX_BATCH} requests expected.")
        out = []
        for r in reqs:
            url = str(r.get("url", ""))
            if url.startswith(("http://", "https://")):
                parts = urlsplit(url)
                url = parts.path + (f"?{parts.query}" if parts.query else "")
            with self.lock:
                self.batched.append(("GET", url))
            status, headers, payload = self._route(
                str(r.get("httpMethod", "GET")), url, b"", principal
            )
            data = _encoded(payload)
            out.append(
                {
                    "name": r.get("name"),
                    "httpStatusCode": status,
                    "headers": {"x-ms-request-id": f"fake-item-{len(self.batched):06d}", **headers},
                    "content": _in_batch(payload),
                    "contentLength": len(data),
                }
            )
        left = "249" if self.throttle is None else str(self.throttle.tenant_reads_left(principal))
        return 200, {"x-ms-ratelimit-remaining-tenant-reads": left}, {"responses": out}

    def _page(
        self, path: str, items: list[Any], query: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        start = _offset(query.get("$skiptoken"))
        size = self.t.page_size
        first, nxt = _window(self.t.paging.get(path), start, size, len(items))
        body: dict[str, Any] = {"value": items[first : first + size]}
        if nxt is not None:
            qs = "&".join(f"{k}={v}" for k, v in query.items() if k != "$skiptoken")
            body["nextLink"] = f"{self.base}{path}?{qs}&%24skiptoken={_token(nxt)}"
        return 200, {"x-ms-ratelimit-remaining-subscription-reads": "249"}, body

    # -- Resource Graph ---------------------------------------------------------------------------
    def _arg(self, req: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        q = str(req.get("query", ""))
        opts = req.get("options") or {}
        start = _offset(opts.get("$skipToken"))
        top = int(opts.get("$top") or 1000)
        fault = self._fault("/providers/microsoft.resourcegraph/resources", start // top + 1)
        if fault and self._serve_fault(fault) is not None:
            return fault.status, fault.headers, fault.body
        table = q.split("|", 1)[0].strip().lower()
        rows = self.t.resources if table == "resources" else self.t.containers
        subs = {s.lower() for s in req.get("subscriptions") or []}
        rows = [r for r in rows if str(r.get("subscriptionId", "")).lower() in subs]
        m = _RG_FILTER.search(q)
        if m:
            names = {
                n.strip().strip("'").replace("\\'", "'").lower() for n in m.group(1).split(",")
            }
            rows = [r for r in rows if str(r.get("resourceGroup", "")).lower() in names]
        rows = sorted(rows, key=lambda r: str(r["id"]).lower())
        mode = self.t.paging.get("/providers/microsoft.resourcegraph/resources")
        first, nxt = _window(mode, start, top, len(rows))
        body = arg_page(rows, first, top, "")
        body.pop("$skipToken", None)
        if nxt is not None:
            body["$skipToken"] = _token(nxt)
        with self.lock:
            self.quota = self.quota - 1 if self.quota > 1 else 15
            remaining = self.quota
        return (
            200,
            {
                "x-ms-user-quota-remaining": str(remaining),
                "x-ms-user-quota-resets-after": "00:00:05",
            },
            body,
        )

    # -- Microsoft Graph ----------------------------------------------------------------------------
    def _graph(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        m = re.fullmatch(r"/groups/([^/]+)/(members|transitivemembers)", path)
        if not m:
            return 404, {}, _graph_error("Request_ResourceNotFound", path)
        gid, rel = m.group(1), m.group(2)
        page = _offset(query.get("$skiptoken")) // self.t.graph_page_size + 1
        full = f"/v1.0{path}"
        fault = self._fault(full, page)
        if fault and self._serve_fault(fault) is not None:
            return fault.status, fault.headers, fault.body
        if self._forbidden(full):
            return (
                403,
                {},
                _graph_error("Authorization_RequestDenied", _DENIED),
            )
        groups = {k.lower(): v for k, v in self.t.groups.items()}
        if gid not in groups:
            return (
                404,
                {},
                _graph_error("Request_ResourceNotFound", f"Resource '{gid}' does not exist."),
            )
        members = groups[gid] if rel == "members" else self._transitive(gid, groups)
        start = _offset(query.get("$skiptoken"))
        size = min(self.t.graph_page_size, int(query.get("$top") or 100))
        select = query.get("$select")
        first, nxt = _window(self.t.paging.get(full), start, size, len(members))
        chunk = [_select(m, select) for m in members[first : first + size]]
        body: dict[str, Any] = {
            "@odata.context": f"{self.base}/v1.0/$metadata#directoryObjects",
            "value": chunk,
        }
        if nxt is not None:
            body["@odata.nextLink"] = (
                f"{self.base}/v1.0{path}?"
                + (f"$select={select}&" if select else "")
                + f"$top={size}&$skiptoken={_token(nxt)}"
            )
        return 200, {"x-ms-resource-unit": "3" if rel == "members" else "5"}, body

    def _graph_batch(self, body: bytes, principal: str) -> tuple[int, dict[str, str], Any]:
        """Graph JSON batching: at most 20 requests, each answered (and faulted) as alone."""
        fault = self._fault("/v1.0/$batch", 1)
        if fault:
            return fault.status, fault.headers, fault.body
        try:
            reqs = json.loads(body or b"{}")["requests"]
        except (ValueError, KeyError, TypeError):
            return 400, {}, _graph_error("BadRequest", "Invalid batch payload format.")
        if not isinstance(reqs, list) or not 0 < len(reqs) <= MAX_BATCH:
            return 400, {}, _graph_error("BadRequest", f"1 to {MAX_BATCH} requests expected.")
        out = []
        for r in reqs:
            url = "/v1.0" + str(r.get("url", ""))
            with self.lock:
                self.batched.append(("GET", url))
            status, headers, payload = self._route(str(r.get("method", "GET")), url, b"", principal)
            body = _in_batch(payload)
            out.append({"id": r.get("id"), "status": status, "headers": headers, "body": body})
        return 200, {}, {"responses": out}

    def _get_by_ids(self, req: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """POST /directoryObjects/getByIds: the objects found (missing ids are absent)."""
        path = "/v1.0/directoryobjects/getbyids"
        fault = self._fault(path, 1)
        if fault:
            return fault.status, fault.headers, fault.body
        if self._forbidden(path):
            return 403, {}, _graph_error("Authorization_RequestDenied", _DENIED)
        ids = req.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS:
            return 400, {}, _graph_error("Request_BadRequest", f"ids: 1 to {MAX_IDS} expected")
        found = objects_by_ids(self.t.directory_objects(), ids, req.get("types") or None)
        return (
            200,
            {"x-ms-resource-unit": "1"},
            {"@odata.context": f"{self.base}/v1.0/$metadata#directoryObjects", "value": found},
        )

    @staticmethod
    def _transitive(gid: str, groups: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        stack, seen = [gid], {gid}
        while stack:
            for m in groups.get(stack.pop(), []):
                out.setdefault(m["id"], m)
                mid = m["id"].lower()
                if m.get("@odata.type", "").endswith(".group") and mid not in seen:
                    seen.add(mid)
                    stack.append(mid)
        return [out[k] for k in sorted(out)]


MAX_IDS = 1000  # getByIds
MAX_BATCH = 20  # ARM /batch
_DENIED = "Insufficient privileges to complete the operation."


def _select(obj: dict[str, Any], query: str | None) -> dict[str, Any]:
    """Graph's $select, from the query string."""
    return select(obj, [f.strip() for f in query.split(",")] if query else None)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _graph_error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-11-20T08:00:00",
                "request-id": "00000000-0000-0000-0000-000000000000",
            },
        }
    }


def _handler(app: FakeAzure) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if app.latency:
                time.sleep(app.latency)
            status, headers, payload = app.handle(self.command, self.path, body, dict(self.headers))
            if status == DROP:  # a dropped connection: no status line at all
                self.close_connection = True
                return
            data = _encoded(payload)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-ms-request-id", f"fake-{len(app.requests):06d}")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the store records every exchange

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, interrupts) is normal here: no traceback."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serve(
    tenant: Tenant, port: int = 0, latency: float = 0.0, quota: Limits | None = None
) -> Iterator[tuple[str, FakeAzure]]:
    """Serve ``tenant`` on 127.0.0.1:``port`` (0 = any free port) in a background thread,
    ``latency`` seconds late on every request; ``quota``: enforce Azure's read quotas
    (``fakeazure.quota.AZURE``, or ``AZURE.scaled(k)`` for tests)."""
    app = FakeAzure(tenant, "")
    app.latency = latency
    if quota is not None:
        users = sum(
            1
            for o in tenant.directory_objects().values()
            if str(o.get("@odata.type", "")).endswith(".user")
        )
        app.throttle = Quota(quota, tenant.tenant_id, users)
    server = _Server(("127.0.0.1", port), _handler(app))
    app.base = f"http://127.0.0.1:{server.server_address[1]}"

    def die() -> None:
        server.shutdown()
        server.socket.close()

    app.on_death = die
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app.base, app
    finally:
        server.shutdown()
        server.server_close()
