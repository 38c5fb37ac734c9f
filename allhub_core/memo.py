"""One in-process memo for results keyed on what they read (issue 18): the least recently used
dropped past a number of entries or of bytes, a copy handed out either way.

The rooms that keep heavy results between page runs (``history.memo`` for the balance
aggregates, ``prices.memo`` for the Models page) each read their own key, because only they know
what their statements read; the keeping is this one mechanism, below the rooms, since the rooms
may not import each other. The key is read before the result is computed, so a result is never
older than its key."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["Memo"]

T = TypeVar("T")


def _nbytes(value: Any) -> int:
    """A pandas frame's memory (deep); 0 for anything else (small results)."""
    usage = getattr(value, "memory_usage", None)
    if usage is None:
        return 0
    used = usage(deep=True)
    return int(used.sum() if hasattr(used, "sum") else used)


def _handed_out(value: Any) -> Any:
    """What a caller gets: a frame's shallow copy (pandas 3 copies on write, so a caller's change
    never reaches the kept one; a 90,000-row table is not copied whole on every run), a deep copy
    of anything else."""
    if hasattr(value, "to_numpy"):
        return value.copy(deep=False)
    return copy.deepcopy(value)


class Memo:
    """Results under hashable keys, at most ``max_entries`` of them and ``max_bytes`` of frames
    (the newest result is kept whatever its size)."""

    def __init__(self, max_entries: int = 32, max_bytes: int | None = None) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def remembered(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept under ``key``, or ``compute()``'s, kept; a copy either way."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is None:
            value = compute()
            kept = (value, _nbytes(value))
            with self._lock:
                self._kept[key] = kept
                self._trim()
        return _handed_out(kept[0])

    def _trim(self) -> None:
        def over() -> bool:
            if len(self._kept) > self.max_entries:
                return True
            return self.max_bytes is not None and sum(n for _, n in self._kept.values()) > self.max_bytes
        while len(self._kept) > 1 and over():
            self._kept.popitem(last=False)

    def forget(self) -> None:
        """Drop every kept result (the tests compare a kept one with a fresh computation)."""
        with self._lock:
            self._kept.clear()
