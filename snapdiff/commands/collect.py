"""``snapdiff collect``: capture a snapshot from Azure (or any ARM-compatible endpoint)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from .. import logs
from .. import status as st
from ..errors import SnapdiffError, StoreError
from ..maintenance import write_row_index
from .common import open_store, store_option, terminal

log = logging.getLogger(__name__)


@click.command()
@store_option
@click.option("--label", help="Name the snapshot (e.g. week-47).")
@click.option("--move", is_flag=True, help="Take --label from the snapshot that has it now.")
@click.option(
    "--subscriptions",
    "subs",
    help="Comma list or JSON list; default $AZURE_SUBSCRIPTION_ID, empty = all visible.",
)
@click.option(
    "--resource-groups",
    "rgs",
    help="Comma list or JSON list; default $AZURE_RESOURCE_GROUP_NAMES, empty = all.",
)
@click.option(
    "--app-insights-interval",
    "interval",
    help="START/END; default $APP_INSIGHTS_INTERVAL or the last 90 days.",
)
@click.option(
    "--cloud",
    default="AzureCloud",
    show_default=True,
    type=click.Choice(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud", "custom"]),
)
@click.option("--arm-endpoint", help="Resource Manager URL (Azure Stack Hub, isolated clouds).")
@click.option("--graph-endpoint", help="Microsoft Graph URL.")
@click.option(
    "--authority",
    envvar="AZURE_AUTHORITY_HOST",
    help="Entra ID authority host; default $AZURE_AUTHORITY_HOST or the cloud's.",
)
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests in flight at most (ARM and Graph).",
)
@click.option(
    "--no-batch",
    is_flag=True,
    help="Send per-resource GETs one by one instead of through ARM's /batch (20 a request).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also exit 1 when the snapshot is complete but coverage is not (something forbidden).",
)
@click.option(
    "--connect-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to connect, per attempt.",
)
@click.option(
    "--read-timeout",
    default=20.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait for a response byte, per attempt.",
)
@click.option(
    "--retry-budget",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Minutes one fetch may keep honouring Retry-After (429/503) before it is failed.",
)
@click.option(
    "--watchdog",
    default=35 / 60,
    show_default="0.58 = 35 s",
    type=click.FloatRange(min=0),
    help="Stop when no answer came from Azure for this many minutes (0: never); a line says"
    " what the run waits on after 15 s of silence.",
)
@click.option(
    "--unreachable-after",
    default=25,
    show_default=True,
    type=click.IntRange(min=1),
    help="Stop after this many attempts in a row got no answer at all.",
)
@click.option("-v", "--verbose", count=True, help="More progress detail.")
@click.option("-q", "--quiet", is_flag=True, help="Only the final summary line.")
def collect(
    store_path: Path | None,
    label: str | None,
    move: bool,
    subs: str | None,
    rgs: str | None,
    interval: str | None,
    cloud: str,
    arm_endpoint: str | None,
    graph_endpoint: str | None,
    authority: str | None,
    concurrency: int,
    no_batch: bool,
    strict: bool,
    connect_timeout: float,
    read_timeout: float,
    retry_budget: float,
    watchdog: float,
    unreachable_after: int,
    verbose: int,
    quiet: bool,
) -> None:
    """Collect a new snapshot: every raw ARM, Resource Graph, Graph and App Insights response.

    Authenticates with DefaultAzureCredential (AZURE_TENANT_ID / AZURE_CLIENT_ID /
    AZURE_CLIENT_SECRET, a managed identity, or an Azure CLI login). A source that is
    forbidden or fails is recorded as such and the run goes on. The snapshot is complete when
    every fetch got a definitive answer (forbidden included: one warning line per forbidden
    area names the permission). Exit 0 complete, 1 partial (something failed or was cut off;
    with --strict also when coverage is incomplete), 2 error or failed.
    Throttling (429/503) is waited out within --retry-budget per fetch; the run stops with one
    line when Azure is unreachable (--unreachable-after), when nothing answers for --watchdog
    minutes, or when the disk is full. Ctrl-C, SIGTERM and SIGHUP end the snapshot partial.

    \b
    Example:
      AZURE_SUBSCRIPTION_ID=1111...,2222... snapdiff collect --label week-47
    """
    from ..collect import CollectOptions
    from ..collect.clouds import resolve_cloud
    from ..collect.collector import Collector, Interrupted
    from ..collect.credentials import check_credential, make_credential
    from ..collect.progress import SourceProgress
    from ..collect.progress import render as render_progress
    from ..collect.scope import Scope
    from ..maintenance import check_label

    if verbose > logs.verbosity():  # `collect -vv` is `snapdiff -vv collect`
        logs.configure(verbose)
    if label is not None:
        label = check_label(label)
        if not move:
            _refuse_taken_label(store_path, label)  # before anything is fetched
    try:
        the_cloud = resolve_cloud(
            cloud, arm=arm_endpoint, graph=graph_endpoint, authority=authority
        )
        scope = Scope.from_env(subs, rgs, interval)
    except ValueError as e:
        raise SnapdiffError(str(e)) from None

    tty = not quiet and terminal(sys.stderr)  # TERM=dumb: plain lines
    live_width = max(20, shutil.get_terminal_size().columns - 1)

    def progress(msg: str) -> None:
        if not quiet:
            click.echo(("\r\x1b[K" if tty else "") + msg, err=True)

    def detail(msg: str) -> None:
        if verbose and not quiet:
            click.echo(("\r\x1b[K" if tty else "") + f"  {msg}", err=True)

    def live(stats: dict[str, SourceProgress]) -> None:  # one redrawn line on a terminal
        click.echo("\r\x1b[K" + render_progress(stats, live_width), err=True, nl=False)

    credential = make_credential(the_cloud)
    check_credential(credential, the_cloud)  # before the store is created or opened
    with open_store(store_path, create=True) as store:
        collector = Collector(
            store,
            credential,
            CollectOptions(
                cloud=the_cloud,
                scope=scope,
                label=label,
                concurrency=concurrency,
                tenant_id=os.environ.get("AZURE_TENANT_ID"),
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                fetch_budget=retry_budget * 60,
                watchdog=watchdog * 60,
                max_transport_failures=unreachable_after,
                batch=not no_batch,
                progress=progress,
                detail=detail,
                live=live if tty else None,
            ),
        )
        try:
            result = collector.run()
        except KeyboardInterrupt as e:
            signum = e.signum if isinstance(e, Interrupted) else signal.SIGINT
            sid = getattr(collector, "sid", None)
            what = f"; snapshot {sid} is partial" if sid is not None else ""
            click.echo(f"snapdiff: interrupted ({signal.Signals(signum).name}){what}", err=True)
            sys.exit(128 + signum)
        if tty:
            click.echo("\r\x1b[K", err=True, nl=False)
        if result.error:
            click.echo(f"snapdiff: collection stopped: {result.error}", err=True)
        counts = store.counts(result.snapshot_id)
        if result.status != "failed" and not result.error:
            # So that diffs parse only changed rows; derived data, so a failure here (a full
            # disk, a damaged page) leaves the snapshot as it is and diffs read it in full.
            try:
                write_row_index(store, result.snapshot_id)
            except StoreError as e:
                log.warning("snapshot %d has no row index: %s", result.snapshot_id, e)
    _summarize(result, counts, strict)


def _summarize(result: Any, counts: Mapping[str, int], strict: bool) -> None:
    """The summary line, one line per source that is not ok, the coverage warnings, and the
    exit status (1 partial, or limited coverage with --strict; 2 failed)."""
    pages = sum(s["pages"] for s in result.sources)
    errors = sum(s["errors"] for s in result.sources)
    click.echo(
        f"snapshot {result.snapshot_id} {result.status}: {len(result.sources)} sources, {pages} pages, "
        f"{counts['requests']} requests, {errors} errors, {result.seconds:.1f}s"
    )
    never = [s["name"] for s in result.sources if _never_reached(s)]
    for s in result.sources:
        if s["status"] not in (st.OK, st.FORBIDDEN) and s["name"] not in never:
            click.echo(f"  {s['name']}: {s['status']}: {s['detail'] or ''}", err=True)
    if never:  # one line, not the stop reason repeated per source
        click.echo(f"  never reached: {', '.join(never)}", err=True)
    coverage = st.coverage_of(result.sources)
    for name, note in sorted(coverage.items()):
        for line in note.splitlines():
            click.echo(f"warning: {name}: {line}", err=True)
    if result.status != st.COMPLETE:
        raise SystemExit(1 if result.status == st.PARTIAL else 2)
    if strict and coverage:
        click.echo(f"--strict: coverage incomplete ({', '.join(sorted(coverage))})", err=True)
        raise SystemExit(1)


def _refuse_taken_label(store_path: Path | None, label: str) -> None:
    from ..maintenance import refuse_taken_label
    from ..store import default_store_path

    path = store_path or default_store_path()
    if path.is_file() and path.stat().st_size:  # a new store holds no label yet
        with open_store(path, readonly=True) as store:
            refuse_taken_label(store, label, None)


def _never_reached(source: Mapping[str, Any]) -> bool:
    """A source the run stopped before (its detail only repeats the stop reason)."""
    return source["status"] == st.INTERRUPTED and (source["detail"] or "").startswith(
        "never reached:"
    )


COMMANDS = [collect]
