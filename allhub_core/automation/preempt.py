"""A person's refresh or check-in goes first: it asks a background run of the same job to make way.

There is one live run per job across processes (``runlog.claim_run``). When a person starts a
refresh or check-in (``allhub refresh``, the pages' buttons) while a run of that job started by
the scheduler (or by the dashboard's open) is going on, in this process or another (the
dashboard's scheduler, ``allhub daemon``), the person's run leaves a flag file beside the
database, ``<db>.preempt-<job>``. The background run watches for it (a ``stat`` every quarter
second, no database work), stops as a cancelled run does (what finished is written, within a
second), and records that it made way; the person's run then claims the job. The rest of the
background work comes at the scheduler's next tick: the paused run leaves its job due, and a
scheduled refresh skips the accounts refreshed within the minimum interval, so nothing is fetched
twice.

A flag older than ``FLAG_TTL_S`` is ignored (its person's run is long gone).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from allhub_core.store import Store

__all__ = ["BACKGROUND_TRIGGERS", "FLAG_TTL_S", "Watcher", "clear", "request", "requested"]

#: Runs nobody is waiting for; a person's run of the same job takes their place.
BACKGROUND_TRIGGERS = frozenset({"schedule", "catch-up", "retry", "open"})
FLAG_TTL_S = 60.0
POLL_S = 0.25


def _flag(store: Store, job: str) -> Path | None:
    if not store.path or store.path == ":memory:":
        return None
    return Path(f"{store.path}.preempt-{job}")


def request(store: Store, job: str) -> None:
    """Ask the background run of ``job`` to make way (a person's run is waiting)."""
    flag = _flag(store, job)
    if flag is None:
        return
    try:
        flag.write_text(f"{os.getpid()} {time.time():.3f}\n", encoding="ascii")
    except OSError:
        pass  # a folder we cannot write: the person's run waits for the run to end, as before


def clear(store: Store, job: str) -> None:
    flag = _flag(store, job)
    if flag is not None:
        try:
            flag.unlink()
        except OSError:
            pass


def requested(store: Store, job: str) -> bool:
    """A person's run of ``job`` is waiting (a flag younger than ``FLAG_TTL_S``)."""
    flag = _flag(store, job)
    if flag is None:
        return False
    try:
        return time.time() - flag.stat().st_mtime < FLAG_TTL_S
    except OSError:
        return False


class Watcher:
    """While a background run works: ``cancel`` (handed to the job) is set when a person's run
    asks for the job or when ``outer`` (the scheduler stopping) is set; ``preempted`` says which."""

    def __init__(self, store: Store, job: str, outer: threading.Event | None = None) -> None:
        self.store, self.job, self.outer = store, job, outer
        self.cancel = threading.Event()
        self.preempted = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"allhub-{job}-preempt", daemon=True)

    def _watch(self) -> None:
        while not self._done.wait(POLL_S):
            if self.outer is not None and self.outer.is_set():
                self.cancel.set()
                return
            if requested(self.store, self.job):
                self.preempted = True
                self.cancel.set()
                return

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=2)
