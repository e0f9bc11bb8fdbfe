"""The row index: built from the bodies, checked by verify, dropped and rebuilt; a diff read
through it equals the diff read in full (random churn, seeded and bounded)."""

from __future__ import annotations

import copy
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from snapdiff import rowindex
from snapdiff.bundle import verify
from snapdiff.cli import main
from snapdiff.diff import diff_snapshots
from snapdiff.diff.registry import section_names
from snapdiff.diff.render_json import render_json
from snapdiff.migrations import MIGRATIONS, ROW_INDEX
from snapdiff.naming.noise import IgnoreSet
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store, utcnow

SUBS = ("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222")
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
OWNER_DEF = {
    "id": f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
    "name": OWNER,
    "properties": {"roleName": "Owner", "type": "BuiltInRole", "permissions": [{"actions": ["*"]}]},
}
ASSIGNED = {
    "value": [
        {
            "id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/ra{n}",
            "name": f"ra{n}",
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                f"roleDefinitions/{OWNER}",
                "principalId": f"0000000{n}-0000-0000-0000-000000000000",
                "principalType": "User",
                "scope": f"/subscriptions/{sub}",
            },
        }
        for n, sub in enumerate(SUBS)
    ]
}
TYPES = ("Microsoft.Network/networkSecurityGroups", "Microsoft.Storage/storageAccounts")


def make_row(rnd: random.Random, n: int, rg: str | None = None) -> dict[str, Any]:
    sub = rnd.choice(SUBS)
    rg = rg or rnd.choice(["rg-a", "rg-b", "RG-ü"])
    rtype = rnd.choice(TYPES)
    name = f"res{n}" + rnd.choice(["", "-x", "é"])
    rid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"
    row: dict[str, Any] = {
        "id": rid,
        "name": name,
        "type": rtype,
        "resourceGroup": rg,
        "subscriptionId": sub,
        "location": rnd.choice(["westeurope", "eastus"]),
        "tags": {"env": rnd.choice(["prod", "dev"])},
        "properties": {
            "provisioningState": "Succeeded",
            "rules": [
                {"name": f"r{j}", "etag": f"W/{rnd.random()}", "properties": {"port": j}}
                for j in range(rnd.randint(0, 3))
            ],
            "big": rnd.choice([2**70, 1.5, -0.0, None, "ünï", [], {}]),
        },
    }
    if rnd.random() < 0.5:
        row["tags"]["scad"] = f"c:{rnd.randint(0, 10)},i:3,a:2"
    if rnd.random() < 0.1:  # columns Resource Graph left out: readers fall back on the id
        del row[rnd.choice(["name", "subscriptionId", "resourceGroup"])]
    return row


def churn(rnd: random.Random, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Edits, noise-only edits, tag edits, removals, additions, moves, renames, id case."""
    out = []
    extra = []
    for r in rows:
        r = copy.deepcopy(r)
        op = rnd.randrange(12)
        if op == 0:
            r["properties"]["publicNetworkAccess"] = "Enabled"
        elif op == 1:
            r["properties"]["provisioningState"] = "Updating"  # noise only
        elif op == 2:
            r["tags"]["scad"] = "c:10,i:10,a:10,group:crown"
        elif op == 3:
            continue  # removed
        elif op == 4:
            new_rg = "rg-moved"
            old_rg = r["id"].split("/")[4]
            r["id"] = r["id"].replace(f"/resourceGroups/{old_rg}/", f"/resourceGroups/{new_rg}/")
            if "resourceGroup" in r:
                r["resourceGroup"] = new_rg
        elif op == 5:
            r["id"] += "-renamed"
            if "name" in r:
                r["name"] += "-renamed"
        elif op == 6:
            r["id"] = r["id"].replace("/resourceGroups/", "/resourcegroups/")  # ARG case drift
        elif op == 7:
            r["properties"]["rules"] = list(reversed(r["properties"]["rules"]))
        out.append(r)
        if rnd.random() < 0.1:
            extra.append(make_row(rnd, 1000 + len(extra)))
    return out + extra


def page_texts(rnd: random.Random, rows: list[dict[str, Any]]) -> list[bytes]:
    """Resource Graph pages, spelled in different ways (indent, escapes, key order), with now
    and then a row repeated on a later page (the last one wins)."""
    rows = list(rows)
    if rows and rnd.random() < 0.3:
        dup = copy.deepcopy(rnd.choice(rows))
        dup["location"] = "dup-wins"
        rows.append(dup)
    out = []
    size = rnd.randint(3, 12)
    for i in range(0, max(len(rows), 1), size):
        chunk = rows[i : i + size]
        if rnd.random() < 0.3:
            chunk = [dict(reversed(list(r.items()))) for r in chunk]
        body = {"totalRecords": len(rows), "count": len(chunk), "data": chunk, "facets": []}
        text = json.dumps(
            body,
            indent=rnd.choice([None, 1, 2]),
            ensure_ascii=rnd.random() < 0.5,
            sort_keys=rnd.random() < 0.5,
        )
        out.append(text.encode())
    return out


def write(store: Store, pages: list[bytes], scope: dict[str, Any] | None = None) -> int:
    """A finished snapshot holding ``pages`` as its Resource Graph listing, plus the (empty)
    listings the other sections read."""
    sid = store.begin_snapshot(
        tenant_id="00000000-0000-0000-0000-0000000000t0",
        cloud="AzureCloud",
        scope=scope or {"subscriptions": [], "resource_groups": [], "app_insights_interval": ""},
    )
    fetches = [("resourcegraph:resources", "batch-0", pages)]
    fetches += [
        ("authorization:roleAssignments", f"/subscriptions/{sub}", [json.dumps(ASSIGNED).encode()])
        for sub in SUBS
    ]
    fetches += [
        ("authorization:roleDefinition", OWNER, [json.dumps(OWNER_DEF).encode()]),
        ("managementgroups:list", "", [b'{"value": []}']),
    ]
    for call, target, bodies in fetches:
        source = call.split(":")[0]
        fid = store.start_fetch(sid, source, call, target)
        for n, body in enumerate(bodies, 1):
            store.add_exchange(
                snapshot_id=sid,
                fetch_id=fid,
                source=source,
                method="GET",
                url=f"https://fake.invalid/{call}",
                request_body=None,
                status=200,
                headers={},
                body=body,
                started_at=utcnow(),
                elapsed_ms=0.0,
                page=n,
            )
        store.finish_fetch(fid, "ok", http_status=200, pages=len(bodies))
        store.set_source(sid, source, status="ok", pages=len(bodies), requests=len(bodies))
    store.finish_snapshot(sid, "complete")
    return sid


def both_ways(store: Store, a: int, b: int, **kw: Any) -> tuple[str, str]:
    """The JSON diff read through the row index, and read in full after dropping it."""
    for sid in (a, b):
        rowindex.write_index(store, sid)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    assert rowindex.resource_indexes(va, vb) is not None  # the index path is the one taken
    indexed = render_json(diff_snapshots(va, vb, **kw))
    rowindex.drop_index(store)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    assert rowindex.resource_indexes(va, vb) is None
    return indexed, render_json(diff_snapshots(va, vb, **kw))


@pytest.mark.parametrize("seed", range(12))
def test_indexed_diff_equals_full_diff_on_random_churn(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    rows = [make_row(rnd, n) for n in range(rnd.randint(5, 40))]
    after = churn(rnd, rows)
    store = Store(tmp_path / "s.db")
    scope_b = {"subscriptions": [SUBS[0]], "resource_groups": [], "app_insights_interval": ""}
    a = write(store, page_texts(rnd, rows))
    b = write(store, page_texts(rnd, after), scope=scope_b if seed % 4 == 3 else None)
    every = list(section_names())
    for kw in ({"sections": every}, {"default_ignores": False}, {"ignore": ["* tags.env"]}):
        indexed, full = both_ways(store, a, b, **kw)
        assert indexed == full, kw
    store.close()


def test_unchanged_rows_are_not_parsed(tmp_path: Path) -> None:
    """Only the rows whose stored text differs come out of the SQL comparison."""
    rnd = random.Random(7)
    rows = [make_row(rnd, n) for n in range(30)]
    after = copy.deepcopy(rows)
    after[3]["properties"]["publicNetworkAccess"] = "Enabled"
    del after[10]
    store = Store(tmp_path / "s.db")
    a = write(store, [json.dumps({"data": rows}).encode()])
    b = write(store, [json.dumps({"data": after}).encode()])
    for sid in (a, b):
        rowindex.write_index(store, sid)
    ia, ib = rowindex.resource_indexes(SnapshotView(store, a), SnapshotView(store, b)) or ()
    assert set(ia.entries) == {rows[3]["id"].lower(), rows[10]["id"].lower()}
    assert set(ib.entries) == {rows[3]["id"].lower()}
    assert ib.rows([rows[3]["id"].lower()])[rows[3]["id"].lower()] == after[3]


def test_rows_after_non_ascii_text_and_in_ascii_pages_are_read_right(tmp_path: Path) -> None:
    """A page of ASCII bytes is sliced without decoding it; a page holding non-ASCII text is
    decoded first (its offsets count characters, not bytes). Both give the stored rows."""

    def row(name: str, **props: Any) -> dict[str, Any]:
        rid = f"/subscriptions/{SUBS[0]}/resourceGroups/rg-a/providers/{TYPES[1]}/{name}"
        return {"id": rid, "name": name, "type": TYPES[1], "subscriptionId": SUBS[0],
                "resourceGroup": "rg-a", "properties": props}  # fmt: skip

    ascii_rows = [row("plain1", tier="Hot"), row("plain2", tier="Hot")]
    other_rows = [row("café-ünï", note="ß€😀"), row("after-accent", tier="Hot")]
    pages = [
        json.dumps({"data": rs}, ensure_ascii=False).encode() for rs in (ascii_rows, other_rows)
    ]
    changed = copy.deepcopy([ascii_rows, other_rows])
    changed[0][1]["properties"]["tier"] = "Cool"
    changed[1][1]["properties"]["tier"] = "Archive"
    pages_b = [json.dumps({"data": rs}, ensure_ascii=False).encode() for rs in changed]
    assert pages[0].isascii() and not pages[1].isascii()
    store = Store(tmp_path / "s.db")
    a, b = write(store, pages), write(store, pages_b)
    indexed, full = both_ways(store, a, b, sections=["resources"])
    assert indexed == full
    got = {c["name"]: c["changes"] for c in json.loads(indexed)["resources"]["changed"]}
    assert got == {
        "plain2": [{"path": "properties.tier", "kind": "changed", "old": "Hot", "new": "Cool"}],
        "after-accent": [
            {"path": "properties.tier", "kind": "changed", "old": "Hot", "new": "Archive"}
        ],
    }
    store.close()


def test_page_rows_spans_and_which_array() -> None:
    text = '{ "value" : [ {"id":"a"} , 3, {"id": "b", "x": [1, {"y": "]"}]}],"data":[{"id":"z"}] }'
    rows = rowindex.page_rows(text)
    assert [text[s:e] for _, s, e in rows] == [
        '{"id":"a"}',
        "3",
        '{"id": "b", "x": [1, {"y": "]"}]}',
    ]
    # "value" wins over "data" (as Fetch.items reads a page); "data" alone is read
    assert [r for r, _, _ in rowindex.page_rows('{"data": [1, 2]}')] == [1, 2]
    assert rowindex.page_rows('{"value": null, "data": [1]}') == []
    for bad in ("[1, 2]", '{"data": [1, 2}', '{"data": []} trailing', ""):
        with pytest.raises(rowindex.IndexUnavailable):
            rowindex.page_rows(bad)


def test_index_rows_hold_parts_hashes_and_cia(tmp_path: Path) -> None:
    row = {
        "id": "/subscriptions/s1/resourceGroups/RG1/providers/Microsoft.Web/sites/app",
        "type": "Microsoft.Web/sites",
        "tags": {"SCAD": "c:3,i:2,a:1"},
        "properties": {"provisioningState": "Succeeded", "httpsOnly": True},
    }
    noisy = copy.deepcopy(row)
    noisy["properties"]["provisioningState"] = "Updating"
    store = Store(tmp_path / "s.db")
    a = write(store, [json.dumps({"data": [row]}).encode()])
    b = write(store, [json.dumps({"data": [noisy]}).encode()])
    ea = rowindex.resource_entries(SnapshotView(store, a))
    eb = rowindex.resource_entries(SnapshotView(store, b))
    key = row["id"].lower()
    e = ea[key]
    # parts come from the id where the row has no columns for them
    assert (e.type, e.name, e.sub, e.rg, e.cia) == (
        "microsoft.web/sites",
        "app",
        "s1",
        "RG1",
        "c:3,i:2,a:1",
    )
    assert e.raw != eb[key].raw  # the stored text differs ...
    assert e.hash == eb[key].hash  # ... by noise only
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    assert rowindex.changes(va, vb) is None  # not indexed yet
    rowindex.write_index(store, a)
    rowindex.write_index(store, b)
    ch = rowindex.changes(va, vb)
    assert ch is not None and ch.touched == frozenset()


def test_verify_checks_the_index_and_index_rebuilds_it(tmp_path: Path) -> None:
    rnd = random.Random(3)
    path = tmp_path / "s.db"
    store = Store(path)
    a = write(store, page_texts(rnd, [make_row(rnd, n) for n in range(8)]))
    store.close()
    runner = CliRunner()
    r = runner.invoke(main, ["index", "--store", str(path)])
    assert r.exit_code == 0, r.output
    assert verify(path) == []
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE index_rows SET raw = x'00' WHERE id = (SELECT min(id) FROM index_rows"
            " WHERE kind = 'resource')"
        )
    problems = verify(path)
    assert [p.kind for p in problems] == ["index"]
    assert "wrong: 1" in problems[0].detail and f"snapshot {a}" in problems[0].detail
    r = runner.invoke(main, ["index", "--rebuild", "--store", str(path)])
    assert r.exit_code == 0 and "rebuilt the row index of 1 snapshot" in r.output
    assert verify(path) == []
    r = runner.invoke(main, ["index", "--drop", "--store", str(path)])
    assert r.exit_code == 0
    with Store(path, readonly=True) as s:
        assert not rowindex.is_indexed(s, a)
    assert verify(path) == []  # no index is not a problem: diffs read the bodies


BEFORE_INDEX = MIGRATIONS.index(ROW_INDEX)  # schema v8; later migrations add derived tables only


def test_store_one_derived_migration_behind_is_read_as_it_is(tmp_path: Path) -> None:
    """A store written before the row index (schema v8) is read by reading commands unchanged
    and gets its index from the first writing command."""
    rnd = random.Random(5)
    path = tmp_path / "old.db"
    store = Store(path)
    a = write(store, page_texts(rnd, [make_row(rnd, n) for n in range(6)]))
    b = write(store, page_texts(rnd, [make_row(rnd, n) for n in range(7)]))
    store.close()
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "DROP TABLE index_buckets; DROP TABLE index_rows; DROP TABLE index_state;"
            " DROP TABLE resumes;"
            f" UPDATE meta SET value = '{BEFORE_INDEX}' WHERE key = 'schema_version';"
        )
    runner = CliRunner()
    r = runner.invoke(main, ["diff", str(a), str(b), "--store", str(path), "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    assert verify(path) == []
    with sqlite3.connect(path) as conn:  # reading changed nothing
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        assert version == (str(BEFORE_INDEX),)
    r2 = runner.invoke(main, ["index", "--store", str(path)])
    assert r2.exit_code == 0, r2.output
    with Store(path, readonly=True) as s:
        assert rowindex.is_indexed(s, a) and rowindex.is_indexed(s, b)
    r3 = runner.invoke(main, ["diff", str(a), str(b), "--store", str(path), "--format", "json"])
    assert r3.output == r.output


def _random_doc(rnd: random.Random, depth: int = 0) -> Any:
    keys = ["etag", "provisioningState", "properties", "a", "b.c", "lastModifiedAt", "rules", "x"]
    if depth > 3 or rnd.random() < 0.3:
        return rnd.choice([1, "s", None, True, 2.5])
    if rnd.random() < 0.3:
        return [_random_doc(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    return {rnd.choice(keys): _random_doc(rnd, depth + 1) for _ in range(rnd.randint(0, 4))}


@pytest.mark.parametrize("seed", range(6))
def test_strip_automaton_answers_what_match_answers(seed: int) -> None:
    rnd = random.Random(seed)
    pool = ["* a", "* **.x", "* properties.*", "* rules[*].a", "* [1]", "x* **", "* a.**.etag"]
    rules = rnd.sample(pool, rnd.randint(0, 4))
    for defaults in (True, False):
        ig = IgnoreSet(rules, defaults=defaults)
        for _ in range(60):
            doc = _random_doc(rnd)
            t = rnd.choice(["xyz", "microsoft.web/sites", "microsoft.storage/storageaccounts"])
            assert ig.strip(t, doc) == ig.strip_by_match(t, doc), (rules, doc)


def test_the_demo_store_verifies_clean_with_its_index(tmp_path: Path) -> None:
    """The demo weeks hold ``graph:transitiveMembers`` listings (a call name with capitals):
    the index written on import must be the one ``verify`` rebuilds from the bodies."""
    db = tmp_path / "demo.db"
    assert (
        CliRunner().invoke(main, ["demo", "--store", str(db), "-o", str(tmp_path / "o")]).exit_code
        == 0
    )
    with Store(db, readonly=True) as store:
        sids = [s.id for s in store.snapshots()]
        assert sids and all(rowindex.is_indexed(store, sid) for sid in sids)
        kinds = {
            k
            for (k,) in store.conn.execute(
                "SELECT DISTINCT kind FROM index_rows WHERE kind = 'member'"
            )
        }
        assert kinds == {"member"}
    result = CliRunner().invoke(main, ["verify", "--store", str(db)])
    assert result.exit_code == 0, result.output


def test_only_the_buckets_of_changed_rows_are_compared(tmp_path: Path) -> None:
    """Two changed rows out of 200: the bucket digests differ in exactly their buckets, and
    the rows read back for comparison are those buckets' rows only."""
    rnd = random.Random(11)
    rows = [make_row(rnd, n) for n in range(200)]
    after = copy.deepcopy(rows)
    after[17]["properties"]["publicNetworkAccess"] = "Enabled"
    after[150]["properties"]["provisioningState"] = "Updating"  # noise only
    store = Store(tmp_path / "s.db")
    a = write(store, [json.dumps({"data": rows}).encode()])
    b = write(store, [json.dumps({"data": after}).encode()])
    for sid in (a, b):
        rowindex.write_index(store, sid)
    va, vb = SnapshotView(store, a), SnapshotView(store, b)
    k17, k150 = rows[17]["id"].lower(), rows[150]["id"].lower()
    want = sorted({rowindex.bucket_of(k17), rowindex.bucket_of(k150)})
    assert rowindex.differing_buckets(va, vb, rowindex.RESOURCE, raw=True) == want
    # after the noise rules only row 17 differs
    assert rowindex.differing_buckets(va, vb, rowindex.RESOURCE, raw=False) == [
        rowindex.bucket_of(k17)
    ]
    ch = rowindex.changes(va, vb)
    assert ch is not None and ch.changed == {k17} and not ch.added and not ch.removed
    ia, ib = rowindex.resource_indexes(va, vb) or ()
    assert set(ia.entries) == set(ib.entries) == {k17, k150}
    store.close()


@pytest.mark.parametrize("tamper", ["bucket", "digest"])
def test_verify_finds_misfiled_rows_and_wrong_bucket_digests(tmp_path: Path, tamper: str) -> None:
    rnd = random.Random(4)
    path = tmp_path / "s.db"
    store = Store(path)
    write(store, page_texts(rnd, [make_row(rnd, n) for n in range(8)]))
    store.close()
    assert CliRunner().invoke(main, ["index", "--store", str(path)]).exit_code == 0
    assert verify(path) == []
    with sqlite3.connect(path) as conn:
        if tamper == "bucket":  # a row filed under another bucket is never compared
            conn.execute(
                f"UPDATE index_rows SET bucket = (bucket + 1) % {rowindex.NBUCKETS} WHERE id ="
                " (SELECT min(id) FROM index_rows WHERE kind = 'resource')"
            )
        else:  # a bucket digest equal to the other snapshot's would hide a change
            conn.execute(
                f"UPDATE index_buckets SET raw = zeroblob({rowindex.NBUCKETS * 8})"
                " WHERE kind = 'resource'"
            )
    problems = verify(path)
    assert [p.kind for p in problems] == ["index"]
    want = "in the wrong bucket: 1" if tamper == "bucket" else "bucket digests wrong (resource)"
    assert want in problems[0].detail


def test_the_cli_diff_of_one_store_compares_the_indexes_bucket_by_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``snapdiff diff A B --store S`` opens S once for both sides: the row index is compared
    by buckets (never loaded whole, as for two stores), and the output equals the full read."""
    rnd = random.Random(21)
    rows = [make_row(rnd, n) for n in range(60)]
    store = Store(tmp_path / "s.db")
    a = write(store, page_texts(rnd, rows))
    b = write(store, page_texts(rnd, churn(rnd, rows)))
    store.close()
    args = ["diff", str(a), str(b), "--store", str(tmp_path / "s.db"), "--format", "json"]
    full = CliRunner().invoke(main, args)
    assert CliRunner().invoke(main, ["index", "--store", str(tmp_path / "s.db")]).exit_code == 0
    calls: list[int] = []
    original = rowindex.differing_buckets

    def counted(*args: Any, **kw: Any) -> list[int]:
        calls.append(1)
        return original(*args, **kw)

    def whole(*args: Any, **kw: Any) -> None:
        raise AssertionError("the index was loaded whole: the two sides had two connections")

    monkeypatch.setattr(rowindex, "differing_buckets", counted)
    monkeypatch.setattr(rowindex.ResourceIndex, "load", whole)
    indexed = CliRunner().invoke(main, args)
    assert indexed.exit_code == full.exit_code and indexed.output == full.output
    assert calls


@pytest.mark.parametrize("column", ["raw", "id", "span"])
def test_a_diff_refuses_an_index_row_that_no_longer_matches_its_body(
    tmp_path: Path, column: str
) -> None:
    """A damaged index row the diff reads (a row of a bucket that differs: its hash, its id, or
    its span pointing at other text) is refused with one line naming verify, never read as
    another row. (A damaged row in a bucket whose digests agree is never read.)"""
    rnd = random.Random(31)
    rows = [make_row(rnd, n) for n in range(20)]
    after = copy.deepcopy(rows)
    after[5]["properties"]["publicNetworkAccess"] = "Enabled"
    path = tmp_path / "s.db"
    store = Store(path)
    a = write(store, [json.dumps({"data": rows}).encode()])
    b = write(store, [json.dumps({"data": after}).encode()])
    for sid in (a, b):
        rowindex.write_index(store, sid)
    store.close()
    target = rows[5]["id"]  # changed: its bucket differs, so the diff reads its index rows
    change = {
        "raw": ("raw = x'00'", ()),
        "id": ("id = ?", (target + "-x",)),
        "span": ("span_start = span_start + 1", ()),
    }[column]
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"UPDATE index_rows SET {change[0]} WHERE snapshot_id = ? AND kind = 'resource'"
            " AND id = ?",
            (*change[1], a, target),
        )
    r = CliRunner().invoke(main, ["diff", str(a), str(b), "--store", str(path)])
    assert r.exit_code == 2, r.output
    # the row's check finds it first (``span_row`` would refuse it as not matching its body)
    assert "is damaged" in r.output and "snapdiff verify" in r.output
    assert r.output.count("\n") == 1
