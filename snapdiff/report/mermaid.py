"""The path graphs as Mermaid blocks, for Markdown that GitHub and Azure DevOps render:
``snapdiff access --format mermaid`` (one query's paths) and ``snapdiff diff --format
markdown`` (the same graphs the HTML report draws)."""

from __future__ import annotations

from ..access.query import Access, AccessReport
from ..diff.model import Diff
from ..naming.ids import last_segment
from .graph import Graph, Node, mermaid
from .paths import MAX_RESOURCES, access_graphs, cia_text, short_scope

MAX_MERMAID_RESOURCES = 12  # resource nodes in one access query graph before "N more"


def _fence(g: Graph) -> list[str]:
    return ["```mermaid", mermaid(g), "```"]


def access_report_graph(r: AccessReport) -> Graph:
    """principal(s) → group(s) → role at a scope → resource(s) of an access query."""
    subject = r.query.get("resource") or r.query.get("principal") or "privileged access"
    g = Graph(f"access paths: {subject}")
    resources: list[str] = []
    depth = max((len(v.groups) for e in r.entries for v in e.paths), default=0)
    for e in r.entries:
        rkey = f"r:{e.resource.lower()}"
        if rkey not in g.nodes and len(resources) >= MAX_MERMAID_RESOURCES:
            continue
        if rkey not in g.nodes:
            resources.append(rkey)
        who = e.principal_name or e.principal
        for v in e.paths:
            chain = [Node(f"p:{e.principal.lower()}", 0, "principal", who)]
            chain += [Node(f"g:{name}", n + 1, "group", name) for n, name in enumerate(v.groups)]
            role = ("eligible " if v.eligible else "") + v.role
            chain.append(
                Node(
                    f"a:{v.role}|{v.scope.lower()}",
                    depth + 1,
                    "assignment",
                    role,
                    v.scope,
                    "at " + short_scope(v.scope),
                )
            )
            chain.append(
                Node(
                    rkey,
                    depth + 2,
                    "resource",
                    last_segment(e.resource),
                    e.resource,
                    cia_text(e.cia),
                )
            )
            g.chain(chain)
    shown = {e.resource.lower() for e in r.entries}
    if len(shown) > len(resources):
        more = g.add(Node("more", 99, "more", f"+{len(shown) - len(resources)} more resource(s)"))
        for k in [k for k, n in g.nodes.items() if n.kind == "assignment"]:
            g.link(k, more)
    return g


def access_report_markdown(r: AccessReport, body: str) -> str:
    """``body`` (the Markdown report) followed by the query's path graph."""
    if not r.entries:
        return body
    return body.rstrip("\n") + "\n\n" + "\n".join(_fence(access_report_graph(r))) + "\n"


def diff_paths_markdown(d: Diff, b: Access | None) -> list[str]:
    """A ``## Paths`` part for ``diff --format markdown``: the graphs the HTML report draws
    (access gains reaching C >= 8 resources, ``b`` being snapshot B's access; new paths of
    sections whose findings carry them, such as exposure)."""
    from .build import _generic_pictures

    acc = d.results.get("access")
    pictures, skipped = access_graphs(acc, b) if acc is not None and b is not None else ([], 0)
    more, more_skipped = _generic_pictures(d)
    pictures += more
    skipped += more_skipped
    if not pictures:
        return []
    out = ["", "## Paths", ""]
    out.append(
        f"Access gained on resources tagged C ≥ 8 (up to {MAX_RESOURCES} resources a graph), "
        "and new Internet exposure." + (f" {skipped} more not drawn." if skipped else "")
    )
    for p in pictures:
        out += ["", f"**{p.graph.caption}**", ""] + _fence(p.graph)
    return out
