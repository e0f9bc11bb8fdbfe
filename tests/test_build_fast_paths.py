"""The build's fast paths agree with the reference code they stand in for: the resource group
of an id (``common.group_of`` against ``naming.ids.resource_group_of``), the ``scad`` tag scan
of ``hva_tags`` (against ``find_scad_tag`` and ``parse_scad`` row by row), and a snapshot view
opened with the cyclic GC paused leaves the GC as it found it."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snapdiff.errors import SnapshotNotFound
from snapdiff.naming.ids import resource_group_of
from snapdiff.naming.scad import find_scad_tag, parse_scad, parse_scad_bug_compatible
from snapdiff.securicad import core
from snapdiff.securicad.common import group_of
from snapdiff.securicad.context import BuildContext
from snapdiff.snapshot import SnapshotView

IDS = [
    "/subscriptions/s1/resourceGroups/RG-One/providers/Microsoft.Compute/disks/d1",
    "/subscriptions/s1/resourcegroups/rg-two",
    "/subscriptions/s1/RESOURCEGROUPS/Mixed/providers/x/y",
    "/subscriptions/s1/resourceGroups/",  # the group segment is empty
    "/subscriptions/s1/resourceGroups",  # the last segment: no group follows
    "/subscriptions/s1/resourceGroups//providers/x",  # empty group, more segments
    "resourceGroups/first-segment/providers/x",  # no leading slash
    "/resourceGroups/resourceGroups/x",  # the first of two wins
    "/subscriptions/s1/resourceGroupsX/g/x",  # not the segment, only a prefix of one
    "/subscriptions/s1/xresourceGroups/g/x",
    "/providers/Microsoft.Management/managementGroups/mg1",
    "/subscriptions/s1",
    "",
    "/",
    "//",
    "/subscriptions/s1/resourceGroups/İstanbul/providers/x",  # lower() grows this id
    "/subscriptions/İ/resourceGroups/after-a-longer-lower/x",
    "/subscriptions/s1/resource\u212aroups/g",  # the Kelvin sign lower-cases to "k"
    "/subscriptions/s1/resourceGroups/rg-\u212a/x",
    "/RESOURCEGROUPS/first/resourceGroups/second/x",  # another spelling comes first
    "/subscriptions/s/resourcegroups/a/resourceGroups/b",
    "ResourceGroups/lead/resourceGroups/later",  # a first segment, without "/"
    "/subscriptions/s/resourceGroups/resourceGroups/x",  # the group named like the segment
    "/subscriptions/s/resourceGroupsresourceGroups/g/resourceGroups/h",
    "/subscriptions/s/resourceGroups/",
    "/subscriptions/resourcegroups/resourceGroups/x",  # the subscription segment comes first
    "/subscriptions/RESOURCEGROUPS/resourceGroups",
    "/subscriptions//resourceGroups/empty-subscription",
    "/subscriptions/s1",
    "/subscriptions/",
    "/subscriptions/s/resourceGroups/g",  # the group is the last segment
]


@pytest.mark.parametrize("rid", IDS)
def test_group_of_is_resource_group_of(rid: str) -> None:
    assert group_of(rid) == resource_group_of(rid)


SEGMENTS = st.sampled_from(
    ["resourceGroups", "resourcegroups", "RESOURCEGROUPS", "ResourceGroupsX", "g", "G-1", ""]
    + ["subscriptions", "subscriptions", "s1", "providers", "x", "\u212a", "İ"]
    + ["resource\u212aroups", "Subscriptions"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(SEGMENTS, max_size=8), st.booleans(), st.booleans())
def test_group_of_random_ids_is_resource_group_of(
    segments: list[str], lead: bool, trail: bool
) -> None:
    rid = ("/" if lead else "") + "/".join(segments) + ("/" if trail else "")
    assert group_of(rid) == resource_group_of(rid)


@settings(max_examples=500, deadline=None)
@given(st.lists(SEGMENTS, max_size=6), st.sampled_from(["resourceGroups", "resourcegroups", "g"]))
def test_group_of_subscription_ids_is_resource_group_of(segments: list[str], second: str) -> None:
    rid = "/subscriptions/" + "/".join([segments[0] if segments else "s", second, *segments[1:]])
    assert group_of(rid) == resource_group_of(rid)


def test_group_of_facts() -> None:
    assert group_of(IDS[0]) == "RG-One"  # as the id spells it
    assert group_of(IDS[3]) is None
    assert group_of(IDS[6]) == "first-segment"
    assert group_of(IDS[7]) == "resourceGroups"
    assert group_of(IDS[8]) is None
    assert group_of(IDS[15]) == "İstanbul"
    assert group_of(IDS[19]) == "first"
    assert group_of(IDS[20]) == "a"
    assert group_of(IDS[21]) == "lead"
    assert group_of(IDS[22]) == "resourceGroups"
    assert group_of(IDS[23]) == "h"
    assert group_of(IDS[25]) == "resourceGroups"
    assert group_of(IDS[27]) == "empty-subscription"
    assert group_of(IDS[30]) == "g"


def _reference_hva(rows: list[dict[str, Any]], bug_compatible: bool) -> tuple[list[Any], list[str]]:
    """``hva_tags`` as it was written first: every row through find_scad_tag and the parser."""
    out, warnings = [], []
    for row in rows:
        value = find_scad_tag(row.get("tags"), bug_compatible=bug_compatible)
        if value is None:
            continue
        rid = str(row.get("id", ""))
        if bug_compatible:
            entry = parse_scad_bug_compatible(value)
        else:
            parsed = parse_scad(value)
            warnings += [f"{rid}: scad tag: {p}" for p in parsed.problems]
            entry = parsed.as_dict()
        out.append({"id": rid.lower(), **entry})
    return out, warnings


ROWS: list[dict[str, Any]] = [
    {"id": "/A/1", "tags": {"env": "prod", "owner": "x"}},
    {"id": "/A/2", "tags": {"env": "dev", "scad": "c:5,i:3,a:1,group:[Ops,db]"}},
    {"id": "/A/3", "tags": {"env": "dev", " SCAD ": "c:5,i:3,a:1,group:[Ops,db]"}},  # seen names
    {"id": "/A/4", "tags": {"Scad": "c:11,q:2"}},  # problems, warned for each resource
    {"id": "/A/5", "tags": {"scad": "c:11,q:2"}},
    {"id": "/A/6", "tags": {"scad": ""}},  # empty: no entry
    {"id": "/A/7", "tags": {"scad": ["c:1"]}},  # not a string (unhashable)
    {"id": "/A/8", "tags": {"scad": ["c:1"]}},
    {"id": "/A/9", "tags": None},
    {"id": "/A/10", "tags": []},
    {"id": "/A/11", "tags": ["scad"]},
    {"id": "/A/12", "tags": {}},
    {"id": "/A/13", "tags": {"env": "prod", "owner": "x", "sCaD": "group:web"}},
    {"id": "/A/14"},
]


@pytest.mark.parametrize("bug_compatible", [False, True])
def test_hva_tags_is_the_row_by_row_scan(bug_compatible: bool) -> None:
    ctx = BuildContext(view=None, bug_compatible=bug_compatible)  # type: ignore[arg-type]
    assert (core.hva_tags(ctx, ROWS), ctx.warnings) == _reference_hva(ROWS, bug_compatible)


def test_hva_tags_facts_and_no_shared_lists() -> None:
    ctx = BuildContext(view=None)  # type: ignore[arg-type]
    tags = core.hva_tags(ctx, ROWS)
    assert [t["id"] for t in tags] == ["/a/2", "/a/3", "/a/4", "/a/5", "/a/7", "/a/8", "/a/13"]
    assert tags[0]["scadGrps"] == ["db", "ops"] and tags[0]["confValue"] == 5
    tags[0]["scadGrps"].append("changed")  # one entry's groups are its own
    assert tags[1]["scadGrps"] == ["db", "ops"]
    assert sum("/A/4: scad tag:" in w for w in ctx.warnings) == 2  # c:11 clamped, q unknown
    assert sum("/A/5: scad tag:" in w for w in ctx.warnings) == 2


@pytest.mark.parametrize("enabled", [True, False])
def test_opening_a_view_leaves_the_gc_as_it_was(demo_store: Any, enabled: bool) -> None:
    store, r0, _ = demo_store
    sid = r0.snapshot_id
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        view = SnapshotView(store, sid)
        assert gc.isenabled() is enabled
        assert view.resources()
        with pytest.raises(SnapshotNotFound):
            SnapshotView(store, sid + 1000)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
