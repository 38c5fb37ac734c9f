"""A refresh or check-in a person starts (``allhub refresh``, ``allhub checkin``, the pages'
buttons): a logged run like the scheduler's, so ``allhub runs`` lists every run, whoever started it.

``run_now`` checks what was asked for first (bad ids are one sentence and change nothing, not
even the log), claims the run with its trigger (one live run per job across processes, like
every run), and runs it through ``jobs.run_job`` with the accounts asked for. It leaves the
schedule alone: the day's check-in and the next auto refresh stay as planned. A person goes
first: when the scheduler's run of the same job is going on, it is asked to make way
(``preempt``) and this run starts as soon as it has (within a few seconds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allhub_core.accounts import parse_id, require_ids
from allhub_core.automation import preempt, runlog
from allhub_core.automation.clock import Clock, SystemClock
from allhub_core.automation.jobs import JobBusy, RunReport, RunScope, run_job
from allhub_core.errors import ValidationError
from allhub_core.net import Politeness
from allhub_core.store import Store
from allhub_core.sync import count_in_run
from allhub_core.vocab import Job

__all__ = ["USER_JOBS", "USER_TRIGGERS", "run_now"]

USER_JOBS = (Job.REFRESH, Job.CHECKIN)
USER_TRIGGERS = ("cli", "dashboard")


def run_now(store: Store, job: str, ids: list[Any] | None = None, *, trigger: str = "cli", force: bool = False,
            politeness: Politeness | None = None, on_result: Callable[[Any], None] | None = None,
            clock: Clock | None = None, first: list[Any] | None = None) -> RunReport:
    """Refresh or check in ``ids`` (None: every enabled account the job takes) as a logged run;
    ``report.detail`` is the sync room's report (``RefreshReport``, ``CheckInReport``), or None
    with ``report.error`` when the run failed outright. ``JobBusy`` when that job is running.
    ``first``: a refresh takes these accounts before the others (those on the person's screen)."""
    if job not in USER_JOBS:
        raise ValidationError(f"'{job}' is not a job a person runs here; use one of {', '.join(USER_JOBS)}.")
    if trigger not in USER_TRIGGERS:
        raise ValidationError(f"'{trigger}' is not a trigger of a run a person starts.")
    aids = [parse_id(i) for i in ids] if ids is not None else None
    # One opening of the file for the whole run: the sync room lets it go around the network,
    # the run log lets it go while a message is sent and while a background run makes way.
    with store.session():
        if aids is None:
            total = count_in_run(store, checkin=job == "checkin")
        else:
            with store.read() as con:
                require_ids(con, aids)
            total = len(set(aids))
        clock = clock or SystemClock()
        ahead = [parse_id(i) for i in first] if first else None  # a bad id here is one sentence, before the claim
        rid = _claim_first(store, job, trigger, total, clock)
        if rid is None:
            raise JobBusy(f"A {Job(job).phrase} run is already going on; wait for it to finish.")
        return run_job(store, job, trigger=trigger, clock=clock, politeness=politeness,
                       _claimed=(rid, total, aids or [], {}), _scope=RunScope(aids, force, on_result, ahead))



#: How long a person's run waits for a background run of its job to make way.
MAKE_WAY_WAIT_S = 15.0


def _background_run_going(store: Store, job: str) -> bool:
    return runlog.running_trigger(store, job) in preempt.BACKGROUND_TRIGGERS


def _claim_first(store: Store, job: str, trigger: str, total: int, clock: Clock) -> int | None:
    """Claim the run; when a background run of the job holds it, ask it to make way and claim
    as soon as it has (None: a person's run holds it, or the background run did not stop)."""
    now = clock.now()
    rid = runlog.claim_run(store, job, trigger, now, day=now.date(), total=total)
    if rid is not None or not _background_run_going(store, job):
        return rid
    preempt.request(store, job)
    try:
        # the file is let go at once while waiting: the background run, maybe in another process,
        # must write its end for this wait to end
        with store.released(grace_s=0):
            deadline = time.monotonic() + MAKE_WAY_WAIT_S
            while rid is None and time.monotonic() < deadline:
                time.sleep(0.2)
                now = clock.now()
                rid = runlog.claim_run(store, job, trigger, now, day=now.date(), total=total)
    finally:
        preempt.clear(store, job)
    return rid
