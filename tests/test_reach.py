"""The highest CIA value under each scope (what reports sort by), from hand-written tags."""

from __future__ import annotations

from snapdiff.diff.reach import Reach


def reach_of(tags: dict[str, tuple[int, int, int]]) -> Reach:
    r = Reach.__new__(Reach)  # the per-scope arithmetic alone, without a snapshot
    r.by_id, r._by_scope, r._overall = dict(tags), None, None
    return r


def test_groups_subscriptions_and_overall_take_the_highest_of_each_value() -> None:
    s1, s2 = "/subscriptions/11111111-1111-1111-1111-111111111111", "/subscriptions/22"
    r = reach_of(
        {
            f"{s1}/resourcegroups/rg-a/providers/microsoft.storage/storageaccounts/st1": (9, 1, 1),
            f"{s1}/resourcegroups/rg-a/providers/microsoft.sql/servers/sq/databases/db": (2, 8, 3),
            f"{s1}/resourcegroups/rg-b/providers/microsoft.web/sites/app": (1, 1, 7),
            f"{s1}/providers/microsoft.security/pricings/vm": (4, 4, 4),  # no resource group
            f"{s2}/resourcegroups/rg-a/providers/microsoft.keyvault/vaults/kv": (10, 0, 0),
            "/providers/microsoft.management/managementgroups/mg": (0, 9, 9),  # outside
        }
    )
    assert r.scope(f"{s1}/resourceGroups/RG-A") == [9, 8, 3]
    assert r.scope(f"{s1}/resourcegroups/rg-b") == [1, 1, 7]
    assert r.scope(s1.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")) == [9, 8, 7]
    assert r.scope(s2) == [10, 0, 0]
    assert r.scope(f"{s2}/resourcegroups/rg-b") is None
    assert r.scope(f"{s1}/resourcegroups/rg-a/providers/microsoft.web/sites/none") is None
    assert r.scope("/providers/Microsoft.Management/managementGroups/root") == [10, 9, 9]
    assert r.overall == (10, 9, 9)
