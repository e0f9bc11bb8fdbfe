"""ARM ids and scopes: subscription and resource group of an id, the parts of a Resource
Graph row, and which resource groups a scope takes in (named ones plus those they manage).

Names compare case-insensitively, as ARM does. Pure functions; no azure import.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

RESOURCE_GROUP_TYPE = "microsoft.resources/subscriptions/resourcegroups"
MANAGEMENT_GROUP_PREFIX = "/providers/microsoft.management/managementgroups/"


def _after(rid: str, key: str) -> str | None:
    """The segment after the first segment equal to ``key`` (case-insensitive), if any."""
    segs = rid.split("/")
    for i, seg in enumerate(segs[:-1]):
        if seg.lower() == key:
            return segs[i + 1] or None
    return None


def subscription_of(rid: str) -> str | None:
    """``/subscriptions/{s}/...`` -> ``s`` (as spelled in the id); None for other scopes."""
    return _after(rid, "subscriptions")


def resource_group_of(rid: str) -> str | None:
    """``.../resourceGroups/{g}/...`` -> ``g`` (as spelled in the id); None outside a group."""
    return _after(rid, "resourcegroups")


def last_segment(rid: str) -> str:
    """The final segment of an id (its name, or a role definition's GUID), as spelled."""
    return rid.rstrip("/").rsplit("/", 1)[-1]


@lru_cache(maxsize=65536)
def role_guid(role_definition_id: str) -> str:
    """The lower-cased GUID of a role definition id (the target its definition is stored at);
    cached, since every assignment names one of a few roles."""
    return last_segment(role_definition_id).lower()


def is_management_group(rid: str) -> bool:
    """Whether an id names a management group (``/providers/Microsoft.Management/...``)."""
    return rid.lower().startswith(MANAGEMENT_GROUP_PREFIX)


def is_subscription_scope(rid: str) -> bool:
    """Whether an id lies in a subscription (``/subscriptions/...``: it or anything below)."""
    return rid.lower().startswith("/subscriptions/")


def id_scopes(rid: str) -> list[str]:
    """Every scope at or above an id, outermost first, from its second segment down:
    ``/subscriptions/s``, ``.../resourceGroups/g``, then each deeper prefix of the id (the
    bare ``resourceGroups`` and ``providers`` segments are not scopes), the id itself last."""
    parts = rid.split("/")
    out = []
    for n in range(3, len(parts) + 1):
        prefix = "/".join(parts[:n])
        if not prefix.lower().endswith(("/resourcegroups", "/providers")):
            out.append(prefix)
    return out


def resource_group_scope(rid: str) -> str:
    """The first four segments of an id: ``/subscriptions/s/resourceGroups/g`` for anything in
    a resource group (as spelled in the id)."""
    return "/".join(rid.split("/", 5)[:5])


def row_parts(row: dict[str, Any]) -> tuple[str, str, str, str]:
    """(lower-cased type, name, subscription, resource group) of a Resource Graph row; the
    columns win, the row's id fills in what they lack."""
    rid = str(row.get("id", ""))
    sub = row.get("subscriptionId") or subscription_of(rid) or ""
    rg = row.get("resourceGroup") or resource_group_of(rid) or ""
    name = row.get("name") or last_segment(rid)
    return str(row.get("type", "")).lower(), str(name), str(sub), str(rg)


def is_resource_group(container: dict[str, Any]) -> bool:
    """Whether a ``resourcecontainers`` row is a resource group (not a subscription)."""
    return str(container.get("type", "")).lower() == RESOURCE_GROUP_TYPE


def scoped_resource_groups(
    containers: Iterable[dict[str, Any]], wanted: Iterable[str]
) -> list[dict[str, Any]]:
    """The resource-group rows a resource-group scope takes in: the groups named in ``wanted``
    and the groups managed by a resource in one of them (AKS ``MC_*`` groups), in input order."""
    names = {str(n).lower() for n in wanted}
    out = []
    for c in containers:
        if not is_resource_group(c):
            continue
        manager_rg = resource_group_of(str(c.get("managedBy") or "")) or ""
        if str(c.get("name") or "").lower() in names or manager_rg.lower() in names:
            out.append(c)
    return out
