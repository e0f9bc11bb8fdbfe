"""Collection sources that plug in: a ``Source`` names the calls it makes and the sources it
needs, and ``run(ctx)`` fetches through ``ctx.fetcher``; ``@source`` registers it.

The collector runs every registered source once, in registration order, each after the
sources it needs; what ``run`` returns is ``ctx.provided[name]`` for the sources after it.
When a source has run, every status source its calls belong to (``<source>:<what>``) gets its
row. Adding a source is one module in this package (imported by ``load_builtin_sources``)
plus its tests; see CONTRIBUTING.md, "Add a collector source".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..fetcher import Fetcher


@dataclass
class CollectContext:
    """What a running source sees."""

    fetcher: Fetcher  # every fetch goes through it (``get``, ``list``, ``arg``, ``fetch``)
    options: Any  # the run's ``CollectOptions`` (scope, cloud, batch, concurrency)
    provided: dict[str, Any] = field(default_factory=dict)  # source name -> what run returned
    note: Callable[[str], None] = lambda msg: None  # one line per failed fetch (-v)
    collector: Any = None  # the running Collector (its own phases are sources too)


class Source(Protocol):
    name: str  # unique; the key of ``ctx.provided``
    calls: tuple[str, ...]  # call names (``<source>:<what>``) it fetches
    needs: tuple[str, ...]  # sources whose result it reads from ``ctx.provided``

    def run(self, ctx: CollectContext) -> Any: ...


REGISTRY: dict[str, Source] = {}
S = TypeVar("S")


def source(cls: type[S]) -> type[S]:
    """Class decorator: register one instance of a ``Source``."""
    instance: Any = cls()
    if instance.name in REGISTRY:
        raise ValueError(f"source {instance.name!r} registered twice")
    REGISTRY[instance.name] = instance
    return cls


def ordered(sources: Iterable[Source]) -> list[Source]:
    """Registration order, each source after those it needs; raises ``ValueError`` on a
    need nobody provides or a cycle."""
    pending = list(sources)
    names = {s.name for s in pending}
    for s in pending:
        missing = [n for n in s.needs if n not in names]
        if missing:
            raise ValueError(f"source {s.name!r} needs {', '.join(missing)}: not registered")
    out: list[Source] = []
    done: set[str] = set()
    while pending:
        ready = next((s for s in pending if all(n in done for n in s.needs)), None)
        if ready is None:
            raise ValueError("sources need each other: " + ", ".join(s.name for s in pending))
        out.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return out


def load_builtin_sources() -> dict[str, Source]:
    """Import every module of this package so that its sources register; the registry."""
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{mod.name}")
    return REGISTRY


__all__ = ["REGISTRY", "CollectContext", "Source", "load_builtin_sources", "ordered", "source"]
