"""Read-only view of one stored snapshot: its fetches and bodies, for ``snapdiff.read``.

A *fetch* is one logical request the collector made (a listing, with all its pages, or a single
GET), named by ``call`` (what was asked) and ``target`` (of what: an ARM id, a group id, a
scope). Its ``status`` is an outcome of ``snapdiff.status``: ``ok``, ``notfound``,
``not_applicable``, ``forbidden``, ``failed``, ``interrupted`` or ``superseded`` (a listing
restarted after its page token expired).
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from . import digest
from . import status as st
from .errors import StoreError
from .gcpause import paused_gc
from .naming.calls import ARG_RESOURCES
from .resumes import resumed_from
from .store import Snapshot, Store

OK = st.OK


@dataclass
class Fetch:
    """One logical request and its successful pages, bodies loaded on demand."""

    id: int
    source: str
    call: str
    target: str
    status: str
    http_status: int | None
    error: str | None
    page_hashes: list[str] = field(default_factory=list)
    _view: SnapshotView | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def absent(self) -> bool:
        """The service does not exist for this resource: read it as an empty listing."""
        return self.status == st.NOT_APPLICABLE

    def bodies(self) -> list[Any]:
        assert self._view is not None
        return [self._view.json_body(h) for h in self.page_hashes]

    def body(self) -> Any:
        """The body of a single-page fetch (a plain GET), or None."""
        bodies = self.bodies()
        return bodies[0] if bodies else None

    def items(self) -> list[Any]:
        """Concatenated ``value`` (ARM, Graph) or ``data`` (Resource Graph) of every page."""
        out: list[Any] = []
        for b in self.bodies():
            out.extend(_page_items(b))
        return out


def _page_items(body: Any) -> list[Any]:
    """The ``value`` (ARM, Graph) or ``data`` (Resource Graph) list of one page, or ``[]``."""
    if isinstance(body, dict):
        rows = body.get("value", body.get("data"))
        if isinstance(rows, list):
            return rows
    return []


class SnapshotView:
    """Everything the builder and differ may read of one snapshot."""

    def __init__(self, store: Store, snapshot_id: int):
        # Opening allocates a few objects per fetch and exchange (tens of thousands), none of
        # them garbage: the cyclic collector, left on, would walk them again and again. Not
        # paused_gc, which freezes what is alive: a view may be dropped, and it holds cycles.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._open(store, snapshot_id)
        finally:
            if was_enabled:
                gc.enable()

    def _open(self, store: Store, snapshot_id: int) -> None:
        self.store = store
        self.meta: Snapshot = store.snapshot(snapshot_id)
        self.id = snapshot_id
        # Every row is read once, checked against the snapshot's digest, and only then used:
        # a deleted or changed row (or an index that hides one) is refused, never read as absent.
        try:
            source_rows = digest.source_rows(store.conn, snapshot_id)
            rows = digest.read_rows(store.conn, snapshot_id, core=True)
        except sqlite3.DatabaseError as e:
            raise StoreError(
                f"{self.name()} in {store.path} is unreadable ({e}); run {self.verify_hint()}"
            ) from None
        check_snapshot(store, self.meta, rows, source_rows)
        self.sources: dict[str, dict[str, Any]] = {}
        for r in source_rows:
            src = dict(zip(digest.SOURCE_COLUMNS, r, strict=True))
            src["outcomes"] = json.loads(src["outcomes"]) if src["outcomes"] else None
            self.sources[src["name"]] = src
        self._cache: dict[str, Any] = {}
        self._fetches: dict[str, dict[str, Fetch]] = {}
        self._load_fetches(rows)

    def name(self) -> str:
        return f"snapshot {self.meta.id}{f' ({self.meta.label})' if self.meta.label else ''}"

    def verify_hint(self) -> str:
        return f"snapdiff verify {self.store.path}"

    def _load_fetches(self, rows: digest.SnapshotRows) -> None:
        by_id: dict[int, Fetch] = {}
        for fid, source, call, target, status, http_status, _pages, error in rows.fetches:
            f = by_id[fid] = Fetch(
                fid, source, call, target, status, http_status, error, _view=self
            )
            if status != st.SUPERSEDED:
                # The latest fetch of a (call, target) wins.
                self._fetches.setdefault(call, {})[target] = f
        pages: dict[int, list[tuple[int, str]]] = {}
        for x in rows.exchanges:
            fid, page, h = x[1], x[3], x[4]  # digest.CORE_EXCHANGE_COLUMNS
            if fid is not None and page is not None and h is not None and fid in by_id:
                pages.setdefault(fid, []).append((page, h))
        for fid, got in pages.items():
            got.sort(key=lambda p: p[0])  # stable: exchanges of one page keep id order
            by_id[fid].page_hashes = [h for _, h in got]

    def json_body(self, h: str) -> Any:
        if h not in self._cache:
            try:
                data = self.store.body(h)
            except StoreError as e:  # never build or diff from a damaged body
                raise type(e)(
                    f"{self.name()} in {self.store.path} is damaged: {e}; run {self.verify_hint()}"
                ) from None
            self._cache[h] = json.loads(data)
        return self._cache[h]

    def fetch(self, call: str, target: str) -> Fetch | None:
        return self._fetches.get(call, {}).get(target)

    def fetches(self, call: str) -> list[Fetch]:
        """Every fetch of this call, in collection order."""
        return sorted(self._fetches.get(call, {}).values(), key=lambda f: f.id)

    def calls(self) -> list[str]:
        return sorted(self._fetches)

    def source_status(self, name: str) -> str:
        """``ok``, ``forbidden``, ``failed``, ``interrupted`` or ``missing``."""
        src = self.sources.get(name)
        return src["status"] if src else st.MISSING

    def incomplete_sources(self) -> dict[str, str]:
        """Sources whose data is not whole (failed, interrupted) or limited (forbidden)."""
        return {n: s["status"] for n, s in self.sources.items() if s["status"] != OK}

    def unfinished_sources(self) -> dict[str, str]:
        """Sources that failed, or were cut off or never reached (``interrupted``). A partial
        snapshot written before sources were marked ``interrupted`` names every source it has
        no row for as interrupted."""
        out = {
            n: s["status"] for n, s in self.sources.items() if s["status"] not in st.USABLE_SOURCE
        }
        if self.meta.status == st.PARTIAL and not out:
            out = {n: st.INTERRUPTED for n in st.SOURCES if n not in self.sources}
        return out

    def describe_source(self, name: str) -> str:
        """``<status>`` with the source's detail, for messages."""
        src = self.sources.get(name)
        if src is None:
            return f"{self.source_status(name)} (no record: never reached?)"
        return src["status"] + (f" ({src['detail']})" if src.get("detail") else "")

    def coverage(self) -> dict[str, str]:
        """Source -> what the identity could not see (forbidden areas, missing scopes)."""
        return st.coverage_of({"name": n, **s} for n, s in self.sources.items())

    # -- conveniences used everywhere ------------------------------------------------------
    def arg_rows(self, table: str = "resources") -> Iterator[dict[str, Any]]:
        """Resource Graph rows of ``table`` across every batch and page, in stored order."""
        for f in self.fetches(f"resourcegraph:{table}"):
            if f.ok:
                yield from f.items()

    def resources(self) -> dict[str, dict[str, Any]]:
        """Every resource row from Resource Graph, keyed by lower-cased ARM id, sorted by key.
        A row without an id is left out; of rows whose ids differ only in case, the last."""
        key = "resources_by_id"
        if key not in self._cache:
            with paused_gc():
                self._cache[key] = self._resources_by_id()
        return self._cache[key]

    def _resources_by_id(self) -> dict[str, dict[str, Any]]:
        # Each page's rows are keyed right after it is parsed, while they are still in the CPU
        # cache (a second pass over 100,000 parsed rows costs a cache miss per row).
        keys: list[str] = []
        rows: list[dict[str, Any]] = []
        for f in self.fetches(ARG_RESOURCES):
            if not f.ok:
                continue
            for h in f.page_hashes:
                page = _page_items(self.json_body(h))
                ids = [r.get("id") for r in page]
                if all(ids):  # every row has an id: the usual page
                    keys += [rid.lower() for rid in ids]
                    rows += page
                    continue
                for r, rid in zip(page, ids, strict=True):
                    if rid:
                        keys.append(rid.lower())
                        rows.append(r)
        # Resource Graph answers in id order: then the keys are already strictly increasing
        # (so unique) and need neither a sort nor a dict to drop duplicates.
        if all(map(str.__lt__, keys, islice(keys, 1, None))):
            return dict(zip(keys, rows, strict=True))
        by_key = dict(zip(keys, rows, strict=True))  # the last row of a key wins
        return {k: by_key[k] for k in sorted(by_key)}

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per view under ``key`` (the readers of ``snapdiff.read``)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


SUMMARY_VERSION = 1


def snapshot_summary(store: Store, snapshot_id: int) -> dict[str, Any]:
    """What ``snapdiff show --json`` prints; the keys are documented in README.md (show).

    Keys are only ever added within one ``summary_version``.
    """
    s = store.snapshot(snapshot_id)
    return {
        "summary_version": SUMMARY_VERSION,
        "store": str(store.path),
        "snapshot": asdict(s),
        "counts": store.counts(s.id),
        "sources": store.sources(s.id),
        "redactions": store.redactions(s.id),
        "resumed_from": resumed_from(store, s.id),
    }


def check_snapshot(
    store: Store,
    meta: Snapshot,
    rows: digest.SnapshotRows,
    source_rows: list[tuple[Any, ...]],
) -> None:
    """Refuse (StoreError naming ``snapdiff verify``) a snapshot whose rows do not match its
    digest, or, read from a bundle, whose manifest does not match. Every reader passes here."""
    name = f"snapshot {meta.id}{f' ({meta.label})' if meta.label else ''}"
    hint = f"run snapdiff verify {store.path}"
    if store.is_bundle():
        from .manifest import check_bundle_for_reader

        check_bundle_for_reader(store, meta, rows, source_rows)
        if not digest.has_columns(store.conn):
            return  # a bundle older than digests: its manifest's rows hash was checked instead
    if meta.status == "running":
        return  # not finished: no digest yet (readers name it by id only)
    recorded, parts, origin = digest.stored(store.conn, meta.id)
    if not recorded:
        raise StoreError(f"{name} in {store.path} has lost its digest (damaged); {hint}")
    now = digest.compute(store.conn, meta.id, rows, source_rows, extras=parts)
    if now.sha256 != recorded or parts != now.sources or origin not in digest.ORIGINS:
        where = digest.damaged_sources(parts, now)
        what = f" (source {', '.join(where)})" if where and len(where) < 6 else ""
        raise StoreError(
            f"{name} in {store.path} does not match its digest: rows were changed or deleted"
            f" since it was taken{what}; {hint}"
        )
