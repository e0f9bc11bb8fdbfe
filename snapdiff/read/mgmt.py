"""The management-group tree: each listed group with its details, and the scope chain of any
ARM id (management groups above its subscription, then the subscription and below)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..naming.calls import MANAGEMENT_GROUP_GET, MANAGEMENT_GROUPS_LIST
from ..naming.ids import id_scopes, is_management_group, is_subscription_scope, subscription_of
from ..snapshot import Fetch, SnapshotView


@dataclass(frozen=True)
class MgChild:
    """A direct child in a group's details, fields as stored (None when absent)."""

    id: Any
    type: Any
    name: Any


@dataclass(frozen=True)
class ManagementGroup:
    id: str  # as listed
    name: str | None  # as listed (the details' name when the listing has none)
    display_name: str
    parent_id: str | None  # from the details, else from the listing item
    details_ok: bool  # the group's details were read
    children: tuple[MgChild, ...]  # from the details; () when they were not read

    @property
    def parent_known(self) -> bool:
        return self.details_ok or self.parent_id is not None


@dataclass
class ManagementGroups:
    listing: Fetch | None  # the tenant's management-group listing
    groups: dict[str, ManagementGroup]  # lower id -> group, in listing order (ok listing only)


def _parent(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    parent = ((body.get("properties") or {}).get("details") or {}).get("parent") or {}
    return str(parent["id"]) if parent.get("id") else None


def _details(view: SnapshotView) -> dict[str, dict[str, Any]]:
    """Lower group id -> its details body, for every ok details read."""
    out = {}
    for f in view.fetches(MANAGEMENT_GROUP_GET):
        body = f.body() if f.ok else None
        if isinstance(body, dict):
            out[f.target.lower()] = body
    return out


def _group(item: dict[str, Any], body: dict[str, Any] | None) -> ManagementGroup:
    src = body if body is not None else item
    props = src.get("properties") or {}
    children = ((body.get("properties") or {}).get("children") or []) if body else []
    name = item.get("name") or (body or {}).get("name")
    return ManagementGroup(
        str(item["id"]),
        None if name is None else str(name),
        str(props.get("displayName") or ""),
        _parent(body) or _parent(item),
        body is not None,
        tuple(
            MgChild(c.get("id"), c.get("type"), c.get("name"))
            for c in children
            if isinstance(c, dict)
        ),
    )


def _read(view: SnapshotView) -> ManagementGroups:
    listing = view.fetch(MANAGEMENT_GROUPS_LIST, "")
    details = _details(view)
    out = ManagementGroups(listing, {})
    for item in listing.items() if listing is not None and listing.ok else []:
        if isinstance(item, dict) and item.get("id"):
            key = str(item["id"]).lower()
            out.groups[key] = _group(item, details.get(key))
    return out


def management_groups(view: SnapshotView) -> ManagementGroups:
    """The listed management groups with their details (read once per view)."""
    result: ManagementGroups = view.memo("read.management_groups", lambda: _read(view))
    return result


@dataclass
class ScopeTree:
    """Parents from every management group's details: subscription -> group, group -> group."""

    sub_parent: dict[str, str]  # lower subscription scope -> lower management group id
    mg_parent: dict[str, str | None]  # lower management group id -> lower parent id

    def groups_above(self, subscription_scope: str) -> list[str]:
        """Lower management group ids above a subscription, root first (cycles cut)."""
        up: list[str] = []
        mg = self.sub_parent.get(subscription_scope.lower())
        while mg and mg not in up:
            up.append(mg)
            mg = self.mg_parent.get(mg)
        return up[::-1]

    def chain(self, rid: str, sub: str | None = None) -> list[str]:
        """Lower scopes above and at ``rid``, root first: management groups, subscription,
        resource group, parent resources, itself. ``sub`` (the subscription GUID) defaults
        to the one in the id."""
        low = rid.lower()
        sub = (sub or subscription_of(low) or "").lower()
        sub_scope = f"/subscriptions/{sub}"
        return self.groups_above(sub_scope) + [s for s in id_scopes(low) if s.startswith(sub_scope)]


def _tree(view: SnapshotView) -> ScopeTree:
    tree = ScopeTree({}, {})
    for body in _details(view).values():
        if not body.get("id"):
            continue
        me = str(body["id"]).lower()
        parent = _parent(body)
        tree.mg_parent[me] = parent.lower() if parent else None
        for child in (body.get("properties") or {}).get("children") or []:
            cid = str((child or {}).get("id") or "").lower()
            if is_subscription_scope(cid):
                tree.sub_parent[cid] = me
            elif is_management_group(cid):
                tree.mg_parent.setdefault(cid, me)
    return tree


def scope_tree(view: SnapshotView) -> ScopeTree:
    """The management-group tree of a snapshot (read once per view)."""
    result: ScopeTree = view.memo("read.scope_tree", lambda: _tree(view))
    return result
