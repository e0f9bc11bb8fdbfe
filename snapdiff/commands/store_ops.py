"""Store operations: export, import, verify, prune, label, index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..bundle import (
    bundle_signer,
    check_bundle,
    check_writable,
    export_snapshot,
    import_snapshot,
    is_bundle,
    refuse_store_target,
    verify,
)
from ..errors import SnapdiffError, StoreError
from ..maintenance import (
    check_label,
    index_missing,
    index_snapshot,
    label,
    parse_duration,
    prune,
    refuse_taken_label,
    write_row_index,
)
from ..refs import resolve, split_ref
from ..rowindex import drop_index
from ..signing import load_private_key, trusted_keys
from ..store import Store, default_store_path
from .common import open_ref, open_store, refuse_empty_ref, store_option


def _bundle_target(value: str) -> Path:
    """``-o FILE`` for export: a file name in a folder that exists. Export never creates
    folders: a missing one is often a USB stick that is not mounted, and the bundle would land on
    the local disk instead."""
    if not value.strip():
        raise click.BadParameter("an empty file name: give the bundle file to write")
    path = Path(value)
    if value.endswith(("/", "\\")) or path.is_dir():
        raise click.BadParameter(f"{value} is a folder: give the bundle file to write in it")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise click.BadParameter(
            f"{parent} {what} (is the drive mounted?); export never creates folders"
        )
    return path


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB"


@click.command()
@click.argument("snapshot")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    metavar="FILE",
    callback=lambda ctx, p, v: _bundle_target(v),
    help="The bundle file to write; its folder must exist (a USB stick must be mounted).",
)
@click.option(
    "--force", is_flag=True, help="Overwrite FILE if it is a bundle (never anything else)."
)
@click.option(
    "--sign",
    "sign_key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sign the manifest with this OpenSSH ed25519 private key (ssh-keygen -t ed25519);"
    " an encrypted key reads its passphrase from $SNAPDIFF_KEY_PASSPHRASE.",
)
@store_option
def export(
    snapshot: str, output: Path, force: bool, sign_key: Path | None, store_path: Path | None
) -> None:
    """Write one snapshot to a self-contained bundle FILE to carry to another site.

    The bundle holds the snapshot's responses, bodies and metadata and a manifest with a
    SHA-256 of every body, the snapshot's digest and one of the manifest itself; with --sign,
    an SSH signature of the manifest (docs/bundles.md). Build and diff read it directly;
    `snapdiff import` adds it to another store.

    \b
    Examples:
      snapdiff export latest -o week-1.snapdiff
      snapdiff export week-0 -o week-0.snapdiff --store snapshots/demo.db --sign collector
    """
    if not snapshot.strip():
        raise SnapdiffError("SNAPSHOT is empty: give an id, a label or latest (nothing exported)")
    key = load_private_key(sign_key) if sign_key is not None else None
    store, sid = open_ref(store_path, snapshot)
    with store:
        refuse_store_target(store, output)  # even with --force
        if output.exists() or output.is_symlink():
            if not force:
                raise SnapdiffError(f"{output} exists; use --force to overwrite it")
            refuse_overwrite(output)
        m = export_snapshot(store, sid, output, sign_key=key)
    c = m.counts
    click.echo(
        f"exported snapshot {sid} ({m.snapshot.get('label') or m.uid}) to {output}:"
        f" {c['requests']} requests, {c['bodies']} bodies, {_mib(output.stat().st_size)}"
    )


def refuse_overwrite(output: Path) -> None:
    """``--force`` replaces a bundle, never a store, nor any file that is not a bundle."""
    if output.is_dir():
        raise SnapdiffError(f"{output} is a folder; export to a file")
    if not is_bundle(output):
        what = "a snapdiff store" if _is_store(output) else "not a bundle"
        raise SnapdiffError(
            f"{output} is {what}; --force overwrites only a bundle: export to another file"
        )


def _is_store(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


TRUST_HELP = (
    "Require a signature by this OpenSSH public key (KEY.pub); repeatable. Keys in the"
    " allowed-signers file named by $SNAPDIFF_TRUSTED_KEYS are trusted too."
)
trust_option = click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=TRUST_HELP,
)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@trust_option
@store_option
def import_(file: Path, trust: tuple[Path, ...], store_path: Path | None) -> None:
    """Add the snapshot in a bundle FILE to the store, verifying every hash first.

    A truncated, tampered, foreign or too-new file is refused with its reason and the store is
    left untouched. Importing the same bundle twice changes nothing. With --trust (or
    $SNAPDIFF_TRUSTED_KEYS), a bundle that is unsigned or signed by another key is refused.

    \b
    Examples:
      snapdiff import week-1.snapdiff
      snapdiff import week-0.snapdiff --store site-b.db --trust collector.pub
    """
    trusted = trusted_keys(trust)
    manifest = check_bundle(file, trusted)  # before the store is even opened
    check_writable(store_path or default_store_path())
    with open_store(store_path, create=True) as store:
        done = import_snapshot(store, file, trusted=trusted)
        snap = store.snapshot(done.snapshot_id)
    sid = done.snapshot_id
    if not done.added:
        click.echo(f"already in {store.path} as snapshot {sid}; nothing changed")
        return
    wanted = manifest.snapshot.get("label")
    click.echo(
        f"imported snapshot {sid} ({snap.status}, taken {snap.started_at}) into {store.path}"
    )
    if trusted is not None:
        click.echo(f"signed by {bundle_signer(file)} (trusted)")
    if wanted and snap.label != wanted:
        click.echo(f"note: label '{wanted}' is taken in this store; use snapdiff label {sid} NAME")


@click.command("verify")
@click.argument("target", required=False)
@click.option(
    "--quick",
    is_flag=True,
    help="SQLite quick_check instead of the full integrity_check (skips index contents).",
)
@trust_option
@store_option
def verify_(
    target: str | None, quick: bool, trust: tuple[Path, ...], store_path: Path | None
) -> None:
    """Check a store, one of its snapshots, or a bundle file; exit 1 on any problem.

    Runs SQLite's integrity_check, checks every finished snapshot's rows against its digest
    and every body against its SHA-256, naming the damaged snapshot and source; reports
    missing and orphan bodies, snapshots left `running` by a crash, the schema version, and
    for a bundle its manifest hash (and, with --trust or $SNAPDIFF_TRUSTED_KEYS, its
    signature).

    \b
    Examples:
      snapdiff verify                      # the whole store
      snapdiff verify week-1 --quick       # one snapshot, quick_check
      snapdiff verify week-0.snapdiff --trust collector.pub
    """
    refuse_empty_ref(target)
    path, ref = None, None
    if target:
        other, rest = split_ref(target)
        if other is not None:
            path, ref = other, (None if ":" not in target else rest)
        elif Path(target).exists() or Path(target).suffix in (".db", ".snapdiff", ".sqlite"):
            path = Path(target)  # a file (or a folder, or a missing file) named as one
        else:
            ref = target
    path = path or store_path or default_store_path()
    if Path(path).is_dir():
        raise SnapdiffError(f"{path} is a folder, not a store or bundle file")
    if not Path(path).exists():
        raise SnapdiffError(f"no store or bundle at {path}")
    trusted = trusted_keys(trust)
    _recover(Path(path))
    problems = verify(path, ref, quick=quick, trusted=trusted)
    for p in problems:
        click.echo(f"{path}: {p}")
    if problems:
        click.echo(f"{len(problems)} problem(s) in {path}", err=True)
        sys.exit(1)
    signer = bundle_signer(Path(path)) if is_bundle(Path(path)) else None
    if trusted is not None:
        click.echo(f"{path}: ok, signed by {signer} (trusted)")
    elif signer:
        click.echo(f"{path}: ok (signed by {signer}; not checked: give --trust KEY.pub)")
    else:
        click.echo(f"{path}: ok")


def _recover(path: Path) -> None:
    """Finish snapshots whose collector is gone (``partial``) before checking, and say so."""
    if is_bundle(path):
        return
    try:
        with Store(path, readonly=True) as store:
            recovered = store.recovered
    except StoreError:
        return  # not openable as a store: verify itself says why
    for sid in recovered:
        click.echo(
            f"note: snapshot {sid} was left running by a collector that is gone: now partial",
            err=True,
        )


@click.command("prune")
@click.option("--keep-last", type=int, default=None, help="Keep the N newest snapshots.")
@click.option("--older-than", default=None, help="Delete snapshots older than this: 90d, 12w, 36h.")
@click.option(
    "--failed",
    is_flag=True,
    help="Delete failed snapshots (collections that read nothing); with the other options, only those matching them too.",
)
@click.option("--dry-run", is_flag=True, help="Show what would go; change nothing.")
@click.option(
    "--include-last-complete",
    is_flag=True,
    help="Allow deleting the newest complete snapshot too (kept by default).",
)
@store_option
def prune_(
    keep_last: int | None,
    older_than: str | None,
    failed: bool,
    dry_run: bool,
    include_last_complete: bool,
    store_path: Path | None,
) -> None:
    """Delete old snapshots, then the bodies no snapshot uses, and give the space back.

    With several options, a snapshot goes only if it matches all of them. The newest complete
    snapshot is always kept unless --include-last-complete is given.

    \b
    Examples:
      snapdiff prune --keep-last 12 --dry-run
      snapdiff prune --older-than 90d
      snapdiff prune --keep-last 52 --older-than 365d
      snapdiff prune --failed
    """
    delta = parse_duration(older_than) if older_than is not None else None
    with open_store(store_path, readonly=dry_run) as store:
        r = prune(
            store,
            keep_last,
            delta,
            dry_run,
            allow_last_complete=include_last_complete,
            failed=failed,
        )
    verb = "would delete" if dry_run else "deleted"
    for s in r.deleted:
        click.echo(f"{verb} snapshot {s.id} {s.label or ''} ({s.status}, taken {s.started_at})")
    for s in r.protected:
        click.echo(f"kept snapshot {s.id}: the newest complete one (--include-last-complete)")
    click.echo(
        f"{verb} {len(r.deleted)} snapshot(s) and {r.bodies_deleted} unused bodies"
        f" ({_mib(r.body_bytes_deleted)} compressed)"
        + ("" if dry_run else f"; store {_mib(r.size_before)} -> {_mib(r.size_after)}")
    )
    if r.note:
        click.echo(f"note: {r.note}", err=True)


@click.command("label")
@click.argument("snapshot")
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Remove the snapshot's label.")
@click.option("--move", is_flag=True, help="Take NAME from the snapshot that has it now.")
@store_option
def label_(
    snapshot: str, name: str | None, clear: bool, move: bool, store_path: Path | None
) -> None:
    """Name a snapshot, e.g. week-47 or before-migration; use the name anywhere a ref goes.

    A label names one snapshot at a time: a NAME another snapshot has is refused, unless
    --move takes it from that snapshot. At most 64 characters; not shaped like an id, a uid,
    latest~N, a date or a file name.

    \b
    Examples:
      snapdiff label latest reviewed
      snapdiff label 2 before-migration
      snapdiff label 1 week-1 --move
      snapdiff label week-1 --clear
    """
    if clear == (name is not None):
        raise SnapdiffError("give a NAME, or --clear to remove the label")
    if name is not None:
        name = check_label(name)  # refuse before the store is opened for writing
    if name is not None and not move:  # a refusal must not even open the store writable
        with open_store(store_path, readonly=True) as store:
            refuse_taken_label(store, name, resolve(store, snapshot))
    with open_store(store_path) as store:
        sid = resolve(store, snapshot)
        moved = label(store, sid, None if clear else name, move=move)
    if clear:
        click.echo(f"snapshot {sid} has no label now")
        return
    click.echo(f"snapshot {sid} is now '{name}'")
    if moved is not None:
        click.echo(f"moved '{name}' from snapshot {moved}, which has no label now")


@click.command("index")
@click.argument("snapshot", required=False)
@click.option("--rebuild", is_flag=True, help="Rebuild the row index even where it exists.")
@click.option("--drop", is_flag=True, help="Delete the row index (of SNAPSHOT, or of all).")
@store_option
def index_(snapshot: str | None, rebuild: bool, drop: bool, store_path: Path | None) -> None:
    """Fill the explore tables behind the resources_by_snapshot and role_assignments_by_snapshot views, and the row index diffs read.

    Snapshots are not given explore rows when taken or imported (the rows would cost more space
    than the snapshot's own deduplicated bodies); run this before exploring. With no SNAPSHOT,
    every snapshot not yet indexed is. Stored bodies are compressed: the SQL function
    snapdiff_body(body_hash) returns one as JSON text in sqlite-utils and Datasette (snapdiff
    installs itself as a plugin of both).

    The row index (one hash per resource, role assignment, membership and management group) is
    written when a collection ends; it lets diff parse only the rows that changed. It is derived
    data: verify checks it, --drop deletes it, --rebuild writes it again.

    \b
    Examples:
      snapdiff index
      snapdiff index week-1 --rebuild
      sqlite-utils snapshots/demo.db "select * from resources_by_snapshot limit 5"
      sqlite-utils snapshots/demo.db "select url, snapdiff_body(body_hash) from exchanges limit 1"
    """
    refuse_empty_ref(snapshot)
    if drop and rebuild:
        raise SnapdiffError("choose --drop or --rebuild, not both")
    with open_store(store_path) as store:
        sid = resolve(store, snapshot) if snapshot else None
        if drop:
            drop_index(store, sid)
            click.echo(f"dropped the row index of {f'snapshot {sid}' if sid else 'every snapshot'}")
            return
        if sid is not None:
            n, a = index_snapshot(store, sid)
            click.echo(f"snapshot {sid}: {n} resources, {a} role assignments")
        elif rebuild:
            done = [s.id for s in store.snapshots() if s.status != "running"]
            for i in done:
                write_row_index(store, i)
            click.echo(f"rebuilt the row index of {len(done)} snapshot(s)")
        else:
            done = index_missing(store)
            click.echo(f"indexed {len(done)} snapshot(s)")


COMMANDS = [export, import_, verify_, prune_, label_, index_]
