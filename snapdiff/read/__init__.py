"""Typed, read-only records of one stored snapshot, over ``SnapshotView``.

The one place that parses the stored Azure bodies the analyses share: role assignments (one
deduplication key, the lower-cased id), role definitions, deny and PIM-eligible assignments,
group members (one principal-type rule), the management-group tree and the scope chain of any
id, and resources with their CIA tags. The builder (``snapdiff.securicad``), the differ
(``snapdiff.diff``), access (``snapdiff.access``) and the other analyses read through it; each
reader is computed once per snapshot view.
"""

from __future__ import annotations

from .groups import GroupMember, MemberListing, member_listings, principal_type
from .mgmt import ManagementGroup, ManagementGroups, ScopeTree, management_groups, scope_tree
from .rbac import (
    PRIVILEGED_BUILTINS,
    DenyAssignment,
    EligibleAssignment,
    RoleAssignments,
    RoleDefinition,
    deny_assignments,
    eligible_assignments,
    is_privileged,
    role_assignments,
    role_definitions,
)
from .resources import CiaTag, Resource, cia_tag, resource_records

__all__ = [
    "PRIVILEGED_BUILTINS",
    "CiaTag",
    "DenyAssignment",
    "EligibleAssignment",
    "GroupMember",
    "ManagementGroup",
    "ManagementGroups",
    "MemberListing",
    "Resource",
    "RoleAssignments",
    "RoleDefinition",
    "ScopeTree",
    "cia_tag",
    "deny_assignments",
    "eligible_assignments",
    "is_privileged",
    "management_groups",
    "member_listings",
    "principal_type",
    "resource_records",
    "role_assignments",
    "role_definitions",
    "scope_tree",
]
