"""The run log and the scheduler's state, in DuckDB.

Every job run is one ``automation_runs`` row: claimed (status ``running``) in one transaction
that first checks no live run of the same job exists, so two processes (the dashboard and a
daemon, or a button and the scheduler) never run one job twice at once; its progress and
heartbeat are updated while it runs (a page polls them); its per-account results, counts,
summary and notification results are written when it ends. A ``running`` row whose process
is gone (same host, dead pid) or whose heartbeat is older than ``STALE_S`` is closed as
``failed`` by the next claim; until then, readers (the run log, the progress in the sidebar)
already show a dead process's row as failed. ``automation_state`` holds small keyed values: the day's
chosen check-in time, the day's daily run, the last start of each job.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from allhub_core.store import Store, one_row

__all__ = [
    "PROCESS",
    "STALE_S",
    "add_results",
    "claim_run",
    "current_run",
    "finish_run",
    "get_run",
    "get_state",
    "holder_alive",
    "list_runs",
    "run_results",
    "running_trigger",
    "set_state",
    "update_progress",
]

#: this process, as run rows and leases name it
PROCESS = f"{socket.gethostname()}:{os.getpid()}"
#: a running row not heard from for this long belongs to a process that died
STALE_S = 600
STATUSES = ("running", "ok", "partial", "failed")
_RUN_COLUMNS = ("id", "job", "trigger", "status", "day", "holder", "started_at", "finished_at", "heartbeat_at",
                "done", "total", "counts", "summary", "notify")


def holder_alive(holder: str) -> bool:
    """False only when ``holder`` names a process on this host that no longer exists."""
    parts = holder.split(":")
    if len(parts) < 2 or parts[0] != socket.gethostname():
        return True
    try:
        pid = int(parts[1])
    except ValueError:
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but not ours (EPERM)
        return True
    return True


def get_state(store: Store | duckdb.DuckDBPyConnection, key: str) -> str | None:
    if isinstance(store, Store):
        with store.read() as con:
            return get_state(con, key)
    row = store.execute("SELECT value FROM automation_state WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_state(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT INTO automation_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


_DIED = "Interrupted: the process running it stopped."


def _row(cur_row: tuple[Any, ...]) -> dict[str, Any]:
    run = dict(zip(_RUN_COLUMNS, cur_row, strict=True))
    run["counts"] = json.loads(run["counts"] or "{}")
    run["notify"] = json.loads(run["notify"] or "[]")
    if run["status"] == "running" and not holder_alive(run["holder"]):
        # Shown as it will be written by the next claim (a reader does not write): a process
        # killed mid-run must not look as if it were still going.
        run["status"], run["summary"] = "failed", _DIED
    return run


def _close_dead_runs(con: duckdb.DuckDBPyConnection, job: str | None, now: datetime) -> None:
    sql = "SELECT id, holder, coalesce(heartbeat_at, started_at) FROM automation_runs WHERE status = 'running'"
    params: list[Any] = []
    if job is not None:
        sql += " AND job = ?"
        params.append(job)
    for rid, holder, beat in con.execute(sql, params).fetchall():
        if not holder_alive(holder) or beat < now - timedelta(seconds=STALE_S):
            con.execute("UPDATE automation_runs SET status = 'failed', finished_at = ?, summary = ? WHERE id = ?",
                        [now, _DIED, rid])


def interrupt_runs(store: Store, holder: str, now: datetime, why: str) -> int:
    """Close this process's runs that are still going (a daemon stopping before its job ends):
    the entry stays in the log, marked failed with what was done; what was written stays."""
    with store.write() as con:
        rows = con.execute("SELECT id, done, total FROM automation_runs WHERE status = 'running' AND holder = ?",
                           [holder]).fetchall()
        for rid, done, total in rows:
            con.execute("UPDATE automation_runs SET status = 'failed', finished_at = ?, summary = ? WHERE id = ?",
                        [now, f"Interrupted: {why} after {done or 0} of {total or 0} account(s).", rid])
    return len(rows)


def claim_run(store: Store, job: str, trigger: str, now: datetime, *, holder: str = PROCESS,
              day: date | None = None, total: int = 0, state: dict[str, str] | None = None) -> int | None:
    """Start a run of ``job`` (its id), or None when a live run of that job exists already.
    ``state`` keys are set in the same transaction (e.g. the job's last start)."""
    with store.write() as con:
        _close_dead_runs(con, job, now)
        busy = con.execute("SELECT count(*) FROM automation_runs WHERE job = ? AND status = 'running'", [job])
        if one_row(busy)[0]:
            return None
        rid = int(one_row(con.execute(
            "INSERT INTO automation_runs (job, trigger, status, day, holder, started_at, heartbeat_at, total) "
            "VALUES (?, ?, 'running', ?, ?, ?, ?, ?) RETURNING id",
            [job, trigger, day or now.date(), holder, now, now, total]))[0])
        for key, value in (state or {}).items():
            set_state(con, key, value)
    return rid


def update_progress(store: Store, run_id: int, done: int, total: int, now: datetime) -> None:
    with store.write() as con:
        con.execute("UPDATE automation_runs SET done = ?, total = ?, heartbeat_at = ? WHERE id = ?",
                    [done, total, now, run_id])


def add_results(store: Store, run_id: int, rows: list[dict[str, Any]], day: date, now: datetime) -> None:
    """Per-account results: account_id, name, ok, result, message, and a check-in's reason (a
    ``CheckInReason`` value; absent for other jobs: NULL)."""
    if not rows:
        return
    with store.write() as con:
        for r in rows:
            aid = r.get("account_id")
            con.execute("INSERT INTO automation_run_results (run_id, account_id, name, ok, result, message, day, "
                        "recorded_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, int(aid) if aid not in (None, "") else None, str(r.get("name") or ""),
                         bool(r.get("ok")), str(r.get("result") or ""), str(r.get("message") or ""), day, now,
                         str(r["reason"]) if r.get("reason") else None])


def finish_run(store: Store, run_id: int, *, status: str, now: datetime, summary: str, counts: dict[str, Any],
               done: int, total: int, state: dict[str, str] | None = None) -> None:
    with store.write() as con:
        con.execute("UPDATE automation_runs SET status = ?, finished_at = ?, heartbeat_at = ?, summary = ?, "
                    "counts = ?, done = ?, total = ? WHERE id = ?",
                    [status, now, now, summary, json.dumps(counts), done, total, run_id])
        for key, value in (state or {}).items():
            set_state(con, key, value)


def set_notify(store: Store, run_id: int, notify: list[dict[str, Any]]) -> None:
    with store.write() as con:
        con.execute("UPDATE automation_runs SET notify = ? WHERE id = ?", [json.dumps(notify, default=str), run_id])


def get_run(store: Store, run_id: int) -> dict[str, Any] | None:
    with store.read() as con:
        row = con.execute(f"SELECT {', '.join(_RUN_COLUMNS)} FROM automation_runs WHERE id = ?", [run_id]).fetchone()
    return None if row is None else _row(row)


def list_runs(store: Store, limit: int = 50, job: str | None = None) -> list[dict[str, Any]]:
    """The run log, newest first: id, job, trigger, status, day, started_at, finished_at, done,
    total, counts, summary, notify (a list of {channel, ok, message})."""
    sql = f"SELECT {', '.join(_RUN_COLUMNS)} FROM automation_runs"
    params: list[Any] = []
    if job is not None:
        sql += " WHERE job = ?"
        params.append(job)
    sql += " ORDER BY started_at DESC, id DESC LIMIT ?"
    params.append(max(0, int(limit)))
    with store.read() as con:
        return [_row(r) for r in con.execute(sql, params).fetchall()]


def run_results(store: Store, run_id: int) -> list[dict[str, Any]]:
    """A run's per-account results: account_id, name, ok, result, message, day, recorded_at."""
    with store.read() as con:
        cur = con.execute("SELECT account_id, name, ok, result, reason, message, day, recorded_at "
                          "FROM automation_run_results "
                          "WHERE run_id = ? ORDER BY recorded_at, account_id", [int(run_id)])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def running_trigger(store: Store, job: str) -> str | None:
    """The trigger of the live run of ``job`` (None: none is running)."""
    with store.read() as con:
        rows = con.execute(f"SELECT {', '.join(_RUN_COLUMNS)} FROM automation_runs WHERE status = 'running' "
                           "AND job = ?", [job]).fetchall()
    run = next((run for run in map(_row, rows) if run["status"] == "running"), None)
    return run["trigger"] if run else None


def current_run(store: Store) -> dict[str, Any] | None:
    """The newest run still running (a page polls its done/total), or None. A run whose process
    is gone is not running, whatever its row says until the next claim closes it."""
    with store.read() as con:
        rows = con.execute(f"SELECT {', '.join(_RUN_COLUMNS)} FROM automation_runs WHERE status = 'running' "
                           "ORDER BY started_at DESC, id DESC").fetchall()
    return next((run for run in map(_row, rows) if run["status"] == "running"), None)
