"""Property tests: builders never crash on odd shapes, redaction never lets a secret through."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff.redact import redact_body
from snapdiff.securicad.context import BuildContext
from snapdiff.securicad.kinds import load_builtin_kinds
from snapdiff.securicad.registry import REGISTRY
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

load_builtin_kinds()
KINDS = sorted(REGISTRY.values(), key=lambda k: k.key)

# JSON values of the shapes Azure sends: nulls, lists where objects are expected, and so on.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
PROPERTY_KEYS = [
    "storageProfile",
    "osProfile",
    "networkProfile",
    "ipConfigurations",
    "securityRules",
    "defaultSecurityRules",
    "subnets",
    "addressSpace",
    "bgpSettings",
    "networkAcls",
    "sku",
    "virtualMachineProfile",
    "agentPoolProfiles",
    "apiServerAccessProfile",
    "aadProfile",
    "networkRuleSet",
    "accessPolicies",
    "vaultUri",
    "ipRangeFilter",
    "virtualNetworkRules",
    "ipAddress",
    "publicIPAllocationMethod",
    "connectionType",
    "routes",
    "privateEndpointConnections",
    "outboundIpAddresses",
    "virtualNetworkConfiguration",
    "publicIPAddresses",
]
properties = st.dictionaries(st.sampled_from(PROPERTY_KEYS), json_values, max_size=8)


def _row(kind, props, extra):
    rtype = kind.types[0]
    return {
        "id": f"/subscriptions/s/resourceGroups/rg/providers/{rtype}/x",
        "name": "x",
        "type": rtype,
        "resourceGroup": "rg",
        "subscriptionId": "s",
        "properties": props,
        **extra,
    }


def _context(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("robust") / "s.db")
    sid = write_snapshot(store, [FakeFetch("resourcegraph:resources", "batch-0", arg_pages([]))])
    return BuildContext(SnapshotView(store, sid))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(KINDS),
    props=properties,
    extra=st.dictionaries(
        st.sampled_from(["identity", "sku", "tags", "kind", "managedBy"]), json_values, max_size=3
    ),
    compat=st.booleans(),
)
def test_builders_never_raise_on_odd_shapes(tmp_path_factory, kind, props, extra, compat):
    ctx = _context(tmp_path_factory)
    ctx.bug_compatible = compat
    out = kind.func(_row(kind, props, extra), ctx)
    assert out is None or (isinstance(out, dict) and out["id"].endswith("/x"))
    if out is not None:
        json.dumps(out)  # always serializable


@pytest.mark.parametrize("managed_by", [1, ["x"], {"id": "x"}, True])
def test_disk_with_a_non_string_managed_by(tmp_path_factory, managed_by):
    """Found by the property test once builder crashes failed tests: ``managedBy: 1``."""
    disk = next(k for k in KINDS if k.key == "disks")
    out = disk.func(_row(disk, {}, {"managedBy": managed_by}), _context(tmp_path_factory))
    assert out is not None and out["id"].endswith("/x")
    json.dumps(out)


# (key, value template, the part that must disappear)
SECRETS = st.sampled_from(
    [
        ("password", "p4ss-{}-word", "p4ss-{}-word"),
        ("connectionString", "Server=x;Password=pw{};", "pw{}"),
        (
            "value",
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=ab{}cdEFgh==;",
            "ab{}cdEFgh==",
        ),
        ("sasUrl", "https://a.blob.core.windows.net/c?sv=1&sig=Sig{}nature%3D", "Sig{}nature"),
        ("clientSecret", "cs-{}-secret", "cs-{}-secret"),
        (
            "note",
            "eyJhbGciOiJIUzI1NiJ9{}.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
            "eyJhbGciOiJIUzI1NiJ9{}",
        ),
    ]
)


@given(
    placements=st.lists(
        st.tuples(SECRETS, st.integers(1000, 9999), st.text(max_size=6)), min_size=1, max_size=4
    ),
    nest=st.integers(0, 3),
)
def test_redaction_removes_every_planted_secret(placements, nest):
    doc: dict = {}
    planted = []
    for (key, template, secret), n, noise in placements:
        value = template.format(n)
        planted.append(secret.format(n))
        target = doc
        for level in range(nest):
            target = target.setdefault(f"level{level}", {})
        target.setdefault("items", []).append({key: value, "name": noise or "setting"})
    out, found = redact_body(json.dumps(doc).encode())
    text = out.decode()
    for secret in planted:
        assert secret not in text
    assert found
