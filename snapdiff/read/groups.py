"""Group members (direct and transitive listings) and the one rule for a principal's type."""

from __future__ import annotations

from dataclasses import dataclass

from ..naming.calls import GRAPH_MEMBERS, GRAPH_TRANSITIVE_MEMBERS
from ..snapshot import Fetch, SnapshotView


def principal_type(raw: object) -> str:
    """``#microsoft.graph.servicePrincipal`` (Graph's ``@odata.type``) or ``ServicePrincipal``
    (a PIM principal's ``type``) -> ``servicePrincipal``; "" when Azure gave none."""
    kind = str(raw or "").rsplit(".", 1)[-1]
    return kind[:1].lower() + kind[1:]


@dataclass(frozen=True)
class GroupMember:
    id: str  # as listed
    type: str  # principal_type of its @odata.type: user, group, servicePrincipal, ... or ""


@dataclass(frozen=True)
class MemberListing:
    """One group's member listing: its fetch, and the members when the fetch is ok."""

    fetch: Fetch
    members: tuple[GroupMember, ...]  # () when not ok; objects without an id left out

    @property
    def ok(self) -> bool:
        return self.fetch.ok


def _read(view: SnapshotView, call: str) -> dict[str, MemberListing]:
    out: dict[str, MemberListing] = {}
    for f in view.fetches(call):
        members = (
            tuple(
                GroupMember(str(m["id"]), principal_type(m.get("@odata.type")))
                for m in f.items()
                if isinstance(m, dict) and m.get("id")
            )
            if f.ok
            else ()
        )
        out[f.target.lower()] = MemberListing(f, members)
    return out


def member_listings(view: SnapshotView, *, transitive: bool = False) -> dict[str, MemberListing]:
    """Lower group id -> its direct (or transitive) member listing, ok or not (read once)."""
    call = GRAPH_TRANSITIVE_MEMBERS if transitive else GRAPH_MEMBERS
    result: dict[str, MemberListing] = view.memo(f"read.members.{call}", lambda: _read(view, call))
    return result
