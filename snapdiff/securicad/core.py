"""The always-present parts of the securiCAD file: subscriptions, resource groups, management
groups, role assignments, groups; plus ``hva_tags`` and the App Insights topology list."""

from __future__ import annotations

from collections import deque
from typing import Any

from ..naming.calls import INSIGHTS_TOPOLOGY, SUBSCRIPTIONS_GET, SUBSCRIPTIONS_LIST
from ..naming.ids import is_resource_group, scoped_resource_groups
from ..naming.rbac import AssignmentItem, group_principals
from ..naming.scad import find_scad_tag, parse_scad, parse_scad_bug_compatible
from ..read import management_groups as read_management_groups
from ..read import member_listings, role_definitions
from ..read import role_assignments as read_role_assignments
from .common import managed_by
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
    out = []
    for mg in read_management_groups(ctx.view).groups.values():
        if not mg.details_ok:
            ctx.warn(mg.id, "management group details missing; emitted with scope []")
        children = [{"id": c.id, "scopeType": c.type, "name": c.name} for c in mg.children]
        out.append({"id": mg.id, "name": mg.name, "scope": children})
    if ctx.bug_compatible:
        out.reverse()
    return out


def role_assignments(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.4: every stored assignment once, in stored order."""
    defs = role_definitions(ctx.view)
    out = []
    for a in role_assignments_read(ctx):
        if not a.role_definition_id:
            ctx.warn(a.id, "role assignment without roleDefinitionId skipped")
            continue
        rd = defs.get(a.role_guid)
        if rd is None:
            ctx.warn(a.id, f"role definition {a.role_definition_id} not stored; roleName null")
        out.append(
            {
                "id": a.raw.get("id"),
                "name": a.raw.get("name"),
                "scope": (a.raw.get("properties") or {}).get("scope"),
                "principalId": (a.raw.get("properties") or {}).get("principalId"),
                "principalType": (a.raw.get("properties") or {}).get("principalType"),
                "roleName": rd.role_name if rd is not None else None,
                "permissions": [
                    {
                        "actions": block["actions"],
                        "notActions": block["notActions"],
                        "dataActions": block["dataActions"],
                        "notDataActions": block["notDataActions"],
                    }
                    for block in (rd.blocks if rd is not None else [])
                ],
            }
        )
    return out


def role_assignments_read(ctx: BuildContext) -> list[AssignmentItem]:
    """The snapshot's role assignments (``snapdiff.read``), in stored order."""
    return list(read_role_assignments(ctx.view).records.values())


def groups(ctx: BuildContext) -> list[dict[str, Any]]:
    """§2.5: every group reached from a Group-principal assignment, breadth-first, once each,
    with all pages of its direct members. A group whose members could not be read (forbidden,
    failed, cut off) is emitted with ``members: null``, unknown, never ``[]`` (an empty group),
    and a warning."""
    listings = member_listings(ctx.view)
    queue: deque[str] = deque(group_principals(role_assignments_read(ctx)))
    seen: set[str] = set()
    out = []
    while queue:
        gid = queue.popleft()
        if gid in seen:
            continue
        seen.add(gid)
        listing = listings.get(gid.lower())
        found: list[dict[str, Any]] = []
        members: list[dict[str, Any]] | None = found
        if listing is None or not listing.ok:
            why = "not collected" if listing is None else listing.fetch.status
            ctx.warn(gid, f"group members {why}; members null (unknown)")
            members = None
        else:
            for m in listing.members:
                found.append({"id": m.id, "memberType": m.type})
                if m.type == "group" and m.id not in seen:
                    queue.append(m.id)
        out.append({"groupId": gid, "members": members})
    return out


def hva_tags(ctx: BuildContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """§2.30 / §6: one entry per resource with a ``scad`` tag, supported kind or not."""
    out = []
    plain: set[Any] = set()  # tag names seen that are not ``scad`` in any spelling
    parsed: dict[Any, tuple[dict[str, Any], list[str]]] = {}
    for row in rows:
        tags = row.get("tags")
        if not tags or (tags.__class__ is dict and plain.issuperset(tags)):
            continue  # no tag that find_scad_tag could take: most rows, decided in C
        value = find_scad_tag(tags, bug_compatible=ctx.bug_compatible)
        if tags.__class__ is dict:
            plain.update(k for k in tags if str(k).strip().lower() != "scad")
        if value is None:
            continue
        rid = str(row.get("id", ""))
        hit = parsed.get(value) if value.__class__ is str else None  # a list is unhashable
        entry, problems = hit or _parse_tag(ctx, value, parsed)
        for problem in problems:
            ctx.warn(rid, f"scad tag: {problem}")
        out.append({"id": rid.lower(), **entry, "scadGrps": list(entry["scadGrps"])})
    return out


def _parse_tag(
    ctx: BuildContext, value: Any, memo: dict[Any, tuple[dict[str, Any], list[str]]]
) -> tuple[dict[str, Any], list[str]]:
    """The ``hva_tags`` entry of a tag value and its problems, kept in ``memo`` when the value
    is a string (many resources carry the same tag)."""
    if ctx.bug_compatible:
        got: tuple[dict[str, Any], list[str]] = (parse_scad_bug_compatible(value), [])
    else:
        scad = parse_scad(value)
        got = (scad.as_dict(), scad.problems)
    if value.__class__ is str:
        memo[value] = got
    return got


INSIGHTS_TYPE = "microsoft.insights/components"


def insights(ctx: BuildContext, rows: list[dict[str, Any]]) -> list[Any]:
    """§2.31 / §7: topology bodies of App Insights components, skipping error bodies (rows of
    other types are passed over)."""
    out = []
    for row in rows:
        if str(row.get("type", "")).lower() != INSIGHTS_TYPE:
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
