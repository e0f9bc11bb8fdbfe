"""Credentials: DefaultAzureCredential for real clouds, a static token for fakes and tests."""

from __future__ import annotations

import os
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

from ..errors import SnapdiffError
from .clouds import Cloud


class SignInFailed(SnapdiffError):
    """No token could be had: bad credentials, an unknown tenant, or no route to the authority."""


class StaticTokenCredential:
    """A TokenCredential that hands out one fixed token, for every scope.

    For the fake tenant, tests and cassettes; the token is never stored anywhere.
    """

    def __init__(self, token: str = "fake-token"):
        self._token = token

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + 3600)

    def close(self) -> None:
        return None


def make_credential(cloud: Cloud) -> Any:
    """``SNAPDIFF_ACCESS_TOKEN`` (testing only) or DefaultAzureCredential: service principal
    from AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, managed identity, Azure CLI."""
    token = os.environ.get("SNAPDIFF_ACCESS_TOKEN")
    if token:
        return StaticTokenCredential(token)
    from azure.identity import DefaultAzureCredential

    kwargs: dict[str, Any] = {"authority": cloud.authority}
    if cloud.name == "custom":
        kwargs["disable_instance_discovery"] = True  # else MSAL asks login.microsoftonline.com
    return DefaultAzureCredential(**kwargs)


def check_credential(credential: Any, cloud: Cloud) -> None:
    """Get a Resource Manager token before any snapshot row exists, so that bad credentials
    or an unreachable sign-in end with one line and leave no ``failed`` snapshot behind.
    (The credential caches the token for the collection that follows.)"""
    from azure.core.exceptions import AzureError

    try:
        credential.get_token(cloud.arm_scope)
    except AzureError as e:
        lines = [ln.strip() for ln in str(e.message or e).splitlines() if ln.strip()]
        raise SignInFailed(
            f"cannot sign in to {cloud.authority} for {cloud.arm_scope}:"
            f" {lines[0] if lines else type(e).__name__}; no snapshot was started"
        ) from None
