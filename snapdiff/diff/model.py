"""The result of a diff: ``Diff`` and the result dataclasses of the built-in sections.

Everything here is plain data; ``Diff.to_dict()`` is what ``--format json`` prints, and its
JSON schema is generated from these dataclasses (``snapdiff.diff.schema``). The schema is
versioned by ``SCHEMA_VERSION``: fields are only ever added within a version. A field's
``metadata["enum"]`` lists the values it may take.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .registry import fail_on_values, get_section, section_names, sections

if TYPE_CHECKING:
    from .registry import Section

SCHEMA_VERSION = 1
_COMPAT = ("SCHEMA", "SECTIONS", "FAIL_ON", "schema_errors")


# The start of the note on snapshots of two tenants: renderers put that note first.
TENANTS_NOTE = "A and B are snapshots of different tenants"


@dataclass
class FieldChange:
    """One changed field: ``kind`` is changed, added or removed (old/new null when absent)."""

    path: str
    kind: str = field(metadata={"enum": ["changed", "added", "removed"]})
    old: Any = None
    new: Any = None


@dataclass
class ResourceRef:
    id: str
    type: str
    name: str
    subscription: str
    resource_group: str
    cia: list[int] | None = None  # C, I, A of its scad tag (B's, else A's); None: untagged


@dataclass
class SecurityRule:
    """One NSG rule as a person reads it (``properties.securityRules[]``)."""

    name: str
    priority: int | None
    direction: str  # Inbound, Outbound
    access: str  # Allow, Deny
    protocol: str  # *, Tcp, Udp, Icmp, ...
    source: str  # prefix(es), service tag or application security group names, joined by ","
    destination: str
    ports: str  # destination port range(s), joined by ","


@dataclass
class RuleChange:
    """An NSG rule added, removed or changed (matched by name)."""

    change: str = field(metadata={"enum": ["added", "removed", "changed"]})
    before: SecurityRule | None
    after: SecurityRule | None


@dataclass
class ResourceChange:
    id: str
    type: str
    name: str
    subscription: str
    resource_group: str
    changes: list[FieldChange]
    ignored: int = 0  # field changes of this resource that ignore rules hid
    cia: list[int] | None = None  # C, I, A of its scad tag in B; None: untagged
    # NSGs: the security rules behind the changes under properties.securityRules
    rules: list[RuleChange] = field(default_factory=list)


@dataclass
class ResourceMove:
    """Removed from one resource group and added in another: same type, name, subscription."""

    old_id: str
    new_id: str
    type: str
    name: str
    subscription: str
    from_resource_group: str
    to_resource_group: str
    changes: list[FieldChange]
    cia: list[int] | None = None


@dataclass
class ResourceRename:
    """Heuristic: removed and added in one resource group, same type, identical otherwise."""

    old_id: str
    new_id: str
    type: str
    old_name: str
    new_name: str


@dataclass
class ResourcesSection:
    added: list[ResourceRef] = field(default_factory=list)
    removed: list[ResourceRef] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)
    moved: list[ResourceMove] = field(default_factory=list)
    renamed: list[ResourceRename] = field(default_factory=list)


@dataclass
class Assignment:
    id: str
    scope: str
    principal_id: str
    principal_type: str
    role_definition_id: str
    role_name: str  # the role GUID when its definition could not be read
    privileged: bool
    principal_name: str | None = None  # "display name (UPN or appId)" when the snapshot has it
    principal_display: str | None = None  # the display name alone
    principal_upn: str | None = None  # userPrincipalName, or appId of a service principal
    reach: list[int] | None = None  # highest C, I, A of the resources under its scope in B


@dataclass
class AssignmentChange:
    id: str
    role_name: str
    scope: str
    privileged: bool
    changes: list[FieldChange]


@dataclass
class RoleDefinitionChange:
    id: str  # lower-cased role GUID
    role_name: str
    privileged_before: bool
    privileged_after: bool
    changes: list[FieldChange]


@dataclass
class RbacSection:
    added: list[Assignment] = field(default_factory=list)
    removed: list[Assignment] = field(default_factory=list)
    changed: list[AssignmentChange] = field(default_factory=list)
    definitions_changed: list[RoleDefinitionChange] = field(default_factory=list)


@dataclass
class CiaValue:
    raw: str
    c: int
    i: int
    a: int
    groups: list[str]
    problems: list[str]


@dataclass
class CiaChange:
    id: str
    type: str
    name: str
    change: str = field(metadata={"enum": ["added", "removed", "changed"]})
    malformed: bool  # the tag after the change has problems
    before: CiaValue | None
    after: CiaValue | None


@dataclass
class CiaSection:
    changed: list[CiaChange] = field(default_factory=list)


@dataclass
class Member:
    id: str
    type: str  # user, group, servicePrincipal, device, ...
    principal_name: str | None = None  # "display name (UPN or appId)" when known
    principal_display: str | None = None
    principal_upn: str | None = None


@dataclass
class GroupChange:
    group_id: str
    roles: list[str]  # "<role name> on <scope>" the group holds (after, else before)
    privileged: bool
    direct_added: list[Member]
    direct_removed: list[Member]
    transitive_added: list[Member]
    transitive_removed: list[Member]
    group_name: str | None = None


@dataclass
class GroupsSection:
    changed: list[GroupChange] = field(default_factory=list)


@dataclass
class ManagementGroup:
    id: str
    name: str
    display_name: str
    parent_id: str | None


@dataclass
class ManagementGroupMove:
    id: str
    display_name: str
    old_parent_id: str | None
    new_parent_id: str | None


@dataclass
class ManagementGroupChange:
    id: str
    display_name: str
    changes: list[FieldChange]


@dataclass
class MgmtSection:
    added: list[ManagementGroup] = field(default_factory=list)
    removed: list[ManagementGroup] = field(default_factory=list)
    moved: list[ManagementGroupMove] = field(default_factory=list)
    changed: list[ManagementGroupChange] = field(default_factory=list)


@dataclass
class NotCompared:
    """Something that could not be compared honestly, and why."""

    section: str
    subject: str
    reason: str


@dataclass
class SnapshotInfo:
    id: int
    uid: str
    label: str | None
    started_at: str
    status: str
    tenant_id: str | None
    store: str  # file name of the store
    scope: dict[str, Any]


@dataclass
class Noise:
    default_ignores: bool
    rules: list[str]  # every active rule, "<type glob> <path glob>"
    ignored_changes: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    resources_only_noise: int = 0  # resources whose every field change was ignored


@dataclass
class Diff:
    """Two snapshots compared: metadata, notes, noise, and one result per computed section."""

    a: SnapshotInfo
    b: SnapshotInfo
    sections: list[str]
    notes: list[str] = field(default_factory=list)
    noise: Noise = field(default_factory=lambda: Noise(True, []))
    not_compared: list[NotCompared] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)  # section name -> its result
    schema_version: int = SCHEMA_VERSION

    def computed(self) -> list[tuple[Section[Any], Any]]:
        """(section, result) of every computed section, in report order."""
        return [(s, self.results[s.name]) for s in sections() if s.name in self.results]

    # The built-in sections by name (None when not computed).
    @property
    def resources(self) -> ResourcesSection | None:
        return self.results.get("resources")

    @property
    def rbac(self) -> RbacSection | None:
        return self.results.get("rbac")

    @property
    def cia(self) -> CiaSection | None:
        return self.results.get("cia")

    @property
    def groups(self) -> GroupsSection | None:
        return self.results.get("groups")

    @property
    def mgmt(self) -> MgmtSection | None:
        return self.results.get("mgmt")

    def counts(self) -> dict[str, dict[str, int]]:
        """Change counts per computed section."""
        return {s.name: s.counts(r, self) for s, r in self.computed()}

    def privileged_count(self) -> int:
        """Privileged changes over every section (assignments, role definitions, membership
        changes of groups that hold a privileged role)."""
        return sum(s.privileged(r) for s, r in self.computed())

    def total(self, section: str = "any") -> int:
        """Number of changes that count for ``--fail-on section``."""
        if section == "privileged":
            return self.privileged_count()
        counts = self.counts()
        names = list(counts) if section == "any" else [section]
        return sum(
            v
            for name in names
            for k, v in counts.get(name, {}).items()
            if k not in get_section(name).uncounted
        )

    def has_changes(self, fail_on: list[str] | tuple[str, ...] = ("any",)) -> bool:
        return any(self.total(s) > 0 for s in fail_on or ("any",))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "a": asdict(self.a),
            "b": asdict(self.b),
            "sections": list(self.sections),
            "summary": {"counts": self.counts(), "total": self.total("any")},
            "notes": list(self.notes),
            "noise": asdict(self.noise),
            "not_compared": [asdict(n) for n in self.not_compared],
        }
        for s in sections():
            r = self.results.get(s.name)
            out[s.name] = None if r is None else s.to_json(r)
        return out


def __getattr__(name: str) -> Any:
    """Old names: ``SECTIONS``/``FAIL_ON`` now come from the registry, ``SCHEMA`` and
    ``schema_errors`` from ``snapdiff.diff.schema``."""
    if name == "SECTIONS":
        return section_names()
    if name == "FAIL_ON":
        return fail_on_values()
    if name in _COMPAT:
        # by name: the schema is generated from this model, so the model never imports it
        return getattr(importlib.import_module(f"{__package__}.schema"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
