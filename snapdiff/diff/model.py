"""The result of a diff: dataclasses, their JSON form, and the JSON schema of that form.

Everything here is plain data; ``Diff.to_dict()`` is what ``--format json`` prints. The schema
is versioned by ``SCHEMA_VERSION``: fields are only ever added within a version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1
SECTIONS = ("resources", "rbac", "cia", "groups", "mgmt")
FAIL_ON = ("any", "resources", "rbac", "privileged", "cia", "groups", "mgmt")


@dataclass
class FieldChange:
    """One changed field: ``kind`` is changed, added or removed (old/new null when absent)."""

    path: str
    kind: str
    old: Any = None
    new: Any = None


@dataclass
class ResourceRef:
    id: str
    type: str
    name: str
    subscription: str
    resource_group: str


@dataclass
class ResourceChange:
    id: str
    type: str
    name: str
    subscription: str
    resource_group: str
    changes: list[FieldChange]
    ignored: int = 0  # field changes of this resource that ignore rules hid


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
    change: str  # added, removed or changed
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
    a: SnapshotInfo
    b: SnapshotInfo
    sections: list[str]
    notes: list[str] = field(default_factory=list)
    noise: Noise = field(default_factory=lambda: Noise(True, []))
    not_compared: list[NotCompared] = field(default_factory=list)
    resources: ResourcesSection | None = None
    rbac: RbacSection | None = None
    cia: CiaSection | None = None
    groups: GroupsSection | None = None
    mgmt: MgmtSection | None = None
    schema_version: int = SCHEMA_VERSION

    def counts(self) -> dict[str, dict[str, int]]:
        """Change counts per computed section."""
        out: dict[str, dict[str, int]] = {}
        if self.resources is not None:
            r = self.resources
            out["resources"] = {
                "added": len(r.added),
                "removed": len(r.removed),
                "changed": len(r.changed),
                "moved": len(r.moved),
                "renamed": len(r.renamed),
            }
        if self.rbac is not None:
            b = self.rbac
            out["rbac"] = {
                "added": len(b.added),
                "removed": len(b.removed),
                "changed": len(b.changed),
                "definitions_changed": len(b.definitions_changed),
                "privileged": self.privileged_count(),
            }
        if self.cia is not None:
            ch = self.cia.changed
            out["cia"] = {
                k: sum(c.change == k for c in ch) for k in ("added", "removed", "changed")
            }
            out["cia"]["malformed"] = sum(c.malformed for c in ch)
        if self.groups is not None:
            g = self.groups.changed
            out["groups"] = {
                "groups_changed": len(g),
                "members_added": sum(len(c.direct_added) + len(c.transitive_added) for c in g),
                "members_removed": sum(
                    len(c.direct_removed) + len(c.transitive_removed) for c in g
                ),
            }
        if self.mgmt is not None:
            m = self.mgmt
            out["mgmt"] = {
                "added": len(m.added),
                "removed": len(m.removed),
                "moved": len(m.moved),
                "changed": len(m.changed),
            }
        return out

    def privileged_count(self) -> int:
        """Privileged assignment and definition changes, and membership changes of groups that
        hold a privileged role."""
        n = 0
        if self.rbac is not None:
            b = self.rbac
            n += sum(a.privileged for a in b.added) + sum(a.privileged for a in b.removed)
            n += sum(c.privileged for c in b.changed)
            n += sum(d.privileged_before or d.privileged_after for d in b.definitions_changed)
        if self.groups is not None:
            n += sum(g.privileged for g in self.groups.changed)
        return n

    def total(self, section: str = "any") -> int:
        """Number of changes that count for ``--fail-on section``."""
        counts = self.counts()
        if section == "privileged":
            return self.privileged_count()
        if section == "any":
            return sum(
                v
                for name, c in counts.items()
                for k, v in c.items()
                if not (name == "rbac" and k == "privileged")
                and not (name == "cia" and k == "malformed")
                and not (name == "groups" and k == "groups_changed")
            )
        c = counts.get(section, {})
        skip = {"privileged", "malformed", "groups_changed"}
        return sum(v for k, v in c.items() if k not in skip)

    def has_changes(self, fail_on: list[str] | tuple[str, ...] = ("any",)) -> bool:
        return any(self.total(s) > 0 for s in fail_on or ("any",))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        out: dict[str, Any] = {"schema_version": d.pop("schema_version")}
        out["a"], out["b"], out["sections"] = d.pop("a"), d.pop("b"), d.pop("sections")
        out["summary"] = {"counts": self.counts(), "total": self.total("any")}
        out.update(d)
        return out


# -- the JSON schema of Diff.to_dict() ---------------------------------------------------------
_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_NSTR = {"type": ["string", "null"]}
_ANY: dict[str, Any] = {}


def _obj(props: dict[str, Any], *, extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": sorted(props),
        "additionalProperties": extra,
    }


def _arr(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    s = dict(schema)
    s["type"] = [s["type"], "null"]
    return s


_FIELD = _obj(
    {
        "path": _STR,
        "kind": {"type": "string", "enum": ["changed", "added", "removed"]},
        "old": _ANY,
        "new": _ANY,
    }
)
_RES = {"id": _STR, "type": _STR, "name": _STR, "subscription": _STR, "resource_group": _STR}
_ASSIGN = _obj(
    {
        "id": _STR,
        "scope": _STR,
        "principal_id": _STR,
        "principal_type": _STR,
        "role_definition_id": _STR,
        "role_name": _STR,
        "privileged": _BOOL,
        "principal_name": _NSTR,
    }
)
_CIA = _obj(
    {"raw": _STR, "c": _INT, "i": _INT, "a": _INT, "groups": _arr(_STR), "problems": _arr(_STR)}
)
_MEMBER = _obj({"id": _STR, "type": _STR, "principal_name": _NSTR})
_MG = _obj({"id": _STR, "name": _STR, "display_name": _STR, "parent_id": _NSTR})
_SNAP = _obj(
    {
        "id": _INT,
        "uid": _STR,
        "label": _NSTR,
        "started_at": _STR,
        "status": _STR,
        "tenant_id": _NSTR,
        "store": _STR,
        "scope": {"type": "object"},
    }
)
_COUNTS = {
    "type": "object",
    "additionalProperties": {"type": "object", "additionalProperties": _INT},
}

SCHEMA: dict[str, Any] = _obj(
    {
        "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "a": _SNAP,
        "b": _SNAP,
        "sections": _arr({"type": "string", "enum": list(SECTIONS)}),
        "summary": _obj({"counts": _COUNTS, "total": _INT}),
        "notes": _arr(_STR),
        "noise": _obj(
            {
                "default_ignores": _BOOL,
                "rules": _arr(_STR),
                "ignored_changes": _INT,
                "by_rule": {"type": "object", "additionalProperties": _INT},
                "resources_only_noise": _INT,
            }
        ),
        "not_compared": _arr(_obj({"section": _STR, "subject": _STR, "reason": _STR})),
        "resources": _nullable(
            _obj(
                {
                    "added": _arr(_obj(_RES)),
                    "removed": _arr(_obj(_RES)),
                    "changed": _arr(_obj(_RES | {"changes": _arr(_FIELD), "ignored": _INT})),
                    "moved": _arr(
                        _obj(
                            {
                                "old_id": _STR,
                                "new_id": _STR,
                                "type": _STR,
                                "name": _STR,
                                "subscription": _STR,
                                "from_resource_group": _STR,
                                "to_resource_group": _STR,
                                "changes": _arr(_FIELD),
                            }
                        )
                    ),
                    "renamed": _arr(
                        _obj(
                            {
                                "old_id": _STR,
                                "new_id": _STR,
                                "type": _STR,
                                "old_name": _STR,
                                "new_name": _STR,
                            }
                        )
                    ),
                }
            )
        ),
        "rbac": _nullable(
            _obj(
                {
                    "added": _arr(_ASSIGN),
                    "removed": _arr(_ASSIGN),
                    "changed": _arr(
                        _obj(
                            {
                                "id": _STR,
                                "role_name": _STR,
                                "scope": _STR,
                                "privileged": _BOOL,
                                "changes": _arr(_FIELD),
                            }
                        )
                    ),
                    "definitions_changed": _arr(
                        _obj(
                            {
                                "id": _STR,
                                "role_name": _STR,
                                "privileged_before": _BOOL,
                                "privileged_after": _BOOL,
                                "changes": _arr(_FIELD),
                            }
                        )
                    ),
                }
            )
        ),
        "cia": _nullable(
            _obj(
                {
                    "changed": _arr(
                        _obj(
                            {
                                "id": _STR,
                                "type": _STR,
                                "name": _STR,
                                "change": {
                                    "type": "string",
                                    "enum": ["added", "removed", "changed"],
                                },
                                "malformed": _BOOL,
                                "before": _nullable(_CIA),
                                "after": _nullable(_CIA),
                            }
                        )
                    )
                }
            )
        ),
        "groups": _nullable(
            _obj(
                {
                    "changed": _arr(
                        _obj(
                            {
                                "group_id": _STR,
                                "group_name": _NSTR,
                                "roles": _arr(_STR),
                                "privileged": _BOOL,
                                "direct_added": _arr(_MEMBER),
                                "direct_removed": _arr(_MEMBER),
                                "transitive_added": _arr(_MEMBER),
                                "transitive_removed": _arr(_MEMBER),
                            }
                        )
                    )
                }
            )
        ),
        "mgmt": _nullable(
            _obj(
                {
                    "added": _arr(_MG),
                    "removed": _arr(_MG),
                    "moved": _arr(
                        _obj(
                            {
                                "id": _STR,
                                "display_name": _STR,
                                "old_parent_id": _NSTR,
                                "new_parent_id": _NSTR,
                            }
                        )
                    ),
                    "changed": _arr(
                        _obj({"id": _STR, "display_name": _STR, "changes": _arr(_FIELD)})
                    ),
                }
            )
        ),
    }
)
SCHEMA["$schema"] = "http://json-schema.org/draft-07/schema#"
SCHEMA["title"] = "snapdiff diff output"

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def schema_errors(obj: Any, schema: dict[str, Any] = SCHEMA, path: str = "$") -> list[str]:
    """Check ``obj`` against the subset of JSON Schema used above (type, enum, properties,
    required, additionalProperties, items). Returns the problems, empty when valid."""
    errs: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = False
        for n in names:
            if isinstance(obj, bool) and n in ("integer", "number"):
                continue
            if isinstance(obj, _TYPES[n]):
                ok = True
        if not ok:
            return [f"{path}: expected {'/'.join(names)}, got {type(obj).__name__}"]
    if "enum" in schema and obj not in schema["enum"]:
        errs.append(f"{path}: {obj!r} not one of {schema['enum']}")
    if isinstance(obj, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in obj:
                errs.append(f"{path}: missing '{key}'")
        extra = schema.get("additionalProperties", True)
        for key, value in obj.items():
            if key in props:
                errs += schema_errors(value, props[key], f"{path}.{key}")
            elif extra is False:
                errs.append(f"{path}: unexpected '{key}'")
            elif isinstance(extra, dict):
                errs += schema_errors(value, extra, f"{path}.{key}")
    if isinstance(obj, list) and "items" in schema:
        for n, item in enumerate(obj):
            errs += schema_errors(item, schema["items"], f"{path}[{n}]")
    return errs
