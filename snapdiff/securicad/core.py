"""The always-present parts of the securiCAD file: subscriptions, resource groups, management
groups, role assignments, groups; plus ``hva_tags`` and the App Insights topology list."""

from __future__ import annotations

from typing import Any

from ..naming.calls import (
    GRAPH_MEMBERS,
    INSIGHTS_TOPOLOGY,
    MANAGEMENT_GROUP_GET,
    MANAGEMENT_GROUPS_LIST,
    ROLE_DEFINITION,
    SUBSCRIPTIONS_GET,
    SUBSCRIPTIONS_LIST,
)
from ..naming.ids import is_resource_group, role_guid, scoped_resource_groups
from ..naming.rbac import assignment_listings, group_principals, read_assignments
from ..naming.scad import find_scad_tag, parse_scad, parse_scad_bug_compatible
from .common import get, managed_by
from .context import BuildContext


def subscriptions(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.1, from the subscriptions list or per-id GETs, in stored order."""
    view = ctx.view
    bodies: list[dict[str, Any]] = []
    for f in view.fetches(SUBSCRIPTIONS_LIST):
        if f.ok:
            bodies += f.items()
    for f in view.fetches(SUBSCRIPTIONS_GET):
        if f.ok and isinstance(f.body(), dict):
            bodies.append(f.body())
    out, seen = [], set()
    for s in bodies:
        key = str(s.get("subscriptionId", "")).lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(
            {
                "id": s.get("id"),
                "name": s.get("displayName"),
                "subscriptionId": s.get("subscriptionId"),
                "authorizationSource": s.get("authorizationSource"),
            }
        )
    return out


def included_resource_groups(ctx: BuildContext) -> list[dict[str, Any]]:
    """Resource-group rows of Resource Graph's ``resourcecontainers``, filtered like the
    collector filtered resources (named groups plus groups they manage)."""
    wanted = ctx.view.meta.scope.get("resource_groups") or []
    rows = [r for r in ctx.view.arg_rows("resourcecontainers") if is_resource_group(r)]
    if wanted:
        rows = scoped_resource_groups(rows, wanted)
    return sorted(rows, key=lambda r: str(r.get("id", "")).lower())


def resource_groups(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.2."""
    return [
        {
            "id": r.get("id"),
            "subscriptionId": r.get("subscriptionId"),
            "name": r.get("name"),
            "managedBy": managed_by(r),
            "provider": "Microsoft.Resources/resourceGroups",
        }
        for r in included_resource_groups(ctx)
    ]


def management_groups(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.3 and §5: each listed group with its direct children, in list order (the old
    collector reversed it; bug-compatible mode does too). A group without children gets
    ``scope: []`` where the old collector crashed."""
    view = ctx.view
    items: list[dict[str, Any]] = []
    for f in view.fetches(MANAGEMENT_GROUPS_LIST):
        if f.ok:
            items += f.items()
    out = []
    for mg in items:
        mg_id = str(mg.get("id", ""))
        detail = view.fetch(MANAGEMENT_GROUP_GET, mg_id.lower())
        children: list[dict[str, Any]] = []
        if detail is None or not detail.ok:
            ctx.warn(mg_id, "management group details missing; emitted with scope []")
        else:
            for child in get(detail.body(), "properties", "children", default=[]) or []:
                children.append(
                    {
                        "id": child.get("id"),
                        "scopeType": child.get("type"),
                        "name": child.get("name"),
                    }
                )
        out.append({"id": mg.get("id"), "name": mg.get("name"), "scope": children})
    if ctx.bug_compatible:
        out.reverse()
    return out


def role_definitions(ctx: BuildContext) -> dict[str, dict[str, Any]]:
    """Stored role definitions by lower-cased GUID."""
    defs = {}
    for f in ctx.view.fetches(ROLE_DEFINITION):
        if f.ok and isinstance(f.body(), dict):
            defs[f.target] = f.body()
    return defs


def role_assignment_items(ctx: BuildContext) -> list[dict[str, Any]]:
    """Every stored assignment once (listings overlap: a subscription's listing repeats the
    management-group assignments it inherits), in stored order."""
    out, seen = [], set()
    for _, f in assignment_listings(ctx.view):
        if not f.ok:
            continue
        for a in read_assignments(f.items()):
            key = (a.id.lower(), a.scope.lower())
            if key in seen:
                continue
            seen.add(key)
            out.append(a.raw)
    return out


def role_assignments(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.4."""
    defs = role_definitions(ctx)
    out = []
    for a in role_assignment_items(ctx):
        p = a.get("properties") or {}
        rd_id = p.get("roleDefinitionId")
        if not rd_id:
            ctx.warn(str(a.get("id")), "role assignment without roleDefinitionId skipped")
            continue
        rd = defs.get(role_guid(rd_id))
        if rd is None:
            ctx.warn(str(a.get("id")), f"role definition {rd_id} not stored; roleName null")
        rd_props = (rd or {}).get("properties") or {}
        out.append(
            {
                "id": a.get("id"),
                "name": a.get("name"),
                "scope": p.get("scope"),
                "principalId": p.get("principalId"),
                "principalType": p.get("principalType"),
                "roleName": rd_props.get("roleName"),
                "permissions": [
                    {
                        "actions": perm.get("actions"),
                        "notActions": perm.get("notActions"),
                        "dataActions": perm.get("dataActions"),
                        "notDataActions": perm.get("notDataActions"),
                    }
                    for perm in rd_props.get("permissions") or []
                ],
            }
        )
    return out


def member_type(odata_type: str) -> str:
    return odata_type.rsplit(".", 1)[-1] if odata_type else ""


def groups(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.5: every group reached from a Group-principal assignment, breadth-first, once each,
    with all pages of its direct members. A group whose members could not be read (forbidden,
    failed, cut off) is emitted with ``members: null``, unknown, never ``[]`` (an empty group),
    and a warning."""
    view = ctx.view
    roots = group_principals(read_assignments(role_assignment_items(ctx)))
    queue, seen, out = list(roots), set(), []
    while queue:
        gid = queue.pop(0)
        if gid in seen:
            continue
        seen.add(gid)
        f = view.fetch(GRAPH_MEMBERS, gid)
        found: list[dict[str, Any]] = []
        members: list[dict[str, Any]] | None = found
        if f is None or not f.ok:
            why = "not collected" if f is None else f.status
            ctx.warn(gid, f"group members {why}; members null (unknown)")
            members = None
        else:
            for m in f.items():
                if not m.get("id"):
                    continue
                mtype = member_type(str(m.get("@odata.type", "")))
                found.append({"id": m["id"], "memberType": mtype})
                if mtype == "group" and m["id"] not in seen:
                    queue.append(m["id"])
        out.append({"groupId": gid, "members": members})
    return out


def hva_tags(ctx: BuildContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """§2.30 / §6: one entry per resource with a ``scad`` tag, supported kind or not."""
    out = []
    for row in rows:
        value = find_scad_tag(row.get("tags"), bug_compatible=ctx.bug_compatible)
        if value is None:
            continue
        rid = str(row.get("id", ""))
        if ctx.bug_compatible:
            entry = parse_scad_bug_compatible(value)
        else:
            parsed = parse_scad(value)
            for problem in parsed.problems:
                ctx.warn(rid, f"scad tag: {problem}")
            entry = parsed.as_dict()
        out.append({"id": rid.lower(), **entry})
    return out


def insights(ctx: BuildContext, rows: list[dict[str, Any]]) -> list[Any]:
    """§2.31 / §7: topology bodies of App Insights components, skipping error bodies."""
    out = []
    for row in rows:
        if str(row.get("type", "")).lower() != "microsoft.insights/components":
            continue
        f = ctx.view.fetch(INSIGHTS_TOPOLOGY, str(row.get("id", "")).lower())
        if f is None or not f.ok:
            if f is not None:
                ctx.warn(str(row.get("id")), f"App Insights topology {f.status}; skipped")
            continue
        body = f.body()
        if isinstance(body, dict) and any(k.lower() == "error" for k in body):
            ctx.warn(str(row.get("id")), "App Insights topology is an error body; skipped")
            continue
        out.append(body)
    return out
