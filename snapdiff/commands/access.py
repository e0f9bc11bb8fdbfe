"""``snapdiff access``: effective access in one snapshot, by resource or by principal."""

from __future__ import annotations

from pathlib import Path

import click

from ..access.query import Access
from ..access.render import render_report, to_json
from ..errors import SnapdiffError
from ..snapshot import SnapshotView
from .common import format_option, open_ref, store_option


@click.command("access")
@click.argument("snapshot", required=False)
@store_option
@click.option(
    "--resource", "resource", metavar="ID", help="Who can do what on this resource, and how."
)
@click.option(
    "--principal", "principal", metavar="ID|UPN|NAME", help="What this principal can reach."
)
@click.option(
    "--min-c", type=click.IntRange(0, 10), default=0, help="Only resources tagged C >= N."
)
@click.option(
    "--min-i", type=click.IntRange(0, 10), default=0, help="Only resources tagged I >= N."
)
@click.option(
    "--min-a", type=click.IntRange(0, 10), default=0, help="Only resources tagged A >= N."
)
@format_option(
    "text",
    "json",
    "markdown",
    "mermaid",
    help="mermaid: the Markdown report with its paths (principal → group → role at a scope → "
    "resource) as a Mermaid graph.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Full ARM and object ids, and every member of a group listed as one entry.",
)
def access(
    snapshot: str | None,
    store_path: Path | None,
    resource: str | None,
    principal: str | None,
    min_c: int,
    min_i: int,
    min_a: int,
    fmt: str,
    verbose: bool,
) -> None:
    """Effective access in SNAPSHOT (default latest): role assignments expanded through nested
    groups and inherited scopes, notActions and deny assignments honoured, PIM-eligible access
    shown apart. Without --resource or --principal: every privileged holder of every resource.

    \b
    Examples:
      snapdiff access --resource /subscriptions/3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-fab-prod-app
      snapdiff access week-1 --principal eve.contractor@fabrikamdemo.onmicrosoft.com --min-c 8
      snapdiff access --min-c 9 --format markdown
      snapdiff access --principal "Eve Contractor" --min-c 8 --format mermaid
    """
    if resource and principal:
        raise SnapdiffError("give --resource or --principal, not both")
    for option, value, wanted in (
        ("--resource", resource, "a resource id"),
        ("--principal", principal, "an id, UPN or name"),
    ):
        if value is not None and not value.strip():  # else it would list everything
            raise SnapdiffError(f"{option} is empty: give {wanted}")
    if fmt == "mermaid" and not (resource or principal):
        raise SnapdiffError(
            "--format mermaid draws one query's paths: give --resource or --principal"
        )
    mins = (min_c, min_i, min_a)
    store, sid = open_ref(store_path, snapshot)
    try:
        x = Access.of(SnapshotView(store, sid))
        if resource:
            report = x.resource(resource)
        elif principal:
            report = x.principal(principal, mins)
        else:
            report = x.overview(mins)
    finally:
        store.close()
    if fmt == "json":
        click.echo(to_json(report), nl=False)
    elif fmt == "mermaid":
        from ..report.mermaid import access_report_markdown

        click.echo(access_report_markdown(report, render_report(report, md=True)), nl=False)
    else:
        click.echo(render_report(report, md=fmt == "markdown", verbose=verbose), nl=False)


COMMANDS = [access]
