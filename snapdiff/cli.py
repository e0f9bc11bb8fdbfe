"""The ``snapdiff`` command line: a thin click layer over the library API."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sqlite3
import sys
import traceback
from typing import Any, NoReturn

import click

from . import __version__, commands, logs
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


def _fail(message: str, code: int = 2, *, debug: bool = False, prefix: str = "error") -> NoReturn:
    """One line on stderr (after the traceback with ``--debug``), then exit ``code``."""
    if debug:
        traceback.print_exc(file=sys.stderr)
    click.echo(f"snapdiff: {prefix}: {message}" if prefix else f"snapdiff: {message}", err=True)
    sys.exit(code)


def _fill_closed_std_fds() -> None:
    """Started with stdin, stdout or stderr closed (``snapdiff diff >&-``): put /dev/null there.

    Otherwise Python has no ``sys.stdout`` to write to, and the next file opened (the store)
    would get descriptor 1, so that output meant for the terminal would land in it."""
    for fd, name, mode in (
        (0, "stdin", os.O_RDONLY),
        (1, "stdout", os.O_WRONLY),
        (2, "stderr", os.O_WRONLY),
    ):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        devnull = os.open(os.devnull, mode)
        if devnull != fd:
            os.dup2(devnull, fd)
            os.close(devnull)
        if getattr(sys, name) is None:
            stream = open(fd, "r" if fd == 0 else "w", closefd=False)  # noqa: SIM115 (for the process)
            setattr(sys, name, stream)


class Group(click.Group):
    """Turns SnapdiffError, OS and SQLite errors into one-line messages and exit code 2; a
    closed stdout ends the command quietly with the status it had decided on (default 0)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _fill_closed_std_fds()
        return super().main(*args, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        """Parsing ``snapdiff``'s own options, where ``--help`` and ``--version`` print: a
        write error or Ctrl-C there is one line too (click would print a traceback, or
        "Aborted!" with exit 1)."""
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            _stdout_closed()
            sys.exit(0)
        except OSError as e:
            _stdout_closed()  # what is still buffered would fail again at exit
            _fail(explain(e))
        except KeyboardInterrupt:
            _fail("interrupted", 130, prefix="")
        except click.exceptions.NoArgsIsHelpError:
            raise  # a bare `snapdiff` shows the help
        except click.UsageError as e:  # `snapdiff --bogus`: one line, as for a command
            _fail(f"{e.format_message()} (see 'snapdiff --help')", e.exit_code)

    def invoke(self, ctx: click.Context) -> object:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_closed()
            sys.exit(ctx.meta.get(EXIT_CODE, 0))
        except SnapdiffError as e:
            _fail(str(e), debug=debug)
        except (OSError, sqlite3.Error) as e:
            _fail(explain(e), debug=debug)
        except ValueError as e:
            _fail(str(e), debug=debug)
        except KeyboardInterrupt:
            _fail("interrupted", 130, debug=debug, prefix="")
        except click.UsageError as e:  # a bad option or value: one line, as every other error
            where = e.ctx.command_path if e.ctx else "snapdiff"
            _fail(f"{e.format_message()} (see '{where} --help')", e.exit_code, debug=debug)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # --help, --version: click reports them itself
        except Exception as e:  # the CLI boundary: a bug still ends in one line and exit 2
            why = f"{type(e).__name__}: {e}"
            _fail(
                why + ("" if debug else " (run with --debug for the traceback)"),
                debug=debug,
                prefix="internal error",
            )


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
