"""``snapdiff demo``: collect → build → diff on the bundled fake tenant, no Azure account."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..securicad import build, write_files
from ..snapshot import SnapshotView
from .common import use_color


@click.command()
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("snapshots/demo.db"),
    show_default=True,
    help="Demo store: a new file, or one an earlier demo made (rebuilt each run).",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="Where the securiCAD files go.",
)
def demo(store_path: Path, output_dir: Path) -> None:
    """Run the whole workflow offline on the bundled demo tenant.

    Imports two weekly snapshots of a fake tenant (bundles shipped in the package, recorded
    through the real collector) into a fresh store, builds the securiCAD files of the second
    week, and prints what changed between the two weeks.

    \b
    Example:
      snapdiff demo && snapdiff snapshots --store snapshots/demo.db
    """
    from ..demo import load_demo
    from ..diff.api import diff_snapshots
    from ..diff.render_text import render_text

    run = load_demo(store_path)
    click.echo(
        f"imported snapshots {run.week0} (week-0, {run.statuses[0]}) and "
        f"{run.week1} (week-1, {run.statuses[1]}) into {store_path}",
        err=True,
    )
    with run.store:
        result = build(SnapshotView(run.store, run.week1))
        d = diff_snapshots(SnapshotView(run.store, run.week0), SnapshotView(run.store, run.week1))
    for path in write_files(result, output_dir, force=True):  # the demo owns this folder
        click.echo(f"built {path}", err=True)
    click.echo(
        f"{len(result.warnings)} build warnings (see `snapdiff build week-1 --store {store_path}`)",
        err=True,
    )
    color = use_color()
    click.echo(render_text(d, color=color), color=color)
    click.echo(next_steps(store_path, click.get_current_context().find_root().command))


DEMO_USER = "eve.contractor@fabrikamdemo.onmicrosoft.com"  # gains Owner in week 1


def next_steps(store_path: Path, root: click.Command) -> str:
    """What to paste next, against the demo store (commands this build has, only)."""
    have = set(getattr(root, "commands", {}))
    lines = [
        f"export SNAPDIFF_STORE={shlex.quote(str(store_path))}",
        "snapdiff diff                       # week-0 against week-1, as above",
        "snapdiff report -o demo.html        # the same as one HTML page (open it in a browser)",
        f"snapdiff access --principal {DEMO_USER} --min-c 8",
    ]
    if "exposure" in have:
        lines.append("snapdiff exposure")
    return "\nNext, paste:\n" + "\n".join(f"  {line}" for line in lines)


COMMANDS = [demo]
