"""The ``snapdiff`` command line: a thin click layer over the library API."""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import sys
import traceback

import click

from . import __version__, commands, logs
from .errors import SnapdiffError


class Group(click.Group):
    """Turns SnapdiffError (and a few OS errors) into one-line messages and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except SnapdiffError as e:
            _fail(debug, f"snapdiff: error: {e}")
        except (OSError, ValueError) as e:
            _fail(debug, f"snapdiff: error: {e}")
        except sqlite3.Error as e:  # a damaged or foreign store file, or a failed write
            _fail(
                debug,
                f"snapdiff: error: the store could not be read or written ({e}); try snapdiff verify",
            )
        except KeyboardInterrupt:
            _fail(debug, "snapdiff: interrupted", 130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # --help, usage errors: click reports them itself
        except Exception as e:  # the CLI boundary: a bug still ends in one line and exit 2
            _fail(
                debug,
                f"snapdiff: internal error: {type(e).__name__}: {e}"
                + ("" if debug else " (run with --debug for the traceback)"),
            )
        raise AssertionError("unreachable")


def _fail(debug: bool, message: str, code: int = 2) -> None:
    """Print ``message`` (after the traceback with ``--debug``) and exit with ``code``."""
    if debug:
        traceback.print_exc(file=sys.stderr)
    click.echo(message, err=True)
    sys.exit(code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="snapdiff")
@click.option("-v", "--verbose", count=True, help="Log more to stderr: -v info, -vv debug.")
@click.option("--debug", is_flag=True, help="Debug logging, and a traceback with any error.")
def main(verbose: int, debug: bool) -> None:
    """Snapshot an Azure estate, rebuild securiCAD JSON offline, and diff snapshots."""
    logs.configure(verbose, debug=debug)


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        for cmd in getattr(module, "COMMANDS", []):
            main.add_command(cmd)


_load_commands()
