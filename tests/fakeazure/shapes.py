"""The shapes of Azure's answers, built in one place for every fake: the server (HTTP), the
store writer (no HTTP), the demo tenant and the synthetic tenant. Field names and nesting follow
the real bodies the tests were written against; a fake that needs a body asks here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MG = "/providers/Microsoft.Management/managementGroups/"
# The fields the collector asks Graph for members ($select, MEMBER_FIELDS in
# snapdiff/collect/graph.py); Graph always adds @odata.type.
MEMBER_FIELDS = ("id", "displayName", "userPrincipalName", "appId")
# The principal kinds the collector asks getByIds for.
PRINCIPAL_KINDS = ("user", "group", "serviceprincipal")


def arg_page(rows: list[dict[str, Any]], start: int, top: int, token: str) -> dict[str, Any]:
    """One Resource Graph answer: rows[start:start+top] of ``rows`` (already in order), with
    ``$skipToken`` = ``token`` when more follow."""
    chunk = rows[start : start + top]
    body: dict[str, Any] = {
        "totalRecords": len(rows),
        "count": len(chunk),
        "data": chunk,
        "facets": [],
        "resultTruncated": "false",
    }
    if start + top < len(rows):
        body["$skipToken"] = token
    return body


def select(obj: dict[str, Any], fields: Iterable[str] | None) -> dict[str, Any]:
    """Graph's ``$select``: the named fields the object has, always with ``@odata.type``."""
    if fields is None:
        return obj
    keep = set(fields)
    return {k: v for k, v in obj.items() if k in keep or k == "@odata.type"}


def objects_by_ids(
    known: Mapping[str, dict[str, Any]], ids: Iterable[str], kinds: Iterable[str] | None
) -> list[dict[str, Any]]:
    """``getByIds``: the directory objects of ``ids`` that exist and are of one of ``kinds``
    (any kind when None), in the order asked; unknown ids are left out."""
    wanted = {k.lower() for k in kinds} if kinds else None
    out = []
    for i in ids:
        obj = known.get(str(i).lower())
        kind = str((obj or {}).get("@odata.type", "")).rsplit(".", 1)[-1].lower()
        if obj is not None and (wanted is None or kind in wanted):
            out.append(obj)
    return out


def role_assignment(
    a: Mapping[str, Any], prefix: str, audit: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A role assignment as listed under ``prefix`` (a subscription scope, or "" for a
    management-group listing). ``a``: role, principalId, principalType, scope, created, guid;
    ``audit``: the createdBy/updatedBy/... fields a tenant adds."""
    props: dict[str, Any] = {
        "roleDefinitionId": f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{a['role']}",
        "principalId": a["principalId"],
        "principalType": a["principalType"],
        "scope": a["scope"],
        "condition": None,
        "conditionVersion": None,
        "createdOn": a["created"],
        "updatedOn": a["created"],
        **(audit or {}),
    }
    return {
        "properties": props,
        "id": f"{a['scope']}/providers/Microsoft.Authorization/roleAssignments/{a['guid']}",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": a["guid"],
    }


def role_definition(
    guid: str,
    name: str,
    desc: str,
    actions: list[str],
    not_actions: list[str] | None = None,
    data: list[str] | None = None,
    *,
    custom: bool = False,
    scopes: list[str] | None = None,
    created: str = "2015-02-02T21:55:09.8806423Z",
    updated: str = "2021-11-11T20:13:47.8628684Z",
    by: str | None = None,
) -> dict[str, Any]:
    """A role definition as ``roleDefinitions/{guid}`` returns it (one permission block)."""
    return {
        "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": guid,
        "properties": {
            "roleName": name,
            "type": "CustomRole" if custom else "BuiltInRole",
            "description": desc,
            "assignableScopes": scopes or ["/"],
            "permissions": [
                {
                    "actions": actions,
                    "notActions": not_actions or [],
                    "dataActions": data or [],
                    "notDataActions": [],
                }
            ],
            "createdOn": created,
            "updatedOn": updated,
            "createdBy": by,
            "updatedBy": by,
        },
    }


def management_group_item(name: str, tenant_id: str, display: str) -> dict[str, Any]:
    """One item of the management-group listing."""
    return {
        "id": f"{MG}{name}",
        "type": "Microsoft.Management/managementGroups",
        "name": name,
        "properties": {"tenantId": tenant_id, "displayName": display},
    }


def management_group_details(
    parent: Mapping[str, str | None],
    display: Mapping[str, str],
    subscriptions: Iterable[tuple[str, str, str]],
    tenant_id: str,
    *,
    updated: Mapping[str, tuple[int, str]],
    by: str | None,
) -> dict[str, dict[str, Any]]:
    """Lower group id -> its ``$expand=children`` details, for the tree ``parent`` (group ->
    parent group, None for the root). ``subscriptions``: (id, display name, group);
    ``updated``: group -> (version, updatedTime)."""
    subscriptions = list(subscriptions)
    out = {}
    for m, up in parent.items():
        children: list[dict[str, Any]] = [
            {
                "id": f"{MG}{c}",
                "type": "Microsoft.Management/managementGroups",
                "name": c,
                "displayName": display[c],
                "children": None,
            }
            for c, p in parent.items()
            if p == m
        ]
        children += [
            {
                "id": f"/subscriptions/{sid}",
                "type": "/subscriptions",
                "name": sid,
                "displayName": name,
                "children": None,
            }
            for sid, name, mg in subscriptions
            if mg == m
        ]
        version, when = updated[m]
        out[f"{MG}{m}".lower()] = {
            "id": f"{MG}{m}",
            "type": "Microsoft.Management/managementGroups",
            "name": m,
            "properties": {
                "tenantId": tenant_id,
                "displayName": display[m],
                "details": {
                    "version": version,
                    "updatedTime": when,
                    "updatedBy": by,
                    "parent": None
                    if up is None
                    else {"id": f"{MG}{up}", "name": up, "displayName": display[up]},
                },
                "children": children or None,
            },
        }
    return out
