"""When a collection must stop: Azure unreachable, no progress, disk full, a signal.

One ``RunGuard`` per collection. The capture layer reports every attempt to it; the retry
policies ask it whether to keep going and sleep on it (a stop wakes them); the fetcher refuses
to start a fetch once it has stopped. Plain data and threading only: no azure import.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


class CollectionStopped(Exception):
    """The run was stopped; the message says why, in one line."""


class HostDown(Exception):
    """A host stopped answering (``Limits.max_transport_failures`` attempts in a row): further
    requests to it fail at once, the rest of the run goes on."""


@dataclass
class Limits:
    """Per-attempt and per-run limits, in seconds unless said otherwise."""

    connect_timeout: float = 10.0
    # A silent server: the watchdog stops the run at 35 s; no attempt starts after the stop
    # and one already sent gives up within read_timeout, so the run ends within 60 s.
    read_timeout: float = 20.0
    fetch_budget: float = 600.0  # keep honouring Retry-After this long per fetch, then fail
    max_transport_failures: int = 25  # consecutive attempts with no HTTP answer at all
    watchdog: float = 35.0  # no HTTP answer of any kind for this long: stop
    waiting: float = 15.0  # no answer for this long: say what we are waiting on


class RunGuard:
    """Thread-safe stop flag with the counters that decide it."""

    def __init__(
        self,
        limits: Limits | None = None,
        clock: Clock = time.monotonic,
        pause: Callable[[float], None] | None = None,
    ):
        """``clock`` and ``pause`` replace time for tests: a fake clock that only ``pause``
        advances makes retry budgets exact whatever the machine's speed."""
        self.limits = limits or Limits()
        self.clock = clock
        self.pause = pause
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.reason: str | None = None
        self.consecutive_failures = 0
        self.last_answer = clock()
        self.essential: set[str] = set()  # hosts without which the run cannot go on (ARM)
        self._failures: dict[str, int] = {}  # per host (``host:port``), attempts in a row
        self.down: dict[str, str] = {}  # host -> why it is no longer asked
        self.last_host: str | None = None

    # -- state -----------------------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def stop(self, reason: str) -> None:
        """Stop the run; the first reason given is the one reported."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self._event.set()

    def check(self) -> None:
        """Raise ``CollectionStopped`` once the run has been stopped."""
        if self.stopped:
            raise CollectionStopped(self.reason or "stopped")

    # -- what the capture layer reports --------------------------------------------------------
    def answered(self, host: str | None = None) -> None:
        """An HTTP response arrived (any status): Azure, and ``host``, are reachable."""
        with self._lock:
            self.consecutive_failures = 0
            self.last_answer = self.clock()
            if host is not None:
                self._failures[host] = 0

    def transport_failed(self, error: str, host: str | None = None) -> None:
        """An attempt got no HTTP response. Too many in a row to one host: that host is down;
        the run stops when it is an essential host (ARM) or when no host is named."""
        limit = self.limits.max_transport_failures
        with self._lock:
            self.consecutive_failures += 1
            key = host or ""
            n = self._failures[key] = self._failures.get(key, 0) + 1
        if not limit or n < limit:
            return
        why = f"{n} attempts in a row got no answer (last: {error})"
        if host is None or host in self.essential:
            self.stop(f"Azure unreachable: {why}")
            return
        with self._lock:
            self.down.setdefault(host, f"{host} unreachable: {why}")

    def check_host(self, host: str | None) -> None:
        """Raise ``HostDown`` when ``host`` no longer answers; else note it as the host last
        asked (what a "waiting on" line names)."""
        self.last_host = host
        why = self.down.get(host or "")
        if why is not None:
            raise HostDown(why)

    def idle_for(self) -> float:
        with self._lock:
            return self.clock() - self.last_answer

    # -- deadlines and sleeping ---------------------------------------------------------------
    def deadline(self) -> float:
        """The end of a fetch's retry budget if it starts now."""
        return self.clock() + self.limits.fetch_budget

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the run was stopped meanwhile."""
        if seconds <= 0 or self.pause is not None:
            if self.pause is not None and seconds > 0:
                self.pause(seconds)
            return self.stopped
        return self._event.wait(seconds)

    async def async_wait(self, seconds: float) -> bool:
        """``wait`` for coroutines: sleeps in short slices so a stop is seen quickly."""
        if self.pause is not None:
            self.wait(seconds)
            await asyncio.sleep(0)
            return self.stopped
        end = time.monotonic() + max(0.0, seconds)
        while not self.stopped:
            left = end - time.monotonic()
            if left <= 0:
                break
            await asyncio.sleep(min(left, 0.1))
        return self.stopped


class Watchdog:
    """A daemon thread that says what the run waits on after ``limits.waiting`` seconds of
    silence, and stops the run when no HTTP answer came for ``limits.watchdog``."""

    def __init__(
        self, guard: RunGuard, tick: float = 0.5, say: Callable[[str], None] = lambda msg: None
    ):
        self.guard = guard
        self.tick = tick
        self.say = say
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapdiff-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        if self.guard.limits.watchdog > 0 or self.guard.limits.waiting > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        limit, waiting = self.guard.limits.watchdog, self.guard.limits.waiting
        said_at: float | None = None  # the silence already reported (its start)
        while not self._done.wait(self.tick):
            idle = self.guard.idle_for()
            silence_began = self.guard.last_answer
            if waiting > 0 and idle >= waiting and said_at != silence_began:
                said_at = silence_began
                host = self.guard.last_host or "Azure"
                stop = f"; stopping at {limit:g} s" if limit > 0 else ""
                self.say(f"waiting on {host}: no answer for {idle:.0f} s{stop}")
            if limit > 0 and idle >= limit:
                self.guard.stop(f"no answer from Azure for {idle:.0f} s (watchdog {limit:g} s)")
                return


def describe(exc: BaseException) -> str:
    """``Type: message`` for an exception, never an empty message (httpx's ReadError has none):
    the first message along its causes, else the chain of type names."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    msg = next((str(c).strip() for c in chain if str(c).strip()), "")
    if not msg:
        msg = "no message (" + " <- ".join(type(c).__name__ for c in chain) + ")"
    return f"{type(exc).__name__}: {msg}"
