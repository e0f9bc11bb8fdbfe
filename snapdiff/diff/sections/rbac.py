"""Role assignments added, removed, changed, and role definitions whose permissions changed."""

from __future__ import annotations

from ..context import DiffContext
from ..model import Diff, RbacSection
from ..rbac import diff_rbac
from ..registry import Section, section
from ..textout import TextOut, md_cell, md_code, md_fields, md_who, value, who


@section
class Rbac(Section[RbacSection]):
    name, order, title, result = "rbac", 20, "Role assignments", RbacSection
    uncounted = frozenset({"privileged"})
    fail_on = ("privileged",)

    def compute(self, ctx: DiffContext) -> RbacSection:
        r = ctx.roles()
        return diff_rbac(r.defs_a, r.defs_b, r.assignments_a, r.assignments_b, ctx.not_compared)

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
                o.item(
                    sign,
                    f"{a.role_name} for {a.principal_type} {who(a.principal_id, a.principal_name)}"
                    f" on {a.scope}",
                    extra=o.flag(a.privileged),
                )
                o.lines.append(f"      {a.id}")
        for ac in b.changed:
            o.item("~", f"{ac.role_name} on {ac.scope}", extra=o.flag(ac.privileged))
            o.lines.append(f"      {ac.id}")
            o.fields(ac.changes)
        for dc in b.definitions_changed:
            priv = dc.privileged_before or dc.privileged_after
            note = (
                ""
                if dc.privileged_before == dc.privileged_after
                else ("  (now privileged)" if dc.privileged_after else "  (no longer privileged)")
            )
            o.item("~", f"role definition {dc.role_name} ({dc.id}){note}", extra=o.flag(priv))
            o.fields(dc.changes)

    def render_markdown(self, result: RbacSection) -> list[str]:
        b = result
        L = ["| change | role | principal | scope | privileged |", "|---|---|---|---|---|"]
        for kind, items in (("added", b.added), ("removed", b.removed)):
            for a in items:
                L.append(
                    f"| {kind} | {md_cell(a.role_name)} | {a.principal_type} "
                    f"{md_who(a.principal_id, a.principal_name)} | "
                    f"{md_code(a.scope)} | {'**yes**' if a.privileged else 'no'} |"
                )
        for ac in b.changed:
            what = "; ".join(f"{f.path}: {value(f.old)} -> {value(f.new)}" for f in ac.changes)
            L.append(
                f"| changed ({md_cell(what)}) | {md_cell(ac.role_name)} | | {md_code(ac.scope)} | "
                f"{'**yes**' if ac.privileged else 'no'} |"
            )
        for dc in b.definitions_changed:
            priv = dc.privileged_before or dc.privileged_after
            L += [
                "",
                f"- **role definition changed** {dc.role_name} (`{dc.id}`)"
                + (" **privileged**" if priv else ""),
            ]
            L += md_fields(dc.changes)
        return L
