"""Times that come from a backup file (or a WebDAV server's copy of one), checked before they
are compared or stored.

A file can say anything: a deletion record dated next year would delete accounts edited today
and keep refusing them until then; a time of 1e17 ms is no date at all. So every time read from
a file passes here first:

- a time more than ``SKEW_MS`` (5 minutes, for clocks that differ a little) after now is treated
  as now, and counted, so the preview can say so;
- a time no calendar can hold (before 1970, after the year 9999, not finite, not a number or
  ISO-8601 text) is ``ImpossibleTime``: one sentence; the caller rejects the entry (an account,
  a bookmark) or the whole file (a deletion record), as each reader's docstring says;
- a missing time (absent, null, empty, 0) is ``None``/0 and the caller uses its default.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from allhub_core.errors import ValidationError
from allhub_core.transfer.bundle import ms_to_iso, now_ms

__all__ = ["MAX_MS", "SKEW_MS", "FileClock", "ImpossibleTime"]

#: how far ahead of this computer's clock a file's time may be before it counts as "the future"
SKEW_MS = 5 * 60 * 1000
#: 9999-12-31 23:59:59.999 UTC: the last instant a date can name
MAX_MS = 253_402_300_799_999


class ImpossibleTime(ValidationError):
    """A time in a file that is no possible date (the sentence names the field and the value)."""

    def __init__(self, what: str, value: Any) -> None:
        self.what, self.shown = what, _shown(value)
        super().__init__(f"Its {what} ({self.shown}) is not a possible time.")


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass
class FileClock:
    """Now, fixed once per file read, and how many times were moved down to it."""

    now: int = field(default_factory=now_ms)
    clamped: int = 0

    def clamp(self, ms: int) -> int:
        """``ms`` itself, or now when it lies more than the skew in the future (counted)."""
        if ms > self.now + SKEW_MS:
            self.clamped += 1
            return self.now
        return ms

    def ms(self, value: Any, what: str) -> int:
        """Epoch milliseconds (the extension's times): a number, a numeric text or ISO-8601
        text; 0 when missing; clamped to now; ``ImpossibleTime`` for anything else."""
        if isinstance(value, bool):
            raise ImpossibleTime(what, value)
        if value is None or value == "" or value == 0:
            return 0
        number: float | None = None
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                parsed = self._parse_iso(value)
                if parsed is None:
                    raise ImpossibleTime(what, value) from None
                number = float(parsed)
        if number is None or not math.isfinite(number) or number < 0 or number > MAX_MS:
            raise ImpossibleTime(what, value)
        return self.clamp(round(number))

    @staticmethod
    def _parse_iso(text: str) -> int | None:
        try:
            when = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        ms = round(when.timestamp() * 1000)
        return ms if 0 <= ms <= MAX_MS else None

    def lenient_ms(self, value: Any) -> int:
        """``ms`` for a time that only decorates (a tag's dates, the file's own date): an
        impossible one reads as missing (0) instead of rejecting anything."""
        try:
            return self.ms(value, "time")
        except ImpossibleTime:
            return 0

    def iso(self, value: Any, what: str) -> str | None:
        """An ISO-8601 timestamp (our own backup's times) as UTC ISO text, clamped to now;
        None when missing; ``ImpossibleTime`` for anything that is not such a text."""
        if value is None or value == "":
            return None
        ms = self._parse_iso(value) if isinstance(value, str) else None
        if ms is None:
            raise ImpossibleTime(what, value)
        return ms_to_iso(self.clamp(ms))

    def day(self, value: Any, what: str) -> str | None:
        """A calendar day (``YYYY-MM-DD``); None when missing or after tomorrow (a day that has
        not come cannot have been checked in or counted); ``ImpossibleTime`` when not a day."""
        if value is None or value == "":
            return None
        try:
            day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            raise ImpossibleTime(what, value)
        tomorrow = dt.datetime.fromtimestamp(self.now / 1000, dt.UTC).date() + dt.timedelta(days=1)
        if day > tomorrow:
            self.clamped += 1
            return None
        return day.isoformat()
