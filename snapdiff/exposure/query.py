"""Exposure of one snapshot: every finding, what could not be computed, and filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..gcpause import paused_gc
from ..naming.calls import ARG_RESOURCES
from ..read.resources import cia_tag
from ..snapshot import SnapshotView
from .compute import VM, VMSS, Computer, Missing
from .intervals import Intervals
from .model import Finding, Unknown, cia_rank
from .network import Network
from .paas import REGISTRY, Fetches, paas_findings

SCHEMA_VERSION = 1


def cia_of(row: dict[str, Any]) -> tuple[int, int, int] | None:
    """The resource's (C, I, A) from its ``scad`` tag, or None when untagged."""
    tag = cia_tag(row)
    return None if tag is None else (tag.c, tag.i, tag.a)


@dataclass
class ExposureReport:
    snapshot: int
    findings: list[Finding]
    unknown: list[Unknown]
    coverage: list[str]  # listings that failed: what is not known, and why
    resources_checked: int
    query: dict[str, Any] = field(default_factory=dict)
    network: Network | None = field(default=None, repr=False)  # the rows read (for the diff)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "snapshot": self.snapshot,
            "query": self.query,
            "resources_checked": self.resources_checked,
            "findings": [f.to_dict() for f in self.findings],
            "unknown": [u.to_dict() for u in self.unknown],
            "coverage": list(self.coverage),
        }


def coverage_of(view: SnapshotView) -> list[str]:
    """What makes every answer of this snapshot incomplete: the Resource Graph listing."""
    out = []
    status = view.source_status("resourcegraph")
    if status != "ok":
        out.append(
            f"Resource Graph: {view.describe_source('resourcegraph')}; exposure is not known for"
            " resources (and network rows) it did not list"
        )
    bad = [f for f in view.fetches(ARG_RESOURCES) if not f.ok]
    for f in bad:
        out.append(f"Resource Graph {f.target}: {f.status}; rows of that batch are missing")
    return out


def compute(view: SnapshotView) -> ExposureReport:
    """Every Internet-reachable VM, scale set and PaaS endpoint of ``view``."""
    with paused_gc():
        rows = view.resources()
        return report_of(view, rows, rows.values())


def report_of(
    view: SnapshotView, rows: dict[str, dict[str, Any]], targets: Iterable[dict[str, Any]]
) -> ExposureReport:
    """The exposure of the ``targets`` rows, reading ``rows`` (every row they may reach)."""
    net = Network(rows)
    comp = Computer(net)
    findings: list[Finding] = []
    unknown: list[Unknown] = []
    checked = 0
    for row in targets:
        got = check_target(view, comp, row)
        if got is None:
            continue
        checked += 1
        findings += got[0]
        if got[1] is not None:
            unknown.append(got[1])
    findings.sort(key=sort_key)
    unknown.sort(key=lambda u: u.resource.lower())
    return ExposureReport(view.id, findings, unknown, coverage_of(view), checked, network=net)


def is_target(row: dict[str, Any]) -> bool:
    """Whether exposure checks this row: a VM, a scale set or a registered PaaS type."""
    t = str(row.get("type", "")).lower()
    return t in (VM, VMSS) or t in REGISTRY


def check_target(
    view: Fetches, comp: Computer, row: dict[str, Any]
) -> tuple[list[Finding], Unknown | None] | None:
    """The findings of one row, or why they are not known; None for a row exposure does not
    check."""
    if not is_target(row):
        return None
    t = str(row.get("type", "")).lower()
    cia = cia_of(row)
    if t in (VM, VMSS):
        return (comp.vm if t == VM else comp.vmss)(row, cia)
    try:
        return paas_findings(view, row, REGISTRY[t], cia), None
    except Missing as e:
        return [], Unknown(str(row["id"]), t, str(e))


def sort_key(f: Finding) -> tuple[Any, ...]:
    return (
        cia_rank(f.cia),
        f.resource.lower(),
        _PROTO_ORDER.get(f.protocol, 9),
        f.ports.spans,
        f.via,
    )


_PROTO_ORDER = {"Tcp": 0, "Udp": 1, "Icmp": 2}


def select(
    report: ExposureReport,
    *,
    resource: str | None = None,
    min_c: int = 0,
    port: int | None = None,
) -> ExposureReport:
    """The findings for one resource, resources tagged C >= ``min_c``, or one port."""
    keep = []
    for f in report.findings:
        if resource and f.resource.lower() != resource.lower().rstrip("/"):
            continue
        if min_c and (f.cia is None or f.cia[0] < min_c):
            continue
        if port is not None and (f.protocol == "Icmp" or port not in f.ports):
            continue
        keep.append(f)
    unknown = [
        u
        for u in report.unknown
        if not resource or u.resource.lower() == resource.lower().rstrip("/")
    ]
    q = {"resource": resource, "min_c": min_c, "port": port}
    return ExposureReport(
        report.snapshot, keep, unknown, report.coverage, report.resources_checked, q
    )


def reach(findings: list[Finding]) -> dict[str, Intervals]:
    """Protocol -> every port open to some Internet source."""
    out: dict[str, Intervals] = {}
    for f in findings:
        out[f.protocol] = out.get(f.protocol, Intervals()) | f.ports
    return out
