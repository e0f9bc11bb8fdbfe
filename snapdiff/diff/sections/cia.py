"""CIA (``scad``) tags added, removed or changed on resources present in both snapshots."""

from __future__ import annotations

from ...naming import labels
from ..context import DiffContext
from ..model import CiaSection, CiaValue, Diff
from ..registry import Section, section
from ..tags import diff_cia
from ..textout import KIND_SIGN, TextOut, md_cell, md_code


def _top(v: CiaValue | None) -> int:
    return max(v.c, v.i, v.a) if v is not None else -1


def _md_value(v: CiaValue | None) -> str:
    if v is None:
        return "-"
    return f"C={v.c} I={v.i} A={v.a} groups={','.join(v.groups) or '-'}"


@section
class Cia(Section[CiaSection]):
    name, order, title, result = "cia", 30, "CIA tags", CiaSection
    uncounted = frozenset({"malformed"})

    def compute(self, ctx: DiffContext) -> CiaSection:
        out = diff_cia(ctx.resource_pass()[1])
        # the highest value after (or before, for a removed tag) first
        out.changed.sort(key=lambda c: (-max(_top(c.after), _top(c.before)), c.id.lower()))
        return out

    def counts(self, result: CiaSection, diff: Diff) -> dict[str, int]:
        ch = result.changed
        out = {k: sum(c.change == k for c in ch) for k in ("added", "removed", "changed")}
        out["malformed"] = sum(c.malformed for c in ch)
        return out

    def summary(self, counts: dict[str, int]) -> str:
        r = counts
        return (
            f"cia: {r['added']} tags added, {r['removed']} removed, {r['changed']} changed "
            f"({r['malformed']} malformed)"
        )

    def render_text(self, result: CiaSection, out: TextOut) -> None:
        o = out
        for cc in result.changed:
            bad = "  " + o.style("[malformed]", fg="red") if cc.malformed else ""
            o.item(KIND_SIGN[cc.change], labels.resource(cc.id), extra=bad)
            for label, v in (("before", cc.before), ("after", cc.after)):
                if v is None:
                    o.lines.append(f"      {label}: (no scad tag)")
                else:
                    groups = ",".join(v.groups) or "-"
                    o.lines.append(
                        f"      {label}: C={v.c} I={v.i} A={v.a} groups={groups}  [{v.raw}]"
                    )
            for p in cc.after.problems if cc.after is not None else []:
                o.lines.append(f"      problem: {p}")

    def render_markdown(self, result: CiaSection) -> list[str]:
        L = [
            "| resource | change | before | after | problems |",
            "|---|---|---|---|---|",
        ]
        for cc in result.changed:
            probs = "; ".join(cc.after.problems) if cc.after else ""
            L.append(
                f"| {md_code(labels.resource(cc.id))} | {cc.change} | {_md_value(cc.before)} | "
                f"{_md_value(cc.after)} | {md_cell(probs)} |"
            )
        return L
