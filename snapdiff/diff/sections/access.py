"""The ``access`` section: effective access gained, lost or raised (``snapdiff.access``)."""

from __future__ import annotations

import textwrap
from typing import Any

from ...access.diff import SCHEMA, AccessDiff, diff_access, entries, valid_rule
from ...access.render import entry_lines
from ...naming import labels
from ..context import DiffContext
from ..model import Diff
from ..registry import Section, section
from ..textout import TextOut, md_cell


@section
class Access(Section[AccessDiff]):
    name, order, title, result = "access", 60, "Access", AccessDiff
    uncounted = frozenset({"privileged"})

    def compute(self, ctx: DiffContext) -> AccessDiff:
        return diff_access(ctx.a, ctx.b)

    def counts(self, result: AccessDiff, diff: Diff) -> dict[str, int]:
        return result.counts()

    # No privileged(): --fail-on privileged stays about assignments, role definitions and the
    # groups holding privileged roles (docs/diff.md); access changes have --fail-on access and
    # access:c>=N. Now that access is computed by default, counting its privileged changes
    # there would make every CIA tag raised on a resource with an owner "privileged".

    def summary(self, counts: dict[str, int]) -> str:
        c = counts
        return f"access: {c['gained']} gained, {c['lost']} lost, {c['raised']} raised"

    def valid_rule(self, rule: str) -> bool:
        return valid_rule(rule)

    def fails(self, result: AccessDiff, rule: str) -> bool:
        return result.fails(rule)

    def has_changes(self, result: AccessDiff) -> bool:
        return bool(result.changes or result.not_compared or result.upper_bound)

    def render_text(self, result: AccessDiff, out: TextOut) -> None:
        for e in entries(result):
            for depth, sign, text in entry_lines(e):
                if depth == 0:
                    out.lines.append("  " + text)
                elif sign:
                    out.item(sign, text, indent=2 + 2 * depth)
                else:
                    pad = " " * (4 + 2 * depth)
                    out.lines += textwrap.wrap(
                        text,
                        labels.WIDTH,
                        initial_indent=pad,
                        subsequent_indent=pad + "  ",
                        break_on_hyphens=False,
                        break_long_words=False,
                    )
        for ub in result.upper_bound:
            out.wrapped("!", f"{ub['subject']}: {labels.shorten_ids(ub['reason'])}")
        for nc in result.not_compared:
            out.wrapped("?", f"not compared: {nc['subject']}: {labels.shorten_ids(nc['reason'])}")

    def render_markdown(self, result: AccessDiff) -> list[str]:
        lines = []
        for e in entries(result):
            for depth, _sign, text in entry_lines(e):
                pre = "  " * depth + "- "
                if depth == 0:
                    lines.append(f"{pre}**{md_cell(text)}**")
                else:
                    lines.append(pre + md_cell(text))  # gained/lost/raised say the sign
        lines += [
            f"- {ub['subject']}: {md_cell(labels.shorten_ids(ub['reason']))}"
            for ub in result.upper_bound
        ]
        lines += [
            f"- not compared: {n['subject']}: {md_cell(labels.shorten_ids(n['reason']))}"
            for n in result.not_compared
        ]
        return lines

    def to_json(self, result: AccessDiff) -> Any:
        return result.to_dict()

    def json_schema(self) -> dict[str, Any]:
        return SCHEMA
