"""``snapdiff report``: the weekly diff (or one snapshot) as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import SnapdiffError, SnapshotNotFound
from ..snapshot import SnapshotView
from .common import one_store, open_ref, store_option


def _our_page(path: Path) -> bool:
    """Whether ``path`` is a page this command wrote (so rewriting it loses nothing)."""
    from ..report.page import GENERATOR

    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">'.encode() in head


@click.command("report")
@click.argument("a", required=False)
@click.argument("b", required=False)
@store_option
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write (one file: CSS, script and pictures inline).",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT even if it is not a snapdiff report.")
def report(
    a: str | None, b: str | None, store_path: Path | None, output: Path, force: bool
) -> None:
    """Write the diff of A and B as one HTML page that opens offline: a summary by section
    with the highest CIA values touched, coverage notes, filterable tables, path pictures for
    access gained on C>=8 resources, and the week-by-week trend when the store holds more
    than two snapshots.

    A and B as for `snapdiff diff`; with neither, the two latest complete snapshots (or the
    overview of the only one). With one SNAPSHOT: its overview (inventory by type, privileged
    principals, exposure).

    \b
    Examples:
      snapdiff report -o demo.html                   # the two latest complete snapshots
      snapdiff report week-0 week-1 -o weekly.html
      snapdiff report week-1 -o week-1.html               # one snapshot's overview
    """
    from ..report import diff_report, snapshot_report

    if output.exists() and not force and not _our_page(output):
        raise SnapdiffError(
            f"{output} exists and is not a snapdiff report; give --force to overwrite it"
        )
    if output.parent and not output.parent.is_dir():
        raise SnapdiffError(f"no folder {output.parent} for {output.name}")
    single = a is not None and b is None
    if a is None:
        try:
            store_a, id_a = open_ref(store_path, "latest~1", complete_only=True)
            store_a.close()
        except SnapshotNotFound:
            single = True  # one snapshot (or none: the overview below says which)
    if single:
        store, sid = open_ref(store_path, a or "latest", complete_only=a is None, fallback=True)
        try:
            page = snapshot_report(SnapshotView(store, sid))
        finally:
            store.close()
    else:
        store_a, id_a = open_ref(store_path, a or "latest~1", complete_only=a is None)
        store_b, id_b = open_ref(store_path, b or "latest", complete_only=b is None)
        store_b = one_store(store_a, store_b)
        try:
            page = diff_report(
                SnapshotView(store_a, id_a), SnapshotView(store_b, id_b), trend_store=store_b
            )
        finally:
            store_a.close()
            store_b.close()
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(output)
    click.echo(f"wrote {output} ({len(page.encode()) // 1024} KiB)", err=True)


COMMANDS = [report]
