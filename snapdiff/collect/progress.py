"""Live progress: a background ticker that reports per-source counts while a collection runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceProgress:
    requests: int  # on the wire
    pages: int  # pages of finished fetches
    fetches: int  # fetches finished (ok or not)


Live = Callable[[dict[str, SourceProgress]], None]


class Ticker:
    """Calls ``report(read())`` every ``interval`` seconds until stopped, then once more."""

    def __init__(
        self,
        read: Callable[[], dict[str, SourceProgress]],
        report: Live,
        interval: float = 0.25,
    ):
        self.read = read
        self.report = report
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapdiff-progress", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.report(self.read())

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.report(self.read())


def render(stats: dict[str, SourceProgress], width: int = 200) -> str:
    """One line: ``graph 24 req 20 pages 17 fetches | storage ...`` (busiest sources first)."""
    parts = [
        f"{name} {p.requests} req {p.pages} pages {p.fetches} fetches"
        for name, p in sorted(stats.items(), key=lambda kv: -kv[1].requests)
        if p.requests or p.fetches
    ]
    line = " | ".join(parts)
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"
