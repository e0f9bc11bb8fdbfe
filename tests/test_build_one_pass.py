"""The build's one pass over the resource rows gives what separate passes gave: the rows keyed
and sorted as ``SnapshotView.resources`` keyed them (a dict comprehension, then a sort), each
builder's objects, and the rows ``hva_tags`` and ``insights`` need (they were given every row).
Checked on hand-written rows, on random ones (hypothesis) and on whole snapshots."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snapdiff.securicad import api, build, core
from snapdiff.securicad.context import BuildContext
from snapdiff.securicad.kinds import load_builtin_kinds
from snapdiff.securicad.registry import BY_TYPE
from snapdiff.snapshot import Fetch, SnapshotView

ARG = "resourcegraph:resources"


def view_of(fetches: list[tuple[str, list[Any]]]) -> SnapshotView:
    """A view holding only Resource Graph fetches: (status, page bodies) each, in id order."""
    view = object.__new__(SnapshotView)
    view._cache = {}
    view._fetches = {ARG: {}}
    for fid, (status, pages) in enumerate(fetches):
        hashes = []
        for n, body in enumerate(pages):
            h = f"{fid}-{n}"
            view._cache[h] = body  # as json_body keeps a parsed body
            hashes.append(h)
        view._fetches[ARG][f"batch {fid}"] = Fetch(
            fid, "resourcegraph", ARG, f"batch {fid}", status, 200, None, hashes, _view=view
        )
    return view


def reference_resources(view: SnapshotView) -> dict[str, Any]:
    """``SnapshotView.resources`` as it was written first."""
    rows = {r["id"].lower(): r for r in view.arg_rows("resources") if r.get("id")}
    return dict(sorted(rows.items()))


def same_rows(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert list(got) == list(want)  # the keys, in the same order
    assert all(got[k] is want[k] for k in want)  # the very row objects


def page(*ids: Any, key: str = "data") -> dict[str, Any]:
    return {key: [{"type": "t"} if i is ... else {"id": i, "type": "t"} for i in ids]}


HAND_WRITTEN: list[list[tuple[str, list[Any]]]] = [
    [],
    [("ok", [page("/a/1", "/a/2"), page("/a/3")])],  # in order: no sort needed
    [("ok", [page("/a/3", "/a/1"), page("/a/2")])],  # out of order
    [("ok", [page("/A/1", "/a/1", "/a/0")])],  # same key twice: the last row wins
    [("ok", [page("/a/1")]), ("ok", [page("/a/1")])],  # across fetches too
    [("ok", [page("/a/1", ..., "", None, "/a/2")])],  # no id, empty or null: left out
    [("failed", [page("/a/9")]), ("ok", [page("/a/1")])],  # only ok fetches count
    [("ok", [page("/a/2", key="value"), {"data": "not a list"}, ["a list"], None])],
    [("ok", [{"value": [], "data": [{"id": "/a/1"}]}])],  # value wins, even empty
    [("ok", [page("/b/İstanbul", "/b/i", "/b/\u212a")])],  # lower() changes length, Kelvin
    [("ok", [page("/a/b", "/a/a")])],
]


@pytest.mark.parametrize("fetches", HAND_WRITTEN)
def test_resources_are_keyed_and_sorted_as_before(fetches: list[tuple[str, list[Any]]]) -> None:
    same_rows(view_of(fetches).resources(), reference_resources(view_of(fetches)))


def test_resources_facts() -> None:
    got = view_of(HAND_WRITTEN[3]).resources()
    assert list(got) == ["/a/0", "/a/1"] and got["/a/1"]["id"] == "/a/1"
    assert list(view_of(HAND_WRITTEN[5]).resources()) == ["/a/1", "/a/2"]
    assert list(view_of(HAND_WRITTEN[7]).resources()) == ["/a/2"]


IDS = st.sampled_from(["/a/1", "/A/1", "/a/2", "/a/10", "/b/x", "/B/X", "", None, "/a/ß"])
PAGES = st.lists(st.lists(IDS, max_size=6).map(lambda ids: page(*ids)), max_size=4)
FETCHES = st.lists(st.tuples(st.sampled_from(["ok", "ok", "failed"]), PAGES), max_size=3)


@settings(max_examples=200, deadline=None)
@given(FETCHES)
def test_resources_of_random_pages_are_keyed_as_before(
    fetches: list[tuple[str, list[Any]]],
) -> None:
    same_rows(view_of(fetches).resources(), reference_resources(view_of(fetches)))


def reference_pass(
    ctx: BuildContext, rows: list[dict[str, Any]]
) -> tuple[dict[str, list[Any]], list[Any], list[str]]:
    """The builders' loop, then hva_tags over every row, as the build ran them before."""
    lists: dict[str, list[Any]] = {}
    for row in rows:
        kind = BY_TYPE.get(str(row.get("type", "")).lower())
        if kind is not None:
            obj = kind.func(row, ctx)
            if obj is not None:
                lists.setdefault(kind.key, []).append(obj)
    return lists, core.hva_tags(ctx, rows), ctx.warnings


def one_pass(
    ctx: BuildContext, rows: list[dict[str, Any]]
) -> tuple[dict[str, list[Any]], list[Any], list[str], list[Any]]:
    lists, tagged, components = api._build_rows(ctx, rows, "raise")
    return (
        {k: v for k, v in lists.items() if v},
        core.hva_tags(ctx, tagged),
        ctx.warnings,
        components,
    )


NSG = "Microsoft.Network/networkSecurityGroups"
ROWS: list[dict[str, Any]] = [
    {"id": "/s/1", "type": NSG, "tags": {"env": "prod"}, "properties": {}},
    {"id": "/s/2", "type": NSG.lower(), "tags": {"env": "dev", "scad": "c:5,group:[Ops]"}},
    {"id": "/s/3", "type": "microsoft.network/publicipaddresses", "tags": {" SCAD ": "i:3"}},
    {"id": "/s/4", "type": "Microsoft.Insights/components", "tags": {"Scad": "c:11,q:2"}},
    {"id": "/s/5", "type": "microsoft.insights/components", "tags": ["scad"]},
    {"id": "/s/6", "type": "unknown/kind", "tags": {"env": "prod", "owner": "x"}},
    {"id": "/s/7", "type": 5, "tags": {"scad": ""}},  # not a string: spelled as str() does
    {"id": "/s/8", "type": None, "tags": {"scad": ["c:1"]}},
    {"id": "/s/9", "type": ["a", "list"], "tags": None},
    {"id": "/s/10", "tags": {}},  # no type at all
    {"id": "/s/11", "type": "MICROSOFT.NETWORK/PUBLICIPADDRESSES", "tags": {"sCaD": "a:1"}},
    {"id": "/s/12", "type": "microsoft.network/publicipaddresses"},
]


@pytest.mark.parametrize("bug_compatible", [False, True])
def test_one_pass_gives_the_separate_passes(bug_compatible: bool) -> None:
    load_builtin_kinds()
    want = reference_pass(BuildContext(view=None, bug_compatible=bug_compatible), ROWS)  # type: ignore[arg-type]
    got = one_pass(BuildContext(view=None, bug_compatible=bug_compatible), ROWS)  # type: ignore[arg-type]
    assert got[:3] == want
    assert [r["id"] for r in got[3]] == ["/s/4", "/s/5"]  # insights' rows, nothing else
    scad = ["/s/2", "/s/8"] if bug_compatible else ["/s/2", "/s/3", "/s/4", "/s/8", "/s/11"]
    assert [t["id"] for t in got[1]] == scad
    assert [o["id"] for o in got[0]["publicIpAddresses"]] == ["/s/3", "/s/11", "/s/12"]


TAG_NAMES = st.sampled_from(["scad", "SCAD", " Scad ", "env", "owner", "Env", "x"])
TAG_VALUES = st.sampled_from(["", "c:5", "c:1,i:2,a:3,group:[A,b]", "q:9", ["c:1"], None])
TAGS = st.one_of(st.none(), st.dictionaries(TAG_NAMES, TAG_VALUES, max_size=3), st.just(["scad"]))
TYPES = st.sampled_from(
    [NSG, NSG.upper(), "microsoft.network/publicipaddresses", "Microsoft.Insights/Components"]
    + ["unknown/kind", 7, None]
)
ROW = st.builds(
    lambda i, t, tags: {"id": f"/r/{i}", "type": t, "tags": tags}, st.integers(0, 50), TYPES, TAGS
)


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, max_size=25), st.booleans())
def test_one_pass_of_random_rows_gives_the_separate_passes(
    rows: list[dict[str, Any]], bug_compatible: bool
) -> None:
    load_builtin_kinds()
    want = reference_pass(BuildContext(view=None, bug_compatible=bug_compatible), rows)  # type: ignore[arg-type]
    got = one_pass(BuildContext(view=None, bug_compatible=bug_compatible), rows)  # type: ignore[arg-type]
    assert got[:3] == want
    insights = [r for r in rows if str(r.get("type", "")).lower() == core.INSIGHTS_TYPE]
    assert got[3] == insights


def test_demo_build_is_the_separate_passes(demo_store: Any) -> None:
    store, r0, r1 = demo_store
    for sid in (r0.snapshot_id, r1.snapshot_id):
        view = SnapshotView(store, sid)
        result = build(view, on_builder_error="raise")
        rows = list(view.resources().values())
        ctx = BuildContext(view)
        hva = core.hva_tags(ctx, rows)
        assert result.active_directory.get("hva_tags", []) == hva and hva
        assert result.insights == (core.insights(ctx, rows) or None) and result.insights


@pytest.mark.parametrize("ids", [("/a/1", 5), (["/a/1"],), ("/a/1", ..., 7)])
def test_an_id_that_is_not_a_string_fails_as_before(ids: tuple[Any, ...]) -> None:
    fetches = [("ok", [page(*ids)])]
    with pytest.raises(AttributeError):
        reference_resources(view_of(fetches))
    with pytest.raises(AttributeError):
        view_of(fetches).resources()
