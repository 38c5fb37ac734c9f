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

from allhub_core.automation.clock import FakeClock, SystemClock
from allhub_core.automation.daemon import run_daemon
from allhub_core.automation.jobs import (
    JOB_LABELS,
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
    "AutomationSettings", "get_settings", "save_settings", "WEBDAV_MODES",
    "next_runs", "list_runs", "run_results", "current_run",
    "JOBS", "JOB_LABELS", "TRIGGERS", "RunReport", "JobBusy", "run_job", "start_background_run", "refresh_if_stale",
    "run_now",
    "Scheduler", "start_scheduler_thread", "stop_scheduler_thread", "lease_holder", "run_daemon",
    "SystemClock", "FakeClock",
]
