"""Service Bus namespaces (spec §2.22): authorization rules, queues and topics listings."""

from __future__ import annotations

from typing import Any

from ..common import common, get
from ..context import BuildContext
from ..registry import kind
from .databases import dicts, listing

_CALLS = ("servicebus:authorizationRules", "servicebus:queues", "servicebus:topics")


@kind("serviceBuses", "microsoft.servicebus/namespaces")
def service_bus(row: dict[str, Any], ctx: BuildContext) -> dict[str, Any] | None:
    """One ``serviceBuses[]`` object. An unreadable listing (which crashed the old collector)
    gives ``[]`` and a warning, in both modes."""
    rid = row["id"]
    lists: dict[str, list[dict[str, Any]]] = {}
    for call in _CALLS:
        items = listing(ctx, call, rid)
        if items is None:
            f = ctx.fetch(call, rid)
            ctx.warn(rid, f"{call} {f.status if f else 'not fetched'}: emitted as []")
        lists[call] = dicts(items)
    tier = get(row, "sku", "tier") or get(row, "sku", "name")
    if not isinstance(tier, str):
        ctx.warn(rid, "Service Bus namespace without sku: tier Basic")
        tier = "Basic"
    return {
        **common(row),
        "tier": tier,
        "authorizationRules": [
            {
                "id": r.get("id"),
                "name": r.get("name"),
                "rights": get(r, "properties", "rights", default=[]),
            }
            for r in lists["servicebus:authorizationRules"]
        ],
        "queues": [{"id": q.get("id"), "name": q.get("name")} for q in lists["servicebus:queues"]],
        "topics": [{"id": t.get("id"), "name": t.get("name")} for t in lists["servicebus:topics"]],
    }
