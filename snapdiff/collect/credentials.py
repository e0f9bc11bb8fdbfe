"""Credentials: DefaultAzureCredential for real clouds, a static token for fakes and tests."""

from __future__ import annotations

import os
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

from ..errors import SnapdiffError
from .clouds import LOOPBACK, Cloud

TOKEN_VARIABLE = "SNAPDIFF_ACCESS_TOKEN"


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
    """``SNAPDIFF_ACCESS_TOKEN`` (fakes on loopback only) or DefaultAzureCredential: service
    principal from AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, managed identity,
    Azure CLI."""
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        if not cloud.loopback:
            raise SnapdiffError(
                f"refusing {TOKEN_VARIABLE}: it is for fakes on loopback addresses ({LOOPBACK})"
                f" only, and the endpoints are {cloud.arm} and {cloud.graph}; unset it"
            )
        return StaticTokenCredential(token)
    from azure.identity import DefaultAzureCredential

    kwargs: dict[str, Any] = {"authority": cloud.authority}
    if cloud.name == "custom":
        kwargs["disable_instance_discovery"] = True  # else MSAL asks login.microsoftonline.com
    return DefaultAzureCredential(**kwargs)
