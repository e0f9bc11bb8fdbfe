"""The row index's page reader against a straightforward reference, on pages written by hand:
odd spacing, escapes, unicode (a character span is not a byte span), braces and brackets
inside strings, nulls, items that are not rows, "value" beside "data", an id repeated on a
later page.

The reference locates each row by its text as written below, parses that text alone with
``json.loads`` and strips it with ``IgnoreSet.strip_by_match`` (the rule-by-rule reference of
the noise rules); the columns are written by hand.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from fakeazure.writer import tenant_fetches, write_snapshot
from snapdiff import rowindex
from snapdiff.naming.noise import IgnoreSet
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
from test_rowindex import write

NSG = (
    r'{"id":"/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/'
    r'networkSecurityGroups/nsg{1}","type":"Microsoft.Network/networkSecurityGroups",'
    r'"name":"nsg{1}","tags":{"scad":"c:1,i:2,a:3"},"properties":{"provisioningState":'
    r'"Succeeded","securityRules":[{"name":"r]1","etag":"W/\"x}\"","properties":{"access":'
    r'"Allow","priority":100}}]}}'
)
SITE = (
    r'{ "id" : "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Web/sites/app\u002d1" ,'
    ' \n  "type" : "Microsoft.Web/sites" , "properties" : { "note" :'
    r' "a \"quoted\" {brace} [bracket] \\ back\/slash \t tab" , "availabilityState" :'
    r' "Normal" , "x" : null , "deep" : [ [ ] , { } , [ { "etag" : 1 } ] ] } , "tags" : null }'
)
STORAGE = (
    '{"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/'
    'st1", "name": null, "type": "Microsoft.Storage/storageAccounts", "subscriptionId": "",'
    ' "resourceGroup": "RG1", "tags": {"SCAD ": "c:9", "env": null}, "properties":'
    r' {"provisioning\u0053tate": "Updating", "statusOfPrimary": "available",'
    r' "primaryEndpoints": {"blob": "https://st1.blob/{x}]"}}}'
)
PAGE_ASCII = (
    '{ "count" : 7 ,\r\n "data" :\t[\n  '
    + NSG
    + "  ,\n\t3 , "
    + SITE
    + "\n ,null,"
    + STORAGE
    + ' , {"name": "no id", "type": "x"} ,{"id": ""}\n] ,'
    + r' "skipToken" : "{\"a\": [1,2]}" , "facets" : [ ] }'
    + "\n"
)
VM = (
    '{"id": "/subscriptions/s2/resourceGroups/RG-ü/providers/Microsoft.Compute/virtualMachines/'
    'vm-日本", "name": "vm-日本", "type": "Microsoft.Compute/virtualMachines", "subscriptionId":'
    ' "s2", "resourceGroup": "RG-ü", "tags": {"scad": "c:2 🙂"}, "properties": {"instanceView":'
    ' {"statuses": [{"code": "PowerState/running"}]}, "osProfile": {"computerName":'
    r' "\ud83d\ude42-é{"}, "lastModifiedAt": "2026-01-01"}}'
)
SITE_AGAIN = (  # the same id as SITE, in other case: the later page's row wins
    '{"id":"/subscriptions/s1/resourcegroups/RG1/providers/Microsoft.Web/sites/APP-1",'
    '"type":"microsoft.web/sites","name":"APP-1","properties":{"note":"ü"}}'
)
PAGE_UNICODE = '{"value":[' + VM + ",\n" + SITE_AGAIN + ' ], "nextLink": null}'
IGNORED = '{"id": "/subscriptions/s1/providers/Microsoft.Resources/x/in-data", "type": "x"}'
BIG = (
    '{"id":"/subscriptions/s1/providers/Microsoft.Resources/x/big","type":"Microsoft.Resources/'
    'x","properties":{"n":123456789012345678901234567890,"f":1.5e300,"z":-0.0,"e":"","u":"\\u00fc"}}'
)
PAGE_BOTH = '{"data": [' + IGNORED + '], "value": [' + BIG + "]}"  # "value" wins, as Fetch.items

# (page, row text, stored id, type, name, subscription, resource group, scad, COLS_* bits)
EXPECTED = [
    (
        PAGE_ASCII,
        NSG,
        "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/"
        "nsg{1}",
        "microsoft.network/networksecuritygroups",
        "nsg{1}",
        "s1",
        "rg1",
        "c:1,i:2,a:3",
        rowindex.COLS_TYPE | rowindex.COLS_NAME,
    ),
    (
        PAGE_ASCII,
        STORAGE,
        "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/st1",
        "microsoft.storage/storageaccounts",
        "st1",
        "s1",
        "RG1",
        "c:9",
        rowindex.COLS_TYPE | rowindex.COLS_RG,
    ),
    (
        PAGE_UNICODE,
        VM,
        "/subscriptions/s2/resourceGroups/RG-ü/providers/Microsoft.Compute/virtualMachines/vm-日本",
        "microsoft.compute/virtualmachines",
        "vm-日本",
        "s2",
        "RG-ü",
        "c:2 🙂",
        rowindex.COLS_TYPE | rowindex.COLS_NAME | rowindex.COLS_SUB | rowindex.COLS_RG,
    ),
    (
        PAGE_UNICODE,
        SITE_AGAIN,
        "/subscriptions/s1/resourcegroups/RG1/providers/Microsoft.Web/sites/APP-1",
        "microsoft.web/sites",
        "APP-1",
        "s1",
        "RG1",
        None,
        rowindex.COLS_TYPE | rowindex.COLS_NAME,
    ),
    (
        PAGE_BOTH,
        BIG,
        "/subscriptions/s1/providers/Microsoft.Resources/x/big",
        "microsoft.resources/x",
        "big",
        "s1",
        "",
        None,
        rowindex.COLS_TYPE,
    ),
]
PAGES = [PAGE_ASCII, PAGE_UNICODE, PAGE_BOTH]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def reference_entry(page: str, text: str, cols: tuple[Any, ...]) -> rowindex.Entry:
    rid, rtype, name, sub, rg, cia, bits = cols
    start = page.index(text)  # each row text occurs once in its page
    row = json.loads(text)
    # marshal marks values referenced from elsewhere: the row stays alive while its stripped
    # copy is hashed, as the index does
    stripped = IgnoreSet().strip_by_match(rtype, row)
    return rowindex.Entry(
        rid.lower(),
        rid,
        rtype,
        name,
        sub,
        rg,
        hashlib.blake2b(text.encode(), digest_size=16).digest(),
        rowindex._fast_hash(stripped),
        cia,
        _sha256(page),
        start,
        start + len(text),
        bits,
    )


def test_the_page_texts_are_what_they_claim() -> None:
    """The pages are JSON, the odd rows are in them, and the unicode page is not ASCII (its
    character spans are not byte spans)."""
    for page in PAGES:
        json.loads(page)
    assert not PAGE_UNICODE.isascii() and PAGE_ASCII.isascii() and PAGE_BOTH.isascii()
    assert json.loads(SITE)["id"].endswith("/sites/app-1")
    assert "provisioningState" in json.loads(STORAGE)["properties"]  # an escaped noise key


def test_resource_entries_equal_the_reference_on_hand_written_pages(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    sid = write(store, [p.encode() for p in PAGES])
    want = {e.key: e for e in (reference_entry(p, t, c) for p, t, *c in EXPECTED)}
    got = rowindex.resource_entries(SnapshotView(store, sid))
    assert set(got) == set(want)  # no row for 3, null, the id-less rows, the "data" beside "value"
    for key, e in want.items():
        assert tuple(got[key]) == tuple(e), key
    # written and read back: the same rows, and verify finds them right
    rowindex.write_index(store, sid)
    stored = rowindex.stored_entries(store, sid, rowindex.RESOURCE)
    assert {k: tuple(e) for k, e in stored.items()} == {k: tuple(e) for k, e in want.items()}
    assert rowindex.check_index(store, sid) == []
    # each span reads back as its row (what a diff parses)
    parsed = rowindex.RowReader(SnapshotView(store, sid)).rows(e.id for e in want.values())
    assert parsed == {c[0].lower(): json.loads(t) for _, t, *c in EXPECTED}


def test_noise_only_edits_keep_the_hash_and_real_edits_change_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    noisy = NSG.replace('"Succeeded"', '"Updating"').replace(r"W/\"x}\"", r"W/\"y\"")
    real = NSG.replace('"Allow"', '"Deny"')
    sids = [write(store, [('{"data": [' + t + "]}").encode()]) for t in (NSG, noisy, real)]
    key = EXPECTED[0][2].lower()
    a, b, c = (rowindex.resource_entries(SnapshotView(store, s))[key] for s in sids)
    assert a.raw != b.raw and a.hash == b.hash
    assert a.raw != c.raw and a.hash != c.hash


def test_the_derivation_sees_the_rows_a_fresh_view_parses(tmp_path: Path) -> None:
    """The index hands its parsed rows to exposure's derivation: the rows it stores are those
    computed from a view that parses every page itself."""
    from test_exposure_incremental import BASE

    store = Store(tmp_path / "s.db")
    sid = write_snapshot(store, tenant_fetches(BASE))
    rowindex.write_index(store, sid)
    fresh = rowindex.derived_entries(SnapshotView(store, sid))
    assert len(fresh) > 10  # exposure rows, their dependencies and contributions
    view = SnapshotView(store, sid)
    for kind in {k for k, _ in fresh}:
        stored = rowindex.kind_entries(view, kind)
        assert {k: tuple(e) for k, e in stored.items()} == {
            e.key: tuple(e) for k, e in fresh if k == kind
        }
    # the rows handed over are exactly what the view would read
    view = SnapshotView(store, sid)
    rowindex.resource_entries(view)
    assert view.resources() == SnapshotView(store, sid).resources()
    # ... and handed over under the key the view keeps them by (else each page is parsed twice)
    assert view.resources() is view.memo(rowindex._RESOURCES_MEMO, dict)


@pytest.mark.parametrize("odd", ["3", "null", '{"id": 5}', '{"id": ["x"]}'])
def test_rows_the_view_refuses_are_not_handed_over(tmp_path: Path, odd: str) -> None:
    """A page item that ``SnapshotView.resources`` cannot read (not an object, an id that is
    not a string): the derivation reads the view itself, and gets what it always got."""
    store = Store(tmp_path / "s.db")
    sid = write(store, [('{"data": [' + NSG + ", " + odd + "]}").encode()])
    view = SnapshotView(store, sid)
    assert set(rowindex.resource_entries(view)) == {EXPECTED[0][2].lower()}
    assert rowindex.derived_entries(view) == rowindex.derived_entries(SnapshotView(store, sid))
    with pytest.raises(AttributeError):  # how the view refuses such a page
        view.resources()
