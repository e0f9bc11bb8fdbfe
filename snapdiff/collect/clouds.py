"""Azure clouds and their endpoints (public, US Government, China, or custom endpoints)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.0/8, ::1, localhost"


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Cloud:
    name: str
    arm: str
    graph: str
    authority: str
    arm_scope: str
    graph_scope: str
    vault_scope: str

    @property
    def loopback(self) -> bool:
        """Every endpoint the collector talks to (ARM and Graph) is on a loopback address."""
        return is_loopback(self.arm) and is_loopback(self.graph)

    @property
    def plain_http(self) -> bool:
        """ARM over plain http: only ever allowed on loopback (``check_endpoints``)."""
        return urlsplit(self.arm).scheme.lower() == "http"


def check_endpoint(option: str, url: str) -> None:
    """Raise ValueError unless ``url`` is https, or plain http on a loopback address."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" and urlsplit(url).hostname:
        return
    if scheme == "http" and is_loopback(url):
        return
    if scheme == "http":
        raise ValueError(
            f"refusing plain-http {option} {url}: http is accepted only for loopback addresses"
            f" ({LOOPBACK}); use https"
        )
    raise ValueError(f"{option} {url!r} is not an https URL")


def check_endpoints(cloud: Cloud) -> None:
    """Every endpoint of ``cloud`` passes ``check_endpoint``."""
    for option, url in (("--arm-endpoint", cloud.arm), ("--graph-endpoint", cloud.graph)):
        check_endpoint(option, url)
    parts = urlsplit(cloud.authority)
    if parts.scheme.lower() != "https" or not parts.hostname:  # azure-identity insists too
        raise ValueError(
            f"--authority (or AZURE_AUTHORITY_HOST) {cloud.authority!r} is not an https URL"
        )


CLOUDS = {
    "AzureCloud": Cloud(
        "AzureCloud",
        "https://management.azure.com",
        "https://graph.microsoft.com",
        "https://login.microsoftonline.com",
        "https://management.azure.com/.default",
        "https://graph.microsoft.com/.default",
        "https://vault.azure.net/.default",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net",
        "https://graph.microsoft.us",
        "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net/.default",
        "https://graph.microsoft.us/.default",
        "https://vault.usgovcloudapi.net/.default",
    ),
    "AzureChinaCloud": Cloud(
        "AzureChinaCloud",
        "https://management.chinacloudapi.cn",
        "https://microsoftgraph.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
        "https://microsoftgraph.chinacloudapi.cn/.default",
        "https://vault.azure.cn/.default",
    ),
}


def resolve_cloud(
    name: str = "AzureCloud",
    *,
    arm: str | None = None,
    graph: str | None = None,
    authority: str | None = None,
    arm_scope: str | None = None,
    vault_scope: str | None = None,
) -> Cloud:
    """A named cloud, or ``custom`` built from explicit endpoints (Azure Stack Hub, fakes)."""
    if name != "custom":
        if name not in CLOUDS:
            raise ValueError(f"unknown cloud '{name}' (choose {', '.join([*CLOUDS, 'custom'])})")
        base = CLOUDS[name]
        if not (arm or graph or authority):
            return base
    else:
        if not arm:
            raise ValueError("--cloud custom needs --arm-endpoint")
        base = CLOUDS["AzureCloud"]
    arm = (arm or base.arm).rstrip("/")
    graph = (graph or base.graph).rstrip("/")
    cloud = Cloud(
        name,
        arm,
        graph,
        (authority or base.authority).rstrip("/"),
        arm_scope or (f"{arm}/.default" if name == "custom" else base.arm_scope),
        f"{graph}/.default" if name == "custom" else base.graph_scope,
        vault_scope or base.vault_scope,
    )
    check_endpoints(cloud)
    return cloud
