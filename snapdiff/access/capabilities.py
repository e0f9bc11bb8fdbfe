"""What a role lets a principal do to a resource, by capability rather than by role name.

Each capability is a list of *probe* operations (docs/access.md has the table). ``{type}`` in
a probe stands for the resource's own type (``Microsoft.Storage/storageAccounts``); other
probes apply to a resource when they start with its type, or everywhere when they belong to
``Microsoft.Authorization``. A role grants a capability on a resource type when some probe is
matched by one of its ``actions`` (``dataActions`` for data probes) and by none of its
``notActions`` (``notDataActions``). Wildcards (``*``) match as Azure matches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Ordered from most to least dangerous; the order is the display order.
CAPABILITIES: tuple[tuple[str, str], ...] = (
    ("grant", "grant access to others (write role assignments or definitions)"),
    ("run", "run code on or inside the resource"),
    ("secrets", "read keys, secrets, credentials or data"),
    ("write", "change the resource"),
    ("delete", "delete the resource"),
    ("read", "read the resource's configuration"),
)
NAMES = tuple(name for name, _ in CAPABILITIES)
PRIVILEGED = frozenset({"grant", "run", "secrets", "write", "delete"})


@dataclass(frozen=True)
class Probe:
    op: str  # an operation, "{type}" replaced by the resource type
    data: bool = False  # a data action


def _p(*ops: str, data: bool = False) -> tuple[Probe, ...]:
    return tuple(Probe(o, data) for o in ops)


PROBES: dict[str, tuple[Probe, ...]] = {
    "grant": _p(
        "Microsoft.Authorization/roleAssignments/write",
        "Microsoft.Authorization/roleDefinitions/write",
        "Microsoft.Authorization/elevateAccess/action",
    ),
    "run": _p(
        "Microsoft.Compute/virtualMachines/runCommand/action",
        "Microsoft.Compute/virtualMachines/runCommands/write",
        "Microsoft.Compute/virtualMachines/extensions/write",
        "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action",
        "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
        "Microsoft.ContainerService/managedClusters/runCommand/action",
        "Microsoft.Web/sites/extensions/write",
        "Microsoft.Web/sites/functions/write",
        "Microsoft.Automation/automationAccounts/runbooks/write",
        "Microsoft.Automation/automationAccounts/jobs/write",
    )
    + _p(
        "Microsoft.Compute/virtualMachines/login/action",
        "Microsoft.Compute/virtualMachines/loginAsAdmin/action",
        "Microsoft.ContainerService/managedClusters/pods/exec/action",
        data=True,
    ),
    "secrets": _p(
        "{type}/listKeys/action",
        "{type}/regenerateKey/action",
        "{type}/listCredentials/action",
        "{type}/listConnectionStrings/action",
        "{type}/listAdminCredential/action",
        "Microsoft.Web/sites/config/list/action",
        "Microsoft.Web/sites/publishxml/action",
        "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
        "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
        "Microsoft.ContainerRegistry/registries/listCredentials/action",
        "Microsoft.ServiceBus/namespaces/authorizationRules/listKeys/action",
        "Microsoft.KeyVault/vaults/accessPolicies/write",
    )
    + _p(
        "Microsoft.KeyVault/vaults/secrets/getSecret/action",
        "Microsoft.KeyVault/vaults/keys/decrypt/action",
        "Microsoft.KeyVault/vaults/certificates/read",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        "Microsoft.Storage/storageAccounts/fileServices/fileshares/files/read",
        "Microsoft.Storage/storageAccounts/queueServices/queues/messages/read",
        "Microsoft.Storage/storageAccounts/tableServices/tables/entities/read",
        "Microsoft.DocumentDB/databaseAccounts/readMetadata",
        data=True,
    ),
    "write": _p("{type}/write"),
    "delete": _p("{type}/delete"),
    "read": _p("{type}/read"),
}


@dataclass(frozen=True)
class Permissions:
    """One role's (or deny assignment's) permission blocks, flattened and lower-cased."""

    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    not_data_actions: tuple[str, ...]


@lru_cache(maxsize=4096)
def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in glob.lower()))


def _matches(globs: tuple[str, ...], op: str) -> bool:
    return any(_pattern(g).fullmatch(op) for g in globs)


def probes_for(rtype: str) -> dict[str, tuple[str, ...]]:
    """Capability -> the lower-cased probe operations (prefixed 'data:') that apply to rtype."""
    return _probes_for(rtype.lower())


@lru_cache(maxsize=4096)
def _probes_for(t: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for cap, probes in PROBES.items():
        ops = []
        for p in probes:
            op = p.op.replace("{type}", t).lower()
            if (
                "{type}" in p.op
                or op.startswith(t + "/")
                or op.startswith("microsoft.authorization/")
            ):
                ops.append(("data:" if p.data else "") + op)
        out[cap] = tuple(ops)
    return out


def allowed_ops(perms: Permissions, rtype: str) -> frozenset[str]:
    """The probe operations for ``rtype`` that ``perms`` allows (actions minus notActions)."""
    out = set()
    for ops in probes_for(rtype).values():
        for op in ops:
            if op.startswith("data:"):
                bare = op[5:]
                if _matches(perms.data_actions, bare) and not _matches(
                    perms.not_data_actions, bare
                ):
                    out.add(op)
            elif _matches(perms.actions, op) and not _matches(perms.not_actions, op):
                out.add(op)
    return frozenset(out)


@lru_cache(maxsize=65536)
def capabilities_of(ops: frozenset[str], rtype: str) -> frozenset[str]:
    """The capabilities some of whose probes for ``rtype`` are in ``ops``."""
    return frozenset(cap for cap, probes in probes_for(rtype).items() if ops.intersection(probes))


def ordered(caps: frozenset[str] | set[str]) -> list[str]:
    return [c for c in NAMES if c in caps]
