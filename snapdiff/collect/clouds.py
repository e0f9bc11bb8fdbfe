"""Azure clouds and their endpoints (public, US Government, China, or custom endpoints)."""

from __future__ import annotations

from dataclasses import dataclass


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
        return any(h in self.arm for h in ("://127.", "://localhost", "://[::1]"))


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
    return Cloud(
        name,
        arm,
        graph,
        (authority or base.authority).rstrip("/"),
        arm_scope or (f"{arm}/.default" if name == "custom" else base.arm_scope),
        f"{graph}/.default" if name == "custom" else base.graph_scope,
        vault_scope or base.vault_scope,
    )
