"""The collector: the only part of snapdiff that imports azure or msgraph."""

from .collector import CollectOptions, collect

__all__ = ["CollectOptions", "collect"]
