"""Test hooks only on loopback: plain-http endpoints and SNAPDIFF_ACCESS_TOKEN are refused
anywhere else, with one line naming the loopback addresses, before any store is created."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from snapdiff.cli import main
from snapdiff.collect import CollectOptions, collect
from snapdiff.collect.clouds import LOOPBACK, is_loopback, resolve_cloud
from snapdiff.collect.credentials import StaticTokenCredential, make_credential
from snapdiff.errors import SnapdiffError
from snapdiff.store import Store

ENV = {"AZURE_SUBSCRIPTION_ID": "", "AZURE_RESOURCE_GROUP_NAMES": ""}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:18080",
        "http://127.8.9.10",
        "http://[::1]:8080/",
        "http://localhost:1",
        "http://LOCALHOST",
    ],
)
def test_loopback_addresses(url):
    assert is_loopback(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.evil.example",
        "http://localhost.evil.example",
        "http://10.0.0.5",
        "http://0.0.0.0:80",
        "http://[::2]",
        "http://user@evil.example/127.0.0.1",
        "https://management.azure.com",
        "not a url",
    ],
)
def test_not_loopback(url):
    assert not is_loopback(url)


@pytest.mark.parametrize("option", ["arm", "graph"])
def test_plain_http_is_refused_off_loopback(option):
    endpoints = {"arm": "https://management.local", option: "http://10.0.0.5"}
    with pytest.raises(ValueError, match="only for loopback") as e:
        resolve_cloud("custom", **endpoints)
    assert LOOPBACK in str(e.value) and "http://10.0.0.5" in str(e.value)


def test_plain_http_on_loopback_and_https_anywhere_are_accepted():
    fake = resolve_cloud("custom", arm="http://127.0.0.1:1", graph="http://[::1]:1")
    assert fake.loopback and fake.plain_http
    stack = resolve_cloud("custom", arm="https://management.local", graph="https://graph.local")
    assert not stack.loopback and not stack.plain_http
    with pytest.raises(ValueError, match="not an https URL"):
        resolve_cloud("custom", arm="ftp://management.local")


def test_static_token_only_for_loopback_endpoints(monkeypatch):
    monkeypatch.setenv("SNAPDIFF_ACCESS_TOKEN", "a-real-looking-token")
    fake = resolve_cloud("custom", arm="http://127.0.0.1:1", graph="http://127.0.0.1:1")
    assert isinstance(make_credential(fake), StaticTokenCredential)
    half = resolve_cloud("custom", arm="http://127.0.0.1:1", graph="https://graph.microsoft.com")
    for cloud in (resolve_cloud(), half):
        with pytest.raises(SnapdiffError, match="refusing SNAPDIFF_ACCESS_TOKEN") as e:
            make_credential(cloud)
        assert LOOPBACK in str(e.value) and "a-real-looking-token" not in str(e.value)


def _collect(tmp_path, *args, env=None):
    return CliRunner().invoke(
        main, ["collect", "--store", str(tmp_path / "s.db"), *args], env={**ENV, **(env or {})}
    )


def test_cli_refuses_plain_http_off_loopback(tmp_path):
    res = _collect(tmp_path, "--cloud", "custom", "--arm-endpoint", "http://10.0.0.5")
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and LOOPBACK in res.output, res.output
    assert not (tmp_path / "s.db").exists()


def test_cli_refuses_the_static_token_for_azure(tmp_path):
    res = _collect(tmp_path, env={"SNAPDIFF_ACCESS_TOKEN": "secret-value"})
    assert res.exit_code == 2
    assert "refusing SNAPDIFF_ACCESS_TOKEN" in res.output and LOOPBACK in res.output
    assert res.output.count("\n") == 1 and "secret-value" not in res.output
    assert not (tmp_path / "s.db").exists()


def test_collector_checks_a_hand_made_cloud_before_starting(tmp_path):
    cloud = dataclasses.replace(resolve_cloud(), arm="http://management.example")
    store = Store(tmp_path / "s.db")
    with pytest.raises(ValueError, match="only for loopback"):
        collect(store, StaticTokenCredential(), CollectOptions(cloud=cloud))
    assert store.conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 0
