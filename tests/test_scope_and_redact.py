"""Scope parsing (old collector's environment variables), clouds, and redaction rules."""

from __future__ import annotations

import json

import pytest

from snapdiff.collect.clouds import resolve_cloud
from snapdiff.collect.scope import Scope, parse_list, validate_interval
from snapdiff.redact import REDACTED, keep_headers, redact_body, redact_url


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, []),
        ("", []),
        ("[]", []),
        ("a", ["a"]),
        (" a , b,", ["a", "b"]),
        ('["a", " b "]', ["a", "b"]),
    ],
)
def test_parse_list_formats(value, expected):
    assert parse_list(value) == expected


S1, S2, S9 = (
    "11111111-1111-1111-1111-111111111111",
    "22222222-2222-2222-2222-222222222222",
    "99999999-9999-9999-9999-999999999999",
)


def test_scope_from_env_and_flags_override():
    env = {
        "AZURE_SUBSCRIPTION_ID": f"{S1},{S2},{S1}",
        "AZURE_RESOURCE_GROUP_NAMES": '["rg1"]',
        "APP_INSIGHTS_INTERVAL": "2026-01-01/2026-02-01T10:00:00.5",
    }
    s = Scope.from_env(environ=env)
    assert s.subscriptions == [S1, S2]  # duplicates removed (the old collector doubled them)
    assert s.resource_groups == ["rg1"]
    assert s.app_insights_interval == "2026-01-01/2026-02-01T10:00:00.5"
    s = Scope.from_env(S9, "", None, environ=env)
    assert s.subscriptions == [S9] and s.resource_groups == []


@pytest.mark.parametrize("value", ["s1", "1111-2222", f"{S1},prod", f"{S1}x"])
def test_malformed_subscription_ids_refused(value):
    with pytest.raises(ValueError, match="is not a subscription id"):
        Scope.from_env(environ={"AZURE_SUBSCRIPTION_ID": value})
    with pytest.raises(ValueError, match="--subscriptions"):
        Scope.from_env(value, environ={})


def test_interval_is_really_validated():
    with pytest.raises(ValueError, match="not YYYY-MM-DD"):
        validate_interval("2020-01-01T16-01-30/2021-01-01")
    with pytest.raises(ValueError):
        validate_interval("2020-13-45/2021-01-01")  # the old collector sent this to Azure
    with pytest.raises(ValueError, match="ends before"):
        validate_interval("2021-01-01/2020-01-01")
    assert Scope.from_env(environ={}).app_insights_interval.count("/") == 1


def test_clouds():
    assert resolve_cloud().arm == "https://management.azure.com"
    china = resolve_cloud("AzureChinaCloud")
    assert china.graph_scope == "https://microsoftgraph.chinacloudapi.cn/.default"
    stack = resolve_cloud(
        "custom",
        arm="https://management.local.azurestack.external/",
        authority="https://adfs.local",
    )
    assert stack.arm == "https://management.local.azurestack.external"
    assert stack.arm_scope == "https://management.local.azurestack.external/.default"
    with pytest.raises(ValueError):
        resolve_cloud("custom")
    with pytest.raises(ValueError):
        resolve_cloud("Mars")


def test_redacts_secret_keys_and_patterns_and_reports_paths():
    body = {
        "properties": {
            "connectionStrings": [
                {"name": "db", "connectionString": "Server=x;Password=fake-pw;", "type": "SQLAzure"}
            ],
            "siteConfig": {
                "appSettings": [
                    {
                        "name": "STORAGE",
                        "value": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=ZmFrZWtleWZha2VrZXk=;",
                    }
                ]
            },
            "clientSecret": "fake-client-secret",
            "publicKey": "ssh-rsa AAAA fake",
            "sasUrl": "https://a.blob.core.windows.net/c?sv=2020&sig=fakeSignature%3D",
            "permissions": {"secrets": ["get", "list"], "keys": ["get"]},
        }
    }
    raw = json.dumps(body).encode()
    new, found = redact_body(raw)
    text = new.decode()
    assert (
        "fake-pw" not in text
        and "ZmFrZWtleWZha2VrZXk=" not in text
        and "fake-client-secret" not in text
    )
    assert "fakeSignature" not in text
    out = json.loads(new)
    assert out["properties"]["publicKey"] == "ssh-rsa AAAA fake"  # public keys are not secrets
    assert out["properties"]["permissions"]["secrets"] == ["get", "list"]
    assert out["properties"]["clientSecret"] == REDACTED
    paths = {p for p, _ in found}
    assert "$.properties.clientSecret" in paths
    assert "$.properties.connectionStrings[0].connectionString" in paths
    assert all("fake" not in p for p, _ in found)  # paths, never values


def test_unchanged_bodies_keep_their_bytes_and_headers_are_allowlisted():
    raw = b'{"value": [ {"id": "x"} ]}'
    assert redact_body(raw) == (raw, [])
    kept = keep_headers(
        {
            "Authorization": "Bearer x",
            "Set-Cookie": "a",
            "Retry-After": "1",
            "x-ms-ratelimit-remaining-subscription-reads": "249",
            "x-ms-request-id": "r",
        }
    )
    assert kept == {
        "retry-after": "1",
        "x-ms-ratelimit-remaining-subscription-reads": "249",
        "x-ms-request-id": "r",
    }
    assert "sig=REDACTED" in redact_url("https://a/b?sv=1&sig=abc")
    assert redact_url("https://a/b?api-version=1") == "https://a/b?api-version=1"
