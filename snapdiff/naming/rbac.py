"""The fields of one role assignment as ARM lists it, and the groups a set of assignments is
given to. Pure functions of listed items (the collector reads fresh answers with them;
``snapdiff.read.rbac`` reads stored listings and deduplicates)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .ids import role_guid


@dataclass(frozen=True)
class AssignmentItem:
    """The fields of one listed role assignment, as stored (empty string when absent)."""

    id: str
    scope: str
    principal_id: str
    principal_type: str
    role_definition_id: str
    raw: dict[str, Any]

    @property
    def role_guid(self) -> str:
        """Lower-cased GUID of the assigned role ("" without a roleDefinitionId)."""
        return role_guid(self.role_definition_id) if self.role_definition_id else ""

    @property
    def is_group(self) -> bool:
        """Assigned to a group (``principalType`` exactly ``Group``, as ARM spells it)."""
        return self.principal_type == "Group" and bool(self.principal_id)


def read_assignment(item: Any) -> AssignmentItem | None:
    """One item of a listing; None when it is not an object. ``id`` may be empty."""
    if not isinstance(item, dict):
        return None
    p = item.get("properties")
    p = p if isinstance(p, dict) else {}
    return AssignmentItem(
        id=str(item.get("id") or ""),
        scope=str(p.get("scope") or ""),
        principal_id=str(p.get("principalId") or ""),
        principal_type=str(p.get("principalType") or ""),
        role_definition_id=str(p.get("roleDefinitionId") or ""),
        raw=item,
    )


def read_assignments(items: Iterable[Any]) -> Iterator[AssignmentItem]:
    """The readable assignments of a listing's items, in order."""
    for item in items:
        a = read_assignment(item)
        if a is not None:
            yield a


def group_principals(assignments: Iterable[AssignmentItem]) -> list[str]:
    """Sorted, distinct object ids of the groups the assignments are given to."""
    return sorted({a.principal_id for a in assignments if a.is_group})
