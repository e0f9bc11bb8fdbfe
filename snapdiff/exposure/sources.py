"""Where Internet traffic comes from: IPv4 address intervals and service tags.

Azure's service tags (``AzureFrontDoor.Backend``, ``AzureCloud``, ...) stand for public
addresses that a snapshot does not hold, so a tag is kept as an opaque part of the Internet:
a rule naming the tag matches it, a rule for ``*`` or ``Internet`` matches it, a CIDR rule does
not. ``OTHER_TAGS`` stands for the addresses of every tag no rule names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .intervals import INTERNET, Intervals, format_addresses

OTHER_TAGS = "*"
ANY_WORDS = frozenset({"*", "any", "internet", "0.0.0.0/0", "0.0.0.0/0.0.0.0"})


@dataclass(frozen=True)
class Sources:
    ips: Intervals  # within INTERNET
    tags: frozenset[str] = frozenset()  # service tag names (as spelled) and OTHER_TAGS

    def __bool__(self) -> bool:
        return bool(self.ips) or bool(self.tags)

    def __or__(self, other: Sources) -> Sources:
        return Sources(self.ips | other.ips, self.tags | other.tags)

    def __sub__(self, other: Sources) -> Sources:
        return Sources(self.ips - other.ips, self.tags - other.tags)

    def __and__(self, other: Sources) -> Sources:
        return Sources(self.ips & other.ips, self.tags & other.tags)

    @property
    def is_any(self) -> bool:
        return self.ips == INTERNET

    def labels(self) -> list[str]:
        """``["any"]``, or the prefixes and ``service tag X`` names, for reports."""
        return list(_labels(self))

    def key(self) -> tuple[Any, ...]:
        """A sort key, cheaper than the labels."""
        return (self.ips.spans, sorted(self.tags))


@lru_cache(maxsize=4096)
def _labels(src: Sources) -> tuple[str, ...]:
    if src.is_any:
        return ("any",)
    out = format_addresses(src.ips)
    missing = format_addresses(INTERNET - src.ips)
    if src.ips and len(missing) < len(out):  # "any except 203.0.113.0/24" reads better
        out = ["any except " + ", ".join(missing)]
    for t in sorted(src.tags):
        if t != OTHER_TAGS:  # a tag with a space is a phrase: "Azure services (any tenant)"
            out.append(t if " " in t else f"service tag {t}")
    return tuple(out)


NOWHERE = Sources(Intervals())
ANYWHERE = Sources(INTERNET, frozenset({OTHER_TAGS}))


def any_source(tags: frozenset[str] = frozenset()) -> Sources:
    """The whole Internet, including the named service tags ``tags``."""
    return Sources(INTERNET, tags | {OTHER_TAGS})
