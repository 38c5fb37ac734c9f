"""The scheduler's clock: the real one, and one tests move by hand.

Every time the automation room reads (is a job due? has the lease expired? which local day
is it?) comes from a clock object, so tests can walk through days, windows and retries
without sleeping. ``now()`` is always an aware datetime in local time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, tzinfo

__all__ = ["Clock", "FakeClock", "SystemClock", "local_now"]


def local_now() -> datetime:
    return datetime.now().astimezone()


class Clock:
    """What a clock offers: ``now()`` (aware, local) and ``sleep(seconds)``-free waiting."""

    def now(self) -> datetime:  # pragma: no cover - interface
        raise NotImplementedError


class SystemClock(Clock):
    def now(self) -> datetime:
        return local_now()

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock(Clock):
    """A clock that stands still until moved: ``advance(seconds)`` or ``set(datetime)``.

    ``start`` may be naive (read as local time) or aware; default: now.
    """

    def __init__(self, start: datetime | None = None, tz: tzinfo | None = None):
        self._lock = threading.Lock()
        self._now = self._aware(start or local_now(), tz)

    @staticmethod
    def _aware(value: datetime, tz: tzinfo | None = None) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=tz) if tz is not None else value.astimezone()
        return value

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now = self._now + timedelta(seconds=seconds)
            return self._now

    def set(self, value: datetime) -> datetime:
        with self._lock:
            self._now = self._aware(value, self._now.tzinfo)
            return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"
