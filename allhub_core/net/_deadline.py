"""A deadline for one account's whole run against a site, paused while we hold it back.

``AccountClock(45).running()`` wraps one account's refresh or check-in in an
``asyncio.timeout`` whatever timeouts and retries happen inside it.  The clock only runs
while the site has work of ours or the account's own code runs: when every request of the
account is queueing in our own limiter (a sliding window, log spacing, a slot held by
another account) and none is in flight, the clock stops.  So a bulk run that our politeness
stretches over many minutes never times out, while a site that does not answer fails each
of its accounts after the deadline.  The limiter finds the clock in a context variable
(child tasks of the account inherit it).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Protocol

__all__ = ["AccountClock", "SharedWork", "current_clock"]


class _Hooks(Protocol):
    def wait_begin(self) -> None: ...
    def wait_end(self) -> None: ...
    def flight_begin(self) -> None: ...
    def flight_end(self) -> None: ...


_CLOCK: contextvars.ContextVar[_Hooks | None] = contextvars.ContextVar("allhub_account_clock", default=None)


def current_clock() -> _Hooks | None:
    return _CLOCK.get()


class SharedWork:
    """Work several accounts await (a batch's one ``/api/status`` per origin).

    Run it in ``context()``: its requests queueing or in flight count on the clock of every
    account awaiting it (inside ``awaited_by``), as if they were that account's own.
    """

    def __init__(self) -> None:
        self._waiting = 0
        self._flying = 0
        self._clocks: list[AccountClock] = []

    def context(self) -> contextvars.Context:
        ctx = contextvars.Context()
        ctx.run(_CLOCK.set, self)
        return ctx

    @contextmanager
    def awaited_by(self, clock: _Hooks | None) -> Iterator[None]:
        if not isinstance(clock, AccountClock):
            yield
            return
        self._clocks.append(clock)
        clock.add(self._waiting, self._flying)
        try:
            yield
        finally:
            self._clocks.remove(clock)
            clock.add(-self._waiting, -self._flying)

    def _add(self, waiting: int, flying: int) -> None:
        self._waiting += waiting
        self._flying += flying
        for clock in self._clocks:
            clock.add(waiting, flying)

    def wait_begin(self) -> None:
        self._add(1, 0)

    def wait_end(self) -> None:
        self._add(-1, 0)

    def flight_begin(self) -> None:
        self._add(0, 1)

    def flight_end(self) -> None:
        self._add(0, -1)


class AccountClock:
    """One account's deadline; ``seconds <= 0`` means none (``running`` still works)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self._remaining = self.seconds
        self._waiting = 0
        self._flying = 0
        self._paused = False
        self._cm: asyncio.Timeout | None = None
        self.paused_total = 0.0
        self._paused_at = 0.0
        self._done = False

    @property
    def expired(self) -> bool:
        return self._cm is not None and self._cm.expired()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[AccountClock]:
        """Raises ``TimeoutError`` when the deadline passes (``expired`` is then True)."""
        token = _CLOCK.set(self)
        try:
            if self.seconds <= 0:
                yield self
                return
            loop = asyncio.get_running_loop()
            async with asyncio.timeout_at(loop.time() + self.seconds) as cm:
                self._cm = cm
                try:
                    yield self
                finally:
                    self._done = True  # no rescheduling once the body has left
        finally:
            _CLOCK.reset(token)

    # The limiter's hooks: a request of this account queues, is sent, is done.
    def wait_begin(self) -> None:
        self.add(1, 0)

    def wait_end(self) -> None:
        self.add(-1, 0)

    def flight_begin(self) -> None:
        self.add(0, 1)

    def flight_end(self) -> None:
        self.add(0, -1)

    def add(self, waiting: int, flying: int) -> None:
        self._waiting += waiting
        self._flying += flying
        self._update()

    def _update(self) -> None:
        cm = self._cm
        if cm is None or self._done or cm.expired():
            return
        paused = self._waiting > 0 and self._flying == 0
        if paused == self._paused:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if paused:
            when = cm.when()
            self._remaining = max(0.0, when - now) if when is not None else self._remaining
            self._paused_at = now
            cm.reschedule(None)
        else:
            self.paused_total += now - self._paused_at
            cm.reschedule(now + self._remaining)
        self._paused = paused
