"""The digest's fast encoding (orjson, for rows without floats) writes json's bytes: checked on
hand-written values, on what orjson refuses (it falls back), and on whole snapshots against the
json-only path, including rows damaged into floats, huge integers and lone surrogates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_store
from snapdiff import digest

# json.dumps(separators=(",", ":"), ensure_ascii=False) as the digest wrote it before orjson.
REFERENCE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def reference(obj: Any) -> bytes:
    def hex_dict(v: Any) -> Any:
        if isinstance(v, bytes):
            return {"hex": v.hex()}
        raise TypeError(type(v))

    enc = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=hex_dict)
    return enc.encode(obj).encode("utf-8", "surrogatepass")


VALUES: list[Any] = [
    [[0, "arm", "resources:list", "/subscriptions/s", "ok", 200, 1, None]],
    ['quote " backslash \\ slash / tab \t newline \n cr \r bs \b ff \f', "\x00\x01\x1f\x7f"],
    ["é ü ß 中文 \u2028 \u2029 \ufeff \U0001f600 \U0010ffff"],
    [2**63 - 1, 2**63, 2**64 - 1, -(2**63), 0, -1],
    [None, "", [], [[]], ("arm", 3), ["arm", ("graph", 0)]],
    [b"\x00\xffblob", [b""]],
    ["missing fetch 12", "missing exchange 7"],
]


@pytest.mark.parametrize("obj", VALUES)
def test_orjson_path_writes_json_bytes(obj: Any) -> None:
    assert digest._dumps(obj, floats=False) == reference(obj)
    assert digest._dumps(obj) == reference(obj)


def test_every_code_point_is_written_as_json_writes_it() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    rows = [["".join(chars[i : i + 4096])] for i in range(0, len(chars), 4096)]
    assert digest._dumps(rows, floats=False) == reference(rows)


@pytest.mark.parametrize(
    "obj",
    [
        [2**64],  # beyond orjson's 64 bits
        [-(2**63) - 1],
        ["lone \ud800 surrogate"],
        [["ok", "\udfff"]],
    ],
)
def test_what_orjson_refuses_falls_back_to_json(obj: Any) -> None:
    assert digest._dumps(obj, floats=False) == reference(obj)


def test_floats_are_found_and_never_written_by_orjson() -> None:
    assert digest.has_floats([(1, "a", None), (2, 1e16)])
    assert digest.has_floats([(float("nan"),)])
    assert not digest.has_floats([(1, "1.5", None, b"x"), ()])
    assert not digest.has_floats([])
    # What the caller must never ask orjson for: it spells these differently from json.
    assert reference([1e16, 1e-05]) == b"[1e+16,1e-05]"
    assert digest._dumps([1e16, 1e-05]) == b"[1e+16,1e-05]"


def _json_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "has_floats", lambda rows: True)


@pytest.mark.parametrize("core", [False, True])
def test_digest_of_the_demo_snapshots_is_the_json_path_s(
    demo_store: Any, monkeypatch: pytest.MonkeyPatch, core: bool
) -> None:
    store = demo_store[0]
    for sid in (1, 2):
        recorded, parts, _ = digest.stored(store.conn, sid)
        rows = digest.read_rows(store.conn, sid, core=core)
        if core:  # what a reader reads holds no float: orjson writes it
            assert not digest.has_floats(rows.fetches) and not digest.has_floats(rows.exchanges)
        fast = digest.compute(store.conn, sid, rows, extras=parts if core else None)
        assert fast.sha256 == recorded  # what the collector recorded (json only, then)
        with monkeypatch.context() as m:
            _json_only(m)
            slow = digest.compute(store.conn, sid, rows, extras=parts if core else None)
        assert (fast.sha256, fast.sources) == (slow.sha256, slow.sources)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE fetches SET http_status = 200.5 WHERE id = (SELECT min(id) FROM fetches WHERE snapshot_id = 1)",
        "UPDATE fetches SET pages = 1e16 WHERE id = (SELECT min(id) FROM fetches WHERE snapshot_id = 1)",
        "UPDATE fetches SET pages = 18446744073709551616 WHERE id = (SELECT min(id) FROM fetches WHERE snapshot_id = 1)",
        "UPDATE fetches SET target = CAST(X'eda080' AS TEXT) WHERE id = (SELECT min(id) FROM fetches WHERE snapshot_id = 1)",
        "UPDATE exchanges SET page = 1.25 WHERE id = (SELECT max(id) FROM exchanges WHERE snapshot_id = 1)",
        "UPDATE exchanges SET body_hash = X'00ff' WHERE id = (SELECT max(id) FROM exchanges WHERE snapshot_id = 1)",
        "UPDATE exchanges SET source = 7.0 WHERE id = (SELECT max(id) FROM exchanges WHERE snapshot_id = 1)",
    ],
)
def test_damaged_rows_digest_as_the_json_path_does(
    demo_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    store = copy_store(demo_store[0], tmp_path / "s.db")
    triggers = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    for (name,) in triggers.fetchall():  # what keeps finished snapshots frozen: damage them
        store.conn.execute(f"DROP TRIGGER {name}")
    store.conn.execute("PRAGMA foreign_keys = OFF")
    store.conn.execute(damage)
    store.conn.commit()
    store.conn.text_factory = lambda b: b.decode("utf-8", "surrogatepass")
    for core in (False, True):
        recorded, parts, _ = digest.stored(store.conn, 1)
        rows = digest.read_rows(store.conn, 1, core=core)
        fast = digest.compute(store.conn, 1, rows, extras=parts if core else None)
        with monkeypatch.context() as m:
            _json_only(m)
            slow = digest.compute(store.conn, 1, rows, extras=parts if core else None)
        assert (fast.sha256, fast.sources) == (slow.sha256, slow.sources)
        assert fast.sha256 != recorded  # and the damage is seen


def reference_fetch_rows(store: Any, sid: int) -> list[tuple[Any, ...]]:
    cols = ", ".join(digest.FETCH_COLUMNS)
    return store.conn.execute(
        f"SELECT {cols} FROM fetches WHERE snapshot_id = ? ORDER BY id", (sid,)
    ).fetchall()


def test_fetch_rows_are_every_row_of_the_snapshot_in_id_order(
    demo_store: Any, tmp_path: Path
) -> None:
    store = copy_store(demo_store[0], tmp_path / "s.db")
    for sid in (1, 2, 99):
        assert digest.read_rows(store.conn, sid).fetches == reference_fetch_rows(store, sid)
    assert digest.read_rows(store.conn, 1).fetches  # not two empty lists
    # Two snapshots whose fetch ids interleave (as a damaged or hand-edited store may have).
    for (name,) in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    ).fetchall():
        store.conn.execute(f"DROP TRIGGER {name}")
    store.conn.execute("PRAGMA foreign_keys = OFF")
    store.conn.execute("UPDATE fetches SET snapshot_id = 3 - snapshot_id WHERE id % 7 = 0")
    store.conn.commit()
    for sid in (1, 2):
        got = digest.read_rows(store.conn, sid).fetches
        assert got == reference_fetch_rows(store, sid) and any(r[0] % 7 == 0 for r in got)
