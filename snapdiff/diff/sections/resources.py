"""Resources: added, removed, changed (field paths), moved and renamed?."""

from __future__ import annotations

from ..context import DiffContext
from ..model import Diff, ResourcesSection
from ..registry import Section, section
from ..textout import TextOut, md_code, md_fields


@section
class Resources(Section[ResourcesSection]):
    name, order, title, result = "resources", 10, "Resources", ResourcesSection

    def compute(self, ctx: DiffContext) -> ResourcesSection:
        return ctx.resource_pass()[0]

    def counts(self, result: ResourcesSection, diff: Diff) -> dict[str, int]:
        r = result
        return {
            "added": len(r.added),
            "removed": len(r.removed),
            "changed": len(r.changed),
            "moved": len(r.moved),
            "renamed": len(r.renamed),
        }

    def summary(self, counts: dict[str, int]) -> str:
        r = counts
        return (
            f"resources: {r['added']} added, {r['removed']} removed, {r['changed']} changed, "
            f"{r['moved']} moved, {r['renamed']} renamed?"
        )

    def render_text(self, result: ResourcesSection, out: TextOut) -> None:
        r, o = result, out
        for x in r.added:
            o.item("+", x.id)
        for x in r.removed:
            o.item("-", x.id)
        for m in r.moved:
            o.item(">", f"{m.old_id}")
            o.lines.append(
                f"      moved {m.from_resource_group} -> {m.to_resource_group}: {m.new_id}"
            )
            o.fields(m.changes)
        for n in r.renamed:
            o.item("?", f"renamed? {n.old_id} -> {n.new_name}")
        for c in r.changed:
            o.item("~", c.id, extra=f"  ({c.ignored} ignored)" if c.ignored else "")
            o.fields(c.changes)

    def render_markdown(self, result: ResourcesSection) -> list[str]:
        r = result
        L = [f"- **added** {md_code(x.id)}" for x in r.added]
        L += [f"- **removed** {md_code(x.id)}" for x in r.removed]
        for m in r.moved:
            L.append(
                f"- **moved** {md_code(m.old_id)} from `{m.from_resource_group}` to "
                f"`{m.to_resource_group}`: {md_code(m.new_id)}"
            )
            if m.changes:
                L += md_fields(m.changes)
        L += [f"- **renamed?** {md_code(n.old_id)} to `{n.new_name}`" for n in r.renamed]
        for c in r.changed:
            ign = f" ({c.ignored} ignored)" if c.ignored else ""
            L.append(f"- **changed** {md_code(c.id)}{ign}")
            L += md_fields(c.changes)
        return L
