"""The securiCAD files are written by orjson, byte for byte as the json.dumps writer
(indent 4, sorted keys, ASCII escapes, Python's float spelling) wrote them."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from snapdiff.securicad.api import build, render, render_stdlib
from snapdiff.snapshot import SnapshotView


def test_demo_model_renders_as_the_json_writer_did(demo_store: Any) -> None:
    store, r0, r1 = demo_store
    for r in (r0, r1):
        result = build(SnapshotView(store, r.snapshot_id))
        for obj in (result.active_directory, result.insights):
            if obj is not None:
                assert render(obj) == render_stdlib(obj)


ADVERSARIAL: list[Any] = [
    {},
    [],
    {"a": {}, "b": [], "c": [[]], "d": [{}], "e": {"f": {"g": []}}},
    {
        "é": "ünïcödé",
        "😀": "astral 😀 \U0010ffff",
        "z": "\x7f del",
        "ctl": "\x00\x08\x0c\x1f\n\t\r",
    },
    {"k": 'quote " backslash \\ slash / ', 'end\\"': "x\\"},
    {"big": 2**64, "small": -(2**63)},  # beyond 64 bits: json.dumps writes it
    {"i": 2**63 - 1, "n": -(2**63), "zero": 0, "t": True, "f": False, "none": None},
    {"floats": [0.1, 1e16, 1e-7, 1e-5, 0.00001, 1.5e300, -0.0, 5e-324, 1e22, 123456789.125]},
    {"nested": [1.5, [2.5e-9, {"x": 3e20}], "1e-7", 'a": 1e-7']},
    {"B": 1, "a": 2, "A": 3, "b": 4, "ä": 5, "\U0001f600": 6, "\uffff": 7, "_": 8},
]


@pytest.mark.parametrize("obj", ADVERSARIAL)
def test_adversarial_values_render_alike(obj: Any) -> None:
    assert render(obj) == render_stdlib(obj)


def test_refusals_stay_refusals() -> None:
    for obj in ({1: "non-string key", "a": 1}, {"s": {1, 2}}):
        with pytest.raises(TypeError):
            render_stdlib(obj)
        with pytest.raises(TypeError):
            render(obj)


def _random_value(rnd: random.Random, depth: int = 0) -> Any:
    kind = rnd.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rnd.choice([None, True, False])
    if kind == 1:
        return rnd.randint(-(2**70), 2**70) if rnd.random() < 0.1 else rnd.randint(-1000, 10**12)
    if kind == 2:
        return rnd.choice([rnd.random(), rnd.uniform(-1e30, 1e30), 10.0 ** rnd.randint(-30, 30)])
    if kind in (3, 4, 5):
        alphabet = 'ab "\\/\n\x01\x7fé😀中'
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6)))
    if kind in (6, 7):
        return {
            "".join(rnd.choice("aBé😀_") for _ in range(rnd.randint(0, 3))): _random_value(
                rnd, depth + 1
            )
            for _ in range(rnd.randint(0, 4))
        }
    return [_random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


@pytest.mark.parametrize("seed", range(20))
def test_random_documents_render_alike(seed: int) -> None:
    rnd = random.Random(seed)
    obj = {"root": [_random_value(rnd) for _ in range(8)]}
    assert render(obj) == render_stdlib(obj)
    assert json.loads(render(obj)) == json.loads(render_stdlib(obj))
