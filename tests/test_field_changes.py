"""Field changes are DeepDiff's tree report of the two rows, computed faster: checked against
DeepDiff itself (the reference: the way field changes were computed before) on random pairs
of JSON rows, and on hand-written cases."""

from __future__ import annotations

import copy
import math
import random
from typing import Any

import pytest
from deepdiff import DeepDiff

from snapdiff.diff.model import FieldChange
from snapdiff.diff.resources import _KINDS, _plain, field_changes
from snapdiff.naming.noise import IgnoreSet, format_path


def _prune(old: Any, new: Any) -> tuple[Any, Any]:
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return old, new
    po, pn = {}, {}
    for k in old.keys() | new.keys():
        if k in old and k in new:
            if old[k] == new[k]:
                continue
            po[k], pn[k] = _prune(old[k], new[k])
        elif k in old:
            po[k] = old[k]
        else:
            pn[k] = new[k]
    return po, pn


def reference(old: Any, new: Any, rtype: str, ignores: IgnoreSet) -> tuple[list[Any], int]:
    """DeepDiff over the pruned rows: how field changes were computed up to 0.x."""
    old, new = _prune(old, new)
    dd = DeepDiff(old, new, view="tree", verbose_level=2, threshold_to_diff_deeper=0)
    kept, ignored = [], 0
    for report, levels in dd.items():
        for level in levels:
            tokens = level.path(output_format="list")
            if ignores.match(rtype, tokens) is not None:
                ignored += 1
                continue
            kept.append(
                FieldChange(
                    format_path(tokens),
                    _KINDS.get(report, "changed"),
                    _plain(level.t1),
                    _plain(level.t2),
                )  # fmt: skip
            )
    return kept, ignored


def canon(changes: list[FieldChange]) -> list[tuple[str, str, str, str]]:
    return sorted((c.path, c.kind, repr(c.old), repr(c.new)) for c in changes)


SCALARS = [None, True, False, 0, 1, -1, 1.0, 0.5, "", "a", "A", "Enabled", "1", 2**70]


def value(rnd: random.Random, depth: int) -> Any:
    roll = rnd.random()
    if depth > 3 or roll < 0.5:
        return rnd.choice(SCALARS)
    if roll < 0.75:
        return {rnd.choice("abcdef"): value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}
    return [value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


def mutate(rnd: random.Random, v: Any, depth: int = 0) -> Any:
    if rnd.random() < 0.15:
        return value(rnd, depth)
    if isinstance(v, dict):
        out = dict(v)
        for k in list(out):
            roll = rnd.random()
            if roll < 0.15:
                del out[k]
            elif roll < 0.6:
                out[k] = mutate(rnd, out[k], depth + 1)
        if rnd.random() < 0.3:
            out[rnd.choice("abcdefgh")] = value(rnd, depth + 1)
        return out
    if isinstance(v, list):
        out = [mutate(rnd, x, depth + 1) if rnd.random() < 0.4 else x for x in v]
        if out and rnd.random() < 0.3:
            del out[rnd.randrange(len(out))]
        if rnd.random() < 0.3:
            out.insert(rnd.randint(0, len(out)), value(rnd, depth + 1))
        return out
    return v


@pytest.mark.parametrize("seed", range(400))
def test_random_rows_give_what_deepdiff_gives(seed: int) -> None:
    rnd = random.Random(seed)
    old = {"id": "/x", "tags": value(rnd, 1), "properties": value(rnd, 0)}
    new = {k: mutate(rnd, v, 1) for k, v in copy.deepcopy(old).items() if rnd.random() > 0.1}
    for ignores in (IgnoreSet(), IgnoreSet(["* properties.a", "* tags"])):
        got, ignored = field_changes(old, new, "t", ignores)
        want, want_ignored = reference(old, new, "t", ignores)
        assert canon(got) == canon(want)
        assert ignored == want_ignored
        assert [c.path for c in got] == sorted(c.path for c in got)


def test_hand_written_changes() -> None:
    old = {
        "properties": {"tier": "Hot", "n": 1, "flag": True, "gone": {"x": 1}, "rules": [1, 2]},
        "tags": {"env": "prod"},
        "sku": None,
    }
    new = {
        "properties": {"tier": "Cool", "n": 1.0, "flag": 1, "rules": [1, 3], "new": [None]},
        "tags": {"env": 5},
        "sku": {"name": "S1"},
    }
    got = {
        (c.path, c.kind, repr(c.old), repr(c.new))
        for c in field_changes(old, new, "t", IgnoreSet())[0]
    }
    assert got == {
        ("properties.tier", "changed", "'Hot'", "'Cool'"),
        ("properties.gone", "removed", "{'x': 1}", "None"),
        ("properties.rules[1]", "changed", "2", "3"),
        ("properties.new", "added", "None", "[None]"),
        ("tags.env", "changed", "'prod'", "5"),
        ("sku", "changed", "None", "{'name': 'S1'}"),
    }  # 1 -> 1.0 and True -> 1 compare equal, as the skip of unchanged rows says


def test_nan_is_a_change_as_deepdiff_says() -> None:
    old, new = {"p": {"v": float("nan")}}, {"p": {"v": float("nan")}}  # two NaN objects
    got = field_changes(old, new, "t", IgnoreSet())[0]
    assert [(c.path, c.kind) for c in got] == [("p.v", "changed")]
    assert canon(got) == canon(reference(old, new, "t", IgnoreSet())[0])
    same = {"p": {"v": math.nan}}  # one object on both sides: DeepDiff skips it by identity
    assert field_changes(same, {"p": {"v": math.nan}}, "t", IgnoreSet())[0] == []
