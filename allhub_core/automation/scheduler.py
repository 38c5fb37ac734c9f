"""The scheduler: one per dashboard server process and one in ``allhub daemon``; one acts.

Each ``tick`` takes or renews the lease (``lease``); without it the scheduler waits and says
so once. With it, it runs what ``schedule.due_jobs`` says is due, one job after another,
renewing the lease after each (and, in ``run_forever``, from a heartbeat thread while a long
job runs), then sends the daily notification summary when the notify module says it is due.
Each job runs within its own deadline (``watchdog``): one that passes it is recorded failed
and the tick goes on to the next due job.
``start_scheduler_thread`` starts at most one scheduler thread per database per process (a
registry that survives Streamlit reruns and page reloads).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
import threading
import types
from pathlib import Path
from typing import Any

from allhub_core.automation import runlog
from allhub_core.automation.clock import Clock, SystemClock
from allhub_core.automation.jobs import JobBusy, RunReport
from allhub_core.automation.lease import _MINE, LEASE_TTL_S, acquire, new_holder, release
from allhub_core.automation.schedule import due_jobs
from allhub_core.automation.watchdog import run_within_deadline
from allhub_core.errors import AllhubError
from allhub_core.net import Politeness
from allhub_core.store import Store
from allhub_core.vocab import Job

__all__ = ["TICK_S", "Scheduler", "start_scheduler_thread", "stop_scheduler_thread"]

log = logging.getLogger("allhub.automation")

TICK_S = 15.0


def _describe(holder: dict[str, Any] | None) -> str:
    if not holder:
        return "another scheduler"
    return f"{holder['holder']} (lease until {holder['expires_at'].astimezone():%H:%M:%S})"


class Scheduler:
    """Runs due jobs on ``db_path`` while it holds the lease. ``clock`` for tests (``FakeClock``)."""

    def __init__(self, db_path: str | os.PathLike, *, clock: Clock | None = None, holder: str | None = None,
                 tick_s: float = TICK_S, lease_ttl_s: float = LEASE_TTL_S, politeness: Politeness | None = None):
        self.db_path = str(db_path)
        self.clock = clock or SystemClock()
        self.holder = holder or new_holder()
        _MINE.add(self.holder)
        self.tick_s = tick_s
        self.lease_ttl_s = lease_ttl_s
        self.politeness = politeness
        self.state = "idle"  # idle | active | waiting | stopped
        self.waiting_for: dict[str, Any] | None = None
        self.last_error: str | None = None
        self.running_job: str | None = None
        self.thread: threading.Thread | None = None
        self.stop_event: threading.Event | None = None
        #: set: the running refresh or check-in stops now (writing what it finished), no job starts
        self.cancel = threading.Event()
        self._stores: dict[int, Store] = {}

    def __repr__(self) -> str:
        return f"Scheduler({self.db_path!r}, holder={self.holder!r}, state={self.state!r})"

    def _store(self) -> Store:
        """A Store per thread (a Store object is meant for one thread)."""
        key = threading.get_ident()
        store = self._stores.get(key)
        if store is None:
            store = self._stores[key] = Store(self.db_path)
        return store

    def _lease(self, store: Store) -> bool:
        held, info = acquire(store, self.holder, self.clock.now(), self.lease_ttl_s)
        if held:
            if self.state != "active":
                log.info("scheduler active on %s (holder %s)", self.db_path, self.holder)
            self.state, self.waiting_for = "active", None
            return True
        if self.state != "waiting" or (self.waiting_for or {}).get("holder") != (info or {}).get("holder"):
            log.info("waiting: %s runs the jobs on %s; this scheduler takes over if its lease expires",
                     _describe(info), self.db_path)
        self.state, self.waiting_for = "waiting", info
        return False

    def tick(self) -> list[RunReport]:
        """Take the lease and run what is due now; [] when another scheduler holds the lease."""
        store = self._store()
        if not self._lease(store):
            return []
        reports: list[RunReport] = []
        for entry in due_jobs(store, self.clock.now()):
            if self.cancel.is_set():
                break
            job = "checkin" if entry["job"] == "checkin_retry" else entry["job"]
            self.running_job = job
            try:
                report = run_within_deadline(store, job, trigger=entry["trigger"], clock=self.clock,
                                             politeness=self.politeness, cancel=self.cancel)
            except JobBusy as exc:
                log.info("%s: %s", job, exc)
                continue
            finally:
                self.running_job = None
            log.info("%s (%s): %s: %s%s", Job(job).label, report.trigger, report.status, report.summary(),
                     "".join(f" [{n.get('channel')}: {'ok' if n.get('ok') else n.get('message')}]"
                             for n in report.notify))
            reports.append(report)
            if not self._lease(store):  # someone took over (our lease expired during a long job)
                break
        if self.state == "active" and not self.cancel.is_set():
            self._daily_summary(store)
        return reports

    def _daily_summary(self, store: Store) -> None:
        try:
            module = importlib.import_module("allhub_core.automation.notify")
        except ImportError:
            return
        except Exception as exc:  # noqa: BLE001 - notifications never stop the scheduler
            log.warning("notifications unavailable: %s", type(exc).__name__)
            return
        due, send = getattr(module, "daily_summary_due", None), getattr(module, "send_daily_summary", None)
        if due is None or send is None:
            return
        now = self.clock.now()
        key = f"daily_summary:{now.date().isoformat()}"
        try:
            if runlog.get_state(store, key) is not None or not _call(due, store, now):
                return
            results = _call(send, store, now) or []
            with store.write() as con:
                runlog.set_state(con, key, now.isoformat())
            log.info("daily summary sent: %s", "; ".join(
                f"{r.get('channel')}: {'ok' if r.get('ok') else r.get('message')}" for r in results
                if isinstance(r, dict)) or "no channels")
        except Exception as exc:  # noqa: BLE001
            log.warning("daily summary failed: %s", exc if isinstance(exc, AllhubError) else type(exc).__name__)

    def _heartbeat(self, stop: threading.Event) -> None:
        while not stop.wait(max(1.0, self.lease_ttl_s / 3)):
            if self.state == "active" and self.running_job:
                try:
                    acquire(self._store(), self.holder, self.clock.now(), self.lease_ttl_s)
                except AllhubError as exc:
                    log.warning("lease heartbeat failed: %s", exc)

    def run_forever(self, stop_event: threading.Event) -> None:
        """Tick every ``tick_s`` seconds until ``stop_event`` is set; then give the lease up."""
        beat = threading.Thread(target=self._heartbeat, args=(stop_event,), name="allhub-lease", daemon=True)
        beat.start()
        try:
            while not stop_event.is_set():
                try:
                    self.tick()
                    self.last_error = None
                except AllhubError as exc:
                    self.last_error = str(exc)
                    log.warning("scheduler tick failed: %s", exc)
                except Exception as exc:  # the scheduler outlives a bug in one tick
                    self.last_error = f"unexpected internal error ({type(exc).__name__})"
                    log.exception("scheduler tick failed")
                stop_event.wait(self.tick_s)
        finally:
            beat.join(5.0)  # it ends with the stop; no thread may still use the store at exit
            self.release()

    def release(self) -> None:
        try:
            release(self._store(), self.holder)
        except AllhubError as exc:
            log.warning("could not give the lease up: %s", exc)
        self.state = "stopped"

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the thread started by ``start_scheduler_thread`` (waits up to ``timeout``)."""
        if self.stop_event is not None:
            self.stop_event.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)


def _call(fn: Any, store: Store, now: Any) -> Any:
    """Call a notify function with ``now`` when it takes one."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    return fn(store, now=now) if "now" in params else fn(store)


# One registry per process, kept in sys.modules so a re-import of this module (Streamlit's
# reloads) still finds the schedulers already running.
_REGISTRY_NAME = "allhub_core._scheduler_registry"
_registry = sys.modules.get(_REGISTRY_NAME)
if _registry is None:
    _registry = types.ModuleType(_REGISTRY_NAME)
    _registry.lock = threading.Lock()  # type: ignore[attr-defined]
    _registry.schedulers = {}  # type: ignore[attr-defined]
    sys.modules[_REGISTRY_NAME] = _registry


def start_scheduler_thread(db_path: str | os.PathLike, **kwargs: Any) -> Scheduler:
    """The scheduler thread of this database in this process, started on the first call."""
    key = os.path.realpath(Path(db_path))
    with _registry.lock:  # type: ignore[union-attr]
        existing: Scheduler | None = _registry.schedulers.get(key)  # type: ignore[union-attr]
        if existing is not None and existing.thread is not None and existing.thread.is_alive():
            return existing
        sched = Scheduler(db_path, **kwargs)
        sched.stop_event = threading.Event()
        sched.thread = threading.Thread(target=sched.run_forever, args=(sched.stop_event,),
                                        name="allhub-scheduler", daemon=True)
        _registry.schedulers[key] = sched  # type: ignore[union-attr]
        sched.thread.start()
        return sched


def stop_scheduler_thread(db_path: str | os.PathLike, timeout: float | None = 10.0) -> None:
    key = os.path.realpath(Path(db_path))
    with _registry.lock:  # type: ignore[union-attr]
        sched = _registry.schedulers.pop(key, None)  # type: ignore[union-attr]
    if sched is not None:
        sched.stop(timeout)
