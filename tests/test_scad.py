"""The ``scad`` CIA tag parser: the spec's examples, and property-based robustness."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapdiff.naming.scad import find_scad_tag, parse_scad, parse_scad_bug_compatible

EXAMPLES = [  # value, default mode (c, i, a, groups), bug-compatible mode (spec §6 table)
    ("C:5,I:3,A:11", (5, 3, 10, []), (5, 3, 10, [])),
    ("c:5, i:3", (5, 3, 0, []), (5, 0, 0, [])),
    ("C: 7", (7, 0, 0, []), (7, 0, 0, [])),
    ("Group:Prod", (0, 0, 0, ["prod"]), (0, 0, 0, ["prod"])),
    ("group:[A,B],C:2", (2, 0, 0, ["a", "b"]), (2, 0, 0, ["a"])),
    ("group:[A],group:b", (0, 0, 0, ["a", "b"]), (0, 0, 0, ["a", "b"])),
    ("C:x,A:-3", (0, 0, 0, []), (0, 0, 0, [])),
    ("C:2.5", (0, 0, 0, []), (0, 0, 0, [])),
    ("Group:", (0, 0, 0, []), (0, 0, 0, [""])),
    ("C:1,C:9", (9, 0, 0, []), (9, 0, 0, [])),
]


def _tuple(d):
    return d["confValue"], d["integrityValue"], d["availValue"], d["scadGrps"]


@pytest.mark.parametrize("value, default, compat", EXAMPLES)
def test_examples_in_both_modes(value, default, compat):
    assert _tuple(parse_scad(value).as_dict()) == default
    assert _tuple(parse_scad_bug_compatible(value)) == compat


def test_problems_name_the_malformed_part():
    p = parse_scad("C:7,I:x,foo:1,A:12,nocolon")
    assert (p.confValue, p.integrityValue, p.availValue) == (7, 0, 10)
    text = " | ".join(p.problems)
    assert "'I:x' is not an integer" in text and "unknown key 'foo'" in text
    assert "clamped to 10" in text and "'nocolon' has no ':'" in text


def test_tag_key_lookup():
    assert find_scad_tag({"SCAD": "C:1"}) == "C:1"
    assert find_scad_tag({"SCAD": "C:1"}, bug_compatible=True) is None
    assert find_scad_tag({"scad": ""}) is None
    assert find_scad_tag(None) is None


@given(st.one_of(st.text(), st.integers(), st.none(), st.lists(st.text())))
def test_never_raises_and_always_clamps(value):
    p = parse_scad(value)
    d = p.as_dict()
    assert all(0 <= d[k] <= 10 for k in ("confValue", "integrityValue", "availValue"))
    assert d["scadGrps"] == sorted(set(d["scadGrps"]))
    c = parse_scad_bug_compatible(value)
    assert all(0 <= c[k] <= 10 for k in ("confValue", "integrityValue", "availValue"))


@given(
    st.lists(
        st.tuples(st.sampled_from(["c", "C", " i", "a ", "A"]), st.integers(-(10**6), 10**6)),
        min_size=1,
        max_size=6,
    )
)
def test_clamps_integers_with_any_key_case_and_spacing(parts):
    value = ",".join(f"{k}:{v}" for k, v in parts)
    p = parse_scad(value)
    expected = {}
    for k, v in parts:
        expected[k.strip().lower()] = min(10, max(0, v))
    assert p.confValue == expected.get("c", 0)
    assert p.integrityValue == expected.get("i", 0)
    assert p.availValue == expected.get("a", 0)
