"""``allhub daemon``, ``allhub automation show|set|run`` and ``allhub runs``: the scheduler as a
headless process, its settings, a job run by hand, and the run log."""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime
from typing import Any

from allhub_core.automation import (
    JOBS,
    current_run,
    get_settings,
    lease_holder,
    list_runs,
    next_runs,
    run_daemon,
    run_job,
    run_results,
    save_settings,
)
from allhub_core.cli.output import Fail, emit, open_store, print_json

__all__ = ["cmd_daemon", "cmd_run", "cmd_runs", "cmd_set", "cmd_show"]

_WINDOW = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _time(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else "-"


def cmd_daemon(args: argparse.Namespace) -> int:

    return run_daemon(args.db, once=args.once, log_level=args.log_level, stop_grace_s=args.stop_grace)


def _show(store: Any) -> dict[str, Any]:

    runs = [{"job": r["job"], "next_at": r["next_at"], "note": r["note"]} for r in next_runs(store)]
    lease = lease_holder(store)
    if lease is not None:
        lease = {k: lease[k] for k in ("holder", "heartbeat_at", "expires_at")}
    return {"settings": get_settings(store).as_dict(), "next_runs": runs, "lease": lease,
            "current_run": current_run(store)}


def _print_show(info: dict[str, Any]) -> None:
    s = info["settings"]
    on = lambda v: "on" if v else "off"  # noqa: E731
    emit(f"Auto refresh:   {on(s['refresh_enabled'])}, every {s['refresh_interval_s']} s; accounts refreshed within "
         f"{s['refresh_min_interval_s']} s are skipped; on dashboard open: {on(s['refresh_on_open'])}")
    how = (f"a random time in {s['checkin_window_start']}–{s['checkin_window_end']}" if s["checkin_mode"] == "random"
           else f"at {s['checkin_time']}")
    emit(f"Auto check-in:  {on(s['checkin_enabled'])}, daily at {how}; retries {on(s['retry_enabled'])} "
         f"(every {s['retry_interval_s']} s, at most {s['retry_max']} a day)")
    emit(f"Usage sync:     {on(s['usage_sync_enabled'])}, every {s['usage_sync_interval_s']} s")
    emit(f"WebDAV sync:    {on(s['webdav_sync_enabled'])}, every {s['webdav_sync_interval_s']} s, "
         f"mode {s['webdav_sync_mode']}, deleting at most {s['webdav_sync_max_delete_pct']}% of the accounts "
         "without you")
    emit(f"Models sync:    {on(s['models_sync_enabled'])}, every {s['models_sync_interval_s']} s")
    emit("Next runs:")
    for r in info["next_runs"]:
        emit(f"  {r['job']:<14} {r['note']}")
    lease = info["lease"]
    if lease is None:
        emit("Scheduler:      none running (start the dashboard or `allhub daemon`)")
    else:
        emit(f"Scheduler:      {lease['holder']} (last heartbeat {_time(lease['heartbeat_at'])}, "
             f"lease until {_time(lease['expires_at'])})")
    run = info["current_run"]
    if run:
        emit(f"Running now:    {run['job']} ({run['trigger']}), {run['done']}/{run['total']} accounts")


def cmd_show(args: argparse.Namespace) -> int:
    info = _show(open_store(args))
    if args.json:
        print_json(_plain(info))
    else:
        _print_show(info)
    return 0


def cmd_set(args: argparse.Namespace) -> int:

    changes: dict[str, Any] = {}
    for flag, key in (("refresh", "refresh_enabled"), ("refresh_on_open", "refresh_on_open"),
                      ("checkin", "checkin_enabled"), ("retry", "retry_enabled"),
                      ("usage_sync", "usage_sync_enabled"), ("webdav_sync", "webdav_sync_enabled"),
                      ("models_sync", "models_sync_enabled")):
        value = getattr(args, flag)
        if value is not None:
            changes[key] = value == "on"
    for flag, key in (("refresh_interval", "refresh_interval_s"), ("refresh_min_interval", "refresh_min_interval_s"),
                      ("retry_interval", "retry_interval_s"), ("retry_max", "retry_max"),
                      ("usage_sync_interval", "usage_sync_interval_s"),
                      ("webdav_sync_interval", "webdav_sync_interval_s"), ("webdav_sync_mode", "webdav_sync_mode"),
                      ("webdav_max_delete_pct", "webdav_sync_max_delete_pct"),
                      ("models_sync_interval", "models_sync_interval_s")):
        value = getattr(args, flag)
        if value is not None:
            changes[key] = value
    if (args.retry_interval is not None or args.retry_max is not None) and args.retry is None:
        changes["retry_enabled"] = True  # giving the retry rhythm turns retries on
    if args.checkin_window is not None:
        m = _WINDOW.match(args.checkin_window)
        if not m:
            raise Fail(2, f"The check-in window must be HH:MM-HH:MM, e.g. 09:00-23:00, not {args.checkin_window!r}.")
        changes["checkin_window_start"], changes["checkin_window_end"] = m.group(1), m.group(2)
    if args.checkin_time is not None:
        if args.checkin_time.strip().lower() == "random":
            changes["checkin_mode"] = "random"
        else:
            changes["checkin_mode"], changes["checkin_time"] = "fixed", args.checkin_time
    if not changes:
        raise Fail(2, "Nothing to change; give at least one setting (see 'allhub automation set --help').")
    store = open_store(args)
    save_settings(store, **changes)
    info = _show(store)
    if args.json:
        print_json(_plain(info))
    else:
        _print_show(info)
    return 0


def cmd_run(args: argparse.Namespace) -> int:

    report = run_job(open_store(args), args.job, trigger="manual")
    if args.json:
        print_json(_plain(report.as_dict()))
    else:
        for r in report.rows():
            emit(f"  {r['account_id']:>5}  {r['name'][:30]:<30}  {r['result']:<16} {r['message']}")
        emit(f"{report.summary()} (run {report.run_id}: {report.status})")
    return report.exit_code()


def cmd_runs(args: argparse.Namespace) -> int:

    if args.limit < 1:
        raise Fail(2, "--limit must be a whole number of at least 1.")
    if args.job is not None and args.job not in JOBS:
        raise Fail(2, f"--job is one of: {', '.join(JOBS)}.")
    store = open_store(args)
    runs = list_runs(store, limit=args.limit, job=args.job)
    if args.json:
        for run in runs:
            run["results"] = run_results(store, run["id"])
        print_json(_plain(runs))
        return 0
    if not runs:
        emit("No runs yet.")
        return 0
    emit(f"{'id':>5}  {'job':<11} {'trigger':<9} {'status':<8} {'started':<19}  {'done':>9}  summary")
    for r in runs:
        emit(f"{r['id']:>5}  {r['job']:<11} {r['trigger']:<9} {r['status']:<8} {_time(r['started_at']):<19}  "
             f"{str(r['done']) + '/' + str(r['total']):>9}  {r['summary']}")
    return 0
