"""Resources: added, removed, changed (field paths; NSG rules as rule lines), moved and
renamed?, highest CIA value first."""

from __future__ import annotations

import re

from ...naming import labels
from ..context import DiffContext
from ..model import Diff, FieldChange, ResourceChange, ResourcesSection, RuleChange
from ..nsg import NSG_TYPE, rule_changes, rule_line
from ..reach import top
from ..registry import Section, section
from ..textout import TextOut, md_code, md_fields

# Field changes a rule line already says: a whole rule added or removed, or one of its fields.
_RULE_FIELD = re.compile(
    r"properties\.securityRules\[\d+\]"
    r"(\.properties\.(priority|direction|access|protocol|source\w*|destination\w*))?",
    re.I,
)


def _cia_note(cia: list[int] | None) -> str:
    return f"  {labels.cia(cia)}" if cia else ""


def _shown_fields(c: ResourceChange) -> list[FieldChange]:
    """The field changes to print: those under securityRules that the rule lines show are
    left out."""
    if not c.rules:
        return c.changes
    return [ch for ch in c.changes if not _RULE_FIELD.fullmatch(ch.path)]


def _rule_lines(rc: RuleChange) -> list[tuple[str, str]]:
    """(sign, text) lines of one rule change: the rule before (-) and after (+)."""
    out = []
    if rc.before is not None:
        out.append(("-", "rule " + rule_line(rc.before)))
    if rc.after is not None:
        out.append(("+", "rule " + rule_line(rc.after)))
    return out


@section
class Resources(Section[ResourcesSection]):
    name, order, title, result = "resources", 10, "Resources", ResourcesSection

    def compute(self, ctx: DiffContext) -> ResourcesSection:
        r, pairs = ctx.resource_pass()
        # the rows of every resource in both whose content differs (parsed once, by the pass)
        rows = {str(new.get("id", "")).lower(): (old, new) for old, new in pairs}
        cia_a, cia_b = ctx.reach("a"), ctx.reach("b")
        for x in r.added:
            x.cia = cia_b.resource(x.id)
        for x in r.removed:
            x.cia = cia_a.resource(x.id)
        for m in r.moved:
            m.cia = cia_b.resource(m.new_id)
        for c in r.changed:
            c.cia = cia_b.resource(c.id)
            if c.type == NSG_TYPE:
                old, new = rows.get(c.id.lower(), (None, None))
                c.rules = rule_changes(old, new)
        for items in (r.added, r.removed, r.changed):
            items.sort(key=lambda x: (-top(x.cia), x.id.lower()))
        r.moved.sort(key=lambda x: (-top(x.cia), x.new_id.lower()))
        r.renamed.sort(key=lambda x: x.old_id.lower())
        return r

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
            o.item("+", labels.resource(x.id), extra=_cia_note(x.cia))
        for x in r.removed:
            o.item("-", labels.resource(x.id), extra=_cia_note(x.cia))
        for m in r.moved:
            o.item(
                ">",
                f"{labels.resource(m.old_id)} moved to resource group {m.to_resource_group}",
                extra=_cia_note(m.cia),
            )
            if labels.verbose():
                o.lines.append(f"      now {m.new_id}")
            o.fields(m.changes)
        for n in r.renamed:
            o.item("?", f"renamed? {labels.resource(n.old_id)} -> {n.new_name}")
        for c in r.changed:
            ign = f"  ({c.ignored} ignored)" if c.ignored else ""
            o.item("~", labels.resource(c.id), extra=_cia_note(c.cia) + ign)
            for rc in c.rules:
                for sign, text in _rule_lines(rc):
                    o.item(sign, labels.clip(text, labels.WIDTH - 8), 6)
            o.fields(_shown_fields(c))

    def render_markdown(self, result: ResourcesSection) -> list[str]:
        r = result

        def cia(x: list[int] | None) -> str:
            return f" ({labels.cia(x)})" if x else ""

        L = [f"- **added** {md_code(labels.resource(x.id))}{cia(x.cia)}" for x in r.added]
        L += [f"- **removed** {md_code(labels.resource(x.id))}{cia(x.cia)}" for x in r.removed]
        for m in r.moved:
            L.append(
                f"- **moved** {md_code(labels.resource(m.old_id))}{cia(m.cia)} from "
                f"`{m.from_resource_group}` to `{m.to_resource_group}`"
            )
            if m.changes:
                L += md_fields(m.changes)
        L += [
            f"- **renamed?** {md_code(labels.resource(n.old_id))} to `{n.new_name}`"
            for n in r.renamed
        ]
        for c in r.changed:
            ign = f" ({c.ignored} ignored)" if c.ignored else ""
            L.append(f"- **changed** {md_code(labels.resource(c.id))}{cia(c.cia)}{ign}")
            for rc in c.rules:
                L += [f"  - {md_code(sign + ' ' + text)}" for sign, text in _rule_lines(rc)]
            shown = _shown_fields(c)
            if shown:
                L += md_fields(shown)
        return L
