"""Shared sub-structures of the securiCAD format (spec §1.1 and §2.0)."""

from __future__ import annotations

from typing import Any

from ..naming.ids import resource_group_of


def get(obj: Any, *path: str, default: Any = None) -> Any:
    """Safe nested lookup: ``get(row, "properties", "sku", "tier")``."""
    for key in path:
        if obj.__class__ is not dict:
            return default
        obj = obj.get(key)
        if obj is None:
            return default
    return obj


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else ``{}``."""
    return value if isinstance(value, dict) else {}


def props(row: dict[str, Any]) -> dict[str, Any]:
    p = row.get("properties")
    return p if isinstance(p, dict) else {}


def managed_by(row: dict[str, Any]) -> Any:
    """Resource Graph writes ``""`` where the ARM list (upstream's source) had no ``managedBy``."""
    return row.get("managedBy") or None


def group_of(rid: str) -> str | None:
    """``resource_group_of(rid)`` (the segment after the first ``resourceGroups`` segment, as
    spelled), found with one ``find`` instead of splitting the id: it runs once per resource.
    An id with non-ASCII characters, whose lower-cased form may differ in length, takes the
    reference path."""
    if not rid.isascii():
        return resource_group_of(rid)
    # A segment equal to "resourcegroups" and not the last one: "/resourcegroups/" in the id
    # with a "/" put in front (for a first segment). Index i in that string is i - 1 in rid.
    start = ("/" + rid.lower()).find("/resourcegroups/")
    if start < 0:
        return None
    start += 15  # the group's first character, in rid
    end = rid.find("/", start)
    return rid[start : end if end >= 0 else len(rid)] or None


def common(row: dict[str, Any]) -> dict[str, Any]:
    """``id``, ``name``, ``resourceGroup`` and ``provider`` (the lower-cased ARM type).

    Resource Graph lower-cases its ``resourceGroup`` column; the old collector emitted the
    group's name as ARM spells it, which the resource's own id carries.
    """
    rid = row.get("id")
    return {
        "id": rid,
        "name": row.get("name"),
        "resourceGroup": group_of(str(rid or "")) or row.get("resourceGroup"),
        "provider": str(row.get("type") or "").lower(),
    }


def user_assigned(identity: Any) -> list[dict[str, Any]]:
    """The user-assigned identity items (§2.0). The old collector emptied the whole list when one
    entry lacked clientId or principalId; we keep the complete entries."""
    uai = identity.get("userAssignedIdentities") if isinstance(identity, dict) else None
    if not isinstance(uai, dict):
        return []
    out = []
    for ident_id, v in uai.items():
        if isinstance(v, dict) and v.get("clientId") and v.get("principalId"):
            out.append(
                {"identityId": ident_id, "clientId": v["clientId"], "principalId": v["principalId"]}
            )
    return out


def identity_triplet(
    row: dict[str, Any], list_key: str = "userAssignedIdentities"
) -> dict[str, Any]:
    ident = as_dict(row.get("identity"))
    return {
        "principalId": ident.get("principalId"),
        "principalType": ident.get("type"),
        list_key: user_assigned(ident),
    }


def expand_ip_range(start: Any, end: Any) -> list[str]:
    """Firewall-rule expansion of §2.0, kept exactly (both modes) since securiCAD parses it."""
    if not start or not end:
        return []
    start, end = str(start), str(end)
    if start == end:
        return [start]
    s, e = start.split("."), end.split(".")
    if len(s) == 4 and len(e) == 4 and s[:3] == e[:3]:
        try:
            lo, hi = int(s[3]), int(e[3])
        except ValueError:
            return [f"{start} - {end}"]
        if hi - lo < 10:
            return [".".join([*s[:3], str(i)]) for i in range(lo, hi + 1)]
    return [f"{start} - {end}"]
