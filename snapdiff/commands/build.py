"""``snapdiff build``: regenerate the securiCAD files from a stored snapshot, offline."""

from __future__ import annotations

from pathlib import Path

import click

from ..securicad import build as run_build
from ..securicad import write_files
from ..snapshot import SnapshotView
from ..status import SnapshotStatus
from .common import open_ref, store_option


@click.command()
@click.argument("snapshot", required=False)
@store_option
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to write the files.",
)
@click.option(
    "--bug-compatible",
    is_flag=True,
    help="Reproduce the old collector's field values (docs/compatibility.md).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse a partial snapshot, a failed, cut-off or never-reached source, and incomplete "
    "coverage (anything forbidden).",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not list warnings.")
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite files of the same name built from another snapshot (same minute).",
)
def build(
    snapshot: str | None,
    store_path: Path | None,
    output_dir: Path,
    bug_compatible: bool,
    strict: bool,
    quiet: bool,
    force: bool,
) -> None:
    """Write active_directory_<time>.json (and application_insights_<time>.json) for SNAPSHOT.

    SNAPSHOT is an id, a label, latest, latest~N, a date, or PATH.db:REF; default the latest
    complete snapshot. No network is used; the file names carry the snapshot's own time (to
    the minute). A file built from another snapshot taken in the same minute is not
    overwritten without --force.

    \b
    Example:
      snapdiff build latest -o out/
    """
    store, sid = open_ref(store_path, snapshot, complete_only=snapshot is None, fallback=True)
    with store:
        view = SnapshotView(store, sid)
        if snapshot is None and view.meta.status != SnapshotStatus.COMPLETE:
            click.echo(f"no complete snapshot; building the latest one ({sid})", err=True)
        result = run_build(view, bug_compatible=bug_compatible, strict=strict)
    for path in write_files(result, output_dir, force=force):
        click.echo(str(path))
    if result.warnings and not quiet:
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
    if result.incomplete or result.status != SnapshotStatus.COMPLETE:
        missing = ", ".join(f"{k} {view.describe_source(k)}" for k in sorted(result.incomplete))
        click.echo(
            f"snapshot {sid} is {result.status}; built what it holds."
            + (f" Missing: {missing}" if missing else ""),
            err=True,
        )
    if result.coverage:
        click.echo(
            f"coverage: not visible to the collecting identity: {', '.join(sorted(result.coverage))}"
            " (see warnings)",
            err=True,
        )


COMMANDS = [build]
