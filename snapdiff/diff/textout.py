"""Building blocks the text and Markdown renderers and every section's renderers share."""

from __future__ import annotations

import json
from typing import Any

from ..status import SnapshotStatus
from .model import FieldChange, SnapshotInfo

# ANSI SGR codes, as click.style writes them (the CLI decides whether to colour at all)
_ANSI = {"red": 31, "green": 32, "yellow": 33, "cyan": 36, "magenta": 35}
_SIGN_COLOUR = {"+": "green", "-": "red", "~": "yellow", ">": "cyan", "?": "magenta", "!": "yellow"}
KIND_SIGN = {"added": "+", "removed": "-", "changed": "~"}
MAX_VALUE = 160


def value(v: Any, limit: int = MAX_VALUE) -> str:
    """A compact JSON rendering of a field value, shortened past ``limit`` characters."""
    s = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def who(principal_id: str, name: str | None) -> str:
    """A principal id with its name beside it when the snapshot has one."""
    return f"{principal_id} [{name}]" if name else principal_id


def md_who(principal_id: str, name: str | None) -> str:
    return f"`{principal_id}` {md_cell(name)}" if name else f"`{principal_id}`"


def snapshot_line(s: SnapshotInfo) -> str:
    label = f" '{s.label}'" if s.label else ""
    status = "" if s.status == SnapshotStatus.COMPLETE else f" [{s.status}]"
    return f"#{s.id}{label} {s.started_at[:19]}{status} ({s.store})"


class TextOut:
    """Lines of a text report; ``+``/``-``/``~``/``>``/``?``/``!`` items, coloured on request."""

    def __init__(self, color: bool):
        self.color = color
        self.lines: list[str] = []

    def style(self, text: str, fg: str | None = None, bold: bool = False) -> str:
        """``text`` in colour ``fg`` and/or bold when colouring, else as is."""
        if not self.color or not (fg or bold):
            return text
        codes = (f"\x1b[{_ANSI[fg]}m" if fg else "") + ("\x1b[1m" if bold else "")
        return f"{codes}{text}\x1b[0m"

    def head(self, text: str) -> None:
        self.lines.append("")
        self.lines.append(self.style(text, bold=True))

    def item(self, sign: str, text: str, indent: int = 2, extra: str = "") -> None:
        mark = self.style(sign, fg=_SIGN_COLOUR.get(sign), bold=True)
        self.lines.append(" " * indent + f"{mark} {text}" + extra)

    def fields(self, changes: list[FieldChange], indent: int = 6) -> None:
        for ch in changes:
            if ch.kind == "added":
                text = f"{ch.path}: {value(ch.new)}"
            elif ch.kind == "removed":
                text = f"{ch.path}: {value(ch.old)}"
            else:
                text = f"{ch.path}: {value(ch.old)} -> {value(ch.new)}"
            self.item(KIND_SIGN[ch.kind], text, indent)

    def flag(self, privileged: bool) -> str:
        return "  " + self.style("[privileged]", fg="red", bold=True) if privileged else ""


def md_code(s: str) -> str:
    return "`" + s.replace("`", "'") + "`"


def md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def md_fields(changes: list[FieldChange]) -> list[str]:
    """A Markdown table of field changes, with a blank line before and after."""
    out = ["", "| field | change | before | after |", "|---|---|---|---|"]
    for ch in changes:
        old = md_code(value(ch.old, 100)) if ch.kind != "added" else ""
        new = md_code(value(ch.new, 100)) if ch.kind != "removed" else ""
        out.append(f"| {md_cell(md_code(ch.path))} | {ch.kind} | {md_cell(old)} | {md_cell(new)} |")
    out.append("")
    return out
