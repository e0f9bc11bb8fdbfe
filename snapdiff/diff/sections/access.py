"""The ``access`` section: effective access gained, lost or raised (``snapdiff.access``)."""

from __future__ import annotations

from typing import Any

from ...access.diff import SCHEMA, AccessDiff, diff_access, valid_rule
from ...access.render import change_lines
from ..context import DiffContext
from ..model import Diff
from ..registry import Section, section
from ..textout import TextOut


@section
class Access(Section[AccessDiff]):
    name, order, title, result = "access", 60, "Access", AccessDiff
    uncounted = frozenset({"privileged"})

    def compute(self, ctx: DiffContext) -> AccessDiff:
        return diff_access(ctx.a, ctx.b)

    def counts(self, result: AccessDiff, diff: Diff) -> dict[str, int]:
        return result.counts()

    def privileged(self, result: AccessDiff) -> int:
        return sum(c.privileged for c in result.changes)

    def summary(self, counts: dict[str, int]) -> str:
        c = counts
        return f"access: {c['gained']} gained, {c['lost']} lost, {c['raised']} raised"

    def valid_rule(self, rule: str) -> bool:
        return valid_rule(rule)

    def fails(self, result: AccessDiff, rule: str) -> bool:
        return result.fails(rule)

    def has_changes(self, result: AccessDiff) -> bool:
        return bool(result.changes or result.not_compared)

    def render_text(self, result: AccessDiff, out: TextOut) -> None:
        for ch in result.changes:
            first, *rest = change_lines(ch, md=False)
            out.item(first[0], first[2:])
            for line in rest:
                out.item(" ", line.strip(), indent=6)
        for nc in result.not_compared:
            out.item("?", f"not compared: {nc['subject']}: {nc['reason']}")

    def render_markdown(self, result: AccessDiff) -> list[str]:
        lines = [line for ch in result.changes for line in change_lines(ch, md=True)]
        lines += [f"- not compared: {n['subject']}: {n['reason']}" for n in result.not_compared]
        return lines

    def to_json(self, result: AccessDiff) -> Any:
        return result.to_dict()

    def json_schema(self) -> dict[str, Any]:
        return SCHEMA
