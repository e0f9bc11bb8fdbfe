"""Plain-text rendering, grouped like a plan: ``+`` added, ``-`` removed, ``~`` changed,
``>`` moved. Colour only when asked (the CLI asks on a terminal without NO_COLOR)."""

from __future__ import annotations

import json
from typing import Any

import click

from .model import Diff, FieldChange, SnapshotInfo

_SIGN_COLOUR = {"+": "green", "-": "red", "~": "yellow", ">": "cyan", "?": "magenta", "!": "yellow"}
_KIND_SIGN = {"added": "+", "removed": "-", "changed": "~"}
MAX_VALUE = 160


def value(v: Any, limit: int = MAX_VALUE) -> str:
    """A compact JSON rendering of a field value, shortened past ``limit`` characters."""
    s = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def who(principal_id: str, name: str | None) -> str:
    """A principal id with its name beside it when the snapshot has one."""
    return f"{principal_id} [{name}]" if name else principal_id


def snapshot_line(s: SnapshotInfo) -> str:
    label = f" '{s.label}'" if s.label else ""
    status = "" if s.status == "complete" else f" [{s.status}]"
    return f"#{s.id}{label} {s.started_at[:19]}{status} ({s.store})"


def summary_lines(d: Diff) -> list[str]:
    """One line per computed section, then noise; shared with the Markdown renderer."""
    c = d.counts()
    out = []
    if "resources" in c:
        r = c["resources"]
        out.append(
            f"resources: {r['added']} added, {r['removed']} removed, {r['changed']} changed, "
            f"{r['moved']} moved, {r['renamed']} renamed?"
        )
    if "rbac" in c:
        r = c["rbac"]
        out.append(
            f"rbac: {r['added']} assignments added, {r['removed']} removed, {r['changed']} changed, "
            f"{r['definitions_changed']} role definitions changed ({r['privileged']} privileged)"
        )
    if "cia" in c:
        r = c["cia"]
        out.append(
            f"cia: {r['added']} tags added, {r['removed']} removed, {r['changed']} changed "
            f"({r['malformed']} malformed)"
        )
    if "groups" in c:
        r = c["groups"]
        out.append(
            f"groups: {r['groups_changed']} groups, {r['members_added']} members added, "
            f"{r['members_removed']} removed"
        )
    if "mgmt" in c:
        r = c["mgmt"]
        out.append(
            f"mgmt: {r['added']} added, {r['removed']} removed, {r['moved']} moved, {r['changed']} changed"
        )
    n = d.noise
    rules = ", ".join(f"{k} x{v}" for k, v in sorted(n.by_rule.items()))
    out.append(
        f"noise: {n.ignored_changes} field changes ignored"
        + (f" ({rules})" if rules else "")
        + f"; {n.resources_only_noise} resources changed only in ignored fields"
        + ("" if n.default_ignores else "; default ignores off")
    )
    return out


class _Out:
    def __init__(self, color: bool):
        self.color = color
        self.lines: list[str] = []

    def style(self, text: str, **kw: Any) -> str:
        return click.style(text, **kw) if self.color else text

    def head(self, text: str) -> None:
        self.lines.append("")
        self.lines.append(self.style(text, bold=True))

    def item(self, sign: str, text: str, indent: int = 2, extra: str = "") -> None:
        mark = self.style(sign, fg=_SIGN_COLOUR.get(sign), bold=True)
        self.lines.append(" " * indent + f"{mark} {text}" + extra)

    def fields(self, changes: list[FieldChange], indent: int = 6) -> None:
        for ch in changes:
            sign = _KIND_SIGN[ch.kind]
            if ch.kind == "added":
                text = f"{ch.path}: {value(ch.new)}"
            elif ch.kind == "removed":
                text = f"{ch.path}: {value(ch.old)}"
            else:
                text = f"{ch.path}: {value(ch.old)} -> {value(ch.new)}"
            self.item(sign, text, indent)

    def flag(self, privileged: bool) -> str:
        return "  " + self.style("[privileged]", fg="red", bold=True) if privileged else ""


def render_text(d: Diff, *, color: bool = False) -> str:
    o = _Out(color)
    o.lines.append(o.style(f"A: {snapshot_line(d.a)}", bold=True))
    o.lines.append(o.style(f"B: {snapshot_line(d.b)}", bold=True))
    o.head("Summary")
    for line in summary_lines(d):
        o.lines.append("  " + line)
    if d.notes:
        o.head("Notes")
        for note in d.notes:
            o.item("!", note)
    if d.not_compared:
        o.head("Not compared")
        for nc in d.not_compared:
            o.item("?", f"{nc.section}: {nc.subject}: {nc.reason}")

    r = d.resources
    if r is not None and (r.added or r.removed or r.changed or r.moved or r.renamed):
        o.head("Resources")
        for x in r.added:
            o.item("+", x.id)
        for x in r.removed:
            o.item("-", x.id)
        for m in r.moved:
            o.item(">", f"{m.old_id}")
            o.lines.append(
                f"      moved {m.from_resource_group} -> {m.to_resource_group}: {m.new_id}"
            )
            o.fields(m.changes)
        for n in r.renamed:
            o.item("?", f"renamed? {n.old_id} -> {n.new_name}")
        for c in r.changed:
            o.item("~", c.id, extra=f"  ({c.ignored} ignored)" if c.ignored else "")
            o.fields(c.changes)

    b = d.rbac
    if b is not None and (b.added or b.removed or b.changed or b.definitions_changed):
        o.head("Role assignments")
        for sign, items in (("+", b.added), ("-", b.removed)):
            for a in items:
                o.item(
                    sign,
                    f"{a.role_name} for {a.principal_type} {who(a.principal_id, a.principal_name)}"
                    f" on {a.scope}",
                    extra=o.flag(a.privileged),
                )
                o.lines.append(f"      {a.id}")
        for ac in b.changed:
            o.item("~", f"{ac.role_name} on {ac.scope}", extra=o.flag(ac.privileged))
            o.lines.append(f"      {ac.id}")
            o.fields(ac.changes)
        for dc in b.definitions_changed:
            priv = dc.privileged_before or dc.privileged_after
            note = (
                ""
                if dc.privileged_before == dc.privileged_after
                else ("  (now privileged)" if dc.privileged_after else "  (no longer privileged)")
            )
            o.item("~", f"role definition {dc.role_name} ({dc.id}){note}", extra=o.flag(priv))
            o.fields(dc.changes)

    ci = d.cia
    if ci is not None and ci.changed:
        o.head("CIA tags")
        for cc in ci.changed:
            sign = _KIND_SIGN[cc.change]
            bad = "  " + o.style("[malformed]", fg="red") if cc.malformed else ""
            o.item(sign, cc.id, extra=bad)
            for label, v in (("before", cc.before), ("after", cc.after)):
                if v is None:
                    o.lines.append(f"      {label}: (no scad tag)")
                else:
                    groups = ",".join(v.groups) or "-"
                    o.lines.append(
                        f"      {label}: C={v.c} I={v.i} A={v.a} groups={groups}  [{v.raw}]"
                    )
            if cc.after is not None:
                for p in cc.after.problems:
                    o.lines.append(f"      problem: {p}")

    g = d.groups
    if g is not None and g.changed:
        o.head("Group membership")
        for gc in g.changed:
            o.item("~", f"group {who(gc.group_id, gc.group_name)}", extra=o.flag(gc.privileged))
            for role in gc.roles:
                o.lines.append(f"      holds {role}")
            for label, added, removed in (
                ("direct", gc.direct_added, gc.direct_removed),
                ("transitive", gc.transitive_added, gc.transitive_removed),
            ):
                for mem in added:
                    o.item("+", f"{label} {mem.type} {who(mem.id, mem.principal_name)}", 6)
                for mem in removed:
                    o.item("-", f"{label} {mem.type} {who(mem.id, mem.principal_name)}", 6)

    mg = d.mgmt
    if mg is not None and (mg.added or mg.removed or mg.moved or mg.changed):
        o.head("Management groups")
        for grp in mg.added:
            o.item("+", f"{grp.display_name or grp.name} ({grp.id}) under {grp.parent_id or '-'}")
        for grp in mg.removed:
            o.item("-", f"{grp.display_name or grp.name} ({grp.id})")
        for mv in mg.moved:
            o.item(
                ">",
                f"{mv.display_name} ({mv.id}): {mv.old_parent_id or '-'} -> {mv.new_parent_id or '-'}",
            )
        for ch in mg.changed:
            o.item("~", f"{ch.display_name} ({ch.id})")
            o.fields(ch.changes)

    if d.total("any") == 0:
        o.lines.append("")
        o.lines.append("No changes.")
    return "\n".join(o.lines) + "\n"
