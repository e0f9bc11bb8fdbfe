"""Issue 8, finished: the researched "not applicable" answers, Key Vault network refusals named
as network rules (not RBAC), and refs that never pick a failed snapshot."""

from __future__ import annotations

import pytest

from conftest import _offline
from fakeazure.reader import (
    BASIC_SERVICEBUS,
    FIREWALLED_VAULT,
    PRIVATE_VAULT,
    firewalled_tenant,
    vault_forbidden,
    vault_network_refused,
)
from fakeazure.server import serve
from fakeazure.writer import FakeFetch, write_snapshot
from snapdiff import status as st
from snapdiff.errors import SnapshotNotFound
from snapdiff.naming.calls import PER_RESOURCE, absent_for
from snapdiff.refs import resolve
from snapdiff.securicad import build
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
from test_cli import collect_cli, run
from test_cli_status import _free_port

RBAC_ONLY = "kv-fab-shared-ops"


@pytest.mark.parametrize(
    "call, http, code",
    [  # researched, no code specific to "absent for this resource": stays failed (docs/store.md)
        ("servicebus:topics", 400, "BadRequest"),  # Basic tier: generic SubCode=40000
        ("servicebus:topics", 400, "MessagingGatewayBadRequest"),
        ("web:authsettingsV2", 400, "BadRequest"),
        ("web:config", 400, "BadRequest"),
        ("insights:topology", 400, "BadRequest"),
        ("sql:administrators", 400, "BadRequest"),
        ("dbservers:administrators", 400, "BadRequest"),
        ("keyvault:keys", 400, "FeatureNotSupportedForAccount"),  # a storage code elsewhere
    ],
)
def test_generic_bad_requests_are_not_taken_for_absent_services(call, http, code):
    assert st.fetch_outcome(call, http, code) == st.FAILED


def test_key_vault_network_refusal_keeps_its_inner_code_in_the_message():
    body = vault_network_refused("kv-a", "ForbiddenByFirewall")
    assert st.inner_code(body) == "ForbiddenByFirewall"
    assert st.fetch_outcome("keyvault:keys", 403, st.error_code(body)) == st.FORBIDDEN
    msg = st.error_message(403, body)
    assert msg.startswith("HTTP 403 Forbidden (ForbiddenByFirewall): Client address is not")
    rbac = vault_forbidden("t", "kv-a", "keys")  # innerError, as Key Vault spells it there
    assert st.error_message(403, rbac).startswith("HTTP 403 Forbidden (AccessDenied): ")
    assert st.error_message(502, "<html>") == "HTTP 502"


def test_network_refusals_get_their_own_coverage_line_naming_the_network_rule():
    vault = "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/"
    net = st.error_message(403, vault_network_refused("kv-a", "ForbiddenByConnection"))
    rbac = st.error_message(403, vault_forbidden("t", "kv-b", "keys"))
    lines = st.coverage_lines(
        [
            ("keyvault:keys", vault + "kv-a", net),
            ("keyvault:secrets", vault + "kv-a", net),
            ("keyvault:keys", vault + "kv-b", rbac),
            ("keyvault:keys", vault + "kv-c", None),
        ]
    )
    assert len(lines) == 2
    [network] = [line for line in lines if "network rules" in line]
    assert network.startswith("Key Vault keys, secrets and certificates (blocked by the vault's")
    assert "forbidden for 1 (kv-a)" in network and "private endpoint" in network
    assert "Key Vault Reader" not in network
    [policy] = [line for line in lines if line not in (network,)]
    assert "forbidden for 2 (kv-b, kv-c)" in policy and "Key Vault Reader role" in policy


@pytest.fixture(scope="module")
def firewall(tmp_path_factory):
    """The reader-firewall cassette replayed once for the tests that read it."""
    return _offline(tmp_path_factory.mktemp("fw"), ("reader-firewall", "fw"))


def test_firewalled_vaults_replayed_leave_a_complete_snapshot_naming_network_rules(firewall):
    store, r = firewall
    assert r.status == "complete"
    status = {s["name"]: s["status"] for s in r.sources}
    assert {n for n, s in status.items() if s != "ok"} == {"keyvault"}
    view = SnapshotView(store, r.snapshot_id)
    note = view.coverage()["keyvault"]
    lines = note.splitlines()
    assert len(lines) == 2, note
    [network] = [line for line in lines if "network rules" in line]
    assert f"forbidden for 2 ({PRIVATE_VAULT}, {FIREWALLED_VAULT})" in network
    assert "vault firewall" in network and "RBAC" in network
    [policy] = [line for line in lines if line != network]
    assert f"forbidden for 1 ({RBAC_ONLY})" in policy and "Key Vault Reader role" in policy
    errors = {f.target.rsplit("/", 1)[-1]: f.error for f in view.fetches("keyvault:keys")}
    assert "(ForbiddenByFirewall)" in errors[FIREWALLED_VAULT]
    assert "(ForbiddenByConnection)" in errors[PRIVATE_VAULT]
    assert "(AccessDenied)" in errors[RBAC_ONLY]


def test_basic_service_bus_namespaces_have_no_topics_to_ask_for():
    topics = next(c for c in PER_RESOURCE["microsoft.servicebus/namespaces"] if "topics" in c.call)
    queues = next(c for c in PER_RESOURCE["microsoft.servicebus/namespaces"] if "queues" in c.call)
    basic = {"sku": {"name": "Basic", "tier": "Basic"}}
    assert absent_for(basic, topics) == "not offered on the Basic tier: not called"
    assert absent_for({"sku": {"name": "basic"}}, topics)  # a row with the name only
    assert absent_for(basic, queues) is None
    assert absent_for({"sku": {"name": "Standard", "tier": "Standard"}}, topics) is None
    assert absent_for({"sku": None}, topics) is None  # unknown tier: ask


def test_basic_namespace_topics_are_absent_without_a_request_or_a_warning(firewall):
    store, r = firewall
    assert r.status == "complete"
    bus = next(s for s in r.sources if s["name"] == "servicebus")
    assert bus["status"] == "ok" and bus["errors"] == 0
    assert bus["outcomes"] == {"ok": 5, "not_applicable": 1}  # 2 namespaces x 3, one unasked
    view = SnapshotView(store, r.snapshot_id)
    [topics] = [f for f in view.fetches("servicebus:topics") if BASIC_SERVICEBUS in f.target]
    assert topics.status == "not_applicable" and topics.http_status is None
    assert topics.error == "not offered on the Basic tier: not called"
    urls = [
        u
        for (u,) in store.conn.execute(
            "SELECT url FROM exchanges WHERE snapshot_id = ?", (r.snapshot_id,)
        )
    ]
    assert not [u for u in urls if f"{BASIC_SERVICEBUS}/topics" in u.lower()]
    assert [u for u in urls if f"{BASIC_SERVICEBUS}/queues" in u.lower()]  # the rest was asked
    result = build(view, on_builder_error="raise")
    [ns] = [b for b in result.active_directory["serviceBuses"] if b["name"] == BASIC_SERVICEBUS]
    assert ns["tier"] == "Basic" and ns["topics"] == [] and ns["queues"][0]["name"] == "orders"
    assert not [w for w in result.warnings if BASIC_SERVICEBUS in w]


@pytest.mark.loopback
def test_collect_warns_once_for_the_network_and_once_for_the_access_policy(tmp_path):
    port = _free_port()
    with serve(firewalled_tenant(0, f"http://127.0.0.1:{port}"), port=port) as (base, _):
        result = collect_cli(base, tmp_path / "s.db", "--strict")
    assert result.exit_code == 1, result.output  # complete, but --strict: coverage limited
    assert "snapshot 1 complete" in result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2, result.output
    network = next(w for w in warnings if "network rules" in w)
    assert network.startswith("warning: keyvault: Key Vault keys, secrets and certificates")
    assert "not by RBAC" in network and "vault firewall" in network
    assert "Key Vault Reader" not in network
    assert any("Key Vault Reader role" in w and RBAC_ONLY in w for w in warnings)
    built = run("build", "--store", str(tmp_path / "s.db"), "-o", str(tmp_path / "out"))
    assert built.exit_code == 0
    assert "keyvault coverage: Key Vault keys, secrets and certificates (blocked" in built.output


# -- refs never pick a failed snapshot ----------------------------------------------------------
def _row(name: str) -> dict:
    rid = f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/{name}"
    return {"id": rid, "name": name, "type": "microsoft.storage/storageaccounts"}


@pytest.fixture
def store_ending_failed(tmp_path):
    store = Store(tmp_path / "s.db")
    ok = [
        write_snapshot(store, [FakeFetch("resourcegraph:resources", "batch-0", [{"data": [r]}])])
        for r in (_row("sta"), _row("stb"))
    ]
    failed = write_snapshot(store, [], status="failed", label="broken")
    return store, ok, failed


def test_latest_and_latest_n_skip_failed_snapshots(store_ending_failed):
    store, (first, second), failed = store_ending_failed
    assert [s.id for s in store.snapshots()][-1] == failed  # the newest snapshot failed
    assert resolve(store, None) == second
    assert resolve(store, "latest") == second
    assert resolve(store, "latest~1") == first
    with pytest.raises(SnapshotNotFound, match=r"holds only 2 snapshots \(1 failed, named only"):
        resolve(store, "latest~2")
    assert resolve(store, str(failed)) == failed  # named by id or label it is still there
    assert resolve(store, "broken") == failed


def test_build_latest_builds_the_last_snapshot_that_read_something(store_ending_failed, tmp_path):
    store, _, failed = store_ending_failed
    for ref in ("latest", None):
        args = ["build", *([ref] if ref else []), "--store", str(store.path)]
        out = tmp_path / f"out-{ref}"
        result = run(*args, "-o", str(out))
        assert result.exit_code == 0, result.output
        built = "".join(p.read_text() for p in sorted(out.glob("*.json")))
        assert "storageAccounts/stb" in built  # the second snapshot, not the failed third
    named = run("build", str(failed), "--store", str(store.path), "-o", str(tmp_path / "f"))
    assert f"snapshot {failed} is failed; built what it holds" in named.output  # said, not hidden
