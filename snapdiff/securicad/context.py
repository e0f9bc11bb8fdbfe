"""The read-only context a builder sees: the snapshot, the mode, lookups and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..snapshot import Fetch, SnapshotView


@dataclass
class BuildContext:
    view: SnapshotView
    bug_compatible: bool = False
    warnings: list[str] = field(default_factory=list)
    _resources: dict[str, dict[str, Any]] | None = field(default=None, init=False, repr=False)

    def warn(self, resource_id: str, message: str) -> None:
        """Record a divergence or a skip, naming the resource."""
        self.warnings.append(f"{resource_id}: {message}")

    def fetch(self, call: str, resource_id: str) -> Fetch | None:
        """The per-resource fetch ``call`` (see snapdiff.naming.calls) of a resource, or None
        when it was never attempted."""
        return self.view.fetch(call, resource_id.lower())

    def items(self, call: str, resource_id: str) -> list[Any] | None:
        """Items of a per-resource listing: ``[]`` when the service does not exist for this
        resource (not_applicable); None when it failed, was forbidden or is absent."""
        f = self.fetch(call, resource_id)
        if f is not None and f.absent:
            return []
        return f.items() if f is not None and f.ok else None

    def body(self, call: str, resource_id: str) -> Any | None:
        """Body of a per-resource single GET; None when it failed, was forbidden or is absent."""
        f = self.fetch(call, resource_id)
        return f.body() if f is not None and f.ok else None

    def resource(self, resource_id: str) -> dict[str, Any] | None:
        """Another resource's Resource Graph row, by ARM id (case-insensitive)."""
        if self._resources is None:
            self._resources = self.view.resources()
        return self._resources.get(resource_id.lower())
