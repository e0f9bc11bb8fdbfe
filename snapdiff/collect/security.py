"""Where a token may go: plain http only to loopback, and a Key Vault token only to a vault.

``LoopbackHttpPolicy`` decides per request: an ``http://`` URL is sent (and may carry a bearer
token) only when its host is a loopback address; any other ``http://`` URL is refused before
anything is sent. It is on every pipeline, whatever the cloud.

``VaultChallengePolicy`` authorizes Key Vault requests as azure-keyvault's challenge policy
does: the first request to a vault host goes without a token; the vault answers 401 with a
``WWW-Authenticate`` challenge naming its resource; the token is asked for only when that
resource is the cloud's Key Vault resource and the request's host lies under it
(``myvault.vault.azure.net`` under ``https://vault.azure.net``). Vault URLs come from stored
``vaultUri`` values, so a URI naming any other host never receives a vault token.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, SansIOHTTPPolicy

from .clouds import is_loopback


class LoopbackHttpPolicy(SansIOHTTPPolicy):
    """Plain http to loopback hosts only, decided per request (per_call: before retries)."""

    def on_request(self, request: PipelineRequest) -> None:
        url = request.http_request.url
        if urlsplit(url).scheme.lower() != "http":
            return  # https: azure-core's own rules apply
        if not is_loopback(url):
            host = urlsplit(url).hostname or url
            raise ServiceRequestError(f"refusing plain http to {host}: only loopback hosts")
        request.context["enforce_https"] = False  # a fake on this machine


def challenge_resource(header: str) -> str | None:
    """The ``resource`` (or the resource of the ``scope``) of a Bearer challenge."""
    params: dict[str, str] = {}
    text = header.strip()
    if text.lower().startswith("bearer"):
        text = text[len("bearer") :]
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"')
    if params.get("resource"):
        return params["resource"]
    scope = params.get("scope")
    if scope:
        return scope[: -len("/.default")] if scope.endswith("/.default") else scope
    return None


def verify_challenge(request_url: str, resource: str | None, expected: str) -> None:
    """Raise ``ClientAuthenticationError`` unless ``resource`` is ``expected`` (the cloud's
    Key Vault resource) and the request's host lies under that resource's host."""
    if not resource:
        raise ClientAuthenticationError("Key Vault challenge names no resource: no token sent")
    want = urlsplit(expected).hostname or ""
    got = urlsplit(resource).hostname or ""
    host = (urlsplit(request_url).hostname or "").lower()
    if got.lower() != want.lower():
        raise ClientAuthenticationError(
            f"Key Vault challenge resource {resource} is not {expected}: no token sent"
        )
    if not host.endswith("." + want.lower()):
        raise ClientAuthenticationError(
            f"the challenge resource {resource} does not match the requested host {host}:"
            " no token sent"
        )


class VaultChallengePolicy(BearerTokenCredentialPolicy):
    """Bearer auth for the Key Vault data plane, only after a verified challenge per host."""

    def __init__(self, credential: Any, scope: str, **kwargs: Any):
        super().__init__(credential, scope, **kwargs)
        self._resource = scope[: -len("/.default")] if scope.endswith("/.default") else scope
        self._verified: set[str] = set()
        self._lock = threading.Lock()

    def _host(self, request: PipelineRequest) -> str:
        return (urlsplit(request.http_request.url).hostname or "").lower()

    def on_request(self, request: PipelineRequest) -> None:
        with self._lock:
            verified = self._host(request) in self._verified
        if verified:
            super().on_request(request)
        # else: no token yet; the vault's 401 challenge says where a token may go

    def on_challenge(self, request: PipelineRequest, response: PipelineResponse) -> bool:
        header = response.http_response.headers.get("WWW-Authenticate", "")
        verify_challenge(request.http_request.url, challenge_resource(header), self._resource)
        with self._lock:
            self._verified.add(self._host(request))
        self.authorize_request(request, *self._scopes)
        return True
