"""Management groups added, removed, moved (parent changed) or renamed (display name)."""

from __future__ import annotations

from ...naming import labels
from ..context import DiffContext
from ..mgmt import diff_mgmt
from ..model import Diff, MgmtSection
from ..registry import Section, section
from ..textout import TextOut, md_fields


def _mg(mg_id: str | None) -> str:
    """A management group by its name (the last segment of its id); the id under -v."""
    if not mg_id:
        return "-"
    return mg_id if labels.verbose() else mg_id.rstrip("/").rsplit("/", 1)[-1]


@section
class Mgmt(Section[MgmtSection]):
    name, order, title, result = "mgmt", 50, "Management groups", MgmtSection

    def compute(self, ctx: DiffContext) -> MgmtSection:
        return diff_mgmt(ctx.a, ctx.b, ctx.not_compared)

    def counts(self, result: MgmtSection, diff: Diff) -> dict[str, int]:
        m = result
        return {
            "added": len(m.added),
            "removed": len(m.removed),
            "moved": len(m.moved),
            "changed": len(m.changed),
        }

    def summary(self, counts: dict[str, int]) -> str:
        r = counts
        return (
            f"mgmt: {r['added']} added, {r['removed']} removed, {r['moved']} moved, "
            f"{r['changed']} changed"
        )

    def render_text(self, result: MgmtSection, out: TextOut) -> None:
        mg, o = result, out
        for grp in mg.added:
            o.item(
                "+", f"{grp.display_name or grp.name} ({_mg(grp.id)}) under {_mg(grp.parent_id)}"
            )
        for grp in mg.removed:
            o.item("-", f"{grp.display_name or grp.name} ({_mg(grp.id)})")
        for mv in mg.moved:
            o.wrapped(
                ">",
                f"{mv.display_name} ({_mg(mv.id)}) moved from {_mg(mv.old_parent_id)} to "
                f"{_mg(mv.new_parent_id)}",
            )
        for ch in mg.changed:
            o.item("~", f"{ch.display_name} ({_mg(ch.id)})")
            o.fields(ch.changes)

    def render_markdown(self, result: MgmtSection) -> list[str]:
        mg = result
        L = [f"- **added** {x.display_name or x.name} (`{x.id}`)" for x in mg.added]
        L += [f"- **removed** {x.display_name or x.name} (`{x.id}`)" for x in mg.removed]
        L += [
            f"- **moved** {mv.display_name} (`{mv.id}`): `{mv.old_parent_id}` to "
            f"`{mv.new_parent_id}`"
            for mv in mg.moved
        ]
        for ch in mg.changed:
            L.append(f"- **changed** {ch.display_name} (`{ch.id}`)")
            L += md_fields(ch.changes)
        return L
