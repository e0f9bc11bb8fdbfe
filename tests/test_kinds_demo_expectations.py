"""Hand-written expectations, read off the demo tenant's source (tests/fakeazure/demo.py), for
the kinds whose per-kind tests were thinnest. They back tests/golden/build/week0: a golden
file that changes must still agree with these."""

from __future__ import annotations

from typing import Any

import pytest

from snapdiff.demo import load_demo
from snapdiff.securicad import build
from snapdiff.snapshot import SnapshotView

P = "/subscriptions/3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71/resourceGroups"


@pytest.fixture(scope="module")
def ad(tmp_path_factory) -> dict[str, Any]:
    run = load_demo(tmp_path_factory.mktemp("kinds") / "demo.db")
    return build(SnapshotView(run.store, run.week0)).active_directory


def one(ad: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in ad[key] if o["name"] == name]
    return obj


def test_mariadb_single_server(ad):
    m = one(ad, "mariaDBDatabases", "mariadb-fab-legacy")
    assert (
        m["id"] == f"{P}/rg-data-prod/providers/Microsoft.DBforMariaDB/servers/mariadb-fab-legacy"
    )
    assert m["resourceGroup"] == "rg-data-prod"
    assert m["provider"] == "microsoft.dbformariadb/servers"
    assert m["publicNetworkAccess"] == "Enabled"
    assert m["privateEndpoints"] == []
    # legacy-app 10.1.2.4-10.1.2.8, one address each; the reversed range 10.1.2.9-10.1.2.5 is dropped
    assert m["firewallRules"] == [f"10.1.2.{i}" for i in range(4, 9)]
    assert "adAdmins" not in m  # MariaDB has no administrators listing


def test_postgresql_single_server(ad):
    p = one(ad, "postgreSQLDatabases", "psql-fab-prod")
    assert p["publicNetworkAccess"] == "Disabled"
    assert p["adAdmins"] == []
    assert p["firewallRules"] == [f"10.1.2.{i}" for i in range(20, 25)]
    (pe,) = p["privateEndpoints"]
    assert pe["properties"]["groupIds"] == ["postgresqlServer"]
    assert pe["properties"]["privateEndpoint"]["id"] == (
        f"{P}/rg-data-prod/providers/Microsoft.Network/privateEndpoints/pe-psql-fab-prod"
    )


def test_app_service_plans_family_from_sku(ad):
    families = {o["name"]: o["family"] for o in ad["appServicePlans"]}
    assert families == {"asp-fab-prod": "Pv3", "asp-fab-func": "Y"}
    assert one(ad, "appServicePlans", "asp-fab-func")["resourceGroup"] == "rg-integration-prod"


def test_service_bus_namespace(ad):
    sb = one(ad, "serviceBuses", "sb-fab-prod")
    base = f"{P}/rg-integration-prod/providers/Microsoft.ServiceBus/namespaces/sb-fab-prod"
    assert sb["tier"] == "Standard"
    assert sb["authorizationRules"] == [
        {
            "id": f"{base}/authorizationRules/RootManageSharedAccessKey",
            "name": "RootManageSharedAccessKey",
            "rights": ["Listen", "Manage", "Send"],
        },
        {
            "id": f"{base}/authorizationRules/orders-sender",
            "name": "orders-sender",
            "rights": ["Send"],
        },
    ]
    assert sb["queues"] == [
        {"id": f"{base}/queues/{q}", "name": q} for q in ("orders", "orders-replay")
    ]
    assert sb["topics"] == [{"id": f"{base}/topics/events", "name": "events"}]


def test_container_registry(ad):
    cr = one(ad, "containerRegistries", "crfabprod")
    assert cr["tier"] == "Premium"
    assert cr["adminUserEnabled"] is True
    assert cr["defaultAction"] == "Deny"
    assert cr["firewallRules"] == ["203.0.113.0/24"]
    assert cr["virtualNetworkRules"] == []
    assert cr["networkBypassOptions"] == "AzureServices"
    assert cr["publicNetworkEnabled"] == "Enabled"
    assert cr["privateEndpoints"] == []
    assert cr["principalType"] == "SystemAssigned"
    assert cr["userAssignedIdentities"] == []
