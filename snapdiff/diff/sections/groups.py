"""Members added to and removed from groups that hold a role assignment."""

from __future__ import annotations

from ...naming import labels
from ...read.principals import principal_names
from ..context import DiffContext
from ..groups import diff_groups
from ..model import Diff, GroupsSection, Member
from ..registry import Section, section
from ..textout import TextOut, md_cell


def member(m: Member) -> str:
    """``Dave Ops <dave@contoso.com> (User e36e5b6a…)``."""
    return labels.principal(m.id, m.principal_display, m.principal_upn, m.type)


def _holds(role: str) -> str:
    """``Owner on /providers/.../mg-platform`` with the scope in short form."""
    name, sep, scope = role.partition(" on ")
    return f"{name} on {labels.resource(scope)}" if sep else role


@section
class Groups(Section[GroupsSection]):
    name, order, title, result = "groups", 40, "Group membership", GroupsSection
    uncounted = frozenset({"groups_changed", "privileged"})

    def compute(self, ctx: DiffContext) -> GroupsSection:
        r = ctx.roles()
        out = diff_groups(ctx.a, ctx.b, r.assignments_a, r.assignments_b, ctx.not_compared)
        na, nb = principal_names(ctx.a), principal_names(ctx.b)
        for gc in out.changed:
            for names, members in (
                (nb, gc.direct_added + gc.transitive_added),
                (na, gc.direct_removed + gc.transitive_removed),
            ):
                for m in members:
                    n = names.get(m.id.lower())
                    if n is not None:
                        m.principal_display = n.display_name
                        m.principal_upn = n.upn_or_app_id or None
        out.changed.sort(key=lambda g: (not g.privileged, (g.group_name or g.group_id).lower()))
        return out

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
            grp = labels.principal(gc.group_id, gc.group_name, None, "Group")
            o.item("~", grp, extra=o.flag(gc.privileged))
            for role in gc.roles:
                o.lines.append(f"      holds {_holds(role)}")
            for label, added, removed in (
                ("direct", gc.direct_added, gc.direct_removed),
                ("transitive", gc.transitive_added, gc.transitive_removed),
            ):
                for mem in added:
                    o.item("+", f"{label} {member(mem)}", 6)
                for mem in removed:
                    o.item("-", f"{label} {member(mem)}", 6)

    def render_markdown(self, result: GroupsSection) -> list[str]:
        L: list[str] = []
        for gc in result.changed:
            grp = labels.principal(gc.group_id, gc.group_name, None, "Group")
            L.append(f"- {md_cell(grp)}" + (" **privileged**" if gc.privileged else ""))
            L += [f"  - holds {md_cell(_holds(role))}" for role in gc.roles]
            for label, added, removed in (
                ("direct", gc.direct_added, gc.direct_removed),
                ("transitive", gc.transitive_added, gc.transitive_removed),
            ):
                L += [f"  - {label} member added: {md_cell(member(m))}" for m in added]
                L += [f"  - {label} member removed: {md_cell(member(m))}" for m in removed]
        return L
