"""The data model of the fake Azure tenant that ``fakeazure.server`` serves on loopback.

Paths are ARM/Graph paths without host or query, compared lower-cased. Listings are served in
pages (``page_size``) with absolute ``nextLink`` / ``@odata.nextLink`` URLs, as Azure does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """A response served instead of the real one, once, the next time ``path`` is requested.

    ``page`` limits it to that page number of a listing (1-based), e.g. a 500 on page 2.
    ``status`` 0 drops the connection without an answer; -1 stalls: nothing is sent for
    ``delay`` seconds, then the real answer.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    page: int | None = None
    delay: float = 0.0


@dataclass
class Raw:
    """A body sent as these bytes, not as JSON: a truncated answer (``Fault(200, body=Raw(...))``).
    Inside an ARM or Graph batch it becomes the item's content as a string."""

    data: bytes


REPEAT = "repeat"  # page 2 serves page 1's items again (a page served twice)
LOOP = "loop"  # page 2's next link points back to page 1 (the listing never ends)
SKIP = "skip"  # page 1's next link leads to page 3 (a page lost)


@dataclass
class Every:
    """``fault`` instead of every ``n``-th request (ARM, Resource Graph and Graph alike)."""

    n: int
    fault: Fault


@dataclass
class Tenant:
    tenant_id: str
    subscriptions: list[dict[str, Any]] = field(default_factory=list)  # GET /subscriptions items
    containers: list[dict[str, Any]] = field(default_factory=list)  # ARG resourcecontainers rows
    resources: list[dict[str, Any]] = field(default_factory=list)  # ARG resources rows
    management_groups: list[dict[str, Any]] = field(default_factory=list)  # MG list items
    mg_details: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower MG id -> GET body
    # lower scope ("/subscriptions/<id>" or an MG id) -> what that scope's listing returns
    role_assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    role_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower GUID -> body
    # lower scope -> deny assignments / PIM eligibility instances listed there (default none)
    deny_assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    eligibility: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id -> direct members
    # lower path -> list (a paged listing of these items) or dict (a single GET body);
    # per-resource paths are "<resource id><suffix>" (see snapdiff.naming.calls), Key Vault
    # data-plane paths are "/kv/<vault name>/<keys|secrets|certificates>"
    responses: dict[str, Any] = field(default_factory=dict)
    forbidden: set[str] = field(
        default_factory=set
    )  # lower paths (or prefixes ending in '/') -> 403
    faults: dict[str, list[Fault]] = field(default_factory=dict)  # lower path -> queued faults
    # lower object id -> directory object (users, groups, service principals) for getByIds;
    # every group member is known too (see ``directory_objects``)
    directory: dict[str, dict[str, Any]] = field(default_factory=dict)
    every: list[Every] = field(default_factory=list)  # periodic faults, first match wins
    die_after: int | None = None  # the server dies after this many requests: refused from then
    # lower path -> (status, error body) answered every time: a service the resource lacks
    # (400 FeatureNotSupportedForAccount), a resource gone since the inventory (404), a 403
    # with the service's own body (Key Vault data plane)
    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    # lower path -> REPEAT, LOOP or SKIP: a listing whose pages misbehave; Resource Graph's
    # queries use "/providers/microsoft.resourcegraph/resources"
    paging: dict[str, str] = field(default_factory=dict)
    page_size: int = 100
    graph_page_size: int = 100
    arm_batch: bool = True  # False: POST /batch answers 404, as a cloud without it would

    def directory_objects(self) -> dict[str, dict[str, Any]]:
        """Every object getByIds can return: ``directory`` plus every group member."""
        out = {str(m["id"]).lower(): m for ms in self.groups.values() for m in ms}
        out.update({k.lower(): v for k, v in self.directory.items()})
        return out


def assignment_listings(
    assignments: list[dict[str, Any]],
    subscription_mgs: Mapping[str, Iterable[str]],
    mg_ids: Iterable[str],
    render: Callable[[dict[str, Any], str], dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """What ARM lists per scope, for ``Tenant.role_assignments``.

    A subscription's listing holds the assignments at the subscription, below it, and at the
    management groups above it (``subscription_mgs``: subscription id -> MG ids); a management
    group's listing (``$filter=atScope()``) holds only those at that group. ``render(a, scope)``
    turns an assignment into the listed body (``scope`` is "" for MG listings).
    """
    by_scope: dict[str, list[dict[str, Any]]] = {}
    for sub, mgs in subscription_mgs.items():
        prefix = f"/subscriptions/{sub}".lower()
        above = {m.lower() for m in mgs}
        by_scope[prefix] = [
            render(a, f"/subscriptions/{sub}")
            for a in assignments
            if a["scope"].lower() in above
            or a["scope"].lower() == prefix
            or a["scope"].lower().startswith(prefix + "/")
        ]
    for mg in mg_ids:
        by_scope[mg.lower()] = [
            render(a, "") for a in assignments if a["scope"].lower() == mg.lower()
        ]
    return by_scope
