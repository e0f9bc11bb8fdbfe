"""``snapdiff raw``: the stored HTTP exchanges of a snapshot, bodies decoded."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import SnapdiffError
from ..exchanges import decoded_body, exchanges
from .common import open_ref, store_option


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB"


@click.command("raw")
@click.argument("snapshot", metavar="REF")
@store_option
@click.option("--source", metavar="S", help="Only this source (resourcegraph, authorization, ...).")
@click.option("--url", "url_glob", metavar="GLOB", help="Only URLs matching this glob (any case).")
@click.option("--status", type=int, metavar="N", help="Only this HTTP status.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array: exchanges with bodies.")
def raw(
    snapshot: str,
    store_path: Path | None,
    source: str | None,
    url_glob: str | None,
    status: int | None,
    as_json: bool,
) -> None:
    """Print the stored exchanges of snapshot REF, bodies decoded (never base64 or zstd).

    With no filter: a table of every exchange (URL, status, attempt, size, outcome). With
    --source, --url or --status: each matching exchange and its decoded JSON body. Secrets
    were redacted before they were stored.

    \b
    Examples:
      snapdiff raw week-1                            # the table
      snapdiff raw week-1 --source authorization --url '*roleAssignments*'
      snapdiff raw week-1 --source principals --json
    """
    store, sid = open_ref(store_path, snapshot)
    try:
        found = exchanges(store, sid, source=source, url=url_glob, status=status)
        filtered = source is not None or url_glob is not None or status is not None
        if filtered and not found:
            raise SnapdiffError(f"no exchange of snapshot #{sid} matches")
        if as_json:
            doc = [e.to_dict(decoded_body(store, e)) for e in found]
            click.echo(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True))
        elif not filtered:
            click.echo(f"{'status':>6}  {'try':>3}  {'size':>9}  {'outcome':<14} url")
            for e in found:
                st = str(e.status) if e.status is not None else "-"
                outcome = e.outcome + (f" ({e.error[:40]})" if e.error else "")
                click.echo(
                    f"{st:>6}  {e.attempt:>3}  {_size(e.size):>9}  {outcome:<14} {e.method} {e.url}"
                )
            click.echo(f"{len(found)} exchanges (filter with --source, --url, --status)")
        else:
            for e in found:
                st = str(e.status) if e.status is not None else "no answer"
                click.echo(
                    f"## {e.method} {e.url} -> {st} (attempt {e.attempt}, {e.call or e.source}"
                    f" {e.outcome}{', ' + e.error if e.error else ''})"
                )
                body = decoded_body(store, e)
                if body is not None:
                    text = (
                        body
                        if isinstance(body, str)
                        else json.dumps(body, indent=2, ensure_ascii=False)
                    )
                    click.echo(text)
    finally:
        store.close()


COMMANDS = [raw]
