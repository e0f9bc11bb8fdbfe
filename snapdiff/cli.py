"""The ``snapdiff`` command line: a thin click layer over the library API."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import sys

import click

from . import __version__, commands
from .errors import SnapdiffError


class Group(click.Group):
    """Turns SnapdiffError (and a few OS errors) into one-line messages and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SnapdiffError as e:
            click.echo(f"snapdiff: error: {e}", err=True)
            sys.exit(2)
        except (OSError, ValueError) as e:
            click.echo(f"snapdiff: error: {e}", err=True)
            sys.exit(2)
        except sqlite3.Error as e:  # a damaged or foreign store file
            click.echo(
                f"snapdiff: error: the store could not be read ({e}); try snapdiff verify", err=True
            )
            sys.exit(2)
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
