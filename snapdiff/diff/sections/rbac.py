"""Role assignments added, removed, changed, and role definitions whose permissions changed."""

from __future__ import annotations

from ...naming import labels
from ...read.principals import principal_names
from ..context import DiffContext
from ..model import Assignment, Diff, RbacSection
from ..rbac import diff_rbac
from ..reach import top
from ..registry import Section, section
from ..textout import TextOut, md_cell, md_code, md_fields, value


def assignee(a: Assignment) -> str:
    """``Eve Contractor <eve@contoso.com> (User 259e0f9b…)``: the name before the id."""
    return labels.principal(a.principal_id, a.principal_display, a.principal_upn, a.principal_type)


def _reach(cia: list[int] | None) -> str:
    return f"reaches {labels.cia(cia)}" if cia else "reaches nothing tagged"


@section
class Rbac(Section[RbacSection]):
    name, order, title, result = "rbac", 20, "Role assignments", RbacSection
    uncounted = frozenset({"privileged"})
    fail_on = ("privileged",)

    def compute(self, ctx: DiffContext) -> RbacSection:
        r = ctx.roles()
        out = diff_rbac(r.defs_a, r.defs_b, r.assignments_a, r.assignments_b, ctx.not_compared)
        for side, items in (("b", out.added), ("a", out.removed)):
            names = principal_names(ctx.b if side == "b" else ctx.a)
            reach = ctx.reach(side)
            for a in items:
                n = names.get(a.principal_id.lower())
                if n is not None:
                    a.principal_display, a.principal_upn = n.display_name, n.upn_or_app_id or None
                a.reach = reach.scope(a.scope)
            # highest CIA value reached first, then privileged, then by role and name
            items.sort(
                key=lambda a: (
                    -top(a.reach),
                    not a.privileged,
                    a.role_name.lower(),
                    (a.principal_display or a.principal_id).lower(),
                    a.id.lower(),
                )
            )
        out.changed.sort(key=lambda c: (not c.privileged, c.role_name.lower(), c.id.lower()))
        out.definitions_changed.sort(
            key=lambda d: (not (d.privileged_before or d.privileged_after), d.role_name.lower())
        )
        return out

    def counts(self, result: RbacSection, diff: Diff) -> dict[str, int]:
        b = result
        return {
            "added": len(b.added),
            "removed": len(b.removed),
            "changed": len(b.changed),
            "definitions_changed": len(b.definitions_changed),
            "privileged": self.privileged(result),  # its own; groups count theirs
        }

    def privileged(self, result: RbacSection) -> int:
        b = result
        n = sum(a.privileged for a in b.added) + sum(a.privileged for a in b.removed)
        n += sum(c.privileged for c in b.changed)
        return n + sum(d.privileged_before or d.privileged_after for d in b.definitions_changed)

    def summary(self, counts: dict[str, int]) -> str:
        r = counts
        return (
            f"rbac: {r['added']} assignments added, {r['removed']} removed, {r['changed']} changed, "
            f"{r['definitions_changed']} role definitions changed ({r['privileged']} privileged)"
        )

    def render_text(self, result: RbacSection, out: TextOut) -> None:
        b, o = result, out
        for sign, items in (("+", b.added), ("-", b.removed)):
            for a in items:
                o.item(sign, f"{a.role_name} for {assignee(a)}", extra=o.flag(a.privileged))
                o.lines.append(f"      on {labels.resource(a.scope)}; {_reach(a.reach)}")
                if labels.verbose():
                    o.lines.append(f"      {a.id}")
        for ac in b.changed:
            o.item(
                "~", f"{ac.role_name} on {labels.resource(ac.scope)}", extra=o.flag(ac.privileged)
            )
            if labels.verbose():
                o.lines.append(f"      {ac.id}")
            o.fields(ac.changes)
        for dc in b.definitions_changed:
            priv = dc.privileged_before or dc.privileged_after
            note = (
                ""
                if dc.privileged_before == dc.privileged_after
                else ("  (now privileged)" if dc.privileged_after else "  (no longer privileged)")
            )
            o.item(
                "~",
                f"role definition {dc.role_name} ({labels.short_id(dc.id)}){note}",
                extra=o.flag(priv),
            )
            o.fields(dc.changes)

    def render_markdown(self, result: RbacSection) -> list[str]:
        b = result
        L = [
            "| change | role | principal | scope | reaches | privileged |",
            "|---|---|---|---|---|---|",
        ]
        for kind, items in (("added", b.added), ("removed", b.removed)):
            for a in items:
                L.append(
                    f"| {kind} | {md_cell(a.role_name)} | {md_cell(assignee(a))} | "
                    f"{md_code(labels.resource(a.scope))} | {labels.cia(a.reach)} | "
                    f"{'**yes**' if a.privileged else 'no'} |"
                )
        for ac in b.changed:
            what = "; ".join(f"{f.path}: {value(f.old)} -> {value(f.new)}" for f in ac.changes)
            L.append(
                f"| changed ({md_cell(what)}) | {md_cell(ac.role_name)} | | "
                f"{md_code(labels.resource(ac.scope))} | | "
                f"{'**yes**' if ac.privileged else 'no'} |"
            )
        for dc in b.definitions_changed:
            priv = dc.privileged_before or dc.privileged_after
            L += [
                "",
                f"- **role definition changed** {dc.role_name} (`{labels.short_id(dc.id)}`)"
                + (" **privileged**" if priv else ""),
            ]
            L += md_fields(dc.changes)
        return L
