"""What a section's ``compute`` gets: both snapshots, the ignore rules, the diff being filled
(notes, noise, not compared), and the passes several sections share, each run once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..naming.noise import IgnoreSet
from ..read import RoleDefinition, role_definitions
from ..snapshot import SnapshotView
from .coverage import common_scope
from .model import Diff, Noise, NotCompared, ResourcesSection
from .rbac import Assignments, load_assignments
from .reach import Reach
from .resources import Pair, diff_resources


@dataclass
class RoleData:
    """Role definitions and assignments of both snapshots (rbac and groups use them)."""

    defs_a: dict[str, RoleDefinition | None]
    defs_b: dict[str, RoleDefinition | None]
    assignments_a: Assignments
    assignments_b: Assignments


@dataclass
class DiffContext:
    a: SnapshotView
    b: SnapshotView
    ignores: IgnoreSet
    diff: Diff  # notes and not_compared are appended to; noise counts ignored fields
    chosen: list[str]  # the sections computed
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def not_compared(self) -> list[NotCompared]:
        return self.diff.not_compared

    def resource_pass(self) -> tuple[ResourcesSection, list[Pair]]:
        """The resources comparison and the (before, after) rows that differ (for CIA tags).

        Run for the CIA section alone, its noise and not-compared entries stay out of the
        report; the scope notes stay in.
        """
        if "resources" not in self._memo:
            d = self.diff
            report = "resources" in self.chosen
            covers, note = common_scope(self.a, self.b)
            if note:
                d.notes.append(note)
            noise = d.noise if report else Noise(d.noise.default_ignores, d.noise.rules)
            nc = d.not_compared if report else []
            self._memo["resources"] = diff_resources(
                self.a, self.b, self.ignores, noise, nc, d.notes, covers
            )
        result: tuple[ResourcesSection, list[Pair]] = self._memo["resources"]
        return result

    def roles(self) -> RoleData:
        """Role definitions and assignments of A and B, loaded once."""
        if "roles" not in self._memo:
            defs_a, defs_b = role_definitions(self.a), role_definitions(self.b)
            self._memo["roles"] = RoleData(
                defs_a, defs_b, load_assignments(self.a, defs_a), load_assignments(self.b, defs_b)
            )
        result: RoleData = self._memo["roles"]
        return result

    def reach(self, side: str) -> Reach:
        """CIA values per resource and scope of snapshot ``side`` ("a" or "b"), read once."""
        key = f"reach_{side}"
        if key not in self._memo:
            self._memo[key] = Reach(self.a if side == "a" else self.b)
        result: Reach = self._memo[key]
        return result
