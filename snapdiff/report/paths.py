"""The path graphs the report draws, from the analyses' own result objects.

- Access gained on a resource tagged C >= 8: principal → group(s) → role at a scope →
  resource(s), from the access expansion of snapshot B (the same ``Access`` the access diff
  compares), one graph per change, its resources folded past a few.
- Internet exposure (any section whose findings carry a ``path`` of hops, such as
  ``exposure``): the hops in order (public IP → NSG rule(s) → resource).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..access.diff import AccessChange, AccessDiff
from ..access.expand import Path
from ..access.query import Access
from ..naming.ids import last_segment
from ..naming.labels import shorten_ids
from .graph import Graph, Node

C_MIN = 8  # access gains to resources with C >= this are drawn
MAX_RESOURCES = 4  # resource nodes per graph before "N more"
MAX_GRAPHS = 200  # graphs per section; the rest are counted, not drawn


@dataclass
class Picture:
    """One graph and what it belongs to (the table row it explains)."""

    section: str
    row_key: str
    graph: Graph


def short_scope(scope: str) -> str:
    """``subscription 3f2b7c1e…``, ``resource group rg-app-prod``, ``management group
    mg-platform``, ``rg-app-prod/kv1 (vaults)``: the diff reports' short forms."""
    return shorten_ids(scope.rstrip("/")) or "/"


def resource_name(rid: str) -> str:
    """The last segment of an ARM id (its name)."""
    return last_segment(rid.rstrip("/"))


def cia_text(cia: Iterable[int] | None) -> str:
    c = list(cia) if cia else []
    return f"C{c[0]} I{c[1]} A{c[2]}" if len(c) == 3 else "untagged"


def access_graphs(
    d: AccessDiff, x: Access, *, limit: int = MAX_GRAPHS
) -> tuple[list[Picture], int]:
    """Graphs of every gain reaching a C >= 8 resource (``x``: snapshot B's access), and how
    many more were not drawn past ``limit``."""
    pictures: list[Picture] = []
    skipped = 0
    for i, ch in enumerate(d.changes):
        if ch.change != "gained" or not any(r.cia and r.cia[0] >= C_MIN for r in ch.resources):
            continue
        if len(pictures) >= limit:
            skipped += 1
            continue
        g = _access_graph(ch, x)
        if g is not None:
            pictures.append(Picture("access", f"access-{i}", g))
    return pictures, skipped


def _paths_to(ch: AccessChange, x: Access, rid: str) -> list[Path]:
    """The paths by which the change's principal holds the changed capabilities on ``rid``."""
    res = x.x.resources.get(rid.lower())
    h = x.expander.access(res).holders.get(ch.principal.lower()) if res else None
    if h is None:
        return []
    wanted = set(ch.capabilities)
    return [q for q in h.paths if q.caps & wanted and q.grant.eligible == ch.eligible]


def _access_graph(ch: AccessChange, x: Access) -> Graph | None:
    who = ch.principal_name or ch.principal
    reached = [
        (r, paths)
        for r in ch.resources
        if r.cia and r.cia[0] >= C_MIN and (paths := _paths_to(ch, x, r.id))
    ]
    if not reached:
        return None
    g = Graph(f"{who} gained {', '.join(ch.capabilities)}")
    p = Node("p", 0, "principal", who.split(" (")[0], f"{who} [{ch.principal}]")
    shown = reached[:MAX_RESOURCES]
    # resources sit in one column after the deepest group chain
    depth = max(len(q.via) for _, paths in shown for q in paths)
    for r, paths in shown:
        rnode = Node(
            f"r:{r.id.lower()}", depth + 2, "resource", resource_name(r.id), r.id, cia_text(r.cia)
        )
        for q in paths:
            chain = [p]
            chain += [
                Node(f"g:{gid}", n + 1, "group", x.name(gid).split(" (")[0], gid)
                for n, gid in enumerate(q.via)
            ]
            role = ("eligible " if q.grant.eligible else "") + q.grant.role_name
            at = "at " + short_scope(q.grant.scope)
            chain.append(
                Node(
                    f"a:{q.grant.id.lower()}",
                    depth + 1,
                    "assignment",
                    role,
                    f"{role} at {q.grant.scope}",
                    at,
                )
            )
            chain.append(rnode)
            g.chain(chain)
    if len(reached) > MAX_RESOURCES:
        more = Node("more", depth + 2, "more", f"+{len(reached) - MAX_RESOURCES} more resource(s)")
        for a in [k for k, n in g.nodes.items() if n.kind == "assignment"]:
            g.link(a, g.add(more))
    return g


# A finding whose change says the path went away is not drawn: the graphs show what is new.
GONE = frozenset({"unreachable", "lost", "removed", "closed"})


def hop_graphs(
    prefix: str, findings: list[Mapping[str, Any]], *, limit: int = MAX_GRAPHS
) -> tuple[list[Picture], int]:
    """Graphs of findings carrying ``path`` (a list of hops: dicts with ``kind`` and ``name``
    or ``label``, optionally ``id`` and ``detail``), such as Internet exposure: public IP →
    NSG rule(s) → NIC → resource. The finding's ``resource`` ends the chain."""
    pictures: list[Picture] = []
    skipped = 0
    for i, f in enumerate(findings):
        hops = f.get("path")
        if not isinstance(hops, list) or not hops or str(f.get("change", "")) in GONE:
            continue
        if len(pictures) >= limit:
            skipped += 1
            continue
        rid = str(f.get("resource") or f.get("id") or "")
        what = str(f.get("short") or f.get("name") or (resource_name(rid) if rid else prefix))
        change = str(f.get("change") or "")
        ports = " ".join(str(f[k]) for k in ("protocol", "ports") if f.get(k))
        caption = " ".join(x for x in (what, change, ports) if x)
        g = Graph(caption)
        layers = _layers([_hop(n, h) for n, h in enumerate(hops)])
        last = hops[-1] if isinstance(hops[-1], Mapping) else {}
        if rid and str(last.get("id") or "").lower() != rid.lower():
            cia = f.get("cia")
            sub = cia_text(cia if isinstance(cia, list) else None)
            layers.append([Node("res", len(layers), "resource", resource_name(rid), rid, sub)])
        for layer in layers:
            for node in layer:
                g.add(node)
        for here, there in zip(layers, layers[1:], strict=False):
            for a in here:
                for b in there:
                    g.link(a.key, b.key)
        pictures.append(Picture(prefix, f"{prefix}-{i}", g))
    return pictures, skipped


# Hop kinds that are alternatives when they follow each other (any one of a PaaS resource's
# firewall or IP rules lets the Internet in), drawn side by side; other hops are in series
# (a subnet NSG rule and then a NIC NSG rule must both allow).
ALTERNATIVES = frozenset({"iprule", "firewallrule", "accessrestriction"})
MAX_ALTERNATIVES = 5


def _layers(nodes: list[Node]) -> list[list[Node]]:
    """Hops in layers, left to right; consecutive alternatives share one (folded past a few)."""
    layers: list[list[Node]] = []
    for n in nodes:
        prev = layers[-1] if layers else None
        if prev and n.kind in ALTERNATIVES and prev[0].kind == n.kind:
            if len(prev) < MAX_ALTERNATIVES:
                prev.append(n)
            elif prev[-1].kind != "more":
                prev.append(Node(f"more{len(layers)}", 0, "more", "more rules"))
            continue
        layers.append([n])
    for i, layer in enumerate(layers):
        for n in layer:
            n.layer = i
    return layers


def _hop(n: int, h: Any) -> Node:
    if not isinstance(h, Mapping):
        return Node(f"h{n}", n, "more", str(h))
    label = str(h.get("label") or h.get("name") or h.get("id") or h.get("kind") or "?")
    title = str(h.get("id") or h.get("detail") or label)
    sub = str(h.get("detail") or "")
    kind = str(h.get("kind") or "").lower().replace(" ", "").replace("_", "").replace("-", "")
    return Node(f"h{n}", n, kind, label, title, sub)
