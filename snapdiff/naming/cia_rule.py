"""``--fail-on <section>:c>=8`` rules: a CIA value (c, i or a), a comparison and a threshold,
shared by the sections that judge resources by their ``scad`` tag (access, exposure)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import SnapdiffError

_SHAPE = r"{}:([cia])\s*(>=|>|==|=)\s*(\d+)"


@dataclass(frozen=True)
class CiaRule:
    index: int  # 0 C, 1 I, 2 A
    op: str
    threshold: int

    def meets(self, cia: tuple[int, ...] | list[int] | None) -> bool:
        """Whether a resource's (C, I, A) meets the rule; an untagged one never does."""
        v = cia[self.index] if cia else -1
        compare: dict[str, Callable[[int, int], bool]] = {
            ">=": lambda a, b: a >= b,
            ">": lambda a, b: a > b,
            "=": lambda a, b: a == b,
            "==": lambda a, b: a == b,
        }
        return compare[self.op](v, self.threshold)


def parse_cia_rule(section: str, rule: str) -> CiaRule | None:
    """The CIA rule of ``section:c>=N`` (any case, spaces allowed), or None for another shape."""
    m = re.fullmatch(_SHAPE.format(re.escape(section)), rule, re.I)
    if m is None:
        return None
    return CiaRule("cia".index(m.group(1).lower()), m.group(2), int(m.group(3)))


def valid_cia_rule(section: str, rule: str) -> bool:
    """``section`` alone, or a CIA rule some value in 0..10 can meet (``c>=11`` never could)."""
    r = parse_cia_rule(section, rule)
    if r is None:
        return rule == section
    return r.threshold < 10 if r.op == ">" else r.threshold <= 10


def require_cia_rule(section: str, rule: str) -> CiaRule:
    """The rule, or a one-line error naming the two shapes a section takes."""
    r = parse_cia_rule(section, rule)
    if r is None:
        raise SnapdiffError(f"bad --fail-on {rule!r}: use {section} or {section}:c>=8")
    return r
