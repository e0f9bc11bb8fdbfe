"""Path graphs: a few nodes in layers (principal → group(s) → role at a scope → resource;
public IP → NSG rule(s) → resource), laid out left to right and drawn as inline SVG.

The layout is ours and deterministic: one column per layer, nodes stacked in the order given,
each column centred vertically; edges are cubic curves from the right side of a node to the
left side of the next. Every label is XML-escaped, so Azure names cannot inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

# Node kinds and their colours (fill, stroke); unknown kinds draw grey.
KINDS: dict[str, tuple[str, str]] = {
    "principal": ("#e8f0fe", "#1a73e8"),
    "group": ("#fef7e0", "#f9ab00"),
    "assignment": ("#fce8e6", "#d93025"),
    "resource": ("#e6f4ea", "#188038"),
    "internet": ("#fce8e6", "#d93025"),
    "publicip": ("#f3e8fd", "#9334e6"),
    "rule": ("#fef7e0", "#f9ab00"),
    "nsgrule": ("#fef7e0", "#f9ab00"),
    "nonsg": ("#fce8e6", "#d93025"),
    "loadbalancer": ("#f3e8fd", "#9334e6"),
    "nic": ("#e8f0fe", "#1a73e8"),
    "subnet": ("#e8f0fe", "#1a73e8"),
    "more": ("#f1f3f4", "#5f6368"),
}
_GREY = ("#f1f3f4", "#5f6368")

COL_W, NODE_W, NODE_H, ROW_H, PAD = 210, 180, 40, 52, 8
MAX_LABEL = 26


@dataclass
class Node:
    key: str  # unique within the graph
    layer: int
    kind: str
    label: str  # shown (shortened to fit)
    title: str = ""  # full text on hover (an id, a scope)
    sub: str = ""  # a second, smaller line (role scope, CIA)


@dataclass
class Graph:
    """A small layered graph; ``add`` keeps the first node of a key, ``link`` dedups edges."""

    caption: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)

    def add(self, node: Node) -> str:
        self.nodes.setdefault(node.key, node)
        return node.key

    def link(self, a: str, b: str) -> None:
        if (a, b) not in self.edges:
            self.edges.append((a, b))

    def chain(self, nodes: list[Node]) -> None:
        """Add nodes (layers in order) and link each to the next."""
        keys = [self.add(n) for n in nodes]
        for a, b in zip(keys, keys[1:], strict=False):
            self.link(a, b)


def _short(text: str, n: int = MAX_LABEL) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def layout(g: Graph) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Top-left corner of every node, and the picture's width and height."""
    layers: dict[int, list[Node]] = {}
    for n in g.nodes.values():
        layers.setdefault(n.layer, []).append(n)
    rows = max((len(v) for v in layers.values()), default=1)
    height = rows * ROW_H + 2 * PAD
    ordered = sorted(layers)
    pos: dict[str, tuple[int, int]] = {}
    for col, layer in enumerate(ordered):
        column = layers[layer]
        top = PAD + (rows - len(column)) * ROW_H // 2
        for i, n in enumerate(column):
            pos[n.key] = (PAD + col * COL_W, top + i * ROW_H)
    width = PAD * 2 + max(len(ordered) - 1, 0) * COL_W + NODE_W
    return pos, width, height


def svg(g: Graph, gid: str) -> str:
    """The graph as one ``<svg>`` element (escaped), with a ``<title>`` for screen readers."""
    pos, width, height = layout(g)
    out = [
        f'<svg class="pathgraph" id="{escape(gid)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f"<title>{escape(g.caption)}</title>",
    ]
    for a, b in g.edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
        mid = (sx + ex) // 2
        out.append(
            f'<path class="edge" d="M{sx},{sy} C{mid},{sy} {mid},{ey} {ex - 6},{ey}" '
            'fill="none" stroke="#80868b" stroke-width="1.5" marker-end="url(#arrow)"/>'
        )
    for key, n in g.nodes.items():
        x, y = pos[key]
        fill, stroke = KINDS.get(n.kind, _GREY)
        tip = escape(n.title or n.label)
        out.append(f'<g class="node {escape(n.kind)}"><title>{tip}</title>')
        out.append(
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" '
            f'fill="{fill}" stroke="{stroke}"/>'
        )
        ty = y + (16 if n.sub else 25)
        out.append(
            f'<text x="{x + 8}" y="{ty}" font-size="12" fill="#202124">'
            f"{escape(_short(n.label))}</text>"
        )
        if n.sub:
            out.append(
                f'<text x="{x + 8}" y="{y + 32}" font-size="10" fill="#5f6368">'
                f"{escape(_short(n.sub, 32))}</text>"
            )
        out.append("</g>")
    out.insert(
        2,
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#80868b"/>'
        "</marker></defs>",
    )
    out.append("</svg>")
    return "".join(out)


def mermaid(g: Graph) -> str:
    """The same graph as a Mermaid flowchart (left to right), labels quoted and escaped."""

    def label(n: Node) -> str:
        text = n.label + (f"<br/>{n.sub}" if n.sub else "")
        # Mermaid reads "#quot;" style entities inside quoted labels; keep markup inert.
        return (
            text.replace("&", "#amp;")
            .replace("`", "#96;")
            .replace('"', "#quot;")
            .replace("<br/>", "\0")
            .replace("<", "#lt;")
            .replace(">", "#gt;")
            .replace("\0", "<br/>")
        )

    ids = {k: f"n{i}" for i, k in enumerate(g.nodes)}
    lines = ["flowchart LR"]
    for k, n in g.nodes.items():
        shape = ("([", "])") if n.kind in ("principal", "internet") else ("[", "]")
        lines.append(f'  {ids[k]}{shape[0]}"{label(n)}"{shape[1]}')
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in g.edges]
    return "\n".join(lines)
