"""Where a token may go: plain http only to loopback; a Key Vault token only after a challenge
whose resource is the cloud's Key Vault and covers the requested host."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline import Pipeline
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest

from fakeazure.cassettes import fake_options
from fakeazure.server import serve
from snapdiff.collect import collect
from snapdiff.collect.credentials import StaticTokenCredential
from snapdiff.collect.security import VaultChallengePolicy, challenge_resource
from snapdiff.store import Store
from test_cli import clean_tenant

# What Key Vault answers a request without a token (learn.microsoft.com, "Authentication,
# requests and responses" of Azure Key Vault).
CHALLENGE = (
    'Bearer authorization="https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47",'
    ' resource="https://vault.azure.net"'
)


class _Answer:
    def __init__(self, status: int, headers: dict[str, str]):
        self.status_code = status
        self.headers = headers
        self.reason = "Unauthorized" if status == 401 else "OK"
        self.content_type = "application/json"

    def text(self, encoding: str | None = None) -> str:
        return ""

    def body(self) -> bytes:
        return b""


class _Vault(HttpTransport):  # type: ignore[type-arg]
    """Answers 401 with ``challenge`` to a request without a token, 200 to one with."""

    def __init__(self, challenge: str):
        self.challenge = challenge
        self.seen: list[tuple[str, str | None]] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        auth = request.headers.get("Authorization")
        self.seen.append((request.url, auth))
        if auth is None:
            return _Answer(401, {"WWW-Authenticate": self.challenge})
        return _Answer(200, {})

    def open(self) -> None: ...
    def close(self) -> None: ...
    def __exit__(self, *a: Any) -> None: ...


class _Tokens:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("vault-token", int(time.time()) + 3600)


def _get(url: str, challenge: str) -> tuple[_Vault, _Tokens, Any]:
    transport, tokens = _Vault(challenge), _Tokens()
    pipeline = Pipeline(
        transport, [VaultChallengePolicy(tokens, "https://vault.azure.net/.default")]
    )
    try:
        return transport, tokens, pipeline.run(HttpRequest("GET", url))
    except ClientAuthenticationError as e:
        return transport, tokens, e


def test_a_vault_under_the_challenged_resource_gets_its_token_after_the_challenge():
    transport, tokens, response = _get("https://kv-prod.vault.azure.net/secrets", CHALLENGE)
    assert response.http_response.status_code == 200
    assert [auth for _, auth in transport.seen] == [None, "Bearer vault-token"]
    assert tokens.scopes == [("https://vault.azure.net/.default",)]


@pytest.mark.parametrize(
    "url, challenge",
    [
        # a stored vaultUri naming another host: it may claim to be a vault
        ("https://vault.attacker.example/secrets", CHALLENGE),
        # a host that claims its own resource
        (
            "https://vault.attacker.example/secrets",
            'Bearer authorization="https://login.windows.net/x", resource="https://attacker.example"',
        ),
        # a look-alike suffix
        ("https://kv.notvault.azure.net.attacker.example/secrets", CHALLENGE),
    ],
)
def test_no_vault_token_goes_to_a_host_outside_the_vault_resource(url, challenge):
    transport, tokens, outcome = _get(url, challenge)
    assert isinstance(outcome, ClientAuthenticationError)
    assert [auth for _, auth in transport.seen] == [None]  # the unauthenticated probe only
    assert tokens.scopes == []


def test_challenge_resource_reads_resource_or_scope():
    assert challenge_resource(CHALLENGE) == "https://vault.azure.net"
    scoped = 'Bearer authorization="https://login.x/t", scope="https://vault.azure.net/.default"'
    assert challenge_resource(scoped) == "https://vault.azure.net"
    assert challenge_resource('Bearer authorization="https://login.x/t"') is None


@pytest.mark.loopback
def test_an_http_vault_uri_naming_a_non_loopback_host_gets_no_request(tmp_path, monkeypatch):
    tenant = clean_tenant()
    sub = tenant.subscriptions[0]["subscriptionId"]
    rid = f"/subscriptions/{sub}/resourceGroups/rg-bulk/providers/Microsoft.KeyVault/vaults/kv-x"
    tenant.resources.append(
        {
            "id": rid,
            "name": "kv-x",
            "type": "microsoft.keyvault/vaults",
            "tenantId": tenant.tenant_id,
            "subscriptionId": sub,
            "resourceGroup": "rg-bulk",
            "location": "westeurope",
            "properties": {
                "vaultUri": "http://vault.attacker.example/",
                "tenantId": tenant.tenant_id,
            },
            "tags": {},
        }
    )
    looked_up: list[Any] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        looked_up.append(host)
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with serve(tenant) as (base, _):
        opts = fake_options(base)
        store = Store(tmp_path / "s.db")
        result = collect(store, StaticTokenCredential(), opts)
    rows = store.conn.execute(
        "SELECT call, status, error FROM fetches WHERE source = 'keyvault'"
    ).fetchall()
    assert len(rows) == 3 and all(s == "failed" for _, s, _ in rows), rows
    assert all("refusing plain http to vault.attacker.example" in (e or "") for *_, e in rows)
    sent = store.conn.execute("SELECT count(*) FROM exchanges WHERE url LIKE '%attacker%'")
    assert sent.fetchone()[0] == 0  # no attempt at all, so none stored
    assert "vault.attacker.example" not in looked_up  # not even a DNS lookup
    assert result.status == "partial"
