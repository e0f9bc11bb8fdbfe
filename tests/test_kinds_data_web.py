"""Builders of the data and web kinds (storage, databases, web, Service Bus, containers, Key
Vault) on rows and listings taken from real Azure sample bodies (tests/fixtures/kinds)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakeazure.writer import FakeFetch, arg_pages, write_snapshot
from snapdiff.securicad.context import BuildContext
from snapdiff.securicad.kinds import load_builtin_kinds
from snapdiff.securicad.registry import REGISTRY
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store

FIX = Path(__file__).parent / "fixtures" / "kinds"

load_builtin_kinds()


def fixture(name: str) -> tuple[dict[str, Any], list[FakeFetch]]:
    """The ARG row and the per-resource fetches of a fixture file."""
    data = json.loads((FIX / name).read_text())
    row = data["row"]
    fetches = [
        FakeFetch(f["call"], f.get("target", row["id"].lower()), f["pages"])
        for f in data["fetches"]
    ]
    return row, fetches


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Any]:
    """``build(key, row, fetches, bug=False) -> (object, warnings)`` through a real snapshot."""
    stores: list[Store] = []

    def run(
        key: str, row: dict[str, Any], fetches: list[FakeFetch], *, bug: bool = False
    ) -> tuple[dict[str, Any] | None, list[str]]:
        store = Store(tmp_path / f"s{len(stores)}.db")
        stores.append(store)
        sid = write_snapshot(
            store, [FakeFetch("resourcegraph:resources", "batch-0", arg_pages([row])), *fetches]
        )
        view = SnapshotView(store, sid)
        ctx = BuildContext(view, bug_compatible=bug)
        stored = view.resources()[row["id"].lower()]
        return REGISTRY[key].func(stored, ctx), ctx.warnings

    yield run
    for s in stores:
        s.close()


def without(fetches: list[FakeFetch], call: str) -> list[FakeFetch]:
    return [f for f in fetches if f.call != call]


def denied(call: str, row: dict[str, Any], status: str = "forbidden") -> FakeFetch:
    return FakeFetch(
        call,
        row["id"].lower(),
        [],
        status=status,
        http_status=403 if status == "forbidden" else 500,
    )


# -- Key Vault -------------------------------------------------------------------------------


def test_key_vault_listings_and_forbidden_placeholders(build: Any) -> None:
    row, fetches = fixture("keyVaults_cckeyvault1.json")
    fetches.append(denied("keyvault:certificates", row))
    host = "https://cckeyvault1yghq6zt4ewg2e.vault.azure.net"
    for bug in (False, True):
        kv, warnings = build("keyVaults", row, fetches, bug=bug)
        assert kv is not None
        assert [k["name"] for k in kv["keys"]] == ["cctest1", "cctest2", "cctestec", "cctestrsa"]
        assert kv["keys"][0] == {
            "id": f"{host}/keys/cctest1",
            "name": "cctest1",
            "enabled": True,
            "collection": "keys",
        }
        assert kv["secrets"] == [
            {
                "id": "https://cfb-txqrnpdc-nrbac-vault.vault.azure.net/secrets/cfb-txqrNpDc-test-secret-with-exp",
                "name": "cfb-txqrNpDc-test-secret-with-exp",
                "enabled": True,
                "collection": "secrets",
            }
        ]
        # forbidden: the placeholder stays in both modes, so securiCAD still models it
        assert kv["certificates"] == [
            {
                "collection": "certificates",
                "enabled": True,
                "id": f"{host}/certificates/default",
                "name": "test-component",
            }
        ]
        assert any("keyvault:certificates forbidden" in w for w in warnings)
        assert kv["restrictedAccess"] is True
        assert kv["ipRules"][:2] == ["0.0.0.0/2", "64.0.0.0/3"] and len(kv["ipRules"]) == 8
        assert kv["virtualNetworkRules"] == []
        assert kv["accessPolicies"][0]["objectId"] == "cfb71ed8-fcd0-4fe2-8384-7076080a219b"
        assert set(kv["accessPolicies"][0]["permissions"]) == {"certificates", "secrets", "keys"}
        assert kv["accessPolicies"][0]["permissions"]["keys"][0] == "Get"


def test_key_vault_all_forbidden_and_empty_collections(build: Any) -> None:
    row, _ = fixture("keyVaults_sample-vault.json")
    fetches = [
        denied("keyvault:keys", row),
        denied("keyvault:secrets", row, status="failed"),
        FakeFetch("keyvault:certificates", row["id"].lower(), [{"value": [], "nextLink": None}]),
    ]
    kv, _ = build("keyVaults", row, fetches)
    assert kv is not None
    assert kv["keys"][0]["id"] == "https://sample-vault.vault.azure.net/keys/default"
    assert kv["secrets"][0]["name"] == "test-component"
    assert kv["certificates"] == []  # genuinely empty
    kv, _ = build("keyVaults", row, fetches, bug=True)
    assert kv is not None
    assert kv["certificates"] == [
        {
            "collection": "certificates",
            "enabled": True,
            "id": "https://sample-vault.vault.azure.net/certificates/default",
            "name": "test-component",
        }
    ]


def test_key_vault_sovereign_host_placeholder(build: Any) -> None:
    row, _ = fixture("keyVaults_sample-vault.json")
    row["properties"]["vaultUri"] = "https://sample-vault.vault.usgovcloudapi.net/"
    kv, _ = build("keyVaults", row, [denied("keyvault:keys", row)])
    assert kv is not None
    assert kv["keys"][0]["id"] == "https://sample-vault.vault.usgovcloudapi.net/keys/default"
    assert kv["secrets"][0]["id"] == "https://sample-vault.vault.usgovcloudapi.net/secrets/default"
    kv, _ = build("keyVaults", row, [denied("keyvault:keys", row)], bug=True)
    assert kv is not None
    assert kv["keys"][0]["id"] == "https://sample-vault.vault.azure.net/keys/default"


def test_key_vault_flags_both_modes(build: Any) -> None:
    row, _ = fixture("keyVaults_sample-vault.json")
    # sample: enabledForDeployment true, no enableSoftDelete / purge / RBAC properties
    kv, _ = build("keyVaults", row, [])
    assert kv is not None
    assert (kv["enableRbacAuthorization"], kv["purgeProtection"]) == (False, False)
    assert kv["restrictedAccess"] is False and kv["ipRules"] == []  # networkAcls absent
    kv, _ = build("keyVaults", row, [], bug=True)
    assert kv is not None
    assert (kv["enableRbacAuthorization"], kv["purgeProtection"]) == (True, True)

    row["properties"].update(
        enableRbacAuthorization=True,
        enablePurgeProtection=True,
        enableSoftDelete=False,
        enabledForDeployment=False,
        accessPolicies=None,
    )
    kv, _ = build("keyVaults", row, [])
    assert kv is not None
    assert (kv["enableRbacAuthorization"], kv["purgeProtection"]) == (True, True)
    assert kv["accessPolicies"] == []
    kv, _ = build("keyVaults", row, [], bug=True)
    assert kv is not None
    assert (kv["enableRbacAuthorization"], kv["purgeProtection"]) == (False, False)
    assert set(kv) == {
        "id", "name", "resourceGroup", "provider", "keys", "secrets", "certificates",
        "restrictedAccess", "ipRules", "virtualNetworkRules", "purgeProtection",
        "accessPolicies", "enableRbacAuthorization",
    }  # fmt: skip
    assert kv["provider"] == "microsoft.keyvault/vaults"


# -- Storage ---------------------------------------------------------------------------------


def test_storage_account_default_mode(build: Any) -> None:
    row, fetches = fixture("storageAccounts_sto8596.json")
    sa, _ = build("storageAccounts", row, fetches)
    assert sa is not None
    base = row["id"]
    assert sa["services"] == [
        {
            "name": "container1644",
            "id": f"{base}/blobServices/default/containers/container1644",
            "serviceType": "blob",
            "allowBlobPublicAccess": True,
        },
        {
            "name": "logs",
            "id": f"{base}/blobServices/default/containers/logs",
            "serviceType": "blob",
            "allowBlobPublicAccess": False,
        },
        {
            "name": "legacy",
            "id": f"{base}/blobServices/default/containers/legacy",
            "serviceType": "blob",
            "allowBlobPublicAccess": False,
        },
        {
            "name": "share1644",
            "id": f"{base}/fileServices/default/shares/share1644",
            "serviceType": "fileShare",
            "allowBlobPublicAccess": None,
        },
        {
            "name": "table6185",
            "id": f"{base}/tableServices/default/tables/table6185",
            "serviceType": "table",
            "allowBlobPublicAccess": None,
        },
    ]
    assert sa["ipRangeFilter"] == ["23.45.67.89", "10.1.0.0/16"]
    assert sa["bypassServices"] is True
    assert sa["restrictedAccess"] is True
    assert sa["virtualNetworkRules"] == [
        "/subscriptions/a7e99807-abbf-4642-bdec-2c809a96a8bc/resourceGroups/res9407/providers/Microsoft.Network/virtualNetworks/net1/subnets/default"
    ]
    assert sa["kind"] == "Storage"
    assert sa["httpsOnly"] is False
    assert sa["privateEndpoints"] is None
    assert sa["primaryEndpoints"]["blob"] == "https://sto8596.blob.core.windows.net/"
    assert (sa["resourceGroup"], sa["provider"]) == ("res9407", "microsoft.storage/storageaccounts")


def test_storage_account_bug_compatible(build: Any) -> None:
    row, fetches = fixture("storageAccounts_sto8596.json")
    sa, _ = build("storageAccounts", row, fetches, bug=True)
    assert sa is not None
    assert [s["name"] for s in sa["services"]] == [
        "container1644",
        "logs",
        "share1644",
        "table6185",
    ]
    assert sa["ipRangeFilter"] == []
    assert sa["bypassServices"] is False  # "Logging, Metrics, AzureServices" != "AzureServices"
    assert sa["restrictedAccess"] is True


def test_storage_account_unreadable_listings_and_missing_acls(build: Any) -> None:
    row, fetches = fixture("storageAccounts_sto8596.json")
    del row["properties"]["networkAcls"]
    fetches = [*without(fetches, "storage:containers"), denied("storage:containers", row)]
    for bug in (False, True):
        sa, warnings = build("storageAccounts", row, fetches, bug=bug)
        assert sa is not None
        assert [s["serviceType"] for s in sa["services"]] == ["fileShare", "table"]
        assert (sa["restrictedAccess"], sa["bypassServices"]) == (False, False)
        assert sa["ipRangeFilter"] == [] and sa["virtualNetworkRules"] == []
        assert any("networkAcls" in w for w in warnings)


# -- Cosmos DB -------------------------------------------------------------------------------


def test_cosmos_ip_rules_new_style(build: Any) -> None:
    row, _ = fixture("cosmosDBs_cctestcosmosdb.json")
    cdb, _ = build("cosmosDBs", row, [])
    assert cdb is not None
    assert cdb["ipRangeFilter"][:2] == ["173.2.147.78", "104.42.195.92"]
    assert len(cdb["ipRangeFilter"]) == 6
    assert cdb["restrictedAccess"] is True  # the IP firewall restricts access
    assert cdb["apiTypes"] == ["Sql"]
    assert cdb["disableKeyBasedMetadataWriteAccess"] is False
    cdb, _ = build("cosmosDBs", row, [], bug=True)
    assert cdb is not None
    assert cdb["ipRangeFilter"] == []  # ipRangeFilter is null; ipRules ignored
    assert cdb["restrictedAccess"] is False  # isVirtualNetworkFilterEnabled is false
    assert cdb["apiTypes"] == ["Sql"]


def test_cosmos_absent_properties(build: Any) -> None:
    row, _ = fixture("cosmosDBs_ddb1.json")
    for key in ("isVirtualNetworkFilterEnabled", "disableKeyBasedMetadataWriteAccess"):
        del row["properties"][key]
    row["properties"]["ipRangeFilter"] = "10.0.0.1, 10.0.0.2"
    cdb, _ = build("cosmosDBs", row, [])
    assert cdb is not None
    assert cdb["restrictedAccess"] is True  # legacy ipRangeFilter set
    assert cdb["ipRangeFilter"] == ["10.0.0.1", "10.0.0.2"]
    assert cdb["disableKeyBasedMetadataWriteAccess"] is False
    assert cdb["apiTypes"] == ["Sql"]  # GlobalDocumentDB without capabilities
    cdb, _ = build("cosmosDBs", row, [], bug=True)
    assert cdb is not None
    assert cdb["ipRangeFilter"] == ["10.0.0.1", " 10.0.0.2"]
    assert (cdb["restrictedAccess"], cdb["disableKeyBasedMetadataWriteAccess"]) == (True, True)
    assert cdb["apiTypes"] == ["None"]


# -- App Service -----------------------------------------------------------------------------


def test_app_service_ip_restrictions_and_auth(build: Any) -> None:
    row, fetches = fixture("appServices_sitef6141.json")
    app, _ = build("appServices", row, fetches)
    assert app is not None
    subnet = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/apps"
    assert app["ipSecurityRestrictions"] == [
        "122.133.144.0/24",
        subnet,
        "AzureFrontDoor.Backend",
        "203.0.113.7/32",
    ]
    assert app["disabledFTPs"] == "FtpsOnly"
    assert (app["authenticationEnabled"], app["preventAnonymousAccess"]) == (True, True)
    assert app["outboundAddresses"] == ["70.37.102.201", "20.225.43.144"]
    assert app["inboundAddresses"] == []
    assert app["serverFarmId"].endswith("/serverfarms/DefaultAsp")
    assert (app["httpsOnly"], app["kind"]) == (False, "app")
    assert (app["principalId"], app["principalType"], app["userAssignedIdentities"]) == (
        None,
        None,
        [],
    )

    app, _ = build("appServices", row, fetches, bug=True)
    assert app is not None
    # the malformed rule (action null) ends the scan
    assert app["ipSecurityRestrictions"] == ["122.133.144.0/24", subnet, "AzureFrontDoor.Backend"]
    # siteAuthEnabled false and siteAuthSettingsV2 null in the web config
    assert (app["authenticationEnabled"], app["preventAnonymousAccess"]) == (False, False)


def test_app_service_unreadable_config(build: Any) -> None:
    row, fetches = fixture("appServices_sitef6141.json")
    fetches = [*without(without(fetches, "web:config"), "web:authsettingsV2")]
    fetches += [denied("web:config", row, status="failed"), denied("web:authsettingsV2", row)]
    for bug in (False, True):
        app, warnings = build("appServices", row, fetches, bug=bug)
        assert app is not None
        assert app["disabledFTPs"] == "AllAllowed"
        assert app["preventAnonymousAccess"] is False
        assert app["authenticationEnabled"] is False
        assert app["ipSecurityRestrictions"] == []
        assert any("web config unreadable" in w for w in warnings)


def test_app_service_plan(build: Any) -> None:
    row, _ = fixture("appServicePlans_testsf6141.json")
    plan, _ = build("appServicePlans", row, [])
    assert plan == {
        "id": row["id"],
        "name": "testsf6141",
        "resourceGroup": "testrg123",
        "provider": "microsoft.web/serverfarms",
        "family": "P",
    }
    row["sku"] = None
    plan, warnings = build("appServicePlans", row, [])
    assert plan is None and "sku.family" in warnings[0]


# -- API Management --------------------------------------------------------------------------


def test_apim_products_over_two_pages(build: Any) -> None:
    row, fetches = fixture("apiManagements_apimService1.json")
    apim, _ = build("apiManagements", row, fetches)
    assert apim is not None
    svc = row["id"]
    assert apim["products"] == [
        {"id": f"{svc}/products/starter", "name": "starter", "apiNames": ["echo-api", "petstore"]},
        {"id": f"{svc}/products/unlimited", "name": "unlimited", "apiNames": ["echo-api"]},
    ]
    assert apim["apis"] == [
        {"id": f"{svc}/apis/echo-api", "name": "echo-api"},
        {"id": f"{svc}/apis/petstore", "name": "petstore"},
    ]
    assert apim["apiManagementcertificates"] == [
        {"id": f"{svc}/certificates/templateCert1", "name": "templateCert1"}
    ]
    assert [u["userType"] for u in apim["apiManagementUsers"]] == ["Administrator", "User"]
    assert apim["apiManagementSubscriptions"] == [
        {
            "id": f"{svc}/subscriptions/master",
            "name": "master",
            "userId": None,
            "scope": f"{svc}/apis",
        },
        {
            "id": f"{svc}/subscriptions/5931a769d8d14f0ad8ce13bd",
            "name": "5931a769d8d14f0ad8ce13bd",
            "userId": f"{svc}/users/5931a769d8d14f0ad8ce13b8",
            "scope": f"{svc}/products/starter",
        },
    ]
    assert apim["subnetId"].endswith("/subnets/backendSubnet")
    assert apim["virtualNetworkType"] == "External"
    assert apim["publicIpAddresses"] == ["13.94.xxx.188"]
    assert apim["privateIpAddresses"] is None
    assert apim["principalId"] == "ca1d33f7-0000-42ec-0000-d526a1ee953a"
    assert apim["principalType"] == "SystemAssigned, UserAssigned"
    assert apim["userAssignedIdentities"][0]["clientId"] == "aaff9c7d-0000-4db2-0000-ab0e3e7806cf"


def test_apim_bug_compatible(build: Any) -> None:
    row, fetches = fixture("apiManagements_apimService1.json")
    apim, _ = build("apiManagements", row, fetches, bug=True)
    assert apim is not None
    svc = row["id"]
    # first page only (no nextLink following), as the old collector did
    assert apim["products"] == [
        {"id": f"{svc}/products/starter", "name": "starter", "apiNames": ["echo-api"]}
    ]
    assert [u["userType"] for u in apim["apiManagementUsers"]] == ["Administrator", "Alice"]
    # the built-in "master" subscription has no ownerId: the old loop stopped there
    assert apim["apiManagementSubscriptions"] == []


def test_apim_forbidden_listing(build: Any) -> None:
    row, fetches = fixture("apiManagements_apimService1.json")
    fetches = [*without(fetches, "apim:users"), denied("apim:users", row)]
    row["identity"] = None
    apim, _ = build("apiManagements", row, fetches)
    assert apim is not None
    assert apim["apiManagementUsers"] == []
    assert (apim["principalId"], apim["principalType"], apim["userAssignedIdentities"]) == (
        None,
        None,
        [],
    )


# -- Service Bus -----------------------------------------------------------------------------


def test_service_bus(build: Any) -> None:
    row, fetches = fixture("serviceBuses_sdk-Namespace-2924.json")
    sb, _ = build("serviceBuses", row, fetches)
    assert sb is not None
    assert sb["tier"] == "Standard"
    assert sb["authorizationRules"][0]["name"] == "RootManageSharedAccessKey"
    assert sb["authorizationRules"][0]["rights"] == ["Listen", "Manage", "Send"]
    assert sb["queues"] == [
        {
            "id": "/subscriptions/5f750a97-50d9-4e36-8081-c9ee4c0210d4/resourceGroups/ArunMonocle/providers/Microsoft.ServiceBus/namespaces/sdk-Namespace-3174/queues/sdk-queues-5647",
            "name": "sdk-queues-5647",
        }
    ]
    assert [t["name"] for t in sb["topics"]] == ["sdk-topics-5488"]
    assert sb["provider"] == "microsoft.servicebus/namespaces"


def test_service_bus_forbidden_listing(build: Any) -> None:
    row, fetches = fixture("serviceBuses_sdk-Namespace-2924.json")
    fetches = [
        *without(fetches, "servicebus:authorizationRules"),
        denied("servicebus:authorizationRules", row),
    ]
    fetches = [
        *without(fetches, "servicebus:topics"),
        denied("servicebus:topics", row, status="failed"),
    ]
    for bug in (False, True):
        sb, warnings = build("serviceBuses", row, fetches, bug=bug)
        assert sb is not None
        assert sb["authorizationRules"] == [] and sb["topics"] == []
        assert [q["name"] for q in sb["queues"]] == ["sdk-queues-5647"]
        assert "servicebus:authorizationRules forbidden" in " ".join(warnings)
        assert "servicebus:topics failed" in " ".join(warnings)


# -- SQL / MySQL -----------------------------------------------------------------------------


def test_sql_server_firewall_ranges(build: Any) -> None:
    row, fetches = fixture("sqlServers_sqlcrudtest-4645.json")
    sql, warnings = build("sqlServers", row, fetches)
    assert sql is not None
    assert sql["firewallRules"] == [
        "0.0.0.0",
        "1.2.3.4", "1.2.3.5", "1.2.3.6", "1.2.3.7", "1.2.3.8", "1.2.3.9",
        "1.2.3.4 - 1.2.3.14",
    ]  # fmt: skip
    assert any("'broken'" in w for w in warnings)
    assert [(d["name"], d["tier"]) for d in sql["databases"]] == [
        ("testdb", "BusinessCritical"),
        ("master", "System"),
    ]
    assert sql["databases"][0]["provider"] == "Microsoft.Sql/servers/databases"
    assert sql["virtualNetworkRules"] == [
        "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/Default/providers/Microsoft.Network/virtualNetworks/testvnet/subnets/testsubnet"
    ]
    assert sql["publicNetworkAccess"] == "Enabled"
    assert len(sql["privateEndpoints"]) == 1
    sql, _ = build("sqlServers", row, fetches, bug=True)
    assert sql is not None
    assert sql["firewallRules"] == [
        "0.0.0.0",
        "1.2.3.4",
        "1.2.3.5",
        "1.2.3.6",
        "1.2.3.7",
        "1.2.3.8",
        "1.2.3.9",
    ]


def test_sql_server_defaults(build: Any) -> None:
    row, fetches = fixture("sqlServers_sqlcrudtest-4645.json")
    del row["properties"]["publicNetworkAccess"]
    dbs = copy.deepcopy(fetches[0].pages)
    del dbs[0]["value"][0]["sku"]
    fetches = [FakeFetch("sql:databases", row["id"].lower(), dbs)]
    sql, _ = build("sqlServers", row, fetches)
    assert sql is not None
    assert sql["publicNetworkAccess"] == "Enabled"
    assert sql["databases"][0]["tier"] == "BusinessCritical"  # from properties.currentSku
    assert sql["firewallRules"] == [] and sql["virtualNetworkRules"] == []
    sql, _ = build("sqlServers", row, fetches, bug=True)
    assert sql is not None
    assert sql["publicNetworkAccess"] == "Disabled"


def test_mysql_ad_admins_both_modes(build: Any) -> None:
    row, fetches = fixture("mySQLDatabases_mysqltestsvc4.json")
    db, _ = build("mySQLDatabases", row, fetches)
    assert db is not None
    admin = {
        "id": f"{row['id']}/administrators/activeDirectory",
        "name": "activeDirectory",
        "principalType": "ActiveDirectory",
        "principalId": "c6b82b90-a647-49cb-8a62-0d2d3cb7ac7c",
    }
    assert db["adAdmins"] == [admin]
    assert db["firewallRules"] == ["0.0.0.0 - 255.255.255.255", "10.0.0.5", "10.0.0.6", "10.0.0.7"]
    assert db["publicNetworkAccess"] == "Enabled"  # null in the row
    assert db["privateEndpoints"] == []
    db, _ = build("mySQLDatabases", row, fetches, bug=True)
    assert db is not None
    assert db["adAdmins"] == [
        {**admin, "principalType": "Microsoft.DBforMySQL/servers/administrators"}
    ]
    assert db["publicNetworkAccess"] == "Disabled"


def test_postgresql_and_mariadb_share_the_shape(build: Any) -> None:
    row, fetches = fixture("mySQLDatabases_mysqltestsvc4.json")
    pg = {**row, "type": "microsoft.dbforpostgresql/servers"}
    db, _ = build("postgreSQLDatabases", pg, fetches)
    assert db is not None and db["provider"] == "microsoft.dbforpostgresql/servers"
    assert len(db["adAdmins"]) == 1
    maria = {**row, "type": "microsoft.dbformariadb/servers"}
    db, _ = build("mariaDBDatabases", maria, fetches)
    assert db is not None and "adAdmins" not in db
    assert set(db) == {
        "id", "name", "resourceGroup", "provider", "privateEndpoints", "publicNetworkAccess", "firewallRules",
    }  # fmt: skip


# -- Containers ------------------------------------------------------------------------------


def test_acr(build: Any) -> None:
    row, _ = fixture("containerRegistries_myRegistry.json")
    acr, _ = build("containerRegistries", row, [])
    assert acr is not None
    assert acr["firewallRules"] == ["203.0.113.0/24"]
    assert acr["defaultAction"] == "Deny"
    assert acr["publicNetworkEnabled"] == "Enabled"
    assert acr["networkBypassOptions"] == "AzureServices"
    assert acr["tier"] == "Standard"
    assert acr["virtualNetworkRules"] == []
    assert acr["principalType"] == "UserAssigned" and acr["principalId"] is None
    assert acr["userAssignedIdentities"][0]["principalId"] == "fa5fc227-0000-0000-0000-cdd604c735bc"


def test_acr_null_network_rule_set(build: Any) -> None:
    row, _ = fixture("containerRegistries_cctestcontainerregistry.json")
    row["properties"]["networkRuleSet"] = None
    row["sku"] = None
    for bug in (False, True):
        acr, _ = build("containerRegistries", row, [], bug=bug)
        assert acr is not None
        assert acr["defaultAction"] == "Allow"
        assert acr["firewallRules"] == [] and acr["virtualNetworkRules"] == []
        assert acr["tier"] == "Basic"
        assert acr["adminUserEnabled"] is False
        assert acr["networkBypassOptions"] == "None"
        assert acr["publicNetworkEnabled"] == ("Disabled" if bug else "Enabled")


def test_aks(build: Any) -> None:
    row, _ = fixture("kubernetesClusters_clustername1.json")
    aks, _ = build("kubernetesClusters", row, [])
    assert aks is not None
    assert aks["nodePools"] == [
        {
            "name": "nodepool1",
            "count": 3,
            "nodeType": "VirtualMachineScaleSets",
            "osType": "Linux",
            "kubernetesVersion": "1.9.6",
        }
    ]
    assert (aks["kubernetesVersion"], aks["tier"], aks["enableRBAC"]) == ("1.9.6", "Free", False)
    assert (aks["firewallRules"], aks["privateCluster"], aks["aadProfile"]) == ([], False, None)
    aks, _ = build("kubernetesClusters", row, [], bug=True)
    assert aks is not None
    assert aks["nodePools"][0]["nodeType"] is None


def test_aks_without_agent_pool_profiles(build: Any) -> None:
    row, _ = fixture("kubernetesClusters_cctestaks.json")
    del row["properties"]["agentPoolProfiles"]
    row["properties"]["apiServerAccessProfile"] = {
        "authorizedIPRanges": None,
        "enablePrivateCluster": True,
    }
    row["properties"]["aadProfile"] = {
        "managed": True,
        "adminGroupObjectIDs": ["g1"],
        "tenantID": "t1",
    }
    aks, warnings = build("kubernetesClusters", row, [])
    assert aks is not None
    assert aks["nodePools"] == [
        {
            "name": "testPool",
            "nodeType": "VirtualMachineScaleSets",
            "osType": "Linux",
            "count": 1,
            "kubernetesVersion": "1.12.8",
        }
    ]
    assert any("agentPoolProfiles" in w for w in warnings)
    assert (aks["tier"], aks["firewallRules"], aks["privateCluster"]) == ("Free", [], True)
    assert aks["aadProfile"] == {"adminGroups": ["g1"], "tenantId": "t1"}
    assert aks["enableRBAC"] is True
    aks, _ = build("kubernetesClusters", row, [], bug=True)
    assert aks is not None
    assert aks["nodePools"] == [
        {
            "name": "testPool",
            "type": "VirtualMachineScaleSets",
            "osType": "Linux",
            "count": 1,
            "kubernetesVersion": "1.12.8",
        }
    ]
    assert (aks["tier"], aks["firewallRules"]) == ("Basic", None)


def test_aks_without_properties_is_skipped(build: Any) -> None:
    row, _ = fixture("kubernetesClusters_cctestaks.json")
    row["properties"] = None
    for bug in (False, True):
        aks, warnings = build("kubernetesClusters", row, [], bug=bug)
        assert aks is None and "skipped" in warnings[0]
