"""The ``snapdiff`` command (``python -m snapdiff`` and the installed script).

Light on purpose: Ctrl-C while the command's modules are still loading (the first few tenths of
a second) ends in one line and exit 130, as it does later, never in a KeyboardInterrupt
traceback."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import NoReturn

INTERRUPTED = "snapdiff: interrupted\n"


def _interrupted(*, say: bool = True) -> NoReturn:
    """End with 130 for Ctrl-C: one line (unless already said), stdout flushed, the
    exit handlers run (stores closed), then out with no second word from the interpreter.

    ``os._exit``: by now the stack has unwound (every ``with`` and ``finally`` ran); leaving
    through the interpreter's own exit instead lets a Ctrl-C that CPython noted while the
    command ran turn the status into death by SIGINT (-2) once in a while."""
    with contextlib.suppress(OSError, ValueError):  # stderr gone: the status still says it
        if say:
            sys.stderr.write(INTERRUPTED)
        sys.stderr.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    atexit._run_exitfuncs()
    os._exit(130)


def _quiet_interrupts(unraisable: sys.UnraisableHookArgs) -> None:
    """A Ctrl-C landing in a callback the interpreter runs on the side (an import lock's weakref
    callback, a finalizer) is reported as 'Exception ignored in ...' with a traceback; the
    command's own one line says it, so only other exceptions get the default report."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        return
    sys.__unraisablehook__(unraisable)


def run() -> None:
    sys.unraisablehook = _quiet_interrupts
    try:
        from .cli import main

        main()
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as e:
        if e.code == 130:  # the command's own "interrupted" line is out already
            _interrupted(say=False)
        raise


if __name__ == "__main__":
    run()
