"""The ``snapdiff`` command (``python -m snapdiff`` and the installed script).

Light on purpose: Ctrl-C while the command's modules are still loading (the first few tenths of
a second) ends in one line and exit 130, as it does later, never in a KeyboardInterrupt
traceback."""

from __future__ import annotations

import os
import sys

INTERRUPTED = "snapdiff: interrupted\n"


def _interrupted() -> None:
    try:
        sys.stderr.write(INTERRUPTED)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is gone: the exit status still says it
    # The interpreter's own flush of stdout at exit must not print a second error either.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
    raise SystemExit(130)


def run() -> None:
    try:
        from .cli import main

        main()
    except KeyboardInterrupt:
        _interrupted()


if __name__ == "__main__":
    run()
