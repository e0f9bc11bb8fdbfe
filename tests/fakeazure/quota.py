"""Azure's published read quotas, enforced by the fake Azure when asked (``serve(quota=...)``).

From /work/shared/reference/azure-limits.md (3.1-3.3):

- ARM: a token bucket of **250 reads refilled at 25 a second**, per subscription and security
  principal; the tenant scope (paths not under ``/subscriptions/{id}``) has the same bucket; and
  a global bucket per subscription of 15x that for every principal together (real responses
  carry ``x-ms-ratelimit-remaining-subscription-global-reads: 3749``). A request takes a token
  from each bucket it falls in; the answer names what is left in
  ``x-ms-ratelimit-remaining-subscription-reads`` (or ``-tenant-reads``). An empty bucket
  answers 429 with ``Retry-After`` and ARM's ``SubscriptionRequestsThrottled`` body (the
  shape of a real one, velero-io/velero#9171; no real tenant-scope body was found, so the
  tenant one names the tenant in the same message).
- ARM ``/batch``: how ARM counts it is not published. Here every inner request takes a token
  from its own scope's bucket, as if sent alone; the batch POST itself takes none.
- Resource Graph: at most 15 queries per user in any 5 seconds (a sliding window), with
  ``x-ms-user-quota-remaining`` and ``-resets-after``; beyond it 429 with the ``RateLimiting``
  body Azure sends (Azure/azure-cli-extensions#3325).
- Microsoft Graph (identity and access): a token bucket of resource units per app and tenant,
  3,500 / 5,000 / 8,000 per 10 seconds by tenant size; ``members`` costs 3,
  ``transitiveMembers`` 5, ``getByIds`` 3, anything else 1; ``$select`` -1, ``$expand`` +1,
  ``$top`` under 20 -1, never under 1 (microsoft-graph-docs concepts/throttling-limits.md).
  Inner requests of ``$batch`` are counted one by one. Empty: 429 with Retry-After, the
  ``x-ms-throttle-*`` headers and the documented sample body (concepts/throttling.md).

Not modelled: resource providers' own windows (``x-ms-ratelimit-remaining-resource``), write
and delete buckets, Key Vault's data-plane limits, regions (one bucket set for the whole fake),
and the 429s real services send under load before any limit is reached.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

_SUB = re.compile(r"^/subscriptions/([^/]+)(?:/|$)")


@dataclass(frozen=True)
class Limits:
    """What the fake enforces; ``AZURE`` is the published figures, ``scaled`` faster ones."""

    arm_bucket: float = 250  # reads per subscription (and tenant) and principal
    arm_refill: float = 25.0  # tokens a second
    arm_global_factor: int = 15  # per subscription, all principals together
    arg_queries: int = 15  # Resource Graph: queries per user ...
    arg_window: float = 5.0  # ... in any window of this many seconds
    graph_ru: float | None = None  # RU per window; None: by tenant size (S, M, L)
    graph_window: float = 10.0
    whole_seconds: bool = True  # ARM's Retry-After and ARG's resets-after are whole seconds
    scale: float = 1.0  # buckets this many times smaller (``scaled``)

    def scaled(self, k: float) -> Limits:
        """Buckets ``k`` times smaller and refilled ``k`` times faster (windows ``k**2``
        shorter): the same shape, for tests that must not wait seconds."""
        return replace(
            self,
            arm_bucket=max(1.0, self.arm_bucket // k),
            arm_refill=self.arm_refill * k,
            arg_window=self.arg_window / (k * k),
            graph_window=self.graph_window / (k * k),
            whole_seconds=False,
            scale=self.scale * k,
        )


AZURE = Limits()


def graph_ru_limit(users: int) -> float:
    """Resource units per 10 s for an app in a tenant of ``users`` users (S, M, L)."""
    return 3500.0 if users < 50 else 5000.0 if users <= 500 else 8000.0


class Bucket:
    """A token bucket, full at first."""

    def __init__(self, size: float, refill: float, now: float):
        self.size, self.refill = size, refill
        self.tokens, self.at = size, now

    def level(self, now: float) -> float:
        self.tokens = min(self.size, self.tokens + (now - self.at) * self.refill)
        self.at = now
        return self.tokens

    def wait_for(self, n: float, now: float) -> float:
        """Seconds until ``n`` tokens are there (0 if they are)."""
        return max(0.0, (n - self.level(now)) / self.refill)


@dataclass
class Verdict:
    """A request's fate: ``status`` None goes on (with ``headers`` added), else it is refused."""

    headers: dict[str, str]
    status: int | None = None
    body: Any = None


class Quota:
    """The buckets of one fake Azure; thread-safe. ``clock`` is seconds (monotonic)."""

    def __init__(
        self,
        limits: Limits,
        tenant_id: str,
        users: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limits = limits
        self.tenant_id = tenant_id
        self.clock = clock
        ru = limits.graph_ru if limits.graph_ru is not None else graph_ru_limit(users)
        self.graph_ru = max(1.0, ru // limits.scale)
        self._lock = threading.Lock()
        self._arm: dict[tuple[str, str], Bucket] = {}
        self._arg: dict[str, deque[float]] = {}
        self._graph: dict[str, Bucket] = {}
        self.throttled: dict[str, int] = {"arm": 0, "arg": 0, "graph": 0}  # 429s sent
        self.admitted: dict[str, int] = {"arm": 0, "arg": 0, "graph": 0}

    # -- ARM ----------------------------------------------------------------------------------
    def _bucket(self, key: tuple[str, str], size: float, refill: float, now: float) -> Bucket:
        b = self._arm.get(key)
        if b is None:
            b = self._arm[key] = Bucket(size, refill, now)
        return b

    def arm_read(self, path: str, principal: str) -> Verdict:
        """One ARM read of ``path`` (lower case, no query) by ``principal``."""
        lim, now = self.limits, self.clock()
        m = _SUB.match(path)
        scope = f"subscription:{m.group(1)}" if m else "tenant"
        with self._lock:
            own = self._bucket((scope, principal), lim.arm_bucket, lim.arm_refill, now)
            buckets = [own]
            if m:
                f = lim.arm_global_factor
                buckets.append(
                    self._bucket((scope, "*"), lim.arm_bucket * f, lim.arm_refill * f, now)
                )
            wait = max(b.wait_for(1, now) for b in buckets)
            if wait == 0:
                for b in buckets:
                    b.tokens -= 1
                self.admitted["arm"] += 1
            else:
                self.throttled["arm"] += 1
        headers = {
            f"x-ms-ratelimit-remaining-{'subscription' if m else 'tenant'}-reads": str(
                int(own.tokens)
            )
        }
        if m:
            headers["x-ms-ratelimit-remaining-subscription-global-reads"] = str(
                int(buckets[1].tokens)
            )
        if wait == 0:
            return Verdict(headers)
        after = self._seconds(wait)
        what = f"subscription '{m.group(1)}'" if m else f"tenant '{self.tenant_id}'"
        body = {
            "error": {
                "code": "SubscriptionRequestsThrottled",
                "message": f"Number of 'read' requests for {what} actor '{principal}' exceeded."
                f" Please try again after '{after}' seconds after additional tokens are"
                " available. Refer to https://aka.ms/arm-throttling for additional information.",
            }
        }
        return Verdict({**headers, "Retry-After": after}, 429, body)

    def tenant_reads_left(self, principal: str) -> int:
        """What the tenant bucket holds, without taking from it (the /batch answer's header)."""
        lim, now = self.limits, self.clock()
        with self._lock:
            b = self._bucket(("tenant", principal), lim.arm_bucket, lim.arm_refill, now)
            return int(b.level(now))

    def _seconds(self, wait: float) -> str:
        if self.limits.whole_seconds:
            return str(max(1, math.ceil(wait)))
        return f"{wait:.3f}"

    # -- Resource Graph -------------------------------------------------------------------------
    def arg_query(self, principal: str) -> Verdict:
        lim, now = self.limits, self.clock()
        with self._lock:
            q = self._arg.setdefault(principal, deque())
            while q and q[0] <= now - lim.arg_window:
                q.popleft()
            ok = len(q) < lim.arg_queries
            if ok:
                q.append(now)
                self.admitted["arg"] += 1
            else:
                self.throttled["arg"] += 1
            resets = q[0] + lim.arg_window - now if q else 0.0
            left = lim.arg_queries - len(q)
        headers = {
            "x-ms-user-quota-remaining": str(left),
            "x-ms-user-quota-resets-after": self._hms(resets),
        }
        if ok:
            return Verdict(headers)
        body = {
            "error": {
                "code": "RateLimiting",
                "message": "Please provide below info when asking for support: timestamp ="
                " 2026-11-20T08:00:00.0000000Z, correlationId ="
                " 00000000-0000-0000-0000-000000000000.",
                "details": [
                    {
                        "code": "RateLimiting",
                        "message": "Client application has been throttled and should not attempt"
                        " to repeat the request until an amount of time has elapsed. Please see"
                        " https://aka.ms/resourcegraph-throttling for help.",
                    }
                ],
            }
        }
        return Verdict(headers, 429, body)

    def _hms(self, secs: float) -> str:
        secs = max(0.0, secs)
        if self.limits.whole_seconds:
            secs = float(math.ceil(secs))
        h, rest = divmod(secs, 3600)
        m, s = divmod(rest, 60)
        sec = f"{int(s):02d}" if self.limits.whole_seconds else f"{s:06.3f}"
        return f"{int(h):02d}:{int(m):02d}:{sec}"

    # -- Microsoft Graph ----------------------------------------------------------------------
    def graph_request(self, method: str, url: str, principal: str) -> Verdict:
        """One Graph request (``url`` from ``/v1.0`` on, query included)."""
        cost = graph_cost(method, url)
        lim, now = self.limits, self.clock()
        with self._lock:
            b = self._graph.get(principal)
            if b is None:
                b = self._graph[principal] = Bucket(
                    self.graph_ru, self.graph_ru / lim.graph_window, now
                )
            wait = b.wait_for(cost, now)
            if wait == 0:
                b.tokens -= cost
                self.admitted["graph"] += 1
            else:
                self.throttled["graph"] += 1
            used = 1 - b.tokens / b.size
        headers = {"x-ms-resource-unit": str(cost)}
        if used > 0.8:
            headers["x-ms-throttle-limit-percentage"] = f"{used:.1f}"
        if wait == 0:
            return Verdict(headers)
        headers = {
            "Retry-After": str(max(1, math.ceil(wait))) if lim.whole_seconds else f"{wait:.3f}",
            "x-ms-throttle-scope": f"Tenant_Application/Read/{principal}/{self.tenant_id}",
            "x-ms-throttle-information": "ResourceUnitLimitExceeded",
        }
        body = {
            "error": {
                "code": "TooManyRequests",
                "innerError": {
                    "code": "429",
                    "date": "2026-11-20T08:00:00",
                    "message": "Please retry after",
                    "request-id": "00000000-0000-0000-0000-000000000000",
                    "status": "429",
                },
                "message": "Please retry again later.",
            }
        }
        return Verdict(headers, 429, body)


def graph_cost(method: str, url: str) -> int:
    """Resource units of one identity request, by the documented table and modifiers."""
    parts = urlsplit(url)
    path = parts.path.lower().rstrip("/")
    query = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
    cost = 1
    if method == "GET" and re.search(r"/groups/[^/]+/members$", path):
        cost = 3
    elif method == "GET" and re.search(r"/groups/[^/]+/transitivemembers$", path):
        cost = 5
    elif method == "POST" and path.endswith("/directoryobjects/getbyids"):
        cost = 3
    elif method == "GET" and path.endswith("/users"):
        cost = 2
    if "$select" in query:
        cost -= 1
    if "$expand" in query:
        cost += 1
    top = query.get("$top")
    if top is not None and top.isdigit() and int(top) < 20:
        cost -= 1
    return max(1, cost)


def principal_of(authorization: str | None) -> str:
    """A name for the caller, from its bearer token (one principal per token)."""
    if not authorization:
        return "anonymous"
    token = authorization.split(" ", 1)[-1]
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()[:12]
