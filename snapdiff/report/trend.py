"""The weekly trend: a few counts per snapshot, drawn as one small SVG line chart per series."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..diff.rbac import load_assignments
from ..read import role_definitions
from ..snapshot import SnapshotView
from ..store import Store

W, H, PAD_L, PAD_B, PAD_T = 300, 120, 44, 30, 18


@dataclass
class Point:
    snapshot: int
    label: str  # label, else the date
    values: dict[str, int | None]  # series -> count (None: not known for this snapshot)


def exposed_count(view: SnapshotView) -> int | None:
    """Resources reachable from the Internet, when the exposure analysis is installed (else
    None: unknown, not zero)."""
    import importlib

    try:  # the exposure analysis is a package of its own (snapdiff.exposure)
        query = importlib.import_module("snapdiff.exposure.query")
    except ModuleNotFoundError:
        return None
    report = query.compute(view)
    return len({str(f.resource).lower() for f in report.findings})


def collect(store: Store, limit: int = 12) -> list[Point]:
    """The last ``limit`` finished, non-failed snapshots, oldest first (none when fewer than
    three)."""
    snaps = [s for s in store.snapshots() if s.status in ("complete", "partial")]
    snaps.sort(key=lambda s: (s.started_at, s.id))
    if len(snaps) < 3:
        return []  # no trend to draw: the diff itself is the comparison
    out = []
    for s in snaps[-limit:]:
        view = SnapshotView(store, s.id)
        assignments = load_assignments(view, role_definitions(view))
        out.append(
            Point(
                s.id,
                s.label or s.started_at[:10],
                {
                    "resources": len(view.resources()),
                    "privileged assignments": sum(
                        a.privileged for a in assignments.records.values()
                    ),
                    "exposed resources": exposed_count(view),
                },
            )
        )
    return out


def svg(points: list[Point]) -> str:
    """One chart per series that has values; empty when fewer than three snapshots."""
    if len(points) < 3:
        return ""
    series = [k for k in points[0].values if any(p.values.get(k) is not None for p in points)]
    charts = [_chart(k, points) for k in series]
    return '<div class="trend">' + "".join(charts) + "</div>"


def _chart(name: str, points: list[Point]) -> str:
    vals = [p.values.get(name) for p in points]
    known = [v for v in vals if v is not None]
    top = max(known) if known else 1
    low = min(known) if known else 0
    span = max(top - low, 1)
    n = len(points)
    step = (W - PAD_L - 10) / max(n - 1, 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return PAD_L + i * step, PAD_T + (H - PAD_T - PAD_B) * (1 - (v - low) / span)

    known_pts = [(i, v, points[i]) for i, v in enumerate(vals) if v is not None]
    pts = [xy(i, v) for i, v, _ in known_pts]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    out = [
        f'<svg class="trendchart" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" role="img"><title>{escape(name)} per snapshot</title>',
        f'<text x="4" y="12" font-size="12" font-weight="600">{escape(name)}</text>',
        f'<text x="4" y="{PAD_T + 8}" font-size="10" fill="#5f6368">{top}</text>',
        f'<text x="4" y="{H - PAD_B}" font-size="10" fill="#5f6368">{low}</text>',
        f'<polyline points="{line}" fill="none" stroke="#1a73e8" stroke-width="2"/>',
    ]
    for (x, y), (_, v, p) in zip(pts, known_pts, strict=True):
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1a73e8">'
            f"<title>{escape(p.label)}: {v}</title></circle>"
        )
    for i, p in enumerate(points):
        if n <= 6 or i in (0, n - 1):
            x = PAD_L + i * step
            out.append(
                f'<text x="{x:.1f}" y="{H - 10}" font-size="9" text-anchor="middle" '
                f'fill="#5f6368">{escape(p.label[:12])}</text>'
            )
    out.append("</svg>")
    return "".join(out)
