"""``snapdiff diff`` and ``snapdiff history``: render what the library's differ returns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..diff.api import diff_snapshots, other_tenants
from ..diff.history import history as build_history
from ..diff.registry import Section, fail_on_sections, fail_on_values, get_section, section_names
from ..diff.render_json import render_json
from ..diff.render_markdown import render_markdown
from ..diff.render_text import render_text
from ..diff.textout import snapshot_line, value
from ..errors import SnapdiffError, SnapshotNotFound
from ..naming.noise import IGNORE_FILE, IgnoreSet, Rule, parse_rule, read_ignore_file
from ..snapshot import SnapshotView
from .common import (
    EXIT_CODE,
    format_option,
    one_store,
    open_ref,
    open_store,
    refuse_empty_ref,
    store_option,
    use_color,
)


def _rules(ignore: tuple[str, ...], ignore_file: Path | None) -> list[Rule]:
    rules: list[Rule] = []
    if ignore_file is not None:
        rules += read_ignore_file(ignore_file)
    elif Path(IGNORE_FILE).is_file():
        rules += read_ignore_file(IGNORE_FILE)
    rules += [parse_rule(r, origin="--ignore") for r in ignore]
    return rules


_F = TypeVar("_F", bound=Callable[..., Any])

_COMMON = [
    click.option(
        "--ignore",
        "ignore",
        multiple=True,
        metavar="RULE",
        help="Extra ignore rule '<type glob> <path glob>' (repeatable).",
    ),
    click.option(
        "--ignore-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Ignore file (default: ./{IGNORE_FILE} if present).",
    ),
    click.option(
        "--no-default-ignores",
        is_flag=True,
        help="Show volatile fields too (etag, provisioningState, ...).",
    ),
]


def _common(f: _F) -> _F:
    for opt in reversed(_COMMON):
        f = opt(f)
    return f


def _rule_section(value: str) -> Section[Any] | None:
    """The section of a ``<name>:<rule>`` value (``access:c>=8``) that accepts the rule."""
    name = value.split(":", 1)[0]
    if ":" not in value or name not in section_names():
        return None
    s = get_section(name)
    return s if s.valid_rule(value) else None


def _check_fail_on(values: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        if v not in fail_on_values() and _rule_section(v) is None:
            raise click.BadParameter(
                f"{v!r}: use one of {', '.join(fail_on_values())}, access:c>=8 or exposure:c>=8"
                " (c, i or a; >=, > or =; CIA values are 0..10)"
            )
    return values


@click.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@store_option
@format_option("text", "json", "markdown")
@click.option(
    "--section",
    "sections",
    multiple=True,
    type=click.Choice(section_names()),
    help="Limit to these sections (repeatable; default every section). A --fail-on value "
    "adds its section.",
)
@_common
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Full ARM ids and object ids, and every member of a group whose members changed "
    "alike (text and Markdown; JSON always has them).",
)
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    metavar="[" + "|".join(fail_on_values()) + "|access:c>=N|exposure:c>=N]",
    callback=lambda ctx, p, v: _check_fail_on(v),
    help="What counts as a change for exit code 1 (repeatable; default any). access:c>=8 "
    "(c, i or a; >=, >, =): an access change reaching a resource tagged so; exposure:c>=8 "
    "the same for an exposure change.",
)
@click.pass_context
def diff(
    ctx: click.Context,
    a: str | None,
    b: str | None,
    store_path: Path | None,
    fmt: str,
    sections: tuple[str, ...],
    ignore: tuple[str, ...],
    ignore_file: Path | None,
    no_default_ignores: bool,
    verbose: bool,
    fail_on: tuple[str, ...],
) -> None:
    """Show what changed from snapshot A to snapshot B.

    A and B: an id, a label, latest, latest~N, a date (last complete snapshot on or before it)
    or PATH.db:REF. Default: the two latest complete snapshots; with A alone, B is the latest
    complete one. Exit status: 0 no changes, 1 changes, 2 error. See docs/diff.md.

    \b
    Examples:
      snapdiff diff                                  # the two latest complete snapshots
      snapdiff diff 2026-11-23 latest --format markdown
      snapdiff diff week-0 snapshots/demo.db:latest --fail-on privileged
      snapdiff diff --section access --fail-on 'access:c>=8' -v
    """
    refuse_empty_ref(a, b)
    rules = _rules(ignore, ignore_file)
    thresholds = [r for r in fail_on if r not in fail_on_values()]
    added: dict[str, str] = {}  # section --fail-on needs but --section left out -> the value
    if sections:  # what --fail-on judges is computed (and shown) even if --section left it out
        for v in fail_on:
            for n in fail_on_sections(v):
                if n not in sections:
                    added.setdefault(n, v)
        sections = (*sections, *added)
    try:
        store_a, id_a = open_ref(store_path, a or "latest~1", complete_only=a is None)
    except SnapshotNotFound as e:
        if a is not None:
            raise
        raise SnapshotNotFound(
            f"nothing to compare: the default diff takes the two latest complete snapshots ({e});"
            " name two: snapdiff diff A B"
        ) from None
    store_b, id_b = open_ref(store_path, b or "latest", complete_only=b is None)
    store_b = one_store(store_a, store_b)
    try:
        view_a, view_b = SnapshotView(store_a, id_a), SnapshotView(store_b, id_b)
        if (a is None or b is None) and other_tenants(view_a, view_b):
            raise SnapdiffError(
                f"the default diff would compare two tenants (A #{id_a}: {view_a.meta.tenant_id},"
                f" B #{id_b}: {view_b.meta.tenant_id}); name both snapshots: snapdiff diff A B"
            )
        result = diff_snapshots(
            view_a,
            view_b,
            ignore=rules,
            default_ignores=not no_default_ignores,
            sections=sections or None,
        )
        paths: list[str] = []
        if fmt == "markdown":  # the report's path graphs, as Mermaid blocks
            from ..access.query import Access
            from ..report.mermaid import diff_paths_markdown

            access_b = Access.of(view_b) if "access" in result.results else None  # cached
            paths = diff_paths_markdown(result, access_b)
    finally:
        store_a.close()
        store_b.close()
    result.notes += [
        f"section {n} computed for --fail-on {v} (not among --section)" for n, v in added.items()
    ]
    plain = [r for r in fail_on if r not in thresholds]
    changed = bool(plain or not fail_on) and result.has_changes(plain or ("any",))
    for r in thresholds:
        s = _rule_section(r)
        if s is not None and s.fails(result.results[s.name], r):
            changed = True
    code = 1 if changed else 0
    ctx.meta[EXIT_CODE] = code  # kept if the reader of stdout goes away early
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(
            render_markdown(result, verbose=verbose) + "".join(line + "\n" for line in paths),
            nl=False,
        )
    else:
        color = use_color()
        click.echo(render_text(result, color=color, verbose=verbose), nl=False, color=color)
    ctx.exit(code)


@click.command("history")
@click.argument("ident", metavar="ID")
@store_option
@format_option("text", "json")
@_common
def history(
    ident: str,
    store_path: Path | None,
    fmt: str,
    ignore: tuple[str, ...],
    ignore_file: Path | None,
    no_default_ignores: bool,
) -> None:
    """How one resource (ARM id), role assignment id, group id or management group id changed
    across every snapshot in the store.

    \b
    Example:
      snapdiff history /subscriptions/3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71/resourceGroups/rg-app-prod/providers/Microsoft.Storage/storageAccounts/stfabprodapp01
    """
    if not ident.strip():
        raise SnapdiffError("give an ID: an ARM resource id, role assignment id or group id")
    ignores = IgnoreSet(_rules(ignore, ignore_file), defaults=not no_default_ignores)
    store = open_store(store_path, readonly=True)
    try:
        h = build_history(store, ident, ignores)
    finally:
        store.close()
    if not h.entries:
        raise SnapdiffError(f"no finished snapshot in {store.path}")
    if not h.seen:
        unknown = sum(e.event == "unknown" for e in h.entries)
        raise SnapdiffError(
            f"{ident} was never seen in the {len(h.entries)} finished snapshots of {store.path}"
            + (f" ({unknown} could not tell: their listing was not readable)" if unknown else "")
        )
    if fmt == "json":
        click.echo(json.dumps(h.to_dict(), indent=2, sort_keys=True))
        return
    color = use_color()
    lines = [f"history of {h.id} ({h.kind.replace('_', ' ')})"]
    own = h.principal_names.get(h.id.strip().lower())
    if own:
        lines[0] += f" [{own}]"
    if h.kind == "role_assignment":
        lines += [f"  principal {pid} [{n}]" for pid, n in h.principal_names.items()]
    for e in h.entries:
        why = f": {e.reason}" if e.reason else ""
        now_id = f"  (now {e.id})" if e.id else ""
        lines.append(f"{snapshot_line(e.snapshot)}  {e.event}{why}{now_id}")
        for ch in e.changes:
            sign = {"added": "+", "removed": "-", "changed": "~"}[ch.kind]
            old, new = value(ch.old), value(ch.new)
            text = new if ch.kind == "added" else old if ch.kind == "removed" else f"{old} -> {new}"
            named = h.principal_names.get(str(ch.new if ch.kind == "added" else ch.old).lower())
            if named and h.kind == "group":
                text += f" [{named}]"
            lines.append(f"    {sign} {ch.path}: {text}")
    click.echo("\n".join(lines), color=color)


COMMANDS = [diff, history]
