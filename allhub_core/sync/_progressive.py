"""Results stored as they come: what a batch has finished is in the store while the rest still runs.

A batch over the network (a refresh, a check-in) runs in one event loop. ``run_storing`` hands
each account's result to ``write`` soon after it is known: whatever finished is written every
``FLUSH_S`` second, one transaction through the store's one write path (``store.write()``: one
writer per process), so a user who stops the command, a SIGKILL or a cron timeout keeps
everything already fetched, and a page shows the progress from the store. A write in the middle
of the run goes to a worker thread while the loop waits for it in a task of its own: the
network goes on meanwhile (a write opens the file, so it costs tens of milliseconds), and the
store is still used by one flush at a time. A slow disk makes the flushes rarer, never the run
slower by more than a tenth (a run whose network the window paces may ask for a write at least
every ``max_wait_s``: the last write is the one the run waits for).

A ``cancel`` event set from another thread (a daemon stopping) stops the batch at the next
flush: the accounts still running are cancelled (their requests closed with the transport),
what finished is written, and the caller gets the finished results with ``complete`` False.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from allhub_core.errors import AllhubError

__all__ = ["FLUSH_S", "run_storing"]

log = logging.getLogger("allhub_core.sync")
T = TypeVar("T")

#: about this long between an account's result and its row in the store (plus the write itself)
FLUSH_S = 1.0
#: the share of the run's time the writes may take: a slow disk flushes less often
_WRITE_SHARE = 0.1


class _Batcher(Generic[T]):
    def __init__(self, write: Callable[[list[T]], None], on_result: Callable[[T], None] | None,
                 on_written: Callable[[list[T]], None] | None, max_wait_s: float | None = None):
        self.max_wait_s = max_wait_s if max_wait_s is not None else float("inf")
        self.write, self.on_result, self.on_written = write, on_result, on_written
        self.pending: list[T] = []
        self.finished: list[T] = []
        self.seen: set[int] = set()
        self.written_at = time.monotonic()
        self.wait_s = FLUSH_S
        self.writes = 0  # batches written so far

    def collect(self, result: T) -> None:
        self.pending.append(result)
        self.finished.append(result)
        self.seen.add(id(result))
        if self.on_result is not None:
            self.on_result(result)

    def flush(self, *, last: bool = False) -> None:
        """Write what came in since the last flush. A failed write in the middle of the run keeps
        its results for the next flush (the store may be busy for a moment); the last one raises."""
        batch, self.pending = self.pending, []
        if not batch:
            return
        started = time.monotonic()
        try:
            self.write(batch)
        except AllhubError as exc:
            self.pending = batch + self.pending
            if last:
                raise
            log.warning("results not written yet, tried again shortly: %s", exc)
        else:
            if self.on_written is not None:
                try:
                    self.on_written(batch)
                except Exception:  # a progress display must not stop the run
                    log.exception("on_written callback failed")
        took = time.monotonic() - started
        self.written_at = time.monotonic()
        # The first write of a run also pays what happens once (imports; the usage rows' first write
        # imported pandas, a second or more): it sets no pace, or the run would write nothing more
        # until its end and finish with everyone's rows still to write.
        self.wait_s = min(self.max_wait_s, max(FLUSH_S, took / _WRITE_SHARE)) if self.writes else FLUSH_S
        self.writes += 1


async def _drive(start: Callable[[Callable[[T], None]], Coroutine[Any, Any, list[T]]], batcher: _Batcher[T],
                 cancel: threading.Event | None) -> list[T] | None:
    task = asyncio.ensure_future(start(batcher.collect))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=min(FLUSH_S, batcher.wait_s) / 2)
            if done:
                return task.result()
            if cancel is not None and cancel.is_set():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                return None
            if time.monotonic() - batcher.written_at >= batcher.wait_s:
                await asyncio.to_thread(batcher.flush)
    finally:
        if not task.done():  # the loop itself is being stopped (Ctrl-C): the accounts go with it
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def run_storing(start: Callable[[Callable[[T], None]], Coroutine[Any, Any, list[T]]],
                write: Callable[[list[T]], None], *, on_result: Callable[[T], None] | None = None,
                on_written: Callable[[list[T]], None] | None = None,
                cancel: threading.Event | None = None,
                away: contextlib.AbstractContextManager[Any] | None = None,
                max_wait_s: float | None = None) -> tuple[list[T], bool]:
    """Run ``start(collect)`` (a batch that calls ``collect`` with each account's result) in a new
    event loop, writing results as they come; returns (results, complete).

    ``on_result`` is called with each result as it comes, ``on_written`` with each batch once it
    is in the store (a run log's progress). Complete: every result in the order the batch
    returns them. Stopped by ``cancel``: the finished ones in the order they finished. Either
    way every returned result is written; a stop by an exception (KeyboardInterrupt) still
    writes what finished before it propagates.

    ``away`` (``store.released()``) is held while the batch runs and let go before the last write:
    the file is free while the sites are asked (once ``Store.released``' grace is over, so a batch
    that ends sooner never closes it), and the last batch (a single account's only one) goes
    through the caller's session again.

    ``max_wait_s``: write at least this often, whatever the writes cost (a run the window paces,
    whose results are costly to write: what is left for the last write is what the run waits for).
    """
    batcher: _Batcher[T] = _Batcher(write, on_result, on_written, max_wait_s)
    try:
        with away if away is not None else contextlib.nullcontext():
            results = asyncio.run(_drive(start, batcher, cancel))
    except BaseException:
        try:
            batcher.flush(last=True)
        except AllhubError as exc:  # the first error is the one to tell
            log.warning("results of the stopped run not written: %s", exc)
        raise
    if results is not None:  # a result the batch returned without telling is written now
        batcher.pending += [r for r in results if id(r) not in batcher.seen]
    batcher.flush(last=True)
    if results is None:
        return list(batcher.finished), False
    return results, True
