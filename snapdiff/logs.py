"""Logging for the command line: modules log through ``logging.getLogger(__name__)``; the CLI
sends records to stderr at the level ``-v`` (info) / ``-vv`` (debug, plus the SDKs' HTTP lines;
``-vvv`` the SDKs' debug) / ``--debug`` asks for."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

FORMAT = "snapdiff: %(levelname)s: %(name)s: %(message)s"
# The SDKs' own loggers: quiet unless -vv (azure-core logs one line per request and redacts
# Authorization; httpx logs one line per Graph request).
SDK_LOGGERS = ("azure", "msal", "httpx", "kiota_http", "msgraph_core")


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (click's test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_HANDLER = _Stderr()


def level_for(verbosity: int, debug: bool = False) -> int:
    if debug or verbosity >= 2:
        return logging.DEBUG
    return logging.INFO if verbosity == 1 else logging.WARNING


def configure(verbosity: int = 0, *, debug: bool = False) -> None:
    """Route snapdiff's records (and at ``-vv`` the SDKs') to stderr; safe to call again."""
    root = logging.getLogger()
    if _HANDLER not in root.handlers:
        root.addHandler(_HANDLER)
    logging.getLogger("snapdiff").setLevel(level_for(verbosity, debug))
    sdk = logging.DEBUG if verbosity >= 3 else logging.INFO if verbosity == 2 else logging.ERROR
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(sdk)


def verbosity() -> int:
    """The verbosity ``configure`` last set for snapdiff's loggers (0, 1 or 2)."""
    level = logging.getLogger("snapdiff").getEffectiveLevel()
    return 2 if level <= logging.DEBUG else 1 if level <= logging.INFO else 0
