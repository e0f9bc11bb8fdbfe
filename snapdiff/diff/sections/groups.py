"""Members added to and removed from groups that hold a role assignment."""

from __future__ import annotations

from ..context import DiffContext
from ..groups import diff_groups
from ..model import Diff, GroupsSection
from ..registry import Section, section
from ..textout import TextOut, md_who, who


@section
class Groups(Section[GroupsSection]):
    name, order, title, result = "groups", 40, "Group membership", GroupsSection
    uncounted = frozenset({"groups_changed", "privileged"})

    def compute(self, ctx: DiffContext) -> GroupsSection:
        r = ctx.roles()
        return diff_groups(ctx.a, ctx.b, r.assignments_a, r.assignments_b, ctx.not_compared)

    def counts(self, result: GroupsSection, diff: Diff) -> dict[str, int]:
        g = result.changed
        return {
            "groups_changed": len(g),
            "members_added": sum(len(c.direct_added) + len(c.transitive_added) for c in g),
            "members_removed": sum(len(c.direct_removed) + len(c.transitive_removed) for c in g),
            "privileged": self.privileged(result),
        }

    def privileged(self, result: GroupsSection) -> int:
        return sum(g.privileged for g in result.changed)

    def summary(self, counts: dict[str, int]) -> str:
        r = counts
        return (
            f"groups: {r['groups_changed']} groups, {r['members_added']} members added, "
            f"{r['members_removed']} removed"
        )

    def render_text(self, result: GroupsSection, out: TextOut) -> None:
        o = out
        for gc in result.changed:
            o.item("~", f"group {who(gc.group_id, gc.group_name)}", extra=o.flag(gc.privileged))
            for role in gc.roles:
                o.lines.append(f"      holds {role}")
            for label, added, removed in (
                ("direct", gc.direct_added, gc.direct_removed),
                ("transitive", gc.transitive_added, gc.transitive_removed),
            ):
                for mem in added:
                    o.item("+", f"{label} {mem.type} {who(mem.id, mem.principal_name)}", 6)
                for mem in removed:
                    o.item("-", f"{label} {mem.type} {who(mem.id, mem.principal_name)}", 6)

    def render_markdown(self, result: GroupsSection) -> list[str]:
        L: list[str] = []
        for gc in result.changed:
            L.append(
                f"- group {md_who(gc.group_id, gc.group_name)}"
                + (" **privileged**" if gc.privileged else "")
            )
            L += [f"  - holds {role}" for role in gc.roles]
            for label, added, removed in (
                ("direct", gc.direct_added, gc.direct_removed),
                ("transitive", gc.transitive_added, gc.transitive_removed),
            ):
                L += [
                    f"  - {label} member added: {m.type} {md_who(m.id, m.principal_name)}"
                    for m in added
                ]
                L += [
                    f"  - {label} member removed: {m.type} {md_who(m.id, m.principal_name)}"
                    for m in removed
                ]
        return L
