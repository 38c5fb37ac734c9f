"""When each job is due: the schedule math, over the settings and the state in the store.

Check-in days are local calendar days. The window's minutes that fall on a day are that
day's part of it (a window that crosses midnight, 22:00-02:00, gives each day 00:00-02:00
and 22:00-23:59), so every day gets exactly one planned time, on that day. In random mode
the time is picked once per day (and again only if the window changes) and stored, so a
restart keeps it. A day whose planned time has passed without its daily run is caught up at
once. Retries cover only the accounts whose check-in failed today, every ``retry_interval_s``
after the day's last check-in run, at most ``retry_max`` a day. Whether an account is checked
in today is read from the store (the check-in log, the account's check-in date, this room's
run results), never from memory.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from allhub_core import sync
from allhub_core.accounts import CHECKIN_DONE_SQL, checkin_due_sql
from allhub_core.automation.clock import local_now
from allhub_core.automation.runlog import get_state, set_state
from allhub_core.automation.settings import AutomationSettings, get_settings
from allhub_core.store import Store
from allhub_core.vocab import CheckInReason, CheckInResult, Job

__all__ = [
    "CATCH_UP_GRACE_S",
    "JOBS",
    "SCHEDULED",
    "at_local",
    "checkin_candidates",
    "daily_done",
    "due_jobs",
    "failed_today",
    "next_runs",
    "planned_checkin_time",
    "retries_done",
    "window_parts",
]

JOBS = (Job.REFRESH, Job.CHECKIN, Job.USAGE_SYNC, Job.WEBDAV_SYNC, Job.MODELS_SYNC)
#: what ``next_runs`` lists: the jobs plus the check-in retry
SCHEDULED = (Job.REFRESH, Job.CHECKIN, Job.CHECKIN_RETRY, Job.USAGE_SYNC, Job.WEBDAV_SYNC, Job.MODELS_SYNC)
#: a daily run started this long after its planned time is logged as a catch-up
CATCH_UP_GRACE_S = 300


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def window_parts(settings: AutomationSettings) -> list[tuple[int, int]]:
    """The window's minutes on one day, as inclusive (first, last) minute ranges."""
    a, b = _minutes(settings.checkin_window_start), _minutes(settings.checkin_window_end)
    if a < b:
        return [(a, b)]
    return [(0, b), (a, 24 * 60 - 1)]


def _pick(settings: AutomationSettings, rng: random.Random | None = None) -> str:
    parts = window_parts(settings)
    r = (rng or random.SystemRandom()).randrange(sum(b - a + 1 for a, b in parts))
    for a, b in parts:
        if r <= b - a:
            return _hhmm(a + r)
        r -= b - a + 1
    raise AssertionError("unreachable")  # pragma: no cover


def at_local(day: date, hhmm: str, tz: Any) -> datetime:
    """``day`` at ``hhmm`` in the clock's time zone (the system's rules when it is local time)."""
    naive = datetime.combine(day, time.fromisoformat(hhmm))
    if isinstance(tz, ZoneInfo):
        return naive.replace(tzinfo=tz)
    local = naive.astimezone()
    if tz is None or (isinstance(tz, timezone) and local.utcoffset() == tz.utcoffset(None)):
        return local
    return naive.replace(tzinfo=tz)


def planned_checkin_time(store: Store, settings: AutomationSettings, day: date, tz: Any,
                         rng: random.Random | None = None) -> datetime:
    """The day's check-in time: the fixed time, or the random one picked (and stored) once."""
    if settings.checkin_mode == "fixed":
        return at_local(day, settings.checkin_time, tz)
    key = f"checkin_time:{day.isoformat()}"
    window = settings.window

    def stored(value: str | None) -> str | None:
        try:
            data = json.loads(value) if value else None
        except ValueError:
            return None
        return data["time"] if isinstance(data, dict) and data.get("window") == window else None

    hhmm = stored(get_state(store, key))
    if hhmm is None:
        with store.write() as con:  # re-read inside the write: another process may have just picked
            hhmm = stored(get_state(con, key))
            if hhmm is None:
                hhmm = _pick(settings, rng)
                set_state(con, key, json.dumps({"time": hhmm, "window": window}))
    return at_local(day, hhmm, tz)


def _eligible_sql(extra: str = "") -> str:
    # "due on $day" (enabled, auto check-in on, able to check in, not checked in) is the
    # accounts room's one rule (the pages show the same); a done result in this room's own run
    # log counts too.
    return f"""
        SELECT a.id, a.site_name FROM accounts a
        WHERE {checkin_due_sql("a", "$day")}
          AND NOT EXISTS (SELECT 1 FROM automation_run_results r JOIN automation_runs u ON u.id = r.run_id
                          WHERE u.job = 'checkin' AND r.account_id = a.id AND r.day = $day
                            AND r.result IN {CHECKIN_DONE_SQL})
          {extra}
        ORDER BY a.id"""


def checkin_candidates(store: Store, day: date) -> list[tuple[int, str]]:
    """Accounts the daily check-in takes today: enabled, auto check-in on, able to check in,
    and not checked in on ``day`` by any run, process or hand."""
    with store.read() as con:
        return [(int(r[0]), r[1]) for r in con.execute(_eligible_sql(), {"day": day}).fetchall()]


def failed_today(store: Store, day: date) -> list[tuple[int, str]]:
    """Candidates whose latest automated check-in result today is a failure a retry can overcome
    (what a retry takes): its reason is retryable (``CheckInReason.retryable``) or it has none (a
    result written before reasons, retried as before). A rejected token or a Turnstile wall would
    fail the same way again, so it waits for the user."""
    retryable = "(" + ", ".join(f"'{r.value}'" for r in CheckInReason if r.retryable) + ")"
    extra = f"""AND (SELECT r.result = '{CheckInResult.FAILED.value}' AND coalesce(r.reason IN {retryable}, true)
                     FROM automation_run_results r JOIN automation_runs u ON u.id = r.run_id
                     WHERE u.job = 'checkin' AND r.account_id = a.id AND r.day = $day
                     ORDER BY r.recorded_at DESC, u.id DESC LIMIT 1)"""
    with store.read() as con:
        return [(int(r[0]), r[1]) for r in con.execute(_eligible_sql(extra), {"day": day}).fetchall()]


def daily_done(store: Store, day: date) -> bool:
    return get_state(store, f"checkin_daily:{day.isoformat()}") is not None


def retries_done(store: Store, day: date) -> int:
    return int(get_state(store, f"checkin_retries:{day.isoformat()}") or 0)


def _last_checkin_end(store: Store, day: date) -> datetime | None:
    with store.read() as con:
        row = con.execute("SELECT max(finished_at) FROM automation_runs WHERE job = 'checkin' AND day = ? "
                          "AND status <> 'running'", [day]).fetchone()
    return row[0] if row else None


def _last_start(store: Store, job: str) -> datetime | None:
    raw = get_state(store, f"last_start:{job}")
    return datetime.fromisoformat(raw) if raw else None


def _when(moment: datetime, now: datetime) -> str:
    moment = moment.astimezone(now.tzinfo)
    if moment.date() == now.date():
        return f"today at {moment:%H:%M}"
    if moment.date() == now.date() + timedelta(days=1):
        return f"tomorrow at {moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"every {seconds // 3600} h"
    if seconds % 60 == 0:
        return f"every {seconds // 60} min"
    return f"every {seconds} s"


def _interval_job(store: Store, job: str, enabled: bool, interval: int, now: datetime,
                  off_note: str = "off") -> dict[str, Any]:
    if not enabled:
        return {"job": job, "next_at": None, "note": off_note, "due": False, "trigger": None}
    last = _last_start(store, job)
    nxt = now if last is None else last + timedelta(seconds=interval)
    due = nxt <= now
    note = f"{'now' if due else _when(nxt, now)} ({_every(interval)})"
    return {"job": job, "next_at": now if due else nxt, "note": note, "due": due, "trigger": "schedule"}


def _checkin_entries(store: Store, s: AutomationSettings, now: datetime) -> list[dict[str, Any]]:
    tz = now.tzinfo
    how = f"random in {s.window}" if s.checkin_mode == "random" else "fixed time"
    if not s.checkin_enabled:
        return [{"job": "checkin", "next_at": None, "note": "off", "due": False, "trigger": None},
                {"job": "checkin_retry", "next_at": None, "note": "off", "due": False, "trigger": None}]
    today = now.date()
    planned = planned_checkin_time(store, s, today, tz)
    out: list[dict[str, Any]] = []
    if not daily_done(store, today):
        if planned <= now:
            late = (now - planned).total_seconds() > CATCH_UP_GRACE_S
            note = f"now (catching up today's {planned:%H:%M}, {how})" if late else f"now ({how})"
            out.append({"job": "checkin", "next_at": now, "note": note, "due": True,
                        "trigger": "catch-up" if late else "schedule", "planned_at": planned})
        else:
            out.append({"job": "checkin", "next_at": planned, "note": f"{_when(planned, now)} ({how})", "due": False,
                        "trigger": "schedule", "planned_at": planned})
        retry = {"job": "checkin_retry", "next_at": None, "due": False, "trigger": None,
                 "note": "off" if not s.retry_enabled else "after today's check-in, if any account fails"}
        return [*out, retry]
    tomorrow = planned_checkin_time(store, s, today + timedelta(days=1), tz)
    out.append({"job": "checkin", "next_at": tomorrow, "note": f"done today; {_when(tomorrow, now)} ({how})",
                "due": False, "trigger": "schedule", "planned_at": tomorrow})
    if not s.retry_enabled:
        return [*out, {"job": "checkin_retry", "next_at": None, "note": "off", "due": False, "trigger": None}]
    used = retries_done(store, today)
    failed = failed_today(store, today)
    if used >= s.retry_max:
        note = f"none left today ({used} of {s.retry_max} used)"
        return [*out, {"job": "checkin_retry", "next_at": None, "note": note, "due": False, "trigger": None}]
    if not failed:
        return [*out, {"job": "checkin_retry", "next_at": None, "note": "no failed check-ins today", "due": False,
                       "trigger": None}]
    last = _last_checkin_end(store, today) or now
    nxt = last + timedelta(seconds=s.retry_interval_s)
    due = nxt <= now
    note = (f"{'now' if due else _when(nxt, now)} (retry {used + 1} of {s.retry_max}, "
            f"{len(failed)} account(s) failed)")
    return [*out, {"job": "checkin_retry", "next_at": now if due else nxt, "note": note, "due": due,
                   "trigger": "retry"}]


def _webdav_configured(store: Store) -> bool:
    return sync.get_backup_settings(store).complete  # sync's backup module loads when asked


def next_runs(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each scheduled job: job, next_at (aware datetime or None), note (one phrase: "today at
    14:37 (random in 09:00–23:00)", "off"), due (bool), trigger (what a run now would be)."""
    now = now or local_now()
    s = get_settings(store)
    rows = [_interval_job(store, "refresh", s.refresh_enabled, s.refresh_interval_s, now)]
    rows += _checkin_entries(store, s, now)
    rows.append(_interval_job(store, "usage_sync", s.usage_sync_enabled, s.usage_sync_interval_s, now))
    configured = _webdav_configured(store) if s.webdav_sync_enabled else False
    rows.append(_interval_job(store, "webdav_sync", s.webdav_sync_enabled and configured, s.webdav_sync_interval_s,
                              now, off_note="off" if not s.webdav_sync_enabled else "off (WebDAV is not set up)"))
    rows.append(_interval_job(store, "models_sync", s.models_sync_enabled, s.models_sync_interval_s, now))
    return rows


def due_jobs(store: Store, now: datetime) -> list[dict[str, Any]]:
    """The entries of ``next_runs`` due at ``now``, in a fixed order (check-in first)."""
    order = {"checkin": 0, "checkin_retry": 1, "refresh": 2, "usage_sync": 3, "webdav_sync": 4, "models_sync": 5}
    return sorted((r for r in next_runs(store, now) if r["due"]), key=lambda r: order[r["job"]])
