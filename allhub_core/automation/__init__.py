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

from __future__ import annotations

from typing import TYPE_CHECKING

from allhub_core.lazy import lazy_facade

if TYPE_CHECKING:
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

#: Where each name of the facade lives, imported on first use (PEP 562): a command that runs a job
#: (``allhub refresh``) loads the job's modules, not the scheduler's, the daemon's or the attention
#: queue's. The imports above are what type checkers and import-linter read.
_HOME: dict[str, tuple[str, str]] = {
    "PAGE_ACTIONS": ("allhub_core.automation.attention", "PAGE_ACTIONS"),
    "AttentionEntry": ("allhub_core.automation.attention", "AttentionEntry"),
    "AttentionQueue": ("allhub_core.automation.attention", "AttentionQueue"),
    "attention_queue": ("allhub_core.automation.attention", "attention_queue"),
    "fix_attention": ("allhub_core.automation.attention", "fix_attention"),
    "FakeClock": ("allhub_core.automation.clock", "FakeClock"),
    "SystemClock": ("allhub_core.automation.clock", "SystemClock"),
    "run_daemon": ("allhub_core.automation.daemon", "run_daemon"),
    "TRIGGERS": ("allhub_core.automation.jobs", "TRIGGERS"),
    "JobBusy": ("allhub_core.automation.jobs", "JobBusy"),
    "RunReport": ("allhub_core.automation.jobs", "RunReport"),
    "refresh_if_stale": ("allhub_core.automation.jobs", "refresh_if_stale"),
    "run_job": ("allhub_core.automation.jobs", "run_job"),
    "start_background_run": ("allhub_core.automation.jobs", "start_background_run"),
    "lease_holder": ("allhub_core.automation.lease", "lease_holder"),
    "current_run": ("allhub_core.automation.runlog", "current_run"),
    "list_runs": ("allhub_core.automation.runlog", "list_runs"),
    "run_results": ("allhub_core.automation.runlog", "run_results"),
    "JOBS": ("allhub_core.automation.schedule", "JOBS"),
    "next_runs": ("allhub_core.automation.schedule", "next_runs"),
    "Scheduler": ("allhub_core.automation.scheduler", "Scheduler"),
    "start_scheduler_thread": ("allhub_core.automation.scheduler", "start_scheduler_thread"),
    "stop_scheduler_thread": ("allhub_core.automation.scheduler", "stop_scheduler_thread"),
    "WEBDAV_MODES": ("allhub_core.automation.settings", "WEBDAV_MODES"),
    "AutomationSettings": ("allhub_core.automation.settings", "AutomationSettings"),
    "get_settings": ("allhub_core.automation.settings", "get_settings"),
    "save_settings": ("allhub_core.automation.settings", "save_settings"),
    "run_now": ("allhub_core.automation.user_runs", "run_now"),
}


__getattr__, __dir__ = lazy_facade(__name__, _HOME)

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
