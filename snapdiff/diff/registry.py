"""The section registry of the differ: one module per section in ``snapdiff.diff.sections``.

    @section
    class Mgmt(Section[MgmtSection]):
        name, order, title, result = "mgmt", 50, "Management groups", MgmtSection
        def compute(self, ctx): ...          # -> MgmtSection, from ctx.a / ctx.b
        def counts(self, result, diff): ...  # -> {"added": n, ...}
        def summary(self, counts): ...       # -> "mgmt: 1 added, ..."
        def render_text(self, result, out): ...
        def render_markdown(self, result): ...

``order`` places the section in ``--section``, the JSON ``sections`` list and the reports;
``result`` is the dataclass ``compute`` returns, from which the JSON schema is generated.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from .context import DiffContext
    from .model import Diff
    from .textout import TextOut

R = TypeVar("R")


class Section(Generic[R]):
    """One part of a diff: computes its result and renders it."""

    name: ClassVar[str]  # --section value and JSON key
    order: ClassVar[int]  # position among the sections
    title: ClassVar[str]  # heading in text and Markdown reports
    result: ClassVar[type]  # the dataclass compute() returns
    uncounted: ClassVar[frozenset[str]] = frozenset()  # count keys that are not changes
    fail_on: ClassVar[tuple[str, ...]] = ()  # extra --fail-on values, listed after this one

    def compute(self, ctx: DiffContext) -> R:
        raise NotImplementedError

    def counts(self, result: R, diff: Diff) -> dict[str, int]:
        raise NotImplementedError

    def privileged(self, result: R) -> int:
        """Changes of this section that count for ``--fail-on privileged``."""
        return 0

    def summary(self, counts: dict[str, int]) -> str:
        raise NotImplementedError

    def valid_rule(self, rule: str) -> bool:
        """Whether ``--fail-on <name>:<rule>`` (such as ``access:c>=8``) is a rule of this section."""
        return False

    def fails(self, result: R, rule: str) -> bool:
        """Whether the ``--fail-on <name>:<rule>`` rule matches ``result``."""
        return False

    def has_changes(self, result: R) -> bool:
        """Whether the reports show this section (default: any list field is non-empty)."""
        return any(getattr(result, f.name) for f in dataclasses.fields(result))  # type: ignore[arg-type]

    def render_text(self, result: R, out: TextOut) -> None:
        raise NotImplementedError

    def render_markdown(self, result: R) -> list[str]:
        raise NotImplementedError

    def to_json(self, result: R) -> Any:
        """The section's value in the JSON document (default: the dataclass as a dict)."""
        return dataclasses.asdict(result)  # type: ignore[call-overload]

    def json_schema(self) -> dict[str, Any] | None:
        """The schema of ``to_json``'s value; None: generated from ``result``'s fields."""
        return None


REGISTRY: dict[str, Section[Any]] = {}
T = TypeVar("T", bound=Section[Any])


def section(cls: type[T]) -> type[T]:
    """Class decorator: register one instance of a ``Section`` subclass under its name."""
    REGISTRY[cls.name] = cls()
    return cls


def sections() -> list[Section[Any]]:
    """Every registered section, in report order (the built-in ones register when
    ``snapdiff.diff`` is imported)."""
    return sorted(REGISTRY.values(), key=lambda s: (s.order, s.name))


def get_section(name: str) -> Section[Any]:
    return REGISTRY[name]


def section_names() -> tuple[str, ...]:
    """The ``--section`` values, in report order."""
    return tuple(s.name for s in sections())


def counts_privileged(s: Section[Any]) -> bool:
    """Whether the section has changes that count for ``--fail-on privileged``."""
    return type(s).privileged is not Section.privileged


def fail_on_sections(value: str) -> list[str]:
    """The sections ``--fail-on value`` needs computed, whatever ``--section`` chose.

    ``any`` needs none (it counts what is computed); ``privileged`` every section that counts
    privileged changes; ``<name>`` and ``<name>:<rule>`` the section ``name``; an extra value a
    section declares (``fail_on``) that section.
    """
    if value == "any":
        return []
    if value == "privileged":
        return [s.name for s in sections() if counts_privileged(s)]
    name = value.split(":", 1)[0]
    owners = [s.name for s in sections() if s.name == name or value in s.fail_on]
    return owners


def fail_on_values() -> tuple[str, ...]:
    """The ``--fail-on`` values: ``any``, then each section followed by its extra values."""
    return ("any", *(v for s in sections() for v in (s.name, *s.fail_on)))
