"""The collector: the only part of snapdiff that imports azure or msgraph.

``snapdiff.collect.scope`` is plain data and stays importable without the SDKs (call names
live in ``snapdiff.naming``); ``collect`` and ``CollectOptions`` load them on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CollectOptions", "collect"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import collector

        return getattr(collector, name)
    raise AttributeError(name)
