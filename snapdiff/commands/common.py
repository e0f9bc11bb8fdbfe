"""Options and helpers shared by commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from ..errors import SnapshotNotFound
from ..refs import resolve, split_ref
from ..store import Store, default_store_path

# ctx.meta key: the exit status a command has decided on before printing, kept when the
# reader of its output goes away early (``snapdiff diff | head``).
EXIT_CODE = "snapdiff.exit_code"


def terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default stdout) is a terminal that understands escape codes: a tty,
    and not ``TERM=dumb`` (Emacs shells, some CI logs)."""
    stream = stream or sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


def use_color(stream: TextIO | None = None) -> bool:
    """Colour codes only on a capable terminal, and never with ``NO_COLOR`` set (no-color.org:
    present and not empty)."""
    return terminal(stream) and not os.environ.get("NO_COLOR")


_C = TypeVar("_C", bound=Callable[..., Any])


def store_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store_path",
        type=click.Path(
            readable=False, path_type=Path
        ),  # a folder or unreadable file: Store says which
        default=None,
        help="Store file (default: $SNAPDIFF_STORE or snapshots/snapdiff.db).",
    )(f)


def format_option(*choices: str, help: str | None = None) -> Callable[[_C], _C]:
    """``--format`` (into ``fmt``), one of ``choices``, ``text`` by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        help=help,
        default="text",
        show_default=True,
    )


def open_store(path: Path | None, *, readonly: bool = False, create: bool = False) -> Store:
    return Store(path or default_store_path(), readonly=readonly, create=create)


def refuse_empty_ref(*refs: str | None) -> None:
    """An empty reference (``export "" -o x``) is a mistake, never "the default snapshot"."""
    if any(r is not None and not r.strip() for r in refs):
        raise SnapshotNotFound("an empty snapshot reference: give an id, a label or latest")


def one_store(a: Store, b: Store) -> Store:
    """``b``, or ``a`` when both are the same file (``b`` is then closed): two snapshots read
    through one connection are compared by their row indexes in SQL, bucket by bucket."""
    if a is not b and a.path.resolve() == b.path.resolve():
        b.close()
        return a
    return b


def open_ref(
    store_path: Path | None,
    ref: str | None,
    *,
    complete_only: bool = False,
    fallback: bool = False,
) -> tuple[Store, int]:
    """Open the store a reference points into (``PATH.db:REF`` or the default) and resolve it.
    ``fallback``: when ``complete_only`` finds no complete snapshot, take any finished one."""
    refuse_empty_ref(ref)
    other, rest = split_ref(ref) if ref else (None, None)
    store = open_store(other or store_path, readonly=True)
    try:
        return store, resolve(store, rest, complete_only=complete_only)
    except SnapshotNotFound:
        if not (complete_only and fallback):
            raise
    return store, resolve(store, rest)
