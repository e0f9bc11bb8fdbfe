"""The ``snapdiff`` command line: a thin click layer over the library API."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sqlite3
import sys
from typing import NoReturn

import click

from . import __version__, commands
from .commands.common import EXIT_CODE
from .errors import SnapdiffError
from .explain import explain


def _stdout_closed() -> None:
    """The reader of stdout went away (``| head``): that is a normal end, not an error.

    Point stdout at /dev/null so the interpreter's final flush does not complain either.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"snapdiff: error: {message}", err=True)
    sys.exit(code)


class Group(click.Group):
    """Turns SnapdiffError, OS and SQLite errors into one-line messages and exit code 2; a
    closed stdout ends the command quietly with the status it had decided on (default 0)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_closed()
            sys.exit(ctx.meta.get(EXIT_CODE, 0))
        except SnapdiffError as e:
            _fail(str(e))
        except (OSError, sqlite3.Error) as e:
            _fail(explain(e))
        except ValueError as e:
            _fail(str(e))
        except KeyboardInterrupt:
            click.echo("snapdiff: interrupted", err=True)
            sys.exit(130)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="snapdiff")
def main() -> None:
    """Snapshot an Azure estate, rebuild securiCAD JSON offline, and diff snapshots."""


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        for cmd in getattr(module, "COMMANDS", []):
            main.add_command(cmd)


_load_commands()
