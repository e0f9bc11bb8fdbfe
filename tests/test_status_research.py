"""Issue 8, finished: the researched "not applicable" answers, Key Vault network refusals named
as network rules (not RBAC), and refs that never pick a failed snapshot."""

from __future__ import annotations

import pytest

from conftest import _offline
from fakeazure.reader import (
    FIREWALLED_VAULT,
    PRIVATE_VAULT,
    vault_forbidden,
    vault_network_refused,
)
from fakeazure.writer import FakeFetch, write_snapshot
from snapdiff import status as st
from snapdiff.errors import SnapshotNotFound
from snapdiff.refs import resolve
from snapdiff.snapshot import SnapshotView
from snapdiff.store import Store
from test_cli import run

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


def test_firewalled_vaults_replayed_leave_a_complete_snapshot_naming_network_rules(tmp_path):
    store, r = _offline(tmp_path, ("reader-firewall", "fw"))
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
