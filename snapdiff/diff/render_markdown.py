"""Markdown rendering, for a ticket or a pull request."""

from __future__ import annotations

from .model import CiaValue, Diff, FieldChange
from .render_text import snapshot_line, summary_lines, value


def _code(s: str) -> str:
    return "`" + s.replace("`", "'") + "`"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _fields(changes: list[FieldChange]) -> list[str]:
    out = ["", "| field | change | before | after |", "|---|---|---|---|"]
    for ch in changes:
        old = _code(value(ch.old, 100)) if ch.kind != "added" else ""
        new = _code(value(ch.new, 100)) if ch.kind != "removed" else ""
        out.append(f"| {_cell(_code(ch.path))} | {ch.kind} | {_cell(old)} | {_cell(new)} |")
    out.append("")
    return out


def _who(principal_id: str, name: str | None) -> str:
    return f"`{principal_id}` {_cell(name)}" if name else f"`{principal_id}`"


def _cia(v: CiaValue | None) -> str:
    if v is None:
        return "-"
    return f"C={v.c} I={v.i} A={v.a} groups={','.join(v.groups) or '-'}"


def render_markdown(d: Diff) -> str:
    L: list[str] = [
        "# snapdiff",
        "",
        f"- **A**: {snapshot_line(d.a)}",
        f"- **B**: {snapshot_line(d.b)}",
        "",
        "## Summary",
        "",
    ]
    L += [f"- {line}" for line in summary_lines(d)]
    if d.notes:
        L += ["", "## Notes", ""] + [f"- {n}" for n in d.notes]
    if d.not_compared:
        L += ["", "## Not compared", "", "| section | what | why |", "|---|---|---|"]
        L += [f"| {n.section} | {_cell(n.subject)} | {_cell(n.reason)} |" for n in d.not_compared]

    r = d.resources
    if r is not None and (r.added or r.removed or r.changed or r.moved or r.renamed):
        L += ["", "## Resources", ""]
        L += [f"- **added** {_code(x.id)}" for x in r.added]
        L += [f"- **removed** {_code(x.id)}" for x in r.removed]
        for m in r.moved:
            L.append(
                f"- **moved** {_code(m.old_id)} from `{m.from_resource_group}` to "
                f"`{m.to_resource_group}`: {_code(m.new_id)}"
            )
            if m.changes:
                L += _fields(m.changes)
        L += [f"- **renamed?** {_code(n.old_id)} to `{n.new_name}`" for n in r.renamed]
        for c in r.changed:
            ign = f" ({c.ignored} ignored)" if c.ignored else ""
            L.append(f"- **changed** {_code(c.id)}{ign}")
            L += _fields(c.changes)

    b = d.rbac
    if b is not None and (b.added or b.removed or b.changed or b.definitions_changed):
        L += [
            "",
            "## Role assignments",
            "",
            "| change | role | principal | scope | privileged |",
            "|---|---|---|---|---|",
        ]
        for kind, items in (("added", b.added), ("removed", b.removed)):
            for a in items:
                L.append(
                    f"| {kind} | {_cell(a.role_name)} | {a.principal_type} "
                    f"{_who(a.principal_id, a.principal_name)} | "
                    f"{_code(a.scope)} | {'**yes**' if a.privileged else 'no'} |"
                )
        for ac in b.changed:
            what = "; ".join(f"{f.path}: {value(f.old)} -> {value(f.new)}" for f in ac.changes)
            L.append(
                f"| changed ({_cell(what)}) | {_cell(ac.role_name)} | | {_code(ac.scope)} | "
                f"{'**yes**' if ac.privileged else 'no'} |"
            )
        for dc in b.definitions_changed:
            priv = dc.privileged_before or dc.privileged_after
            L += [
                "",
                f"- **role definition changed** {dc.role_name} (`{dc.id}`)"
                + (" **privileged**" if priv else ""),
            ]
            L += _fields(dc.changes)

    ci = d.cia
    if ci is not None and ci.changed:
        L += [
            "",
            "## CIA tags",
            "",
            "| resource | change | before | after | problems |",
            "|---|---|---|---|---|",
        ]
        for cc in ci.changed:
            probs = "; ".join(cc.after.problems) if cc.after else ""
            L.append(
                f"| {_code(cc.id)} | {cc.change} | {_cia(cc.before)} | {_cia(cc.after)} | {_cell(probs)} |"
            )

    g = d.groups
    if g is not None and g.changed:
        L += ["", "## Group membership", ""]
        for gc in g.changed:
            L.append(
                f"- group {_who(gc.group_id, gc.group_name)}"
                + (" **privileged**" if gc.privileged else "")
            )
            L += [f"  - holds {role}" for role in gc.roles]
            for label, added, removed in (
                ("direct", gc.direct_added, gc.direct_removed),
                ("transitive", gc.transitive_added, gc.transitive_removed),
            ):
                L += [
                    f"  - {label} member added: {m.type} {_who(m.id, m.principal_name)}"
                    for m in added
                ]
                L += [
                    f"  - {label} member removed: {m.type} {_who(m.id, m.principal_name)}"
                    for m in removed
                ]

    mg = d.mgmt
    if mg is not None and (mg.added or mg.removed or mg.moved or mg.changed):
        L += ["", "## Management groups", ""]
        L += [f"- **added** {x.display_name or x.name} (`{x.id}`)" for x in mg.added]
        L += [f"- **removed** {x.display_name or x.name} (`{x.id}`)" for x in mg.removed]
        L += [
            f"- **moved** {mv.display_name} (`{mv.id}`): `{mv.old_parent_id}` to `{mv.new_parent_id}`"
            for mv in mg.moved
        ]
        for ch in mg.changed:
            L.append(f"- **changed** {ch.display_name} (`{ch.id}`)")
            L += _fields(ch.changes)
    if d.total("any") == 0:
        L += ["", "No changes."]
    return "\n".join(L).rstrip("\n") + "\n"
