"""A job run with a deadline of its own, so one stuck job never stalls the scheduler.

``run_within_deadline`` claims the run, runs ``jobs.run_job`` in a worker thread (with its own
``Store``) and waits up to the job's deadline (``job_deadline_s``). A run that passes it is
recorded as failed with one sentence, and the caller goes on to the next due job; the worker is
told to stop (a refresh or check-in stops between accounts) and left to end by itself (a thread
cannot be killed); when it does, what it finds is not written over that sentence. Until it has
ended, the job is not started again in this process.

The deadlines: a WebDAV sync ends by itself within the WebDAV deadline (``sync.backup``'s
setting, passed to the sync as its time limit), so its job gets that plus ``JOB_MARGIN_S``.
Refresh, check-in and usage sync already give each account its own deadline (45 s by default,
paused while our politeness holds requests back), so their job gets ``BASE_S`` plus
``PER_ACCOUNT_S`` for each account it takes: far beyond a slow but working run, short of a day.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from allhub_core import sync
from allhub_core.automation import runlog
from allhub_core.automation.clock import Clock
from allhub_core.automation.jobs import JobBusy, RunGuard, RunReport, _claim, run_job
from allhub_core.net import Politeness
from allhub_core.store import Store
from allhub_core.vocab import Job

__all__ = ["BASE_S", "JOB_MARGIN_S", "PER_ACCOUNT_S", "job_deadline_s", "run_within_deadline", "stuck_jobs"]

log = logging.getLogger("allhub.automation")

JOB_MARGIN_S = 30.0
BASE_S = 600.0
PER_ACCOUNT_S = 45.0

#: (database path, job) -> the worker of a run that passed its deadline and has not ended yet
_stuck: dict[tuple[str, str], threading.Thread] = {}
_stuck_lock = threading.Lock()


def _what(job: str) -> str:
    return Job(job).phrase


def job_deadline_s(store: Store, job: str, total: int) -> float:
    """How long a scheduled run of ``job`` taking ``total`` accounts may take."""
    if job == "webdav_sync":
        return sync.get_backup_settings(store).timeout_s + JOB_MARGIN_S
    return BASE_S + PER_ACCOUNT_S * max(0, total)


def stuck_jobs(db_path: str) -> list[str]:
    """The jobs on ``db_path`` whose run passed its deadline and whose worker is still going."""
    with _stuck_lock:
        return [job for (path, job), t in _stuck.items() if path == db_path and t.is_alive()]


def run_within_deadline(store: Store, job: str, *, trigger: str, clock: Clock, politeness: Politeness | None = None,
                        deadline_s: float | None = None, cancel: threading.Event | None = None) -> RunReport:
    """Run ``job`` as ``run_job`` does, but give up waiting after its deadline: the run is then
    failed with one sentence and told to stop (a refresh or check-in stops between accounts).
    ``cancel`` set (a stopping daemon) is passed on to the run. ``JobBusy`` when the job is
    running, or its stuck run has not ended."""
    key = (store.path, job)
    with _stuck_lock:
        worker = _stuck.get(key)
        if worker is not None and not worker.is_alive():
            del _stuck[key]
        elif worker is not None:
            raise JobBusy(f"The {_what(job)} run that passed its deadline has not ended yet; "
                          "it is not started again until it has.")
    claimed = _claim(store, job, trigger, clock)
    rid, total = claimed[0], claimed[1]
    limit = deadline_s if deadline_s is not None else job_deadline_s(store, job, total)
    guard = RunGuard()
    stop = threading.Event()  # this run's own: set on give-up, or when ``cancel`` is
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["report"] = run_job(Store(store.path), job, trigger=trigger, clock=clock, politeness=politeness,
                                    cancel=stop, _claimed=claimed, _guard=guard)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"allhub-{job}-job", daemon=True)
    worker.start()
    ends = time.monotonic() + limit
    while worker.is_alive() and (left := ends - time.monotonic()) > 0:
        worker.join(min(left, 0.5))
        if cancel is not None and cancel.is_set():
            stop.set()
    with guard.lock:
        guard.given_up = not guard.finished and worker.is_alive()
    if not guard.given_up:  # it ended, or is recording its end: wait for that
        worker.join()
        if "error" in box:
            raise box["error"]
        return box["report"]
    stop.set()
    with _stuck_lock:
        _stuck[key] = worker
    return _give_up(store, rid, job, trigger, total, limit, clock)


def _give_up(store: Store, rid: int, job: str, trigger: str, total: int, limit: float, clock: Clock) -> RunReport:
    now = clock.now()
    text = (f"The {_what(job)} did not finish within {limit:g} s; it was given up on so the "
            "other jobs could run.")
    run = runlog.get_run(store, rid) or {}
    done = int(run.get("done") or 0)
    runlog.finish_run(store, rid, status="failed", now=now, summary=text, counts={}, done=done,
                      total=max(total, done))
    log.warning("%s run %s passed its deadline of %g s; the scheduler goes on", Job(job).label, rid, limit)
    return RunReport(rid, job, trigger, status="failed", text=text, started_at=run.get("started_at"),
                     finished_at=now)
