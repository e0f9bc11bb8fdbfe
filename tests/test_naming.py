"""snapdiff.naming: the Azure naming rules the collector, builder and differ share."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from snapdiff.naming import calls
from snapdiff.naming.ids import (
    resource_group_of,
    role_guid,
    row_parts,
    scoped_resource_groups,
    subscription_of,
)
from snapdiff.naming.rbac import group_principals, read_assignment, read_assignments

FIX = json.loads((Path(__file__).parent / "fixtures" / "diff" / "samples.json").read_text())
SUB = "11111111-0000-0000-0000-000000000001"
VM = f"/subscriptions/{SUB}/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/vm1"
MG = "/providers/Microsoft.Management/managementGroups/mg1"


@pytest.mark.parametrize(
    "rid, sub, rg",
    [
        (VM, SUB, "RG-App"),
        (VM.lower(), SUB, "rg-app"),
        (f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/rg1", SUB, "rg1"),
        (f"/subscriptions/{SUB}", SUB, None),
        (f"/subscriptions/{SUB}/resourceGroups/", SUB, None),
        (MG, None, None),
        (f"{MG}/providers/Microsoft.Authorization/roleAssignments/x", None, None),
        ("", None, None),
    ],
)
def test_subscription_and_resource_group_of_an_id(rid, sub, rg):
    assert subscription_of(rid) == sub
    assert resource_group_of(rid) == rg


def test_row_parts_prefer_the_columns_and_fall_back_on_the_id():
    row = {"id": VM, "type": "Microsoft.Compute/virtualMachines", "name": "vm1"}
    assert row_parts(row) == ("microsoft.compute/virtualmachines", "vm1", SUB, "RG-App")
    row |= {"subscriptionId": "other", "resourceGroup": "rg-app"}
    assert row_parts(row)[2:] == ("other", "rg-app")
    assert row_parts({"id": VM}) == ("", "vm1", SUB, "RG-App")


def test_role_guid_is_the_lower_cased_last_segment():
    rd = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/ABC-1/"
    assert role_guid(rd) == "abc-1"


def _rg(name: str, managed_by: str | None = None, sub: str = SUB) -> dict:
    return {
        "id": f"/subscriptions/{sub}/resourceGroups/{name}",
        "type": "microsoft.resources/subscriptions/resourcegroups",
        "name": name,
        "subscriptionId": sub,
        "managedBy": managed_by,
    }


def test_scoped_resource_groups_take_named_and_managed_groups():
    aks = f"/subscriptions/{SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/k"
    containers = [
        {
            "id": f"/subscriptions/{SUB}",
            "type": "microsoft.resources/subscriptions",
            "name": "RG-AKS",
        },
        _rg("RG-AKS"),
        _rg("MC_rg-aks_k_westeurope", aks),
        _rg("rg-other"),
        _rg("rg-managed-elsewhere", aks.replace("rg-aks", "rg-x")),
    ]
    names = [c["name"] for c in scoped_resource_groups(containers, ["rg-aks"])]
    assert names == ["RG-AKS", "MC_rg-aks_k_westeurope"]
    assert scoped_resource_groups(containers, []) == []


def test_read_assignment_from_a_real_listing():
    listing = FIX["role_assignments"]  # from the samples' role assignment listing
    items = list(read_assignments(listing))
    assert items and all(a.id and a.role_guid and a.scope for a in items)
    raw = listing[0]
    a = items[0]
    assert a.raw is raw and a.principal_id == raw["properties"]["principalId"]
    assert a.role_guid == raw["properties"]["roleDefinitionId"].rsplit("/", 1)[-1].lower()


def test_read_assignment_tolerates_missing_fields():
    assert read_assignment("not an object") is None
    a = read_assignment({"id": "x", "properties": None})
    assert a is not None and (a.scope, a.principal_id, a.role_guid) == ("", "", "")
    assert read_assignment({"properties": {"scope": "/"}}).id == ""  # type: ignore[union-attr]


def test_group_principals_are_distinct_sorted_groups_only():
    items = [
        {"id": "1", "properties": {"principalType": "Group", "principalId": "g2"}},
        {"id": "2", "properties": {"principalType": "Group", "principalId": "g1"}},
        {"id": "3", "properties": {"principalType": "Group", "principalId": "g2"}},
        {"id": "4", "properties": {"principalType": "User", "principalId": "u1"}},
        {"id": "5", "properties": {"principalType": "Group"}},
    ]
    assert group_principals(read_assignments(items)) == ["g1", "g2"]


def test_call_names_are_source_colon_what():
    names = [
        v for k, v in vars(calls).items() if k.isupper() and k[0] != "_" and isinstance(v, str)
    ]
    assert len(names) >= 11
    for name in names:
        source, _, what = name.partition(":")
        assert source and what and calls.source_of(name) == source
    per_resource = {c.call for cs in calls.PER_RESOURCE.values() for c in cs}
    assert calls.INSIGHTS_TOPOLOGY in per_resource


def _call_literals(path: Path) -> list[tuple[int, str]]:
    """String constants shaped like a call name (``source:what``) in a module."""
    shape = re.compile(r"^[a-z]+:[A-Za-z]+$")
    tree = ast.parse(path.read_text())
    return [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and shape.match(n.value)
    ]


def test_every_call_name_in_the_code_is_declared_in_naming():
    """Tenant-wide calls are spelled only as ``naming.calls`` constants; per-resource calls
    only as declared in ``PER_RESOURCE``/``FOLLOW_UPS`` (a typo would read nothing)."""
    pkg = Path(__file__).resolve().parents[1] / "snapdiff"
    constants = {v for k, v in vars(calls).items() if k.isupper() and isinstance(v, str)}
    per_resource = {c.call for cs in calls.PER_RESOURCE.values() for c in cs}
    per_resource |= {c.call for c in calls.FOLLOW_UPS.values()}
    spelled, unknown = [], []
    paths = [p for p in pkg.rglob("*.py") if p.parent.name not in ("naming", "fake")]
    for path in paths:
        for line, value in _call_literals(path):
            where = f"{path.relative_to(pkg)}:{line} {value}"
            if value in constants - per_resource:
                spelled.append(where)
            elif value not in per_resource:
                unknown.append(where)
    assert spelled == [] and unknown == []


def test_cia_rules_shared_by_access_and_exposure():
    from snapdiff.naming.cia_rule import parse_cia_rule, valid_cia_rule

    r = parse_cia_rule("access", "access:C >= 8")
    assert r is not None and (r.index, r.op, r.threshold) == (0, ">=", 8)
    assert r.meets((8, 0, 0)) and r.meets([9, 1, 1]) and not r.meets((7, 9, 9))
    assert not r.meets(None)  # untagged never meets a threshold
    a = parse_cia_rule("exposure", "exposure:a=10")
    assert a is not None and a.meets((0, 0, 10)) and not a.meets((10, 10, 9))
    assert parse_cia_rule("access", "exposure:c>=8") is None
    assert valid_cia_rule("access", "access") and valid_cia_rule("access", "access:i>9")
    assert not valid_cia_rule("access", "access:c>10")  # no value in 0..10 exceeds 10
    assert not valid_cia_rule("access", "access:c>=11") and not valid_cia_rule("access", "acc")
