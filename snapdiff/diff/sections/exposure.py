"""The ``exposure`` section: what became reachable from the Internet, what stopped being
reachable, and reachable resources whose CIA tag was raised (``snapdiff.exposure``)."""

from __future__ import annotations

from typing import Any

from ...exposure.diff import SCHEMA, ExposureDiff, diff_exposure, valid_rule
from ...exposure.render import render_diff
from ..context import DiffContext
from ..model import Diff
from ..registry import Section, section
from ..textout import TextOut


@section
class Exposure(Section[ExposureDiff]):
    name, order, title, result = "exposure", 70, "Internet exposure", ExposureDiff

    def valid_rule(self, rule: str) -> bool:
        return valid_rule(rule)

    def fails(self, result: ExposureDiff, rule: str) -> bool:
        return result.fails(rule)

    def compute(self, ctx: DiffContext) -> ExposureDiff:
        return diff_exposure(ctx.a, ctx.b)

    def counts(self, result: ExposureDiff, diff: Diff) -> dict[str, int]:
        return result.counts()

    def summary(self, counts: dict[str, int]) -> str:
        c = counts
        return (
            f"exposure: {c['reachable']} newly reachable, {c['unreachable']} no longer "
            f"reachable, {c['raised']} CIA raised"
        )

    def has_changes(self, result: ExposureDiff) -> bool:
        return bool(result.changes or result.not_compared)

    def render_text(self, result: ExposureDiff, out: TextOut) -> None:
        for line in render_diff(result):
            sign, _, rest = line.partition(" ")
            if sign in ("+", "-", "^", "?") and not line.startswith(" "):
                out.item(sign, rest)
            else:
                out.lines.append("  " + line)

    def render_markdown(self, result: ExposureDiff) -> list[str]:
        return render_diff(result, md=True)

    def to_json(self, result: ExposureDiff) -> Any:
        return result.to_dict()

    def json_schema(self) -> dict[str, Any]:
        return SCHEMA
