"""Building blocks the text and Markdown renderers and every section's renderers share."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ..naming import labels
from ..status import SnapshotStatus
from .model import FieldChange, SnapshotInfo

# ANSI SGR codes, as click.style writes them (the CLI decides whether to colour at all)
_ANSI = {"red": 31, "green": 32, "yellow": 33, "cyan": 36, "magenta": 35}
_SIGN_COLOUR = {"+": "green", "-": "red", "~": "yellow", ">": "cyan", "?": "magenta", "!": "yellow"}
KIND_SIGN = {"added": "+", "removed": "-", "changed": "~"}
MAX_VALUE = 160


def _short_ids(v: Any) -> Any:
    """ARM ids inside a value in their short form (``rg/name (type)``), unless -v."""
    if isinstance(v, str):
        return labels.resource(v) if v[:15].lower() == "/subscriptions/" else v
    if isinstance(v, dict):
        if list(v) == ["id"] and isinstance(v["id"], str):  # a reference: the id says it all
            return _short_ids(v["id"])
        return {k: _short_ids(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_short_ids(x) for x in v]
    return v


def value(v: Any, limit: int = MAX_VALUE) -> str:
    """A compact JSON rendering of a field value, ARM ids in short form, shortened past
    ``limit`` characters (whole under -v)."""
    if labels.verbose():
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    s = json.dumps(_short_ids(v), sort_keys=True, ensure_ascii=False)
    return s if len(s) <= limit else s[: max(limit, 8) - 3] + "..."


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

    def wrapped(self, sign: str, text: str, indent: int = 2) -> None:
        """An item wrapped at 120 columns, continuation lines under its text."""
        lines = textwrap.wrap(
            text, labels.WIDTH - indent - 2, break_on_hyphens=False, break_long_words=False
        ) or [""]
        self.item(sign, lines[0], indent)
        self.lines += [" " * (indent + 2) + line for line in lines[1:]]

    def fields(self, changes: list[FieldChange], indent: int = 6) -> None:
        """One line per field change, values cut to keep the line within 120 columns."""
        for ch in changes:
            room = labels.WIDTH - indent - 4 - len(ch.path)
            if ch.kind == "added":
                text = f"{ch.path}: {value(ch.new, room)}"
            elif ch.kind == "removed":
                text = f"{ch.path}: {value(ch.old, room)}"
            else:
                half = (room - 4) // 2
                text = f"{ch.path}: {value(ch.old, half)} -> {value(ch.new, half)}"
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
