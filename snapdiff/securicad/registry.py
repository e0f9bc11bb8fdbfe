"""The builder registry: one decorated function per securiCAD resource kind.

    @kind("virtualMachines", "microsoft.compute/virtualmachines")
    def virtual_machine(row, ctx):
        return {...}      # or None to skip (after ctx.warn)

A builder is a pure function of the stored Resource Graph row and whatever it reads through
``ctx`` (per-resource fetches, other resources by id). Built-ins register exactly like plugins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import BuildContext

Builder = Callable[[dict[str, Any], "BuildContext"], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Kind:
    key: str  # top-level key in the securiCAD file, e.g. "virtualMachines"
    types: tuple[str, ...]  # lower-cased ARM types it handles
    func: Builder


REGISTRY: dict[str, Kind] = {}  # by top-level key
BY_TYPE: dict[str, Kind] = {}  # by lower-cased ARM type


def kind(key: str, *types: str) -> Callable[[Builder], Builder]:
    """Register ``func`` as the builder of top-level ``key`` for the given ARM types."""

    def register(func: Builder) -> Builder:
        k = Kind(key, tuple(t.lower() for t in types), func)
        REGISTRY[key] = k
        for t in k.types:
            BY_TYPE[t] = k
        return func

    return register
