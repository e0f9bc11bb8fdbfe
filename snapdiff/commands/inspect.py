"""``snapdiff snapshots`` and ``snapdiff show``: what a store holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import resumes
from .. import status as st
from ..read.principals import coverage as names_coverage
from ..read.principals import principal_names, role_holders
from ..snapshot import SnapshotView, snapshot_summary
from ..store import Store
from .common import open_ref, open_store, store_option


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def snapshots(store_path: Path | None, as_json: bool) -> None:
    """List the snapshots of a store.

    \b
    Example:
      snapdiff snapshots --store snapshots/demo.db
    """
    with open_store(store_path, readonly=True) as store:
        rows = store.snapshots()
        coverage = {s.id: _coverage(store, s.id, s.status) for s in rows}
    if as_json:
        click.echo(json.dumps([r.__dict__ | {"coverage": coverage[r.id]} for r in rows], indent=2))
        return
    click.echo(f"{'id':>4}  {'status':9} {'coverage':30} {'started (UTC)':20} {'tenant':38} label")
    for s in rows:
        click.echo(
            f"{s.id:>4}  {s.status:9} {coverage[s.id]:30} {s.started_at[:19]:20}"
            f" {s.tenant_id or '-':38} {s.label or ''}".rstrip()
        )


def _coverage(store: Store, snapshot_id: int, status: str) -> str:
    """``full``, ``limited: <sources>`` when something was forbidden, ``incomplete: <sources>``
    when a source failed or was cut off, ``-`` when it read nothing."""
    return st.coverage_summary(status, store.sources(snapshot_id))


@click.command()
@click.argument("snapshot", required=False)
@store_option
@click.option(
    "--principals", "list_principals", is_flag=True, help="List every role-holding principal."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (README.md).")
def show(
    snapshot: str | None, store_path: Path | None, as_json: bool, list_principals: bool
) -> None:
    """Show one snapshot with its scope, per-source status and principal-name coverage.

    SNAPSHOT is an id, a label, latest (default), latest~N, a date, or PATH.db:REF.

    \b
    Examples:
      snapdiff show latest
      snapdiff show snapshots/demo.db:week-0 --json
      snapdiff show latest --principals
    """
    store, sid = open_ref(store_path, snapshot)
    with store:
        if as_json:
            summary = snapshot_summary(store, sid)
        else:
            s = store.snapshot(sid)
            counts = store.counts(s.id)
            sources = store.sources(s.id)
            red = store.redactions(s.id)
            names = _principals(store, s.id, list_principals)
            resumed = resumes.describe(store, s.id)
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    click.echo(f"snapshot {s.id} ({s.uid}) {s.status}" + (f" label={s.label}" if s.label else ""))
    click.echo(f"  started {s.started_at}  finished {s.finished_at or '-'}")
    click.echo(f"  tenant {s.tenant_id or '-'}  cloud {s.cloud}  tool {s.tool_version}")
    click.echo(f"  scope {json.dumps(s.scope, sort_keys=True)}")
    click.echo(
        f"  {counts['requests']} requests, {counts['bodies']} distinct bodies, "
        f"{counts['error_responses']} error responses"
    )
    if s.error:
        click.echo(f"  error: {s.error}")
    for line in resumed:
        click.echo(line)
    # "full" only when every source answered; a cut-off or failed source is not "full"
    click.echo(f"  coverage {st.coverage_summary(s.status, sources).split(':')[0]}")
    click.echo(
        f"  {'source':18} {'status':12} {'pages':>6} {'requests':>9} {'errors':>7}  outcomes"
    )
    for src in sources:
        outcomes = ", ".join(f"{k} {v}" for k, v in (src["outcomes"] or {}).items())
        click.echo(
            f"  {src['name']:18} {src['status']:12} {src['pages']:>6} {src['requests']:>9}"
            f" {src['errors']:>7}  {outcomes}".rstrip()
        )
        if src["detail"]:
            click.echo(f"      {src['detail']}")
        for line in (src["coverage"] or "").splitlines():
            click.echo(f"      not visible: {line}")
    cut = sorted(x["name"] for x in sources if x["status"] == st.INTERRUPTED)
    if cut:
        click.echo(f"  interrupted: {', '.join(cut)} (cut off or never reached)")
    for line in names:
        click.echo(line)
    if red:
        click.echo(f"  {len(red)} values redacted (paths only):")
        for r in red[:10]:
            click.echo(f"      {r['reason']}: {r['path']}")


def _principals(store: Store, snapshot_id: int, listing: bool) -> list[str]:
    """How many role-holding principals the snapshot names, and optionally each of them."""
    view = SnapshotView(store, snapshot_id)
    held = role_holders(view)
    if not held:
        return []
    names = principal_names(view)
    named = sum(1 for pid in held if pid.lower() in names)
    out = [
        f"  principals: {named} of {len(held)} role holders named"
        f" (names from {names_coverage(view)})"
    ]
    if listing:
        for pid, ptype in held.items():
            n = names.get(pid.lower())
            out.append(f"      {ptype:16} {pid}  {n.label if n else '(no name)'}")
    return out


COMMANDS = [snapshots, show]
