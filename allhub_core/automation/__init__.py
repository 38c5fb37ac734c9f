"""Automation (layer L5): what runs by itself, on a schedule, and the log of every run.

``settings`` (on/off, intervals, the check-in window), ``schedule`` (when each job is due;
the day's check-in time picked once and stored; catch-up and retries), ``runlog`` (the run
log and the scheduler's state in DuckDB), ``lease`` (one acting scheduler per database),
``jobs`` (``run_job``: one logged run of refresh, check-in, usage sync or WebDAV sync),
``user_runs`` (``run_now``: a refresh or check-in a person starts, logged the same way),
``scheduler`` (``Scheduler``, the per-process thread), ``daemon`` (``allhub daemon``), and
``notify`` (notifications, written separately; optional here). Imports ``sync``, the L3
facades and the store; never streamlit. See docs/architecture.md.
"""

from allhub_core.automation.attention import (
    PAGE_ACTIONS,
    AttentionEntry,
    AttentionQueue,
    attention_queue,
    fix_attention,
)
from allhub_core.automation.clock import FakeClock, SystemClock
from allhub_core.automation.daemon import run_daemon
from allhub_core.automation.jobs import (
    TRIGGERS,
    JobBusy,
    RunReport,
    refresh_if_stale,
    run_job,
    start_background_run,
)
from allhub_core.automation.lease import lease_holder
from allhub_core.automation.runlog import current_run, list_runs, run_results
from allhub_core.automation.schedule import JOBS, next_runs
from allhub_core.automation.scheduler import Scheduler, start_scheduler_thread, stop_scheduler_thread
from allhub_core.automation.settings import WEBDAV_MODES, AutomationSettings, get_settings, save_settings
from allhub_core.automation.user_runs import run_now

__all__ = [
    "JOBS",
    "PAGE_ACTIONS",
    "TRIGGERS",
    "WEBDAV_MODES",
    "AttentionEntry",
    "AttentionQueue",
    "AutomationSettings",
    "FakeClock",
    "JobBusy",
    "RunReport",
    "Scheduler",
    "SystemClock",
    "attention_queue",
    "current_run",
    "fix_attention",
    "get_settings",
    "lease_holder",
    "list_runs",
    "next_runs",
    "refresh_if_stale",
    "run_daemon",
    "run_job",
    "run_now",
    "run_results",
    "save_settings",
    "start_background_run",
    "start_scheduler_thread",
    "stop_scheduler_thread",
]
