"""Text, Markdown and JSON for exposure reports, and the lines of one exposure change (the
diff section renders them). Names first, short resource forms, lines within 120 columns;
full ids only in JSON or with ``verbose``."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from .diff import ExposureChange, ExposureDiff
from .intervals import format_ports
from .model import Finding, Hop, cia_text
from .query import ExposureReport

WIDTH = 120
_HIDDEN = ("nic", "subnet")  # shown with verbose only


def to_json(obj: ExposureReport | ExposureDiff) -> str:
    return json.dumps(obj.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def fit(text: str, indent: int, md: bool = False, width: int = WIDTH) -> list[str]:
    """``text`` wrapped to ``width`` columns, continuation lines indented four more."""
    if md:
        return [text]
    return textwrap.wrap(
        text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 4),
        break_on_hyphens=False,
        break_long_words=True,
    ) or [" " * indent]


def what(protocol: str, ports: Any, sources: list[str]) -> str:
    """``Tcp 22 from any``."""
    p = "" if protocol == "Icmp" else f" {format_ports(ports)}"
    return f"{protocol}{p} from {', '.join(sources)}"


def hop_text(h: Hop, verbose: bool) -> str:
    kind = h.kind.replace("-", " ")
    text = f"{kind} {h.name}: {h.detail}" if h.detail else f"{kind} {h.name}"
    if h.kind == "no-nsg":
        text = h.detail
    if verbose and h.id:
        text += f" [{h.id}]"
    return text


def _path(path: list[Hop], verbose: bool, indent: int, md: bool) -> list[str]:
    out = []
    for h in path:
        if h.kind in _HIDDEN and not verbose:
            continue
        bullet = "- " if md else ""
        out += fit(f"{bullet}{hop_text(h, verbose)}", indent, md)
    return out


def render_report(r: ExposureReport, *, md: bool = False, verbose: bool = False) -> str:
    h = "## " if md else ""
    resources = {f.resource.lower() for f in r.findings}
    lines = [
        f"{h}Internet exposure in snapshot #{r.snapshot}: {len(r.findings)} opening(s) on "
        f"{len(resources)} of {r.resources_checked} resource(s) checked"
    ]
    current = None
    for f in r.findings:
        if f.resource != current:
            current = f.resource
            head = f"{cia_text(f.cia)}  {f.short}"
            if verbose:
                head += f" [{f.resource}]"
            lines += [f"### {head}"] if md else fit(head, 0)
        lines += fit(f"{'- ' if md else ''}{what(f.protocol, f.ports, f.sources.labels())}"
                     f" via {f.via}", 0 if md else 2, md)  # fmt: skip
        lines += _path(
            [h for h in f.path if verbose or h.kind != "public-ip"], verbose, 2 if md else 6, md
        )
        for fl in f.flags:
            lines += fit(f"{'- ' if md else ''}! {fl}", 2 if md else 6, md)
    if not r.findings:
        lines.append("nothing reachable from the Internet")
    if r.unknown:
        lines.append(
            f"{h}not known (never read as closed)" if md else "not known (never read as closed):"
        )
        for u in r.unknown:
            d = u.to_dict()
            lines += fit(f"{'- ' if md else ''}? {d['short']}: {u.reason}", 0 if md else 2, md)
    if r.coverage:
        lines.append(f"{h}coverage" if md else "coverage:")
        for c in r.coverage:
            lines += fit(f"{'- ' if md else ''}{c}", 0 if md else 2, md)
    return "\n".join(lines) + "\n"


_SIGN = {"reachable": "+", "unreachable": "-", "raised": "^"}
_WORD = {
    "reachable": "newly reachable",
    "unreachable": "no longer reachable",
    "raised": "reachable, CIA raised",
}


def change_lines(c: ExposureChange, md: bool, verbose: bool = False) -> list[str]:
    w = WIDTH - 4  # the diff report indents each line by up to four columns
    """The first line (``+ rg/name (type) newly reachable: Tcp 22 from any``), then causes,
    the entry and the path."""
    bullet = "- " if md else ""
    ident = c.short + (f" [{c.resource}]" if verbose else "")
    head = (
        f"{bullet}{_SIGN[c.change]} {ident} {_WORD[c.change]}: "
        f"{what(c.protocol, c.ports, c.sources.labels())} ({cia_text(c.cia)})"
    )
    lines = fit(head, 0, md, w)
    sub = "    - " if md else ""
    ind = 0 if md else 6
    for cause in dict.fromkeys(c.causes):  # a rule on subnet and NIC: once
        lines += fit(f"{sub}because {cause}", ind, md, w)
    lines += fit(f"{sub}via {c.via}", ind, md, w)
    for h in c.path:
        if h.kind in _HIDDEN + ("public-ip",) and not verbose:
            continue
        lines += fit(f"{sub}{hop_text(h, verbose)}", ind, md, w)
    for fl in c.flags:
        lines += fit(f"{sub}! {fl}", ind, md, w)
    return lines


def render_diff(d: ExposureDiff, *, md: bool = False, verbose: bool = False) -> list[str]:
    lines = [line for c in d.changes for line in change_lines(c, md, verbose)]
    for n in d.not_compared:
        lines += fit(
            f"{'- ' if md else ''}? not compared: {n['subject']}: {n['reason']}", 0, md, WIDTH - 4
        )
    return lines


def finding_lines(f: Finding) -> str:
    return f"{f.short}: {what(f.protocol, f.ports, f.sources.labels())} via {f.via}"
