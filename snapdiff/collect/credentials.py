"""Credentials: DefaultAzureCredential for real clouds, a static token for fakes and tests."""

from __future__ import annotations

import os
import re
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

from ..errors import SnapdiffError
from .clouds import LOOPBACK, Cloud

TOKEN_VARIABLE = "SNAPDIFF_ACCESS_TOKEN"


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


def check_credential(credential: Any, cloud: Cloud) -> None:
    """Get a Resource Manager token before any snapshot row exists, so that bad credentials
    or an unreachable sign-in end with one line and leave no ``failed`` snapshot behind.
    (The credential caches the token for the collection that follows.)"""
    from azure.core.exceptions import AzureError

    try:
        credential.get_token(cloud.arm_scope)
    except AzureError as e:
        raise SignInFailed(
            f"cannot sign in to {cloud.authority} for {cloud.arm_scope}:"
            f" {sign_in_cause(str(e.message or e)) or type(e).__name__}; no snapshot was started"
        ) from None


# A credential of DefaultAzureCredential's chain that was not set up (not a failure).
_UNAVAILABLE = re.compile(
    r"unavailable|not fully configured|not found on path|az login|not installed|no accounts"
    r"|not logged in|Connect-AzAccount",
    re.I,
)
_ATTEMPT = re.compile(r"^\s*(\w+Credential): (.*)$")


def sign_in_cause(message: str) -> str:
    """The one line that says why sign-in failed. DefaultAzureCredential's message opens with
    "failed to retrieve a token" and buries the cause in its list of attempted credentials:
    name the credential that was set up and failed, and its cause (DNS, tenant, secret)."""
    lines = [ln for ln in message.splitlines() if ln.strip()]
    attempts = [m.groups() for m in map(_ATTEMPT.match, lines) if m]
    if not attempts:
        return lines[0].strip() if lines else ""
    failed = [(name, text) for name, text in attempts if not _UNAVAILABLE.search(text)]
    if not failed:
        return (
            "no credential is set up (set AZURE_TENANT_ID, AZURE_CLIENT_ID and"
            " AZURE_CLIENT_SECRET, use a managed identity, or run az login)"
        )
    name, text = failed[0]
    return f"{name}: {_short_cause(text)}"


def _short_cause(text: str) -> str:
    text = re.sub(r"^Authentication failed:\s*", "", text.strip())
    dns = re.search(r"Failed to resolve '([^']+)' \(([^)]*)\)", text)
    if dns:
        return f"DNS cannot resolve {dns.group(1)} ({dns.group(2)})"
    aadsts = re.search(r"(AADSTS\d+: [^.]*\.)", text)
    if aadsts:
        return aadsts.group(1)
    authority = re.search(r"Unable to get authority configuration for (\S+?)\.(\s|$)", text)
    if authority:
        return f"unknown tenant: {authority.group(1)} does not exist (check AZURE_TENANT_ID)"
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return first if len(first) <= 200 else first[:197] + "..."
