"""What a fetch, a source and a snapshot status mean, decided in this one place.

A fetch ends ``ok``, ``notfound`` (404: gone between inventory and read), ``not_applicable``
(the service does not exist for this resource, e.g. a file share listing of a BlobStorage
account), ``forbidden`` (401/403) or ``failed`` (anything else after retries). The first four
are *definitive*. A snapshot is ``complete`` when every fetch was definitive and the run was
neither interrupted nor stopped; what was forbidden is its *coverage*, recorded per source.
Pure data and functions: the collector, the store, build and the CLI all use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from .naming.calls import source_of  # the one rule for a call's source


class _StrEnum(str, Enum):
    """Members are their stored strings: equal to them, formatted and serialised as them."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(self, spec)


class Outcome(_StrEnum):
    """How a fetch ended, and (the same words) a source's status."""

    OK = "ok"
    NOTFOUND = "notfound"
    NOT_APPLICABLE = "not_applicable"
    FORBIDDEN = "forbidden"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # a listing restarted after its page token expired
    INTERRUPTED = "interrupted"  # a source cut off half-way, or never reached
    RUNNING = "running"  # a fetch not finished yet (only while the collector runs)
    MISSING = "missing"  # readers only: the snapshot has no record of it (never asked)


class SnapshotStatus(_StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"  # every fetch reached a definitive answer
    PARTIAL = "partial"  # something failed, or the run was cut off
    FAILED = "failed"  # the run stopped before any data


OK = Outcome.OK
NOTFOUND = Outcome.NOTFOUND
NOT_APPLICABLE = Outcome.NOT_APPLICABLE
FORBIDDEN = Outcome.FORBIDDEN
FAILED = Outcome.FAILED
SUPERSEDED = Outcome.SUPERSEDED
INTERRUPTED = Outcome.INTERRUPTED
MISSING = Outcome.MISSING
RUNNING, COMPLETE, PARTIAL = SnapshotStatus.RUNNING, SnapshotStatus.COMPLETE, SnapshotStatus.PARTIAL
FINISHED = (COMPLETE, PARTIAL, SnapshotStatus.FAILED)


def usable(status: str, *, complete_only: bool = False) -> bool:
    """Whether a snapshot of this status may be chosen without being named (``latest``,
    ``latest~N``, a date, the default of a command): finished and holding data (not running,
    not failed); with ``complete_only``, complete."""
    if complete_only:
        return status == COMPLETE
    return status in (COMPLETE, PARTIAL)


DEFINITIVE = frozenset({OK, NOTFOUND, NOT_APPLICABLE, FORBIDDEN})
USABLE_SOURCE = frozenset({OK, FORBIDDEN})  # a source status that needs no re-run

SOURCES = (
    "subscriptions",
    "resourcegraph",
    "managementgroups",
    "authorization",
    "graph",
    "principals",
    "keyvault",
    "storage",
    "web",
    "servicebus",
    "sql",
    "dbservers",
    "apim",
    "insights",
)

# 400/409 error codes that mean "this resource has no such service", per source. Storage
# answers FeatureNotSupportedForAccount for the services an account kind lacks (BlobStorage and
# BlockBlobStorage: file, table, queue; FileStorage: blob, table, queue); API Management's
# Consumption tier answers MethodNotAllowedInPricingTier for what that tier does not offer.
# Researched without a specific code, so still ``failed`` (see docs/store.md, "Researched but
# unknown"): Service Bus topics on Basic (a generic 400 BadRequest / MessagingGatewayBadRequest
# "SubCode=40000", learn.microsoft.com service-bus-resource-manager-exceptions; the collector
# does not ask a Basic namespace, see ``Call.absent_on``), App Service
# config/authsettingsV2 (only generic 400 BadRequest, e.g. "running on auth version v2",
# MicrosoftDocs/azure-docs#77932), the App Insights topology (no public recording), SQL and
# DB server sub-resources (no tier-specific code documented).
NOT_APPLICABLE_CODES: dict[str, frozenset[str]] = {
    "storage": frozenset({"FeatureNotSupportedForAccount"}),
    "apim": frozenset({"MethodNotAllowedInPricingTier"}),
}

# call prefix -> (what is forbidden, the permission that unlocks it); the longest prefix wins.
AREAS: dict[str, tuple[str, str]] = {
    "subscriptions": ("subscriptions", "Reader on the subscription"),
    "resourcegraph": ("Resource Graph inventory", "Reader on the subscriptions"),
    "managementgroups": (
        "management groups",
        "Reader (or Management Group Reader) on the tenant root management group",
    ),
    "authorization": (
        "role assignments",
        "Reader (Microsoft.Authorization/roleAssignments/read) at that scope",
    ),
    "graph": ("group members", "Microsoft Graph application permission GroupMember.Read.All"),
    "principals": (
        "principal names (names come from group member listings only)",
        "Microsoft Graph application permission Directory.Read.All",
    ),
    "keyvault": (
        "Key Vault keys, secrets and certificates",
        "a vault access policy with List on keys, secrets and certificates, "
        "or the Key Vault Reader role",
    ),
    "web": ("App Service config and auth settings", "Reader on the App Service"),
    "insights": ("Application Insights topology", "Reader on the Application Insights component"),
}
_DEFAULT_PERMISSION = "Reader on the resource"

# Key Vault's inner codes for a 403 from its network rules, not from RBAC or access policies:
# ``{"error": {"code": "Forbidden", "message": "Client address is not authorized and caller is
# not a trusted service. ...", "innererror": {"code": "ForbiddenByFirewall"}}}`` (firewall), and
# ForbiddenByConnection when public access is disabled and the call did not come through an
# approved private endpoint (learn.microsoft.com key-vault/general/rest-error-codes; bodies in
# MicrosoftDocs/azure-docs#52649 and hashicorp/terraform-provider-azurerm#4553).
NETWORK_CODES = frozenset({"ForbiddenByFirewall", "ForbiddenByConnection"})
NETWORK_AREAS: dict[str, tuple[str, str]] = {
    "keyvault": (
        "Key Vault keys, secrets and certificates (blocked by the vault's network rules,"
        " not by RBAC)",
        "a vault network rule admitting the collector: its address in the vault firewall"
        " (networkAcls.ipRules or a virtual network rule) or a run through an approved"
        " private endpoint",
    ),
}
_NETWORK = re.compile("|".join(sorted(NETWORK_CODES)))


def fetch_outcome(call: str, http_status: int | None, code: str | None = None) -> str:
    """The outcome of a fetch that ended with an error answer (or none: ``http_status`` None)."""
    if http_status in (401, 403):
        return FORBIDDEN
    if http_status == 404:
        return NOTFOUND
    if http_status in (400, 409) and code in NOT_APPLICABLE_CODES.get(source_of(call), ()):
        return NOT_APPLICABLE
    return FAILED


def error_code(body: Any) -> str | None:
    """``error.code`` of an ARM, Graph or Key Vault error body."""
    err = body.get("error") if isinstance(body, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    return code if isinstance(code, str) else None


def inner_code(body: Any) -> str | None:
    """``error.innererror.code`` (any casing of ``innererror``), as Key Vault sends it."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return None
    inner = next((v for k, v in err.items() if k.lower() == "innererror"), None)
    code = inner.get("code") if isinstance(inner, dict) else None
    return code if isinstance(code, str) else None


def error_message(status: int | None, body: Any, fallback: str = "") -> str:
    """``HTTP 403 Forbidden (ForbiddenByFirewall): message`` from an error body."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return f"HTTP {status} {fallback}".strip()
    inner = inner_code(body)
    code = f"{err.get('code', '')}" + (f" ({inner})" if inner else "")
    return f"HTTP {status} {code}: {err.get('message', '')}".strip()


def source_status(
    outcomes: Mapping[str, int], *, cut_off: bool = False, missing: str | None = None
) -> str:
    """``failed`` > ``interrupted`` > ``forbidden`` > ``ok``. ``missing`` is a dependency's
    status that left part of this source unlisted (the management-group listing for
    role assignments): ``failed``/``interrupted`` make this source so, ``forbidden`` too."""
    if outcomes.get(FAILED) or missing == FAILED:
        return FAILED
    if cut_off or missing == INTERRUPTED:
        return INTERRUPTED
    if outcomes.get(FORBIDDEN) or missing == FORBIDDEN:
        return FORBIDDEN
    return OK


def snapshot_status(
    source_statuses: Iterable[str], *, stopped: bool, got_data: bool
) -> SnapshotStatus:
    """``complete`` iff nothing failed and nothing was cut off; ``failed`` if the run stopped
    before any data; else ``partial``."""
    if stopped and not got_data:
        return SnapshotStatus.FAILED
    if stopped or any(s not in USABLE_SOURCE for s in source_statuses):
        return PARTIAL
    return COMPLETE


def area_of(call: str, error: str | None = None) -> tuple[str, str]:
    """(what is forbidden, what unlocks it); a network refusal (``error`` names a network
    code) names the network rule instead of a permission."""
    source = source_of(call)
    if error and source in NETWORK_AREAS and _NETWORK.search(error):
        return NETWORK_AREAS[source]
    return AREAS.get(source, (f"{source} details", _DEFAULT_PERMISSION))


def coverage_lines(forbidden: Iterable[tuple[str, str] | tuple[str, str, str | None]]) -> list[str]:
    """One line per forbidden area from (call, target[, error]) tuples, naming what unlocks it."""
    by_area: dict[tuple[str, str], set[str]] = {}
    for call, target, *error in forbidden:
        by_area.setdefault(area_of(call, error[0] if error else None), set()).add(target)
    lines = []
    for (what, permission), targets in sorted(by_area.items()):
        names = sorted({t.rstrip("/").rsplit("/", 1)[-1] or t or "tenant" for t in targets})
        shown = ", ".join(names[:3]) + (f", +{len(names) - 3} more" if len(names) > 3 else "")
        lines.append(f"{what} forbidden for {len(names)} ({shown}): needs {permission}")
    return lines


def coverage_of(sources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Source name -> what it could not see, for every source whose coverage is limited.
    Stores written before coverage was recorded fall back to the forbidden source's detail."""
    out = {}
    for s in sources:
        note = s.get("coverage")
        if not note and s.get("status") == FORBIDDEN:
            note = s.get("detail") or "forbidden"
        if note:
            out[str(s["name"])] = str(note)
    return out


def coverage_summary(snapshot_status: str, sources: Iterable[Mapping[str, Any]]) -> str:
    """One word or phrase for a snapshot's coverage: ``-`` when it read nothing (failed),
    ``incomplete: <sources>`` when a source failed or was cut off (its coverage is unknown),
    ``limited: <sources>`` when something was forbidden, else ``full``."""
    if snapshot_status == SnapshotStatus.FAILED:
        return "-"
    rows = list(sources)
    unknown = sorted({str(s["name"]) for s in rows if s.get("status") not in USABLE_SOURCE})
    if unknown:
        return f"incomplete: {','.join(unknown)}"
    limited = coverage_of(rows)
    return f"limited: {','.join(sorted(limited))}" if limited else "full"
