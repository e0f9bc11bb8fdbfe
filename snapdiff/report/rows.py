"""Table rows of the report, one per change, from each section's result object.

Known sections (resources, rbac, cia, groups, mgmt, access) have their own reader; any other
registered section (``exposure`` and those to come) is read generically from its JSON value:
every list of objects becomes rows, named by their ``name``/``id`` fields, and findings that
carry a ``path`` get a graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..access.diff import AccessDiff
from ..diff.model import (
    CiaSection,
    Diff,
    GroupsSection,
    MgmtSection,
    RbacSection,
    ResourcesSection,
)
from ..diff.textout import value
from ..naming.ids import last_segment, resource_group_of
from ..naming.labels import shorten_ids

CiaOf = Callable[[str], "list[int] | None"]  # resource id -> [C, I, A] (B, else A), or None

COLUMNS = (
    "section",
    "change",
    "name",
    "id",
    "type",
    "group",
    "principal",
    "cia",
    "detail",
    "graph",
    "privileged",
)


@dataclass
class Row:
    section: str
    change: str
    name: str
    id: str
    type: str = ""
    group: str = ""  # resource group
    principal: str = ""
    cia: list[int] | None = None
    detail: str = ""
    graph: str = ""  # id of the path graph that explains it
    privileged: bool = False

    def cells(self) -> list[Any]:
        return [
            self.section,
            self.change,
            self.name,
            self.id,
            self.type,
            self.group,
            self.principal,
            self.cia,
            self.detail,
            self.graph,
            1 if self.privileged else 0,
        ]


def _rg(rid: str) -> str:
    return resource_group_of(rid) or ""


def _fields(changes: Iterable[Any], limit: int = 6) -> str:
    items = list(changes)
    parts = [f"{f.path}: {value(f.old, 60)} → {value(f.new, 60)}" for f in items[:limit]]
    if len(items) > limit:
        parts.append(f"… {len(items) - limit} more")
    return "; ".join(parts)


def _who(pid: str, name: str | None) -> str:
    return name or pid


def _short(label: str) -> str:
    """``display name`` of a ``display name (UPN or appId)`` label (the principal column has
    the whole label)."""
    return label.split(" (", 1)[0] if label.endswith(")") else label


def resources_rows(r: ResourcesSection, cia: CiaOf) -> list[Row]:
    out = [
        Row("resources", kind, x.name, x.id, x.type, x.resource_group, cia=cia(x.id))
        for kind, items in (("added", r.added), ("removed", r.removed))
        for x in items
    ]
    out += [
        Row(
            "resources",
            "moved",
            m.name,
            m.new_id,
            m.type,
            m.to_resource_group,
            cia=cia(m.new_id),
            detail=f"from {m.from_resource_group} (was {m.old_id}) " + _fields(m.changes),
        )
        for m in r.moved
    ]
    out += [
        Row(
            "resources",
            "renamed?",
            n.new_name,
            n.new_id,
            n.type,
            _rg(n.new_id),
            cia=cia(n.new_id),
            detail=f"was {n.old_name} ({n.old_id})",
        )
        for n in r.renamed
    ]
    out += [
        Row(
            "resources",
            "changed",
            c.name,
            c.id,
            c.type,
            c.resource_group,
            cia=cia(c.id),
            detail=_fields(c.changes) + (f" ({c.ignored} ignored)" if c.ignored else ""),
        )
        for c in r.changed
    ]
    return out


def rbac_rows(r: RbacSection, cia: CiaOf) -> list[Row]:
    out = [
        Row(
            "rbac",
            kind,
            f"{a.role_name} for {_short(_who(a.principal_id, a.principal_name))}",
            a.id,
            a.principal_type,
            _rg(a.scope),
            _who(a.principal_id, a.principal_name),
            cia(a.scope),
            f"at {shorten_ids(a.scope)}",
            privileged=a.privileged,
        )
        for kind, items in (("added", r.added), ("removed", r.removed))
        for a in items
    ]
    out += [
        Row(
            "rbac",
            "changed",
            ac.role_name,
            ac.id,
            "",
            _rg(ac.scope),
            cia=cia(ac.scope),
            detail=f"at {shorten_ids(ac.scope)}: " + _fields(ac.changes),
            privileged=ac.privileged,
        )
        for ac in r.changed
    ]
    out += [
        Row(
            "rbac",
            "role definition changed",
            dc.role_name,
            dc.id,
            "roleDefinition",
            detail=_fields(dc.changes),
            privileged=dc.privileged_before or dc.privileged_after,
        )
        for dc in r.definitions_changed
    ]
    return out


def cia_rows(r: CiaSection) -> list[Row]:
    out = []
    for c in r.changed:
        before = f"C{c.before.c} I{c.before.i} A{c.before.a}" if c.before else "none"
        after = f"C{c.after.c} I{c.after.i} A{c.after.a}" if c.after else "none"
        now = c.after or c.before
        cia = [now.c, now.i, now.a] if now else None
        problems = "; problems: " + ", ".join(c.after.problems) if c.after and c.malformed else ""
        out.append(
            Row(
                "cia",
                c.change,
                c.name,
                c.id,
                c.type,
                _rg(c.id),
                cia=cia,
                detail=f"{before} → {after}{problems}",
            )
        )
    return out


def groups_rows(r: GroupsSection) -> list[Row]:
    out = []
    for g in r.changed:
        name = g.group_name or g.group_id
        for kind, members in (
            ("member added", g.direct_added),
            ("member removed", g.direct_removed),
            ("transitive member added", g.transitive_added),
            ("transitive member removed", g.transitive_removed),
        ):
            for m in members:
                out.append(
                    Row(
                        "groups",
                        kind,
                        f"{_who(m.id, m.principal_name)} in {name}",
                        m.id,
                        m.type,
                        principal=_who(m.id, m.principal_name),
                        detail=f"group {name} [{g.group_id}]; holds "
                        + ("; ".join(g.roles) or "no role"),
                        privileged=g.privileged,
                    )
                )
    return out


def mgmt_rows(r: MgmtSection) -> list[Row]:
    out = [
        Row(
            "mgmt",
            kind,
            m.display_name or m.name,
            m.id,
            "managementGroup",
            detail=f"parent {m.parent_id}",
        )
        for kind, items in (("added", r.added), ("removed", r.removed))
        for m in items
    ]
    out += [
        Row(
            "mgmt",
            "moved",
            m.display_name,
            m.id,
            "managementGroup",
            detail=f"{m.old_parent_id} → {m.new_parent_id}",
        )
        for m in r.moved
    ]
    out += [
        Row("mgmt", "changed", m.display_name, m.id, "managementGroup", detail=_fields(m.changes))
        for m in r.changed
    ]
    return out


def access_rows(r: AccessDiff, graphs: Mapping[str, str]) -> list[Row]:
    out = []
    for i, ch in enumerate(r.changes):
        who = _who(ch.principal, ch.principal_name)
        top = list(ch.top) if ch.top[0] >= 0 else None
        reached = list(dict.fromkeys(last_segment(x.id) for x in ch.resources))
        names = ", ".join(reached[:5])
        more = f" … {len(reached) - 5} more" if len(reached) > 5 else ""
        groups = sorted({_rg(x.id) for x in ch.resources if _rg(x.id)})
        out.append(
            Row(
                "access",
                ch.change + (" (eligible)" if ch.eligible else ""),
                f"{_short(who)}: {', '.join(ch.capabilities)} on {len(ch.resources)} resource(s)",
                ch.principal,
                "",
                ", ".join(groups[:3]) + (" …" if len(groups) > 3 else ""),
                who,
                top,
                "because " + "; ".join(shorten_ids(c) for c in ch.causes) + f" — {names}{more}",
                graphs.get(f"access-{i}", ""),
                ch.privileged,
            )
        )
    out += [
        Row("access", "not compared", nc["subject"], "", detail=shorten_ids(nc["reason"]))
        for nc in r.not_compared
    ]
    return out


_NAME_KEYS = ("short", "name", "display_name", "principal_name", "resource_name", "subject", "id")
_NOT_DETAIL = frozenset({"path", "id", "name", "short", "cia", "port_ranges", "resource", "type"})


def generic_rows(section: str, value_: Any, graphs: Mapping[str, str], cia: CiaOf) -> list[Row]:
    """Rows of a section this module does not know: each object in each top-level list."""
    out: list[Row] = []
    if not isinstance(value_, Mapping):
        return out
    for key, items in value_.items():
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                out.append(Row(section, key, str(item), ""))
                continue
            rid = str(item.get("resource") or item.get("id") or "")
            name = next((str(item[k]) for k in _NAME_KEYS if item.get(k)), rid or key)
            c = item.get("cia")
            detail = "; ".join(
                f"{k}: {value(v, 80)}"
                for k, v in item.items()
                if k not in _NOT_DETAIL and v not in (None, [], {}, "")
            )
            out.append(
                Row(
                    section,
                    str(item.get("change") or item.get("kind") or key),
                    name,
                    rid,
                    str(item.get("type") or ""),
                    _rg(rid),
                    str(item.get("principal_name") or item.get("principal") or ""),
                    list(c) if isinstance(c, list) and len(c) == 3 else cia(rid),
                    detail,
                    graphs.get(f"{section}-{key}-{i}", ""),
                    bool(item.get("privileged")),
                )
            )
    return out


def diff_rows(d: Diff, cia: CiaOf, graphs: Mapping[str, str]) -> list[Row]:
    """Every change of every computed section, in report order."""
    from ..diff.registry import get_section

    rows: list[Row] = []
    for s, result in d.computed():
        if isinstance(result, ResourcesSection):
            rows += resources_rows(result, cia)
        elif isinstance(result, RbacSection):
            rows += rbac_rows(result, cia)
        elif isinstance(result, CiaSection):
            rows += cia_rows(result)
        elif isinstance(result, GroupsSection):
            rows += groups_rows(result)
        elif isinstance(result, MgmtSection):
            rows += mgmt_rows(result)
        elif isinstance(result, AccessDiff):
            rows += access_rows(result, graphs)
        else:
            rows += generic_rows(s.name, get_section(s.name).to_json(result), graphs, cia)
    return rows
