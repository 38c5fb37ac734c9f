"""Running one job: refresh, check-in, usage sync, WebDAV sync, models sync; each run logged in DuckDB.

``run_job`` claims the run (one live run per job across processes), does the work through
the ``sync`` room, records progress as accounts finish, writes per-account results, counts
and one summary sentence, and for refresh, check-in and models sync runs calls the notifications hook
(``allhub_core.automation.notify.notify_after_run``, when it exists), storing what it says.
A notifier failure never fails the job. A job's own failure is a ``failed`` run with its
sentence, never an exception, except that a job already running is ``JobBusy``.

A run a person starts (``user_runs.run_now``: ``allhub refresh``, the pages' buttons) is a run
like the others, with its trigger (``cli``, ``dashboard``) and the accounts asked for (a
``RunScope``); it leaves the schedule's state alone. ``cancel`` (a daemon stopping) ends a
refresh or check-in within a second: what finished is written and the run says it was
interrupted, its counts those of the results it records.

Check-ins: only accounts not checked in today are taken (decided from the store, see
``schedule.checkin_candidates``), so no account is checked in twice a day whatever restarts,
reloads or second processes happen; a retry takes only today's failures.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from allhub_core import sync
from allhub_core.automation import preempt, runlog
from allhub_core.automation._job_work import (
    Progress,
    RunScope,
    checkin_job,
    models_job,
    refresh_job,
    usage_job,
    webdav_job,
)
from allhub_core.automation.clock import Clock, SystemClock
from allhub_core.automation.schedule import JOBS, checkin_candidates, failed_today, retries_done
from allhub_core.automation.settings import get_settings
from allhub_core.errors import AllhubError, StoreBusy, ValidationError
from allhub_core.net import Politeness
from allhub_core.store import Store
from allhub_core.vocab import Job

__all__ = [
    "JOBS",
    "TRIGGERS",
    "JobBusy",
    "RunGuard",
    "RunReport",
    "refresh_if_stale",
    "run_job",
    "start_background_run",
]

log = logging.getLogger("allhub.automation")

TRIGGERS = ("schedule", "catch-up", "retry", "manual", "open", "demo", "cli", "dashboard")
#: The scheduler's own runs: paced over each site's window (``Politeness.paced``), yielding to a
#: person's requests (``background``), a refresh taking the stalest accounts first.
PACED_TRIGGERS = frozenset({"schedule", "catch-up", "retry"})
_NOTIFIED_JOBS = (Job.REFRESH, Job.CHECKIN)


class JobBusy(StoreBusy):
    """The job is running already (in this or another process); like a busy database, try again later."""


class RunGuard:
    """Shared by a run and whoever waits for it (``watchdog``): once ``given_up`` is set (the run
    passed its deadline and was recorded failed), the run writes nothing more to its log entry;
    ``finished`` says the run has begun recording its end, so it is not given up any more."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.given_up = False
        self.finished = False


@dataclass
class RunReport:
    """One logged run: ``summary()`` (one sentence), ``rows()`` (per account), ``exit_code()``."""

    run_id: int
    job: str
    trigger: str
    status: str = "running"
    text: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    notify: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    detail: Any = None  # the sync room's own report
    error: AllhubError | None = None  # what stopped the run outright (a caller may raise it again)

    def summary(self) -> str:
        return self.text

    def rows(self) -> list[dict[str, Any]]:
        """account_id, name, ok, result, message for each account the run took."""
        return [dict(r) for r in self.results]

    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.run_id, "job": self.job, "trigger": self.trigger, "status": self.status,
                "summary": self.text, "counts": self.counts, "notify": self.notify,
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "results": self.rows()}


def _status(results: list[dict[str, Any]], failed_outright: bool = False) -> str:
    if failed_outright:
        return "failed"
    bad = sum(1 for r in results if not r["ok"])
    if not bad:
        return "ok"
    return "failed" if bad == len(results) else "partial"


def _count(store: Store, job: str, day: Any, retry: bool) -> tuple[int, list[int], dict[int, str]]:
    """How many accounts the run will take (for progress), and for check-ins which ones."""
    if job == "checkin":
        pairs = failed_today(store, day) if retry else checkin_candidates(store, day)
        return len(pairs), [p[0] for p in pairs], dict(pairs)
    if job in ("refresh", "usage_sync", "models_sync"):
        with store.read() as con:
            row = con.execute("SELECT count(*) FROM accounts WHERE NOT disabled").fetchone()
        return int(row[0]) if row else 0, [], {}
    return 0, [], {}


def _sends(store: Store) -> bool:
    """Is there an enabled notification channel (the hook may go over the network)? True when
    the store cannot say."""
    try:
        with store.read() as con:
            row = con.execute("SELECT count(*) FROM notify_channels WHERE enabled").fetchone()
    except AllhubError:
        return True
    return bool(row and row[0])


def _notify(store: Store, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The notifications hook, if the notify module is there; whatever happens, a list."""
    try:
        module = importlib.import_module("allhub_core.automation.notify")
    except ImportError:
        return []
    except Exception as exc:  # noqa: BLE001 - a broken notifier never fails a job
        log.warning("notifications unavailable: %s", type(exc).__name__)
        return [{"channel": "notify", "ok": False, "message": f"Notifications could not load ({type(exc).__name__})."}]
    hook: Callable[..., Any] | None = getattr(module, "notify_after_run", None)
    if hook is None:
        return []
    try:
        out = hook(store, run)
    except Exception as exc:  # noqa: BLE001
        log.warning("notification hook failed: %s", type(exc).__name__)
        return [{"channel": "notify", "ok": False, "message": f"Notifications failed ({type(exc).__name__})."}]
    return [dict(x) for x in out or [] if isinstance(x, dict)]


def _claim(store: Store, job: str, trigger: str, clock: Clock) -> tuple[int, int, list[int], dict[int, str]]:
    if job not in JOBS:
        raise ValidationError(f"'{job}' is not a job; use one of {', '.join(JOBS)}.")
    if trigger not in TRIGGERS:
        raise ValidationError(f"'{trigger}' is not a run trigger; use one of {', '.join(TRIGGERS)}.")
    now = clock.now()
    with store.session():  # one opening of the file for the count and the claim
        total, ids, names = _count(store, job, now.date(), trigger == "retry")
        rid = runlog.claim_run(store, job, trigger, now, day=now.date(), total=total,
                               state={f"last_start:{job}": now.isoformat()})
    if rid is None:
        raise JobBusy(f"A {Job(job).phrase} run is already going on; wait for it to finish.")
    return rid, total, ids, names


def run_job(store: Store, job: str, *, trigger: str = "manual", clock: Clock | None = None,
            politeness: Politeness | None = None, sync_usage: bool = True,
            cancel: threading.Event | None = None, _claimed: tuple[int, int, list[int], dict[int, str]] | None = None,
            _guard: RunGuard | None = None, _scope: RunScope | None = None) -> RunReport:
    """Run ``job`` now and log it; returns the finished run's report (``JobBusy`` when that job
    is running already). ``politeness`` overrides the saved one (tests use a fast one);
    ``sync_usage=False`` keeps a refresh from syncing the usage logs that are due; ``cancel``
    set from another thread stops a refresh or check-in (the run is recorded interrupted)."""
    clock = clock or SystemClock()
    rid, total, ids, names = _claimed or _claim(store, job, trigger, clock)
    started = clock.now()
    day = started.date()
    report = RunReport(rid, job, trigger, started_at=started)
    # After a refresh of chosen accounts (or without the usage sync) and after a check-in, the
    # run's end comes straight after its last account's results.
    finish_follows = (job == "checkin"
                      or (job == "refresh" and (not sync_usage or (_scope is not None and _scope.ids is not None))))
    progress = Progress(store, rid, total, clock, finish_follows=finish_follows)
    failed_outright = transient = interrupted = made_way = False
    # A background refresh or check-in makes way for a person's run of the same job (``preempt``).
    watcher = (preempt.Watcher(store, job, cancel)
               if job in _NOTIFIED_JOBS and trigger in preempt.BACKGROUND_TRIGGERS and _scope is None else None)
    job_cancel = watcher.cancel if watcher is not None else cancel
    paced = trigger in PACED_TRIGGERS and (job in _NOTIFIED_JOBS or job == Job.MODELS_SYNC)
    if paced:  # no person waits: spread over each site's window, behind any person's requests
        politeness = replace(politeness or sync.politeness_for(store), paced=True, background=True)
    try:
        with watcher or nullcontext():
            if job == "refresh":
                rows, text, counts, detail = refresh_job(store, progress, politeness, sync_usage, _scope, job_cancel,
                                                      paced)
            elif job == "checkin":
                rows, text, counts, detail = checkin_job(store, ids, names, progress, politeness, _scope, job_cancel)
            elif job == "usage_sync":
                rows, text, counts, detail = usage_job(store, progress, politeness)
            elif job == "models_sync":
                rows, text, counts, detail = models_job(store, progress, politeness)
            else:
                rows, text, counts, detail = webdav_job(store, get_settings(store).webdav_sync_mode)
                failed_outright = not detail.ok
        made_way = watcher is not None and watcher.preempted and getattr(detail, "interrupted", False)
        if made_way:  # a person's run of this job is waiting: the rest comes at the next tick
            text = (f"Made way for a run a person started: {len(rows)} of {max(total, len(rows))} account(s) "
                    "done; the rest follow at the scheduler's next tick.")
        elif getattr(detail, "interrupted", False):  # stopped by ``cancel``: its rows are what finished
            text = f"Interrupted: the run was stopped after {len(rows)} of {max(total, len(rows))} account(s)."
            failed_outright = interrupted = True
    except AllhubError as exc:
        rows, text, counts, detail, failed_outright = [], str(exc), {}, None, True
        transient = isinstance(exc, StoreBusy)
        report.error = exc
    except Exception as exc:  # a bug is a failed run with a sentence, the scheduler goes on
        log.exception("the %s job failed unexpectedly", job)
        text = f"The job stopped on an unexpected internal error ({type(exc).__name__})."
        rows, counts, detail = [], {}, None
        failed_outright = True
    report.results, report.text, report.counts, report.detail = rows, text, counts, detail
    report.status = _status(rows, failed_outright)
    report.finished_at = clock.now()
    state: dict[str, str] = {}
    if made_way and job == "refresh":
        # due again at the next tick (it skips what it refreshed within the minimum interval)
        back = started - timedelta(seconds=get_settings(store).refresh_interval_s)
        state[f"last_start:{job}"] = back.isoformat()
    if job == "checkin" and not made_way:
        if trigger == "retry":
            state[f"checkin_retries:{day.isoformat()}"] = str(retries_done(store, day) + 1)
        elif not transient and not interrupted and _scope is None:
            # today's check-in has run (a busy database, or a stop half way, is tried again next tick)
            state[f"checkin_daily:{day.isoformat()}"] = str(rid)
    done = len(rows) if job != "webdav_sync" else int(not failed_outright)
    guard = _guard or RunGuard()
    # Nothing to tell when stopped by a person (a daemon told to stop, a run of theirs); a
    # refresh or check-in tells its channels, a held-back WebDAV sync needs a person.
    tell = not (interrupted or made_way) and (job in _NOTIFIED_JOBS or job == Job.MODELS_SYNC
                                              or bool(counts.get("held_back")))
    sends = False
    run: dict[str, Any] = {}
    with store.session():  # one opening of the file for the run's end (no network in it)
        with guard.lock:
            if guard.given_up:  # recorded failed at its deadline; what the sync room wrote stays
                log.warning("the %s run %s ended after its deadline: %s", job, rid, text)
                return report
            guard.finished = True
            try:
                runlog.add_results(store, rid, rows, day, report.finished_at)
            finally:
                runlog.finish_run(store, rid, status=report.status, now=report.finished_at, summary=text,
                                  counts=counts, done=max(done, progress.done),
                                  total=max(total, done, progress.done), state=state)
        if tell:
            run = runlog.get_run(store, rid) or {}
            run["results"] = report.rows()
            sends = _sends(store)
            if not sends:  # no channel: the hook only records the run (for the daily summary)
                report.notify = _notify(store, run)
    if tell and sends:
        with store.released():  # a session's file lock is never held while a message goes out
            report.notify = _notify(store, run)
    if report.notify:
        try:
            runlog.set_notify(store, rid, report.notify)
        except AllhubError as exc:
            log.warning("notification results of run %s not saved: %s", rid, exc)
    return report


def start_background_run(db_path: str | Path, job: str, trigger: str = "manual", *,
                         clock: Clock | None = None, politeness: Politeness | None = None) -> bool:
    """Start ``job`` in a thread with its own Store and return at once; False when that job is
    running already. The page polls ``current_run`` / ``list_runs`` for its progress."""
    clock = clock or SystemClock()
    store = Store(db_path)
    try:
        claimed = _claim(store, job, trigger, clock)
    except JobBusy:
        return False

    def work() -> None:
        try:
            run_job(Store(db_path), job, trigger=trigger, clock=clock, politeness=politeness, _claimed=claimed)
        except Exception:  # the run row says what happened; a thread has no caller
            log.exception("background %s run failed", job)

    threading.Thread(target=work, name=f"allhub-{job}-run", daemon=True).start()
    return True


def refresh_if_stale(store: Store, *, clock: Clock | None = None,
                     politeness: Politeness | None = None) -> RunReport | None:
    """For the dashboard's open: when "refresh on open" is on and some enabled account's data is
    older than the per-account minimum interval, refresh (non-forced) now; else None. A refresh
    run going on, or one started within that interval, also means None."""
    clock = clock or SystemClock()
    s = get_settings(store)
    if not s.refresh_on_open:
        return None
    now = clock.now()
    last = runlog.get_state(store, "last_start:refresh")
    if last and (now - datetime.fromisoformat(last)).total_seconds() < s.refresh_min_interval_s:
        return None
    with store.read() as con:
        row = con.execute("SELECT count(*) FROM accounts WHERE NOT disabled AND (last_sync_time IS NULL "
                          "OR last_sync_time < ?)", [now - timedelta(seconds=s.refresh_min_interval_s)]).fetchone()
    if not row or not row[0]:
        return None
    try:
        return run_job(store, "refresh", trigger="open", clock=clock, politeness=politeness)
    except JobBusy:
        return None

