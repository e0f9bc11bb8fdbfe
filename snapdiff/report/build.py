"""``diff_report`` and ``snapshot_report``: the report pages, from the analyses' result objects
(the same ``Diff``, ``AccessDiff`` and access expansion ``--format json`` prints), never from
rendered text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..access.capabilities import PRIVILEGED, ordered
from ..access.diff import AccessDiff
from ..access.query import Access
from ..diff.api import diff_snapshots
from ..diff.model import Diff, SnapshotInfo
from ..diff.registry import get_section, sections
from ..diff.textout import snapshot_line
from ..naming.ids import resource_group_of
from ..naming.noise import Rule
from ..snapshot import SnapshotView
from ..store import Store
from . import graph, trend
from .page import Column, Figure, Page, Table, render
from .paths import Picture, access_graphs, cia_text, hop_graphs
from .rows import COLUMNS, Row, diff_rows

_COLS = {
    "section": Column("section", "section"),
    "change": Column("change", "change"),
    "name": Column("name", "name"),
    "cia": Column("cia", "CIA", "cia"),
    "principal": Column("principal", "principal"),
    "group": Column("group", "resource group"),
    "type": Column("type", "type"),
    "detail": Column("detail", "detail"),
    "id": Column("id", "id", "id"),
    "graph": Column("graph", "path", "graph"),
    "privileged": Column("privileged", "privileged", "flag"),
}


def report_sections() -> list[str]:
    """What the report computes: every registered section (the default diff's; access and
    exposure included)."""
    return [s.name for s in sections()]


def _cia_lookup(*xs: Access) -> Any:
    def cia(rid: str) -> list[int] | None:
        key = rid.lower().rstrip("/")
        for x in xs:
            r = x.x.resources.get(key)
            if r is not None:
                return list(r.cia) if r.cia else None
        return None

    return cia


def _generic_pictures(d: Diff) -> tuple[list[Picture], int]:
    """Graphs of the findings of sections the report does not know that carry a ``path``."""
    pictures: list[Picture] = []
    skipped = 0
    for s, result in d.computed():
        if s.name in ("resources", "rbac", "cia", "groups", "mgmt", "access"):
            continue
        value = get_section(s.name).to_json(result)
        if not isinstance(value, Mapping):
            continue
        for key, items in value.items():
            if isinstance(items, list):
                got, more = hop_graphs(
                    f"{s.name}-{key}", [i for i in items if isinstance(i, Mapping)]
                )
                pictures += got
                skipped += more
    return pictures, skipped


def _top(rows: Iterable[Row]) -> str:
    cias = [r.cia for r in rows if r.cia]
    if not cias:
        return "-"
    return "C{} I{} A{}".format(*(max(c[i] for c in cias) for i in range(3)))


def _summary(d: Diff, rows: list[Row]) -> list[list[str]]:
    by_section: dict[str, list[Row]] = {}
    for r in rows:
        by_section.setdefault(r.section, []).append(r)
    out = []
    for s, result in d.computed():
        counts = s.counts(result, d)
        shown = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        changes = sum(v for k, v in counts.items() if k not in s.uncounted)
        out.append([s.title, str(changes), shown, _top(by_section.get(s.name, []))])
    return out


FULL = "Both snapshots are complete with full coverage: everything was compared."


def _notes(d: Diff) -> list[str]:
    """The diff's notes and everything not compared; FULL when there is none."""
    notes = list(d.notes)
    notes += [f"not compared ({n.section}): {n.subject}: {n.reason}" for n in d.not_compared]
    for s, result in d.computed():  # sections that keep their own "not compared" list
        listed = getattr(result, "not_compared", None)
        if not isinstance(listed, list):
            continue
        notes += [
            f"not compared ({s.name}): {n['subject']}: {n['reason']}"
            for n in listed
            if isinstance(n, Mapping) and "subject" in n and "reason" in n
        ]
    return notes or [FULL]


def _who(info: SnapshotInfo) -> str:
    return snapshot_line(info)


def diff_report(
    a: SnapshotView,
    b: SnapshotView,
    *,
    ignore: Iterable[Rule | str] = (),
    default_ignores: bool = True,
    trend_store: Store | None = None,
) -> str:
    """The report page comparing ``a`` (before) with ``b`` (after); ``trend_store``: draw the
    week-by-week trend of that store when it holds more than two snapshots."""
    d = diff_snapshots(
        a, b, ignore=ignore, default_ignores=default_ignores, sections=report_sections()
    )
    return render_diff(d, a, b, trend_store=trend_store)


def render_diff(d: Diff, a: SnapshotView, b: SnapshotView, *, trend_store: Store | None) -> str:
    xb, xa = Access.of(b), Access.of(a)
    pictures: list[Picture] = []
    skipped = 0
    acc = d.results.get("access")
    if isinstance(acc, AccessDiff):
        pictures, skipped = access_graphs(acc, xb)
    more, more_skipped = _generic_pictures(d)
    pictures += more
    skipped += more_skipped
    gids = {p.row_key: f"path-{p.row_key}" for p in pictures}
    rows = diff_rows(d, _cia_lookup(xb, xa), gids)
    page = Page(
        "snapdiff report",
        subtitle=[f"A: {_who(d.a)}", f"B: {_who(d.b)}"],
        notes=_notes(d),
        summary_head=["section", "changes", "counts", "highest CIA touched"],
        summary=_summary(d, rows),
        figures=[
            Figure(gids[p.row_key], p.graph.caption, graph.svg(p.graph, "svg-" + p.row_key))
            for p in pictures
        ],
        figures_note=(
            "Access gained on resources tagged C ≥ 8, and new Internet exposure."
            + (f" {skipped} more not drawn." if skipped else "")
        ),
        tables=[
            Table(
                "changes",
                "Changes",
                [_COLS[k] for k in ("section", "change", "name", "cia", "principal", "group")]
                + [_COLS[k] for k in ("detail", "type", "privileged", "graph", "id")],
                [_order(r) for r in rows],
                note="Names first; hover a name for its id. Filter, then click a heading to sort.",
            )
        ],
    )
    if trend_store is not None:
        page.trend = trend.svg(trend.collect(trend_store))
    return render(page)


_ORDER = ("section", "change", "name", "cia", "principal", "group", "detail", "type")
_ORDER2 = ("privileged", "graph", "id")


def _order(r: Row) -> list[Any]:
    cells = dict(zip(COLUMNS, r.cells(), strict=True))
    return [cells[k] for k in (*_ORDER, *_ORDER2)]


def snapshot_report(view: SnapshotView) -> str:
    """A one-snapshot overview: inventory by type, privileged principals, exposure."""
    x = Access.of(view)
    by_type: Counter[str] = Counter()
    hot: Counter[str] = Counter()
    groups: dict[str, set[str]] = {}
    for r in x.x.resources.values():
        by_type[r.type] += 1
        if r.cia and r.cia[0] >= 8:
            hot[r.type] += 1
        groups.setdefault(r.type, set()).add((resource_group_of(r.id) or "").lower())
    inventory = [
        [t, n, hot[t], len(groups[t] - {""})]
        for t, n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    overview = x.overview()
    per: dict[str, dict[str, Any]] = {}
    for e in overview.entries:
        p = per.setdefault(
            e.principal,
            {
                "name": e.principal_name or e.principal,
                "caps": set(),
                "n": 0,
                "cia": None,
                "groups": set(),
            },
        )
        p["caps"] |= set(e.capabilities) | set(e.eligible)
        p["n"] += 1
        if e.cia and (p["cia"] is None or tuple(e.cia) > tuple(p["cia"])):
            p["cia"] = list(e.cia)
        rg = resource_group_of(e.resource)
        if rg:
            p["groups"].add(rg)
    principals = [
        [
            p["name"],
            p["cia"],
            p["n"],
            ", ".join(ordered(frozenset(p["caps"]) & PRIVILEGED)),
            ", ".join(sorted(p["groups"], key=str.lower)[:3])
            + (" …" if len(p["groups"]) > 3 else ""),
            pid,
        ]
        for pid, p in per.items()
    ]
    principals.sort(key=lambda r: (-(max(r[1]) if r[1] else -1), -r[2], str(r[0]).lower()))
    meta = view.meta
    info = f"#{meta.id}" + (f" '{meta.label}'" if meta.label else "") + f" {meta.started_at[:19]}"
    notes = list(overview.coverage)
    if meta.status != "complete":
        notes.insert(0, f"snapshot #{meta.id} is {meta.status}: only what it holds is shown")
    exposure = _exposure(view)
    page = Page(
        "snapdiff snapshot overview",
        subtitle=[f"snapshot {info} ({meta.status}) in {view.store.path.name}"],
        notes=notes + exposure.notes,
        summary_head=["what", "count", "highest CIA"],
        summary=[
            ["resources", str(len(x.x.resources)), _top_cia(r.cia for r in x.x.resources.values())],
            ["resource types", str(len(by_type)), "-"],
            [
                "principals with privileged access",
                str(len(per)),
                _top_cia(p["cia"] for p in per.values()),
            ],
        ]
        + exposure.summary,
        figures=exposure.figures,
        figures_note="How the Internet reaches each exposed resource." if exposure.figures else "",
        tables=[
            Table(
                "inventory",
                "Inventory by type",
                [
                    Column("type", "type"),
                    Column("count", "resources", "num"),
                    Column("hot", "tagged C ≥ 8", "num"),
                    Column("groups", "resource groups", "num"),
                ],
                inventory,
            ),
            Table(
                "principals",
                "Privileged principals",
                [
                    Column("name", "principal"),
                    Column("cia", "highest CIA reached", "cia"),
                    Column("n", "resources", "num"),
                    Column("caps", "privileged capabilities"),
                    Column("group", "resource groups"),
                    Column("id", "id", "id"),
                ],
                principals,
                note="Every principal holding grant, run, secrets, write or delete on a resource.",
            ),
            *exposure.tables,
        ],
    )
    return render(page)


@dataclass
class _ExposurePart:
    notes: list[str] = field(default_factory=list)
    summary: list[list[str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def _exposure(view: SnapshotView) -> _ExposurePart:
    """Internet exposure of one snapshot, when the exposure analysis (snapdiff.exposure) is
    installed: a table of findings and a path graph each; otherwise a note saying it is not
    known (never "nothing is exposed")."""
    import importlib

    try:
        query = importlib.import_module("snapdiff.exposure.query")
    except ModuleNotFoundError:
        return _ExposurePart(
            [
                "Internet exposure: the exposure analysis is not part of this build; exposure is "
                "not shown (unknown, not none)."
            ]
        )
    doc = query.compute(view).to_dict()
    findings = [f for f in doc.get("findings") or [] if isinstance(f, Mapping)]
    pictures, skipped = hop_graphs("exposure", findings)
    gids = {p.row_key: f"path-{p.row_key}" for p in pictures}
    rows = [
        [
            str(f.get("short") or f.get("name") or f.get("resource")),
            f.get("cia"),
            str(f.get("protocol") or ""),
            str(f.get("ports") or ""),
            ", ".join(str(x) for x in f.get("sources") or []),
            str(f.get("via") or ""),
            str(f.get("resource_group") or ""),
            gids.get(f"exposure-{i}", ""),
            str(f.get("resource") or ""),
        ]
        for i, f in enumerate(findings)
    ]
    notes = [f"exposure: {c}" for c in doc.get("coverage") or []]
    notes += [
        f"exposure unknown: {u.get('resource')}: {u.get('reason')}"
        for u in doc.get("unknown") or []
        if isinstance(u, Mapping)
    ]
    if skipped:
        notes.append(f"exposure: {skipped} more paths not drawn")
    exposed = {str(f.get("resource", "")).lower() for f in findings}
    return _ExposurePart(
        notes,
        [
            [
                "resources reachable from the Internet",
                str(len(exposed)),
                _top_cia(f.get("cia") for f in findings),
            ]
        ],
        [
            Table(
                "exposure",
                "Internet exposure",
                [
                    Column("name", "resource"),
                    Column("cia", "CIA", "cia"),
                    Column("protocol", "protocol"),
                    Column("ports", "ports"),
                    Column("sources", "from"),
                    Column("via", "via"),
                    Column("group", "resource group"),
                    Column("graph", "path", "graph"),
                    Column("id", "id", "id"),
                ],
                rows,
            )
        ],
        [
            Figure(gids[p.row_key], p.graph.caption, graph.svg(p.graph, "svg-" + p.row_key))
            for p in pictures
        ],
    )


def _top_cia(cias: Iterable[Any]) -> str:
    got = [list(c) for c in cias if c]
    if not got:
        return "-"
    return cia_text([max(c[i] for c in got) for i in range(3)])
