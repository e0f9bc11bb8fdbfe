"""Resources: added, removed, changed (field paths as DeepDiff reports them), moved and renamed.

Unchanged resources are skipped before any deep comparison: the skip test is the structural
equality of the two parsed rows (``==``, done in C, insensitive to key order), which answers
exactly what comparing hashes of key-sorted rows would, at a quarter of the cost of hashing
(benchmarks/bench_diff.py). ``content_hash`` remains for bucketing rename candidates. Rows
that differ are walked one resource at a time, equal subtrees skipped; only lists that differ
go through DeepDiff (``_walk``).
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..naming.calls import ARG_RESOURCES
from ..naming.ids import row_parts
from ..naming.noise import IgnoreSet, format_path
from ..rowindex import ResourceIndex, resource_indexes
from ..snapshot import SnapshotView
from .coverage import Covers, source_reason
from .model import (
    FieldChange,
    Noise,
    NotCompared,
    ResourceChange,
    ResourceMove,
    ResourceRef,
    ResourceRename,
    ResourcesSection,
)

Row = dict[str, Any]
Pair = tuple[Row, Row]
Parts = tuple[str, str, str, str]

_KINDS = {
    "values_changed": "changed",
    "type_changes": "changed",
    "dictionary_item_added": "added",
    "iterable_item_added": "added",
    "attribute_added": "added",
    "dictionary_item_removed": "removed",
    "iterable_item_removed": "removed",
    "attribute_removed": "removed",
}
# Fields that differ between two incarnations of the same configuration (creation times,
# service-assigned GUIDs): left out when deciding whether a removed+added pair is a rename.
RENAME_VOLATILE = frozenset(
    {
        "creationtime",
        "timecreated",
        "createdat",
        "createdon",
        "creationdate",
        "createdatutc",
        "resourceguid",
        "vmid",
        "uniqueid",
        "principalid",
    }
)


def content_hash(row: Row) -> bytes:
    """BLAKE2b of the parsed row (so whitespace, escapes and number spelling of the stored JSON
    do not matter), encoded with ``marshal``: four times faster than sorted-key JSON. Rows that
    differ only in key order hash differently and merely cost a deep comparison that finds
    nothing; a hash never hides a change."""
    try:
        data = marshal.dumps(row)
    except ValueError:  # not plain JSON data
        data = json.dumps(row, sort_keys=True, default=str).encode()
    return hashlib.blake2b(data, digest_size=16).digest()


_parts = row_parts  # (lower-cased type, name, subscription, resource group) of a row


def ref(row: Row) -> ResourceRef:
    t, n, s, g = _parts(row)
    return ResourceRef(str(row.get("id", "")), t, n, s, g)


def _walk(
    old: Any, new: Any, tokens: list[Any], out: list[tuple[str, list[Any], Any, Any]]
) -> None:
    """DeepDiff's tree report of two parsed JSON values (report type, path tokens, t1, t2),
    appended to ``out``: dicts and scalars are compared here as DeepDiff compares them
    (``type_changes`` when the types differ, bool against int included; ``values_changed``;
    ``dictionary_item_added``/``removed``); two lists that differ go to DeepDiff itself (its
    in-order list diff is subtle), their paths under ``tokens``. Equal subtrees are skipped
    first. DeepDiff over whole rows cost more than the rest of the resources section."""
    if old is new:
        return
    if type(old) is not type(new):
        out.append(("type_changes", tokens, old, new))
    elif type(old) is dict:
        for k, v in old.items():
            if k not in new:
                out.append(("dictionary_item_removed", [*tokens, k], v, None))
            elif v != new[k]:  # as the skip of equal rows: 1 == 1.0 == True are equal here
                _walk(v, new[k], [*tokens, k], out)
        out.extend(
            ("dictionary_item_added", [*tokens, k], None, v) for k, v in new.items() if k not in old
        )
    elif type(old) is list:
        if old != new:
            from deepdiff import DeepDiff  # 80 ms to import; most diffs change no list

            dd = DeepDiff(old, new, view="tree", verbose_level=2, threshold_to_diff_deeper=0)
            for report, levels in dd.items():
                for level in levels:
                    path = [*tokens, *level.path(output_format="list")]
                    out.append((report, path, _plain(level.t1), _plain(level.t2)))
    elif old != new:
        out.append(("values_changed", tokens, old, new))


def _plain(v: Any) -> Any:
    return None if type(v).__name__ == "NotPresent" else v


def field_changes(
    old: Any, new: Any, rtype: str, ignores: IgnoreSet, noise: Noise | None = None
) -> tuple[list[FieldChange], int]:
    """Field changes between two rows of one resource, minus those the rules ignore.

    Returns the kept changes (sorted by path) and the number ignored; ``noise`` counts per rule.
    """
    found: list[tuple[str, list[Any], Any, Any]] = []
    _walk(old, new, [], found)
    kept: list[FieldChange] = []
    ignored = 0
    for report, tokens, t1, t2 in found:
        rule = ignores.match(rtype, tokens)
        if rule is not None:
            ignored += 1
            if noise is not None:
                noise.ignored_changes += 1
                noise.by_rule[str(rule)] = noise.by_rule.get(str(rule), 0) + 1
            continue
        kept.append(FieldChange(format_path(tokens), _KINDS.get(report, "changed"), t1, t2))
    kept.sort(key=lambda c: c.path)
    return kept, ignored


def _replace_self(row: Row, old_id: str, new: str) -> Row:
    """``row`` with its own id (any case) replaced by ``new`` wherever it appears."""
    text = json.dumps(row, sort_keys=True)
    low = text.lower()
    needle = json.dumps(old_id)[1:-1].lower()
    out, i = [], 0
    while True:
        j = low.find(needle, i)
        if j < 0:
            break
        out.append(text[i:j])
        out.append(json.dumps(new)[1:-1])
        i = j + len(needle)
    out.append(text[i:])
    return json.loads("".join(out))


def _drop_keys(obj: Any, keys: frozenset[str]) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_keys(v, keys) for k, v in obj.items() if k.lower() not in keys}
    if isinstance(obj, list):
        return [_drop_keys(v, keys) for v in obj]
    return obj


def _rename_key(row: Row, ignores: IgnoreSet) -> bytes:
    t = _parts(row)[0]
    body = _replace_self(row, str(row.get("id", "")), "<self>")
    body = {k: v for k, v in body.items() if k not in ("id", "name")}
    return content_hash(_drop_keys(ignores.strip(t, body), RENAME_VOLATILE))


class ResourceSide:
    """The resources of one snapshot: ids and parts without parsing, parsed rows on demand.

    With a row index (``index``) it may hold only the rows that differ from the other side
    (``partial``): every other row is in both snapshots as the same text.
    """

    def __init__(self, view: SnapshotView, index: ResourceIndex | None, *, partial: bool):
        self.index = index
        self.partial = partial
        self.full: dict[str, Row] | None = None if index else view.resources()

    @classmethod
    def pair(
        cls, a: SnapshotView, b: SnapshotView, *, whole: bool = False
    ) -> tuple[ResourceSide, ResourceSide]:
        """Both sides, from the row indexes when both snapshots have one; ``whole``: with every
        row (to filter them by scope), not only those that differ."""
        idx = resource_indexes(a, b, whole=whole)
        if idx is None:
            return cls(a, None, partial=False), cls(b, None, partial=False)
        partial = not whole and a.store is b.store
        return cls(a, idx[0], partial=partial), cls(b, idx[1], partial=partial)

    def keys(self) -> set[str]:
        return set(self.index.entries if self.index is not None else self.full or {})

    def part(self, key: str) -> Parts:
        """(lower-cased type, name, subscription, resource group)."""
        if self.index is not None:
            e = self.index.entries[key]
            return e[1], e[2], e[3], e[4]
        assert self.full is not None
        return _parts(self.full[key])

    def ref(self, key: str) -> ResourceRef:
        t, n, s, g = self.part(key)
        if self.index is not None:
            return ResourceRef(self.index.entries[key][0], t, n, s, g)
        assert self.full is not None
        return ResourceRef(str(self.full[key].get("id", "")), t, n, s, g)

    def rows(self, keys: Iterable[str]) -> dict[str, Row]:
        if self.full is not None:
            return {k: self.full[k] for k in keys}
        assert self.index is not None
        return self.index.rows(keys)

    def same_text(self, other: ResourceSide, key: str) -> bool:
        """Both rows are stored as the same text (known from the index without parsing)."""
        if self.index is None or other.index is None:
            return False
        return self.index.entries[key][5] == other.index.entries[key][5]


def diff_resources(
    a: SnapshotView,
    b: SnapshotView,
    ignores: IgnoreSet,
    noise: Noise,
    not_compared: list[NotCompared],
    notes: list[str],
    covers: Covers | None = None,
) -> tuple[ResourcesSection, list[Pair]]:
    """The resources section, and the (before, after) rows of resources present in both whose
    content differs (moves included), for the CIA tag comparison.

    With a row index on both sides only the rows whose stored text differs are parsed.
    """
    sa, sb = ResourceSide.pair(a, b, whole=covers is not None)
    ka, kb = sa.keys(), sb.keys()
    if covers is not None:
        fa = {k for k in ka if covers(*(x.lower() for x in sa.part(k)[2:]))}
        fb = {k for k in kb if covers(*(x.lower() for x in sb.part(k)[2:]))}
        if len(fa) != len(ka) or len(fb) != len(kb):
            notes.append(
                f"{len(ka) - len(fa)} resources of A and {len(kb) - len(fb)} of B lie outside "
                "the scope both snapshots cover and were not compared"
            )
        ka, kb = fa, fb

    out = ResourcesSection()
    pairs: list[Pair] = []
    maybe = sorted(k for k in ka & kb if not sa.same_text(sb, k))
    ra, rb = sa.rows(maybe), sb.rows(maybe)
    for key in maybe:
        old, new = ra[key], rb[key]
        if old == new:  # see module docstring: the skip test
            continue
        rtype = _parts(new)[0]
        changes, ignored = field_changes(old, new, rtype, ignores, noise)
        pairs.append((old, new))
        if changes:
            r = ref(new)
            out.changed.append(
                ResourceChange(
                    r.id, r.type, r.name, r.subscription, r.resource_group, changes, ignored
                )
            )
        else:
            noise.resources_only_noise += 1
    out.changed.sort(key=lambda c: c.id.lower())

    only_a = sorted(ka - kb)
    only_b = sorted(kb - ka)
    reason = listing_reason(a, "A") or listing_reason(b, "B")
    if reason:
        if only_a or only_b:
            not_compared.append(
                NotCompared(
                    "resources",
                    f"added/removed resources ({len(only_a)} only in A, {len(only_b)} only in B)",
                    reason,
                )
            )
        return out, pairs

    removed = {k: sa.part(k) for k in only_a}
    added = {k: sb.part(k) for k in only_b}
    find_moves(sa, sb, removed, added, ignores, noise, out, pairs)
    _find_renames(sa, sb, removed, added, ignores, out)
    out.added = [sb.ref(k) for k in sorted(added)]
    out.removed = [sa.ref(k) for k in sorted(removed)]
    return out, pairs


def listing_reason(view: SnapshotView, side: str) -> str | None:
    reason = source_reason(view, side, "resourcegraph")
    if reason:
        return reason
    fetches = view.fetches(ARG_RESOURCES)
    if not fetches:
        return f"no Resource Graph listing in {side}"
    bad = [f for f in fetches if not f.ok]
    if bad:
        return f"Resource Graph {bad[0].target} {bad[0].status} in {side}"
    return None


def find_moves(
    sa: ResourceSide,
    sb: ResourceSide,
    removed: dict[str, Parts],
    added: dict[str, Parts],
    ignores: IgnoreSet,
    noise: Noise,
    out: ResourcesSection,
    pairs: list[Pair],
) -> None:
    """Pair a removed and an added resource of the same type, name and subscription that sit
    in different resource groups; ambiguous candidates stay added/removed."""
    by_key_a: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    by_key_b: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for k, (t, n, s, _) in removed.items():
        by_key_a[(t, n.lower(), s.lower())].append(k)
    for k, (t, n, s, _) in added.items():
        by_key_b[(t, n.lower(), s.lower())].append(k)
    found = []
    for key in sorted(by_key_a.keys() & by_key_b.keys()):
        if len(by_key_a[key]) != 1 or len(by_key_b[key]) != 1:
            continue
        ka, kb = by_key_a[key][0], by_key_b[key][0]
        if removed[ka][3].lower() != added[kb][3].lower():
            found.append((ka, kb))
    rows_a = sa.rows(ka for ka, _ in found)
    rows_b = sb.rows(kb for _, kb in found)
    for ka, kb in found:
        old, new = rows_a[ka], rows_b[kb]
        t, n, s, rg_a = _parts(old)
        rg_b = _parts(new)[3]
        # Compare as if the old row already had the new id, so its own sub-resource ids agree.
        moved_old = _replace_self(old, str(old.get("id", "")), str(new.get("id", "")))
        moved_old["resourceGroup"] = new.get("resourceGroup", moved_old.get("resourceGroup"))
        changes, _ = field_changes(moved_old, new, t, ignores, noise)
        out.moved.append(
            ResourceMove(str(old.get("id")), str(new.get("id")), t, n, s, rg_a, rg_b, changes)
        )
        pairs.append((old, new))
        del removed[ka], added[kb]


def _find_renames(
    sa: ResourceSide,
    sb: ResourceSide,
    removed: dict[str, Parts],
    added: dict[str, Parts],
    ignores: IgnoreSet,
    out: ResourcesSection,
) -> None:
    """Heuristic "renamed?": one removed and one added resource in the same resource group, of
    the same type, identical once id, name, ignored and creation fields are set aside."""
    buckets: dict[tuple[str, str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for k, (t, _, s, g) in removed.items():
        buckets[(t, s.lower(), g.lower())][0].append(k)
    for k, (t, _, s, g) in added.items():
        buckets[(t, s.lower(), g.lower())][1].append(k)
    both = [(ks_a, ks_b) for _, (ks_a, ks_b) in sorted(buckets.items()) if ks_a and ks_b]
    rows_a = sa.rows(k for ks_a, _ in both for k in ks_a)
    rows_b = sb.rows(k for _, ks_b in both for k in ks_b)
    for ks_a, ks_b in both:
        ha: dict[bytes, list[str]] = defaultdict(list)
        hb: dict[bytes, list[str]] = defaultdict(list)
        for k in ks_a:
            ha[_rename_key(rows_a[k], ignores)].append(k)
        for k in ks_b:
            hb[_rename_key(rows_b[k], ignores)].append(k)
        for h in sorted(ha.keys() & hb.keys()):
            if len(ha[h]) == 1 and len(hb[h]) == 1:
                old, new = rows_a[ha[h][0]], rows_b[hb[h][0]]
                del removed[ha[h][0]], added[hb[h][0]]
                t, n_old = _parts(old)[:2]
                out.renamed.append(
                    ResourceRename(str(old.get("id")), str(new.get("id")), t, n_old, _parts(new)[1])
                )
    out.renamed.sort(key=lambda r: r.old_id.lower())
