"""Checks on one paged listing: a next link seen before, too many pages, an id listed twice.

Azure servers have been seen to hand back a next link that points at an earlier page (the
listing then never ends) and to serve the same page twice (the items repeat). A listing that
does either is not trusted: the caller ends it ``failed`` with the message of ``PagingError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_PAGES = 20_000  # 20 million Resource Graph rows, 2 million ARM items: past it, a loop


class PagingError(Exception):
    """The listing's pages cannot be trusted; the message says why, in one line."""


class PageGuard:
    """Call ``items`` with each page's items and ``next`` with each page's next link."""

    def __init__(self, max_pages: int = MAX_PAGES):
        self.max_pages = max_pages
        self._links: dict[str, int] = {}
        self._ids: dict[str, int] = {}

    def items(self, page: int, items: Iterable[Any]) -> None:
        """Raise ``PagingError`` when an item's id was already listed on an earlier page."""
        for item in items:
            rid = item.get("id") if isinstance(item, dict) else None
            if not isinstance(rid, str) or not rid:
                continue
            key = rid.lower()
            first = self._ids.setdefault(key, page)
            if first != page:
                raise PagingError(
                    f"page {page} repeats {rid} from page {first} (a page served twice)"
                )

    def next(self, page: int, link: str | None) -> None:
        """Raise ``PagingError`` when ``link`` (page ``page``'s next link) was followed before,
        or when it would lead past ``max_pages``."""
        if not link:
            return
        seen = self._links.get(link)
        if seen is not None:
            raise PagingError(
                f"page {page}'s next link is the one page {seen} gave (the listing loops)"
            )
        if page >= self.max_pages:
            raise PagingError(f"more than {self.max_pages} pages: stopped as a loop")
        self._links[link] = page
