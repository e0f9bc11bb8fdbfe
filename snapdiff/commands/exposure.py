"""``snapdiff exposure``: what in one snapshot is reachable from the Internet, and how."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import SnapdiffError
from ..exposure.query import compute, select
from ..exposure.render import render_report, to_json
from ..snapshot import SnapshotView
from .common import format_option, open_ref, store_option


@click.command("exposure")
@click.argument("snapshot", required=False)
@store_option
@click.option("--resource", "resource", metavar="ID", help="Only this resource (ARM id).")
@click.option(
    "--min-c", type=click.IntRange(0, 10), default=0, help="Only resources tagged C >= N."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Only openings of this port."
)
@format_option("text", "json", "markdown")
@click.option("-v", "--verbose", is_flag=True, help="Full ids and every hop of each path.")
def exposure(
    snapshot: str | None,
    store_path: Path | None,
    resource: str | None,
    min_c: int,
    port: int | None,
    fmt: str,
    verbose: bool,
) -> None:
    """Internet exposure in SNAPSHOT (default latest): VMs and scale sets a public IP or a
    public load balancer reaches through every NSG on the way, and PaaS endpoints open to
    the Internet (storage, Key Vault, SQL and database servers, Cosmos DB, App Service, AKS
    API server), each with its path, sorted by CIA value. See docs/exposure.md.

    \b
    Examples:
      snapdiff exposure --store snapshots/demo.db
      snapdiff exposure week-1 --store snapshots/demo.db --port 22
      snapdiff exposure --store snapshots/demo.db --min-c 8 --format markdown
    """
    if resource is not None and not resource.strip():
        raise SnapdiffError("--resource is empty: give a resource id")
    store, sid = open_ref(store_path, snapshot)
    try:
        view = SnapshotView(store, sid)
        if resource and resource.strip().lower().rstrip("/") not in view.resources():
            raise SnapdiffError(f"no resource {resource} in snapshot #{sid}")
        report = compute(view)
    finally:
        store.close()
    report = select(report, resource=resource, min_c=min_c, port=port)
    if fmt == "json":
        click.echo(to_json(report), nl=False)
    else:
        click.echo(render_report(report, md=fmt == "markdown", verbose=verbose), nl=False)


COMMANDS = [exposure]
